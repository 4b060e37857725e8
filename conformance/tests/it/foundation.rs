//! Foundation: Getting Started steps 4-6, Graph conventions, tokens, paging, sandboxes.

use conformance::client::{Client, Encoding};
use conformance::sim;
use std::collections::BTreeSet;

const METRICSAURUS: &str = "17841405822304914";
const METRICSAURUS_PAGE: &str = "134895793791914";

#[test]
fn getting_started_walkthrough_returns_the_documented_shapes() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin").with_version("v18.0");
    let accounts = c.get("me/accounts", &[]).ok("me_accounts").clone();
    let page = accounts["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == METRICSAURUS_PAGE)
        .expect("Metricsaurus page listed");
    assert_eq!(page["category_list"][0]["name"], "App Page");
    assert!(page["tasks"].as_array().unwrap().iter().any(|t| t == "MANAGE"));
    let r = c.get(METRICSAURUS_PAGE, &[("fields", "instagram_business_account")]);
    let body = r.ok("page");
    assert_eq!(body["instagram_business_account"]["id"], METRICSAURUS);
    assert_eq!(r.header("facebook-api-version"), Some("v18.0"));
    assert!(r.header("x-fb-trace-id").is_some());
    let media = c.get(&format!("{METRICSAURUS}/media"), &[]).ok("ig_media_list").clone();
    assert_eq!(media["data"].as_array().unwrap().len(), 25);
    assert!(media["data"][0].as_object().unwrap().keys().eq(["id"]));
}

#[test]
fn walking_next_visits_every_media_exactly_once_newest_first() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let count = c.get(METRICSAURUS, &[("fields", "media_count")]).ok("ig_user")["media_count"]
        .as_u64()
        .unwrap();
    let mut seen = Vec::new();
    let mut stamps = Vec::new();
    let mut r = c.get(
        &format!("{METRICSAURUS}/media"),
        &[("fields", "timestamp"), ("limit", "7")],
    );
    loop {
        let body = r.ok("ig_media_list").clone();
        for m in body["data"].as_array().unwrap() {
            seen.push(m["id"].as_str().unwrap().to_string());
            stamps.push(m["timestamp"].as_str().unwrap().to_string());
        }
        match body["paging"]["next"].as_str() {
            Some(next) => r = c.get_url(next),
            None => break,
        }
    }
    assert_eq!(seen.len() as u64, count);
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), seen.len(), "no media twice");
    let mut sorted = stamps.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(stamps, sorted, "newest first");
}

#[test]
fn tokens_are_accepted_from_query_form_json_and_headers() {
    let sb = sim::fresh();
    let token = sb.user_token("Dana Admin");
    let bare = Client::new(&sb.base_url);
    for enc in [Encoding::Query, Encoding::Form, Encoding::Json] {
        let r = bare.send("GET", "me", &[("access_token", token.as_str())], enc);
        assert_eq!(r.ok("fb_user")["name"], "Dana Admin", "{enc:?}");
    }
    for scheme in ["Bearer", "OAuth"] {
        let url = format!("{}/v21.0/me", sb.base_url);
        let r = bare.send_bytes("GET", &url, &[("Authorization", &format!("{scheme} {token}"))], b"");
        assert_eq!(r.ok("fb_user")["name"], "Dana Admin", "{scheme}");
    }
}

#[test]
fn bad_tokens_get_code_190_envelopes() {
    let sb = sim::fresh();
    let c = Client::new(&sb.base_url);
    let e = c
        .get("me", &[("access_token", "garbage!")])
        .graph_error(190, None)
        .clone();
    assert_eq!(e["message"], "Invalid OAuth access token - Cannot parse access token");
    c.get("me", &[("access_token", "EAAGnotarealtokenbutwellformed123")])
        .graph_error(190, None);
    let expired = sb.user_token("Sam Expired");
    let e = c
        .get("me", &[("access_token", &expired)])
        .graph_error(190, Some(463))
        .clone();
    assert!(e["message"]
        .as_str()
        .unwrap()
        .starts_with("Error validating access token: Session has expired on "));
    let r = c.get("me", &[]);
    r.graph_error(2500, None);
    assert!(r.header("www-authenticate").is_some());
}

#[test]
fn two_sandboxes_never_see_each_others_data() {
    let a = sim::fresh();
    let b = sim::fresh();
    assert_ne!(a.user_token("Dana Admin"), b.user_token("Dana Admin"));
    // The same ids exist in both (same seed), but a token only reaches its own sandbox.
    let ca = a.client_as("Dana Admin");
    a.advance(3 * 86_400);
    assert_ne!(a.now(), b.now());
    let stories_a = ca.get(&format!("{METRICSAURUS}/stories"), &[]).ok("ig_stories")["data"]
        .as_array()
        .unwrap()
        .len();
    let stories_b = b
        .client_as("Dana Admin")
        .get(&format!("{METRICSAURUS}/stories"), &[])
        .ok("ig_stories")["data"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(stories_a, 0, "stories expire after 24h of sandbox time");
    assert!(stories_b > 0);
}

#[test]
fn unknown_fields_are_named_in_the_error() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let e = c
        .get(METRICSAURUS, &[("fields", "username,nope")])
        .graph_error(100, None)
        .clone();
    assert_eq!(
        e["message"],
        "(#100) Tried accessing nonexisting field (nope) on node type (IGUser)"
    );
    c.get(METRICSAURUS, &[("fields", "media{id")]).graph_error(2500, None);
}
