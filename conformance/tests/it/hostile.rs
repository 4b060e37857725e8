//! Hostile and careless input (issue 13): nothing a client sends takes the simulator down or
//! makes it grow without bound, and every refusal is the documented error. Each test here is
//! one kind of fault; the simulator is checked alive after each.

use crate::support::METRICSAURUS;
use conformance::client::Client;
use conformance::sim::{self, Sandbox};

/// The shared simulator still answers.
fn assert_alive(sb: &Sandbox) {
    let c = Client::new(&sb.base_url);
    let r = c.get_url(&format!("{}/_sim/health", sb.base_url));
    assert_eq!(r.status, 200, "the simulator stopped answering: {}", r.text);
}

fn form_post(sb: &Sandbox, path: &str, body: &str) -> conformance::client::Resp {
    let c = Client::new(&sb.base_url);
    let url = format!("{}/v21.0/{}", sb.base_url, path.trim_start_matches('/'));
    c.send_bytes(
        "POST",
        &url,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        body.as_bytes(),
    )
}

/// `n` levels of `open`, a value, `n` of `close`, url-encoded for a form body.
fn nested(n: usize, open: &str, close: &str) -> String {
    let text = format!("{}1{}", open.repeat(n), close.repeat(n));
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[test]
fn deeply_nested_batch_json_with_any_token_answers_the_token_error() {
    let sb = sim::fresh();
    for batch in [
        nested(1_600, "{a:", "}"),
        nested(3_200, "[", "]"),
        nested(100_000, "[", "]"),
    ] {
        form_post(&sb, "", &format!("access_token=x&batch={batch}")).graph_error(190, None);
        assert_alive(&sb);
    }
}

#[test]
fn deeply_nested_client_json_is_a_parameter_error_not_a_crash() {
    let sb = sim::fresh();
    let token = sb.user_token("Dana Admin");
    for batch in [
        nested(1_600, "{a:", "}"),
        nested(3_200, "[", "]"),
        nested(129, "[", "]"),
    ] {
        let r = form_post(&sb, "", &format!("access_token={token}&batch={batch}"));
        let e = r.graph_error(100, None);
        assert!(e["message"].as_str().unwrap().contains("batch"), "{}", r.text);
        assert_alive(&sb);
    }
    // The same depths in every other JSON parameter: user_tags on a container.
    for tags in [nested(1_600, "{a:", "}"), nested(3_200, "[", "]")] {
        let body = format!("access_token={token}&image_url=https%3A%2F%2Fexample.com%2Fa.jpg&user_tags={tags}");
        let r = form_post(&sb, &format!("{METRICSAURUS}/media"), &body);
        let e = r.graph_error(100, None);
        assert!(e["message"].as_str().unwrap().contains("user_tags"), "{}", r.text);
        assert_alive(&sb);
    }
    // A JSON body nested past serde_json's limit is a malformed body.
    let c = Client::new(&sb.base_url);
    let deep = format!(
        "{{\"access_token\":\"{token}\",\"user_tags\":{}1{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let r = c.send_bytes(
        "POST",
        &format!("{}/v21.0/{METRICSAURUS}/media", sb.base_url),
        &[("Content-Type", "application/json")],
        deep.as_bytes(),
    );
    r.graph_error(100, None);
    assert_alive(&sb);
}

#[test]
fn a_batch_with_a_bad_or_expired_token_answers_the_tokens_error() {
    let sb = sim::fresh();
    let batch = r#"[{"method":"GET","relative_url":"me"}]"#;
    let c = Client::new(&sb.base_url).with_token("garbage");
    c.post("", &[("batch", batch)]).graph_error(190, None);
    let c = Client::new(&sb.base_url).with_token("EAAGnotatokenthissandboxknows000000");
    c.post("", &[("batch", batch)]).graph_error(190, None);
    c.post("", &[("batch", "[]")]).graph_error(190, None);
    let c = sb.client_as("Sam Expired");
    c.post("", &[("batch", batch)]).graph_error(190, Some(463));
    // A good token still runs the operations.
    let r = sb.client_as("Dana Admin").post("", &[("batch", batch)]);
    assert_eq!(r.ok("batch_response").as_array().unwrap().len(), 1);
}

/// A simulator of its own with `cfg` changed from the test configuration.
fn own_simulator(change: impl FnOnce(&mut simulator::Config)) -> simulator::Running {
    let mut cfg = conformance::target::test_config();
    change(&mut cfg);
    simulator::Simulator::new(cfg).spawn(0).expect("start a simulator")
}

#[test]
fn with_an_admin_token_every_control_plane_route_needs_it_except_the_dashboard_files() {
    const TOKEN: &str = "s3cret-admin";
    let running = own_simulator(|c| c.admin_token = Some(TOKEN.into()));
    let base = running.base_url();
    let open = Client::new(&base);
    let bearer = open.with_header("Authorization", &format!("Bearer {TOKEN}"));
    let custom = open.with_header("X-Igsim-Admin-Token", TOKEN);
    let wrong = open.with_header("Authorization", "Bearer not-it");
    let routes = [
        ("GET", "/_sim/health"),
        ("GET", "/_sim/sandboxes"),
        ("GET", "/_sim/sandboxes/default"),
        ("POST", "/_sim/sandboxes/default/clock/advance"),
        ("GET", "/_sim/sandboxes/default/webhooks/deliveries"),
        ("POST", "/_sim/sandboxes/default/events/comment"),
        ("DELETE", "/_sim/sandboxes/default"),
        ("GET", "/_sim/no/such/route"),
    ];
    for (method, path) in routes {
        for c in [&open, &wrong] {
            let r = c.send_bytes(method, &format!("{base}{path}"), &[], b"");
            assert_eq!(r.status, 401, "{method} {path}: {}", r.text);
            r.schema("sim_error");
            assert!(r.text.contains("X-Igsim-Admin-Token"), "{}", r.text);
            assert!(!r.text.contains(TOKEN));
            assert_eq!(
                r.header("www-authenticate"),
                Some("Bearer realm=\"igsim control plane\"")
            );
        }
    }
    for c in [&bearer, &custom] {
        c.get_url(&format!("{base}/_sim/health")).ok("sim_health");
        c.get_url(&format!("{base}/_sim/sandboxes/default")).ok("sim_sandbox");
    }
    // The dashboard's static files are the one exemption (404 until a dashboard is there).
    let r = open.get_url(&format!("{base}/_sim/ui/index.html"));
    assert_ne!(r.status, 401, "{}", r.text);
    // Graph calls are untouched: the sandbox token is their credential.
    let info = bearer.get_url(&format!("{base}/_sim/sandboxes/default")).body.clone();
    let token = info["users"][0]["access_token"].as_str().unwrap();
    Client::new(&base).with_token(token).get("me", &[]).ok("fb_user");
    running.shutdown();
}

/// `GET /oauth/access_token?grant_type=fb_exchange_token` for `token`; the answer's body.
fn exchange(sb: &Sandbox, token: &str) -> serde_json::Value {
    Client::new(&sb.base_url)
        .get(
            "oauth/access_token",
            &[
                ("grant_type", "fb_exchange_token"),
                ("client_id", &sb.app_id()),
                ("client_secret", &sb.app_secret()),
                ("fb_exchange_token", token),
            ],
        )
        .ok("oauth_access_token")
        .clone()
}

#[test]
fn repeated_token_exchanges_return_the_same_long_lived_token() {
    let sb = sim::fresh();
    let dana = sb.user_token("Dana Admin");
    let first = exchange(&sb, &dana);
    let long = first["access_token"].as_str().unwrap().to_string();
    assert_eq!(first["expires_in"], 60 * 86_400);
    // Many exchanges, of the short token or of the long one itself: one token.
    for _ in 0..50 {
        assert_eq!(exchange(&sb, &dana)["access_token"], long);
    }
    assert_eq!(exchange(&sb, &long)["access_token"], long);
    // Within its lifetime an exchange moves its expiry to a full lifetime from now.
    sb.advance(30 * 86_400);
    let again = exchange(&sb, &dana);
    assert_eq!(
        (again["access_token"].as_str(), again["expires_in"].as_i64()),
        (Some(long.as_str()), Some(60 * 86_400))
    );
    sb.advance(59 * 86_400);
    Client::new(&sb.base_url)
        .get("me", &[("access_token", &long)])
        .ok("fb_user");
    // Another user, or other scopes, get their own.
    let riley = exchange(&sb, &sb.user_token("Riley Reader"));
    assert_ne!(riley["access_token"], long);
    // Once it no longer works (revoked here), the next exchange mints a new one.
    let r = sb.control_post(
        "tokens/revoke",
        &serde_json::json!({ "access_token": long, "reason": "logged_out" }),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let fresh = exchange(&sb, &dana);
    assert_ne!(fresh["access_token"], long);
    Client::new(&sb.base_url)
        .get("me", &[("access_token", &long)])
        .graph_error(190, Some(467));
}

/// `POST /_sim/sandboxes` with `body` on the simulator at `base`.
fn create_sandbox(base: &str, body: &str) -> conformance::client::Resp {
    sim::control_client(base).send_bytes(
        "POST",
        &format!("{base}/_sim/sandboxes"),
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    )
}

#[test]
fn a_seed_world_asking_for_billions_of_objects_is_refused_naming_the_limit() {
    let sb = sim::fresh();
    let world = |generate: serde_json::Value| {
        serde_json::json!({
            "instagram_accounts": [{ "username": "big.one", "account_type": "BUSINESS" }],
            "generate": [generate],
        })
        .to_string()
    };
    for (generate, names) in [
        (
            serde_json::json!({ "owner": "big.one", "media": 4_294_967_295u32 }),
            "generate[0].media",
        ),
        (
            serde_json::json!({ "owner": "big.one", "media": 50_000, "comments": [5, 10] }),
            "objects",
        ),
        (
            serde_json::json!({ "owner": "big.one", "expired_stories": 4_000_000_000u32 }),
            "generate[0].expired_stories",
        ),
        (
            serde_json::json!({ "owner": "big.one", "media": 1, "likes": [0, u64::MAX] }),
            "generate[0].likes",
        ),
    ] {
        let r = create_sandbox(&sb.base_url, &world(generate));
        assert_eq!(r.status, 400, "{}", r.text);
        r.schema("sim_error");
        let message = r.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(names) && message.contains("100000"), "{message}");
        assert_alive(&sb);
    }
    // Within the bounds a large world is built (off the request threads) and served.
    let r = create_sandbox(
        &sb.base_url,
        &world(serde_json::json!({ "owner": "big.one", "media": 2_000, "comments": [0, 0] })),
    );
    assert_eq!(r.status, 201, "{}", r.text);
}

/// Every count a seed world gives (likes of posts and comments, followers, follows) is
/// bounded (`model::seed::MAX_COUNT`, 10^12) with an error naming the field; a world with
/// every count at the bound answers every read that derives values from counts (insights of
/// media and account, hashtag ranking, Business Discovery, rate-limit usage) without a 5xx:
/// `media{insights}` on a post with 2^64-1 likes overflowed and dropped the connection.
#[test]
fn seed_counts_are_bounded_and_a_world_at_the_bound_answers_every_read() {
    let sb = sim::fresh();
    let max = 1_000_000_000_000u64;
    let world = |count: u64| {
        serde_json::json!({
            "users": [{ "name": "Owner", "permissions": ["instagram_basic", "pages_show_list", "pages_read_engagement",
                "instagram_manage_insights", "instagram_manage_comments", "instagram_content_publish"] }],
            "instagram_accounts": [
                { "username": "big.one", "account_type": "BUSINESS", "followers_count": count, "follows_count": count },
                { "username": "fan.one", "followers_count": count, "follows_count": count }
            ],
            "pages": [{ "name": "Big", "instagram_account": "big.one",
                "roles": [{ "user": "Owner", "tasks": ["MANAGE", "CREATE_CONTENT", "MODERATE", "ANALYZE", "ADVERTISE"] }] }],
            "media": [
                { "owner": "big.one", "media_type": "VIDEO", "media_product_type": "REELS", "caption": "#bigtag", "age": "3d",
                  "like_count": count,
                  "comments": [{ "from": "fan.one", "text": "hi", "age": "1h", "like_count": count,
                                 "replies": [{ "from": "big.one", "text": "yo", "age": "30m", "like_count": count }] }] },
                { "owner": "big.one", "media_type": "CAROUSEL_ALBUM", "children": ["IMAGE", "VIDEO"], "caption": "#bigtag", "age": "400d", "like_count": count },
                { "owner": "big.one", "media_type": "IMAGE", "media_product_type": "STORY", "age": "2h", "like_count": count }
            ],
            "generate": [{ "owner": "big.one", "media": 30, "likes": [count, count], "span_days": 700 }]
        })
    };
    for (path, set) in [
        (
            "instagram_accounts[0].followers_count",
            ("/instagram_accounts/0/followers_count", max + 1),
        ),
        (
            "instagram_accounts[1].follows_count",
            ("/instagram_accounts/1/follows_count", u64::MAX),
        ),
        ("media[0].like_count", ("/media/0/like_count", u64::MAX)),
        (
            "media[0].comments[0].like_count",
            ("/media/0/comments/0/like_count", max + 1),
        ),
        (
            "media[0].comments[0].replies[0].like_count",
            ("/media/0/comments/0/replies/0/like_count", u64::MAX),
        ),
        ("generate[0].likes", ("/generate/0/likes/1", u64::MAX)),
    ] {
        let mut w = world(max);
        *w.pointer_mut(set.0).unwrap() = serde_json::json!(set.1);
        let r = create_sandbox(&sb.base_url, &w.to_string());
        assert_eq!(r.status, 400, "{}", r.text);
        r.schema("sim_error");
        let message = r.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(path) && message.contains("1000000000000"), "{message}");
    }
    let big = sim::new_sandbox(&sb.base_url, Some(&world(max)));
    let c = big.client_as("Owner");
    let ig = big.ig_id("big.one");
    let media = crate::support::ids(c.get(&format!("{ig}/media"), &[("limit", "100")]).ok("ig_media_list"));
    let reads: Vec<(String, Vec<(&str, &str)>)> = vec![
        (ig.clone(), vec![("fields", "followers_count,follows_count,media_count,media.limit(100){like_count,comments_count,insights.metric(reach,likes,views)}")]),
        (format!("{ig}/insights"), vec![("metric", "reach,follower_count"), ("period", "day")]),
        (format!("{ig}/insights"), vec![("metric", "reach,views,accounts_engaged,total_interactions,likes,comments,shares,saves,profile_links_taps"), ("period", "day"), ("metric_type", "total_value")]),
        (format!("{ig}/insights"), vec![("metric", "follower_demographics"), ("period", "lifetime"), ("metric_type", "total_value"), ("breakdown", "country"), ("timeframe", "this_month")]),
        (format!("{ig}/insights"), vec![("metric", "online_followers"), ("period", "lifetime")]),
        (format!("{ig}/stories"), vec![("fields", "insights.metric(reach,replies,navigation)")]),
        (ig.clone(), vec![("fields", "business_discovery.username(big.one){followers_count,media{like_count,comments_count}}")]),
        ("ig_hashtag_search".into(), vec![("user_id", ig.as_str()), ("q", "bigtag")]),
    ];
    for (path, params) in &reads {
        let r = c.get(path, params);
        assert_eq!(r.status, 200, "{path} {params:?}: {}", r.text);
    }
    for m in &media {
        let r = c.get(
            &format!("{m}/insights"),
            &[("metric", "reach,likes,comments,saved,shares,views,total_interactions")],
        );
        assert_eq!(r.status, 200, "{m}: {}", r.text);
        // Reels' own metrics are refused on other media with a (#100); never a 5xx.
        let r = c.get(
            &format!("{m}/insights"),
            &[("metric", "ig_reels_avg_watch_time,ig_reels_video_view_total_time")],
        );
        assert!(r.status < 500, "{m}: {} {}", r.status, r.text);
    }
    let tag = c
        .get("ig_hashtag_search", &[("user_id", &ig), ("q", "bigtag")])
        .ok("hashtag_search")["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for edge in ["top_media", "recent_media"] {
        let r = c.get(
            &format!("{tag}/{edge}"),
            &[("user_id", &ig), ("fields", "like_count,comments_count")],
        );
        assert!(r.status < 500, "{edge}: {} {}", r.status, r.text);
    }
    for control in ["accounts", "rate_limits"] {
        assert_eq!(big.control_get(control).status, 200, "{control}");
    }
    assert_alive(&sb);
}

/// A sandbox's publishing settings are checked when set (`PublishingConfig::check`): a
/// lifetime of 2^63-1 seconds overflowed the container's expiry and dropped the connection,
/// a PPA status of 999 answered outside HTTP's client errors. At their bounds (100 years)
/// containers are created, read and published.
#[test]
fn publishing_settings_out_of_range_are_refused_and_their_bounds_work() {
    let sb = sim::fresh();
    let century = 100 * 365 * 86_400i64;
    for (setting, value) in [
        ("container_lifetime_seconds", serde_json::json!(i64::MAX)),
        ("image_processing_seconds", serde_json::json!(century + 1)),
        ("video_processing_seconds", serde_json::json!(-1)),
        ("quota_duration", serde_json::json!(i64::MIN)),
        ("container_cap_window_seconds", serde_json::json!(-5)),
        ("fetch_timeout_ms", serde_json::json!(u64::MAX)),
        ("max_image_bytes", serde_json::json!(u64::MAX)),
        ("ppa_error_status", serde_json::json!(999)),
        ("ppa_error_status", serde_json::json!(500)),
    ] {
        let r = sb.control_post("publishing/config", &serde_json::json!({ setting: value }));
        assert_eq!(r.status, 400, "{setting}={value}: {}", r.text);
        r.schema("sim_error");
        assert!(
            r.body["error"]["message"].as_str().unwrap().contains(setting),
            "{}",
            r.text
        );
    }
    let bounds = serde_json::json!({
        "container_lifetime_seconds": century, "image_processing_seconds": 0, "video_processing_seconds": century,
        "quota_duration": century, "container_cap_window_seconds": century,
    });
    assert_eq!(sb.control_post("publishing/config", &bounds).status, 200);
    let c = sb.client_as("Dana Admin");
    let image = c.post(
        &format!("{METRICSAURUS}/media"),
        &[("image_url", "https://example.com/a.jpg")],
    );
    let image = image.ok("id_response")["id"].as_str().unwrap().to_string();
    let reel = c.post(
        &format!("{METRICSAURUS}/media"),
        &[("video_url", "https://example.com/a.mp4"), ("media_type", "REELS")],
    );
    let reel = reel.ok("id_response")["id"].as_str().unwrap().to_string();
    assert_eq!(
        c.get(&reel, &[("fields", "status_code")]).ok("ig_container")["status_code"],
        "IN_PROGRESS"
    );
    sb.advance(century - 1);
    assert_eq!(
        c.get(&image, &[("fields", "status_code")]).ok("ig_container")["status_code"],
        "FINISHED"
    );
    c.post(&format!("{METRICSAURUS}/media_publish"), &[("creation_id", &image)])
        .ok("id_response");
    c.get(
        &format!("{METRICSAURUS}/content_publishing_limit"),
        &[("fields", "config,quota_usage")],
    )
    .ok("content_publishing_limit");
    assert_alive(&sb);
}

#[test]
fn sandboxes_are_capped_with_a_clear_error_and_a_deleted_one_makes_room() {
    let running = own_simulator(|c| c.max_sandboxes = 3);
    let base = running.base_url();
    let a = sim::new_sandbox(&base, None);
    let _b = sim::new_sandbox(&base, None);
    let r = create_sandbox(&base, "");
    assert_eq!(r.status, 429, "{}", r.text);
    r.schema("sim_error");
    let message = r.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("at most 3 sandboxes") && message.contains("--max-sandboxes"),
        "{message}"
    );
    // Reset still works at the cap; deleting makes room.
    let reset =
        sim::control_client(&base).send_bytes("POST", &format!("{base}/_sim/sandboxes/{}/reset", a.id), &[], b"");
    assert_eq!(reset.status, 200, "{}", reset.text);
    sim::delete_sandbox(&a);
    assert_eq!(create_sandbox(&base, "").status, 201);
    running.shutdown();
}

#[test]
fn instagram_login_exchanges_and_refreshes_mint_one_token_not_one_per_call() {
    let sb = sim::fresh();
    let short = sb.info["instagram_logins"][0]["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let c = Client::new(&sb.base_url).with_version("");
    let exchange = || {
        c.get(
            "access_token",
            &[
                ("grant_type", "ig_exchange_token"),
                ("client_secret", &sb.app_secret()),
                ("access_token", &short),
            ],
        )
        .ok("oauth_access_token")["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let long = exchange();
    assert!((0..20).all(|_| exchange() == long));
    let refresh = |token: &str| {
        c.get(
            "refresh_access_token",
            &[("grant_type", "ig_refresh_token"), ("access_token", token)],
        )
        .ok("oauth_access_token")["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    };
    sb.advance(25 * 3600);
    let refreshed = refresh(&long);
    assert_ne!(refreshed, long, "a refresh answers a new token");
    assert!(
        (0..20).all(|_| refresh(&long) == refreshed),
        "refreshing it again answers the same one"
    );
    sb.advance(25 * 3600);
    assert_ne!(refresh(&refreshed), refreshed, "the refreshed token refreshes in turn");
}

// ---------------------------------------------------------------- connections and bodies

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};

/// A socket to `base` (`http://127.0.0.1:PORT`) whose reads give up after 30 s, so a server
/// that never answers fails the test instead of hanging it (no test waits for that long).
fn connect(base: &str) -> TcpStream {
    let s = TcpStream::connect(base.trim_start_matches("http://")).expect("connect");
    s.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
    s
}

/// Sends `request` on a new connection and returns everything the server sends back.
fn raw(base: &str, request: &str) -> String {
    let mut s = connect(base);
    let _ = s.write_all(request.as_bytes());
    read_all(&mut s)
}

/// Everything the server sends until it closes the connection.
fn read_all(s: &mut TcpStream) -> String {
    let mut out = Vec::new();
    if let Err(e) = s.read_to_end(&mut out) {
        assert!(
            matches!(e.kind(), std::io::ErrorKind::ConnectionReset),
            "read failed: {e} after {:?}",
            String::from_utf8_lossy(&out)
        );
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The status and JSON body of one HTTP answer in `text`.
fn parse_answer(text: &str) -> (u16, serde_json::Value, String) {
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no answer: {text:?}"));
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let json = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {text}"));
    (status, json, head.to_ascii_lowercase())
}

/// Whether `cond` holds, checked until it does (yielding between looks; a hang guard of a few
/// million looks, not a time the test relies on). For state another thread settles, such as
/// a closed connection's slot being given back.
fn settles(cond: impl Fn() -> bool) -> bool {
    (0..5_000_000).any(|_| {
        let ok = cond();
        if !ok {
            std::thread::yield_now();
        }
        ok
    })
}

/// Asserts a Graph error envelope (validated) with this HTTP status and code.
fn assert_envelope(text: &str, status: u16, code: i64) -> serde_json::Value {
    let (got, body, _) = parse_answer(text);
    assert_eq!(got, status, "{text}");
    conformance::schemas::validate("error", &body).unwrap_or_else(|e| panic!("{e:?}: {text}"));
    assert_eq!(body["error"]["code"], code, "{text}");
    body
}

#[test]
fn an_oversized_body_is_refused_from_its_content_length_before_it_is_read() {
    let sb = sim::fresh();
    let mut s = connect(&sb.base_url);
    // 20 MB declared, nothing sent: the answer comes at once and the connection closes.
    write!(
        s,
        "POST /v21.0/me HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 20000000\r\n\r\n"
    )
    .unwrap();
    let text = read_all(&mut s);
    assert_envelope(&text, 413, 100);
    assert!(parse_answer(&text).2.contains("connection: close"), "{text}");
    assert_alive(&sb);
}

#[test]
fn chunked_bodies_past_the_limit_and_bodies_that_stop_arriving_get_graph_errors() {
    let running = own_simulator(|c| {
        c.max_body_bytes = 1024;
        c.server.io_stall_timeout_ms = 200;
    });
    let base = running.base_url();
    // A chunked body growing past the limit.
    let mut s = connect(&base);
    write!(
        s,
        "POST /v21.0/me HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .unwrap();
    for _ in 0..3 {
        let _ = write!(s, "200\r\n{}\r\n", "a".repeat(512));
    }
    let _ = write!(s, "0\r\n\r\n");
    assert_envelope(&read_all(&mut s), 413, 100);
    // A body that stops arriving: 408 once the stall timeout passes.
    assert_envelope(
        &raw(
            &base,
            "POST /v21.0/me HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc",
        ),
        408,
        100,
    );
    assert!(settles(|| running.state.usage()["body_bytes"]["buffered"] == 0));
    running.shutdown();
}

#[test]
fn when_every_buffered_byte_is_taken_a_body_waits_then_gets_a_transient_error() {
    let running = own_simulator(|c| {
        c.max_body_bytes = 1024;
        c.server.body_budget_bytes = 1024;
        c.server.body_budget_wait_ms = 200;
    });
    let base = running.base_url();
    let buffered = || running.state.usage()["body_bytes"]["buffered"].as_u64();
    // One client declares the whole budget and sends a little of it.
    let mut holder = connect(&base);
    write!(
        holder,
        "POST /v21.0/me HTTP/1.1\r\nHost: x\r\nContent-Length: 1024\r\n\r\nabc"
    )
    .unwrap();
    assert!(
        settles(|| buffered() == Some(1024)),
        "the declared length takes its budget"
    );
    let busy = assert_envelope(
        &raw(
            &base,
            "POST /v21.0/me HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789",
        ),
        503,
        2,
    );
    assert_eq!(busy["error"]["is_transient"], true);
    // The holder goes away: its bytes are free again and bodies are read.
    drop(holder);
    assert!(settles(|| buffered() == Some(0)));
    assert_envelope(
        &raw(
            &base,
            "POST /v21.0/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 10\r\n\r\n0123456789",
        ),
        400,
        2500,
    );
    running.shutdown();
}

#[test]
fn idle_and_slow_connections_are_closed_by_the_head_timeout() {
    let running = own_simulator(|c| c.server.head_timeout_ms = 200);
    let base = running.base_url();
    // Nothing sent at all.
    let mut idle = connect(&base);
    assert_eq!(read_all(&mut idle), "");
    // A head that never ends (slowloris).
    assert_eq!(raw(&base, "GET /_sim/health HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n"), "");
    // A kept-alive connection after its answer.
    let text = raw(&base, "GET /_sim/health HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert_eq!(text.matches("HTTP/1.1").count(), 1, "{text}");
    assert!(settles(|| running.state.usage()["connections"]["open"] == 0));
    running.shutdown();
}

#[test]
fn at_the_connection_cap_new_clients_wait_for_room_instead_of_failing() {
    let running = own_simulator(|c| c.server.max_connections = 2);
    let base = running.base_url();
    let first = connect(&base);
    let second = connect(&base);
    // A third client connects (the kernel queues it) and sends its request.
    let mut third = connect(&base);
    write!(
        third,
        "GET /_sim/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    assert!(running.state.usage()["connections"]["open"].as_u64().unwrap() <= 2);
    // One of the first two leaves: the third is served.
    drop(first);
    let (status, health, _) = parse_answer(&read_all(&mut third));
    assert_eq!(status, 200);
    conformance::schemas::validate("sim_health", &health).unwrap();
    assert!(
        health["usage"]["connections"]["open"].as_u64().unwrap() <= 2,
        "{health}"
    );
    assert_eq!(health["usage"]["connections"]["max"], 2);
    drop(second);
    running.shutdown();
}

#[test]
fn an_overlong_uri_oversized_headers_and_broken_http_get_graph_envelopes() {
    let sb = sim::fresh();
    let long_uri = format!(
        "GET /v21.0/me?fields={} HTTP/1.1\r\nHost: x\r\n\r\n",
        "a".repeat(70_000)
    );
    let big_headers = format!(
        "GET /v21.0/me HTTP/1.1\r\nHost: x\r\n{}\r\n",
        (0..100)
            .map(|i| format!("X-Pad-{i}: {}\r\n", "b".repeat(2_000)))
            .collect::<String>()
    );
    for (request, status) in [
        (long_uri.as_str(), 414),
        (big_headers.as_str(), 431),
        ("GARBAGE\r\n\r\n", 400),
        ("GET /v21.0/me HTTP/1.1\r\nBad Header\r\n\r\n", 400),
    ] {
        let text = raw(&sb.base_url, request);
        assert_envelope(&text, status, 100);
        assert!(parse_answer(&text).2.contains("connection: close"), "{text}");
    }
    assert_alive(&sb);
}

#[test]
fn a_client_that_half_closes_after_sending_still_gets_its_answer() {
    let sb = sim::fresh();
    let mut s = connect(&sb.base_url);
    let token = sb.user_token("Dana Admin");
    write!(s, "GET /v21.0/me?access_token={token} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    s.shutdown(Shutdown::Write).unwrap();
    let (status, body, _) = parse_answer(&read_all(&mut s));
    assert_eq!(status, 200);
    conformance::schemas::validate("fb_user", &body).unwrap();
}

// ---------------------------------------------------------------- webhook bookkeeping

/// A sandbox on `base` subscribed (without a handshake) to every field at `callback`.
fn subscribed(base: &str, callback: &str) -> Sandbox {
    let sb = sim::new_sandbox(base, None);
    let r = sb.control_post(
        "webhooks/subscription",
        &serde_json::json!({ "callback_url": callback }),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    sb
}

/// `n` comments by someone else on one of metricsaurus's feed posts (one `comments`
/// delivery each).
fn comment_events(sb: &Sandbox, n: usize) {
    let c = sb.client_as("Dana Admin");
    let post = crate::support::media_with(&c, |m| m["media_product_type"] == "FEED" && m["media_type"] == "IMAGE");
    for i in 0..n {
        let r = sb.control_post(
            "events/comment",
            &serde_json::json!({ "media_id": post, "text": format!("comment {i}"), "from_username": "ana.lopez" }),
        );
        assert_eq!(r.status, 200, "{}", r.text);
    }
}

fn flush_now(sb: &Sandbox) -> serde_json::Value {
    let r = sb.control_post("webhooks/flush", &serde_json::json!({}));
    assert_eq!(r.status, 200, "{}", r.text);
    r.schema("sim_webhook_flush");
    r.body.clone()
}

/// Every delivery, walking `paging.next`; also checks each page's size.
fn all_deliveries(sb: &Sandbox, limit: usize) -> Vec<serde_json::Value> {
    let control = sim::control_client(&sb.base_url);
    let mut r = sb.control_get(&format!("webhooks/deliveries?limit={limit}"));
    let mut out = Vec::new();
    loop {
        r.ok("sim_webhook_deliveries");
        let page = r.body["data"].as_array().unwrap();
        assert!(page.len() <= limit);
        out.extend(page.iter().cloned());
        match r.body["paging"]["next"].as_str() {
            Some(next) => {
                assert_eq!(page.len(), limit, "only the last page is short");
                r = control.get_url(next);
            }
            None => return out,
        }
    }
}

/// A URL on loopback where nothing listens (deliveries fail at once and wait for a retry).
fn closed_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}/hook", l.local_addr().unwrap())
}

#[test]
fn the_deliveries_listing_is_paged_oldest_first() {
    let sb = subscribed(&sim::fresh().base_url, &closed_url());
    comment_events(&sb, 250);
    let all = all_deliveries(&sb, 100);
    assert_eq!(all.len(), 250);
    let ids: Vec<u64> = all.iter().map(|d| d["id"].as_str().unwrap().parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "oldest first, each once");
    assert_eq!(all_deliveries(&sb, 1000).len(), 250);
    for bad in ["limit=0", "limit=1001", "limit=x", "after=x"] {
        let r = sb.control_get(&format!("webhooks/deliveries?{bad}"));
        assert_eq!(r.status, 400, "{bad}: {}", r.text);
        r.schema("sim_error");
    }
}

#[test]
fn the_delivery_history_keeps_only_the_newest_finished_deliveries() {
    let rx = conformance::receiver::Receiver::start("t", conformance::receiver::Mode::Up).unwrap();
    let running = own_simulator(|c| c.webhooks.deliveries_kept = 20);
    let sb = subscribed(&running.base_url(), &rx.url());
    comment_events(&sb, 60);
    let f = flush_now(&sb);
    assert_eq!(f["complete"], true, "{f}");
    let kept = all_deliveries(&sb, 100);
    assert_eq!(kept.len(), 20, "{f}");
    assert!(kept.iter().all(|d| d["state"] == "delivered"));
    // Changes go out batched, several to a POST: count the changes received.
    let changes: usize = rx
        .posts()
        .iter()
        .map(|p| serde_json::from_slice::<serde_json::Value>(&p.body).unwrap())
        .map(|b| {
            b["entry"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["changes"].as_array().unwrap().len())
                .sum::<usize>()
        })
        .sum();
    assert_eq!(changes, 60, "every one was delivered before the oldest were forgotten");
    running.shutdown();
}

#[test]
fn a_receiver_that_never_answers_costs_one_flush_a_bounded_wait() {
    // Something listens but never accepts or answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", silent.local_addr().unwrap());
    // The flush gives up waiting before the sends time out; they go on in the background.
    let running = own_simulator(|c| {
        c.webhooks.timeout_ms = 600_000;
        c.webhooks.flush_wait_ms = 200;
    });
    let sb = subscribed(&running.base_url(), &url);
    comment_events(&sb, 5);
    let f = flush_now(&sb);
    assert_eq!(f["complete"], false, "{f}");
    assert_eq!(f["deliveries"]["in_flight"], 5, "{f}");
    // Another flush meanwhile waits no longer either.
    assert_eq!(flush_now(&sb)["complete"], false);
    running.shutdown();
    // With a short send timeout, a flush waits for every send, its own and the background
    // dispatcher's, to time out (concurrently) and answers when all have ended.
    let running = own_simulator(|c| c.webhooks.timeout_ms = 300);
    let sb = subscribed(&running.base_url(), &url);
    comment_events(&sb, 5);
    let f = flush_now(&sb);
    assert_eq!(
        (f["complete"].as_bool(), f["deliveries"]["in_flight"].as_u64()),
        (Some(true), Some(0)),
        "{f}"
    );
    for d in all_deliveries(&sb, 100) {
        assert_eq!(d["state"], "pending", "retried later: {d}");
        assert!(d["attempts"][0]["error"].as_str().unwrap().contains("timed out"), "{d}");
    }
    running.shutdown();
    drop(silent);
}

// ---------------------------------------------------------------- fields everywhere

#[test]
fn every_endpoint_parses_fields_with_the_one_parser_and_refuses_unknown_ones() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let image = crate::support::media_with(&c, |m| m["media_product_type"] == "FEED" && m["media_type"] == "IMAGE");
    let ig = METRICSAURUS;
    // (path, parameters, node type named in errors, fields that exist)
    type Read<'a> = (String, Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let reads: Vec<Read> = vec![
        ("me/permissions".into(), vec![], "Permission", "permission,status"),
        (
            format!("{ig}/insights"),
            vec![("metric", "reach"), ("period", "day")],
            "InstagramInsightsResult",
            "name,values",
        ),
        (
            format!("{image}/insights"),
            vec![("metric", "reach")],
            "InstagramInsightsResult",
            "name,values",
        ),
        (
            format!("{ig}/available_catalogs"),
            vec![],
            "UserAvailableCatalogs",
            "catalog_id,catalog_name",
        ),
        (
            format!("{ig}/catalog_product_search"),
            vec![("catalog_id", "960179311066902")],
            "ShadowIGUserCatalogProductSearch",
            "product_id,product_name",
        ),
        (
            format!("{image}/product_tags"),
            vec![],
            "ShadowIGMediaProductTags",
            "product_id,x,y",
        ),
        (
            "ig_hashtag_search".into(),
            vec![("user_id", ig), ("q", "bluebottle")],
            "IGHashtag",
            "id,name",
        ),
    ];
    for (path, params, node, good) in &reads {
        let with = |fields: &str| {
            let mut p = params.clone();
            p.push(("fields", fields));
            c.get(path, &p)
        };
        with("}}{").graph_error(2500, None);
        with("été").graph_error(2500, None);
        let e = with("zzz").graph_error(100, None).clone();
        assert_eq!(
            e["message"],
            format!("(#100) Tried accessing nonexisting field (zzz) on node type ({node})"),
            "{path}"
        );
        let r = with(good);
        assert_eq!(r.status, 200, "{path} fields={good}: {}", r.text);
    }
    let found = c.get(
        "ig_hashtag_search",
        &[("user_id", ig), ("q", "bluebottle"), ("fields", "id,name")],
    );
    assert_eq!(found.ok("hashtag_search")["data"][0]["name"], "bluebottle");
    // Writes and batch operations parse it too.
    c.post(&format!("{image}/comments"), &[("message", "hi"), ("fields", "}}{")])
        .graph_error(2500, None);
    let batch = r#"[{"method":"GET","relative_url":"me/permissions?fields=}}{"}]"#;
    let out = c.post("", &[("batch", batch)]).ok("batch_response").clone();
    assert_eq!(out[0]["code"], 400, "{out}");
    assert!(out[0]["body"].as_str().unwrap().contains("2500"), "{out}");
}

#[test]
fn the_fields_syntax_error_quotes_non_ascii_characters_whole() {
    let sb = sim::fresh();
    let e = sb
        .client_as("Dana Admin")
        .get(METRICSAURUS, &[("fields", "été")])
        .graph_error(2500, None)
        .clone();
    assert!(e["message"].as_str().unwrap().contains("instead of \"é\""), "{e}");
}

// ---------------------------------------------------------------- texts and mentions

#[test]
fn comment_texts_are_bounded_and_many_mentions_are_cheap() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let image = crate::support::media_with(&c, |m| m["media_product_type"] == "FEED" && m["media_type"] == "IMAGE");
    let long = "x".repeat(2_201);
    let e = c
        .post(&format!("{image}/comments"), &[("message", &long)])
        .graph_error(100, None)
        .clone();
    assert!(e["message"].as_str().unwrap().contains("at most 2200"), "{e}");
    c.post(&format!("{image}/comments"), &[("message", &"é".repeat(2_200))])
        .ok("id_response");
    // The outside world: 64,000 distinct @handles are refused by length, not processed.
    let handles: String = (0..64_000).map(|i| format!("@u{i} ")).collect();
    for (kind, body) in [
        (
            "comment",
            serde_json::json!({ "media_id": image, "text": handles, "from_username": "ana.lopez" }),
        ),
        (
            "mention",
            serde_json::json!({ "username": "metricsaurus", "from_username": "ana.lopez", "text": handles }),
        ),
        (
            "live",
            serde_json::json!({ "action": "start", "username": "metricsaurus", "caption": handles }),
        ),
    ] {
        let r = sb.control_post(&format!("events/{kind}"), &body);
        assert_eq!(r.status, 400, "{kind}: {}", r.text);
        r.schema("sim_error");
        assert!(r.text.contains("at most 2200"), "{}", r.text);
    }
    // Within the limit, every mentioned account is found once.
    let many: String = (0..200).map(|i| format!("@x{i} ")).collect();
    let r = sb.control_post(
        "events/comment",
        &serde_json::json!({ "media_id": image, "text": format!("{many}@metricsaurus @Metricsaurus"), "from_username": "ana.lopez" }),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_alive(&sb);
}

/// The capacity error of a Graph write: code 9, the knob named in `error_user_msg`.
fn assert_sandbox_full(r: &conformance::client::Resp, knob: &str) {
    let e = r.graph_error(9, None);
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(e["message"], "Application request limit reached");
    assert_eq!(e["error_user_title"], "Sandbox capacity reached");
    assert_eq!(e["is_transient"], false);
    assert!(e["error_user_msg"].as_str().unwrap().contains(knob), "{}", r.text);
}

/// The capacity refusal of a control-plane event: 429 naming the knob.
fn assert_event_full(r: &conformance::client::Resp, knob: &str) {
    assert_eq!(r.status, 429, "{}", r.text);
    r.schema("sim_error");
    assert!(
        r.body["error"]["message"].as_str().unwrap().contains(knob),
        "{}",
        r.text
    );
}

/// A client looping on writes cannot grow a sandbox without bound (`config/capacity.rs`):
/// past each kind's limit of objects created at run time, the write is refused with the
/// capacity error naming the knob, nothing acknowledged is dropped, the seed world's objects
/// do not count, deleting or a reset makes room, and another sandbox is not affected.
#[test]
fn comments_are_capped_per_sandbox_and_deleting_makes_room() {
    let running = own_simulator(|c| c.capacity.comments = 3);
    let sb = sim::new_sandbox(&running.base_url(), None);
    let c = sb.client_as("Dana Admin");
    let post = crate::support::media_with(&c, |m| m["media_product_type"] == "FEED" && m["media_type"] == "IMAGE");
    assert!(
        crate::support::comments_count(&c, &post) > 0,
        "seeded comments do not count"
    );
    let mut written = Vec::new();
    for i in 0..2 {
        let r = c.post(&format!("{post}/comments"), &[("message", &format!("mine {i}"))]);
        written.push(r.ok("id_response")["id"].as_str().unwrap().to_string());
    }
    let r = sb.control_post(
        "events/comment",
        &serde_json::json!({ "media_id": post, "text": "a fan", "from_username": "ana.lopez" }),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let count = crate::support::comments_count(&c, &post);
    assert_sandbox_full(
        &c.post(&format!("{post}/comments"), &[("message", "one more")]),
        "--capacity comments=",
    );
    assert_sandbox_full(
        &c.post(&format!("{}/replies", written[0]), &[("message", "a reply")]),
        "--capacity comments=",
    );
    let r = sb.control_post(
        "events/comment",
        &serde_json::json!({ "media_id": post, "text": "another fan", "from_username": "ana.lopez" }),
    );
    assert_event_full(&r, "--capacity comments=");
    assert_eq!(
        crate::support::comments_count(&c, &post),
        count,
        "nothing was written, nothing dropped"
    );
    for id in &written {
        assert_eq!(
            c.get(id, &[("fields", "text")]).status,
            200,
            "every acknowledged comment stays"
        );
    }
    c.delete(&written[1], &[]).ok("success_response");
    c.post(&format!("{post}/comments"), &[("message", "room again")])
        .ok("id_response");
    // Another sandbox has its own room.
    let other = sim::new_sandbox(&running.base_url(), None);
    let oc = other.client_as("Dana Admin");
    oc.post(&format!("{post}/comments"), &[("message", "elsewhere")])
        .ok("id_response");
    // A reset gives the sandbox its room back.
    let reset = sim::control_client(&sb.base_url).send_bytes(
        "POST",
        &format!("{}/_sim/sandboxes/{}/reset", sb.base_url, sb.id),
        &[],
        b"",
    );
    assert_eq!(reset.status, 200, "{}", reset.text);
    for i in 0..3 {
        c.post(&format!("{post}/comments"), &[("message", &format!("after reset {i}"))])
            .ok("id_response");
    }
    running.shutdown();
}

#[test]
fn media_containers_accounts_and_tokens_are_capped_per_sandbox() {
    let running = own_simulator(|c| {
        c.capacity.media = 2;
        c.capacity.containers = 3;
        c.capacity.accounts = 2;
        c.capacity.tokens = 2;
    });
    let sb = sim::new_sandbox(&running.base_url(), None);
    let c = sb.client_as("Dana Admin");
    let fan = |who: &str| serde_json::json!({ "username": "metricsaurus", "from_username": who, "text": "look" });
    // Outside-world accounts: two new usernames, then only known ones.
    let post = crate::support::media_with(&c, |m| m["media_product_type"] == "FEED" && m["media_type"] == "IMAGE");
    let comment = |who: &str| {
        sb.control_post(
            "events/comment",
            &serde_json::json!({ "media_id": post, "text": "hi", "from_username": who }),
        )
    };
    assert_eq!(comment("new.fan.one").status, 200);
    assert_eq!(comment("new.fan.two").status, 200);
    assert_event_full(&comment("new.fan.three"), "--capacity accounts=");
    assert_eq!(comment("ana.lopez").status, 200, "known accounts still comment");
    // Media: two outside-world posts, then a third post, a broadcast and a publish are refused.
    for _ in 0..2 {
        assert_eq!(sb.control_post("events/mention", &fan("ana.lopez")).status, 200);
    }
    assert_event_full(
        &sb.control_post("events/mention", &fan("ana.lopez")),
        "--capacity media=",
    );
    assert_event_full(
        &sb.control_post(
            "events/live",
            &serde_json::json!({ "action": "start", "username": "juniper.makes" }),
        ),
        "--capacity media=",
    );
    let container = |i: usize| {
        c.post(
            &format!("{METRICSAURUS}/media"),
            &[("image_url", format!("https://example.com/{i}.jpg").as_str())],
        )
    };
    let first = container(0).ok("id_response")["id"].as_str().unwrap().to_string();
    assert_sandbox_full(
        &c.post(&format!("{METRICSAURUS}/media_publish"), &[("creation_id", &first)]),
        "--capacity media=",
    );
    // Containers: three, then the capacity error (before production's 400 a day).
    container(1).ok("id_response");
    container(2).ok("id_response");
    assert_sandbox_full(&container(3), "--capacity containers=");
    assert_eq!(
        c.get(&first, &[("fields", "status_code")]).ok("ig_container")["status_code"],
        "FINISHED",
        "acknowledged containers stay"
    );
    // Tokens: two Facebook Login code exchanges mint two tokens, a third is refused; the
    // long-lived exchange of a token already minted needs a new one too.
    let cb = "http://127.0.0.1:9/cb";
    let raw = Client::new(&sb.base_url).with_version("");
    let exchange = || {
        let r = sb.control_post(
            "login/code",
            &serde_json::json!({ "flavour": "facebook", "user": "Dana Admin", "scopes": ["instagram_basic"], "redirect_uri": cb }),
        );
        let code = r.body["code"].as_str().unwrap().to_string();
        raw.get(
            "oauth/access_token",
            &[
                ("client_id", &sb.app_id()),
                ("client_secret", &sb.app_secret()),
                ("redirect_uri", cb),
                ("code", &code),
            ],
        )
    };
    let short = exchange().ok("oauth_access_token")["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    exchange().ok("oauth_access_token");
    assert_sandbox_full(&exchange(), "--capacity tokens=");
    let long = raw.get(
        "oauth/access_token",
        &[
            ("grant_type", "fb_exchange_token"),
            ("client_id", &sb.app_id()),
            ("client_secret", &sb.app_secret()),
            ("fb_exchange_token", &short),
        ],
    );
    assert_sandbox_full(&long, "--capacity tokens=");
    // Instagram Login's code exchange answers in its own envelope.
    let r = crate::support::ig_code_exchange(&sb, "metricsaurus", &["instagram_business_basic"]);
    assert_eq!(r.status, 400, "{}", r.text);
    r.schema("ig_login_oauth_error");
    assert!(
        r.body["error_message"].as_str().unwrap().contains("--capacity tokens="),
        "{}",
        r.text
    );
    running.shutdown();
}

/// With its receiver down (or its clock frozen), a sandbox's webhook outbox holds at most
/// `webhooks.max_pending` changes waiting to be sent: the oldest waiting one is dropped
/// unsent, visibly (state `dropped`, an attempt that says why); the events themselves all
/// happen.
#[test]
fn the_webhook_outbox_is_bounded_while_the_receiver_is_down() {
    let running = own_simulator(|c| c.webhooks.max_pending = 3);
    let sb = subscribed(&running.base_url(), &closed_url());
    comment_events(&sb, 5);
    let all = all_deliveries(&sb, 100);
    assert_eq!(all.len(), 5, "every event made its change");
    let state = |d: &serde_json::Value| d["state"].as_str().unwrap().to_string();
    let dropped: Vec<_> = all.iter().filter(|d| state(d) == "dropped").collect();
    assert_eq!(dropped.len(), 2, "{all:?}");
    assert_eq!(all.iter().filter(|d| state(d) == "pending").count(), 3);
    for d in &dropped {
        let why = d["attempts"][0]["error"].as_str().unwrap();
        assert!(why.contains("webhooks.max_pending") && why.contains("unsent"), "{why}");
    }
    assert_eq!(
        [all[0]["id"].clone(), all[1]["id"].clone()],
        [dropped[0]["id"].clone(), dropped[1]["id"].clone()],
        "the oldest go first"
    );
    running.shutdown();
}

/// What a container keeps of a parameter is bounded: a media URL (`image_url`, `video_url`,
/// `cover_url`) at 8,192 characters, `alt_text` and `audio_name` at a caption's 2,200 (their
/// limits are undocumented); each container used to keep whatever a 16 MiB body held. The
/// control plane's copyright matches are bounded too (64 KiB of JSON).
#[test]
fn what_a_container_keeps_of_its_parameters_is_bounded() {
    let sb = sim::fresh();
    let c = sb.client_as("Dana Admin");
    let url = |n: usize, ext: &str| format!("https://example.com/{}.{ext}", "a".repeat(n - 21 - ext.len()));
    assert_eq!(url(8_192, "jpg").len(), 8_192);
    let create = |params: &[(&str, &str)]| c.post(&format!("{METRICSAURUS}/media"), params);
    let too_long = |r: conformance::client::Resp, param: &str, max: usize| {
        let e = r.graph_error(100, None);
        let message = e["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("(#100) Param {param} must be at most {max} characters long")),
            "{message}"
        );
    };
    create(&[("image_url", &url(8_192, "jpg"))]).ok("id_response");
    too_long(create(&[("image_url", &url(8_193, "jpg"))]), "image_url", 8_192);
    let reel = |extra: &[(&str, &str)]| {
        let mut p = vec![("media_type", "REELS"), ("video_url", "https://example.com/v.mp4")];
        p.extend_from_slice(extra);
        create(&p)
    };
    too_long(
        create(&[("media_type", "REELS"), ("video_url", &url(9_000, "mp4"))]),
        "video_url",
        8_192,
    );
    too_long(reel(&[("cover_url", &url(100_000, "jpg"))]), "cover_url", 8_192);
    reel(&[("audio_name", &"♪".repeat(2_200))]).ok("id_response");
    too_long(reel(&[("audio_name", &"♪".repeat(2_201))]), "audio_name", 2_200);
    too_long(
        create(&[
            ("image_url", "https://example.com/a.jpg"),
            ("alt_text", &"x".repeat(3_000)),
        ]),
        "alt_text",
        2_200,
    );
    let video = reel(&[]).ok("id_response")["id"].as_str().unwrap().to_string();
    let huge = serde_json::json!({ "copyright_matches": [{ "author": "x".repeat(70_000), "content_title": "t",
        "matched_segments": [], "owner_copyright_policy": { "name": "n", "actions": [] } }] });
    let r = sb.control_post(&format!("containers/{video}/copyright"), &huge);
    assert_eq!(r.status, 400, "{}", r.text);
    r.schema("sim_error");
    assert!(
        r.body["error"]["message"].as_str().unwrap().contains("65536"),
        "{}",
        r.text
    );
    assert_alive(&sb);
}

/// A snapshot is restored only if its world keeps the invariants of one igsim built
/// (`model::check`, `Sandbox::from_snapshot`): a hand-edited or hostile snapshot whose first
/// reads would overflow, dangle or hang (a clock at 2^63, likes at 2^64-1, a feed naming
/// missing media, a rate-limit window whose total is not its buckets' sum, a counter at
/// 2^64-1, a seed world of billions for the next reset, a fault rule hanging for ever) is
/// refused with a 400 naming what breaks, and the sandbox it would have replaced stays.
#[test]
fn a_snapshot_that_breaks_the_worlds_invariants_is_refused_naming_what() {
    let sb = sim::fresh();
    let export = sb.control_get("export");
    assert_eq!(export.status, 200, "{}", export.text);
    let base = export.body.clone();
    let post = crate::support::media_with(&sb.client_as("Dana Admin"), |m| m["media_type"] == "IMAGE");
    let restore = |snap: &serde_json::Value| {
        sim::control_client(&sb.base_url).send_bytes(
            "POST",
            &format!("{}/_sim/sandboxes?id={}&replace=true", sb.base_url, sb.id),
            &[("Content-Type", "application/json")],
            snap.to_string().as_bytes(),
        )
    };
    type Edit = Box<dyn Fn(&mut serde_json::Value)>;
    let set = |pointer: &'static str, v: serde_json::Value| -> Edit {
        Box::new(move |s: &mut serde_json::Value| *s.pointer_mut(pointer).unwrap() = v.clone())
    };
    let media = format!("/world/media/{post}");
    let cases: Vec<(Edit, &str)> = vec![
        (
            set("/clock", serde_json::json!({ "offset": 0, "frozen_at": i64::MAX })),
            "clock reads",
        ),
        (set("/world/seq", serde_json::json!(u64::MAX)), "world.seq"),
        (set("/journal_seq", serde_json::json!(u64::MAX)), "journal_seq"),
        (
            Box::new(move |s: &mut serde_json::Value| s.pointer_mut(&media).unwrap()["like_count"] = u64::MAX.into()),
            "like_count",
        ),
        (
            Box::new(|s: &mut serde_json::Value| {
                s["world"]["feed"][METRICSAURUS]
                    .as_array_mut()
                    .unwrap()
                    .push(serde_json::json!([[1_795_000_000, 7], 17_999_999_999_999_999u64]))
            }),
            "17999999999999999",
        ),
        (
            set(
                "/rate_limits/platform",
                serde_json::json!({ "slots": [[1_795_910_400, 5]], "total": 0 }),
            ),
            "rate_limits.platform",
        ),
        (
            set(
                "/seed_world/generate",
                serde_json::json!([{ "owner": "metricsaurus", "media": 4_000_000_000u64 }]),
            ),
            "seed_world",
        ),
        (
            set(
                "/faults/rules",
                serde_json::json!([{ "spec": { "id": "rule-1", "hang_ms": u64::MAX, "seed": 1 }, "matched": 0, "fired": 0 }]),
            ),
            "fault rules",
        ),
        (
            set("/world/webhooks/stories_scanned_to", serde_json::json!(i64::MIN)),
            "time",
        ),
        // A seed world's share larger than any seed world would lift the capacity.
        (
            set("/world/seeded/comments", serde_json::json!(u64::MAX)),
            "seeded says the seed world held 18446744073709551615 comments",
        ),
        (set("/world/seeded/media", serde_json::json!(1_000_000)), "seeded says"),
    ];
    for (edit, names) in &cases {
        let mut snap = base.clone();
        edit(&mut snap);
        let r = restore(&snap);
        assert_eq!(r.status, 400, "{names}: {}", r.text);
        r.schema("sim_error");
        let message = r.body["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with("bad snapshot: ") && message.contains(names),
            "{message}"
        );
    }
    // The sandbox it would have replaced is still there and answers; the snapshot as
    // exported restores.
    sb.client_as("Dana Admin").get("me", &[]).ok("fb_user");
    assert_eq!(restore(&base).status, 201);
    // A sandbox whose seeded comments were deleted holds fewer than its seed world did: its
    // snapshot restores.
    let c = sb.client_as("Dana Admin");
    let seeded = crate::support::ids(c.get(&format!("{post}/comments"), &[]).ok("ig_comment_list"));
    assert!(!seeded.is_empty(), "the post has seeded comments");
    for id in &seeded {
        c.delete(id, &[]).ok("success_response");
    }
    let fewer = sb.control_get("export").body.clone();
    assert_eq!(restore(&fewer).status, 201);
    assert_alive(&sb);
}

/// Clients writing to one sandbox while others reset it, restore it from a snapshot, jump
/// its clock, flush its webhooks and read it through the control plane: every answer is a
/// Graph or control-plane answer below 500, and the simulator stays up.
#[test]
fn writers_and_control_plane_churn_on_one_sandbox_never_get_a_5xx() {
    let sb = sim::fresh();
    let snapshot = sb.control_get("export").body.to_string();
    let c = sb.client_as("Dana Admin");
    let post = crate::support::media_with(&c, |m| m["media_product_type"] == "FEED" && m["media_type"] == "IMAGE");
    assert_eq!(
        sb.control_post(
            "webhooks/subscription",
            &serde_json::json!({ "callback_url": closed_url() })
        )
        .status,
        200
    );
    let threads: Vec<_> = (0..8)
        .map(|k| {
            let (sb, snapshot, post) = (sb.clone(), snapshot.clone(), post.clone());
            std::thread::spawn(move || {
                let c = sb.client_as("Dana Admin");
                let control = sim::control_client(&sb.base_url);
                let mut statuses = Vec::new();
                for i in 0..30 {
                    let r = match (k + i) % 8 {
                        0 => c.post(&format!("{post}/comments"), &[("message", "hi @bluebottle")]),
                        1 => c.post(
                            &format!("{METRICSAURUS}/media"),
                            &[("image_url", "https://example.com/a.jpg")],
                        ),
                        2 => c.get(
                            METRICSAURUS,
                            &[("fields", "media.limit(5){comments{replies},insights.metric(reach)}")],
                        ),
                        3 => control.send_bytes(
                            "POST",
                            &format!("{}/_sim/sandboxes/{}/reset", sb.base_url, sb.id),
                            &[],
                            b"",
                        ),
                        4 => control.send_bytes(
                            "POST",
                            &format!("{}/_sim/sandboxes?id={}&replace=true", sb.base_url, sb.id),
                            &[("Content-Type", "application/json")],
                            snapshot.as_bytes(),
                        ),
                        5 => sb.control_post("clock/advance", &serde_json::json!({ "seconds": 86_400 })),
                        6 => sb.control_post(
                            "events/comment",
                            &serde_json::json!({ "media_id": post, "text": "a fan", "from_username": "ana.lopez" }),
                        ),
                        _ => sb.control_post("webhooks/flush", &serde_json::json!({})),
                    };
                    statuses.push((r.status, r.text.chars().take(200).collect::<String>()));
                }
                statuses
            })
        })
        .collect();
    for t in threads {
        for (status, text) in t.join().expect("a client thread") {
            assert!(status < 500, "{status}: {text}");
        }
    }
    assert_alive(&sb);
}
