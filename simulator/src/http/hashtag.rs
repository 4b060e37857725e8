//! Hashtag search (guides "Hashtag Search"; facts §4.7): `ig_hashtag_search` with the
//! rolling unique-hashtag quota, the IG Hashtag node, its `top_media`/`recent_media`
//! edges, and `/{ig-user-id}/recently_searched_hashtags`.

use crate::error::{GraphError, GraphResult};
use crate::http::fields::FieldSel;
use crate::http::graph::Ctx;
use crate::http::paging::{edge_json, encode, paging_json, window, Links, Order, PageReq};
use crate::http::projection::{project, Field};
use crate::ids::{parse_id, HashtagId, IdKind, IgUserId, MediaId};
use crate::model::hashtag::{normalize, BadHashtag};
use crate::model::MediaType;
use crate::timefmt::iso;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::ops::Bound;

pub(crate) const NODE: &str = "IGHashtag";
/// Node type named in errors about fields of media read through hashtag edges.
const MEDIA_NODE: &str = "IGMedia";

/// The `user_id` parameter: required, and one of the viewer's accounts (facts §4.7).
fn user_param(ctx: &Ctx) -> GraphResult<IgUserId> {
    let raw = ctx.req.required("user_id")?;
    let id = parse_id(raw.trim()).ok_or_else(|| GraphError::unsupported("GET", raw))?;
    if ctx.world.kind_of(id) != Some(IdKind::IgUser) {
        return Err(GraphError::unsupported("GET", raw));
    }
    let ig = IgUserId(id);
    ctx.require_ig(ig)?;
    Ok(ig)
}

/// `GET /ig_hashtag_search?user_id=&q=` → `{"data":[{"id"}]}`.
pub(crate) fn search(ctx: &mut Ctx) -> GraphResult<Value> {
    let ig = user_param(ctx)?;
    // The result is an IG Hashtag node: `fields` projects it like `GET /{ig-hashtag-id}`,
    // checked before the search counts against the quota.
    ctx.require_known_fields(NODE, &["id", "name"])?;
    let sel = ctx.fields_or(&["id"])?;
    let q = ctx.req.required("q")?.to_string();
    // A searched name is kept for the sandbox's life (`GET /{ig-hashtag-id}` reads it back):
    // no longer than a caption, the longest text a hashtag can stand in.
    crate::http::input::bounded_text("q", &q, crate::http::input::MAX_TEXT_PARAM_CHARS)?;
    let name = normalize(&q).map_err(|e| match e {
        BadHashtag::Empty => GraphError::missing_param("q"),
        BadHashtag::UnsupportedCharacters => GraphError::unsupported_hashtag(&q),
    })?;
    if ctx.cfg.hashtags.sensitive.iter().any(|s| s.to_lowercase() == name) {
        return Err(GraphError::sensitive_hashtag());
    }
    let (id, _) = ctx
        .world
        .write()?
        .search_hashtag(
            ig,
            &name,
            ctx.now,
            ctx.cfg.hashtags.unique_limit,
            ctx.cfg.hashtags.window_seconds,
        )
        .map_err(|_| {
            GraphError::hashtag_limit_reached(ctx.cfg.hashtags.limit_error_code, ctx.cfg.hashtags.unique_limit)
        })?;
    Ok(json!({ "data": [render_node(ctx, id, &sel)?] }))
}

fn render_node(ctx: &Ctx, id: HashtagId, sel: &[FieldSel]) -> GraphResult<Value> {
    let name = ctx.world.hashtags.names.get(&id).cloned().unwrap_or_default();
    project(NODE, &id.to_string(), sel, |f| {
        Ok(match f.name.as_str() {
            "name" => Field::Value(json!(name)),
            _ => Field::Unknown,
        })
    })
}

/// Hashtag reads need `instagram_basic` (plus the Public Content Access feature, which the
/// simulated app always has).
fn require_basic(ctx: &Ctx) -> GraphResult<()> {
    if ctx.viewer.has("instagram_basic") {
        Ok(())
    } else {
        Err(GraphError::permission_denied())
    }
}

/// `GET /{ig-hashtag-id}` (`id`, `name` without `#`).
pub(crate) fn read(ctx: &mut Ctx, id: HashtagId) -> GraphResult<Value> {
    require_basic(ctx)?;
    let sel = ctx.fields_or(&["id"])?;
    render_node(ctx, id, &sel)
}

/// One media through a hashtag edge: only the documented public fields; never `username`
/// or `owner`; `like_count` left out when the owner hides it; `media_url` not on albums;
/// `@` stripped from captions (facts §4.7, §4.2).
fn render_media(ctx: &Ctx, id: MediaId, sel: &[FieldSel]) -> GraphResult<Value> {
    let Some(m) = ctx.world.media.get(&id) else {
        return Err(GraphError::unsupported("GET", &id.to_string()));
    };
    let hides = ctx.world.ig_users.get(&m.owner).is_some_and(|u| u.hides_like_counts);
    project(MEDIA_NODE, &id.to_string(), sel, |f| {
        Ok(match f.name.as_str() {
            "caption" if m.parent.is_some() => Field::Omit,
            "caption" => m
                .caption
                .as_ref()
                .map_or(Field::Omit, |c| Field::Value(json!(c.replace('@', "")))),
            "children" if m.media_type == MediaType::CarouselAlbum => {
                let sub = f
                    .children
                    .clone()
                    .unwrap_or_else(|| crate::http::graph::defaults(&["id"]));
                let data = m
                    .children
                    .iter()
                    .map(|c| render_media(ctx, *c, &sub))
                    .collect::<GraphResult<Vec<_>>>()?;
                Field::edge(json!({ "data": data }))
            }
            "children" => Field::Omit,
            "comments_count" => Field::Value(json!(ctx.world.comment_count(id))),
            "like_count" if hides => Field::Omit,
            "like_count" => Field::Value(json!(m.like_count)),
            "media_type" => Field::Value(json!(m.media_type.as_str())),
            "media_url" if m.media_type == MediaType::CarouselAlbum || m.media_url_withheld => Field::Omit,
            "media_url" => Field::Value(json!(ctx.cdn_url(crate::http::cdn::Asset::Media(id)))),
            "permalink" if m.parent.is_some() => Field::Omit,
            "permalink" => Field::Value(json!(m.permalink())),
            "timestamp" => Field::Value(json!(iso(m.timestamp))),
            _ => Field::Unknown,
        })
    })
}

/// `paging` of hashtag edges: an `after` cursor and a `next` URL only (facts §3.3).
fn hashtag_paging<K: crate::http::paging::CursorKey>(
    w: &crate::http::paging::Window<K>,
    links: &Links,
) -> Option<Value> {
    let last = w.keys.last()?;
    let after = encode(last);
    let mut p = Map::new();
    p.insert("cursors".into(), json!({ "after": after }));
    if w.has_next {
        if let Some(Value::String(next)) = paging_json(w, Some(links)).and_then(|v| v.get("next").cloned()) {
            p.insert("next".into(), json!(next));
        }
    }
    Some(Value::Object(p))
}

fn hashtag_media_edge(ctx: &mut Ctx, id: HashtagId, recent: bool) -> GraphResult<Value> {
    require_basic(ctx)?;
    user_param(ctx)?;
    let max = ctx.cfg.hashtags.media_max_page_size;
    // Only `after` is supported on these edges (facts §3.3); `before` is ignored.
    let req = PageReq::new(
        ctx.req.param("limit"),
        ctx.req.param("after"),
        None,
        ctx.cfg.default_page_size.min(max),
        max,
    )?;
    let sel = ctx.fields_or(&["id"])?;
    let links = Links::for_request(ctx.req, req.limit);
    if recent {
        let items = ctx
            .world
            .recent_hashtag_media(id, ctx.now, ctx.cfg.hashtags.recent_seconds);
        let w = window(&items, Bound::Unbounded, Bound::Unbounded, Order::Desc, &req)?;
        let data = w
            .keys
            .iter()
            .map(|k| render_media(ctx, items[k], &sel))
            .collect::<GraphResult<Vec<_>>>()?;
        Ok(edge_json(data, hashtag_paging(&w, &links)))
    } else {
        let items: BTreeMap<u64, MediaId> = ctx
            .world
            .top_hashtag_media(id)
            .into_iter()
            .enumerate()
            .map(|(i, m)| (i as u64, m))
            .collect();
        let w = window(&items, Bound::Unbounded, Bound::Unbounded, Order::Asc, &req)?;
        let data = w
            .keys
            .iter()
            .map(|k| render_media(ctx, items[k], &sel))
            .collect::<GraphResult<Vec<_>>>()?;
        Ok(edge_json(data, hashtag_paging(&w, &links)))
    }
}

/// `GET /{ig-hashtag-id}/{edge}`.
pub(crate) fn edge(ctx: &mut Ctx, id: HashtagId, edge: &str) -> GraphResult<Value> {
    match edge {
        "top_media" => hashtag_media_edge(ctx, id, false),
        "recent_media" => hashtag_media_edge(ctx, id, true),
        _ => {
            require_basic(ctx)?;
            Err(GraphError::nonexisting_field(edge, NODE))
        }
    }
}

/// `/{ig-user-id}/recently_searched_hashtags`: hashtags counted in the current window,
/// latest first; 25 per page, `limit` up to 30 (facts §3.3).
pub(crate) fn recently_searched(ctx: &mut Ctx, ig: IgUserId, sel: Option<&FieldSel>) -> GraphResult<Value> {
    ctx.require_ig(ig)?;
    let req = ctx.page_req(
        sel,
        ctx.cfg.hashtags.recent_searches_page_size,
        ctx.cfg.hashtags.recent_searches_max_page_size,
    )?;
    let items = ctx.world.recent_searches(ig, ctx.now, ctx.cfg.hashtags.window_seconds);
    let w = window(&items, Bound::Unbounded, Bound::Unbounded, Order::Desc, &req)?;
    let sub = ctx.item_fields(sel, &["id"])?;
    let data = w
        .keys
        .iter()
        .map(|k| render_node(ctx, items[k], &sub))
        .collect::<GraphResult<Vec<_>>>()?;
    let links = match sel {
        None => Links::for_request(ctx.req, req.limit),
        Some(s) => Links::for_edge(
            ctx.req,
            &format!("{ig}/recently_searched_hashtags"),
            s.children.as_deref().map(crate::http::fields::render_list),
            req.limit,
        ),
    };
    Ok(edge_json(data, paging_json(&w, Some(&links))))
}
