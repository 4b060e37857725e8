//! Drift between two recordings: for each request (by scenario, step and a template of the
//! request that ignores ids, credentials and cursors) the shapes of the responses are
//! compared: fields added or removed, type changes, enum values, error code/subcode, and
//! the paging shape (which `paging` members exist, which parameters the links carry).
//!
//! Values are not compared: two accounts have different data. Enum-like strings
//! (`UPPER_SNAKE` such as `CAROUSEL_ALBUM`) are compared as sets per field.

use crate::record::{Exchange, Recording};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DriftKind {
    FieldAdded,
    FieldRemoved,
    TypeChanged,
    EnumChanged,
    ErrorChanged,
    StatusChanged,
    PagingShape,
    /// A request only one side made (the flow took another path): reported, not drift.
    OnlyInOne,
}

impl DriftKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DriftKind::FieldAdded => "field added",
            DriftKind::FieldRemoved => "field removed",
            DriftKind::TypeChanged => "type changed",
            DriftKind::EnumChanged => "enum changed",
            DriftKind::ErrorChanged => "error changed",
            DriftKind::StatusChanged => "status changed",
            DriftKind::PagingShape => "paging shape",
            DriftKind::OnlyInOne => "only in one",
        }
    }

    /// Whether this finding fails `igconform diff`.
    pub fn is_drift(self) -> bool {
        self != DriftKind::OnlyInOne
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Drift {
    pub scenario: String,
    /// `step :: METHOD /template ?params`.
    pub request: String,
    pub kind: DriftKind,
    /// JSON path such as `$.data[].media_type` (empty for status/error findings).
    pub path: String,
    pub detail: String,
}

/// Everything observed for one request template.
#[derive(Debug, Default, Clone)]
struct Shape {
    types: BTreeMap<String, BTreeSet<&'static str>>,
    enums: BTreeMap<String, BTreeSet<String>>,
    outcomes: BTreeSet<String>,
    link_params: BTreeMap<String, BTreeSet<String>>,
}

/// Parameters that vary between runs and say nothing about the request's meaning.
const VOLATILE_PARAMS: &[&str] = &[
    "access_token",
    "appsecret_proof",
    "after",
    "before",
    "input_token",
    "fb_exchange_token",
    "client_secret",
    "client_id",
];

/// The identity of a request across targets: `step :: METHOD /{v}/{id}/media ?fields=..&limit`.
pub fn request_key(e: &Exchange) -> String {
    let rest = e.url.split_once("://").map_or(e.url.as_str(), |(_, r)| r);
    let path_and_query = rest.find('/').map_or("", |i| &rest[i..]);
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    let path: Vec<&str> = path
        .split('/')
        .map(|seg| {
            if seg.len() > 1 && seg.starts_with('v') && seg[1..].split('.').all(|p| p.parse::<u32>().is_ok()) {
                "{v}"
            } else if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
                "{id}"
            } else {
                seg
            }
        })
        .collect();
    let mut params: BTreeSet<String> = BTreeSet::new();
    for (k, v) in form_urlencoded::parse(query.as_bytes()).chain(e.form.iter().map(|(k, v)| (k.into(), v.into()))) {
        if VOLATILE_PARAMS.contains(&k.as_ref()) {
            continue;
        }
        params.insert(match k.as_ref() {
            "fields" | "grant_type" => format!("{k}={v}"),
            _ => k.into_owned(),
        });
    }
    let params: Vec<String> = params.into_iter().collect();
    format!("{} :: {} {} ?{}", e.step, e.method, path.join("/"), params.join("&"))
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn is_enum_like(s: &str) -> bool {
    s.len() >= 2
        && s.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

fn is_id_key(k: &str) -> bool {
    !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit())
}

fn collect(shape: &mut Shape, path: &str, v: &Value) {
    shape.types.entry(path.to_string()).or_default().insert(type_name(v));
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let name = if is_id_key(k) { "{id}" } else { k.as_str() };
                collect(shape, &format!("{path}.{name}"), child);
            }
        }
        Value::Array(items) => {
            for item in items {
                collect(shape, &format!("{path}[]"), item);
            }
        }
        Value::String(s) => {
            if is_enum_like(s) {
                shape.enums.entry(path.to_string()).or_default().insert(s.clone());
            }
            if path.ends_with("paging.next") || path.ends_with("paging.previous") {
                let names: BTreeSet<String> = s
                    .split_once('?')
                    .map(|(_, q)| {
                        form_urlencoded::parse(q.as_bytes())
                            .map(|(k, _)| k.into_owned())
                            .filter(|k| k != "access_token" && k != "appsecret_proof")
                            .collect()
                    })
                    .unwrap_or_default();
                shape.link_params.entry(path.to_string()).or_default().extend(names);
            }
        }
        _ => {}
    }
}

fn outcome(e: &Exchange) -> String {
    match e.body.get("error") {
        Some(err) if e.status >= 400 || e.status == 200 && err.is_object() => {
            let code = err["code"].as_i64().map_or("?".into(), |c| c.to_string());
            let sub = err["error_subcode"].as_i64().map_or("-".into(), |c| c.to_string());
            format!("{} error {code}/{sub}", e.status)
        }
        _ => e.status.to_string(),
    }
}

fn shapes(recordings: &[Recording]) -> BTreeMap<String, BTreeMap<String, Shape>> {
    let mut out: BTreeMap<String, BTreeMap<String, Shape>> = BTreeMap::new();
    for r in recordings {
        let per = out.entry(r.scenario.clone()).or_default();
        for e in &r.exchanges {
            let shape = per.entry(request_key(e)).or_default();
            let o = outcome(e);
            let ok = (200..300).contains(&e.status) && !o.contains("error");
            shape.outcomes.insert(o);
            if ok {
                collect(shape, "$", &e.body);
            }
        }
    }
    out
}

fn is_paging(path: &str) -> bool {
    path.contains(".paging")
}

/// Every difference from `base` to `other`; empty means no drift.
pub fn compare(base: &[Recording], other: &[Recording]) -> Vec<Drift> {
    let a = shapes(base);
    let b = shapes(other);
    let mut out = Vec::new();
    for (scenario, reqs_a) in &a {
        let Some(reqs_b) = b.get(scenario) else {
            continue;
        };
        let keys: BTreeSet<&String> = reqs_a.keys().chain(reqs_b.keys()).collect();
        for key in keys {
            let mut push = |kind, path: &str, detail: String| {
                out.push(Drift {
                    scenario: scenario.clone(),
                    request: key.clone(),
                    kind,
                    path: path.to_string(),
                    detail,
                })
            };
            let (sa, sb) = match (reqs_a.get(key), reqs_b.get(key)) {
                (Some(x), Some(y)) => (x, y),
                (Some(_), None) => {
                    push(
                        DriftKind::OnlyInOne,
                        "",
                        "request made only in the base recording".into(),
                    );
                    continue;
                }
                (None, _) => {
                    push(
                        DriftKind::OnlyInOne,
                        "",
                        "request made only in the other recording".into(),
                    );
                    continue;
                }
            };
            if sa.outcomes != sb.outcomes {
                let either_error = sa.outcomes.iter().chain(&sb.outcomes).any(|o| o.contains("error"));
                let kind = if either_error {
                    DriftKind::ErrorChanged
                } else {
                    DriftKind::StatusChanged
                };
                push(kind, "", format!("{} -> {}", join(&sa.outcomes), join(&sb.outcomes)));
            }
            if sa.types.is_empty() || sb.types.is_empty() {
                continue;
            }
            for (path, ta) in &sa.types {
                match sb.types.get(path) {
                    None => push(
                        if is_paging(path) {
                            DriftKind::PagingShape
                        } else {
                            DriftKind::FieldRemoved
                        },
                        path,
                        format!("present in base ({}), absent in other", join(ta)),
                    ),
                    Some(tb) if tb != ta => push(
                        if is_paging(path) {
                            DriftKind::PagingShape
                        } else {
                            DriftKind::TypeChanged
                        },
                        path,
                        format!("{} -> {}", join(ta), join(tb)),
                    ),
                    _ => {}
                }
            }
            for (path, tb) in &sb.types {
                if !sa.types.contains_key(path) {
                    push(
                        if is_paging(path) {
                            DriftKind::PagingShape
                        } else {
                            DriftKind::FieldAdded
                        },
                        path,
                        format!("absent in base, present in other ({})", join(tb)),
                    );
                }
            }
            for (path, ea) in &sa.enums {
                let Some(eb) = sb.enums.get(path) else { continue };
                let new: BTreeSet<&String> = eb.difference(ea).collect();
                if !new.is_empty() || ea.is_disjoint(eb) {
                    push(DriftKind::EnumChanged, path, format!("{} -> {}", join(ea), join(eb)));
                }
            }
            for (path, pa) in &sa.link_params {
                if let Some(pb) = sb.link_params.get(path) {
                    if pa != pb {
                        push(
                            DriftKind::PagingShape,
                            path,
                            format!("link parameters {} -> {}", join(pa), join(pb)),
                        );
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn join<T: std::fmt::Display>(set: impl IntoIterator<Item = T>) -> String {
    set.into_iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ")
}

/// Whether any finding is real drift (not just a different path through a flow).
pub fn has_drift(findings: &[Drift]) -> bool {
    findings.iter().any(|d| d.kind.is_drift())
}
