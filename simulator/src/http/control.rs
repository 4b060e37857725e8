//! The control plane under `/_sim/`: its admin-token check, its one error type
//! ([`ControlError`]), its answers ([`Reply`], [`render`]) and its one body reader
//! ([`body_json`]). Plain JSON, never a Graph path; its routes are rows of THE route table
//! (`http::routes`), its handlers one file per area below (sandboxes and clocks, snapshots, the
//! request journal, fault rules, events, webhooks, publishing, rate limits, login, the
//! dashboard's files).

pub(crate) mod events;
pub(crate) mod faults;
pub(crate) mod journal;
pub(crate) mod login;
pub(crate) mod publishing;
pub(crate) mod ratelimit;
pub mod sandboxes;
pub(crate) mod snapshots;
pub mod ui;
pub(crate) mod webhooks;

use crate::app::State;
use crate::config::Config;
use crate::http::response::{sim_json, Body};
use crate::sandbox::{Sandbox, SandboxError};
use bytes::Bytes;
use http::Response;
use serde_json::{json, Value};
use std::sync::Arc;

/// The second header the admin token may come in (besides `Authorization: Bearer <token>`).
pub const ADMIN_TOKEN_HEADER: &str = "x-igsim-admin-token";

/// A control-plane refusal: an HTTP status and a sentence saying what to send instead,
/// answered as `{"error": {"message", "status"}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ControlError {
    pub(crate) status: u16,
    pub(crate) message: String,
}

impl ControlError {
    pub(crate) fn new(status: u16, message: impl Into<String>) -> Self {
        ControlError {
            status,
            message: message.into(),
        }
    }

    /// 400: the request is malformed or names something invalid.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, message)
    }

    /// 404: no such sandbox, object or route.
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, message)
    }

    /// 409: the object is not in a state that allows it.
    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        Self::new(409, message)
    }

    fn render(&self) -> Response<Body> {
        sim_json(
            self.status,
            &json!({ "error": { "message": self.message, "status": self.status } }),
        )
    }
}

impl From<SandboxError> for ControlError {
    fn from(e: SandboxError) -> Self {
        match e {
            SandboxError::Exists(id) => Self::conflict(format!("sandbox {id} already exists")),
            SandboxError::NotFound(id) => Self::not_found(format!("no sandbox {id}")),
            SandboxError::BadId(id) => Self::bad_request(format!("bad sandbox id {id:?}: use 1-64 of A-Z a-z 0-9 - _")),
            SandboxError::BadWorld(msg) => Self::bad_request(format!("bad seed world: {msg}")),
            SandboxError::BadSnapshot(msg) => Self::bad_request(format!("bad snapshot: {msg}")),
            SandboxError::Protected => Self::bad_request("the default sandbox cannot be deleted (reset it instead)"),
            SandboxError::TokensTaken(other) => Self::conflict(format!(
                "this snapshot's tokens belong to sandbox {other} (a token names one sandbox): delete {other} first, or restore with ?id={other}&replace=true"
            )),
            SandboxError::Full(max) => Self::new(
                429,
                format!(
                    "sandbox limit reached: this igsim holds at most {max} sandboxes; DELETE /_sim/sandboxes/{{id}} one you no longer need, or start igsim with a larger --max-sandboxes"
                ),
            ),
        }
    }
}

impl From<crate::model::capacity::Full> for ControlError {
    /// 429, as for the process's sandbox limit: the sandbox holds all it may of a kind.
    fn from(full: crate::model::capacity::Full) -> Self {
        Self::new(429, full.to_string())
    }
}

/// A control-plane answer: a status (200 unless said) and a JSON body.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Value,
}

impl From<Value> for Reply {
    fn from(body: Value) -> Self {
        Reply { status: 200, body }
    }
}

pub(crate) type ControlResult = Result<Reply, ControlError>;

/// With a state directory: waits until the sandbox's latest changes are on disk; a failed
/// write is a 500 (the change is not acknowledged).
pub(crate) async fn persisted(state: &State, sandbox: &Arc<Sandbox>) -> Result<(), ControlError> {
    state.persist_all(sandbox).await.map_err(|e| ControlError::new(500, e))
}

/// The `{"success": true}` answer.
pub(crate) fn success() -> ControlResult {
    Ok(json!({ "success": true }).into())
}

/// The request body as a JSON object: an empty body is `{}`; anything but an object is a 400.
pub(crate) fn body_json(body: &Bytes) -> Result<Value, ControlError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(ControlError::bad_request("the body must be a JSON object")),
        Err(e) => Err(ControlError::bad_request(format!("body is not JSON: {e}"))),
    }
}

/// A query-string parameter of a control-plane request.
pub(crate) fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The admin-token check at the control plane's entry: passes when no token is configured
/// or the request carries it (`Authorization: Bearer <token>` or `X-Igsim-Admin-Token`);
/// otherwise 401 with a JSON error saying what is expected.
pub(crate) fn authorize(cfg: &Config, headers: &http::HeaderMap) -> Result<(), Response<Body>> {
    let Some(expected) = cfg.admin_token.as_deref() else {
        return Ok(());
    };
    let bearer = headers
        .get_all(http::header::AUTHORIZATION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        });
    let custom = headers
        .get_all(ADMIN_TOKEN_HEADER)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::trim);
    if bearer.chain(custom).any(|given| same_secret(given, expected)) {
        return Ok(());
    }
    let mut r = ControlError::new(
        401,
        "this igsim's control plane needs its admin token (the --admin-token or IGSIM_ADMIN_TOKEN it was started with): send Authorization: Bearer <token> or X-Igsim-Admin-Token: <token>",
    )
    .render();
    r.headers_mut().insert(
        http::header::WWW_AUTHENTICATE,
        http::HeaderValue::from_static("Bearer realm=\"igsim control plane\""),
    );
    Err(r)
}

/// Compares digests, so the time taken says nothing about how much of a guess was right.
fn same_secret(given: &str, expected: &str) -> bool {
    use sha2::Digest;
    sha2::Sha256::digest(given.as_bytes()) == sha2::Sha256::digest(expected.as_bytes())
}

/// A control-plane answer as sent: the reply's JSON, or the error's.
pub(crate) fn render(result: ControlResult) -> Response<Body> {
    match result {
        Ok(reply) => sim_json(reply.status, &reply.body),
        Err(e) => e.render(),
    }
}

/// The 404 of a path the control plane does not have.
pub(crate) fn no_route() -> ControlError {
    ControlError::not_found("no such control-plane route; see the README's control plane section")
}
