//! Small helpers several test modules share.

use conformance::client::Client;
use serde_json::Value;

pub(crate) const METRICSAURUS: &str = "17841405822304914";

/// A tiny HTTP/1.1 file server on loopback serving fixed bodies by path (404 for others);
/// returns its base URL. It runs until the test binary ends.
pub(crate) fn serve_files(files: Vec<(&'static str, Vec<u8>)>) -> String {
    use std::io::{Read, Write};
    let files: std::collections::BTreeMap<&str, Vec<u8>> = files.into_iter().collect();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 4096];
            let n = s.read(&mut buf).unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]).to_string();
            let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
            let reply = match files.get(path.as_str()) {
                Some(b) => {
                    let mut r = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        b.len()
                    )
                    .into_bytes();
                    r.extend_from_slice(b);
                    r
                }
                None => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
            };
            let _ = s.write_all(&reply);
        }
    });
    format!("http://{addr}")
}

/// The `id`s of an edge's `data`, in order.
pub(crate) fn ids(v: &Value) -> Vec<String> {
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect()
}

/// The first of metricsaurus's newest 100 media (with caption and types) that `pred` accepts.
pub(crate) fn media_with(c: &Client, pred: impl Fn(&Value) -> bool) -> String {
    let r = c.get(
        &format!("{METRICSAURUS}/media"),
        &[("fields", "caption,media_type,media_product_type"), ("limit", "100")],
    );
    r.ok("ig_media_list")["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| pred(m))
        .and_then(|m| m["id"].as_str())
        .unwrap_or_else(|| panic!("no metricsaurus media matches"))
        .to_string()
}

/// The id of metricsaurus's media whose caption starts with `prefix`.
pub(crate) fn media_with_caption(c: &Client, prefix: &str) -> String {
    media_with(c, |m| m["caption"].as_str().is_some_and(|s| s.starts_with(prefix)))
}

/// A media's `comments_count` (comments and replies).
pub(crate) fn comments_count(c: &Client, media: &str) -> u64 {
    c.get(media, &[("fields", "comments_count")]).ok("ig_media")["comments_count"]
        .as_u64()
        .unwrap()
}

/// Instagram Login without a browser: the control plane's code for `account` with `scopes`,
/// exchanged at `POST /oauth/access_token` (the answer as it came).
pub(crate) fn ig_code_exchange(
    sb: &conformance::sim::Sandbox,
    account: &str,
    scopes: &[&str],
) -> conformance::client::Resp {
    let cb = "http://127.0.0.1:9/cb";
    let r = sb.control_post(
        "login/code",
        &serde_json::json!({ "flavour": "instagram", "account": account, "scopes": scopes, "redirect_uri": cb }),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let code = r.body["code"].as_str().unwrap().to_string();
    Client::new(&sb.base_url).with_version("").post(
        "oauth/access_token",
        &[
            ("client_id", &sb.app_id()),
            ("client_secret", &sb.app_secret()),
            ("grant_type", "authorization_code"),
            ("redirect_uri", cb),
            ("code", &code),
        ],
    )
}
