//! Tunables of insights (facts §1.6, §5; guide "Insights"): audience thresholds, the range
//! limit, expired stories, and whether the changelog's cut-overs apply.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct InsightsConfig {
    /// Audience metrics (follower_count, online_followers, demographics, follows_and_unfollows)
    /// need this many followers (facts §5.2: 100); below it they are left out of `data`
    /// (facts §1.6: empty data or an error is UNCONFIRMED).
    pub(crate) min_followers: u64,
    /// Largest since/until span of account insights (recorded: 30 days).
    pub(crate) max_range_seconds: i64,
    /// Insights of a story older than its lifetime: an error when true, else an empty `data`
    /// (guide: "only available for 24 hours"; which answer production gives is UNCONFIRMED).
    pub(crate) expired_story_error: bool,
    /// Apply the changelog's "will apply to all versions on <date>" dates (the version
    /// timeline's `all_versions_from`: v18's deprecations from 2023-12-11, v20's timeframes
    /// from 2024-08-19, v21's removals from 2025-01-08, v22's from 2025-04-21, with v22's
    /// exception for older media) against the sandbox clock, as production does (default).
    /// `false` is the guides' per-version view: each requested version keeps its own
    /// catalogue whatever the date.
    pub version_sunsets: bool,
}

impl Default for InsightsConfig {
    fn default() -> Self {
        InsightsConfig {
            min_followers: 100,
            max_range_seconds: 30 * 24 * 3600,
            expired_story_error: false,
            version_sunsets: true,
        }
    }
}
