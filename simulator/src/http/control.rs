//! The control plane under `/_sim/`: its admin-token check, its one router, its one error type
//! ([`ControlError`]) and its one body reader ([`body_json`]). Plain JSON, never a Graph path;
//! one file per area below (sandboxes and clocks, events, webhooks, publishing, rate limits,
//! login, the dashboard's files).

pub mod events;
pub mod login;
pub mod publishing;
pub mod ratelimit;
pub mod sandboxes;
pub mod ui;
pub mod webhooks;

use crate::app::State;
use crate::config::Config;
use crate::http::request::RawRequest;
use crate::http::response::{sim_json, Body};
use crate::sandbox::{Sandbox, SandboxError};
use bytes::Bytes;
use http::{Method, Response};
use serde_json::{json, Value};
use std::sync::Arc;

/// The second header the admin token may come in (besides `Authorization: Bearer <token>`).
pub const ADMIN_TOKEN_HEADER: &str = "x-igsim-admin-token";

/// A control-plane refusal: an HTTP status and a sentence saying what to send instead,
/// answered as `{"error": {"message", "status"}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlError {
    pub status: u16,
    pub message: String,
}

impl ControlError {
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        ControlError {
            status,
            message: message.into(),
        }
    }

    /// 400: the request is malformed or names something invalid.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, message)
    }

    /// 404: no such sandbox, object or route.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, message)
    }

    /// 409: the object is not in a state that allows it.
    pub fn conflict(message: impl Into<String>) -> Self {
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
            SandboxError::Protected => Self::bad_request("the default sandbox cannot be deleted (reset it instead)"),
            SandboxError::Full(max) => Self::new(
                429,
                format!(
                    "sandbox limit reached: this igsim holds at most {max} sandboxes; DELETE /_sim/sandboxes/{{id}} one you no longer need, or start igsim with a larger --max-sandboxes"
                ),
            ),
        }
    }
}

/// A control-plane answer: a status (200 unless said) and a JSON body.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl From<Value> for Reply {
    fn from(body: Value) -> Self {
        Reply { status: 200, body }
    }
}

pub type ControlResult = Result<Reply, ControlError>;

/// The `{"success": true}` answer.
pub fn success() -> ControlResult {
    Ok(json!({ "success": true }).into())
}

/// The request body as a JSON object: an empty body is `{}`; anything but an object is a 400.
pub fn body_json(body: &Bytes) -> Result<Value, ControlError> {
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
pub fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The one exemption from the admin token: the web dashboard's static files under
/// `/_sim/ui` hold no secrets (its API calls carry the token like any other client).
/// `segs` are the path segments after `_sim`.
pub fn is_public(segs: &[String]) -> bool {
    segs.first().map(String::as_str) == Some("ui")
}

/// The admin-token check at the control plane's entry: passes when no token is configured
/// or the request carries it (`Authorization: Bearer <token>` or `X-Igsim-Admin-Token`);
/// otherwise 401 with a JSON error saying what is expected.
pub fn authorize(cfg: &Config, headers: &http::HeaderMap) -> Result<(), Response<Body>> {
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

/// One control-plane request: `segs` are the path segments after `_sim`.
pub async fn handle(state: &State, raw: &RawRequest, segs: &[String]) -> Response<Body> {
    if is_public(segs) {
        // The dashboard's static files: no secrets, never behind the admin token.
        return ui::serve(&raw.method, segs);
    }
    if let Err(refused) = authorize(&state.sandboxes.config, &raw.headers) {
        return refused;
    }
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    match route(state, raw, &segs).await {
        Ok(reply) => sim_json(reply.status, &reply.body),
        Err(e) => e.render(),
    }
}

/// THE control-plane routes (`segs` after `_sim`).
async fn route(state: &State, raw: &RawRequest, segs: &[&str]) -> ControlResult {
    use Method as M;
    let (method, query, body) = (&raw.method, raw.query.as_deref(), &raw.body);
    let sandbox = |id: &str| -> Result<Arc<Sandbox>, ControlError> {
        state
            .sandboxes
            .get(id)
            .ok_or_else(|| ControlError::not_found(format!("no sandbox {id}")))
    };
    match (method, segs) {
        (&M::GET, ["health"]) => Ok(sandboxes::health(state)),
        (&M::GET, ["sandboxes"]) => Ok(json!({ "data": state.sandboxes.ids() }).into()),
        (&M::POST, ["sandboxes"]) => sandboxes::create(state, query, body).await,
        (_, ["sandboxes", id, rest @ ..]) => {
            let sb = sandbox(id)?;
            match (method, rest) {
                (&M::GET, []) => Ok(sandboxes::describe(&sb).into()),
                (&M::DELETE, []) => sandboxes::delete(state, id),
                (&M::POST, ["reset"]) => sandboxes::reset(state, &sb).await,
                (&M::GET, ["clock"]) => Ok(sandboxes::clock_json(&sb).into()),
                (&M::POST, ["clock", "advance"]) => sandboxes::advance(state, &sb, query, body),
                (&M::POST, ["clock", "freeze"]) => sandboxes::freeze(&sb),
                (&M::POST, ["clock", "resume"]) => sandboxes::resume(&sb),
                (&M::GET, ["accounts"]) => Ok(sandboxes::accounts(&sb, &state.sandboxes.config).into()),
                (&M::POST, ["tokens", "revoke"]) => sandboxes::revoke(&sb, body),
                (&M::POST, ["tokens", "expire"]) => sandboxes::expire(&sb, body),
                (&M::GET, ["rate_limits"]) => Ok(ratelimit::status(&sb, &state.sandboxes.config).into()),
                (&M::POST, ["rate_limits"]) => ratelimit::update(&sb, body, &state.sandboxes.config),
                (_, ["rate_limits"]) => Err(ControlError::new(405, "use GET or POST")),
                (&M::GET, ["containers"]) => Ok(publishing::containers(&sb).into()),
                (&M::GET, ["containers", cid]) => publishing::container(&sb, cid),
                (&M::POST, ["containers", cid, "transition"]) => publishing::transition(&sb, cid, body),
                (&M::POST, ["containers", cid, "copyright"]) => publishing::container_copyright(&sb, cid, body),
                (&M::GET, ["publishing", "config"]) => Ok(publishing::config(&sb, &state.sandboxes.config).into()),
                (&M::POST, ["publishing", "config"]) => publishing::set_config(&sb, body, &state.sandboxes.config),
                (&M::POST, ["publishing", "media", mid, "copyright"]) => publishing::media_copyright(&sb, mid, body),
                (&M::POST, ["publishing", "media", mid, "collaborators"]) => publishing::collaborator(&sb, mid, body),
                (_, ["containers" | "publishing", ..]) => Err(ControlError::not_found(
                    "no such publishing control-plane route; see the README's control plane section",
                )),
                (&M::POST, ["events", kind]) => {
                    let r = events::event(state, &sb, kind, body);
                    state.webhooks.wake();
                    r
                }
                (&M::GET, ["webhooks"]) => Ok(webhooks::configuration(&sb).into()),
                (&M::POST, ["webhooks", "subscription"]) => webhooks::subscribe(state, &sb, body).await,
                (&M::DELETE, ["webhooks", "subscription"]) => webhooks::unsubscribe(&sb),
                (&M::POST, ["webhooks", "flush"]) => webhooks::flush(state, &sb).await,
                (&M::GET, ["webhooks", "deliveries"]) => webhooks::deliveries(raw, &sb),
                (&M::GET, ["webhooks", "deliveries", n]) => webhooks::delivery(&sb, n),
                (&M::POST, ["webhooks", "deliveries", n, "redeliver"]) => webhooks::redeliver(state, &sb, n).await,
                (&M::GET, ["webhooks", "posts"]) => Ok(webhooks::posts(&sb).into()),
                (&M::GET, ["webhooks", "posts", n]) => webhooks::post(&sb, n),
                (&M::GET, ["login", "redirect_uris"]) => Ok(login::redirect_uris(&sb).into()),
                (&M::POST, ["login", "redirect_uris"]) => login::set_redirect_uris(&sb, body),
                (&M::POST, ["login", "code"]) => login::code(state, &sb, body),
                (_, ["login", what]) => Err(ControlError::not_found(format!(
                    "no control-plane route {method} login/{what}"
                ))),
                _ => Err(not_found()),
            }
        }
        _ => Err(not_found()),
    }
}

fn not_found() -> ControlError {
    ControlError::not_found("no such control-plane route; see the README's control plane section")
}
