//! `cargo xtask soak [--minutes N] [--state-dir]`: the release igsim (with `--state-dir`,
//! keeping every sandbox in `target/soak-state`, cleared first) under a few minutes of mixed, well-behaved
//! traffic (reads, paging, writes, batches, token exchanges, webhooks to a loopback receiver,
//! sandboxes created and deleted, each with a latency fault rule and its request journal read)
//! while hostile clients do what issue 13 lists (nested JSON,
//! oversized and slow bodies, slowloris and idle connections, over-long URIs and headers,
//! garbage bytes, half-closed requests). Every few seconds it prints resident memory, requests,
//! errors and latency; at the end a Markdown summary (also in target/soak.md). Not part of CI:
//! it takes minutes and its numbers depend on the machine.

use crate::bench::{self, Proc};
use crate::load;
use serde_json::Value;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often a line of numbers is printed.
const SAMPLE_EVERY: Duration = Duration::from_secs(10);
/// Well-behaved client threads and hostile ones.
const CLIENTS: usize = 4;
const HOSTILE: usize = 2;

/// Counters shared by every client thread.
#[derive(Default)]
struct Tally {
    requests: AtomicU64,
    /// Well-behaved requests answered 2xx.
    ok: AtomicU64,
    /// Well-behaved requests answered 5xx, or not answered at all.
    errors: AtomicU64,
    hostile: AtomicU64,
    /// Hostile requests answered 5xx, or dropped without an answer where one was due.
    hostile_errors: AtomicU64,
    latencies_us: Mutex<Vec<u32>>,
    last_error: Mutex<Option<String>>,
}

impl Tally {
    /// Requests, 2xx answers, errors, hostile requests, hostile errors, so far.
    fn counts(&self) -> [u64; 5] {
        [
            &self.requests,
            &self.ok,
            &self.errors,
            &self.hostile,
            &self.hostile_errors,
        ]
        .map(|c| c.load(Ordering::Relaxed))
    }

    fn fail(&self, counter: &AtomicU64, what: String) {
        counter.fetch_add(1, Ordering::Relaxed);
        *self.last_error.lock().unwrap_or_else(|e| e.into_inner()) = Some(what);
    }
}

fn vm_rss_kib(pid: u32) -> u64 {
    bench::vm_rss_kib(pid).unwrap_or(0)
}

/// One request on a fresh connection; the status (0: no answer) and body.
fn call(addr: SocketAddr, method: &str, target: &str, content_type: &str, body: &[u8]) -> (u16, Vec<u8>) {
    load::request_typed(addr, method, target, content_type, body).unwrap_or((0, Vec::new()))
}

fn json(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or(Value::Null)
}

/// A loopback webhook receiver answering 200 to everything; its address.
fn receiver(stop: Arc<AtomicBool>) -> Result<String, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let url = format!("http://{}/hook", listener.local_addr().map_err(|e| e.to_string())?);
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            match listener.accept() {
                Ok((mut s, _)) => {
                    let _ = s.set_nonblocking(false);
                    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                    std::thread::spawn(move || {
                        let mut buf = vec![0u8; 1 << 16];
                        let mut seen = Vec::new();
                        while let Ok(n) = s.read(&mut buf) {
                            if n == 0 {
                                break;
                            }
                            seen.extend_from_slice(&buf[..n]);
                            if let Some(i) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                                let head = String::from_utf8_lossy(&seen[..i]).to_ascii_lowercase();
                                let len = head
                                    .lines()
                                    .find_map(|l| l.strip_prefix("content-length: "))
                                    .and_then(|v| v.trim().parse::<usize>().ok())
                                    .unwrap_or(0);
                                if seen.len() >= i + 4 + len {
                                    break;
                                }
                            }
                        }
                        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
                    });
                }
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    Ok(url)
}

/// What the well-behaved clients work with: a sandbox of their own each round.
struct World {
    sandbox: String,
    token: String,
    app: String,
    secret: String,
    ig: String,
    post: String,
}

fn new_world(addr: SocketAddr) -> Option<World> {
    let (status, body) = call(addr, "POST", "/_sim/sandboxes", "application/json", b"");
    if status != 201 {
        return None;
    }
    let sb = json(&body);
    let token = sb["users"][0]["access_token"].as_str()?.to_string();
    let ig = sb["instagram_accounts"]
        .as_array()?
        .iter()
        .find(|a| a["username"] == "metricsaurus")?["id"]
        .as_str()?
        .to_string();
    let (_, media) = call(
        addr,
        "GET",
        &format!("/v21.0/{ig}/media?fields=media_type,media_product_type&limit=50&access_token={token}"),
        "text/plain",
        b"",
    );
    let post = json(&media)["data"]
        .as_array()?
        .iter()
        .find(|m| m["media_type"] == "IMAGE" && m["media_product_type"] == "FEED")?["id"]
        .as_str()?
        .to_string();
    Some(World {
        sandbox: sb["id"].as_str()?.to_string(),
        token,
        app: sb["app"]["id"].as_str()?.to_string(),
        secret: sb["app"]["secret"].as_str()?.to_string(),
        ig,
        post,
    })
}

/// A well-behaved client: rounds of a fresh sandbox, a mix of Graph calls, events and a
/// flush, then the sandbox deleted.
fn client(addr: SocketAddr, hook: String, tally: Arc<Tally>, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        let Some(w) = new_world(addr) else {
            tally.fail(&tally.errors, "creating a sandbox failed".into());
            continue;
        };
        let sub = format!(r#"{{"callback_url":"{hook}"}}"#);
        let get = |target: String| ("GET", target, "text/plain", String::new());
        let steps: Vec<(&str, String, &str, String)> = vec![
            ("POST", format!("/_sim/sandboxes/{}/webhooks/subscription", w.sandbox), "application/json", sub),
            get(format!("/v21.0/me/accounts?access_token={}", w.token)),
            get(format!("/v21.0/{}/media?fields=id,caption,media_type,like_count,timestamp&limit=25&access_token={}", w.ig, w.token)),
            get(format!("/v21.0/{}?fields=username,media_count,media.limit(3){{caption,comments{{text}}}}&access_token={}", w.ig, w.token)),
            (
                "POST",
                format!("/v21.0/{}/comments", w.post),
                "application/x-www-form-urlencoded",
                format!("message=soak&access_token={}", w.token),
            ),
            get(format!("/v21.0/ig_hashtag_search?user_id={}&q=bluebottle&access_token={}", w.ig, w.token)),
            get(format!("/v21.0/{}/insights?metric=reach&period=day&access_token={}", w.ig, w.token)),
            get(format!(
                    "/v21.0/oauth/access_token?grant_type=fb_exchange_token&client_id={}&client_secret={}&fb_exchange_token={}",
                    w.app, w.secret, w.token
                )),
            (
                "POST",
                "/v21.0/".to_string(),
                "application/x-www-form-urlencoded",
                format!(
                    "access_token={}&batch={}",
                    w.token,
                    form_urlencoded::byte_serialize(br#"[{"method":"GET","relative_url":"me"},{"method":"GET","relative_url":"me/accounts"}]"#)
                        .collect::<String>()
                ),
            ),
            (
                "POST",
                format!("/_sim/sandboxes/{}/events/comment", w.sandbox),
                "application/json",
                format!(r#"{{"media_id":"{}","text":"from outside","from_username":"ana.lopez"}}"#, w.post),
            ),
            ("POST", format!("/_sim/sandboxes/{}/webhooks/flush", w.sandbox), "application/json", "{}".into()),
            get(format!("/_sim/sandboxes/{}/requests/count?method=POST&edge=comments", w.sandbox)),
            get(format!("/_sim/sandboxes/{}/requests?status=2xx&limit=5", w.sandbox)),
        ];
        // Every 20th Graph GET answers 5 ms late (the fault rules and their seeded counters at work).
        call(
            addr,
            "POST",
            &format!("/_sim/sandboxes/{}/faults", w.sandbox),
            "application/json",
            br#"{"method":"GET","every":20,"latency_ms":5}"#,
        );
        for _ in 0..5 {
            for (method, target, ct, body) in &steps {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let t = Instant::now();
                let (status, text) = call(addr, method, target, ct, body.as_bytes());
                let us = t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
                tally.requests.fetch_add(1, Ordering::Relaxed);
                if (200..300).contains(&status) {
                    tally.ok.fetch_add(1, Ordering::Relaxed);
                }
                tally.latencies_us.lock().unwrap_or_else(|e| e.into_inner()).push(us);
                if status == 0 || status >= 500 {
                    tally.fail(
                        &tally.errors,
                        format!("{method} {target}: {status} {}", String::from_utf8_lossy(&text)),
                    );
                }
            }
        }
        call(
            addr,
            "DELETE",
            &format!("/_sim/sandboxes/{}", w.sandbox),
            "text/plain",
            b"",
        );
    }
}

/// A hostile client: one fault after another, each expected to be refused with an envelope
/// (or, for slow and idle connections, closed), never to take the server down.
fn hostile(addr: SocketAddr, tally: Arc<Tally>, stop: Arc<AtomicBool>) {
    let deep = |n: usize, open: &str, close: &str| {
        form_urlencoded::byte_serialize(format!("{}1{}", open.repeat(n), close.repeat(n)).as_bytes())
            .collect::<String>()
    };
    let nested_batch = format!("access_token=x&batch={}", deep(1_600, "{a:", "}"));
    let nested_arrays = format!("access_token=x&batch={}", deep(3_200, "[", "]"));
    let billions = br#"{"instagram_accounts":[{"username":"big","account_type":"BUSINESS"}],"generate":[{"owner":"big","media":4294967295}]}"#;
    let mut round = 0u64;
    while !stop.load(Ordering::Relaxed) {
        round += 1;
        let expect_answer = |status: u16, what: &str| {
            tally.hostile.fetch_add(1, Ordering::Relaxed);
            if status == 0 || status >= 500 {
                tally.fail(&tally.hostile_errors, format!("{what}: {status}"));
            }
        };
        let form = "application/x-www-form-urlencoded";
        expect_answer(
            call(addr, "POST", "/v21.0/", form, nested_batch.as_bytes()).0,
            "nested batch",
        );
        expect_answer(
            call(addr, "POST", "/v21.0/", form, nested_arrays.as_bytes()).0,
            "nested arrays",
        );
        expect_answer(
            call(addr, "POST", "/_sim/sandboxes", "application/json", billions).0,
            "billions of media",
        );
        expect_answer(
            call(
                addr,
                "GET",
                &format!("/v21.0/me?fields={}", "a".repeat(70_000)),
                "text/plain",
                b"",
            )
            .0,
            "a 70 kB URI",
        );
        expect_answer(
            call(addr, "GET", "/v21.0/me?fields=%C3%A9t%C3%A9,}}{", "text/plain", b"").0,
            "bad fields",
        );
        // A 20 MB Content-Length with nothing after it: refused at once.
        let early = raw(
            addr,
            b"POST /v21.0/me HTTP/1.1\r\nHost: x\r\nContent-Length: 20000000\r\n\r\n",
            false,
        );
        expect_answer(early, "oversized body");
        // Headers over the limit, garbage, a half-closed request.
        let pad: String = (0..80)
            .map(|i| format!("X-Pad-{i}: {}\r\n", "b".repeat(2_000)))
            .collect();
        expect_answer(
            raw(
                addr,
                format!("GET /v21.0/me HTTP/1.1\r\nHost: x\r\n{pad}\r\n").as_bytes(),
                false,
            ),
            "big headers",
        );
        expect_answer(raw(addr, b"\x16\x03\x01garbage\r\n\r\n", false), "garbage");
        expect_answer(
            raw(addr, b"GET /_sim/health HTTP/1.1\r\nHost: x\r\n\r\n", true),
            "half-closed",
        );
        // Slowloris and idle connections: held open a while, then dropped by the client.
        if round.is_multiple_of(5) {
            let held: Vec<TcpStream> = (0..20)
                .filter_map(|i| {
                    let mut s = TcpStream::connect(addr).ok()?;
                    if i % 2 == 0 {
                        let _ = s.write_all(b"GET /_sim/health HTTP/1.1\r\nHost: x\r\nX-Slow: ");
                    }
                    Some(s)
                })
                .collect();
            std::thread::sleep(Duration::from_secs(2));
            drop(held);
        }
    }
}

/// Sends raw bytes (optionally half-closing); the status of the answer (0: none).
fn raw(addr: SocketAddr, bytes: &[u8], half_close: bool) -> u16 {
    let go = || -> std::io::Result<u16> {
        let mut s = TcpStream::connect(addr)?;
        s.set_read_timeout(Some(Duration::from_secs(60)))?;
        // The server may answer and close before all is sent (early refusals).
        let _ = s.write_all(bytes);
        if half_close {
            s.shutdown(std::net::Shutdown::Write)?;
        }
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        Ok(std::str::from_utf8(&out[..out.len().min(12)])
            .ok()
            .and_then(|h| h.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0))
    };
    go().unwrap_or(0)
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    f64::from(sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1])
}

fn ms(us: f64) -> String {
    format!("{:.1} ms", us / 1000.0)
}

/// Runs the soak against the release binary `bin` for `minutes`; writes `target/soak.md`.
pub fn run(target_dir: &Path, bin: &Path, minutes: f64, state_dir: bool) -> Result<(), String> {
    let stop = Arc::new(AtomicBool::new(false));
    let hook = receiver(stop.clone())?;
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        l.local_addr().map_err(|e| e.to_string())?
    };
    let mut args = vec![
        "serve".to_string(),
        "--addr".into(),
        addr.to_string(),
        "--max-connections".into(),
        "256".into(),
    ];
    if state_dir {
        let dir = target_dir.join("soak-state");
        let _ = std::fs::remove_dir_all(&dir);
        args.extend(["--state-dir".to_string(), dir.to_string_lossy().into_owned()]);
    }
    let proc = Proc(
        Command::new(bin)
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?,
    );
    let pid = proc.0.id();
    let started = Instant::now();
    while !matches!(load::get_once(addr, "/_sim/health"), Ok((200, _))) {
        if started.elapsed() > Duration::from_secs(20) {
            return Err("igsim did not start".into());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let rss_start = vm_rss_kib(pid);
    let tally = Arc::new(Tally::default());
    let mut threads = Vec::new();
    for _ in 0..CLIENTS {
        let (t, s, h) = (tally.clone(), stop.clone(), hook.clone());
        threads.push(std::thread::spawn(move || client(addr, h, t, s)));
    }
    for _ in 0..HOSTILE {
        let (t, s) = (tally.clone(), stop.clone());
        threads.push(std::thread::spawn(move || hostile(addr, t, s)));
    }
    let total = Duration::from_secs_f64(minutes * 60.0);
    let mut table = String::from("| time | RSS | requests | errors | hostile | hostile errors | p50 | p99 |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    let (mut rss_min, mut rss_max) = (u64::MAX, 0u64);
    let mut all: Vec<u32> = Vec::new();
    println!("soak: igsim pid {pid} on {addr}, {CLIENTS} clients, {HOSTILE} hostile clients, {minutes} min");
    while started.elapsed() < total {
        std::thread::sleep(
            SAMPLE_EVERY
                .min(total.saturating_sub(started.elapsed()))
                .max(Duration::from_millis(100)),
        );
        let rss = vm_rss_kib(pid);
        rss_min = rss_min.min(rss);
        rss_max = rss_max.max(rss);
        let mut window = std::mem::take(&mut *tally.latencies_us.lock().unwrap_or_else(|e| e.into_inner()));
        window.sort_unstable();
        let [requests, _, errors, hostile, hostile_errors] = tally.counts();
        let line = format!(
            "| {:>4.0} s | {:.1} MiB | {requests} | {errors} | {hostile} | {hostile_errors} | {} | {} |",
            started.elapsed().as_secs_f64(),
            rss as f64 / 1024.0,
            ms(percentile(&window, 0.5)),
            ms(percentile(&window, 0.99)),
        );
        println!("{line}");
        let _ = writeln!(table, "{line}");
        all.extend(window);
    }
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        let _ = t.join();
    }
    let alive = matches!(load::get_once(addr, "/_sim/health"), Ok((200, _)));
    let rss_end = vm_rss_kib(pid);
    all.sort_unstable();
    let mut report = String::new();
    let with = if state_dir { ", --state-dir" } else { "" };
    let _ = writeln!(report, "## cargo xtask soak ({minutes} min{with})\n");
    let _ = writeln!(report, "{table}");
    let [requests, ok, errors, hostile, hostile_errors] = tally.counts();
    let _ = writeln!(
        report,
        "RSS: {:.1} MiB at start, {:.1}–{:.1} MiB while running, {:.1} MiB at the end. Requests: {requests} well-behaved ({ok} answered 2xx; {errors} errors: 5xx or no answer), {hostile} hostile ({hostile_errors} answered 5xx or not at all). Latency of well-behaved requests (fresh connection each): p50 {}, p99 {}. Alive at the end: {}.",
        rss_start as f64 / 1024.0,
        rss_min as f64 / 1024.0,
        rss_max as f64 / 1024.0,
        rss_end as f64 / 1024.0,
        ms(percentile(&all, 0.5)),
        ms(percentile(&all, 0.99)),
        if alive { "yes" } else { "NO" },
    );
    if let Some(e) = tally.last_error.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
        let _ = writeln!(report, "\nLast error: {e}");
    }
    println!("\n{report}");
    let _ = std::fs::write(target_dir.join("soak.md"), &report);
    drop(proc);
    if alive {
        Ok(())
    } else {
        Err("igsim stopped answering".into())
    }
}
