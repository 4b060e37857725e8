//! Snapshots of the scenarios' exchanges, redacted so that the same id is the
//! same placeholder across a scenario (`[media:3]`), and tokens, cursors, timestamps, trace
//! ids and the port are normalised. Review with `cargo insta review`; never hand-edit.

use conformance::redact::Redactor;
use conformance::scenario::{self, Outcome, RunOptions};
use conformance::{scenarios, target};
use serde_json::{json, Value};

fn transcript(name: &str) -> Value {
    let t = target::in_process();
    let s = scenarios::by_name(name).expect("scenario exists");
    let r = scenario::run_one(&t, &s, &RunOptions::default());
    assert_eq!(r.outcome, Outcome::Pass, "{name}");
    let mut red = Redactor::new().with_base(t.base_url());
    let exchanges: Vec<Value> = r
        .raw
        .iter()
        .map(|e| {
            let request = format!("{} {}", e.method, red.redact_url(&e.url));
            json!({ "step": e.step, "request": request, "status": e.status, "body": red.redact(&e.body) })
        })
        .collect();
    Value::Array(exchanges)
}

macro_rules! snapshot_tests {
    ($($test:ident => $scenario:literal),* $(,)?) => {$(
        #[test]
        fn $test() {
            insta::assert_json_snapshot!($scenario, transcript($scenario));
        }
    )*};
}

snapshot_tests! {
    getting_started_exchanges_are_stable => "getting_started",
    ig_user_fields_exchanges_are_stable => "ig_user_fields",
    media_node_and_edges_exchanges_are_stable => "media_node_and_edges",
    field_expansion_exchanges_are_stable => "field_expansion",
    multi_id_read_exchanges_are_stable => "multi_id_read",
    error_envelopes_exchanges_are_stable => "error_envelopes",
    debug_token_exchanges_are_stable => "debug_token",
    token_exchange_exchanges_are_stable => "token_exchange",
    content_publishing_limit_exchanges_are_stable => "content_publishing_limit",
    publish_single_image_exchanges_are_stable => "publish_single_image",
    container_status_polling_exchanges_are_stable => "container_status_polling",
    publish_reel_exchanges_are_stable => "publish_reel",
    publish_story_exchanges_are_stable => "publish_story",
    publish_carousel_exchanges_are_stable => "publish_carousel",
    png_image_container_exchanges_are_stable => "png_image_container",
    publish_with_user_tags_and_collaborators_exchanges_are_stable => "publish_with_user_tags_and_collaborators",
    comments_read_exchanges_are_stable => "comments_read",
    comment_moderation_exchanges_are_stable => "comment_moderation",
    comments_disable_enable_exchanges_are_stable => "comments_disable_enable",
    tagged_media_exchanges_are_stable => "tagged_media",
    mentioned_media_and_comment_exchanges_are_stable => "mentioned_media_and_comment",
    reply_to_mentions_exchanges_are_stable => "reply_to_mentions",
    hashtag_search_quota_exchanges_are_stable => "hashtag_search_quota",
    hashtag_top_and_recent_media_exchanges_are_stable => "hashtag_top_and_recent_media",
    business_discovery_exchanges_are_stable => "business_discovery",
    business_discovery_media_exchanges_are_stable => "business_discovery_media",
    account_insights_exchanges_are_stable => "account_insights",
    media_insights_exchanges_are_stable => "media_insights",
    product_catalog_search_exchanges_are_stable => "product_catalog_search",
    product_tags_on_published_media_exchanges_are_stable => "product_tags_on_published_media",
    publish_with_product_tags_exchanges_are_stable => "publish_with_product_tags",
    // webhooks_subscription is left out: its callback_url carries the receiver's random port.
}

#[test]
fn the_same_id_gets_the_same_placeholder_across_a_scenario() {
    let mut red = Redactor::new().with_base("http://127.0.0.1:1");
    let a = red.redact(&json!({ "data": [{ "id": "17912345678901234", "media_type": "IMAGE" }], "paging": { "cursors": { "after": "QVFIabc" } } }));
    let url =
        red.redact_url("http://127.0.0.1:1/v21.0/17912345678901234/children?access_token=EAAsecret&after=QVFIabc");
    let b = red.redact(&json!({ "owner": { "id": "17841405822304914" }, "id": "17912345678901234", "timestamp": "2026-01-01T00:00:00+0000", "error": { "fbtrace_id": "Abc" } }));
    assert_eq!(a["data"][0]["id"], "[media:1]");
    assert_eq!(
        url,
        "[base]/v21.0/[media:1]/children?access_token=[token]&after=[cursor:1]"
    );
    assert_eq!(b["id"], "[media:1]");
    assert_eq!(b["owner"]["id"], "[ig_user:1]");
    assert_eq!(b["timestamp"], "[timestamp]");
    assert_eq!(b["error"]["fbtrace_id"], "[trace]");
}
