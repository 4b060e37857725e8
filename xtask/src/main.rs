//! Project chores: `cargo xtask ci` runs exactly what CI runs; `cargo xtask tidy` checks the
//! code's shape (ARCHITECTURE.md); `cargo xtask clients` runs real Graph API clients against
//! igsim; `cargo xtask bench` measures; `cargo xtask soak` runs mixed and hostile traffic for
//! minutes and reports memory, errors and latency.

mod bench;
mod clients;
mod load;
mod soak;
mod tidy;

use clap::{Parser, Subcommand};
use std::path::Path;
use std::process::{Command, ExitCode};

#[derive(Parser)]
#[command(name = "xtask")]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Subcommand)]
enum Task {
    /// fmt --check, tidy, clippy -D warnings, every test of the workspace, then `clients` (what CI runs).
    Ci,
    /// The checks that keep igsim's shape: layers point down, the model knows no HTTP/JSON,
    /// one clock reader, one route table, `//!` headers, file lengths, no import cycles.
    Tidy,
    /// Meta's Python and Node Business SDKs and pyfacebook, unchanged but for the base URL, run
    /// the publish / comment / hashtag flow against igsim (installed once into target/clients/).
    Clients,
    /// Requests/s and latency of the release igsim vs a bare-hyper floor (reads, a write flow,
    /// comment creates, eight sandboxes at once), sandbox creation time and memory, start-up
    /// time, idle memory, page cost vs account size; a Markdown report on stdout and in
    /// target/bench.md.
    Bench,
    /// Minutes of mixed traffic and hostile clients against the release igsim, printing
    /// resident memory, errors and latency as it goes; a Markdown summary in target/soak.md.
    /// Not part of CI.
    Soak {
        /// How long to run.
        #[arg(long, default_value_t = 3.0)]
        minutes: f64,
        /// Keep every sandbox in target/soak-state (igsim serve --state-dir).
        #[arg(long)]
        state_dir: bool,
    },
    /// The measuring half of `bench`, run from the release build of xtask (started by `bench`).
    #[command(hide = true)]
    BenchRun,
    /// One load run against a running server, for profiling: `bench-load ADDR TARGET CONNS SECS`.
    #[command(hide = true)]
    BenchLoad {
        addr: std::net::SocketAddr,
        target: String,
        conns: usize,
        secs: f64,
    },
    /// The bench's floor server (started by `bench-run`).
    #[command(hide = true)]
    BenchFloor,
}

fn cargo(args: &[&str]) -> bool {
    eprintln!("xtask: cargo {}", args.join(" "));
    Command::new(env!("CARGO"))
        .args(args)
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new("."))
}

/// Builds igsim and xtask in release and hands over to the release xtask: the load
/// generator and the floor server must not be debug builds, or they would be what is measured.
fn bench() -> bool {
    if !cargo(&["build", "--release", "-p", "simulator", "-p", "xtask", "--bins"]) {
        return false;
    }
    let exe = bench::target_dir(root()).join("release").join("xtask");
    Command::new(&exe)
        .arg("bench-run")
        .status()
        .map(|s| s.success())
        .unwrap_or_else(|e| {
            eprintln!("xtask bench: cannot run {}: {e}", exe.display());
            false
        })
}

/// Builds the release igsim and soaks it (the soak's clients are threads that mostly wait,
/// so they run from this xtask as built).
fn soak(minutes: f64, state_dir: bool) -> bool {
    if !cargo(&["build", "--release", "-p", "simulator", "--bin", "igsim"]) {
        return false;
    }
    let target = bench::target_dir(root());
    match soak::run(&target, &target.join("release").join("igsim"), minutes, state_dir) {
        Ok(()) => true,
        Err(e) => {
            eprintln!("xtask soak: {e}");
            false
        }
    }
}

fn run_clients() -> bool {
    match clients::run(root(), &bench::target_dir(root())) {
        Ok(()) => true,
        Err(e) => {
            eprintln!("xtask clients: {e}");
            false
        }
    }
}

fn bench_run() -> bool {
    let target = bench::target_dir(root());
    let bin = target.join("release").join("igsim");
    match bench::run(root(), &target, &bin) {
        Ok(()) => true,
        Err(e) => {
            eprintln!("xtask bench: {e}");
            false
        }
    }
}

fn main() -> ExitCode {
    let ok = match Cli::parse().command {
        Task::Ci => {
            cargo(&["fmt", "--all", "--", "--check"])
                && tidy::run(root())
                && cargo(&[
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--locked",
                    "--",
                    "-D",
                    "warnings",
                ])
                && cargo(&["test", "--workspace", "--locked"])
                && run_clients()
        }
        Task::Tidy => tidy::run(root()),
        Task::Clients => run_clients(),
        Task::Bench => bench(),
        Task::Soak { minutes, state_dir } => soak(minutes, state_dir),
        Task::BenchRun => bench_run(),
        Task::BenchLoad {
            addr,
            target,
            conns,
            secs,
        } => {
            let budget = load::Budget {
                requests: usize::MAX / 2,
                time: std::time::Duration::from_secs_f64(secs),
            };
            match load::run(addr, &target, conns, budget) {
                Ok(s) => {
                    println!("{s:?}");
                    true
                }
                Err(e) => {
                    eprintln!("xtask bench-load: {e}");
                    false
                }
            }
        }
        Task::BenchFloor => match load::floor_main() {
            Ok(()) => true,
            Err(e) => {
                eprintln!("xtask bench-floor: {e}");
                false
            }
        },
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
