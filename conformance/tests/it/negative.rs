//! Property tests against the in-process simulator: malformed tokens, field lists, ids and
//! paging parameters always get a valid Graph error envelope (schema `error`, 4xx) and never
//! a 5xx, a hang or a success; paging walks visit every item once whatever the page size.

use conformance::client::Client;
use conformance::scenario::Call;
use conformance::sim::{self, Sandbox};
use proptest::prelude::*;
use std::collections::BTreeSet;
use std::sync::OnceLock;
use std::time::Duration;

/// One read-only sandbox for every case (nothing here writes).
fn sandbox() -> &'static Sandbox {
    static SB: OnceLock<Sandbox> = OnceLock::new();
    SB.get_or_init(sim::fresh)
}

/// A client that gives up after 5 s, so a hang shows up as a transport failure.
fn client() -> Client {
    let sb = sandbox();
    Client::with_timeout(&sb.base_url, Duration::from_secs(5)).with_token(&sb.user_token("Dana Admin"))
}

fn ig() -> String {
    sandbox().ig_id("metricsaurus")
}

fn must_be_error(call: Call) -> Result<(), TestCaseError> {
    call.any_error()
        .map(|_| ())
        .map_err(|f| TestCaseError::fail(f.to_string()))
}

const IG_FIELDS: &[&str] = &[
    "id",
    "username",
    "name",
    "biography",
    "followers_count",
    "media_count",
    "website",
];

fn known_fields() -> impl Strategy<Value = Vec<&'static str>> {
    proptest::sample::subsequence(IG_FIELDS, 0..IG_FIELDS.len())
}

/// A field list that cannot be valid on an IG User: a known list with a poison inserted.
fn bad_fields() -> impl Strategy<Value = String> {
    let poison = prop_oneof![
        "zz[a-z_]{1,12}".prop_map(|s| s),
        "media\\{zz[a-z]{1,8}\\}".prop_map(|s| s),
        Just("media{id".to_string()),
        Just("media{id}}".to_string()),
        Just("}".to_string()),
        "media\\.limit\\([a-z]{1,4}\\)".prop_map(|s| s),
        "media\\.limit\\(-[0-9]{1,3}\\)".prop_map(|s| s),
        "media\\.after\\(zz[A-Za-z0-9]{1,10}\\)".prop_map(|s| s),
        "[a-z]{1,6}\\([^)]{0,5}".prop_map(|s| s),
    ];
    (known_fields(), poison, any::<prop::sample::Index>()).prop_map(|(mut fields, poison, at)| {
        let mut list: Vec<String> = fields.drain(..).map(str::to_string).collect();
        let i = at.index(list.len() + 1);
        list.insert(i, poison);
        list.join(",")
    })
}

/// A path segment that names no object: not `me`, not a route, not an id of this world.
fn bad_id() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{21,25}",
        "17841400[0-9]{9}",
        "[A-Za-z_~.-][A-Za-z0-9_~.-]{0,24}",
        "-[0-9]{1,10}",
    ]
    .prop_filter("not a name the API knows", |s| {
        !matches!(s.as_str(), "me" | "debug_token" | "oauth" | "." | "..") && !s.starts_with('.')
    })
}

fn bad_token() -> impl Strategy<Value = String> {
    prop_oneof![
        "EAA[A-Za-z0-9]{17,60}",
        "[ -~]{1,40}",
        "[0-9]{1,16}\\|[A-Za-z0-9]{1,32}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn malformed_field_lists_always_get_a_graph_error(fields in bad_fields()) {
        must_be_error(Call { resp: client().get(&ig(), &[("fields", &fields)]) })?;
        must_be_error(Call { resp: client().get(&format!("{}/media", ig()), &[("fields", &format!("caption,{fields}"))]) })?;
    }

    #[test]
    fn unknown_ids_always_get_a_graph_error(id in bad_id(), edge in prop::sample::select(vec!["", "/media", "/children", "/stories", "/nope"])) {
        must_be_error(Call { resp: client().get(&format!("{id}{edge}"), &[]) })?;
        must_be_error(Call { resp: client().get("", &[("ids", &format!("{},{id}", ig()))]) })?;
    }

    #[test]
    fn malformed_tokens_always_get_a_graph_error(token in bad_token()) {
        let bare = client().without_token();
        must_be_error(Call { resp: bare.get("me", &[("access_token", &token)]) })?;
        must_be_error(Call { resp: bare.get(&format!("{}/media", ig()), &[("access_token", &token)]) })?;
    }

    #[test]
    fn malformed_paging_parameters_always_get_a_graph_error(
        param in prop::sample::select(vec!["limit", "after", "before", "since", "until"]),
        value in prop_oneof!["[a-z]{1,8}", "zz[A-Za-z0-9_-]{1,30}", "-[1-9][0-9]{0,5}"],
    ) {
        prop_assume!(!(param == "since" || param == "until") || value.starts_with("zz"));
        must_be_error(Call { resp: client().get(&format!("{}/media", ig()), &[(param, &value)]) })?;
    }

    #[test]
    fn chosen_ig_user_fields_come_back_exactly(fields in known_fields()) {
        let list = fields.join(",");
        let body = Call { resp: client().get(&ig(), &[("fields", &list)]) }
            .ok("ig_user")
            .map_err(|f| TestCaseError::fail(f.to_string()))?;
        let got: BTreeSet<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
        let mut want: BTreeSet<&str> = fields.iter().copied().collect();
        want.insert("id");
        prop_assert_eq!(got, want);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn walking_media_with_any_page_size_visits_every_item_once(limit in 1usize..=40) {
        let want = walk(100)?;
        let got = walk(limit)?;
        prop_assert_eq!(got.iter().collect::<BTreeSet<_>>().len(), got.len(), "an item came twice");
        prop_assert_eq!(got, want);
    }

    #[test]
    fn walking_back_with_previous_retraces_the_pages(limit in 1usize..=20) {
        let c = client();
        let mut pages: Vec<Vec<String>> = Vec::new();
        let mut call = Call { resp: c.get(&format!("{}/media", ig()), &[("limit", &limit.to_string())]) };
        let mut last = serde_json::Value::Null;
        for _ in 0..4 {
            let body = call.ok("ig_media_list").map_err(|f| TestCaseError::fail(f.to_string()))?;
            pages.push(body["data"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_string()).collect());
            last = body.clone();
            match body["paging"]["next"].as_str() {
                Some(next) => call = Call { resp: c.get_url(next) },
                None => break,
            }
        }
        for i in (0..pages.len() - 1).rev() {
            let Some(prev) = last["paging"]["previous"].as_str() else {
                return Err(TestCaseError::fail(format!("page {} has no previous", i + 2)));
            };
            last = Call { resp: c.get_url(prev) }.ok("ig_media_list").map_err(|f| TestCaseError::fail(f.to_string()))?;
            let ids: Vec<String> = last["data"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_string()).collect();
            prop_assert_eq!(&ids, &pages[i]);
        }
    }
}

/// Every media id of the account, walking `next` with pages of `limit`.
fn walk(limit: usize) -> Result<Vec<String>, TestCaseError> {
    let c = client();
    let mut got = Vec::new();
    let mut call = Call {
        resp: c.get(&format!("{}/media", ig()), &[("limit", &limit.to_string())]),
    };
    for _ in 0..500 {
        let body = call
            .ok("ig_media_list")
            .map_err(|f| TestCaseError::fail(f.to_string()))?;
        let page = body["data"].as_array().cloned().unwrap_or_default();
        prop_assert!(page.len() <= limit);
        got.extend(page.iter().filter_map(|m| m["id"].as_str().map(str::to_string)));
        match body["paging"]["next"].as_str() {
            Some(next) => call = Call { resp: c.get_url(next) },
            None => return Ok(got),
        }
    }
    Err(TestCaseError::fail("paging.next never ended"))
}
