//! State that survives: `GET /_sim/sandboxes/{id}/export` and `POST /_sim/sandboxes` with the
//! snapshot restore a sandbox exactly (same ids to come, same clock, tokens, outbox, rules);
//! a snapshot of an unknown version is refused; and a simulator restarted on the same state
//! directory continues where it stopped, down to the clock and the webhook outbox. (The
//! `kill -9` test runs the binary: `simulator/tests/persistence.rs`.)

use crate::support::METRICSAURUS;
use conformance::client::Client;
use conformance::sim::{self, Sandbox};
use serde_json::{json, Value};
use simulator::{ClockMode, Config, Running, Simulator};
use std::path::{Path, PathBuf};

const IMAGE: &str = "https://www.example.com/images/bronz-fonz.jpg";

fn container(c: &Client) -> String {
    let r = c.post(&format!("{METRICSAURUS}/media"), &[("image_url", IMAGE)]);
    r.ok("id_response")["id"].as_str().unwrap().to_string()
}

fn attach(base: &str, id: &str) -> Sandbox {
    sim::attach(base, id).unwrap_or_else(|e| panic!("{e}"))
}

fn frozen() -> Config {
    Config {
        clock: ClockMode::Frozen,
        ..Config::default()
    }
}

#[test]
fn an_exported_sandbox_comes_back_exactly_and_its_ids_continue() {
    let running = Simulator::new(frozen()).spawn(0).unwrap();
    let base = running.base_url();
    let sb = sim::new_sandbox(&base, None);
    let c = sb.client_as("Dana Admin");
    sb.advance(7200);
    container(&c);
    let added = sb.add_faults(&json!({"id": "every-3rd-read", "method": "GET", "every": 3, "latency_ms": 1}));
    assert_eq!(added.status, 201);
    c.get("me", &[]).ok("fb_user");
    let exported = sb.export();
    assert_eq!(exported["igsim_snapshot"], 1);
    // What the original does next…
    let next_original = container(&c);
    let original_faults = sb.faults();

    // …the restored copy does too, once the original is gone (a token names one sandbox).
    sim::delete_sandbox(&sb);
    let restore = sim::restore(&base, &exported, Some("copy"), false);
    assert_eq!(restore.status, 201, "{}", restore.text);
    restore.schema("sim_sandbox");
    let copy = attach(&base, "copy");
    assert_eq!(
        copy.user_token("Dana Admin"),
        sb.user_token("Dana Admin"),
        "the same tokens"
    );
    assert_eq!(copy.now(), frozen_at(&exported), "the same clock");
    let cc = copy.client_as("Dana Admin");
    assert_eq!(
        container(&cc),
        next_original,
        "ids continue where the snapshot left them"
    );
    assert_eq!(copy.faults(), original_faults, "fault rules and their counters");
    // The journal's numbering continues (its entries are not part of a snapshot).
    let seq = copy.requests("")["data"][0]["seq"].as_u64().unwrap();
    assert!(seq > 2, "numbering continues: {seq}");
}

/// The instant a snapshot's frozen clock holds.
fn frozen_at(snapshot: &Value) -> i64 {
    snapshot["clock"]["frozen_at"].as_i64().expect("a frozen clock")
}

#[test]
fn snapshots_of_another_version_or_owning_live_tokens_are_refused_and_default_can_be_replaced() {
    let running = Simulator::new(frozen()).spawn(0).unwrap();
    let base = running.base_url();
    let sb = sim::new_sandbox(&base, None);
    let mut snap = sb.export();
    // The original still holds its tokens.
    let r = sim::restore(&base, &snap, Some("twin"), false);
    assert_eq!(r.status, 409, "{}", r.text);
    r.schema("sim_error");
    assert!(r.text.contains(&format!("belong to sandbox {}", sb.id)), "{}", r.text);
    // Unknown versions say which one this igsim reads.
    snap["igsim_snapshot"] = json!(2);
    let r = sim::restore(&base, &snap, Some("v2"), false);
    assert_eq!(r.status, 400);
    assert!(
        r.text.contains("version 2 is not one this igsim") && r.text.contains("reads version 1"),
        "{}",
        r.text
    );
    // A damaged one says what is wrong.
    snap["igsim_snapshot"] = json!(1);
    snap["world"] = json!("gone");
    let r = sim::restore(&base, &snap, Some("broken"), false);
    assert_eq!(r.status, 400);
    assert!(
        r.text
            .starts_with("{\"error\":{\"message\":\"bad snapshot: a version 1 snapshot, but"),
        "{}",
        r.text
    );
    // `default` cannot be deleted, so a snapshot replaces it.
    let default = attach(&base, "default");
    default.advance(60);
    let before = default.export();
    default.advance(3600);
    let r = sim::restore(&base, &before, Some("default"), false);
    assert_eq!(r.status, 409);
    let r = sim::restore(&base, &before, Some("default"), true);
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(default.now(), frozen_at(&before));
    default.client_as("Dana Admin").get("me", &[]).ok("fb_user");
}

/// A fresh state directory under the system temp dir, removed by the test that made it.
fn state_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("igsim-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn start(dir: &Path) -> Running {
    Simulator::new(Config {
        state_dir: Some(dir.to_path_buf()),
        ..frozen()
    })
    .spawn(0)
    .unwrap()
}

#[test]
fn a_restarted_simulator_continues_where_it_stopped_down_to_the_clock_and_the_outbox() {
    let dir = state_dir("restart");
    let first = start(&dir);
    let base = first.base_url();
    let sb = sim::new_sandbox(&base, None);
    let c = sb.client_as("Dana Admin");
    sb.advance(86_400);
    let creation = container(&c);
    let media = c.post(&format!("{METRICSAURUS}/media_publish"), &[("creation_id", &creation)]);
    let media = media.ok("id_response")["id"].as_str().unwrap().to_string();
    let comment = c.post(&format!("{media}/comments"), &[("message", "kept")]);
    let comment = comment.ok("id_response")["id"].as_str().unwrap().to_string();
    let morgan = sb.user_token("Morgan Publisher");
    let r = sb.control_post(
        "tokens/revoke",
        &json!({ "access_token": morgan, "reason": "password_changed" }),
    );
    assert_eq!(r.status, 200);
    let r = sb.control_post("rate_limits", &json!({ "buc_calls_per_day": 500 }));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        sb.add_faults(&json!({"id": "later", "edge": "insights", "nth": 2, "error": "service"}))
            .status,
        201
    );
    // The outbox: a subscription at an address nothing listens on, one failed attempt.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    sb.control_post(
        "webhooks/subscription",
        &json!({ "callback_url": format!("http://127.0.0.1:{port}/hook") }),
    )
    .ok("sim_webhooks");
    let r = sb.control_post(
        "events/comment",
        &json!({ "media_id": media, "text": "hi", "from_username": "ana.lopez" }),
    );
    r.ok("sim_event");
    sb.control_post("webhooks/flush", &json!({})).ok("sim_webhook_flush");
    let outbox = sb.control_get("webhooks/deliveries").body;
    assert_eq!(outbox["data"][0]["state"], "pending");
    // The rule's first matching call: its second fires, after the restart.
    let insights = |c: &Client| {
        c.get(
            &format!("{METRICSAURUS}/insights"),
            &[("metric", "reach"), ("period", "day")],
        )
    };
    insights(&c).ok("user_insights");
    let rules = sb.faults();
    assert_eq!(rules["data"][0]["matched"], 1);
    let before = sb.export();
    let limits = sb.control_get("rate_limits").body;
    let last_seq = sb.requests("")["next_since"].as_u64().unwrap();
    first.shutdown();

    let second = start(&dir);
    let base = second.base_url();
    let again = attach(&base, &sb.id);
    let c = again.client_as("Dana Admin");
    assert_eq!(again.requests("")["data"], json!([]), "journal entries are not kept…");
    c.get("me", &[]).ok("fb_user");
    assert_eq!(
        again.requests("")["data"][0]["seq"].as_u64(),
        Some(last_seq + 1),
        "…their numbering is"
    );
    assert_eq!(again.now(), frozen_at(&before), "the clock");
    assert_eq!(
        again.control_get("webhooks/deliveries").body,
        outbox,
        "the outbox, attempts and all"
    );
    assert_eq!(
        again.control_get("rate_limits").body,
        limits,
        "rate-limit windows and overrides"
    );
    assert_eq!(again.export()["world"], before["world"], "the whole world");
    c.get(&comment, &[("fields", "text")]).ok("ig_comment");
    Client::new(&base)
        .get("me", &[("access_token", &morgan)])
        .graph_error(190, Some(460));
    assert_eq!(again.faults(), rules, "fault rules with their counters");
    let fired = insights(&c);
    fired.schema("error");
    assert_eq!(
        (fired.status, &fired.body["error"]["code"]),
        (500, &json!(2)),
        "{}",
        fired.text
    );
    // The outbox's schedule goes on: the retry falls due 10 s of sandbox time later.
    again.advance(10);
    again.control_post("webhooks/flush", &json!({})).ok("sim_webhook_flush");
    let retried = again.control_get("webhooks/deliveries").body;
    assert_eq!(retried["data"][0]["attempts"].as_array().unwrap().len(), 2);
    // New sandboxes and deletions are kept too.
    let extra = sim::new_sandbox(&base, None);
    sim::delete_sandbox(&again);
    second.shutdown();
    let third = start(&dir);
    assert!(
        sim::attach(&third.base_url(), &extra.id).is_ok(),
        "a new sandbox is kept"
    );
    assert!(
        sim::attach(&third.base_url(), &again.id).is_err(),
        "a deleted one stays deleted"
    );
    third.shutdown();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_state_directory_with_an_unreadable_snapshot_stops_the_start() {
    let dir = state_dir("bad-state");
    std::fs::create_dir_all(dir.join("sandboxes")).unwrap();
    std::fs::write(dir.join("sandboxes/old.json"), br#"{"igsim_snapshot": 9}"#).unwrap();
    let Err(e) = Simulator::new(Config {
        state_dir: Some(dir.clone()),
        ..frozen()
    })
    .spawn(0) else {
        panic!("started over a snapshot it cannot read");
    };
    let e = e.to_string();
    assert!(e.contains("old.json") && e.contains("version 9"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}
