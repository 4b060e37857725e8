//! Product tagging endpoints: `available_catalogs`, `catalog_product_search`,
//! `product_appeal` on IG users and `product_tags` on IG media (guide "Product Tagging";
//! facts §4.1, §4.2). Rules live in `model::shopping`; this file reads parameters and renders.

use crate::error::{GraphError, GraphResult};
use crate::http::cdn::Asset;
use crate::http::fields::FieldSel;
use crate::http::graph::Ctx;
use crate::http::paging::{edge_json, paging_json, window, Links, Order};
use crate::ids::{parse_id, IgUserId, MediaId};
use crate::model::shopping::{self, ReviewStatus, TagList};
use crate::model::IgAccountType;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::ops::Bound;

/// Node types and item fields of the shopping edges (Graph's names in Meta's Business SDK:
/// `useravailablecatalogs.py`, `shadowigusercatalogproductsearch.py`,
/// `shadowigmediaproducttags.py`; facts §4.1, §4.2).
const CATALOGS_NODE: &str = "UserAvailableCatalogs";
const CATALOG_FIELDS: &[&str] = &["catalog_id", "catalog_name", "product_count", "shop_name"];
const SEARCH_NODE: &str = "ShadowIGUserCatalogProductSearch";
#[rustfmt::skip]
const SEARCH_FIELDS: &[&str] = &["image_url", "is_checkout_flow", "merchant_id", "product_id", "product_name", "product_variants", "retailer_id", "review_status"];
const TAGS_NODE: &str = "ShadowIGMediaProductTags";
#[rustfmt::skip]
const TAG_FIELDS: &[&str] = &["image_url", "is_checkout", "merchant_id", "name", "price_string", "product_id", "review_status", "stripped_price_string", "stripped_sale_price_string", "x", "y"];

/// Tagging endpoints need `instagram_shopping_tag_products`; catalog reads also
/// `catalog_management` (guide, Requirements; facts §7).
const TAG: &str = "instagram_shopping_tag_products";
const CATALOG: &str = "catalog_management";

fn require(ctx: &Ctx, ig: IgUserId, permissions: &[&str]) -> GraphResult<()> {
    ctx.require_ig(ig)?;
    for p in permissions {
        ctx.require_permission(ig, p)?;
    }
    Ok(())
}

/// `GET /{ig-user-id}/available_catalogs` (also the `available_catalogs` field): the shop's
/// one catalog; none for creators or accounts without an approved shop.
pub(crate) fn available_catalogs(ctx: &mut Ctx, ig: IgUserId, sel: Option<&FieldSel>) -> GraphResult<Value> {
    require(ctx, ig, &[CATALOG, TAG])?;
    if sel.is_none() {
        ctx.require_known_fields(CATALOGS_NODE, CATALOG_FIELDS)?;
    }
    let business = ctx
        .world
        .ig_users
        .get(&ig)
        .is_some_and(|u| u.account_type == IgAccountType::Business && u.shop_approved);
    let data: Vec<Value> = ctx
        .world
        .shopping
        .catalog_of(ig)
        .filter(|_| business)
        .map(|c| {
            json!({
                "catalog_id": c.id.to_string(),
                "catalog_name": c.name,
                "shop_name": c.shop_name,
                "product_count": c.products.len(),
            })
        })
        .into_iter()
        .collect();
    Ok(json!({ "data": data }))
}

fn product_json(ctx: &Ctx, id: u64) -> Option<Value> {
    let p = ctx.world.shopping.products.get(&id)?;
    let c = ctx.world.shopping.catalogs.get(&p.catalog)?;
    let mut m = Map::new();
    m.insert("product_id".into(), json!(p.id));
    m.insert("merchant_id".into(), json!(c.merchant_id));
    m.insert("product_name".into(), json!(p.name));
    m.insert("image_url".into(), json!(ctx.cdn_url(Asset::ProductImage(p.id))));
    m.insert("retailer_id".into(), json!(p.retailer_id));
    m.insert("review_status".into(), json!(p.review_status.as_str()));
    m.insert("is_checkout_flow".into(), json!(p.is_checkout));
    if !p.variants.is_empty() {
        let vs: Vec<Value> = p
            .variants
            .iter()
            .filter_map(|v| ctx.world.shopping.products.get(v))
            .map(|v| match &v.variant_name {
                Some(n) => json!({ "product_id": v.id, "variant_name": n }),
                None => json!({ "product_id": v.id }),
            })
            .collect();
        m.insert("product_variants".into(), Value::Array(vs));
    }
    Some(Value::Object(m))
}

/// `GET /{ig-user-id}/catalog_product_search?catalog_id=&q=&review_status=` with cursors.
pub(crate) fn catalog_product_search(ctx: &mut Ctx, ig: IgUserId) -> GraphResult<Value> {
    require(ctx, ig, &[CATALOG, TAG])?;
    ctx.require_known_fields(SEARCH_NODE, SEARCH_FIELDS)?;
    let catalog_param = ctx.req.required("catalog_id")?;
    let catalog = parse_id(catalog_param.trim())
        .filter(|c| ctx.world.shopping.catalogs.get(c).is_some_and(|c| c.owner == ig))
        .ok_or_else(|| GraphError::invalid_catalog(catalog_param))?;
    let status = match ctx.req.param("review_status").map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            ReviewStatus::parse(s)
                .filter(|r| *r != ReviewStatus::NoReview)
                .ok_or_else(|| GraphError::not_one_of("review_status", &ReviewStatus::SEARCHABLE))?,
        ),
    };
    let q = ctx.req.param("q").unwrap_or("").to_string();
    let found: BTreeMap<u64, ()> = shopping::search(&ctx.world, catalog, &q, status)
        .into_iter()
        .map(|id| (id, ()))
        .collect();
    let req = ctx.page_req(None, ctx.cfg.default_page_size, ctx.cfg.max_page_size)?;
    let w = window(&found, Bound::Unbounded, Bound::Unbounded, Order::Asc, &req)?;
    let data = w.keys.iter().filter_map(|id| product_json(ctx, *id)).collect();
    let links = Links::for_request(ctx.req, req.limit);
    Ok(edge_json(data, paging_json(&w, Some(&links))))
}

/// `GET /{ig-user-id}/product_appeal?product_id=`.
pub(crate) fn product_appeal_status(ctx: &mut Ctx, ig: IgUserId) -> GraphResult<Value> {
    require(ctx, ig, &[TAG])?;
    let product = product_param(ctx, ig)?;
    let p = &ctx.world.shopping.products[&product];
    Ok(json!({ "data": [{
        "product_id": p.id,
        "review_status": p.review_status.as_str(),
        "eligible_for_appeal": p.eligible_for_appeal,
    }]}))
}

/// `POST /{ig-user-id}/product_appeal?appeal_reason=&product_id=`.
pub(crate) fn product_appeal(ctx: &mut Ctx, ig: IgUserId) -> GraphResult<Value> {
    require(ctx, ig, &[TAG])?;
    let reason = ctx.req.required("appeal_reason")?.to_string();
    crate::http::input::bounded_text("appeal_reason", &reason, crate::http::input::MAX_TEXT_PARAM_CHARS)?;
    let product = product_param(ctx, ig)?;
    shopping::appeal(ctx.world.write()?, ig, product, &reason)?;
    Ok(json!({ "success": true }))
}

/// A `product_id` of the account's catalog.
fn product_param(ctx: &Ctx, ig: IgUserId) -> GraphResult<u64> {
    let raw = ctx.req.required("product_id")?;
    let id =
        parse_id(raw.trim()).ok_or_else(|| GraphError::invalid_param("Param product_id must be a valid product id"))?;
    let owned = ctx
        .world
        .shopping
        .products
        .get(&id)
        .and_then(|p| ctx.world.shopping.catalogs.get(&p.catalog))
        .is_some_and(|c| c.owner == ig);
    if owned {
        Ok(id)
    } else {
        Err(GraphError::product_not_found(id))
    }
}

/// The media's owner, after the usual media access check; stories and live have no tags.
fn tag_media(ctx: &Ctx, id: MediaId, verb: &str) -> GraphResult<IgUserId> {
    ctx.require_readable_media(id, verb)?;
    let m = ctx
        .world
        .media
        .get(&id)
        .ok_or_else(|| GraphError::unsupported(verb, &id.to_string()))?;
    if matches!(
        shopping::TagTarget::of_media(m.media_type, m.product_type, m.is_child()),
        shopping::TagTarget::Story
    ) {
        return Err(GraphError::unsupported(verb, &id.to_string()));
    }
    Ok(m.owner)
}

/// `GET /{ig-media-id}/product_tags`.
pub(crate) fn product_tags(ctx: &mut Ctx, id: MediaId, sel: Option<&FieldSel>) -> GraphResult<Value> {
    let owner = tag_media(ctx, id, "GET")?;
    require(ctx, owner, &[TAG])?;
    if sel.is_none() {
        ctx.require_known_fields(TAGS_NODE, TAG_FIELDS)?;
    }
    let data: Vec<Value> = shopping::tags_of(&ctx.world, id)
        .into_iter()
        .map(|(t, p)| {
            let mut m = Map::new();
            m.insert("product_id".into(), json!(t.product_id));
            m.insert("merchant_id".into(), json!(t.merchant_id));
            if let Some(p) = p {
                let (price, stripped) = p.price_strings();
                m.insert("name".into(), json!(p.name));
                m.insert("price_string".into(), json!(price));
                m.insert("image_url".into(), json!(ctx.cdn_url(Asset::ProductImage(p.id))));
                m.insert("review_status".into(), json!(p.review_status.as_str()));
                m.insert("is_checkout".into(), json!(p.is_checkout));
                m.insert("stripped_price_string".into(), json!(stripped));
                if let Some(sale) = p.stripped_sale_price() {
                    m.insert("stripped_sale_price_string".into(), json!(sale));
                }
            } else {
                m.insert("review_status".into(), json!(""));
            }
            if let (Some(x), Some(y)) = (t.x, t.y) {
                m.insert("x".into(), json!(x));
                m.insert("y".into(), json!(y));
            }
            Value::Object(m)
        })
        .collect();
    Ok(json!({ "data": data }))
}

/// A required tag-list parameter (`updated_tags`, `deleted_tags`).
fn tag_list(ctx: &Ctx, name: &str) -> GraphResult<TagList> {
    match ctx.req.json_param(name) {
        None => Err(GraphError::missing_param(name)),
        Some(Ok(v)) => Ok(crate::http::input::product_tags(&v).unwrap_or(TagList::Malformed)),
        Some(Err(_)) => Err(GraphError::product_tags_malformed(name)),
    }
}

/// `POST /{ig-media-id}/product_tags?updated_tags=[…]`.
pub(crate) fn update_product_tags(ctx: &mut Ctx, id: MediaId) -> GraphResult<Value> {
    let owner = tag_media(ctx, id, "POST")?;
    require(ctx, owner, &[TAG])?;
    let list = tag_list(ctx, "updated_tags")?;
    let quota = shopping::TaggedQuota::of(&crate::http::publishing::effective_config(&ctx.world, ctx.cfg));
    shopping::update_tags(ctx.world.write()?, id, &list, ctx.now, quota)?;
    Ok(json!({ "success": true }))
}

/// `DELETE /{ig-media-id}/product_tags?deleted_tags=[…]`.
pub(crate) fn delete_product_tags(ctx: &mut Ctx, id: MediaId) -> GraphResult<Value> {
    let owner = tag_media(ctx, id, "DELETE")?;
    require(ctx, owner, &[TAG])?;
    let list = tag_list(ctx, "deleted_tags")?;
    shopping::delete_tags(ctx.world.write()?, id, &list)?;
    Ok(json!({ "success": true }))
}
