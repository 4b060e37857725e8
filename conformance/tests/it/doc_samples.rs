//! The guides' sample requests, replayed against the demo world: each answer must match its
//! schema and show every key the documented sample shows (values differ; shapes may not).
//!
//! Each row maps a fixture in `fixtures/docs/` to the same request in the demo world: the
//! guides' own ids are kept where the demo world reuses them (metricsaurus, its Page), and
//! placeholder ids (`{ig-user-id}`, other sample accounts) are mapped to demo accounts.

use conformance::client::Client;
use conformance::sim::{self, Sandbox};
use serde_json::Value;

/// Key paths the documented sample has and `ours` lacks. For arrays, the sample's first item
/// must be matched by some item of ours.
pub(crate) fn missing_keys(doc: &Value, ours: &Value, path: &str, out: &mut Vec<String>) {
    match (doc, ours) {
        (Value::Object(d), Value::Object(o)) => {
            for (k, dv) in d {
                match o.get(k) {
                    Some(ov) => missing_keys(dv, ov, &format!("{path}.{k}"), out),
                    None => out.push(format!("{path}.{k}")),
                }
            }
        }
        (Value::Array(d), Value::Array(o)) => {
            let Some(dv) = d.first() else { return };
            // The sample's item shape must be matched by some item of ours (the one that
            // lacks the fewest keys is reported when none matches).
            let best = o
                .iter()
                .map(|ov| {
                    let mut m = Vec::new();
                    missing_keys(dv, ov, &format!("{path}[]"), &mut m);
                    m
                })
                .min_by_key(Vec::len);
            match best {
                Some(m) => out.extend(m),
                None => out.push(format!("{path}[] (empty in ours)")),
            }
        }
        _ => {}
    }
}

pub(crate) fn fixture(name: &str) -> Value {
    let path = format!("{}/../fixtures/docs/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
}

/// Runs one documented GET in the demo world and checks its shape against the sample.
pub(crate) fn replay(sb: &Sandbox, c: &Client, name: &str, path: &str, params: &[(&str, &str)]) -> Value {
    replay_as(sb, c, "GET", name, path, params)
}

/// Runs one documented request (any method) and checks its shape against the sample.
pub(crate) fn replay_as(
    sb: &Sandbox,
    c: &Client,
    method: &str,
    name: &str,
    path: &str,
    params: &[(&str, &str)],
) -> Value {
    let fx = fixture(name);
    let schema = fx["schema"]
        .as_str()
        .unwrap()
        .trim_end_matches(".schema.json")
        .to_string();
    let r = match method {
        "GET" => c.get(path, params),
        "POST" => c.post(path, params),
        _ => c.delete(path, params),
    };
    let body = r.ok(&schema);
    let mut missing = Vec::new();
    missing_keys(&fx["response"], body, "$", &mut missing);
    assert!(
        missing.is_empty(),
        "{name} ({}): the answer lacks documented keys {missing:?}\n{}",
        sb.id,
        r.text
    );
    body.clone()
}

#[test]
fn getting_started_samples_replay_with_their_documented_shapes() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin").with_version("v18.0");
    replay(&sb, &c, "getting-started--me-accounts", "me/accounts", &[]);
    replay(&sb, &c, "facts-7--me-accounts", "me/accounts", &[]);
    replay(
        &sb,
        &c,
        "getting-started--page-instagram-business-account",
        "134895793791914",
        &[("fields", "instagram_business_account")],
    );
    replay(
        &sb,
        &c,
        "facts-7--page-instagram-business-account",
        "134895793791914",
        &[("fields", "instagram_business_account")],
    );
    replay(
        &sb,
        &c,
        "getting-started--ig-user-media",
        "17841405822304914/media",
        &[],
    );
}

#[test]
fn reference_samples_for_users_tokens_and_live_media_replay() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    replay(
        &sb,
        &c,
        "facts-4-1--ig-user-get",
        "17841405822304914",
        &[("fields", "biography,id,username,website")],
    );
    replay(
        &sb,
        &c,
        "facts-3-3--live-media-empty",
        &format!("{}/live_media", sb.ig_id("juniper.makes")),
        &[],
    );
    let app = Client::new(&sb.base_url).with_token(&format!("{}|{}", sb.app_id(), sb.app_secret()));
    let dana = sb.user_token("Dana Admin");
    // The documented debug_token sample is a user token's; ours is checked the same way.
    let r = app.get("debug_token", &[("input_token", &dana)]);
    let body = r.ok("debug_token");
    let mut missing = Vec::new();
    let mut doc = fixture("facts-7--debug-token")["response"].clone();
    // `issued_at` is only for long-lived tokens and the demo tokens are; keep the doc's keys.
    doc["data"].as_object_mut().unwrap().remove("issued_at");
    missing_keys(&doc, body, "$", &mut missing);
    assert!(missing.is_empty(), "debug_token lacks {missing:?}: {}", r.text);
    let r = Client::new(&sb.base_url).get(
        "oauth/access_token",
        &[
            ("grant_type", "fb_exchange_token"),
            ("client_id", &sb.app_id()),
            ("client_secret", &sb.app_secret()),
            ("fb_exchange_token", &dana),
        ],
    );
    let body = r.ok("oauth_access_token");
    let mut missing = Vec::new();
    missing_keys(
        &fixture("facts-7--oauth-long-lived-token")["response"],
        body,
        "$",
        &mut missing,
    );
    assert!(missing.is_empty(), "oauth lacks {missing:?}");
}

/// The guides' sample accounts, mapped onto the demo world: the sample account that runs the
/// queries (17841405309211844, 17841405726653026, 90010177253934) is metricsaurus.
const ME: &str = "17841405822304914";

#[test]
fn business_discovery_samples_replay() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin").with_version("v3.2");
    replay(
        &sb,
        &c,
        "business-discovery--follower-and-media-count",
        ME,
        &[(
            "fields",
            "business_discovery.username(bluebottle){followers_count,media_count}",
        )],
    );
    replay(
        &sb,
        &c,
        "facts-4-1--business-discovery",
        ME,
        &[(
            "fields",
            "business_discovery.username(bluebottle){followers_count,media_count}",
        )],
    );
    replay(
        &sb,
        &c,
        "business-discovery--media-basic-metrics",
        ME,
        &[(
            "fields",
            "business_discovery.username(bluebottle){followers_count,media_count,media{comments_count,like_count}}",
        )],
    );
}

#[test]
fn comment_moderation_and_mention_samples_replay() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    replay(
        &sb,
        &c,
        "comment-moderation--get-comments",
        "17895695668004550/comments",
        &[("fields", "timestamp,text")],
    );
    replay(
        &sb,
        &c,
        "facts-4-6--comment-get",
        "17870913679156914",
        &[("fields", "hidden,media,timestamp")],
    );
    replay_as(
        &sb,
        &c,
        "POST",
        "comment-moderation--reply-to-comment",
        "17870913679156914/replies",
        &[("message", "Thanks for sharing!")],
    );
    replay(
        &sb,
        &c,
        "webhooks--mentioned-comment",
        ME,
        &[(
            "fields",
            "mentioned_comment.comment_id(17894227972186120){timestamp,text}",
        )],
    );
    replay(
        &sb,
        &c,
        "webhooks--mentioned-media",
        ME,
        &[(
            "fields",
            "mentioned_media.media_id(17918195224117851){caption,media_type}",
        )],
    );
    replay_as(
        &sb,
        &c,
        "POST",
        "webhooks--reply-to-caption-mention",
        &format!("{ME}/mentions"),
        &[("media_id", "17918195224117851"), ("message", "MacLeod agrees!")],
    );
    replay_as(
        &sb,
        &c,
        "POST",
        "webhooks--reply-to-comment-mention",
        &format!("{ME}/mentions"),
        &[
            ("media_id", "17918195224117851"),
            ("comment_id", "17894227972186120"),
            ("message", "Challenge accepted!"),
        ],
    );
}

#[test]
fn hashtag_samples_replay() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let found = replay(
        &sb,
        &c,
        "facts-4-7--hashtag-search",
        "ig_hashtag_search",
        &[("user_id", ME), ("q", "bluebottle")],
    );
    assert_eq!(
        found["data"][0]["id"], "17843857450040591",
        "#bluebottle keeps its documented id"
    );
    let coke = c
        .get("ig_hashtag_search", &[("user_id", ME), ("q", "coke")])
        .ok("hashtag_search")["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    replay(&sb, &c, "facts-4-7--hashtag-node", &coke, &[("fields", "id,name")]);
    replay(
        &sb,
        &c,
        "hashtag-search--recent-media",
        &format!("{coke}/recent_media"),
        &[("user_id", ME)],
    );
}

#[test]
fn content_publishing_samples_replay() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin").with_version("v18.0");
    let juniper = sb.ig_id("juniper.makes");
    let container = replay_as(
        &sb,
        &c,
        "POST",
        "content-publishing--create-image-container",
        &format!("{juniper}/media"),
        &[
            ("image_url", "https://www.example.com/images/bronz-fonz.jpg"),
            ("caption", "#BronzFonz"),
        ],
    );
    let id = container["id"].as_str().unwrap().to_string();
    replay(
        &sb,
        &c,
        "facts-4-3--container-status",
        &id,
        &[("fields", "status_code")],
    );
    replay_as(
        &sb,
        &c,
        "POST",
        "content-publishing--publish-image-container",
        &format!("{juniper}/media_publish"),
        &[("creation_id", &id)],
    );
    replay(
        &sb,
        &c,
        "facts-4-5--publishing-limit-default",
        &format!("{juniper}/content_publishing_limit"),
        &[],
    );
    replay(
        &sb,
        &c,
        "facts-4-5--publishing-limit-config",
        &format!("{juniper}/content_publishing_limit"),
        &[("fields", "config,quota_usage")],
    );
    let mut children = Vec::new();
    for i in 0..2 {
        let url = format!("https://www.example.com/images/candy-{i}.jpg");
        let item = replay_as(
            &sb,
            &c,
            "POST",
            "content-publishing--create-carousel-item",
            &format!("{ME}/media"),
            &[("image_url", &url), ("is_carousel_item", "true")],
        );
        children.push(item["id"].as_str().unwrap().to_string());
    }
    let carousel = replay_as(
        &sb,
        &c,
        "POST",
        "content-publishing--create-carousel-container",
        &format!("{ME}/media"),
        &[
            ("caption", "Fruit candies"),
            ("media_type", "CAROUSEL"),
            ("children", &children.join(",")),
        ],
    );
    replay_as(
        &sb,
        &c,
        "POST",
        "content-publishing--publish-carousel",
        &format!("{ME}/media_publish"),
        &[("creation_id", carousel["id"].as_str().unwrap())],
    );
}
