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

    /// `simulator` or `live`, as written into recordings and reports.
    pub fn kind(&self) -> &'static str {
        match self {
            Target::Simulator { .. } => "simulator",
            Target::Live { .. } => "live",
        }
    }

    /// A simulator listening at `url` (its control plane is used for sandboxes).
    pub fn at_url(url: &str) -> Target {
        Target::Simulator {
            base_url: url.trim_end_matches('/').to_string(),
        }
    }

    /// The live API from the environment: `IG_ACCESS_TOKEN` and `IG_USER_ID` (required),
    /// `IG_APP_SECRET` (then every call carries `appsecret_proof`), `IG_PAGE_ID`,
    /// `IG_API_VERSION` (default [`default_version`]) and `IG_GRAPH_URL` (default
    /// [`GRAPH_URL`]); `graph_url` overrides `IG_GRAPH_URL`.
    pub fn live_from_env(graph_url: Option<&str>) -> Result<Target, String> {
        Self::live_from(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()), graph_url)
    }

    /// [`Target::live_from_env`] over any variable source (tests use a map).
    pub fn live_from(env: impl Fn(&str) -> Option<String>, graph_url: Option<&str>) -> Result<Target, String> {
        let need = |k: &str| env(k).ok_or_else(|| format!("--live needs {k} in the environment"));
        let token = need("IG_ACCESS_TOKEN")?;
        let ig_user_id = need("IG_USER_ID")?;
        if !ig_user_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("IG_USER_ID must be a numeric Graph id, got {ig_user_id:?}"));
        }
        let version = env("IG_API_VERSION").unwrap_or_else(default_version);
        if !(version.starts_with('v') && version[1..].split('.').all(|p| p.parse::<u32>().is_ok())) {
            return Err(format!("IG_API_VERSION must look like v21.0, got {version:?}"));
        }
        let base_url = graph_url
            .map(str::to_string)
            .or_else(|| env("IG_GRAPH_URL"))
            .unwrap_or_else(|| GRAPH_URL.to_string())
            .trim_end_matches('/')
            .to_string();
        Ok(Target::Live {
            base_url,
            token,
            ig_user_id,
            app_secret: env("IG_APP_SECRET"),
            page_id: env("IG_PAGE_ID"),
            version,
        })
    }
}

/// The production Graph host.
pub const GRAPH_URL: &str = "https://graph.facebook.com";

/// The API version live runs call unless `IG_API_VERSION` says otherwise: the newest of igsim's
/// version timeline (`simulator::version`), so a drift check speaks what production serves.
pub fn default_version() -> String {
    simulator::version::newest().to_string()
}

static SHARED: OnceLock<Running> = OnceLock::new();

/// The configuration the harness's in-process simulator uses: frozen clocks, so time only
/// moves when a test advances it, and a fixed seed, so ids are reproducible. One simulator
/// serves a whole test binary and tests keep their sandboxes, so it holds more than the
/// default number.
pub fn test_config() -> Config {
    Config {
        clock: ClockMode::Frozen,
        seed: 42,
        max_sandboxes: 10_000,
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
