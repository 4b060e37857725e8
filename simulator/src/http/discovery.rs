//! Business Discovery (guides "Business Discovery"; facts §4.1): public data about another
//! professional account through `business_discovery.username(<name>){…}`.

use crate::error::{GraphError, GraphResult};
use crate::http::fields::FieldSel;
use crate::http::graph::{defaults, Ctx};
use crate::http::paging::{edge_json, forward_paging_json, window, Order};
use crate::http::projection::{project, Field};
use crate::ids::IgUserId;
use serde_json::{json, Value};

/// Public fields of the target account: production answers `biography, id, ig_id,
/// followers_count, follows_count, media_count, name, profile_picture_url, username, website`
/// and `media` (recorded answer to exactly that request, crates.io `instagram-graph-api`:
/// bk-rs/instagram-apis-rs tests/response_body_json_files/v14.0/
/// ig_user_0__business_discovery__reading__username_bluebottle.json; facts §9 "Business
/// discovery"). The v18 reference's narrower "Public" column (facts §4.1, no `ig_id` or
/// `follows_count`) is superseded.
const USER_FIELDS: &[&str] = &[
    "biography",
    "followers_count",
    "follows_count",
    "ig_id",
    "media_count",
    "name",
    "profile_picture_url",
    "username",
    "website",
    "media",
];
/// Public fields of the target's media (`IGREF:ig-user/business_discovery`).
const MEDIA_FIELDS: &[&str] = &[
    "caption",
    "children",
    "comments_count",
    "id",
    "like_count",
    "media_product_type",
    "media_type",
    "media_url",
    "permalink",
    "thumbnail_url",
    "timestamp",
    "username",
];

/// The `business_discovery` field on the viewer's account `_viewer_ig` (already checked).
pub(crate) fn render(ctx: &mut Ctx, _viewer_ig: IgUserId, f: &FieldSel) -> GraphResult<Value> {
    if !ctx.viewer.has("instagram_basic") {
        return Err(GraphError::permission_denied());
    }
    let username = f.arg("username").ok_or_else(|| GraphError::missing_param("username"))?;
    let not_found = || {
        GraphError::business_discovery_not_found(
            ctx.cfg.business_discovery_error_code,
            ctx.cfg.business_discovery_error_subcode,
            username,
        )
    };
    // Only Business and Creator accounts; age-gated accounts are not returned (facts §4.1).
    // The username is taken as given: a handle written `@name` names no account, as
    // production treats usernames the client supplies elsewhere (facts §9; UNCONFIRMED for
    // Business Discovery itself).
    let target = Some(username)
        .filter(|u| !u.starts_with('@'))
        .and_then(|u| ctx.world.ig_user_by_username(u))
        .filter(|u| u.account_type.is_professional() && !u.age_gated)
        .cloned()
        .ok_or_else(not_found)?;
    let sel = f.children.clone().unwrap_or_else(|| defaults(&["id"]));
    let media_count = ctx.world.media_count(target.id);
    project(crate::http::graph::IG_USER_NODE, &target.id.to_string(), &sel, |s| {
        if !USER_FIELDS.contains(&s.name.as_str()) {
            return Ok(Field::Unknown);
        }
        Ok(match s.name.as_str() {
            "biography" => Field::Value(json!(target.biography)),
            "followers_count" => Field::Value(json!(target.followers_count)),
            "follows_count" => Field::Value(json!(target.follows_count)),
            "ig_id" => Field::Value(json!(target.ig_id)),
            "media_count" => Field::Value(json!(media_count)),
            "name" => Field::Value(json!(target.name)),
            "profile_picture_url" => {
                Field::Value(json!(ctx.cdn_url(crate::http::cdn::Asset::ProfilePicture(target.id))))
            }
            "username" => Field::Value(json!(target.username)),
            "website" => target.website.as_ref().map_or(Field::Omit, |w| Field::Value(json!(w))),
            "media" => Field::edge(media_edge(ctx, target.id, s)?),
            _ => Field::Unknown,
        })
    })
}

/// The target's feed, newest first, with `.limit()`/`.after()`/`.before()` and
/// `.since()`/`.until()`; paged forward only, with the `after` cursor and no `next` (facts §3.3;
/// [`forward_paging_json`]). `like_count` is left
/// out where the owner hides it.
fn media_edge(ctx: &mut Ctx, target: IgUserId, sel: &FieldSel) -> GraphResult<Value> {
    let req = ctx.page_req(Some(sel), ctx.cfg.default_page_size, ctx.cfg.max_page_size)?;
    let sub = sel.children.clone().unwrap_or_else(|| defaults(&["id"]));
    if let Some(f) = sub.iter().find(|f| !MEDIA_FIELDS.contains(&f.name.as_str())) {
        return Err(GraphError::nonexisting_field(&f.name, crate::http::graph::MEDIA_NODE));
    }
    let empty = Default::default();
    let feed = ctx.world.feed.get(&target).unwrap_or(&empty).clone();
    let (lower, upper) = crate::http::paging::time_bounds(ctx.req, Some(sel))?;
    let w = window(&feed, lower, upper, Order::Desc, &req)?;
    let data = w
        .keys
        .iter()
        .map(|k| ctx.render_media(feed[k], &sub, false))
        .collect::<GraphResult<Vec<_>>>()?;
    Ok(edge_json(data, forward_paging_json(&w, None)))
}
