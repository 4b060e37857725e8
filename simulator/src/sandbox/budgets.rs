//! The process-wide budgets sandboxes share: received media bytes kept for the CDN
//! (`CdnConfig::max_kept_process_bytes`) and the request journals' bytes
//! (`Config::journal_process_max_bytes`), so `--max-sandboxes` does not multiply them.

use super::{Sandbox, Sandboxes};
use std::sync::atomic::Ordering;

impl Sandbox {
    /// Counts `bytes` more received media kept for the CDN (a file or chunk just received;
    /// [`Sandboxes::cdn_room`] recounts from the world).
    pub(crate) fn cdn_add(&self, bytes: u64) {
        self.cdn_kept.fetch_add(bytes, Ordering::Relaxed);
    }
}

impl Sandboxes {
    /// How many more received media bytes `sandbox` may keep for the CDN now that its world
    /// keeps `kept` (`model::publishing::received_bytes`, counted by the caller under the
    /// world lock): its own room (`CdnConfig::max_kept_sandbox_bytes`) or the process's
    /// (`max_kept_process_bytes`, over every sandbox's count), whichever is smaller. A file
    /// without room is still checked and published, and served as generated media; files
    /// already kept stay. Concurrent downloads in different sandboxes may each take the last
    /// room, so the process budget can be passed by what is being received at that moment
    /// (itself bounded by `ServerConfig::body_budget_bytes`).
    pub(crate) fn cdn_room(&self, sandbox: &Sandbox, kept: u64) -> u64 {
        sandbox.cdn_kept.store(kept, Ordering::Relaxed);
        let cdn = &self.config.cdn;
        let own = cdn.max_kept_sandbox_bytes.saturating_sub(kept);
        let process = cdn.max_kept_process_bytes.saturating_sub(self.cdn_kept());
        if own.min(process) == 0 {
            let (budget, knob) = if own == 0 {
                (cdn.max_kept_sandbox_bytes, "a sandbox's (cdn.max_kept_sandbox_bytes)")
            } else {
                (cdn.max_kept_process_bytes, "the process's (--cdn-max-mib)")
            };
            tracing::warn!(
                target: "igsim::cdn",
                sandbox = %sandbox.id,
                "received media bytes: {knob} budget of {budget} bytes is used up; new files are served as generated media"
            );
        }
        own.min(process)
    }

    /// Received media bytes every sandbox keeps for the CDN together (`/_sim/health`).
    pub(crate) fn cdn_kept(&self) -> u64 {
        self.map
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .map(|sb| sb.cdn_kept.load(Ordering::Relaxed))
            .fold(0, u64::saturating_add)
    }

    /// Gives every sandbox's journal its equal share of `Config::journal_process_max_bytes`
    /// (after a sandbox comes or goes; `Journal::set_share`).
    pub(super) fn share_journals(&self) {
        let map = self.map.read().unwrap_or_else(|e| e.into_inner());
        let share = self.config.journal_process_max_bytes / map.len().max(1);
        for sb in map.values() {
            sb.with_journal(|j| j.set_share(share));
        }
    }
}
