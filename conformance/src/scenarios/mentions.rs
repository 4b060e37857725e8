//! Mentions flows (guide "Mentions"; facts §4.1 tags, §4.6, §4.8): media others tagged the
//! account in, reading a caption @mention (`mentioned_media`) and a comment @mention
//! (`mentioned_comment`), and replying to both through `POST /{ig-user-id}/mentions`.
//!
//! igsim: the events control plane makes other users tag and mention the account. Live: a
//! mention cannot be produced by the harness, so the ids come from the environment
//! (`IG_MENTIONED_MEDIA_ID`, a post whose caption @mentions the account, and optionally
//! `IG_MENTIONED_COMMENT_ID`, a comment on it that does); without them those scenarios skip.

use super::support::{control_post, id_of, ids, live_env};
use crate::scenario::{data, expect, require_fields, str_field, Check, Ctx, Failure, Need, Scenario, SIM_ACCOUNT};
use serde_json::{json, Value};
use std::collections::BTreeSet;

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "tagged_media",
        area: "mentions",
        about: "GET /{ig-user}/tags: public media others tagged the account in, newest first, cursors without next/previous (igsim: a tag made through the events control plane)",
        needs: &[],
        run: tagged_media,
    },
    Scenario {
        name: "mentioned_media_and_comment",
        area: "mentions",
        about: "mentioned_media.media_id(..){..} (the @ stripped) and mentioned_comment.comment_id(..){..}; the comment cannot be read directly (igsim: events; live: IG_MENTIONED_MEDIA_ID / IG_MENTIONED_COMMENT_ID)",
        needs: &[],
        run: mentioned_media_and_comment,
    },
    Scenario {
        name: "reply_to_mentions",
        area: "mentions",
        about: "POST /{ig-user}/mentions replies to a comment @mention and a caption @mention; the replies stay: only the media's owner can delete comments (facts §4.6)",
        needs: &[Need::Writes],
        run: reply_to_mentions,
    },
];

/// Who mentions and tags the account on igsim (public accounts of the demo world).
const SIM_CAPTION_AUTHOR: &str = "emi.travels";
const SIM_COMMENT_AUTHOR: &str = "felix_m";

/// A caption mention and a comment mention of the account: made through the events control
/// plane on igsim, taken from the environment on live (skip without them).
fn mention_ids(ctx: &mut Ctx, need_comment: bool) -> Result<(String, Option<String>), Failure> {
    if ctx.is_simulator() {
        ctx.step("igsim events: a caption @mention and a comment @mention");
        let caption = control_post(
            ctx,
            "events/mention",
            &json!({
                "username": SIM_ACCOUNT,
                "from_username": SIM_CAPTION_AUTHOR,
                "text": format!("Best dashboards in town @{SIM_ACCOUNT} #data"),
            }),
            "sim_event",
        )?;
        let media = str_field(&caption, "media_id")?.to_string();
        let comment = control_post(
            ctx,
            "events/mention",
            &json!({
                "username": SIM_ACCOUNT,
                "from_username": SIM_COMMENT_AUTHOR,
                "media_id": media,
                "text": format!("@{SIM_ACCOUNT} agreed!"),
            }),
            "sim_event",
        )?;
        let comment = str_field(&comment, "comment_id")?.to_string();
        return Ok((media, Some(comment)));
    }
    let Some(media) = live_env(ctx, "IG_MENTIONED_MEDIA_ID") else {
        return Err(Failure::skip(
            "live mentions need IG_MENTIONED_MEDIA_ID (a post whose caption @mentions the account)",
        ));
    };
    let comment = live_env(ctx, "IG_MENTIONED_COMMENT_ID");
    if need_comment && comment.is_none() {
        return Err(Failure::skip(
            "live comment mentions need IG_MENTIONED_COMMENT_ID (a comment that @mentions the account)",
        ));
    }
    if comment.is_none() {
        ctx.note("IG_MENTIONED_COMMENT_ID not set: mentioned_comment not checked");
    }
    Ok((media, comment))
}

/// Walks a cursor-only edge with `after` (no `next` links there), at most `max_pages`.
fn walk_by_cursor(ctx: &Ctx, path: &str, fields: &str, max_pages: usize) -> Result<Vec<Value>, Failure> {
    let mut items = Vec::new();
    let mut seen = BTreeSet::new();
    let mut after: Option<String> = None;
    for _ in 0..max_pages {
        let mut params = vec![("fields", fields), ("limit", "2")];
        if let Some(a) = &after {
            params.push(("after", a));
        }
        let call = ctx.get(path, &params);
        let body = call.ok("ig_tags")?;
        let page = data(&body)?;
        for item in page {
            let id = id_of(item)?;
            if !seen.insert(id.clone()) {
                return Err(Failure::new(Check::Paging, format!("{id} came twice walking {path}")));
            }
            items.push(item.clone());
        }
        let paging = body.get("paging");
        if let Some(p) = paging {
            if p.get("next").is_some() || p.get("previous").is_some() {
                return Err(Failure::new(
                    Check::Paging,
                    format!("{path} has cursors only (facts §3.3), got paging {p}"),
                ));
            }
        }
        let next = paging.and_then(|p| p.pointer("/cursors/after")).and_then(Value::as_str);
        match next {
            Some(a) if !page.is_empty() && after.as_deref() != Some(a) => after = Some(a.to_string()),
            _ => return Ok(items),
        }
    }
    Ok(items)
}

fn tagged_media(ctx: &mut Ctx) -> Result<(), Failure> {
    let ig = ctx.ig_user_id().to_string();
    let mut made = None;
    if ctx.is_simulator() {
        ctx.step("igsim events: someone tags the account");
        let ev = control_post(
            ctx,
            "events/tag",
            &json!({ "username": SIM_ACCOUNT, "from_username": SIM_CAPTION_AUTHOR, "x": 0.4, "y": 0.6 }),
            "sim_event",
        )?;
        made = Some(id_of(&ev)?);
    }

    ctx.step("list tagged media");
    let fields = "caption,comments_count,like_count,media_type,media_url,permalink,timestamp,username";
    let body = ctx.get(&format!("{ig}/tags"), &[("fields", fields)]).ok("ig_tags")?;
    let items = data(&body)?;
    if items.is_empty() {
        ctx.note("nobody has tagged the account in public media: tags not checked");
        return Ok(());
    }
    for m in items {
        require_fields(m, &["id", "media_type", "timestamp", "username"])?;
    }
    let stamps: Vec<&str> = items.iter().filter_map(|m| m["timestamp"].as_str()).collect();
    expect(stamps.windows(2).all(|w| w[0] >= w[1]), || {
        format!("tagged media are not newest first: {stamps:?}")
    })?;
    if let Some(made) = &made {
        expect(ids(&body)?.first() == Some(made), || {
            format!("the new tag {made} is not first: {:?}", ids(&body))
        })?;
        expect(items[0]["username"] == SIM_CAPTION_AUTHOR, || {
            format!("tagged by {}", items[0]["username"])
        })?;
    }

    ctx.step("walk the edge with after cursors");
    let all = walk_by_cursor(ctx, &format!("{ig}/tags"), "timestamp", 20)?;
    expect(all.len() >= items.len(), || {
        format!("walking found {} items, the first page had {}", all.len(), items.len())
    })?;

    ctx.step("expand tags from the user node");
    let user = ctx
        .get(&ig, &[("fields", "tags.limit(2){id,media_type}")])
        .ok("ig_user")?;
    let expanded = ids(&user["tags"])?;
    expect(expanded.len() == items.len().min(2), || {
        format!("tags.limit(2) gave {expanded:?}")
    })?;
    Ok(())
}

fn mentioned_media_and_comment(ctx: &mut Ctx) -> Result<(), Failure> {
    let (media, comment) = mention_ids(ctx, false)?;
    let ig = ctx.ig_user_id().to_string();
    ctx.step("who am I");
    let me = ctx.get(&ig, &[("fields", "username")]).ok("ig_user")?;
    let me = str_field(&me, "username")?.to_string();

    ctx.step("read the caption mention");
    let body = ctx
        .get(
            &ig,
            &[(
                "fields",
                &format!(
                    "mentioned_media.media_id({media}){{caption,comments_count,like_count,media_type,timestamp,username}}"
                ),
            )],
        )
        .ok("ig_user")?;
    let mm = &body["mentioned_media"];
    require_fields(mm, &["id", "caption", "media_type", "timestamp", "username"])?;
    expect(mm["id"] == media.as_str(), || {
        format!("asked for {media}, got {}", mm["id"])
    })?;
    let caption = str_field(mm, "caption")?;
    expect(!caption.contains(&format!("@{me}")), || {
        format!("the @ is stripped from others' captions (facts §4.2), got {caption:?}")
    })?;
    if ctx.is_simulator() {
        expect(caption.contains(&me) && mm["username"] == SIM_CAPTION_AUTHOR, || {
            format!("mentioned media by {}: {caption:?}", mm["username"])
        })?;
    }

    ctx.step("a field mentioned_media does not have");
    ctx.get(
        &ig,
        &[("fields", &format!("mentioned_media.media_id({media}){{shortcode}}"))],
    )
    .error(100, None)?;

    let Some(comment) = comment else {
        return Ok(());
    };
    ctx.step("read the comment mention with its default fields");
    let body = ctx
        .get(&ig, &[("fields", &format!("mentioned_comment.comment_id({comment})"))])
        .ok("ig_user")?;
    let mc = &body["mentioned_comment"];
    let keys: BTreeSet<&str> = mc
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    expect(keys == BTreeSet::from(["id", "text", "timestamp"]), || {
        format!("mentioned_comment defaults are id, text, timestamp (facts §3.2); got {mc}")
    })?;
    expect(mc["id"] == comment.as_str(), || {
        format!("asked for {comment}, got {}", mc["id"])
    })?;

    ctx.step("read it with its media");
    let body = ctx
        .get(
            &ig,
            &[(
                "fields",
                &format!("mentioned_comment.comment_id({comment}){{timestamp,like_count,text,media{{id,media_url}}}}"),
            )],
        )
        .ok("ig_user")?;
    let mc = &body["mentioned_comment"];
    require_fields(mc, &["text", "timestamp", "media"])?;
    if ctx.is_simulator() {
        expect(mc["media"]["id"] == media.as_str(), || {
            format!("the mentioning comment is on {}, not {media}", mc["media"])
        })?;
    }

    ctx.step("the comment cannot be read directly");
    ctx.get(&comment, &[]).error(100, Some(33))?;
    Ok(())
}

fn reply_to_mentions(ctx: &mut Ctx) -> Result<(), Failure> {
    let (media, comment) = mention_ids(ctx, true)?;
    let comment = comment.unwrap_or_default();
    let ig = ctx.ig_user_id().to_string();
    let path = format!("{ig}/mentions");

    ctx.step("reply to the comment mention");
    let reply = id_of(
        &ctx.post(
            &path,
            &[
                ("media_id", &media),
                ("comment_id", &comment),
                ("message", "igconform: thanks!"),
            ],
        )
        .ok("id_response")?,
    )?;
    if !ctx.is_simulator() {
        ctx.note(format!("reply {reply} stays: only the owner of {media} can delete it"));
    }
    ctx.step("the app user's own reply can be read");
    let r = ctx
        .get(&reply, &[("fields", "parent_id,text,user,username")])
        .ok("ig_comment")?;
    expect(r["parent_id"] == comment.as_str(), || {
        format!("the reply sits under {}, not {comment}", r["parent_id"])
    })?;
    expect(r["user"]["id"] == ig.as_str(), || {
        format!("the reply's user is {}", r["user"])
    })?;

    ctx.step("reply to the caption mention");
    let top = id_of(
        &ctx.post(&path, &[("media_id", &media), ("message", "igconform: thank you")])
            .ok("id_response")?,
    )?;
    if !ctx.is_simulator() {
        ctx.note(format!("comment {top} stays: only the owner of {media} can delete it"));
    }
    let t = ctx.get(&top, &[("fields", "parent_id,text")]).ok("ig_comment")?;
    expect(t.get("parent_id").is_none(), || {
        format!("a caption reply is top-level, got {t}")
    })?;
    expect(t["text"] == "igconform: thank you", || format!("text {}", t["text"]))?;

    ctx.step("only the media's owner can delete it");
    ctx.delete(&top, &[]).error(100, Some(33))?;

    ctx.step("a reply needs a message");
    ctx.post(&path, &[("media_id", &media)]).error(100, None)?;
    Ok(())
}
