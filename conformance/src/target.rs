//! Where the harness sends requests: an in-process simulator (default), a simulator at a
//! URL, or the live Graph API. Simulator targets also expose the control plane.

use simulator::{ClockMode, Config, Running, Simulator};
use std::sync::OnceLock;

/// A place to run scenarios against.
#[derive(Debug, Clone)]
pub enum Target {
    /// A simulator (in-process or at a URL): control plane available.
    Simulator { base_url: String },
    /// The live API: `base_url` is `https://graph.facebook.com` unless overridden.
    Live {
        base_url: String,
        token: String,
        ig_user_id: String,
        app_secret: Option<String>,
        page_id: Option<String>,
        version: String,
    },
}

impl Target {
    pub fn base_url(&self) -> &str {
        match self {
            Target::Simulator { base_url } | Target::Live { base_url, .. } => base_url,
        }
    }

    pub fn is_simulator(&self) -> bool {
        matches!(self, Target::Simulator { .. })
    }
}

static SHARED: OnceLock<Running> = OnceLock::new();

/// The configuration the harness's in-process simulator uses: frozen clocks, so time only
/// moves when a test advances it, and a fixed seed, so ids are reproducible.
pub fn test_config() -> Config {
    Config {
        clock: ClockMode::Frozen,
        seed: 42,
        ..Config::default()
    }
}

/// One in-process simulator per test binary, started on a free loopback port on first use.
/// Tests isolate themselves with a sandbox each ([`crate::sim::SimControl::new_sandbox`]).
pub fn shared_simulator() -> &'static Running {
    SHARED.get_or_init(|| {
        Simulator::new(test_config())
            .spawn(0)
            .expect("start the in-process simulator")
    })
}

/// A target for the shared in-process simulator.
pub fn in_process() -> Target {
    Target::Simulator {
        base_url: shared_simulator().base_url(),
    }
}
