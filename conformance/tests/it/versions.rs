//! Graph API versions (issue 10, case 1): every version through the newest Meta has released
//! is served, expired ones are served as the oldest available one on the sandbox's clock,
//! unversioned paths get the app's version, per-version fields follow the timeline, and every
//! igconform flow passes at the versions real SDKs send.

use crate::support::METRICSAURUS;
use conformance::client::Client;
use conformance::scenario::{self, RunOptions};
use conformance::{scenarios, sim, target};
use simulator::version::{self, TIMELINE};

/// Unix seconds of a date at 00:00 UTC (days-from-civil, proleptic Gregorian).
fn day(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) * 86_400
}

#[test]
fn the_date_helper_agrees_with_the_timeline() {
    assert_eq!(TIMELINE[0].available_until, Some(day(2026, 1, 26)));
    assert_eq!(TIMELINE[0].released, day(2023, 9, 12));
}

#[test]
fn every_released_version_through_the_newest_is_served_as_itself() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    // Meta's changelog on 2026-11-29: v26.0 (2026-07-29) and v27.0 (2026-11-04) are out.
    assert_eq!(version::newest().to_string(), "v27.0");
    for v in ["v22.0", "v23.0", "v24.0", "v25.0", "v26.0", "v27.0"] {
        let r = c.with_version(v).get("me", &[]);
        assert_eq!(r.ok("fb_user")["name"], "Dana Admin", "{v}");
        assert_eq!(r.header("facebook-api-version"), Some(v));
    }
    // A version Meta has not released is not a path production serves.
    let e = c.with_version("v28.0").get("me", &[]).graph_error(2500, None).clone();
    assert_eq!(e["message"], "Unknown path components: /me");
}

/// A version exists from its release date on the sandbox's clock: before it, it is an unknown
/// path (as a version that never existed), and unversioned paths get the newest released one.
#[test]
fn a_version_is_served_from_its_release_date_on_the_sandbox_clock() {
    let sb = sim::fresh_at("2026-07-28");
    let c = sb.client_as("Dana Admin");
    let r = c.with_version("v25.0").get("me", &[]);
    r.ok("fb_user");
    let e = c
        .with_version("v26.0")
        .get(METRICSAURUS, &[("fields", "username")])
        .graph_error(2500, None)
        .clone();
    assert_eq!(e["message"], format!("Unknown path components: /{METRICSAURUS}"));
    // In a batch too: each operation's own version is judged on the same clock.
    let batch = c
        .with_version("v25.0")
        .post(
            "",
            &[(
                "batch",
                r#"[{"method":"GET","relative_url":"v26.0/me"},{"method":"GET","relative_url":"v25.0/me"}]"#,
            )],
        )
        .ok("batch_response")
        .clone();
    assert_eq!(batch[0]["code"], 400, "{batch}");
    assert!(batch[0]["body"].as_str().unwrap().contains("\"code\":2500"), "{batch}");
    assert_eq!(batch[1]["code"], 200, "{batch}");
    let token = sb.user_token("Dana Admin");
    let unversioned = Client::new(&sb.base_url).get_url(&format!("{}/me?access_token={token}", sb.base_url));
    assert_eq!(unversioned.header("facebook-api-version"), Some("v25.0"));
    // The day v26.0 comes out (2026-07-29) it is served, and unversioned paths move to it.
    sb.advance(day(2026, 7, 29) - sb.now());
    let r = c.with_version("v26.0").get("me", &[]);
    r.ok("fb_user");
    assert_eq!(r.header("facebook-api-version"), Some("v26.0"));
    let unversioned = Client::new(&sb.base_url).get_url(&format!("{}/me?access_token={token}", sb.base_url));
    assert_eq!(unversioned.header("facebook-api-version"), Some("v26.0"));
}

#[test]
fn expired_versions_are_served_as_the_oldest_available_on_the_sandbox_clock() {
    let sb = sim::fresh_at("2026-01-01");
    let c = sb.client_as("Dana Admin");
    let served = |v: &str| {
        let r = c.with_version(v).get(METRICSAURUS, &[("fields", "username")]);
        r.ok("ig_user");
        r.header("facebook-api-version").unwrap_or_default().to_string()
    };
    // On 2026-01-01 v18.0 is available until 2026-01-26.
    assert!(sb.now() < day(2026, 1, 26));
    assert_eq!(served("v15.0"), "v18.0", "older versions go to the oldest available");
    assert_eq!(served("v18.0"), "v18.0");
    sb.advance(day(2026, 1, 26) - sb.now());
    assert_eq!(served("v18.0"), "v19.0", "on its 'available until' day v18.0 is gone");
    // 2026-11-29: v20.0 expired on 2026-09-24, v21.0 is the oldest (until 2027-01-21).
    sb.advance(day(2026, 11, 29) - sb.now());
    for v in ["v3.2", "v15.0", "v18.0", "v20.0", "v21.0"] {
        assert_eq!(served(v), "v21.0", "{v}");
    }
    assert_eq!(served("v25.0"), "v25.0");
    // The timeline says the same thing the sandbox does.
    assert_eq!(version::oldest_available(sb.now()).to_string(), "v21.0");
    // Every row of the timeline and of the insights catalogue's changes names its source.
    assert!(TIMELINE.iter().all(|r| !r.source.is_empty()));
    assert!(version::OUT_OF_CYCLE.iter().all(|o| !o.source.is_empty()));
    assert!(simulator::model::insights::CHANGES.iter().all(|r| !r.source.is_empty()));
    assert!(simulator::model::insights::OUT_OF_CYCLE
        .iter()
        .all(|o| !o.source.is_empty()));
}

#[test]
fn unversioned_paths_are_served_as_the_apps_version_the_newest() {
    let sb = sim::fresh();
    let token = sb.user_token("Dana Admin");
    let c = Client::new(&sb.base_url);
    let r = c.get_url(&format!("{}/me?access_token={token}", sb.base_url));
    r.ok("fb_user");
    assert_eq!(r.header("facebook-api-version"), Some("v27.0"));
    // Paging links of an unversioned call carry the version that served it.
    let r = c.get_url(&format!(
        "{}/{METRICSAURUS}/media?limit=2&access_token={token}",
        sb.base_url
    ));
    let next = r.ok("ig_media_list")["paging"]["next"].as_str().unwrap().to_string();
    assert!(next.contains("/v27.0/"), "{next}");
}

#[test]
fn legacy_instagram_ids_exist_from_v22() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let media = crate::support::media_with(&c, |m| m["media_type"] == "IMAGE");
    let e = c
        .with_version("v21.0")
        .get(&media, &[("fields", "legacy_instagram_media_id")])
        .graph_error(100, None)
        .clone();
    assert_eq!(
        e["message"],
        "(#100) Tried accessing nonexisting field (legacy_instagram_media_id) on node type (IGMedia)"
    );
    let mut legacy = Vec::new();
    for v in ["v22.0", "v26.0"] {
        let m = c
            .with_version(v)
            .get(&media, &[("fields", "id,legacy_instagram_media_id")])
            .ok("ig_media")
            .clone();
        let id = m["legacy_instagram_media_id"].as_str().unwrap().to_string();
        assert_ne!(id, media, "a legacy id is not the IG Media id");
        legacy.push(id);
    }
    assert_eq!(legacy[0], legacy[1], "stable across versions");

    // Comments: the same rule on IG Comment.
    let comments = c
        .with_version("v26.0")
        .get(
            &format!("{media}/comments"),
            &[("fields", "id,text,legacy_instagram_comment_id")],
        )
        .ok("ig_comment_list")
        .clone();
    let first = &comments["data"][0];
    assert!(first["legacy_instagram_comment_id"]
        .as_str()
        .is_some_and(|s| !s.is_empty()));
    let comment = first["id"].as_str().unwrap();
    c.with_version("v21.0")
        .get(comment, &[("fields", "legacy_instagram_comment_id")])
        .graph_error(100, None);
}

/// Every igconform scenario at `version` against the in-process simulator.
fn assert_scenarios_pass_at(version: &str) {
    let opts = RunOptions {
        version: Some(version.to_string()),
        ..RunOptions::default()
    };
    crate::harness::assert_all_pass(&scenario::run_all(
        &target::in_process(),
        &scenarios::all(),
        &opts,
        |_| {},
    ));
}

#[test]
fn every_flow_passes_at_the_python_sdks_default_version() {
    // facebook-python-business-sdk 26.0.x defaults to v26.0.
    assert_scenarios_pass_at("v26.0");
}

#[test]
fn every_flow_passes_at_the_node_sdks_default_and_old_or_no_versions() {
    // facebook-nodejs-business-sdk 24.0.x defaults to v24.0; other clients send v15.0 or none.
    assert_scenarios_pass_at("v24.0");
    assert_scenarios_pass_at("v15.0");
    assert_scenarios_pass_at("");
}
