//! The IG User node (facts §4.1) and its read edges: `media`, `stories`, `live_media`.

use crate::error::{GraphError, GraphResult};
use crate::http::fields::{render_list, FieldSel};
use crate::http::graph::Ctx;
use crate::http::json::Json;
use crate::http::paging::{edge_into, paging, values, window, Links, Order};
use crate::http::projection::{project, Field};
use crate::ids::{IgUserId, MediaId};
use crate::model::window::Window;
use serde_json::{json, Value};
use std::ops::Bound;

pub(crate) const NODE: &str = crate::http::graph::IG_USER_NODE;
const DEFAULT_FIELDS: &[&str] = &["id"];

/// `GET /{ig-user-id}`.
pub(crate) fn read(ctx: &mut Ctx, ig: IgUserId) -> GraphResult<Value> {
    ctx.require_ig(ig)?;
    let sel = ctx.fields_or(DEFAULT_FIELDS)?;
    render(ctx, ig, &sel)
}

/// Fields of the IG User that exist only with Facebook Login (Business Discovery, hashtag
/// search, product tagging); an Instagram Login token reading them gets the unknown-field
/// error (IG User reference, Requirements table per login type).
const FACEBOOK_LOGIN_ONLY_FIELDS: &[&str] = &[
    "business_discovery",
    "recently_searched_hashtags",
    "shopping_product_tag_eligibility",
    "available_catalogs",
    "ig_id",
    "legacy_instagram_user_id",
    "has_profile_pic",
    "is_published",
];

pub(crate) fn render(ctx: &mut Ctx, ig: IgUserId, sel: &[FieldSel]) -> GraphResult<Value> {
    let Some(u) = ctx.world.ig_users.get(&ig).cloned() else {
        return Err(GraphError::unsupported("GET", &ig.to_string()));
    };
    // Instagram Login shows the app-scoped id as `id` and the account id as `user_id`
    // (reference `me`; Instagram Login "User" fields), with `account_type`.
    let instagram_login = ctx.viewer.is_instagram();
    let id = if instagram_login {
        ctx.world.ig_scoped_id(ig).to_string()
    } else {
        ig.to_string()
    };
    project(NODE, &id, sel, |f| {
        if instagram_login {
            match f.name.as_str() {
                "user_id" => return Ok(Field::Value(json!(ig.to_string()))),
                "account_type" => return Ok(Field::Value(json!(ig_login_account_type(u.account_type)))),
                n if FACEBOOK_LOGIN_ONLY_FIELDS.contains(&n) => return Ok(Field::Unknown),
                _ => {}
            }
        }
        Ok(match f.name.as_str() {
            "biography" => Field::Value(json!(u.biography)),
            "ig_id" => Field::Value(json!(u.ig_id)),
            "followers_count" => Field::Value(json!(u.followers_count)),
            "follows_count" => Field::Value(json!(u.follows_count)),
            "media_count" => Field::Value(json!(ctx.world.media_count(ig))),
            "name" => Field::Value(json!(u.name)),
            "profile_picture_url" => Field::Value(json!(ctx.cdn_url(crate::http::cdn::Asset::ProfilePicture(u.id)))),
            "username" => Field::Value(json!(u.username)),
            "website" => u.website.as_ref().map_or(Field::Omit, |w| Field::Value(json!(w))),
            // The business that owns the account (PYSDK:iguser.py @21.0.x; facts §4.1).
            "owner_business" => Field::Value(json!({ "id": u.owner_business().to_string() })),
            // From v22, as IG Media's and IG Comment's legacy ids (version.rs).
            "legacy_instagram_user_id" if crate::version::has_field(NODE, &f.name, ctx.req.version, ctx.now) => {
                Field::Value(json!(crate::ids::derived_id("legacy_instagram_user", ig.0).to_string()))
            }
            // Fields of the current IG User (the Python Business SDK 26.0's IGUser field list;
            // data connectors read them since 2025-04): every account igsim serves has a
            // profile picture (`profile_picture_url` is always answered) and is published.
            "has_profile_pic" => Field::Value(json!(true)),
            "is_published" => Field::Value(json!(true)),
            "shopping_product_tag_eligibility" => {
                Field::Value(json!(crate::model::shopping::tag_eligible(&ctx.world, ig)))
            }
            "available_catalogs" => Field::edge(crate::http::shopping::available_catalogs(ctx, ig, Some(f))?),
            "media" => Field::edge(media_edge(ctx, ig, Some(f))?),
            "stories" => Field::edge(stories_edge(ctx, ig, Some(f))?),
            "live_media" => Field::edge(live_media_edge(ctx, ig, Some(f))?),
            "tags" => Field::edge(crate::http::mention::tags_edge(ctx, ig, Some(f))?),
            "recently_searched_hashtags" => Field::edge(crate::http::hashtag::recently_searched(ctx, ig, Some(f))?),
            "business_discovery" => Field::Value(crate::http::discovery::render(ctx, ig, f)?),
            "mentioned_comment" => Field::Value(crate::http::mention::mentioned_comment(ctx, ig, f)?),
            "mentioned_media" => Field::Value(crate::http::mention::mentioned_media(ctx, ig, f)?),
            _ => Field::Unknown,
        })
    })
}

/// `account_type` on `graph.instagram.com`: `Business` or `Media_Creator` (Instagram Login
/// "User" reference).
fn ig_login_account_type(t: crate::model::IgAccountType) -> &'static str {
    match t {
        crate::model::IgAccountType::Creator => "Media_Creator",
        _ => "Business",
    }
}

/// Writes a page of media ids as edge items with the edge's item fields (default `id`).
fn media_page_into(
    ctx: &mut Ctx,
    ids: &[MediaId],
    sel: Option<&FieldSel>,
    paging: Option<Json>,
    out: &mut Vec<u8>,
) -> GraphResult<()> {
    let sub = ctx.item_fields(sel, &["id"])?;
    edge_into(out, |out| ctx.render_media_page_into(ids, &sub, out), paging)
}

/// An edge written by `write`, as a `Value` (expansions inside other nodes).
fn as_value(write: impl FnOnce(&mut Vec<u8>) -> GraphResult<()>) -> GraphResult<Value> {
    let mut out = Vec::with_capacity(1024);
    write(&mut out)?;
    Ok(Json::new(out).to_value())
}

/// Links for an edge: the request's own URL when it is the top-level edge, else the
/// edge URL reached from the expansion.
fn links(ctx: &Ctx, sel: Option<&FieldSel>, path: &str, limit: usize) -> Links {
    match sel {
        None => Links::for_request(ctx.req, limit),
        Some(s) => Links::for_edge(ctx.req, path, s.children.as_deref().map(render_list), limit),
    }
}

/// `/{ig-user-id}/media`: newest first, at most the newest 10,000, `since`/`until`.
pub(crate) fn media_edge(ctx: &mut Ctx, ig: IgUserId, sel: Option<&FieldSel>) -> GraphResult<Value> {
    as_value(|out| media_edge_into(ctx, ig, sel, out))
}

/// [`media_edge`] written into `out`.
pub(crate) fn media_edge_into(
    ctx: &mut Ctx,
    ig: IgUserId,
    sel: Option<&FieldSel>,
    out: &mut Vec<u8>,
) -> GraphResult<()> {
    ctx.require_ig(ig)?;
    let req = ctx.page_req(sel, ctx.cfg.default_page_size, ctx.cfg.max_page_size)?;
    let (mut lower, upper) = crate::http::paging::time_bounds(ctx.req, sel)?;
    let empty = Default::default();
    let feed = ctx.world.feed.get(&ig).unwrap_or(&empty);
    if feed.len() > ctx.cfg.media_edge_max_items {
        if let Some(oldest_reachable) = feed.keys().rev().nth(ctx.cfg.media_edge_max_items - 1) {
            lower = match lower {
                Bound::Included(l) if l > *oldest_reachable => Bound::Included(l),
                _ => Bound::Included(*oldest_reachable),
            };
        }
    }
    let w = window(feed, lower, upper, Order::Desc, &req)?;
    let ids = values(feed, &w);
    let links = links(ctx, sel, &format!("{ig}/media"), req.limit);
    media_page_into(ctx, &ids, sel, paging(&w, Some(&links)), out)
}

/// `/{ig-user-id}/stories`: only stories younger than 24 hours of sandbox time.
pub(crate) fn stories_edge(ctx: &mut Ctx, ig: IgUserId, sel: Option<&FieldSel>) -> GraphResult<Value> {
    as_value(|out| {
        ctx.require_ig(ig)?;
        let req = ctx.page_req(sel, ctx.cfg.default_page_size, ctx.cfg.max_page_size)?;
        let live = Window::of(ctx.cfg.story_lifetime_seconds).keys(ctx.now);
        let (lower, upper) = (Bound::Included(*live.start()), Bound::Included(*live.end()));
        let empty = Default::default();
        let stories = ctx.world.stories.get(&ig).unwrap_or(&empty);
        let w = window(stories, lower, upper, Order::Desc, &req)?;
        let ids = values(stories, &w);
        let links = links(ctx, sel, &format!("{ig}/stories"), req.limit);
        media_page_into(ctx, &ids, sel, paging(&w, Some(&links)), out)
    })
}

/// `/{ig-user-id}/live_media`: broadcasts on air now; `{"data":[],"paging":{}}` when none
/// (the reference's own sample, facts §3.3).
pub(crate) fn live_media_edge(ctx: &mut Ctx, ig: IgUserId, sel: Option<&FieldSel>) -> GraphResult<Value> {
    as_value(|out| {
        ctx.require_ig(ig)?;
        let live: Vec<_> = ctx
            .world
            .media
            .values()
            .filter(|m| m.owner == ig && m.live_now && m.media_type == crate::model::MediaType::Broadcast)
            .map(|m| m.id)
            .collect();
        media_page_into(ctx, &live, sel, Some(Json::new(b"{}".to_vec())), out)
    })
}

/// [`edge`] written into `out`: the media page straight into the bytes (`http::json`).
pub(crate) fn read_edge_into(ctx: &mut Ctx, ig: IgUserId, name: &str, out: &mut Vec<u8>) -> GraphResult<()> {
    if name == "media" {
        return media_edge_into(ctx, ig, None, out);
    }
    crate::http::json::push_value(out, &edge(ctx, ig, name)?);
    Ok(())
}

/// `GET /{ig-user-id}/{edge}` for the read edges this module owns.
pub(crate) fn edge(ctx: &mut Ctx, ig: IgUserId, edge: &str) -> GraphResult<Value> {
    match edge {
        "media" => media_edge(ctx, ig, None),
        "stories" => stories_edge(ctx, ig, None),
        "live_media" => live_media_edge(ctx, ig, None),
        "tags" => crate::http::mention::tags_edge(ctx, ig, None),
        "recently_searched_hashtags" => crate::http::hashtag::recently_searched(ctx, ig, None),
        _ => {
            ctx.require_ig(ig)?;
            Err(GraphError::nonexisting_field(edge, NODE))
        }
    }
}
