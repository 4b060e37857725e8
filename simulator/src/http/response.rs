//! JSON rendering, the Graph error envelope, and the headers every answer carries.

use crate::config::ApiVersion;
use crate::error::GraphError;
use crate::journal::ErrorCode;
use bytes::Bytes;
use http::{HeaderName, HeaderValue, Response, StatusCode};
use http_body_util::Full;
use serde_json::{json, Map, Value};

pub(crate) type Body = Full<Bytes>;

fn base(status: u16, body: Vec<u8>, content_type: &'static str) -> Response<Body> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    // Room for every header a Graph answer carries (the version, trace, revision, CORS, cache
    // and usage headers, `WWW-Authenticate`) without growing the map.
    *r.headers_mut() = http::HeaderMap::with_capacity(8);
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    r.headers_mut()
        .insert(http::header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// A Graph answer: JSON with `facebook-api-version` and `x-fb-trace-id`.
pub(crate) fn graph_json(status: u16, value: &Value, version: ApiVersion, trace: &str) -> Response<Body> {
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    graph_bytes(status, body, version, trace)
}

/// Header names every Graph answer carries (constants: a name given as text is parsed on
/// every insert).
const FACEBOOK_API_VERSION: HeaderName = HeaderName::from_static("facebook-api-version");
const X_FB_TRACE_ID: HeaderName = HeaderName::from_static("x-fb-trace-id");
const X_FB_REV: HeaderName = HeaderName::from_static("x-fb-rev");

/// A Graph answer already written as JSON (`http::json`), with the headers of [`graph_json`].
pub(crate) fn graph_bytes(status: u16, body: Vec<u8>, version: ApiVersion, trace: &str) -> Response<Body> {
    let mut r = base(status, body, "application/json; charset=UTF-8");
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(version.text().as_str()) {
        h.insert(FACEBOOK_API_VERSION, v);
    }
    if let Ok(v) = HeaderValue::from_str(trace) {
        h.insert(X_FB_TRACE_ID, v);
    }
    h.insert(X_FB_REV, HeaderValue::from_static("1019394712"));
    // Any web page may read Graph answers (errors too): a browser's `fetch` of
    // graph.facebook.com from another origin gets `Access-Control-Allow-Origin: *` — the
    // header a browser refused for a credentialed request to `/v2.8/oauth/access_token`, a 400
    // (GH:criso/fbgraph#120, 2017), and whose absence broke sites in 2019
    // (GH:facebookarchive/php-graph-sdk#1163). Preflights (OPTIONS) keep their own answer.
    h.insert(http::header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    h.insert(
        http::header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache, no-store, must-revalidate"),
    );
    r
}

/// Marks an answer with the Graph error it carries (in its extensions, never sent), for the
/// request journal and the request log.
pub(crate) fn mark_error(r: &mut Response<Body>, code: i64, subcode: Option<i64>) {
    r.extensions_mut().insert(ErrorCode { code, subcode });
}

/// The Graph error an answer carries, if it was marked ([`mark_error`]).
pub(crate) fn error_of(r: &Response<Body>) -> Option<ErrorCode> {
    r.extensions().get::<ErrorCode>().copied()
}

/// The `{"error": {...}}` body: `message`, `type`, `code`, then `error_subcode`,
/// `is_transient`, `error_user_title`, `error_user_msg` when the error has them, and
/// `fbtrace_id` (facts §1.1 key order).
pub(crate) fn error_body(e: &GraphError, fbtrace_id: &str) -> Value {
    let mut out = Map::new();
    out.insert("message".into(), json!(e.message));
    out.insert("type".into(), json!(e.kind));
    out.insert("code".into(), json!(e.code));
    if let Some(s) = e.subcode {
        out.insert("error_subcode".into(), json!(s));
    }
    if let Some(t) = e.envelope.is_transient {
        out.insert("is_transient".into(), json!(t));
    }
    if let Some(t) = &e.user_title {
        out.insert("error_user_title".into(), json!(t));
    }
    if let Some(m) = &e.user_msg {
        out.insert("error_user_msg".into(), json!(m));
    }
    out.insert("fbtrace_id".into(), json!(fbtrace_id));
    if let Some(original) = &e.original_response {
        out.insert("original_response".into(), original.clone());
    }
    json!({ "error": Value::Object(out) })
}

/// The error envelope, with `WWW-Authenticate` on auth errors (facts §1.2).
/// `suppress_http_code` answers 200 with the error in the body, as the JS SDK asks.
pub(crate) fn graph_error(
    e: &GraphError,
    version: ApiVersion,
    trace: &str,
    suppress_http_code: bool,
) -> Response<Body> {
    let status = if suppress_http_code { 200 } else { e.status() };
    let mut r = graph_json(status, &error_body(e, trace), version, trace);
    mark_error(&mut r, e.code, e.subcode);
    if let Some(kind) = e.envelope.www_authenticate {
        let msg = e.message.replace('"', "'");
        if let Ok(v) = HeaderValue::from_str(&format!("OAuth \"Facebook Platform\" \"{kind}\" \"{msg}\"")) {
            r.headers_mut().insert(http::header::WWW_AUTHENTICATE, v);
        }
    }
    r
}

/// A plain-text answer (the CDN's refusals: `URL signature expired`, …).
pub(crate) fn plain(status: u16, text: &str) -> Response<Body> {
    base(status, text.as_bytes().to_vec(), "text/plain")
}

/// Bytes with a content type and nothing else (media, the dashboard's files).
pub(crate) fn bytes(status: u16, body: Bytes, content_type: &'static str) -> Response<Body> {
    let mut r = Response::new(Full::new(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    r.headers_mut()
        .insert(http::header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// A control-plane answer (plain JSON, no Graph headers); also the answers of the
/// `api.instagram.com` code exchange, which carry none either.
pub(crate) fn sim_json(status: u16, value: &Value) -> Response<Body> {
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    base(status, body, "application/json")
}

/// An HTML page (the login dialogs).
pub(crate) fn html(status: u16, page: String) -> Response<Body> {
    base(status, page.into_bytes(), "text/html; charset=utf-8")
}

/// A `302 Found` to `location` (a login dialog answering its `redirect_uri`).
pub(crate) fn redirect(location: &str) -> Response<Body> {
    let mut r = base(302, Vec::new(), "text/html; charset=utf-8");
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(http::header::LOCATION, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsupported_get_is_a_graph_method_exception_with_subcode_33() {
        let b = error_body(&GraphError::unsupported("GET", "123"), "T");
        assert_eq!(b["error"]["type"], "GraphMethodException");
        assert_eq!(b["error"]["code"], 100);
        assert_eq!(b["error"]["error_subcode"], 33);
        assert!(b["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Unsupported get request. Object with ID '123'"));
    }

    #[test]
    fn token_errors_have_no_code_prefix_and_no_subcode_when_none() {
        let b = error_body(&GraphError::token_invalid(), "T");
        assert_eq!(b["error"]["message"], "The access token could not be decrypted");
        assert!(b["error"].get("error_subcode").is_none());
        assert_eq!(b["error"]["fbtrace_id"], "T");
    }

    #[test]
    fn is_transient_is_sent_only_by_families_that_have_it() {
        let token = error_body(&GraphError::token_expired(0, 1), "T");
        assert!(token["error"].get("is_transient").is_none());
        let param = error_body(&GraphError::nonexisting_field("x", "IGUser"), "T");
        assert!(param["error"].get("is_transient").is_none());
        let publishing = error_body(&GraphError::container_not_ready(), "T");
        assert_eq!(publishing["error"]["is_transient"], false);
        assert_eq!(
            error_body(&GraphError::ig_server_error(), "T")["error"]["is_transient"],
            true
        );
        assert_eq!(
            error_body(&GraphError::app_request_limit(403), "T")["error"]["is_transient"],
            true
        );
    }
}
