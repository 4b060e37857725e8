//! Business Discovery and Mentions (guides "Business Discovery", "Mentions", "Webhooks";
//! facts §4.1, §4.8) against the demo world.

use crate::support::ids;
use conformance::client::Client;
use conformance::sim;
use std::collections::BTreeSet;

const METRICSAURUS: &str = "17841405822304914";
const BLUEBOTTLE: &str = "17841401441775531";
/// harbor.books's post "@metricsaurus There can be only one!" and ana.lopez's comment
/// "@metricsaurus challenge?" on it (the Webhooks guide's ids).
const MENTION_MEDIA: &str = "17918195224117851";
const MENTION_COMMENT: &str = "17894227972186120";

fn discover(c: &Client, expr: &str) -> conformance::client::Resp {
    c.get(METRICSAURUS, &[("fields", &format!("business_discovery.{expr}"))])
}

// ---- Business Discovery -----------------------------------------------------------------

#[test]
fn follower_and_media_count_of_bluebottle_as_in_the_guide() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin").with_version("v3.2");
    let body = discover(&c, "username(bluebottle){followers_count,media_count}")
        .ok("ig_user")
        .clone();
    assert_eq!(body["id"], METRICSAURUS);
    let bd = &body["business_discovery"];
    assert_eq!(bd["id"], BLUEBOTTLE);
    assert_eq!(bd["followers_count"], 267_793);
    assert!(bd["media_count"].as_u64().unwrap() > 60);
    assert!(bd
        .as_object()
        .unwrap()
        .keys()
        .eq(["followers_count", "media_count", "id"]));
}

#[test]
fn discovered_media_pages_with_cursors_only_and_cannot_be_read_directly() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let body = discover(&c, "username(bluebottle){followers_count,media_count,media}")
        .ok("ig_user")
        .clone();
    let media = &body["business_discovery"]["media"];
    assert_eq!(ids(media).len(), 25);
    assert_eq!(
        ids(media)[0],
        "17858843269216389",
        "newest feed post first (the guide's id)"
    );
    assert!(media["paging"]["cursors"]["after"].is_string());
    assert!(media["paging"].get("next").is_none());
    assert!(media["paging"].get("previous").is_none());
    // Walk with .after(): no item twice.
    let mut seen: Vec<String> = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let expr = match &after {
            Some(a) => format!("username(bluebottle){{media.limit(20).after({a}){{id}}}}"),
            None => "username(bluebottle){media.limit(20){id}}".to_string(),
        };
        let b = discover(&c, &expr).ok("ig_user").clone();
        let media = &b["business_discovery"]["media"];
        let page = ids(media);
        assert!(!page.is_empty(), "an empty media expansion is left out, not {media}");
        seen.extend(page);
        // Production pages forward only: `paging` (the `after` cursor alone) only while more
        // follow, none on the last page (recorded bluebottle and qq122755990 answers).
        assert!(media["paging"]["cursors"].get("before").is_none(), "{media}");
        match media["paging"]["cursors"]["after"].as_str() {
            Some(a) => after = Some(a.to_string()),
            None => {
                assert!(media.get("paging").is_none(), "{media}");
                break;
            }
        }
    }
    let count = body["business_discovery"]["media_count"].as_u64().unwrap() as usize;
    assert_eq!(seen.len(), count);
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), count);
    c.get(&seen[0], &[]).graph_error(100, Some(33));
}

#[test]
fn basic_metrics_on_discovered_media_leave_out_hidden_like_counts() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let body = discover(
        &c,
        "username(bluebottle){followers_count,media_count,media{comments_count,like_count}}",
    )
    .ok("ig_user")
    .clone();
    let first = &body["business_discovery"]["media"]["data"][0];
    assert_eq!(first["like_count"], 5841);
    assert_eq!(first["comments_count"], 2);
    let fonz = discover(&c, "username(fonz.fitness){media.limit(5){like_count,comments_count}}")
        .ok("ig_user")
        .clone();
    for m in fonz["business_discovery"]["media"]["data"].as_array().unwrap() {
        assert!(m.get("like_count").is_none(), "fonz.fitness hides like counts");
        assert!(m.get("comments_count").is_some());
    }
    // Creators can be discovered, and public profile fields come through.
    let j = discover(
        &c,
        "username(juniper.makes){username,name,biography,website,profile_picture_url}",
    )
    .ok("ig_user")
    .clone();
    assert_eq!(j["business_discovery"]["username"], "juniper.makes");
}

/// Exactly the request the crates.io `instagram-graph-api` client sends, with production's
/// answer shape: `ig_id` (an integer) and `follows_count` come through, and `.since()` bounds
/// the media (recorded answer: bk-rs/instagram-apis-rs v14.0
/// ig_user_0__business_discovery__reading__username_bluebottle.json; facts §9).
#[test]
fn business_discovery_answers_ig_id_follows_count_and_media_since_as_production() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let r = discover(&c, "username(bluebottle){username,ig_id}")
        .ok("ig_user")
        .clone();
    let bd = &r["business_discovery"];
    assert_eq!(bd["username"], "bluebottle");
    assert!(bd["ig_id"].is_u64(), "ig_id is an integer: {bd}");
    assert_eq!(bd["id"], "17841401441775531");

    // The newest media's time, to put `since` between two media.
    let newest = discover(&c, "username(bluebottle){media.limit(3){timestamp}}")
        .ok("ig_user")
        .clone();
    let stamps: Vec<i64> = newest["business_discovery"]["media"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| simulator::timefmt::parse_time_param(m["timestamp"].as_str().unwrap()).unwrap())
        .collect();
    let since = stamps[1];
    let expr = format!(
        "username(bluebottle){{biography,id,ig_id,followers_count,follows_count,media_count,name,\
         profile_picture_url,username,website,media.since({since}).limit(30){{caption,comments_count,id,\
         like_count,media_product_type,media_type,media_url,permalink,timestamp,\
         children{{id,media_type,media_url,permalink,timestamp}}}}}}"
    );
    let r = discover(&c, &expr).ok("ig_user").clone();
    let bd = &r["business_discovery"];
    for key in [
        "biography",
        "ig_id",
        "followers_count",
        "follows_count",
        "media_count",
        "name",
        "profile_picture_url",
        "username",
        "website",
    ] {
        assert!(bd.get(key).is_some(), "{key} missing from {bd}");
    }
    assert_eq!(bd["follows_count"], 213);
    // Media since the second-newest: exactly the two newest.
    assert_eq!(ids(&bd["media"]).len(), 2, "{}", bd["media"]);
}

#[test]
fn personal_unknown_and_age_gated_accounts_are_not_discoverable() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    for name in [
        "ana.lopez",
        "quiet.fern",
        "nobody.here",
        "oldvine.cellars",
        "@bluebottle",
    ] {
        let e = discover(&c, &format!("username({name}){{followers_count}}"))
            .graph_error(110, Some(2_207_013))
            .clone();
        assert_eq!(e["message"], "Invalid user id");
        assert!(e["error_user_msg"].as_str().unwrap().contains(name));
    }
    discover(&c, "username(bluebottle){shopping_product_tag_eligibility}").graph_error(100, None);
    discover(&c, "username(bluebottle){stories}").graph_error(100, None);
    discover(&c, "username(bluebottle){media{owner}}").graph_error(100, None);
    c.get(METRICSAURUS, &[("fields", "business_discovery{followers_count}")])
        .graph_error(100, None);
}

// ---- Mentions ---------------------------------------------------------------------------

#[test]
fn tags_lists_public_media_others_tagged_the_account_in_with_cursors_only() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let body = c
        .get(
            &format!("{METRICSAURUS}/tags"),
            &[("fields", "caption,username,media_type")],
        )
        .ok("ig_tags")
        .clone();
    let users: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["username"].as_str().unwrap())
        .collect();
    assert_eq!(
        users,
        vec!["fonz.fitness", "harbor.books", "bluebottle"],
        "newest first"
    );
    assert!(!users.contains(&"quiet.fern"), "private media left out");
    let page = c
        .get(&format!("{METRICSAURUS}/tags"), &[("limit", "1")])
        .ok("ig_tags")
        .clone();
    assert_eq!(ids(&page).len(), 1);
    // Forward only, as production's recorded pages: the after cursor alone, no next; and no
    // paging at all on the last page.
    assert!(page["paging"]["cursors"]["after"].is_string());
    assert!(page["paging"]["cursors"].get("before").is_none());
    assert!(page["paging"].get("next").is_none());
    let all = c
        .get(&format!("{METRICSAURUS}/tags"), &[("limit", "50")])
        .ok("ig_tags")
        .clone();
    assert!(all.get("paging").is_none(), "{all}");
    let expanded = c
        .get(METRICSAURUS, &[("fields", "tags.limit(2){id}")])
        .ok("ig_user")
        .clone();
    assert_eq!(ids(&expanded["tags"]).len(), 2);
    sb.client_as("Morgan Publisher")
        .get(&format!("{METRICSAURUS}/tags"), &[])
        .graph_error(10, None);
}

#[test]
fn getting_a_mentioned_comment_as_in_the_webhooks_guide() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let body = c
        .get(
            METRICSAURUS,
            &[("fields", &format!("mentioned_comment.comment_id({MENTION_COMMENT})"))],
        )
        .ok("ig_user")
        .clone();
    let mc = &body["mentioned_comment"];
    assert!(mc.as_object().unwrap().keys().eq(["timestamp", "text", "id"]));
    assert_eq!(mc["text"], "@metricsaurus challenge?");
    assert_eq!(mc["id"], MENTION_COMMENT);
    let full = c
        .get(
            METRICSAURUS,
            &[(
                "fields",
                &format!("mentioned_comment.comment_id({MENTION_COMMENT}){{timestamp,like_count,text,media{{id,media_url}}}}"),
            )],
        )
        .ok("ig_user")
        .clone();
    assert_eq!(full["mentioned_comment"]["media"]["id"], MENTION_MEDIA);
    assert_eq!(full["mentioned_comment"]["like_count"], 4);
    // The comment cannot be read directly (facts §4.6).
    c.get(MENTION_COMMENT, &[]).graph_error(100, Some(33));
}

#[test]
fn getting_a_mentioned_media_strips_the_at_sign() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let body = c
        .get(
            METRICSAURUS,
            &[(
                "fields",
                &format!("mentioned_media.media_id({MENTION_MEDIA}){{caption,media_type}}"),
            )],
        )
        .ok("ig_user")
        .clone();
    let mm = &body["mentioned_media"];
    assert_eq!(mm["media_type"], "IMAGE");
    assert!(mm["caption"]
        .as_str()
        .unwrap()
        .starts_with("metricsaurus There can be only one!"));
    let more = c
        .get(
            METRICSAURUS,
            &[(
                "fields",
                &format!("mentioned_media.media_id({MENTION_MEDIA}){{username,like_count,comments_count,timestamp,owner,comments{{text}}}}"),
            )],
        )
        .ok("ig_user")
        .clone();
    assert_eq!(more["mentioned_media"]["username"], "harbor.books");
    assert!(
        more["mentioned_media"].get("owner").is_none(),
        "owner only for the media's owner"
    );
    assert_eq!(more["mentioned_media"]["comments"]["data"].as_array().unwrap().len(), 2);
    c.get(
        METRICSAURUS,
        &[(
            "fields",
            &format!("mentioned_media.media_id({MENTION_MEDIA}){{shortcode}}"),
        )],
    )
    .graph_error(100, None);
}

#[test]
fn replying_to_comment_and_caption_mentions_as_in_the_webhooks_guide() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let reply = c
        .post(
            &format!("{METRICSAURUS}/mentions"),
            &[
                ("comment_id", MENTION_COMMENT),
                ("media_id", MENTION_MEDIA),
                ("message", "Challenge accepted!"),
            ],
        )
        .ok("id_response")["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The app user wrote it, so it can read it: a reply in the mentioning comment's thread.
    let body = c
        .get(&reply, &[("fields", "parent_id,text,user,username,media")])
        .ok("ig_comment")
        .clone();
    assert_eq!(body["parent_id"], MENTION_COMMENT);
    assert_eq!(body["user"]["id"], METRICSAURUS);
    let top = c
        .post(
            &format!("{METRICSAURUS}/mentions"),
            &[("media_id", MENTION_MEDIA), ("message", "MacLeod agrees!")],
        )
        .ok("id_response")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let body = c.get(&top, &[("fields", "text,parent_id")]).ok("ig_comment").clone();
    assert_eq!(body["text"], "MacLeod agrees!");
    assert!(body.get("parent_id").is_none());
    // Only the media's owner may delete, even comments the caller wrote (facts §4.6).
    c.delete(&top, &[]).graph_error(100, Some(33));
    c.post(&top, &[("hide", "true")]).graph_error(100, Some(33));
    let comments = || {
        let fields = format!("mentioned_media.media_id({MENTION_MEDIA}){{comments_count}}");
        c.get(METRICSAURUS, &[("fields", &fields)]).ok("ig_user")["mentioned_media"]["comments_count"].clone()
    };
    assert_eq!(comments(), 4);
    // With `fields=`, a mentions reply is written and then refused like a comment is
    // (`Config::fields_on_write.mentions`; by analogy with comments, UNCONFIRMED).
    c.post(
        &format!("{METRICSAURUS}/mentions"),
        &[("media_id", MENTION_MEDIA), ("message", "And again"), ("fields", "id")],
    )
    .graph_error(20, Some(1772107));
    assert_eq!(comments(), 5, "the reply was written");
}

#[test]
fn mentions_rules_are_enforced_with_graph_errors() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let find = |caption_start: &str| -> String {
        let body = c
            .get(
                &format!("{METRICSAURUS}/tags"),
                &[("fields", "caption"), ("limit", "50")],
            )
            .ok("ig_tags")
            .clone();
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["caption"].as_str().is_some_and(|s| s.starts_with(caption_start)))
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // A tagged photo without a caption mention: commenting is not supported.
    let tagged_only = find("Our roastery");
    c.post(
        &format!("{METRICSAURUS}/mentions"),
        &[("media_id", &tagged_only), ("message", "hi")],
    )
    .graph_error(100, None);
    c.get(
        METRICSAURUS,
        &[("fields", &format!("mentioned_media.media_id({tagged_only}){{caption}}"))],
    )
    .graph_error(100, None);
    // Missing parameters.
    c.post(&format!("{METRICSAURUS}/mentions"), &[("message", "hi")])
        .graph_error(100, None);
    c.post(&format!("{METRICSAURUS}/mentions"), &[("media_id", MENTION_MEDIA)])
        .graph_error(100, None);
    c.post(
        &format!("{METRICSAURUS}/mentions"),
        &[("media_id", "123"), ("message", "hi")],
    )
    .graph_error(100, None);
    c.post(
        &format!("{METRICSAURUS}/mentions"),
        &[("media_id", MENTION_MEDIA), ("comment_id", "999"), ("message", "hi")],
    )
    .graph_error(100, None);
    c.get(METRICSAURUS, &[("fields", "mentioned_comment{text}")])
        .graph_error(100, None);
    c.get(METRICSAURUS, &[("fields", "mentioned_comment.comment_id(42){text}")])
        .graph_error(100, Some(33));
    // Morgan Publisher lacks instagram_manage_comments.
    let morgan = sb.client_as("Morgan Publisher");
    morgan
        .get(
            METRICSAURUS,
            &[("fields", &format!("mentioned_comment.comment_id({MENTION_COMMENT})"))],
        )
        .graph_error(10, None);
    morgan
        .post(
            &format!("{METRICSAURUS}/mentions"),
            &[("media_id", MENTION_MEDIA), ("message", "hi")],
        )
        .graph_error(10, None);
}

#[test]
fn mentioned_comments_on_media_with_comments_off_or_age_gated_owners_are_refused() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let read = |id: &str| {
        c.get(
            METRICSAURUS,
            &[("fields", &format!("mentioned_comment.comment_id({id}){{text}}"))],
        )
    };
    // chloe.draws's mention on harbor.books's post with comments turned off.
    let e = read("17865432109876543").graph_error(100, None).clone();
    assert!(e["message"].as_str().unwrap().contains("disabled"));
    // felix_m's mention on an age-gated account's post: not returned.
    read("17876543210987654").graph_error(100, Some(33));
    // ben_k's comment on the mentioning post does not mention metricsaurus.
    let body = c
        .get(
            METRICSAURUS,
            &[(
                "fields",
                &format!("mentioned_media.media_id({MENTION_MEDIA}){{comments{{text}}}}"),
            )],
        )
        .ok("ig_user")
        .clone();
    let plain = body["mentioned_media"]["comments"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["text"] == "Great shop")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    read(&plain).graph_error(100, None);
    c.post(
        &format!("{METRICSAURUS}/mentions"),
        &[("media_id", MENTION_MEDIA), ("comment_id", &plain), ("message", "hi")],
    )
    .graph_error(100, None);
}
