//! Graph's own server-side failures, codes 1 and 2: what production answers when something
//! breaks on its side and the app should wait and retry (Meta's "Handling Errors" page: code 1
//! "API Unknown — possibly a temporary issue due to downtime. Wait and retry", code 2 "API
//! Service — temporary issue due to downtime. Wait and retry"). igsim never fails this way on
//! its own; fault injection (`crate::faults`) sends them. Also igsim's one internal error,
//! [`GraphError::needs_write`], which never leaves the server.

use super::{Envelope, GraphError, PARAMETER};

/// The `kind` of [`GraphError::needs_write`] (internal; never sent).
const NEEDS_WRITE: &str = "igsim.NeedsWrite";

/// Code 2: HTTP 500, `is_transient: true`, `WWW-Authenticate: OAuth "Facebook Platform"
/// "unknown_error" "<message>"`. Captures: GH:Trustroots/trustroots#673 (2018, HTTP 500, body
/// with `"is_transient":true,"code":2`), GH:facebook/facebook-java-business-sdk#319 (2020, same
/// body), GH:facebookarchive/php-graph-sdk#1102 (HTTP 500 and the header).
pub(crate) const SERVICE: Envelope = Envelope {
    status: 500,
    is_transient: Some(true),
    www_authenticate: Some("unknown_error"),
    source: "GH:Trustroots/trustroots#673; GH:facebook/facebook-java-business-sdk#319; GH:facebookarchive/php-graph-sdk#1102",
};

/// Code 1: HTTP 500 with the same header, and no `is_transient` in the captured bodies
/// (GH:facebookarchive/php-graph-sdk#794, 2017: `{"message":"An unknown error has occurred.",
/// "type":"OAuthException","code":1,"fbtrace_id":…}` with status 500;
/// GH:facebookarchive/facebook-instant-articles-sdk-php#188: the raw 500 with the header).
pub(crate) const UNKNOWN: Envelope = Envelope {
    is_transient: None,
    source: "GH:facebookarchive/php-graph-sdk#794; GH:facebookarchive/facebook-instant-articles-sdk-php#188",
    ..SERVICE
};

impl GraphError {
    /// Not an answer: a handler that was given the world shared with other readers needs to
    /// change it (`http::graph::WorldAccess::write`); the router runs the request again with
    /// the world alone, so this never reaches a client.
    pub(crate) fn needs_write() -> Self {
        GraphError::of(PARAMETER, 2, "igsim: this request changes the world").kind(NEEDS_WRITE)
    }

    /// Whether this is [`GraphError::needs_write`].
    pub(crate) fn is_needs_write(&self) -> bool {
        self.kind == NEEDS_WRITE
    }

    /// Code 1, "An unknown error has occurred." (facts §1.3).
    pub(crate) fn api_unknown() -> Self {
        GraphError::of(UNKNOWN, 1, "An unknown error has occurred.")
    }

    /// Code 2, "An unexpected error has occurred. Please retry your request later." (facts
    /// §1.3; the text of the captures above).
    pub(crate) fn api_service() -> Self {
        GraphError::of(
            SERVICE,
            2,
            "An unexpected error has occurred. Please retry your request later.",
        )
    }
}
