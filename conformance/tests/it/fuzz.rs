//! A bounded HTTP fuzz test (issue 13): random requests built from real ids and garbage, every
//! method, `fields`, `ids`, paging parameters, JSON parameters nested up to 10,000 deep, and
//! bodies of every content type, sent over raw sockets to a simulator of its own. Whatever is
//! sent, the connection is never dropped without an answer, nothing answers 5xx, every error
//! is a valid envelope (Graph's, the control plane's, or Instagram Login's own on its code
//! exchange), and the simulator still answers afterwards.

use conformance::sim::{self, Sandbox};
use proptest::prelude::*;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::OnceLock;
use std::time::Duration;

/// The fuzzed simulator (its own: requests may delete or reset its sandboxes), a sandbox on
/// it, and the real ids paths are built from.
struct Target {
    _running: simulator::Running,
    addr: String,
    token: String,
    ids: Vec<String>,
}

fn target() -> &'static Target {
    static T: OnceLock<Target> = OnceLock::new();
    T.get_or_init(|| {
        let running = simulator::Simulator::new(conformance::target::test_config())
            .spawn(0)
            .expect("start a simulator");
        let sb: Sandbox = sim::new_sandbox(&running.base_url(), None);
        let token = sb.user_token("Dana Admin");
        let c = sb.client_as("Dana Admin");
        let ig = sb.ig_id("metricsaurus");
        let media = c
            .get(&format!("{ig}/media"), &[("fields", "comments{id}"), ("limit", "5")])
            .ok("ig_media_list")
            .clone();
        let mut ids = vec![
            ig,
            sb.id.clone(),
            sb.app_id(),
            sb.info["users"][0]["id"].as_str().unwrap_or_default().to_string(),
            sb.info["pages"][0]["id"].as_str().unwrap_or_default().to_string(),
            "17843857450040591".to_string(), // #bluebottle (a global hashtag id)
            "960179311066902".to_string(),   // the demo catalog
        ];
        for m in media["data"].as_array().into_iter().flatten() {
            ids.extend(m["id"].as_str().map(str::to_string));
            for c in m["comments"]["data"].as_array().into_iter().flatten() {
                ids.extend(c["id"].as_str().map(str::to_string));
            }
        }
        Target {
            addr: running.addr().to_string(),
            _running: running,
            token,
            ids,
        }
    })
}

const EDGES: &[&str] = &[
    "me",
    "media",
    "media_publish",
    "comments",
    "replies",
    "insights",
    "product_tags",
    "available_catalogs",
    "catalog_product_search",
    "tags",
    "stories",
    "children",
    "collaborators",
    "subscriptions",
    "subscribed_apps",
    "mentions",
    "recently_searched_hashtags",
    "top_media",
    "content_publishing_limit",
    "permissions",
    "accounts",
    "oauth",
    "access_token",
    "debug_token",
    "ig_hashtag_search",
    "_sim",
    "sandboxes",
    "webhooks",
    "deliveries",
    "flush",
    "events",
    "comment",
    "clock",
    "advance",
    "reset",
    "health",
];

/// A path segment: a real id, an edge name, or garbage (percent signs included).
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<prop::sample::Index>().prop_map(|i| target().ids[i.index(target().ids.len())].clone()),
        4 => prop::sample::select(EDGES).prop_map(str::to_string),
        2 => "[A-Za-z0-9%._~-]{1,24}",
        1 => "[0-9]{1,25}",
    ]
}

/// JSON-ish text nested up to 10,000 deep (arrays, JSON5 objects, strict objects), as often
/// shallow as past any parser's limit.
fn nested() -> impl Strategy<Value = String> {
    (prop_oneof![0usize..=200, 200usize..=3_000, 3_000usize..=10_000], 0u8..3).prop_map(|(depth, kind)| {
        let (open, close) = match kind {
            0 => ("[", "]"),
            1 => ("{a:", "}"),
            _ => ("{\"a\":", "}"),
        };
        format!("{}1{}", open.repeat(depth), close.repeat(depth))
    })
}

/// A value for a parameter: plausible, garbage, or deeply nested.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[ -~]{0,30}",
        2 => "[a-z_]{1,12}(\\{[a-z_,{}()0-9.]{0,20}\\})?(,[a-z_]{1,8}){0,3}",
        1 => "-?[0-9]{1,20}",
        1 => any::<prop::sample::Index>().prop_map(|i| target().ids[i.index(target().ids.len())].clone()),
        1 => nested(),
        1 => "\\PC{0,20}",
    ]
}

const PARAMS: &[&str] = &[
    "fields",
    "ids",
    "limit",
    "after",
    "before",
    "since",
    "until",
    "metric",
    "period",
    "q",
    "user_id",
    "batch",
    "message",
    "image_url",
    "user_tags",
    "caption",
    "media_type",
    "children",
    "method",
    "grant_type",
    "client_id",
    "client_secret",
    "fb_exchange_token",
    "input_token",
    "product_tags",
    "updated_tags",
];

/// Parameters: each a known name (or garbage) with a value; the token is Dana's, garbage or
/// left out.
fn params() -> impl Strategy<Value = Vec<(String, String)>> {
    let pair = (
        prop_oneof![4 => prop::sample::select(PARAMS).prop_map(str::to_string), 1 => "[a-z_]{1,10}"],
        value(),
    );
    (prop::collection::vec(pair, 0..5), 0u8..3).prop_map(|(mut ps, token)| {
        match token {
            0 => ps.push(("access_token".into(), target().token.clone())),
            1 => ps.push(("access_token".into(), "EAAGgarbage123".into())),
            _ => {}
        }
        ps
    })
}

#[derive(Debug, Clone)]
enum Body {
    None,
    Form,
    Json,
    Multipart,
    Text,
    Octets(Vec<u8>),
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        Just(Body::None),
        Just(Body::Form),
        Just(Body::Json),
        Just(Body::Multipart),
        Just(Body::Text),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(Body::Octets),
    ]
}

fn encode(params: &[(String, String)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        s.append_pair(k, v);
    }
    s.finish()
}

/// The request's bytes: parameters in the query or in the body, as the body kind says.
fn request(method: &str, path: &str, params: &[(String, String)], body: &Body) -> Vec<u8> {
    let (query, content_type, payload): (String, Option<&str>, Vec<u8>) = match body {
        Body::None => (encode(params), None, Vec::new()),
        Body::Form => (
            String::new(),
            Some("application/x-www-form-urlencoded"),
            encode(params).into_bytes(),
        ),
        Body::Json => {
            // Values that parse as JSON go as JSON, nested ones included.
            let map: serde_json::Map<String, Value> = params
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        serde_json::from_str(v).unwrap_or_else(|_| Value::String(v.clone())),
                    )
                })
                .collect();
            (
                String::new(),
                Some("application/json"),
                Value::Object(map).to_string().into_bytes(),
            )
        }
        Body::Multipart => {
            let mut b = String::new();
            for (k, v) in params {
                b.push_str(&format!(
                    "--XyZ\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                ));
            }
            b.push_str("--XyZ--\r\n");
            (String::new(), Some("multipart/form-data; boundary=XyZ"), b.into_bytes())
        }
        Body::Text => (String::new(), Some("text/plain"), encode(params).into_bytes()),
        Body::Octets(bytes) => (encode(params), Some("application/octet-stream"), bytes.clone()),
    };
    let target = if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    };
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    if let Some(ct) = content_type {
        head.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", payload.len()));
    let mut out = head.into_bytes();
    out.extend(payload);
    out
}

/// Sends one request on its own connection; the whole answer, or why there was none.
fn exchange(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut s = TcpStream::connect(&target().addr).map_err(|e| format!("connect: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    s.write_all(bytes).map_err(|e| format!("send: {e}"))?;
    let mut out = Vec::new();
    s.read_to_end(&mut out)
        .map_err(|e| format!("the connection dropped: {e}"))?;
    Ok(out)
}

/// Checks one answer; `Err` says what is wrong with it.
fn check(method: &str, path: &str, answer: &[u8]) -> Result<(), String> {
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("no complete answer: {:?}", String::from_utf8_lossy(answer)))?;
    let head = String::from_utf8_lossy(&answer[..split]).to_ascii_lowercase();
    let body = &answer[split + 4..];
    let status: u16 = head
        .strip_prefix("http/1.1 ")
        .and_then(|r| r.get(..3))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status line: {head}"))?;
    if status >= 500 {
        return Err(format!("{status}: {}", String::from_utf8_lossy(body)));
    }
    if let Some(len) = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        if method != "HEAD" && len != body.len() {
            return Err(format!("content-length {len} but {} bytes came", body.len()));
        }
    }
    let json = head.contains("content-type: application/json");
    let cdn = path.trim_start_matches('/').starts_with("v/");
    if status < 400 || method == "HEAD" || cdn || !json {
        // Successes have their own shapes (other tests check them); the CDN and the login
        // dialogs answer bytes and HTML; HEAD has no body. Errors must still be JSON:
        if status >= 400 && !json && !cdn && method != "HEAD" && !path.contains("dialog") && !path.contains("authorize")
        {
            return Err(format!("{status} without a JSON envelope: {head}"));
        }
        return Ok(());
    }
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("{e}: {}", String::from_utf8_lossy(body)))?;
    let valid = ["error", "sim_error", "ig_login_oauth_error"]
        .iter()
        .any(|schema| conformance::schemas::validate(schema, &v).is_ok());
    if valid {
        Ok(())
    } else {
        Err(format!("{status} with no valid error envelope: {v}"))
    }
}

fn alive() -> Result<(), String> {
    let answer = exchange(b"GET /_sim/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
    if answer.starts_with(b"HTTP/1.1 200") {
        Ok(())
    } else {
        Err(format!("health: {}", String::from_utf8_lossy(&answer)))
    }
}

/// The parameters that carry JSON (each parsed with the JSON5 fallback), with the route that
/// reads them and its other required parameters.
fn json_request() -> impl Strategy<Value = (&'static str, String, Vec<(String, String)>)> {
    let ig = || target().ids[0].clone();
    prop_oneof![
        nested().prop_map(|v| ("POST", String::new(), vec![("batch".to_string(), v)])),
        (
            prop::sample::select(vec!["user_tags", "product_tags", "collaborators", "children"]),
            nested()
        )
            .prop_map(move |(name, v)| {
                let ps = vec![
                    ("image_url".to_string(), "https://example.com/a.jpg".to_string()),
                    (name.to_string(), v),
                ];
                ("POST", format!("{}/media", ig()), ps)
            }),
        nested().prop_map(|v| ("GET", String::new(), vec![("ids".to_string(), v)])),
        nested().prop_map(|v| ("GET", target().ids[0].clone(), vec![("fields".to_string(), v)])),
    ]
}

/// Sends one request and checks the answer and that the simulator still answers.
fn one(method: &str, path: &str, params: &[(String, String)], body: &Body) -> Result<(), TestCaseError> {
    let bytes = request(method, path, params, body);
    let answer = exchange(&bytes).map_err(TestCaseError::fail)?;
    check(method, path, &answer).map_err(|e| TestCaseError::fail(format!("{method} {path}: {e}")))?;
    alive().map_err(TestCaseError::fail)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_request_takes_the_simulator_down_or_gets_anything_but_an_envelope(
        method in prop::sample::select(vec!["GET", "POST", "DELETE", "HEAD", "PUT", "PATCH", "OPTIONS"]),
        version in prop::sample::select(vec!["", "/v21.0", "/v18.0", "/v2.3", "/v99.0", "/vx.y"]),
        segments in prop::collection::vec(segment(), 0..4),
        params in params(),
        body in body(),
    ) {
        let path = format!("{version}/{}", segments.join("/"));
        one(method, &path, &params, &body)?;
    }

    #[test]
    fn json_parameters_nested_to_any_depth_get_an_envelope_in_every_body_kind(
        (method, path, mut params) in json_request(),
        token in prop::sample::select(vec![true, false]),
        body in prop::sample::select(vec![Body::None, Body::Form, Body::Json, Body::Multipart, Body::Text]),
    ) {
        if token {
            params.push(("access_token".into(), target().token.clone()));
        }
        one(method, &format!("/v21.0/{path}"), &params, &body)?;
    }
}
