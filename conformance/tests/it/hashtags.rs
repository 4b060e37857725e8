//! Hashtag search (guides "Hashtag Search"; facts §4.7) against the demo world, plus a
//! property test of the 30-unique-hashtags-per-7-days window against a reference model.

use crate::support::ids;
use conformance::client::Client;
use conformance::sim;
use proptest::prelude::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const METRICSAURUS: &str = "17841405822304914";
const BLUEBOTTLE_TAG: &str = "17843857450040591";
const COKE_TAG: &str = "17841593698074073";
const WEEK: i64 = 7 * 86_400;

fn search(c: &Client, q: &str) -> conformance::client::Resp {
    c.get("ig_hashtag_search", &[("user_id", METRICSAURUS), ("q", q)])
}

fn search_id(c: &Client, q: &str) -> String {
    search(c, q).ok("hashtag_search")["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn edge(c: &Client, tag: &str, edge: &str, fields: &str) -> Value {
    c.get(
        &format!("{tag}/{edge}"),
        &[("user_id", METRICSAURUS), ("fields", fields), ("limit", "50")],
    )
    .ok("hashtag_media")
    .clone()
}

#[test]
fn hashtag_ids_are_static_global_and_case_insensitive() {
    let a = sim::fresh();
    let b = sim::fresh();
    let ca = a.client_as("Dana Admin");
    assert_eq!(search_id(&ca, "bluebottle"), BLUEBOTTLE_TAG);
    assert_eq!(search_id(&ca, "#BlueBottle"), BLUEBOTTLE_TAG);
    let coffee = search_id(&ca, "coffee");
    assert_eq!(search_id(&b.client_as("Dana Admin"), "COFFEE"), coffee);
    assert_eq!(coffee.len(), 17);
}

#[test]
fn the_coke_walkthrough_from_the_guide_finds_recent_coke_media() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    assert_eq!(search_id(&c, "coke"), COKE_TAG);
    let node = c.get(COKE_TAG, &[("fields", "id,name")]).ok("ig_hashtag").clone();
    assert_eq!(node, serde_json::json!({ "id": COKE_TAG, "name": "coke" }));
    let recent = c
        .get(&format!("{COKE_TAG}/recent_media"), &[("user_id", METRICSAURUS)])
        .ok("hashtag_media")
        .clone();
    let got = ids(&recent);
    assert!(got.contains(&"17880997618081620".to_string()), "ben_k's #Coke post");
    assert_eq!(got.len(), 2, "ben_k's post and chloe's album: {got:?}");
    assert!(recent["data"][0].as_object().unwrap().keys().eq(["id"]));
}

#[test]
fn recent_media_covers_only_the_last_24_hours_and_only_public_feed_media() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let coffee = search_id(&c, "coffee");
    let fields = "caption,comments_count,like_count,media_type,media_url,permalink,timestamp,children";
    let body = edge(&c, &coffee, "recent_media", fields);
    let captions: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["caption"].as_str().unwrap())
        .collect();
    assert_eq!(captions.len(), 4, "{captions:?}");
    assert!(
        captions.iter().any(|c| c.starts_with("Best flat white")),
        "public personal account"
    );
    assert!(
        captions.iter().any(|c| c.starts_with("Cupping session")),
        "collab media"
    );
    assert!(
        !captions.iter().any(|c| c.contains("Morning")),
        "private account left out"
    );
    assert!(!captions.iter().any(|c| c.contains("Story")), "stories left out");
    assert!(captions.iter().all(|c| !c.contains('@')), "@ stripped");
    let stamps: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["timestamp"].as_str().unwrap())
        .collect();
    let mut sorted = stamps.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(stamps, sorted);
    // fonz.fitness hides like counts.
    assert!(body["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m.get("like_count").is_none()));
    sb.advance(13 * 3600);
    let later = edge(&c, &coffee, "recent_media", "caption");
    assert_eq!(ids(&later).len(), 3, "the 12h-old post is now older than 24h");
    sb.advance(24 * 3600);
    assert!(ids(&edge(&c, &coffee, "recent_media", "id")).is_empty());
}

#[test]
fn hashtag_media_never_shows_username_or_owner() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let coffee = search_id(&c, "coffee");
    for field in ["username", "owner", "shortcode"] {
        c.get(
            &format!("{coffee}/top_media"),
            &[("user_id", METRICSAURUS), ("fields", field)],
        )
        .graph_error(100, None);
    }
    c.get(&format!("{coffee}/top_media"), &[]).graph_error(100, None);
    c.get(&format!("{coffee}/nope"), &[]).graph_error(100, None);
}

#[test]
fn top_media_is_ranked_by_engagement_deterministically_and_includes_collab_media() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let coffee = search_id(&c, "coffee");
    let fields = "caption,like_count,comments_count";
    let first = edge(&c, &coffee, "top_media", fields);
    assert_eq!(first, edge(&c, &coffee, "top_media", fields));
    let engagement: Vec<u64> = first["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m.get("like_count").is_some())
        .map(|m| m["like_count"].as_u64().unwrap() + m["comments_count"].as_u64().unwrap())
        .collect();
    assert!(engagement.len() > 5);
    assert!(engagement.windows(2).all(|w| w[0] >= w[1]), "{engagement:?}");
    let collab = first["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["caption"].as_str().is_some_and(|s| s.starts_with("Cupping session")))
        .expect("collaborative media appears in hashtag results");
    // …but the collaborator cannot read it through the API (guides, Overview "Collaborators").
    c.get(collab["id"].as_str().unwrap(), &[]).graph_error(100, Some(33));
}

#[test]
fn hashtag_paging_gives_an_after_cursor_and_next_only_and_caps_limit_at_fifty() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let coffee = search_id(&c, "coffee");
    let all = c
        .get(
            &format!("{coffee}/top_media"),
            &[("user_id", METRICSAURUS), ("limit", "500")],
        )
        .ok("hashtag_media")
        .clone();
    let total_first = ids(&all).len();
    assert!(total_first <= 50);
    let mut r = c.get(
        &format!("{coffee}/top_media"),
        &[("user_id", METRICSAURUS), ("limit", "7")],
    );
    let mut seen = Vec::new();
    loop {
        let body = r.ok("hashtag_media").clone();
        assert!(body["paging"]["cursors"].get("before").is_none());
        assert!(body["paging"].get("previous").is_none());
        seen.extend(ids(&body));
        match body["paging"]["next"].as_str() {
            Some(next) => r = c.get_url(next),
            None => break,
        }
    }
    let unique: BTreeSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len());
    assert!(seen.len() >= total_first);
}

#[test]
fn bad_hashtag_queries_get_graph_errors() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    search(&c, "☕").graph_error(100, None);
    search(&c, "coffee☕").graph_error(100, None);
    search(&c, "#").graph_error(100, None);
    search(&c, "sensitivetag").graph_error(100, None);
    // A name longer than a caption is refused: the sandbox would keep it for its life.
    let long = "a".repeat(2_201);
    let e = search(&c, &long).graph_error(100, None).clone();
    assert!(
        e["message"].as_str().unwrap().contains("Param q must be at most 2200"),
        "{e}"
    );
    c.get("ig_hashtag_search", &[("q", "coffee")]).graph_error(100, None);
    c.get("ig_hashtag_search", &[("user_id", METRICSAURUS)])
        .graph_error(100, None);
    c.get(
        "ig_hashtag_search",
        &[("user_id", "17841401441775531"), ("q", "coffee")],
    )
    .graph_error(100, Some(33));
    c.get(BLUEBOTTLE_TAG, &[("fields", "id,media_count")])
        .graph_error(100, None);
    // None of those counted against the quota.
    let recent = c
        .get(&format!("{METRICSAURUS}/recently_searched_hashtags"), &[])
        .ok("recently_searched_hashtags")
        .clone();
    assert!(ids(&recent).is_empty());
}

#[test]
fn the_31st_unique_hashtag_in_seven_days_is_refused_until_the_window_moves() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    for i in 0..30 {
        search(&c, &format!("tag{i}")).ok("hashtag_search");
    }
    let e = search(&c, "tag30").graph_error(18, None).clone();
    assert!(e["message"].as_str().unwrap().starts_with("(#18)"));
    // Repeats are free.
    search(&c, "tag0").ok("hashtag_search");
    search(&c, "#TAG29").ok("hashtag_search");
    let listed = c
        .get(&format!("{METRICSAURUS}/recently_searched_hashtags"), &[])
        .ok("recently_searched_hashtags")
        .clone();
    assert_eq!(ids(&listed).len(), 25, "25 per page by default");
    let listed = c
        .get(
            &format!("{METRICSAURUS}/recently_searched_hashtags"),
            &[("limit", "100"), ("fields", "id,name")],
        )
        .ok("recently_searched_hashtags")
        .clone();
    assert_eq!(ids(&listed).len(), 30, "limit is capped at 30");
    // Another account of the same user has its own quota.
    c.get("ig_hashtag_search", &[("user_id", "17841400008460056"), ("q", "tag30")])
        .ok("hashtag_search");
    sb.advance(WEEK - 1);
    search(&c, "tag30").graph_error(18, None);
    sb.advance(1);
    search(&c, "tag30").ok("hashtag_search");
    let listed = c
        .get(
            &format!("{METRICSAURUS}/recently_searched_hashtags"),
            &[("fields", "name")],
        )
        .ok("recently_searched_hashtags")
        .clone();
    assert_eq!(listed["data"][0]["name"], "tag30");
    assert_eq!(ids(&listed).len(), 1);
}

#[test]
fn hashtag_reads_need_instagram_basic_on_an_owned_account() {
    let sb = sim::fresh();
    let riley = sb.client_as("Riley Reader");
    // Riley has instagram_basic but no task on metricsaurus's Page beyond ANALYZE/ADVERTISE,
    // which still lets instagram_basic through.
    search(&riley, "coffee").ok("hashtag_search");
    let expired = sb.client_as("Sam Expired");
    search(&expired, "coffee").graph_error(190, Some(463));
}

// ---- property: the rolling window matches a reference model ----------------------------

#[derive(Debug, Clone)]
enum Step {
    Search(usize),
    Advance(i64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0usize..40).prop_map(Step::Search),
        1 => (1i64..3 * 86_400).prop_map(Step::Advance),
        1 => prop_oneof![Just(WEEK - 1), Just(WEEK), Just(WEEK + 1)].prop_map(Step::Advance),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10, ..ProptestConfig::default() })]

    #[test]
    fn the_hashtag_window_matches_a_reference_model(steps in proptest::collection::vec(step(), 1..80)) {
        let sb = sim::fresh();
        let c = sb.client_as("Dana Admin");
        let mut now = sb.now();
        // Reference: tag -> when it first counted in its current window.
        let mut counted: BTreeMap<usize, i64> = BTreeMap::new();
        for s in steps {
            match s {
                Step::Advance(d) => now = sb.advance(d),
                Step::Search(t) => {
                    counted.retain(|_, first| *first + WEEK > now);
                    let r = search(&c, &format!("prop{t}"));
                    if counted.contains_key(&t) || counted.len() < 30 {
                        r.ok("hashtag_search");
                        counted.entry(t).or_insert(now);
                    } else {
                        r.graph_error(18, None);
                    }
                }
            }
        }
        counted.retain(|_, first| *first + WEEK > now);
        let listed = c
            .get(&format!("{METRICSAURUS}/recently_searched_hashtags"), &[("limit", "30"), ("fields", "name")])
            .ok("recently_searched_hashtags")
            .clone();
        let names: BTreeSet<String> = listed["data"].as_array().unwrap().iter()
            .map(|x| x["name"].as_str().unwrap().to_string()).collect();
        let expected: BTreeSet<String> = counted.keys().map(|t| format!("prop{t}")).collect();
        prop_assert_eq!(names, expected);
    }
}
