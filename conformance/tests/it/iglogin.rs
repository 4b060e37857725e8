//! Instagram Login and both login flows: a web app's "Connect Instagram" button driven by a
//! real HTTP client that follows redirects (dialog → code → exchange → long-lived →
//! refresh) for both flavours, the code exchange's errors, the graph.instagram.com surface
//! (permissions, Facebook-Login-only endpoints, shared model), and the headless code issue.

use conformance::client::{Client, Resp};
use conformance::sim::{self, Sandbox};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

const METRICSAURUS: &str = "17841405822304914";
const STATE: &str = "csrf-7f3a";

/// Which login a [`WebApp`] offers.
#[derive(Clone, Copy, PartialEq)]
enum Flavour {
    Instagram,
    Facebook,
}

/// A web app on loopback with a "Connect Instagram" button: `/connect` redirects to the
/// dialog, `/callback` checks `state`, exchanges the code server-side, then gets the
/// long-lived token, and answers JSON with every exchange's status and body.
struct WebApp {
    base: String,
    stop: Arc<AtomicBool>,
}

impl WebApp {
    fn start(igsim: &str, app_id: &str, app_secret: &str, flavour: Flavour) -> WebApp {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let cfg = AppCfg {
            igsim: igsim.to_string(),
            app_id: app_id.to_string(),
            secret: app_secret.to_string(),
            me: base.clone(),
            flavour,
        };
        let flag = stop.clone();
        listener.set_nonblocking(true).unwrap();
        std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((s, _)) => cfg.serve(s),
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        WebApp { base, stop }
    }

    fn callback(&self) -> String {
        format!("{}/callback", self.base)
    }
}

impl Drop for WebApp {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

struct AppCfg {
    igsim: String,
    app_id: String,
    secret: String,
    me: String,
    flavour: Flavour,
}

fn reply(mut s: TcpStream, status: &str, headers: &[(&str, &str)], body: &str) {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(body);
    let _ = s.write_all(out.as_bytes());
}

fn query(target: &str, name: &str) -> Option<String> {
    let q = target.split_once('?')?.1;
    form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn exchange_json(r: &Resp) -> Value {
    json!({ "status": r.status, "body": r.body })
}

impl AppCfg {
    fn serve(&self, mut s: TcpStream) {
        s.set_nonblocking(false).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
            match s.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let head = String::from_utf8_lossy(&buf).to_string();
        let target = head.split(' ').nth(1).unwrap_or("/").to_string();
        let path = target.split('?').next().unwrap_or("");
        let redirect_uri = format!("{}/callback", self.me);
        match path {
            "/connect" => {
                let dialog = match self.flavour {
                    Flavour::Instagram => format!(
                        "{}/oauth/authorize?client_id={}&redirect_uri={}&response_type=code&scope={}&state={STATE}",
                        self.igsim,
                        self.app_id,
                        enc(&redirect_uri),
                        enc("instagram_business_basic,instagram_business_content_publish,instagram_business_manage_comments,instagram_business_manage_insights"),
                    ),
                    Flavour::Facebook => format!(
                        "{}/v21.0/dialog/oauth?client_id={}&redirect_uri={}&state={STATE}&scope={}",
                        self.igsim,
                        self.app_id,
                        enc(&redirect_uri),
                        enc("instagram_basic,instagram_content_publish,instagram_manage_comments,instagram_manage_insights,pages_show_list,pages_read_engagement"),
                    ),
                };
                reply(s, "302 Found", &[("Location", &dialog)], "");
            }
            "/callback" => {
                let body = self.callback(&target, &redirect_uri);
                reply(s, "200 OK", &[("Content-Type", "application/json")], &body.to_string());
            }
            _ => reply(s, "404 Not Found", &[], ""),
        }
    }

    /// What the app's server does with the dialog's answer.
    fn callback(&self, target: &str, redirect_uri: &str) -> Value {
        if let Some(error) = query(target, "error") {
            return json!({
                "error": error,
                "error_reason": query(target, "error_reason"),
                "error_description": query(target, "error_description"),
                "state": query(target, "state"),
            });
        }
        if query(target, "state").as_deref() != Some(STATE) {
            return json!({ "error": "state mismatch" });
        }
        let code = query(target, "code").unwrap_or_default();
        let graph = Client::new(&self.igsim).with_version("");
        match self.flavour {
            Flavour::Instagram => {
                let short = graph.post(
                    "oauth/access_token",
                    &[
                        ("client_id", &self.app_id),
                        ("client_secret", &self.secret),
                        ("grant_type", "authorization_code"),
                        ("redirect_uri", redirect_uri),
                        ("code", &code),
                    ],
                );
                let token = short.body["access_token"].as_str().unwrap_or_default().to_string();
                let long = graph.get(
                    "access_token",
                    &[
                        ("grant_type", "ig_exchange_token"),
                        ("client_secret", &self.secret),
                        ("access_token", &token),
                    ],
                );
                json!({ "code": code, "short": exchange_json(&short), "long": exchange_json(&long) })
            }
            Flavour::Facebook => {
                let short = graph.get(
                    "oauth/access_token",
                    &[
                        ("client_id", &self.app_id),
                        ("client_secret", &self.secret),
                        ("redirect_uri", redirect_uri),
                        ("code", &code),
                    ],
                );
                let token = short.body["access_token"].as_str().unwrap_or_default().to_string();
                let long = graph.get(
                    "oauth/access_token",
                    &[
                        ("grant_type", "fb_exchange_token"),
                        ("client_id", &self.app_id),
                        ("client_secret", &self.secret),
                        ("fb_exchange_token", &token),
                    ],
                );
                json!({ "code": code, "short": exchange_json(&short), "long": exchange_json(&long) })
            }
        }
    }
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The browser: follows redirects like a person's would.
fn browser() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .redirects(5)
        .timeout(Duration::from_secs(30))
        .build()
}

/// The dialog page's form: its action and every input (hidden ones, the radio matching
/// `choose`, each checkbox), as a person clicking "Allow" or "Cancel" would send them.
fn submit_form(page: &str, choose: &str, decision: &str, untick: &[&str]) -> (String, Vec<(String, String)>) {
    let attr = |tag: &str, name: &str| -> Option<String> {
        let key = format!("{name}=\"");
        let start = tag.find(&key)? + key.len();
        Some(
            tag[start..]
                .split('"')
                .next()?
                .replace("&amp;", "&")
                .replace("&quot;", "\""),
        )
    };
    let action = page
        .split("<form")
        .nth(1)
        .and_then(|f| attr(f.split('>').next().unwrap_or(""), "action"))
        .expect("the dialog has a form");
    let mut fields = Vec::new();
    for line in page.lines() {
        for tag in line.split("<input").skip(1) {
            let tag = tag.split('>').next().unwrap_or("");
            let (Some(name), Some(value)) = (attr(tag, "name"), attr(tag, "value")) else {
                continue;
            };
            match attr(tag, "type").as_deref() {
                Some("hidden") => fields.push((name, value)),
                Some("radio") if line.contains(choose) => fields.push((name, value)),
                Some("checkbox") if !untick.iter().any(|u| name.ends_with(u)) => fields.push((name, value)),
                _ => {}
            }
        }
    }
    fields.push(("decision".into(), decision.into()));
    (action, fields)
}

/// Clicks the app's "Connect" button and the dialog's `decision`; returns the dialog page
/// and what the app's callback answered.
fn connect(sb: &Sandbox, app: &WebApp, choose: &str, decision: &str, untick: &[&str]) -> (String, Value) {
    let b = browser();
    let dialog = b
        .get(&format!("{}/connect", app.base))
        .call()
        .expect("the dialog opens");
    assert_eq!(dialog.status(), 200);
    assert!(
        dialog.get_url().starts_with(&sb.base_url),
        "redirected to igsim: {}",
        dialog.get_url()
    );
    assert!(dialog.content_type().starts_with("text/html"));
    let page = dialog.into_string().unwrap();
    let (action, fields) = submit_form(&page, choose, decision, untick);
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let answer = b
        .post(&format!("{}{action}", sb.base_url))
        .send_form(&pairs)
        .expect("the dialog redirects back to the app");
    assert!(answer.get_url().starts_with(&app.callback()), "{}", answer.get_url());
    (page, serde_json::from_str(&answer.into_string().unwrap()).unwrap())
}

fn registered(sb: &Sandbox, app: &WebApp) {
    let r = sb.control_post("login/redirect_uris", &json!({ "redirect_uris": [app.callback()] }));
    assert_eq!(r.status, 200, "{}", r.text);
}

fn ig_client(sb: &Sandbox, token: &str) -> Client {
    Client::new(&sb.base_url).with_token(token)
}

#[test]
fn connect_instagram_with_instagram_login_end_to_end() {
    let sb = sim::fresh();
    let app = WebApp::start(&sb.base_url, &sb.app_id(), &sb.app_secret(), Flavour::Instagram);
    registered(&sb, &app);
    let (page, cb) = connect(&sb, &app, "@metricsaurus", "allow", &[]);
    assert!(page.contains("instagram_business_content_publish"));
    assert_eq!(cb["short"]["status"], 200, "{cb}");
    sim_schema("ig_login_code_exchange", &cb["short"]["body"]);
    let grant = &cb["short"]["body"];
    let permissions: Vec<&str> = grant["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(
        permissions,
        [
            "instagram_business_basic",
            "instagram_business_content_publish",
            "instagram_business_manage_comments",
            "instagram_business_manage_insights"
        ]
    );
    assert!(grant["access_token"].as_str().unwrap().starts_with("IGAA"));
    assert_eq!(cb["long"]["status"], 200, "{cb}");
    sim_schema("oauth_access_token", &cb["long"]["body"]);
    assert_eq!(cb["long"]["body"]["expires_in"], 60 * 24 * 3600);
    let long = cb["long"]["body"]["access_token"].as_str().unwrap().to_string();

    // /me is the account; `id` is the app-scoped id the exchange called user_id.
    let me = ig_client(&sb, &long)
        .get("me", &[("fields", "id,user_id,username,account_type,media_count")])
        .ok("ig_user")
        .clone();
    assert_eq!(me["user_id"], METRICSAURUS);
    assert_eq!(me["id"], grant["user_id"].to_string());
    assert_eq!(me["username"], "metricsaurus");
    assert_eq!(me["account_type"], "Business");

    // The code is spent.
    let again = Client::new(&sb.base_url).with_version("").post(
        "oauth/access_token",
        &[
            ("client_id", &sb.app_id()),
            ("client_secret", &sb.app_secret()),
            ("grant_type", "authorization_code"),
            ("redirect_uri", &app.callback()),
            ("code", cb["code"].as_str().unwrap()),
        ],
    );
    assert_eq!(again.status, 400);
    again.schema("ig_login_oauth_error");
    assert_eq!(again.body["error_message"], "This authorization code has been used");

    // Refresh: refused under 24 h, granted after, never for an expired token.
    let refresh = |token: &str| {
        Client::new(&sb.base_url).with_version("").get(
            "refresh_access_token",
            &[("grant_type", "ig_refresh_token"), ("access_token", token)],
        )
    };
    let young = refresh(&long);
    young.graph_error(100, None);
    assert_eq!(young.body["error"]["type"], "IGApiException");
    sb.advance(25 * 3600);
    let fresh = refresh(&long);
    fresh.ok("oauth_access_token");
    assert_eq!(fresh.body["expires_in"], 60 * 24 * 3600);
    let refreshed = fresh.body["access_token"].as_str().unwrap().to_string();
    assert_ne!(refreshed, long);
    ig_client(&sb, &refreshed).get("me", &[]).ok("ig_user");
    // Past the first token's 60 days, inside the refreshed one's.
    sb.advance(59 * 24 * 3600);
    let expired = refresh(&long);
    expired.graph_error(190, Some(463));
    ig_client(&sb, &refreshed).get("me", &[]).ok("ig_user");
}

#[test]
fn connect_instagram_with_facebook_login_end_to_end() {
    let sb = sim::fresh();
    let app = WebApp::start(&sb.base_url, &sb.app_id(), &sb.app_secret(), Flavour::Facebook);
    registered(&sb, &app);
    // Untick comment moderation: the token must not have it.
    let (page, cb) = connect(&sb, &app, "Dana Admin", "allow", &["instagram_manage_comments"]);
    assert!(page.contains("Dana Admin") && page.contains("Riley Reader"));
    assert_eq!(cb["short"]["status"], 200, "{cb}");
    sim_schema("oauth_access_token", &cb["short"]["body"]);
    assert_eq!(cb["long"]["status"], 200, "{cb}");
    sim_schema("oauth_access_token", &cb["long"]["body"]);
    let long = cb["long"]["body"]["access_token"].as_str().unwrap().to_string();
    assert!(long.starts_with("EAA"));
    let c = Client::new(&sb.base_url).with_token(&long);
    let perms = c.get("me/permissions", &[]);
    assert_eq!(perms.status, 200, "{}", perms.text);
    let granted: Vec<&str> = perms.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["permission"].as_str().unwrap())
        .collect();
    assert!(granted.contains(&"instagram_content_publish") && !granted.contains(&"instagram_manage_comments"));
    c.get("me/accounts", &[]).ok("me_accounts");
    let media = c
        .get(&format!("{METRICSAURUS}/media"), &[("limit", "1")])
        .ok("ig_media_list")
        .clone();
    let m = media["data"][0]["id"].as_str().unwrap();
    c.post(&format!("{m}/comments"), &[("message", "hi")])
        .graph_error(10, None);

    // Refresh, Facebook style: exchanging the long-lived token again still works.
    let again = Client::new(&sb.base_url).get(
        "oauth/access_token",
        &[
            ("grant_type", "fb_exchange_token"),
            ("client_id", &sb.app_id()),
            ("client_secret", &sb.app_secret()),
            ("fb_exchange_token", &long),
        ],
    );
    again.ok("oauth_access_token");
}

#[test]
fn cancelling_either_dialog_sends_access_denied_and_state() {
    for flavour in [Flavour::Instagram, Flavour::Facebook] {
        let sb = sim::fresh();
        let app = WebApp::start(&sb.base_url, &sb.app_id(), &sb.app_secret(), flavour);
        registered(&sb, &app);
        let (_, cb) = connect(&sb, &app, "@metricsaurus", "cancel", &[]);
        assert_eq!(cb["error"], "access_denied");
        assert_eq!(cb["error_reason"], "user_denied");
        assert_eq!(cb["state"], STATE);
        let description = if flavour == Flavour::Instagram {
            "The user denied your request"
        } else {
            "Permissions error."
        };
        assert_eq!(cb["error_description"], description);
    }
}

#[test]
fn each_dialog_asks_the_person_to_choose_in_plain_english() {
    let sb = sim::fresh();
    let cb = enc("http://127.0.0.1:9/cb");
    for (path, asks) in [
        (
            format!(
                "oauth/authorize?client_id={}&redirect_uri={cb}&response_type=code&scope=instagram_business_basic",
                sb.app_id()
            ),
            "Choose an Instagram professional account and",
        ),
        (
            format!(
                "v21.0/dialog/oauth?client_id={}&redirect_uri={cb}&scope=instagram_basic",
                sb.app_id()
            ),
            "Choose a Facebook user and",
        ),
    ] {
        let page = browser()
            .get(&format!("{}/{path}", sb.base_url))
            .call()
            .expect("the dialog");
        let page = page.into_string().unwrap();
        assert!(page.contains(asks), "{path}: {page}");
    }
}

#[test]
fn a_redirect_uri_that_is_not_registered_gets_an_error_page_not_a_redirect() {
    let sb = sim::fresh();
    let r = browser()
        .get(&format!(
            "{}/oauth/authorize?client_id={}&redirect_uri={}&response_type=code&scope=instagram_business_basic",
            sb.base_url,
            sb.app_id(),
            enc("https://evil.example/cb")
        ))
        .call();
    let Err(ureq::Error::Status(400, resp)) = r else {
        panic!("expected a 400 page")
    };
    assert!(resp.into_string().unwrap().contains("Invalid redirect_uri"));
}

fn headless_code(sb: &Sandbox, body: Value) -> String {
    let r = sb.control_post("login/code", &body);
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["code"].as_str().unwrap().to_string()
}

fn sim_schema(name: &str, v: &Value) {
    if let Err(e) = conformance::schemas::validate(name, v) {
        panic!("{v} does not match {name}: {e:?}");
    }
}

#[test]
fn code_exchange_errors_are_productions_for_both_flavours() {
    let sb = sim::fresh();
    let cb = "http://127.0.0.1:9/cb";
    let raw = Client::new(&sb.base_url).with_version("");
    let ig_exchange = |code: &str, redirect: &str| {
        raw.post(
            "oauth/access_token",
            &[
                ("client_id", &sb.app_id()),
                ("client_secret", &sb.app_secret()),
                ("grant_type", "authorization_code"),
                ("redirect_uri", redirect),
                ("code", code),
            ],
        )
    };
    let ig = |scopes: &[&str]| {
        headless_code(
            &sb,
            json!({ "flavour": "instagram", "account": "metricsaurus", "scopes": scopes, "redirect_uri": cb }),
        )
    };
    let message = |r: &Resp| {
        assert_eq!(r.status, 400, "{}", r.text);
        r.schema("ig_login_oauth_error");
        r.body["error_message"].as_str().unwrap().to_string()
    };
    let code = ig(&["instagram_business_basic"]);
    assert_eq!(
        message(&ig_exchange(&code, "http://127.0.0.1:9/other")),
        "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request."
    );
    ig_exchange(&code, cb).ok("ig_login_code_exchange");
    assert_eq!(
        message(&ig_exchange(&code, cb)),
        "This authorization code has been used"
    );
    assert_eq!(
        message(&ig_exchange("AQnope", cb)),
        "Matching code was not found or was already used."
    );
    let late = ig(&["instagram_business_basic"]);
    sb.advance(3601);
    assert_eq!(message(&ig_exchange(&late, cb)), "This authorization code has expired");

    let fb_exchange = |code: &str, redirect: &str| {
        raw.get(
            "oauth/access_token",
            &[
                ("client_id", &sb.app_id()),
                ("client_secret", &sb.app_secret()),
                ("redirect_uri", redirect),
                ("code", code),
            ],
        )
    };
    let fb = || {
        headless_code(
            &sb,
            json!({ "flavour": "facebook", "user": "Dana Admin", "scopes": ["instagram_basic"], "redirect_uri": cb }),
        )
    };
    let code = fb();
    let mismatch = fb_exchange(&code, "http://127.0.0.1:9/other");
    mismatch.graph_error(100, Some(36008));
    assert!(mismatch.body["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("Error validating verification code."));
    fb_exchange(&code, cb).ok("oauth_access_token");
    let used = fb_exchange(&code, cb);
    used.graph_error(100, Some(36009));
    assert_eq!(used.body["error"]["message"], "This authorization code has been used.");
    assert!(used.header("www-authenticate").unwrap().contains("invalid_code"));
    let late = fb();
    sb.advance(601);
    fb_exchange(&late, cb).graph_error(100, Some(36007));
    // A code of one flavour is unknown to the other's exchange.
    let ig_code = ig(&["instagram_business_basic"]);
    fb_exchange(&ig_code, cb).graph_error(100, None);
}

/// A seeded Instagram Login token of the demo world, by username.
fn seeded(sb: &Sandbox, username: &str) -> (String, String) {
    let l = sb.info["instagram_logins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["username"] == username)
        .unwrap_or_else(|| panic!("no instagram login for {username}"));
    (
        l["id"].as_str().unwrap().to_string(),
        l["access_token"].as_str().unwrap().to_string(),
    )
}

fn token_with(sb: &Sandbox, account: &str, scopes: &[&str]) -> String {
    crate::support::ig_code_exchange(sb, account, scopes).ok("ig_login_code_exchange")["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn an_instagram_login_app_publishes_moderates_and_reads_insights() {
    let sb = sim::fresh();
    let token = token_with(
        &sb,
        "metricsaurus",
        &[
            "instagram_business_basic",
            "instagram_business_content_publish",
            "instagram_business_manage_comments",
            "instagram_business_manage_insights",
        ],
    );
    let c = ig_client(&sb, &token).with_version("v22.0");
    let container = c.post(
        "me/media",
        &[("image_url", "https://example.com/a.jpg"), ("caption", "via IG login")],
    );
    let container = container.ok("id_response")["id"].as_str().unwrap().to_string();
    let published = c.post("me/media_publish", &[("creation_id", &container)]);
    let media = published.ok("id_response")["id"].as_str().unwrap().to_string();
    c.get("me/content_publishing_limit", &[]).ok("content_publishing_limit");

    // Resumable upload (the rupload host's stand-in) with the Instagram User token.
    let r = c.post("me/media", &[("media_type", "REELS"), ("upload_type", "resumable")]);
    let uri = r.ok("resumable_upload_created")["uri"].as_str().unwrap().to_string();
    let mut file = vec![0, 0, 0, 0x18];
    file.extend_from_slice(b"ftypisom\0\0\x02\0isomiso2");
    file.resize(256, 0x42);
    let auth = format!("OAuth {token}");
    let up = Client::new(&sb.base_url).send_bytes(
        "POST",
        &uri,
        &[("Authorization", auth.as_str()), ("offset", "0"), ("file_size", "256")],
        &file,
    );
    up.ok("resumable_upload_success");

    // The same post through Facebook Login (the model is shared).
    let fb = sb.client_as("Dana Admin");
    let seen = fb.get(
        &format!("{METRICSAURUS}/media"),
        &[("fields", "caption"), ("limit", "1")],
    );
    assert_eq!(seen.ok("ig_media_list")["data"][0]["id"], media.as_str());

    // Comments: someone comments; the account replies, hides, deletes.
    let ev = sb.control_post(
        "events/comment",
        &json!({ "media_id": media, "text": "love it", "from_username": "ana.lopez" }),
    );
    assert_eq!(ev.status, 200, "{}", ev.text);
    let comments = c.get(&format!("{media}/comments"), &[]).ok("ig_comment_list").clone();
    let comment = comments["data"][0]["id"].as_str().unwrap().to_string();
    c.post(&format!("{comment}/replies"), &[("message", "thanks!")])
        .ok("id_response");
    c.post(&comment, &[("hide", "true")]).ok("success_response");
    c.delete(&comment, &[]).ok("success_response");

    // Insights on the account and the post.
    c.get("me/insights", &[("metric", "reach"), ("period", "day")])
        .ok("user_insights");
    c.get(&format!("{media}/insights"), &[("metric", "reach,likes")])
        .ok("media_insights");
    c.get("me/tags", &[]).ok("ig_tags");
    c.get("me/stories", &[]).ok("ig_stories");
}

#[test]
fn each_action_needs_its_instagram_business_permission() {
    let sb = sim::fresh();
    let token = token_with(&sb, "metricsaurus", &["instagram_business_basic"]);
    let c = ig_client(&sb, &token);
    let denied = |r: Resp| {
        assert_eq!(r.status, 403, "{}", r.text);
        r.schema("error");
        assert_eq!(r.body["error"]["code"], 10);
        assert_eq!(r.body["error"]["type"], "IGApiException");
        assert_eq!(
            r.body["error"]["message"],
            "Application does not have permission for this action"
        );
    };
    denied(c.post("me/media", &[("image_url", "https://example.com/a.jpg")]));
    denied(c.get("me/insights", &[("metric", "reach"), ("period", "day")]));
    let media = c.get("me/media", &[("limit", "1")]).ok("ig_media_list")["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    denied(c.post(&format!("{media}/comments"), &[("message", "x")]));
    denied(c.get("me/tags", &[]));
    // Someone else's account: 100/33 as graph.instagram.com words it.
    let other = c.get("17841401441775531", &[]);
    other.graph_error(100, Some(33));
    assert_eq!(other.body["error"]["type"], "IGApiException");
    assert!(!other.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Graph API documentation"));
}

#[test]
fn facebook_login_only_endpoints_answer_as_graph_instagram_com_does() {
    let sb = sim::fresh();
    let (_, token) = seeded(&sb, "metricsaurus");
    let c = ig_client(&sb, &token);
    for (path, params) in [
        (
            "ig_hashtag_search",
            vec![("q", "bluebottle"), ("user_id", METRICSAURUS)],
        ),
        ("me/accounts", vec![]),
        ("me/recently_searched_hashtags", vec![]),
        ("me/available_catalogs", vec![]),
    ] {
        let r = c.get(path, &params);
        r.graph_error(100, None);
        assert_eq!(
            r.body["error"]["message"], "Unsupported request - method type: get",
            "{path}"
        );
        assert_eq!(r.body["error"]["type"], "IGApiException");
    }
    let bd = c.get("me", &[("fields", "business_discovery.username(bluebottle){id}")]);
    bd.graph_error(100, None);
    // Facebook Login's long-lived exchange cannot take an Instagram User token.
    let fb = Client::new(&sb.base_url).get(
        "oauth/access_token",
        &[
            ("grant_type", "fb_exchange_token"),
            ("client_id", &sb.app_id()),
            ("client_secret", &sb.app_secret()),
            ("fb_exchange_token", &token),
        ],
    );
    fb.graph_error(190, None);
    assert_eq!(
        fb.body["error"]["message"],
        "Invalid OAuth access token - Cannot parse access token"
    );
    // A Facebook token on an Instagram host cannot be parsed, and the reverse token/host
    // pair is told apart by the token alone.
    let r = Client::new(&sb.base_url).send_bytes(
        "GET",
        &format!("{}/v21.0/me?access_token={}", sb.base_url, sb.user_token("Dana Admin")),
        &[("Host", "graph.instagram.com")],
        b"",
    );
    r.graph_error(190, None);
    assert_eq!(
        r.body["error"]["message"],
        "Invalid OAuth access token - Cannot parse access token"
    );
}

#[test]
fn the_demo_world_has_accounts_reachable_only_through_instagram_login() {
    let sb = sim::fresh();
    let (id, token) = seeded(&sb, "harbor.books");
    let pages = sb.info["pages"].as_array().unwrap();
    assert!(
        pages.iter().all(|p| p["instagram_business_account"] != id.as_str()),
        "no Page"
    );
    let c = ig_client(&sb, &token);
    let me = c
        .get("me", &[("fields", "user_id,username,media_count")])
        .ok("ig_user")
        .clone();
    assert_eq!(me["user_id"], id.as_str());
    assert!(me["media_count"].as_u64().unwrap() > 0);
    // No Facebook Login user can reach it.
    sb.client_as("Dana Admin").get(&id, &[]).graph_error(100, Some(33));
}

#[test]
fn instagram_login_webhooks_deliver_for_subscribed_accounts() {
    let sb = sim::fresh();
    let receiver = conformance::receiver::Receiver::start("vt", conformance::receiver::Mode::Up).unwrap();
    let r = sb.control_post(
        "webhooks/subscription",
        &json!({ "callback_url": receiver.url(), "verify_token": "vt" }),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let (id, token) = seeded(&sb, "harbor.books");
    let c = ig_client(&sb, &token);
    c.post(
        "me/subscribed_apps",
        &[("subscribed_fields", "comments, comments,comments")],
    )
    .ok("success_response");
    let apps = c.get("me/subscribed_apps", &[]);
    assert_eq!(
        apps.body["data"][0]["subscribed_fields"],
        json!(["comments"]),
        "each field once: {}",
        apps.text
    );
    let media = c.get("me/media", &[("limit", "1")]).ok("ig_media_list")["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ev = sb.control_post(
        "events/comment",
        &json!({ "media_id": media, "text": "nice", "from_username": "ana.lopez" }),
    );
    assert_eq!(ev.status, 200, "{}", ev.text);
    let d = sb.control_get("webhooks/deliveries");
    let deliveries = d.body["data"].as_array().unwrap();
    assert!(
        deliveries.iter().any(|x| x["payload"]["entry"][0]["id"] == id.as_str()),
        "{}",
        d.text
    );
}
