//! Every tunable of the simulator in one place.
//!
//! Facts marked UNCONFIRMED in `shared/reference/graph-api-facts.md` are knobs here, with the
//! best guess as default and the fact's section named beside it.

use serde::{Deserialize, Serialize};

mod publishing;
pub use publishing::PublishingConfig;
mod login;
pub use login::LoginConfig;
mod ratelimit;
pub use ratelimit::{PageLimitError, RateLimitConfig};
mod legacy;
pub use legacy::LegacyFeaturesConfig;
mod writes;
pub use writes::{FieldsOnWrite, WriteFields};
mod cdn;
pub use cdn::CdnConfig;
mod server;
pub use server::ServerConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClockMode {
    /// Sandbox clocks follow the OS clock (plus any advance).
    Real,
    /// Sandbox clocks start frozen at `Config::frozen_epoch` and move only when advanced.
    Frozen,
}

pub use crate::version::ApiVersion;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Seed of every generated id, token and value.
    pub seed: u64,
    pub clock: ClockMode,
    /// Where frozen clocks start (2026-01-01T00:00:00Z).
    pub frozen_epoch: i64,

    /// Pins the oldest version served. `None` (default) follows the version timeline
    /// (`version.rs`) against each sandbox's clock: a version past its "available until" date
    /// is served as the oldest still available, as production does (Platform Versioning
    /// guide). Versions newer than the timeline's newest are unknown paths.
    pub oldest_version: Option<ApiVersion>,
    /// The version a path without one is served as: the app's "Upgrade API version" setting in
    /// the App Dashboard (Platform Versioning guide, "unversioned calls"). `None` (default):
    /// the newest version, as for an app created today. An expired setting is upgraded like
    /// any other version. (The guides' "you get the oldest version still available", facts
    /// §3.1, is the knob value `Some(<oldest>)`.)
    pub unversioned_version: Option<ApiVersion>,

    /// Default page size of cursor-paged edges (facts §3.3: "25?" UNCONFIRMED).
    pub default_page_size: usize,
    /// Largest `limit` honoured on ordinary edges; larger values are capped (UNCONFIRMED).
    pub max_page_size: usize,
    /// At most this many of an account's newest media are reachable (facts §3.3).
    pub media_edge_max_items: usize,
    /// `ids=` multi-read cap (facts §3.4).
    pub max_ids: usize,
    /// Items one request may ask for through nested edge expansions, counted as each nested
    /// edge's page size when it is reached (`media.limit(100){owner{media.limit(100)…}}` grows
    /// geometrically). Past it the request fails with production's "Please reduce the amount
    /// of data you're asking for" (code 1); the threshold is UNCONFIRMED.
    pub max_expanded_items: usize,
    /// Largest request body accepted, in bytes (resumable uploads are larger; see publishing).
    pub max_body_bytes: usize,

    /// Connections, buffered bytes, idle and stall timeouts, head size (`config/server.rs`).
    pub server: ServerConfig,

    /// Most sandboxes the process holds, `default` included (`igsim serve --max-sandboxes`):
    /// creating another is refused with a control-plane error until one is deleted.
    pub max_sandboxes: usize,
    /// Wall-clock seconds after which a sandbox no request has reached is deleted
    /// (`igsim serve --sandbox-idle-seconds`; `default` never is); 0 keeps sandboxes until
    /// deleted. Generous by default: it only reclaims sandboxes a CI job forgot to delete.
    pub sandbox_idle_seconds: u64,
    /// Most objects one seed world may expand to (users, IG accounts, Pages, media with their
    /// carousel items and stories, comments with replies, catalog products), checked before
    /// anything is built (`model::seed::check_bounds`).
    pub max_world_objects: u64,

    /// Lifetime of a long-lived user token from `fb_exchange_token` (facts §7: ~60 days).
    pub long_lived_token_seconds: i64,
    /// Lifetime of the short-lived user tokens a seed world hands out (about 1-2 hours in
    /// production; the demo world's tokens default to never expiring, see the seed).
    pub short_lived_token_seconds: i64,
    /// How long data access lasts after a user's last login (90 days in production).
    pub data_access_seconds: i64,

    /// Stories are readable for this long after posting (facts §4.1 `stories`).
    pub story_lifetime_seconds: i64,

    /// Webhooks (facts §6). Attempt times of one delivery, in seconds after it first fell
    /// due: "retries immediately, then less and less often over 36 hours" (facts §6.2; the
    /// exact schedule is UNCONFIRMED). An attempt that fails after the last offset drops it.
    pub webhook_retry_offsets_seconds: Vec<i64>,
    /// The retry window after which an undelivered update is dropped (facts §6.2: 36 h).
    pub webhook_retry_window_seconds: i64,
    /// Wall-clock limit of one delivery or handshake request (UNCONFIRMED; production's
    /// timeout is not documented).
    pub webhook_timeout_ms: u64,
    /// Finished (delivered or dropped) deliveries a sandbox keeps for the control plane; the
    /// oldest go first. Pending ones are always kept.
    pub webhook_deliveries_kept: usize,
    /// POSTs one sandbox sends at once (a flush or a background round).
    pub webhook_concurrency: usize,
    /// Longest a `webhooks/flush` call waits for its sends (and for a send already under way)
    /// before answering; what is still in flight then finishes in the background.
    pub webhook_flush_wait_ms: u64,
    /// Also send the legacy `X-Hub-Signature: sha1=…` header (facts §6.2: UNCONFIRMED
    /// whether production still sends it).
    pub webhook_legacy_sha1_header: bool,
    /// `story_insights` is sent this long after a story expires (guides: "Sent 1 hour after
    /// the story expires").
    pub story_insights_delay_seconds: i64,
    /// Comments on reels produce `comments` webhooks, with `media.media_product_type` `REELS`,
    /// as production delivers them (2026 captures, facts §9 "Webhooks"). `false` reproduces the
    /// guide's "Reels are not supported" ("Set Up Webhooks for Instagram", Limitations).
    pub webhook_reels_supported: bool,
    /// Most changes one webhook POST carries; production aggregates "up to 1000 per request"
    /// (facts §6.2). 1 sends every change alone (one entry, one change), as before batching.
    pub webhook_batch_max_changes: usize,
    /// How long (sandbox seconds) a change waits for others to share its POST before the
    /// dispatcher sends it; `webhooks/flush` cuts it short. Production's aggregation window is
    /// UNCONFIRMED.
    pub webhook_batch_window_seconds: i64,
    /// The control plane's `webhooks/posts` keeps the newest POSTs carrying at most this many
    /// changes in all (each POST holds its batched payload, so memory follows changes).
    pub webhook_post_log_changes: usize,
    /// `live_comments` payloads carry this `media.media_product_type` (facts §6.3: `LIVE`?
    /// UNCONFIRMED).
    pub live_comments_product_type: String,
    /// Convenience configuration (`igsim serve --webhook-url/--verify-token`): every sandbox
    /// starts subscribed to all Instagram fields at this callback, with every page installed.
    pub webhook_url: Option<String>,
    pub webhook_verify_token: Option<String>,
    /// Background activity: outside-world events per sandbox-minute (0 = off), seeded.
    pub activity_rate: f64,
    /// Content publishing: quotas, container timings, media checks (see `config/publishing.rs`).
    pub publishing: PublishingConfig,
    /// Most comments one page of `/{ig-media-id}/comments` returns (facts §3.3: 50).
    pub comments_max_page_size: usize,
    /// Unique hashtags an IG account may search per window (facts §4.7: 30).
    pub hashtag_unique_limit: usize,
    /// The rolling hashtag-search window (facts §4.7: 7 days).
    pub hashtag_window_seconds: i64,
    /// How far back `recent_media` reaches (facts §4.7: 24 hours).
    pub hashtag_recent_seconds: i64,
    /// Largest `limit` on `top_media`/`recent_media` (facts §3.3: 50).
    pub hashtag_media_max_page_size: usize,
    /// `recently_searched_hashtags` page size and largest `limit` (facts §3.3: 25 and 30).
    pub recent_hashtags_page_size: usize,
    pub recent_hashtags_max_page_size: usize,
    /// Hashtags "deemed sensitive or offensive": searching them gets a generic error
    /// (guides "Hashtag Search"; which tags, and the error's code, are UNCONFIRMED).
    pub sensitive_hashtags: Vec<String>,
    /// Code of the error for a search past the unique-hashtag quota (facts §1.4: UNCONFIRMED;
    /// one third-party plugin maps it to 18).
    pub hashtag_limit_error_code: i64,
    /// Code and subcode of the Business Discovery error for an unknown or non-professional
    /// username (facts §1.3: 110/2207013 "Invalid user id", UNCONFIRMED).
    pub business_discovery_error_code: i64,
    pub business_discovery_error_subcode: Option<i64>,
    /// Audience metrics (follower_count, online_followers, demographics, follows_and_unfollows)
    /// need this many followers (facts §5.2: 100); below it they are left out of `data`
    /// (facts §1.6: empty data or an error is UNCONFIRMED).
    pub insights_min_followers: u64,
    /// Largest since/until span of account insights (recorded: 30 days).
    pub insights_max_range_seconds: i64,
    /// Insights of a story older than its lifetime: an error when true, else an empty `data`
    /// (guide: "only available for 24 hours"; which answer production gives is UNCONFIRMED).
    pub expired_story_insights_error: bool,
    /// Apply the changelog's "will apply to all versions on <date>" dates (the version
    /// timeline's `all_versions_from`: v18's deprecations from 2023-12-11, v20's timeframes
    /// from 2024-08-19, v21's removals from 2025-01-08, v22's from 2025-04-21, with v22's
    /// exception for older media) against the sandbox clock, as production does (default).
    /// `false` is the guides' per-version view: each requested version keeps its own
    /// catalogue whatever the date.
    pub insights_version_sunsets: bool,
    /// Instagram BUC and Platform rate limits (see `config/ratelimit.rs`).
    pub rate_limits: RateLimitConfig,
    /// The media CDN: URL lifetime, cache headers, kept bytes (see `config/cdn.rs`).
    pub cdn: CdnConfig,
    /// Instagram Login tokens and both login dialogs' codes (see `config/login.rs`).
    pub login: LoginConfig,
    /// The legacy Graph features apps created from 2026-11-04 lose (see `config/legacy.rs`).
    pub legacy_features: LegacyFeaturesConfig,

    /// The control plane's token (`igsim serve --admin-token`, env `IGSIM_ADMIN_TOKEN`). When
    /// set, every `/_sim/` route but the dashboard's static files needs it (see
    /// `http::control::authorize`); `None` leaves the control plane open, as on loopback. Never
    /// shown by any route.
    #[serde(skip_serializing)]
    pub admin_token: Option<String>,
    /// What each write endpoint answers to `fields=` (see `config/writes.rs`).
    pub fields_on_write: FieldsOnWrite,
}

impl Config {
    /// The version serving a call at `now`: `requested` (or the unversioned setting), upgraded
    /// to the oldest version available at `now` (see [`Config::oldest_version`]).
    pub fn served_version(&self, requested: Option<ApiVersion>, now: i64) -> ApiVersion {
        let oldest = self
            .oldest_version
            .unwrap_or_else(|| crate::version::oldest_available(now));
        let unversioned = self.unversioned_version.unwrap_or_else(crate::version::newest);
        crate::version::serve(requested, unversioned, oldest)
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: 42,
            clock: ClockMode::Real,
            frozen_epoch: 1_767_225_600,
            oldest_version: None,
            unversioned_version: None,
            default_page_size: 25,
            max_page_size: 100,
            media_edge_max_items: 10_000,
            max_ids: 50,
            max_expanded_items: 100_000,
            max_body_bytes: 16 * 1024 * 1024,
            server: ServerConfig::default(),
            max_sandboxes: 256,
            sandbox_idle_seconds: 24 * 3600,
            max_world_objects: 100_000,
            long_lived_token_seconds: 60 * 24 * 3600,
            short_lived_token_seconds: 2 * 3600,
            data_access_seconds: 90 * 24 * 3600,
            story_lifetime_seconds: 24 * 3600,
            webhook_retry_offsets_seconds: vec![
                0, 10, 60, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 57_600, 86_400, 129_600,
            ],
            webhook_retry_window_seconds: 36 * 3600,
            webhook_timeout_ms: 10_000,
            webhook_deliveries_kept: 1_000,
            webhook_concurrency: 16,
            webhook_flush_wait_ms: 12_000,
            webhook_legacy_sha1_header: true,
            story_insights_delay_seconds: 3600,
            webhook_reels_supported: true,
            webhook_batch_max_changes: 1000,
            webhook_batch_window_seconds: 2,
            webhook_post_log_changes: 10_000,
            live_comments_product_type: "LIVE".into(),
            webhook_url: None,
            webhook_verify_token: None,
            activity_rate: 0.0,
            publishing: PublishingConfig::default(),
            comments_max_page_size: 50,
            hashtag_unique_limit: 30,
            hashtag_window_seconds: 7 * 24 * 3600,
            hashtag_recent_seconds: 24 * 3600,
            hashtag_media_max_page_size: 50,
            recent_hashtags_page_size: 25,
            recent_hashtags_max_page_size: 30,
            sensitive_hashtags: vec!["sensitivetag".into(), "offensivetag".into()],
            hashtag_limit_error_code: 18,
            business_discovery_error_code: 110,
            business_discovery_error_subcode: Some(2207013),
            insights_min_followers: 100,
            insights_max_range_seconds: 30 * 24 * 3600,
            expired_story_insights_error: false,
            insights_version_sunsets: true,
            rate_limits: RateLimitConfig::default(),
            cdn: CdnConfig::default(),
            login: LoginConfig::default(),
            legacy_features: LegacyFeaturesConfig::default(),
            admin_token: None,
            fields_on_write: FieldsOnWrite::default(),
        }
    }
}
