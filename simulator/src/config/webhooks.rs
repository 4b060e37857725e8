//! Tunables of webhooks (facts §6; guide "Set Up Webhooks for Instagram"): the retry
//! schedule and its window, batching, the wall-clock limits of sends, the bookkeeping the
//! control plane shows; UNCONFIRMED facts are knobs.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct WebhookConfig {
    /// Attempt times of one delivery, in seconds after it first fell due, inside the retry
    /// window: "retries immediately, then less and less often over 36 hours" (facts §6.2; the
    /// exact schedule is UNCONFIRMED). A last attempt goes as the window ends
    /// (`model::webhook::next_attempt`); one that fails then drops the delivery.
    pub(crate) retry_offsets_seconds: Vec<i64>,
    /// The retry window after which an undelivered update is dropped (facts §6.2: 36 h).
    pub(crate) retry_window_seconds: i64,
    /// Wall-clock limit of one delivery or handshake request (UNCONFIRMED; production's
    /// timeout is not documented).
    pub timeout_ms: u64,
    /// Finished (delivered or dropped) deliveries a sandbox keeps for the control plane; the
    /// oldest go first. Pending ones are kept up to `max_pending`.
    pub deliveries_kept: usize,
    /// Changes a sandbox's outbox holds waiting to be sent (a first attempt or a retry) while
    /// its receiver is down or its clock frozen: past it the oldest waiting change is dropped
    /// unsent, its last attempt saying why, as production drops what it cannot deliver (after
    /// 36 h); igsim's own bound, so the outbox cannot grow without limit (issue 13).
    pub max_pending: usize,
    /// POSTs one sandbox sends at once (a flush or a background round).
    pub(crate) concurrency: usize,
    /// Longest a `webhooks/flush` call waits for its sends (and for a send already under way)
    /// before answering; what is still in flight then finishes in the background.
    pub flush_wait_ms: u64,
    /// Also send the legacy `X-Hub-Signature: sha1=…` header (facts §6.2: UNCONFIRMED
    /// whether production still sends it).
    pub(crate) legacy_sha1_header: bool,
    /// `story_insights` is sent this long after a story expires (guides: "Sent 1 hour after
    /// the story expires").
    pub(crate) story_insights_delay_seconds: i64,
    /// Comments on reels produce `comments` webhooks, with `media.media_product_type` `REELS`,
    /// as production delivers them (2026 captures, facts §9 "Webhooks"). `false` reproduces the
    /// guide's "Reels are not supported" ("Set Up Webhooks for Instagram", Limitations).
    pub reels_supported: bool,
    /// Most changes one webhook POST carries; production aggregates "up to 1000 per request"
    /// (facts §6.2). 1 sends every change alone (one entry, one change), as before batching.
    pub batch_max_changes: usize,
    /// How long (sandbox seconds) a change waits for others to share its POST before the
    /// dispatcher sends it; `webhooks/flush` cuts it short. Production's aggregation window is
    /// UNCONFIRMED.
    pub(crate) batch_window_seconds: i64,
    /// The control plane's `webhooks/posts` keeps the newest POSTs carrying at most this many
    /// changes in all (each POST holds its batched payload, so memory follows changes).
    pub post_log_changes: usize,
    /// `live_comments` payloads carry this `media.media_product_type` (facts §6.3: `LIVE`?
    /// UNCONFIRMED).
    pub(crate) live_comments_product_type: String,
    /// Convenience configuration (`igsim serve --webhook-url/--verify-token`): every sandbox
    /// starts subscribed to all Instagram fields at this callback, with every page installed.
    pub url: Option<String>,
    pub verify_token: Option<String>,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            retry_offsets_seconds: vec![0, 10, 60, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 57_600, 86_400],
            retry_window_seconds: 36 * 3600,
            timeout_ms: 10_000,
            deliveries_kept: 1_000,
            max_pending: 10_000,
            concurrency: 16,
            flush_wait_ms: 12_000,
            legacy_sha1_header: true,
            story_insights_delay_seconds: 3600,
            reels_supported: true,
            batch_max_changes: 1000,
            batch_window_seconds: 2,
            post_log_changes: 10_000,
            live_comments_product_type: "LIVE".into(),
            url: None,
            verify_token: None,
        }
    }
}
