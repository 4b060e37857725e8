//! `cargo xtask clients`: real Graph API clients (Meta's Python and Node Business SDKs,
//! pyfacebook, npm's instagram-graph-api), each unchanged but for the base URL, run the
//! publish / comment / hashtag flow against igsim.
//!
//! The clients come from the package registries once, at the versions pinned in
//! `conformance/clients/python/requirements.txt` and `conformance/clients/node/package-lock.json`,
//! and are cached under `target/clients/` (a venv made with `python3 -m venv`, a `node_modules`
//! made with `npm ci`); the cache is rebuilt when a pin file changes. igsim runs in this process
//! on a loopback port, every client gets a fresh demo-world sandbox, and its script
//! (`conformance/clients/<runtime>/…`) exits non-zero with a `FAIL:` line when a check fails.
//! Nothing but provisioning uses the network. The crates.io client runs in the conformance
//! tests instead (`conformance/tests/it/clients.rs`).
//!
//! Each client talks to igsim through a recording tap ([`tap`]): what it really sent (API
//! version, where the token and `appsecret_proof` went, how POST bodies were encoded, whether
//! `paging.next` was followed verbatim) must equal what its row in [`CLIENTS`] (and the README's
//! client table) says, and every answer it got must be JSON, never a 5xx, and every error a
//! Graph error envelope matching `specs/error.schema.json` ([`profile`]), every success its
//! route's schema in `specs/` ([`shapes`]).

mod profile;
mod shapes;
mod tap;

use conformance::sim::{delete_sandbox, try_new_sandbox};
use profile::Sends;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The demo world's account every flow publishes to, and the user whose token it uses.
const IG_USERNAME: &str = "metricsaurus";
const USER: &str = "Dana Admin";

/// A script that has not finished after this long is killed and reported as hung. A guard
/// against a stuck client blocking CI, not an assertion: a flow takes a few seconds.
const HANG_GUARD: Duration = Duration::from_secs(600);

#[derive(Clone, Copy)]
enum Runtime {
    Python,
    Node,
}

/// What a client sends over its flow (see [`Sends`]), as the README's client table states it.
struct Expect {
    versions: &'static [&'static str],
    token: &'static [&'static str],
    proof: &'static [&'static str],
    post_bodies: &'static [&'static str],
    next_verbatim: bool,
}

impl Expect {
    fn sends(&self) -> Sends {
        Sends::of(
            self.versions,
            self.token,
            self.proof,
            self.post_bodies,
            self.next_verbatim,
        )
    }
}

/// One client and the script that drives it.
struct Client {
    name: &'static str,
    runtime: Runtime,
    /// Under `conformance/clients/`.
    script: &'static str,
    /// Put in the new post's caption and searched for; unique per client.
    hashtag: &'static str,
    expect: Expect,
}

const CLIENTS: &[Client] = &[
    Client {
        name: "facebook-business (Meta's Python Business SDK)",
        runtime: Runtime::Python,
        script: "python/business_sdk.py",
        hashtag: "igsimbusinesssdkpython",
        expect: Expect {
            versions: &["v26.0"],
            token: &["query"],
            proof: &["query"],
            post_bodies: &["form"],
            next_verbatim: false,
        },
    },
    Client {
        name: "python-facebook-api (pyfacebook)",
        runtime: Runtime::Python,
        script: "python/pyfacebook_flow.py",
        hashtag: "igsimpyfacebook",
        expect: Expect {
            versions: &["v24.0"],
            token: &["form", "query"],
            proof: &["form", "query"],
            post_bodies: &["form"],
            // It re-sends the query of `paging.next` on the same path, which comes out byte-identical.
            next_verbatim: true,
        },
    },
    Client {
        name: "facebook-nodejs-business-sdk (Meta's Node Business SDK)",
        runtime: Runtime::Node,
        script: "node/business_sdk.js",
        hashtag: "igsimbusinesssdknode",
        expect: Expect {
            versions: &["v24.0"],
            token: &["query"],
            proof: &[],
            post_bodies: &["json"],
            next_verbatim: true,
        },
    },
    Client {
        name: "instagram-graph-api (npm)",
        runtime: Runtime::Node,
        script: "node/instagram_graph_api.js",
        hashtag: "igsiminstagramgraphapinpm",
        expect: Expect {
            versions: &["none"],
            token: &["query"],
            proof: &[],
            post_bodies: &["query"],
            next_verbatim: false,
        },
    },
];

/// How a client's run ended.
enum Outcome {
    Passed,
    Failed(String),
}

/// Provisions the clients, runs every flow, prints a summary; `Err` when any client failed or
/// could not be provisioned.
pub fn run(root: &Path, target: &Path) -> Result<(), String> {
    let cache = target.join("clients");
    let python = provision_python(root, &cache.join("python"))?;
    let node_modules = provision_node(root, &cache.join("node"))?;
    let igsim = conformance::target::shared_simulator();
    let tap = tap::Tap::start(igsim.addr())?;
    let base = igsim.base_url();
    eprintln!(
        "xtask clients: igsim at {base}, clients talk to it through the tap at {}",
        tap.base_url
    );

    let mut results = Vec::new();
    for client in CLIENTS {
        let (program, env_extra): (PathBuf, Vec<(&str, PathBuf)>) = match client.runtime {
            Runtime::Python => (python.clone(), Vec::new()),
            Runtime::Node => (PathBuf::from("node"), vec![("NODE_PATH", node_modules.clone())]),
        };
        let outcome = run_client(root, &base, &tap, client, &program, &env_extra);
        results.push((client.name, outcome));
    }

    let (mut passed, mut failed) = (0, 0);
    eprintln!("\nxtask clients: summary");
    for (name, outcome) in &results {
        match outcome {
            Outcome::Passed => {
                passed += 1;
                eprintln!("  PASS           {name}");
            }
            Outcome::Failed(why) => {
                failed += 1;
                eprintln!("  FAIL           {name}: {why}");
            }
        }
    }
    println!("clients: {passed} passed, {failed} failed");
    if failed == 0 {
        Ok(())
    } else {
        Err(format!("{failed} client(s) failed"))
    }
}

fn run_client(
    root: &Path,
    base: &str,
    tap: &tap::Tap,
    client: &Client,
    program: &Path,
    env_extra: &[(&str, PathBuf)],
) -> Outcome {
    eprintln!("\nxtask clients: {} ({})", client.name, client.script);
    let sandbox = match try_new_sandbox(base, None) {
        Ok(sb) => sb,
        Err(e) => return Outcome::Failed(format!("no sandbox: {e}")),
    };
    let script = root.join("conformance/clients").join(client.script);
    let mut cmd = Command::new(program);
    cmd.arg(&script)
        .current_dir(script.parent().unwrap_or(root))
        .env("IGSIM_BASE_URL", &tap.base_url)
        .env("IGSIM_TOKEN", sandbox.user_token(USER))
        .env("IGSIM_IG_USER_ID", sandbox.ig_id(IG_USERNAME))
        .env("IGSIM_HASHTAG", client.hashtag)
        .env("IGSIM_APP_ID", sandbox.app_id())
        .env("IGSIM_APP_SECRET", sandbox.app_secret())
        // Loopback only, whatever proxy the machine is set up with; no bytecode in the tree.
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null());
    for (k, v) in env_extra {
        cmd.env(k, v);
    }
    tap.take();
    let result = run_guarded(cmd);
    let exchanges = tap.take();
    let ig_user = sandbox.ig_id(IG_USERNAME);
    delete_sandbox(&sandbox);
    let (code, output) = match result {
        Ok(r) => r,
        Err(e) => return Outcome::Failed(e),
    };
    for line in output.lines() {
        eprintln!("    {line}");
    }
    let sent = profile::observe(&exchanges, &tap.base_url);
    eprintln!("    sent ({} requests): {}", exchanges.len(), sent.line());
    let mut bad = profile::bad_answers(&exchanges);
    let (checked, bad_shapes) = shapes::bad_successes(&exchanges, &ig_user);
    eprintln!("    successful answers checked against specs/: {checked}");
    bad.extend(bad_shapes);
    if !bad.is_empty() {
        return Outcome::Failed(format!("answers that break the Graph conventions: {}", bad.join(" | ")));
    }
    let expected = client.expect.sends();
    if code == Some(0) && sent != expected {
        return Outcome::Failed(format!(
            "it sent {}, but its row in xtask/src/clients/mod.rs (and the README) says {}",
            sent.line(),
            expected.line()
        ));
    }
    if code == Some(0) {
        return Outcome::Passed;
    }
    let last = output
        .lines()
        .rev()
        .find(|l| l.starts_with("FAIL:"))
        .unwrap_or("no FAIL line (see the output above)");
    Outcome::Failed(format!(
        "exit {}: {last}",
        code.map_or("by signal".into(), |c| c.to_string())
    ))
}

/// Runs a command to completion (stdout and stderr merged into one text), killing it after
/// [`HANG_GUARD`].
fn run_guarded(mut cmd: Command) -> Result<(Option<i32>, String), String> {
    let out = tempfile_path("out");
    let file = fs::File::create(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let err = file.try_clone().map_err(|e| e.to_string())?;
    let mut child = cmd
        .stdout(file)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > HANG_GUARD => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("still running after {} s: killed", HANG_GUARD.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(e.to_string()),
        }
    };
    let mut text = String::new();
    fs::File::open(&out)
        .and_then(|mut f| f.read_to_string(&mut text))
        .map_err(|e| format!("{}: {e}", out.display()))?;
    let _ = fs::remove_file(&out);
    Ok((status.code(), text))
}

fn tempfile_path(what: &str) -> PathBuf {
    std::env::temp_dir().join(format!("igsim-xtask-clients-{}-{what}.log", std::process::id()))
}

/// The venv's python, made and filled from `requirements.txt` unless the cache already
/// holds exactly that file's pins.
fn provision_python(root: &Path, dir: &Path) -> Result<PathBuf, String> {
    let pins = root.join("conformance/clients/python/requirements.txt");
    let python = dir.join("bin").join("python");
    let install = format!(
        "python3 -m venv {d} && {d}/bin/python -m pip install -r {}",
        pins.display(),
        d = dir.display()
    );
    cached(dir, &[&pins], &python, "the Python clients (PyPI)", &install, || {
        run_step(Command::new("python3").arg("-m").arg("venv").arg("--clear").arg(dir))?;
        run_step(
            Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--no-input",
                    "--disable-pip-version-check",
                    "-r",
                ])
                .arg(&pins),
        )
    })?;
    Ok(python)
}

/// `node_modules` made by `npm ci` from the committed lock file unless the cache already holds
/// exactly that lock.
fn provision_node(root: &Path, dir: &Path) -> Result<PathBuf, String> {
    let src = root.join("conformance/clients/node");
    let (manifest, lock) = (src.join("package.json"), src.join("package-lock.json"));
    let modules = dir.join("node_modules");
    let install = format!(
        "cp {0}/package.json {0}/package-lock.json {1} && cd {1} && npm ci",
        src.display(),
        dir.display()
    );
    cached(
        dir,
        &[&manifest, &lock],
        &modules,
        "the Node clients (npm)",
        &install,
        || {
            fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            for f in [&manifest, &lock] {
                let to = dir.join(f.file_name().unwrap_or_default());
                fs::copy(f, &to).map_err(|e| format!("{} -> {}: {e}", f.display(), to.display()))?;
            }
            run_step(
                Command::new("npm")
                    .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
                    .current_dir(dir),
            )
        },
    )?;
    Ok(modules)
}

/// Runs `fill` unless `dir` holds a stamp equal to the concatenated `pins` and `product`
/// exists; writes the stamp after a successful fill. A failure names the command to run.
fn cached(
    dir: &Path,
    pins: &[&Path],
    product: &Path,
    what: &str,
    install: &str,
    fill: impl FnOnce() -> Result<(), String>,
) -> Result<(), String> {
    let mut want = String::new();
    for p in pins {
        want.push_str(&fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?);
    }
    let stamp = dir.join(".igsim-provisioned");
    if product.exists() && fs::read_to_string(&stamp).is_ok_and(|s| s == want) {
        eprintln!("xtask clients: {what}: cached in {}", dir.display());
        return Ok(());
    }
    eprintln!("xtask clients: provisioning {what} into {}", dir.display());
    let _ = fs::remove_file(&stamp);
    fill().map_err(|e| {
        format!(
            "provisioning {what} failed: {e}\n  It needs the package registry once (then it is cached in {}).\n  \
             Run `cargo xtask clients` where the registry is reachable; it runs: {install}",
            dir.display()
        )
    })?;
    fs::write(&stamp, want).map_err(|e| format!("{}: {e}", stamp.display()))
}

fn run_step(cmd: &mut Command) -> Result<(), String> {
    eprintln!("xtask clients: {cmd:?}");
    match cmd.stdin(Stdio::null()).status() {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("{cmd:?} exited with {s}")),
        Err(e) => Err(format!("cannot run {:?}: {e}", cmd.get_program())),
    }
}
