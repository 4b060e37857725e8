//! Tunables of the legacy Graph features that apps created from 2026-11-04 can no longer use
//! (v27.0: "Starting November 4, 2026, new apps cannot use multi-ID requests, date/time
//! formatting, HTTP method override, field aliases, JSONP callbacks, or asynchronous batch
//! requests … This applies across all Graph API versions", Meta's blog post of 2026-11-04
//! introducing Graph API v27.0; `version.rs`, the v27.0 row). Production's refusal was not
//! found in any public capture: its code, status and text are UNCONFIRMED knobs.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LegacyFeaturesConfig {
    /// Apps created at or after this instant (unix seconds) are refused the legacy features
    /// once the sandbox clock has reached it too; older apps keep them. `None`: every app keeps
    /// them (the guides' world, before v27.0). Default 2026-11-04T00:00:00Z (the blog's date).
    pub new_apps_from: Option<i64>,
    /// Error code of the refusal (UNCONFIRMED; 12 is the code Meta gave the last feature
    /// withdrawn from apps by date: `(#12) fql is deprecated for versions v2.1 and higher`,
    /// GH:pierrotsmnrd/grabKit#62, 2014).
    pub(crate) error_code: i64,
    /// HTTP status of the refusal (UNCONFIRMED; the code-12 capture above was HTTP 400).
    pub(crate) error_status: u16,
    /// Text of the refusal; `{feature}` is replaced by the feature's name (`multi-ID
    /// requests`, `HTTP method override`, `field aliases`, `date/time formatting`, `JSONP
    /// callbacks`). UNCONFIRMED wording.
    pub(crate) error_message: String,
}

impl Default for LegacyFeaturesConfig {
    fn default() -> Self {
        LegacyFeaturesConfig {
            new_apps_from: Some(1_793_750_400),
            error_code: 12,
            error_status: 400,
            error_message: "(#12) This app cannot use {feature}: apps created on or after November 4, 2026 \
                            cannot use legacy Graph API features"
                .into(),
        }
    }
}
