//! Helpers of the tests that run the `igsim` binary as a real process.
#![allow(dead_code)] // each test binary uses its own subset

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};

/// A started igsim: its base address, the demo user token, and the process.
pub struct Igsim {
    pub child: Child,
    pub addr: String,
    pub token: String,
    pub banner: String,
}

/// Starts `igsim serve --addr 127.0.0.1:0 --clock frozen <args>` and reads its banner.
pub fn start(args: &[&str]) -> Igsim {
    let mut child = Command::new(env!("CARGO_BIN_EXE_igsim"))
        .args(["serve", "--addr", "127.0.0.1:0", "--clock", "frozen"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("igsim starts");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut banner = String::new();
    // The banner ends with the line naming the control plane.
    while !banner.contains("All sandboxes, tokens and clocks") {
        let mut line = String::new();
        assert!(out.read_line(&mut line).unwrap() > 0, "igsim exited: {banner}");
        banner.push_str(&line);
    }
    let addr = banner
        .lines()
        .next()
        .unwrap()
        .rsplit("http://")
        .next()
        .unwrap()
        .trim()
        .to_string();
    let token = banner
        .lines()
        .find_map(|l| l.trim().strip_prefix("user token"))
        .unwrap()
        .trim()
        .to_string();
    Igsim {
        child,
        addr,
        token,
        banner,
    }
}

/// One GET over a fresh connection; the status line.
pub fn get(addr: &str, target: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out.lines().next().unwrap_or_default().to_string()
}

/// Sends `signal` (e.g. `TERM`) to the child with the system's `kill`.
pub fn signal(child: &Child, signal: &str) {
    let ok = Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .expect("run kill")
        .success();
    assert!(ok, "kill -{signal} failed");
}

/// The line a graceful stop by SIGTERM writes to stderr first (`main.rs`).
pub const TERMINATED: &str = "igsim: terminated: shutting down";

/// Stops igsim gracefully (SIGTERM, as `docker stop` does), waits for its exit and returns
/// everything it wrote to stderr: every line logged before the stop is in it. The exit must
/// be a success. Reading stderr to its end while waiting keeps a full pipe from stalling it.
pub fn stop(mut p: Igsim) -> String {
    signal(&p.child, "TERM");
    let mut err = String::new();
    p.child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let status = p.child.wait().unwrap();
    assert!(status.success(), "igsim stopped with {status:?}:\n{err}");
    err
}

/// A test that fails half-way leaves no igsim running.
impl Drop for Igsim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
