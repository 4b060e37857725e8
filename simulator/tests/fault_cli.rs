//! `igsim fault …` against a running `igsim` process: add from flags and from a file, list,
//! clear one and all; a refused rule exits 1 with the simulator's reason.

mod common;

use common::{get, start, stop};
use serde_json::Value;
use std::process::{Command, Output};

fn fault(addr: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_igsim"))
        .args(["fault", "--url", &format!("http://{addr}")])
        .args(args)
        .output()
        .expect("igsim fault runs")
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[test]
fn add_list_and_clear_rules_of_a_running_simulator() {
    let p = start(&[]);
    let addr = p.addr.clone();
    let added = json(&fault(
        &addr,
        &[
            "add", "--id", "me-fails", "--path", "/me", "--nth", "1", "--error", "service",
        ],
    ));
    assert_eq!(added["data"][0]["id"], "me-fails");
    assert_eq!(added["data"][0]["error"], "service");
    assert!(get(&addr, &format!("/v21.0/me?access_token={}", p.token)).contains(" 500 "));
    assert!(get(&addr, &format!("/v21.0/me?access_token={}", p.token)).contains(" 200 "));
    let file = std::env::temp_dir().join(format!("igsim-fault-cli-{}.json", std::process::id()));
    std::fs::write(
        &file,
        r#"{"rules": [{"id": "slow", "latency_ms": 1}, {"edge": "media", "drop": true}]}"#,
    )
    .unwrap();
    json(&fault(&addr, &["add", "--file", file.to_str().unwrap()]));
    std::fs::remove_file(&file).unwrap();
    let listed = json(&fault(&addr, &["list"]));
    let ids: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["me-fails", "slow", "rule-1"]);
    assert_eq!(listed["data"][0]["fired"], 1);
    json(&fault(&addr, &["clear", "slow"]));
    assert_eq!(json(&fault(&addr, &["list"]))["data"].as_array().unwrap().len(), 2);
    json(&fault(&addr, &["clear"]));
    assert_eq!(json(&fault(&addr, &["list"]))["data"], Value::Array(vec![]));
    // Every field has its flag: a rule that stops at a sandbox time, seeded draws.
    let timed = json(&fault(
        &addr,
        &[
            "add",
            "--id",
            "timed",
            "--method",
            "GET",
            "--node",
            "me",
            "--probability",
            "0.5",
            "--seed",
            "7",
            "--latency-ms",
            "1",
            "--times",
            "3",
            "--expires-at",
            "4102444800",
        ],
    ));
    assert_eq!(timed["data"][0]["expires_at"], 4_102_444_800i64);
    assert_eq!(timed["data"][0]["seed"], 7);
    assert_eq!(timed["data"][0]["times"], 3);
    json(&fault(&addr, &["clear", "timed"]));
    // A file or flags, never both (a flag would be silently ignored).
    let both = fault(&addr, &["add", "--file", "rules.json", "--nth", "2"]);
    assert_eq!(both.status.code(), Some(2), "a usage error");
    assert!(String::from_utf8_lossy(&both.stderr).contains("cannot be used with"));
    let refused = fault(&addr, &["add", "--drop", "--error", "service"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stdout).contains("give one of error, drop and hang_ms"));
    stop(p);
}

#[test]
fn start_up_rules_come_from_a_file_and_a_bad_file_stops_the_start() {
    let file = std::env::temp_dir().join(format!("igsim-faults-{}.json", std::process::id()));
    std::fs::write(&file, r#"[{"id": "boot", "path": "/me", "nth": 1, "error": 2}]"#).unwrap();
    let p = start(&["--faults", file.to_str().unwrap()]);
    assert!(get(&p.addr, &format!("/v21.0/me?access_token={}", p.token)).contains(" 500 "));
    stop(p);
    std::fs::write(&file, r#"[{"id": "boot", "method": "PUT", "drop": true}]"#).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_igsim"))
        .args(["serve", "--addr", "127.0.0.1:0", "--faults", file.to_str().unwrap()])
        .output()
        .unwrap();
    std::fs::remove_file(&file).unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("rule 0: method is GET, POST or DELETE"), "{err}");
}
