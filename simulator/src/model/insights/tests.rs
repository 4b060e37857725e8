//! Insight values keep the world's consistency rules under random events and clock moves
//! (pure model tests over the demo world; the HTTP scenarios live in conformance).

use super::account_values::boundary_after;
use super::*;
use crate::config::Config;
use crate::ids::{CommentId, IdKind};
use crate::model::seed::{build_world, WorldSeed};
use crate::model::Comment;
use crate::version::{V18, V21, V22};
use proptest::prelude::*;

const METRICSAURUS: IgUserId = IgUserId(17_841_405_822_304_914);
const START: i64 = 1_767_225_600;

fn demo() -> World {
    let seed: WorldSeed = serde_json::from_str(include_str!("../../../../fixtures/seeds/demo.json")).unwrap();
    build_world(&seed, &Config::default(), 42, "t", START).unwrap()
}

fn settings(now: i64, version: ApiVersion) -> Settings {
    Settings {
        version,
        requested: version,
        now,
        min_followers: 100,
        max_range_seconds: 30 * DAY,
        expired_story_error: false,
        story_lifetime: DAY,
    }
}

fn feed(world: &World) -> Vec<MediaId> {
    world.feed[&METRICSAURUS].values().copied().collect()
}

#[derive(Debug, Clone)]
enum Event {
    Advance(i64),
    Comment(usize),
    Reply(usize),
    Likes(usize, u64),
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        (0i64..3 * DAY).prop_map(Event::Advance),
        (0usize..200).prop_map(Event::Comment),
        (0usize..200).prop_map(Event::Reply),
        (0usize..200, 1u64..50).prop_map(|(i, n)| Event::Likes(i, n)),
    ]
}

fn apply(world: &mut World, now: &mut i64, e: &Event) {
    let ids = feed(world);
    let pick = |i: usize| ids[i % ids.len()];
    match *e {
        Event::Advance(s) => *now += s,
        Event::Comment(i) | Event::Reply(i) => {
            let media = pick(i);
            let parent = match e {
                Event::Reply(_) => world.media[&media].comments.values().next().copied(),
                _ => None,
            };
            let from = world.ig_user_by_username("ana.lopez").unwrap().id;
            let id = CommentId(world.new_id(IdKind::Comment));
            let seq = world.next_seq();
            world.insert_comment(Comment {
                id,
                media,
                from,
                parent,
                text: "Nice".into(),
                timestamp: *now,
                seq,
                hidden: false,
                like_count: 0,
                replies: Default::default(),
            });
        }
        Event::Likes(i, n) => {
            let media = pick(i);
            if let Some(m) = world.media.get_mut(&media) {
                m.like_count += n;
            }
        }
    }
}

fn total(world: &World, metric: &str, since: i64, until: i64, now: i64) -> u64 {
    let q = UserQuery {
        metrics: vec![metric.into()],
        period: Some("day".into()),
        metric_type: Some("total_value".into()),
        since: Some(since),
        until: Some(until),
        ..Default::default()
    };
    let a = user_insights(world, METRICSAURUS, &q, &settings(now, V18)).unwrap();
    a.data
        .first()
        .and_then(|i| i.total.as_ref())
        .and_then(|t| t.value)
        .unwrap_or(0)
}

fn series(world: &World, metric: &str, since: i64, until: i64, now: i64) -> Vec<u64> {
    let q = UserQuery {
        metrics: vec![metric.into()],
        period: Some("day".into()),
        since: Some(since),
        until: Some(until),
        ..Default::default()
    };
    let a = user_insights(world, METRICSAURUS, &q, &settings(now, V18)).unwrap();
    a.data
        .first()
        .and_then(|i| i.values.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|(_, v)| match v {
            SeriesValue::Int(n) => n,
            SeriesValue::Map(m) => m.values().sum(),
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn media_values_stay_consistent_and_only_grow(events in proptest::collection::vec(event(), 1..12)) {
        let mut world = demo();
        let mut now = START;
        let ids = feed(&world);
        let mut before: Vec<Snapshot> = ids.iter().map(|id| snapshot(&world, &world.media[id], now, now, DAY)).collect();
        for e in &events {
            apply(&mut world, &mut now, e);
            for (i, id) in ids.iter().enumerate() {
                let m = &world.media[id];
                let kind = MediaKind::of(m);
                let s = snapshot(&world, m, now, now, DAY);
                prop_assert_eq!(s.likes, m.like_count);
                prop_assert_eq!(s.comments, world.comment_count(*id));
                prop_assert!(s.reach <= s.impressions);
                prop_assert!(s.reach >= s.likes);
                prop_assert_eq!(s.total_interactions(kind), s.likes + s.comments + s.saved + s.shares);
                let b = &before[i];
                prop_assert!(s.reach >= b.reach && s.impressions >= b.impressions && s.saved >= b.saved
                    && s.shares >= b.shares && s.comments >= b.comments && s.views >= b.views,
                    "values of {} went down: {:?} -> {:?}", id, b, s);
                before[i] = s;
            }
        }
    }

    #[test]
    fn per_day_values_sum_to_range_totals(events in proptest::collection::vec(event(), 0..8), days in 1i64..10) {
        let mut world = demo();
        let mut now = START;
        for e in &events {
            apply(&mut world, &mut now, e);
        }
        let until = boundary_after(now) - DAY;
        let since = until - days * DAY;
        for metric in ["impressions", "profile_views"] {
            let daily = series(&world, metric, since, until, now);
            prop_assert_eq!(daily.len() as i64, days);
            prop_assert_eq!(daily.iter().sum::<u64>(), total(&world, metric, since, until, now), "{}", metric);
        }
        let reach = total(&world, "reach", since, until, now);
        let impressions = total(&world, "impressions", since, until, now);
        prop_assert!(reach <= impressions);
        let parts: u64 = ["likes", "comments", "shares", "saves", "replies"].iter().map(|m| total(&world, m, since, until, now)).sum();
        prop_assert_eq!(total(&world, "total_interactions", since, until, now), parts);
        let daily_reach = series(&world, "reach", since, until, now);
        let daily_imp = series(&world, "impressions", since, until, now);
        for (r, i) in daily_reach.iter().zip(&daily_imp) {
            prop_assert!(r <= i);
        }
    }
}

#[test]
fn catalogues_follow_the_deprecations() {
    let v18: Vec<&str> = media_catalogue(V18, START).iter().map(|m| m.name).collect();
    assert!(v18.contains(&"impressions") && v18.contains(&"video_views") && !v18.contains(&"engagement"));
    let v21: Vec<&str> = media_catalogue(V21, START).iter().map(|m| m.name).collect();
    assert!(!v21.contains(&"video_views") && v21.contains(&"impressions"));
    let v22: Vec<&str> = media_catalogue(V22, START).iter().map(|m| m.name).collect();
    assert!(!v22.contains(&"impressions") && !v22.contains(&"plays") && v22.contains(&"views"));
    assert!(media_metrics_for(V22, START, MediaKind::AlbumChild).is_empty());
    let u21: Vec<&str> = user_catalogue(V21, START).iter().map(|m| m.name).collect();
    assert!(!u21.contains(&"email_contacts") && u21.contains(&"profile_views"));
}

/// v22's `impressions` on a legacy feed VIDEO answers the product-type sentence, on an IMAGE
/// its own "Starting from version v22.0" sentence (issue 10 case 7; facts §9).
#[test]
fn impressions_after_v22_is_worded_per_media_product_type() {
    let mut world = demo();
    let image = feed(&world)
        .into_iter()
        .find(|id| world.media[id].media_type == MediaType::Image)
        .unwrap();
    let q = MediaQuery {
        metrics: vec!["impressions".into()],
        breakdowns: vec![],
    };
    let e = media_insights(&world, image, &q, &settings(START, V22)).unwrap_err();
    assert!(e.message.starts_with("(#100) Starting from version v22.0"), "{e}");
    world.media.get_mut(&image).unwrap().media_type = MediaType::Video;
    let e = media_insights(&world, image, &q, &settings(START, V22)).unwrap_err();
    assert_eq!(
        e.message,
        "(#100) The Media Insights API does not support the impressions metric for this media product type"
    );
    assert!(media_insights(&world, image, &q, &settings(START, V21)).is_ok());
}

#[test]
fn breakdown_results_add_up_to_the_value() {
    let world = demo();
    let q = UserQuery {
        metrics: vec!["reach".into(), "likes".into(), "total_interactions".into()],
        period: Some("day".into()),
        metric_type: Some("total_value".into()),
        breakdowns: vec!["media_product_type".into()],
        since: Some(START - 20 * DAY),
        until: Some(START),
        ..Default::default()
    };
    let a = user_insights(&world, METRICSAURUS, &q, &settings(START, V18)).unwrap();
    assert_eq!(a.data.len(), 3);
    for i in &a.data {
        let t = i.total.as_ref().unwrap();
        let sum: u64 = t.breakdowns[0].results.iter().map(|r| r.1).sum();
        assert_eq!(Some(sum), t.value, "{}", i.name);
        assert!(t.value.unwrap() > 0, "{}", i.name);
    }
}

/// The metrics a media kind answers in a version at `now` (empty for album children and live).
fn media_metrics_for(v: ApiVersion, now: i64, kind: MediaKind) -> Vec<&'static MediaMetric> {
    media_catalogue(v, now)
        .into_iter()
        .filter(|m| m.kinds.contains(&kind))
        .collect()
}
