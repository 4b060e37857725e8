//! The media CDN: every media URL igsim hands out points at igsim itself, carries a signed
//! expiry like production's (`oh=`/`oe=`), and serves real bytes (JPEG of the media's shape,
//! MP4 for videos, the received file for fetched or uploaded media) with CDN cache headers;
//! after the expiry on the sandbox clock it answers 403 `URL signature expired`.

use crate::support::METRICSAURUS;
use conformance::client::{query_value, Client};
use conformance::sim::{self, Sandbox};
use serde_json::Value;
use std::io::Read;

/// What a CDN URL answered: status, headers (lower-case names) and the raw body.
pub(crate) struct Fetched {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Fetched {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Fetches a URL as a browser would, with extra request headers; any status is returned.
pub(crate) fn fetch(method: &str, url: &str, headers: &[(&str, &str)]) -> Fetched {
    let mut req = ureq::request(method, url);
    for (k, v) in headers {
        req = req.set(k, v);
    }
    let resp = match req.call() {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{url}: {e}"),
    };
    let status = resp.status();
    let headers = resp
        .headers_names()
        .into_iter()
        .filter_map(|n| resp.header(&n).map(|v| (n.to_ascii_lowercase(), v.to_string())))
        .collect();
    let mut body = Vec::new();
    resp.into_reader().read_to_end(&mut body).expect("read the body");
    Fetched { status, headers, body }
}

fn get(url: &str) -> Fetched {
    fetch("GET", url, &[])
}

/// Width and height from a JPEG's first SOF marker (parsed here, not with the simulator's code).
pub(crate) fn jpeg_size(b: &[u8]) -> (u32, u32) {
    assert!(b.starts_with(&[0xFF, 0xD8, 0xFF]), "not a JPEG");
    let mut i = 2;
    while i + 9 < b.len() {
        assert_eq!(b[i], 0xFF, "a marker at {i}");
        let marker = b[i + 1];
        let len = usize::from(u16::from_be_bytes([b[i + 2], b[i + 3]]));
        if matches!(marker, 0xC0..=0xC2) {
            let h = u32::from(u16::from_be_bytes([b[i + 5], b[i + 6]]));
            let w = u32::from(u16::from_be_bytes([b[i + 7], b[i + 8]]));
            return (w, h);
        }
        i += 2 + len;
    }
    panic!("no SOF marker")
}

/// The MP4 box types at the top level of a file.
fn mp4_boxes(b: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 8 <= b.len() {
        let size = u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]) as usize;
        out.push(String::from_utf8_lossy(&b[i + 4..i + 8]).to_string());
        if size < 8 {
            break;
        }
        i += size;
    }
    out
}

fn media_list(c: &Client, fields: &str) -> Vec<Value> {
    c.get(
        &format!("{METRICSAURUS}/media"),
        &[("fields", fields), ("limit", "100")],
    )
    .ok("ig_media_list")["data"]
        .as_array()
        .unwrap()
        .clone()
}

fn oe(url: &str) -> i64 {
    i64::from_str_radix(&query_value(url, "oe").expect("an oe= parameter"), 16).expect("hex")
}

fn first_url(sb: &Sandbox, media_type: &str) -> String {
    let c = sb.client_as("Dana Admin");
    media_list(&c, "media_url,media_type")
        .into_iter()
        .find(|m| m["media_type"] == media_type)
        .and_then(|m| m["media_url"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("no {media_type} media"))
}

#[test]
fn media_urls_point_at_the_host_the_client_called_with_a_signed_expiry() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let now = sb.now();
    for m in media_list(&c, "media_url,thumbnail_url,media_type") {
        for key in ["media_url", "thumbnail_url"] {
            let Some(url) = m[key].as_str() else { continue };
            assert!(url.starts_with(&format!("{}/v/t", sb.base_url)), "{url}");
            let oh = query_value(url, "oh").unwrap();
            assert!(oh.starts_with("00_") && oh.len() > 40, "{oh}");
            let expiry = oe(url);
            assert!(expiry > now && expiry <= now + 108 * 3600, "{url}");
            assert_eq!(query_value(url, "oe").unwrap().len(), 8, "8 hex digits");
        }
    }
    // Another host name for the same simulator: URLs follow it, as paging.next does.
    let other = sb.base_url.replace("127.0.0.1", "localhost");
    let c2 = Client::new(&other).with_token(&sb.user_token("Dana Admin"));
    let url = media_list(&c2, "media_url")[0]["media_url"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(url.starts_with(&format!("{other}/v/")), "{url}");
    assert_eq!(get(&url).status, 200);
}

#[test]
fn images_are_jpegs_with_the_media_shape_and_differ_between_media() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let mut seen = std::collections::BTreeSet::new();
    let media = media_list(
        &c,
        "media_url,media_type,media_product_type,children{media_url,media_type}",
    );
    for m in media.iter().filter(|m| m["media_type"] == "IMAGE").take(8) {
        let f = get(m["media_url"].as_str().unwrap());
        assert_eq!(f.status, 200);
        assert_eq!(f.header("content-type"), Some("image/jpeg"));
        let (w, h) = jpeg_size(&f.body);
        assert_eq!(w, 1080);
        assert!([1080, 1350, 566].contains(&h), "feed shapes: {w}x{h}");
        assert!(seen.insert(f.body), "each media gets its own picture");
    }
    // An album's items share the album's shape (production crops them to the first's).
    let album = media.iter().find(|m| m["media_type"] == "CAROUSEL_ALBUM").unwrap();
    let sizes: Vec<(u32, u32)> = album["children"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["media_type"] == "IMAGE")
        .map(|c| jpeg_size(&get(c["media_url"].as_str().unwrap()).body))
        .collect();
    assert!(sizes.windows(2).all(|p| p[0] == p[1]), "{sizes:?}");
}

#[test]
fn videos_are_mp4s_and_their_thumbnails_vertical_jpegs() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let reel = media_list(&c, "media_url,thumbnail_url,media_type,media_product_type")
        .into_iter()
        .find(|m| m["media_product_type"] == "REELS")
        .expect("a reel");
    let v = get(reel["media_url"].as_str().unwrap());
    assert_eq!(v.status, 200);
    assert_eq!(v.header("content-type"), Some("video/mp4"));
    let boxes = mp4_boxes(&v.body);
    assert_eq!(boxes.first().map(String::as_str), Some("ftyp"));
    assert!(
        boxes.contains(&"moov".to_string()) && boxes.contains(&"mdat".to_string()),
        "{boxes:?}"
    );
    let t = get(reel["thumbnail_url"].as_str().unwrap());
    assert_eq!(t.header("content-type"), Some("image/jpeg"));
    assert_eq!(jpeg_size(&t.body), (1080, 1920), "reels are 9:16");
}

#[test]
fn profile_pictures_and_product_images_are_served_too() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let u = c
        .get(METRICSAURUS, &[("fields", "profile_picture_url")])
        .ok("ig_user")
        .clone();
    let f = get(u["profile_picture_url"].as_str().unwrap());
    assert_eq!((f.status, jpeg_size(&f.body)), (200, (320, 320)));

    let cats = c
        .get(&format!("{METRICSAURUS}/available_catalogs"), &[])
        .ok("available_catalogs")
        .clone();
    let catalog = cats["data"][0]["catalog_id"].as_str().unwrap().to_string();
    let products = c
        .get(
            &format!("{METRICSAURUS}/catalog_product_search"),
            &[("catalog_id", &catalog)],
        )
        .ok("catalog_product_search")
        .clone();
    let url = products["data"][0]["image_url"].as_str().unwrap();
    assert!(url.starts_with(&sb.base_url), "{url}");
    let f = get(url);
    assert_eq!((f.status, jpeg_size(&f.body)), (200, (800, 800)));
}

#[test]
fn urls_expire_on_the_sandbox_clock_and_a_fresh_read_gets_a_working_one() {
    let sb = sim::fresh();
    let url = first_url(&sb, "IMAGE");
    assert_eq!(get(&url).status, 200);
    let now = sb.now();
    sb.advance(oe(&url) - now);
    assert_eq!(get(&url).status, 200, "valid through its oe second");
    sb.advance(1);
    let f = get(&url);
    assert_eq!(f.status, 403);
    assert_eq!(f.header("content-type"), Some("text/plain"));
    assert_eq!(String::from_utf8_lossy(&f.body), "URL signature expired");
    let fresh = first_url(&sb, "IMAGE");
    assert!(oe(&fresh) > oe(&url));
    assert_eq!(get(&fresh).status, 200);
}

#[test]
fn urls_stay_the_same_within_a_window_and_bytes_are_deterministic() {
    let sb = sim::fresh();
    let a = first_url(&sb, "IMAGE");
    sb.advance(1);
    assert_eq!(first_url(&sb, "IMAGE"), a, "one URL per window");
    // Another sandbox of the same world: another signature, the same picture.
    let other = sim::fresh();
    let b = first_url(&other, "IMAGE");
    assert_ne!(query_value(&a, "oh"), query_value(&b, "oh"));
    assert_eq!(get(&a).body, get(&b).body);
    assert_eq!(
        get(&first_url(&sb, "VIDEO")).body,
        get(&first_url(&other, "VIDEO")).body
    );
}

#[test]
fn altered_urls_are_refused() {
    let sb = sim::fresh();
    let other = sim::fresh();
    let url = first_url(&sb, "IMAGE");
    let oe_hex = query_value(&url, "oe").unwrap();
    let later = format!("{:08X}", oe(&url) + 3600);
    let cases = [
        (url.replace(&oe_hex, &later), "URL signature mismatch"),
        (url.replace("_n.jpg", "_n.mp4"), "URL signature mismatch"),
        (
            url.replace(
                &format!("igsim_sandbox={}", sb.id),
                &format!("igsim_sandbox={}", other.id),
            ),
            "URL signature mismatch",
        ),
        (
            url.replace("igsim_sandbox=", "igsim_sandbox=nope"),
            "URL signature mismatch",
        ),
        (url.replace(&format!("&oe={oe_hex}"), ""), "Bad URL timestamp"),
        (url.replace(&format!("oe={oe_hex}"), "oe=zz"), "Bad URL timestamp"),
    ];
    for (bad, text) in cases {
        let f = get(&bad);
        assert_eq!(
            (f.status, String::from_utf8_lossy(&f.body).as_ref()),
            (403, text),
            "{bad}"
        );
    }
    let f = fetch("POST", &url, &[]);
    assert_eq!(f.status, 405);
}

#[test]
fn cdn_headers_ranges_and_conditional_requests() {
    let sb = sim::fresh();
    let url = first_url(&sb, "VIDEO");
    let full = get(&url);
    assert_eq!(full.header("cache-control"), Some("max-age=1209600, no-transform"));
    assert_eq!(full.header("accept-ranges"), Some("bytes"));
    assert_eq!(full.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        full.header("content-length"),
        Some(full.body.len().to_string().as_str())
    );
    let modified = full.header("last-modified").expect("Last-Modified").to_string();
    assert!(modified.ends_with(" GMT"), "{modified}");

    let part = fetch("GET", &url, &[("Range", "bytes=0-99")]);
    assert_eq!(part.status, 206);
    assert_eq!(part.body, full.body[..100]);
    let len = full.body.len();
    assert_eq!(part.header("content-range"), Some(format!("bytes 0-99/{len}").as_str()));
    let tail = fetch("GET", &url, &[("Range", "bytes=-10")]);
    assert_eq!(tail.body, full.body[len - 10..]);
    let past = fetch("GET", &url, &[("Range", &format!("bytes={len}-"))]);
    assert_eq!(past.status, 416);
    assert_eq!(past.header("content-range"), Some(format!("bytes */{len}").as_str()));

    let again = fetch("GET", &url, &[("If-Modified-Since", &modified)]);
    assert_eq!((again.status, again.body.len()), (304, 0));
    let head = fetch("HEAD", &url, &[]);
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some(len.to_string().as_str()));
    assert!(head.body.is_empty());
}

// ---- received bytes ---------------------------------------------------------------------------

/// A real JPEG and a real MP4 to publish: igsim's own generated media, fetched from another
/// sandbox's CDN (so their bytes differ from what the publishing sandbox would generate).
fn real_files() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let donor = sim::fresh();
    let image = get(&first_url(&donor, "IMAGE")).body;
    let video = get(&first_url(&donor, "VIDEO")).body;
    let c = donor.client_as("Dana Admin");
    let u = c
        .get(METRICSAURUS, &[("fields", "profile_picture_url")])
        .ok("ig_user")
        .clone();
    let cover = get(u["profile_picture_url"].as_str().unwrap()).body;
    (image, video, cover)
}

fn media_fields(c: &Client, id: &str) -> Value {
    c.get(id, &[("fields", "media_url,thumbnail_url,children{media_url}")])
        .ok("ig_media")
        .clone()
}

fn create(c: &Client, params: &[(&str, &str)]) -> String {
    let r = c.post(&format!("{METRICSAURUS}/media"), params);
    r.ok("id_response")["id"].as_str().unwrap().to_string()
}

fn publish(c: &Client, creation_id: &str) -> String {
    let r = c.post(
        &format!("{METRICSAURUS}/media_publish"),
        &[("creation_id", creation_id)],
    );
    r.ok("id_response")["id"].as_str().unwrap().to_string()
}

#[test]
fn media_published_from_fetched_files_serve_the_files_received() {
    let (image, video, cover) = real_files();
    let files = crate::support::serve_files(vec![
        ("/photo.jpg", image.clone()),
        ("/clip.mp4", video.clone()),
        ("/cover.jpg", cover.clone()),
    ]);
    let sb = sim::fresh();
    sb.control_post("publishing/config", &serde_json::json!({"media_fetch": true}))
        .ok("sim_publishing_config");
    let c = sb.client_as("Dana Admin");

    let photo = publish(&c, &create(&c, &[("image_url", &format!("{files}/photo.jpg"))]));
    let m = media_fields(&c, &photo);
    let f = get(m["media_url"].as_str().unwrap());
    assert_eq!((f.status, f.header("content-type")), (200, Some("image/jpeg")));
    assert_eq!(f.body, image, "the very bytes igsim downloaded");

    let reel = create(
        &c,
        &[
            ("media_type", "REELS"),
            ("video_url", &format!("{files}/clip.mp4")),
            ("cover_url", &format!("{files}/cover.jpg")),
        ],
    );
    sb.advance(30);
    let reel = publish(&c, &reel);
    let m = media_fields(&c, &reel);
    let f = get(m["media_url"].as_str().unwrap());
    assert_eq!((f.header("content-type"), f.body == video), (Some("video/mp4"), true));
    assert_eq!(
        get(m["thumbnail_url"].as_str().unwrap()).body,
        cover,
        "the cover received"
    );

    // Album items keep their own files; the album shows its first item.
    let items: Vec<String> = (0..2)
        .map(|_| {
            create(
                &c,
                &[
                    ("image_url", &format!("{files}/photo.jpg")),
                    ("is_carousel_item", "true"),
                ],
            )
        })
        .collect();
    let album = create(&c, &[("media_type", "CAROUSEL"), ("children", &items.join(","))]);
    let album = publish(&c, &album);
    let m = media_fields(&c, &album);
    assert_eq!(get(m["media_url"].as_str().unwrap()).body, image);
    for child in m["children"]["data"].as_array().unwrap() {
        assert_eq!(get(child["media_url"].as_str().unwrap()).body, image);
    }
}

/// Publishes a reel uploaded resumably in `chunks`; returns what its `media_url` serves.
fn upload_reel(sb: &Sandbox, chunks: &[&[u8]]) -> Fetched {
    let c = sb.client_as("Dana Admin");
    let r = c.post(
        &format!("{METRICSAURUS}/media"),
        &[("media_type", "REELS"), ("upload_type", "resumable")],
    );
    let created = r.ok("resumable_upload_created").clone();
    let (id, uri) = (created["id"].as_str().unwrap(), created["uri"].as_str().unwrap());
    let token = sb.user_token("Dana Admin");
    let size: usize = chunks.iter().map(|c| c.len()).sum();
    let mut offset = 0;
    for chunk in chunks {
        crate::publishing::upload(sb, uri, &token, offset, size, chunk).ok("resumable_upload_success");
        offset += chunk.len();
    }
    sb.advance(30);
    let reel = publish(&c, id);
    get(media_fields(&c, &reel)["media_url"].as_str().unwrap())
}

#[test]
fn a_resumable_upload_serves_the_bytes_uploaded_in_chunks() {
    let (_, video, _) = real_files();
    let sb = sim::fresh();
    let half = video.len() / 2;
    let f = upload_reel(&sb, &[&video[..half], &video[half..]]);
    assert_eq!((f.status, f.header("content-type")), (200, Some("video/mp4")));
    assert_eq!(f.body, video);
}

#[test]
fn files_past_the_kept_size_are_served_as_generated_media() {
    let (_, video, _) = real_files();
    let mut config = conformance::target::test_config();
    config.cdn.max_kept_file_bytes = video.len() as u64 - 1;
    let running = simulator::Simulator::new(config).spawn(0).expect("start a simulator");
    let sb = sim::new_sandbox(&running.base_url(), None);
    let f = upload_reel(&sb, &[&video]);
    assert_eq!(f.header("content-type"), Some("video/mp4"));
    assert_eq!(mp4_boxes(&f.body).first().map(String::as_str), Some("ftyp"));
    assert_ne!(f.body, video, "too large to keep: generated instead");
}

/// The process's budget of received media (`--cdn-max-mib`, `CdnConfig::max_kept_process_bytes`)
/// bounds every sandbox together (256 sandboxes × 256 MiB each could otherwise be kept): past
/// it, a new file is published as usual and served as generated media, as past a sandbox's
/// own budget; every file already kept is still served (nothing a client published is
/// evicted); the room comes back when a sandbox holding files is deleted.
#[test]
fn all_sandboxes_together_keep_received_media_up_to_the_process_budget_and_lose_none() {
    let (_, video, _) = real_files();
    let mut config = conformance::target::test_config();
    config.cdn.max_kept_process_bytes = video.len() as u64 * 3 / 2;
    let running = simulator::Simulator::new(config).spawn(0).expect("start a simulator");
    let base = running.base_url();
    let usage = || {
        let r = sim::control_client(&base).get_url(&format!("{base}/_sim/health"));
        r.ok("sim_health")["usage"]["cdn_bytes"].clone()
    };
    assert_eq!(usage()["kept"], 0);
    let a = sim::new_sandbox(&base, None);
    assert_eq!(upload_reel(&a, &[&video]).body, video, "within the budget: kept");
    assert_eq!(usage()["kept"], video.len());

    let b = sim::new_sandbox(&base, None);
    let generated = upload_reel(&b, &[&video]);
    assert_eq!(generated.header("content-type"), Some("video/mp4"));
    assert_eq!(mp4_boxes(&generated.body).first().map(String::as_str), Some("ftyp"));
    assert_ne!(generated.body, video, "no room left in the process: generated");
    let kept = media_list(&a.client_as("Dana Admin"), "media_url,media_type");
    let reel = kept.iter().find(|m| m["media_type"] == "VIDEO").expect("a's reel");
    assert_eq!(get(reel["media_url"].as_str().unwrap()).body, video, "a's file stays");

    sim::delete_sandbox(&a);
    assert_eq!(usage()["kept"], 0, "a's files went with it");
    assert_eq!(upload_reel(&b, &[&video]).body, video, "room again");
}

/// The bytes of a media download hold room in the process's budget of buffered bytes, as
/// request bodies do (`ServerConfig::body_budget_bytes`): without room an image download
/// fails as production's download timeout (-2/2207003) instead of growing the process
/// (512 connections each downloading a kept video held up to 32 GiB), and the room comes
/// back when the download ends.
#[test]
fn media_downloads_hold_room_in_the_buffered_bytes_budget() {
    let (image, _, _) = real_files();
    let files = crate::support::serve_files(vec![("/photo.jpg", image.clone())]);
    let mut cfg = conformance::target::test_config();
    // The budget is never below the largest body (`app::body_budget`): both are half the image.
    (cfg.server.body_budget_bytes, cfg.max_body_bytes) = (image.len() / 2, image.len() / 2);
    cfg.server.body_budget_wait_ms = 200;
    let running = simulator::Simulator::new(cfg).spawn(0).expect("start a simulator");
    let sb = sim::new_sandbox(&running.base_url(), None);
    sb.control_post("publishing/config", &serde_json::json!({"media_fetch": true}))
        .ok("sim_publishing_config");
    let c = sb.client_as("Dana Admin");
    let r = c.post(
        &format!("{METRICSAURUS}/media"),
        &[("image_url", &format!("{files}/photo.jpg"))],
    );
    assert_eq!(
        r.graph_error(-2, Some(2207003))["error_user_title"],
        "Media download timed out"
    );
    let health = sim::control_client(&running.base_url()).get_url(&format!("{}/_sim/health", running.base_url()));
    assert_eq!(health.body["usage"]["body_bytes"]["buffered"], 0, "{}", health.text);
    running.shutdown();
}
