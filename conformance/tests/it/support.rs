//! Small helpers several test modules share.

use conformance::client::Client;
use serde_json::Value;

pub(crate) const METRICSAURUS: &str = "17841405822304914";

/// The `id`s of an edge's `data`, in order.
pub(crate) fn ids(v: &Value) -> Vec<String> {
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect()
}

/// The first of metricsaurus's newest 100 media (with caption and types) that `pred` accepts.
pub(crate) fn media_with(c: &Client, pred: impl Fn(&Value) -> bool) -> String {
    let r = c.get(
        &format!("{METRICSAURUS}/media"),
        &[("fields", "caption,media_type,media_product_type"), ("limit", "100")],
    );
    r.ok("ig_media_list")["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| pred(m))
        .and_then(|m| m["id"].as_str())
        .unwrap_or_else(|| panic!("no metricsaurus media matches"))
        .to_string()
}

/// The id of metricsaurus's media whose caption starts with `prefix`.
pub(crate) fn media_with_caption(c: &Client, prefix: &str) -> String {
    media_with(c, |m| m["caption"].as_str().is_some_and(|s| s.starts_with(prefix)))
}

/// A media's `comments_count` (comments and replies).
pub(crate) fn comments_count(c: &Client, media: &str) -> u64 {
    c.get(media, &[("fields", "comments_count")]).ok("ig_media")["comments_count"]
        .as_u64()
        .unwrap()
}
