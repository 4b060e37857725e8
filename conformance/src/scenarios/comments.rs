//! Comment Moderation flows (guide "Comment Moderation"; facts §4.6): reading comments and
//! replies, replying, hiding and unhiding, deleting, disabling and enabling comments.
//!
//! The write scenarios work on the account's own newest feed post that takes comments and
//! undo what they did: comments they wrote are deleted, hidden comments unhidden, disabled
//! comments enabled again (cleanups run whatever the outcome).

use super::support::{id_of, ids};
use crate::scenario::{data, expect, require_fields, str_field, Check, Ctx, Failure, Need, Scenario};
use serde_json::Value;
use std::cell::Cell;
use std::rc::Rc;

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "comments_read",
        area: "comments",
        about: "Getting Comments: GET /{media}/comments (default fields timestamp,text,id), a comment node, its replies; cursor walk",
        needs: &[],
        run: comments_read,
    },
    Scenario {
        name: "comment_moderation",
        area: "comments",
        about: "comment, reply, hide/unhide someone else's comment, delete (replies go with it); everything written is deleted, hidden comments unhidden",
        needs: &[Need::Writes],
        run: comment_moderation,
    },
    Scenario {
        name: "comments_disable_enable",
        area: "comments",
        about: "POST /{media}?comment_enabled=false refuses new comments; true allows them again (restored in cleanup)",
        needs: &[Need::Writes],
        run: comments_disable_enable,
    },
];

/// The text igconform writes, so that a person reading the account knows where it came from.
const TEXT: &str = "igconform check: moderation";
/// The comment created with `fields=` (production writes it, then refuses the answer).
const FIELDS_TEXT: &str = "igconform: written before the refusal";
const REPLY: &str = "igconform check: a reply";

/// The account's media (newest 50) with what moderation needs to choose one.
fn own_media(ctx: &Ctx) -> Result<Vec<Value>, Failure> {
    let ig = ctx.ig_user_id().to_string();
    let list = ctx
        .get(
            &format!("{ig}/media"),
            &[
                ("fields", "comments_count,is_comment_enabled,media_product_type"),
                ("limit", "50"),
            ],
        )
        .ok("ig_media_list")?;
    Ok(data(&list)?.clone())
}

/// The newest feed post that takes comments, preferring one that has some.
fn commentable(ctx: &Ctx) -> Result<Option<String>, Failure> {
    let media = own_media(ctx)?;
    let open: Vec<&Value> = media
        .iter()
        .filter(|m| m["is_comment_enabled"] == true && m["media_product_type"] == "FEED")
        .collect();
    let pick = open
        .iter()
        .find(|m| m["comments_count"].as_u64().unwrap_or(0) > 0)
        .or(open.first());
    pick.map(|m| id_of(m)).transpose()
}

fn comments_count(ctx: &Ctx, media: &str) -> Result<u64, Failure> {
    let m = ctx.get(media, &[("fields", "comments_count")]).ok("ig_media")?;
    m["comments_count"]
        .as_u64()
        .ok_or_else(|| Failure::new(Check::Field, format!("no comments_count in {m}")))
}

fn own_username(ctx: &Ctx) -> Result<String, Failure> {
    let ig = ctx.ig_user_id().to_string();
    let u = ctx.get(&ig, &[("fields", "username")]).ok("ig_user")?;
    str_field(&u, "username").map(str::to_string)
}

/// Deletes a comment at cleanup unless the flow marks it deleted through the returned flag;
/// one already gone (100/33: deleted with its parent) is fine.
fn delete_later(ctx: &mut Ctx, comment: &str) -> Rc<Cell<bool>> {
    let deleted = Rc::new(Cell::new(false));
    let flag = deleted.clone();
    let id = comment.to_string();
    ctx.on_cleanup(&format!("delete comment {comment}"), move |c| {
        if flag.get() {
            return Ok(());
        }
        let r = c.delete(&id, &[]);
        let gone = r.body.pointer("/error/code") == Some(&Value::from(100))
            && r.body.pointer("/error/error_subcode") == Some(&Value::from(33));
        if r.status == 200 || gone {
            Ok(())
        } else {
            Err(Failure::new(
                Check::Status,
                format!("DELETE {id} -> {}: {}", r.status, r.text),
            ))
        }
    });
    deleted
}

fn comments_read(ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.step("find a post with comments");
    let media = own_media(ctx)?;
    let Some(post) = media.iter().find(|m| m["comments_count"].as_u64().unwrap_or(0) > 0) else {
        ctx.note("none of the newest 50 posts has comments: comments not checked");
        return Ok(());
    };
    let post = id_of(post)?;

    ctx.step("list comments with the default fields");
    let list = ctx.get(&format!("{post}/comments"), &[]).ok("ig_comment_list")?;
    for c in data(&list)? {
        let keys: Vec<&String> = c.as_object().map(|o| o.keys().collect()).unwrap_or_default();
        expect(keys == ["timestamp", "text", "id"], || {
            format!("default comment fields are timestamp, text, id (guide sample); got {c}")
        })?;
    }

    ctx.step("walk every comment with its replies");
    let first = ctx.get(
        &format!("{post}/comments"),
        &[
            (
                "fields",
                "text,timestamp,username,like_count,hidden,replies{parent_id,text}",
            ),
            ("limit", "10"),
        ],
    );
    let comments = ctx.walk(first, "ig_comment_list", 50)?;
    let stamps: Vec<&str> = comments.iter().filter_map(|c| c["timestamp"].as_str()).collect();
    expect(stamps.windows(2).all(|w| w[0] >= w[1]), || {
        format!("top-level comments are not newest first: {stamps:?}")
    })?;
    let mut replies = 0;
    for c in &comments {
        require_fields(c, &["text", "timestamp", "hidden"])?;
        if let Some(r) = c.get("replies") {
            // Production leaves an empty nested edge out rather than answering
            // `{"data":[]}` (recorded comments?fields=…,replies{…}, bk-rs/instagram-apis-rs).
            expect(!data(r)?.is_empty(), || {
                format!(
                    "comment {} carries an empty replies expansion; production leaves it out",
                    c["id"]
                )
            })?;
            for reply in data(r)? {
                replies += 1;
                expect(reply["parent_id"] == c["id"], || {
                    format!(
                        "reply {} under {} has parent_id {}",
                        reply["id"], c["id"], reply["parent_id"]
                    )
                })?;
            }
        }
    }
    if ctx.is_simulator() {
        let count = comments_count(ctx, &post)?;
        expect(count == (comments.len() + replies) as u64, || {
            format!(
                "comments_count {count}, but {} comments and {replies} replies were listed",
                comments.len()
            )
        })?;
    }

    let Some(c) = comments.first() else {
        return Ok(());
    };
    let comment = id_of(c)?;
    ctx.step("read a comment node");
    let node = ctx
        .get(
            &comment,
            &[("fields", "from,hidden,like_count,media,text,timestamp,username")],
        )
        .ok("ig_comment")?;
    require_fields(&node, &["id", "text", "timestamp", "media"])?;
    expect(node["media"]["id"] == post.as_str(), || {
        format!("comment {comment} says its media is {}", node["media"])
    })?;

    ctx.step("read its replies");
    let replies = ctx
        .get(&format!("{comment}/replies"), &[("fields", "parent_id,text,timestamp")])
        .ok("ig_comment_replies")?;
    for r in data(&replies)? {
        expect(r["parent_id"] == comment.as_str(), || {
            format!("reply {} has parent_id {}", r["id"], r["parent_id"])
        })?;
    }
    Ok(())
}

fn comment_moderation(ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.step("find a post that takes comments");
    let Some(post) = commentable(ctx)? else {
        return Err(Failure::skip("no feed post among the newest 50 takes comments"));
    };
    let me = own_username(ctx)?;
    let before = comments_count(ctx, &post)?;

    ctx.step("comment");
    let top = id_of(
        &ctx.post(&format!("{post}/comments"), &[("message", TEXT)])
            .ok("id_response")?,
    )?;
    let top_deleted = delete_later(ctx, &top);
    let node = ctx
        .get(&top, &[("fields", "text,username,user,hidden,media")])
        .ok("ig_comment")?;
    expect(node["text"] == TEXT && node["username"] == me.as_str(), || {
        format!("the new comment reads {node}")
    })?;
    expect(node["user"]["id"] == ctx.ig_user_id(), || {
        format!(
            "a comment the app user wrote shows user = the account, got {}",
            node["user"]
        )
    })?;

    ctx.step("reply to it");
    let reply = id_of(
        &ctx.post(&format!("{top}/replies"), &[("message", REPLY)])
            .ok("id_response")?,
    )?;
    let reply_deleted = delete_later(ctx, &reply);
    let replies = ctx.get(&format!("{top}/replies"), &[]).ok("ig_comment_replies")?;
    expect(ids(&replies)? == [reply.clone()], || {
        format!("replies of {top}: {:?}, expected [{reply}]", ids(&replies))
    })?;
    let r = ctx.get(&reply, &[("fields", "parent_id,text")]).ok("ig_comment")?;
    expect(r["parent_id"] == top.as_str(), || {
        format!("reply parent_id {}", r["parent_id"])
    })?;
    let during = comments_count(ctx, &post)?;
    if ctx.is_simulator() {
        expect(during == before + 2, || {
            format!("comments_count {before} -> {during}: it counts comments and replies")
        })?;
    }

    // `fields=` on writes differs per endpoint in production: a reply answers its fields
    // (recorded 2022), a comment is created and then refused with 20/1772107
    // (GH:brightbeanxyz/brightbean-studio#140, 2026).
    ctx.step("a reply with fields= answers the reply's fields");
    let second = ctx
        .post(
            &format!("{top}/replies"),
            &[("message", REPLY), ("fields", "parent_id,text")],
        )
        .ok("ig_comment")?;
    delete_later(ctx, &id_of(&second)?);
    expect(second["parent_id"] == top.as_str() && second["text"] == REPLY, || {
        format!("reply with fields=parent_id,text answered {second}")
    })?;

    ctx.step("a comment with fields= is created, then refused");
    ctx.post(
        &format!("{post}/comments"),
        &[("message", FIELDS_TEXT), ("fields", "id")],
    )
    .error(20, Some(1772107))?;
    let newest = ctx
        .get(
            &format!("{post}/comments"),
            &[("fields", "text,username"), ("limit", "5")],
        )
        .ok("ig_comment_list")?;
    let made = data(&newest)?
        .iter()
        .find(|c| c["text"] == FIELDS_TEXT && c["username"] == me.as_str())
        .map(id_of)
        .transpose()?
        .ok_or_else(|| {
            Failure::new(
                Check::Behaviour,
                "the comment refused with 20/1772107 was not created; production creates it first",
            )
        })?;
    ctx.delete(&made, &[]).ok("success_response")?;

    ctx.step("find someone else's comment");
    let list = ctx
        .get(
            &format!("{post}/comments"),
            &[("fields", "username,hidden"), ("limit", "50")],
        )
        .ok("ig_comment_list")?;
    let other = data(&list)?
        .iter()
        .find(|c| c["username"] != me.as_str() && c["hidden"] == false)
        .map(id_of)
        .transpose()?;
    match other {
        None => ctx.note(format!(
            "no visible comment by someone else on {post}: hide/unhide not checked"
        )),
        Some(other) => {
            ctx.step("hide it");
            let id = other.clone();
            ctx.on_cleanup(&format!("unhide comment {other}"), move |c| {
                let r = c.post(&id, &[("hide", "false")]);
                if r.status == 200 {
                    Ok(())
                } else {
                    Err(Failure::new(
                        Check::Status,
                        format!("unhide {id} -> {}: {}", r.status, r.text),
                    ))
                }
            });
            let ok = ctx.post(&other, &[("hide", "true")]).ok("success_response")?;
            expect(ok["success"] == true, || format!("hide answered {ok}"))?;
            let h = ctx.get(&other, &[("fields", "hidden")]).ok("ig_comment")?;
            expect(h["hidden"] == true, || format!("after hide=true: {h}"))?;

            ctx.step("a hidden comment takes no replies");
            ctx.post(&format!("{other}/replies"), &[("message", REPLY)])
                .error(100, None)?;

            ctx.step("unhide it");
            ctx.post(&other, &[("hide", "false")]).ok("success_response")?;
            let h = ctx.get(&other, &[("fields", "hidden")]).ok("ig_comment")?;
            expect(h["hidden"] == false, || format!("after hide=false: {h}"))?;
        }
    }

    ctx.step("delete the comment; its reply goes with it");
    let ok = ctx.delete(&top, &[]).ok("success_response")?;
    expect(ok["success"] == true, || format!("delete answered {ok}"))?;
    top_deleted.set(true);
    ctx.get(&top, &[]).error(100, Some(33))?;
    ctx.get(&reply, &[]).error(100, Some(33))?;
    reply_deleted.set(true);
    let after = comments_count(ctx, &post)?;
    if ctx.is_simulator() {
        expect(after == before, || {
            format!("comments_count {before} -> {after} after deleting")
        })?;
    }
    Ok(())
}

fn comments_disable_enable(ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.step("find a post that takes comments");
    let Some(post) = commentable(ctx)? else {
        return Err(Failure::skip("no feed post among the newest 50 takes comments"));
    };

    ctx.step("disable comments");
    let id = post.clone();
    ctx.on_cleanup(&format!("enable comments on {post}"), move |c| {
        let r = c.post(&id, &[("comment_enabled", "true")]);
        if r.status == 200 {
            Ok(())
        } else {
            Err(Failure::new(
                Check::Status,
                format!("enable comments on {id} -> {}: {}", r.status, r.text),
            ))
        }
    });
    ctx.post(&post, &[("comment_enabled", "false")])
        .ok("success_response")?;
    let m = ctx.get(&post, &[("fields", "is_comment_enabled")]).ok("ig_media")?;
    expect(m["is_comment_enabled"] == false, || {
        format!("after comment_enabled=false: {m}")
    })?;

    ctx.step("commenting is refused");
    ctx.post(&format!("{post}/comments"), &[("message", TEXT)])
        .error(100, None)?;

    ctx.step("enable comments");
    ctx.post(&post, &[("comment_enabled", "true")]).ok("success_response")?;
    let m = ctx.get(&post, &[("fields", "is_comment_enabled")]).ok("ig_media")?;
    expect(m["is_comment_enabled"] == true, || {
        format!("after comment_enabled=true: {m}")
    })?;

    ctx.step("commenting works again");
    let c = id_of(
        &ctx.post(&format!("{post}/comments"), &[("message", TEXT)])
            .ok("id_response")?,
    )?;
    delete_later(ctx, &c);
    Ok(())
}
