//! Accept loop, hyper connections and their limits, graceful shutdown, and the in-process
//! entry points ([`Simulator::start`] on the caller's runtime, [`Simulator::spawn`] on its
//! own thread).
//!
//! What keeps one shared process up whatever its clients do (issue 13; `config/server.rs`):
//! a cap on open connections (the accept loop waits for room, and backs off on accept
//! errors such as running out of descriptors), hyper's head timeout (a slow head and an idle
//! kept-alive connection are closed), a head size limit, a stall timeout on reading bodies
//! and writing answers, a process-wide budget of buffered body bytes, an early `413` from
//! `Content-Length`, half-closed clients still answered, and hyper's own bare refusals
//! turned into Graph envelopes (`guard`).

mod guard;

use crate::app::{demo_world, State};
use crate::config::Config;
use crate::error::GraphError;
use crate::http::request::RawRequest;
use crate::http::response::{graph_error, Body};
use crate::model::seed::WorldSeed;
use bytes::{Bytes, BytesMut};
use futures_util::FutureExt;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, OwnedSemaphorePermit};

/// A simulator ready to start: its configuration and the world of its `default` sandbox.
pub struct Simulator {
    pub(crate) config: Config,
    pub(crate) world: WorldSeed,
}

/// A running simulator; dropping it (or [`Running::shutdown`]) stops it gracefully.
pub struct Running {
    addr: SocketAddr,
    pub state: Arc<State>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A sandbox by id, for in-process tests: its request journal
    /// ([`crate::sandbox::Sandbox::requests`], `request_count`, `clear_requests`), fault rules
    /// (`with_faults`), world and clock, without HTTP.
    pub fn sandbox(&self, id: &str) -> Option<Arc<crate::sandbox::Sandbox>> {
        self.state.sandboxes.get(id)
    }

    /// Stops accepting, lets in-flight requests finish, and waits (thread mode).
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }

    /// Graceful stop on the caller's runtime: stop accepting, let in-flight requests
    /// finish (up to 5 s), then return.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Simulator {
    /// The demo world with the given configuration.
    pub fn new(config: Config) -> Self {
        Simulator {
            config,
            world: demo_world(),
        }
    }

    pub fn with_world(mut self, world: WorldSeed) -> Self {
        self.world = world;
        self
    }

    fn state(self) -> Result<Arc<State>, String> {
        State::new(self.config, self.world).map(Arc::new)
    }

    /// Binds `addr` and serves on the current tokio runtime until shut down.
    pub async fn start(self, addr: SocketAddr) -> std::io::Result<Running> {
        let state = self.state().map_err(std::io::Error::other)?;
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(serve(listener, state.clone(), rx));
        Ok(Running {
            addr,
            state,
            stop: Some(tx),
            thread: None,
            task: Some(task),
        })
    }

    /// Serves on 127.0.0.1 (port 0 = any free port) from a thread of its own with its own
    /// runtime, for tests and tools that are not async.
    pub fn spawn(self, port: u16) -> std::io::Result<Running> {
        let state = self.state().map_err(std::io::Error::other)?;
        let std_listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let (tx, rx) = oneshot::channel();
        let st = state.clone();
        let thread = std::thread::Builder::new().name("igsim".into()).spawn(move || {
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(_) => return,
            };
            rt.block_on(async move {
                if let Ok(listener) = TcpListener::from_std(std_listener) {
                    serve(listener, st, rx).await;
                }
            });
        })?;
        Ok(Running {
            addr,
            state,
            stop: Some(tx),
            thread: Some(thread),
            task: None,
        })
    }
}

async fn serve(listener: TcpListener, state: Arc<State>, mut stop: oneshot::Receiver<()>) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let dispatcher = tokio::spawn(crate::app::dispatcher::run(state.clone()));
    let reaper = tokio::spawn(reap_idle_sandboxes(state.clone()));
    let flusher = tokio::spawn(flush_state(state.clone()));
    let cfg = state.sandboxes.config.server.clone();
    let mut http1 = hyper::server::conn::http1::Builder::new();
    http1
        .timer(TokioTimer::new())
        .header_read_timeout(cfg.head_timeout())
        .max_header_size(cfg.max_head_bytes)
        .max_buf_size(cfg.max_head_bytes.max(8192) + 8192)
        .half_close(true);
    // Accept errors (out of descriptors, out of memory) are retried after a pause that
    // doubles up to a second, instead of spinning on them.
    let mut backoff = ACCEPT_BACKOFF_MIN;
    loop {
        // At the connection cap, wait for one to close before accepting: new clients queue
        // in the kernel's listen backlog meanwhile.
        let permit = tokio::select! {
            p = state.connections.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            _ = &mut stop => break,
        };
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = &mut stop => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => {
                backoff = ACCEPT_BACKOFF_MIN;
                stream
            }
            Err(_) => {
                drop(permit);
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = &mut stop => break,
                }
                backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let st = state.clone();
        let answers = state.clone();
        let io = guard::GuardedIo::new(
            stream,
            cfg.io_stall_timeout(),
            Box::new(move |status| transport_answer(&answers, status)),
        );
        let conn = http1.serve_connection(
            TokioIo::new(io),
            service_fn(move |req| {
                let st = st.clone();
                // An error closes the connection without an answer (a fault rule's drop).
                async move { respond(&st, req).await }
            }),
        );
        let watched = graceful.watch(conn);
        let counted = state.clone();
        counted.open_connections.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            let _ = watched.await;
            counted.open_connections.fetch_sub(1, Ordering::Relaxed);
            drop(permit);
        });
    }
    drop(listener);
    dispatcher.abort();
    reaper.abort();
    flusher.abort();
    let _ = tokio::time::timeout(Duration::from_secs(5), graceful.shutdown()).await;
    // What reads changed and no write took to disk yet (`app/persister.rs`).
    state.flush_pending().await;
}

/// With a state directory, writes the bookkeeping of reads (`app/persister.rs`) every
/// `Config::state_flush_ms` (0: never; a graceful stop still does).
async fn flush_state(state: Arc<State>) {
    let every = state.sandboxes.config.state_flush_ms;
    if state.persister.is_none() || every == 0 {
        return;
    }
    loop {
        tokio::time::sleep(Duration::from_millis(every)).await;
        state.flush_pending().await;
    }
}

/// Deletes idle sandboxes ([`crate::sandbox::Sandboxes::reap_idle`]) every minute, or more
/// often when the idle time is shorter (so a sandbox goes at most a quarter of its idle time
/// late), with their webhook sends and, with a state directory, their files.
async fn reap_idle_sandboxes(state: Arc<State>) {
    let idle = state.sandboxes.config.sandbox_idle_seconds;
    if idle == 0 {
        return;
    }
    let every = Duration::from_secs((idle / 4).clamp(1, 60));
    loop {
        tokio::time::sleep(every).await;
        for sb in state.sandboxes.reap_idle(crate::clock::os_now()) {
            let id = &sb.id;
            // As `DELETE /_sim/sandboxes/{id}`: its webhook sends and its state file go too.
            state.webhooks.forget(id);
            if let Err(e) = state.forget(&sb).await {
                tracing::error!(target: "igsim::state", sandbox = %id, "{e}");
            }
            tracing::info!(target: "igsim::control", sandbox = %id, "idle sandbox reclaimed");
        }
    }
}

const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(5);
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);

/// The Graph answer, as bytes on the wire, that replaces hyper's bare refusal of a request it
/// could not parse (`guard`): `414`, `431` or `400` with the envelope, then the connection
/// closes.
fn transport_answer(state: &State, status: u16) -> Bytes {
    let cfg = &state.sandboxes.config;
    let e = match status {
        414 => GraphError::uri_too_long(),
        431 => GraphError::head_too_large(cfg.server.max_head_bytes),
        _ => GraphError::malformed_http(),
    };
    let trace = state.traces.next();
    let resp = graph_error(&e, unversioned(state), &trace, false);
    let mut wire = format!(
        "HTTP/1.1 {} {}\r\n",
        resp.status().as_u16(),
        resp.status().canonical_reason().unwrap_or("")
    );
    let body = serde_json::to_vec(&crate::http::response::error_body(&e, &trace)).unwrap_or_default();
    for (name, value) in resp.headers() {
        if let Ok(v) = value.to_str() {
            wire.push_str(&format!("{name}: {v}\r\n"));
        }
    }
    wire.push_str(&format!("content-length: {}\r\nconnection: close\r\n\r\n", body.len()));
    let mut out = wire.into_bytes();
    out.extend_from_slice(&body);
    Bytes::from(out)
}

/// The version answers before a request is parsed carry: what a request without a version
/// is served (as the router does for a path it cannot parse).
fn unversioned(state: &State) -> crate::config::ApiVersion {
    let now = state.clock_of(None);
    state.sandboxes.config.served_version(None, now)
}

/// A request body read whole, with the budget permits its bytes hold until the answer is
/// built.
struct ReadBody {
    bytes: Bytes,
    _held: Option<OwnedSemaphorePermit>,
}

/// Reads a body within `max_body_bytes`, the process's byte budget and the stall timeout.
/// A `Content-Length` over the limit is refused before anything is read, and a declared
/// length takes its budget at once (so requests never each hold part of what they need).
async fn read_body(state: &State, declared: Option<u64>, mut body: Incoming) -> Result<ReadBody, GraphError> {
    let cfg = &state.sandboxes.config;
    let limit = cfg.max_body_bytes;
    let stall = cfg.server.io_stall_timeout();
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(GraphError::body_too_large(limit));
    }
    let wait = cfg.server.body_budget_wait();
    let take = |n: usize| {
        let budget = state.body_budget.clone();
        async move {
            match tokio::time::timeout(wait, budget.acquire_many_owned(n as u32)).await {
                Ok(Ok(p)) => Ok(p),
                _ => Err(GraphError::overloaded()),
            }
        }
    };
    let mut held = match declared {
        Some(n) if n > 0 => Some(take(n as usize).await?),
        _ => None,
    };
    let mut buf = BytesMut::new();
    loop {
        let frame = match tokio::time::timeout(stall, body.frame()).await {
            Err(_) => return Err(GraphError::body_timeout(stall.as_secs())),
            Ok(None) => break,
            Ok(Some(Err(_))) => return Err(GraphError::malformed_body("the body ended early or was malformed")),
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else { continue };
        if buf.len() + data.len() > limit {
            return Err(GraphError::body_too_large(limit));
        }
        let covered = held.as_ref().map_or(0, |p| p.num_permits());
        let more = (buf.len() + data.len()).saturating_sub(covered);
        if more > 0 {
            let permit = take(more).await?;
            match held.as_mut() {
                Some(h) => h.merge(permit),
                None => held = Some(permit),
            }
        }
        buf.extend_from_slice(&data);
    }
    Ok(ReadBody {
        bytes: buf.freeze(),
        _held: held,
    })
}

async fn respond(state: &State, req: Request<Incoming>) -> Result<Response<Body>, crate::http::exchange::Dropped> {
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let body = match read_body(state, declared, body).await {
        Ok(b) => b,
        Err(e) => {
            let mut r = graph_error(&e, unversioned(state), &state.traces.next(), false);
            // What was not read is not drained: the connection closes after this answer.
            r.headers_mut()
                .insert(http::header::CONNECTION, http::HeaderValue::from_static("close"));
            return Ok(r);
        }
    };
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or("127.0.0.1");
    let mut base_url = String::with_capacity("http://".len() + host.len());
    base_url.push_str("http://");
    base_url.push_str(host);
    let raw = RawRequest {
        method: parts.method,
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: parts.headers,
        body: body.bytes.clone(),
        base_url,
    };
    let answer = caught(state, crate::http::exchange::handle(state, raw)).await;
    drop(body);
    answer
}

/// The answer `handler` builds, or, when it panics (a bug: the panic is reported on stderr),
/// production's `(#1)` unknown error ([`GraphError::api_unknown`]): a handler's failure costs
/// its request an answer, not the connection. The world lock recovers from the poisoning
/// (`sandbox::lock`).
async fn caught<E>(
    state: &State,
    handler: impl std::future::Future<Output = Result<Response<Body>, E>>,
) -> Result<Response<Body>, E> {
    std::panic::AssertUnwindSafe(handler)
        .catch_unwind()
        .await
        .unwrap_or_else(|_| {
            Ok(graph_error(
                &GraphError::api_unknown(),
                unversioned(state),
                &state.traces.next(),
                false,
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_handler_that_panics_costs_its_request_an_unknown_error_not_the_connection() {
        let state = State::new(Config::default(), WorldSeed::default()).expect("an empty world builds");
        fn handler_bug() -> Response<Body> {
            panic!("a handler bug")
        }
        let r = caught(&state, async { Ok::<_, ()>(handler_bug()) })
            .await
            .expect("an answer");
        assert_eq!(r.status(), 500);
        let body = http_body_util::BodyExt::collect(r.into_body())
            .await
            .expect("a full body")
            .to_bytes();
        let v: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(v["error"]["code"], 1);
        assert_eq!(v["error"]["message"], "An unknown error has occurred.");
        assert_eq!(v["error"]["type"], "OAuthException");
        assert!(
            v["error"].get("is_transient").is_none(),
            "production's code-1 bodies carry none"
        );
    }
}
