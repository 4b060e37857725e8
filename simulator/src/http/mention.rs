//! Mentions (guides "Mentions", "Webhooks"; facts §4.1, §4.8): the `tags` edge, the
//! parameterised `mentioned_comment` / `mentioned_media` fields, and `POST .../mentions`.

use crate::error::{GraphError, GraphResult};
use crate::http::fields::FieldSel;
use crate::http::graph::{defaults, Ctx};
use crate::http::json;
use crate::http::paging::{edge_into, forward_paging, window, Order};
use crate::ids::{parse_id, CommentId, IdKind, IgUserId, MediaId};
use crate::model::TimeKey;
use serde_json::Value;
use std::collections::BTreeMap;
use std::ops::Bound;

const PERMISSION: &str = "instagram_manage_comments";
/// Fields readable on a mentioned comment (`IGREF:ig-user/mentioned_comment`).
const COMMENT_FIELDS: &[&str] = &["id", "like_count", "media", "text", "timestamp"];
/// Fields readable on a mentioned media (facts §4.8, `IGREF:ig-user/mentioned_media`).
const MEDIA_FIELDS: &[&str] = &[
    "caption",
    "comments",
    "comments_count",
    "id",
    "like_count",
    "media_type",
    "media_url",
    "owner",
    "timestamp",
    "username",
];

/// Every field asked for must be in `allowed`; others are not readable on this path.
fn check_fields(sel: &[FieldSel], allowed: &[&str], node: &str) -> GraphResult<()> {
    match sel.iter().find(|f| !allowed.contains(&f.name.as_str())) {
        Some(f) => Err(GraphError::nonexisting_field(&f.name, node)),
        None => Ok(()),
    }
}

/// `/{ig-user-id}/tags`: public media in which other accounts tagged this one, newest
/// first; paged forward only without `next` (facts §3.3, §4.1): `{"cursors":{"after":…}}`
/// while more follow, no `paging` on the last page (sns-sdks/python-facebook
/// testdata/instagram/apidata/medias/tags_medias_p1.json, tags_medias_p2.json).
pub(crate) fn tags_edge(ctx: &mut Ctx, ig: IgUserId, sel: Option<&FieldSel>) -> GraphResult<Value> {
    json::value_of(|out| tags_edge_into(ctx, ig, sel, out))
}

/// [`tags_edge`] written into `out`, its media as a page ([`Ctx::render_media_page_into`]).
pub(crate) fn tags_edge_into(
    ctx: &mut Ctx,
    ig: IgUserId,
    sel: Option<&FieldSel>,
    out: &mut Vec<u8>,
) -> GraphResult<()> {
    ctx.require_ig(ig)?;
    ctx.require_permission(ig, PERMISSION)?;
    let username = ctx
        .world
        .ig_users
        .get(&ig)
        .map(|u| u.username.to_ascii_lowercase())
        .unwrap_or_default();
    let tagged: BTreeMap<TimeKey, MediaId> = ctx
        .world
        .media
        .values()
        .filter(|m| m.owner != ig && m.parent.is_none() && !m.is_story())
        .filter(|m| ctx.world.ig_users.get(&m.owner).is_some_and(|o| !o.is_private))
        .filter(|m| m.user_tags.iter().any(|t| t.username.eq_ignore_ascii_case(&username)))
        .map(|m| ((m.timestamp, m.seq), m.id))
        .collect();
    let req = ctx.page_req(sel, ctx.cfg.default_page_size, ctx.cfg.max_page_size)?;
    let w = window(&tagged, Bound::Unbounded, Bound::Unbounded, Order::Desc, &req)?;
    let sub = ctx.item_fields(sel, &["id"])?;
    let ids: Vec<MediaId> = w.keys.iter().map(|k| tagged[k]).collect();
    edge_into(
        out,
        |out| ctx.render_media_page_into(&ids, &sub, out),
        forward_paging(&w, None),
    )
}

/// The id argument of a parameterised field (`comment_id(…)`, `media_id(…)`).
fn id_arg(f: &FieldSel, name: &str, kind: IdKind, ctx: &Ctx) -> GraphResult<u64> {
    let raw = f.arg(name).ok_or_else(|| GraphError::missing_param(name))?;
    let id = parse_id(raw).ok_or_else(|| GraphError::unsupported("GET", raw))?;
    if ctx.world.kind_of(id) != Some(kind) {
        return Err(GraphError::unsupported("GET", raw));
    }
    Ok(id)
}

/// `mentioned_comment.comment_id(<id>){…}` on the IG User `ig`.
pub(crate) fn mentioned_comment(ctx: &mut Ctx, ig: IgUserId, f: &FieldSel) -> GraphResult<Value> {
    ctx.require_permission(ig, PERMISSION)?;
    let id = CommentId(id_arg(f, "comment_id", IdKind::Comment, ctx)?);
    if !ctx.world.comment_mentions(id, ig) {
        return Err(GraphError::not_a_mention("comment", &id.to_string()));
    }
    let media = ctx.world.comments.get(&id).map(|c| c.media);
    let m = media
        .and_then(|m| ctx.world.media.get(&m))
        .ok_or_else(|| GraphError::unsupported("GET", &id.to_string()))?;
    // Comments on age-gated media are not returned (facts §4.6).
    if ctx.world.ig_users.get(&m.owner).is_some_and(|o| o.age_gated) {
        return Err(GraphError::unsupported("GET", &id.to_string()));
    }
    if !m.comments_enabled {
        return Err(GraphError::comments_disabled());
    }
    let sel = f
        .children
        .clone()
        .unwrap_or_else(|| defaults(crate::http::comment::DEFAULT_FIELDS));
    check_fields(&sel, COMMENT_FIELDS, crate::http::comment::NODE)?;
    crate::http::comment::render(ctx, id, &sel)
}

/// `mentioned_media.media_id(<id>){…}` on the IG User `ig`: public fields only, `@`
/// stripped from the caption (facts §4.2, §4.8).
pub(crate) fn mentioned_media(ctx: &mut Ctx, ig: IgUserId, f: &FieldSel) -> GraphResult<Value> {
    ctx.require_permission(ig, PERMISSION)?;
    let id = MediaId(id_arg(f, "media_id", IdKind::Media, ctx)?);
    let m = ctx
        .world
        .media
        .get(&id)
        .ok_or_else(|| GraphError::unsupported("GET", &id.to_string()))?;
    if m.is_story() {
        return Err(GraphError::story_mentions_unsupported());
    }
    if !ctx.world.caption_mentions(id, ig) {
        return Err(GraphError::not_a_mention("media", &id.to_string()));
    }
    let sel = f.children.clone().unwrap_or_else(|| defaults(&["id"]));
    check_fields(&sel, MEDIA_FIELDS, crate::http::graph::MEDIA_NODE)?;
    ctx.render_media(id, &sel, false)
}

/// `POST /{ig-user-id}/mentions` with `media_id` [+ `comment_id`] and `message`: comments
/// on the media whose caption mentions the account, or replies in the thread of the comment
/// that mentions it (guides "Mentions"; facts §4.1).
pub(crate) fn reply(ctx: &mut Ctx, ig: IgUserId) -> GraphResult<Value> {
    ctx.require_ig(ig)?;
    ctx.require_permission(ig, PERMISSION)?;
    let media_raw = ctx.req.required("media_id")?.trim().to_string();
    let text = crate::http::comment::message(ctx)?;
    let bad_media = || GraphError::invalid_param(format!("Param media_id {media_raw} is not a valid media id"));
    let media_id = parse_id(&media_raw)
        .filter(|id| ctx.world.kind_of(*id) == Some(IdKind::Media))
        .map(MediaId)
        .ok_or_else(bad_media)?;
    let m = ctx.world.media.get(&media_id).cloned().ok_or_else(bad_media)?;
    if m.is_story() {
        return Err(GraphError::story_mentions_unsupported());
    }
    let comment = match ctx.req.param("comment_id").map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => {
            let cid = parse_id(raw)
                .map(CommentId)
                .filter(|c| ctx.world.comments.get(c).is_some_and(|c| c.media == media_id))
                .ok_or_else(|| {
                    GraphError::invalid_param(format!("Param comment_id {raw} is not a comment on media {media_id}"))
                })?;
            if !ctx.world.comment_mentions(cid, ig) {
                return Err(GraphError::not_a_mention("comment", raw));
            }
            Some(cid)
        }
        None => {
            if !ctx.world.caption_mentions(media_id, ig) {
                return Err(GraphError::not_a_mention("media", &media_raw));
            }
            None
        }
    };
    let sel = ctx.fields()?;
    let id = match comment {
        Some(parent) => crate::http::comment::reply_as(ctx, parent, ig, text)?,
        None => {
            if !m.comments_enabled {
                return Err(GraphError::comments_disabled());
            }
            ctx.world
                .write()?
                .add_comment(media_id, None, ig, text, ctx.now, &ctx.cfg.capacity)
                .map_err(GraphError::from)?
        }
    };
    let mode = ctx.cfg.fields_on_write.mentions;
    crate::http::comment::answer_created(ctx, mode, sel, id)
}
