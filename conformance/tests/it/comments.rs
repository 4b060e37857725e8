//! Comment moderation (guides "Comment Moderation"; facts §4.6) against the demo world,
//! plus a property test that comment threads stay consistent under random moderation.

use crate::support::{comments_count, ids, media_with_caption};
use conformance::client::Client;
use conformance::sim::{self, Sandbox};
use proptest::prelude::*;
use std::collections::BTreeMap;

const METRICSAURUS: &str = "17841405822304914";
/// The guide's media with the guide's two comments (seeded with the guide's ids).
const GUIDE_MEDIA: &str = "17895695668004550";
const GUIDE_COMMENT: &str = "17870913679156914";

#[test]
fn getting_comments_returns_top_level_comments_newest_first_with_timestamp_text_id() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let body = c
        .get(&format!("{GUIDE_MEDIA}/comments"), &[])
        .ok("ig_comment_list")
        .clone();
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert!(data[0].as_object().unwrap().keys().eq(["timestamp", "text", "id"]));
    assert_eq!(data[0]["text"], "This is awesome!");
    assert_eq!(data[0]["id"], GUIDE_COMMENT);
    assert_eq!(data[1]["text"], "I love this!");
}

#[test]
fn replying_to_a_comment_returns_an_id_and_the_reply_reads_back_with_parent_and_user() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let before = comments_count(&c, GUIDE_MEDIA);
    let r = c.post(
        &format!("{GUIDE_COMMENT}/replies"),
        &[("message", "Thanks for sharing!")],
    );
    let id = r.ok("id_response")["id"].as_str().unwrap().to_string();
    assert_eq!(
        comments_count(&c, GUIDE_MEDIA),
        before + 1,
        "comments_count counts replies"
    );
    let replies = c
        .get(&format!("{GUIDE_COMMENT}/replies"), &[])
        .ok("ig_comment_replies")
        .clone();
    assert_eq!(ids(&replies), vec![id.clone()]);
    let reply = c
        .get(
            &id,
            &[(
                "fields",
                "from,hidden,like_count,media,parent_id,text,timestamp,user,username",
            )],
        )
        .ok("ig_comment")
        .clone();
    assert_eq!(reply["parent_id"], GUIDE_COMMENT);
    assert_eq!(reply["text"], "Thanks for sharing!");
    assert_eq!(
        reply["user"]["id"], METRICSAURUS,
        "the app user wrote it: user is shown"
    );
    assert_eq!(reply["username"], "metricsaurus");
    assert_eq!(reply["from"]["username"], "metricsaurus");
    assert_eq!(reply["media"]["id"], GUIDE_MEDIA);
    assert_eq!(reply["media"]["media_product_type"], "FEED");
    // Top-level comments stay top-level in the list.
    let top = c
        .get(&format!("{GUIDE_MEDIA}/comments"), &[])
        .ok("ig_comment_list")
        .clone();
    assert!(!ids(&top).contains(&id));
}

#[test]
fn someone_elses_comment_shows_username_but_not_user_nor_parent_id() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let body = c
        .get(
            GUIDE_COMMENT,
            &[(
                "fields",
                "from,hidden,media,parent_id,text,timestamp,user,username,like_count",
            )],
        )
        .ok("ig_comment")
        .clone();
    assert!(body.get("user").is_none());
    assert!(body.get("parent_id").is_none());
    assert_eq!(body["username"], "emi.travels");
    assert_eq!(body["from"]["username"], "emi.travels");
    assert_eq!(body["hidden"], false);
    let guide_sample = c
        .get(GUIDE_COMMENT, &[("fields", "hidden,media,timestamp")])
        .ok("ig_comment")
        .clone();
    assert_eq!(guide_sample["media"]["id"], GUIDE_MEDIA);
    let expanded = c
        .get(GUIDE_COMMENT, &[("fields", "media{id,caption,comments_count}")])
        .ok("ig_comment")
        .clone();
    assert_eq!(expanded["media"]["comments_count"], 2);
}

#[test]
fn a_reply_to_a_reply_attaches_to_the_top_level_comment() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let first = c
        .post(&format!("{GUIDE_COMMENT}/replies"), &[("message", "one")])
        .ok("id_response")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let second = c
        .post(&format!("{first}/replies"), &[("message", "two")])
        .ok("id_response")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let body = c.get(&second, &[("fields", "parent_id")]).ok("ig_comment").clone();
    assert_eq!(body["parent_id"], GUIDE_COMMENT);
    let replies = c
        .get(&format!("{GUIDE_COMMENT}/replies"), &[])
        .ok("ig_comment_replies")
        .clone();
    assert_eq!(ids(&replies), vec![first.clone(), second], "oldest first");
    let nested = c.get(&format!("{first}/replies"), &[]).ok("ig_comment_replies").clone();
    assert!(ids(&nested).is_empty());
}

#[test]
fn hiding_and_unhiding_a_comment_and_hidden_comments_cannot_be_replied_to() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    c.post(GUIDE_COMMENT, &[("hide", "true")]).ok("success_response");
    assert_eq!(
        c.get(GUIDE_COMMENT, &[("fields", "hidden")]).ok("ig_comment")["hidden"],
        true
    );
    let listed = c
        .get(&format!("{GUIDE_MEDIA}/comments"), &[("fields", "hidden")])
        .ok("ig_comment_list")
        .clone();
    assert!(listed["data"].as_array().unwrap().iter().any(|x| x["hidden"] == true));
    c.post(&format!("{GUIDE_COMMENT}/replies"), &[("message", "hi")])
        .graph_error(100, None);
    c.post(GUIDE_COMMENT, &[("hide", "false")]).ok("success_response");
    assert_eq!(
        c.get(GUIDE_COMMENT, &[("fields", "hidden")]).ok("ig_comment")["hidden"],
        false
    );
    c.post(&format!("{GUIDE_COMMENT}/replies"), &[("message", "hi")])
        .ok("id_response");
    c.post(GUIDE_COMMENT, &[]).graph_error(100, None);
    c.post(GUIDE_COMMENT, &[("hide", "maybe")]).graph_error(100, None);
}

#[test]
fn the_media_owners_own_comments_stay_visible_when_hidden() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let own = c
        .post(&format!("{GUIDE_MEDIA}/comments"), &[("message", "Thanks all!")])
        .ok("id_response")["id"]
        .as_str()
        .unwrap()
        .to_string();
    c.post(&own, &[("hide", "true")]).ok("success_response");
    assert_eq!(c.get(&own, &[("fields", "hidden")]).ok("ig_comment")["hidden"], false);
}

#[test]
fn deleting_a_comment_takes_its_replies_and_the_ids_stop_existing() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let media = media_with_caption(&c, "New dashboards just dropped");
    let before = comments_count(&c, &media);
    let top = c
        .get(&format!("{media}/comments"), &[("fields", "text,replies{id}")])
        .ok("ig_comment_list")
        .clone();
    let with_reply = top["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["text"] == "Can I export to CSV?")
        .expect("ben_k's comment")
        .clone();
    let cid = with_reply["id"].as_str().unwrap().to_string();
    let reply_ids = ids(&with_reply["replies"]);
    assert_eq!(reply_ids.len(), 1);
    c.delete(&cid, &[]).ok("success_response");
    assert_eq!(comments_count(&c, &media), before - 2);
    c.get(&cid, &[]).graph_error(100, Some(33));
    c.get(&reply_ids[0], &[]).graph_error(100, Some(33));
    c.get(&format!("{cid}/replies"), &[]).graph_error(100, Some(33));
    c.delete(&cid, &[]).graph_error(100, Some(33));
}

#[test]
fn comments_can_be_disabled_and_commenting_is_then_refused() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    c.post(GUIDE_MEDIA, &[("comment_enabled", "false")])
        .ok("success_response");
    assert_eq!(
        c.get(GUIDE_MEDIA, &[("fields", "is_comment_enabled")]).ok("ig_media")["is_comment_enabled"],
        false
    );
    let e = c
        .post(&format!("{GUIDE_MEDIA}/comments"), &[("message", "hello")])
        .graph_error(100, None)
        .clone();
    assert!(e["message"].as_str().unwrap().contains("disabled"));
    c.post(&format!("{GUIDE_COMMENT}/replies"), &[("message", "hello")])
        .graph_error(100, None);
    c.post(GUIDE_MEDIA, &[("comment_enabled", "true")])
        .ok("success_response");
    c.post(&format!("{GUIDE_MEDIA}/comments"), &[("message", "hello")])
        .ok("id_response");
    c.post(GUIDE_MEDIA, &[]).graph_error(100, None);
    let off = media_with_caption(&c, "Comments are off");
    c.post(&format!("{off}/comments"), &[("message", "x")])
        .graph_error(100, None);
}

#[test]
fn a_token_without_instagram_manage_comments_gets_permission_errors() {
    let sb = sim::fresh();
    for user in ["Morgan Publisher", "Riley Reader"] {
        let c = sb.client_as(user);
        let r = c.get(&format!("{GUIDE_MEDIA}/comments"), &[]);
        r.graph_error(10, None);
        assert_eq!(r.status, 400, "production: HTTP 400 (issue 10, 2026 capture)");
        c.get(GUIDE_COMMENT, &[]).graph_error(10, None);
        c.post(&format!("{GUIDE_MEDIA}/comments"), &[("message", "x")])
            .graph_error(10, None);
        c.post(&format!("{GUIDE_COMMENT}/replies"), &[("message", "x")])
            .graph_error(10, None);
        c.post(GUIDE_COMMENT, &[("hide", "true")]).graph_error(10, None);
        c.delete(GUIDE_COMMENT, &[]).graph_error(10, None);
        c.post(GUIDE_MEDIA, &[("comment_enabled", "false")])
            .graph_error(10, None);
    }
}

#[test]
fn comments_on_media_the_viewer_does_not_own_are_invisible() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    // harbor.books's post and one of its comments (guide ids from the Webhooks guide).
    c.get("17918195224117851/comments", &[]).graph_error(100, Some(33));
    c.get("17894227972186120", &[]).graph_error(100, Some(33));
    c.post("17918195224117851/comments", &[("message", "x")])
        .graph_error(100, Some(33));
    c.delete("17894227972186120", &[]).graph_error(100, Some(33));
    c.get("1234", &[]).graph_error(100, Some(33));
}

#[test]
fn comments_and_replies_expand_inside_media_fields() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let media = media_with_caption(&c, "New dashboards just dropped");
    let body = c
        .get(
            &media,
            &[(
                "fields",
                "comments_count,comments{text,username,hidden,replies{text,parent_id}}",
            )],
        )
        .ok("ig_media")
        .clone();
    let comments = body["comments"]["data"].as_array().unwrap();
    // A comment without replies has no `replies` key at all; production leaves empty nested
    // edges out (recorded comments?fields=…,replies{…}, bk-rs/instagram-apis-rs v14.0).
    let replies: usize = comments
        .iter()
        .map(|x| match x.get("replies") {
            Some(r) => r["data"].as_array().unwrap().len(),
            None => 0,
        })
        .sum();
    assert!(replies > 0 && comments.iter().any(|x| x.get("replies").is_none()));
    assert!(comments.iter().all(|x| x
        .get("replies")
        .is_none_or(|r| !r["data"].as_array().unwrap().is_empty())));
    assert_eq!(
        body["comments_count"].as_u64().unwrap() as usize,
        comments.len() + replies
    );
    for x in comments {
        for r in x["replies"]["data"].as_array().into_iter().flatten() {
            assert_eq!(r["parent_id"], x["id"]);
        }
    }
    let list = c
        .get(
            &format!("{METRICSAURUS}/media"),
            &[("fields", "comments.limit(1){text}"), ("limit", "3")],
        )
        .ok("ig_media_list")
        .clone();
    assert_eq!(list["data"].as_array().unwrap().len(), 3);
}

#[test]
fn comment_pages_hold_at_most_fifty_and_walking_next_sees_each_comment_once() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    for i in 0..58 {
        c.post(&format!("{GUIDE_MEDIA}/comments"), &[("message", &format!("c{i}"))])
            .ok("id_response");
    }
    let mut r = c.get(&format!("{GUIDE_MEDIA}/comments"), &[("limit", "100")]);
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let body = r.ok("ig_comment_list").clone();
        let page = ids(&body);
        assert!(page.len() <= 50);
        pages += 1;
        seen.extend(page);
        match body["paging"]["next"].as_str() {
            Some(next) => r = c.get_url(next),
            None => break,
        }
    }
    assert_eq!(pages, 2);
    assert_eq!(seen.len(), 60);
    let unique: std::collections::BTreeSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), 60);
}

/// Comments, replies and an album's children page forward only, as production's recorded
/// answers do (`http::paging::forward_paging_json` names them): `paging` only while a next page
/// exists, holding the `after` cursor alone and `next`; nothing on the last page, nested or not.
#[test]
fn comments_replies_and_children_page_forward_only() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let reply_to = GUIDE_COMMENT;
    for i in 0..3 {
        c.post(&format!("{GUIDE_MEDIA}/comments"), &[("message", &format!("c{i}"))])
            .ok("id_response");
        c.post(&format!("{reply_to}/replies"), &[("message", &format!("r{i}"))])
            .ok("id_response");
    }
    let first = c
        .get(&format!("{GUIDE_MEDIA}/comments"), &[("limit", "2")])
        .ok("ig_comment_list")
        .clone();
    let paging = first["paging"].as_object().unwrap();
    assert!(paging.keys().eq(["cursors", "next"]), "{paging:?}");
    assert!(first["paging"]["cursors"].as_object().unwrap().keys().eq(["after"]));
    let next = first["paging"]["next"].as_str().unwrap().to_string();
    let second = c.get_url(&next).ok("ig_comment_list").clone();
    assert_eq!(ids(&second).len(), 2);
    assert!(second.get("paging").is_some(), "a third page follows");
    let last = c
        .get_url(second["paging"]["next"].as_str().unwrap())
        .ok("ig_comment_list")
        .clone();
    assert_eq!(ids(&last).len(), 1);
    assert!(last.get("paging").is_none(), "the last page has no paging: {last}");

    // The replies edge, whole on one page: no paging; the same thread nested: none either.
    let replies = c
        .get(&format!("{reply_to}/replies"), &[("fields", "text")])
        .ok("ig_comment_replies")
        .clone();
    assert_eq!(ids(&replies).len(), 3);
    assert!(replies.get("paging").is_none(), "{replies}");
    let nested = c
        .get(
            &format!("{GUIDE_MEDIA}/comments"),
            &[("fields", "text,replies{text}"), ("limit", "50")],
        )
        .ok("ig_comment_list")
        .clone();
    let thread = nested["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == reply_to)
        .unwrap();
    assert!(thread["replies"].get("paging").is_none(), "{thread}");
    let limited = c
        .get(&format!("{reply_to}/replies"), &[("limit", "1")])
        .ok("ig_comment_replies")
        .clone();
    assert!(limited["paging"]["cursors"].get("before").is_none());
    assert!(limited["paging"].get("previous").is_none());

    // An album's children: no paging, read directly or expanded.
    let album = crate::support::media_with(&c, |m| m["media_type"] == "CAROUSEL_ALBUM");
    let children = c.get(&format!("{album}/children"), &[]).ok("ig_children").clone();
    assert!(ids(&children).len() >= 2);
    assert!(children.get("paging").is_none(), "{children}");
    let expanded = c
        .get(&album, &[("fields", "children{media_type}")])
        .ok("ig_media")
        .clone();
    assert!(expanded["children"].get("paging").is_none(), "{expanded}");
}

#[test]
fn bad_comment_input_gets_graph_errors() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    c.post(&format!("{GUIDE_MEDIA}/comments"), &[]).graph_error(100, None);
    c.post(&format!("{GUIDE_MEDIA}/comments"), &[("message", "  ")])
        .graph_error(100, None);
    c.post(&format!("{GUIDE_COMMENT}/replies"), &[]).graph_error(100, None);
    c.get(GUIDE_COMMENT, &[("fields", "text,nope")]).graph_error(100, None);
    c.get(&format!("{GUIDE_COMMENT}/nope"), &[]).graph_error(100, None);
    c.get(&format!("{GUIDE_MEDIA}/comments"), &[("after", "garbage")])
        .graph_error(100, None);
}

// ---- property: comment trees stay consistent -------------------------------------------

#[derive(Debug, Clone)]
enum Op {
    Comment,
    /// Reply to the i-th live comment (top-level or reply).
    Reply(usize),
    Hide(usize, bool),
    Delete(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => Just(Op::Comment),
        3 => (0usize..64).prop_map(Op::Reply),
        2 => (0usize..64, any::<bool>()).prop_map(|(i, h)| Op::Hide(i, h)),
        1 => (0usize..64).prop_map(Op::Delete),
    ]
}

/// Reference model of one media's threads: id -> (top-level parent, hidden).
#[derive(Default)]
struct Model {
    live: BTreeMap<String, (Option<String>, bool)>,
    /// Written by the media owner (through this test): hiding them has no effect.
    own: std::collections::BTreeSet<String>,
    deleted: Vec<String>,
}

impl Model {
    fn nth(&self, i: usize) -> Option<String> {
        (!self.live.is_empty()).then(|| self.live.keys().nth(i % self.live.len()).unwrap().clone())
    }
}

fn check_against_model(sb: &Sandbox, c: &Client, media: &str, model: &Model) {
    let _ = sb;
    assert_eq!(comments_count(c, media), model.live.len() as u64);
    let body = c
        .get(
            &format!("{media}/comments"),
            &[
                ("fields", "hidden,replies.limit(50){parent_id,hidden}"),
                ("limit", "50"),
            ],
        )
        .ok("ig_comment_list")
        .clone();
    let mut seen = BTreeMap::new();
    for top in body["data"].as_array().unwrap() {
        let id = top["id"].as_str().unwrap().to_string();
        seen.insert(id.clone(), (None, top["hidden"].as_bool().unwrap()));
        for r in top["replies"]["data"].as_array().into_iter().flatten() {
            assert_eq!(r["parent_id"].as_str(), Some(id.as_str()));
            seen.insert(
                r["id"].as_str().unwrap().to_string(),
                (Some(id.clone()), r["hidden"].as_bool().unwrap()),
            );
        }
    }
    assert_eq!(seen, model.live);
    for d in &model.deleted {
        c.get(d, &[]).graph_error(100, Some(33));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn comment_trees_stay_consistent_under_random_moderation(ops in proptest::collection::vec(op(), 1..24)) {
        let sb = sim::fresh();
        let c = sb.client_as("Dana Admin");
        let media = GUIDE_MEDIA;
        let mut model = Model::default();
        for id in ["17873440459141021", GUIDE_COMMENT] {
            model.live.insert(id.to_string(), (None, false));
        }
        let mut n = 0;
        for op in ops {
            match op {
                Op::Comment => {
                    n += 1;
                    let id = c.post(&format!("{media}/comments"), &[("message", &format!("m{n}"))])
                        .ok("id_response")["id"].as_str().unwrap().to_string();
                    model.own.insert(id.clone());
                    model.live.insert(id, (None, false));
                }
                Op::Reply(i) => {
                    let Some(target) = model.nth(i) else { continue };
                    let (parent, hidden) = model.live[&target].clone();
                    n += 1;
                    let r = c.post(&format!("{target}/replies"), &[("message", &format!("r{n}"))]);
                    if hidden {
                        r.graph_error(100, None);
                    } else {
                        let id = r.ok("id_response")["id"].as_str().unwrap().to_string();
                        model.own.insert(id.clone());
                        model.live.insert(id, (Some(parent.unwrap_or(target)), false));
                    }
                }
                Op::Hide(i, hide) => {
                    let Some(target) = model.nth(i) else { continue };
                    c.post(&target, &[("hide", if hide { "true" } else { "false" })]).ok("success_response");
                    let own = model.own.contains(&target);
                    model.live.get_mut(&target).unwrap().1 = hide && !own;
                }
                Op::Delete(i) => {
                    let Some(target) = model.nth(i) else { continue };
                    c.delete(&target, &[]).ok("success_response");
                    let gone: Vec<String> = model.live.iter()
                        .filter(|(k, (p, _))| **k == target || p.as_deref() == Some(target.as_str()))
                        .map(|(k, _)| k.clone())
                        .collect();
                    for g in gone {
                        model.live.remove(&g);
                        model.deleted.push(g);
                    }
                }
            }
        }
        check_against_model(&sb, &c, media, &model);
    }
}
