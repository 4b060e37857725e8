//! Errors of the insights endpoints (facts §1.6, §5). Texts from recorded responses where one
//! exists; the rest are marked UNCONFIRMED.

use super::{GraphError, PARAMETER, PERMISSION};

impl GraphError {
    /// A metric of the version that this media type does not have: "(#100) The metric shares
    /// is not supported for this media type" (GH:exileum/meta-mcp#120, 2026 body: message, type,
    /// code, no is_transient).
    pub(crate) fn metric_not_for_media_type(metric: &str) -> Self {
        GraphError::invalid_param(format!("The metric {metric} is not supported for this media type"))
    }

    /// A metric outside this version's range for media, and v21's `video_views` removal:
    /// "(#100) The Media Insights API does not support the views metric for this media product
    /// type." with a final period (GH:airbytehq/airbyte PR #62902 quotes the whole 2025 body on
    /// v21.0: message, type, code, fbtrace_id).
    pub(crate) fn metric_not_for_product_type(metric: &str) -> Self {
        GraphError::invalid_param(format!(
            "The Media Insights API does not support the {metric} metric for this media product type."
        ))
    }

    /// v22's media removals on REELS and VIDEO: "(#100) The Media Insights API does not support
    /// the impressions metric for this media product type", as quoted without a final period by
    /// the 2026 capture behind issue 10 case 7 and facts §9 (IMAGE and CAROUSEL_ALBUM keep
    /// [`GraphError::media_metric_removed_v22`]).
    pub(crate) fn media_metric_removed_for_product_type(metric: &str) -> Self {
        GraphError::invalid_param(format!(
            "The Media Insights API does not support the {metric} metric for this media product type"
        ))
    }

    /// v22's media removals on IMAGE and CAROUSEL_ALBUM (facts §1.6, §9; GH:exileum/meta-mcp#138).
    pub(crate) fn media_metric_removed_v22(metric: &str) -> Self {
        GraphError::invalid_param(format!(
            "Starting from version v22.0 and above, the {metric} metric is no longer supported for the queried media"
        ))
    }

    /// v22's account removals (recorded in GH:gitroomhq/postiz-app#622).
    pub(crate) fn user_metric_removed_v22(metric: &str) -> Self {
        GraphError::invalid_param(format!(
            "Starting from version 22 and above, the {metric} metric is no longer supported for the queried user. Please refer to the documentation at https://developers.facebook.com/docs/instagram-api/reference/ig-user/insights for a list of supported metrics."
        ))
    }

    /// Total-value-only metrics asked without `metric_type=total_value` (recorded by several
    /// practitioners: "(#100) The following metrics (views,profile_views) should be specified
    /// with parameter metric_type=total_value").
    pub(crate) fn needs_total_value(metrics: &[&str]) -> Self {
        GraphError::invalid_param(format!(
            "The following metrics ({}) should be specified with parameter metric_type=total_value",
            metrics.join(",")
        ))
    }

    /// Series-only metrics asked with `metric_type=total_value` (UNCONFIRMED text, built like
    /// the recorded one above).
    pub(crate) fn no_total_value(metrics: &[&str]) -> Self {
        GraphError::invalid_param(format!(
            "The following metrics ({}) should be specified with parameter metric_type=time_series",
            metrics.join(",")
        ))
    }

    /// A period the metric does not have (UNCONFIRMED text; the enum form of facts §1.3).
    pub(crate) fn incompatible_period(metric: &str, allowed: &[&str]) -> Self {
        GraphError::invalid_param(format!(
            "Incompatible period for metric {metric}: period must be one of the following values: {}",
            allowed.join(", ")
        ))
    }

    /// A breakdown the metric does not support: "An unknown error has occurred." (facts §1.6;
    /// code 1 by convention). Sent as a 400: it is the client's request that is wrong.
    pub(crate) fn insights_unsupported_breakdown() -> Self {
        GraphError::of(PARAMETER, 1, "An unknown error has occurred.")
    }

    /// Story with fewer than 5 viewers (facts §1.3, §1.6): a `(#10)` error, so of the
    /// [`PERMISSION`] family (status and keys as the 2026 `(#10)` capture; UNCONFIRMED for
    /// this text).
    pub(crate) fn not_enough_viewers() -> Self {
        GraphError::of(
            PERMISSION,
            10,
            "(#10) Not enough viewers for the media to show insights",
        )
    }

    /// A story older than its lifetime (`lifetime` seconds, 24 hours), when configured to
    /// answer with an error rather than an empty data set (UNCONFIRMED which production does).
    pub(crate) fn story_insights_expired(lifetime: i64) -> Self {
        GraphError::of(
            PERMISSION,
            10,
            format!(
                "(#10) Insights are only available for stories within {} of posting",
                crate::timefmt::duration(lifetime)
            ),
        )
    }

    /// since/until more than 30 days apart (recorded: "(#100) There cannot be more than 30
    /// days (2592000 s) between since and until").
    pub(crate) fn insights_range_too_long(max_seconds: i64) -> Self {
        GraphError::invalid_param(format!(
            "There cannot be more than {} days ({max_seconds} s) between since and until",
            max_seconds / 86_400
        ))
    }

    /// until not after since (UNCONFIRMED text).
    pub(crate) fn insights_since_after_until() -> Self {
        GraphError::invalid_param("The since timestamp must be before the until timestamp")
    }
}
