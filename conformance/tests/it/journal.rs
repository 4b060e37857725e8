//! The request journal: a test asks what the app did, over the control plane and in-process
//! through `Running`; entries are bounded, paged with `since`, filtered, counted and cleared,
//! and never hold a token.

use crate::support::METRICSAURUS;
use conformance::client::Client;
use conformance::sim;
use serde_json::Value;
use simulator::journal::{RequestFilter, StatusFilter};
use simulator::{Config, Simulator};

const IMAGE: &str = "https://www.example.com/images/bronz-fonz.jpg";

/// What a publishing app does: one container, one publish, then a look at the result.
fn app_publishes_once(c: &Client) -> String {
    let r = c.post(
        &format!("{METRICSAURUS}/media"),
        &[("image_url", IMAGE), ("caption", "hi")],
    );
    let creation = r.ok("id_response")["id"].as_str().unwrap().to_string();
    let r = c.post(&format!("{METRICSAURUS}/media_publish"), &[("creation_id", &creation)]);
    let media = r.ok("id_response")["id"].as_str().unwrap().to_string();
    c.get(&media, &[("fields", "caption")]).ok("ig_media");
    media
}

#[test]
fn a_test_can_assert_exactly_which_calls_the_app_made() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let token = sb.user_token("Dana Admin");
    let t0 = sb.now();
    app_publishes_once(&c);
    // One failure too: publishing a container that does not exist.
    c.post(
        &format!("{METRICSAURUS}/media_publish"),
        &[("creation_id", "17900000000000000")],
    )
    .graph_error(24, Some(2207008));

    assert_eq!(sb.request_count("method=POST&edge=media_publish"), 2);
    assert_eq!(sb.request_count("method=POST&edge=media_publish&status=200"), 1);
    assert_eq!(
        sb.request_count("path=/*/media_publish&error_code=24&error_subcode=2207008"),
        1
    );
    assert_eq!(sb.request_count("path=/*/media&method=POST"), 1);
    assert_eq!(sb.request_count(&format!("node={METRICSAURUS}")), 3);
    assert_eq!(sb.request_count("method=DELETE"), 0);

    let page = sb.requests("");
    let entries = page["data"].as_array().unwrap();
    let summary: Vec<(String, String, u64)> = entries
        .iter()
        .map(|e| {
            (
                e["method"].as_str().unwrap().to_string(),
                e["edge"].as_str().unwrap_or("").to_string(),
                e["status"].as_u64().unwrap(),
            )
        })
        .collect();
    let expect = |m: &str, edge: &str, s: u64| (m.to_string(), edge.to_string(), s);
    assert_eq!(
        summary,
        vec![
            expect("POST", "media", 200),
            expect("POST", "media_publish", 200),
            expect("GET", "", 200),
            expect("POST", "media_publish", 400),
        ]
    );
    let seqs: Vec<u64> = entries.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    let create = &entries[0];
    assert_eq!(create["path"], format!("/v21.0/{METRICSAURUS}/media"));
    assert_eq!(create["version"], "v21.0");
    assert_eq!(create["params"]["image_url"], IMAGE);
    assert_eq!(create["params"]["access_token"], "[redacted]");
    let t = create["time"].as_i64().unwrap();
    assert!(t0 <= t && t <= sb.now(), "sandbox time at arrival: {t}");
    assert_eq!(
        entries[3]["error"],
        serde_json::json!({ "code": 24, "subcode": 2207008 })
    );
    assert!(!page.to_string().contains(&token), "a token never reaches the journal");

    assert_eq!(sb.clear_requests(), 4, "the four entries");
    assert_eq!(sb.request_count(""), 0);
    c.get("me", &[]).ok("fb_user");
    let after = sb.requests("");
    assert_eq!(
        after["data"][0]["seq"].as_u64(),
        Some(seqs[3] + 1),
        "numbers keep growing after a clear"
    );
}

#[test]
fn since_pages_through_the_journal_without_missing_an_entry() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    for _ in 0..7 {
        c.get("me", &[]).ok("fb_user");
    }
    let mut seen = Vec::new();
    let mut since = 0;
    loop {
        let page = sb.requests(&format!("since={since}&limit=3"));
        seen.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["seq"].as_u64().unwrap()),
        );
        since = page["next_since"].as_u64().unwrap();
        if page["has_more"] == false {
            break;
        }
    }
    assert_eq!(seen, (1..=7).collect::<Vec<u64>>());
    // A poller that is up to date gets nothing and keeps its place.
    let idle = sb.requests(&format!("since={since}"));
    assert_eq!(idle["data"], Value::Array(vec![]));
    assert_eq!(idle["next_since"].as_u64(), Some(since));
    c.get("me", &[]).ok("fb_user");
    assert_eq!(
        sb.requests(&format!("since={since}"))["data"][0]["seq"].as_u64(),
        Some(8)
    );
}

/// A `since` the journal has not reached (typed by hand, or from before the sandbox was
/// replaced by an older snapshot or igsim was killed with a state directory) answers the
/// newest entry as `next_since`: a poller that goes on from there sees the next entry.
#[test]
fn a_since_above_the_newest_entry_answers_the_newest_and_the_poller_misses_nothing() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    for _ in 0..3 {
        c.get("me", &[]).ok("fb_user");
    }
    for since in ["4", "1000", "18446744073709551615"] {
        let page = sb.requests(&format!("since={since}"));
        assert_eq!(page["data"], Value::Array(vec![]), "since={since}");
        assert_eq!(page["next_since"].as_u64(), Some(3), "since={since}");
        assert_eq!(page["has_more"], false);
        assert_eq!(sb.request_count(&format!("since={since}")), 0);
    }
    c.get("me", &[]).ok("fb_user");
    let page = sb.requests("since=3");
    assert_eq!(page["data"][0]["seq"].as_u64(), Some(4), "{page}");
    assert_eq!(page["next_since"].as_u64(), Some(4));
}

/// A sandbox replaced by a snapshot taken earlier goes on numbering where the one it
/// replaces stopped, so a poller that followed it misses nothing after the swap.
#[test]
fn a_sandbox_replaced_by_an_older_snapshot_keeps_numbering_its_journal_upward() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    c.get("me", &[]).ok("fb_user");
    let older = sb.export();
    assert_eq!(older["journal_seq"], 1);
    for _ in 0..4 {
        c.get("me", &[]).ok("fb_user");
    }
    let poller = sb.requests("")["next_since"].as_u64().unwrap();
    assert_eq!(poller, 5);
    let r = sim::restore(&sb.base_url, &older, Some(&sb.id), true);
    assert_eq!(r.status, 201, "{}", r.text);
    c.get("me", &[]).ok("fb_user");
    let page = sb.requests(&format!("since={poller}"));
    assert_eq!(page["data"][0]["seq"].as_u64(), Some(6), "{page}");
    assert_eq!(sb.export()["journal_seq"], 6);
}

#[test]
fn bad_filters_are_refused_with_the_reason() {
    let sb = sim::fresh();
    for (q, why) in [
        ("methd=GET", "unknown filter"),
        ("limit=0", "limit is 1 to 1000"),
        ("limit=1001", "limit is 1 to 1000"),
        ("limit=-1", "limit is 1 to 1000"),
        ("limit=", "limit is 1 to 1000"),
        ("limit=99999999999999999999999", "limit is 1 to 1000"),
        ("status=abc", "status is a number"),
        ("path=me", "starts with /"),
        ("since=-1", "since is a sequence number"),
        ("since=abc", "since is a sequence number"),
        ("since=", "since is a sequence number"),
        ("since=18446744073709551616", "since is a sequence number"),
        ("error_code=1e3", "error_code is an integer"),
    ] {
        let r = sb.control_get(&format!("requests?{q}"));
        assert_eq!(r.status, 400, "{q}");
        assert!(r.text.contains(why), "{q}: {}", r.text);
    }
    assert_eq!(sb.control_get("requests/nope").status, 404);
}

#[test]
fn the_journal_is_bounded_and_counts_what_it_dropped_in_process() {
    let cfg = Config {
        journal_capacity: 5,
        ..Config::default()
    };
    let running = Simulator::new(cfg).spawn(0).unwrap();
    let http_sb = sim::new_sandbox(&running.base_url(), None);
    let other = sim::new_sandbox(&running.base_url(), None);
    let sb = running.sandbox(&http_sb.id).unwrap();
    let dana = http_sb.client_as("Dana Admin");
    for _ in 0..8 {
        dana.get("me", &[]).ok("fb_user");
    }
    dana.post(&format!("{METRICSAURUS}/media_publish"), &[])
        .graph_error(100, None);
    let page = sb.requests(&RequestFilter::new(), 100);
    assert_eq!(page.data.len(), 5);
    assert_eq!(page.dropped, 4);
    assert_eq!(page.data.first().map(|e| e.seq), Some(5));
    // Assertions straight on the Rust API, no HTTP.
    assert_eq!(
        sb.request_count(&RequestFilter::new().method("POST").edge("media_publish")),
        1
    );
    assert_eq!(
        sb.request_count(&RequestFilter::new().status(StatusFilter::Class(4))),
        1
    );
    assert_eq!(sb.request_count(&RequestFilter::new().path("/me").unwrap()), 4);
    assert_eq!(
        running.sandbox(&other.id).unwrap().request_count(&RequestFilter::new()),
        0
    );
    assert_eq!(sb.clear_requests(), 5);
}

#[test]
fn a_batch_is_one_entry_and_requests_naming_no_sandbox_go_to_default() {
    let running = Simulator::new(Config::default()).spawn(0).unwrap();
    let base = running.base_url();
    let sb = sim::new_sandbox(&base, None);
    let c = sb.client_as("Dana Admin");
    let batch = r#"[{"method":"GET","relative_url":"me"},{"method":"GET","relative_url":"me/accounts"}]"#;
    c.post("", &[("batch", batch)]);
    assert_eq!(sb.request_count(""), 1);
    assert_eq!(sb.requests("")["data"][0]["params"]["batch"], batch);
    // No token at all, and a token nobody issued: both land in `default`.
    let anon = Client::new(&base);
    anon.get("me", &[]).graph_error(2500, None);
    anon.get("me", &[("access_token", "EAAGnot-a-real-token")]);
    let default = running.sandbox("default").unwrap();
    assert_eq!(default.request_count(&RequestFilter::new().node("me")), 2);
    assert_eq!(sb.request_count("node=me"), 0);
}

#[test]
fn the_journal_fault_and_snapshot_routes_are_behind_the_admin_token() {
    let running = Simulator::new(Config {
        admin_token: Some("s3cret".into()),
        ..Config::default()
    })
    .spawn(0)
    .unwrap();
    let base = running.base_url();
    let open = Client::new(&base);
    let admin = Client::new(&base).with_header("Authorization", "Bearer s3cret");
    for (method, path, body) in [
        ("GET", "requests", ""),
        ("GET", "requests/count?method=GET", ""),
        ("DELETE", "requests", ""),
        ("GET", "faults", ""),
        ("POST", "faults", r#"{"path":"/nothing","drop":true}"#),
        ("DELETE", "faults", ""),
        ("GET", "export", ""),
    ] {
        let url = format!("{base}/_sim/sandboxes/default/{path}");
        let refused = open.send_bytes(method, &url, &[("Content-Type", "application/json")], body.as_bytes());
        assert_eq!(refused.status, 401, "{method} {path}");
        refused.schema("sim_error");
        let allowed = admin.send_bytes(method, &url, &[("Content-Type", "application/json")], body.as_bytes());
        assert!(allowed.status < 300, "{method} {path}: {}", allowed.text);
    }
    let restore = open.send_bytes(
        "POST",
        &format!("{base}/_sim/sandboxes?id=x"),
        &[],
        br#"{"igsim_snapshot":1}"#,
    );
    assert_eq!(restore.status, 401);
}
