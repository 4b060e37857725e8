//! Insights: the guide's examples and the reference samples against the demo world, every
//! documented limitation with its error, time-window paging, values that follow the world and
//! the clock, snapshots of the metric catalogue per API version, and the changelog's "applies
//! to all versions on <date>" cut-overs on the sandbox clock.
//!
//! Production applies each cut-over to every version from its date (version timeline,
//! `simulator/src/version.rs`), so today every version answers with v22's catalogue. Tests of
//! an older catalogue (the guides' v18-era samples, v21's own removals) run in a sandbox whose
//! clock starts before the cut-over that retired it, as production answered then.

use crate::doc_samples::replay;
use conformance::client::{Client, Resp};
use conformance::sim::{self, Sandbox};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const METRICSAURUS: &str = "17841405822304914";
/// After v21's release (2024-10-02), before its cut-over (2025-01-08): v18 to v21 each answer
/// with their own catalogue (v20's timeframe cut of 2024-08-19 already applies to all).
const BEFORE_V21_CUTOVER: &str = "2024-12-01";
/// Before v20's cut-over (2024-08-19): the reached and engaged audience demographics still
/// take v18's six timeframes on v18.
const BEFORE_V20_CUTOVER: &str = "2024-08-01";
/// The first second of v21's cut-over, and of v22's.
const V21_CUTOVER: i64 = 1_736_294_400; // 2025-01-08T00:00:00Z
const V22_CUTOVER: i64 = 1_745_193_600; // 2025-04-21T00:00:00Z

fn dana(sb: &Sandbox, version: &str) -> Client {
    sb.client_as("Dana Admin").with_version(version)
}

/// The newest media of metricsaurus matching a predicate on (media_type, media_product_type).
fn media_where(c: &Client, pred: impl Fn(&str, &str) -> bool) -> String {
    let r = c.get(
        &format!("{METRICSAURUS}/media"),
        &[("fields", "media_type,media_product_type"), ("limit", "100")],
    );
    r.ok("ig_media_list")["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| {
            pred(
                m["media_type"].as_str().unwrap_or(""),
                m["media_product_type"].as_str().unwrap_or(""),
            )
        })
        .and_then(|m| m["id"].as_str())
        .expect("a media of that kind in the demo world")
        .to_string()
}

fn feed_image(c: &Client) -> String {
    media_where(c, |t, p| t == "IMAGE" && p == "FEED")
}

fn story(c: &Client) -> String {
    let r = c.get(&format!("{METRICSAURUS}/stories"), &[]);
    r.ok("ig_stories")["data"][0]["id"].as_str().unwrap().to_string()
}

fn user_insights(c: &Client, params: &[(&str, &str)]) -> Resp {
    c.get(&format!("{METRICSAURUS}/insights"), params)
}

fn values(insight: &Value) -> Vec<u64> {
    insight["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["value"].as_u64().unwrap())
        .collect()
}

fn by_name<'a>(body: &'a Value, name: &str) -> &'a Value {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("{name} missing in {body}"))
}

fn error_message(r: &Resp) -> String {
    r.body["error"]["message"].as_str().unwrap_or("").to_string()
}

#[test]
fn the_guides_account_metrics_example_answers_two_days_per_metric() {
    // Today impressions is gone from every version (v22's cut-over, 2025-04-21): the guide's
    // request answers v22's sentence, unversioned (the app's version, the newest) and on v18.
    let today = sim::fresh();
    for version in ["", "v18.0"] {
        let e = user_insights(&dana(&today, version), &[("metric", "impressions"), ("period", "day")])
            .graph_error(100, None)
            .clone();
        assert!(e["message"]
            .as_str()
            .unwrap()
            .starts_with("(#100) Starting from version 22 and above, the impressions metric"));
    }
    // The guide's sample is v18-era: asked on v18.0 when v18 still had these metrics.
    let sb = sim::fresh_at(BEFORE_V21_CUTOVER);
    let c = dana(&sb, "v18.0");
    let params = [("metric", "impressions,reach,profile_views"), ("period", "day")];
    replay(
        &sb,
        &c,
        "insights--account-metrics",
        &format!("{METRICSAURUS}/insights"),
        &params,
    );
    let r = user_insights(&c, &params);
    let body = r.ok("user_insights");
    for name in ["impressions", "reach", "profile_views"] {
        let i = by_name(body, name);
        assert_eq!(i["period"], "day");
        assert_eq!(i["id"], format!("{METRICSAURUS}/insights/{name}/day"));
        let vs = i["values"].as_array().unwrap();
        assert_eq!(vs.len(), 2, "{name}: yesterday through today");
        for v in vs {
            assert!(v["end_time"].as_str().unwrap().ends_with("T07:00:00+0000"));
        }
    }
    let imp = values(by_name(body, "impressions"));
    let reach = values(by_name(body, "reach"));
    assert!(imp.iter().zip(&reach).all(|(i, r)| r <= i && *i > 0));
}

#[test]
fn the_guides_media_metrics_example_meets_the_engagement_deprecation() {
    // The guide's sample is v18-era (impressions, removed from every version on 2025-04-21):
    // asked on v18.0 before that date.
    let sb = sim::fresh_at(BEFORE_V21_CUTOVER);
    let c = dana(&sb, "v18.0");
    let media = feed_image(&c);
    let path = format!("{media}/insights");
    // `engagement` is deprecated from v18 (all versions from 2023-12-11): not in the list.
    let r = c.get(&path, &[("metric", "engagement,impressions,reach")]);
    r.graph_error(100, None);
    let msg = error_message(&r);
    assert!(msg.starts_with("(#100) metric[0] must be one of the following values: impressions, reach"));
    assert!(!msg.contains("engagement"));
    // The documented replacement answers in the documented shape.
    replay(
        &sb,
        &c,
        "insights--media-metrics",
        &path,
        &[("metric", "total_interactions,impressions,reach")],
    );
    let body = c
        .get(
            &path,
            &[(
                "metric",
                "total_interactions,impressions,reach,likes,comments,saved,shares",
            )],
        )
        .ok("media_insights")
        .clone();
    let v = |n: &str| values(by_name(&body, n))[0];
    assert_eq!(
        v("total_interactions"),
        v("likes") + v("comments") + v("saved") + v("shares")
    );
    assert!(v("reach") <= v("impressions"));
    for i in body["data"].as_array().unwrap() {
        assert_eq!(i["period"], "lifetime");
        assert!(
            i["values"][0].get("end_time").is_none(),
            "media values have no end_time"
        );
    }
    let m = c
        .get(&media, &[("fields", "like_count,comments_count")])
        .ok("ig_media")
        .clone();
    assert_eq!(v("likes"), m["like_count"].as_u64().unwrap());
    assert_eq!(v("comments"), m["comments_count"].as_u64().unwrap());
}

#[test]
fn the_reference_samples_replay_with_their_shapes() {
    // v18-era samples (impressions; engaged demographics over last_90_days): replayed before
    // the cut-overs that retired them.
    let sb = sim::fresh_at(BEFORE_V20_CUTOVER);
    let c = dana(&sb, "v18.0");
    let path = format!("{METRICSAURUS}/insights");
    replay(
        &sb,
        &c,
        "facts-5-4--user-insights-time-series",
        &path,
        &[("metric", "impressions"), ("period", "day")],
    );
    replay(
        &sb,
        &c,
        "facts-5-4--user-insights-total-value",
        &path,
        &[
            ("metric", "reach"),
            ("period", "day"),
            ("metric_type", "total_value"),
            ("breakdown", "media_product_type"),
            ("since", &(sb.now() - 28 * 86_400).to_string()),
        ],
    );
    replay(
        &sb,
        &c,
        "facts-5-4--user-insights-demographics",
        &path,
        &[
            ("metric", "engaged_audience_demographics"),
            ("period", "lifetime"),
            ("metric_type", "total_value"),
            ("timeframe", "last_90_days"),
            ("breakdown", "country"),
        ],
    );
    let media = feed_image(&c);
    replay(
        &sb,
        &c,
        "facts-5-4--media-insights-breakdown",
        &format!("{media}/insights"),
        &[("metric", "profile_activity"), ("breakdown", "action_type")],
    );
}

#[test]
fn total_values_break_down_into_results_that_add_up() {
    let sb = sim::fresh();
    let c = dana(&sb, "v25.0");
    let since = (sb.now() - 30 * 86_400).to_string();
    let r = user_insights(
        &c,
        &[
            ("metric", "reach,likes,comments,shares,saves,total_interactions"),
            ("period", "day"),
            ("metric_type", "total_value"),
            ("breakdown", "media_product_type"),
            ("since", &since),
        ],
    );
    let body = r.ok("user_insights").clone();
    let mut types = std::collections::BTreeSet::new();
    for i in body["data"].as_array().unwrap() {
        let t = &i["total_value"];
        let results = t["breakdowns"][0]["results"].as_array().unwrap();
        let sum: u64 = results.iter().map(|x| x["value"].as_u64().unwrap()).sum();
        assert_eq!(Some(sum), t["value"].as_u64(), "{}", i["name"]);
        assert_eq!(t["breakdowns"][0]["dimension_keys"], json!(["media_product_type"]));
        for x in results {
            types.insert(x["dimension_values"][0].as_str().unwrap().to_string());
        }
    }
    assert!(types.is_subset(&["CAROUSEL_CONTAINER", "POST", "REEL", "STORY"].map(String::from).into()));
    assert!(types.contains("POST") && types.contains("REEL"));
    let total = |n: &str| by_name(&body, n)["total_value"]["value"].as_u64().unwrap();
    assert_eq!(
        total("total_interactions"),
        total("likes") + total("comments") + total("shares") + total("saves") + {
            let r = user_insights(
                &c,
                &[
                    ("metric", "replies"),
                    ("period", "day"),
                    ("metric_type", "total_value"),
                    ("since", &since),
                ],
            );
            r.ok("user_insights")["data"][0]["total_value"]["value"]
                .as_u64()
                .unwrap()
        }
    );
    // Follow type splits reach too; contact buttons split profile link taps.
    let r = user_insights(
        &c,
        &[
            ("metric", "reach"),
            ("period", "day"),
            ("metric_type", "total_value"),
            ("breakdown", "follow_type"),
        ],
    );
    let b = r.ok("user_insights");
    let keys: Vec<&str> = b["data"][0]["total_value"]["breakdowns"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["dimension_values"][0].as_str().unwrap())
        .collect();
    assert!(keys.iter().all(|k| ["FOLLOWER", "NON_FOLLOWER", "UNKNOWN"].contains(k)));
    let r = user_insights(
        &c,
        &[
            ("metric", "profile_links_taps"),
            ("period", "day"),
            ("metric_type", "total_value"),
            ("breakdown", "contact_button_type"),
            ("since", &since),
        ],
    );
    r.ok("user_insights");
}

#[test]
fn per_day_values_sum_to_the_total_over_the_same_days() {
    // impressions and the profile_views series are v18-era (gone from every version since the
    // 2025-01-08 and 2025-04-21 cut-overs).
    let sb = sim::fresh_at(BEFORE_V21_CUTOVER);
    let c = dana(&sb, "v18.0");
    let now = sb.now();
    // Align to the 07:00 UTC day boundaries the daily values end on.
    let until = (now - 7 * 3600).div_euclid(86_400) * 86_400 + 7 * 3600;
    let since = until - 7 * 86_400;
    let (s, u) = (since.to_string(), until.to_string());
    let daily = user_insights(
        &c,
        &[
            ("metric", "impressions,profile_views"),
            ("period", "day"),
            ("since", &s),
            ("until", &u),
        ],
    );
    let daily = daily.ok("user_insights").clone();
    let totals = user_insights(
        &c,
        &[
            ("metric", "impressions,profile_views,reach"),
            ("period", "day"),
            ("metric_type", "total_value"),
            ("since", &s),
            ("until", &u),
        ],
    );
    let totals = totals.ok("user_insights").clone();
    for m in ["impressions", "profile_views"] {
        let vs = values(by_name(&daily, m));
        assert_eq!(vs.len(), 7);
        assert_eq!(
            vs.iter().sum::<u64>(),
            by_name(&totals, m)["total_value"]["value"].as_u64().unwrap(),
            "{m}"
        );
    }
    assert!(
        by_name(&totals, "reach")["total_value"]["value"].as_u64().unwrap()
            <= by_name(&totals, "impressions")["total_value"]["value"]
                .as_u64()
                .unwrap()
    );
    // week and days_28 periods answer the sliding window ending each day.
    let week = user_insights(
        &c,
        &[
            ("metric", "impressions"),
            ("period", "week"),
            ("since", &s),
            ("until", &u),
        ],
    );
    let last_week = *values(&week.ok("user_insights")["data"][0]).last().unwrap();
    assert_eq!(last_week, values(by_name(&daily, "impressions")).iter().sum::<u64>());
}

#[test]
fn paging_steps_to_the_previous_and_next_time_window() {
    let sb = sim::fresh();
    let c = dana(&sb, "v25.0");
    let r = user_insights(&c, &[("metric", "reach"), ("period", "day")]);
    let body = r.ok("user_insights").clone();
    let ends: Vec<String> = body["data"][0]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["end_time"].as_str().unwrap().to_string())
        .collect();
    let prev = c.get_url(body["paging"]["previous"].as_str().unwrap());
    let prev_body = prev.ok("user_insights").clone();
    let prev_ends: Vec<String> = prev_body["data"][0]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["end_time"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(prev_ends.len(), 2);
    assert!(
        prev_ends.last().unwrap() < ends.first().unwrap(),
        "{prev_ends:?} then {ends:?}"
    );
    // Walking next from the previous window comes back to the first one.
    let back = c.get_url(prev_body["paging"]["next"].as_str().unwrap());
    assert_eq!(back.ok("user_insights")["data"], body["data"]);
    // The next window has only happened as far as now: at most today's partial day.
    let next = c.get_url(body["paging"]["next"].as_str().unwrap());
    let next_body = next.ok("user_insights").clone();
    for i in next_body["data"].as_array().unwrap() {
        let vs = i["values"].as_array().unwrap();
        assert!(vs.len() <= 1);
        assert!(vs
            .iter()
            .all(|v| v["end_time"].as_str().unwrap() > ends.last().unwrap().as_str()));
    }
}

#[test]
fn demographics_take_a_timeframe_and_break_down_by_audience() {
    let sb = sim::fresh();
    let c = dana(&sb, "v21.0");
    let r = user_insights(
        &c,
        &[
            ("metric", "follower_demographics"),
            ("period", "lifetime"),
            ("metric_type", "total_value"),
            ("timeframe", "this_month"),
            ("breakdown", "age,gender"),
        ],
    );
    let body = r.ok("user_insights");
    let b = &body["data"][0]["total_value"]["breakdowns"][0];
    assert_eq!(b["dimension_keys"], json!(["timeframe", "age", "gender"]));
    let results = b["results"].as_array().unwrap();
    assert!(!results.is_empty() && results.len() <= 45);
    let sum: u64 = results.iter().map(|x| x["value"].as_u64().unwrap()).sum();
    assert!(
        sum <= 5837 && sum > 5837 / 2,
        "follower demographics cover the followers: {sum}"
    );
    assert!(results
        .iter()
        .all(|x| ["F", "M", "U"].contains(&x["dimension_values"][2].as_str().unwrap())));
    // v20 cut the reached and engaged audience demographics to this_week / this_month (every
    // version from 2024-08-19); follower_demographics keeps v18's six timeframes (the
    // Instagram Platform changelog, 2024-05-21, names those two metrics only).
    for metric in ["engaged_audience_demographics", "reached_audience_demographics"] {
        let r = user_insights(
            &c,
            &[
                ("metric", metric),
                ("period", "lifetime"),
                ("metric_type", "total_value"),
                ("timeframe", "last_90_days"),
                ("breakdown", "country"),
            ],
        );
        r.graph_error(100, None);
        assert_eq!(
            error_message(&r),
            "(#100) timeframe must be one of the following values: this_week, this_month"
        );
    }
    let r = user_insights(
        &c,
        &[
            ("metric", "follower_demographics"),
            ("period", "lifetime"),
            ("metric_type", "total_value"),
            ("timeframe", "last_90_days"),
            ("breakdown", "country"),
        ],
    );
    r.ok("user_insights");
    let r = user_insights(
        &c,
        &[
            ("metric", "follower_demographics"),
            ("period", "lifetime"),
            ("metric_type", "total_value"),
            ("breakdown", "country"),
        ],
    );
    r.graph_error(100, None);
    assert!(error_message(&r).contains("timeframe"));
}

#[test]
fn audience_metrics_are_left_out_under_100_followers() {
    let sb = sim::fresh();
    let c = dana(&sb, "v18.0");
    let tiny = sb.ig_id("tinyloaf.bakery");
    let path = format!("{tiny}/insights");
    let r = c.get(
        &path,
        &[("metric", "follower_count,online_followers"), ("period", "day")],
    );
    // online_followers is lifetime-only: the period error comes first.
    r.graph_error(100, None);
    for (metric, period) in [("follower_count", "day"), ("online_followers", "lifetime")] {
        let r = c.get(&path, &[("metric", metric), ("period", period)]);
        assert_eq!(r.ok("user_insights")["data"], json!([]), "{metric}");
        let r = user_insights(&c, &[("metric", metric), ("period", period)]);
        assert!(
            !r.ok("user_insights")["data"].as_array().unwrap().is_empty(),
            "{metric} for metricsaurus"
        );
    }
    let r = c.get(
        &path,
        &[
            ("metric", "follower_demographics"),
            ("period", "lifetime"),
            ("metric_type", "total_value"),
            ("timeframe", "this_week"),
            ("breakdown", "city"),
        ],
    );
    assert_eq!(r.ok("user_insights")["data"], json!([]));
    // Metrics without the rule still answer.
    let r = c.get(&path, &[("metric", "reach"), ("period", "day")]);
    assert_eq!(r.ok("user_insights")["data"].as_array().unwrap().len(), 1);
}

#[test]
fn online_followers_are_hourly_lifetime_values() {
    let sb = sim::fresh();
    let c = dana(&sb, "v18.0");
    let r = user_insights(&c, &[("metric", "online_followers"), ("period", "lifetime")]);
    let body = r.ok("user_insights");
    let v = &body["data"][0]["values"][0]["value"];
    assert_eq!(v.as_object().unwrap().len(), 24);
    assert_eq!(body["data"][0]["period"], "lifetime");
}

#[test]
fn the_version_removals_answer_their_recorded_errors() {
    // Each version's own removals, as answered before the cut-overs made them every version's.
    let sb = sim::fresh_at(BEFORE_V21_CUTOVER);
    let media = feed_image(&dana(&sb, "v18.0"));
    // v21: profile_views and website_clicks only as totals; the click series are gone.
    let r = user_insights(
        &dana(&sb, "v21.0"),
        &[("metric", "reach,profile_views,website_clicks"), ("period", "day")],
    );
    r.graph_error(100, None);
    assert_eq!(
        error_message(&r),
        "(#100) The following metrics (profile_views,website_clicks) should be specified with parameter metric_type=total_value"
    );
    let r = user_insights(
        &dana(&sb, "v21.0"),
        &[
            ("metric", "profile_views,website_clicks"),
            ("period", "day"),
            ("metric_type", "total_value"),
        ],
    );
    r.ok("user_insights");
    let r = user_insights(&dana(&sb, "v21.0"), &[("metric", "email_contacts"), ("period", "day")]);
    r.graph_error(100, None);
    assert!(error_message(&r).starts_with(
        "(#100) metric[0] must be one of the following values: impressions, reach, follower_count, website_clicks"
    ));
    let r = user_insights(&dana(&sb, "v20.0"), &[("metric", "email_contacts"), ("period", "day")]);
    r.ok("user_insights");
    // Before v22 `views` is not there for media (recorded on v21).
    let r = dana(&sb, "v21.0").get(&format!("{media}/insights"), &[("metric", "views")]);
    r.graph_error(100, None);
    assert_eq!(
        error_message(&r),
        "(#100) The Media Insights API does not support the views metric for this media product type."
    );
    // Nor for users.
    let r = user_insights(
        &dana(&sb, "v21.0"),
        &[("metric", "views"), ("period", "day"), ("metric_type", "total_value")],
    );
    r.graph_error(100, None);
    // v22: impressions is gone for users and media; views replaces it (today, every version).
    let sb = sim::fresh();
    let media = feed_image(&dana(&sb, "v22.0"));
    let r = user_insights(&dana(&sb, "v22.0"), &[("metric", "impressions"), ("period", "day")]);
    r.graph_error(100, None);
    assert!(error_message(&r).starts_with(
        "(#100) Starting from version 22 and above, the impressions metric is no longer supported for the queried user."
    ));
    let r = dana(&sb, "v22.0").get(&format!("{media}/insights"), &[("metric", "impressions")]);
    r.graph_error(100, None);
    assert_eq!(
        error_message(&r),
        "(#100) Starting from version v22.0 and above, the impressions metric is no longer supported for the queried media"
    );
    let r = dana(&sb, "v22.0").get(&format!("{media}/insights"), &[("metric", "views,reach")]);
    let body = r.ok("media_insights").clone();
    assert!(values(by_name(&body, "reach"))[0] <= values(by_name(&body, "views"))[0]);
    // The v18 deprecations: audience_* and the carousel_album_* / story tap metrics.
    for (path, metric) in [
        (format!("{METRICSAURUS}/insights"), "audience_city"),
        (format!("{media}/insights"), "carousel_album_impressions"),
        (format!("{media}/insights"), "taps_forward"),
    ] {
        let r = dana(&sb, "v18.0").get(&path, &[("metric", metric), ("period", "lifetime")]);
        r.graph_error(100, None);
        assert!(
            error_message(&r).contains("metric[0] must be one of the following values"),
            "{metric}"
        );
    }
}

/// The changelog's "applies to all versions on <date>" cut-overs on the sandbox clock: the day
/// before, a v18 call keeps v18's metrics; from the date on it answers as the newer version
/// (DOC:/docs/graph-api/changelog/version21.0 and version22.0, cited in the version timeline).
#[test]
fn cutovers_retire_each_removal_from_every_version_on_its_date() {
    let sb = sim::fresh_at(BEFORE_V21_CUTOVER);
    let v18 = dana(&sb, "v18.0");
    let v21 = dana(&sb, "v21.0");
    let email = [("metric", "email_contacts"), ("period", "day")];
    let profile_series = [("metric", "profile_views"), ("period", "day")];
    let impressions = [("metric", "impressions"), ("period", "day")];
    user_insights(&v18, &email).ok("user_insights");
    user_insights(&v18, &profile_series).ok("user_insights");
    user_insights(&v21, &email).graph_error(100, None);

    // One second before v21's cut-over nothing has changed for v18.
    sb.advance(V21_CUTOVER - 1 - sb.now());
    user_insights(&v18, &email).ok("user_insights");
    sb.advance(1);
    // From 2025-01-08 v18 answers as v21 does: the click metrics are out of the list and the
    // profile_views series needs total_value.
    let r = user_insights(&v18, &email);
    r.graph_error(100, None);
    assert_eq!(error_message(&r), error_message(&user_insights(&v21, &email)));
    let r = user_insights(&v18, &profile_series);
    assert_eq!(
        error_message(&r),
        "(#100) The following metrics (profile_views) should be specified with parameter metric_type=total_value"
    );
    user_insights(&v18, &impressions).ok("user_insights");

    // Media published after 2024-07-01 (this one, now) and one created before.
    let old = v18
        .get(
            &format!("{METRICSAURUS}/media"),
            &[
                ("fields", "media_type,timestamp"),
                ("until", "2024-07-01"),
                ("limit", "100"),
            ],
        )
        .ok("ig_media_list")["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["media_type"] == "IMAGE")
        .and_then(|m| m["id"].as_str())
        .expect("metricsaurus posted images before 2024-07-02")
        .to_string();
    let recent = feed_image(&v18);
    v18.get(&format!("{recent}/insights"), &[("metric", "impressions")])
        .ok("media_insights");

    // From 2025-04-21 impressions is gone everywhere, with v22's sentence…
    sb.advance(V22_CUTOVER - sb.now());
    let r = user_insights(&v18, &impressions);
    assert!(error_message(&r)
        .starts_with("(#100) Starting from version 22 and above, the impressions metric is no longer supported"));
    let r = v18.get(&format!("{recent}/insights"), &[("metric", "impressions")]);
    assert_eq!(
        error_message(&r),
        "(#100) Starting from version v22.0 and above, the impressions metric is no longer supported for the queried media"
    );
    // …except for media created on or before 2024-07-01 asked on v21.0 and older.
    for version in ["v18.0", "v21.0"] {
        let body = dana(&sb, version)
            .get(&format!("{old}/insights"), &[("metric", "impressions,reach")])
            .ok("media_insights")
            .clone();
        assert!(values(by_name(&body, "reach"))[0] <= values(by_name(&body, "impressions"))[0]);
    }
    dana(&sb, "v22.0")
        .get(&format!("{old}/insights"), &[("metric", "impressions")])
        .graph_error(100, None);
    // views, added in v22, answers on every version now.
    v18.get(&format!("{recent}/insights"), &[("metric", "views")])
        .ok("media_insights");
}

/// `insights_version_sunsets = false` is the guides' view: every requested version keeps its
/// own catalogue whatever the date.
#[test]
fn the_guides_per_version_catalogues_are_a_knob() {
    let mut cfg = conformance::target::test_config();
    cfg.insights.version_sunsets = false;
    let running = simulator::Simulator::new(cfg).spawn(0).expect("start a simulator");
    // A day v18.0 was still available (until 2026-01-26).
    let sb = sim::new_sandbox_at(&running.base_url(), None, Some("2026-01-01"));
    let c = dana(&sb, "v18.0");
    let body = user_insights(&c, &[("metric", "impressions,email_contacts"), ("period", "day")])
        .ok("user_insights")
        .clone();
    assert_eq!(body["data"].as_array().unwrap().len(), 2);
    let media = feed_image(&c);
    c.get(&format!("{media}/insights"), &[("metric", "impressions")])
        .ok("media_insights");
    dana(&sb, "v22.0")
        .get(&format!("{media}/insights"), &[("metric", "impressions")])
        .graph_error(100, None);
    running.shutdown();
}

/// Current versions, per media product type, as production answers them (issue 10 cases 7
/// and 8; facts §9: a v25.0 capture of 2026-07 and the v22 removal texts).
#[test]
fn current_versions_answer_each_media_product_type_as_production() {
    let sb = sim::fresh();
    let c = dana(&sb, "v25.0");
    let image = feed_image(&c);
    // (The demo world has no legacy feed VIDEO; the model's tests cover it.)
    let album = media_where(&c, |t, _| t == "CAROUSEL_ALBUM");
    let reel = media_where(&c, |_, p| p == "REELS");
    let common = "reach,saved,likes,comments,shares,total_interactions,views";
    for media in [&image, &album, &reel] {
        let body = c
            .get(&format!("{media}/insights"), &[("metric", common)])
            .ok("media_insights")
            .clone();
        assert_eq!(body["data"].as_array().unwrap().len(), 7, "{media}: {body}");
    }
    // impressions: its own sentence on IMAGE and CAROUSEL_ALBUM, the product-type one on
    // REELS and VIDEO (no final period in the capture).
    for media in [&image, &album] {
        let r = c.get(&format!("{media}/insights"), &[("metric", "impressions")]);
        r.graph_error(100, None);
        assert_eq!(
            error_message(&r),
            "(#100) Starting from version v22.0 and above, the impressions metric is no longer supported for the queried media"
        );
    }
    let r = c.get(&format!("{reel}/insights"), &[("metric", "reach,impressions")]);
    r.graph_error(100, None);
    assert_eq!(
        error_message(&r),
        "(#100) The Media Insights API does not support the impressions metric for this media product type"
    );
    // The reels play counts are dropped from the list: the enum error names views, not plays
    // (GH:trypostit/trypost#319, v25).
    let r = c.get(&format!("{reel}/insights"), &[("metric", "plays")]);
    r.graph_error(100, None);
    let msg = error_message(&r);
    assert!(
        msg.starts_with("(#100) metric[0] must be one of the following values: "),
        "{msg}"
    );
    assert!(msg.contains("views") && !msg.contains("plays"), "{msg}");
}

#[test]
fn unsupported_combinations_are_real_errors() {
    let sb = sim::fresh();
    let c = dana(&sb, "v25.0");
    let media = feed_image(&c);
    // A breakdown the metric does not have: "An unknown error has occurred." (code 1).
    let r = user_insights(
        &c,
        &[
            ("metric", "accounts_engaged"),
            ("period", "day"),
            ("metric_type", "total_value"),
            ("breakdown", "media_product_type"),
        ],
    );
    assert_eq!(r.graph_error(1, None)["message"], "An unknown error has occurred.");
    let r = c.get(
        &format!("{media}/insights"),
        &[("metric", "reach"), ("breakdown", "action_type")],
    );
    r.graph_error(1, None);
    let r = c.get(
        &format!("{media}/insights"),
        &[("metric", "profile_activity"), ("breakdown", "country_code")],
    );
    r.graph_error(100, None);
    // A metric of another media type.
    let r = c.get(&format!("{media}/insights"), &[("metric", "ig_reels_avg_watch_time")]);
    r.graph_error(100, None);
    assert_eq!(
        error_message(&r),
        "(#100) The metric ig_reels_avg_watch_time is not supported for this media type"
    );
    // Parameters.
    user_insights(&c, &[("period", "day")]).graph_error(100, None);
    let r = user_insights(&c, &[("metric", "reach")]);
    r.graph_error(100, None);
    assert_eq!(error_message(&r), "(#100) The parameter period is required");
    user_insights(&c, &[("metric", "reach"), ("period", "fortnight")]).graph_error(100, None);
    user_insights(&c, &[("metric", "follower_count"), ("period", "week")]).graph_error(100, None);
    user_insights(
        &c,
        &[
            ("metric", "follower_count"),
            ("period", "day"),
            ("metric_type", "total_value"),
        ],
    )
    .graph_error(100, None);
    user_insights(&c, &[("metric", "reach"), ("period", "day"), ("metric_type", "sum")]).graph_error(100, None);
    user_insights(&c, &[("metric", "reach"), ("period", "day"), ("since", "last tuesday")]).graph_error(100, None);
    let now = sb.now();
    let r = user_insights(
        &c,
        &[
            ("metric", "reach"),
            ("period", "day"),
            ("since", &(now - 40 * 86_400).to_string()),
            ("until", &now.to_string()),
        ],
    );
    r.graph_error(100, None);
    assert_eq!(
        error_message(&r),
        "(#100) There cannot be more than 30 days (2592000 s) between since and until"
    );
    user_insights(
        &c,
        &[
            ("metric", "reach"),
            ("period", "day"),
            ("since", &now.to_string()),
            ("until", &(now - 86_400).to_string()),
        ],
    )
    .graph_error(100, None);
    c.get(&format!("{media}/insights"), &[]).graph_error(100, None);
    // Pages have no Instagram insights.
    c.get("134895793791914/insights", &[("metric", "reach")])
        .graph_error(100, None);
}

#[test]
fn insights_need_instagram_manage_insights() {
    let sb = sim::fresh();
    let riley = sb.client_as("Riley Reader");
    let r = riley.get(
        &format!("{METRICSAURUS}/insights"),
        &[("metric", "reach"), ("period", "day")],
    );
    assert_eq!(r.status, 400, "(#10) is HTTP 400 in production (issue 10)");
    r.graph_error(10, None);
    let media = feed_image(&riley);
    riley
        .get(&format!("{media}/insights"), &[("metric", "reach")])
        .graph_error(10, None);
    // Another account's media cannot be read at all.
    let c = dana(&sb, "v21.0");
    let blue = sb.ig_id("bluebottle");
    c.get(&format!("{blue}/insights"), &[("metric", "reach"), ("period", "day")])
        .graph_error(100, Some(33));
    let morgan = sb.client_as("Morgan Publisher");
    morgan
        .get(
            &format!("{METRICSAURUS}/insights"),
            &[("metric", "reach"), ("period", "day")],
        )
        .ok("user_insights");
}

#[test]
fn story_insights_need_five_viewers_and_last_24_hours() {
    let sb = sim::fresh();
    let c = dana(&sb, "v25.0");
    let tiny = sb.ig_id("tinyloaf.bakery");
    let tiny_story = c.get(&format!("{tiny}/stories"), &[]).ok("ig_stories")["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = c.get(&format!("{tiny_story}/insights"), &[("metric", "reach,views")]);
    assert_eq!(
        r.graph_error(10, None)["message"],
        "(#10) Not enough viewers for the media to show insights"
    );
    let s = story(&c);
    let r = c.get(
        &format!("{s}/insights"),
        &[
            ("metric", "reach,views,replies,shares,total_interactions,navigation"),
            ("breakdown", "story_navigation_action_type"),
        ],
    );
    r.graph_error(1, None);
    let r = c.get(
        &format!("{s}/insights"),
        &[("metric", "navigation"), ("breakdown", "story_navigation_action_type")],
    );
    let body = r.ok("media_insights").clone();
    let nav = &body["data"][0];
    let results = nav["total_value"]["breakdowns"][0]["results"].as_array().unwrap();
    assert!(results
        .iter()
        .all(|x| ["tap_forward", "tap_back", "tap_exit", "swipe_forward"]
            .contains(&x["dimension_values"][0].as_str().unwrap())));
    let sum: u64 = results.iter().map(|x| x["value"].as_u64().unwrap()).sum();
    assert_eq!(sum, nav["values"][0]["value"].as_u64().unwrap());
    let r = c.get(
        &format!("{s}/insights"),
        &[("metric", "reach,replies,shares,total_interactions")],
    );
    let body = r.ok("media_insights").clone();
    let v = |n: &str| values(by_name(&body, n))[0];
    assert_eq!(v("total_interactions"), v("replies") + v("shares"));
    c.get(&format!("{s}/insights"), &[("metric", "saved")])
        .graph_error(100, None);
    // A day later the story has expired: its insights are no longer available.
    sb.advance(24 * 3600);
    let r = c.get(&format!("{s}/insights"), &[("metric", "reach")]);
    assert_eq!(r.ok("media_insights")["data"], json!([]));
}

#[test]
fn album_children_have_no_insights_but_albums_do() {
    let sb = sim::fresh();
    let c = dana(&sb, "v25.0");
    let album = media_where(&c, |t, _| t == "CAROUSEL_ALBUM");
    let child = c.get(&format!("{album}/children"), &[]).ok("ig_children")["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = c.get(&format!("{child}/insights"), &[("metric", "reach")]);
    r.graph_error(100, None);
    assert!(error_message(&r).contains("not supported for this media type"));
    let r = c.get(
        &format!("{album}/insights"),
        &[("metric", "views,reach,saved,total_interactions")],
    );
    assert_eq!(r.ok("media_insights")["data"].as_array().unwrap().len(), 4);
    // Carousels answer likes, comments and shares too (v25 production capture, facts §9).
    let body = c
        .get(&format!("{album}/insights"), &[("metric", "likes,comments,shares")])
        .ok("media_insights")
        .clone();
    let counts = c
        .get(&album, &[("fields", "like_count,comments_count")])
        .ok("ig_media")
        .clone();
    assert_eq!(
        values(by_name(&body, "likes"))[0],
        counts["like_count"].as_u64().unwrap()
    );
    assert_eq!(
        values(by_name(&body, "comments"))[0],
        counts["comments_count"].as_u64().unwrap()
    );
    // The reels play counts, before v22's cut-over removed them from every version.
    let sb = sim::fresh_at(BEFORE_V21_CUTOVER);
    let c = dana(&sb, "v18.0");
    let reel = media_where(&c, |_, p| p == "REELS");
    let r = c.get(
        &format!("{reel}/insights"),
        &[(
            "metric",
            "plays,clips_replays_count,ig_reels_aggregated_all_plays_count,ig_reels_avg_watch_time,ig_reels_video_view_total_time,reach",
        )],
    );
    let body = r.ok("media_insights").clone();
    let v = |n: &str| values(by_name(&body, n))[0];
    assert_eq!(
        v("ig_reels_aggregated_all_plays_count"),
        v("plays") + v("clips_replays_count")
    );
    assert_eq!(
        v("ig_reels_video_view_total_time"),
        v("ig_reels_avg_watch_time") * v("ig_reels_aggregated_all_plays_count")
    );
    assert!(v("reach") <= v("plays"));
}

#[test]
fn media_insights_grow_as_the_clock_moves() {
    let sb = sim::fresh();
    let c = dana(&sb, "v25.0");
    let media = feed_image(&c);
    let get = |c: &Client| {
        let body = c
            .get(&format!("{media}/insights"), &[("metric", "views,reach,saved,shares")])
            .ok("media_insights")
            .clone();
        ["views", "reach", "saved", "shares"].map(|n| values(by_name(&body, n))[0])
    };
    let before = get(&c);
    sb.advance(6 * 3600);
    let after = get(&c);
    assert!(after.iter().zip(&before).all(|(a, b)| a >= b));
    assert!(after[0] > before[0] && after[1] > before[1]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    /// Over HTTP: after any clock moves, media insights match the media's counts, reach stays
    /// at or under impressions, totals are the sum of their parts, and nothing shrinks.
    #[test]
    fn media_insight_values_stay_consistent_under_clock_moves(moves in proptest::collection::vec(0i64..2 * 86_400, 1..5)) {
        let sb = sim::fresh();
        let c = dana(&sb, "v25.0");
        let list = c.get(&format!("{METRICSAURUS}/media"), &[("fields", "media_type,media_product_type,like_count,comments_count"), ("limit", "8")]);
        let items = list.ok("ig_media_list")["data"].as_array().unwrap().clone();
        let mut last: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        for step in moves {
            sb.advance(step);
            for m in &items {
                let id = m["id"].as_str().unwrap();
                let carousel = m["media_type"] == "CAROUSEL_ALBUM";
                let metrics = if carousel { "reach,views,saved,total_interactions" } else {
                    "reach,views,likes,comments,saved,shares,total_interactions"
                };
                let body = c.get(&format!("{id}/insights"), &[("metric", metrics)]).ok("media_insights").clone();
                let v = |n: &str| values(by_name(&body, n))[0];
                let seen = v("views");
                prop_assert!(v("reach") <= seen);
                if !carousel {
                    prop_assert_eq!(v("likes"), m["like_count"].as_u64().unwrap());
                    prop_assert_eq!(v("comments"), m["comments_count"].as_u64().unwrap());
                    prop_assert_eq!(v("total_interactions"), v("likes") + v("comments") + v("saved") + v("shares"));
                }
                let prev = last.insert(id.to_string(), (v("reach"), seen)).unwrap_or((0, 0));
                prop_assert!(v("reach") >= prev.0 && seen >= prev.1);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any mix of parameters answers 200 with the documented shape or a Graph error envelope:
    /// never a 5xx, never a panic.
    #[test]
    fn any_parameters_give_insights_or_a_graph_error(
        metric in prop::sample::select(vec!["reach", "impressions,reach", "views", "follower_demographics", "online_followers",
            "profile_views,website_clicks", "likes,total_interactions", "bogus", "", "reach,reach", "navigation", "plays"]),
        period in prop::sample::select(vec!["day", "week", "days_28", "lifetime", "month", "", "x"]),
        metric_type in prop::sample::select(vec!["", "time_series", "total_value", "default", "nope"]),
        breakdown in prop::sample::select(vec!["", "media_product_type", "follow_type", "age,city,city,gender,country,age", "action_type", "x"]),
        timeframe in prop::sample::select(vec!["", "this_week", "last_90_days", "yesterday"]),
        since in prop::sample::select(vec!["", "0", "-5", "9223372036854775807", "1767225600", "2025-12-01", "soon"]),
        until in prop::sample::select(vec!["", "1767225600", "99999999999999", "2025-12-20"]),
        version in prop::sample::select(vec!["v18.0", "v20.0", "v21.0", "v22.0"]),
        on_media in any::<bool>(),
    ) {
        let sb = shared_sandbox();
        let c = dana(sb, version);
        let path = if on_media { format!("{}/insights", feed_image(&c)) } else { format!("{METRICSAURUS}/insights") };
        let r = c.get(&path, &[("metric", metric), ("period", period), ("metric_type", metric_type),
            ("breakdown", breakdown), ("timeframe", timeframe), ("since", since), ("until", until)]);
        prop_assert!(r.status == 200 || (400..500).contains(&r.status), "{} {}", r.status, r.text);
        if r.status == 200 {
            r.schema(if on_media { "media_insights" } else { "user_insights" });
        } else {
            r.schema("error");
        }
    }
}

/// One sandbox for read-only property cases (they never change the world).
fn shared_sandbox() -> &'static Sandbox {
    static SB: std::sync::OnceLock<Sandbox> = std::sync::OnceLock::new();
    SB.get_or_init(sim::fresh)
}

/// Which metrics each object answers in a version, found the black-box way: the account
/// list from the enum error, and for each media kind every media metric tried one by one.
fn catalogue(sb: &Sandbox, version: &str) -> Value {
    let c = dana(sb, version);
    let r = user_insights(&c, &[("metric", "no_such_metric"), ("period", "day")]);
    r.graph_error(100, None);
    let user: Vec<String> = error_message(&r)
        .trim_start_matches("(#100) metric[0] must be one of the following values: ")
        .split(", ")
        .map(String::from)
        .collect();
    let any = feed_image(&c);
    let r = c.get(&format!("{any}/insights"), &[("metric", "no_such_metric")]);
    r.graph_error(100, None);
    let all: Vec<String> = error_message(&r)
        .trim_start_matches("(#100) metric[0] must be one of the following values: ")
        .split(", ")
        .map(String::from)
        .collect();
    let kinds = [
        ("FEED IMAGE", feed_image(&c)),
        ("CAROUSEL_ALBUM", media_where(&c, |t, _| t == "CAROUSEL_ALBUM")),
        ("REELS", media_where(&c, |_, p| p == "REELS")),
        ("STORY", story(&c)),
    ];
    let mut media = serde_json::Map::new();
    for (kind, id) in kinds {
        let ok: Vec<&String> = all
            .iter()
            .filter(|m| c.get(&format!("{id}/insights"), &[("metric", m.as_str())]).status == 200)
            .collect();
        media.insert(kind.into(), json!(ok));
    }
    json!({ "user": user, "media": media })
}

#[test]
fn metric_catalogues_per_api_version() {
    // Each version's own catalogue, as production answered it once released and before the
    // cut-overs: v18..v21 before v21's (2025-01-08), v22 before its own (2025-04-21), v24 and
    // v27 after every one (version.rs). A version not released yet does not exist.
    let sb = sim::fresh_at(BEFORE_V21_CUTOVER);
    let v22_released = sim::fresh_at("2025-02-01");
    let v24_released = sim::fresh_at("2025-11-01");
    let today = sim::fresh();
    for (version, at) in [
        ("v18.0", &sb),
        ("v19.0", &sb),
        ("v20.0", &sb),
        ("v21.0", &sb),
        ("v22.0", &v22_released),
        ("v24.0", &v24_released),
        ("v27.0", &today),
    ] {
        insta::assert_json_snapshot!(
            format!("metric_catalogue_{}", version.replace('.', "_")),
            catalogue(at, version)
        );
    }
    dana(&sb, "v22.0").get("me", &[]).graph_error(2500, None);
    // Today every version answers with v22's catalogue (all cut-overs have come) and the
    // out-of-cycle additions since (`reposts`, every version from 2025-12-03).
    let newest = catalogue(&today, "v27.0");
    assert_eq!(catalogue(&v24_released, "v24.0"), catalogue(&v22_released, "v22.0"));
    assert!(
        newest["user"].as_array().unwrap().iter().any(|m| m == "reposts"),
        "{newest}"
    );
    let v24_then = catalogue(&v24_released, "v24.0");
    assert!(!v24_then["user"].as_array().unwrap().iter().any(|m| m == "reposts"));
    for version in ["v18.0", "v21.0", "v24.0"] {
        assert_eq!(catalogue(&today, version), newest, "{version} today");
    }
}

/// Field expansion on media (facts §3.2): `insights.metric(…)` and `product_tags` read in the
/// same request as the media list, with the same values as the edges.
#[test]
fn insights_and_product_tags_expand_inside_a_media_list() {
    let sb = conformance::sim::fresh();
    let c = sb.client_as("Dana Admin");
    let ig = "17841405822304914";
    let list = c
        .get(
            &format!("{ig}/media"),
            &[
                ("fields", "media_type,insights.metric(reach),product_tags"),
                ("limit", "40"),
            ],
        )
        .ok("ig_media_list")
        .clone();
    let items = list["data"].as_array().unwrap();
    let mut tagged = 0;
    for m in items {
        let id = m["id"].as_str().unwrap();
        let expanded = &m["insights"];
        conformance::schemas::validate("media_insights", expanded).unwrap();
        let direct = c
            .get(&format!("{id}/insights"), &[("metric", "reach")])
            .ok("media_insights")
            .clone();
        assert_eq!(expanded, &direct, "media {id}: the expansion equals the edge");
        if m.get("product_tags")
            .is_some_and(|t| !t["data"].as_array().unwrap().is_empty())
        {
            tagged += 1;
        }
    }
    assert!(
        tagged >= 1,
        "the demo world has product-tagged posts among the newest 40"
    );
    // Without the permission the expansion fails like the edge does.
    sb.client_as("Riley Reader")
        .get(
            &format!("{ig}/media"),
            &[("fields", "insights.metric(reach)"), ("limit", "1")],
        )
        .graph_error(10, None);
}

/// `reposts`, for media and accounts, in every version from 2025-12-03 (Instagram Platform
/// changelog, "applies to all versions"; blog 2025-12-03): not a metric before that day.
#[test]
fn reposts_answer_in_every_version_from_their_day() {
    let sb = sim::fresh();
    for version in ["v21.0", "v27.0"] {
        let c = dana(&sb, version);
        let media = feed_image(&c);
        let body = c
            .get(&format!("{media}/insights"), &[("metric", "reposts,likes")])
            .ok("media_insights")
            .clone();
        assert_eq!(body["data"][0]["name"], "reposts", "{version}");
        assert_eq!(body["data"][1]["name"], "likes", "{version}");
        assert!(body["data"][0]["values"][0]["value"].is_u64());
        let user = user_insights(
            &c,
            &[("metric", "reposts"), ("period", "day"), ("metric_type", "total_value")],
        )
        .ok("user_insights")
        .clone();
        assert!(user["data"][0]["total_value"]["value"].is_u64(), "{user}");
    }
    // Stories cannot be reposted.
    let c = dana(&sb, "v27.0");
    c.get(&format!("{}/insights", story(&c)), &[("metric", "reposts")])
        .graph_error(100, None);

    let before = sim::fresh_at("2025-12-02");
    let c = dana(&before, "v24.0");
    let e = c
        .get(&format!("{}/insights", feed_image(&c)), &[("metric", "reposts")])
        .graph_error(100, None)
        .clone();
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .starts_with("(#100) metric[0] must be one of the following values: "),
        "{e}"
    );
    user_insights(
        &c,
        &[("metric", "reposts"), ("period", "day"), ("metric_type", "total_value")],
    )
    .graph_error(100, None);
}
