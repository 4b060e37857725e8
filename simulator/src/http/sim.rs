//! The control plane under `/_sim/`: sandboxes, their clocks, reset, token revocation and
//! health, and the entry to each sandbox's journal (`http::journal`) and fault rules
//! (`http::faults`). Plain JSON, never a Graph path.

use crate::http::response::{sim_error, sim_json, Body};
use crate::model::seed::WorldSeed;
use crate::model::{Revocation, World};
use crate::sandbox::{Sandbox, SandboxError};
use crate::server::State;
use bytes::Bytes;
use http::{Method, Response};
use serde_json::{json, Value};

/// The sandbox description: app credentials, users with tokens, pages, IG accounts.
pub fn describe(sandbox: &Sandbox) -> Value {
    sandbox.with_world(|w: &mut World, _| {
        let users: Vec<Value> = w
            .users
            .values()
            .map(|u| json!({ "id": u.id.to_string(), "name": u.name, "access_token": u.access_token, "permissions": u.permissions }))
            .collect();
        let pages: Vec<Value> = w
            .pages
            .values()
            .map(|p| {
                let token = p.page_tokens.values().next().cloned();
                json!({
                    "id": p.id.to_string(),
                    "name": p.name,
                    "access_token": token,
                    "instagram_business_account": p.ig_user.map(|i| i.to_string()),
                })
            })
            .collect();
        let accounts: Vec<Value> = w
            .ig_users
            .values()
            .map(|a| json!({ "id": a.id.to_string(), "username": a.username, "account_type": a.account_type.as_str() }))
            .collect();
        // Instagram Login: each seeded login with its token; `user_id` is the app-scoped id
        // the code exchange and `/me` show.
        let logins: Vec<Value> = w
            .login
            .seeded_tokens
            .iter()
            .filter_map(|(ig, token)| {
                let a = w.ig_users.get(ig)?;
                let t = w.tokens.get(token)?;
                Some(json!({
                    "id": ig.to_string(),
                    "user_id": w.ig_scoped_id(*ig).to_string(),
                    "username": a.username,
                    "access_token": token,
                    "permissions": t.scopes.iter().collect::<Vec<_>>(),
                }))
            })
            .collect();
        json!({
            "id": sandbox.id,
            "app": { "id": w.app.id.to_string(), "secret": w.app.secret },
            "users": users,
            "pages": pages,
            "instagram_accounts": accounts,
            "instagram_logins": logins,
        })
    })
}

fn clock_json(sandbox: &Sandbox) -> Value {
    let c = sandbox.clock();
    json!({ "now": sandbox.now(), "frozen": c.is_frozen() })
}

fn body_json(body: &Bytes) -> Result<Value, Response<Body>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|e| sim_error(400, &format!("body is not JSON: {e}")))
}

/// Whether a `POST /_sim/sandboxes` body asks for nothing: empty, whitespace, or `{}` (what
/// many HTTP clients send for "no options"). Such a sandbox gets the default world; an empty
/// world has to be asked for with content, e.g. `{"users": []}`.
fn no_options(body: &Bytes) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
        || serde_json::from_slice::<serde_json::Map<String, Value>>(body).is_ok_and(|m| m.is_empty())
}

fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn sandbox_error(e: SandboxError) -> Response<Body> {
    match e {
        SandboxError::Exists(id) => sim_error(409, &format!("sandbox {id} already exists")),
        SandboxError::NotFound(id) => sim_error(404, &format!("no sandbox {id}")),
        SandboxError::BadId(id) => sim_error(400, &format!("bad sandbox id {id:?}: use 1-64 of A-Z a-z 0-9 - _")),
        SandboxError::BadWorld(msg) => sim_error(400, &format!("bad seed world: {msg}")),
        SandboxError::Protected => sim_error(400, "the default sandbox cannot be deleted (reset it instead)"),
    }
}

pub fn handle(state: &State, method: &Method, segs: &[String], query: Option<&str>, body: &Bytes) -> Response<Body> {
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let sbs = &state.sandboxes;
    let with = |id: &str, f: &dyn Fn(&Sandbox) -> Response<Body>| match sbs.get(id) {
        Some(s) => f(&s),
        None => sim_error(404, &format!("no sandbox {id}")),
    };
    match (method, segs.as_slice()) {
        (&Method::GET, ["health"]) => sim_json(
            200,
            &json!({ "status": "ok", "sandboxes": sbs.ids().len(), "version": env!("CARGO_PKG_VERSION") }),
        ),
        (&Method::GET, ["sandboxes"]) => sim_json(200, &json!({ "data": sbs.ids() })),
        (&Method::POST, ["sandboxes"]) => {
            let world = if no_options(body) {
                state.default_world.clone()
            } else {
                match serde_json::from_slice::<WorldSeed>(body) {
                    Ok(w) => w,
                    Err(e) => return sim_error(400, &format!("bad seed world: {e}")),
                }
            };
            let seed = match query_param(query, "seed").map(|s| s.parse::<u64>()) {
                None => None,
                Some(Ok(n)) => Some(n),
                Some(Err(_)) => return sim_error(400, "seed must be an unsigned integer"),
            };
            match sbs.create(query_param(query, "id"), world, seed) {
                Ok(s) => sim_json(201, &describe(&s)),
                Err(e) => sandbox_error(e),
            }
        }
        (&Method::GET, ["sandboxes", id]) => with(id, &|s| sim_json(200, &describe(s))),
        (&Method::DELETE, ["sandboxes", id]) => match sbs.delete(id) {
            Ok(()) => sim_json(200, &json!({ "success": true })),
            Err(e) => sandbox_error(e),
        },
        (&Method::POST, ["sandboxes", id, "reset"]) => match sbs.reset(id) {
            Ok(s) => sim_json(200, &describe(&s)),
            Err(e) => sandbox_error(e),
        },
        (&Method::GET, ["sandboxes", id, "clock"]) => with(id, &|s| sim_json(200, &clock_json(s))),
        (&Method::POST, ["sandboxes", id, "clock", "advance"]) => with(id, &|s| {
            let v = match body_json(body) {
                Ok(v) => v,
                Err(r) => return r,
            };
            let seconds = v
                .get("seconds")
                .and_then(Value::as_i64)
                .or_else(|| query_param(query, "seconds").and_then(|q| q.parse().ok()));
            match seconds {
                Some(n) if n >= 0 => match s.with_clock(|c, os| c.advance(n, os)) {
                    Ok(()) => {
                        // Deliveries that fell due during the jump go out now.
                        state.webhooks.wake();
                        sim_json(200, &clock_json(s))
                    }
                    Err(room) => sim_error(
                        400,
                        &format!("sandbox time cannot pass 9999-12-31T23:59:59+0000: at most {room} more seconds"),
                    ),
                },
                Some(_) => sim_error(400, "seconds must not be negative: sandbox time never goes backwards"),
                None => sim_error(400, "give {\"seconds\": <non-negative integer>}"),
            }
        }),
        (&Method::POST, ["sandboxes", id, "clock", "freeze"]) => with(id, &|s| {
            s.with_clock(|c, os| c.freeze(os));
            sim_json(200, &clock_json(s))
        }),
        (&Method::POST, ["sandboxes", id, "clock", "resume"]) => with(id, &|s| {
            s.with_clock(|c, os| c.resume(os));
            sim_json(200, &clock_json(s))
        }),
        (&Method::POST, ["sandboxes", id, "tokens", "revoke"]) => with(id, &|s| {
            let v = match body_json(body) {
                Ok(v) => v,
                Err(r) => return r,
            };
            let Some(token) = v.get("access_token").and_then(Value::as_str) else {
                return sim_error(400, "give {\"access_token\": ..., \"reason\": ...}");
            };
            let reason: Revocation = match serde_json::from_value(v.get("reason").cloned().unwrap_or(json!("logged_out"))) {
                Ok(r) => r,
                Err(_) => return sim_error(400, "reason is one of app_deauthorized, password_changed, invalidated_by_api, logged_out, session_invalid"),
            };
            s.with_world(|w, _| match w.tokens.get_mut(token) {
                Some(t) => {
                    t.revoked = Some(reason);
                    sim_json(200, &json!({ "success": true }))
                }
                None => sim_error(404, "no such token in this sandbox"),
            })
        }),
        (&Method::POST, ["sandboxes", id, "tokens", "expire"]) => with(id, &|s| {
            let v = match body_json(body) {
                Ok(v) => v,
                Err(r) => return r,
            };
            let Some(token) = v.get("access_token").and_then(Value::as_str) else {
                return sim_error(400, "give {\"access_token\": ...}");
            };
            s.with_world(|w, now| match w.tokens.get_mut(token) {
                Some(t) => {
                    t.expires_at = Some(now);
                    sim_json(200, &json!({ "success": true }))
                }
                None => sim_error(404, "no such token in this sandbox"),
            })
        }),
        (_, ["sandboxes", id, "requests", rest @ ..]) => {
            with(id, &|s| crate::http::journal::control(s, method, rest, query))
        }
        (_, ["sandboxes", id, "faults", rest @ ..]) => with(id, &|s| {
            crate::http::faults::control(s, method, rest, body, &state.sandboxes.config)
        }),
        (_, ["sandboxes", id, "rate_limits"]) => with(id, &|s| {
            crate::http::ratelimit::control(s, method, body, &state.sandboxes.config)
        }),
        (_, ["sandboxes", id, area @ ("containers" | "publishing"), rest @ ..]) => with(id, &|s| {
            crate::http::publishing::control(s, method, area, rest, body, &state.sandboxes.config)
        }),
        _ => sim_error(
            404,
            "no such control-plane route; see the README's control plane section",
        ),
    }
}
