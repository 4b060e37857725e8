//! Errors of the rate limits (facts §1.2, §1.3, §1.4; never HTTP 429, facts §8.2): the
//! Instagram BUC (80002), the Pages BUC (80001) or Page-level throttling (32), the Platform
//! limits (4, 17).
//! HTTP statuses come from `RateLimitConfig` because the facts leave them UNCONFIRMED.

use super::{Envelope, GraphError, RATE_LIMIT};

/// [`RATE_LIMIT`] with the configured HTTP status.
fn limit(status: u16) -> Envelope {
    Envelope { status, ..RATE_LIMIT }
}

/// A Business Use Case limit's error: `(#<code>) There have been too many calls to this
/// <object> account. …` (facts §1.3: the 80001 Pages text from `RATE` and a practitioner's
/// paste). The 80002 sentence is Meta's own: the "Error Codes" tables of the current Graph
/// reference pages (IG and Business nodes) list "80002 | There have been too many calls to this
/// Instagram account. Wait a bit and try again. For more info, please refer to
/// https://developers.facebook.com/docs/graph-api/overview/rate-limiting.", and publishers'
/// clients match it with the `(#80002)` prefix.
fn buc(status: u16, code: i64, object: &str) -> GraphError {
    GraphError::of(
        limit(status),
        code,
        format!(
            "(#{code}) There have been too many calls to this {object} account. Wait a bit and try again. \
             For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting."
        ),
    )
}

impl GraphError {
    /// Instagram BUC limit of an app–account pair (facts §1.3: code 80002; HTTP 400 seen,
    /// facts §1.2).
    pub(crate) fn instagram_buc_limit(status: u16) -> Self {
        buc(status, 80002, "Instagram")
    }

    /// Pages BUC limit of a Page (facts §1.3: code 80001; HTTP status UNCONFIRMED,
    /// `RateLimitConfig::page_error_status`).
    pub(crate) fn page_buc_limit(status: u16) -> Self {
        buc(status, 80001, "Page")
    }

    /// Page-level throttling (facts §1.3: `(#32) Page request limit reached`, `RATE`; HTTP
    /// "400 or 403" UNCONFIRMED).
    pub(crate) fn page_request_limit(status: u16) -> Self {
        GraphError::of(limit(status), 32, "(#32) Page request limit reached")
    }

    /// App-level Platform limit (facts §1.3: `(#4) Application request limit reached`,
    /// `is_transient:true`; HTTP 403 seen, facts §1.2).
    pub(crate) fn app_request_limit(status: u16) -> Self {
        GraphError::of(limit(status), 4, "(#4) Application request limit reached")
    }

    /// User-level Platform limit (facts §1.3: `(#17) User request limit reached`; HTTP
    /// UNCONFIRMED).
    pub(crate) fn user_request_limit(status: u16) -> Self {
        GraphError::of(limit(status), 17, "(#17) User request limit reached")
    }

    /// Custom per-endpoint limit (facts §1.3: code 613 from `RATE`, `(#613) Calls to this api
    /// have exceeded the rate limit.`, message and HTTP UNCONFIRMED). Fault injection only.
    pub(crate) fn custom_rate_limit(status: u16) -> Self {
        GraphError::of(
            limit(status),
            613,
            "(#613) Calls to this api have exceeded the rate limit.",
        )
    }
}
