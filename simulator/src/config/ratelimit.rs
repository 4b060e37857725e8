//! Tunables of rate limiting (guides "Overview" → "Rate Limiting"; facts §1.2, §1.4, §2).
//! UNCONFIRMED facts (HTTP statuses, how impressions are counted) are knobs here.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct RateLimitConfig {
    /// Instagram BUC: calls per app–account pair per window = this × impressions (facts §2:
    /// "4800 × number of impressions").
    pub(crate) buc_calls_per_impression: u64,
    /// The BUC rolling window (facts §2: 24 hours).
    pub(crate) buc_window_seconds: i64,
    /// Impressions of an account over the last 24 h are not simulated; an account's
    /// impressions are `max(buc_min_impressions, followers × buc_impressions_per_follower)`,
    /// deliberately generous so ordinary use (and the benchmark) never meets the limit.
    /// Per-sandbox overrides go through `/_sim/sandboxes/{id}/rate_limits`.
    pub(crate) buc_impressions_per_follower: u64,
    pub(crate) buc_min_impressions: u64,
    /// A fixed BUC limit for every account, replacing the formula (None = use the formula).
    pub(crate) buc_calls_per_day: Option<u64>,
    /// HTTP status of error 80002 (facts §1.2: 400 seen).
    pub buc_error_status: u16,

    /// Platform limit: calls per window = this × app users (facts §2: "200 × number of users").
    pub(crate) platform_calls_per_user: u64,
    /// The Platform rolling window (facts §2: one hour).
    pub(crate) platform_window_seconds: i64,
    /// A fixed app-level Platform limit, replacing the formula (None = use the formula).
    pub(crate) platform_calls_per_hour: Option<u64>,
    /// HTTP status of error 4 (facts §1.2: 403 seen, 400 also reported; UNCONFIRMED).
    pub platform_error_status: u16,
    /// User-level Platform limit (error 17) per app user per window; None = not enforced
    /// (facts §1.4 names it; its size is not documented).
    pub(crate) user_calls_per_hour: Option<u64>,
    /// HTTP status of error 17 (facts §1.2: "400 or 403", UNCONFIRMED).
    pub user_error_status: u16,
    /// HTTP status of error 613 (custom limit), which only fault injection sends (facts
    /// §1.2: "400 or 403", UNCONFIRMED).
    pub custom_error_status: u16,

    /// Pages BUC: calls per Page per `buc_window_seconds` = `buc_calls_per_impression` (4800)
    /// × engaged users (`RATE`, "Business Use Case Rate Limits", Pages: "Calls within 24 hours
    /// = 4800 * Number of Engaged Users"; the 24-hour sliding window and "4,800 calls per
    /// engaged user" since the Page-level rate limits of 2016-06-16, Meta's blog). Who engages
    /// with a Page is not simulated and production's count for a Page is not observable from
    /// outside (UNCONFIRMED): this many engaged users stand for every Page, 100 giving 480,000
    /// calls a day, far from ordinary use as the Instagram BUC's generous impressions are.
    /// Per-sandbox overrides (per Page, or a fixed limit) go through
    /// `/_sim/sandboxes/{id}/rate_limits`.
    pub(crate) page_engaged_users: u64,
    /// A fixed Pages BUC limit for every Page, replacing the formula (None = use the formula).
    pub(crate) page_calls_per_day: Option<u64>,
    /// Which error refuses a call over a Page's limit: `RATE` lists 80001 for the Pages BUC
    /// (default) and 32 "Page request limit reached" for Page-level throttling among the
    /// Platform codes (facts §1.3, §1.4).
    pub page_error: PageLimitError,
    /// HTTP status of the Page limit's error (facts §1.2: 32 "400 or 403" UNCONFIRMED; 400 as
    /// recorded for the Instagram BUC's 80002).
    pub page_error_status: u16,
    /// Count only calls made with a Page token against the Page's BUC, and user- or app-token
    /// Page reads against the Platform limit: `RATE`'s sentence ("requests made with
    /// application or user access tokens are subject to Platform Rate Limits, while requests
    /// made with system user or page access tokens are subject to Business Use Case Rate
    /// Limits"). `false` (default): every Page read counts against the Page, as the 2026 v25.0
    /// capture's `pages` entry on Page reads shows (facts §9; the capture's token type is not
    /// recorded).
    pub page_buc_page_tokens_only: bool,
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

/// The error of a call over a Page's limit (`RateLimitConfig::page_error`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageLimitError {
    /// `(#80001) There have been too many calls to this Page account. …` (the Pages BUC).
    Buc80001,
    /// `(#32) Page request limit reached` (Page-level throttling).
    Page32,
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
            custom_error_status: 403,
            page_engaged_users: 100,
            page_calls_per_day: None,
            page_error: PageLimitError::Buc80001,
            page_error_status: 400,
            page_buc_page_tokens_only: false,
            app_usage_on_every_answer: false,
            buc_keyed_by_business: true,
        }
    }
}
