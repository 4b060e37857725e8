//! Webhooks on the wire: body encoding and signing as production does it, the verification
//! handshake, and sending one batched POST (facts §6). The retry schedule and the outbox are
//! `model::webhook`; the task that takes due POSTs out of each sandbox is `app::dispatcher`.

use crate::config::Config;
use crate::error::GraphError;
use crate::model::webhook::{Attempt, Entry, Event, Outgoing};
use bytes::Bytes;
use hmac::{Hmac, Mac};
use http::{Method, Request, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use serde_json::{json, Map, Value};
use std::time::Duration;
use tokio::net::TcpStream;

/// The `value` of one change, in production's key order (facts §6.3; guide "Set Up Webhooks
/// for Instagram" samples).
pub(crate) fn value_json(event: &Event) -> Value {
    match event {
        Event::Comment {
            id,
            parent,
            text,
            from,
            from_username,
            media,
            media_product_type,
            ..
        } => {
            let mut v = Map::new();
            v.insert(
                "from".into(),
                json!({ "id": from.to_string(), "username": from_username }),
            );
            v.insert(
                "media".into(),
                json!({ "id": media.to_string(), "media_product_type": media_product_type }),
            );
            v.insert("id".into(), json!(id.to_string()));
            if let Some(p) = parent {
                v.insert("parent_id".into(), json!(p.to_string()));
            }
            v.insert("text".into(), json!(text));
            Value::Object(v)
        }
        Event::CommentMention { comment, media } => {
            json!({ "comment_id": comment.to_string(), "media_id": media.to_string() })
        }
        Event::CaptionMention { media } => json!({ "media_id": media.to_string() }),
        Event::StoryInsights { media, metrics } => {
            let mut v = Map::new();
            v.insert("media_id".into(), json!(media.to_string()));
            for (k, n) in metrics {
                v.insert((*k).into(), json!(n));
            }
            Value::Object(v)
        }
    }
}

/// A webhook body `{"object":"instagram","entry":[{"id","time","changes":[{"field","value"}]}]}`
/// of the given entries (facts §6.3).
pub(crate) fn batch_json(entries: &[Entry]) -> Value {
    let entries: Vec<Value> = entries
        .iter()
        .map(|e| {
            let changes: Vec<Value> = e
                .changes
                .iter()
                .map(|c| json!({ "field": c.field(), "value": value_json(c) }))
                .collect();
            json!({ "id": e.ig_user.to_string(), "time": e.time, "changes": changes })
        })
        .collect();
    json!({ "object": "instagram", "entry": entries })
}

/// Serialises a payload as production does: compact JSON with every non-ASCII character
/// escaped as `\uXXXX` with lowercase hex (facts §6.2), astral ones as surrogate pairs.
pub(crate) fn encode_body(v: &Value) -> String {
    struct Escaping;
    impl serde_json::ser::Formatter for Escaping {
        fn write_string_fragment<W: ?Sized + std::io::Write>(
            &mut self,
            w: &mut W,
            fragment: &str,
        ) -> std::io::Result<()> {
            for c in fragment.chars() {
                if c.is_ascii() {
                    w.write_all(&[c as u8])?;
                } else {
                    let mut units = [0u16; 2];
                    for u in c.encode_utf16(&mut units) {
                        write!(w, "\\u{u:04x}")?;
                    }
                }
            }
            Ok(())
        }
    }
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, Escaping);
    if serde::Serialize::serialize(v, &mut ser).is_err() {
        return "{}".into();
    }
    // Only ASCII was written.
    String::from_utf8(out).unwrap_or_default()
}

/// `X-Hub-Signature-256`: `sha256=` + hex HMAC-SHA256 of the exact body, keyed by the app secret.
pub(crate) fn signature_256(secret: &str, body: &[u8]) -> String {
    match Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(body);
            format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
        }
        Err(_) => String::new(),
    }
}

/// Legacy `X-Hub-Signature`: `sha1=` + hex HMAC-SHA1.
pub(crate) fn signature_sha1(secret: &str, body: &[u8]) -> String {
    match Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(body);
            format!("sha1={}", hex::encode(mac.finalize().into_bytes()))
        }
        Err(_) => String::new(),
    }
}

/// What came back from one HTTP request: a status and body, or a transport error.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Option<u16>,
    pub body: String,
    pub error: Option<String>,
}

impl Outcome {
    fn failed(e: impl Into<String>) -> Self {
        Outcome {
            status: None,
            body: String::new(),
            error: Some(e.into()),
        }
    }
}

/// Checks a callback URL is one igsim can call: `http://host[:port]/…` (no TLS offline).
pub fn check_url(url: &str) -> Result<Uri, String> {
    let uri: Uri = url.parse().map_err(|_| format!("{url:?} is not a valid URL"))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some("https") => return Err("igsim makes no TLS connections offline: use an http:// callback URL".into()),
        _ => return Err(format!("{url:?} is not an http URL")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(format!("{url:?} has no host"));
    }
    Ok(uri)
}

/// One HTTP/1.1 request with a wall-clock timeout; never panics.
pub async fn request(method: Method, url: &str, headers: &[(&str, String)], body: Bytes, timeout: Duration) -> Outcome {
    match tokio::time::timeout(timeout, request_inner(method, url, headers, body)).await {
        Ok(o) => o,
        Err(_) => Outcome::failed(format!("timed out after {} ms", timeout.as_millis())),
    }
}

async fn request_inner(method: Method, url: &str, headers: &[(&str, String)], body: Bytes) -> Outcome {
    let uri = match check_url(url) {
        Ok(u) => u,
        Err(e) => return Outcome::failed(e),
    };
    let host = uri
        .host()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = uri.port_u16().unwrap_or(80);
    let stream = match TcpStream::connect((host.as_str(), port)).await {
        Ok(s) => s,
        Err(e) => return Outcome::failed(format!("connect to {host}:{port} failed: {e}")),
    };
    let (mut sender, conn) = match hyper::client::conn::http1::handshake(TokioIo::new(stream)).await {
        Ok(x) => x,
        Err(e) => return Outcome::failed(format!("HTTP handshake failed: {e}")),
    };
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
    let authority = uri.authority().map_or(host.clone(), |a| a.to_string());
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header(http::header::HOST, authority)
        .header(http::header::USER_AGENT, "facebookexternalua");
    for (k, v) in headers {
        builder = builder.header(*k, v.as_str());
    }
    let req = match builder.body(Full::new(body)) {
        Ok(r) => r,
        Err(e) => return Outcome::failed(format!("bad request: {e}")),
    };
    let resp = match sender.send_request(req).await {
        Ok(r) => r,
        Err(e) => return Outcome::failed(format!("request failed: {e}")),
    };
    let status = resp.status().as_u16();
    let body = match Limited::new(resp.into_body(), 64 * 1024).collect().await {
        Ok(b) => String::from_utf8_lossy(&b.to_bytes()).into_owned(),
        Err(_) => String::new(),
    };
    Outcome {
        status: Some(status),
        body,
        error: None,
    }
}

/// The verification request (facts §6.1): `GET callback?hub.mode=subscribe&hub.challenge=N
/// &hub.verify_token=T`; the callback must answer 200 with the bare challenge.
pub(crate) async fn handshake(
    url: &str,
    verify_token: &str,
    challenge: u64,
    timeout: Duration,
) -> Result<(), GraphError> {
    check_url(url).map_err(GraphError::invalid_callback_url)?;
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("hub.mode", "subscribe")
        .append_pair("hub.challenge", &challenge.to_string())
        .append_pair("hub.verify_token", verify_token)
        .finish();
    let sep = if url.contains('?') { '&' } else { '?' };
    let full = format!("{url}{sep}{query}");
    let out = request(Method::GET, &full, &[], Bytes::new(), timeout).await;
    match (out.status, out.error) {
        (_, Some(e)) => Err(GraphError::callback_verification_failed(&e, 0)),
        (Some(200), None) if out.body.trim() == challenge.to_string() => Ok(()),
        (Some(200), None) => Err(GraphError::challenge_mismatch(challenge, &out.body)),
        (Some(s), None) => Err(GraphError::callback_verification_failed("", s)),
        (None, None) => Err(GraphError::callback_verification_failed("no response", 0)),
    }
}

/// Sends one batched POST to its callback, signed with the app secret, and says how it went
/// (the time is the sandbox's `now`, when the POST was taken out).
pub(crate) async fn send(cfg: &Config, out: &Outgoing, secret: &str, now: i64) -> Attempt {
    let timeout = Duration::from_millis(cfg.webhooks.timeout_ms.max(1));
    let body = encode_body(&batch_json(&out.entries));
    let mut headers = vec![
        ("content-type", "application/json".to_string()),
        ("x-hub-signature-256", signature_256(secret, body.as_bytes())),
    ];
    if cfg.webhooks.legacy_sha1_header {
        headers.push(("x-hub-signature", signature_sha1(secret, body.as_bytes())));
    }
    let o = request(Method::POST, &out.url, &headers, Bytes::from(body), timeout).await;
    Attempt {
        at: now,
        status: o.status,
        error: o.error.or_else(|| {
            o.status
                .filter(|s| !(200..300).contains(s))
                .map(|s| format!("callback answered HTTP {s}"))
        }),
        post: Some(out.post),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn non_ascii_is_escaped_with_lowercase_hex_like_production() {
        let v = json!({ "text": "äöå 😍 \"q\"", "n": 1 });
        assert_eq!(
            encode_body(&v),
            r#"{"text":"\u00e4\u00f6\u00e5 \ud83d\ude0d \"q\"","n":1}"#
        );
    }

    #[test]
    fn signatures_are_prefixed_hex_hmacs() {
        // RFC 4231 test case 2 for HMAC-SHA256.
        assert_eq!(
            signature_256("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            signature_sha1("Jefe", b"what do ya want for nothing?"),
            "sha1=effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
    }

    #[test]
    fn only_plain_http_callbacks_are_reachable() {
        assert!(check_url("http://127.0.0.1:9000/hook").is_ok());
        assert!(check_url("https://example.com/hook").is_err());
        assert!(check_url("not a url").is_err());
    }
}
