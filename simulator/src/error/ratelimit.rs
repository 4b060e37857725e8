//! Errors of the rate limits (facts §1.2, §1.3, §1.4; never HTTP 429, facts §8.2).
//! HTTP statuses come from `RateLimitConfig` because the facts leave them UNCONFIRMED.

use super::{Envelope, GraphError, RATE_LIMIT};

/// [`RATE_LIMIT`] with the configured HTTP status.
fn limit(status: u16) -> Envelope {
    Envelope { status, ..RATE_LIMIT }
}

impl GraphError {
    /// Instagram BUC limit of an app–account pair (facts §1.3: code 80002; the wording is
    /// built by analogy with 80001, UNCONFIRMED; HTTP 400 seen, facts §1.2).
    pub fn instagram_buc_limit(status: u16) -> Self {
        GraphError::of(
            limit(status),
            80002,
            "(#80002) There have been too many calls to this Instagram account. Wait a bit and try again. \
             For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
        )
    }

    /// App-level Platform limit (facts §1.3: `(#4) Application request limit reached`,
    /// `is_transient:true`; HTTP 403 seen, facts §1.2).
    pub fn app_request_limit(status: u16) -> Self {
        GraphError::of(limit(status), 4, "(#4) Application request limit reached")
    }

    /// User-level Platform limit (facts §1.3: `(#17) User request limit reached`; HTTP
    /// UNCONFIRMED).
    pub fn user_request_limit(status: u16) -> Self {
        GraphError::of(limit(status), 17, "(#17) User request limit reached")
    }

    /// Page-level limit of calls made with a Page token (facts §1.3: `(#32) Page request limit
    /// reached`, `RATE`; HTTP UNCONFIRMED, facts §1.2). igsim never reaches it on its own:
    /// fault injection sends it.
    pub fn page_request_limit(status: u16) -> Self {
        GraphError::of(limit(status), 32, "(#32) Page request limit reached")
    }

    /// Custom per-endpoint limit (facts §1.3: code 613 from `RATE`, `(#613) Calls to this api
    /// have exceeded the rate limit.`, message and HTTP UNCONFIRMED). Fault injection only.
    pub fn custom_rate_limit(status: u16) -> Self {
        GraphError::of(
            limit(status),
            613,
            "(#613) Calls to this api have exceeded the rate limit.",
        )
    }
}
