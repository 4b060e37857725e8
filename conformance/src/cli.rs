//! The `igconform` command line: run scenarios against a target, record, diff, report.

use crate::drift::{self, Drift};
use crate::record::{self, Recording};
use crate::report;
use crate::scenario::{self, Outcome, Progress, RunOptions, ScenarioResult};
use crate::scenarios;
use crate::target::{self, Target};
use clap::{Args, Parser, Subcommand};
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Every scenario passed (skips allowed) and no drift was found.
pub const EXIT_OK: i32 = 0;
/// At least one scenario failed.
pub const EXIT_FAILED: i32 = 1;
/// Bad usage or configuration (flags, missing IG_* variables, unreadable recording).
pub const EXIT_USAGE: i32 = 2;
/// Scenarios passed but a drift comparison found drift.
pub const EXIT_DRIFT: i32 = 3;

const AFTER_HELP: &str = "\
TARGETS:
  (default)          a fresh in-process igsim, one sandbox per scenario
  --target URL       an igsim at URL (its /_sim/ control plane is used; if it was started
                     with --admin-token, put the token in IGSIM_ADMIN_TOKEN)
  --live             the live Graph API, credentials from the environment:
                       IG_ACCESS_TOKEN  user access token (required)
                       IG_USER_ID       IG professional account id (required)
                       IG_APP_SECRET    app secret: calls then carry appsecret_proof;
                                        also enables the token_exchange scenario
                       IG_PAGE_ID       the account's Facebook Page (optional)
                       IG_API_VERSION   e.g. v26.0 (default: the newest version igsim knows)
                       IG_GRAPH_URL     base URL (default https://graph.facebook.com)
                     Live runs are read-only unless --allow-writes is given; scenarios that
                     need the simulator's control plane are skipped.

DRIFT:
  --report FILE.md on a run against --live or --target compares the run with the same
  scenarios on an in-process igsim (or with --against) and writes the drift report.
  `igconform diff REC [--against T]` compares a recording with another recording or a
  target (default: an in-process igsim).

EXIT CODES:
  0  every scenario passed or was skipped, and no drift was found
  1  at least one scenario failed
  2  usage or configuration error
  3  drift found (scenarios passed)

EXAMPLE (production, read-only):
  IG_ACCESS_TOKEN=... IG_USER_ID=... igconform --live --record rec/ --junit igconform.xml --report drift.md";

#[derive(Debug, Parser)]
#[command(
    name = "igconform",
    version,
    about = "Conformance and drift harness for igsim and the live Instagram Graph API",
    after_help = AFTER_HELP,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run scenarios (the default when no subcommand is given).
    Run(RunArgs),
    /// List the scenarios.
    List,
    /// Compare a recording with another recording or a target; exit 3 on drift.
    Diff(DiffArgs),
}

#[derive(Debug, Args, Default, Clone)]
pub struct TargetArgs {
    /// A simulator at this URL instead of the in-process one.
    #[arg(long, value_name = "URL", conflicts_with = "live")]
    pub target: Option<String>,
    /// The live Graph API (credentials from IG_* environment variables).
    #[arg(long)]
    pub live: bool,
    /// Live base URL (overrides IG_GRAPH_URL).
    #[arg(long, value_name = "URL", requires = "live")]
    pub graph_url: Option<String>,
    /// Live: also run scenarios that create or change objects (they clean up after themselves).
    #[arg(long)]
    pub allow_writes: bool,
}

#[derive(Debug, Args, Default, Clone)]
pub struct RunArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Save every exchange (credentials redacted) as <DIR>/<scenario>.json.
    #[arg(long, value_name = "DIR")]
    pub record: Option<PathBuf>,
    /// Write a JUnit XML file.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a Markdown drift report (see DRIFT below).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// What --report compares with: a recording, `sim`, or a simulator URL (default `sim`).
    #[arg(long, value_name = "REC|sim|URL")]
    pub against: Option<String>,
    /// Only scenarios whose name contains this or whose area is this (repeatable).
    #[arg(long, value_name = "NAME")]
    pub only: Vec<String>,
    /// No progress lines.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args, Clone)]
pub struct DiffArgs {
    /// A recording directory (or one recording file).
    pub recording: PathBuf,
    /// A recording, `sim` (in-process igsim), `live`, or a simulator URL (default `sim`).
    #[arg(long, value_name = "REC|sim|live|URL")]
    pub against: Option<String>,
    /// Write a Markdown drift report.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Write a JUnit XML file (when --against is a target).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    #[command(flatten)]
    pub target: TargetArgs,
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs the command line; returns the exit code.
pub fn main_with(args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
        }
    };
    let result = match cli.command {
        None => run(&cli.run),
        Some(Command::Run(a)) => run(&a),
        Some(Command::List) => {
            for s in scenarios::all() {
                let needs = if s.needs.is_empty() {
                    String::new()
                } else {
                    format!(" (needs {:?})", s.needs)
                };
                println!("{:<24} {:<12} {}{needs}", s.name, s.area, s.about);
            }
            Ok(EXIT_OK)
        }
        Some(Command::Diff(a)) => diff(&a),
    };
    result.unwrap_or_else(|e| {
        eprintln!("igconform: {e}");
        EXIT_USAGE
    })
}

fn resolve_target(t: &TargetArgs) -> Result<Target, String> {
    if t.live {
        Target::live_from_env(t.graph_url.as_deref())
    } else if let Some(url) = &t.target {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("--target wants a URL like http://127.0.0.1:8080, got {url:?}"));
        }
        Ok(Target::at_url(url))
    } else {
        Ok(target::in_process())
    }
}

fn describe(t: &Target, in_process: bool) -> String {
    match t {
        Target::Simulator { base_url } if in_process => format!("in-process igsim ({base_url})"),
        Target::Simulator { base_url } => format!("igsim at {base_url}"),
        Target::Live { base_url, version, .. } => format!("live API {base_url}/{version}"),
    }
}

/// Runs scenarios with progress lines on stderr.
pub fn run_scenarios(target: &Target, opts: &RunOptions, quiet: bool) -> Vec<ScenarioResult> {
    let tty = std::io::stderr().is_terminal();
    scenario::run_all(target, &scenarios::all(), opts, |p| {
        if quiet {
            return;
        }
        let mut err = std::io::stderr();
        match p {
            Progress::Start { index, total, scenario } if tty => {
                let _ = write!(err, "[{index}/{total}] .... {} ...\r", scenario.name);
                let _ = err.flush();
            }
            Progress::Start { .. } => {}
            Progress::Done { index, total, result } => {
                // On a terminal, erase the "running" line first.
                let clear = if tty { "\x1b[2K" } else { "" };
                let _ = writeln!(err, "{clear}{}", report::progress_line(index, total, result));
            }
        }
    })
}

fn run(a: &RunArgs) -> Result<i32, String> {
    let in_process = !a.target.live && a.target.target.is_none();
    let target = resolve_target(&a.target)?;
    let opts = RunOptions {
        allow_writes: a.target.allow_writes,
        only: a.only.clone(),
        version: None,
    };
    if scenario::select(&scenarios::all(), &opts.only).is_empty() {
        return Err(format!(
            "no scenario matches --only {:?} (see `igconform list`)",
            opts.only
        ));
    }
    let name = describe(&target, in_process);
    let results = run_scenarios(&target, &opts, a.quiet);
    eprint!("{}", report::summary_table(&name, &results));
    let recordings: Vec<Recording> = results.iter().map(|r| r.recording.clone()).collect();
    if let Some(dir) = &a.record {
        record::write_dir(dir, &recordings)?;
        eprintln!("recorded {} scenario(s) in {}", recordings.len(), dir.display());
    }
    let mut findings: Option<Vec<Drift>> = None;
    if a.report.is_some() || a.against.is_some() {
        let against = a.against.clone().unwrap_or_else(|| "sim".into());
        let (base_name, base) = if in_process && a.against.is_none() {
            (name.clone(), recordings.clone())
        } else {
            load_or_run(&against, &recordings, &TargetArgs::default(), true)?
        };
        let f = drift::compare(&base, &recordings);
        eprint!("{}", report::drift_text(&f));
        if let Some(path) = &a.report {
            write(path, &report::markdown(&base_name, &name, &results, &f))?;
        }
        findings = Some(f);
    }
    if let Some(path) = &a.junit {
        write(path, &report::junit(&name, &results, findings.as_deref()))?;
    }
    Ok(exit_code(&results, findings.as_deref()))
}

fn exit_code(results: &[ScenarioResult], findings: Option<&[Drift]>) -> i32 {
    if results.iter().any(|r| matches!(r.outcome, Outcome::Fail(_))) {
        EXIT_FAILED
    } else if findings.is_some_and(drift::has_drift) {
        EXIT_DRIFT
    } else {
        EXIT_OK
    }
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| format!("creating {}: {e}", parent.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))
}

/// A recording from disk, or a fresh run of `like`'s scenarios on a target (`sim`, `live`,
/// or a URL).
fn load_or_run(
    spec: &str,
    like: &[Recording],
    t: &TargetArgs,
    quiet: bool,
) -> Result<(String, Vec<Recording>), String> {
    let target = match spec {
        "sim" | "simulator" => target::in_process(),
        "live" => Target::live_from_env(t.graph_url.as_deref())?,
        url if url.starts_with("http://") || url.starts_with("https://") => Target::at_url(url),
        path => return Ok((path.to_string(), record::read(Path::new(path))?)),
    };
    let opts = RunOptions {
        allow_writes: t.allow_writes,
        only: like.iter().map(|r| r.scenario.clone()).collect(),
        version: None,
    };
    let name = describe(&target, spec.starts_with('s'));
    let results = run_scenarios(&target, &opts, quiet);
    let recs = results
        .iter()
        .filter(|r| like.iter().any(|l| l.scenario == r.name))
        .map(|r| r.recording.clone())
        .collect();
    Ok((name, recs))
}

fn diff(a: &DiffArgs) -> Result<i32, String> {
    let base = record::read(&a.recording)?;
    let against = a.against.clone().unwrap_or_else(|| "sim".into());
    let (other_name, other) = load_or_run(&against, &base, &a.target, a.quiet)?;
    let findings = drift::compare(&base, &other);
    print!("{}", report::drift_text(&findings));
    let base_name = a.recording.display().to_string();
    if let Some(path) = &a.report {
        write(path, &report::markdown(&base_name, &other_name, &[], &findings))?;
    }
    if let Some(path) = &a.junit {
        write(path, &report::junit(&other_name, &[], Some(&findings)))?;
    }
    Ok(if drift::has_drift(&findings) {
        EXIT_DRIFT
    } else {
        EXIT_OK
    })
}
