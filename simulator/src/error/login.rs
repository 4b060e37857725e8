//! Errors of both login flows: the authorization-code exchange of Facebook Login
//! (`graph.facebook.com/oauth/access_token`), of Instagram Login (`api.instagram.com`, whose
//! envelope is not the Graph one), and how `graph.instagram.com` words the Graph errors it
//! shares with `graph.facebook.com` (type `IGApiException`).
//!
//! Sources: `specs/README.md`, "Instagram Login facts" (each constructor names its row).

use super::{Envelope, GraphError, METHOD};

const IG_API: &str = "IGApiException";

/// Facebook Login's code-exchange errors: HTTP 400, `WWW-Authenticate … "invalid_code"`
/// (GH:CaptainFact/captain-fact-api#54 header dump), no `is_transient`
/// (GH:overtrue/socialite#198 body).
pub(crate) const OAUTH_CODE: Envelope = Envelope {
    status: 400,
    is_transient: None,
    www_authenticate: Some("invalid_code"),
    source: "GH:CaptainFact/captain-fact-api#54; GH:overtrue/socialite#198",
};

/// `graph.instagram.com`'s own wording of errors: HTTP 400, no `is_transient`
/// (GH:in2code-de/instagram#25 and #41, GH:jstolpe/blog_code#4 bodies).
pub(crate) const IG_HOST: Envelope = Envelope {
    status: 400,
    is_transient: None,
    www_authenticate: None,
    source: "GH:in2code-de/instagram#25, #41; GH:jstolpe/blog_code#4",
};

/// A missing permission on `graph.instagram.com`: HTTP 403
/// (GH:Dymantic/laravel-instagram-feed#60: "resulted in a `403 Forbidden` response").
pub(crate) const IG_HOST_PERMISSION: Envelope = Envelope {
    status: 403,
    source: "GH:Dymantic/laravel-instagram-feed#60",
    ..IG_HOST
};

impl GraphError {
    // ---- Facebook Login code exchange --------------------------------------------------

    /// A code that was exchanged before: `This authorization code has been used.`
    /// (GH:CaptainFact/captain-fact-api#54; the 36009 subcode is UNCONFIRMED).
    pub(crate) fn code_used() -> Self {
        GraphError::of(OAUTH_CODE, 100, "This authorization code has been used.").subcode(36009)
    }

    /// A code past its lifetime: 100/36007 (GH:overtrue/socialite#198).
    pub(crate) fn code_expired() -> Self {
        GraphError::of(OAUTH_CODE, 100, "This authorization code has expired.").subcode(36007)
    }

    /// The exchange's `redirect_uri` differs from the dialog's
    /// (GH:Shade-/MyFacebook-Connect#65; the 36008 subcode is UNCONFIRMED).
    pub(crate) fn code_redirect_mismatch() -> Self {
        GraphError::of(
            OAUTH_CODE,
            100,
            "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request",
        )
        .subcode(36008)
    }

    /// A code this app never issued (facts §7 text; no subcode recorded).
    pub(crate) fn code_invalid() -> Self {
        GraphError::of(OAUTH_CODE, 100, "Invalid verification code format.")
    }

    // ---- graph.instagram.com -------------------------------------------------------------

    /// A path or method `graph.instagram.com` does not serve (the Facebook-Login-only
    /// endpoints): `Unsupported request - method type: get`, `IGApiException`, code 100,
    /// HTTP 400 (GH:in2code-de/instagram#25, #41; GH:gitroomhq/postiz-app#638).
    pub(crate) fn ig_unsupported_request(method: &str) -> Self {
        GraphError::of(
            IG_HOST,
            100,
            format!("Unsupported request - method type: {}", method.to_ascii_lowercase()),
        )
        .kind(IG_API)
    }

    /// `ig_refresh_token` on a token younger than the minimum age (text UNCONFIRMED: a knob).
    pub(crate) fn ig_refresh_too_young(message: &str) -> Self {
        GraphError::of(IG_HOST, 100, message).kind(IG_API)
    }

    /// How `graph.instagram.com` words an error it shares with `graph.facebook.com`:
    /// 100/33 is typed `IGApiException` and has no "Please read the Graph API documentation"
    /// tail (GH:jstolpe/blog_code#4); a missing permission is HTTP 403, code 10,
    /// `Application does not have permission for this action` with no `(#10)`, typed
    /// `IGApiException` (GH:Dymantic/laravel-instagram-feed#60); an unknown path is the
    /// unsupported-request error. Token errors (190 family) and the rest keep their Graph
    /// wording (UNCONFIRMED beyond these recorded cases).
    pub(crate) fn on_instagram_host(self, method: &str) -> Self {
        match (self.code, self.subcode, self.kind) {
            (100, Some(33), METHOD) => {
                let message = self
                    .message
                    .split(" Please read the Graph API documentation")
                    .next()
                    .unwrap_or_default()
                    .trim_end_matches('.')
                    .to_string();
                GraphError {
                    message,
                    envelope: IG_HOST,
                    ..self
                }
                .kind(IG_API)
            }
            (10, None, _) => GraphError::of(
                IG_HOST_PERMISSION,
                10,
                "Application does not have permission for this action",
            )
            .kind(IG_API),
            (2500, None, _) if self.message.starts_with("Unknown path components") => {
                GraphError::ig_unsupported_request(method)
            }
            _ => self,
        }
    }
}

/// An error of `api.instagram.com/oauth/access_token` (the Instagram Login code exchange):
/// HTTP 400 with `{"error_type": "OAuthException", "code": 400, "error_message": "…"}`, not
/// the Graph envelope (GH:espresso-dev/instagram-basic-display-php#14,
/// GH:jetrockets/omniauth-instagram-graph#1, GH:jsmrtn/craftagram#29 and #68).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct InstagramOAuthError {
    pub(crate) message: String,
}

impl InstagramOAuthError {
    fn new(message: impl Into<String>) -> Self {
        InstagramOAuthError {
            message: message.into(),
        }
    }

    /// The code was exchanged before (espresso-dev#14, jetrockets#1: no final period).
    pub(crate) fn code_used() -> Self {
        Self::new("This authorization code has been used")
    }

    /// The code is past its lifetime (text is a knob: UNCONFIRMED).
    pub(crate) fn code_expired(message: &str) -> Self {
        Self::new(message)
    }

    /// No such code (GH:sachin-handiekar/jInstagram#191, GH:titarenko/OAuth2#129).
    pub(crate) fn code_not_found() -> Self {
        Self::new("Matching code was not found or was already used.")
    }

    /// `redirect_uri` differs from the dialog's (GH:jsmrtn/craftagram#68).
    pub(crate) fn redirect_mismatch() -> Self {
        Self::new("Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request.")
    }

    /// The sandbox holds all the run-time tokens it may (`config/capacity.rs`): igsim's own
    /// limit, in this endpoint's envelope.
    pub(crate) fn sandbox_full(detail: &str) -> Self {
        Self::new(format!("Application request limit reached: {detail}"))
    }

    /// `redirect_uri` missing or not registered (GH:jsmrtn/craftagram#29).
    pub(crate) fn invalid_redirect_uri() -> Self {
        Self::new("Invalid redirect_uri")
    }

    /// An unknown `client_id` (UNCONFIRMED text).
    pub(crate) fn invalid_client_id() -> Self {
        Self::new("Invalid platform app")
    }

    /// A wrong `client_secret` (UNCONFIRMED text, Graph's own wording).
    pub(crate) fn invalid_client_secret() -> Self {
        Self::new("Error validating client secret.")
    }

    /// `grant_type` other than `authorization_code` (UNCONFIRMED text).
    pub(crate) fn unsupported_grant_type() -> Self {
        Self::new("Invalid grant_type")
    }

    /// A required parameter is missing (UNCONFIRMED text).
    pub(crate) fn missing(param: &str) -> Self {
        Self::new(format!("You must provide a {param}"))
    }
}
