//! Tests of the sandbox registry: base-world sharing, per-sandbox tokens, idle reclaim,
//! snapshots of shared worlds.

use super::*;
use crate::model::seed::build_world;

fn registry(idle: u64) -> Sandboxes {
    let cfg = Config {
        clock: ClockMode::Frozen,
        sandbox_idle_seconds: idle,
        ..Config::default()
    };
    Sandboxes::new(cfg, SeedWorld::new(crate::app::demo_world())).expect("the demo world builds")
}

#[test]
fn a_sandbox_made_from_a_kept_base_is_the_world_built_on_its_own() {
    let sbs = registry(0);
    let a = sbs.create(Some("a".into()), SeedWorld::new(crate::app::demo_world()), None);
    let a = a.expect("sandbox a");
    // Change a's world: the base it came from must not see it.
    a.with_world(|w, _| {
        w.media.clear();
        w.tokens.clear();
    });
    let b = sbs
        .create(Some("b".into()), SeedWorld::new(crate::app::demo_world()), None)
        .expect("sandbox b");
    let cfg = &sbs.config;
    let mut alone = build_world(&crate::app::demo_world(), cfg, cfg.seed, "b", cfg.frozen_epoch).expect("builds");
    // The registry has taken b's minted tokens into its index.
    for t in alone.take_minted_tokens() {
        assert_eq!(sbs.by_token(&t).map(|s| s.id.clone()).as_deref(), Some("b"));
    }
    b.with_world(|w, _| assert_eq!(format!("{w:?}"), format!("{alone:?}")));
}

#[test]
fn sandboxes_of_one_seed_share_its_data_and_own_their_tokens() {
    let sbs = registry(0);
    let seed = SeedWorld::new(crate::app::demo_world());
    let a = sbs.create(Some("a".into()), seed.clone(), None).expect("a");
    let b = sbs.create(Some("b".into()), seed, None).expect("b");
    let (shared, tokens_a) = a.with_world(|wa, _| {
        b.with_world(|wb, _| {
            let shared = wa.media.ptr_eq(&wb.media) && wa.comments.ptr_eq(&wb.comments) && wa.nodes.ptr_eq(&wb.nodes);
            assert!(
                wa.tokens.keys().all(|t| !wb.tokens.contains_key(t)),
                "a token is in both sandboxes"
            );
            assert_ne!(wa.app.secret, wb.app.secret);
            (shared, wa.tokens.keys().cloned().collect::<Vec<_>>())
        })
    });
    assert!(shared, "sandboxes of one seed world copied its media, comments or ids");
    // Every seeded token of a's, and only those, leads to a; users and Pages hold them.
    for t in &tokens_a {
        assert_eq!(sbs.by_token(t).map(|s| s.id.clone()).as_deref(), Some("a"));
    }
    a.with_world(|w, _| {
        assert!(w.users.values().all(|u| w.tokens.contains_key(&u.access_token)));
        assert!(w
            .pages
            .values()
            .all(|p| p.page_tokens.values().all(|t| w.tokens.contains_key(t))));
    });
}

#[test]
fn idle_sandboxes_are_reclaimed_and_default_never() {
    let sbs = registry(600);
    let a = sbs.create(Some("a".into()), SeedWorld::new(crate::app::demo_world()), None);
    let used = a.expect("a").last_used();
    assert!(sbs.reap_idle(used + 599).is_empty());
    let reaped: Vec<String> = sbs.reap_idle(used + 600).iter().map(|s| s.id.clone()).collect();
    assert_eq!(reaped, vec!["a".to_string()]);
    assert_eq!(sbs.ids(), vec![DEFAULT_SANDBOX.to_string()]);
    assert_eq!(
        sbs.indexed_tokens(),
        sbs.get(DEFAULT_SANDBOX)
            .map_or(0, |d| d.with_world(|w, _| w.tokens.len() + 1))
    );
}

#[test]
fn an_idle_time_of_zero_keeps_sandboxes() {
    let sbs = registry(0);
    sbs.create(Some("a".into()), SeedWorld::new(crate::app::demo_world()), None)
        .expect("a");
    assert!(sbs.reap_idle(i64::MAX).is_empty());
    assert_eq!(sbs.ids().len(), 2);
}

#[test]
fn a_snapshot_of_a_sandbox_sharing_its_base_restores_whole_and_leaves_the_others_alone() {
    let sbs = registry(0);
    let seed = SeedWorld::new(crate::app::demo_world());
    let a = sbs.create(Some("a".into()), seed.clone(), None).expect("a");
    let b = sbs.create(Some("b".into()), seed, None).expect("b");
    let before_b = b.read_world(|w, _| format!("{w:?}"));
    // a changes its own copy: a comment (and its replies) deleted, a rate-limit override set.
    let gone = a.with_world(|w, _| {
        let id = *w.comments.keys().next().expect("the demo world has comments");
        w.delete_comment(id);
        id
    });
    a.with_rate_limits(|r| r.overrides.buc_calls_per_day = Some(7));
    let created = |sb: &Sandbox| {
        sb.read_world(|w, now| {
            w.publishing
                .containers
                .values()
                .map(|c| c.spec.owner)
                .map(|o| w.publishing.containers_created(o, now, 86_400))
                .collect::<Vec<_>>()
        })
    };
    let spec: crate::model::publishing::NewContainer = serde_json::from_value(serde_json::json!({
        "owner": 17841405822304914u64, "kind": "image", "media_url": "https://example.com/a.jpg",
        "cover_url": null, "thumb_offset": null, "audio_name": null, "share_to_feed": null,
        "caption": null, "location_id": null, "user_tags": [], "collaborators": [],
        "product_tags": null, "children": [], "file": null, "cover_file": null, "alt_text": null,
        "ai_generated": false, "resumable": false, "failure": null, "copyright_match": false
    }))
    .expect("a container spec");
    let cfg = sbs.config.publishing.clone();
    a.with_world(|w, now| crate::model::publishing::create(w, spec, now, &cfg, &sbs.config.capacity))
        .expect("a container");
    let created_in_a = created(&a);
    assert_eq!(created_in_a, vec![1]);
    let snap = crate::snapshot::to_bytes(&a.snapshot()).expect("writes");
    sbs.delete("a").expect("a deleted");
    let c = sbs
        .restore(crate::snapshot::parse(&snap).expect("reads"), Some("c".into()), false)
        .expect("restored as c");
    assert!(c.read_world(|w, _| !w.comments.contains_key(&gone)));
    assert_eq!(c.with_rate_limits(|r| r.overrides.buc_calls_per_day), Some(7));
    assert_eq!(created(&c), created_in_a, "the container cap's index is rebuilt");
    let again = crate::snapshot::to_bytes(&c.snapshot()).expect("writes");
    let (mut x, mut y): (serde_json::Value, serde_json::Value) = (
        serde_json::from_slice(&snap).expect("json"),
        serde_json::from_slice(&again).expect("json"),
    );
    for v in [&mut x, &mut y] {
        v["id"] = serde_json::Value::Null;
        v["world"]["sandbox"] = serde_json::Value::Null;
    }
    assert_eq!(x, y, "a restored sandbox is the one exported");
    // b, made from the same base, saw none of it and still shares the base's data.
    assert_eq!(b.read_world(|w, _| format!("{w:?}")), before_b);
    assert!(b.read_world(|w, _| w.comments.contains_key(&gone)));
    // Reset brings c back to the seed world, built from the kept base.
    let fresh = c.rebuilt_world(&sbs.config, &sbs.bases).expect("rebuilds");
    sbs.reset(&c, fresh);
    assert!(c.read_world(|w, _| b.read_world(|wb, _| w.media.ptr_eq(&wb.media))));
    assert_eq!(c.with_rate_limits(|r| r.overrides.buc_calls_per_day), None);
}

/// What the state directory's durability point relies on (`app/persister.rs`): a world is
/// `unchanged_since` a clone of itself until something in it changes, however small (a map
/// entry, a counter, the id stream's position alone), and the dispatcher's periodic tick
/// with nothing to do changes nothing (else every read after it would write a snapshot).
#[test]
fn a_world_is_unchanged_since_its_clone_until_something_in_it_changes() {
    let sbs = registry(0);
    let sb = sbs.get(DEFAULT_SANDBOX).expect("default");
    // Stories are scanned for expiry (as once an account subscribes to story_insights).
    sb.with_world(|w, now| w.webhooks.stories_scanned_to = Some(now - 1));
    let earlier = sb.snapshot().world;
    let cfg = sbs.config.clone();
    let unchanged = || sb.read_world(|w, _| w.unchanged_since(&earlier));
    assert!(unchanged(), "a clone");
    sb.with_world(|w, now| {
        w.webhook_tick(&cfg, now);
        assert!(!w.webhooks.has_due(now, cfg.webhooks.batch_window_seconds));
    });
    assert!(unchanged(), "an idle tick");
    // A hashtag search counts once; the same search again within its window is free.
    let (limit, window) = (cfg.hashtags.unique_limit, cfg.hashtags.window_seconds);
    let search = || {
        sb.with_world(|w, now| {
            let ig = *w.ig_users.keys().next().expect("an account");
            w.search_hashtag(ig, "bluebottle", now, limit, window).is_ok()
        })
    };
    assert!(search());
    assert!(!unchanged(), "a first search counts");
    let earlier = sb.snapshot().world;
    assert!(search());
    assert!(sb.read_world(|w, _| w.unchanged_since(&earlier)), "a repeated search");
    type Change = fn(&mut World);
    let changes: [(&str, Change); 4] = [
        ("the id stream alone", |w| {
            w.mint_token_value("test");
        }),
        ("a counter", |w| {
            w.next_seq();
        }),
        ("an entry of a map", |w| {
            let id = *w.media.keys().next().expect("media");
            w.media.remove(&id);
        }),
        ("a shared value", |w| w.webhooks.stories_scanned_to = Some(1)),
    ];
    for (what, change) in changes {
        let sbs = registry(0);
        let sb = sbs.get(DEFAULT_SANDBOX).expect("default");
        let earlier = sb.snapshot().world;
        sb.with_world(|w, _| change(w));
        assert!(!sb.read_world(|w, _| w.unchanged_since(&earlier)), "{what}");
    }
}

/// All journals together keep about `Config::journal_process_max_bytes`: each its equal share,
/// trimmed (oldest first, counted as dropped) when another sandbox comes, and free to grow
/// back to its own bound when one goes.
#[test]
fn journals_share_the_process_budget_equally_as_sandboxes_come_and_go() {
    let cfg = Config {
        clock: ClockMode::Frozen,
        journal_max_bytes: 64 * 1024,
        journal_process_max_bytes: 64 * 1024,
        ..Config::default()
    };
    let sbs = Sandboxes::new(cfg, SeedWorld::new(crate::app::demo_world())).expect("the demo world builds");
    let default = sbs.get(DEFAULT_SANDBOX).expect("default");
    let record = |n: usize| {
        for _ in 0..n {
            default.with_journal(|j| j.record(crate::journal::tests::entry("GET", "/v21.0/me", Some(200))));
        }
    };
    let kept = || default.requests(&RequestFilter::new(), usize::MAX);
    record(150);
    assert_eq!((kept().data.len(), kept().dropped), (150, 0), "alone: its whole bound");
    let others: Vec<String> = (0..3)
        .map(|i| {
            let sb = sbs.create(Some(format!("sb-{i}")), SeedWorld::new(crate::app::demo_world()), None);
            sb.expect("a sandbox").id.clone()
        })
        .collect();
    let shared = kept().data.len();
    assert!(shared < 150 / 2, "a quarter of the budget now: {shared} entries kept");
    assert_eq!(kept().dropped, 150 - shared as u64, "the oldest went, counted");
    assert_eq!(kept().data.last().map(|e| e.seq), Some(150), "the newest stay");
    for id in &others {
        sbs.delete(id).expect("deleted");
    }
    record(150);
    assert!(kept().data.len() > 150 / 2, "alone again: room to grow back");
}
