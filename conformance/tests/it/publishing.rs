//! Content publishing: every sample flow of the "Content Publishing" and "Copyright
//! Detection" guides, every documented failure on demand, resumable uploads, real media
//! fetching from a loopback server, and a property test of containers and quotas.

use conformance::client::{Client, Resp};
use conformance::sim::{self, Sandbox};
use proptest::prelude::*;
use serde_json::{json, Value};

const METRICSAURUS: &str = "17841405822304914";
const JUNIPER: &str = "17841400008460056";
const TINYLOAF: &str = "17841406338772941";
const METRICSAURUS_PAGE: &str = "134895793791914";
const JUNIPER_PAGE: &str = "108817424206723";
const IMAGE: &str = "https://www.example.com/images/bronz-fonz.jpg";
const VIDEO: &str = "https://www.example.com/videos/fruit.mp4";

fn create(c: &Client, ig: &str, params: &[(&str, &str)]) -> String {
    let r = c.post(&format!("{ig}/media"), params);
    r.ok("id_response")["id"].as_str().unwrap().to_string()
}

fn publish(c: &Client, ig: &str, creation_id: &str) -> Resp {
    c.post(&format!("{ig}/media_publish"), &[("creation_id", creation_id)])
}

fn published(c: &Client, ig: &str, creation_id: &str) -> String {
    publish(c, ig, creation_id).ok("id_response")["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn container(c: &Client, id: &str, fields: &str) -> Value {
    c.get(id, &[("fields", fields)]).ok("ig_container").clone()
}

fn status_code(c: &Client, id: &str) -> String {
    container(c, id, "status_code")["status_code"]
        .as_str()
        .unwrap()
        .to_string()
}

fn media(c: &Client, id: &str, fields: &str) -> Value {
    c.get(id, &[("fields", fields)]).ok("ig_media").clone()
}

fn usage(c: &Client, ig: &str) -> u64 {
    let r = c.get(&format!("{ig}/content_publishing_limit"), &[]);
    r.ok("content_publishing_limit")["data"][0]["quota_usage"]
        .as_u64()
        .unwrap()
}

fn media_count(c: &Client, ig: &str) -> u64 {
    c.get(ig, &[("fields", "media_count")]).ok("ig_user")["media_count"]
        .as_u64()
        .unwrap()
}

fn user_msg(e: &Value) -> String {
    e["error_user_msg"].as_str().unwrap_or_default().to_string()
}

/// A sandbox with publishing knobs changed through the control plane.
fn with_publishing(sb: &Sandbox, settings: Value) {
    sb.control_post("publishing/config", &settings)
        .ok("sim_publishing_config");
}

/// A sandbox whose demo world was changed by `edit` before it was built.
fn custom_world(edit: impl FnOnce(&mut Value)) -> Sandbox {
    let mut world = serde_json::to_value(simulator::demo_world()).unwrap();
    edit(&mut world);
    sim::new_sandbox(&conformance::target::shared_simulator().base_url(), Some(&world))
}

fn transition(sb: &Sandbox, id: &str, body: Value) -> Resp {
    sb.control_post(&format!("containers/{id}/transition"), &body)
}

// ---- the guide's sample flows ----------------------------------------------------------------

#[test]
fn a_single_image_is_created_polled_published_and_shows_up_everywhere() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin").with_version("v18.0");
    let before = media_count(&c, METRICSAURUS);
    let cid = create(&c, METRICSAURUS, &[("image_url", IMAGE), ("caption", "#BronzFonz")]);
    let s = container(&c, &cid, "status_code,status");
    assert_eq!(s["status_code"], "FINISHED");
    assert_eq!(
        s["status"],
        "Finished: Media has been uploaded and it is ready to be published."
    );
    assert_eq!(usage(&c, METRICSAURUS), 0);

    let mid = published(&c, METRICSAURUS, &cid);
    assert_ne!(mid, cid);
    let m = media(
        &c,
        &mid,
        "id,media_type,media_product_type,caption,permalink,shortcode,timestamp,owner,username",
    );
    assert_eq!(m["media_type"], "IMAGE");
    assert_eq!(m["media_product_type"], "FEED");
    assert_eq!(m["caption"], "#BronzFonz");
    assert_eq!(m["username"], "metricsaurus");
    assert_eq!(m["owner"]["id"], METRICSAURUS);
    let shortcode = m["shortcode"].as_str().unwrap();
    assert_eq!(m["permalink"], format!("https://www.instagram.com/p/{shortcode}/"));
    let t = sb.now();
    assert_eq!(m["timestamp"], simulator::timefmt::iso(t));

    let feed = c.get(&format!("{METRICSAURUS}/media"), &[]).ok("ig_media_list").clone();
    assert_eq!(feed["data"][0]["id"], mid.as_str(), "newest first");
    assert_eq!(media_count(&c, METRICSAURUS), before + 1);
    assert_eq!(usage(&c, METRICSAURUS), 1);
    let s = container(&c, &cid, "status_code,status");
    assert_eq!(s["status_code"], "PUBLISHED");
    assert_eq!(s["status"], "Published: Media has been successfully published.");
}

#[test]
fn a_carousel_mixes_images_and_a_video_and_counts_once_against_the_quota() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let a = create(&c, METRICSAURUS, &[("image_url", IMAGE), ("is_carousel_item", "true")]);
    let b = create(
        &c,
        METRICSAURUS,
        &[
            ("image_url", "https://www.example.com/b.jpg"),
            ("is_carousel_item", "true"),
            ("user_tags", "[{username:'kevinhart4real',x:0.5,y:0.8}]"),
        ],
    );
    let v = create(
        &c,
        METRICSAURUS,
        &[
            ("media_type", "VIDEO"),
            ("video_url", VIDEO),
            ("is_carousel_item", "true"),
        ],
    );
    assert_eq!(status_code(&c, &v), "IN_PROGRESS");
    let children = format!("{a},{b},{v}");
    let early = c.post(
        &format!("{METRICSAURUS}/media"),
        &[
            ("media_type", "CAROUSEL"),
            ("children", &children),
            ("caption", "Fruit candies"),
        ],
    );
    early.graph_error(9007, Some(2207027));

    sb.advance(30);
    assert_eq!(status_code(&c, &v), "FINISHED");
    let album = create(
        &c,
        METRICSAURUS,
        &[
            ("media_type", "CAROUSEL"),
            ("children", &children),
            ("caption", "Fruit candies"),
        ],
    );
    assert_eq!(status_code(&c, &album), "FINISHED");
    let standalone = publish(&c, METRICSAURUS, &a);
    let e = standalone.graph_error(100, Some(2207089));
    assert_eq!(e["message"], "Invalid parameter");
    assert_eq!(e["error_user_title"], "Carousel item cannot be published standalone");

    let mid = published(&c, METRICSAURUS, &album);
    let m = media(
        &c,
        &mid,
        "media_type,media_product_type,caption,children{media_type,media_product_type}",
    );
    assert_eq!(m["media_type"], "CAROUSEL_ALBUM");
    assert_eq!(m["media_product_type"], "FEED");
    let kinds: Vec<&str> = m["children"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["media_type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["IMAGE", "IMAGE", "VIDEO"]);
    let kids = c.get(&format!("{mid}/children"), &[]).ok("ig_children").clone();
    assert_eq!(kids["data"].as_array().unwrap().len(), 3);
    assert_eq!(usage(&c, METRICSAURUS), 1, "a carousel is one post");
    for child in [&a, &b, &v] {
        assert_eq!(status_code(&c, child), "PUBLISHED");
    }
    // The items were consumed by the album.
    publish(&c, METRICSAURUS, &album).graph_error(24, Some(2207008));
}

#[test]
fn carousels_need_two_to_ten_children_of_the_callers_own() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let items: Vec<String> = (0..11)
        .map(|_| create(&c, METRICSAURUS, &[("image_url", IMAGE), ("is_carousel_item", "true")]))
        .collect();
    for n in [1, 11] {
        let r = c.post(
            &format!("{METRICSAURUS}/media"),
            &[("media_type", "CAROUSEL"), ("children", &items[..n].join(","))],
        );
        let e = r.graph_error(100, Some(2207028));
        assert!(user_msg(e).contains("at least 2 photos/videos and no more than 10"));
    }
    let ten = create(
        &c,
        METRICSAURUS,
        &[("media_type", "CAROUSEL"), ("children", &items[..10].join(","))],
    );
    assert_eq!(status_code(&c, &ten), "FINISHED");
    // JSON array form, as a JSON body sends it, works too.
    let as_json = format!("[\"{}\",\"{}\"]", items[0], items[1]);
    create(&c, METRICSAURUS, &[("media_type", "CAROUSEL"), ("children", &as_json)]);
    // Another account's item is not a child this account can use.
    let other = create(&c, JUNIPER, &[("image_url", IMAGE), ("is_carousel_item", "true")]);
    let r = c.post(
        &format!("{METRICSAURUS}/media"),
        &[
            ("media_type", "CAROUSEL"),
            ("children", &format!("{},{other}", items[0])),
        ],
    );
    r.graph_error(100, None);
}

#[test]
fn a_reel_processes_on_the_sandbox_clock_and_reads_back_as_video_reels() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let cid = create(
        &c,
        JUNIPER,
        &[
            ("media_type", "REELS"),
            ("video_url", VIDEO),
            ("caption", "Reel #fruit"),
            ("share_to_feed", "false"),
            ("cover_url", "https://www.example.com/cover.jpg"),
            ("thumb_offset", "1500"),
            ("audio_name", "Fruit song"),
        ],
    );
    let s = container(&c, &cid, "status_code,status,copyright_check_status,video_status");
    assert_eq!(s["status_code"], "IN_PROGRESS");
    assert_eq!(s["status"], "In Progress: Media is still being processed.");
    assert_eq!(
        s["copyright_check_status"],
        json!({"status": "not_started", "matches_found": false})
    );
    let e = publish(&c, JUNIPER, &cid).graph_error(9007, Some(2207027)).clone();
    assert_eq!(e["message"], "Media ID is not available");
    // Production's title today (GH:activepieces/activepieces#10389; issue 10 case 7).
    assert_eq!(e["error_user_title"], "Cannot publish");

    sb.advance(10);
    let s = container(&c, &cid, "copyright_check_status,video_status");
    assert_eq!(s["copyright_check_status"]["status"], "in_progress");
    assert_eq!(s["video_status"]["processing_phase"]["status"], "in_progress");
    sb.advance(20);
    let s = container(&c, &cid, "status_code,copyright_check_status");
    assert_eq!(s["status_code"], "FINISHED");
    assert_eq!(
        s["copyright_check_status"],
        json!({"status": "completed", "matches_found": false})
    );

    let mid = published(&c, JUNIPER, &cid);
    let m = media(
        &c,
        &mid,
        "media_type,media_product_type,is_shared_to_feed,permalink,thumbnail_url,copyright_check_information",
    );
    assert_eq!(m["media_type"], "VIDEO");
    assert_eq!(m["media_product_type"], "REELS");
    assert_eq!(m["is_shared_to_feed"], false);
    assert!(m["permalink"].as_str().unwrap().contains("/reel/"));
    assert!(m["thumbnail_url"].is_string());
    assert_eq!(
        m["copyright_check_information"],
        json!({"status": {"status": "completed", "matches_found": false}})
    );
}

#[test]
fn a_story_is_business_only_and_lives_on_the_stories_edge() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let before = media_count(&c, METRICSAURUS);
    let cid = create(&c, METRICSAURUS, &[("media_type", "STORIES"), ("image_url", IMAGE)]);
    let mid = published(&c, METRICSAURUS, &cid);
    let m = media(&c, &mid, "media_type,media_product_type");
    assert_eq!(
        m,
        json!({"media_type": "IMAGE", "media_product_type": "STORY", "id": mid})
    );
    let stories = c.get(&format!("{METRICSAURUS}/stories"), &[]).ok("ig_stories").clone();
    assert_eq!(stories["data"][0]["id"], mid.as_str());
    assert_eq!(media_count(&c, METRICSAURUS), before, "stories are not in /media");

    let vid = create(&c, METRICSAURUS, &[("media_type", "STORIES"), ("video_url", VIDEO)]);
    sb.advance(30);
    let vm = published(&c, METRICSAURUS, &vid);
    assert_eq!(media(&c, &vm, "media_type")["media_type"], "VIDEO");

    sb.advance(86_400);
    let stories = c.get(&format!("{METRICSAURUS}/stories"), &[]).ok("ig_stories").clone();
    assert!(!stories["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["id"] == mid.as_str()));

    // juniper.makes is a creator account.
    let r = c.post(
        &format!("{JUNIPER}/media"),
        &[("media_type", "STORIES"), ("image_url", IMAGE)],
    );
    r.graph_error(100, None);
    let r = c.post(
        &format!("{METRICSAURUS}/media"),
        &[
            ("media_type", "STORIES"),
            ("image_url", IMAGE),
            ("collaborators", "['kevinhart4real']"),
        ],
    );
    assert!(r.graph_error(100, None)["message"].as_str().unwrap().contains("Story"));
    let r = c.post(
        &format!("{METRICSAURUS}/media"),
        &[
            ("media_type", "STORIES"),
            ("image_url", IMAGE),
            ("product_tags", "[{product_id:'3231775643511089'}]"),
        ],
    );
    assert!(r.graph_error(100, None)["message"]
        .as_str()
        .unwrap()
        .contains("Stories"));
}

#[test]
fn collaborators_are_invited_and_their_invite_status_is_readable() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let cid = create(
        &c,
        METRICSAURUS,
        &[
            ("image_url", "https://www.example.com/images/bronzed-fonzes.jpg"),
            ("caption", "#BronzedFonzes!"),
            ("collaborators", "['kevinhart4real','ana.lopez']"),
        ],
    );
    let mid = published(&c, METRICSAURUS, &cid);
    let list = c.get(&format!("{mid}/collaborators"), &[]).ok("collaborators").clone();
    let got: Vec<(String, String)> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["username"].as_str().unwrap().into(),
                x["invite_status"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("kevinhart4real".into(), "Pending".into()),
            ("ana.lopez".into(), "Pending".into())
        ]
    );
    sb.control_post(
        &format!("publishing/media/{mid}/collaborators"),
        &json!({"username": "ana.lopez", "invite_status": "Accepted"}),
    )
    .ok("success_response");
    let m = media(&c, &mid, "collaborators");
    assert_eq!(m["collaborators"]["data"][1]["invite_status"], "Accepted");

    let four = "['kevinhart4real','ana.lopez','ben_k','felix_m']";
    let r = c.post(
        &format!("{METRICSAURUS}/media"),
        &[("image_url", IMAGE), ("collaborators", four)],
    );
    assert!(r.graph_error(100, None)["message"]
        .as_str()
        .unwrap()
        .contains("No more than 3"));
    let r = c.post(
        &format!("{METRICSAURUS}/media"),
        &[("image_url", IMAGE), ("collaborators", "kevinhart4real")],
    );
    r.graph_error(100, None);
}

#[test]
fn user_tags_follow_the_documented_shape_and_limits() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let tags = "[{username:'kevinhart4real',x:0.5,y:0.8},{username:'ana.lopez',x:0.3,y:0.2}]";
    let cid = create(
        &c,
        METRICSAURUS,
        &[
            ("image_url", "https://www.example.com/images/bronzed-fonzes.jpg"),
            ("caption", "#BronzedFonzes!"),
            ("user_tags", tags),
        ],
    );
    published(&c, METRICSAURUS, &cid);

    for (bad, why) in [
        ("[{username:'kevinhart4real',x:1.5,y:0.8}]", "between 0.0 and 1.0"),
        ("[{username:'kevinhart4real',x:0.5}]", "[y] is required"),
        ("[{x:0.5,y:0.5}]", "[username] is required"),
        ("{username:'kevinhart4real'}", "array"),
        ("not json", "array"),
    ] {
        let r = c.post(
            &format!("{METRICSAURUS}/media"),
            &[("image_url", IMAGE), ("user_tags", bad)],
        );
        let msg = r.graph_error(100, None)["message"].as_str().unwrap().to_string();
        assert!(msg.contains(why), "{bad}: {msg}");
    }
    let many: Vec<String> = (0..21)
        .map(|_| "{username:'ana.lopez',x:0.1,y:0.1}".to_string())
        .collect();
    let r = c.post(
        &format!("{METRICSAURUS}/media"),
        &[("image_url", IMAGE), ("user_tags", &format!("[{}]", many.join(",")))],
    );
    assert_eq!(
        user_msg(r.graph_error(100, Some(2207040))),
        "Cannot use more than 20 tags per created media."
    );
}

/// Every username the client gives (collaborators, user tags) that production cannot use, a
/// private account, an unknown one or one written `@handle`, gets production's 110/2207018
/// naming all of them, and nothing is created (GH:gitroomhq/postiz-app#1876, 2026; facts §9).
#[test]
fn usernames_production_cannot_access_get_110_2207018() {
    let sb = sim::fresh();
    with_publishing(&sb, json!({"container_cap": 1}));
    let c = sb.client_as("Dana Admin");
    let refused = |param: &str, value: &str, names: &str| {
        let r = c.post(
            &format!("{METRICSAURUS}/media"),
            &[("image_url", IMAGE), (param, value)],
        );
        assert_eq!(r.status, 400);
        let mut e = r.graph_error(110, Some(2207018)).clone();
        e.as_object_mut().unwrap().remove("fbtrace_id");
        assert_eq!(
            e,
            json!({
                "message": "Invalid user id",
                "type": "OAuthException",
                "code": 110,
                "error_subcode": 2207018,
                "is_transient": false,
                "error_user_title": "Cannot load user with a private profile or invalid username",
                "error_user_msg": format!("The following user(s) cannot be accessed: {names}"),
            }),
            "{param}={value}"
        );
    };
    refused("collaborators", "['quiet.fern']", "quiet.fern");
    refused("collaborators", "['@kevinhart4real']", "@kevinhart4real");
    refused("collaborators", "['nobody.here.at.all']", "nobody.here.at.all");
    refused(
        "collaborators",
        "['kevinhart4real','quiet.fern','@ana.lopez']",
        "quiet.fern, @ana.lopez",
    );
    refused("user_tags", "[{username:'quiet.fern',x:0.5,y:0.5}]", "quiet.fern");
    refused("user_tags", "[{username:'@ana.lopez',x:0.5,y:0.5}]", "@ana.lopez");
    refused(
        "user_tags",
        "[{username:'ana.lopez',x:0.1,y:0.1},{username:'nobody.here.at.all',x:0.5,y:0.5}]",
        "nobody.here.at.all",
    );
    // Nothing was created: with room for one container, the refusals left it free for the
    // same names without the `@`, public and known, and the cap is reached only then.
    let ok = [
        ("image_url", IMAGE),
        ("collaborators", "['kevinhart4real','ana.lopez']"),
        ("user_tags", "[{username:'ana.lopez',x:0.5,y:0.5}]"),
    ];
    create(&c, METRICSAURUS, &ok);
    c.post(&format!("{METRICSAURUS}/media"), &ok).graph_error(9, None);
}

/// User tags on stories take optional positions (IG User Media reference: user_tags on
/// image and video stories since 2025-07-09, "optionally specify x, y coordinates").
#[test]
fn story_user_tags_take_optional_positions() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    create(
        &c,
        METRICSAURUS,
        &[
            ("media_type", "STORIES"),
            ("image_url", IMAGE),
            (
                "user_tags",
                "[{username:'ana.lopez'},{username:'kevinhart4real',x:0.2,y:0.8}]",
            ),
        ],
    );
    let r = c.post(
        &format!("{METRICSAURUS}/media"),
        &[("image_url", IMAGE), ("user_tags", "[{username:'ana.lopez'}]")],
    );
    assert!(r.graph_error(100, None)["message"]
        .as_str()
        .unwrap()
        .contains("[x] is required"));
}

#[test]
fn a_location_tag_needs_a_page_with_coordinates() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    create(
        &c,
        METRICSAURUS,
        &[("image_url", IMAGE), ("location_id", METRICSAURUS_PAGE)],
    );
    for loc in [JUNIPER_PAGE, "7640348500", "abc"] {
        let r = c.post(
            &format!("{METRICSAURUS}/media"),
            &[("image_url", IMAGE), ("location_id", loc)],
        );
        let e = r.graph_error(100, None);
        assert_eq!(e["message"], "INSTAGRAM_PLATFORM_API__INVALID_LOCATION_ID");
        assert!(user_msg(e).contains(loc));
    }
}

#[test]
fn product_tags_are_validated_when_the_container_is_made() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    // The guide's product id is not in the demo catalog: 2207037 (facts §1.5).
    let r = c.post(
        &format!("{METRICSAURUS}/media"),
        &[
            ("image_url", IMAGE),
            ("product_tags", "[{product_id:'3231775643511089',x:0.5,y:0.8}]"),
        ],
    );
    r.graph_error(100, Some(2207037));
    let r = c.post(
        &format!("{METRICSAURUS}/media"),
        &[("image_url", IMAGE), ("product_tags", "[{oops")],
    );
    r.graph_error(100, None);
}

// ---- caption, media_type and parameter failures ------------------------------------------------

#[test]
fn caption_limits_are_2200_chars_30_hashtags_and_20_mentions() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let ok = "a".repeat(2200);
    create(&c, METRICSAURUS, &[("image_url", IMAGE), ("caption", &ok)]);
    let long = "é".repeat(2201);
    let r = c.post(
        &format!("{METRICSAURUS}/media"),
        &[("image_url", IMAGE), ("caption", &long)],
    );
    let e = r.graph_error(36004, Some(2207010));
    assert!(user_msg(e).contains("2201 characters long"), "{}", user_msg(e));
    assert!(user_msg(e).contains("2200"));
    let tags: String = (0..31).map(|i| format!("#t{i} ")).collect();
    let r = c.post(
        &format!("{METRICSAURUS}/media"),
        &[("image_url", IMAGE), ("caption", &tags)],
    );
    assert!(user_msg(r.graph_error(36004, Some(2207010))).contains("31 hashtags"));
    let thirty: String = (0..30).map(|i| format!("#t{i} ")).collect();
    create(&c, METRICSAURUS, &[("image_url", IMAGE), ("caption", &thirty)]);
    let mentions: String = (0..21).map(|i| format!("@user.{i} ")).collect();
    let r = c.post(
        &format!("{METRICSAURUS}/media"),
        &[("image_url", IMAGE), ("caption", &mentions)],
    );
    assert!(user_msg(r.graph_error(36004, Some(2207010))).contains("21 @mentions"));
}

#[test]
fn media_type_video_outside_a_carousel_is_deprecated_and_unknown_types_fail() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let r = c.post(
        &format!("{METRICSAURUS}/media"),
        &[("media_type", "VIDEO"), ("video_url", VIDEO)],
    );
    let e = r.graph_error(100, None);
    assert_eq!(
        user_msg(e),
        "The VIDEO value for media_type is deprecated. Use the REELS media type to publish a video to your Instagram feed."
    );
    let r = c.post(
        &format!("{METRICSAURUS}/media"),
        &[("media_type", "BOOMERANG"), ("image_url", IMAGE)],
    );
    assert_eq!(
        user_msg(r.graph_error(100, Some(2207023))),
        "The media type BOOMERANG is unknown."
    );
    let r = c.post(
        &format!("{METRICSAURUS}/media"),
        &[
            ("media_type", "REELS"),
            ("video_url", VIDEO),
            ("is_carousel_item", "true"),
        ],
    );
    r.graph_error(100, None);
    let r = c.post(&format!("{METRICSAURUS}/media"), &[("caption", "no image")]);
    assert_eq!(
        r.graph_error(100, None)["message"],
        "(#100) The parameter image_url is required"
    );
    let r = c.post(&format!("{METRICSAURUS}/media"), &[("media_type", "REELS")]);
    assert_eq!(
        r.graph_error(100, None)["message"],
        "(#100) The parameter video_url is required"
    );
    let r = c.post(&format!("{METRICSAURUS}/media"), &[("media_type", "CAROUSEL")]);
    assert_eq!(
        r.graph_error(100, None)["message"],
        "(#100) The parameter children is required"
    );
    let r = c.post(
        &format!("{METRICSAURUS}/media"),
        &[("media_type", "REELS"), ("video_url", VIDEO), ("thumb_offset", "-1")],
    );
    r.graph_error(1, Some(2207057));
    let r = c.post(
        &format!("{METRICSAURUS}/media"),
        &[("image_url", IMAGE), ("upload_type", "chunked")],
    );
    r.graph_error(100, None);
}

// ---- media checks ------------------------------------------------------------------------------

#[test]
fn media_urls_are_judged_offline_like_production_judges_the_file() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let e = c
        .post(
            &format!("{METRICSAURUS}/media"),
            &[("image_url", "ftp://example.com/a.jpg")],
        )
        .graph_error(9004, Some(2207052))
        .clone();
    assert_eq!(
        e["error_user_title"],
        "Media download has failed. The media URI doesn't meet our requirements."
    );
    assert!(user_msg(&e).contains("ftp://example.com/a.jpg"));
    for (url, fmt) in [
        ("https://example.com/a.gif", "GIF"),
        ("https://example.com/a.mpo", "MPO"),
        ("https://example.com/a.JPS?x=1", "JPS"),
        ("https://example.com/img?fm=webp", "WEBP"),
    ] {
        let r = c.post(&format!("{METRICSAURUS}/media"), &[("image_url", url)]);
        let msg = user_msg(r.graph_error(36001, Some(2207005)));
        assert_eq!(
            msg,
            format!("The image format {fmt} is not supported. Supported formats are: JPEG, PNG.")
        );
    }
    // A video the URL says is not MP4/MOV fails in processing, as production does.
    let cid = create(
        &c,
        METRICSAURUS,
        &[("media_type", "REELS"), ("video_url", "https://example.com/v.avi")],
    );
    sb.advance(30);
    let s = container(&c, &cid, "status_code,status,copyright_check_status");
    assert_eq!(s["status_code"], "ERROR");
    assert_eq!(s["status"], "Error: Media upload has failed with error code 2207026");
    assert_eq!(s["copyright_check_status"]["status"], "error");
    publish(&c, METRICSAURUS, &cid).graph_error(352, Some(2207026));
}

#[test]
fn every_documented_container_failure_can_be_forced_from_the_media_url() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let image_errors: [(i64, i64); 12] = [
        (2207001, -1),
        (2207003, -2),
        (2207004, 36000),
        (2207005, 36001),
        (2207009, 36003),
        (2207020, -2),
        (2207026, 352),
        (2207032, -1),
        (2207051, 4),
        (2207052, 9004),
        (2207053, -1),
        (2207057, 1),
    ];
    for (sub, code) in image_errors {
        let url = format!("{IMAGE}?igsim_error={sub}");
        let r = c.post(&format!("{METRICSAURUS}/media"), &[("image_url", &url)]);
        let e = r.graph_error(code, Some(sub));
        assert!(e["error_user_msg"].is_string(), "{sub} has a user message");
    }
    assert_eq!(
        user_msg(
            c.post(
                &format!("{METRICSAURUS}/media"),
                &[("image_url", &format!("{IMAGE}?igsim_error=2207004"))]
            )
            .graph_error(36000, Some(2207004))
        ),
        "The image is too large to download. It should be less than 8 MiB."
    );
    // Videos fail later: the container goes to ERROR and publishing reports the cause.
    for sub in [2207026, 2207053, 2207076, 2207082] {
        let url = format!("{VIDEO}?igsim_error={sub}");
        let cid = create(&c, METRICSAURUS, &[("media_type", "REELS"), ("video_url", &url)]);
        assert_eq!(status_code(&c, &cid), "IN_PROGRESS");
        sb.advance(30);
        let s = container(&c, &cid, "status_code,status");
        assert_eq!(s["status_code"], "ERROR");
        assert_eq!(
            s["status"],
            format!("Error: Media upload has failed with error code {sub}")
        );
        let e = publish(&c, METRICSAURUS, &cid);
        assert_eq!(
            e.graph_error(e.body["error"]["code"].as_i64().unwrap(), Some(sub))["error_subcode"],
            sub
        );
    }
    let r = c.post(
        &format!("{METRICSAURUS}/media"),
        &[("image_url", &format!("{IMAGE}?igsim_error=42"))],
    );
    assert!(r.graph_error(100, None)["message"]
        .as_str()
        .unwrap()
        .contains("igsim_error=42"));
}

#[test]
fn the_control_plane_drives_containers_forward_only() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let cid = create(&c, METRICSAURUS, &[("media_type", "REELS"), ("video_url", VIDEO)]);
    let r = transition(&sb, &cid, json!({"to": "IN_PROGRESS"}));
    r.ok("sim_container");
    sb.advance(3600);
    assert_eq!(status_code(&c, &cid), "IN_PROGRESS", "held in progress");
    let r = transition(&sb, &cid, json!({"to": "FINISHED"}));
    assert_eq!(r.ok("sim_container")["status_code"], "FINISHED");
    let r = transition(&sb, &cid, json!({"to": "IN_PROGRESS"}));
    assert_eq!(r.status, 409);
    let r = transition(&sb, &cid, json!({"to": "ERROR", "error_subcode": 2207053}));
    assert_eq!(r.ok("sim_container")["status_code"], "ERROR");
    publish(&c, METRICSAURUS, &cid).graph_error(-1, Some(2207053));
    let r = transition(&sb, &cid, json!({"to": "FINISHED"}));
    assert_eq!(r.status, 409, "terminal states never change");

    let img = create(&c, METRICSAURUS, &[("image_url", IMAGE)]);
    transition(&sb, &img, json!({"to": "EXPIRED"})).ok("sim_container");
    assert_eq!(status_code(&c, &img), "EXPIRED");
    publish(&c, METRICSAURUS, &img).graph_error(-2, Some(2207020));
    let r = transition(&sb, &img, json!({"to": "PUBLISHED"}));
    assert_eq!(r.status, 409);
    let r = transition(&sb, "12345", json!({"to": "FINISHED"}));
    assert_eq!(r.status, 404);
    let r = sb.control_get(&format!("containers/{img}"));
    assert_eq!(r.ok("sim_container")["owner"], METRICSAURUS);
}

// ---- media_publish failures -----------------------------------------------------------------------

#[test]
fn containers_expire_after_24_hours_of_sandbox_time() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let cid = create(&c, METRICSAURUS, &[("image_url", IMAGE)]);
    sb.advance(86_399);
    assert_eq!(status_code(&c, &cid), "FINISHED");
    sb.advance(1);
    let s = container(&c, &cid, "status_code,status");
    assert_eq!(s["status_code"], "EXPIRED");
    let e = publish(&c, METRICSAURUS, &cid).graph_error(-2, Some(2207020)).clone();
    assert_eq!(
        user_msg(&e),
        "The media you are trying to access has expired. Please try to upload again."
    );
}

#[test]
fn unknown_foreign_and_republished_containers_are_not_found() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let cid = create(&c, METRICSAURUS, &[("image_url", IMAGE)]);
    let e = publish(&c, JUNIPER, &cid).graph_error(24, Some(2207008)).clone();
    assert_eq!(
        user_msg(&e),
        format!("The media builder with creation id = {cid} does not exist or has been expired.")
    );
    publish(&c, METRICSAURUS, "17800000000000001").graph_error(24, Some(2207008));
    publish(&c, METRICSAURUS, METRICSAURUS).graph_error(24, Some(2207008));
    let r = c.post(&format!("{METRICSAURUS}/media_publish"), &[]);
    assert_eq!(
        r.graph_error(100, None)["message"],
        "(#100) The parameter creation_id is required"
    );
    published(&c, METRICSAURUS, &cid);
    publish(&c, METRICSAURUS, &cid).graph_error(24, Some(2207008));
    assert_eq!(usage(&c, METRICSAURUS), 1);
}

#[test]
fn publishing_needs_the_permission_the_tasks_and_a_publishable_account() {
    let sb = sim::fresh();
    // Riley reads metricsaurus but may not publish.
    let riley = sb.client_as("Riley Reader");
    let r = riley.post(&format!("{METRICSAURUS}/media"), &[("image_url", IMAGE)]);
    let e = r.graph_error(10, None);
    assert_eq!(r.status, 400, "(#10) is HTTP 400 in production (issue 10)");
    // Production's 2026 text (GH:gitroomhq/postiz-app#1914).
    assert_eq!(
        e["message"],
        "(#10) Requires instagram_content_publish permission to manage the object"
    );
    riley
        .get(&format!("{METRICSAURUS}/content_publishing_limit"), &[])
        .graph_error(10, None);
    // Morgan has CREATE_CONTENT: enough.
    let morgan = sb.client_as("Morgan Publisher");
    let cid = create(&morgan, METRICSAURUS, &[("image_url", IMAGE)]);
    published(&morgan, METRICSAURUS, &cid);
    // Not one of the viewer's accounts at all.
    let r = morgan.post(&format!("{TINYLOAF}/media"), &[("image_url", IMAGE)]);
    r.graph_error(100, Some(33));
    let r = morgan.get(&cid, &[]);
    r.ok("ig_container");
    sb.client_as("Sam Expired")
        .post(&format!("{METRICSAURUS}/media"), &[("image_url", IMAGE)])
        .graph_error(190, Some(463));

    // tinyloaf.bakery's Page still needs Page Publishing Authorization.
    let dana = sb.client_as("Dana Admin");
    let r = dana.post(&format!("{TINYLOAF}/media"), &[("image_url", IMAGE)]);
    let e = r.graph_error(200, None);
    assert_eq!(r.status, 403);
    assert_eq!(e["error_user_title"], "Page Publishing Authorization required");

    // Tasks are checked even when the token carries the permission.
    let sb2 = custom_world(|w| {
        let riley = w["users"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|u| u["name"] == "Riley Reader")
            .unwrap();
        riley["permissions"]
            .as_array_mut()
            .unwrap()
            .push(json!("instagram_content_publish"));
    });
    sb2.client_as("Riley Reader")
        .post(&format!("{METRICSAURUS}/media"), &[("image_url", IMAGE)])
        .graph_error(10, None);
}

#[test]
fn a_restricted_account_cannot_create_or_publish() {
    let sb = custom_world(|w| {
        let acct = w["instagram_accounts"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|a| a["username"] == "metricsaurus")
            .unwrap();
        acct["restricted"] = json!(true);
    });
    let c = sb.client_as("Dana Admin");
    let r = c.post(&format!("{METRICSAURUS}/media"), &[("image_url", IMAGE)]);
    assert_eq!(
        user_msg(r.graph_error(25, Some(2207050))),
        "The Instagram account is restricted."
    );
    publish(&c, METRICSAURUS, "17800000000000001").graph_error(25, Some(2207050));
}

// ---- quotas ------------------------------------------------------------------------------------

/// Production's quota: 100 API-published posts per moving 24 hours (measured live 2026-09,
/// facts §9 "Publishing quota"; the guides' 50 is a knob, see below).
#[test]
fn the_hundred_and_first_publish_in_24_hours_fails_until_the_oldest_leaves_the_window() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let t0 = sb.now();
    for i in 0..100 {
        let cid = create(&c, METRICSAURUS, &[("image_url", IMAGE)]);
        published(&c, METRICSAURUS, &cid);
        if i < 99 {
            sb.advance(60);
        }
    }
    assert_eq!(usage(&c, METRICSAURUS), 100);
    let limit = c
        .get(
            &format!("{METRICSAURUS}/content_publishing_limit"),
            &[("fields", "config,quota_usage")],
        )
        .ok("content_publishing_limit")
        .clone();
    assert_eq!(
        limit,
        json!({"data": [{"config": {"quota_total": 100, "quota_duration": 86400}, "quota_usage": 100}]})
    );
    let next = create(&c, METRICSAURUS, &[("image_url", IMAGE)]);
    let e = publish(&c, METRICSAURUS, &next).graph_error(9, Some(2207042)).clone();
    assert_eq!(
        user_msg(&e),
        "You reached maximum number of posts that is allowed to be published by Content Publishing API."
    );
    // The oldest publish (t0) leaves the window at exactly t0 + 86400.
    let now = sb.now();
    sb.advance(t0 + 86_399 - now);
    publish(&c, METRICSAURUS, &next).graph_error(9, Some(2207042));
    sb.advance(1);
    assert_eq!(usage(&c, METRICSAURUS), 99);
    published(&c, METRICSAURUS, &next);
    assert_eq!(usage(&c, METRICSAURUS), 100);
    // Another account has its own quota.
    let j = create(&c, JUNIPER, &[("image_url", IMAGE)]);
    published(&c, JUNIPER, &j);
}

/// The guides' (and v18 reference's) quota of 50 stays available as the `quota_total` knob.
#[test]
fn the_guides_quota_of_fifty_is_a_knob() {
    let sb = sim::fresh();
    with_publishing(&sb, json!({"quota_total": 50}));
    let c = sb.client_as("Dana Admin");
    for _ in 0..50 {
        let cid = create(&c, METRICSAURUS, &[("image_url", IMAGE)]);
        published(&c, METRICSAURUS, &cid);
    }
    assert_eq!(usage(&c, METRICSAURUS), 50);
    let next = create(&c, METRICSAURUS, &[("image_url", IMAGE)]);
    publish(&c, METRICSAURUS, &next).graph_error(9, Some(2207042));
}

#[test]
fn content_publishing_limit_answers_as_documented() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let path = format!("{METRICSAURUS}/content_publishing_limit");
    assert_eq!(
        c.get(&path, &[]).ok("content_publishing_limit").clone(),
        json!({"data": [{"quota_usage": 0}]})
    );
    let cid = create(&c, METRICSAURUS, &[("image_url", IMAGE)]);
    published(&c, METRICSAURUS, &cid);
    sb.advance(3600);
    let legacy = c
        .get(&path, &[("fields", "quota_usage,rate_limit_settings")])
        .ok("content_publishing_limit")
        .clone();
    assert_eq!(legacy["data"][0]["config"]["quota_total"], 100);
    let since = (sb.now() - 60).to_string();
    let r = c.get(&path, &[("since", &since)]);
    assert_eq!(r.ok("content_publishing_limit")["data"][0]["quota_usage"], 0);
    let since = (sb.now() - 7200).to_string();
    assert_eq!(
        c.get(&path, &[("since", &since)]).ok("content_publishing_limit")["data"][0]["quota_usage"],
        1
    );
    let old = (sb.now() - 90_000).to_string();
    c.get(&path, &[("since", &old)]).graph_error(100, None);
    let e = c
        .get(&path, &[("fields", "quota_total")])
        .graph_error(100, None)
        .clone();
    assert_eq!(
        e["message"],
        "(#100) Tried accessing nonexisting field (quota_total) on node type (ContentPublishingLimitResponse)"
    );
}

#[test]
fn containers_are_shadow_ig_media_builders_with_no_edges() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let cid = create(&c, METRICSAURUS, &[("image_url", IMAGE)]);
    assert_eq!(c.get(&cid, &[]).ok("ig_container").clone(), json!({"id": cid}));
    let e = c.get(&cid, &[("fields", "media_type")]).graph_error(100, None).clone();
    assert_eq!(
        e["message"],
        "(#100) Tried accessing nonexisting field (media_type) on node type (ShadowIGMediaBuilder)"
    );
    c.get(&format!("{cid}/children"), &[]).graph_error(100, None);
    let many = c.get("", &[("ids", &format!("{cid},{METRICSAURUS}"))]);
    assert_eq!(many.status, 200);
    sb.client_as("Riley Reader").get(&cid, &[]).ok("ig_container");
    // An image container has no video fields to show.
    assert_eq!(
        container(&c, &cid, "video_status,copyright_check_status"),
        json!({"id": cid})
    );
}

#[test]
fn the_400_container_cap_applies_per_moving_24_hours() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    for _ in 0..400 {
        create(&c, METRICSAURUS, &[("image_url", IMAGE)]);
    }
    let r = c.post(&format!("{METRICSAURUS}/media"), &[("image_url", IMAGE)]);
    let e = r.graph_error(9, None);
    assert!(user_msg(e).contains("400"));
    create(&c, JUNIPER, &[("image_url", IMAGE)]);
    sb.advance(86_400);
    create(&c, METRICSAURUS, &[("image_url", IMAGE)]);
}

// ---- copyright ---------------------------------------------------------------------------------

#[test]
fn a_video_marked_as_matching_reports_the_matches_before_and_after_publishing() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let cid = create(
        &c,
        METRICSAURUS,
        &[
            ("media_type", "REELS"),
            ("video_url", &format!("{VIDEO}?igsim_copyright=match")),
        ],
    );
    sb.advance(30);
    let s = container(&c, &cid, "copyright_check_status");
    assert_eq!(
        s["copyright_check_status"],
        json!({"status": "completed", "matches_found": true})
    );
    let mid = published(&c, METRICSAURUS, &cid);
    let info = media(&c, &mid, "copyright_check_information")["copyright_check_information"].clone();
    assert_eq!(info["status"], json!({"status": "completed", "matches_found": true}));
    assert_eq!(info["copyright_matches"][0]["author"], "Drake");
    assert_eq!(
        info["copyright_matches"][0]["matched_segments"][1]["segment_type"],
        "VIDEO"
    );

    // The control plane can mark a container, or clear a published video.
    let other = create(&c, METRICSAURUS, &[("media_type", "REELS"), ("video_url", VIDEO)]);
    let custom = json!({"copyright_matches": [{"author": "A", "content_title": "T", "matched_segments": [], "owner_copyright_policy": {"name": "N", "actions": [{"action": "MUTE", "geos": ["Canada"]}]}}]});
    sb.control_post(&format!("containers/{other}/copyright"), &custom)
        .ok("sim_container");
    sb.advance(30);
    assert_eq!(
        container(&c, &other, "copyright_check_status")["copyright_check_status"]["matches_found"],
        true
    );
    sb.control_post(
        &format!("publishing/media/{mid}/copyright"),
        &json!({"matches_found": false}),
    )
    .ok("success_response");
    let info = media(&c, &mid, "copyright_check_information")["copyright_check_information"].clone();
    assert_eq!(info, json!({"status": {"status": "completed", "matches_found": false}}));
    // Images have no copyright check.
    let img = create(&c, METRICSAURUS, &[("image_url", IMAGE)]);
    let im = published(&c, METRICSAURUS, &img);
    assert_eq!(media(&c, &im, "copyright_check_information"), json!({"id": im}));
}

// ---- resumable upload ----------------------------------------------------------------------------

fn mp4(len: usize) -> Vec<u8> {
    let mut v = vec![0, 0, 0, 0x18];
    v.extend_from_slice(b"ftypisom\0\0\x02\0isomiso2");
    v.resize(len, 0x42);
    v
}

pub(crate) fn upload(sb: &Sandbox, uri: &str, token: &str, offset: usize, size: usize, body: &[u8]) -> Resp {
    let auth = format!("OAuth {token}");
    let (o, s) = (offset.to_string(), size.to_string());
    Client::new(&sb.base_url).send_bytes(
        "POST",
        uri,
        &[
            ("Authorization", auth.as_str()),
            ("offset", o.as_str()),
            ("file_size", s.as_str()),
        ],
        body,
    )
}

#[test]
fn a_resumable_reel_uploads_in_chunks_to_the_simulators_own_upload_uri() {
    let sb = sim::fresh();
    let token = sb.user_token("Dana Admin");
    let c = sb.client_as("Dana Admin");
    let r = c.post(
        &format!("{METRICSAURUS}/media"),
        &[("media_type", "REELS"), ("upload_type", "resumable")],
    );
    let body = r.ok("resumable_upload_created").clone();
    let cid = body["id"].as_str().unwrap().to_string();
    let uri = body["uri"].as_str().unwrap().to_string();
    assert_eq!(uri, format!("{}/ig-api-upload/v21.0/{cid}", sb.base_url));
    let s = container(&c, &cid, "status_code,video_status,copyright_check_status");
    assert_eq!(s["status_code"], "IN_PROGRESS");
    assert_eq!(
        s["video_status"]["uploading_phase"],
        json!({"status": "not_started", "bytes_transferred": 0})
    );
    assert_eq!(s["copyright_check_status"]["status"], "not_started");

    let file = mp4(1000);
    let r = upload(&sb, &uri, &token, 0, 1000, &file[..600]);
    assert_eq!(r.ok("resumable_upload_success")["message"], "Upload successful.");
    let s = container(&c, &cid, "video_status");
    assert_eq!(
        s["video_status"]["uploading_phase"],
        json!({"status": "in_progress", "bytes_transferred": 600})
    );
    // A wrong offset is refused and changes nothing.
    let r = upload(&sb, &uri, &token, 100, 1000, &file[600..]);
    assert_eq!(r.status, 400);
    r.schema("resumable_upload_failure");
    upload(&sb, &uri, &token, 600, 1000, &file[600..]).ok("resumable_upload_success");
    let s = container(&c, &cid, "video_status");
    assert_eq!(
        s["video_status"]["uploading_phase"],
        json!({"status": "complete", "bytes_transferred": 1000})
    );
    assert_eq!(s["video_status"]["processing_phase"]["status"], "in_progress");
    upload(&sb, &uri, &token, 1000, 1000, b"x").schema("resumable_upload_failure");
    sb.advance(30);
    assert_eq!(status_code(&c, &cid), "FINISHED");
    let mid = published(&c, METRICSAURUS, &cid);
    assert_eq!(media(&c, &mid, "media_product_type")["media_product_type"], "REELS");
}

#[test]
fn resumable_uploads_fail_as_rupload_does() {
    let sb = sim::fresh();
    let token = sb.user_token("Dana Admin");
    let c = sb.client_as("Dana Admin");
    let make = || {
        let r = c.post(
            &format!("{METRICSAURUS}/media"),
            &[("media_type", "REELS"), ("upload_type", "resumable")],
        );
        let b = r.ok("resumable_upload_created").clone();
        (
            b["id"].as_str().unwrap().to_string(),
            b["uri"].as_str().unwrap().to_string(),
        )
    };
    // Bytes that are no MP4/MOV: the container ends in ERROR 2207026.
    let (cid, uri) = make();
    upload(&sb, &uri, &token, 0, 4, b"RIFF").ok("resumable_upload_success");
    sb.advance(30);
    assert_eq!(
        container(&c, &cid, "status")["status"],
        "Error: Media upload has failed with error code 2207026"
    );
    // Bad or missing tokens, a token that may not publish, and unknown containers.
    let (_, uri) = make();
    for t in ["EAAnotatokenatallreally", ""] {
        upload(&sb, &uri, t, 0, 10, &mp4(10)).schema("resumable_upload_failure");
    }
    let riley = sb.user_token("Riley Reader");
    let r = upload(&sb, &uri, &riley, 0, 10, &mp4(10));
    assert_eq!(
        r.schema("resumable_upload_failure").body["debug_info"]["type"],
        "OAuthException"
    );
    let bad = format!("{}/ig-api-upload/v21.0/17800000000000001", sb.base_url);
    upload(&sb, &bad, &token, 0, 10, &mp4(10)).schema("resumable_upload_failure");
    // A non-resumable container takes no bytes.
    let plain = create(&c, METRICSAURUS, &[("image_url", IMAGE)]);
    let uri = format!("{}/ig-api-upload/v21.0/{plain}", sb.base_url);
    upload(&sb, &uri, &token, 0, 10, &mp4(10)).schema("resumable_upload_failure");
    // file_url instead of a body.
    let (cid, uri) = make();
    let auth = format!("OAuth {token}");
    let r = Client::new(&sb.base_url).send_bytes(
        "POST",
        &uri,
        &[
            ("Authorization", auth.as_str()),
            ("file_url", "https://example.com/v.mov"),
        ],
        b"",
    );
    r.ok("resumable_upload_success");
    sb.advance(30);
    assert_eq!(status_code(&c, &cid), "FINISHED");
    // Images cannot be resumable.
    let r = c.post(
        &format!("{METRICSAURUS}/media"),
        &[("image_url", IMAGE), ("upload_type", "resumable")],
    );
    r.graph_error(100, None);
}

// ---- real media fetching from a loopback server ------------------------------------------------

fn jpeg(w: u16, h: u16, mpo: bool) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8];
    if mpo {
        v.extend_from_slice(&[0xFF, 0xE2, 0x00, 0x06, b'M', b'P', b'F', 0]);
    }
    v.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x0B, 8]);
    v.extend_from_slice(&h.to_be_bytes());
    v.extend_from_slice(&w.to_be_bytes());
    v.extend_from_slice(&[1, 1, 0x11, 0, 0xFF, 0xD9]);
    v
}

/// The start of a PNG: signature and IHDR chunk (enough for the size checks).
fn png(w: u32, h: u32) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    v.extend_from_slice(&w.to_be_bytes());
    v.extend_from_slice(&h.to_be_bytes());
    v.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    v
}

/// A loopback file server with the files of the media-fetching tests.
fn media_server() -> String {
    let mut big = jpeg(1080, 1080, false);
    big.resize(9 << 20, 0);
    crate::support::serve_files(vec![
        ("/square.jpg", jpeg(1080, 1080, false)),
        ("/tall.jpg", jpeg(1080, 1920, false)),
        ("/mpo.jpg", jpeg(1080, 1080, true)),
        ("/big.jpg", big),
        ("/fake.jpg", b"GIF89a\x01\x00\x01\x00".to_vec()),
        ("/square.png", png(1080, 1080)),
        ("/portrait.png", png(1080, 1350)),
        ("/tall.png", png(1080, 1920)),
        ("/clip.mp4", mp4(4096)),
        ("/clip.bin", b"not a video at all".to_vec()),
    ])
}

/// Production accepts PNG images, single and as carousel items (facts §9 "Image formats":
/// GH:gitroomhq/postiz-app#1547, PR #1900), although the reference says "JPEG only".
#[test]
fn png_images_are_accepted_single_and_as_carousel_items() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let single = create(&c, METRICSAURUS, &[("image_url", "https://example.com/photo.png")]);
    assert_eq!(status_code(&c, &single), "FINISHED");
    published(&c, METRICSAURUS, &single);
    let items: Vec<String> = ["https://example.com/one.PNG", "https://example.com/img?fm=png"]
        .iter()
        .map(|u| create(&c, METRICSAURUS, &[("image_url", u), ("is_carousel_item", "true")]))
        .collect();
    let album = create(
        &c,
        METRICSAURUS,
        &[("media_type", "CAROUSEL"), ("children", &items.join(","))],
    );
    let mid = published(&c, METRICSAURUS, &album);
    assert_eq!(media(&c, &mid, "media_type")["media_type"], "CAROUSEL_ALBUM");
    create(
        &c,
        METRICSAURUS,
        &[
            ("media_type", "STORIES"),
            ("image_url", "https://example.com/story.png"),
        ],
    );
}

#[test]
fn with_media_fetch_on_the_files_themselves_are_checked() {
    let sb = sim::fresh();
    with_publishing(&sb, json!({"media_fetch": true}));
    let base = media_server();
    let c = sb.client_as("Dana Admin");
    for ok in ["/square.jpg", "/square.png", "/portrait.png"] {
        let ok = create(&c, METRICSAURUS, &[("image_url", &format!("{base}{ok}"))]);
        assert_eq!(status_code(&c, &ok), "FINISHED");
    }
    // Story images are 9:16: the feed aspect range does not apply to them (facts §4.4).
    for tall in ["/tall.jpg", "/tall.png"] {
        create(
            &c,
            METRICSAURUS,
            &[("media_type", "STORIES"), ("image_url", &format!("{base}{tall}"))],
        );
    }
    let cases: [(&str, i64, i64); 6] = [
        ("/tall.jpg", 36003, 2207009),
        ("/tall.png", 36003, 2207009),
        ("/mpo.jpg", 36001, 2207005),
        ("/big.jpg", 36000, 2207004),
        ("/fake.jpg", 36001, 2207005),
        ("/missing.jpg", 9004, 2207052),
    ];
    for (path, code, sub) in cases {
        let r = c.post(
            &format!("{METRICSAURUS}/media"),
            &[("image_url", &format!("{base}{path}"))],
        );
        let e = r.graph_error(code, Some(sub));
        if path.starts_with("/tall") {
            // Production's texts (a 2022 recorded body in the crates.io `instagram-graph-api`
            // package: `('720/360',)` for a 720x360 image): the pixel sizes, unreduced.
            assert_eq!(e["error_user_title"], "Invalid Aspect Ratio");
            assert_eq!(
                user_msg(e),
                "The submitted image with aspect ratio ('1080/1920',) cannot be published. Please submit an image with a valid aspect ratio."
            );
        }
        if path == "/missing.jpg" {
            // Production's sentence ends with the URI (2026-08 production log).
            assert_eq!(
                user_msg(e),
                format!("The media could not be fetched from this URI: {base}{path}")
            );
        }
        if path == "/fake.jpg" {
            assert!(user_msg(e).contains("The image format GIF is not supported"));
        }
    }
    // igsim downloads plain http only: https cannot be fetched.
    c.post(&format!("{METRICSAURUS}/media"), &[("image_url", IMAGE)])
        .graph_error(9004, Some(2207052));
    let good = create(
        &c,
        METRICSAURUS,
        &[("media_type", "REELS"), ("video_url", &format!("{base}/clip.mp4"))],
    );
    let bad = create(
        &c,
        METRICSAURUS,
        &[("media_type", "REELS"), ("video_url", &format!("{base}/clip.bin"))],
    );
    sb.advance(30);
    assert_eq!(status_code(&c, &good), "FINISHED");
    assert_eq!(status_code(&c, &bad), "ERROR");
}

// ---- property: containers and quotas against a reference model ----------------------------------

#[derive(Debug, Clone)]
enum Op {
    CreateImage,
    CreateVideo { failing: bool },
    Poll(usize),
    Advance(i64),
    Publish(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::CreateImage),
        2 => any::<bool>().prop_map(|failing| Op::CreateVideo { failing }),
        3 => (0usize..64).prop_map(Op::Poll),
        3 => prop_oneof![Just(1i64), Just(29), Just(30), Just(3_600), Just(43_200), Just(86_399), Just(86_400)].prop_map(Op::Advance),
        4 => (0usize..64).prop_map(Op::Publish),
    ]
}

#[derive(Debug, Clone)]
struct RefContainer {
    id: String,
    created: i64,
    ready: i64,
    failing: bool,
    published: bool,
    last_rank: u8,
}

const PROCESSING: i64 = 30;
const QUOTA: usize = 3;
const CAP: usize = 8;

impl RefContainer {
    fn status(&self, now: i64) -> &'static str {
        if self.published {
            "PUBLISHED"
        } else if self.failing && now >= self.ready {
            "ERROR"
        } else if now >= self.created + 86_400 {
            "EXPIRED"
        } else if now >= self.ready {
            "FINISHED"
        } else {
            "IN_PROGRESS"
        }
    }
}

fn rank(status: &str) -> u8 {
    match status {
        "IN_PROGRESS" => 0,
        "FINISHED" => 1,
        _ => 2,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn random_create_poll_advance_publish_sequences_keep_every_rule(ops in proptest::collection::vec(op(), 1..45)) {
        let sb = sim::fresh();
        with_publishing(&sb, json!({"quota_total": QUOTA, "container_cap": CAP, "video_processing_seconds": PROCESSING}));
        let c = sb.client_as("Dana Admin");
        let mut now = sb.now();
        let mut containers: Vec<RefContainer> = Vec::new();
        let mut publishes: Vec<i64> = Vec::new();
        for op in ops {
            match op {
                Op::CreateImage | Op::CreateVideo { .. } => {
                    let failing = matches!(op, Op::CreateVideo { failing: true });
                    let params: Vec<(&str, String)> = match op {
                        Op::CreateImage => vec![("image_url", IMAGE.to_string())],
                        _ => vec![
                            ("media_type", "REELS".to_string()),
                            ("video_url", if failing { format!("{VIDEO}?igsim_error=2207026") } else { VIDEO.to_string() }),
                        ],
                    };
                    let p: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    let r = c.post(&format!("{METRICSAURUS}/media"), &p);
                    let recent = containers.iter().filter(|x| x.created > now - 86_400).count();
                    if recent >= CAP {
                        r.graph_error(9, None);
                    } else {
                        let id = r.ok("id_response")["id"].as_str().unwrap().to_string();
                        let ready = if matches!(op, Op::CreateImage) { now } else { now + PROCESSING };
                        containers.push(RefContainer { id, created: now, ready, failing, published: false, last_rank: 0 });
                    }
                }
                Op::Poll(i) if !containers.is_empty() => {
                    let k = i % containers.len();
                    let got = status_code(&c, &containers[k].id);
                    prop_assert_eq!(got.as_str(), containers[k].status(now));
                    prop_assert!(rank(&got) >= containers[k].last_rank, "status moved backwards");
                    containers[k].last_rank = rank(&got);
                }
                Op::Advance(s) => now = sb.advance(s),
                Op::Publish(i) if !containers.is_empty() => {
                    let k = i % containers.len();
                    let r = publish(&c, METRICSAURUS, &containers[k].id);
                    let in_window = publishes.iter().filter(|t| **t > now - 86_400).count();
                    match containers[k].status(now) {
                        "IN_PROGRESS" => { r.graph_error(9007, Some(2207027)); }
                        "EXPIRED" => { r.graph_error(-2, Some(2207020)); }
                        "ERROR" => { r.graph_error(352, Some(2207026)); }
                        "PUBLISHED" => { r.graph_error(24, Some(2207008)); }
                        _ if in_window >= QUOTA => { r.graph_error(9, Some(2207042)); }
                        _ => {
                            r.ok("id_response");
                            containers[k].published = true;
                            publishes.push(now);
                        }
                    }
                }
                _ => {}
            }
            let expected = publishes.iter().filter(|t| **t > now - 86_400).count() as u64;
            prop_assert_eq!(usage(&c, METRICSAURUS), expected);
            prop_assert!(expected <= QUOTA as u64);
        }
    }
}

/// Fields of the current IG Media and IG User that production answers and the 2024 guides do
/// not list: `alt_text` (images, given at creation), `is_ai_generated` (every version from
/// 2026-06-22, Instagram Platform changelog), `total_comments_count`/`total_like_count` (IG
/// Media reference, 2026), and the IG User's `legacy_instagram_user_id` (v22),
/// `has_profile_pic`, `is_published` (Python Business SDK 26.0's field lists).
#[test]
fn current_media_and_user_fields_answer_as_production() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let single = create(
        &c,
        METRICSAURUS,
        &[
            ("image_url", IMAGE),
            ("alt_text", "A green dinosaur reading a chart"),
            ("is_ai_generated", "true"),
        ],
    );
    let mid = published(&c, METRICSAURUS, &single);
    let m = media(
        &c,
        &mid,
        "alt_text,is_ai_generated,comments_count,total_comments_count,like_count,total_like_count",
    );
    assert_eq!(m["alt_text"], "A green dinosaur reading a chart");
    assert_eq!(m["is_ai_generated"], true);
    assert_eq!(m["total_comments_count"], m["comments_count"]);
    assert_eq!(m["total_like_count"], m["like_count"]);

    // Album items keep their own alt text; the label is the album's ("for carousels, set
    // is_ai_generated on the carousel container only").
    let item = create(
        &c,
        METRICSAURUS,
        &[
            ("image_url", IMAGE),
            ("is_carousel_item", "true"),
            ("alt_text", "first"),
        ],
    );
    let other = create(&c, METRICSAURUS, &[("image_url", IMAGE), ("is_carousel_item", "true")]);
    let album = create(
        &c,
        METRICSAURUS,
        &[("media_type", "CAROUSEL"), ("children", &format!("{item},{other}"))],
    );
    let album = published(&c, METRICSAURUS, &album);
    let a = media(
        &c,
        &album,
        "is_ai_generated,alt_text,children{alt_text,is_ai_generated}",
    );
    assert_eq!(a["is_ai_generated"], false);
    assert!(a.get("alt_text").is_none(), "{a}");
    let children = a["children"]["data"].as_array().unwrap();
    assert_eq!(children[0]["alt_text"], "first");
    assert!(children[1].get("alt_text").is_none());
    assert!(children[0].get("is_ai_generated").is_none());

    // Not read on videos: a reel keeps no alt text.
    let reel = create(
        &c,
        METRICSAURUS,
        &[("media_type", "REELS"), ("video_url", VIDEO), ("alt_text", "ignored")],
    );
    sb.advance(120);
    let reel = published(&c, METRICSAURUS, &reel);
    assert!(media(&c, &reel, "alt_text").get("alt_text").is_none());

    // The IG User's fields; its legacy id from v22, as IG Media's.
    let u = c
        .with_version("v22.0")
        .get(
            METRICSAURUS,
            &[("fields", "legacy_instagram_user_id,has_profile_pic,is_published")],
        )
        .ok("ig_user")
        .clone();
    assert_ne!(u["legacy_instagram_user_id"], METRICSAURUS);
    assert_eq!(
        (u["has_profile_pic"].clone(), u["is_published"].clone()),
        (json!(true), json!(true))
    );
    c.with_version("v21.0")
        .get(METRICSAURUS, &[("fields", "legacy_instagram_user_id")])
        .graph_error(100, None);

    // Before 2026-06-22 `is_ai_generated` exists in no version.
    let before = sim::fresh_at("2026-06-21");
    let b = before.client_as("Dana Admin").with_version("v25.0");
    let e = b
        .get(
            &crate::support::media_with(&b, |_| true),
            &[("fields", "is_ai_generated")],
        )
        .graph_error(100, None)
        .clone();
    assert_eq!(
        e["message"],
        "(#100) Tried accessing nonexisting field (is_ai_generated) on node type (IGMedia)"
    );
}
