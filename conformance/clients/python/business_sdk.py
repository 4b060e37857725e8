"""Meta's Python Business SDK (`facebook-business`) through the publish / comment / hashtag flow.

The SDK is used as an app would use it, at its default API version (`FacebookAdsApi.API_VERSION`);
the only change is the Graph URL, set on the session's `GRAPH` attribute (the SDK's own
setting for it: `FacebookSession.GRAPH`, read by `FacebookAdsApi.call`). The SDK sends the token
as `access_token` and, given the app secret, `appsecret_proof` in the query string of every
call (`requests` session parameters), POST
parameters as a form body, and walks edges with `Cursor` (`summary=true`, `after=` from
`paging.cursors` while `paging.next` is present). A batch (`api.new_batch()`) is one form POST to
the versioned root with `batch=` holding relative URLs without a version. Inputs: see `flow.py`.
"""

from facebook_business.adobjects.igcomment import IGComment
from facebook_business.adobjects.igmedia import IGMedia
from facebook_business.adobjects.iguser import IGUser
from facebook_business.adobjects.page import Page
from facebook_business.adobjects.shadowighashtag import ShadowIGHashtag
from facebook_business.adobjects.shadowigmediabuilder import ShadowIGMediaBuilder
from facebook_business.adobjects.user import User
from facebook_business.api import FacebookAdsApi
from facebook_business.exceptions import FacebookRequestError
from facebook_business.session import FacebookSession

from flow import UNFETCHABLE, app, check, image_url, inputs, run, step, unfetchable_image_url

CLIENT = "facebook-business (Python)"


def flow():
    base, token, want_ig, hashtag = inputs()

    app_id, app_secret = app()
    session = FacebookSession(app_id=app_id, app_secret=app_secret, access_token=token)
    session.GRAPH = base
    # No api_version: the SDK's default. No FacebookAdsApi.init: it would also switch on the
    # SDK's crash reporter, which posts to Meta.
    api = FacebookAdsApi(session)
    print(f"  {CLIENT} speaks {FacebookAdsApi.API_VERSION} (SDK {FacebookAdsApi.SDK_VERSION})")

    step("me/accounts -> the Page's instagram_business_account")
    pages = list(User(fbid="me", api=api).get_accounts(fields=["name", "instagram_business_account"]))
    linked = [p for p in pages if (p.get("instagram_business_account") or {}).get("id") == want_ig]
    check(len(linked) == 1, f"me/accounts lists no Page linked to {want_ig}: {[p.export_all_data() for p in pages]}")
    page = Page(linked[0]["id"], api=api).api_get(fields=["instagram_business_account"])
    check(page["instagram_business_account"]["id"] == want_ig, f"the Page reads {page.export_all_data()}")

    ig = IGUser(want_ig, api=api)
    me = ig.api_get(fields=["username", "media_count"])
    username = me["username"]
    check(isinstance(me["media_count"], int), f"media_count is {me['media_count']!r}")

    step("create an image container, poll it, publish it")
    caption = f"Published by {CLIENT} #{hashtag}"
    container = ig.create_media(params={"image_url": image_url("business-sdk-python"), "caption": caption})
    check(container.get("id"), f"the container has no id: {container.export_all_data()}")
    status = None
    for _ in range(10):  # images are FINISHED at once; a bounded number of polls, no sleeping
        status = ShadowIGMediaBuilder(container["id"], api=api).api_get(fields=["status_code", "status"])
        if status["status_code"] != "IN_PROGRESS":
            break
    check(status["status_code"] == "FINISHED", f"container status {status.export_all_data()}")
    published = ig.create_media_publish(params={"creation_id": container["id"]})
    media_id = published["id"]
    media = IGMedia(media_id, api=api).api_get(
        fields=["caption", "media_type", "media_product_type", "permalink", "timestamp", "username", "comments_count"]
    )
    check(media["caption"] == caption, f"caption reads back as {media['caption']!r}")
    check(media["media_type"] == "IMAGE", f"media_type {media['media_type']!r}")
    check(media["username"] == username, f"username {media['username']!r}")
    newest = next(iter(ig.get_media(fields=["id"], params={"limit": 1})))
    check(newest["id"] == media_id, f"the account's newest media is {newest['id']}, not {media_id}")

    step("comment, reply, list comments across pages, delete the reply")
    first = media.create_comment(params={"message": f"first comment from {CLIENT}"})
    second = media.create_comment(params={"message": "second comment"})
    reply = IGComment(first["id"], api=api).create_reply(params={"message": "a reply"})
    listed = [c["id"] for c in media.get_comments(fields=["id", "text", "username", "timestamp"], params={"limit": 1})]
    check(sorted(listed) == sorted([first["id"], second["id"]]), f"comments listed (limit=1 a page): {listed}")
    replies = [r["id"] for r in IGComment(first["id"], api=api).get_replies(fields=["id", "text"])]
    check(replies == [reply["id"]], f"replies of the first comment: {replies}")
    count = IGMedia(media_id, api=api).api_get(fields=["comments_count"])["comments_count"]
    check(count == 3, f"comments_count after two comments and a reply is {count}")
    IGComment(reply["id"], api=api).api_delete()
    gone = [r["id"] for r in IGComment(first["id"], api=api).get_replies(fields=["id"])]
    check(gone == [], f"replies after deleting the reply: {gone}")
    count = IGMedia(media_id, api=api).api_get(fields=["comments_count"])["comments_count"]
    check(count == 2, f"comments_count after deleting the reply is {count}")

    step("a batch: the media, its comments and the container in one request")
    results = {}
    batch = api.new_batch()

    def keep(name):
        def callback(response):
            results[name] = response

        return callback

    IGMedia(media_id, api=api).api_get(fields=["caption"], batch=batch, success=keep("media"), failure=keep("media"))
    media.get_comments(fields=["id", "text"], batch=batch, success=keep("comments"), failure=keep("comments"))
    ShadowIGMediaBuilder(container["id"], api=api).api_get(
        fields=["status_code"], batch=batch, success=keep("container"), failure=keep("container")
    )
    check(batch.execute() is None, "the batch left calls to retry")
    bodies = {name: r.json() for name, r in results.items() if r.is_success()}
    check(set(bodies) == {"media", "comments", "container"}, f"batch answers: { {n: r.body() for n, r in results.items()} }")
    check(bodies["media"]["caption"] == caption, f"the batch read the media as {bodies['media']}")
    check(len(bodies["comments"]["data"]) == 2, f"the batch listed the comments as {bodies['comments']}")
    check(bodies["container"]["status_code"] == "PUBLISHED", f"the batch read the container as {bodies['container']}")

    step("hide and unhide a visitor's comment")
    visitor = find_visitor_comment(ig, api, username)
    check(visitor is not None, "no comment by another user on any of the account's media")
    # A refused update raises; the SDK drops the `{"success": true}` of an accepted one.
    IGComment(visitor, api=api).api_update(params={"hide": True})
    check(IGComment(visitor, api=api).api_get(fields=["hidden"])["hidden"] is True, "the comment is not hidden")
    IGComment(visitor, api=api).api_update(params={"hide": False})
    check(IGComment(visitor, api=api).api_get(fields=["hidden"])["hidden"] is False, "the comment is still hidden")

    step("hashtag search, top and recent media")
    found = api.call("GET", ("ig_hashtag_search",), params={"user_id": want_ig, "q": hashtag}).json()
    check(len(found.get("data", [])) == 1, f"ig_hashtag_search answered {found}")
    tag = ShadowIGHashtag(found["data"][0]["id"], api=api)
    check(tag.api_get(fields=["id", "name"])["name"] == hashtag, "the hashtag's name differs")
    for edge in (tag.get_recent_media, tag.get_top_media):
        ids = [m["id"] for m in edge(fields=["id", "caption", "media_type"], params={"user_id": want_ig})]
        check(media_id in ids, f"{edge.__name__} of #{hashtag} lacks the new post: {ids}")

    step("a media URL that cannot be fetched: refused through the SDK's own error")
    try:
        ig.create_media(params={"image_url": unfetchable_image_url("business-sdk-python")})
        check(False, "a container with an unfetchable image_url was created")
    except FacebookRequestError as e:
        got = (e.http_status(), e.api_error_code(), e.api_error_subcode())
        check(got == UNFETCHABLE, f"the SDK read the refusal as {got}: {e.body()}")
        check(e.api_error_type() == "OAuthException" and e.api_blame_field_specs() is None, f"{e.body()}")

    step("content_publishing_limit")
    limit = next(iter(ig.get_content_publishing_limit(fields=["quota_usage", "config"])))
    check(limit["quota_usage"] >= 1, f"quota_usage {limit.export_all_data()}")
    check(limit["config"]["quota_total"] > 0, f"config {limit.export_all_data()}")


def find_visitor_comment(ig, api, username):
    """The id of a visible comment by someone else on one of the account's media, or None."""
    for m in ig.get_media(fields=["id", "comments_count"], params={"limit": 25}):
        if not m.get("comments_count"):
            continue
        for c in IGMedia(m["id"], api=api).get_comments(fields=["id", "username", "hidden"]):
            if c["username"] != username and not c["hidden"]:
                return c["id"]
    return None


if __name__ == "__main__":
    run(CLIENT, flow)
