//! Accept loop, hyper connections, graceful shutdown, and the in-process entry points
//! ([`Simulator::start`] on the caller's runtime, [`Simulator::spawn`] on its own thread).

use crate::config::Config;
use crate::http::request::RawRequest;
use crate::http::response::{graph_error, Body, TraceIds};
use crate::model::seed::WorldSeed;
use crate::sandbox::{Sandboxes, SeedWorld};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Shared by every connection.
pub struct State {
    pub sandboxes: Sandboxes,
    pub traces: TraceIds,
    /// The world `POST /_sim/sandboxes` uses when no body is given.
    pub default_world: SeedWorld,
    /// The webhook dispatcher's wake-up signal and per-sandbox send locks.
    pub webhooks: crate::webhooks::Dispatcher,
    /// World builds (sandbox creation and reset) running at once, on the blocking pool: at
    /// most one per core, so a burst of large worlds cannot multiply their memory.
    pub builds: tokio::sync::Semaphore,
}

/// The built-in demo world (`fixtures/seeds/demo.json`).
pub fn demo_world() -> WorldSeed {
    serde_json::from_str(include_str!("../../fixtures/seeds/demo.json")).expect("the bundled demo world is valid JSON")
}

/// A simulator ready to start: its configuration and the world of its `default` sandbox.
pub struct Simulator {
    pub config: Config,
    pub world: WorldSeed,
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
        let traces = TraceIds::new(self.config.seed);
        let default_world = SeedWorld::new(self.world);
        let sandboxes = Sandboxes::new(self.config, default_world.clone())?;
        Ok(Arc::new(State {
            sandboxes,
            traces,
            default_world,
            webhooks: crate::webhooks::Dispatcher::new(),
            builds: tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(1, usize::from)),
        }))
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
    let dispatcher = tokio::spawn(crate::webhooks::run(state.clone()));
    let reaper = tokio::spawn(reap_idle_sandboxes(state.clone()));
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let st = state.clone();
                let conn = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service_fn(move |req| {
                        let st = st.clone();
                        async move { Ok::<_, Infallible>(respond(&st, req).await) }
                    }));
                let watched = graceful.watch(conn);
                tokio::spawn(async move { let _ = watched.await; });
            }
            _ = &mut stop => break,
        }
    }
    drop(listener);
    dispatcher.abort();
    reaper.abort();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), graceful.shutdown()).await;
}

/// Deletes idle sandboxes ([`Sandboxes::reap_idle`]) every minute, or more often when the
/// idle time is shorter (so a sandbox goes at most a quarter of its idle time late).
async fn reap_idle_sandboxes(state: Arc<State>) {
    let idle = state.sandboxes.config.sandbox_idle_seconds;
    if idle == 0 {
        return;
    }
    let every = std::time::Duration::from_secs((idle / 4).clamp(1, 60));
    loop {
        tokio::time::sleep(every).await;
        state.sandboxes.reap_idle(crate::clock::os_now());
    }
}

async fn respond(state: &State, req: Request<Incoming>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let limit = state.sandboxes.config.max_body_bytes;
    let body = match Limited::new(body, limit).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            let e = crate::error::GraphError::body_too_large(limit);
            let now = crate::http::router::clock_of(state, None);
            let version = state.sandboxes.config.served_version(None, now);
            return graph_error(&e, version, &state.traces.next(), false);
        }
    };
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or("127.0.0.1")
        .to_string();
    let raw = RawRequest {
        method: parts.method,
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: parts.headers,
        body,
        base_url: format!("http://{host}"),
    };
    crate::http::router::handle(state, raw).await
}
