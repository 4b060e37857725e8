//! The IG Media node (facts §4.2) with its visibility rules, and its `children` edge.

use crate::error::{GraphError, GraphResult};
use crate::http::cdn::Asset;
use crate::http::fields::FieldSel;
use crate::http::graph::{project_into, reference, Ctx, Field, Wrote};
use crate::http::json::{self, Json};
use crate::http::paging::{edge_json, forward_paging_json, window, Links, Order};
use crate::ids::MediaId;
use crate::model::{MediaType, ProductType};
use serde_json::Value;
use std::collections::BTreeMap;
use std::ops::Bound;

pub(crate) const NODE: &str = crate::http::graph::MEDIA_NODE;
const DEFAULT_FIELDS: &[&str] = &["id"];

/// `GET /{ig-media-id}` as a `Value` (`ids=` reads).
pub(crate) fn read(ctx: &mut Ctx, id: MediaId) -> GraphResult<Value> {
    let mut out = Vec::with_capacity(256);
    read_into(ctx, id, &mut out)?;
    Ok(Json::new(out).to_value())
}

/// `GET /{ig-media-id}`, written into `out`.
pub(crate) fn read_into(ctx: &mut Ctx, id: MediaId, out: &mut Vec<u8>) -> GraphResult<()> {
    ctx.require_readable_media(id, "GET")?;
    let sel = ctx.shared_fields_or(DEFAULT_FIELDS)?;
    render_into(ctx, id, &sel, true, out)
}

/// The fields of a media that expand another node or edge (computed before the others).
const EXPANSIONS: &[&str] = &[
    "children",
    "collaborators",
    "comments",
    "insights",
    "owner",
    "product_tags",
];

/// Renders a media object as a `Value` ([`render_into`]; for callers that assemble trees).
pub(crate) fn render(ctx: &mut Ctx, id: MediaId, sel: &[FieldSel], direct: bool) -> GraphResult<Value> {
    let mut out = Vec::with_capacity(256);
    render_into(ctx, id, sel, direct, &mut out)?;
    Ok(Json::new(out).to_value())
}

/// Writes a media object into `out`. `direct` is a read of the node itself; through an edge or
/// an expansion it is false, and hidden like counts are left out (facts §4.2, v11+).
pub(crate) fn render_into(
    ctx: &mut Ctx,
    id: MediaId,
    sel: &[FieldSel],
    direct: bool,
    out: &mut Vec<u8>,
) -> GraphResult<()> {
    // Expansions page and check permissions with the whole context, so they are computed
    // first; the plain fields below then only borrow the world (no per-item clones).
    let mut expanded: Vec<(&str, Field)> = Vec::new();
    let expands = |f: &FieldSel| EXPANSIONS.contains(&f.name.as_str());
    // One lookup of the media per item when nothing expands (the one below).
    let (is_album, owner_id) = match sel.iter().any(expands).then(|| ctx.world.media.get(&id)) {
        Some(Some(m)) => (m.media_type == MediaType::CarouselAlbum, m.owner),
        Some(None) => return Err(GraphError::unsupported("GET", &id.to_string())),
        None => (false, crate::ids::IgUserId(0)),
    };
    for f in sel.iter().filter(|f| expands(f)) {
        let owned = ctx.owns_ig(owner_id);
        let v = match f.name.as_str() {
            // `owner` is an IGUser reference, shown to the owner's viewers only.
            "owner" if owned => {
                expanded.push((
                    "owner",
                    reference(f, &owner_id.to_string(), |sub| ctx.render_ig_user(owner_id, sub))?,
                ));
                continue;
            }
            "children" if is_album => children_edge(ctx, id, Some(f))?,
            "collaborators" => crate::http::publishing::collaborators_edge(ctx, id, Some(f))?,
            "comments" => crate::http::comment::comments_edge(ctx, id, Some(f))?,
            "insights" => crate::http::insights::media_expansion(ctx, id, f)?,
            // Media that cannot carry tags (reels, stories) leave the field out instead of
            // failing a whole page; a missing permission still fails.
            "product_tags" => match crate::http::shopping::product_tags(ctx, id, Some(f)) {
                Ok(v) => v,
                Err(e) if e.code == 100 && e.subcode == Some(33) => continue,
                Err(e) => return Err(e),
            },
            _ => continue,
        };
        expanded.push((f.name.as_str(), Field::edge(v)));
    }
    let ctx = &*ctx;
    let world = &*ctx.world;
    let Some(m) = world.media.get(&id) else {
        return Err(GraphError::unsupported("GET", &id.to_string()));
    };
    let owner = world.ig_users.get(&m.owner);
    let owned = ctx.owns_ig(m.owner);
    let child = m.is_child();
    let id_text = id.to_string();
    project_into(out, NODE, &id_text, sel, |f, out| {
        Ok(match f.name.as_str() {
            "caption" if child => Wrote::Omit,
            // `@` is left out of captions unless the viewer manages the author's Page
            // (facts §8 item 10, `IGREF:ig-media` caption).
            "caption" => match &m.caption {
                Some(c) if !owned => string(out, &c.replace('@', "")),
                Some(c) => string(out, c),
                None => Wrote::Omit,
            },
            "comments_count" => {
                json::push_u64(out, world.comment_count(id));
                Wrote::Value
            }
            // "Use total_comments_count and total_like_count to get aggregated counts that
            // include engagement from promoted/boosted/ad media" (IG Media reference, 2026):
            // igsim has no ads, so the totals are the organic counts (`total_like_count` is
            // `like_count`'s arm below, hidden where it is).
            "total_comments_count" => {
                json::push_u64(out, world.comment_count(id));
                Wrote::Value
            }
            // Images only (single and album items), when given at creation; left out otherwise.
            "alt_text" => m.alt_text.as_ref().map_or(Wrote::Omit, |t| string(out, t)),
            // Out of cycle from 2026-06-22 (version.rs); album items carry no label of their own.
            "is_ai_generated" if crate::version::has_field(NODE, &f.name, ctx.req.version, ctx.now) => {
                if child {
                    Wrote::Omit
                } else {
                    json::push_bool(out, m.ai_generated);
                    Wrote::Value
                }
            }
            "ig_id" => string(out, &m.ig_id.to_string()),
            "legacy_instagram_media_id" if crate::version::has_field(NODE, &f.name, ctx.req.version, ctx.now) => {
                string(out, &crate::ids::derived_id("legacy_instagram_media", id.0).to_string())
            }
            "is_comment_enabled" if child => Wrote::Omit,
            "is_comment_enabled" => {
                json::push_bool(out, m.comments_enabled);
                Wrote::Value
            }
            "is_shared_to_feed" => match (m.product_type, m.shared_to_feed) {
                (ProductType::Reels, Some(b)) => {
                    json::push_bool(out, b);
                    Wrote::Value
                }
                _ => Wrote::Omit,
            },
            "like_count" | "total_like_count" => {
                let hidden = owner.as_ref().is_some_and(|o| o.hides_like_counts);
                if hidden && !direct {
                    Wrote::Omit
                } else {
                    json::push_u64(out, m.like_count);
                    Wrote::Value
                }
            }
            "media_product_type" => string(out, m.product_type.as_str()),
            "media_type" => string(out, m.media_type.as_str()),
            "media_url" if m.media_url_withheld => Wrote::Omit,
            "media_url" => string(out, &ctx.cdn_url(Asset::Media(id))),
            "permalink" if child => Wrote::Omit,
            "permalink" => string(out, &m.permalink()),
            "shortcode" => string(out, &m.shortcode),
            "thumbnail_url" if m.media_type == MediaType::Video => string(out, &ctx.cdn_url(Asset::Thumbnail(id))),
            "thumbnail_url" => Wrote::Omit,
            "timestamp" => {
                crate::timefmt::push_iso(out, m.timestamp);
                Wrote::Value
            }
            "username" => owner.as_ref().map_or(Wrote::Omit, |o| string(out, &o.username)),
            "video_title" => Wrote::Omit,
            name if EXPANSIONS.contains(&name) => match expanded.iter().position(|(name, _)| *name == f.name) {
                Some(i) => field(out, expanded.swap_remove(i).1),
                None => Wrote::Omit,
            },
            "copyright_check_information" => field(out, crate::http::publishing::copyright_field(world, m)),
            _ => Wrote::Unknown,
        })
    })
}

fn string(out: &mut Vec<u8>, s: &str) -> Wrote {
    json::push_str(out, s);
    Wrote::Value
}

/// A field computed as a `Value` (expansions), written.
fn field(out: &mut Vec<u8>, f: Field) -> Wrote {
    match f {
        Field::Value(v) => {
            json::push_value(out, &v);
            Wrote::Value
        }
        Field::Omit => Wrote::Omit,
        Field::Unknown => Wrote::Unknown,
    }
}

/// `/{ig-media-id}/children`: album items in order (empty for other media), paged forward
/// only ([`forward_paging_json`]: production sends no `paging` for an album's 2..10 items).
pub(crate) fn children_edge(ctx: &mut Ctx, id: MediaId, sel: Option<&FieldSel>) -> GraphResult<Value> {
    let children: BTreeMap<u64, MediaId> = ctx
        .world
        .media
        .get(&id)
        .map(|m| m.children.iter().enumerate().map(|(i, c)| (i as u64, *c)).collect())
        .unwrap_or_default();
    let req = ctx.page_req(sel, ctx.cfg.default_page_size, ctx.cfg.max_page_size)?;
    let w = window(&children, Bound::Unbounded, Bound::Unbounded, Order::Asc, &req)?;
    let sub = ctx.item_fields(sel, &["id"])?;
    let data = w
        .keys
        .iter()
        .map(|k| render(ctx, children[k], &sub, false))
        .collect::<GraphResult<Vec<_>>>()?;
    let links = match sel {
        None => Links::for_request(ctx.req, req.limit),
        Some(s) => Links::for_edge(
            ctx.req,
            &format!("{id}/children"),
            s.children.as_deref().map(crate::http::fields::render_list),
            req.limit,
        ),
    };
    Ok(edge_json(data, forward_paging_json(&w, Some(&links))))
}

/// `GET /{ig-media-id}/{edge}` for the read edges this module owns.
pub(crate) fn edge(ctx: &mut Ctx, id: MediaId, edge: &str) -> GraphResult<Value> {
    ctx.require_readable_media(id, "GET")?;
    match edge {
        "children" => children_edge(ctx, id, None),
        _ => Err(GraphError::nonexisting_field(edge, NODE)),
    }
}
