//! Errors about the HTTP message itself rather than what it asks: a body or head too large,
//! a request target too long, a request that is not HTTP/1.1, a body that stops arriving, a
//! server with no room to buffer a body. Production's edge answers most of these before the
//! Graph API sees the request (and not with a Graph envelope); igsim answers each with a
//! Graph envelope so every client parses every refusal the same way (issue 13). Statuses
//! follow HTTP semantics (RFC 9110 §15.5, RFC 6585 §5); codes and texts are igsim's
//! (UNCONFIRMED as production wording).

use super::{Envelope, GraphError, PARAMETER};

const SOURCE: &str =
    "issue 13 (a Graph envelope for transport refusals); status from RFC 9110 / RFC 6585; texts UNCONFIRMED";

/// A body over the limit: HTTP 413.
pub(crate) const CONTENT_TOO_LARGE: Envelope = Envelope {
    status: 413,
    is_transient: None,
    www_authenticate: None,
    source: SOURCE,
};

/// A request target over hyper's limit: HTTP 414.
pub(crate) const URI_TOO_LONG: Envelope = Envelope {
    status: 414,
    ..CONTENT_TOO_LARGE
};

/// A request head over the limit: HTTP 431.
pub(crate) const HEAD_TOO_LARGE: Envelope = Envelope {
    status: 431,
    ..CONTENT_TOO_LARGE
};

/// A body that stopped arriving: HTTP 408.
pub(crate) const BODY_TIMEOUT: Envelope = Envelope {
    status: 408,
    ..CONTENT_TOO_LARGE
};

/// No room to buffer a body now: HTTP 503, transient, as production's `(#2)` service errors
/// are (facts §1.3: code 2 "Please retry your request later", transient).
pub(crate) const OVERLOADED: Envelope = Envelope {
    status: 503,
    is_transient: Some(true),
    www_authenticate: None,
    source: "facts §1.3 (code 2, transient); issue 13",
};

impl GraphError {
    pub(crate) fn body_too_large(limit: usize) -> Self {
        GraphError::of(
            CONTENT_TOO_LARGE,
            100,
            format!("(#100) Request body exceeds the maximum size of {limit} bytes"),
        )
    }

    pub(crate) fn uri_too_long() -> Self {
        GraphError::of(
            URI_TOO_LONG,
            100,
            "(#100) The request URI is too long: send the parameters in a POST body",
        )
    }

    pub(crate) fn head_too_large(limit: usize) -> Self {
        GraphError::of(
            HEAD_TOO_LARGE,
            100,
            format!("(#100) The request line and headers exceed the maximum size of {limit} bytes"),
        )
    }

    /// A request hyper could not parse (method, target, version or a header).
    pub(crate) fn malformed_http() -> Self {
        GraphError::of(
            PARAMETER,
            100,
            "(#100) The request is not valid HTTP/1.1 (method, request target, version or a header)",
        )
    }

    pub(crate) fn body_timeout(seconds: u64) -> Self {
        GraphError::of(
            BODY_TIMEOUT,
            100,
            format!("(#100) The request body stopped arriving: nothing came for {seconds} seconds"),
        )
    }

    /// `(#2)`: every byte the server may buffer is taken by other requests' bodies.
    pub(crate) fn overloaded() -> Self {
        GraphError::of(
            OVERLOADED,
            2,
            "(#2) Service temporarily unavailable: too many large requests at once. Please retry your request later.",
        )
    }
}
