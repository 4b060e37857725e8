//! The application's shared state, a handle every request holds: the sandboxes, the trace-id
//! generator, the default seed world, the webhook dispatcher, and the process's bounded
//! resources (world builds, connections, buffered body bytes). It knows nothing of HTTP;
//! `http` serves requests against it and `server` owns connections.

pub(crate) mod dispatcher;
pub(crate) mod persister;
pub(crate) mod sends;

use crate::config::Config;
use crate::ids::TraceIds;
use crate::model::seed::WorldSeed;
use crate::sandbox::{Sandboxes, SeedWorld, DEFAULT_SANDBOX};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Shared by every connection.
pub struct State {
    pub sandboxes: Sandboxes,
    pub(crate) traces: TraceIds,
    /// The world `POST /_sim/sandboxes` uses when no body is given.
    pub(crate) default_world: SeedWorld,
    /// The webhook dispatcher's wake-up signal and per-sandbox send locks.
    pub(crate) webhooks: sends::Dispatcher,
    /// World builds (sandbox creation and reset) running at once, on the blocking pool: at
    /// most one per core, so a burst of large worlds cannot multiply their memory.
    pub(crate) builds: Semaphore,
    /// One permit per connection that may be open (`ServerConfig::max_connections`); the
    /// accept loop holds one while it waits for the next connection.
    pub(crate) connections: Arc<Semaphore>,
    /// Connections open now.
    pub(crate) open_connections: AtomicUsize,
    /// One permit per request body byte that may be buffered (`ServerConfig::body_budget_bytes`).
    pub(crate) body_budget: Arc<Semaphore>,
    /// The state directory's writer (`--state-dir`); `None` keeps sandboxes in memory only.
    pub(crate) persister: Option<crate::app::persister::Persister>,
}

impl State {
    /// What a media download may buffer: room in the process's body budget, waited for as a
    /// request body waits (`ServerConfig::body_budget_wait_ms`).
    pub(crate) fn fetch_budget(&self) -> crate::io::media_fetch::Budget {
        crate::io::media_fetch::Budget {
            bytes: self.body_budget.clone(),
            wait: self.sandboxes.config.server.body_budget_wait(),
        }
    }

    /// The state of a process serving `config`, its `default` sandbox built from `world`;
    /// with `Config::state_dir`, the sandboxes kept there restored first, and every sandbox on
    /// disk before the first request.
    pub(crate) fn new(config: Config, world: WorldSeed) -> Result<Self, String> {
        let traces = TraceIds::new(config.seed);
        let connections = Arc::new(Semaphore::new(
            config.server.max_connections.clamp(1, Semaphore::MAX_PERMITS),
        ));
        let body_budget = Arc::new(Semaphore::new(body_budget(&config)));
        let default_world = SeedWorld::new(world);
        let (sandboxes, persister) = match config.state_dir.clone() {
            Some(dir) => {
                let dir = crate::io::state_dir::StateDir::open(&dir)?;
                let restored = dir.load_all()?;
                let sandboxes = Sandboxes::with_restored(config, default_world.clone(), restored)?;
                let persister = crate::app::persister::Persister::new(dir);
                for id in sandboxes.ids() {
                    if let Some(sb) = sandboxes.get(&id) {
                        persister.write_now(&sb)?;
                    }
                }
                (sandboxes, Some(persister))
            }
            None => (Sandboxes::new(config, default_world.clone())?, None),
        };
        Ok(State {
            sandboxes,
            traces,
            default_world,
            webhooks: sends::Dispatcher::new(),
            builds: Semaphore::new(std::thread::available_parallelism().map_or(1, usize::from)),
            connections,
            open_connections: AtomicUsize::new(0),
            body_budget,
            persister,
        })
    }

    /// With a state directory: returns once the sandbox's world and clock as they are now
    /// are on disk, at once when they did not change (the durability point of an API call,
    /// `app/persister.rs`). Without one: at once.
    pub(crate) async fn persist(&self, sandbox: &Arc<crate::sandbox::Sandbox>) -> Result<(), String> {
        match &self.persister {
            Some(p) => p.persist(sandbox).await,
            None => Ok(()),
        }
    }

    /// With a state directory: returns once the whole sandbox, bookkeeping included, is on
    /// disk (control-plane changes; `app/persister.rs`). Without one: at once.
    pub(crate) async fn persist_all(&self, sandbox: &Arc<crate::sandbox::Sandbox>) -> Result<(), String> {
        match &self.persister {
            Some(p) => p.persist_all(sandbox).await,
            None => Ok(()),
        }
    }

    /// With a state directory: returns once every sandbox whose world or clock changed is
    /// on disk (a batch's durability point: its operations may name other sandboxes,
    /// `app/persister.rs`). Without one: at once.
    pub(crate) async fn persist_changed(&self) -> Result<(), String> {
        match &self.persister {
            Some(p) => crate::app::persister::persist_changed(p, &self.sandboxes).await,
            None => Ok(()),
        }
    }

    /// With a state directory: writes the sandboxes whose bookkeeping is not on disk yet
    /// (the periodic flush and a graceful stop, `app/persister.rs`).
    pub(crate) async fn flush_pending(&self) {
        if let Some(p) = &self.persister {
            crate::app::persister::flush_pending(p, &self.sandboxes).await;
        }
    }

    /// With a state directory: removes a deleted sandbox's file (no write of it comes after).
    pub(crate) async fn forget(&self, sandbox: &Arc<crate::sandbox::Sandbox>) -> Result<(), String> {
        match &self.persister {
            Some(p) => p.remove(sandbox).await,
            None => Ok(()),
        }
    }

    /// With a state directory: no more writes of a sandbox another replaced (its file is
    /// the replacement's now).
    pub(crate) async fn retire(&self, sandbox: &Arc<crate::sandbox::Sandbox>) {
        if let Some(p) = &self.persister {
            p.retire(sandbox).await;
        }
    }

    /// What `/_sim/health` reports about the process's bounded resources: each in use and
    /// its limit; with a state directory, the snapshots written to it since start.
    pub fn usage(&self) -> serde_json::Value {
        let cfg = &self.sandboxes.config;
        let used = |sem: &Semaphore, max: usize| max.saturating_sub(sem.available_permits());
        let mut usage = serde_json::json!({
            "connections": { "open": self.open_connections.load(Ordering::Relaxed), "max": cfg.server.max_connections },
            "body_bytes": { "buffered": used(&self.body_budget, body_budget(cfg)), "max": body_budget(cfg) },
            "sandboxes": { "count": self.sandboxes.ids().len(), "max": cfg.max_sandboxes },
            "tokens_indexed": self.sandboxes.indexed_tokens(),
            "cdn_bytes": { "kept": self.sandboxes.cdn_kept(), "max": cfg.cdn.max_kept_process_bytes },
        });
        if let Some(p) = &self.persister {
            usage["state_writes"] = p.writes().into();
        }
        usage
    }

    /// The sandbox time of the sandbox `token` belongs to, or of the default sandbox when the
    /// token reaches none (what dates a request before it is authenticated).
    pub(crate) fn clock_of(&self, token: Option<&str>) -> i64 {
        token
            .and_then(|t| self.sandboxes.by_token(t))
            .or_else(|| self.sandboxes.get(DEFAULT_SANDBOX))
            .map_or_else(crate::clock::os_now, |s| s.now())
    }
}

/// The buffered-body budget: the configured one, but never less than one largest body.
fn body_budget(cfg: &Config) -> usize {
    cfg.server
        .body_budget_bytes
        .max(cfg.max_body_bytes)
        .min(Semaphore::MAX_PERMITS)
}

/// The built-in demo world (`fixtures/seeds/demo.json`).
pub fn demo_world() -> WorldSeed {
    serde_json::from_str(include_str!("../../fixtures/seeds/demo.json")).expect("the bundled demo world is valid JSON")
}
