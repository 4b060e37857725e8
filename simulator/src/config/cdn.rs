//! Tunables of the media CDN (`http::cdn`): how long handed-out media URLs stay valid, the
//! cache headers, and how many received bytes a sandbox keeps to serve back.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CdnConfig {
    /// How long a media URL works after it is handed out: its `oe=` expiry is at most this far
    /// ahead. UNCONFIRMED: measured as 108 hours on a live URL (instayolo.com "Decoding an
    /// Instagram CDN URL", 2026-04); practitioners report "4/5 days" and "around a week"
    /// (GH tomashco/payload-instagram-plugin#1, ryanlua/instawebhooks#3).
    pub(crate) url_lifetime_seconds: i64,
    /// URLs handed out within one such window are identical, and expire together
    /// (StackOverflow 77212118: repeated reads "in a short timespan (~1 hour)" return the
    /// exact same URL, so expiries come in fixed windows). UNCONFIRMED size.
    pub(crate) url_window_seconds: i64,
    /// `Cache-Control` of served media. UNCONFIRMED: the value seen on Meta's CDN responses.
    pub(crate) cache_control: String,
    /// Largest file (fetched with `--media-fetch` or uploaded resumably) kept to be served
    /// back as received; larger files are checked as usual but served as generated media.
    pub max_kept_file_bytes: u64,
    /// Received bytes a sandbox keeps in all; past it, new files are served as generated.
    pub(crate) max_kept_sandbox_bytes: u64,
    /// Received bytes all sandboxes of the process keep together (`igsim serve
    /// --cdn-max-mib`); past it, new files are served as generated, as past a sandbox's own
    /// budget. Files already kept stay (nothing a client published is evicted); room comes
    /// back as sandboxes are deleted, reset or reclaimed. Without it 256 sandboxes could
    /// keep 64 GiB.
    pub max_kept_process_bytes: u64,
}

impl Default for CdnConfig {
    fn default() -> Self {
        CdnConfig {
            url_lifetime_seconds: 108 * 3600,
            url_window_seconds: 3600,
            cache_control: "max-age=1209600, no-transform".into(),
            max_kept_file_bytes: 64 * 1024 * 1024,
            max_kept_sandbox_bytes: 256 * 1024 * 1024,
            max_kept_process_bytes: 1024 * 1024 * 1024,
        }
    }
}
