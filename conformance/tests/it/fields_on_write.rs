//! `fields=` on writes, per endpoint, as production answers it: the write is always done; the
//! answer is the written object's fields (read-after-write, Graph API changelog v2.9) or the
//! refusal production sends after the write (`simulator::config::FieldsOnWrite`).

use crate::support::{comments_count, media_with, METRICSAURUS};
use conformance::client::Client;
use conformance::sim::{self, Sandbox};
use serde_json::{json, Value};

const IMAGE: &str = "https://www.example.com/images/bronz-fonz.jpg";

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

fn container(c: &Client) -> String {
    id_of(
        c.post(&format!("{METRICSAURUS}/media"), &[("image_url", IMAGE)])
            .ok("id_response"),
    )
}

/// The request the crates.io `instagram-graph-api` client sends to create an image container,
/// and production's recorded answer shape `{"id","status","status_code"}` (bk-rs/
/// instagram-apis-rs v14.0 ig_user_0__media__creating__image.json).
#[test]
fn container_creation_answers_the_requested_container_fields() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let r = c.post(
        &format!("{METRICSAURUS}/media"),
        &[
            ("fields", "id,status,status_code"),
            ("image_url", IMAGE),
            ("is_carousel_item", "false"),
            ("caption", "#BronzFonz"),
        ],
    );
    let body = r.ok("ig_container").clone();
    let id = id_of(&body);
    assert_eq!(
        body,
        json!({
            "id": id,
            "status": "Finished: Media has been uploaded and it is ready to be published.",
            "status_code": "FINISHED",
        })
    );
    assert_eq!(
        body.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["id", "status", "status_code"]
    );
    // It is a real container: it publishes.
    c.post(&format!("{METRICSAURUS}/media_publish"), &[("creation_id", &id)])
        .ok("id_response");
    // A reel's container reads IN_PROGRESS at first.
    let reel = c
        .post(
            &format!("{METRICSAURUS}/media"),
            &[
                ("media_type", "REELS"),
                ("video_url", "https://www.example.com/videos/fruit.mp4"),
                ("fields", "status_code,video_status"),
            ],
        )
        .ok("ig_container")
        .clone();
    assert_eq!(reel["status_code"], "IN_PROGRESS");
    assert!(reel["video_status"].is_object());
    // Fields are the container's own: anything else is (#100) on ShadowIGMediaBuilder.
    let e = c
        .post(
            &format!("{METRICSAURUS}/media"),
            &[("image_url", IMAGE), ("fields", "id,caption")],
        )
        .graph_error(100, None)
        .clone();
    assert_eq!(
        e["message"],
        "(#100) Tried accessing nonexisting field (caption) on node type (ShadowIGMediaBuilder)"
    );
}

/// `media_publish?fields=…`: production publishes, then answers 100/33 "Unsupported post
/// request" with the publish's own answer as `original_response` (quoted in the crates.io
/// `instagram-graph-api` client, bk-rs/instagram-apis-rs media_publish/creating.rs, 2022).
#[test]
fn media_publish_with_fields_publishes_then_refuses_with_the_original_response() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let cid = container(&c);
    let r = c.post(
        &format!("{METRICSAURUS}/media_publish"),
        &[("creation_id", &cid), ("fields", "id,permalink")],
    );
    assert_eq!(r.status, 400);
    let mut e = r.graph_error(100, Some(33)).clone();
    let media = e["original_response"]["id"].as_str().unwrap().to_string();
    assert!(e.as_object_mut().unwrap().remove("fbtrace_id").is_some());
    assert_eq!(
        e,
        json!({
            "message": "Unsupported post request. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
            "type": "GraphMethodException",
            "code": 100,
            "error_subcode": 33,
            "original_response": { "id": media },
        })
    );
    // The side effect stands: the media is published and newest in the feed.
    let feed = c
        .get(&format!("{METRICSAURUS}/media"), &[("limit", "1")])
        .ok("ig_media_list")
        .clone();
    assert_eq!(feed["data"][0]["id"], media.as_str());
    c.post(&format!("{METRICSAURUS}/media_publish"), &[("creation_id", &cid)])
        .graph_error(24, Some(2207008));
}

/// `comments?fields=…`: production creates the comment, then answers 400 20/1772107; a
/// client that retries on it posts the comment again (GH:brightbeanxyz/brightbean-studio#140,
/// 2026-08).
#[test]
fn comments_with_fields_are_created_then_refused() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let media = media_with(&c, |m| m["media_type"] == "IMAGE");
    let before = comments_count(&c, &media);
    for attempt in 1..=2 {
        let r = c.post(
            &format!("{media}/comments"),
            &[("message", "first comment"), ("fields", "id")],
        );
        assert_eq!(r.status, 400);
        let mut e = r.graph_error(20, Some(1772107)).clone();
        e.as_object_mut().unwrap().remove("fbtrace_id");
        assert_eq!(
            e,
            json!({
                "message": "This API call does not support the requested response format",
                "type": "OAuthException",
                "code": 20,
                "error_subcode": 1772107,
            })
        );
        assert_eq!(comments_count(&c, &media), before + attempt);
    }
    let newest = c
        .get(&format!("{media}/comments"), &[("fields", "text"), ("limit", "2")])
        .ok("ig_comment_list")
        .clone();
    assert_eq!(newest["data"][0]["text"], "first comment");
    assert_eq!(newest["data"][1]["text"], "first comment", "the retry duplicated it");
    // Without fields the answer is the documented {"id"}.
    c.post(&format!("{media}/comments"), &[("message", "plain")])
        .ok("id_response");
    // A malformed `fields` fails before anything is written.
    c.post(&format!("{media}/comments"), &[("message", "never"), ("fields", "id{")])
        .graph_error(2500, None);
    assert_eq!(comments_count(&c, &media), before + 3);
}

/// Replies, mentions replies, hiding and turning comments off: the same rule per endpoint.
#[test]
fn replies_hide_and_comment_enabled_answer_the_written_objects_fields() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let media = media_with(&c, |m| m["media_type"] == "IMAGE");
    let top = id_of(
        c.post(&format!("{media}/comments"), &[("message", "top")])
            .ok("id_response"),
    );
    // The crates.io client's reply request, answered with the reply's fields (recorded 2022:
    // bk-rs/instagram-apis-rs v14.0 ig_comment_…__replies__creating.json).
    let reply = c
        .post(
            &format!("{top}/replies"),
            &[
                ("fields", "from,hidden,id,like_count,parent_id,text,timestamp,username"),
                ("message", "test2"),
            ],
        )
        .ok("ig_comment")
        .clone();
    assert_eq!(reply["parent_id"], top.as_str());
    assert_eq!(reply["text"], "test2");
    assert_eq!(reply["from"]["username"], "metricsaurus");
    assert_eq!(reply["hidden"], false);
    assert_eq!(reply["like_count"], 0);

    // Someone else's comment (the owner's own stay visible).
    let list = c
        .get(&format!("{media}/comments"), &[("fields", "username"), ("limit", "50")])
        .ok("ig_comment_list")
        .clone();
    let other = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["username"] != "metricsaurus")
        .map(id_of)
        .expect("a comment by someone else");
    let hidden = c
        .post(&other, &[("hide", "true"), ("fields", "hidden")])
        .ok("ig_comment")
        .clone();
    assert_eq!(hidden, json!({"hidden": true, "id": other}));
    let m = c
        .post(
            &media,
            &[("comment_enabled", "false"), ("fields", "is_comment_enabled")],
        )
        .ok("ig_media")
        .clone();
    assert_eq!(m, json!({"is_comment_enabled": false, "id": media}));
    // Without fields: the documented {"success":true}.
    c.post(&media, &[("comment_enabled", "true")]).ok("success_response");
}

/// The 2022 behaviour of comment creation (the comment's fields) is the `comments` knob.
#[test]
fn the_2022_comment_answer_is_a_knob() {
    let mut cfg = conformance::target::test_config();
    cfg.fields_on_write.comments = simulator::config::WriteFields::ReadBack;
    let running = simulator::Simulator::new(cfg).spawn(0).expect("start a simulator");
    let sb: Sandbox = sim::new_sandbox(&running.base_url(), None);
    let c = sb.client_as("Dana Admin");
    let media = media_with(&c, |m| m["media_type"] == "IMAGE");
    let created = c
        .post(
            &format!("{media}/comments"),
            &[
                ("message", "test1"),
                ("fields", "from,hidden,id,like_count,text,timestamp,username"),
            ],
        )
        .ok("ig_comment")
        .clone();
    assert_eq!(created["text"], "test1");
    assert_eq!(created["username"], "metricsaurus");
    running.shutdown();
}
