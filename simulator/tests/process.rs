//! The igsim binary as a process: how it starts and how it stops (signals, bad flags).
//! Everything listens on loopback only.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

/// Starts `igsim serve` on a free loopback port with `extra` flags; returns the child and
/// its base address (`127.0.0.1:PORT`, read from the banner's first line).
fn start(extra: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_igsim"))
        .args(["serve", "--addr", "127.0.0.1:0", "--clock", "frozen"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start igsim");
    let stdout = child.stdout.take().expect("stdout");
    let mut first = String::new();
    BufReader::new(stdout).read_line(&mut first).expect("banner");
    let addr = first
        .split("http://")
        .nth(1)
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| panic!("no address in {first:?}"));
    (child, addr)
}

/// One HTTP/1.1 request with `Connection: close`; the whole answer as text.
fn http(addr: &str, request_line: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    write!(
        s,
        "{request_line} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    out
}

/// Sends `signal` (e.g. `TERM`) to the child with the system's `kill`.
fn signal(child: &Child, signal: &str) {
    let ok = Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .expect("run kill")
        .success();
    assert!(ok, "kill -{signal} failed");
}

fn stderr_of(child: &mut Child) -> String {
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    err
}

#[cfg(unix)]
#[test]
fn sigterm_shuts_down_gracefully_like_ctrl_c() {
    for (sig, said) in [("TERM", "terminated"), ("INT", "interrupted")] {
        let (mut child, addr) = start(&[]);
        assert!(http(&addr, "GET /_sim/health").starts_with("HTTP/1.1 200"));
        signal(&child, sig);
        let status = child.wait().expect("igsim exits");
        let err = stderr_of(&mut child);
        assert!(status.success(), "SIG{sig}: {status:?}\n{err}");
        assert!(err.contains(&format!("igsim: {said}: shutting down")), "{err}");
    }
}

#[test]
fn an_empty_admin_token_is_refused_at_start() {
    let out = Command::new(env!("CARGO_BIN_EXE_igsim"))
        .args(["serve", "--addr", "127.0.0.1:0", "--admin-token", " "])
        .output()
        .expect("run igsim");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--admin-token"));
}

#[cfg(unix)]
#[test]
fn the_admin_token_can_come_from_the_environment() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_igsim"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("IGSIM_ADMIN_TOKEN", "from-env")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start igsim");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("banner");
    let addr = first.split("http://").nth(1).expect("address").trim().to_string();
    assert!(http(&addr, "GET /_sim/health").starts_with("HTTP/1.1 401"));
    let mut s = TcpStream::connect(&addr).expect("connect");
    write!(
        s,
        "GET /_sim/health HTTP/1.1\r\nHost: x\r\nX-Igsim-Admin-Token: from-env\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    signal(&child, "TERM");
    assert!(child.wait().expect("exit").success());
}
