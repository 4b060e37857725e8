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
