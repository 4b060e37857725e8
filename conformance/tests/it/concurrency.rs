//! Concurrent readers and writers of one sandbox (issue 12): every answer shows one state of
//! the world, never a write half-applied (a media counted in `media_count` but missing from
//! `media`, or the reverse), whatever the interleaving.

use conformance::sim::{self, Sandbox};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};

const IMAGE: &str = "https://www.example.com/images/bronz-fonz.jpg";

/// A sandbox with one business account and no media, its quotas lifted.
fn empty_account() -> (Sandbox, String) {
    let world = json!({
        "description": "one empty business account (concurrency tests)",
        "users": [{ "name": "Writer", "permissions": ["pages_show_list", "pages_read_engagement",
            "instagram_basic", "instagram_content_publish"] }],
        "instagram_accounts": [{ "username": "torn.check", "name": "Torn Check", "account_type": "BUSINESS",
            "followers_count": 1000 }],
        "pages": [{ "name": "Torn Check", "category": "Brand", "instagram_account": "torn.check",
            "roles": [{ "user": "Writer", "tasks": ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"] }] }]
    });
    let sb = sim::new_sandbox(&conformance::target::shared_simulator().base_url(), Some(&world));
    sb.control_post(
        "publishing/config",
        &json!({ "quota_total": 10_000, "container_cap": 10_000 }),
    )
    .ok("sim_publishing_config");
    let ig = sb.ig_id("torn.check");
    (sb, ig)
}

/// `media_count` and the ids of the `media` edge, read in one request.
fn count_and_ids(r: &Value) -> (u64, Vec<String>) {
    let count = r["media_count"].as_u64().unwrap_or(u64::MAX);
    let ids = r["media"]["data"]
        .as_array()
        .map(|d| d.iter().filter_map(|m| m["id"].as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    (count, ids)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn concurrent_readers_and_writers_never_see_a_torn_world(
        writers in 1usize..=3,
        readers in 1usize..=3,
        publishes in 1usize..=5,
    ) {
        let (sb, ig) = empty_account();
        let c = sb.client_as("Writer");
        let writing = AtomicBool::new(true);
        let fields = "media_count,media.limit(100){id}";
        let seen: Vec<Vec<(u64, Vec<String>)>> = std::thread::scope(|s| {
            let reads: Vec<_> = (0..readers)
                .map(|_| {
                    let (c, ig, writing) = (c.clone(), ig.clone(), &writing);
                    s.spawn(move || {
                        let mut seen = Vec::new();
                        // At least one read after the last write, so the final state is checked too.
                        loop {
                            let done = !writing.load(Ordering::SeqCst);
                            let r = c.get(&ig, &[("fields", fields)]);
                            seen.push(count_and_ids(r.ok("ig_user")));
                            if done {
                                return seen;
                            }
                        }
                    })
                })
                .collect();
            let writes: Vec<_> = (0..writers)
                .map(|_| {
                    let (c, ig) = (c.clone(), ig.clone());
                    s.spawn(move || {
                        for _ in 0..publishes {
                            let created = c.post(&format!("{ig}/media"), &[("image_url", IMAGE)]);
                            let id = created.ok("id_response")["id"].as_str().unwrap_or_default().to_string();
                            c.post(&format!("{ig}/media_publish"), &[("creation_id", &id)]).ok("id_response");
                        }
                    })
                })
                .collect();
            for w in writes {
                w.join().expect("a writer panicked");
            }
            writing.store(false, Ordering::SeqCst);
            reads.into_iter().map(|r| r.join().expect("a reader panicked")).collect()
        });
        let total = (writers * publishes) as u64;
        for reader in &seen {
            let mut last = 0;
            for (count, ids) in reader {
                // One answer, one state: every counted media is on the page and nothing else is.
                prop_assert_eq!(*count, ids.len() as u64, "media_count {} but {} media listed", count, ids.len());
                // A reader never sees the world go back.
                prop_assert!(*count >= last, "media_count went from {} back to {}", last, count);
                last = *count;
            }
            prop_assert_eq!(last, total, "the read after the last write missed media");
        }
        sim::delete_sandbox(&sb);
    }
}
