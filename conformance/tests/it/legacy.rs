//! The legacy Graph features v27.0 withdrew from new apps (Meta's blog of 2026-11-04: "new
//! apps cannot use multi-ID requests, date/time formatting, HTTP method override, field
//! aliases, JSONP callbacks, or asynchronous batch requests … across all Graph API versions"):
//! an app created from 2026-11-04 is refused them, an established app (the demo world's,
//! created 2019-03-12) keeps them. The refusal's code, status and text are UNCONFIRMED knobs
//! (`simulator/src/config/legacy.rs`).

use crate::support::METRICSAURUS;
use conformance::client::{Client, Resp};
use conformance::sim::{self, Sandbox};
use serde_json::{json, Value};

const AFTER_V27: &str = "2026-12-01";

/// The refusal igsim answers by default, for one feature (UNCONFIRMED text).
fn refusal(feature: &str) -> String {
    format!(
        "(#12) This app cannot use {feature}: apps created on or after November 4, 2026 cannot use legacy Graph API features"
    )
}

/// The demo world with its app created on `created`.
fn world_with_app_created(created: &str) -> Value {
    let mut world: Value = serde_json::from_str(include_str!("../../../fixtures/seeds/demo.json")).unwrap();
    world["app"]["created_time"] = json!(created);
    world
}

fn new_app_sandbox(base_url: &str) -> Sandbox {
    let sb = sim::new_sandbox_at(base_url, Some(&world_with_app_created("2026-11-10")), Some(AFTER_V27));
    assert_eq!(sb.info["app"]["created_time"], "2026-11-10T00:00:00+0000");
    sb
}

fn assert_refused(r: &Resp, feature: &str) {
    assert_eq!(r.status, 400, "{}", r.text);
    let mut e = r.graph_error(12, None).clone();
    e.as_object_mut().unwrap().remove("fbtrace_id");
    assert_eq!(
        e,
        json!({ "message": refusal(feature), "type": "OAuthException", "code": 12 }),
        "{}",
        r.url
    );
}

/// A media of metricsaurus and its comment count.
fn newest_media(c: &Client) -> (String, u64) {
    let m = c
        .get(
            &format!("{METRICSAURUS}/media"),
            &[("fields", "comments_count"), ("limit", "1")],
        )
        .ok("ig_media_list")["data"][0]
        .clone();
    (
        m["id"].as_str().unwrap().to_string(),
        m["comments_count"].as_u64().unwrap(),
    )
}

#[test]
fn an_app_created_after_the_v27_cutover_is_refused_each_legacy_feature_in_every_version() {
    let sb = new_app_sandbox(&conformance::target::shared_simulator().base_url());
    for version in ["v21.0", "v25.0", "v27.0", ""] {
        let c = sb.client_as("Dana Admin").with_version(version);
        // Ordinary calls work.
        c.get(METRICSAURUS, &[("fields", "username")]).ok("ig_user");
        let (media, comments) = newest_media(&c);

        let r = c.get("", &[("ids", &format!("{METRICSAURUS},{media}")), ("fields", "id")]);
        assert_refused(&r, "multi-ID requests");
        let r = c.get(
            &format!("{media}/comments"),
            &[("method", "post"), ("message", "via a GET")],
        );
        assert_refused(&r, "HTTP method override");
        // The override was refused before anything happened.
        assert_eq!(newest_media(&c).1, comments);
        let r = c.get(METRICSAURUS, &[("fields", "username.as(handle)")]);
        assert_refused(&r, "field aliases");
        let r = c.get(
            &format!("{METRICSAURUS}/media"),
            &[("fields", "caption,children{media_url.as(src)}")],
        );
        assert_refused(&r, "field aliases");
        let r = c.get(&media, &[("fields", "timestamp"), ("date_format", "U")]);
        assert_refused(&r, "date/time formatting");
        let r = c.get("me", &[("callback", "cb")]);
        assert_refused(&r, "JSONP callbacks");
    }
    // In a batch each operation is judged as a request of its own.
    let c = sb.client_as("Dana Admin");
    let batch =
        format!(r#"[{{"method":"GET","relative_url":"?ids={METRICSAURUS}"}},{{"method":"GET","relative_url":"me"}}]"#);
    let r = c.post("", &[("batch", &batch)]);
    let ops = r.ok("batch_response").as_array().unwrap().clone();
    assert_eq!(ops[0]["code"], 400);
    let body: Value = serde_json::from_str(ops[0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["error"]["message"], refusal("multi-ID requests"));
    assert_eq!(ops[1]["code"], 200);
}

#[test]
fn an_established_app_keeps_multi_id_reads_method_override_and_field_aliases() {
    // The demo world's app was created on 2019-03-12: after 2026-11-04 it still uses them.
    let sb = sim::fresh_at(AFTER_V27);
    assert_eq!(sb.info["app"]["created_time"], "2019-03-12T00:00:00+0000");
    let c = sb.client_as("Dana Admin");
    let (media, comments) = newest_media(&c);

    let r = c.get("", &[("ids", &format!("{METRICSAURUS},{media}")), ("fields", "id")]);
    let body = r.ok("multi_read");
    assert_eq!(body[METRICSAURUS]["id"], METRICSAURUS);
    assert_eq!(body[&media]["id"], media.as_str());

    let r = c.get(
        &format!("{media}/comments"),
        &[("method", "post"), ("message", "via a GET")],
    );
    r.ok("id_response");
    assert_eq!(newest_media(&c).1, comments + 1);

    // Aliases rename the key; the value is the field's (validated under its real name).
    let plain = c
        .get(METRICSAURUS, &[("fields", "username,followers_count")])
        .ok("ig_user")
        .clone();
    let r = c.get(
        METRICSAURUS,
        &[("fields", "username.as(handle),followers_count.as(fans),followers_count")],
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        json!({
            "handle": plain["username"],
            "fans": plain["followers_count"],
            "followers_count": plain["followers_count"],
            "id": METRICSAURUS,
        })
    );
    // Aliases reach nested selections too.
    let r = c.get(
        &format!("{METRICSAURUS}/media"),
        &[("fields", "caption.as(text)"), ("limit", "2")],
    );
    assert_eq!(r.status, 200, "{}", r.text);
    for item in r.body["data"].as_array().unwrap() {
        let mut item = item.clone();
        let text = item.as_object_mut().unwrap().remove("text");
        assert!(item.get("caption").is_none());
        item["caption"] = text.unwrap_or(Value::Null);
        conformance::schemas::validate("ig_media", &item).unwrap();
    }
}

#[test]
fn before_the_cutover_a_new_app_has_every_feature_and_the_rule_is_a_knob() {
    // An app created on 2026-11-10, asked before the sandbox clock reaches 2026-11-04: the
    // rule has not started yet.
    let early = sim::new_sandbox_at(
        &conformance::target::shared_simulator().base_url(),
        Some(&world_with_app_created("2026-11-10")),
        Some("2026-11-03"),
    );
    let c = early.client_as("Dana Admin");
    c.get("", &[("ids", METRICSAURUS)]).ok("multi_read");
    early.advance(86_400);
    assert_refused(&c.get("", &[("ids", METRICSAURUS)]), "multi-ID requests");

    // `legacy_features.new_apps_from = None`: every app keeps them (before v27.0).
    let mut cfg = conformance::target::test_config();
    cfg.legacy_features.new_apps_from = None;
    let running = simulator::Simulator::new(cfg).spawn(0).expect("start a simulator");
    let sb = new_app_sandbox(&running.base_url());
    let c = sb.client_as("Dana Admin");
    c.get("", &[("ids", METRICSAURUS)]).ok("multi_read");
    let r = c.get(METRICSAURUS, &[("fields", "username.as(handle)")]);
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["handle"].is_string());
    running.shutdown();
}
