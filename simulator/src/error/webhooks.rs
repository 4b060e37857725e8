//! Errors of webhook configuration: app subscriptions, the verification handshake and Page
//! subscribed apps (facts §6.1, §6.4). Codes 2200/2201, 15 and 210 follow what the Graph API
//! answers in practice (dashboard and practitioner reports); exact wording UNCONFIRMED.

use super::{GraphError, PARAMETER};

impl GraphError {
    /// The callback could not be reached or did not answer 200 to the verification GET.
    pub(crate) fn callback_verification_failed(transport: &str, status: u16) -> Self {
        let message = if status == 0 {
            format!(
                "(#2200) callback verification failed with the following errors: {transport}; HTTP Status Code = 0; HTTP Message = Unknown error"
            )
        } else {
            let reason = http::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("Unknown");
            format!(
                "(#2200) callback verification failed with the following errors: HTTP Status Code = {status}; HTTP Message = {reason}"
            )
        };
        GraphError::of(PARAMETER, 2200, message)
    }

    /// The callback answered 200 but not with the bare `hub.challenge`.
    pub(crate) fn challenge_mismatch(expected: u64, received: &str) -> Self {
        let received: String = received.chars().take(100).collect();
        GraphError::of(
            PARAMETER,
            2201,
            format!(
                "(#2201) response does not match challenge, expected value=\"{expected}\", received=\"{received}\""
            ),
        )
    }

    pub(crate) fn invalid_callback_url(detail: String) -> Self {
        GraphError::invalid_param(format!("Param callback_url is not a valid URL: {detail}"))
    }

    /// `/{app-id}/subscriptions` with anything but the app token.
    pub(crate) fn app_token_required() -> Self {
        GraphError::of(
            PARAMETER,
            15,
            "(#15) This method must be called with an app access_token.",
        )
    }

    /// `/{page-id}/subscribed_apps` with anything but that Page's token.
    pub(crate) fn page_token_required() -> Self {
        GraphError::of(
            PARAMETER,
            210,
            "(#210) A page access token is required to request this resource.",
        )
    }
}
