//! The webhook dispatcher: body encoding and signing as production does it, the verification
//! handshake, delivery with retries, and the background task that drives them (facts §6).
//!
//! With `media_fetch` this is the only code that opens connections. The world lock is never
//! held while sending: due deliveries are taken out under the lock, sent, and their results
//! recorded under the lock again.

use crate::config::Config;
use crate::error::GraphError;
use crate::model::webhook::Attempt;
use crate::sandbox::Sandbox;
use crate::server::State;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use http::{Method, Request, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::Notify;

/// Process-wide dispatcher state: a wake-up signal and one send lock per sandbox (so a flush
/// waits for a delivery the background task is sending, and nothing is sent twice at once).
#[derive(Default)]
pub struct Dispatcher {
    wake: Notify,
    locks: Mutex<BTreeMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Dispatcher {
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the background task to look for due deliveries now (after events, clock moves).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Drops a deleted sandbox's send lock (a sender still holding it keeps it until done).
    pub fn forget(&self, sandbox: &str) {
        self.locks.lock().unwrap_or_else(|e| e.into_inner()).remove(sandbox);
    }

    fn lock_for(&self, sandbox: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self.locks.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(sandbox.to_string()).or_default().clone()
    }
}

/// Serialises a payload as production does: compact JSON with every non-ASCII character
/// escaped as `\uXXXX` with lowercase hex (facts §6.2), astral ones as surrogate pairs.
pub fn encode_body(v: &Value) -> String {
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
pub fn signature_256(secret: &str, body: &[u8]) -> String {
    match Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(body);
            format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
        }
        Err(_) => String::new(),
    }
}

/// Legacy `X-Hub-Signature`: `sha1=` + hex HMAC-SHA1.
pub fn signature_sha1(secret: &str, body: &[u8]) -> String {
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
pub async fn handshake(url: &str, verify_token: &str, challenge: u64, timeout: Duration) -> Result<(), GraphError> {
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

/// Sends everything due in one sandbox now, aggregation windows cut short; waits for a send
/// already under way. Returns the number of changes attempted.
pub async fn flush(state: &State, sandbox: &Sandbox) -> usize {
    let lock = state.webhooks.lock_for(&sandbox.id);
    let _guard = lock.lock().await;
    send_due(&state.sandboxes.config, sandbox, true).await
}

/// Sends the POSTs due in one sandbox (`flush`: every due change now, without waiting for
/// the aggregation window). Returns the number of changes attempted.
async fn send_due(cfg: &Config, sandbox: &Sandbox, flush: bool) -> usize {
    let (batch, now, secret) = sandbox.with_world(|w, now| {
        w.webhook_tick(cfg, now);
        (w.take_due_webhooks(cfg, now, flush), now, w.app.secret.clone())
    });
    let timeout = Duration::from_millis(cfg.webhook_timeout_ms.max(1));
    let n = batch.iter().map(|p| p.deliveries.len()).sum();
    for out in batch {
        let body = encode_body(&out.payload);
        let mut headers = vec![
            ("content-type", "application/json".to_string()),
            ("x-hub-signature-256", signature_256(&secret, body.as_bytes())),
        ];
        if cfg.webhook_legacy_sha1_header {
            headers.push(("x-hub-signature", signature_sha1(&secret, body.as_bytes())));
        }
        let o = request(Method::POST, &out.url, &headers, Bytes::from(body), timeout).await;
        let attempt = Attempt {
            at: now,
            status: o.status,
            error: o.error.or_else(|| {
                o.status
                    .filter(|s| !(200..300).contains(s))
                    .map(|s| format!("callback answered HTTP {s}"))
            }),
            post: Some(out.post),
        };
        sandbox.with_world(|w, _| w.record_webhook_post(cfg, &out, attempt));
    }
    n
}

/// The background task: every half second (or when woken) generates background activity
/// if configured, and sends what has fallen due in each sandbox, one sender per sandbox.
pub async fn run(state: Arc<State>) {
    let cfg = state.sandboxes.config.clone();
    loop {
        tokio::select! {
            _ = state.webhooks.wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
        for id in state.sandboxes.ids() {
            let Some(sb) = state.sandboxes.get(&id) else { continue };
            let seed = crate::ids::stable_hash(&[&cfg.seed.to_le_bytes(), id.as_bytes()]);
            let due = sb.with_world(|w, now| {
                if cfg.activity_rate > 0.0 {
                    crate::model::events::activity(w, &cfg, cfg.activity_rate, seed, now, 100);
                }
                w.webhook_tick(&cfg, now);
                w.webhooks.has_due(now, cfg.webhook_batch_window_seconds)
            });
            if !due {
                continue;
            }
            let lock = state.webhooks.lock_for(&id);
            if let Ok(guard) = lock.try_lock_owned() {
                let (cfg, state) = (cfg.clone(), state.clone());
                tokio::spawn(async move {
                    let _guard = guard;
                    send_due(&cfg, &sb, false).await;
                    // The outbox's new state (nobody waits on it: a send whose result is lost
                    // is sent again after a restart).
                    if let Err(e) = state.persist(&sb).await {
                        tracing::error!(target: "igsim::state", sandbox = %sb.id, "{e}");
                    }
                });
            }
        }
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
