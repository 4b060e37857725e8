//! Batch requests (facts §3.5): `POST /` with `batch=[{"method","relative_url","body"},…]`,
//! each operation run through the same route table as a request of its own, answered as
//! `[{"code","headers","body":"<JSON text>"},…]` in order.
//!
//! Supported per operation: `method`, `relative_url`, `body` (url-encoded), `access_token`
//! (falls back to the batch's token), `name` (accepted). JSONPath dependencies
//! (`depends_on`, `{result=…}`) are not evaluated: such an operation gets a (#100) error.

use crate::app::State;
use crate::error::{GraphError, GraphResult};
use crate::http::graph::{authenticate, sandbox_of};
use crate::http::request::{parse_jsonish, GraphRequest, Verb};
use crate::http::route::Operation;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Largest batch accepted (facts §3.5).
pub(crate) const MAX_OPS: usize = 50;

/// `POST /` with `batch`: its own token is the operations' fallback and is required (facts
/// §3.5): it is checked before the batch is even parsed, and a bad one answers its own error.
/// Each operation goes through `run_one`, the path of a call of its own (`http::router`).
pub(crate) fn handle(state: &State, req: &GraphRequest, run_one: Operation) -> GraphResult<Value> {
    let Some(token) = req.token.as_deref() else {
        return Err(GraphError::token_required());
    };
    sandbox_of(state, token)?.with_world(|world, now| authenticate(world, req, token, now))?;
    run(state, req, run_one)
}

/// An operation refused for `why`, answered in its place in the batch.
pub(crate) fn invalid_operation(why: &str) -> GraphError {
    GraphError::invalid_param(format!("Invalid batch operation: {why}"))
}

fn run(state: &State, req: &GraphRequest, run_one: Operation) -> GraphResult<Value> {
    let raw = req.json_param("batch").unwrap_or_else(|| Err("missing".into()));
    let ops = match raw {
        Ok(Value::Array(ops)) => ops,
        _ => {
            return Err(GraphError::invalid_param(
                "Param batch must be a JSON array of requests",
            ))
        }
    };
    if ops.len() > MAX_OPS {
        return Err(GraphError::invalid_param(format!(
            "Too many requests in batch message. Maximum batch size is {MAX_OPS}"
        )));
    }
    let include_headers = req.param("include_headers") != Some("false");
    let now = state.clock_of(req.token.as_deref());
    let mut out = Vec::with_capacity(ops.len());
    for op in &ops {
        let (status, body) = match operation(req, op, &state.sandboxes.config, now) {
            Ok(sub) => match run_one(state, &sub) {
                Ok(v) => (200, v),
                Err(e) => (e.status(), crate::http::response::error_body(&e, &state.traces.next())),
            },
            Err(e) => (e.status(), crate::http::response::error_body(&e, &state.traces.next())),
        };
        let mut entry = serde_json::Map::new();
        entry.insert("code".into(), json!(status));
        if include_headers {
            entry.insert(
                "headers".into(),
                json!([
                    { "name": "Content-Type", "value": "text/javascript; charset=UTF-8" },
                    { "name": "facebook-api-version", "value": req.version.to_string() }
                ]),
            );
        }
        entry.insert("body".into(), json!(body.to_string()));
        out.push(Value::Object(entry));
    }
    Ok(Value::Array(out))
}

/// Builds the request one batch operation stands for.
/// `now` dates a version in `relative_url` (the parent request's sandbox clock).
fn operation(parent: &GraphRequest, op: &Value, cfg: &crate::config::Config, now: i64) -> GraphResult<GraphRequest> {
    let bad = invalid_operation;
    let obj = op.as_object().ok_or_else(|| bad("each operation must be an object"))?;
    if obj.contains_key("depends_on") {
        return Err(bad("depends_on is not supported by igsim"));
    }
    let verb = match obj
        .get("method")
        .and_then(Value::as_str)
        .unwrap_or("GET")
        .to_ascii_uppercase()
        .as_str()
    {
        "GET" => Verb::Get,
        "POST" => Verb::Post,
        "DELETE" => Verb::Delete,
        other => return Err(bad(&format!("unsupported method {other}"))),
    };
    let url = obj
        .get("relative_url")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("relative_url is required"))?;
    if url.contains("{result=") {
        return Err(bad("JSONPath references are not supported by igsim"));
    }
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let mut segments = crate::http::request::split_path(path).ok_or_else(|| bad("relative_url is not valid"))?;
    let (requested, version) = match crate::http::request::take_version(&mut segments) {
        Some(v) => (Some(v), cfg.served_version(Some(v), now)),
        None => (parent.requested, parent.version),
    };
    crate::http::request::check_released(requested, now, &segments)?;
    let mut params: BTreeMap<String, String> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    if let Some(body) = obj.get("body").and_then(Value::as_str) {
        params.extend(form_urlencoded::parse(body.as_bytes()).into_owned());
    }
    let token = obj
        .get("access_token")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| params.get("access_token").cloned())
        .or_else(|| parent.token.clone());
    if let Some(p) = parent.param("appsecret_proof") {
        params.entry("appsecret_proof".into()).or_insert_with(|| p.to_string());
    }
    let json_values = params
        .iter()
        .filter(|(_, v)| v.starts_with('[') || v.starts_with('{'))
        .filter_map(|(k, v)| parse_jsonish(v).ok().map(|j| (k.clone(), j)))
        .collect();
    let op = GraphRequest {
        verb,
        requested,
        version,
        segments: segments.into(),
        params,
        json_values,
        token,
        base_url: parent.base_url.clone(),
        headers: parent.headers.clone(),
        instagram_host: parent.instagram_host,
        // Media URLs in batched container creations are judged offline (no prefetch).
        media_checks: BTreeMap::new(),
        media_files: BTreeMap::new(),
        // Each operation's token may name another sandbox: looked up when it runs.
        sandbox: None,
    };
    Ok(op)
}
