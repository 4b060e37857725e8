//! Rate limiting (guides "Overview" → "Rate Limiting"; facts §1.2-§1.4, §2, §3.5, §8.2):
//! the usage headers, Instagram BUC (80002), Pages BUC (80001, or 32) and Platform (4, 17)
//! limits on the sandbox clock, the control plane that lowers them, and a property test
//! against a reference model.

use conformance::client::{Client, Resp};
use conformance::sim::{self, Sandbox};
use proptest::prelude::*;
use serde_json::{json, Value};

const METRICSAURUS: &str = "17841405822304914";
const JUNIPER: &str = "17841400008460056";
const DAY: i64 = 86_400;
const HOUR: i64 = 3_600;
const PAGE_MESSAGE: &str = "(#80001) There have been too many calls to this Page account. Wait a bit and try \
                            again. For more info, please refer to \
                            https://developers.facebook.com/docs/graph-api/overview/rate-limiting.";
const BUC_MESSAGE: &str = "(#80002) There have been too many calls to this Instagram account. Wait a bit and try \
                           again. For more info, please refer to \
                           https://developers.facebook.com/docs/graph-api/overview/rate-limiting.";

/// Sets rate-limit overrides through the control plane; returns the validated status.
fn limits(sb: &Sandbox, body: Value) -> Value {
    let r = sb.control_post("rate_limits", &body);
    assert_eq!(r.status, 200, "rate_limits: {}", r.text);
    r.schema("sim_rate_limits");
    r.body.clone()
}

fn status(sb: &Sandbox) -> Value {
    let r = sb.control_get("rate_limits");
    assert_eq!(r.status, 200, "rate_limits: {}", r.text);
    r.schema("sim_rate_limits");
    r.body.clone()
}

/// The parsed, schema-checked `X-App-Usage` header.
fn app_usage(r: &Resp) -> Value {
    let raw = r
        .header("x-app-usage")
        .unwrap_or_else(|| panic!("{} {}: no X-App-Usage header", r.method, r.url));
    let v: Value = serde_json::from_str(raw).expect("X-App-Usage is JSON");
    conformance::schemas::validate("x_app_usage", &v).unwrap_or_else(|e| panic!("X-App-Usage {raw}: {e:?}"));
    v
}

/// The parsed, schema-checked `X-Business-Use-Case-Usage` header.
fn buc_usage(r: &Resp) -> Value {
    let raw = r
        .header("x-business-use-case-usage")
        .unwrap_or_else(|| panic!("{} {}: no X-Business-Use-Case-Usage header", r.method, r.url));
    let v: Value = serde_json::from_str(raw).expect("X-Business-Use-Case-Usage is JSON");
    conformance::schemas::validate("x_business_use_case_usage", &v)
        .unwrap_or_else(|e| panic!("X-Business-Use-Case-Usage {raw}: {e:?}"));
    v
}

fn media(c: &Client, ig: &str) -> Resp {
    c.get(&format!("{ig}/media"), &[("fields", "id"), ("limit", "1")])
}

fn hashtag_search(c: &Client) -> Resp {
    c.get("ig_hashtag_search", &[("user_id", METRICSAURUS), ("q", "coffee")])
}

fn discovery(c: &Client) -> Resp {
    c.get(
        METRICSAURUS,
        &[("fields", "business_discovery.username(bluebottle){followers_count}")],
    )
}

/// The error object without its `fbtrace_id`, after checking the envelope's schema.
fn envelope(r: &Resp) -> Value {
    r.schema("error");
    let mut e = r.body["error"].clone();
    assert!(e["fbtrace_id"].as_str().is_some_and(|s| !s.is_empty()));
    e.as_object_mut().unwrap().remove("fbtrace_id");
    e
}

#[test]
fn each_answer_carries_one_usage_header_and_instagram_entries_are_keyed_by_the_business() {
    // Production (v25.0 capture, 2026-09; issue 10 case 11): X-App-Usage or
    // X-Business-Use-Case-Usage, never both; an Instagram call's entry sits under the id of
    // the business owning the account; Page reads carry a `pages` entry.
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let business = sb.business_of("metricsaurus");
    assert_ne!(business, METRICSAURUS);

    let r = media(&c, METRICSAURUS);
    let body = r.ok("ig_media_list").clone();
    assert!(r.header("x-app-usage").is_none(), "BUC answers carry no X-App-Usage");
    let buc = buc_usage(&r);
    assert_eq!(buc.as_object().unwrap().keys().collect::<Vec<_>>(), [&business]);
    let entry = &buc[&business][0];
    assert_eq!(entry["type"], "instagram");
    assert_eq!(entry["estimated_time_to_regain_access"], 0);
    // The IG user says which business owns it.
    let r = c.get(METRICSAURUS, &[("fields", "owner_business")]);
    assert_eq!(r.ok("ig_user")["owner_business"]["id"], business.as_str());

    // A media id counts against its owner, and so does a comment on it.
    let media_id = body["data"][0]["id"].as_str().unwrap().to_string();
    let r = c.get(&media_id, &[("fields", "id")]);
    r.ok("ig_media");
    assert!(buc_usage(&r).get(&business).is_some());
    let r = c.get(&format!("{media_id}/comments"), &[]);
    let comments = r.ok("ig_comment_list").clone();
    assert!(buc_usage(&r).get(&business).is_some());
    if let Some(comment) = comments["data"][0]["id"].as_str() {
        let r = c.get(comment, &[("fields", "id")]);
        r.ok("ig_comment");
        assert!(buc_usage(&r).get(&business).is_some());
    }

    // A Page node read: an entry of type `pages` under the Page id, and no X-App-Usage.
    let page = sb.info["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["instagram_business_account"] == METRICSAURUS)
        .and_then(|p| p["id"].as_str())
        .unwrap()
        .to_string();
    let r = c.get(&page, &[("fields", "name")]);
    r.ok("page");
    assert!(r.header("x-app-usage").is_none());
    let buc = buc_usage(&r);
    assert_eq!(buc.as_object().unwrap().keys().collect::<Vec<_>>(), [&page]);
    assert_eq!(buc[&page][0]["type"], "pages");

    // `me` is the token's own node: a Page token's `me` is the Page, an Instagram User
    // token's the IG account, each counted and reported as that node.
    let (_, page_token) = metricsaurus_page(&sb);
    let r = Client::new(&sb.base_url)
        .with_token(&page_token)
        .get("me", &[("fields", "name")]);
    r.ok("page");
    assert_eq!(buc_usage(&r)[&page][0]["type"], "pages");
    let ig_token = sb.info["instagram_logins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["username"] == "metricsaurus")
        .and_then(|l| l["access_token"].as_str())
        .unwrap()
        .to_string();
    let r = Client::new(&sb.base_url)
        .with_token(&ig_token)
        .get("me", &[("fields", "username")]);
    r.ok("ig_user");
    assert_eq!(buc_usage(&r)[&business][0]["type"], "instagram");

    // A user token's `me` touches no BUC object: X-App-Usage only, errors included.
    let r = c.get("me", &[]);
    r.ok("fb_user");
    app_usage(&r);
    assert!(r.header("x-business-use-case-usage").is_none());
    let r = c.get(METRICSAURUS, &[("fields", "no_such_field")]);
    r.graph_error(100, None);
    buc_usage(&r);
    assert!(r.header("x-app-usage").is_none());

    // Business Discovery and Hashtag Search are Platform calls: X-App-Usage only.
    for r in [discovery(&c), hashtag_search(&c)] {
        assert_eq!(r.status, 200, "{}", r.text);
        app_usage(&r);
        assert!(r.header("x-business-use-case-usage").is_none(), "{}", r.url);
    }
}

#[test]
fn lowering_the_buc_limit_gives_80002_on_the_next_call_and_a_day_later_it_is_free_again() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let st = limits(&sb, json!({ "buc_calls_per_day": 3 }));
    assert_eq!(st["buc_calls_per_day"], 3);

    for _ in 0..3 {
        media(&c, METRICSAURUS).ok("ig_media_list");
    }
    let r = media(&c, METRICSAURUS);
    assert_eq!(r.status, 400, "never 429 (facts §8.2): {}", r.text);
    assert_eq!(
        envelope(&r),
        json!({
            "message": BUC_MESSAGE,
            "type": "OAuthException",
            "code": 80002,
            "is_transient": true,
        })
    );
    let biz = sb.business_of("metricsaurus");
    let buc = buc_usage(&r);
    assert_eq!(buc[&biz][0]["call_count"], 100);
    assert_eq!(buc[&biz][0]["estimated_time_to_regain_access"], 24 * 60);

    // The limit is per account: juniper.makes is untouched.
    media(&c, JUNIPER).ok("ig_media_list");

    // One second short of 24 h the window still holds the three calls.
    sb.advance(DAY - 1);
    let r = media(&c, METRICSAURUS);
    r.graph_error(80002, None);
    assert_eq!(buc_usage(&r)[&biz][0]["estimated_time_to_regain_access"], 1);
    sb.advance(1);
    let r = media(&c, METRICSAURUS);
    r.ok("ig_media_list");
    assert_eq!(buc_usage(&r)[&biz][0]["call_count"], 33);
}

#[test]
fn the_buc_limit_is_4800_calls_per_impression_and_impressions_can_be_set_per_account() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let st = limits(&sb, json!({ "impressions": { METRICSAURUS: 2 } }));
    let account = st["buc"]["instagram_accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == METRICSAURUS)
        .unwrap()
        .clone();
    assert_eq!(account["impressions"], 2);
    assert_eq!(account["usage"]["limit"], 9600);
    assert_eq!(st["buc"]["window_seconds"], DAY);

    // No impressions in the last 24 h: no calls at all.
    limits(&sb, json!({ "impressions": { METRICSAURUS: 0 } }));
    media(&c, METRICSAURUS).graph_error(80002, None);
    // null restores the followers-derived default.
    let st = limits(&sb, json!({ "impressions": { METRICSAURUS: null } }));
    assert_eq!(st["impressions"], json!({}));
    media(&c, METRICSAURUS).ok("ig_media_list");
}

/// Metricsaurus's Page: its id and its Page token (from the sandbox description).
fn metricsaurus_page(sb: &Sandbox) -> (String, String) {
    let page = sb.info["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["instagram_business_account"] == METRICSAURUS)
        .unwrap();
    (
        page["id"].as_str().unwrap().to_string(),
        page["access_token"].as_str().unwrap().to_string(),
    )
}

/// A Page's entry in the control plane's rate-limit status.
fn page_status(st: &Value, page: &str) -> Value {
    st["buc"]["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == page)
        .unwrap()
        .clone()
}

fn page_read(c: &Client, page: &str) -> Resp {
    c.get(page, &[("fields", "name,instagram_business_account")])
}

#[test]
fn a_page_over_its_buc_limit_answers_80001_until_calls_leave_the_24_hour_window() {
    // RATE: Pages BUC, "Calls within 24 hours = 4800 * Number of Engaged Users", error 80001
    // (facts §1.3); a Page's calls with the user's token and with the Page's own token count
    // alike (the `pages` entry production reports on Page reads, facts §9).
    let sb = sim::fresh();
    let (page, page_token) = metricsaurus_page(&sb);
    let user = sb.client_as("Dana Admin");
    let as_page = Client::new(&sb.base_url).with_token(&page_token);
    let st = limits(&sb, json!({ "page_engaged_users": { &page: 1 } }));
    let entry = page_status(&st, &page);
    assert_eq!(entry["engaged_users"], 1);
    assert_eq!(entry["usage"]["limit"], 4800, "4800 calls per engaged user");

    limits(&sb, json!({ "page_calls_per_day": 3 }));
    page_read(&user, &page).ok("page");
    sb.advance(HOUR);
    page_read(&as_page, &page).ok("page");
    as_page.get("me", &[("fields", "name")]).ok("page");
    let r = page_read(&user, &page);
    assert_eq!(r.status, 400, "never 429 (facts §8.2): {}", r.text);
    assert_eq!(
        envelope(&r),
        json!({
            "message": PAGE_MESSAGE,
            "type": "OAuthException",
            "code": 80001,
            "is_transient": true,
        })
    );
    let buc = buc_usage(&r);
    assert_eq!(buc[&page][0]["type"], "pages");
    assert_eq!(buc[&page][0]["call_count"], 100);
    assert_eq!(buc[&page][0]["estimated_time_to_regain_access"], 24 * 60 - 60);
    page_read(&as_page, &page).graph_error(80001, None);
    // The Instagram account behind the Page has its own limit.
    media(&user, METRICSAURUS).ok("ig_media_list");
    // Another Page is untouched.
    let other = sb.info["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] != page.as_str())
        .and_then(|p| p["id"].as_str())
        .unwrap()
        .to_string();
    page_read(&user, &other).ok("page");

    // The first call leaves the window 24 h after it was made.
    sb.advance(DAY - HOUR - 1);
    page_read(&user, &page).graph_error(80001, None);
    sb.advance(1);
    let r = page_read(&user, &page);
    r.ok("page");
    assert_eq!(buc_usage(&r)[&page][0]["call_count"], 100);
    // null restores the formula; the status shows the default engaged users.
    let st = limits(
        &sb,
        json!({ "page_calls_per_day": null, "page_engaged_users": { &page: null } }),
    );
    assert_eq!(st["page_engaged_users"], json!({}));
    let entry = page_status(&st, &page);
    assert_eq!(entry["engaged_users"], 100);
    assert_eq!(entry["usage"]["limit"], 480_000);
    page_read(&user, &page).ok("page");
}

#[test]
fn page_token_only_counting_and_the_page_level_32_are_knobs() {
    // RATE's literal reading: only Page-token calls count against the Page's BUC; user-token
    // Page reads are Platform calls. And Page-level throttling's (#32) instead of 80001.
    let mut cfg = conformance::target::test_config();
    cfg.rate_limits.page_buc_page_tokens_only = true;
    cfg.rate_limits.page_error = simulator::config::PageLimitError::Page32;
    let running = simulator::Simulator::new(cfg).spawn(0).expect("start a simulator");
    let sb = sim::new_sandbox(&running.base_url(), None);
    let (page, page_token) = metricsaurus_page(&sb);
    let user = sb.client_as("Dana Admin");
    let as_page = Client::new(&sb.base_url).with_token(&page_token);
    limits(&sb, json!({ "page_calls_per_day": 1 }));
    let r = page_read(&user, &page);
    r.ok("page");
    app_usage(&r);
    assert!(r.header("x-business-use-case-usage").is_none());
    page_read(&as_page, &page).ok("page");
    let r = page_read(&as_page, &page);
    assert_eq!(r.status, 400);
    assert_eq!(
        envelope(&r),
        json!({
            "message": "(#32) Page request limit reached",
            "type": "OAuthException",
            "code": 32,
            "is_transient": true,
        })
    );
    page_read(&user, &page).ok("page");
    running.shutdown();
}

#[test]
fn the_platform_limit_applies_to_business_discovery_and_hashtag_search_but_not_to_media() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    limits(&sb, json!({ "platform_calls_per_hour": 2 }));

    hashtag_search(&c).ok("hashtag_search");
    discovery(&c).ok("ig_user");
    for r in [hashtag_search(&c), discovery(&c)] {
        assert_eq!(r.status, 403, "never 429 (facts §8.2): {}", r.text);
        assert_eq!(
            envelope(&r),
            json!({
                "message": "(#4) Application request limit reached",
                "type": "OAuthException",
                "code": 4,
                "is_transient": true,
            })
        );
        assert_eq!(app_usage(&r)["call_count"], 100);
    }
    // BUC-limited endpoints are not affected.
    for _ in 0..5 {
        media(&c, METRICSAURUS).ok("ig_media_list");
    }
    sb.advance(HOUR);
    hashtag_search(&c).ok("hashtag_search");
}

#[test]
fn hashtag_nodes_and_their_edges_are_platform_calls() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let tag = hashtag_search(&c).ok("hashtag_search")["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    limits(&sb, json!({ "platform_calls_per_hour": 3 }));
    let r = c.get(&tag, &[("fields", "id,name")]);
    r.ok("ig_hashtag");
    assert!(r.header("x-business-use-case-usage").is_none());
    let r = c.get(
        &format!("{tag}/top_media"),
        &[("user_id", METRICSAURUS), ("fields", "id")],
    );
    r.ok("hashtag_media");
    c.get(&tag, &[("fields", "id,name")]).graph_error(4, None);
}

#[test]
fn usage_percentages_rise_monotonically_with_calls() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    limits(&sb, json!({ "platform_calls_per_hour": 5, "buc_calls_per_day": 4 }));

    let app: Vec<i64> = (0..5)
        .map(|_| app_usage(&discovery(&c))["call_count"].as_i64().unwrap())
        .collect();
    assert_eq!(app, [20, 40, 60, 80, 100]);

    let biz = sb.business_of("metricsaurus");
    let buc: Vec<i64> = (0..4)
        .map(|_| {
            let r = media(&c, METRICSAURUS);
            r.ok("ig_media_list");
            assert!(r.header("x-app-usage").is_none(), "one usage header per answer");
            buc_usage(&r)[&biz][0]["call_count"].as_i64().unwrap()
        })
        .collect();
    assert_eq!(buc, [25, 50, 75, 100]);
    // BUC calls leave the Platform usage alone.
    assert_eq!(app_usage(&discovery(&c))["call_count"], 100);
    let st = status(&sb);
    assert_eq!(st["platform"]["usage"]["calls"], 5);
    assert_eq!(st["platform"]["usage"]["call_count"], 100);
    assert_eq!(st["platform"]["usage"]["estimated_time_to_regain_access"], 60);
}

#[test]
fn calls_that_fail_authentication_are_not_counted() {
    let sb = sim::fresh();
    let good = sb.client_as("Dana Admin");
    limits(&sb, json!({ "buc_calls_per_day": 2, "platform_calls_per_hour": 1 }));

    let expired = sb.client_as("Sam Expired");
    let bogus = good.with_token("EAAbogusbogusbogusbogusbogus");
    let bad_proof = good.without_token();
    let token = sb.user_token("Dana Admin");
    for _ in 0..3 {
        for c in [&expired, &bogus] {
            let r = media(c, METRICSAURUS);
            r.graph_error(190, r.body["error"]["error_subcode"].as_i64());
            assert!(r.header("x-app-usage").is_none());
            let r = discovery(c);
            r.graph_error(190, r.body["error"]["error_subcode"].as_i64());
        }
        let r = bad_proof.get(
            &format!("{METRICSAURUS}/media"),
            &[("access_token", &token), ("appsecret_proof", "00ff")],
        );
        r.graph_error(100, None);
        let r = bad_proof.get(&format!("{METRICSAURUS}/media"), &[]);
        assert!(r.status == 400 || r.status == 403, "{}", r.text);
    }
    let st = status(&sb);
    assert_eq!(st["platform"]["usage"]["calls"], 0);
    assert!(st["buc"]["instagram_accounts"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["usage"]["calls"] == 0));
    media(&good, METRICSAURUS).ok("ig_media_list");
    media(&good, METRICSAURUS).ok("ig_media_list");
    discovery(&good).ok("ig_user");
    media(&good, METRICSAURUS).graph_error(80002, None);
}

#[test]
fn each_batch_operation_counts_as_one_call() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    limits(&sb, json!({ "buc_calls_per_day": 3 }));
    let op = json!({ "method": "GET", "relative_url": format!("{METRICSAURUS}/media?fields=id&limit=1") });
    let batch = Value::Array(vec![op; 4]).to_string();
    let r = c.post("", &[("batch", &batch)]);
    let out = r.ok("batch_response").clone();
    app_usage(&r);
    let codes: Vec<i64> = out
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["code"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, [200, 200, 200, 400]);
    let last: Value = serde_json::from_str(out[3]["body"].as_str().unwrap()).unwrap();
    conformance::schemas::validate("error", &last).unwrap();
    assert_eq!(last["error"]["code"], 80002);
    assert_eq!(last["error"]["message"], BUC_MESSAGE);
    let st = status(&sb);
    let account = st["buc"]["instagram_accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == METRICSAURUS)
        .unwrap();
    assert_eq!(account["usage"]["calls"], 3);
    media(&c, METRICSAURUS).graph_error(80002, None);
}

#[test]
fn the_user_level_limit_is_off_by_default_and_gives_17_when_set() {
    let sb = sim::fresh();
    let dana = sb.client_as("Dana Admin");
    let st = status(&sb);
    assert!(st["users"].as_array().unwrap().iter().all(|u| u["limit"].is_null()));
    limits(&sb, json!({ "user_calls_per_hour": 1 }));
    discovery(&dana).ok("ig_user");
    let r = discovery(&dana);
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(
        envelope(&r),
        json!({
            "message": "(#17) User request limit reached",
            "type": "OAuthException",
            "code": 17,
            "is_transient": true,
        })
    );
    // Another user of the app still gets through.
    let morgan = sb.client_as("Morgan Publisher");
    discovery(&morgan).ok("ig_user");
    sb.advance(HOUR);
    discovery(&dana).ok("ig_user");
}

#[test]
fn the_control_plane_rejects_unknown_or_malformed_settings_and_null_restores_defaults() {
    let sb = sim::fresh();
    for bad in [
        json!({ "buc_calls_per_hour": 3 }),
        json!({ "buc_calls_per_day": -1 }),
        json!({ "platform_calls_per_hour": "5" }),
        json!({ "impressions": { "123": 5 } }),
        json!({ "impressions": 5 }),
        json!({ "page_engaged_users": { "17841405822304914": 5 } }),
        json!({ "page_calls_per_day": true }),
        json!([1]),
    ] {
        let r = sb.control_post("rate_limits", &bad);
        assert_eq!(r.status, 400, "{bad} -> {}", r.text);
    }
    let before = status(&sb);
    assert!(before["buc_calls_per_day"].is_null());
    limits(&sb, json!({ "buc_calls_per_day": 7 }));
    let st = limits(&sb, json!({ "buc_calls_per_day": null }));
    assert_eq!(st, before);

    // clear_usage forgets counted calls but keeps the limits.
    let c = sb.client_as("Dana Admin");
    limits(&sb, json!({ "buc_calls_per_day": 1 }));
    media(&c, METRICSAURUS).ok("ig_media_list");
    media(&c, METRICSAURUS).graph_error(80002, None);
    let st = limits(&sb, json!({ "clear_usage": true }));
    assert_eq!(st["buc_calls_per_day"], 1);
    media(&c, METRICSAURUS).ok("ig_media_list");
}

/// One step of the property test: move the clock, then make a BUC or a Platform call.
#[derive(Debug, Clone)]
enum Step {
    Advance(i64),
    Buc,
    Platform,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => prop_oneof![Just(60i64), Just(1_799), Just(HOUR), Just(6 * HOUR), Just(DAY - 1)].prop_map(Step::Advance),
        3 => Just(Step::Buc),
        3 => Just(Step::Platform),
    ]
}

/// Calls a reference window of `len` seconds admitted in `(now - len, now]`.
fn in_window(admitted: &[i64], now: i64, len: i64) -> u64 {
    admitted.iter().filter(|&&t| t > now - len).count() as u64
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

    /// Under random calls and clock moves, a call is admitted exactly when fewer than the
    /// limit were admitted in the window before it, so no window ever holds more than the
    /// limit; the headers report the reference model's percentages.
    #[test]
    fn calls_admitted_in_any_window_never_exceed_the_limit(
        buc_limit in 1u64..5,
        platform_limit in 1u64..5,
        steps in proptest::collection::vec(step(), 1..40),
    ) {
        let sb = sim::fresh();
        let c = sb.client_as("Dana Admin");
        limits(&sb, json!({ "buc_calls_per_day": buc_limit, "platform_calls_per_hour": platform_limit }));
        let mut now = sb.now();
        let biz = sb.business_of("metricsaurus");
        let (mut buc, mut platform): (Vec<i64>, Vec<i64>) = (Vec::new(), Vec::new());
        for s in steps {
            match s {
                Step::Advance(n) => now = sb.advance(n),
                Step::Buc => {
                    let expect_ok = in_window(&buc, now, DAY) < buc_limit;
                    let r = media(&c, METRICSAURUS);
                    if expect_ok {
                        r.ok("ig_media_list");
                        buc.push(now);
                    } else {
                        r.graph_error(80002, None);
                        prop_assert_eq!(r.status, 400);
                    }
                    let n = in_window(&buc, now, DAY);
                    prop_assert!(n <= buc_limit);
                    let pct = (n * 100 / buc_limit).min(100);
                    prop_assert_eq!(buc_usage(&r)[&biz][0]["call_count"].as_u64(), Some(pct));
                }
                Step::Platform => {
                    let expect_ok = in_window(&platform, now, HOUR) < platform_limit;
                    let r = hashtag_search(&c);
                    if expect_ok {
                        r.ok("hashtag_search");
                        platform.push(now);
                    } else {
                        r.graph_error(4, None);
                        prop_assert_eq!(r.status, 403);
                    }
                    let n = in_window(&platform, now, HOUR);
                    prop_assert!(n <= platform_limit);
                    let pct = (n * 100 / platform_limit).min(100);
                    prop_assert_eq!(app_usage(&r)["call_count"].as_u64(), Some(pct));
                }
            }
        }
    }
}

#[test]
fn the_guides_era_headers_are_knobs() {
    // Both headers on every answer, keyed by the IG user id (facts §2's reading).
    let mut cfg = conformance::target::test_config();
    cfg.rate_limits.app_usage_on_every_answer = true;
    cfg.rate_limits.buc_keyed_by_business = false;
    let running = simulator::Simulator::new(cfg).spawn(0).expect("start a simulator");
    let sb = sim::new_sandbox(&running.base_url(), None);
    let r = media(&sb.client_as("Dana Admin"), METRICSAURUS);
    r.ok("ig_media_list");
    app_usage(&r);
    assert_eq!(buc_usage(&r)[METRICSAURUS][0]["type"], "instagram");
    running.shutdown();
}
