//! The IG Media node (facts §4.2) with its visibility rules, and its `children` edge.

use crate::error::{GraphError, GraphResult};
use crate::http::cdn::Asset;
use crate::http::fields::FieldSel;
use crate::http::graph::Ctx;
use crate::http::json::{self, Json};
use crate::http::paging::{edge_json, forward_paging_json, window, Links, Order};
use crate::http::projection::{reference, Field, Projection, Wrote};
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

/// A field of the IG Media node, as a [`Projection`] names it (resolved once per page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MediaField {
    Caption,
    /// `comments_count` and `total_comments_count`.
    CommentsCount,
    AltText,
    IsAiGenerated,
    IgId,
    LegacyId,
    IsCommentEnabled,
    IsSharedToFeed,
    /// `like_count` and `total_like_count`.
    LikeCount,
    MediaProductType,
    MediaType,
    MediaUrl,
    Permalink,
    Shortcode,
    ThumbnailUrl,
    Timestamp,
    Username,
    VideoTitle,
    /// One of [`EXPANSIONS`], computed before the plain fields.
    Expansion,
    CopyrightCheck,
}

/// What `f` names on the IG Media node for this request (`None`: not a field of it).
fn resolve(ctx: &Ctx, f: &FieldSel) -> Option<MediaField> {
    use MediaField as F;
    let released = || crate::version::has_field(NODE, &f.name, ctx.req.version, ctx.now);
    Some(match f.name.as_str() {
        "caption" => F::Caption,
        // "Use total_comments_count and total_like_count to get aggregated counts that
        // include engagement from promoted/boosted/ad media" (IG Media reference, 2026):
        // igsim has no ads, so the totals are the organic counts (`total_like_count` is
        // `like_count`'s, hidden where it is).
        "comments_count" | "total_comments_count" => F::CommentsCount,
        "alt_text" => F::AltText,
        // Out of cycle from 2026-06-22 (version.rs).
        "is_ai_generated" if released() => F::IsAiGenerated,
        "ig_id" => F::IgId,
        "legacy_instagram_media_id" if released() => F::LegacyId,
        "is_comment_enabled" => F::IsCommentEnabled,
        "is_shared_to_feed" => F::IsSharedToFeed,
        "like_count" | "total_like_count" => F::LikeCount,
        "media_product_type" => F::MediaProductType,
        "media_type" => F::MediaType,
        "media_url" => F::MediaUrl,
        "permalink" => F::Permalink,
        "shortcode" => F::Shortcode,
        "thumbnail_url" => F::ThumbnailUrl,
        "timestamp" => F::Timestamp,
        "username" => F::Username,
        "video_title" => F::VideoTitle,
        name if EXPANSIONS.contains(&name) => F::Expansion,
        "copyright_check_information" => F::CopyrightCheck,
        _ => return None,
    })
}

/// A media selection resolved for this request ([`Projection`]).
pub(crate) fn projection<'s>(ctx: &Ctx, sel: &'s [FieldSel]) -> Projection<'s, MediaField> {
    Projection::new(NODE, sel, |f| resolve(ctx, f))
}

/// What a media's fields need of its owner: looked up once per owner, so a page whose
/// items share one (`/{ig-user-id}/media`, `stories`) looks it up once.
#[derive(Clone, Copy)]
struct Owner<'w> {
    id: crate::ids::IgUserId,
    user: Option<&'w crate::model::IgUser>,
    /// The viewer may read the owner as their own.
    owned: bool,
}

impl<'w> Owner<'w> {
    fn of(ctx: &Ctx<'w>, world: &'w crate::model::World, id: crate::ids::IgUserId) -> Self {
        Owner {
            id,
            user: world.ig_users.get(&id),
            owned: ctx.owns_ig(id),
        }
    }
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
    let p = projection(ctx, sel);
    write_one(ctx, &p, id, direct, out)
}

/// Writes the media `ids` (an edge's page, not read directly) into `out`, comma-separated,
/// with `sel` resolved once for all of them; the owner is looked up once per owner.
pub(crate) fn render_page_into(ctx: &mut Ctx, ids: &[MediaId], sel: &[FieldSel], out: &mut Vec<u8>) -> GraphResult<()> {
    let p = projection(ctx, sel);
    if has_expansions(&p) {
        // Expansions page and check permissions with the whole context, item by item.
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_one(ctx, &p, *id, false, out)?;
        }
        return Ok(());
    }
    let ctx = &*ctx;
    let world = &*ctx.world;
    let mut owner: Option<Owner> = None;
    let start = out.len();
    for (i, id) in ids.iter().enumerate() {
        if i == 1 {
            // Room for the rest at the first item's size, so the answer grows once.
            out.reserve((out.len() - start + 1) * (ids.len() - 1) * 9 / 8);
        }
        if i > 0 {
            out.push(b',');
        }
        let Some(m) = world.media.get(id) else {
            return Err(GraphError::unsupported("GET", &id.to_string()));
        };
        let o = match owner {
            Some(o) if o.id == m.owner => o,
            _ => *owner.insert(Owner::of(ctx, world, m.owner)),
        };
        write_fields(ctx, &p, *id, m, o, false, Vec::new(), out)?;
    }
    Ok(())
}

fn has_expansions(p: &Projection<MediaField>) -> bool {
    p.fields().any(|(f, _)| *f == MediaField::Expansion)
}

/// Writes one media: its expansions first (they page and check permissions with the whole
/// context), then every field ([`write_fields`]).
fn write_one(
    ctx: &mut Ctx,
    p: &Projection<MediaField>,
    id: MediaId,
    direct: bool,
    out: &mut Vec<u8>,
) -> GraphResult<()> {
    let mut expanded: Vec<(&str, Field)> = Vec::new();
    if has_expansions(p) {
        let Some(m) = ctx.world.media.get(&id) else {
            return Err(GraphError::unsupported("GET", &id.to_string()));
        };
        let (is_album, owner_id) = (m.media_type == MediaType::CarouselAlbum, m.owner);
        for (_, f) in p.fields().filter(|(f, _)| **f == MediaField::Expansion) {
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
    }
    let ctx = &*ctx;
    let world = &*ctx.world;
    let Some(m) = world.media.get(&id) else {
        return Err(GraphError::unsupported("GET", &id.to_string()));
    };
    write_fields(ctx, p, id, m, Owner::of(ctx, world, m.owner), direct, expanded, out)
}

/// Writes the fields of the media `m` (its expansions already computed in `expanded`).
#[allow(clippy::too_many_arguments)]
fn write_fields<'s>(
    ctx: &Ctx,
    p: &Projection<'s, MediaField>,
    id: MediaId,
    m: &crate::model::Media,
    owner: Owner,
    direct: bool,
    mut expanded: Vec<(&'s str, Field)>,
    out: &mut Vec<u8>,
) -> GraphResult<()> {
    use MediaField as F;
    let world = &*ctx.world;
    let child = m.is_child();
    p.write(out, id.0, |f, sel, out| {
        Ok(match f {
            F::Caption if child => Wrote::Omit,
            // `@` is left out of captions unless the viewer manages the author's Page
            // (facts §8 item 10, `IGREF:ig-media` caption).
            F::Caption => match &m.caption {
                Some(c) if !owner.owned => string(out, &c.replace('@', "")),
                Some(c) => string(out, c),
                None => Wrote::Omit,
            },
            F::CommentsCount => {
                json::push_u64(out, world.comment_count(id));
                Wrote::Value
            }
            // Images only (single and album items), when given at creation; left out otherwise.
            F::AltText => m.alt_text.as_ref().map_or(Wrote::Omit, |t| string(out, t)),
            // Album items carry no label of their own.
            F::IsAiGenerated if child => Wrote::Omit,
            F::IsAiGenerated => {
                json::push_bool(out, m.ai_generated);
                Wrote::Value
            }
            F::IgId => {
                json::push_u64_str(out, m.ig_id);
                Wrote::Value
            }
            F::LegacyId => {
                json::push_u64_str(out, crate::ids::derived_id("legacy_instagram_media", id.0));
                Wrote::Value
            }
            F::IsCommentEnabled if child => Wrote::Omit,
            F::IsCommentEnabled => {
                json::push_bool(out, m.comments_enabled);
                Wrote::Value
            }
            F::IsSharedToFeed => match (m.product_type, m.shared_to_feed) {
                (ProductType::Reels, Some(b)) => {
                    json::push_bool(out, b);
                    Wrote::Value
                }
                _ => Wrote::Omit,
            },
            F::LikeCount => {
                let hidden = owner.user.is_some_and(|o| o.hides_like_counts);
                if hidden && !direct {
                    Wrote::Omit
                } else {
                    json::push_u64(out, m.like_count);
                    Wrote::Value
                }
            }
            F::MediaProductType => string(out, m.product_type.as_str()),
            F::MediaType => string(out, m.media_type.as_str()),
            F::MediaUrl if m.media_url_withheld => Wrote::Omit,
            F::MediaUrl => string(out, &ctx.cdn_url(Asset::Media(id))),
            F::Permalink if child => Wrote::Omit,
            F::Permalink => string(out, &m.permalink()),
            F::Shortcode => string(out, &m.shortcode),
            F::ThumbnailUrl if m.media_type == crate::model::MediaType::Video => {
                string(out, &ctx.cdn_url(Asset::Thumbnail(id)))
            }
            F::ThumbnailUrl => Wrote::Omit,
            F::Timestamp => {
                crate::timefmt::push_iso(out, m.timestamp);
                Wrote::Value
            }
            F::Username => owner.user.map_or(Wrote::Omit, |o| string(out, &o.username)),
            F::VideoTitle => Wrote::Omit,
            F::Expansion => match expanded.iter().position(|(name, _)| *name == sel.name) {
                Some(i) => field(out, expanded.swap_remove(i).1),
                None => Wrote::Omit,
            },
            F::CopyrightCheck => field(out, crate::http::publishing::copyright_field(world, m)),
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
