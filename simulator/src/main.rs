//! The `igsim` command line: `igsim serve` (the default) starts the simulator; `igsim trigger …`
//! makes the outside world act on a running one through its control plane; `igsim fault …`
//! changes its fault rules.

mod remote;

use clap::{Parser, Subcommand, ValueEnum};
use remote::{FaultArgs, TriggerArgs};
use simulator::model::seed::WorldSeed;
use simulator::{ClockMode, Config, Simulator};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Responses are trees of small allocations (one per JSON field); mimalloc serves them
/// markedly faster than the system allocator (see the commit that added it for numbers).
/// The library leaves the allocator to whoever embeds it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "igsim",
    version,
    about = "An offline, stateful simulator of the Instagram Graph API"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Start the simulator (what a bare `igsim` does).
    Serve(ServeArgs),
    /// Make the outside world act on a running simulator (its control plane, over HTTP).
    Trigger(TriggerArgs),
    /// Add, list or clear the fault and latency rules of a running simulator's sandbox.
    Fault(FaultArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum ClockArg {
    Real,
    Frozen,
}

#[derive(clap::Args, Clone)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8686")]
    addr: SocketAddr,
    /// Seed of every generated id, token and value.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Seed world JSON for the `default` sandbox (default: the built-in demo world).
    #[arg(long)]
    world: Option<PathBuf>,
    /// `real`: sandbox clocks follow the OS clock; `frozen`: they move only when advanced.
    #[arg(long, value_enum, default_value = "real")]
    clock: ClockArg,
    /// Deliver webhooks for every field to this http:// callback in every sandbox, with the
    /// app installed on every Page (no handshake; the receiver need not be up yet).
    #[arg(long)]
    webhook_url: Option<String>,
    /// The verify token kept with --webhook-url (shown by the control plane).
    #[arg(long)]
    verify_token: Option<String>,
    /// Background activity: outside-world events per sandbox-minute (seeded; 0 = off).
    #[arg(long, default_value_t = 0.0)]
    activity: f64,
    /// Download media URLs (plain http only) and check them as production does, instead of
    /// judging them offline from the URL.
    #[arg(long)]
    media_fetch: bool,
    /// Most sandboxes held at once (`default` included); creating more is refused until one
    /// is deleted.
    #[arg(long, default_value_t = Config::default().max_sandboxes)]
    max_sandboxes: usize,
    /// Most connections open at once; more wait in the listen queue until one closes.
    #[arg(long, default_value_t = Config::default().server.max_connections)]
    max_connections: usize,
    /// Delete a sandbox (never `default`) after this many seconds of wall-clock time without
    /// a request; 0 keeps sandboxes until they are deleted.
    #[arg(long, default_value_t = Config::default().sandbox_idle_seconds)]
    sandbox_idle_seconds: u64,
    /// Require this token on every control-plane (`/_sim/`) call, as
    /// `Authorization: Bearer <token>` or `X-Igsim-Admin-Token: <token>`. Set it whenever
    /// anyone but you can reach the address: the control plane shows every token and secret.
    #[arg(long, env = "IGSIM_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Fault rules every sandbox starts with: a JSON file holding a rule, an array of rules
    /// or {"rules": [...]} (README "Fault and latency injection").
    #[arg(long, value_name = "FILE")]
    faults: Option<PathBuf>,
    /// Keep every sandbox in this directory (one snapshot per sandbox, written before each
    /// change is acknowledged; a read writes nothing) and restore them all on start.
    #[arg(long, value_name = "DIR")]
    state_dir: Option<PathBuf>,
    /// With --state-dir: a read's bookkeeping (rate-limit counters, journal numbering, fault
    /// counters) is written at most this many milliseconds later (writes and clock moves are
    /// written before their answer); 0: only with the next write and at a graceful stop.
    #[arg(long, value_name = "MS", default_value_t = Config::default().state_flush_ms)]
    state_flush_ms: u64,
    /// Per-sandbox limits on objects clients create at run time, as comma-separated
    /// <kind>=<n> pairs (kinds: comments, media, containers, accounts, tokens; README
    /// "Limits"); repeatable. A write past a limit is refused with a Graph (#9).
    #[arg(long, value_name = "KIND=N")]
    capacity: Vec<String>,
    /// Received media (MiB) all sandboxes together keep to serve back from the CDN (files
    /// fetched with --media-fetch or uploaded); past it, new files are published as usual
    /// and served as generated media. Files already kept stay.
    #[arg(long, value_name = "MIB", default_value_t = Config::default().cdn.max_kept_process_bytes >> 20)]
    cdn_max_mib: u64,
    /// Request journal entries kept per sandbox before the oldest are dropped.
    #[arg(long, default_value_t = Config::default().journal_capacity)]
    journal_capacity: usize,
    /// Request log lines on stderr: text, or one JSON object per line.
    #[arg(long, value_enum, default_value = "text")]
    log_format: LogFormatArg,
    /// Which log lines to write (a level, or target=level pairs); overrides RUST_LOG
    /// (default: info, one line per request).
    #[arg(long)]
    log_level: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormatArg {
    Text,
    Json,
}

fn load_faults(path: &PathBuf) -> Result<Vec<simulator::config::FaultSpec>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let v = serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
    simulator::config::specs_from_json(v).map_err(|e| format!("{}: {e}", path.display()))
}

fn load_world(path: &PathBuf) -> Result<WorldSeed, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} is not a valid seed world: {e}", path.display()))
}

fn main() {
    let cli = Cli::parse();
    let args = match cli.command {
        Some(Command::Serve(a)) => a,
        Some(Command::Trigger(t)) => {
            if let Err(e) = remote::trigger(t) {
                warn(&format!("igsim: {e}"));
                std::process::exit(1);
            }
            return;
        }
        Some(Command::Fault(f)) => {
            if let Err(e) = remote::fault(f) {
                warn(&format!("igsim: {e}"));
                std::process::exit(1);
            }
            return;
        }
        None => cli.serve,
    };
    if let Err(e) = serve(args) {
        warn(&format!("igsim: {}", e.message));
        std::process::exit(e.code);
    }
}

/// Why `igsim serve` stopped before serving, and its exit code (README, "Exit codes"):
/// 1 for a bad start-up input (world file, flags), 3 when the address cannot be listened on
/// (2 is clap's, for usage errors).
struct Failure {
    code: i32,
    message: String,
}

/// Exit code of `igsim serve` when its address is taken or cannot be bound.
const EXIT_CANNOT_LISTEN: i32 = 3;

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure { code: 1, message }
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Self {
        message.to_string().into()
    }
}

/// The message for an address `igsim serve` cannot listen on, saying what to do about it
/// (other start-up errors pass through with exit code 1).
fn cannot_listen(addr: SocketAddr, e: &std::io::Error) -> Failure {
    let message = match e.kind() {
        std::io::ErrorKind::AddrInUse => format!(
            "{addr} is already in use (another igsim, or another server, is listening there): stop it, \
             or pick a free port with --addr {}:<port> (port 0 picks any free port and prints it)",
            addr.ip()
        ),
        std::io::ErrorKind::PermissionDenied => format!(
            "not allowed to listen on {addr} ({e}): ports below 1024 need privileges; use --addr {}:8686",
            addr.ip()
        ),
        std::io::ErrorKind::AddrNotAvailable => {
            format!(
                "{addr} is not an address of this machine ({e}): use --addr 127.0.0.1:{}",
                addr.port()
            )
        }
        // Not a listening problem: the simulator could not be built (e.g. a bad world).
        _ => return e.to_string().into(),
    };
    Failure {
        code: EXIT_CANNOT_LISTEN,
        message,
    }
}

fn serve(args: ServeArgs) -> Result<(), Failure> {
    let mut config = Config {
        seed: args.seed,
        clock: match args.clock {
            ClockArg::Real => ClockMode::Real,
            ClockArg::Frozen => ClockMode::Frozen,
        },
        activity_rate: args.activity,
        max_sandboxes: args.max_sandboxes.max(1),
        sandbox_idle_seconds: args.sandbox_idle_seconds,
        ..Config::default()
    };
    config.webhooks.url = args.webhook_url.clone();
    config.webhooks.verify_token = args.verify_token.clone();
    if let Some(url) = &config.webhooks.url {
        simulator::io::webhooks::check_url(url).map_err(|e| format!("--webhook-url: {e}"))?;
    }
    if !(config.activity_rate >= 0.0 && config.activity_rate.is_finite()) {
        return Err("--activity is a non-negative number of events per sandbox-minute".into());
    }
    config.publishing.media_fetch = args.media_fetch;
    config.server.max_connections = args.max_connections.max(1);
    if args.admin_token.as_deref().is_some_and(|t| t.trim().is_empty()) {
        return Err("--admin-token (IGSIM_ADMIN_TOKEN) must not be empty".into());
    }
    config.admin_token = args.admin_token.clone();
    config.journal_capacity = args.journal_capacity;
    for text in &args.capacity {
        config
            .capacity
            .set_from_arg(text)
            .map_err(|e| format!("--capacity: {e}"))?;
    }
    config.state_dir = args.state_dir.clone();
    config.state_flush_ms = args.state_flush_ms;
    config.cdn.max_kept_process_bytes = args.cdn_max_mib.saturating_mul(1 << 20);
    if let Some(path) = &args.faults {
        config.faults = load_faults(path).map_err(|e| format!("--faults: {e}"))?;
    }
    let filter = simulator::logging::filter(args.log_level.as_deref(), std::env::var("RUST_LOG").ok().as_deref())?;
    let format = match args.log_format {
        LogFormatArg::Text => simulator::logging::LogFormat::Text,
        LogFormatArg::Json => simulator::logging::LogFormat::Json,
    };
    let logs = simulator::logging::init(format, filter)?;
    let exposed = exposed(&args.addr);
    if exposed {
        warn(exposed_warning(&args.addr, config.admin_token.is_some()).trim_end());
    }
    let mut sim = Simulator::new(config);
    if let Some(path) = &args.world {
        sim = sim.with_world(load_world(path)?);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let running = sim.start(args.addr).await.map_err(|e| cannot_listen(args.addr, &e))?;
        // Handlers first: a signal that arrives once the address is announced is handled.
        let stop = shutdown_signal()?;
        say(&banner(&running, exposed));
        if let Some(dir) = &args.state_dir {
            say(&format!(
                "Sandboxes are kept in {} ({} now): every change is on disk before it is answered.\n",
                dir.display(),
                running.state.sandboxes.ids().len()
            ));
        }
        let signal = stop.await;
        warn(&format!("igsim: {signal}: shutting down"));
        running.stop().await;
        // Every request has answered and logged: its lines reach stderr before the exit.
        let unwritten = logs.drain(simulator::logging::DRAIN_PATIENCE);
        if unwritten > 0 {
            warn(&format!(
                "igsim: {unwritten} log lines not written (stderr was not being read)"
            ));
        }
        Ok(())
    })
}

/// Installs the handlers for Ctrl-C (SIGINT) and SIGTERM (what `docker stop`, systemd and
/// Kubernetes send) and returns what waits for either: both shut down the same graceful
/// way. The future names the signal.
#[cfg(unix)]
fn shutdown_signal() -> Result<impl std::future::Future<Output = &'static str>, String> {
    use tokio::signal::unix::{signal, SignalKind};
    let handler = |kind| signal(kind).map_err(|e| format!("cannot handle signals: {e}"));
    let (mut int, mut term) = (handler(SignalKind::interrupt())?, handler(SignalKind::terminate())?);
    Ok(async move {
        tokio::select! {
            _ = int.recv() => "interrupted",
            _ = term.recv() => "terminated",
        }
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> Result<impl std::future::Future<Output = &'static str>, String> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        "interrupted"
    })
}

/// Whether other machines can reach `addr` (anything but a loopback address).
fn exposed(addr: &SocketAddr) -> bool {
    !addr.ip().is_loopback()
}

/// The loud warning for an address other machines can reach (see the README's trust model).
fn exposed_warning(addr: &SocketAddr, has_admin_token: bool) -> String {
    let rule = "=".repeat(78);
    let mut w = String::new();
    let _ = writeln!(w, "{rule}");
    let _ = writeln!(w, "igsim WARNING: listening on {addr}, which other machines can reach.");
    let _ = writeln!(
        w,
        "igsim is a test double: every Graph token is accepted as issued, and the"
    );
    if has_admin_token {
        let _ = writeln!(
            w,
            "control plane (/_sim/) is protected by the admin token you gave. Graph"
        );
        let _ = writeln!(
            w,
            "calls still need only the sandbox tokens the control plane hands out."
        );
    } else {
        let _ = writeln!(
            w,
            "control plane (/_sim/) needs NO credentials: anyone who reaches it can read"
        );
        let _ = writeln!(
            w,
            "every token and app secret, reset or delete sandboxes and move their clocks."
        );
        let _ = writeln!(
            w,
            "Start it with --admin-token <secret> (or IGSIM_ADMIN_TOKEN) to require a token"
        );
        let _ = writeln!(w, "on /_sim/, or bind to 127.0.0.1.");
    }
    let _ = writeln!(w, "{rule}");
    w
}

/// What `igsim serve` prints on stdout once it listens: the address and, on loopback, the
/// demo credentials.
fn banner(running: &simulator::Running, exposed: bool) -> String {
    let base = running.base_url();
    let mut out = String::new();
    let _ = writeln!(out, "igsim {} listening on {base}", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(out);
    let Some(sb) = running.state.sandboxes.get(simulator::sandbox::DEFAULT_SANDBOX) else {
        return out;
    };
    if exposed {
        // Logs of a reachable server are read by more people than its terminal.
        let _ = writeln!(
            out,
            "Credentials are not printed for a non-loopback address: read them from"
        );
        let _ = writeln!(out, "  {base}/_sim/sandboxes/default");
        return out;
    }
    let d = simulator::http::control::sandboxes::describe(&sb);
    let _ = writeln!(out, "Demo credentials (sandbox \"default\"):");
    let _ = writeln!(out, "  app id      {}", d["app"]["id"].as_str().unwrap_or(""));
    let _ = writeln!(out, "  app secret  {}", d["app"]["secret"].as_str().unwrap_or(""));
    if let Some(u) = d["users"].get(0) {
        let _ = writeln!(
            out,
            "  user        {} ({})",
            u["name"].as_str().unwrap_or(""),
            u["id"].as_str().unwrap_or("")
        );
        let _ = writeln!(out, "  user token  {}", u["access_token"].as_str().unwrap_or(""));
    }
    for p in d["pages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| !p["instagram_business_account"].is_null())
    {
        let _ = writeln!(
            out,
            "  page id     {} ({}) -> ig user id {}",
            p["id"].as_str().unwrap_or(""),
            p["name"].as_str().unwrap_or(""),
            p["instagram_business_account"].as_str().unwrap_or("")
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Try:  curl \"{base}/v21.0/me/accounts?access_token={}\"",
        d["users"][0]["access_token"].as_str().unwrap_or("")
    );
    let _ = writeln!(
        out,
        "Facebook Login dialog: {base}/v21.0/dialog/oauth?client_id={}&redirect_uri=<loopback URI>&scope=instagram_basic",
        d["app"]["id"].as_str().unwrap_or("")
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Instagram Login (point graph.instagram.com and api.instagram.com at {base}):"
    );
    for l in d["instagram_logins"].as_array().into_iter().flatten() {
        let _ = writeln!(
            out,
            "  @{:<15} ig user id {} (app-scoped {})",
            l["username"].as_str().unwrap_or(""),
            l["id"].as_str().unwrap_or(""),
            l["user_id"].as_str().unwrap_or("")
        );
        let _ = writeln!(out, "  token       {}", l["access_token"].as_str().unwrap_or(""));
    }
    if let Some(l) = d["instagram_logins"].get(0) {
        let _ = writeln!(
            out,
            "Try:  curl \"{base}/v21.0/me?fields=user_id,username,media_count&access_token={}\"",
            l["access_token"].as_str().unwrap_or("")
        );
    }
    let _ = writeln!(
        out,
        "Instagram Login dialog: {base}/oauth/authorize?client_id={}&redirect_uri=<loopback URI>&response_type=code&scope=instagram_business_basic",
        d["app"]["id"].as_str().unwrap_or("")
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "All sandboxes, tokens and clocks: {base}/_sim/sandboxes/default");
    let _ = writeln!(out, "Dashboard: {}", simulator::http::control::ui::url(&base));
    out
}

/// Writes to stdout, ignoring a closed or broken one (`igsim | head -1` must not stop igsim).
fn say(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Writes a line to stderr, ignoring a closed or broken one.
fn warn(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_addresses_count_as_private() {
        for (addr, exposed) in [
            ("127.0.0.1:8686", false),
            ("[::1]:8686", false),
            ("0.0.0.0:8686", true),
            ("[::]:8686", true),
            ("192.168.1.20:8686", true),
        ] {
            let a: SocketAddr = addr.parse().unwrap();
            assert_eq!(super::exposed(&a), exposed, "{addr}");
        }
    }

    #[test]
    fn the_exposure_warning_says_what_is_open_and_how_to_close_it() {
        let addr: SocketAddr = "0.0.0.0:8686".parse().unwrap();
        let open = exposed_warning(&addr, false);
        assert!(open.contains("WARNING") && open.contains("0.0.0.0:8686"));
        assert!(open.contains("--admin-token") && open.contains("NO credentials"));
        let closed = exposed_warning(&addr, true);
        assert!(closed.contains("protected by the admin token") && !closed.contains("NO credentials"));
    }
}
