//! The application's shared state, a handle every request holds: the sandboxes, the trace-id
//! generator, the default seed world, the webhook dispatcher and the world-build limit. It
//! knows nothing of HTTP; `http` serves requests against it and `server` owns connections.

pub mod dispatcher;

use crate::config::Config;
use crate::ids::TraceIds;
use crate::model::seed::WorldSeed;
use crate::sandbox::{Sandboxes, DEFAULT_SANDBOX};

/// Shared by every connection.
pub struct State {
    pub sandboxes: Sandboxes,
    pub traces: TraceIds,
    /// The world `POST /_sim/sandboxes` uses when no body is given.
    pub default_world: WorldSeed,
    /// The webhook dispatcher's wake-up signal and per-sandbox send locks.
    pub webhooks: dispatcher::Dispatcher,
    /// World builds (sandbox creation and reset) running at once, on the blocking pool: at
    /// most one per core, so a burst of large worlds cannot multiply their memory.
    pub builds: tokio::sync::Semaphore,
}

impl State {
    /// The state of a process serving `config`, its `default` sandbox built from `world`.
    pub fn new(config: Config, world: WorldSeed) -> Result<Self, String> {
        let traces = TraceIds::new(config.seed);
        let sandboxes = Sandboxes::new(config, world.clone())?;
        Ok(State {
            sandboxes,
            traces,
            default_world: world,
            webhooks: dispatcher::Dispatcher::new(),
            builds: tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(1, usize::from)),
        })
    }

    /// The sandbox time of the sandbox `token` belongs to, or of the default sandbox when the
    /// token reaches none (what dates a request before it is authenticated).
    pub fn clock_of(&self, token: Option<&str>) -> i64 {
        token
            .and_then(|t| self.sandboxes.by_token(t))
            .or_else(|| self.sandboxes.get(DEFAULT_SANDBOX))
            .map_or_else(crate::clock::os_now, |s| s.now())
    }
}

/// The built-in demo world (`fixtures/seeds/demo.json`).
pub fn demo_world() -> WorldSeed {
    serde_json::from_str(include_str!("../../fixtures/seeds/demo.json")).expect("the bundled demo world is valid JSON")
}
