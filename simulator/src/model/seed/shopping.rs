//! The catalogs, products and product tags of a seed world (`catalogs`, a media's
//! `product_tags`): their format and their expansion into `model::shopping`'s state.

use crate::ids::{stable_hash, MediaId};
use crate::model::shopping::{record_tagged_post, Catalog, Product, ProductTag, ReviewStatus};
use crate::model::World;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A catalog in a seed world (`catalogs` in `fixtures/seeds/*.json`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CatalogSeed {
    pub id: Option<String>,
    /// Username of the account whose shop it is.
    pub owner: String,
    pub name: String,
    pub shop_name: String,
    /// Defaults to the owner's IG user id, as in the guide's samples.
    pub merchant_id: Option<String>,
    pub currency: Option<String>,
    pub products: Vec<ProductSeed>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProductSeed {
    pub id: Option<String>,
    pub name: String,
    pub retailer_id: String,
    /// Price in the catalog's currency, e.g. `3.50`.
    pub price: f64,
    pub sale_price: Option<f64>,
    pub review_status: ReviewStatus,
    pub is_checkout: bool,
    pub eligible_for_appeal: Option<bool>,
    pub variants: Vec<VariantSeed>,
}

impl Default for ProductSeed {
    fn default() -> Self {
        ProductSeed {
            id: None,
            name: String::new(),
            retailer_id: String::new(),
            price: 0.0,
            sale_price: None,
            review_status: ReviewStatus::Approved,
            is_checkout: true,
            eligible_for_appeal: None,
            variants: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VariantSeed {
    pub id: Option<String>,
    /// Absent on the "default" variant (the guide's sample has one without a name).
    pub variant_name: Option<String>,
    pub retailer_id: String,
}

/// A product tag on a seed media, by the product's SKU.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProductTagSeed {
    pub retailer_id: String,
    pub x: Option<f64>,
    pub y: Option<f64>,
}

fn seeded_id(
    explicit: &Option<String>,
    world_seed: u64,
    label: &str,
    lead: u64,
    digits: u32,
    taken: &dyn Fn(u64) -> bool,
) -> Result<u64, String> {
    if let Some(s) = explicit {
        let n = crate::ids::parse_id(s).ok_or_else(|| format!("{label}: id {s:?} is not a numeric id"))?;
        return if taken(n) {
            Err(format!("{label}: id {n} is used twice"))
        } else {
            Ok(n)
        };
    }
    let span = 10u64.pow(digits);
    let mut salt = 0u64;
    loop {
        let h = stable_hash(&[&world_seed.to_le_bytes(), label.as_bytes(), &salt.to_le_bytes()]);
        let id = lead * span + h % span;
        if !taken(id) {
            return Ok(id);
        }
        salt += 1;
    }
}

fn cents(amount: f64) -> u64 {
    (amount.max(0.0) * 100.0).round() as u64
}

/// Expands the seed's catalogs into the world (after accounts, before media).
pub fn seed_catalogs(world: &mut World, catalogs: &[CatalogSeed], world_seed: u64) -> Result<(), String> {
    for c in catalogs {
        let owner = world
            .ig_user_by_username(&c.owner)
            .map(|u| u.id)
            .ok_or_else(|| format!("catalog {:?}: unknown instagram account {:?}", c.name, c.owner))?;
        let cat_id = {
            let s = &world.shopping;
            seeded_id(&c.id, world_seed, &format!("catalog:{}", c.name), 9, 14, &|n| {
                s.catalogs.contains_key(&n) || s.products.contains_key(&n)
            })?
        };
        let merchant_id = match &c.merchant_id {
            Some(m) => crate::ids::parse_id(m).ok_or_else(|| format!("catalog {:?}: bad merchant_id", c.name))?,
            None => owner.0,
        };
        let currency = c.currency.clone().unwrap_or_else(|| "USD".into());
        let mut ids = BTreeSet::new();
        for p in &c.products {
            let mut entries: Vec<(Option<String>, String, Option<String>, String)> =
                vec![(p.id.clone(), p.retailer_id.clone(), None, p.name.clone())];
            for v in &p.variants {
                let name = match &v.variant_name {
                    Some(n) => n.clone(),
                    None => p.name.clone(),
                };
                entries.push((v.id.clone(), v.retailer_id.clone(), v.variant_name.clone(), name));
            }
            let mut made = Vec::new();
            for (explicit, sku, variant_name, name) in entries {
                let id = {
                    let s = &world.shopping;
                    seeded_id(
                        &explicit,
                        world_seed,
                        &format!("product:{}:{sku}", c.name),
                        3,
                        15,
                        &|n| s.catalogs.contains_key(&n) || s.products.contains_key(&n) || ids.contains(&n),
                    )?
                };
                ids.insert(id);
                let rejected = p.review_status == ReviewStatus::Rejected;
                world.shopping.products.insert(
                    id,
                    Product {
                        id,
                        catalog: cat_id,
                        name,
                        retailer_id: sku,
                        price_cents: cents(p.price),
                        currency: currency.clone(),
                        sale_price_cents: p.sale_price.map(cents),
                        review_status: p.review_status,
                        is_checkout: p.is_checkout,
                        variant_of: None,
                        variant_name,
                        variants: Vec::new(),
                        eligible_for_appeal: p.eligible_for_appeal.unwrap_or(rejected),
                        appeal_reason: None,
                    },
                );
                made.push(id);
            }
            let (parent, variants) = (made[0], made[1..].to_vec());
            for v in &variants {
                if let Some(vp) = world.shopping.products.get_mut(v) {
                    vp.variant_of = Some(parent);
                }
            }
            if let Some(pp) = world.shopping.products.get_mut(&parent) {
                pp.variants = variants;
            }
        }
        world.shopping.catalogs.insert(
            cat_id,
            Catalog {
                id: cat_id,
                name: c.name.clone(),
                shop_name: c.shop_name.clone(),
                owner,
                merchant_id,
                products: ids,
            },
        );
    }
    Ok(())
}

/// Tags a seed media with products of its owner's catalog, by SKU (seed media are published,
/// so they count as tagged posts at their own time).
pub fn seed_media_tags(world: &mut World, media: MediaId, tags: &[ProductTagSeed]) -> Result<(), String> {
    if tags.is_empty() {
        return Ok(());
    }
    let Some(m) = world.media.get(&media) else {
        return Err(format!("media {media} is missing"));
    };
    let (owner, ts) = (m.owner, m.timestamp);
    let Some(catalog) = world.shopping.catalog_of(owner).cloned() else {
        return Err(format!("media {media}: its owner has no catalog to tag from"));
    };
    let mut out = Vec::new();
    for t in tags {
        let product = catalog
            .products
            .iter()
            .find(|p| {
                world
                    .shopping
                    .products
                    .get(p)
                    .is_some_and(|p| p.retailer_id == t.retailer_id)
            })
            .copied()
            .ok_or_else(|| format!("media {media}: no product with retailer_id {:?}", t.retailer_id))?;
        out.push(ProductTag {
            product_id: product,
            merchant_id: catalog.merchant_id,
            x: t.x,
            y: t.y,
        });
    }
    record_tagged_post(world, owner, media, ts);
    world.shopping.media_tags.insert(media, out);
    Ok(())
}
