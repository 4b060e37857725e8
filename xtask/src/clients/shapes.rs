//! Which `specs/` schema each answer a client saw must match: routes are read off the path
//! (`/{id}/media` GET → `ig_media_list`), and a bare node `/{id}` by what the flow's earlier
//! answers said that id is (a container from `POST …/media`, a media from `media_publish` or
//! a `/media` page, a comment, a Page or IG user from `me/accounts`, a hashtag from
//! `ig_hashtag_search`). A successful answer no rule classifies is itself a failure, so the
//! client suite cannot see a shape `specs/` does not describe.

use super::tap::Exchange;
use serde_json::Value;
use std::collections::HashMap;

/// What a node id turned out to be, learnt from the answers that handed it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Container,
    Media,
    Comment,
    Page,
    IgUser,
    Hashtag,
}

impl Kind {
    fn node_schema(self) -> &'static str {
        match self {
            Kind::Container => "ig_container",
            Kind::Media => "ig_media",
            Kind::Comment => "ig_comment",
            Kind::Page => "page",
            Kind::IgUser => "ig_user",
            Kind::Hashtag => "ig_hashtag",
        }
    }
}

/// The path's segments without the version prefix and the query (`/v24.0/1/media?x` → `1`, `media`).
fn segments(target: &str) -> Vec<&str> {
    let path = target.split('?').next().unwrap_or("");
    let mut segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if segs
        .first()
        .is_some_and(|s| s.starts_with('v') && s[1..].starts_with(|c: char| c.is_ascii_digit()))
    {
        segs.remove(0);
    }
    segs
}

fn query_has(target: &str, name: &str) -> bool {
    target
        .split_once('?')
        .is_some_and(|(_, q)| form_urlencoded::parse(q.as_bytes()).any(|(k, _)| k == name))
}

/// Reads the ids an answer hands out into `kinds`.
fn learn(x: &Exchange, body: &Value, kinds: &mut HashMap<String, Kind>) {
    let segs = segments(&x.target);
    let mut put = |v: &Value, kind| {
        if let Some(id) = v.as_str() {
            kinds.entry(id.to_string()).or_insert(kind);
        }
    };
    let items = body["data"].as_array().cloned().unwrap_or_default();
    match (x.method.as_str(), segs.as_slice()) {
        ("POST", [_, "media"]) => put(&body["id"], Kind::Container),
        ("POST", [_, "media_publish"]) => put(&body["id"], Kind::Media),
        ("POST", [_, "comments" | "replies"]) => put(&body["id"], Kind::Comment),
        ("GET", [_, "media" | "tags" | "stories" | "recent_media" | "top_media" | "children"]) => {
            items.iter().for_each(|i| put(&i["id"], Kind::Media))
        }
        ("GET", [_, "comments" | "replies"]) => items.iter().for_each(|i| put(&i["id"], Kind::Comment)),
        ("GET", ["ig_hashtag_search"]) => items.iter().for_each(|i| put(&i["id"], Kind::Hashtag)),
        ("GET", [_, "accounts"]) => items.iter().for_each(|i| {
            put(&i["id"], Kind::Page);
            put(&i["instagram_business_account"]["id"], Kind::IgUser);
        }),
        ("GET", [_]) => put(&body["instagram_business_account"]["id"], Kind::IgUser),
        _ => {}
    }
}

/// The schema a successful answer to `x` must match, `None` when no rule knows the route.
fn schema_of(x: &Exchange, kinds: &HashMap<String, Kind>, ig_user: &str) -> Option<&'static str> {
    let segs = segments(&x.target);
    let kind = |id: &str| {
        if id == ig_user {
            Some(Kind::IgUser)
        } else {
            kinds.get(id).copied()
        }
    };
    Some(match (x.method.as_str(), segs.as_slice()) {
        ("POST", []) => "batch_response",
        ("GET", ["oauth", "access_token"]) => "oauth_access_token",
        ("GET", ["debug_token"]) => "debug_token",
        ("GET", ["ig_hashtag_search"]) => "hashtag_search",
        ("GET", [] | [_]) if query_has(&x.target, "ids") => "multi_read",
        ("GET", ["me"]) => "fb_user",
        ("GET", [_, "accounts"]) => "me_accounts",
        ("GET", [_, "media"]) => "ig_media_list",
        ("POST", [_, "media" | "media_publish" | "comments" | "replies" | "mentions"]) => "id_response",
        ("GET", [_, "content_publishing_limit"]) => "content_publishing_limit",
        ("GET", [_, "comments"]) => "ig_comment_list",
        ("GET", [_, "replies"]) => "ig_comment_replies",
        ("GET", [_, "recent_media" | "top_media"]) => "hashtag_media",
        ("GET", [_, "recently_searched_hashtags"]) => "recently_searched_hashtags",
        ("GET", [_, "tags"]) => "ig_tags",
        ("GET", [_, "stories"]) => "ig_stories",
        ("GET", [_, "children"]) => "ig_children",
        ("GET", [_, "live_media"]) => "ig_live_media",
        ("GET", [_, "collaborators"]) => "collaborators",
        ("GET", [_, "product_tags"]) => "product_tags",
        ("GET", [_, "available_catalogs"]) => "available_catalogs",
        ("GET", [_, "catalog_product_search"]) => "catalog_product_search",
        ("GET", [_, "subscribed_apps"]) => "page_subscribed_apps",
        ("GET", [id, "insights"]) => match kind(id)? {
            Kind::IgUser => "user_insights",
            _ => "media_insights",
        },
        ("POST" | "DELETE", [_]) => "success_response",
        ("GET", [id]) => kind(id)?.node_schema(),
        _ => return None,
    })
}

/// Checks every successful answer of a flow against its route's schema; `ig_user` is the IG
/// user id the flow was given. Returns how many answers were checked and the failures: an
/// answer that does not match, or whose route no rule knows.
pub fn bad_successes(exchanges: &[Exchange], ig_user: &str) -> (usize, Vec<String>) {
    let mut kinds = HashMap::new();
    let (mut checked, mut bad) = (0, Vec::new());
    for x in exchanges {
        let Ok(body) = serde_json::from_slice::<Value>(&x.response_body) else {
            continue; // not JSON: profile::bad_answers reports it
        };
        if x.status != 200 || body.get("error").is_some() {
            continue;
        }
        let what = format!("{} {} -> {}", x.method, x.target, x.status);
        match schema_of(x, &kinds, ig_user) {
            None => bad.push(format!("{what}: no schema in specs/ is known for this answer")),
            Some(schema) => {
                checked += 1;
                if let Err(errors) = conformance::schemas::validate(schema, &body) {
                    bad.push(format!("{what}: does not match {schema}: {}", errors.join("; ")));
                }
            }
        }
        learn(x, &body, &mut kinds);
    }
    (checked, bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn x(method: &str, target: &str, body: &str) -> Exchange {
        Exchange {
            method: method.into(),
            target: target.into(),
            request_headers: Vec::new(),
            request_body: Bytes::new(),
            status: 200,
            response_body: Bytes::from(body.to_string()),
        }
    }

    /// An id handed out by `POST /{ig-user-id}/<edge>`, then read with `fields=status_code`.
    fn status_of_id_from(edge: &str) -> (usize, Vec<String>) {
        let user = "17841400000000001";
        let flow = [
            x(
                "POST",
                &format!("/v24.0/{user}/{edge}"),
                r#"{"id":"17900000000000001"}"#,
            ),
            x(
                "GET",
                "/v24.0/17900000000000001?fields=status_code",
                r#"{"status_code":"FINISHED","id":"17900000000000001"}"#,
            ),
        ];
        bad_successes(&flow, user)
    }

    #[test]
    fn a_node_is_judged_by_what_handed_its_id_out() {
        assert_eq!(status_of_id_from("media"), (2, vec![]));
        // The same answer for a media id fails: status_code is no IG Media field.
        assert_eq!(status_of_id_from("media_publish").1.len(), 1);
    }

    #[test]
    fn an_answer_no_rule_knows_is_reported() {
        let flow = [x("GET", "/v24.0/123", r#"{"id":"123"}"#)];
        let (checked, bad) = bad_successes(&flow, "1");
        assert_eq!(checked, 0);
        assert!(bad[0].contains("no schema"), "{bad:?}");
    }
}
