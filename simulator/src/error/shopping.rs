//! Errors of product tagging (facts §1.5 rows 2207035/2207036/2207037/2207040, §4.2; guide
//! "Product Tagging"). Texts not in any source are marked UNCONFIRMED.

use super::{GraphError, IG_PUBLISHING};

/// Publishing-style 100 errors of the [`IG_PUBLISHING`] family: short `message`, the doc
/// sentence in `error_user_msg` (facts §1.1, as the 2207089 payload shows).
fn invalid(subcode: i64, title: &str, msg: impl Into<String>) -> GraphError {
    GraphError::of(IG_PUBLISHING, 100, "Invalid parameter")
        .subcode(subcode)
        .user(title, msg)
}

impl GraphError {
    /// 100/2207035: x/y on a video's product tag.
    pub(crate) fn product_tag_position_on_video() -> Self {
        invalid(
            2207035,
            "Product tag positions not supported",
            "Product tag positions should not be specified for video media.",
        )
    }

    /// 100/2207036: x/y missing on an image's product tag.
    pub(crate) fn product_tag_position_required() -> Self {
        invalid(
            2207036,
            "Product tag positions required",
            "Product tag positions are required for photo media.",
        )
    }

    /// 100/2207037: unknown product, another merchant's, or an account that cannot tag.
    pub(crate) fn product_tag_invalid() -> Self {
        invalid(
            2207037,
            "Cannot add product tags",
            "We couldn't add all of your product tags. The product ID may be incorrect, the product may be deleted, or you may not have permission to tag the product.",
        )
    }

    /// 100/2207040 with the product-tag limit as `{max-tag-count}` (the subcode is the
    /// documented one for too many tags; its use for product tags is UNCONFIRMED).
    pub(crate) fn too_many_product_tags(max: usize) -> Self {
        invalid(
            2207040,
            "Too many tags",
            format!("Cannot use more than {max} tags per created media."),
        )
    }

    /// Duplicate product ids in one tag list ("tags and product IDs must be unique";
    /// code and text UNCONFIRMED).
    pub(crate) fn product_tags_not_unique() -> Self {
        GraphError::invalid_param("Product tags must be unique: a product can only be tagged once per media")
    }

    /// A tag list that is not an array of objects (UNCONFIRMED text).
    pub(crate) fn product_tags_malformed(param: &str) -> Self {
        GraphError::invalid_param(format!(
            "Param {param} must be an array of objects, e.g. [{{product_id:'123',x:0.5,y:0.8}}]"
        ))
    }

    pub(crate) fn product_tag_missing_id(param: &str, i: usize) -> Self {
        GraphError::missing_param(&format!("{param}[{i}][product_id]"))
    }

    /// x or y outside 0.0–1.0 or not a number (UNCONFIRMED text).
    pub(crate) fn product_tag_coordinate(param: &str, i: usize, key: &str) -> Self {
        GraphError::invalid_param(format!(
            "Param {param}[{i}][{key}] must be a number between 0.0 and 1.0"
        ))
    }

    /// "Product tagging is not supported for Stories and Live" (guide, Limitations; code
    /// and text UNCONFIRMED).
    pub(crate) fn product_tags_not_supported_on_stories() -> Self {
        GraphError::invalid_param("Product tagging is not supported for stories or live media")
    }

    /// Tags on a published carousel go on its slides (UNCONFIRMED text).
    pub(crate) fn product_tags_on_album() -> Self {
        GraphError::invalid_param(
            "Product tags on a carousel album are set on its children; tag each child media instead",
        )
    }

    /// 25 tagged posts per rolling 24 h (guide, Limitations; `window` seconds). The
    /// publishing-quota code 9 with its subcode is used; production's code for this limit is
    /// UNCONFIRMED.
    pub(crate) fn tagged_posts_limit_reached(window: i64) -> Self {
        GraphError::of(IG_PUBLISHING, 9, "Application request limit reached")
            .subcode(2207042)
            .user(
                "Tagged post limit reached",
                format!(
                    "You reached the maximum number of posts with product tags that is allowed within {}.",
                    crate::timefmt::duration(window)
                ),
            )
    }

    /// A `catalog_id` that is not the account's catalog (UNCONFIRMED text).
    pub(crate) fn invalid_catalog(id: &str) -> Self {
        GraphError::invalid_param(format!(
            "Param catalog_id {id} is not a catalog of this Instagram account"
        ))
    }

    /// A product id not in the account's catalog (product_appeal; UNCONFIRMED text).
    pub(crate) fn product_not_found(product: u64) -> Self {
        GraphError::invalid_param(format!("Product {product} does not exist in this account's catalog"))
    }

    /// An appeal for a product that is not rejected or was already appealed (UNCONFIRMED).
    pub(crate) fn product_not_appealable(product: u64) -> Self {
        GraphError::invalid_param(format!("Product {product} is not eligible for appeal"))
    }
}
