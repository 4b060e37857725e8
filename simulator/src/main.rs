//! The `igsim` command line: `igsim serve` (the default) starts the simulator.

use clap::{Parser, Subcommand, ValueEnum};
use simulator::model::seed::WorldSeed;
use simulator::{ClockMode, Config, Simulator};
use std::net::SocketAddr;
use std::path::PathBuf;

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
    /// Download media URLs (plain http only) and check them as production does, instead of
    /// judging them offline from the URL.
    #[arg(long)]
    media_fetch: bool,
}

fn load_world(path: &PathBuf) -> Result<WorldSeed, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} is not a valid seed world: {e}", path.display()))
}

fn main() {
    let cli = Cli::parse();
    let args = match cli.command {
        Some(Command::Serve(a)) => a,
        None => cli.serve,
    };
    if let Err(e) = serve(args) {
        eprintln!("igsim: {e}");
        std::process::exit(1);
    }
}

fn serve(args: ServeArgs) -> Result<(), String> {
    let mut config = Config {
        seed: args.seed,
        clock: match args.clock {
            ClockArg::Real => ClockMode::Real,
            ClockArg::Frozen => ClockMode::Frozen,
        },
        ..Config::default()
    };
    config.publishing.media_fetch = args.media_fetch;
    let mut sim = Simulator::new(config);
    if let Some(path) = &args.world {
        sim = sim.with_world(load_world(path)?);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let running = sim
            .start(args.addr)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", args.addr))?;
        print_banner(&running);
        let _ = tokio::signal::ctrl_c().await;
        eprintln!("igsim: shutting down");
        running.shutdown();
        Ok(())
    })
}

fn print_banner(running: &simulator::Running) {
    let base = running.base_url();
    let Some(sb) = running.state.sandboxes.get(simulator::sandbox::DEFAULT_SANDBOX) else {
        return;
    };
    let d = simulator::http::sim::describe(&sb);
    println!("igsim {} listening on {base}", env!("CARGO_PKG_VERSION"));
    println!();
    println!("Demo credentials (sandbox \"default\"):");
    println!("  app id      {}", d["app"]["id"].as_str().unwrap_or(""));
    println!("  app secret  {}", d["app"]["secret"].as_str().unwrap_or(""));
    if let Some(u) = d["users"].get(0) {
        println!(
            "  user        {} ({})",
            u["name"].as_str().unwrap_or(""),
            u["id"].as_str().unwrap_or("")
        );
        println!("  user token  {}", u["access_token"].as_str().unwrap_or(""));
    }
    for p in d["pages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| !p["instagram_business_account"].is_null())
    {
        println!(
            "  page id     {} ({}) -> ig user id {}",
            p["id"].as_str().unwrap_or(""),
            p["name"].as_str().unwrap_or(""),
            p["instagram_business_account"].as_str().unwrap_or("")
        );
    }
    println!();
    println!(
        "Try:  curl \"{base}/v21.0/me/accounts?access_token={}\"",
        d["users"][0]["access_token"].as_str().unwrap_or("")
    );
    println!("All sandboxes, tokens and clocks: {base}/_sim/sandboxes/default");
}
