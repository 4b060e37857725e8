//! Product tagging: the guide's flow (eligibility, catalogs, product search, tags on published
//! media, appeals) against the demo world's Metricsaurus shop, with every documented limit.

use crate::doc_samples::{fixture, missing_keys, replay, replay_as};
use crate::support::media_with;
use conformance::client::{Client, Resp};
use conformance::sim::{self, Sandbox};
use serde_json::{json, Value};

const METRICSAURUS: &str = "17841405822304914";
const CATALOG: &str = "960179311066902";

fn dana(sb: &Sandbox) -> Client {
    sb.client_as("Dana Admin").with_version("v18.0")
}

/// Product ids by SKU (and variants) from a search.
fn product(c: &Client, q: &str) -> Value {
    let r = c.get(
        &format!("{METRICSAURUS}/catalog_product_search"),
        &[("catalog_id", CATALOG), ("q", q)],
    );
    r.ok("catalog_product_search")["data"][0].clone()
}

fn product_id(c: &Client, q: &str) -> String {
    product(c, q)["product_id"].as_u64().unwrap().to_string()
}

/// The seed's tagged team photo (3 days old) and an untagged image.
fn tagged_photo(c: &Client) -> String {
    media_with(c, |m| m["caption"].as_str().unwrap_or("").starts_with("Team photo"))
}

fn untagged_images(c: &Client, n: usize) -> Vec<String> {
    let r = c.get(
        &format!("{METRICSAURUS}/media"),
        &[("fields", "caption,media_type,media_product_type"), ("limit", "100")],
    );
    r.ok("ig_media_list")["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["media_type"] == "IMAGE" && !m["caption"].as_str().unwrap_or("").starts_with("Team photo"))
        .take(n)
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect()
}

fn tags(c: &Client, media: &str) -> Vec<Value> {
    c.get(&format!("{media}/product_tags"), &[]).ok("product_tags")["data"]
        .as_array()
        .unwrap()
        .clone()
}

fn success(r: &Resp) {
    assert_eq!(r.ok("success_response"), &json!({ "success": true }));
}

#[test]
fn eligibility_is_true_only_for_business_accounts_with_an_approved_shop() {
    let sb = sim::fresh();
    let c = dana(&sb);
    replay(
        &sb,
        &c,
        "product-tagging--eligibility",
        METRICSAURUS,
        &[("fields", "shopping_product_tag_eligibility")],
    );
    let get = |u: &str| {
        c.get(&sb.ig_id(u), &[("fields", "shopping_product_tag_eligibility")])
            .ok("ig_user")["shopping_product_tag_eligibility"]
            .clone()
    };
    assert_eq!(get("metricsaurus"), json!(true));
    assert_eq!(get("juniper.makes"), json!(false), "creators cannot tag products");
    assert_eq!(get("tinyloaf.bakery"), json!(false), "no approved shop");
}

#[test]
fn the_catalog_is_listed_as_an_edge_and_as_a_field() {
    let sb = sim::fresh();
    let c = dana(&sb);
    replay(
        &sb,
        &c,
        "product-tagging--available-catalogs",
        METRICSAURUS,
        &[("fields", "available_catalogs")],
    );
    let r = c.get(&format!("{METRICSAURUS}/available_catalogs"), &[]);
    let body = r.ok("available_catalogs");
    assert_eq!(body["data"].as_array().unwrap().len(), 1);
    assert_eq!(body["data"][0]["catalog_id"], CATALOG);
    assert_eq!(body["data"][0]["shop_name"], "Metricsaurus Shop");
    assert_eq!(body["data"][0]["product_count"], 10, "7 products and 3 variants");
    let juniper = sb.ig_id("juniper.makes");
    let r = c.get(&format!("{juniper}/available_catalogs"), &[]);
    assert_eq!(r.ok("available_catalogs")["data"], json!([]));
}

#[test]
fn product_search_matches_names_and_skus_with_variants_and_statuses() {
    let sb = sim::fresh();
    let c = dana(&sb);
    let path = format!("{METRICSAURUS}/catalog_product_search");
    replay(
        &sb,
        &c,
        "product-tagging--catalog-product-search",
        &path,
        &[("catalog_id", CATALOG), ("q", "gummy")],
    );
    let gummy = product(&c, "gummy");
    assert_eq!(gummy["product_name"], "Gummy Wombats");
    assert_eq!(gummy["merchant_id"].as_u64().unwrap().to_string(), METRICSAURUS);
    let variants = gummy["product_variants"].as_array().unwrap();
    assert_eq!(variants.len(), 2);
    assert!(variants[0].get("variant_name").is_none());
    assert_eq!(variants[1]["variant_name"], "Green Gummy Wombats");
    // A variant's name or SKU finds its product.
    assert_eq!(product(&c, "green")["product_name"], "Gummy Wombats");
    assert_eq!(product(&c, "hoodie-chart")["product_name"], "Chart Hoodie");
    assert_eq!(product(&c, "HOODIE-CHART")["review_status"], "outdated");
    // No q: every product, every review status, walked with cursors.
    let mut seen = Vec::new();
    let mut r = c.get(&path, &[("catalog_id", CATALOG), ("limit", "3")]);
    loop {
        let body = r.ok("catalog_product_search").clone();
        seen.extend(
            body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["review_status"].clone()),
        );
        match body["paging"]["next"].as_str() {
            Some(next) => r = c.get_url(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7);
    for s in ["approved", "outdated", "pending", "rejected"] {
        assert!(seen.contains(&json!(s)), "{s}");
    }
    let r = c.get(&path, &[("catalog_id", CATALOG), ("review_status", "rejected")]);
    let rejected = r.ok("catalog_product_search")["data"].as_array().unwrap().clone();
    assert_eq!(rejected.len(), 2);
    c.get(&path, &[("catalog_id", CATALOG), ("review_status", "maybe")])
        .graph_error(100, None);
    c.get(&path, &[("q", "gummy")]).graph_error(100, None);
    c.get(&path, &[("catalog_id", "123456789")]).graph_error(100, None);
    let r = c.get(&path, &[("catalog_id", CATALOG), ("q", "no such thing")]);
    assert_eq!(r.ok("catalog_product_search")["data"], json!([]));
}

#[test]
fn tags_on_published_media_are_read_added_moved_and_deleted() {
    let sb = sim::fresh();
    let c = dana(&sb);
    let photo = tagged_photo(&c);
    replay(
        &sb,
        &c,
        "product-tagging--get-product-tags",
        &format!("{photo}/product_tags"),
        &[],
    );
    let before = tags(&c, &photo);
    assert_eq!(before.len(), 2);
    assert_eq!(before[0]["name"], "Dino Data Mug");
    assert_eq!(before[0]["price_string"], "$14.00");
    assert_eq!(before[0]["stripped_price_string"], "$14");
    // The guide's update example: one product with x/y.
    let gummy = product_id(&c, "gummy");
    let r = c.post(
        &format!("{photo}/product_tags"),
        &[("updated_tags", &format!("[{{product_id:'{gummy}',x:0.5,y:0.8}}]"))],
    );
    success(&r);
    let mut missing = Vec::new();
    missing_keys(
        &fixture("product-tagging--update-product-tags")["response"],
        &r.body,
        "$",
        &mut missing,
    );
    assert!(missing.is_empty());
    assert_eq!(tags(&c, &photo).len(), 3);
    // Tagging the same product again moves its tag.
    success(&c.post(
        &format!("{photo}/product_tags"),
        &[("updated_tags", &format!("[{{product_id:'{gummy}',x:0.1,y:0.2}}]"))],
    ));
    let now = tags(&c, &photo);
    assert_eq!(now.len(), 3);
    let g = now
        .iter()
        .find(|t| t["product_id"].as_u64().unwrap().to_string() == gummy)
        .unwrap();
    assert_eq!((g["x"].as_f64(), g["y"].as_f64()), (Some(0.1), Some(0.2)));
    // Additive up to 5.
    let a = product_id(&c, "hoodie-chart");
    let b = product_id(&c, "stickers-12");
    success(&c.post(
        &format!("{photo}/product_tags"),
        &[(
            "updated_tags",
            &format!("[{{product_id:'{a}',x:0.3,y:0.3}},{{product_id:'{b}',x:0.6,y:0.6}}]"),
        )],
    ));
    let sword = product_id(&c, "toy-sword");
    let r = c.post(
        &format!("{photo}/product_tags"),
        &[("updated_tags", &format!("[{{product_id:'{sword}',x:0.3,y:0.9}}]"))],
    );
    r.graph_error(100, Some(2207040));
    // The guide's delete example: by product and merchant.
    let r = c.delete(
        &format!("{photo}/product_tags"),
        &[(
            "deleted_tags",
            &format!("[{{product_id:'{gummy}',merchant_id:'{METRICSAURUS}'}}]"),
        )],
    );
    success(&r);
    assert_eq!(tags(&c, &photo).len(), 4);
    // Deleting a tag that is not there, or with the wrong merchant, fails.
    c.delete(
        &format!("{photo}/product_tags"),
        &[(
            "deleted_tags",
            &format!("[{{product_id:'{gummy}',merchant_id:'{METRICSAURUS}'}}]"),
        )],
    )
    .graph_error(100, Some(2207037));
    c.delete(
        &format!("{photo}/product_tags"),
        &[("deleted_tags", &format!("[{{product_id:'{a}',merchant_id:'1'}}]"))],
    )
    .graph_error(100, Some(2207037));
    c.delete(&format!("{photo}/product_tags"), &[]).graph_error(100, None);
}

#[test]
fn tag_rules_follow_the_media_type() {
    let sb = sim::fresh();
    let c = dana(&sb);
    let image = untagged_images(&c, 1).remove(0);
    let reel = media_with(&c, |m| m["media_product_type"] == "REELS");
    let mug = product_id(&c, "mug");
    let post = |media: &str, tags: &str| c.post(&format!("{media}/product_tags"), &[("updated_tags", tags)]);
    post(&image, &format!("[{{product_id:'{mug}'}}]")).graph_error(100, Some(2207036));
    post(&image, &format!("[{{product_id:'{mug}',x:1.5,y:0.2}}]")).graph_error(100, None);
    post(&reel, &format!("[{{product_id:'{mug}',x:0.5,y:0.5}}]")).graph_error(100, Some(2207035));
    success(&post(&reel, &format!("[{{product_id:'{mug}'}}]")));
    assert!(tags(&c, &reel).iter().all(|t| t.get("x").is_none()));
    post(&image, "[{product_id:'1234567890123456',x:0.5,y:0.5}]").graph_error(100, Some(2207037));
    post(
        &image,
        &format!("[{{product_id:'{mug}',x:0.5,y:0.5}},{{product_id:'{mug}',x:0.2,y:0.2}}]"),
    )
    .graph_error(100, None);
    post(&image, "not json").graph_error(100, None);
    let six: Vec<String> = (0..6)
        .map(|i| format!("{{product_id:'{}',x:0.5,y:0.5}}", 1000 + i))
        .collect();
    post(&image, &format!("[{}]", six.join(","))).graph_error(100, Some(2207040));
    // Unapproved products are accepted; their tags carry their review status.
    let pending = product_id(&c, "stickers-12");
    success(&post(&image, &format!("[{{product_id:'{pending}',x:0.4,y:0.4}}]")));
    assert_eq!(tags(&c, &image)[0]["review_status"], "pending");
    // Stories cannot be tagged; other accounts' media cannot be reached.
    let story = c.get(&format!("{METRICSAURUS}/stories"), &[]).ok("ig_stories")["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    c.get(&format!("{story}/product_tags"), &[]).graph_error(100, Some(33));
    post(&story, &format!("[{{product_id:'{mug}'}}]")).graph_error(100, Some(33));
    // Creators cannot tag (juniper has no shop either).
    let juniper = sb.ig_id("juniper.makes");
    let jm = c.get(&format!("{juniper}/media"), &[]).ok("ig_media_list")["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    post(&jm, &format!("[{{product_id:'{mug}',x:0.5,y:0.5}}]")).graph_error(100, Some(2207037));
}

#[test]
fn twenty_five_tagged_posts_per_day_then_the_window_moves() {
    let sb = sim::fresh();
    let c = dana(&sb);
    let mug = product_id(&c, "mug");
    let images = untagged_images(&c, 26);
    assert_eq!(images.len(), 26);
    let tag = |m: &str| {
        c.post(
            &format!("{m}/product_tags"),
            &[("updated_tags", &format!("[{{product_id:'{mug}',x:0.5,y:0.5}}]"))],
        )
    };
    for m in &images[..25] {
        success(&tag(m));
    }
    // Moving a tag on an already tagged post is not a new tagged post.
    success(&tag(&images[0]));
    let r = tag(&images[25]);
    r.graph_error(9, Some(2207042));
    sb.advance(24 * 3600);
    success(&tag(&images[25]));
}

#[test]
fn rejected_products_can_be_appealed_once() {
    let sb = sim::fresh();
    let c = dana(&sb);
    let path = format!("{METRICSAURUS}/product_appeal");
    let sword = product_id(&c, "toy-sword");
    let r = c.get(&path, &[("product_id", &sword)]);
    let body = r.ok("product_appeal");
    assert_eq!(body["data"][0]["review_status"], "rejected");
    assert_eq!(body["data"][0]["eligible_for_appeal"], true);
    // A reason is kept like a caption, up to 2,200 characters (undocumented in production).
    let long = "x".repeat(2_201);
    let e = c
        .post(&path, &[("appeal_reason", long.as_str()), ("product_id", &sword)])
        .graph_error(100, None)
        .clone();
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("appeal_reason must be at most 2200"),
        "{e}"
    );
    // The guide's appeal example.
    let r = c.post(
        &path,
        &[
            ("appeal_reason", "product is a toy and not a real weapon"),
            ("product_id", &sword),
        ],
    );
    success(&r);
    let mut missing = Vec::new();
    missing_keys(
        &fixture("product-tagging--appeal-product")["response"],
        &r.body,
        "$",
        &mut missing,
    );
    assert!(missing.is_empty());
    let body = c.get(&path, &[("product_id", &sword)]).ok("product_appeal").clone();
    assert_eq!(body["data"][0]["review_status"], "pending");
    assert_eq!(body["data"][0]["eligible_for_appeal"], false);
    c.post(&path, &[("appeal_reason", "again"), ("product_id", &sword)])
        .graph_error(100, None);
    // The guide's status example shape, on an approved product.
    let mug = product_id(&c, "mug");
    replay(
        &sb,
        &c,
        "product-tagging--appeal-status",
        &path,
        &[("product_id", &mug)],
    );
    let body = c.get(&path, &[("product_id", &mug)]).ok("product_appeal").clone();
    assert_eq!(body["data"][0]["eligible_for_appeal"], false);
    let poster = product_id(&c, "poster-ltd");
    c.post(&path, &[("appeal_reason", "please"), ("product_id", &poster)])
        .graph_error(100, None);
    c.post(&path, &[("product_id", &sword)]).graph_error(100, None);
    c.get(&path, &[]).graph_error(100, None);
    c.get(&path, &[("product_id", "1234567890123456")])
        .graph_error(100, None);
}

#[test]
fn tagging_needs_the_shopping_permissions() {
    let sb = sim::fresh();
    let riley = sb.client_as("Riley Reader");
    riley
        .get(&format!("{METRICSAURUS}/available_catalogs"), &[])
        .graph_error(10, None);
    riley
        .get(
            &format!("{METRICSAURUS}/catalog_product_search"),
            &[("catalog_id", CATALOG)],
        )
        .graph_error(10, None);
    let photo = tagged_photo(&riley);
    riley.get(&format!("{photo}/product_tags"), &[]).graph_error(10, None);
    let morgan = sb.client_as("Morgan Publisher");
    morgan
        .get(&format!("{METRICSAURUS}/product_appeal"), &[("product_id", "1")])
        .graph_error(10, None);
    let blue = sb.ig_id("bluebottle");
    dana(&sb)
        .get(&format!("{blue}/available_catalogs"), &[])
        .graph_error(100, Some(33));
}

/// A tagged container from the guide ("Create a Tagged Container"), published, shows its tags.
#[test]
fn tagged_containers_publish_with_their_tags() {
    let sb = sim::fresh();
    let c = dana(&sb);
    let mug = product_id(&c, "mug");
    let image_tags = format!("[{{product_id:'{mug}',x: 0.5,y: 0.8}}]");
    let container = replay_as(
        &sb,
        &c,
        "POST",
        "product-tagging--create-tagged-image-container",
        &format!("{METRICSAURUS}/media"),
        &[
            ("image_url", "https://www.example.com/images/dino-mug.jpg"),
            ("location_id", "134895793791914"),
            ("product_tags", &image_tags),
        ],
    );
    let id = container["id"].as_str().unwrap().to_string();
    let published = replay_as(
        &sb,
        &c,
        "POST",
        "product-tagging--publish-tagged-container",
        &format!("{METRICSAURUS}/media_publish"),
        &[("creation_id", &id)],
    );
    let media = published["id"].as_str().unwrap().to_string();
    let shown = tags(&c, &media);
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0]["product_id"].to_string(), mug);
    assert_eq!(shown[0]["x"], 0.5);
    // Reels take tags without positions.
    let reel_tags = format!("[{{product_id:'{mug}'}}]");
    replay_as(
        &sb,
        &c,
        "POST",
        "product-tagging--create-tagged-reels-container",
        &format!("{METRICSAURUS}/media"),
        &[
            ("media_type", "REELS"),
            ("video_url", "https://www.example.com/v/dino.mp4"),
            ("product_tags", &reel_tags),
        ],
    );
}

#[test]
fn product_tag_rules_fail_the_container_at_creation() {
    let sb = sim::fresh();
    let c = dana(&sb);
    let mug = product_id(&c, "mug");
    let create = |params: &[(&str, &str)]| c.post(&format!("{METRICSAURUS}/media"), params);
    let image = ("image_url", "https://www.example.com/images/a.jpg");
    let no_xy = format!("[{{product_id:'{mug}'}}]");
    create(&[image, ("product_tags", &no_xy)]).graph_error(100, Some(2207036));
    let with_xy = format!("[{{product_id:'{mug}',x:0.1,y:0.2}}]");
    create(&[
        ("media_type", "REELS"),
        ("video_url", "https://www.example.com/v.mp4"),
        ("product_tags", &with_xy),
    ])
    .graph_error(100, Some(2207035));
    create(&[image, ("product_tags", "[{product_id:'1',x:0.1,y:0.2}]")]).graph_error(100, Some(2207037));
    create(&[("media_type", "STORIES"), image, ("product_tags", &with_xy)]).graph_error(100, None);
    // A slide takes at most 5 tags (unapproved products count: they are accepted, not shown).
    let six: Vec<String> = [
        "gummy",
        "mug-dino-01",
        "notebook-a5",
        "hoodie-chart",
        "stickers-12",
        "toy-sword",
    ]
    .iter()
    .map(|q| format!("{{product_id:'{}',x:0.1,y:0.2}}", product_id(&c, q)))
    .collect();
    let six = format!("[{}]", six.join(","));
    create(&[image, ("is_carousel_item", "true"), ("product_tags", &six)]).graph_error(100, Some(2207040));
}

#[test]
fn tagged_publishes_feed_the_same_daily_quota_as_tagging_existing_posts() {
    let sb = sim::fresh();
    let c = dana(&sb);
    sb.advance(2 * 86_400); // let the seed's tagged posts leave the window
    let mug = product_id(&c, "mug");
    let images = untagged_images(&c, 24);
    for m in &images {
        success(&c.post(
            &format!("{m}/product_tags"),
            &[("updated_tags", &format!("[{{product_id:'{mug}',x:0.5,y:0.5}}]"))],
        ));
    }
    let tagged = format!("[{{product_id:'{mug}',x:0.5,y:0.5}}]");
    let publish = |n: usize| {
        let url = format!("https://www.example.com/images/t{n}.jpg");
        let container = c.post(
            &format!("{METRICSAURUS}/media"),
            &[("image_url", url.as_str()), ("product_tags", tagged.as_str())],
        );
        let id = container.ok("id_response")["id"].as_str().unwrap().to_string();
        c.post(&format!("{METRICSAURUS}/media_publish"), &[("creation_id", &id)])
    };
    publish(1).ok("id_response");
    publish(2).graph_error(9, Some(2207042));
}
