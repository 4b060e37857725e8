//! The control plane's sandboxes: create (off the request threads), describe, reset, delete;
//! their clocks (advance, freeze, resume); token revocation and expiry; the accounts view
//! with quota gauges; health.

use super::{body_json, query_param, success, ControlError, ControlResult, Reply};
use crate::app::State;
use crate::model::seed::WorldSeed;
use crate::model::window::Window;
use crate::model::{Revocation, World};
use crate::sandbox::{Sandbox, SandboxError, SeedWorld};
use bytes::Bytes;
use serde_json::{json, Value};
use std::sync::Arc;

/// `GET /_sim/sandboxes`: the ids of every sandbox.
pub(crate) fn list(state: &State) -> Reply {
    json!({ "data": state.sandboxes.ids() }).into()
}

/// `GET /_sim/health`.
pub(crate) fn health(state: &State) -> Reply {
    json!({
        "status": "ok",
        "sandboxes": state.sandboxes.ids().len(),
        "version": env!("CARGO_PKG_VERSION"),
        "usage": state.usage(),
    })
    .into()
}

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
            .map(|a| {
                json!({
                    "id": a.id.to_string(),
                    "username": a.username,
                    "account_type": a.account_type.as_str(),
                    "owner_business": a.owner_business().to_string(),
                })
            })
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
            "app": { "id": w.app.id.to_string(), "secret": w.app.secret, "created_time": crate::timefmt::iso(w.app.created_time) },
            "users": users,
            "pages": pages,
            "instagram_accounts": accounts,
            "instagram_logins": logins,
        })
    })
}

/// `GET /_sim/sandboxes/{id}/accounts`: each IG account with its live stories (and when each
/// leaves `/stories`) and its quotas against their windows: publishing (facts §4.5), the
/// container cap (facts §2) and unique hashtag searches (facts §4.7). What the dashboard
/// shows as gauges; reading it counts against no rate limit.
pub(crate) fn accounts(sandbox: &Sandbox, cfg: &crate::config::Config) -> Value {
    sandbox.with_world(|w: &mut World, now| {
        let pcfg = crate::http::publishing::effective_config(w, cfg);
        let lifetime = Window::of(cfg.story_lifetime_seconds);
        let data: Vec<Value> = w
            .ig_users
            .values()
            .map(|a| {
                let stories: Vec<Value> = w
                    .stories
                    .get(&a.id)
                    .into_iter()
                    .flat_map(|s| s.values().rev())
                    .filter_map(|id| w.media.get(id))
                    .filter(|m| lifetime.contains(now, m.timestamp))
                    .map(|m| json!({ "id": m.id.to_string(), "timestamp": m.timestamp, "expires_at": lifetime.leaves_at(m.timestamp) }))
                    .collect();
                let gauge = |used: u64, limit: u64, window: i64| json!({ "used": used, "limit": limit, "window_seconds": window });
                json!({
                    "id": a.id.to_string(),
                    "username": a.username,
                    "account_type": a.account_type.as_str(),
                    "followers_count": a.followers_count,
                    "media_count": w.media_count(a.id),
                    "stories": stories,
                    "quotas": {
                        "publishing": gauge(u64::from(w.publishing.usage(a.id, now, pcfg.quota_duration, None)), u64::from(pcfg.quota_total), pcfg.quota_duration),
                        "containers": gauge(u64::from(w.publishing.containers_created(a.id, now, pcfg.container_cap_window_seconds)), u64::from(pcfg.container_cap), pcfg.container_cap_window_seconds),
                        "hashtag_searches": gauge(w.recent_searches(a.id, now, cfg.hashtags.window_seconds).len() as u64, cfg.hashtags.unique_limit as u64, cfg.hashtags.window_seconds),
                    },
                })
            })
            .collect();
        json!({ "now": now, "data": data })
    })
}

/// `{"now", "frozen"}` of a sandbox clock.
pub(crate) fn clock_json(sandbox: &Sandbox) -> Value {
    let c = sandbox.clock();
    json!({ "now": sandbox.now(), "frozen": c.is_frozen() })
}

/// Runs a world build on the blocking pool (never on a request-serving thread), at most
/// [`State::builds`] at a time.
pub(super) async fn build_off_thread<T: Send + 'static>(
    state: &State,
    build: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, SandboxError> {
    let _permit = state.builds.acquire().await;
    match tokio::task::spawn_blocking(build).await {
        Ok(built) => built.map_err(SandboxError::BadWorld),
        Err(e) => Err(SandboxError::BadWorld(format!("building the world failed: {e}"))),
    }
}

/// Earliest `at` a sandbox may start at (2010-01-01T00:00:00Z): seed worlds place their media
/// and comments up to years before "now", and none of them predates the Graph API.
const EARLIEST_START: i64 = 1_262_304_000;

/// `POST /_sim/sandboxes[?id=&seed=&at=]` with an optional seed world body. `at` (unix seconds,
/// `YYYY-MM-DD` or an ISO 8601 time) is the sandbox's "now" at creation: the world is built
/// around it and its clock starts there (frozen or running as the process's `--clock` says),
/// so a test can meet the API as it was on a date (the version timeline's cut-overs, an app's
/// creation date).
/// (A body that is a snapshot restores it instead: `snapshots::restore`, chosen by the route
/// table.)
pub(crate) async fn create(state: &State, query: Option<&str>, body: &Bytes) -> ControlResult {
    let seed = match query_param(query, "seed").map(|s| s.parse::<u64>()) {
        None => None,
        Some(Ok(n)) => Some(n),
        Some(Err(_)) => return Err(ControlError::bad_request("seed must be an unsigned integer")),
    };
    let start = match query_param(query, "at").map(|s| crate::timefmt::parse_time_param(&s)) {
        None => None,
        Some(Some(t)) if (EARLIEST_START..=crate::clock::MAX_TIME).contains(&t) => Some(t),
        Some(_) => {
            return Err(ControlError::bad_request(
                "at must be a time from 2010-01-01 to 9999-12-31T23:59:59Z (unix seconds, YYYY-MM-DD or ISO 8601)",
            ))
        }
    };
    let id = state.sandboxes.reserve(query_param(query, "id"))?;
    let cfg = state.sandboxes.config.clone();
    let world = (!no_options(body)).then(|| body.clone());
    let default_world = world.is_none().then(|| state.default_world.clone());
    let bases = state.sandboxes.bases();
    let built = build_off_thread(state, move || {
        let world = match (world, default_world) {
            (Some(body), _) => SeedWorld::new(serde_json::from_slice::<WorldSeed>(&body).map_err(|e| e.to_string())?),
            (None, world) => world.unwrap_or_else(|| SeedWorld::new(WorldSeed::default())),
        };
        Sandbox::new(id, world, seed.unwrap_or(cfg.seed), &cfg, start, &bases)
    })
    .await;
    let s = built.and_then(|sb| state.sandboxes.insert(sb))?;
    super::persisted(state, &s).await?;
    Ok(Reply {
        status: 201,
        body: describe(&s),
    })
}

/// Whether a `POST /_sim/sandboxes` body asks for nothing: empty, whitespace, or `{}` (what
/// many HTTP clients send for "no options"). Such a sandbox gets the default world; an empty
/// world has to be asked for with content, e.g. `{"users": []}`.
fn no_options(body: &Bytes) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
        || serde_json::from_slice::<serde_json::Map<String, Value>>(body).is_ok_and(|m| m.is_empty())
}

/// `POST /_sim/sandboxes/{id}/reset`.
pub(crate) async fn reset(state: &State, sb: &Arc<Sandbox>) -> ControlResult {
    let (cfg, building, bases) = (state.sandboxes.config.clone(), sb.clone(), state.sandboxes.bases());
    let fresh = build_off_thread(state, move || building.rebuilt_world(&cfg, &bases)).await?;
    state.sandboxes.reset(sb, fresh);
    Ok(describe(sb).into())
}

/// `DELETE /_sim/sandboxes/{id}`: gone from memory and, with a state directory, from disk
/// before the answer.
pub(crate) async fn delete(state: &State, id: &str) -> ControlResult {
    let gone = state.sandboxes.delete(id)?;
    state.webhooks.forget(id);
    state.forget(&gone).await.map_err(|e| ControlError::new(500, e))?;
    success()
}

/// `POST /_sim/sandboxes/{id}/clock/advance` `{"seconds": n}` (or `?seconds=n`).
pub(crate) fn advance(state: &State, s: &Sandbox, query: Option<&str>, body: &Bytes) -> ControlResult {
    let v = body_json(body)?;
    let seconds = v
        .get("seconds")
        .and_then(Value::as_i64)
        .or_else(|| query_param(query, "seconds").and_then(|q| q.parse().ok()));
    match seconds {
        Some(n) if n >= 0 => match s.with_clock(|c, os| c.advance(n, os)) {
            Ok(()) => {
                // Deliveries that fell due during the jump go out now.
                state.webhooks.wake();
                Ok(clock_json(s).into())
            }
            Err(room) => Err(ControlError::bad_request(format!(
                "sandbox time cannot pass 9999-12-31T23:59:59+0000: at most {room} more seconds"
            ))),
        },
        Some(_) => Err(ControlError::bad_request(
            "seconds must not be negative: sandbox time never goes backwards",
        )),
        None => Err(ControlError::bad_request("give {\"seconds\": <non-negative integer>}")),
    }
}

/// `POST /_sim/sandboxes/{id}/clock/freeze`.
pub(crate) fn freeze(s: &Sandbox) -> ControlResult {
    s.with_clock(|c, os| c.freeze(os));
    Ok(clock_json(s).into())
}

/// `POST /_sim/sandboxes/{id}/clock/resume`.
pub(crate) fn resume(s: &Sandbox) -> ControlResult {
    s.with_clock(|c, os| c.resume(os));
    Ok(clock_json(s).into())
}

/// `POST /_sim/sandboxes/{id}/tokens/revoke` `{"access_token", "reason"}`.
pub(crate) fn revoke(s: &Sandbox, body: &Bytes) -> ControlResult {
    let v = body_json(body)?;
    let Some(token) = v.get("access_token").and_then(Value::as_str) else {
        return Err(ControlError::bad_request(
            "give {\"access_token\": ..., \"reason\": ...}",
        ));
    };
    let reason: Revocation =
        serde_json::from_value(v.get("reason").cloned().unwrap_or(json!("logged_out"))).map_err(|_| {
            ControlError::bad_request(
                "reason is one of app_deauthorized, password_changed, invalidated_by_api, logged_out, session_invalid",
            )
        })?;
    s.with_world(|w, _| match w.tokens.get_mut(token) {
        Some(t) => {
            t.revoked = Some(reason);
            success()
        }
        None => Err(ControlError::not_found("no such token in this sandbox")),
    })
}

/// `POST /_sim/sandboxes/{id}/tokens/expire` `{"access_token"}`: expires it now.
pub(crate) fn expire(s: &Sandbox, body: &Bytes) -> ControlResult {
    let v = body_json(body)?;
    let Some(token) = v.get("access_token").and_then(Value::as_str) else {
        return Err(ControlError::bad_request("give {\"access_token\": ...}"));
    };
    s.with_world(|w, now| match w.tokens.get_mut(token) {
        Some(t) => {
            t.expires_at = Some(now);
            success()
        }
        None => Err(ControlError::not_found("no such token in this sandbox")),
    })
}
