//! Tunables of content publishing (facts §1.5, §2, §4.3-4.5); UNCONFIRMED facts are knobs.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct PublishingConfig {
    /// API-published posts per account per moving window. Production reports 100
    /// (`content_publishing_limit` measured live 2026-09, facts §9 "Publishing quota"); the
    /// guides' and v18 reference's value is 50 ("currently 50", facts §4.5) and older
    /// recordings show 25: set this knob to either to reproduce them.
    pub quota_total: u32,
    /// The moving window of the publishing quota, in seconds (facts §4.5: 86400).
    pub quota_duration: i64,
    /// Product-tagged posts per account per window (Product Tagging guide: 25 per 24 h).
    pub tagged_quota_total: u32,
    /// Containers an account may create per moving window (facts §2: 400 per 24 h).
    pub container_cap: u32,
    /// That window, in seconds (facts §2: 24 h).
    pub container_cap_window_seconds: i64,
    /// Unpublished containers read `EXPIRED` this long after creation (facts §4.3: 24 h).
    pub container_lifetime_seconds: i64,
    /// Image containers are `FINISHED` after this long (practitioner: at once).
    pub image_processing_seconds: i64,
    /// Video containers stay `IN_PROGRESS` this long after their bytes arrived.
    pub video_processing_seconds: i64,
    /// Download media URLs for real and check them (`--media-fetch`); off = judge offline.
    pub media_fetch: bool,
    /// A fetch slower than this fails with -2/2207003 (production's timeout is UNCONFIRMED).
    pub fetch_timeout_ms: u64,
    /// Largest image accepted (facts §4.4: 8 MiB).
    pub max_image_bytes: u64,
    /// The error for a Page that still needs Page Publishing Authorization: codes UNCONFIRMED
    /// (facts §1.5 "Not in the doc table"); best guess a (#200) permission error, HTTP 403.
    pub ppa_error_code: i64,
    pub ppa_error_subcode: Option<i64>,
    pub ppa_error_status: u16,
    /// `INSTAGRAM_PLATFORM_API__INVALID_LOCATION_ID`: numeric code/subcode UNCONFIRMED (100).
    pub invalid_location_code: i64,
    pub invalid_location_subcode: Option<i64>,
    /// The 400-containers cap: code UNCONFIRMED; best guess the publishing-limit code 9.
    pub container_cap_code: i64,
    pub container_cap_subcode: Option<i64>,
}

/// Longest duration a publishing setting may give, in seconds: 100 years, also the oldest
/// thing a seed world may hold (`model::seed::MAX_AGE_SECONDS` is this value).
pub const MAX_SETTING_SECONDS: i64 = 100 * 365 * 86_400;

/// Longest a media download may be waited for (`fetch_timeout_ms`): ten minutes.
pub const MAX_FETCH_TIMEOUT_MS: u64 = 600_000;

/// Largest `max_image_bytes`: an image is read whole to be judged, so this bounds what one
/// download holds in memory (1 GiB; production's limit is 8 MiB).
pub const MAX_IMAGE_BYTES_SETTING: u64 = 1 << 30;

impl PublishingConfig {
    /// Checks settings a client sends (`POST /_sim/sandboxes/{id}/publishing/config`): every
    /// duration from 0 to [`MAX_SETTING_SECONDS`], the download timeout and image size within
    /// [`MAX_FETCH_TIMEOUT_MS`] and [`MAX_IMAGE_BYTES_SETTING`], and the PPA error's HTTP
    /// status a client error (400-499: igsim never answers 5xx). The error names the
    /// setting and its range.
    pub fn check(&self) -> Result<(), String> {
        let durations = [
            ("quota_duration", self.quota_duration),
            ("container_cap_window_seconds", self.container_cap_window_seconds),
            ("container_lifetime_seconds", self.container_lifetime_seconds),
            ("image_processing_seconds", self.image_processing_seconds),
            ("video_processing_seconds", self.video_processing_seconds),
        ];
        for (name, v) in durations {
            if !(0..=MAX_SETTING_SECONDS).contains(&v) {
                return Err(format!(
                    "{name} must be from 0 to {MAX_SETTING_SECONDS} seconds (100 years)"
                ));
            }
        }
        if self.fetch_timeout_ms > MAX_FETCH_TIMEOUT_MS {
            return Err(format!("fetch_timeout_ms must be at most {MAX_FETCH_TIMEOUT_MS}"));
        }
        if self.max_image_bytes > MAX_IMAGE_BYTES_SETTING {
            return Err(format!("max_image_bytes must be at most {MAX_IMAGE_BYTES_SETTING}"));
        }
        if !(400..=499).contains(&self.ppa_error_status) {
            return Err("ppa_error_status must be an HTTP client-error status (400-499)".into());
        }
        Ok(())
    }
}

impl Default for PublishingConfig {
    fn default() -> Self {
        PublishingConfig {
            quota_total: 100,
            quota_duration: 86_400,
            tagged_quota_total: 25,
            container_cap: 400,
            container_cap_window_seconds: 86_400,
            container_lifetime_seconds: 86_400,
            image_processing_seconds: 0,
            video_processing_seconds: 30,
            media_fetch: false,
            fetch_timeout_ms: 10_000,
            max_image_bytes: 8 * 1024 * 1024,
            ppa_error_code: 200,
            ppa_error_subcode: None,
            ppa_error_status: 403,
            invalid_location_code: 100,
            invalid_location_subcode: None,
            container_cap_code: 9,
            container_cap_subcode: None,
        }
    }
}
