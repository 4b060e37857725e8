//! `cargo xtask bench`: throughput and latency of the release `igsim` against a bare-hyper
//! floor in the same run (reads, a write flow, comment creates, eight sandboxes at once),
//! sandbox creation time and memory, start-up time, idle memory, and page cost vs account
//! size, checked against the targets of issues 2 and 12. It reports PASS/MISS; it never
//! fails on a miss (not part of CI).

use crate::load::{self, Budget, Req, Script, Stats};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const IG_USER: &str = "17841405822304914";
const FIELDS: &str = "id,caption,media_type,like_count,timestamp";
const CONCURRENCY: [usize; 4] = [1, 4, 16, 64];
const STARTUP_RUNS: usize = 15;
/// One measured round of a cell: time-bound (a request cap would give the faster server a
/// shorter, noisier round).
const LOAD: Budget = Budget {
    requests: 10_000_000,
    time: Duration::from_millis(1000),
};
/// Rounds per cell and server, igsim and the floor alternating; each shows its median round
/// (by req/s), so one burst of another process's work moves neither side alone.
const ROUNDS: usize = 3;
const WARMUP: Budget = Budget {
    requests: 2_000,
    time: Duration::from_millis(200),
};
const PAGE_COST: Budget = Budget {
    requests: 2_000,
    time: Duration::from_millis(700),
};
const PAGE_COST_ROUNDS: usize = 3;
const BIG: u32 = 10_000;
const SMALL: u32 = 10;
const PAGE: usize = 5;
/// Connections of the write, comment and many-sandbox rows (the targets are stated at 16).
const WRITE_CONNS: usize = 16;
/// Instagram accounts the write flow alternates over, and sandboxes loaded at once.
const WRITERS: usize = 8;
const LOADED_SANDBOXES: usize = 8;
/// Sandbox counts at which creation time and memory per sandbox are measured.
const SANDBOX_COUNTS: [usize; 2] = [100, 1000];
/// Start-up and idle memory measured on main before issue 12 (README): "unchanged or better".
const BASELINE_STARTUP_MS: f64 = 5.5;
const BASELINE_IDLE_MIB: f64 = 14.6;

/// Kills the child process it owns when dropped, so no server outlives the bench (or soak).
pub(crate) struct Proc(pub(crate) Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_addr() -> Result<SocketAddr, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    l.local_addr().map_err(|e| e.to_string())
}

fn spawn_igsim(bin: &Path, addr: SocketAddr, extra: &[&str]) -> Result<Proc, String> {
    Command::new(bin)
        // No per-request log lines: the bench measures serving, not writing to stderr.
        .args(["serve", "--addr", &addr.to_string(), "--log-level", "warn"])
        // The write rows create a container, a media or a comment per request, tens of
        // thousands a second: lift the per-sandbox capacity (README "Limits") out of reach.
        .args(["--capacity", "comments=100000000,media=100000000,containers=100000000"])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(Proc)
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))
}

/// Polls `/_sim/health` until it answers 200; the time from `since` to that answer.
fn wait_healthy(addr: SocketAddr, since: Instant) -> Result<Duration, String> {
    loop {
        if let Ok((200, _)) = load::get_once(addr, "/_sim/health") {
            return Ok(since.elapsed());
        }
        if since.elapsed() > Duration::from_secs(20) {
            return Err(format!("igsim on {addr} did not answer /_sim/health within 20 s"));
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

pub(crate) fn vm_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn get_json(addr: SocketAddr, target: &str) -> Result<(String, Value), String> {
    let (status, body) = load::get_once(addr, target).map_err(|e| format!("GET {target}: {e}"))?;
    let text = String::from_utf8(body).map_err(|_| format!("GET {target}: body is not UTF-8"))?;
    if status != 200 {
        return Err(format!("GET {target} answered {status}: {text}"));
    }
    let v = serde_json::from_str(&text).map_err(|e| format!("GET {target}: {e}"))?;
    Ok((text, v))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn machine() -> (usize, String) {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    (cpus, model)
}

fn pass(ok: bool) -> &'static str {
    if ok {
        "PASS"
    } else {
        "MISS"
    }
}

struct Row {
    endpoint: String,
    conns: usize,
    sim: Stats,
    floor: Stats,
    /// Server CPU time (user + system) per request, µs: steadier than req/s when other
    /// work shares the machine.
    sim_cpu: f64,
    floor_cpu: f64,
    body_bytes: usize,
}

/// CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat.
fn cpu_secs(pid: u32, ticks_per_sec: f64) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest.split_whitespace().map(|x| x.parse().unwrap_or(0.0)).collect();
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / ticks_per_sec
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// One measured round of the scripts `make` returns, and the server's CPU µs per request
/// during it.
fn measured(
    addr: SocketAddr,
    pid: u32,
    make: &dyn Fn() -> Vec<Box<dyn Script>>,
    tck: f64,
) -> Result<(Stats, f64), String> {
    let before = cpu_secs(pid, tck);
    let stats = load::run_scripts(addr, make(), LOAD)?;
    let cpu = (cpu_secs(pid, tck) - before) * 1e6 / stats.requests as f64;
    Ok((stats, cpu))
}

/// The round with the median req/s of `rounds` (not empty).
fn median_round(mut rounds: Vec<(Stats, f64)>) -> (Stats, f64) {
    rounds.sort_by(|a, b| a.0.rps.total_cmp(&b.0.rps));
    rounds[rounds.len() / 2]
}

/// `conns` connections repeating one GET.
fn repeat(uri: &str, conns: usize) -> Vec<Box<dyn Script>> {
    (0..conns)
        .map(|_| Box::new(load::Repeat(Req::get(uri))) as Box<dyn Script>)
        .collect()
}

/// `conns` connections, each cycling through `reqs` from its own offset.
fn cycle(reqs: &[Req], conns: usize) -> Vec<Box<dyn Script>> {
    (0..conns)
        .map(|i| {
            Box::new(load::Cycle {
                reqs: reqs.to_vec(),
                at: i,
            }) as Box<dyn Script>
        })
        .collect()
}

/// The write flow: create an image container, publish it with the id the create answered,
/// then the same on the next account (so no account's publishing quota fills up first).
struct WriteFlow {
    accounts: Vec<String>,
    token: String,
    at: usize,
    publish_next: bool,
}

impl Script for WriteFlow {
    fn next(&mut self, previous: Option<&[u8]>) -> Result<Req, String> {
        let ig = &self.accounts[self.at % self.accounts.len()];
        let token = &self.token;
        if self.publish_next {
            self.publish_next = false;
            self.at += 1;
            let v: Value = serde_json::from_slice(previous.unwrap_or(b"")).map_err(|e| format!("create: {e}"))?;
            let id = v["id"]
                .as_str()
                .ok_or_else(|| format!("create answered {v} without an id"))?;
            Ok(Req::post(format!(
                "/v21.0/{ig}/media_publish?creation_id={id}&access_token={token}"
            )))
        } else {
            self.publish_next = true;
            Ok(Req::post(create_target(ig, token)))
        }
    }
}

fn create_target(ig: &str, token: &str) -> String {
    format!("/v21.0/{ig}/media?image_url=https%3A%2F%2Fexample.com%2Fbench.jpg&caption=bench%20%23igsim&access_token={token}")
}

fn write_flows(accounts: &[String], token: &str, conns: usize) -> Vec<Box<dyn Script>> {
    (0..conns)
        .map(|i| {
            Box::new(WriteFlow {
                accounts: accounts.to_vec(),
                token: token.to_string(),
                at: i,
                publish_next: false,
            }) as Box<dyn Script>
        })
        .collect()
}

/// `POST` with a JSON body on a fresh connection; the answer parsed, 2xx required.
fn post_json(addr: SocketAddr, target: &str, body: &Value) -> Result<Value, String> {
    let (status, answer) = load::request_once(addr, "POST", target, body.to_string().as_bytes())
        .map_err(|e| format!("POST {target}: {e}"))?;
    let v: Value = serde_json::from_slice(&answer).map_err(|e| format!("POST {target}: {e}"))?;
    if !(200..300).contains(&status) {
        return Err(format!("POST {target} answered {status}: {v}"));
    }
    Ok(v)
}

/// A sandbox for the write rows: `WRITERS` business accounts with 1,000 followers (no Page
/// Publishing Authorization needed), 8 media each to comment on, one user who manages them
/// all; publishing quotas and rate limits lifted so a run measures serving, not refusals.
struct WriteSandbox {
    token: String,
    accounts: Vec<String>,
    media: Vec<String>,
}

fn write_sandbox(addr: SocketAddr) -> Result<WriteSandbox, String> {
    let names: Vec<String> = (0..WRITERS).map(|i| format!("bench.w{i}")).collect();
    let all_tasks = ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"];
    let seed = json!({
        "description": "cargo xtask bench: accounts to publish and comment on",
        "users": [{ "name": "Bench Writer", "permissions": ["pages_show_list", "pages_read_engagement",
            "instagram_basic", "instagram_content_publish", "instagram_manage_comments"] }],
        "instagram_accounts": names.iter().map(|n| json!({ "username": n, "name": n,
            "account_type": "BUSINESS", "followers_count": 1000 })).collect::<Vec<_>>(),
        "pages": names.iter().map(|n| json!({ "name": format!("Page {n}"), "category": "Brand",
            "instagram_account": n, "roles": [{ "user": "Bench Writer", "tasks": all_tasks }] })).collect::<Vec<_>>(),
        "generate": names.iter().map(|n| json!({ "owner": n, "media": 8, "span_days": 30,
            "comments": [0, 0], "replies": [0, 0] })).collect::<Vec<_>>(),
        "pools": { "captions": ["Benchmark caption"], "hashtags": ["bench"] }
    });
    let sb = post_json(addr, "/_sim/sandboxes", &seed)?;
    let id = sb["id"].as_str().ok_or("no sandbox id")?.to_string();
    let token = sb["users"][0]["access_token"].as_str().ok_or("no token")?.to_string();
    let accounts: Vec<String> = names
        .iter()
        .map(|n| {
            sb["instagram_accounts"]
                .as_array()
                .and_then(|a| a.iter().find(|x| x["username"] == n.as_str()))
                .and_then(|x| x["id"].as_str())
                .map(str::to_string)
                .ok_or_else(|| format!("sandbox has no {n}"))
        })
        .collect::<Result<_, _>>()?;
    post_json(
        addr,
        &format!("/_sim/sandboxes/{id}/publishing/config"),
        &json!({ "quota_total": 100_000_000, "container_cap": 100_000_000 }),
    )?;
    post_json(
        addr,
        &format!("/_sim/sandboxes/{id}/rate_limits"),
        &json!({ "buc_calls_per_day": 1_000_000_000_000u64, "platform_calls_per_hour": 1_000_000_000_000u64 }),
    )?;
    let mut media = Vec::new();
    for ig in &accounts {
        let (_, page) = get_json(addr, &format!("/v21.0/{ig}/media?fields=id&access_token={token}"))?;
        media.extend(
            page["data"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|m| m["id"].as_str().map(str::to_string)),
        );
    }
    if media.is_empty() {
        return Err("the write sandbox has no media".into());
    }
    Ok(WriteSandbox { token, accounts, media })
}

/// Creation time and memory of fresh sandboxes made from the demo world, in a server of
/// their own (so the load runs' memory does not blur them).
struct Creation {
    /// Per count: (sandboxes, p50 µs, p99 µs, mean µs, RSS growth per sandbox in kB).
    steps: Vec<(usize, f64, f64, f64, f64, f64)>,
    idle_kib: u64,
    /// The same server's `POST /_sim/sandboxes/{unknown}/reset`-free floor: p50 µs of a
    /// control-plane `GET /_sim/health` on a fresh connection (what the transport costs).
    health_p50: f64,
}

fn sandbox_creation(bin: &Path) -> Result<Creation, String> {
    let max = SANDBOX_COUNTS.iter().max().copied().unwrap_or(0) + 8;
    let addr = free_addr()?;
    let server = spawn_igsim(bin, addr, &["--max-sandboxes", &max.to_string()])?;
    wait_healthy(addr, Instant::now())?;
    std::thread::sleep(Duration::from_millis(300));
    let pid = server.0.id();
    let idle_kib = vm_rss_kib(pid).ok_or("cannot read VmRSS")?;
    let mut health = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        load::get_once(addr, "/_sim/health").map_err(|e| e.to_string())?;
        health.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let mut steps = Vec::new();
    let mut last = (0, idle_kib);
    let mut made = 0;
    let mut times = Vec::new();
    for &count in &SANDBOX_COUNTS {
        while made < count {
            let t = Instant::now();
            let (status, body) = load::request_once(addr, "POST", "/_sim/sandboxes", b"")
                .map_err(|e| format!("POST /_sim/sandboxes: {e}"))?;
            times.push(t.elapsed().as_secs_f64() * 1e6);
            if status != 201 {
                return Err(format!(
                    "POST /_sim/sandboxes answered {status}: {}",
                    String::from_utf8_lossy(&body)
                ));
            }
            made += 1;
        }
        std::thread::sleep(Duration::from_millis(200));
        let rss = vm_rss_kib(pid).ok_or("cannot read VmRSS")?;
        let mut sorted = times.clone();
        sorted.sort_by(f64::total_cmp);
        let p = |q: f64| sorted[((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1];
        let mean = sorted.iter().sum::<f64>() / sorted.len() as f64;
        let per = (rss.saturating_sub(idle_kib)) as f64 * 1.024 / count as f64;
        // Since the previous count: what one more sandbox costs once the one-off costs (a
        // base world per creation second, allocator arenas, the build thread) are paid.
        let (before_n, before_rss) = last;
        let marginal = rss.saturating_sub(before_rss) as f64 * 1.024 / (count - before_n) as f64;
        last = (count, rss);
        steps.push((count, p(0.5), p(0.99), mean, per, marginal));
    }
    Ok(Creation {
        steps,
        idle_kib,
        health_p50: median(health),
    })
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| {
            let f: Vec<&str> = l.split_whitespace().take(3).collect();
            (f.len() == 3).then(|| f.join(" "))
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Runs the whole bench; `Err` only when it could not measure.
pub fn run(root: &Path, target_dir: &Path, bin: &Path) -> Result<(), String> {
    let wall = Instant::now();
    let (cpus, cpu_model) = machine();
    let load_before = loadavg();

    // Start-up to the first answer, demo world loaded; the last start stays up to be measured.
    eprintln!("bench: start-up x{STARTUP_RUNS}");
    let mut startups = Vec::new();
    let mut server = None;
    for i in 0..=STARTUP_RUNS {
        let addr = free_addr()?;
        let t0 = Instant::now();
        let p = spawn_igsim(bin, addr, &[])?;
        let d = wait_healthy(addr, t0)?;
        if i < STARTUP_RUNS {
            startups.push(d.as_secs_f64() * 1000.0);
        } else {
            server = Some((p, addr));
        }
    }
    let (server, addr) = server.ok_or("no server")?;
    let startup_ms = median(startups.clone());
    std::thread::sleep(Duration::from_millis(500));
    let idle_kib = vm_rss_kib(server.0.id()).ok_or("cannot read VmRSS from /proc")?;

    // The demo world's full-permission token and the two requests under test.
    let (_, default) = get_json(addr, "/_sim/sandboxes/default")?;
    let token = dana_token(&default)?;
    let media_uri = format!("/v21.0/{IG_USER}/media?fields={FIELDS}&limit=25&access_token={token}");
    let (media_body, page) = get_json(addr, &media_uri)?;
    let media_id = page["data"][0]["id"]
        .as_str()
        .ok_or("the media page has no items")?
        .to_string();
    let node_uri = format!("/v21.0/{media_id}?fields={FIELDS}&access_token={token}");
    let (node_body, _) = get_json(addr, &node_uri)?;

    // Eight more sandboxes of the demo world, each read by two of the sixteen connections.
    let mut loaded = Vec::new();
    for _ in 0..LOADED_SANDBOXES {
        let (status, body) = load::request_once(addr, "POST", "/_sim/sandboxes", b"").map_err(|e| e.to_string())?;
        let sb: Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        if status != 201 {
            return Err(format!("POST /_sim/sandboxes answered {status}: {sb}"));
        }
        let t = dana_token(&sb)?;
        let uri = format!("/v21.0/{IG_USER}/media?fields={FIELDS}&limit=25&access_token={t}");
        let (body, _) = get_json(addr, &uri)?;
        loaded.push((uri, body));
    }

    // The write rows' sandbox, and one create and one publish answer for the floor to repeat.
    let ws = write_sandbox(addr)?;
    let create_body = post_once(addr, &create_target(&ws.accounts[0], &ws.token))?;
    let created: Value = serde_json::from_str(&create_body).map_err(|e| e.to_string())?;
    let publish_body = post_once(
        addr,
        &format!(
            "/v21.0/{}/media_publish?creation_id={}&access_token={}",
            ws.accounts[0],
            created["id"].as_str().ok_or("create answered no id")?,
            ws.token
        ),
    )?;
    let comment_reqs: Vec<Req> = ws
        .media
        .iter()
        .map(|m| {
            Req::post(format!(
                "/v21.0/{m}/comments?message=bench%20comment&access_token={}",
                ws.token
            ))
        })
        .collect();
    let comment_body = post_once(addr, &comment_reqs[0].target)?;

    // The floor answers the same targets with the same bytes.
    let mut bodies = serde_json::Map::new();
    bodies.insert(media_uri.clone(), json!(media_body));
    bodies.insert(node_uri.clone(), json!(node_body));
    for (uri, body) in &loaded {
        bodies.insert(uri.clone(), json!(body));
    }
    for ig in &ws.accounts {
        bodies.insert(format!("POST /v21.0/{ig}/media"), json!(create_body));
        bodies.insert(format!("POST /v21.0/{ig}/media_publish"), json!(publish_body));
    }
    for m in &ws.media {
        bodies.insert(format!("POST /v21.0/{m}/comments"), json!(comment_body));
    }
    let floor = start_floor(&Value::Object(bodies))?;
    let floor_addr = floor.1;
    let floor_pid = floor.0 .0.id();
    let tck = clock_ticks();
    let pid = server.0.id();

    let mut rows = Vec::new();
    let mut row = |endpoint: String, conns: usize, body_bytes: usize, make: &dyn Fn() -> Vec<Box<dyn Script>>| {
        eprintln!("bench: {endpoint} x{conns}");
        load::run_scripts(addr, make(), WARMUP)?;
        load::run_scripts(floor_addr, make(), WARMUP)?;
        let (mut sims, mut floors) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            sims.push(measured(addr, pid, make, tck)?);
            floors.push(measured(floor_addr, floor_pid, make, tck)?);
        }
        let (sim, sim_cpu) = median_round(sims);
        let (floor, floor_cpu) = median_round(floors);
        rows.push(Row {
            endpoint,
            conns,
            sim,
            floor,
            sim_cpu,
            floor_cpu,
            body_bytes,
        });
        Ok::<_, String>(())
    };
    for (endpoint, uri, body_bytes) in [
        (MEDIA_PAGE, &media_uri, media_body.len()),
        (MEDIA_NODE, &node_uri, node_body.len()),
    ] {
        for conns in CONCURRENCY {
            row(endpoint.into(), conns, body_bytes, &|| repeat(uri, conns))?;
        }
    }
    let pages: Vec<Req> = loaded.iter().map(|(u, _)| Req::get(u.clone())).collect();
    row(
        format!("{MEDIA_PAGE}, {LOADED_SANDBOXES} sandboxes at once"),
        WRITE_CONNS,
        loaded.first().map_or(0, |(_, b)| b.len()),
        &|| cycle(&pages, WRITE_CONNS),
    )?;
    row(
        WRITE_FLOW.into(),
        WRITE_CONNS,
        create_body.len() + publish_body.len(),
        &|| write_flows(&ws.accounts, &ws.token, WRITE_CONNS),
    )?;
    row(COMMENT_CREATE.into(), WRITE_CONNS, comment_body.len(), &|| {
        cycle(&comment_reqs, WRITE_CONNS)
    })?;
    drop(floor);
    let loaded_kib = vm_rss_kib(pid).unwrap_or(0);

    eprintln!("bench: page cost, {SMALL} vs {BIG} media");
    let pages = page_cost(addr)?;
    drop(server);

    eprintln!("bench: sandbox creation, {SANDBOX_COUNTS:?} sandboxes");
    let creation = sandbox_creation(bin)?;

    let report = render(&Report {
        cpus,
        cpu_model,
        load_before,
        load_after: loadavg(),
        rows,
        startups,
        startup_ms,
        idle_kib,
        loaded_kib,
        pages,
        creation,
        wall: wall.elapsed(),
    });
    print!("{report}");
    let out = target_dir.join("bench.md");
    std::fs::create_dir_all(target_dir).map_err(|e| e.to_string())?;
    std::fs::write(&out, &report).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    eprintln!("bench: wrote {}", out.strip_prefix(root).unwrap_or(&out).display());
    Ok(())
}

const MEDIA_PAGE: &str = "`GET /{ig-user-id}/media`";
const MEDIA_NODE: &str = "`GET /{ig-media-id}`";
const WRITE_FLOW: &str = "write flow: `POST /{ig-user-id}/media` + `POST …/media_publish`, 8 accounts in turn";
const COMMENT_CREATE: &str = "`POST /{ig-media-id}/comments`";

fn dana_token(sandbox: &Value) -> Result<String, String> {
    sandbox["users"]
        .as_array()
        .and_then(|us| us.iter().find(|u| u["name"] == "Dana Admin"))
        .and_then(|u| u["access_token"].as_str())
        .map(str::to_string)
        .ok_or_else(|| "the sandbox has no Dana Admin token".into())
}

/// One `POST` with its parameters in the query; the 200 answer's body.
fn post_once(addr: SocketAddr, target: &str) -> Result<String, String> {
    let (status, body) = load::request_once(addr, "POST", target, b"").map_err(|e| format!("POST {target}: {e}"))?;
    let text = String::from_utf8(body).map_err(|_| format!("POST {target}: body is not UTF-8"))?;
    if status != 200 {
        return Err(format!("POST {target} answered {status}: {text}"));
    }
    Ok(text)
}

fn start_floor(bodies: &Value) -> Result<(Proc, SocketAddr), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = Command::new(exe)
        .arg("bench-floor")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start the floor server: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("floor: no stdin")?;
    let stdout = child.stdout.take().ok_or("floor: no stdout")?;
    let proc = Proc(child);
    stdin
        .write_all(bodies.to_string().as_bytes())
        .map_err(|e| format!("floor: {e}"))?;
    drop(stdin);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| format!("floor: {e}"))?;
    let port: u16 = line
        .trim()
        .parse()
        .map_err(|_| format!("floor printed {line:?} instead of its port"))?;
    Ok((proc, SocketAddr::from(([127, 0, 0, 1], port))))
}

/// p50 (µs) of the first page and of the last full page (reached by cursor) of two
/// accounts, one with `SMALL` and one with `BIG` media, in a sandbox of their own.
struct PageCost {
    small_first: f64,
    small_deep: f64,
    big_first: f64,
    big_deep: f64,
}

fn page_cost(addr: SocketAddr) -> Result<PageCost, String> {
    let account =
        |name: &str| json!({ "username": name, "name": name, "account_type": "BUSINESS", "followers_count": 1000 });
    let page = |name: &str, ig: &str| {
        json!({ "name": name, "category": "Brand", "instagram_account": ig,
        "roles": [{ "user": "Bench User", "tasks": ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"] }] })
    };
    let gen = |owner: &str, n: u32| json!({ "owner": owner, "media": n, "span_days": 3650, "comments": [0, 0], "replies": [0, 0] });
    let seed = json!({
        "description": "cargo xtask bench: one account with 10 media, one with 10,000",
        "users": [{ "name": "Bench User", "permissions": ["pages_show_list", "pages_read_engagement", "instagram_basic"] }],
        "instagram_accounts": [account("bench.small"), account("bench.big")],
        "pages": [page("Bench Small", "bench.small"), page("Bench Big", "bench.big")],
        "generate": [gen("bench.small", SMALL), gen("bench.big", BIG)],
        "pools": { "captions": ["Benchmark caption"], "hashtags": ["bench", "igsim"] }
    });
    let (status, body) = load::request_once(addr, "POST", "/_sim/sandboxes", seed.to_string().as_bytes())
        .map_err(|e| format!("POST /_sim/sandboxes: {e}"))?;
    let sb: Value = serde_json::from_slice(&body).map_err(|e| format!("POST /_sim/sandboxes: {e}"))?;
    if status != 201 {
        return Err(format!("POST /_sim/sandboxes answered {status}: {sb}"));
    }
    let token = sb["users"][0]["access_token"].as_str().ok_or("no token")?.to_string();
    let ig = |name: &str| -> Result<String, String> {
        sb["instagram_accounts"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["username"] == name))
            .and_then(|x| x["id"].as_str())
            .map(str::to_string)
            .ok_or_else(|| format!("sandbox has no {name}"))
    };
    let uri = |ig: &str, after: Option<&str>| {
        let after = after.map_or(String::new(), |a| format!("&after={a}"));
        format!("/v21.0/{ig}/media?fields={FIELDS}&limit={PAGE}{after}&access_token={token}")
    };
    let mut targets = Vec::new();
    for (name, n) in [("bench.small", SMALL), ("bench.big", BIG)] {
        let id = ig(name)?;
        let cursor = cursor_after(addr, &id, &token, n as usize - PAGE)?;
        let deep = uri(&id, Some(&cursor));
        let (_, v) = get_json(addr, &deep)?;
        let got = v["data"].as_array().map_or(0, Vec::len);
        if got != PAGE {
            return Err(format!("the last page of {name} has {got} items, expected {PAGE}"));
        }
        targets.push(uri(&id, None));
        targets.push(deep);
    }
    // Interleaved rounds, so drift from other load on the machine hits all four alike.
    let mut p50s = vec![Vec::new(); targets.len()];
    for _ in 0..PAGE_COST_ROUNDS {
        for (i, t) in targets.iter().enumerate() {
            load::run(addr, t, 1, WARMUP)?;
            p50s[i].push(load::run(addr, t, 1, PAGE_COST)?.p50_us);
        }
    }
    let _ = load::request_once(
        addr,
        "DELETE",
        &format!("/_sim/sandboxes/{}", sb["id"].as_str().unwrap_or("")),
        b"",
    );
    let mut m = p50s.into_iter().map(median);
    Ok(PageCost {
        small_first: m.next().unwrap_or(0.0),
        small_deep: m.next().unwrap_or(0.0),
        big_first: m.next().unwrap_or(0.0),
        big_deep: m.next().unwrap_or(0.0),
    })
}

/// The `after` cursor of the `skip`-th item of an account's media, walked page by page.
fn cursor_after(addr: SocketAddr, ig: &str, token: &str, skip: usize) -> Result<String, String> {
    let mut seen = 0;
    let mut after = String::new();
    while seen < skip {
        let limit = (skip - seen).min(100);
        let a = if after.is_empty() {
            String::new()
        } else {
            format!("&after={after}")
        };
        let (_, v) = get_json(
            addr,
            &format!("/v21.0/{ig}/media?fields=id&limit={limit}{a}&access_token={token}"),
        )?;
        let n = v["data"].as_array().map_or(0, Vec::len);
        if n == 0 {
            return Err(format!("{ig} has only {seen} media, expected more than {skip}"));
        }
        seen += n;
        after = v["paging"]["cursors"]["after"]
            .as_str()
            .ok_or("a media page has no after cursor")?
            .to_string();
    }
    Ok(after)
}

struct Report {
    cpus: usize,
    cpu_model: String,
    /// `/proc/loadavg` (1, 5, 15 min) when the run started and ended: other work on the
    /// machine slows both servers alike, but it is said with the numbers.
    load_before: String,
    load_after: String,
    rows: Vec<Row>,
    startups: Vec<f64>,
    startup_ms: f64,
    idle_kib: u64,
    loaded_kib: u64,
    pages: PageCost,
    creation: Creation,
    wall: Duration,
}

/// Two p50s are "the same cost" when within 10% or 10 µs of each other, whichever is larger:
/// below that, run-to-run jitter on a shared 2-core machine dominates.
fn same_cost(a: f64, b: f64) -> bool {
    (a - b).abs() <= (0.10 * a.min(b)).max(10.0)
}

fn render(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## igsim benchmark (`cargo xtask bench`)\n");
    let _ = writeln!(
        s,
        "Machine: {} CPUs (`nproc`), {}. Release build; load generator (1 thread, keep-alive \
         HTTP/1.1 on loopback) on the same machine. Each cell: the median (by req/s) of {} rounds \
         of {:.1} s, igsim and the floor alternating, after a warm-up of each.\n",
        r.cpus,
        r.cpu_model,
        ROUNDS,
        LOAD.time.as_secs_f64()
    );
    let _ = writeln!(
        s,
        "| request | conns | igsim req/s | p50 | p99 | CPU/req | floor req/s | p50 | p99 | CPU/req | igsim / floor |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for row in &r.rows {
        let _ = writeln!(
            s,
            "| {} ({} B) | {} | {:.0} | {} | {} | {} | {:.0} | {} | {} | {} | {:.0}% |",
            row.endpoint,
            row.body_bytes,
            row.conns,
            row.sim.rps,
            us(row.sim.p50_us),
            us(row.sim.p99_us),
            us(row.sim_cpu),
            row.floor.rps,
            us(row.floor.p50_us),
            us(row.floor.p99_us),
            us(row.floor_cpu),
            100.0 * row.sim.rps / row.floor.rps
        );
    }
    let _ = writeln!(
        s,
        "\nfloor = a bare hyper server (same runtime, own process) answering the same stored body. \
         CPU/req = the server process's user + system CPU time per request.\n\
         Media query: `?fields={FIELDS}&limit=25`; node query: `?fields={FIELDS}`. Write rows: a \
         sandbox of {WRITERS} business accounts with quotas and rate limits lifted; the flow \
         counts each of its two requests. Load average (1/5/15 min): {} at the start, {} at the end.\n",
        r.load_before, r.load_after
    );

    let c = &r.creation;
    let _ = writeln!(
        s,
        "| fresh sandboxes of the demo world | creation p50 | p99 | mean | RSS per sandbox | since the previous row |"
    );
    let _ = writeln!(s, "|---:|---:|---:|---:|---:|---:|");
    for &(n, p50, p99, mean, per, marginal) in &c.steps {
        let _ = writeln!(
            s,
            "| {n} | {} | {} | {} | {per:.0} kB | {marginal:.0} kB |",
            us(p50),
            us(p99),
            us(mean)
        );
    }
    let _ = writeln!(
        s,
        "\nEach `POST /_sim/sandboxes` (no body: the demo world) on a fresh connection, one after \
         another, in a server of its own ({:.1} MiB idle); a `GET /_sim/health` on a fresh \
         connection takes {} p50 there (the transport's share). RSS per sandbox = growth of VmRSS \
         over idle / sandboxes, one-off costs included (in `--clock real` a base world per second of \
         creation, allocator arenas, the build thread); the last column is the growth since the \
         previous row per sandbox made since.\n",
        c.idle_kib as f64 / 1024.0,
        us(c.health_p50)
    );

    let find = |label: &str, conns: usize| r.rows.iter().find(|x| x.conns == conns && x.endpoint == label);
    let ratio = |label: &str, share: f64, p99_ms: Option<f64>| match find(label, WRITE_CONNS) {
        Some(x) => (
            x.sim.rps >= share * x.floor.rps && p99_ms.is_none_or(|ms| x.sim.p99_us < ms * 1000.0),
            format!(
                "{:.0} req/s = {:.0}% of floor ({:.0}), p99 {}",
                x.sim.rps,
                100.0 * x.sim.rps / x.floor.rps,
                x.floor.rps,
                us(x.sim.p99_us)
            ),
        ),
        None => (false, "not measured".into()),
    };
    let (min, max) = r
        .startups
        .iter()
        .fold((f64::MAX, 0.0f64), |(a, b), &x| (a.min(x), b.max(x)));
    let p = &r.pages;
    let pages_ok = same_cost(p.small_first, p.big_first) && same_cost(p.small_deep, p.big_deep);
    let _ = writeln!(s, "| target | measured | result |");
    let _ = writeln!(s, "|---|---|---|");
    for (what, label, share, p99) in [
        (
            "media page at 16 conns: ≥ 50% of floor req/s, p99 < 2 ms",
            MEDIA_PAGE,
            0.5,
            Some(2.0),
        ),
        ("media node at 16 conns: ≥ 75% of floor req/s", MEDIA_NODE, 0.75, None),
        (
            "write flow (create + publish) at 16 conns: ≥ 30% of floor req/s",
            WRITE_FLOW,
            0.3,
            None,
        ),
    ] {
        let (ok, text) = ratio(label, share, p99);
        let _ = writeln!(s, "| {what} | {text} | {} |", pass(ok));
    }
    for &(n, p50, _, mean, per, marginal) in &c.steps {
        let _ = writeln!(
            s,
            "| sandbox creation from the demo world ≤ 1 ms ({n} sandboxes) | p50 {}, mean {} | {} |",
            us(p50),
            us(mean),
            pass(p50 <= 1000.0)
        );
        let _ = writeln!(
            s,
            "| resident memory per fresh sandbox ≤ 100 kB ({n} sandboxes) | {per:.0} kB ({marginal:.0} kB each since the previous count) | {} |",
            pass(per <= 100.0)
        );
    }
    let _ = writeln!(
        s,
        "| start-up to first answer (demo world) ≤ {BASELINE_STARTUP_MS} ms (before issue 12) + 10% | median {:.1} ms of {} (min {:.1}, max {:.1}) | {} |",
        r.startup_ms,
        r.startups.len(),
        min,
        max,
        pass(r.startup_ms <= BASELINE_STARTUP_MS * 1.1)
    );
    let _ = writeln!(
        s,
        "| idle memory (VmRSS) ≤ {BASELINE_IDLE_MIB} MiB (before issue 12) + 10% | {:.1} MiB idle ({:.1} MiB after the load runs) | {} |",
        r.idle_kib as f64 / 1024.0,
        r.loaded_kib as f64 / 1024.0,
        pass(r.idle_kib as f64 / 1024.0 <= BASELINE_IDLE_MIB * 1.1)
    );
    let _ = writeln!(
        s,
        "| a page of a {BIG}-media account costs the same as of a {SMALL}-media one | p50 of {PAGE}-item pages, \
         first / last by cursor: {SMALL} media {} / {}, {BIG} media {} / {} | {} |",
        us(p.small_first),
        us(p.small_deep),
        us(p.big_first),
        us(p.big_deep),
        pass(pages_ok)
    );
    let _ = writeln!(s, "\nTotal bench time {:.0} s.", r.wall.as_secs_f64());
    s
}

fn us(micros: f64) -> String {
    if micros >= 1000.0 {
        format!("{:.2} ms", micros / 1000.0)
    } else {
        format!("{micros:.0} µs")
    }
}

/// Where cargo puts build output for this workspace.
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), |d| root.join(d))
}
