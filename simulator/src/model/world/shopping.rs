//! The world's records of catalogs, products, product tags as given and kept (the rules: `model/shopping.rs`).

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ReviewStatus {
    Approved,
    Outdated,
    Pending,
    Rejected,
    /// Shown as `no_review` (GET product_tags and product_appeal list it).
    NoReview,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Catalog {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) shop_name: String,
    pub(crate) owner: IgUserId,
    pub(crate) merchant_id: u64,
    /// Every product of the catalog, variants included, by id.
    pub(crate) products: BTreeSet<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Product {
    pub(crate) id: u64,
    pub(crate) catalog: u64,
    pub(crate) name: String,
    /// The SKU ("Content ID" in Commerce Manager); `q` matches it too.
    pub(crate) retailer_id: String,
    /// Price in cents and its currency code.
    pub(crate) price_cents: u64,
    pub(crate) currency: String,
    pub(crate) sale_price_cents: Option<u64>,
    pub(crate) review_status: ReviewStatus,
    pub(crate) is_checkout: bool,
    /// The product this one is a variant of.
    pub(crate) variant_of: Option<u64>,
    pub(crate) variant_name: Option<String>,
    /// Variants of this product, in catalog order.
    pub(crate) variants: Vec<u64>,
    /// Whether a rejection can still be appealed (false once appealed or when not rejected).
    pub(crate) eligible_for_appeal: bool,
    pub(crate) appeal_reason: Option<String>,
}

/// A product tag on a container or a published media. x/y only on images.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ProductTag {
    pub(crate) product_id: u64,
    pub(crate) merchant_id: u64,
    pub(crate) x: Option<f64>,
    pub(crate) y: Option<f64>,
}

/// The shopping state of a world: one field on [`World`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Shopping {
    pub(crate) catalogs: BTreeMap<u64, Catalog>,
    pub(crate) products: BTreeMap<u64, Product>,
    /// Product tags on published media, in tagging order.
    pub(crate) media_tags: BTreeMap<MediaId, Vec<ProductTag>>,
    /// When each account's media became tagged posts (the 25-per-24h quota).
    #[serde(with = "crate::model::json::nested_pairs")]
    pub(crate) tagged_posts: BTreeMap<IgUserId, BTreeMap<TimeKey, MediaId>>,
}

/// One value of a tag object as the client gave it (`http::input` reads the JSON).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) enum Given<T> {
    /// Absent or `null`.
    Missing,
    /// Present but not of the right type (a product id that is not a number or a digit
    /// string, a coordinate that is not a number).
    Invalid,
    Value(T),
}

/// One object of a tag list (`product_tags`, `updated_tags`, `deleted_tags`), its values read
/// but not yet judged: the rules are here, in the order production applies them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct TagInput {
    pub(crate) product_id: Given<u64>,
    pub(crate) merchant_id: Given<u64>,
    pub(crate) x: Given<f64>,
    pub(crate) y: Given<f64>,
}

/// A tag list parameter as the client gave it: a list of tag objects, or something else
/// (answered with the parameter's "malformed" error where the list is judged).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) enum TagList {
    Items(Vec<TagInput>),
    Malformed,
}
