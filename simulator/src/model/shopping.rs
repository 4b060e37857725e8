//! Instagram Shopping for product tagging: catalogs, products (with variants and review
//! statuses), product tags on media, appeals, the tagged-posts quota, and the pure validation
//! of `product_tags` on container creation ("Product Tagging" guide; facts §4.1, §4.2, §4.4).
//!
//! Long because product tagging is one set of rules over one set of types: the limits per
//! media kind, eligibility, positions, uniqueness and the quota are checked together.

use super::window::Window;
pub(crate) use super::world::{Catalog, Given, Product, ProductTag, ReviewStatus, Shopping, TagInput, TagList};
use super::{IgAccountType, MediaType, ProductType, World};
use crate::error::GraphError;
use crate::ids::{IgUserId, MediaId};
use std::collections::BTreeSet;

/// Tags per photo or video feed post ("Create a Tagged Container for Images or Videos").
pub(crate) const MAX_TAGS_PER_POST: usize = 20;
/// Tags per reel ("Create a Tagged Container for Reels"; changelog "Reels – Product Tags").
pub(crate) const MAX_TAGS_PER_REEL: usize = 30;
/// Tags per carousel slide, and per carousel post in total (same guide section).
pub(crate) const MAX_TAGS_PER_SLIDE: usize = 5;
pub(crate) const MAX_TAGS_PER_CAROUSEL: usize = 20;
/// `POST /{ig-media-id}/product_tags` is additive up to 5 tags ("Tag Existing Media").
pub(crate) const MAX_TAGS_ON_EXISTING_MEDIA: usize = 5;
/// "Accounts are limited to 25 tagged media posts within a 24 hour period" (guide, Limitations).
/// The tagged-posts quota in force: how many posts, over how many seconds (Product Tagging
/// guide: 25 per 24 h; the numbers live in `PublishingConfig`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TaggedQuota {
    pub(crate) limit: usize,
    pub(crate) window: i64,
}

impl TaggedQuota {
    pub(crate) fn of(cfg: &crate::config::PublishingConfig) -> Self {
        TaggedQuota {
            limit: cfg.tagged_quota_total as usize,
            window: cfg.quota_duration,
        }
    }
}

impl Default for TaggedQuota {
    fn default() -> Self {
        TaggedQuota::of(&crate::config::PublishingConfig::default())
    }
}

impl ReviewStatus {
    pub(crate) const SEARCHABLE: [&'static str; 4] = ["approved", "outdated", "pending", "rejected"];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Approved => "approved",
            ReviewStatus::Outdated => "outdated",
            ReviewStatus::Pending => "pending",
            ReviewStatus::Rejected => "rejected",
            ReviewStatus::NoReview => "no_review",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "approved" => ReviewStatus::Approved,
            "outdated" => ReviewStatus::Outdated,
            "pending" => ReviewStatus::Pending,
            "rejected" => ReviewStatus::Rejected,
            "no_review" => ReviewStatus::NoReview,
            _ => return None,
        })
    }
}

impl Product {
    fn money(cents: u64, currency: &str) -> (String, String) {
        let amount = format!("{}.{:02}", cents / 100, cents % 100);
        let symbol = match currency {
            "USD" | "CAD" | "AUD" => "$",
            "EUR" => "€",
            "GBP" => "£",
            _ => "",
        };
        let stripped = if symbol.is_empty() {
            format!("{amount} {currency}")
        } else {
            format!("{symbol}{}", amount.trim_end_matches(".00"))
        };
        (format!("{symbol}{amount}"), stripped)
    }

    /// `price_string` (`$3.50`) and `stripped_price_string` (`$3.50`, `$100` for whole amounts).
    pub(crate) fn price_strings(&self) -> (String, String) {
        Self::money(self.price_cents, &self.currency)
    }

    pub(crate) fn stripped_sale_price(&self) -> Option<String> {
        self.sale_price_cents.map(|c| Self::money(c, &self.currency).1)
    }
}

/// What a set of product tags is attached to; each has its own rules (guide, "Create a Tagged
/// Container…" sections; facts §4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TagTarget {
    /// A feed image: x/y required.
    Image,
    /// A (legacy) feed video: x/y forbidden.
    Video,
    /// A reel: x/y forbidden, up to 30.
    Reel,
    /// A carousel slide: up to 5, x/y by the slide's media type.
    CarouselImage,
    CarouselVideo,
    /// Album-level tags on a carousel container: up to 20 in total.
    Carousel,
    /// Stories (and live) cannot be tagged.
    Story,
}

impl TagTarget {
    pub(crate) fn is_image(self) -> bool {
        matches!(self, TagTarget::Image | TagTarget::CarouselImage)
    }

    pub(crate) fn is_video(self) -> bool {
        matches!(self, TagTarget::Video | TagTarget::Reel | TagTarget::CarouselVideo)
    }

    pub(crate) fn limit(self) -> usize {
        match self {
            TagTarget::Image | TagTarget::Video => MAX_TAGS_PER_POST,
            TagTarget::Reel => MAX_TAGS_PER_REEL,
            TagTarget::CarouselImage | TagTarget::CarouselVideo => MAX_TAGS_PER_SLIDE,
            TagTarget::Carousel => MAX_TAGS_PER_CAROUSEL,
            TagTarget::Story => 0,
        }
    }

    /// The target a published media object is, for tagging it after the fact.
    pub(crate) fn of_media(media_type: MediaType, product_type: ProductType, is_child: bool) -> Self {
        match (media_type, product_type, is_child) {
            (_, ProductType::Story | ProductType::Live, _) | (MediaType::Broadcast, _, _) => TagTarget::Story,
            (MediaType::Image, _, true) => TagTarget::CarouselImage,
            (_, _, true) => TagTarget::CarouselVideo,
            (MediaType::CarouselAlbum, _, _) => TagTarget::Carousel,
            (_, ProductType::Reels, _) => TagTarget::Reel,
            (MediaType::Image, _, _) => TagTarget::Image,
            _ => TagTarget::Video,
        }
    }
}

impl Shopping {
    /// The catalog an account can tag from (only one is supported, facts §4.1).
    pub(crate) fn catalog_of(&self, owner: IgUserId) -> Option<&Catalog> {
        self.catalogs.values().find(|c| c.owner == owner)
    }

    /// Tagged posts of `owner` in the 24 hours up to `now`.
    pub(crate) fn tagged_posts_in_window(&self, owner: IgUserId, now: i64, window: i64) -> usize {
        self.tagged_posts
            .get(&owner)
            .map_or(0, |m| m.range(Window::of(window).keys(now)).count())
    }
}

/// `shopping_product_tag_eligibility`: a Business account (not Creator) whose Instagram Shop
/// is approved and has a catalog with products (guide, "Get User Eligibility"; facts §4.1).
pub(crate) fn tag_eligible(world: &World, owner: IgUserId) -> bool {
    let Some(u) = world.ig_users.get(&owner) else {
        return false;
    };
    u.account_type == IgAccountType::Business
        && u.shop_approved
        && world.shopping.catalog_of(owner).is_some_and(|c| !c.products.is_empty())
}

impl TagList {
    fn items(&self, param: &str) -> Result<&[TagInput], GraphError> {
        match self {
            TagList::Items(items) => Ok(items),
            TagList::Malformed => Err(GraphError::product_tags_malformed(param)),
        }
    }
}

/// A coordinate of tag `i`: in 0.0–1.0 when given.
fn coordinate(given: Given<f64>, key: &str, param: &str, i: usize) -> Result<Option<f64>, GraphError> {
    match given {
        Given::Missing => Ok(None),
        Given::Value(n) if (0.0..=1.0).contains(&n) => Ok(Some(n)),
        _ => Err(GraphError::product_tag_coordinate(param, i, key)),
    }
}

/// A product (or merchant) id of tag `i`: `missing` when absent, 2207037 when not an id.
fn tag_id(given: Given<u64>, missing: impl FnOnce() -> GraphError) -> Result<u64, GraphError> {
    match given {
        Given::Missing => Err(missing()),
        Given::Invalid => Err(GraphError::product_tag_invalid()),
        Given::Value(id) => Ok(id),
    }
}

/// One tag object of `param` (item `i`), with the rules every tag obeys wherever it is
/// given (container creation or tagging existing media): a `product_id` from the owner's
/// catalog (2207037), x/y required on images (2207036) and forbidden on video (2207035),
/// each product once.
fn parse_tag(
    world: &World,
    owner: IgUserId,
    target: TagTarget,
    t: &TagInput,
    param: &str,
    i: usize,
    seen: &mut BTreeSet<u64>,
) -> Result<ProductTag, GraphError> {
    let product_id = tag_id(t.product_id, || GraphError::product_tag_missing_id(param, i))?;
    let x = coordinate(t.x, "x", param, i)?;
    let y = coordinate(t.y, "y", param, i)?;
    if target.is_video() && (x.is_some() || y.is_some()) {
        return Err(GraphError::product_tag_position_on_video());
    }
    if target.is_image() && (x.is_none() || y.is_none()) {
        return Err(GraphError::product_tag_position_required());
    }
    let merchant_id = merchant_for(world, owner, product_id).ok_or_else(GraphError::product_tag_invalid)?;
    if !seen.insert(product_id) {
        return Err(GraphError::product_tags_not_unique());
    }
    Ok(ProductTag {
        product_id,
        merchant_id,
        x,
        y,
    })
}

/// Validates `product_tags` on container creation for `owner`, with every documented rule:
/// - the account must be eligible (approved shop, Business; facts §4.1), else 2207037;
/// - stories (and live) cannot be tagged (guide, Limitations);
/// - each tag needs a `product_id` from the owner's catalog, else 2207037;
/// - x/y required on images (2207036) and forbidden on video (2207035), each in 0.0–1.0;
/// - product ids unique;
/// - at most 20 per feed post, 30 per reel, 5 per carousel slide, 20 per carousel (2207040);
/// - products that are not approved are accepted (their tags just do not show; guide, "Get
///   Eligible Products").
pub(crate) fn validate_product_tags(
    world: &World,
    owner: IgUserId,
    target: TagTarget,
    list: &TagList,
) -> Result<Vec<ProductTag>, GraphError> {
    const PARAM: &str = "product_tags";
    if target == TagTarget::Story {
        return Err(GraphError::product_tags_not_supported_on_stories());
    }
    let items = list.items(PARAM)?;
    if items.is_empty() {
        return Ok(Vec::new());
    }
    if !tag_eligible(world, owner) {
        return Err(GraphError::product_tag_invalid());
    }
    if items.len() > target.limit() {
        return Err(GraphError::too_many_product_tags(target.limit()));
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(items.len());
    for (i, t) in items.iter().enumerate() {
        out.push(parse_tag(world, owner, target, t, PARAM, i, &mut seen)?);
    }
    Ok(out)
}

/// A whole carousel's slide tags: at most 20 in total and each product once per slide
/// (the per-slide rules are checked by [`validate_product_tags`] on each item).
pub(crate) fn validate_carousel_tags(slides: &[Vec<ProductTag>]) -> Result<(), GraphError> {
    let total: usize = slides.iter().map(Vec::len).sum();
    if total > MAX_TAGS_PER_CAROUSEL {
        return Err(GraphError::too_many_product_tags(MAX_TAGS_PER_CAROUSEL));
    }
    Ok(())
}

/// The merchant of a product in `owner`'s catalog, if the owner can tag it.
fn merchant_for(world: &World, owner: IgUserId, product: u64) -> Option<u64> {
    let p = world.shopping.products.get(&product)?;
    let c = world.shopping.catalogs.get(&p.catalog)?;
    (c.owner == owner).then_some(c.merchant_id)
}

/// The 25-tagged-posts-per-24h check, before a post becomes tagged (publish or tag-later).
pub(crate) fn check_tagged_post_quota(
    world: &World,
    owner: IgUserId,
    now: i64,
    quota: TaggedQuota,
) -> Result<(), GraphError> {
    if world.shopping.tagged_posts_in_window(owner, now, quota.window) >= quota.limit {
        return Err(GraphError::tagged_posts_limit_reached(quota.window));
    }
    Ok(())
}

/// Counts `media` as one tagged post of `owner` at `now` (the one place the quota is fed).
pub(crate) fn record_tagged_post(world: &mut World, owner: IgUserId, media: MediaId, now: i64) {
    let seq = world.next_seq();
    world
        .shopping
        .tagged_posts
        .entry(owner)
        .or_default()
        .insert((now, seq), media);
}

/// Attaches validated tags to a newly published media (or album item). Publishing calls
/// [`check_tagged_post_quota`] first and [`record_tagged_post`] once per post after.
pub(crate) fn attach_tags(world: &mut World, media: MediaId, tags: Vec<ProductTag>) {
    if !tags.is_empty() {
        world.shopping.media_tags.insert(media, tags);
    }
}

/// The tags shown on a media: all of them with their products' review status.
pub(crate) fn tags_of(world: &World, media: MediaId) -> Vec<(&ProductTag, Option<&Product>)> {
    world
        .shopping
        .media_tags
        .get(&media)
        .map(|tags| {
            tags.iter()
                .map(|t| (t, world.shopping.products.get(&t.product_id)))
                .collect()
        })
        .unwrap_or_default()
}

/// `POST /{ig-media-id}/product_tags` `updated_tags`: adds new tags and moves existing ones,
/// up to 5 tags on the media ("Tag Existing Media"). Counts the media as a tagged post when it
/// had no tags before.
pub(crate) fn update_tags(
    world: &mut World,
    media: MediaId,
    list: &TagList,
    now: i64,
    quota: TaggedQuota,
) -> Result<(), GraphError> {
    const PARAM: &str = "updated_tags";
    let m = world
        .media
        .get(&media)
        .ok_or_else(|| GraphError::unsupported("POST", &media.to_string()))?;
    let (owner, target) = (m.owner, TagTarget::of_media(m.media_type, m.product_type, m.is_child()));
    if target == TagTarget::Story {
        return Err(GraphError::unsupported("POST", &media.to_string()));
    }
    if target == TagTarget::Carousel {
        return Err(GraphError::product_tags_on_album());
    }
    let items = list.items(PARAM)?;
    if items.is_empty() {
        return Err(GraphError::missing_param(PARAM));
    }
    if !tag_eligible(world, owner) {
        return Err(GraphError::product_tag_invalid());
    }
    if items.len() > MAX_TAGS_ON_EXISTING_MEDIA {
        return Err(GraphError::too_many_product_tags(MAX_TAGS_ON_EXISTING_MEDIA));
    }
    let mut tags = world.shopping.media_tags.get(&media).cloned().unwrap_or_default();
    let was_tagged = !tags.is_empty();
    let mut seen = BTreeSet::new();
    for (i, t) in items.iter().enumerate() {
        let tag = parse_tag(world, owner, target, t, PARAM, i, &mut seen)?;
        let (product_id, x, y) = (tag.product_id, tag.x, tag.y);
        match tags.iter_mut().find(|e| e.product_id == product_id) {
            // Re-tagging a product moves its tag (no new tag).
            Some(existing) => {
                existing.x = x;
                existing.y = y;
            }
            None => tags.push(tag),
        }
    }
    if tags.len() > MAX_TAGS_ON_EXISTING_MEDIA {
        return Err(GraphError::too_many_product_tags(MAX_TAGS_ON_EXISTING_MEDIA));
    }
    if !was_tagged {
        check_tagged_post_quota(world, owner, now, quota)?;
        record_tagged_post(world, owner, media, now);
    }
    world.shopping.media_tags.insert(media, tags);
    Ok(())
}

/// `DELETE /{ig-media-id}/product_tags` `deleted_tags=[{product_id, merchant_id}]`
/// ("Delete Tags"). Every pair must name a tag on the media.
pub(crate) fn delete_tags(world: &mut World, media: MediaId, list: &TagList) -> Result<(), GraphError> {
    const PARAM: &str = "deleted_tags";
    let m = world
        .media
        .get(&media)
        .ok_or_else(|| GraphError::unsupported("DELETE", &media.to_string()))?;
    if TagTarget::of_media(m.media_type, m.product_type, m.is_child()) == TagTarget::Story {
        return Err(GraphError::unsupported("DELETE", &media.to_string()));
    }
    let items = list.items(PARAM)?;
    if items.is_empty() {
        return Err(GraphError::missing_param(PARAM));
    }
    let mut pairs = Vec::new();
    for (i, t) in items.iter().enumerate() {
        let product = tag_id(t.product_id, || GraphError::product_tag_missing_id(PARAM, i))?;
        let merchant = tag_id(t.merchant_id, || {
            GraphError::missing_param(&format!("{PARAM}[{i}][merchant_id]"))
        })?;
        pairs.push((product, merchant));
    }
    let tags = world.shopping.media_tags.get(&media).cloned().unwrap_or_default();
    for (p, mch) in &pairs {
        if !tags.iter().any(|t| t.product_id == *p && t.merchant_id == *mch) {
            return Err(GraphError::product_tag_invalid());
        }
    }
    let kept: Vec<ProductTag> = tags
        .into_iter()
        .filter(|t| !pairs.contains(&(t.product_id, t.merchant_id)))
        .collect();
    if kept.is_empty() {
        world.shopping.media_tags.remove(&media);
    } else {
        world.shopping.media_tags.insert(media, kept);
    }
    Ok(())
}

/// `POST /{ig-user-id}/product_appeal`: records the appeal of a rejected product of the
/// account's catalog; the product goes back to review ("Appeal Product Rejection").
pub(crate) fn appeal(world: &mut World, owner: IgUserId, product: u64, reason: &str) -> Result<(), GraphError> {
    if merchant_for(world, owner, product).is_none() {
        return Err(GraphError::product_not_found(product));
    }
    let Some(p) = world.shopping.products.get_mut(&product) else {
        return Err(GraphError::product_not_found(product));
    };
    if !p.eligible_for_appeal {
        return Err(GraphError::product_not_appealable(product));
    }
    p.eligible_for_appeal = false;
    p.appeal_reason = Some(reason.to_string());
    p.review_status = ReviewStatus::Pending;
    Ok(())
}

/// Products of a catalog matching a search: `q` in the name or SKU (case-insensitive; a
/// variant's match returns its parent), optional review status; variants are listed under
/// their parent, not on their own ("Get Eligible Products"; changelog "Product Variants").
pub(crate) fn search(world: &World, catalog: u64, q: &str, status: Option<ReviewStatus>) -> Vec<u64> {
    let Some(c) = world.shopping.catalogs.get(&catalog) else {
        return Vec::new();
    };
    let q = q.trim().to_lowercase();
    let matches = |p: &Product| {
        q.is_empty()
            || p.name.to_lowercase().contains(&q)
            || p.retailer_id.to_lowercase() == q
            || p.variant_name.as_deref().is_some_and(|v| v.to_lowercase().contains(&q))
    };
    let mut out = BTreeSet::new();
    for id in &c.products {
        let Some(p) = world.shopping.products.get(id) else {
            continue;
        };
        if !matches(p) {
            continue;
        }
        let top = p.variant_of.unwrap_or(p.id);
        if let Some(tp) = world.shopping.products.get(&top) {
            if status.is_none_or(|s| tp.review_status == s) {
                out.insert(top);
            }
        }
    }
    out.into_iter().collect()
}

// ---- seed worlds ------------------------------------------------------------------------

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::Config;
    use crate::model::seed::{build_world, WorldSeed};

    pub(crate) const METRICSAURUS: IgUserId = IgUserId(17_841_405_822_304_914);

    /// The demo world at 2026-01-01 (tests of product tagging).
    pub(crate) fn demo() -> World {
        let seed: WorldSeed = serde_json::from_str(include_str!("../../../fixtures/seeds/demo.json")).unwrap();
        build_world(&seed, &Config::default(), 42, "t", 1_767_225_600).unwrap()
    }

    /// The product id of a retailer SKU.
    pub(crate) fn sku(w: &World, sku: &str) -> u64 {
        w.shopping.products.values().find(|p| p.retailer_id == sku).unwrap().id
    }

    #[test]
    fn the_tagged_posts_quota_counts_24_hours() {
        let mut w = demo();
        let now = 1_767_225_600;
        let feed: Vec<MediaId> = w.feed[&METRICSAURUS].values().copied().collect();
        let mug = sku(&w, "mug-dino-01");
        let quota = TaggedQuota::default();
        for m in feed.iter().take(quota.limit) {
            check_tagged_post_quota(&w, METRICSAURUS, now, quota).unwrap();
            attach_tags(
                &mut w,
                *m,
                vec![ProductTag {
                    product_id: mug,
                    merchant_id: METRICSAURUS.0,
                    x: None,
                    y: None,
                }],
            );
            record_tagged_post(&mut w, METRICSAURUS, *m, now);
        }
        let quota = TaggedQuota::default();
        assert_eq!(
            check_tagged_post_quota(&w, METRICSAURUS, now, quota).unwrap_err().code,
            9
        );
        assert!(check_tagged_post_quota(&w, METRICSAURUS, now + quota.window, quota).is_ok());
    }
}
