//! Request logs of the `igsim` binary, run as a real process: one JSON line per request with
//! the documented fields and never a token; `--log-level warn` keeps request lines out; the
//! start-up lines with the demo credentials print whatever the level; a graceful stop loses
//! no line logged before it.

mod common;

use common::{get, start, stop, TERMINATED};
use serde_json::Value;
use std::process::Command;

#[test]
fn one_json_line_per_request_with_the_documented_fields_and_no_token() {
    let p = start(&["--log-format", "json"]);
    assert!(p.banner.contains("Demo credentials"), "{}", p.banner);
    let (addr, token) = (p.addr.clone(), p.token.clone());
    assert!(get(&addr, &format!("/v21.0/me?access_token={token}")).contains("200"));
    assert!(get(&addr, &format!("/v21.0/1234?access_token={token}")).contains("400"));
    assert!(get(&addr, "/_sim/health").contains("200"));
    let err = stop(p);
    assert!(!err.contains(&token), "a token reached the log:\n{err}");
    // Every line is JSON but the shutdown notice (plain text for whoever watches).
    let lines: Vec<Value> = err
        .lines()
        .filter(|l| *l != TERMINATED)
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let requests: Vec<&Value> = lines.iter().filter(|l| l["target"] == "igsim::request").collect();
    assert_eq!(requests.len(), 2, "{err}");
    let ok = &requests[0]["fields"];
    assert_eq!(ok["sandbox"], "default");
    assert_eq!(ok["method"], "GET");
    assert_eq!(ok["path"], "/v21.0/me");
    assert_eq!(ok["status"], 200);
    assert_eq!(ok["error"], "-");
    assert!(ok["duration_ms"].as_f64().is_some());
    assert!(requests[0]["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert_eq!(requests[1]["fields"]["status"], 400);
    assert_eq!(requests[1]["fields"]["error"], "100/33");
    let control = lines
        .iter()
        .find(|l| l["target"] == "igsim::control")
        .expect("the control plane is logged");
    assert_eq!(control["fields"]["path"], "/_sim/health");
}

/// A graceful stop drains the log queue: a burst of requests answered just before SIGTERM is
/// all on stderr (the writer thread still had them queued when the signal came).
#[test]
fn every_line_logged_before_a_graceful_stop_reaches_stderr() {
    let p = start(&[]);
    const BURST: usize = 300;
    for i in 0..BURST {
        assert!(get(&p.addr, &format!("/v21.0/me?fields=id&n={i}&access_token={}", p.token)).contains("200"));
    }
    let err = stop(p);
    let lines = err.lines().filter(|l| l.contains("igsim::request: ")).count();
    assert_eq!(lines, BURST, "{err}");
    assert!(err.contains(TERMINATED), "{err}");
}

#[test]
fn the_level_flag_silences_request_lines_and_bad_filters_are_refused() {
    let p = start(&["--log-level", "warn"]);
    assert!(p.banner.contains("user token"), "credentials print whatever the level");
    let (addr, token) = (p.addr.clone(), p.token.clone());
    assert!(get(&addr, &format!("/v21.0/me?access_token={token}")).contains("200"));
    assert_eq!(stop(p).trim_end(), TERMINATED);
    let out = Command::new(env!("CARGO_BIN_EXE_igsim"))
        .args(["serve", "--addr", "127.0.0.1:0", "--log-level", "loud"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--log-level \"loud\" is not a log filter"));
}
