//! The control plane under `/_sim/`: its admin-token check, sandboxes, their clocks, reset,
//! token revocation and health. Plain JSON, never a Graph path.

use crate::config::Config;
use crate::http::response::{sim_error, sim_json, Body};
use crate::model::seed::WorldSeed;
use crate::model::{Revocation, World};
use crate::sandbox::{Sandbox, SandboxError, SeedWorld};
use crate::server::State;
use bytes::Bytes;
use http::{Method, Response};
use serde_json::{json, Value};

/// The second header the admin token may come in (besides `Authorization: Bearer <token>`).
pub const ADMIN_TOKEN_HEADER: &str = "x-igsim-admin-token";

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
    let mut r = sim_error(
        401,
        "this igsim's control plane needs its admin token (the --admin-token or IGSIM_ADMIN_TOKEN it was started with): send Authorization: Bearer <token> or X-Igsim-Admin-Token: <token>",
    );
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
pub fn accounts(sandbox: &Sandbox, cfg: &crate::config::Config) -> Value {
    sandbox.with_world(|w: &mut World, now| {
        let pcfg = crate::http::publishing::effective_config(w, cfg);
        let lifetime = cfg.story_lifetime_seconds;
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
                    .filter(|m| m.timestamp > now - lifetime)
                    .map(|m| json!({ "id": m.id.to_string(), "timestamp": m.timestamp, "expires_at": m.timestamp + lifetime }))
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
                        "hashtag_searches": gauge(w.recent_searches(a.id, now, cfg.hashtag_window_seconds).len() as u64, cfg.hashtag_unique_limit as u64, cfg.hashtag_window_seconds),
                    },
                })
            })
            .collect();
        json!({ "now": now, "data": data })
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
        SandboxError::Full(max) => sim_error(
            429,
            &format!(
                "sandbox limit reached: this igsim holds at most {max} sandboxes; DELETE /_sim/sandboxes/{{id}} one you no longer need, or start igsim with a larger --max-sandboxes"
            ),
        ),
    }
}

/// Runs a world build on the blocking pool (never on a request-serving thread), at most
/// [`State::builds`] at a time.
async fn build_off_thread<T: Send + 'static>(
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
async fn create(state: &State, query: Option<&str>, body: &Bytes) -> Response<Body> {
    let seed = match query_param(query, "seed").map(|s| s.parse::<u64>()) {
        None => None,
        Some(Ok(n)) => Some(n),
        Some(Err(_)) => return sim_error(400, "seed must be an unsigned integer"),
    };
    let start = match query_param(query, "at").map(|s| crate::timefmt::parse_time_param(&s)) {
        None => None,
        Some(Some(t)) if (EARLIEST_START..=crate::clock::MAX_TIME).contains(&t) => Some(t),
        Some(_) => {
            return sim_error(
                400,
                "at must be a time from 2010-01-01 to 9999-12-31T23:59:59Z (unix seconds, YYYY-MM-DD or ISO 8601)",
            )
        }
    };
    let id = match state.sandboxes.reserve(query_param(query, "id")) {
        Ok(id) => id,
        Err(e) => return sandbox_error(e),
    };
    let cfg = state.sandboxes.config.clone();
    let world = (!body.iter().all(u8::is_ascii_whitespace)).then(|| body.clone());
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
    match built.and_then(|sb| state.sandboxes.insert(sb)) {
        Ok(s) => sim_json(201, &describe(&s)),
        Err(e) => sandbox_error(e),
    }
}

/// `POST /_sim/sandboxes/{id}/reset`.
async fn reset(state: &State, id: &str) -> Response<Body> {
    let Some(sb) = state.sandboxes.get(id) else {
        return sandbox_error(SandboxError::NotFound(id.into()));
    };
    let (cfg, building, bases) = (state.sandboxes.config.clone(), sb.clone(), state.sandboxes.bases());
    match build_off_thread(state, move || building.rebuilt_world(&cfg, &bases)).await {
        Ok(fresh) => {
            state.sandboxes.reset(&sb, fresh);
            sim_json(200, &describe(&sb))
        }
        Err(e) => sandbox_error(e),
    }
}

pub async fn handle(
    state: &State,
    method: &Method,
    segs: &[String],
    query: Option<&str>,
    body: &Bytes,
) -> Response<Body> {
    match (method, segs) {
        (&Method::POST, [s]) if s == "sandboxes" => create(state, query, body).await,
        (&Method::POST, [s, id, r]) if s == "sandboxes" && r == "reset" => reset(state, id).await,
        _ => handle_sync(state, method, segs, query, body),
    }
}

fn handle_sync(state: &State, method: &Method, segs: &[String], query: Option<&str>, body: &Bytes) -> Response<Body> {
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let sbs = &state.sandboxes;
    let with = |id: &str, f: &dyn Fn(&Sandbox) -> Response<Body>| match sbs.get(id) {
        Some(s) => f(&s),
        None => sim_error(404, &format!("no sandbox {id}")),
    };
    match (method, segs.as_slice()) {
        (&Method::GET, ["health"]) => sim_json(
            200,
            &json!({
                "status": "ok",
                "sandboxes": sbs.ids().len(),
                "version": env!("CARGO_PKG_VERSION"),
                "usage": state.usage(),
            }),
        ),
        (&Method::GET, ["sandboxes"]) => sim_json(200, &json!({ "data": sbs.ids() })),
        (&Method::GET, ["sandboxes", id]) => with(id, &|s| sim_json(200, &describe(s))),
        (&Method::DELETE, ["sandboxes", id]) => match sbs.delete(id) {
            Ok(()) => {
                state.webhooks.forget(id);
                sim_json(200, &json!({ "success": true }))
            }
            Err(e) => sandbox_error(e),
        },
        (&Method::GET, ["sandboxes", id, "clock"]) => with(id, &|s| sim_json(200, &clock_json(s))),
        (&Method::GET, ["sandboxes", id, "accounts"]) => {
            with(id, &|s| sim_json(200, &accounts(s, &state.sandboxes.config)))
        }
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
