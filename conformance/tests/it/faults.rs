//! Fault and latency injection: a transient error on the nth publish and the app's retry in
//! the journal; production's status and envelope for every injectable error; drops, hangs and
//! latency; `after` (the write happened, the client never heard); seeded probabilities (a
//! rule's own seed, or one derived from the simulator's seed);
//! expiry on the sandbox clock; start-up rules; refusals.

use crate::support::METRICSAURUS;
use conformance::client::{Client, Resp};
use conformance::sim::{self, Sandbox};
use serde_json::{json, Value};
use simulator::config::FaultSpec;
use simulator::journal::RequestFilter;
use simulator::{Config, Simulator};
use std::io::{Read, Write};

const IMAGE: &str = "https://www.example.com/images/bronz-fonz.jpg";

/// Codes an app retries as Meta's error-handling page says: 1 and 2, the rate limits, and
/// anything marked `is_transient`.
fn transient(r: &Resp) -> bool {
    let e = &r.body["error"];
    e["is_transient"] == true || matches!(e["code"].as_i64(), Some(1 | 2 | 4 | 17 | 32 | 613 | 80002))
}

/// An app's publish with retries on transient errors (at most 3 attempts).
fn publish_with_retry(c: &Client, creation: &str) -> Resp {
    let mut last = None;
    for _ in 0..3 {
        let r = c.post(&format!("{METRICSAURUS}/media_publish"), &[("creation_id", creation)]);
        if r.status == 200 || !transient(&r) {
            return r;
        }
        last = Some(r);
    }
    last.unwrap()
}

fn container(c: &Client) -> String {
    let r = c.post(&format!("{METRICSAURUS}/media"), &[("image_url", IMAGE)]);
    r.ok("id_response")["id"].as_str().unwrap().to_string()
}

fn add(sb: &Sandbox, rules: Value) -> Value {
    let r = sb.add_faults(&rules);
    assert_eq!(r.status, 201, "{}", r.text);
    r.schema("sim_faults");
    r.body["data"].clone()
}

#[test]
fn a_transient_error_on_the_third_publish_is_retried_and_the_journal_shows_it() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    add(
        &sb,
        json!({"id": "third-publish", "method": "POST", "edge": "media_publish", "nth": 3, "error": "service"}),
    );
    for _ in 0..4 {
        let creation = container(&c);
        publish_with_retry(&c, &creation).ok("id_response");
    }
    let publishes = sb.requests("edge=media_publish")["data"].as_array().unwrap().clone();
    let statuses: Vec<u64> = publishes.iter().map(|e| e["status"].as_u64().unwrap()).collect();
    assert_eq!(
        statuses,
        vec![200, 200, 500, 200, 200],
        "the third publish failed and was retried"
    );
    assert_eq!(
        publishes[2]["fault"],
        json!({ "rule": "third-publish", "effect": "error" })
    );
    assert_eq!(publishes[2]["error"], json!({ "code": 2 }));
    assert_eq!(
        publishes[3]["params"]["creation_id"],
        publishes[2]["params"]["creation_id"]
    );
    assert_eq!(sb.request_count("fault=third-publish"), 1);
    assert_eq!(sb.request_count("fault=*"), 1);
    let rule = &sb.faults()["data"][0];
    assert_eq!((rule["matched"].as_u64(), rule["fired"].as_u64()), (Some(5), Some(1)));
}

#[test]
fn injected_errors_carry_productions_status_envelope_and_headers() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let cfg = Config::default().rate_limits;
    for (error, code, subcode, status, transient) in [
        (json!("unknown"), 1, None, 500, None),
        (json!("service"), 2, None, 500, Some(true)),
        (json!(4), 4, None, cfg.platform_error_status, Some(true)),
        (json!("user_rate_limit"), 17, None, cfg.user_error_status, Some(true)),
        (json!("page_rate_limit"), 32, None, cfg.page_error_status, Some(true)),
        (json!(613), 613, None, cfg.custom_error_status, Some(true)),
        (
            json!("instagram_rate_limit"),
            80002,
            None,
            cfg.buc_error_status,
            Some(true),
        ),
        (json!(2207001), -1, Some(2207001), 400, Some(true)),
        (json!(2207051), 4, Some(2207051), 403, Some(false)),
        (json!(2207027), 9007, Some(2207027), 400, Some(false)),
    ] {
        add(&sb, json!({"error": error, "times": 1}));
        let r = c.get("me", &[]);
        r.schema("error");
        let e = &r.body["error"];
        assert_eq!(r.status, status, "{error}: {}", r.text);
        assert_eq!(e["code"].as_i64(), Some(code), "{error}");
        assert_eq!(e["error_subcode"].as_i64(), subcode, "{error}");
        assert_eq!(e["is_transient"].as_bool(), transient, "{error}: {}", r.text);
        assert!(e["fbtrace_id"].is_string());
        let www = r
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("www-authenticate"));
        if code == 1 || code == 2 {
            let (_, v) = www.expect("codes 1 and 2 carry WWW-Authenticate");
            assert!(v.starts_with("OAuth \"Facebook Platform\" \"unknown_error\""), "{v}");
        } else {
            assert!(www.is_none(), "{error}");
        }
        c.get("me", &[]).ok("fb_user");
    }
}

#[test]
fn after_the_write_happened_the_client_hears_an_error_and_its_retry_finds_the_container_used() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let count = || {
        c.get(METRICSAURUS, &[("fields", "media_count")]).ok("ig_user")["media_count"]
            .as_u64()
            .unwrap()
    };
    let before = count();
    add(
        &sb,
        json!({"edge": "media_publish", "error": "service", "after": true, "times": 1}),
    );
    let creation = container(&c);
    let r = publish_with_retry(&c, &creation);
    r.graph_error(24, Some(2207008));
    assert_eq!(
        count(),
        before + 1,
        "the first attempt published; the retry did not publish twice"
    );
    let statuses: Vec<Value> = sb.requests("edge=media_publish")["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].clone())
        .collect();
    assert_eq!(statuses, vec![json!(500), json!(400)]);
}

/// Sends one raw HTTP/1.1 request and reads until the server closes: the bytes it answered.
fn raw_exchange(base: &str, request_line: &str) -> Vec<u8> {
    let addr = base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{request_line} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

#[test]
fn drops_and_hangs_close_the_connection_without_an_answer_and_latency_only_delays() {
    let sb = sim::fresh();
    let token = sb.user_token("Dana Admin");
    add(
        &sb,
        json!([
            {"id": "drop", "path": "/me", "drop": true, "times": 1},
            {"id": "hang", "path": "/me", "hang_ms": 20, "times": 1},
            {"id": "slow", "path": "/me", "latency_ms": 30, "times": 1}
        ]),
    );
    let get_me = format!("GET /v21.0/me?access_token={token}");
    assert!(
        raw_exchange(&sb.base_url, &get_me).is_empty(),
        "dropped: no bytes at all"
    );
    assert!(
        raw_exchange(&sb.base_url, &get_me).is_empty(),
        "hung, then closed: no bytes"
    );
    let slow = raw_exchange(&sb.base_url, &get_me);
    assert!(slow.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&slow));
    let entries = sb.requests("path=/me")["data"].as_array().unwrap().clone();
    let faults: Vec<(Value, Value)> = entries
        .iter()
        .map(|e| (e["status"].clone(), e["fault"]["effect"].clone()))
        .collect();
    assert_eq!(
        faults,
        vec![
            (Value::Null, json!("drop")),
            (Value::Null, json!("hang")),
            (json!(200), json!("latency"))
        ]
    );
    assert!(
        entries[2]["duration_us"].as_u64().unwrap() >= 30_000,
        "the latency is in the duration"
    );
    assert_eq!(sb.request_count("status=dropped"), 2);
}

#[test]
fn the_same_seed_and_requests_give_the_same_faults() {
    let run = || {
        let sb = sim::fresh();
        let c = sb.client_as("Dana Admin");
        add(
            &sb,
            json!({"path": "/me", "probability": 0.4, "error": "service", "seed": 99}),
        );
        (0..40).map(|_| c.get("me", &[]).status).collect::<Vec<u16>>()
    };
    let a = run();
    assert_eq!(a, run());
    let failures = a.iter().filter(|s| **s == 500).count();
    assert!((4..=30).contains(&failures), "some, not all: {a:?}");
}

/// A rule with no seed of its own draws from one derived from the simulator's seed, the
/// sandbox and the rule id: two simulators started alike give the same faults.
#[test]
fn without_a_seed_the_same_simulator_seed_and_requests_give_the_same_faults() {
    let run = |seed: u64| {
        let running = Simulator::new(Config {
            seed,
            ..Config::default()
        })
        .spawn(0)
        .unwrap();
        let sb = sim::attach(&running.base_url(), "default").unwrap();
        let rule = add(
            &sb,
            json!({"id": "flaky", "path": "/me", "probability": 0.4, "error": "service"}),
        );
        let c = sb.client_as("Dana Admin");
        let statuses: Vec<u16> = (0..40).map(|_| c.get("me", &[]).status).collect();
        (rule[0]["seed"].as_u64().unwrap(), statuses)
    };
    let (seed, statuses) = run(7);
    assert_eq!(run(7), (seed, statuses.clone()));
    let failures = statuses.iter().filter(|s| **s == 500).count();
    assert!((4..=30).contains(&failures), "some, not all: {statuses:?}");
    assert_ne!(run(8).0, seed, "another simulator seed, another stream");
}

#[test]
fn rules_expire_on_the_sandbox_clock_and_can_be_removed() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let t0 = sb.now();
    let added = add(
        &sb,
        json!([{"id": "soon", "error": 1, "expires_in": 60}, {"id": "keep", "path": "/nothing", "drop": true}]),
    );
    let at = added[0]["expires_at"].as_i64().unwrap();
    assert!(
        t0 + 60 <= at && at <= sb.now() + 60,
        "60 s of sandbox time after it was added: {at}"
    );
    assert_eq!(c.get("me", &[]).status, 500);
    sb.advance(60);
    c.get("me", &[]).ok("fb_user");
    let removed = sb.control_delete("faults/soon");
    assert_eq!(removed.ok("sim_faults_removed")["removed"], 1);
    let again = sb.control_delete("faults/soon");
    assert_eq!(again.status, 404);
    again.schema("sim_error");
    assert_eq!(sb.faults()["data"].as_array().unwrap().len(), 1);
    assert_eq!(sb.clear_faults(), 1);
    assert_eq!(sb.faults()["data"], json!([]));
}

#[test]
fn bad_rules_are_refused_with_the_reason_and_nothing_is_added() {
    let sb = sim::fresh();
    for (rules, why) in [
        (json!({"path": "/me"}), "give an effect"),
        (json!({"error": "teapot"}), "error is one of unknown (1), service (2)"),
        (json!({"error": 100}), "documented publishing subcode"),
        (
            json!([{"drop": true}, {"nth": 0, "drop": true}]),
            "rule 1: nth and every count from 1",
        ),
        (json!({"drop": true, "when": "always"}), "unknown field"),
        (json!("drop"), "give a fault rule object"),
        (
            json!([{"id": "x", "drop": true}, {"id": "x", "drop": true}]),
            "already a rule x",
        ),
    ] {
        let r = sb.add_faults(&rules);
        assert_eq!(r.status, 400, "{rules}");
        assert!(r.text.contains(why), "{rules}: {}", r.text);
    }
    assert_eq!(sb.faults()["data"], json!([]));
}

#[test]
fn start_up_rules_apply_to_every_sandbox_and_in_process_tests_read_them() {
    let spec: FaultSpec = serde_json::from_value(json!({"edge": "media_publish", "nth": 1, "error": 2207001})).unwrap();
    let cfg = Config {
        faults: vec![spec],
        ..Config::default()
    };
    let running = Simulator::new(cfg).spawn(0).unwrap();
    let sb = sim::new_sandbox(&running.base_url(), None);
    assert_eq!(sb.faults()["data"][0]["error"], 2207001);
    let c = sb.client_as("Dana Admin");
    let creation = container(&c);
    let first = c.post(&format!("{METRICSAURUS}/media_publish"), &[("creation_id", &creation)]);
    first.graph_error(-1, Some(2207001));
    assert_eq!(first.body["error"]["is_transient"], true);
    c.post(&format!("{METRICSAURUS}/media_publish"), &[("creation_id", &creation)])
        .ok("id_response");
    let rust = running.sandbox(&sb.id).unwrap();
    assert_eq!(rust.with_faults(|f| f.rules()[0].fired), 1);
    assert_eq!(rust.request_count(&RequestFilter::new().fault("*")), 1);
    assert_eq!(running.sandbox("default").unwrap().with_faults(|f| f.rules().len()), 1);
}

/// A DELETE of the control plane removes everything its path names, so a query (a filter
/// or choice it would not honour) is refused with what was sent, and nothing is removed:
/// `DELETE faults?id=x` used to remove every rule, `DELETE requests?since=n` the whole journal.
#[test]
fn a_control_plane_delete_with_parameters_is_refused_and_removes_nothing() {
    let sb = sim::fresh();
    add(&sb, json!([{"id": "keep", "path": "/nothing", "drop": true}]));
    sb.client_as("Dana Admin").get("me", &[]).ok("fb_user");
    for path in [
        "faults?id=other",
        "requests?since=1&method=GET",
        "webhooks/subscription?x=1",
        "?dry_run=1",
    ] {
        let r = sb.control_delete(path);
        assert_eq!(r.status, 400, "DELETE {path}: {}", r.text);
        r.schema("sim_error");
        let message = r.body["error"]["message"].as_str().unwrap();
        assert!(message.starts_with("DELETE takes no parameters (got "), "{message}");
    }
    assert!(sb.control_delete("faults?id=other").text.contains("(got id)"));
    assert_eq!(sb.faults()["data"].as_array().unwrap().len(), 1, "the rule stays");
    let journal = sb.control_get("requests/count?method=GET");
    assert!(
        journal.body["count"].as_u64().unwrap() >= 1,
        "the journal stays: {}",
        journal.text
    );
    sb.client_as("Dana Admin").get("me", &[]).ok("fb_user");
    assert_eq!(sb.clear_faults(), 1, "without parameters it removes them all");
}
