"""pyfacebook (`python-facebook-api`) through the publish / comment / hashtag flow.

Used as documented, at its default API version (the last of `GraphAPI.VALID_API_VERSIONS`);
the only change is its `base_url` constructor argument (the Graph URL with a trailing slash,
as its default `https://graph.facebook.com/`). pyfacebook puts the token in the query string
of GETs and DELETEs and in the form body of POSTs (`_append_token`), sends POST parameters as
a form body, and follows `paging.next` by re-sending the query of that URL
(`get_full_connections`). Its typed models are used where it has them, so a shape they cannot
load fails here; so does a usage header its rate limiter cannot load (it reads them on every
answer, and would sleep by them). Inputs: see `flow.py`.
"""

from pyfacebook import FacebookError, IGBusinessApi

from flow import UNFETCHABLE, app, check, image_url, inputs, run, step, unfetchable_image_url

CLIENT = "pyfacebook (python-facebook-api)"


def flow():
    base, token, want_ig, hashtag = inputs()

    app_id, app_secret = app()
    api = IGBusinessApi(app_id=app_id, app_secret=app_secret, access_token=token, base_url=base + "/")
    print(f"  {CLIENT} speaks {api.version}")

    step("me/accounts -> the Page's instagram_business_account")
    pages = api.get_full_connections("me", "accounts", count=None, fields="name,instagram_business_account")
    linked = [p for p in pages["data"] if (p.get("instagram_business_account") or {}).get("id") == want_ig]
    check(len(linked) == 1, f"me/accounts lists no Page linked to {want_ig}: {pages}")
    api.instagram_business_id = want_ig
    user = api.user.get_info()
    check(user.id == want_ig and user.username, f"the IG user reads {user}")

    step("create an image container, poll it, publish it")
    caption = f"Published by {CLIENT} #{hashtag}"
    created = api.post_object(want_ig, "media", data={"image_url": image_url("pyfacebook"), "caption": caption})
    container_id = created.get("id")
    check(container_id, f"creating the container answered {created}")
    container = None
    for _ in range(10):  # images are FINISHED at once; a bounded number of polls, no sleeping
        container = api.container.get_info(container_id)
        if container.status_code != "IN_PROGRESS":
            break
    check(container.status_code == "FINISHED", f"container {container}")
    media_id = api.post_object(want_ig, "media_publish", data={"creation_id": container_id})["id"]
    media = api.media.get_info(media_id)
    check(media.caption == caption, f"caption reads back as {media.caption!r}")
    check(media.media_type == "IMAGE", f"media_type {media.media_type!r}")
    newest = api.user.get_media(count=1, limit=1)
    check(newest.data[0].id == media_id, f"the account's newest media is {newest.data[0].id}, not {media_id}")

    step("comment, reply, list comments across pages, delete the reply")
    first = api.post_object(media_id, "comments", data={"message": f"first comment from {CLIENT}"})["id"]
    second = api.post_object(media_id, "comments", data={"message": "second comment"})["id"]
    reply = api.post_object(first, "replies", data={"message": "a reply"})["id"]
    listed = [c.id for c in api.media.get_comments(media_id, count=None, limit=1).data]
    check(sorted(listed) == sorted([first, second]), f"comments listed (limit=1 a page): {listed}")
    replies = [r.id for r in api.comment.get_replies(first, count=None).data]
    check(replies == [reply], f"replies of the first comment: {replies}")
    count = api.media.get_info(media_id).comments_count
    check(count == 3, f"comments_count after two comments and a reply is {count}")
    deleted = api.delete_object(reply)
    check(deleted == {"success": True}, f"deleting the reply answered {deleted}")
    gone = api.comment.get_replies(first, count=None).data
    check(gone == [], f"replies after deleting the reply: {gone}")
    count = api.media.get_info(media_id).comments_count
    check(count == 2, f"comments_count after deleting the reply is {count}")

    step("hide and unhide a visitor's comment")
    visitor = find_visitor_comment(api, user.username)
    check(visitor is not None, "no comment by another user on the account's newest media")
    answer = api.post_object(visitor, data={"hide": "true"})
    check(answer == {"success": True}, f"hide answered {answer}")
    check(api.get_object(visitor, fields="hidden")["hidden"] is True, "the comment is not hidden")
    api.post_object(visitor, data={"hide": "false"})
    check(api.get_object(visitor, fields="hidden")["hidden"] is False, "the comment is still hidden")

    step("hashtag search, top and recent media")
    found = api.user.get_hashtag_search(hashtag)
    check(len(found.data) == 1, f"ig_hashtag_search answered {found}")
    tag_id = found.data[0].id
    check(api.hashtag.get_info(tag_id).name == hashtag, "the hashtag's name differs")
    for edge in (api.hashtag.get_recent_media, api.hashtag.get_top_media):
        ids = [m.id for m in edge(tag_id, count=None).data]
        check(media_id in ids, f"{edge.__name__} of #{hashtag} lacks the new post: {ids}")

    step("a media URL that cannot be fetched: refused through pyfacebook's own error")
    try:
        api.post_object(want_ig, "media", data={"image_url": unfetchable_image_url("pyfacebook")})
        check(False, "a container with an unfetchable image_url was created")
    except FacebookError as e:
        check((e.code, e.error_subcode) == UNFETCHABLE[1:], f"pyfacebook read the refusal as {e}")

    step("content_publishing_limit")
    limit = api.user.get_content_publishing_limit()
    check(limit.data[0].quota_usage >= 1, f"content_publishing_limit {limit}")
    check(limit.data[0].config.quota_total > 0, f"content_publishing_limit {limit}")

    step("usage headers, as pyfacebook's rate limiter reads them")
    # It loads every usage header into its RateLimitHeader (an unknown key would raise) and
    # sleeps by the app's usage; Instagram calls are counted under the owning business.
    business = api.rate_limit.resources["business"]
    types = sorted({t for per_business in business.values() for t in per_business})
    check("instagram" in types, f"no Instagram business-use-case usage was read: {dict(business)}")
    check(api.rate_limit.get_max_percent() < 100, f"app usage {api.rate_limit.get_limit()}")


def find_visitor_comment(api, username):
    """The id of a visible comment by someone else on one of the account's 25 newest media, or None."""
    for m in api.user.get_media(fields="id,comments_count", count=25, limit=25).data:
        if not m.comments_count:
            continue
        for c in api.media.get_comments(m.id, fields="id,username,hidden", count=None, return_json=True)["data"]:
            if c["username"] != username and not c["hidden"]:
                return c["id"]
    return None


if __name__ == "__main__":
    run(CLIENT, flow)
