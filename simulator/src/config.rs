//! Every tunable of the simulator in one place.
//!
//! Facts marked UNCONFIRMED in `shared/reference/graph-api-facts.md` are knobs here, with the
//! best guess as default and the fact's section named beside it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClockMode {
    /// Sandbox clocks follow the OS clock (plus any advance).
    Real,
    /// Sandbox clocks start frozen at `Config::frozen_epoch` and move only when advanced.
    Frozen,
}

/// An API version `vMAJOR.MINOR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ApiVersion {
    pub major: u32,
    pub minor: u32,
}

impl ApiVersion {
    pub const fn new(major: u32, minor: u32) -> Self {
        ApiVersion { major, minor }
    }

    /// Parses `v21.0` (the `v` is required, as in a path segment).
    pub fn parse(s: &str) -> Option<Self> {
        let rest = s.strip_prefix('v')?;
        let (a, b) = rest.split_once('.')?;
        if a.is_empty()
            || b.is_empty()
            || !a.bytes().all(|c| c.is_ascii_digit())
            || !b.bytes().all(|c| c.is_ascii_digit())
        {
            return None;
        }
        Some(ApiVersion {
            major: a.parse().ok()?,
            minor: b.parse().ok()?,
        })
    }
}

impl std::fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "v{}.{}", self.major, self.minor)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Seed of every generated id, token and value.
    pub seed: u64,
    pub clock: ClockMode,
    /// Where frozen clocks start (2026-01-01T00:00:00Z).
    pub frozen_epoch: i64,

    /// Oldest version served; older requested versions are served as this one, and a path
    /// without a version gets it (facts §3.1: "you get the oldest version still available").
    pub oldest_version: ApiVersion,
    /// Newest version known; a newer one is an unknown path (UNCONFIRMED how prod answers).
    pub newest_version: ApiVersion,

    /// Default page size of cursor-paged edges (facts §3.3: "25?" UNCONFIRMED).
    pub default_page_size: usize,
    /// Largest `limit` honoured on ordinary edges; larger values are capped (UNCONFIRMED).
    pub max_page_size: usize,
    /// At most this many of an account's newest media are reachable (facts §3.3).
    pub media_edge_max_items: usize,
    /// `ids=` multi-read cap (facts §3.4).
    pub max_ids: usize,
    /// Largest request body accepted, in bytes (resumable uploads are larger; see publishing).
    pub max_body_bytes: usize,

    /// Lifetime of a long-lived user token from `fb_exchange_token` (facts §7: ~60 days).
    pub long_lived_token_seconds: i64,
    /// Lifetime of the short-lived user tokens a seed world hands out (about 1-2 hours in
    /// production; the demo world's tokens default to never expiring, see the seed).
    pub short_lived_token_seconds: i64,
    /// How long data access lasts after a user's last login (90 days in production).
    pub data_access_seconds: i64,

    /// Stories are readable for this long after posting (facts §4.1 `stories`).
    pub story_lifetime_seconds: i64,

    /// Audience metrics (follower_count, online_followers, demographics, follows_and_unfollows)
    /// need this many followers (facts §5.2: 100); below it they are left out of `data`
    /// (facts §1.6: empty data or an error is UNCONFIRMED).
    pub insights_min_followers: u64,
    /// Largest since/until span of account insights (recorded: 30 days).
    pub insights_max_range_seconds: i64,
    /// Insights of a story older than its lifetime: an error when true, else an empty `data`
    /// (guide: "only available for 24 hours"; which answer production gives is UNCONFIRMED).
    pub expired_story_insights_error: bool,
    /// Apply the changelog's "will apply to all versions on <date>" dates against the sandbox
    /// clock (v21's removals from 2025-01-08, v22's from 2025-04-21). Off by default so each
    /// requested version keeps its own catalogue.
    pub insights_version_sunsets: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: 42,
            clock: ClockMode::Real,
            frozen_epoch: 1_767_225_600,
            oldest_version: ApiVersion::new(18, 0),
            newest_version: ApiVersion::new(24, 0),
            default_page_size: 25,
            max_page_size: 100,
            media_edge_max_items: 10_000,
            max_ids: 50,
            max_body_bytes: 16 * 1024 * 1024,
            long_lived_token_seconds: 60 * 24 * 3600,
            short_lived_token_seconds: 2 * 3600,
            data_access_seconds: 90 * 24 * 3600,
            story_lifetime_seconds: 24 * 3600,
            insights_min_followers: 100,
            insights_max_range_seconds: 30 * 24 * 3600,
            expired_story_insights_error: false,
            insights_version_sunsets: false,
        }
    }
}
