//! Accept loop, hyper connections, graceful shutdown, and the in-process entry points
//! ([`Simulator::start`] on the caller's runtime, [`Simulator::spawn`] on its own thread).

use crate::config::Config;
use crate::http::request::RawRequest;
use crate::http::response::{graph_error, Body, TraceIds};
use crate::model::seed::WorldSeed;
use crate::sandbox::Sandboxes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Shared by every connection.
pub struct State {
    pub sandboxes: Sandboxes,
    pub traces: TraceIds,
    /// The world `POST /_sim/sandboxes` uses when no body is given.
    pub default_world: WorldSeed,
    /// The webhook dispatcher's wake-up signal and per-sandbox send locks.
    pub webhooks: crate::webhooks::Dispatcher,
    /// World builds (sandbox creation and reset) running at once, on the blocking pool: at
    /// most one per core, so a burst of large worlds cannot multiply their memory.
    pub builds: tokio::sync::Semaphore,
    /// The state directory's writer (`--state-dir`); `None` keeps sandboxes in memory only.
    pub persister: Option<crate::persist::Persister>,
}

impl State {
    /// With a state directory: returns once the sandbox's latest changes are on disk (the
    /// durability point, `persist.rs`). Without one: at once.
    pub async fn persist(&self, sandbox: &Arc<crate::sandbox::Sandbox>) -> Result<(), String> {
        match &self.persister {
            Some(p) => p.persist(sandbox).await,
            None => Ok(()),
        }
    }

    /// With a state directory: removes a deleted sandbox's file.
    pub async fn forget(&self, id: &str) -> Result<(), String> {
        match &self.persister {
            Some(p) => p.remove(id).await,
            None => Ok(()),
        }
    }
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
        let traces = TraceIds::new(self.config.seed);
        let (sandboxes, persister) = match self.config.state_dir.clone() {
            Some(dir) => {
                let dir = crate::persist::StateDir::open(&dir)?;
                let restored = dir.load_all()?;
                let sandboxes = Sandboxes::with_restored(self.config, self.world.clone(), restored)?;
                (sandboxes, Some(crate::persist::Persister::new(dir)))
            }
            None => (Sandboxes::new(self.config, self.world.clone())?, None),
        };
        let state = Arc::new(State {
            sandboxes,
            traces,
            default_world: self.world,
            webhooks: crate::webhooks::Dispatcher::new(),
            builds: tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(1, usize::from)),
            persister,
        });
        // Every sandbox is on disk from the start (the default one may be new).
        if let Some(p) = &state.persister {
            for id in state.sandboxes.ids() {
                if let Some(sb) = state.sandboxes.get(&id) {
                    p.write_now(&sb)?;
                }
            }
        }
        Ok(state)
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
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let st = state.clone();
                let conn = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service_fn(move |req| {
                        let st = st.clone();
                        // An error closes the connection without an answer (a fault rule's drop).
                        async move { respond(&st, req).await }
                    }));
                let watched = graceful.watch(conn);
                tokio::spawn(async move { let _ = watched.await; });
            }
            _ = &mut stop => break,
        }
    }
    drop(listener);
    dispatcher.abort();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), graceful.shutdown()).await;
}

async fn respond(state: &State, req: Request<Incoming>) -> Result<Response<Body>, crate::http::exchange::Dropped> {
    let (parts, body) = req.into_parts();
    let limit = state.sandboxes.config.max_body_bytes;
    let body = match Limited::new(body, limit).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            let e = crate::error::GraphError::body_too_large(limit);
            let now = crate::http::router::clock_of(state, None);
            let version = state.sandboxes.config.served_version(None, now);
            return Ok(graph_error(&e, version, &state.traces.next(), false));
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
