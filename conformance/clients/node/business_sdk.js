// Meta's Node Business SDK (`facebook-nodejs-business-sdk`) through the publish / comment /
// hashtag flow, at its default API version (`FacebookAdsApi.VERSION`).
//
// Pointing it at igsim: the SDK has no base-URL setting. Every call site reads the static
// getter `FacebookAdsApi.GRAPH` (`https://graph.facebook.com`); the only override it offers
// is `urlOverride` on a raw `api.call`, which its objects never pass. So the one change made
// here is redefining that getter (below); nothing else of the SDK is touched. An HTTP proxy
// is no way round it: its HTTP client (axios) tunnels https through CONNECT + TLS.
//
// What it sends: the token as `access_token` in the query string of every call; GET
// parameters in the query; POST parameters as a JSON body that also carries the object's own
// data (`id` for an object made from an id: AbstractCrudObject.createEdge/update merge
// `exportData()`); edges walked by following `paging.next` verbatim (Cursor#next). A batch
// (FacebookAdsApiBatch) is one POST to the versioned root whose JSON body holds `batch` as a
// JSON array (not a string) of calls with unencoded relative URLs.
//
// Inputs and exit codes: see ../python/flow.py (the same contract).

'use strict';

const sdk = require('facebook-nodejs-business-sdk');

const {FacebookAdsApi, FacebookAdsApiBatch, User, Page, IGUser, IGMedia, IGComment, ShadowIGHashtag, ShadowIGMediaBuilder} =
  sdk;
const {UNFETCHABLE, check, imageUrl, inputs, run, step, unfetchableImageUrl} = require('./flow');

const CLIENT = 'facebook-nodejs-business-sdk (Node)';

/** Every item of an edge: the first page, then `paging.next` until there is none. */
async function all(firstPage) {
  const cursor = await firstPage;
  const items = [...cursor];
  while (cursor.hasNext()) {
    await cursor.next();
    items.push(...cursor);
  }
  return items;
}

async function flow() {
  const {base, token, wantIg, hashtag} = inputs();

  Object.defineProperty(FacebookAdsApi, 'GRAPH', {get: () => base});
  // No crash reporter: it would post the SDK's exceptions to Meta.
  const api = FacebookAdsApi.init(token, 'en_US', false);
  console.log(`  ${CLIENT} speaks ${FacebookAdsApi.VERSION} (SDK ${FacebookAdsApi.SDK_VERSION})`);

  step("me/accounts -> the Page's instagram_business_account");
  const pages = await all(new User('me', {}, null, api).getAccounts(['name', 'instagram_business_account']));
  const linked = pages.filter((p) => (p.instagram_business_account || {}).id === wantIg);
  check(linked.length === 1, `me/accounts lists no Page linked to ${wantIg}: ${JSON.stringify(pages.map((p) => p._data))}`);
  const page = await new Page(linked[0].id, {}, null, api).get(['instagram_business_account']);
  check(page.instagram_business_account.id === wantIg, `the Page reads ${JSON.stringify(page._data)}`);

  const ig = new IGUser(wantIg, {}, null, api);
  const me = await new IGUser(wantIg, {}, null, api).get(['username', 'media_count']);
  check(Number.isInteger(me.media_count), `media_count is ${me.media_count}`);

  step('create an image container, poll it, publish it');
  const caption = `Published by ${CLIENT} #${hashtag}`;
  const container = await ig.createMedia([], {
    image_url: imageUrl('business-sdk-node'),
    caption,
  });
  check(container.id, `the container has no id: ${JSON.stringify(container._data)}`);
  let status = null;
  for (let i = 0; i < 10; i++) {
    // images are FINISHED at once; a bounded number of polls, no sleeping
    status = await new ShadowIGMediaBuilder(container.id, {}, null, api).get(['status_code', 'status']);
    if (status.status_code !== 'IN_PROGRESS') break;
  }
  check(status.status_code === 'FINISHED', `container status ${JSON.stringify(status._data)}`);
  const published = await new IGUser(wantIg, {}, null, api).createMediaPublish([], {creation_id: container.id});
  const mediaId = published.id;
  const media = await new IGMedia(mediaId, {}, null, api).get([
    'caption', 'media_type', 'media_product_type', 'permalink', 'timestamp', 'username', 'comments_count',
  ]);
  check(media.caption === caption, `caption reads back as ${JSON.stringify(media.caption)}`);
  check(media.media_type === 'IMAGE', `media_type ${media.media_type}`);
  check(media.username === me.username, `username ${media.username}`);
  const newest = await new IGUser(wantIg, {}, null, api).getMedia(['id'], {limit: 1});
  check(newest[0].id === mediaId, `the account's newest media is ${newest[0].id}, not ${mediaId}`);

  step('comment, reply, list comments across pages, delete the reply');
  const onMedia = () => new IGMedia(mediaId, {}, null, api);
  const first = await onMedia().createComment([], {message: `first comment from ${CLIENT}`});
  const second = await onMedia().createComment([], {message: 'second comment'});
  const reply = await new IGComment(first.id, {}, null, api).createReply([], {message: 'a reply'});
  const listed = (await all(onMedia().getComments(['id', 'text', 'username', 'timestamp'], {limit: 1}))).map((c) => c.id);
  check(JSON.stringify(listed.sort()) === JSON.stringify([first.id, second.id].sort()),
    `comments listed (limit=1 a page): ${listed}`);
  const replies = (await all(new IGComment(first.id, {}, null, api).getReplies(['id', 'text']))).map((r) => r.id);
  check(JSON.stringify(replies) === JSON.stringify([reply.id]), `replies of the first comment: ${replies}`);
  const count = (await onMedia().get(['comments_count'])).comments_count;
  check(count === 3, `comments_count after two comments and a reply is ${count}`);
  const deleted = await new IGComment(reply.id, {}, null, api).delete();
  check(deleted.success === true, `deleting the reply answered ${JSON.stringify(deleted)}`);
  const gone = await all(new IGComment(first.id, {}, null, api).getReplies(['id']));
  check(gone.length === 0, `replies after deleting the reply: ${gone.map((r) => r.id)}`);
  const after = (await onMedia().get(['comments_count'])).comments_count;
  check(after === 2, `comments_count after deleting the reply is ${after}`);

  step('a batch: the media, its comments and the container in one request');
  const answers = {};
  const batch = new FacebookAdsApiBatch(api);
  const keep = (name) => (response) => {
    answers[name] = response;
  };
  batch.add('GET', [mediaId], {fields: 'caption'}, null, keep('media'), keep('media'));
  batch.add('GET', [mediaId, 'comments'], {fields: 'id,text'}, null, keep('comments'), keep('comments'));
  batch.add('GET', [container.id], {fields: 'status_code'}, null, keep('container'), keep('container'));
  check((await batch.execute()) === null, 'the batch left calls to retry');
  const failed = Object.entries(answers).filter(([, r]) => !r.isSuccess);
  check(Object.keys(answers).length === 3 && failed.length === 0, `batch answers: ${JSON.stringify(answers)}`);
  check(answers.media.body.caption === caption, `the batch read the media as ${JSON.stringify(answers.media.body)}`);
  check(answers.comments.body.data.length === 2, `the batch listed ${JSON.stringify(answers.comments.body)}`);
  check(answers.container.body.status_code === 'PUBLISHED', `the batch read ${JSON.stringify(answers.container.body)}`);

  step("hide and unhide a visitor's comment");
  const visitor = await findVisitorComment(api, wantIg, me.username);
  check(visitor !== null, "no comment by another user on the account's newest media");
  const hidden = await new IGComment(visitor, {}, null, api).update([], {hide: true});
  check(hidden.success === true, `hide answered ${JSON.stringify(hidden)}`);
  check((await new IGComment(visitor, {}, null, api).get(['hidden'])).hidden === true, 'the comment is not hidden');
  await new IGComment(visitor, {}, null, api).update([], {hide: false});
  check((await new IGComment(visitor, {}, null, api).get(['hidden'])).hidden === false, 'the comment is still hidden');

  step('hashtag search, top and recent media');
  // The SDK has no object for the root edge; its raw call is the documented way.
  const found = await api.call('GET', ['ig_hashtag_search'], {user_id: wantIg, q: hashtag});
  check(found.data && found.data.length === 1, `ig_hashtag_search answered ${JSON.stringify(found)}`);
  const tagId = found.data[0].id;
  const tag = await new ShadowIGHashtag(tagId, {}, null, api).get(['id', 'name']);
  check(tag.name === hashtag, `the hashtag reads ${JSON.stringify(tag._data)}`);
  for (const edge of ['getRecentMedia', 'getTopMedia']) {
    const items = await all(new ShadowIGHashtag(tagId, {}, null, api)[edge](['id', 'caption', 'media_type'], {user_id: wantIg}));
    const ids = items.map((m) => m.id);
    check(ids.includes(mediaId), `${edge} of #${hashtag} lacks the new post: ${ids}`);
  }

  step("a media URL that cannot be fetched: refused through the SDK's own error");
  let refusal = null;
  try {
    await new IGUser(wantIg, {}, null, api).createMedia([], {image_url: unfetchableImageUrl('business-sdk-node')});
  } catch (e) {
    refusal = e;
  }
  // FacebookRequestError is not exported; it is recognised by its name.
  check(refusal && refusal.name === 'FacebookRequestError', `no FacebookRequestError: ${refusal}`);
  const got = [refusal.status, refusal.response.code, refusal.response.error_subcode];
  check(JSON.stringify(got) === JSON.stringify(UNFETCHABLE), `the SDK read the refusal as ${got}: ${JSON.stringify(refusal.response)}`);

  step('content_publishing_limit');
  const limit = await new IGUser(wantIg, {}, null, api).getContentPublishingLimit(['quota_usage', 'config']);
  check(limit[0].quota_usage >= 1, `quota_usage ${JSON.stringify(limit[0]._data)}`);
  check(limit[0].config.quota_total > 0, `config ${JSON.stringify(limit[0]._data)}`);
}

/** The id of a visible comment by someone else on one of the account's 25 newest media, or null. */
async function findVisitorComment(api, igId, username) {
  const media = await new IGUser(igId, {}, null, api).getMedia(['id', 'comments_count'], {limit: 25});
  for (const m of media) {
    if (!m.comments_count) continue;
    const comments = await all(new IGMedia(m.id, {}, null, api).getComments(['id', 'username', 'hidden']));
    const other = comments.find((c) => c.username !== username && !c.hidden);
    if (other) return other.id;
  }
  return null;
}

run(CLIENT, flow);
