//! JSON rendering, the Graph error envelope, and the headers every answer carries.

use crate::config::ApiVersion;
use crate::error::GraphError;
use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};
use http_body_util::Full;
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};

pub type Body = Full<Bytes>;

/// Makes `fbtrace_id`s: opaque, 23 characters like production's, and deterministic for a
/// given seed and request order.
pub struct TraceIds {
    seed: u64,
    counter: AtomicU64,
}

impl TraceIds {
    pub fn new(seed: u64) -> Self {
        TraceIds {
            seed,
            counter: AtomicU64::new(0),
        }
    }

    pub fn next(&self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let mut x = crate::ids::stable_hash(&[&self.seed.to_le_bytes(), &n.to_le_bytes()]);
        let mut y = crate::ids::stable_hash(&[&n.to_le_bytes(), &self.seed.to_le_bytes()]);
        (0..23)
            .map(|i| {
                let src = if i < 11 { &mut x } else { &mut y };
                let c = ALPHABET[(*src & 63) as usize] as char;
                *src >>= 6;
                c
            })
            .collect()
    }
}

fn base(status: u16, body: Vec<u8>, content_type: &'static str) -> Response<Body> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    r.headers_mut()
        .insert(http::header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// A Graph answer: JSON with `facebook-api-version` and `x-fb-trace-id`.
pub fn graph_json(status: u16, value: &Value, version: ApiVersion, trace: &str) -> Response<Body> {
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    graph_bytes(status, body, version, trace)
}

/// A Graph answer already written as JSON (`http::json`), with the headers of [`graph_json`].
pub fn graph_bytes(status: u16, body: Vec<u8>, version: ApiVersion, trace: &str) -> Response<Body> {
    let mut r = base(status, body, "application/json; charset=UTF-8");
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&version.to_string()) {
        h.insert("facebook-api-version", v);
    }
    if let Ok(v) = HeaderValue::from_str(trace) {
        h.insert("x-fb-trace-id", v);
    }
    h.insert("x-fb-rev", HeaderValue::from_static("1019394712"));
    h.insert(
        http::header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache, no-store, must-revalidate"),
    );
    r
}

/// The error envelope, with `WWW-Authenticate` on auth errors (facts §1.2).
/// `suppress_http_code` answers 200 with the error in the body, as the JS SDK asks.
pub fn graph_error(e: &GraphError, version: ApiVersion, trace: &str, suppress_http_code: bool) -> Response<Body> {
    let status = if suppress_http_code { 200 } else { e.status() };
    let mut r = graph_json(status, &e.body(trace), version, trace);
    if let Some(kind) = e.envelope.www_authenticate {
        let msg = e.message.replace('"', "'");
        if let Ok(v) = HeaderValue::from_str(&format!("OAuth \"Facebook Platform\" \"{kind}\" \"{msg}\"")) {
            r.headers_mut().insert(http::header::WWW_AUTHENTICATE, v);
        }
    }
    r
}

/// A plain-text answer (the CDN's refusals: `URL signature expired`, …).
pub fn plain(status: u16, text: &str) -> Response<Body> {
    base(status, text.as_bytes().to_vec(), "text/plain")
}

/// Bytes with a content type and nothing else (media, the dashboard's files).
pub fn bytes(status: u16, body: Bytes, content_type: &'static str) -> Response<Body> {
    let mut r = Response::new(Full::new(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    r.headers_mut()
        .insert(http::header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// A control-plane answer (plain JSON, no Graph headers); also the answers of the
/// `api.instagram.com` code exchange, which carry none either.
pub fn sim_json(status: u16, value: &Value) -> Response<Body> {
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    base(status, body, "application/json")
}

/// An HTML page (the login dialogs).
pub fn html(status: u16, page: String) -> Response<Body> {
    base(status, page.into_bytes(), "text/html; charset=utf-8")
}

/// A `302 Found` to `location` (a login dialog answering its `redirect_uri`).
pub fn redirect(location: &str) -> Response<Body> {
    let mut r = base(302, Vec::new(), "text/html; charset=utf-8");
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(http::header::LOCATION, v);
    }
    r
}

/// A control-plane error: `{"error": {"message", "code"}}` with a 4xx status.
pub fn sim_error(status: u16, message: &str) -> Response<Body> {
    sim_json(
        status,
        &serde_json::json!({ "error": { "message": message, "status": status } }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_ids_are_deterministic_and_look_real() {
        let a = TraceIds::new(1);
        let b = TraceIds::new(1);
        let (x, y) = (a.next(), b.next());
        assert_eq!(x, y);
        assert_eq!(x.len(), 23);
        assert_ne!(a.next(), x);
    }
}
