//! HTTP statuses and envelope keys per error family (issue 10, case 10): each test asserts the
//! exact key set production sends for one family, so a missing or extra key (`is_transient`,
//! `error_user_title`, …) or another status is caught. Sources sit beside each family in
//! `simulator/src/error.rs`.

use crate::support::METRICSAURUS;
use conformance::client::{Client, Resp};
use conformance::sim;
use serde_json::Value;

/// A media of metricsaurus in the guides' samples (comments enabled).
const GUIDE_MEDIA: &str = "17895695668004550";
const IMAGE: &str = "https://www.example.com/images/bronz-fonz.jpg";
const VIDEO: &str = "https://www.example.com/videos/fruit.mp4";

/// The keys of the error object, in the order they were sent.
fn keys(r: &Resp) -> Vec<String> {
    r.schema("error");
    r.body["error"]
        .as_object()
        .unwrap_or_else(|| panic!("not an error envelope: {}", r.text))
        .keys()
        .cloned()
        .collect()
}

/// The envelope has exactly `expected` (any order: production's key order varies).
fn assert_keys(r: &Resp, expected: &[&str]) {
    let mut got = keys(r);
    got.sort();
    let mut want: Vec<String> = expected.iter().map(|k| k.to_string()).collect();
    want.sort();
    assert_eq!(got, want, "{} {}: {}", r.method, r.url, r.text);
}

use conformance::scenario::envelope_keys::{GRAPH as PLAIN, GRAPH_SUBCODE as WITH_SUBCODE, PUBLISHING};

#[test]
fn a_missing_permission_is_http_400_without_is_transient() {
    let sb = sim::fresh();
    // Morgan has everything but instagram_manage_comments (2026 capture: 400, no is_transient).
    let morgan = sb.client_as("Morgan Publisher");
    for r in [
        morgan.get(&format!("{GUIDE_MEDIA}/comments"), &[]),
        morgan.post(&format!("{GUIDE_MEDIA}/comments"), &[("message", "hi")]),
    ] {
        r.graph_error(10, None);
        assert_eq!(r.status, 400, "{}", r.text);
        assert_keys(&r, PLAIN);
    }
    // Riley lacks instagram_content_publish and instagram_manage_insights: the same family.
    let riley = sb.client_as("Riley Reader");
    for r in [
        riley.post(&format!("{METRICSAURUS}/media"), &[("image_url", IMAGE)]),
        riley.get(
            &format!("{METRICSAURUS}/insights"),
            &[("metric", "reach"), ("period", "day")],
        ),
    ] {
        r.graph_error(10, None);
        assert_eq!(r.status, 400, "{}", r.text);
        assert_keys(&r, PLAIN);
    }
}

#[test]
fn every_token_error_carries_www_authenticate_and_no_is_transient() {
    let sb = sim::fresh();
    let c = Client::new(&sb.base_url);
    let check = |r: &Resp, code: i64, subcode: Option<i64>, kind: &str| {
        r.graph_error(code, subcode);
        assert_eq!(r.status, 400, "{}", r.text);
        assert_keys(r, if subcode.is_some() { WITH_SUBCODE } else { PLAIN });
        let www = r.header("www-authenticate").unwrap_or_default();
        assert!(
            www.starts_with(&format!("OAuth \"Facebook Platform\" \"{kind}\" \"")),
            "{www:?} for {}",
            r.text
        );
    };
    check(
        &c.get("me", &[("access_token", "garbage!")]),
        190,
        None,
        "invalid_token",
    );
    let r = c.get("me", &[("access_token", "EAAGnotarealtokenbutwellformed123")]);
    check(&r, 190, None, "invalid_token");
    // A token of the right shape production did not issue (recorded 2022 body; 2023 report).
    assert_eq!(r.body["error"]["message"], "The access token could not be decrypted");
    check(
        &c.get("me", &[("access_token", &sb.user_token("Sam Expired"))]),
        190,
        Some(463),
        "invalid_token",
    );
    for (reason, subcode) in [
        ("password_changed", 460),
        ("logged_out", 467),
        ("app_deauthorized", 458),
        ("invalidated_by_api", 466),
        ("session_invalid", 492),
    ] {
        let fresh = sim::fresh();
        let token = fresh.user_token("Dana Admin");
        let body = serde_json::json!({ "access_token": token, "reason": reason });
        assert_eq!(fresh.control_post("/tokens/revoke", &body).status, 200);
        check(
            &c.get("me", &[("access_token", &token)]),
            190,
            Some(subcode),
            "invalid_token",
        );
    }
    // No token at all: 104 (2500 on /me), "invalid_request".
    check(&c.get(METRICSAURUS, &[]), 104, None, "invalid_request");
    check(&c.get("me", &[]), 2500, None, "invalid_request");
}

#[test]
fn the_publishing_action_block_is_http_403_titled_action_is_blocked() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let url = format!("{IMAGE}?igsim_error=2207051");
    let r = c.post(&format!("{METRICSAURUS}/media"), &[("image_url", &url)]);
    let e = r.graph_error(4, Some(2207051));
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(e["error_user_title"], "action is blocked");
    assert_eq!(e["is_transient"], false);
    assert_keys(&r, PUBLISHING);
}

#[test]
fn publishing_errors_send_is_transient_and_graph_errors_leave_it_out() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    // 9007/2207027: a reel still processing (IGERR sample family: is_transient false).
    let cid = c
        .post(
            &format!("{METRICSAURUS}/media"),
            &[("media_type", "REELS"), ("video_url", VIDEO)],
        )
        .ok("id_response")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = c.post(&format!("{METRICSAURUS}/media_publish"), &[("creation_id", &cid)]);
    let e: Value = r.graph_error(9007, Some(2207027)).clone();
    assert_eq!(r.status, 400);
    assert_eq!(e["is_transient"], false);
    assert_keys(&r, PUBLISHING);
    // (#100) parameter errors and 100/33: no is_transient.
    let r = c.get(METRICSAURUS, &[("fields", "nope")]);
    r.graph_error(100, None);
    assert_eq!(r.status, 400);
    assert_keys(&r, PLAIN);
    let r = c.get("17841400000000001", &[]);
    r.graph_error(100, Some(33));
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"]["type"], "GraphMethodException");
    assert_keys(&r, WITH_SUBCODE);
    let r = c.get(&format!("{METRICSAURUS}/insights"), &[("metric", "nope")]);
    r.graph_error(100, None);
    assert_keys(&r, PLAIN);
}
