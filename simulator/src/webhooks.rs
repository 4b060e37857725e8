//! The webhook dispatcher: body encoding and signing as production does it, the verification
//! handshake, delivery with retries, and the background task that drives them (facts §6).
//!
//! With `media_fetch` this is the only code that opens connections. The world lock is never
//! held while sending: due deliveries are taken out under the lock, sent, and their results
//! recorded under the lock again.

use crate::config::Config;
use crate::error::GraphError;
use crate::model::webhook::{Attempt, Outgoing};
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

/// Process-wide dispatcher state: a wake-up signal and, per sandbox, what bounds and tracks
/// its sends ([`Sends`]).
#[derive(Default)]
pub struct Dispatcher {
    wake: Notify,
    sandboxes: Mutex<BTreeMap<String, Arc<Sends>>>,
}

/// One sandbox's sends. A delivery is taken out for sending under the world lock (marked in
/// flight), so nothing is sent twice; `room` bounds how many POSTs go out at once; every
/// round of sends holds `running` for reading, so a flush that gets it for writing knows
/// every send of the sandbox, its own and the background's, has ended.
pub struct Sends {
    room: Arc<tokio::sync::Semaphore>,
    running: Arc<tokio::sync::RwLock<()>>,
}

impl Dispatcher {
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the background task to look for due deliveries now (after events, clock moves).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Drops a deleted sandbox's send state (sends under way keep theirs until done).
    pub fn forget(&self, sandbox: &str) {
        self.sandboxes.lock().unwrap_or_else(|e| e.into_inner()).remove(sandbox);
    }

    fn sends_for(&self, sandbox: &str, cfg: &Config) -> Arc<Sends> {
        let mut map = self.sandboxes.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(sandbox.to_string())
            .or_insert_with(|| {
                Arc::new(Sends {
                    room: Arc::new(tokio::sync::Semaphore::new(cfg.webhook_concurrency.max(1))),
                    running: Arc::default(),
                })
            })
            .clone()
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

/// What one `flush` did: how many changes (deliveries) it attempted, and whether every send of the
/// sandbox finished within `Config::webhook_flush_wait_ms` (if not, the rest finish in the
/// background).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flushed {
    pub attempted: usize,
    pub complete: bool,
}

/// Sends everything due in one sandbox now, aggregation windows cut short (at most
/// `webhook_concurrency` POSTs at a time), and waits until every send of the sandbox has ended, including the background's, but at
/// most `webhook_flush_wait_ms`: a receiver that accepts and never answers costs one flush
/// that long, not a timeout per delivery.
pub async fn flush(state: &State, sandbox: &Arc<Sandbox>) -> Flushed {
    let cfg = Arc::new(state.sandboxes.config.clone());
    let sends = state.webhooks.sends_for(&sandbox.id, &cfg);
    let wait = Duration::from_millis(cfg.webhook_flush_wait_ms);
    let mut attempted = 0;
    let all_ended = async {
        let round = sends.running.clone().read_owned().await;
        let batch = take_due(&cfg, sandbox, true);
        attempted = batch.iter().map(|(_, _, post)| post.deliveries.len()).sum();
        tokio::spawn(send_all(cfg.clone(), sandbox.clone(), sends.clone(), round, batch));
        let _ended = sends.running.write().await;
    };
    let complete = tokio::time::timeout(wait, all_ended).await.is_ok();
    Flushed { attempted, complete }
}

/// Takes the POSTs due in one sandbox out for sending (their changes marked in flight;
/// `flush`: every due change now, without waiting for the aggregation window).
fn take_due(cfg: &Config, sandbox: &Sandbox, flush: bool) -> Vec<(i64, String, Outgoing)> {
    sandbox.with_world(|w, now| {
        w.webhook_tick(cfg, now);
        let secret = w.app.secret.clone();
        w.take_due_webhooks(cfg, now, flush)
            .into_iter()
            .map(|out| (now, secret.clone(), out))
            .collect()
    })
}

/// Sends a round, within the sandbox's `room`, recording each result as it comes; `round`
/// (a read hold on [`Sends::running`]) is released when all have ended.
async fn send_all(
    cfg: Arc<Config>,
    sandbox: Arc<Sandbox>,
    sends: Arc<Sends>,
    round: tokio::sync::OwnedRwLockReadGuard<()>,
    batch: Vec<(i64, String, Outgoing)>,
) {
    let mut tasks = tokio::task::JoinSet::new();
    for (now, secret, out) in batch {
        let (cfg, sandbox, room) = (cfg.clone(), sandbox.clone(), sends.room.clone());
        tasks.spawn(async move {
            let _slot = room.acquire_owned().await;
            send_one(&cfg, &sandbox, now, &secret, out).await;
        });
    }
    while tasks.join_next().await.is_some() {}
    let kept = cfg.webhook_deliveries_kept;
    sandbox.with_world(|w, _| w.webhooks.forget_finished(kept));
    drop(round);
}

/// Sends one POST, signed, and records the attempt for every change it carried.
async fn send_one(cfg: &Config, sandbox: &Sandbox, now: i64, secret: &str, out: Outgoing) {
    let timeout = Duration::from_millis(cfg.webhook_timeout_ms.max(1));
    let body = encode_body(&out.payload);
    let mut headers = vec![
        ("content-type", "application/json".to_string()),
        ("x-hub-signature-256", signature_256(secret, body.as_bytes())),
    ];
    if cfg.webhook_legacy_sha1_header {
        headers.push(("x-hub-signature", signature_sha1(secret, body.as_bytes())));
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

/// The background task: every half second (or when woken) generates background activity
/// if configured, and sends what has fallen due in each sandbox.
pub async fn run(state: Arc<State>) {
    let cfg = Arc::new(state.sandboxes.config.clone());
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
            let (cfg, sends) = (cfg.clone(), state.webhooks.sends_for(&id, &cfg));
            tokio::spawn(async move {
                let round = sends.running.clone().read_owned().await;
                let batch = take_due(&cfg, &sb, false);
                send_all(cfg, sb, sends, round, batch).await;
            });
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
