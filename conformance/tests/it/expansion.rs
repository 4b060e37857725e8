//! Field expansion as production does it: reference fields (a field that points at another
//! node) project the referenced node's own fields and rules, and empty nested edges are left
//! out rather than answered as `{"data":[]}`.

use crate::support::{ids, media_with, METRICSAURUS};
use conformance::client::Client;
use conformance::sim;
use serde_json::{json, Value};

const METRICSAURUS_PAGE: &str = "134895793791914";

/// `GET path?fields=…`, validated against `schema`.
fn read(c: &Client, path: &str, fields: &str, schema: &str) -> Value {
    c.get(path, &[("fields", fields)]).ok(schema).clone()
}

/// The id a create (`POST path`) answers.
fn create(c: &Client, path: &str, params: &[(&str, &str)]) -> String {
    let r = c.post(path, params);
    r.ok("id_response")["id"].as_str().unwrap().to_string()
}

/// The `data` items of an edge.
fn items(v: &Value) -> &Vec<Value> {
    v["data"].as_array().unwrap()
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

fn nonexisting(c: &Client, path: &str, fields: &str, field: &str, node: &str) {
    let e = c.get(path, &[("fields", fields)]).graph_error(100, None).clone();
    assert_eq!(
        e["message"],
        format!("(#100) Tried accessing nonexisting field ({field}) on node type ({node})"),
        "{path}?fields={fields}"
    );
}

/// The account-discovery call nearly every publisher makes (facts §9 "Reference fields
/// expand", GH:getopenpost/openpost#218).
#[test]
fn instagram_business_account_expands_with_the_ig_users_own_fields() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let accounts = read(
        &c,
        "me/accounts",
        "name,instagram_business_account{id,username,followers_count}",
        "me_accounts",
    );
    let page = items(&accounts).iter().find(|p| p["id"] == METRICSAURUS_PAGE).unwrap();
    assert_eq!(
        page["instagram_business_account"],
        json!({"id": METRICSAURUS, "username": "metricsaurus", "followers_count": 5837})
    );
    assert_eq!(
        keys(&page["instagram_business_account"]),
        ["id", "username", "followers_count"]
    );
    // Without a sub-selection the reference is just its id.
    let plain = read(&c, "me/accounts", "instagram_business_account", "me_accounts");
    assert!(items(&plain)
        .iter()
        .any(|p| p["instagram_business_account"] == json!({ "id": METRICSAURUS })));
    // An unknown sub-field fails the whole request, named on the referenced node type.
    nonexisting(
        &c,
        "me/accounts",
        "name,instagram_business_account{id,no_such_field}",
        "no_such_field",
        "IGUser",
    );
    nonexisting(
        &c,
        METRICSAURUS_PAGE,
        "instagram_business_account{username,bogus}",
        "bogus",
        "IGUser",
    );
    // Nested edges of the referenced node page like the node's own edges.
    let page = read(
        &c,
        METRICSAURUS_PAGE,
        "instagram_business_account{media.limit(2){caption}}",
        "page",
    );
    assert_eq!(ids(&page["instagram_business_account"]["media"]).len(), 2);
}

/// `connected_instagram_account` is the Page's other IGUser reference (Page reference).
#[test]
fn connected_instagram_account_is_the_pages_other_instagram_reference() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let fields = "connected_instagram_account,instagram_business_account{username}";
    let page = read(&c, METRICSAURUS_PAGE, fields, "page");
    assert_eq!(page["connected_instagram_account"], json!({ "id": METRICSAURUS }));
    assert_eq!(page["instagram_business_account"]["username"], "metricsaurus");
    let accounts = read(
        &c,
        "me/accounts",
        "connected_instagram_account{username}",
        "me_accounts",
    );
    assert!(items(&accounts)
        .iter()
        .any(|p| p["connected_instagram_account"] == json!({"username": "metricsaurus", "id": METRICSAURUS})));
}

/// The referenced node's rules come along: a permission its edge needs is still needed.
#[test]
fn expanded_references_keep_the_referenced_nodes_permission_rules() {
    let sb = sim::fresh();
    let morgan = sb.client_as("Morgan Publisher");
    // Morgan lacks instagram_manage_comments: the comments edge of the expanded account's media
    // is refused exactly as when read directly.
    morgan
        .get(
            METRICSAURUS_PAGE,
            &[("fields", "instagram_business_account{media.limit(3){comments{text}}}")],
        )
        .graph_error(10, None);
    let direct = media_with(&morgan, |_| true);
    morgan.get(&format!("{direct}/comments"), &[]).graph_error(10, None);
}

#[test]
fn media_owner_and_comment_references_expand() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let media = media_with(&c, |m| m["media_type"] == "IMAGE");
    let m = read(&c, &media, "owner{username,followers_count},owner", "ig_media");
    assert_eq!(
        m["owner"],
        json!({"username": "metricsaurus", "followers_count": 5837, "id": METRICSAURUS})
    );
    nonexisting(&c, &media, "owner{nope}", "nope", "IGUser");

    // A comment written by the account: `user` is an IGUser reference, `from` projects
    // IGCommentFromUser, `media` projects the IG Media.
    let cid = create(&c, &format!("{media}/comments"), &[("message", "thanks!")]);
    let comment = c
        .get(
            &cid,
            &[(
                "fields",
                "user{username},from{username},media{media_type,owner{username}}",
            )],
        )
        .ok("ig_comment")
        .clone();
    assert_eq!(comment["user"], json!({"username": "metricsaurus", "id": METRICSAURUS}));
    assert_eq!(comment["from"], json!({"username": "metricsaurus", "id": METRICSAURUS}));
    assert_eq!(comment["media"]["media_type"], "IMAGE");
    assert_eq!(comment["media"]["owner"]["username"], "metricsaurus");
    let plain = read(&c, &cid, "user,from", "ig_comment");
    assert_eq!(plain["user"], json!({ "id": METRICSAURUS }));
    assert_eq!(plain["from"], json!({"id": METRICSAURUS, "username": "metricsaurus"}));
    nonexisting(
        &c,
        &cid,
        "from{followers_count}",
        "followers_count",
        "IGCommentFromUser",
    );
    nonexisting(&c, &cid, "media{nope}", "nope", "IGMedia");
    nonexisting(&c, &cid, "user{nope}", "nope", "IGUser");
}

/// One rule for every nested edge: an expansion with no items leaves its key out (recorded
/// `comments?fields=…,replies{…}`, bk-rs/instagram-apis-rs v14.0 fixtures); the same edge read
/// directly still answers `{"data":[]}`.
#[test]
fn every_empty_nested_edge_is_left_out() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    // A new post has no comments, collaborators or product tags, and is no album.
    let cid = create(
        &c,
        &format!("{METRICSAURUS}/media"),
        &[("image_url", "https://www.example.com/images/plain.jpg")],
    );
    let media = create(&c, &format!("{METRICSAURUS}/media_publish"), &[("creation_id", &cid)]);
    let m = read(
        &c,
        &media,
        "comments{id},children{id},collaborators{id},product_tags",
        "ig_media",
    );
    assert_eq!(m, json!({ "id": media }));
    assert_eq!(
        c.get(&format!("{media}/comments"), &[]).ok("ig_comment_list")["data"],
        json!([])
    );
    assert_eq!(
        c.get(&format!("{media}/collaborators"), &[]).ok("collaborators")["data"],
        json!([])
    );

    // A comment without replies has no `replies`; one with replies has them.
    let top = create(&c, &format!("{media}/comments"), &[("message", "first")]);
    let list = read(
        &c,
        &format!("{media}/comments"),
        "text,replies{text}",
        "ig_comment_list",
    );
    assert_eq!(keys(&list["data"][0]), ["text", "id"]);
    c.post(&format!("{top}/replies"), &[("message", "second")])
        .ok("id_response");
    let list = read(
        &c,
        &format!("{media}/comments"),
        "text,replies{text}",
        "ig_comment_list",
    );
    assert_eq!(list["data"][0]["replies"]["data"][0]["text"], "second");

    // IG User edges: an account with nothing searched, live or in stories (they expire).
    sb.advance(2 * 86_400);
    let u = c
        .get(
            "17841400008460056",
            &[(
                "fields",
                "username,recently_searched_hashtags{id},live_media{id},stories{id}",
            )],
        )
        .ok("ig_user")
        .clone();
    assert_eq!(keys(&u), ["username", "id"], "{u}");
    assert_eq!(
        c.get("17841400008460056/recently_searched_hashtags", &[])
            .ok("recently_searched_hashtags")["data"],
        json!([])
    );
}

/// References make nesting cheap to ask for (`media{owner{media{owner…}}}` multiplies by the
/// page size at every level): past `max_expanded_items` the request fails with Graph's
/// "reduce the amount of data" error instead of rendering without bound.
#[test]
fn geometric_nesting_is_refused_instead_of_rendered() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let deep = "media.limit(100){owner{media.limit(100){owner{media.limit(100){owner{media.limit(100){id}}}}}}}";
    let e = c.get(METRICSAURUS, &[("fields", deep)]).graph_error(1, None).clone();
    assert_eq!(
        e["message"],
        "Please reduce the amount of data you're asking for, then retry your request"
    );
    // Two levels stay well inside the limit.
    let ok = read(&c, METRICSAURUS, "media.limit(3){owner{media.limit(2){id}}}", "ig_user");
    assert_eq!(ids(&ok["media"]["data"][0]["owner"]["media"]).len(), 2);
}
