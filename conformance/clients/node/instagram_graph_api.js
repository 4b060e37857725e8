// The npm `instagram-graph-api` client through the publish / comment / hashtag flow.
//
// Used as documented: a `Client(accessToken, igUserId)` whose request builders are executed
// with the platform's `fetch`. Without an API version (the client's default) it requests
// versionless paths with a doubled slash (`{API_URL}//{id}/media`). Pointing it at igsim: its
// own public constant `Constants.API_URL` (`https://graph.facebook.com`), assigned below.
//
// What it sends: every parameter in the query string, the token as `access_token` too, POSTs
// with no body; parameters whose value is falsy are dropped (so `hide=false` never leaves it and
// it cannot unhide a comment: not exercised); its comment lists expose no paging. It asks for broad default field sets (media:
// ig_id, is_comment_enabled, shortcode, thumbnail_url, owner…; comments: user, from, media,
// replies…), sends `media_type=IMAGE` on an image container, and pages media with `after=`
// cursors.
//
// Inputs and exit codes: see ../python/flow.py (the same contract).

'use strict';

const ig = require('instagram-graph-api');

const {UNFETCHABLE, check, imageUrl, inputs, run, step, unfetchableImageUrl} = require('./flow');

const CLIENT = 'instagram-graph-api (npm)';

/** The first `pages` pages of a paged request (`after=` from `paging.cursors`), flattened. */
async function firstPages(makeRequest, count) {
  const items = [];
  let after;
  for (let i = 0; i < count; i++) {
    let request = makeRequest();
    if (after) request = request.withPaging({option: ig.PageOption.AFTER, value: after});
    const page = await request.execute();
    items.push(...page.getData());
    const paging = page.getPaging();
    if (!paging.getNext()) break;
    after = paging.getAfter();
  }
  return items;
}

async function flow() {
  const {base, token, wantIg, hashtag} = inputs();

  ig.Constants.API_URL = base;
  console.log(`  ${CLIENT} speaks no version (versionless paths)`);

  step("me/accounts -> the Page's instagram_business_account");
  const pages = (await new ig.GetAuthorizedFacebookPagesRequest(token).execute()).getAuthorizedFacebookPages();
  const linked = [];
  for (const page of pages) {
    const account = await new ig.GetLinkedInstagramAccountRequest(token, page.id).execute();
    if ((account.getData().instagram_business_account || {}).id === wantIg) linked.push(page.id);
  }
  check(linked.length === 1, `no Page of me/accounts is linked to ${wantIg}: ${JSON.stringify(pages)}`);

  const client = new ig.Client(token, wantIg);
  const info = await client.newGetPageInfoRequest().execute();
  check(info.getId() === wantIg && info.getUsername(), `the IG user reads ${JSON.stringify(info.getData())}`);
  const username = info.getUsername();

  step('create an image container, poll it, publish it');
  const caption = `Published by ${CLIENT} #${hashtag}`;
  const created = await client
    .newPostPagePhotoMediaRequest(imageUrl('instagram-graph-api-npm'), caption)
    .execute();
  const containerId = created.getId();
  check(containerId, `creating the container answered ${JSON.stringify(created.getData())}`);
  let container = null;
  for (let i = 0; i < 10; i++) {
    // images are FINISHED at once; a bounded number of polls, no sleeping
    container = await client.newGetContainerRequest(containerId).execute();
    if (container.getContainerStatusCode() !== ig.CONTAINER_STATUS_CODE.IN_PROGRESS) break;
  }
  check(container.getContainerStatusCode() === ig.CONTAINER_STATUS_CODE.FINISHED,
    `container ${JSON.stringify(container.getData())}`);
  const mediaId = (await client.newPostPublishMediaRequest(containerId).execute()).getId();
  const media = await client.newGetMediaInfoRequest(mediaId).execute();
  check(media.getCaption() === caption, `caption reads back as ${JSON.stringify(media.getCaption())}`);
  check(media.getMediaType() === 'IMAGE', `media_type ${media.getMediaType()}`);
  check(media.getOwnerId() === wantIg, `owner ${JSON.stringify(media.getOwner())}`);
  // The media list one a page, with the client's default (broad) field set.
  const newest = await firstPages(() => client.newGetPageMediaRequest().withLimit(1), 3);
  check(newest.length === 3 && new Set(newest.map((m) => m.id)).size === 3, `three pages of one: ${JSON.stringify(newest)}`);
  check(newest[0].id === mediaId, `the account's newest media is ${newest[0].id}, not ${mediaId}`);
  check(newest[0].ig_id && newest[0].shortcode, `the media list lacks ig_id/shortcode: ${JSON.stringify(newest[0])}`);

  step('comment, reply, list comments, delete the reply');
  const first = (await client.newPostMediaCommentRequest(mediaId, `first comment from ${CLIENT}`).execute()).getId();
  const second = (await client.newPostMediaCommentRequest(mediaId, 'second comment').execute()).getId();
  const reply = (await client.newPostReplyRequest(first, 'a reply').execute()).getId();
  // Its comment lists expose no paging: one page.
  const listed = (await client.newGetMediaCommentsRequest(mediaId).execute()).getIds();
  check(JSON.stringify(listed.sort()) === JSON.stringify([first, second].sort()), `comments listed: ${listed}`);
  const replies = (await client.newGetRepliesRequest(first).execute()).getIds();
  check(JSON.stringify(replies) === JSON.stringify([reply]), `replies of the first comment: ${replies}`);
  const count = (await client.newGetMediaInfoRequest(mediaId, ig.PublicMediaField.COMMENTS_COUNT).execute()).getCommentsCount();
  check(count === 3, `comments_count after two comments and a reply is ${count}`);
  const deleted = await client.newDeleteCommentRequest(reply).execute();
  check(deleted.wasSuccessful() === true, `deleting the reply answered ${JSON.stringify(deleted.getData())}`);
  const gone = (await client.newGetRepliesRequest(first).execute()).getIds();
  check(gone.length === 0, `replies after deleting the reply: ${gone}`);
  const after = (await client.newGetMediaInfoRequest(mediaId, ig.PublicMediaField.COMMENTS_COUNT).execute()).getCommentsCount();
  check(after === 2, `comments_count after deleting the reply is ${after}`);

  step("hide a visitor's comment");
  const visitor = await findVisitorComment(client, username);
  check(visitor !== null, "no visible comment by another user on the account's newest media");
  const hidden = await client.newPostHideCommentRequest(visitor, true).execute();
  check(hidden.wasSuccessful() === true, `hide answered ${JSON.stringify(hidden.getData())}`);
  const read = await client.newGetCommentRequest(visitor).execute();
  check(read.isHidden() === true, `the comment reads ${JSON.stringify(read.getData())}`);

  step('hashtag search, top and recent media');
  const tagId = (await client.newGetHashtagIdRequest(hashtag).execute()).getId();
  check(tagId, `ig_hashtag_search found no #${hashtag}`);
  const recent = (await client.newGetHashtagRecentMediaRequest(tagId).execute()).getIds();
  check(recent.includes(mediaId), `recent_media of #${hashtag} lacks the new post: ${recent}`);
  const top = (await client.newGetHashtagTopMediaRequest(tagId).execute()).getIds();
  check(top.includes(mediaId), `top_media of #${hashtag} lacks the new post: ${top}`);

  step('a media URL that cannot be fetched: refused in the body the client hands back');
  // It has no error type: a refusal is the parsed body, read with the same getters.
  const refused = (await client.newPostPagePhotoMediaRequest(unfetchableImageUrl('instagram-graph-api-npm')).execute()).getData();
  const got = [refused.error && refused.error.code, refused.error && refused.error.error_subcode];
  check(JSON.stringify(got) === JSON.stringify(UNFETCHABLE.slice(1)), `the refusal reads ${JSON.stringify(refused)}`);

  step('content_publishing_limit');
  const limit = await client.newGetContentPublishingLimitRequest().execute();
  check(limit.getData().quota_usage >= 1, `quota_usage ${JSON.stringify(limit.getData())}`);
  check(limit.getQuotaTotal() > 0, `config ${JSON.stringify(limit.getData())}`);
}

/** The id of a visible comment by someone else on one of the account's 25 newest media, or null. */
async function findVisitorComment(client, username) {
  const media = await client.newGetPageMediaRequest(ig.PublicMediaField.ID, ig.PublicMediaField.COMMENTS_COUNT).withLimit(25).execute();
  for (const m of media.getData()) {
    if (!m.comments_count) continue;
    const request = client.newGetMediaCommentsRequest(m.id, ig.CommentField.ID, ig.CommentField.USERNAME, ig.CommentField.HIDDEN);
    const other = (await request.withLimit(50).execute()).getData().find((c) => c.username !== username && !c.hidden);
    if (other) return other.id;
  }
  return null;
}

run(CLIENT, flow);
