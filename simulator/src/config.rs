//! Every tunable of the simulator in one place.
//!
//! Facts marked UNCONFIRMED in `shared/reference/graph-api-facts.md` are knobs here, with the
//! best guess as default and the fact's section named beside it.

use serde::{Deserialize, Serialize};

mod publishing;
pub(crate) use publishing::{PublishingConfig, MAX_SETTING_SECONDS};
mod login;
pub use login::LoginConfig;
mod ratelimit;
pub use ratelimit::{PageLimitError, RateLimitConfig};
mod legacy;
pub(crate) use legacy::LegacyFeaturesConfig;
mod writes;
pub use writes::{FieldsOnWrite, WriteFields};
mod cdn;
pub(crate) use cdn::CdnConfig;
mod webhooks;
pub(crate) use webhooks::WebhookConfig;
mod hashtags;
pub use hashtags::HashtagConfig;
mod insights;
pub(crate) use insights::InsightsConfig;
mod server;
pub(crate) use server::ServerConfig;
mod capacity;
pub(crate) use capacity::{CapacityArea, CapacityConfig, PerArea};
mod faults;
pub use faults::{specs_from_json, FaultSpec, InjectedError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClockMode {
    /// Sandbox clocks follow the OS clock (plus any advance).
    Real,
    /// Sandbox clocks start frozen at `Config::frozen_epoch` and move only when advanced.
    Frozen,
}

pub(crate) use crate::version::ApiVersion;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Seed of every generated id, token and value.
    pub seed: u64,
    pub clock: ClockMode,
    /// Where frozen clocks start: 2026-11-29T00:00:00Z, the day the version timeline was last
    /// checked against Meta's changelog, so a default sandbox meets the API as production
    /// serves it today (v27.0 the newest, v21.0 the oldest; `version.rs`). Sandboxes that need
    /// an earlier day are created with `at=` (`POST /_sim/sandboxes?at=2026-01-01`).
    pub frozen_epoch: i64,

    /// Pins the oldest version served. `None` (default) follows the version timeline
    /// (`version.rs`) against each sandbox's clock: a version past its "available until" date
    /// is served as the oldest still available, as production does (Platform Versioning
    /// guide). Versions newer than the timeline's newest are unknown paths.
    pub oldest_version: Option<ApiVersion>,
    /// The version a path without one is served as: the app's "Upgrade API version" setting in
    /// the App Dashboard (Platform Versioning guide, "unversioned calls"). `None` (default):
    /// the newest version released on the sandbox's clock, as for an app created that day. An
    /// expired setting is upgraded like any other version. (The guides' "you get the oldest
    /// version still available", facts §3.1, is the knob value `Some(<oldest>)`.)
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
    /// Most comments, media, containers, accounts and tokens a sandbox keeps of those created
    /// at run time (`config/capacity.rs`).
    pub capacity: CapacityConfig,

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

    /// Background activity: outside-world events per sandbox-minute (0 = off), seeded.
    pub activity_rate: f64,
    /// Content publishing: quotas, container timings, media checks (see `config/publishing.rs`).
    pub publishing: PublishingConfig,
    /// Webhooks: the retry schedule, batching, delivery bookkeeping (see `config/webhooks.rs`).
    pub webhooks: WebhookConfig,
    /// Hashtag search: the unique-hashtag quota and its window, page sizes (see
    /// `config/hashtags.rs`).
    pub hashtags: HashtagConfig,
    /// Insights: audience thresholds, ranges, the version cut-overs (see `config/insights.rs`).
    pub insights: InsightsConfig,
    /// Most comments one page of `/{ig-media-id}/comments` returns (facts §3.3: 50).
    pub comments_max_page_size: usize,
    /// Code and subcode of the Business Discovery error for an unknown or non-professional
    /// username (facts §1.3: 110/2207013 "Invalid user id", UNCONFIRMED).
    pub business_discovery_error_code: i64,
    pub business_discovery_error_subcode: Option<i64>,
    /// Instagram BUC and Platform rate limits (see `config/ratelimit.rs`).
    pub rate_limits: RateLimitConfig,
    /// The media CDN: URL lifetime, cache headers, kept bytes (see `config/cdn.rs`).
    pub cdn: CdnConfig,
    /// Instagram Login tokens and both login dialogs' codes (see `config/login.rs`).
    pub login: LoginConfig,
    /// Request journal: entries kept per sandbox before the oldest are dropped, and the memory
    /// they may take (about; `journal.rs`).
    pub journal_capacity: usize,
    pub journal_max_bytes: usize,
    /// All sandboxes' journals together (about, `journal.rs`): each keeps at most its equal
    /// share, so 256 sandboxes keep 1 MiB each rather than 4.
    pub journal_process_max_bytes: usize,
    /// Fault injection: the longest `latency_ms` or `hang_ms` a rule may ask for (`faults.rs`).
    pub fault_max_delay_ms: u64,
    /// Fault rules every sandbox starts with (`igsim serve --faults FILE`).
    pub faults: Vec<FaultSpec>,
    /// Where every sandbox is kept across restarts (`igsim serve --state-dir DIR`,
    /// `app/persister.rs`); `None`: in memory only.
    pub state_dir: Option<std::path::PathBuf>,
    /// With a state directory: how long (wall-clock milliseconds) a read's bookkeeping
    /// (rate-limit counters, journal numbering, fault counters) may wait for a write before
    /// the periodic flush writes it (`igsim serve --state-flush-ms`, `app/persister.rs`);
    /// 0: only with the sandbox's next write and at a graceful stop. Each flush of a busy
    /// sandbox serialises all of it (about 1 MB for the demo world), hence 10 s.
    pub state_flush_ms: u64,
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
    pub(crate) fn served_version(&self, requested: Option<ApiVersion>, now: i64) -> ApiVersion {
        let oldest = self
            .oldest_version
            .unwrap_or_else(|| crate::version::oldest_available(now));
        let unversioned = self
            .unversioned_version
            .unwrap_or_else(|| crate::version::newest_at(now));
        crate::version::serve(requested, unversioned, oldest)
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: 42,
            clock: ClockMode::Real,
            frozen_epoch: 1_795_910_400,
            oldest_version: None,
            unversioned_version: None,
            default_page_size: 25,
            max_page_size: 100,
            media_edge_max_items: 10_000,
            max_ids: 50,
            max_expanded_items: 100_000,
            max_body_bytes: 16 * 1024 * 1024,
            server: ServerConfig::default(),
            capacity: CapacityConfig::default(),
            max_sandboxes: 256,
            sandbox_idle_seconds: 24 * 3600,
            max_world_objects: 100_000,
            long_lived_token_seconds: 60 * 24 * 3600,
            short_lived_token_seconds: 2 * 3600,
            data_access_seconds: 90 * 24 * 3600,
            story_lifetime_seconds: 24 * 3600,
            activity_rate: 0.0,
            publishing: PublishingConfig::default(),
            webhooks: WebhookConfig::default(),
            hashtags: HashtagConfig::default(),
            insights: InsightsConfig::default(),
            comments_max_page_size: 50,
            business_discovery_error_code: 110,
            business_discovery_error_subcode: Some(2207013),
            rate_limits: RateLimitConfig::default(),
            cdn: CdnConfig::default(),
            login: LoginConfig::default(),
            journal_capacity: 10_000,
            journal_max_bytes: 4 * 1024 * 1024,
            journal_process_max_bytes: 256 * 1024 * 1024,
            fault_max_delay_ms: 300_000,
            faults: Vec::new(),
            state_dir: None,
            state_flush_ms: 10_000,
            legacy_features: LegacyFeaturesConfig::default(),
            admin_token: None,
            fields_on_write: FieldsOnWrite::default(),
        }
    }
}
