//! Login knobs: Instagram Login ("Business Login for Instagram") token lifetimes, the
//! authorization codes of both login dialogs, and the facts about them that no primary
//! source confirmed (`specs/README.md`, "Instagram Login facts", names each source).

use serde::{Deserialize, Serialize};

/// Lifetimes and UNCONFIRMED texts of both login flows.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LoginConfig {
    /// A short-lived Instagram User token from the code exchange lives one hour (reference
    /// `access_token`: "short-lived … tokens, those that expire in one hour").
    pub(crate) ig_short_lived_token_seconds: i64,
    /// `ig_exchange_token` and `ig_refresh_token` give 60 days (reference `access_token`,
    /// `refresh_access_token`).
    pub(crate) ig_long_lived_token_seconds: i64,
    /// `ig_refresh_token` refuses tokens younger than this (reference
    /// `refresh_access_token`: "at least 24 hours old but has not expired").
    pub(crate) ig_refresh_min_age_seconds: i64,
    /// How long an Instagram authorization code can be exchanged (Basic Display guide:
    /// "Authorization Codes … are only valid for 1 hour"; UNCONFIRMED for Business Login).
    pub(crate) ig_code_lifetime_seconds: i64,
    /// How long a Facebook Login code can be exchanged (UNCONFIRMED: the manual-flow guide
    /// gives no number; 10 minutes is what practitioners report).
    pub(crate) fb_code_lifetime_seconds: i64,
    /// The code exchange's answer wraps the grant in `{"data":[…]}` as the Business Login
    /// page shows, instead of the flat object recorded from production (UNCONFIRMED which
    /// production sends today; clients parse both).
    pub(crate) ig_code_exchange_data_envelope: bool,
    /// `error_message` for a code past its lifetime on `api.instagram.com` (UNCONFIRMED: no
    /// recorded answer; by analogy with graph.facebook.com's "This authorization code has
    /// expired.").
    pub(crate) ig_code_expired_message: String,
    /// The Graph error for `ig_refresh_token` on a token younger than
    /// [`Self::ig_refresh_min_age_seconds`] (UNCONFIRMED: no recorded answer).
    pub(crate) ig_refresh_too_young_message: String,
    /// `redirect_uri`s registered for the sandbox app when the seed names none; empty means
    /// any loopback URI (`http://127.0.0.1…`, `http://localhost…`, `http://[::1]…`) is accepted.
    pub(crate) default_redirect_uris: Vec<String>,
}

impl Default for LoginConfig {
    fn default() -> Self {
        LoginConfig {
            ig_short_lived_token_seconds: 3600,
            ig_long_lived_token_seconds: 60 * 24 * 3600,
            ig_refresh_min_age_seconds: 24 * 3600,
            ig_code_lifetime_seconds: 3600,
            fb_code_lifetime_seconds: 600,
            ig_code_exchange_data_envelope: false,
            ig_code_expired_message: "This authorization code has expired".into(),
            ig_refresh_too_young_message:
                "(#100) The access token can only be refreshed when it is at least 24 hours old".into(),
            default_redirect_uris: Vec::new(),
        }
    }
}
