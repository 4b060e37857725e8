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
    // The guides' v18.0 expired on 2026-01-26: on the default sandbox's day (2026-11-29) it is
    // served as the oldest version still available (Platform Versioning guide; version.rs).
    assert_eq!(r.header("facebook-api-version"), Some("v21.0"));
    assert!(r.header("x-fb-trace-id").is_some());
    // A web page on another origin may read Graph answers, errors included (response.rs).
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    let refused = c.get("no_such_node_x", &[]);
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert_eq!(refused.header("access-control-allow-origin"), Some("*"));
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

/// A multipart body is read with its boundary as sent: boundaries are case-sensitive (RFC 2046
/// §5.1.1), and browsers and many clients use mixed-case ones (`----WebKitFormBoundary…`).
#[test]
fn multipart_bodies_with_mixed_case_boundaries_are_read() {
    let sb = sim::fresh();
    let token = sb.user_token("Dana Admin");
    let c = sb.client_as("Dana Admin");
    let media = crate::support::media_with(&c, |m| m["media_type"] == "IMAGE");
    let boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"access_token\"\r\n\r\n{token}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\nfrom a form\r\n--{boundary}--\r\n"
    );
    let url = format!("{}/v21.0/{media}/comments", sb.base_url);
    let ctype = format!("multipart/form-data; boundary={boundary}");
    let r = Client::new(&sb.base_url).send_bytes("POST", &url, &[("Content-Type", &ctype)], body.as_bytes());
    let id = r.ok("id_response")["id"].as_str().unwrap().to_string();
    assert_eq!(
        c.get(&id, &[("fields", "text")]).ok("ig_comment")["text"],
        "from a form"
    );
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

fn proof(secret: &str, token: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(token.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[test]
fn ids_multi_read_returns_each_node_keyed_by_id() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let juniper = sb.ig_id("juniper.makes");
    let ids = format!("{METRICSAURUS},{juniper}");
    let body = c
        .get("", &[("ids", &ids), ("fields", "username")])
        .ok("multi_read")
        .clone();
    assert_eq!(body[METRICSAURUS]["username"], "metricsaurus");
    assert_eq!(body[juniper.as_str()]["username"], "juniper.makes");
    let many: Vec<String> = (0..51).map(|i| format!("1784140582230{i:04}")).collect();
    let e = c.get("", &[("ids", &many.join(","))]).graph_error(100, None).clone();
    assert_eq!(e["message"], "(#100) Too many IDs. Maximum: 50. Provided: 51.");
    c.get("", &[("ids", &format!("{METRICSAURUS},17841401441775531"))])
        .graph_error(100, Some(33));
}

#[test]
fn paths_tolerate_missing_versions_and_stray_slashes() {
    let sb = sim::fresh();
    let token = sb.user_token("Dana Admin");
    let c = Client::new(&sb.base_url);
    let r = c.get_url(&format!(
        "{}//{METRICSAURUS}//?fields=username&access_token={token}",
        sb.base_url
    ));
    assert_eq!(r.ok("ig_user")["username"], "metricsaurus");
    assert_eq!(
        r.header("facebook-api-version"),
        Some("v27.0"),
        "no version -> the app's version: the newest (Platform Versioning guide)"
    );
    let r = c.get_url(&format!("{}/v12.0/me?access_token={token}", sb.base_url));
    r.ok("fb_user");
    assert_eq!(
        r.header("facebook-api-version"),
        Some("v21.0"),
        "expired versions are upgraded to the oldest available (2026-11-29: v21.0)"
    );
    assert_eq!(r.header("content-type"), Some("application/json; charset=UTF-8"));
}

#[test]
fn appsecret_proof_is_checked_when_sent_and_required_when_the_app_requires_it() {
    let sb = sim::fresh();
    let token = sb.user_token("Dana Admin");
    let c = Client::new(&sb.base_url);
    let good = proof(&sb.app_secret(), &token);
    c.get("me", &[("access_token", &token), ("appsecret_proof", &good)])
        .ok("fb_user");
    let e = c
        .get("me", &[("access_token", &token), ("appsecret_proof", "00ff")])
        .graph_error(100, None)
        .clone();
    assert_eq!(e["message"], "Invalid appsecret_proof provided in the API argument");

    let mut world: serde_json::Value = serde_json::from_str(include_str!("../../../fixtures/seeds/demo.json")).unwrap();
    world["app"]["require_appsecret_proof"] = serde_json::json!(true);
    let strict = sim::new_sandbox(&sb.base_url, Some(&world));
    let token = strict.user_token("Dana Admin");
    let e = c.get("me", &[("access_token", &token)]).graph_error(100, None).clone();
    assert_eq!(
        e["message"],
        "API calls from the server require an appsecret_proof argument"
    );
    let good = proof(&strict.app_secret(), &token);
    c.get("me", &[("access_token", &token), ("appsecret_proof", &good)])
        .ok("fb_user");
}

#[test]
fn debug_token_describes_valid_expired_and_unknown_tokens() {
    let sb = sim::fresh();
    let app = Client::new(&sb.base_url).with_token(&format!("{}|{}", sb.app_id(), sb.app_secret()));
    let dana = sb.user_token("Dana Admin");
    let d = app.get("debug_token", &[("input_token", &dana)]).ok("debug_token")["data"].clone();
    assert_eq!(d["is_valid"], true);
    assert_eq!(d["type"], "USER");
    assert_eq!(d["app_id"], sb.app_id());
    assert!(d["scopes"].as_array().unwrap().iter().any(|s| s == "instagram_basic"));
    let expired = sb.user_token("Sam Expired");
    let d = app.get("debug_token", &[("input_token", &expired)]).ok("debug_token")["data"].clone();
    assert_eq!(d["is_valid"], false);
    assert_eq!(d["error"]["subcode"], 463);
    let d = app
        .get("debug_token", &[("input_token", "EAAGnope1234567890abcdef")])
        .ok("debug_token")["data"]
        .clone();
    assert_eq!(d["is_valid"], false);
    app.get("debug_token", &[]).graph_error(100, None);
}

#[test]
fn a_short_lived_token_exchanges_for_a_sixty_day_one() {
    let sb = sim::fresh();
    let c = Client::new(&sb.base_url);
    let dana = sb.user_token("Dana Admin");
    let (id, secret) = (sb.app_id(), sb.app_secret());
    let q = |secret: &str| {
        c.get(
            "oauth/access_token",
            &[
                ("grant_type", "fb_exchange_token"),
                ("client_id", &id),
                ("client_secret", secret),
                ("fb_exchange_token", &dana),
            ],
        )
    };
    let body = q(&secret).ok("oauth_access_token").clone();
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 60 * 86_400);
    let long = body["access_token"].as_str().unwrap().to_string();
    c.get("me", &[("access_token", &long)]).ok("fb_user");
    let e = q("wrong").graph_error(1, None).clone();
    assert_eq!(e["message"], "Error validating client secret.");
    sb.advance(61 * 86_400);
    c.get("me", &[("access_token", &long)]).graph_error(190, Some(463));
}

#[test]
fn media_fields_follow_their_visibility_rules() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let fields = "caption,media_type,media_product_type,owner,permalink,children{caption,permalink,media_type},timestamp,username,like_count,comments_count,is_comment_enabled";
    let list = c
        .get(
            &format!("{METRICSAURUS}/media"),
            &[("fields", "media_type"), ("limit", "100")],
        )
        .ok("ig_media_list")
        .clone();
    let album = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["media_type"] == "CAROUSEL_ALBUM")
        .expect("an album")
        .clone();
    let m = c
        .get(album["id"].as_str().unwrap(), &[("fields", fields)])
        .ok("ig_media")
        .clone();
    assert_eq!(m["owner"]["id"], METRICSAURUS);
    assert_eq!(m["username"], "metricsaurus");
    let children = m["children"]["data"].as_array().unwrap();
    assert!(children.len() >= 2);
    for child in children {
        assert!(
            child.get("caption").is_none() && child.get("permalink").is_none(),
            "album items have no caption or permalink"
        );
    }
    let kids = c
        .get(&format!("{}/children", album["id"].as_str().unwrap()), &[])
        .ok("ig_children")
        .clone();
    assert_eq!(kids["data"].as_array().unwrap().len(), children.len());
    // Someone else's media is not readable directly.
    let other = c.get("17841401441775531/media", &[]).graph_error(100, Some(33)).clone();
    assert!(other["message"]
        .as_str()
        .unwrap()
        .starts_with("Unsupported get request"));
}

#[test]
fn stories_and_live_media_follow_the_sandbox_clock() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let stories = c
        .get(
            &format!("{METRICSAURUS}/stories"),
            &[("fields", "media_product_type,timestamp")],
        )
        .ok("ig_stories")
        .clone();
    let n = stories["data"].as_array().unwrap().len();
    assert_eq!(n, 3, "the demo account has three current stories");
    assert!(stories["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["media_product_type"] == "STORY"));
    // The demo stories are 30 min, 3.5 h and 6.5 h old: 18 hours later one is past 24 h.
    let count = |c: &Client| {
        c.get(&format!("{METRICSAURUS}/stories"), &[]).ok("ig_stories")["data"]
            .as_array()
            .unwrap()
            .len()
    };
    sb.advance(18 * 3600);
    assert_eq!(count(&c), n - 1, "stories older than 24h drop out");
    sb.advance(6 * 3600);
    assert_eq!(count(&c), 0);
    let live = c
        .get(
            &format!("{METRICSAURUS}/live_media"),
            &[("fields", "media_type,media_product_type")],
        )
        .ok("ig_live_media")
        .clone();
    assert_eq!(live["data"][0]["media_type"], "BROADCAST");
    assert_eq!(live["data"][0]["media_product_type"], "LIVE");
    let none = c
        .get(&format!("{}/live_media", sb.ig_id("juniper.makes")), &[])
        .ok("ig_live_media")
        .clone();
    assert_eq!(none, serde_json::json!({"data": [], "paging": {}}));
}

#[test]
fn since_and_until_bound_the_media_edge() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let now = sb.now();
    let (since, until) = ((now - 30 * 86_400).to_string(), (now - 10 * 86_400).to_string());
    let mut r = c.get(
        &format!("{METRICSAURUS}/media"),
        &[
            ("fields", "timestamp"),
            ("since", &since),
            ("until", &until),
            ("limit", "5"),
        ],
    );
    let mut count = 0;
    loop {
        let body = r.ok("ig_media_list").clone();
        for m in body["data"].as_array().unwrap() {
            let ts = m["timestamp"].as_str().unwrap();
            assert!(
                ts >= simulator::timefmt::iso(now - 30 * 86_400).as_str()
                    && ts <= simulator::timefmt::iso(now - 10 * 86_400).as_str()
            );
            count += 1;
        }
        match body["paging"]["next"].as_str() {
            Some(n) => r = c.get_url(n),
            None => break,
        }
    }
    assert!(count > 3, "the demo account posts every couple of days");
}

#[test]
fn permissions_and_tasks_decide_what_a_user_sees() {
    let sb = sim::fresh();
    let riley = sb.client_as("Riley Reader");
    let pages = riley.get("me/accounts", &[]).ok("me_accounts").clone();
    let names: Vec<&str> = pages["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Metricsaurus"], "ANALYZE-only pages are not listed");
    riley.get(METRICSAURUS, &[("fields", "username")]).ok("ig_user");
    // A personal account and a page without an IG account.
    let dana = sb.client_as("Dana Admin");
    dana.get(&sb.ig_id("quiet.fern"), &[]).graph_error(100, Some(33));
    let fan = dana
        .get("101987654321098", &[("fields", "name,instagram_business_account")])
        .ok("page")
        .clone();
    assert!(fan.get("instagram_business_account").is_none());
    // Writes on read-only nodes are unsupported posts.
    let e = dana
        .post(METRICSAURUS, &[("username", "x")])
        .graph_error(100, Some(33))
        .clone();
    assert!(e["message"].as_str().unwrap().starts_with("Unsupported post request"));
}

#[test]
fn the_control_plane_manages_sandboxes_and_clocks() {
    let sb = sim::fresh();
    let c = Client::new(&sb.base_url);
    let url = |p: &str| format!("{}/_sim/sandboxes/{}{p}", sb.base_url, sb.id);
    let r = c.send_bytes("POST", &url("/clock/freeze"), &[], b"");
    assert_eq!(r.body["frozen"], true);
    r.schema("sim_clock");
    let before = sb.now();
    assert_eq!(sb.advance(3600), before + 3600);
    let r = c.send_bytes(
        "POST",
        &url("/clock/advance"),
        &[("Content-Type", "application/json")],
        br#"{"seconds":-5}"#,
    );
    assert_eq!(r.status, 400, "time never goes backwards");
    // Revoke, then reset restores the seed world's tokens.
    let token = sb.user_token("Dana Admin");
    let body = format!(r#"{{"access_token":"{token}","reason":"password_changed"}}"#);
    let r = c.send_bytes(
        "POST",
        &url("/tokens/revoke"),
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    c.get("me", &[("access_token", &token)]).graph_error(190, Some(460));
    let r = c.send_bytes("POST", &url("/reset"), &[], b"");
    r.schema("sim_sandbox");
    c.get("me", &[("access_token", &token)]).ok("fb_user");
    // Named sandboxes: a second one with the same id is a conflict; deleting forgets tokens.
    let named = format!("{}/_sim/sandboxes?id=ci-{}", sb.base_url, sb.id);
    assert_eq!(c.send_bytes("POST", &named, &[], b"").status, 201);
    assert_eq!(c.send_bytes("POST", &named, &[], b"").status, 409);
    let r = c.send_bytes("DELETE", &url(""), &[], b"");
    assert_eq!(r.status, 200);
    c.get("me", &[("access_token", &token)]).graph_error(190, None);
    let health = c.get_url(&format!("{}/_sim/health", sb.base_url));
    health.schema("sim_health");
}

/// `{}` is what many HTTP clients send for "no options": it means the demo world, like no
/// body at all; an empty world has to be asked for with content.
#[test]
fn an_empty_json_object_creates_the_demo_world_and_an_empty_world_needs_content() {
    let base = conformance::target::shared_simulator().base_url();
    for body in [None, Some(serde_json::json!({}))] {
        let sb = sim::new_sandbox(&base, body.as_ref());
        assert!(!sb.info["users"].as_array().unwrap().is_empty(), "body {body:?}");
        assert_eq!(sb.ig_id("metricsaurus"), METRICSAURUS, "body {body:?}");
        sim::delete_sandbox(&sb);
    }
    let empty = sim::new_sandbox(&base, Some(&serde_json::json!({ "users": [] })));
    assert_eq!(empty.info["users"], serde_json::json!([]));
    assert_eq!(empty.info["instagram_accounts"], serde_json::json!([]));
    sim::delete_sandbox(&empty);
}

#[test]
fn a_sandbox_can_start_on_any_date_and_its_world_is_built_around_it() {
    // `?at=` moves "now" for one sandbox: the world is generated relative to it and the clock
    // starts there (frozen here, as the harness runs igsim with --clock frozen).
    let sb = sim::fresh_at("2024-12-01");
    assert_eq!(sb.now(), 1_733_011_200);
    let c = sb.client_as("Dana Admin");
    let newest = c
        .get("17841405822304914/media", &[("fields", "timestamp"), ("limit", "1")])
        .ok("ig_media_list")["data"][0]["timestamp"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        newest.starts_with("2024-1"),
        "the newest post is from before the start: {newest}"
    );
    assert_eq!(sim::fresh_at("1733011200").now(), 1_733_011_200);
    assert_eq!(sim::fresh_at("2024-12-01T06:30:00Z").now(), 1_733_034_600);
    let c = Client::new(&sb.base_url);
    for bad in ["yesterday", "1999-01-01", "99999999999999"] {
        let r = c.send_bytes("POST", &format!("{}/_sim/sandboxes?at={bad}", sb.base_url), &[], b"");
        assert_eq!(r.status, 400, "{bad}: {}", r.text);
        r.schema("sim_error");
    }
}

#[test]
fn the_same_seed_gives_the_same_ids_in_every_sandbox() {
    let (a, b) = (sim::fresh(), sim::fresh());
    let list = |s: &sim::Sandbox| {
        s.client_as("Dana Admin")
            .get(
                &format!("{METRICSAURUS}/media"),
                &[("fields", "caption,like_count,timestamp")],
            )
            .ok("ig_media_list")["data"]
            .clone()
    };
    assert_eq!(list(&a), list(&b));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

        /// Any page size walks the whole edge, each item exactly once, forwards and back.
        #[test]
        fn paging_walks_visit_every_item_once(limit in 1usize..60) {
            let sb = sim::fresh();
            let c = sb.client_as("Dana Admin");
            let mut forward = Vec::new();
            let mut r = c.get(&format!("{METRICSAURUS}/media"), &[("limit", &limit.to_string())]);
            let mut last;
            loop {
                let body = r.ok("ig_media_list").clone();
                forward.extend(body["data"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_string()));
                last = r.clone();
                match body["paging"]["next"].as_str() { Some(n) => r = c.get_url(n), None => break }
            }
            let unique: BTreeSet<_> = forward.iter().collect();
            prop_assert_eq!(unique.len(), forward.len());
            // Walk back from the last page with `previous`.
            let mut backward = Vec::new();
            let mut r = last;
            loop {
                let body = r.ok("ig_media_list").clone();
                let mut page: Vec<String> = body["data"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_string()).collect();
                page.extend(backward);
                backward = page;
                match body["paging"]["previous"].as_str() { Some(p) => r = c.get_url(p), None => break }
            }
            prop_assert_eq!(backward, forward);
        }
    }
}

#[test]
fn batch_requests_run_each_operation_and_answer_in_order() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let batch = format!(
        r#"[{{"method":"GET","relative_url":"me"}},{{"method":"GET","relative_url":"v21.0/{METRICSAURUS}?fields=username"}},{{"method":"GET","relative_url":"{METRICSAURUS}?fields=nope"}}]"#
    );
    let r = c.post("", &[("batch", &batch)]);
    let out = r.ok("batch_response").clone();
    let out = out.as_array().unwrap();
    assert_eq!(out.len(), 3);
    assert_eq!(out[0]["code"], 200);
    let me: serde_json::Value = serde_json::from_str(out[0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(me["name"], "Dana Admin");
    let user: serde_json::Value = serde_json::from_str(out[1]["body"].as_str().unwrap()).unwrap();
    assert_eq!(user["username"], "metricsaurus");
    assert_eq!(out[2]["code"], 400);
    let err: serde_json::Value = serde_json::from_str(out[2]["body"].as_str().unwrap()).unwrap();
    conformance::schemas::validate("error", &err).unwrap();
    let too_many = format!("[{}]", vec![r#"{"method":"GET","relative_url":"me"}"#; 51].join(","));
    c.post("", &[("batch", &too_many)]).graph_error(100, None);
    c.post("", &[("batch", "not json")]).graph_error(100, None);
}

#[test]
fn tokens_minted_in_two_sandboxes_never_collide() {
    let exchange = |sb: &sim::Sandbox| {
        let r = Client::new(&sb.base_url).get(
            "oauth/access_token",
            &[
                ("grant_type", "fb_exchange_token"),
                ("client_id", &sb.app_id()),
                ("client_secret", &sb.app_secret()),
                ("fb_exchange_token", &sb.user_token("Dana Admin")),
            ],
        );
        r.ok("oauth_access_token")["access_token"].as_str().unwrap().to_string()
    };
    let (a, b) = (sim::fresh(), sim::fresh());
    let (ta, tb) = (exchange(&a), exchange(&b));
    assert_ne!(
        ta, tb,
        "the same seed and request order must still give sandbox-unique tokens"
    );
    a.advance(61 * 86_400);
    let c = Client::new(&a.base_url);
    c.get("me", &[("access_token", &ta)]).graph_error(190, Some(463));
    c.get("me", &[("access_token", &tb)]).ok("fb_user");
}

#[test]
fn sandbox_time_stops_at_the_last_expressible_second_and_everything_still_answers() {
    let sb = sim::fresh();
    let c = Client::new(&sb.base_url);
    let url = format!("{}/_sim/sandboxes/{}/clock/advance", sb.base_url, sb.id);
    let r = c.send_bytes(
        "POST",
        &url,
        &[("Content-Type", "application/json")],
        br#"{"seconds":9223372036854775807}"#,
    );
    assert_eq!(r.status, 400, "{}", r.text);
    let end = simulator::clock::MAX_TIME;
    assert_eq!(sb.advance(end - sb.now()), end);
    let dana = sb.client_as("Dana Admin");
    let container = dana.post(
        &format!("{METRICSAURUS}/media"),
        &[("image_url", "https://www.example.com/a.jpg")],
    );
    let id = container.ok("id_response")["id"].as_str().unwrap().to_string();
    dana.get(&id, &[("fields", "status_code")]).ok("ig_container");
    dana.get(
        &format!("{METRICSAURUS}/insights"),
        &[("metric", "reach"), ("period", "day")],
    )
    .ok("user_insights");
    dana.get(&format!("{METRICSAURUS}/media"), &[("fields", "timestamp")])
        .ok("ig_media_list");
    dana.get("me", &[]).ok("fb_user");
}

#[test]
fn methods_other_than_get_post_and_delete_get_a_graph_error() {
    let sb = sim::fresh();
    let token = sb.user_token("Dana Admin");
    let c = Client::new(&sb.base_url);
    for method in ["PUT", "PATCH"] {
        let url = format!("{}/v21.0/{METRICSAURUS}?access_token={token}", sb.base_url);
        c.send_bytes(method, &url, &[], b"biography=x").graph_error(100, None);
    }
}
