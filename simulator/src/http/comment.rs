//! Comment moderation (guides "Comment Moderation"; facts §4.6): the IG Comment node, the
//! `comments` and `replies` edges, commenting, replying, hide/unhide, delete, and turning
//! comments on or off on a media.

use crate::error::{GraphError, GraphResult};
use crate::http::fields::{render_list, FieldSel};
use crate::http::graph::Ctx;
use crate::http::paging::{edge_json, forward_paging_json, window, Links, Order};
use crate::http::projection::{project, reference, Field};
use crate::ids::{CommentId, IgUserId, MediaId};
use crate::model::{Comment, Media, MediaType, Shared};
use crate::timefmt::iso;
use serde_json::{json, Value};
use std::ops::Bound;

pub(crate) const NODE: &str = "IGComment";
/// The node type of a comment's `from` (Meta's Business SDKs: `IGCommentFromUser` with `id`,
/// `username`, `self_ig_scoped_id`).
const FROM_NODE: &str = "IGCommentFromUser";
/// What comment edges and the node show without `fields` (facts §3.2: `timestamp,text,id`).
pub(crate) const DEFAULT_FIELDS: &[&str] = &["timestamp", "text", "id"];
const PERMISSION: &str = "instagram_manage_comments";

/// The media `id` for a moderation call: one of the viewer's own media (else 100/33), with
/// `instagram_manage_comments` and a Page task that grants it (else `(#10)`).
fn moderated_media(ctx: &Ctx, id: MediaId, verb: &str) -> GraphResult<Shared<Media>> {
    ctx.require_readable_media(id, verb)?;
    let m = ctx
        .world
        .media
        .get(&id)
        .cloned()
        .ok_or_else(|| GraphError::unsupported(verb, &id.to_string()))?;
    ctx.require_permission(m.owner, PERMISSION)?;
    Ok(m)
}

/// Who may touch a comment, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The viewer owns the media the comment is on: may read, reply, hide, delete.
    MediaOwner,
    /// The viewer wrote the comment on someone else's media (through the Mentions API): may
    /// read it, nothing else (facts §4.6: only the media owner may delete).
    Author,
}

/// Loads a comment the viewer may see, with the viewer's role; 100/33 otherwise (facts §8.3:
/// missing and forbidden look the same).
fn comment_access(ctx: &Ctx, id: CommentId, verb: &str) -> GraphResult<(Shared<Comment>, Shared<Media>, Role)> {
    let denied = || GraphError::unsupported(verb, &id.to_string());
    let c = ctx.world.comments.get(&id).cloned().ok_or_else(denied)?;
    let m = ctx.world.media.get(&c.media).cloned().ok_or_else(denied)?;
    // Live comments are readable only while the broadcast runs (facts §4.6).
    if m.media_type == MediaType::Broadcast && !m.live_now {
        return Err(denied());
    }
    if ctx.owns_ig(m.owner) {
        ctx.require_permission(m.owner, PERMISSION)?;
        Ok((c, m, Role::MediaOwner))
    } else if ctx.owns_ig(c.from) {
        ctx.require_permission(c.from, PERMISSION)?;
        Ok((c, m, Role::Author))
    } else {
        Err(denied())
    }
}

/// `GET /{ig-comment-id}`.
pub(crate) fn read(ctx: &mut Ctx, id: CommentId) -> GraphResult<Value> {
    comment_access(ctx, id, "GET")?;
    let sel = ctx.fields_or(DEFAULT_FIELDS)?;
    render(ctx, id, &sel)
}

/// Renders a comment with the visibility rules of facts §4.6: `user` only for comments the
/// app user wrote (`username` for everyone), `parent_id` only on replies, `media` as
/// `{id, media_product_type}` unless expanded (guides changelog 2021-11-09). `media` and
/// `user` are references that project their node's fields (`media{caption}`,
/// `user{username}`), `from` projects its own (`from{username}`).
pub(crate) fn render(ctx: &mut Ctx, id: CommentId, sel: &[FieldSel]) -> GraphResult<Value> {
    let Some(c) = ctx.world.comments.get(&id).cloned() else {
        return Err(GraphError::unsupported("GET", &id.to_string()));
    };
    let username = ctx
        .world
        .ig_users
        .get(&c.from)
        .map(|u| u.username.clone())
        .unwrap_or_default();
    let own = ctx.owns_ig(c.from);
    project(NODE, &id.to_string(), sel, |f| {
        Ok(match f.name.as_str() {
            "from" => match &f.children {
                None => Field::Value(json!({ "id": c.from.to_string(), "username": username })),
                Some(sub) => Field::Value(project(FROM_NODE, &c.from.to_string(), sub, |s| {
                    Ok(match s.name.as_str() {
                        "username" => Field::Value(json!(username)),
                        // Only webhooks carry it (facts §6.3); the node read leaves it out.
                        "self_ig_scoped_id" => Field::Omit,
                        _ => Field::Unknown,
                    })
                })?),
            },
            "hidden" => Field::Value(json!(c.hidden)),
            "like_count" => Field::Value(json!(c.like_count)),
            "media" => {
                let sub = f
                    .children
                    .clone()
                    .unwrap_or_else(|| crate::http::graph::defaults(&["id", "media_product_type"]));
                Field::Value(ctx.render_media(c.media, &sub, false)?)
            }
            "parent_id" => c.parent.map_or(Field::Omit, |p| Field::Value(json!(p.to_string()))),
            "replies" => Field::edge(replies_edge(ctx, id, Some(f))?),
            "text" => Field::Value(json!(c.text)),
            "timestamp" => Field::Value(json!(iso(c.timestamp))),
            "user" if own => reference(f, &c.from.to_string(), |sub| ctx.render_ig_user(c.from, sub))?,
            "user" => Field::Omit,
            "username" => Field::Value(json!(username)),
            "legacy_instagram_comment_id" if crate::version::has_field(NODE, &f.name, ctx.req.version, ctx.now) => {
                Field::Value(json!(
                    crate::ids::derived_id("legacy_instagram_comment", id.0).to_string()
                ))
            }
            _ => Field::Unknown,
        })
    })
}

fn links(ctx: &Ctx, sel: Option<&FieldSel>, path: &str, limit: usize) -> Links {
    match sel {
        None => Links::for_request(ctx.req, limit),
        Some(s) => Links::for_edge(ctx.req, path, s.children.as_deref().map(render_list), limit),
    }
}

fn comment_items(ctx: &mut Ctx, ids: Vec<CommentId>, sel: Option<&FieldSel>) -> GraphResult<Vec<Value>> {
    let sub = ctx.item_fields(sel, DEFAULT_FIELDS)?;
    ids.into_iter().map(|c| render(ctx, c, &sub)).collect()
}

/// Whether the viewer may list comments of `m`: its owner with the permission, or (for
/// media reached through the Mentions API) a token carrying `instagram_manage_comments`.
fn require_comment_reader(ctx: &Ctx, m: &Media) -> GraphResult<()> {
    if ctx.owns_ig(m.owner) {
        ctx.require_permission(m.owner, PERMISSION)
    } else if ctx.viewer.has(PERMISSION) {
        Ok(())
    } else {
        Err(GraphError::permission_denied())
    }
}

/// `/{ig-media-id}/comments`: top-level comments only, newest first from v3.2 (oldest
/// first before), at most 50 per page, replies only through the `replies` expansion
/// (facts §3.3, §4.6); paged forward only ([`forward_paging_json`]), as `/replies`.
pub(crate) fn comments_edge(ctx: &mut Ctx, id: MediaId, sel: Option<&FieldSel>) -> GraphResult<Value> {
    if sel.is_none() {
        ctx.require_readable_media(id, "GET")?;
    }
    let m = ctx
        .world
        .media
        .get(&id)
        .cloned()
        .ok_or_else(|| GraphError::unsupported("GET", &id.to_string()))?;
    require_comment_reader(ctx, &m)?;
    let max = ctx.cfg.comments_max_page_size;
    let req = ctx.page_req(sel, ctx.cfg.default_page_size.min(max), max)?;
    let order = if ctx.req.version < crate::config::ApiVersion::new(3, 2) {
        Order::Asc
    } else {
        Order::Desc
    };
    let w = window(&m.comments, Bound::Unbounded, Bound::Unbounded, order, &req)?;
    let ids = w.keys.iter().map(|k| m.comments[k]).collect();
    let data = comment_items(ctx, ids, sel)?;
    let links = links(ctx, sel, &format!("{id}/comments"), req.limit);
    Ok(edge_json(data, forward_paging_json(&w, Some(&links))))
}

/// `/{ig-comment-id}/replies`: oldest first (a thread reads top-down).
pub(crate) fn replies_edge(ctx: &mut Ctx, id: CommentId, sel: Option<&FieldSel>) -> GraphResult<Value> {
    if sel.is_none() {
        comment_access(ctx, id, "GET")?;
    }
    // The comment (shared) is held, not its replies copied: a copy cost every replies page,
    // and every comment of a page expanding `replies`, one map of all its replies.
    let comment = ctx.world.comments.get(&id).cloned();
    let empty = crate::model::shared::Map::new();
    let replies = comment.as_deref().map_or(&empty, |c| &c.replies);
    let max = ctx.cfg.comments_max_page_size;
    let req = ctx.page_req(sel, ctx.cfg.default_page_size.min(max), max)?;
    let w = window(replies, Bound::Unbounded, Bound::Unbounded, Order::Asc, &req)?;
    let ids = w.keys.iter().map(|k| replies[k]).collect();
    let data = comment_items(ctx, ids, sel)?;
    let links = links(ctx, sel, &format!("{id}/replies"), req.limit);
    Ok(edge_json(data, forward_paging_json(&w, Some(&links))))
}

/// `message` of a comment, reply or mention reply: required, non-empty, and at most
/// `model::comment::MAX_COMMENT_CHARS` characters.
pub(crate) fn message(ctx: &Ctx) -> GraphResult<String> {
    let text = ctx.req.required("message")?;
    let max = crate::model::comment::MAX_COMMENT_CHARS;
    let n = text.chars().count();
    if n > max {
        return Err(GraphError::text_too_long("message", n, max));
    }
    Ok(text.to_string())
}

/// A created comment's answer: `{"id"}`, or what `mode` says production answers to `fields=`
/// (`Config::fields_on_write`).
pub(crate) fn answer_created(
    ctx: &mut Ctx,
    mode: crate::config::WriteFields,
    sel: Option<Vec<FieldSel>>,
    cid: CommentId,
) -> GraphResult<Value> {
    ctx.answer_write(mode, sel, json!({ "id": cid.to_string() }), |ctx, sel| {
        render(ctx, cid, sel)
    })
}

/// `POST /{ig-media-id}/comments?message=`: a comment by the media's owner account. With
/// `fields=`, production creates it and then refuses the answer (20/1772107).
pub(crate) fn create(ctx: &mut Ctx, id: MediaId) -> GraphResult<Value> {
    // What the checks need, copied out: a media still held here would be copied, with every
    // comment it lists, by the write below (`Shared` copies a value held twice on change).
    let (owner, enabled) = {
        let m = moderated_media(ctx, id, "POST")?;
        (m.owner, m.comments_enabled)
    };
    let text = message(ctx)?;
    let sel = ctx.fields()?;
    if !enabled {
        return Err(GraphError::comments_disabled());
    }
    let cid = ctx
        .world
        .write()?
        .add_comment(id, None, owner, text, ctx.now, &ctx.cfg.capacity)
        .map_err(GraphError::from)?;
    answer_created(ctx, ctx.cfg.fields_on_write.comments, sel, cid)
}

/// Writes a reply as `from` under `parent` (attached to its top-level comment), enforcing
/// the reply rules of `IGREF:ig-comment/replies`.
pub(crate) fn reply_as(ctx: &mut Ctx, parent: CommentId, from: IgUserId, text: String) -> GraphResult<CommentId> {
    let media = reply_target(ctx, parent)?;
    ctx.world
        .write()?
        .add_comment(media, Some(parent), from, text, ctx.now, &ctx.cfg.capacity)
        .map_err(GraphError::from)
}

/// The media a reply under `parent` goes on, once the reply rules allow it. Holds no comment
/// or media past its return, so the write that follows changes them in place.
fn reply_target(ctx: &Ctx, parent: CommentId) -> GraphResult<MediaId> {
    let c = ctx
        .world
        .comments
        .get(&parent)
        .cloned()
        .ok_or_else(|| GraphError::unsupported("POST", &parent.to_string()))?;
    let m = ctx
        .world
        .media
        .get(&c.media)
        .cloned()
        .ok_or_else(|| GraphError::unsupported("POST", &parent.to_string()))?;
    if m.media_type == MediaType::Broadcast {
        return Err(GraphError::live_comment_operation());
    }
    if c.hidden {
        return Err(GraphError::reply_to_hidden_comment());
    }
    if !m.comments_enabled {
        return Err(GraphError::comments_disabled());
    }
    Ok(c.media)
}

/// `POST /{ig-comment-id}/replies?message=`; with `fields=`, the reply's fields.
pub(crate) fn reply(ctx: &mut Ctx, id: CommentId) -> GraphResult<Value> {
    let (owner, role) = comment_access(ctx, id, "POST").map(|(_, m, role)| (m.owner, role))?;
    if role != Role::MediaOwner {
        return Err(GraphError::unsupported("POST", &id.to_string()));
    }
    let text = message(ctx)?;
    let sel = ctx.fields()?;
    let cid = reply_as(ctx, id, owner, text)?;
    answer_created(ctx, ctx.cfg.fields_on_write.replies, sel, cid)
}

/// `POST /{ig-comment-id}?hide=true|false`: the media owner's own comments stay visible.
/// With `fields=`, the comment's fields (`Config::fields_on_write`).
pub(crate) fn hide(ctx: &mut Ctx, id: CommentId) -> GraphResult<Value> {
    let (live, role) =
        comment_access(ctx, id, "POST").map(|(_, m, role)| (m.media_type == MediaType::Broadcast, role))?;
    if role != Role::MediaOwner {
        return Err(GraphError::unsupported("POST", &id.to_string()));
    }
    let hide = ctx
        .req
        .bool_param("hide")?
        .ok_or_else(|| GraphError::missing_param("hide"))?;
    if live {
        return Err(GraphError::live_comment_operation());
    }
    let sel = ctx.fields()?;
    ctx.world.write()?.set_comment_hidden(id, hide);
    let mode = ctx.cfg.fields_on_write.comment_hide;
    ctx.answer_write(mode, sel, json!({ "success": true }), |ctx, sel| render(ctx, id, sel))
}

/// `DELETE /{ig-comment-id}`: only the media's owner, even for comments the caller wrote
/// elsewhere; a top-level comment takes its replies with it (facts §4.6).
pub(crate) fn delete(ctx: &mut Ctx, id: CommentId) -> GraphResult<Value> {
    let (live, role) =
        comment_access(ctx, id, "DELETE").map(|(_, m, role)| (m.media_type == MediaType::Broadcast, role))?;
    if role != Role::MediaOwner {
        return Err(GraphError::unsupported("DELETE", &id.to_string()));
    }
    if live {
        return Err(GraphError::live_comment_operation());
    }
    ctx.world.write()?.delete_comment(id);
    Ok(json!({ "success": true }))
}

/// `POST /{ig-media-id}?comment_enabled=true|false` (guides "Comment Moderation"). With
/// `fields=`, the media's fields (`Config::fields_on_write`).
pub(crate) fn update_media(ctx: &mut Ctx, id: MediaId) -> GraphResult<Value> {
    let not_a_post = moderated_media(ctx, id, "POST").map(|m| m.is_child() || m.is_story())?;
    let enabled = ctx
        .req
        .bool_param("comment_enabled")?
        .ok_or_else(|| GraphError::missing_param("comment_enabled"))?;
    if not_a_post {
        return Err(GraphError::unsupported("POST", &id.to_string()));
    }
    let sel = ctx.fields()?;
    if let Some(m) = ctx.world.write()?.media.get_mut(&id) {
        m.comments_enabled = enabled;
    }
    let mode = ctx.cfg.fields_on_write.media_update;
    ctx.answer_write(mode, sel, json!({ "success": true }), |ctx, sel| {
        ctx.render_media(id, sel, true)
    })
}

/// `GET /{ig-comment-id}/{edge}`.
pub(crate) fn edge(ctx: &mut Ctx, id: CommentId, edge: &str) -> GraphResult<Value> {
    match edge {
        "replies" => replies_edge(ctx, id, None),
        _ => {
            comment_access(ctx, id, "GET")?;
            Err(GraphError::nonexisting_field(edge, NODE))
        }
    }
}
