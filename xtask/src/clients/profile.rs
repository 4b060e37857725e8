//! What a client sent, read off the tap's exchanges — the facts of the README's client table —
//! and the checks every answer it got must pass (JSON, no 5xx, errors in the `error` shape).

use super::tap::Exchange;
use serde_json::Value;
use std::collections::BTreeSet;

/// How a client talks to the Graph API: each field is the set of what was seen over a flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sends {
    /// The version prefixes of the paths (`v24.0`), `none` for versionless paths.
    pub versions: BTreeSet<String>,
    /// Where `access_token` travelled: `query`, `form`, `json`, `multipart`, `header` (Bearer/OAuth).
    pub token: BTreeSet<String>,
    /// Where `appsecret_proof` travelled (same places); empty when never sent.
    pub proof: BTreeSet<String>,
    /// How POST parameters came: `form`, `json`, `multipart`, `query` (empty body).
    pub post_bodies: BTreeSet<String>,
    /// Whether some request was exactly a `paging.next` URL igsim had answered with.
    pub next_verbatim: bool,
}

impl Sends {
    /// A profile from string lists (the harness's table of expectations).
    pub fn of(versions: &[&str], token: &[&str], proof: &[&str], post_bodies: &[&str], next_verbatim: bool) -> Sends {
        let set = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect();
        Sends {
            versions: set(versions),
            token: set(token),
            proof: set(proof),
            post_bodies: set(post_bodies),
            next_verbatim,
        }
    }

    /// One line: `versions v24.0 · token query · proof - · POST bodies json · paging.next verbatim`.
    pub fn line(&self) -> String {
        let join = |s: &BTreeSet<String>| {
            if s.is_empty() {
                "-".to_string()
            } else {
                s.iter().cloned().collect::<Vec<_>>().join("+")
            }
        };
        format!(
            "versions {} · token {} · appsecret_proof {} · POST bodies {} · paging.next {}",
            join(&self.versions),
            join(&self.token),
            join(&self.proof),
            join(&self.post_bodies),
            if self.next_verbatim {
                "followed verbatim"
            } else {
                "not followed verbatim"
            }
        )
    }
}

/// The profile of a flow's exchanges; `tap_base` is the tap's `http://host:port`.
pub fn observe(exchanges: &[Exchange], tap_base: &str) -> Sends {
    let mut sends = Sends::of(&[], &[], &[], &[], false);
    let mut offered: BTreeSet<String> = BTreeSet::new();
    for x in exchanges {
        if offered.contains(&format!("{tap_base}{}", x.target)) {
            sends.next_verbatim = true;
        }
        sends.versions.insert(version_of(&x.target));
        for (name, places) in [
            ("access_token", &mut sends.token),
            ("appsecret_proof", &mut sends.proof),
        ] {
            places.extend(places_of(x, name));
        }
        if x.method == "POST" {
            sends.post_bodies.insert(body_kind(x));
        }
        if let Some(next) = serde_json::from_slice::<Value>(&x.response_body)
            .ok()
            .and_then(|v| v["paging"]["next"].as_str().map(str::to_string))
        {
            offered.insert(next);
        }
    }
    sends
}

/// Every answer that breaks the Graph conventions: not JSON, a 5xx, or an error envelope that
/// does not match `specs/error.schema.json`.
pub fn bad_answers(exchanges: &[Exchange]) -> Vec<String> {
    let mut bad = Vec::new();
    for x in exchanges {
        let what = format!("{} {} -> {}", x.method, x.target, x.status);
        if x.status >= 500 {
            bad.push(format!("{what}: a server error"));
        }
        match serde_json::from_slice::<Value>(&x.response_body) {
            Err(e) => bad.push(format!("{what}: not JSON ({e})")),
            Ok(v) if v.get("error").is_some() || x.status >= 400 => {
                if let Err(errors) = conformance::schemas::validate("error", &v) {
                    bad.push(format!("{what}: not a Graph error envelope: {}", errors.join("; ")));
                }
            }
            Ok(_) => {}
        }
    }
    bad
}

fn version_of(target: &str) -> String {
    let first = target.trim_start_matches('/').split(['/', '?']).next().unwrap_or("");
    let numeric = first.strip_prefix('v').is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    });
    if numeric {
        first.to_string()
    } else {
        "none".to_string()
    }
}

fn has_param(encoded: &[u8], name: &str) -> bool {
    form_urlencoded::parse(encoded).any(|(k, _)| k == name)
}

fn content_type(x: &Exchange) -> String {
    x.header("content-type").unwrap_or("").to_ascii_lowercase()
}

/// Where parameter `name` was found in a request.
fn places_of(x: &Exchange, name: &str) -> Vec<String> {
    let mut places = Vec::new();
    if let Some((_, query)) = x.target.split_once('?') {
        if has_param(query.as_bytes(), name) {
            places.push("query".to_string());
        }
    }
    let ct = content_type(x);
    let in_body = if ct.starts_with("application/x-www-form-urlencoded") {
        has_param(&x.request_body, name).then_some("form")
    } else if ct.starts_with("application/json") {
        serde_json::from_slice::<Value>(&x.request_body)
            .ok()
            .filter(|v| v.get(name).is_some())
            .map(|_| "json")
    } else if ct.starts_with("multipart/form-data") {
        let needle = format!("name=\"{name}\"");
        String::from_utf8_lossy(&x.request_body)
            .contains(&needle)
            .then_some("multipart")
    } else {
        None
    };
    places.extend(in_body.map(str::to_string));
    if name == "access_token" {
        let auth = x.header("authorization").unwrap_or("");
        if auth.starts_with("Bearer ") || auth.starts_with("OAuth ") {
            places.push("header".to_string());
        }
    }
    places
}

fn body_kind(x: &Exchange) -> String {
    if x.request_body.is_empty() {
        return "query".to_string();
    }
    let ct = content_type(x);
    let kind = [
        "application/x-www-form-urlencoded",
        "application/json",
        "multipart/form-data",
    ]
    .iter()
    .zip(["form", "json", "multipart"])
    .find(|(prefix, _)| ct.starts_with(**prefix))
    .map_or(ct.as_str(), |(_, kind)| kind);
    kind.to_string()
}
