//! The dashboard in a real browser: headless Chromium (Debian's `chromium`) driven through
//! `chromedriver` (WebDriver, the fantoccini crate) against an igsim this test starts on
//! loopback. Checks: no console errors; the demo accounts and their thumbnails render and
//! decode; a generated MP4 plays; advancing the clock from the UI moves the sandbox clock;
//! a comment made from the UI shows in the Graph API and as a webhook delivery in the UI; a
//! Graph request the test makes appears live in the request journal view, whose filters and
//! clear button act on the journal. In protected mode (an admin token) the page says the
//! control plane answered 401, asks for the token, says when it was refused, and works with
//! it. Screenshots of the main views go to `target/dashboard-screenshots/`.
//!
//! Waiting is polling the DOM with a bounded number of attempts: each attempt returns as soon
//! as the page changes (a MutationObserver), so nothing here sleeps or times itself.

use crate::support::METRICSAURUS;
use conformance::receiver::{Mode, Receiver};
use conformance::sim::{self, Sandbox};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// Flags for Chromium on a machine with no network but loopback: without the
/// background-networking ones its own connections are refused and logged as errors.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
];
/// DOM polls before a condition is declared never met.
const ATTEMPTS: usize = 240;

/// A chromedriver this test started; killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn program(env: &str, name: &str) -> String {
    std::env::var(env).unwrap_or_else(|_| name.to_string())
}

/// Starts chromedriver on a free loopback port and waits for its "started" line.
fn start_driver() -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let bin = program("CHROMEDRIVER", "chromedriver");
    let mut child = Command::new(&bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run {bin} ({e}): install Debian's chromium and chromium-driver (.ci/run does)")
        });
    let out = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(out).lines();
    let started = lines
        .by_ref()
        .take(50)
        .map_while(Result::ok)
        .any(|l| l.contains("started successfully"));
    assert!(started, "{bin} did not start");
    // Keep draining its output so it never blocks on a full pipe.
    std::thread::spawn(move || lines.map_while(Result::ok).for_each(drop));
    Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    }
}

/// A fresh Chromium profile directory for one test (`name` tells the tests apart).
fn profile_dir(name: &str) -> PathBuf {
    let profile = std::env::temp_dir().join(format!("igsim-chromium-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&profile);
    profile
}

async fn browser(driver: &Driver, profile: &std::path::Path) -> Client {
    let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": program("CHROMIUM", "/usr/bin/chromium"), "args": args },
        "goog:loggingPrefs": { "browser": "ALL" },
    });
    let Value::Object(caps) = caps else { unreachable!() };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a Chromium session")
}

/// Polls `condition` (a JS expression; its truthy value is returned) until it holds. Each
/// attempt answers at once when it holds, else at the next DOM change (or a short in-page
/// guard), so the number of attempts bounds the wait.
async fn wait_for(c: &Client, what: &str, condition: &str) -> Value {
    let script = r#"
        const cond = new Function('return (' + arguments[0] + ');');
        const done = arguments[arguments.length - 1];
        const check = () => { try { return cond(); } catch (e) { return null; } };
        const now = check();
        if (now) { done(now); return; }
        const obs = new MutationObserver(() => { const v = check(); if (v) { obs.disconnect(); done(v); } });
        obs.observe(document.documentElement, { subtree: true, childList: true, attributes: true, characterData: true });
        setTimeout(() => { obs.disconnect(); done(check()); }, 250);
    "#;
    for _ in 0..ATTEMPTS {
        let v = c
            .execute_async(script, vec![json!(condition)])
            .await
            .expect("run the wait script");
        if !(v.is_null() || v == json!(false) || v == json!(0) || v == json!("")) {
            return v;
        }
    }
    panic!("never happened: {what} ({condition})");
}

/// Clicks the first element matching `css`, found and clicked in one step in the page (views
/// that refresh themselves replace their elements, which would make a held handle stale).
async fn click(c: &Client, css: &str) {
    let clicked = c
        .execute(
            "const el = document.querySelector(arguments[0]); if (el) el.click(); return !!el;",
            vec![json!(css)],
        )
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
    assert_eq!(clicked, json!(true), "nothing matches {css}");
}

fn screenshots_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("target"));
    let dir = target.join("dashboard-screenshots");
    std::fs::create_dir_all(&dir).expect("create the screenshot directory");
    dir
}

async fn screenshot(c: &Client, name: &str) {
    let png = c.screenshot().await.expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    std::fs::write(screenshots_dir().join(format!("{name}.png")), png).expect("save the screenshot");
}

/// SEVERE entries of the browser's console log (chromedriver's log endpoint).
async fn console_errors(c: &Client, driver: &Driver) -> Vec<String> {
    let sid = c.session_id().await.expect("a session").expect("a session id");
    let url = format!("{}/session/{sid}/se/log", driver.url);
    let body = tokio::task::spawn_blocking(move || {
        ureq::post(&url)
            .send_json(json!({ "type": "browser" }))
            .expect("read the browser log")
            .into_json::<Value>()
            .expect("JSON")
    })
    .await
    .expect("the log reader");
    body["value"]
        .as_array()
        .expect("log entries")
        .iter()
        .filter(|e| e["level"] == "SEVERE")
        .map(|e| e["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn comment_texts(sb: &Sandbox, media: &str) -> Vec<String> {
    let c = sb.client_as("Dana Admin");
    let r = c.get(&format!("{media}/comments"), &[("fields", "text")]);
    r.ok("ig_comment_list")["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_works_in_a_real_browser() {
    // An igsim of its own: the dashboard opens the `default` sandbox.
    let running = simulator::Simulator::new(conformance::target::test_config())
        .spawn(0)
        .expect("start igsim");
    let base = running.base_url();
    let sb = sim::attach(&base, "default").expect("the default sandbox");
    let receiver = Receiver::start("verify-me", Mode::Up).expect("a webhook receiver");
    sb.control_post("webhooks/subscription", &json!({ "callback_url": receiver.url() }))
        .ok("sim_webhooks");

    let driver = start_driver();
    let profile = profile_dir("main");
    let c = browser(&driver, &profile).await;

    // Overview: the demo accounts.
    c.goto(&format!("{base}/_sim/ui")).await.expect("open the dashboard");
    wait_for(
        &c,
        "the overview",
        "document.querySelectorAll('[data-testid=account-link]').length >= 5",
    )
    .await;
    let text = c.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
    for name in ["@metricsaurus", "@juniper.makes", "Dana Admin", "Metricsaurus"] {
        assert!(text.contains(name), "the overview shows {name}");
    }
    screenshot(&c, "overview").await;

    // An account: its media grid of CDN thumbnails, decoded.
    click(&c, &format!("a[href$='/account/{METRICSAURUS}']")).await;
    let decoded = wait_for(
        &c,
        "thumbnails decoded",
        "(() => { const imgs = [...document.querySelectorAll('[data-testid=media-grid] img, [data-testid=story] img, [data-testid=profile-picture]')]; \
           return imgs.length >= 10 && imgs.every(i => i.complete && i.naturalWidth > 0) && imgs.length; })()",
    )
    .await;
    assert!(decoded.as_u64().unwrap() >= 10);
    let srcs = c
        .execute(
            "return [...document.querySelectorAll('[data-testid=media-grid] img')].map(i => i.src)",
            vec![],
        )
        .await
        .unwrap();
    assert!(srcs
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s.as_str().unwrap().starts_with(&format!("{base}/v/"))));
    screenshot(&c, "account").await;

    // A generated MP4 plays in the browser.
    let reel = sb
        .client_as("Dana Admin")
        .get(
            &format!("{METRICSAURUS}/media"),
            &[("fields", "media_url,media_product_type"), ("limit", "50")],
        )
        .ok("ig_media_list")["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["media_product_type"] == "REELS")
        .and_then(|m| m["media_url"].as_str())
        .expect("a reel")
        .to_string();
    c.execute(
        "const v = document.createElement('video'); v.id = 'probe'; v.muted = true; v.src = arguments[0]; \
         v.addEventListener('error', () => v.dataset.failed = '1'); document.body.append(v);",
        vec![json!(reel)],
    )
    .await
    .unwrap();
    let width = wait_for(
        &c,
        "the MP4 decoded",
        "(() => { const v = document.getElementById('probe'); return v.dataset.failed ? -1 : v.readyState >= 2 && v.videoWidth; })()",
    )
    .await;
    assert!(width.as_i64().unwrap() > 0, "the video decodes: {width}");

    // The clock: +1 h from the UI moves the sandbox clock.
    let before = sb.now();
    let rendered = c
        .execute("return document.body.dataset.rendered", vec![])
        .await
        .unwrap();
    let rendered = rendered.as_str().expect("a rendered view").to_string();
    click(&c, "button[data-advance='3600']").await;
    wait_for(
        &c,
        "the clock moved and the view re-rendered",
        &format!(
            "document.querySelector('[data-testid=clock-now]')?.dataset.now == '{}' && document.body.dataset.rendered != '{rendered}'",
            before + 3600
        ),
    )
    .await;
    assert_eq!(sb.now(), before + 3600, "the control plane agrees");

    // A comment from the UI: open a media, follow its link to the outside-world form.
    let media = wait_for(
        &c,
        "the media grid",
        "document.querySelector('[data-testid=media]')?.dataset.id",
    )
    .await;
    let media = media.as_str().expect("a media id").to_string();
    click(&c, &format!("[data-testid=media][data-id='{media}']")).await;
    wait_for(
        &c,
        "the media's comments",
        "document.querySelector('#detail a[href*=\"events?media_id\"]')",
    )
    .await;
    screenshot(&c, "media").await;
    click(&c, "#detail a[href*='events?media_id']").await;
    wait_for(
        &c,
        "the comment form",
        &format!("document.querySelector('#comment-form input[name=media_id]')?.value == '{media}'"),
    )
    .await;
    let text_box = c.find(Locator::Css("#comment-form input[name=text]")).await.unwrap();
    text_box.clear().await.unwrap();
    let said = "Hello from a real browser";
    text_box.send_keys(said).await.unwrap();
    click(&c, "#comment-form button[type=submit]").await;
    wait_for(
        &c,
        "the comment was made",
        "document.querySelector('[data-testid=comment-form-result]:not([hidden])')",
    )
    .await;
    screenshot(&c, "events").await;
    assert!(
        comment_texts(&sb, &media).iter().any(|t| t == said),
        "the Graph API shows the comment"
    );

    // ... and its webhook delivery in the webhooks view. The change waits for others to share
    // its POST (the aggregation window, on the frozen sandbox clock): "flush now" sends it.
    click(&c, "[data-testid=nav-webhooks]").await;
    wait_for(&c, "the webhooks view", "document.querySelector('[data-testid=flush]')").await;
    click(&c, "[data-testid=flush]").await;
    wait_for(
        &c,
        "a comments delivery",
        "document.querySelector('[data-testid=delivery][data-field=comments][data-state=delivered]')",
    )
    .await;
    click(&c, "[data-testid=delivery][data-field=comments] button").await;
    let payload = wait_for(
        &c,
        "the payload shown",
        "[...document.querySelectorAll('[data-testid=payload]')].map(p => p.textContent).find(t => t.includes('Hello from a real browser'))",
    )
    .await;
    let payload: Value = serde_json::from_str(payload.as_str().unwrap()).unwrap();
    assert_eq!(payload["entry"][0]["changes"][0]["value"]["text"], said);
    assert!(receiver
        .posts()
        .iter()
        .any(|r| String::from_utf8_lossy(&r.body).contains(said)));
    screenshot(&c, "webhooks").await;

    // Publishing view renders its gauges.
    click(&c, "[data-testid=nav-publishing]").await;
    wait_for(
        &c,
        "the quota gauges",
        "document.querySelectorAll('[data-testid=gauge]').length >= 3",
    )
    .await;
    screenshot(&c, "publishing").await;

    // The request journal, followed live: requests made now show up without a reload.
    click(&c, "[data-testid=nav-requests]").await;
    journal_shows_requests_live(&c, &sb).await;
    screenshot(&c, "requests").await;

    // Its filters ask the journal: 4xx only, then any status again.
    choose(&c, "[data-testid=journal-status]", "4xx").await;
    let shown = wait_for(
        &c,
        "only 4xx rows",
        "(() => { const rows = [...document.querySelectorAll('[data-testid=request]')]; \
           return rows.length > 0 && rows.every(r => r.dataset.status.startsWith('4')) && rows.map(r => r.dataset.seq); })()",
    )
    .await;
    let failed = sb.requests("status=4xx&limit=1000");
    assert_eq!(
        shown.as_array().unwrap().len(),
        failed["data"].as_array().unwrap().len(),
        "every 4xx entry and nothing else: {shown} vs {failed}"
    );
    choose(&c, "[data-testid=journal-method]", "POST").await;
    let posts = wait_for(
        &c,
        "the method filter applied",
        "document.querySelector('[data-view=requests]').dataset.since != '0' && \
         [[...document.querySelectorAll('[data-testid=request]')].map(r => r.dataset.method + ' ' + r.dataset.status)]",
    )
    .await;
    let expected: Vec<String> = sb.requests("method=POST&status=4xx&limit=1000")["data"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|e| format!("POST {}", e["status"]))
        .collect();
    assert_eq!(posts, json!([expected]), "POST and 4xx, newest first");
    choose(&c, "[data-testid=journal-method]", "").await;
    choose(&c, "[data-testid=journal-status]", "").await;
    wait_for(
        &c,
        "every row again",
        "document.querySelectorAll('[data-testid=request]').length >= 3",
    )
    .await;

    // Clear: the rows go, and so do the journal's entries (its numbering goes on).
    let last = sb.requests("limit=1000")["next_since"].as_i64().unwrap();
    click(&c, "[data-testid=journal-clear]").await;
    wait_for(
        &c,
        "an empty table",
        "document.querySelectorAll('[data-testid=request]').length == 0",
    )
    .await;
    let left = sb.requests("limit=1000");
    assert!(
        left["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["seq"].as_i64().unwrap() > last),
        "the journal was cleared: {left}"
    );
    let after = sb.client_as("Dana Admin").get(METRICSAURUS, &[("fields", "id")]);
    after.ok("ig_user");
    let seq = newest_entry(&sb, METRICSAURUS)["seq"].as_i64().unwrap();
    assert!(seq > last, "numbering goes on after a clear");
    wait_for(
        &c,
        "a request after the clear",
        &format!("document.querySelector('[data-testid=request][data-seq=\"{seq}\"]')"),
    )
    .await;

    let errors = console_errors(&c, &driver).await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    c.close().await.expect("close the browser");
    let _ = std::fs::remove_dir_all(&profile);
}

/// Sets a `<select>` to `value` and fires its `change`, as a user picking an option does.
async fn choose(c: &Client, css: &str, value: &str) {
    let done = c
        .execute(
            "const el = document.querySelector(arguments[0]); if (!el) return false; \
             el.value = arguments[1]; el.dispatchEvent(new Event('change')); return el.value === arguments[1];",
            vec![json!(css), json!(value)],
        )
        .await
        .unwrap_or_else(|e| panic!("choose {value} in {css}: {e}"));
    assert_eq!(done, json!(true), "no option {value:?} in {css}");
}

/// The newest journal entry of `sb` whose path ends with `suffix`.
fn newest_entry(sb: &Sandbox, suffix: &str) -> Value {
    let page = sb.requests("limit=1000");
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["path"].as_str().unwrap().ends_with(suffix))
        .unwrap_or_else(|| panic!("no entry for {suffix}: {page}"))
        .clone()
}

/// On the journal view (its first poll done): a Graph read and a Graph error the test makes
/// now appear as rows without a reload, with the journal's own seq, method, path, status,
/// error code/subcode and sandbox time.
async fn journal_shows_requests_live(c: &Client, sb: &Sandbox) {
    wait_for(
        c,
        "the journal's first poll",
        "document.querySelector('[data-view=requests]')?.dataset.since > 0",
    )
    .await;
    let graph = sb.client_as("Dana Admin");
    graph.get(METRICSAURUS, &[("fields", "username")]).ok("ig_user");
    graph.get("1234", &[("fields", "id")]).graph_error(100, Some(33));
    for (suffix, status, error) in [(METRICSAURUS, "200", ""), ("/1234", "400", "100/33")] {
        let entry = newest_entry(sb, suffix);
        let seq = entry["seq"].as_i64().unwrap();
        let row = wait_for(
            c,
            "the request in the journal view",
            &format!(
                "(() => {{ const r = document.querySelector('[data-testid=request][data-seq=\"{seq}\"]'); \
                   return r && [r.dataset.method, r.dataset.path, r.dataset.status, r.dataset.error, r.children[1].textContent]; }})()"
            ),
        )
        .await;
        // The dashboard prints sandbox time as ISO 8601 in UTC with a Z.
        let time = simulator::timefmt::iso(entry["time"].as_i64().unwrap()).replace("+0000", "Z");
        assert_eq!(
            row,
            json!(["GET", entry["path"], status, error, time]),
            "the row of entry {entry}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_protected_mode_the_dashboard_asks_for_the_admin_token_and_works_with_it() {
    const TOKEN: &str = "browser-admin-s3cret";
    let mut cfg = conformance::target::test_config();
    cfg.admin_token = Some(TOKEN.into());
    let running = simulator::Simulator::new(cfg).spawn(0).expect("start igsim");
    let base = running.base_url();

    // Without the token the control plane answers 401; with it, 200.
    let refused = sim::attach_with_token(&base, "default", "not-the-token").unwrap_err();
    assert!(refused.contains(": 401 "), "{refused}");
    let sb = sim::attach_with_token(&base, "default", TOKEN).expect("the default sandbox");

    let driver = start_driver();
    let profile = profile_dir("protected");
    let c = browser(&driver, &profile).await;
    c.goto(&format!("{base}/_sim/ui")).await.expect("open the dashboard");
    let said = wait_for(
        &c,
        "the page says the control plane answered 401",
        "document.querySelector('[data-testid=auth-needed] [data-testid=auth-message]')?.textContent",
    )
    .await;
    let said = said.as_str().unwrap();
    assert!(said.contains("401") && said.contains("needs its admin token"), "{said}");
    assert_eq!(
        c.execute(
            "return document.querySelectorAll('[data-testid=account-link]').length",
            vec![]
        )
        .await
        .unwrap(),
        json!(0),
        "nothing of the sandbox is shown"
    );
    screenshot(&c, "protected").await;

    // A wrong token: refused, and the page says so.
    enter_token(&c, "not-the-token").await;
    wait_for(
        &c,
        "the refusal",
        "document.querySelector('[data-testid=auth-message]')?.textContent.includes('refused the token')",
    )
    .await;

    // The right one: the overview, and the journal followed live through the token.
    enter_token(&c, TOKEN).await;
    wait_for(
        &c,
        "the overview",
        "document.querySelectorAll('[data-testid=account-link]').length >= 5",
    )
    .await;
    click(&c, "[data-testid=nav-requests]").await;
    journal_shows_requests_live(&c, &sb).await;

    // Only the refused control-plane calls may have logged errors (Chromium logs each 401).
    let errors = console_errors(&c, &driver).await;
    assert!(
        errors.iter().all(|e| e.contains("/_sim/") && e.contains("401")),
        "console errors: {errors:#?}"
    );
    c.close().await.expect("close the browser");
    let _ = std::fs::remove_dir_all(&profile);
}

/// Types `token` into the token form and submits it.
async fn enter_token(c: &Client, token: &str) {
    wait_for(
        c,
        "the token form",
        "document.querySelector('#token-form input[name=token]')",
    )
    .await;
    let input = c.find(Locator::Css("#token-form input[name=token]")).await.unwrap();
    input.send_keys(token).await.unwrap();
    click(c, "#token-form button[type=submit]").await;
}
