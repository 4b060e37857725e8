//! Tunables of rate limiting (guides "Overview" → "Rate Limiting"; facts §1.2, §1.4, §2).
//! UNCONFIRMED facts (HTTP statuses, how impressions are counted) are knobs here.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct RateLimitConfig {
    /// Instagram BUC: calls per app–account pair per window = this × impressions (facts §2:
    /// "4800 × number of impressions").
    pub buc_calls_per_impression: u64,
    /// The BUC rolling window (facts §2: 24 hours).
    pub buc_window_seconds: i64,
    /// Impressions of an account over the last 24 h are not simulated; an account's
    /// impressions are `max(buc_min_impressions, followers × buc_impressions_per_follower)`,
    /// deliberately generous so ordinary use (and the benchmark) never meets the limit.
    /// Per-sandbox overrides go through `/_sim/sandboxes/{id}/rate_limits`.
    pub buc_impressions_per_follower: u64,
    pub buc_min_impressions: u64,
    /// A fixed BUC limit for every account, replacing the formula (None = use the formula).
    pub buc_calls_per_day: Option<u64>,
    /// HTTP status of error 80002 (facts §1.2: 400 seen).
    pub buc_error_status: u16,

    /// Platform limit: calls per window = this × app users (facts §2: "200 × number of users").
    pub platform_calls_per_user: u64,
    /// The Platform rolling window (facts §2: one hour).
    pub platform_window_seconds: i64,
    /// A fixed app-level Platform limit, replacing the formula (None = use the formula).
    pub platform_calls_per_hour: Option<u64>,
    /// HTTP status of error 4 (facts §1.2: 403 seen, 400 also reported; UNCONFIRMED).
    pub platform_error_status: u16,
    /// User-level Platform limit (error 17) per app user per window; None = not enforced
    /// (facts §1.4 names it; its size is not documented).
    pub user_calls_per_hour: Option<u64>,
    /// HTTP status of error 17 (facts §1.2: "400 or 403", UNCONFIRMED).
    pub user_error_status: u16,
    /// HTTP status of errors 32 (Page limit) and 613 (custom limit), which only fault
    /// injection sends (facts §1.2: "400 or 403", UNCONFIRMED).
    pub page_error_status: u16,
    pub custom_error_status: u16,

    /// Pages BUC: calls per Page per window = 4800 × engaged users (`RATE`, "Pages"); Page
    /// engagement is not simulated, so this many engaged users stand for every Page
    /// (UNCONFIRMED; usage is reported on Page reads, not enforced).
    pub page_engaged_users: u64,
    /// Usage headers as production sends them today (v25.0 capture, 2026-09; issue 10 case 11,
    /// facts §9): an answer carries either `X-Business-Use-Case-Usage` (BUC-counted: Instagram
    /// calls and Page reads) or `X-App-Usage` (everything else), never both. `true` restores
    /// the guides-era reading (facts §2): `X-App-Usage` on every answer, the BUC header beside
    /// it.
    pub app_usage_on_every_answer: bool,
    /// Key Instagram entries of `X-Business-Use-Case-Usage` by the business that owns the
    /// account, as production does (facts §9); `false`: by the IG user id (facts §2, the
    /// guides-era reading).
    pub buc_keyed_by_business: bool,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            buc_calls_per_impression: 4800,
            buc_window_seconds: 24 * 3600,
            buc_impressions_per_follower: 1,
            buc_min_impressions: 1000,
            buc_calls_per_day: None,
            buc_error_status: 400,
            platform_calls_per_user: 200,
            platform_window_seconds: 3600,
            platform_calls_per_hour: None,
            platform_error_status: 403,
            user_calls_per_hour: None,
            user_error_status: 403,
            page_error_status: 403,
            custom_error_status: 403,
            page_engaged_users: 100,
            app_usage_on_every_answer: false,
            buc_keyed_by_business: true,
        }
    }
}
