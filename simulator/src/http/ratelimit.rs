//! Rate limiting at the HTTP edge (guides "Overview" → "Rate Limiting"; facts §1.4, §2):
//! which limit a request counts against, the check before its handler runs, the
//! `X-App-Usage` / `X-Business-Use-Case-Usage` headers, and the control plane
//! `/_sim/sandboxes/{id}/rate_limits`.

use crate::config::{Config, PageLimitError, RateLimitConfig};
use crate::error::{GraphError, GraphResult};
use crate::http::graph::Ctx;
use crate::http::request::GraphRequest;
use crate::http::response::{sim_error, sim_json, Body};
use crate::ids::{parse_id, CommentId, ContainerId, IdKind, IgUserId, MediaId, PageId, UserId};
use crate::model::ratelimit::{self as model, Denied, RateLimits, Report, Scope, Usage};
use crate::model::{TokenKind, World};
use crate::sandbox::Sandbox;
use crate::server::State;
use bytes::Bytes;
use http::{HeaderValue, Method, Response};
use serde_json::{json, Map, Value};

/// The rate-limit headers of one answer, already rendered.
#[derive(Debug, Clone)]
pub struct RateHeaders {
    app: Option<String>,
    buc: Option<String>,
}

/// What a request counts against, decided from its path (and `fields=` / `ids=`, and `me`
/// as the token's own node):
/// Business Discovery and hashtag search or hashtag nodes count against the Platform limit;
/// everything naming an IG account (the account itself, or the owner of a media, comment or
/// container) counts against that account's BUC limit; a Page node and its edges against the
/// Page's BUC (with `page_buc_page_tokens_only`, only Page-token calls: user- and app-token
/// ones count against the Platform limit, `RATE`); users and the app count against neither
/// (guides "Rate Limiting").
pub fn scope(ctx: &Ctx, segs: &[&str]) -> Scope {
    let mut scope = Scope::default();
    if names_field(ctx.req.param("fields").unwrap_or(""), "business_discovery") {
        scope.platform = true;
        return scope;
    }
    match segs {
        [] => {
            for id in ctx.req.param("ids").unwrap_or("").split(',') {
                add(&ctx.world, id.trim(), &mut scope);
            }
        }
        ["ig_hashtag_search", ..] => scope.platform = true,
        ["me", ..] => match ctx.viewer.kind {
            TokenKind::Page { page, .. } => {
                scope.pages.insert(page);
            }
            TokenKind::Instagram(ig) => {
                scope.accounts.insert(ig);
            }
            TokenKind::User(_) | TokenKind::App => {}
        },
        [id, ..] => add(&ctx.world, id, &mut scope),
    }
    if ctx.cfg.rate_limits.page_buc_page_tokens_only
        && !scope.pages.is_empty()
        && !matches!(ctx.viewer.kind, TokenKind::Page { .. })
    {
        scope.pages.clear();
        scope.platform = true;
    }
    scope
}

/// Whether a `fields=` value selects `name` at any depth.
fn names_field(fields: &str, name: &str) -> bool {
    fields
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .any(|w| w == name)
}

fn add(world: &World, seg: &str, scope: &mut Scope) {
    let Some(n) = parse_id(seg) else { return };
    let owner = match world.kind_of(n) {
        Some(IdKind::IgUser) => Some(IgUserId(n)),
        Some(IdKind::Media) => world.media.get(&MediaId(n)).map(|m| m.owner),
        Some(IdKind::Comment) => world
            .comments
            .get(&CommentId(n))
            .and_then(|c| world.media.get(&c.media))
            .map(|m| m.owner),
        Some(IdKind::Container) => world.publishing.containers.get(&ContainerId(n)).map(|c| c.spec.owner),
        Some(IdKind::Hashtag) => {
            scope.platform = true;
            None
        }
        Some(IdKind::Page) => {
            scope.pages.insert(PageId(n));
            None
        }
        _ => None,
    };
    scope.accounts.extend(owner);
}

/// Counts an authenticated request before its handler runs. Returns the headers its answer
/// carries, and the rate-limit error if a limit refuses it.
pub fn admit(ctx: &Ctx, rl: &mut RateLimits, segs: &[&str]) -> (RateHeaders, GraphResult<()>) {
    let scope = scope(ctx, segs);
    let cfg = &ctx.cfg.rate_limits;
    let verdict = model::admit(&ctx.world, rl, cfg, &scope, ctx.viewer.user(), ctx.now).map_err(|d| match d {
        Denied::Account(_) => GraphError::instagram_buc_limit(cfg.buc_error_status),
        Denied::Page(_) => match cfg.page_error {
            PageLimitError::Buc80001 => GraphError::page_buc_limit(cfg.page_error_status),
            PageLimitError::Page32 => GraphError::page_request_limit(cfg.page_error_status),
        },
        Denied::App => GraphError::app_request_limit(cfg.platform_error_status),
        Denied::User => GraphError::user_request_limit(cfg.user_error_status),
    });
    let report = model::report(&ctx.world, rl, cfg, &scope, ctx.now);
    (render(&ctx.world, cfg, &report), verdict)
}

/// The headers of an authenticated answer that never reached [`admit`] (a batch as a whole,
/// webhook subscription calls): `X-App-Usage` only. None when the token does not authenticate.
pub fn snapshot(state: &State, req: &GraphRequest) -> Option<RateHeaders> {
    let token = req.token.as_deref()?;
    let sandbox = state.sandboxes.by_token(token)?;
    let cfg = &state.sandboxes.config.rate_limits;
    sandbox.read_world(|world, now| {
        crate::http::graph::authenticate(world, req, token, now).ok()?;
        let report = sandbox.with_rate_limits(|rl| model::report(world, rl, cfg, &Scope::default(), now));
        Some(render(world, cfg, &report))
    })
}

/// The usage headers of an answer. Production sends one of them (issue 10 case 11, facts §9,
/// a v25.0 capture of 2026-09): BUC-counted answers (Instagram calls, Page reads) carry
/// `X-Business-Use-Case-Usage`, everything else `X-App-Usage`.
///
/// - `X-App-Usage: {"call_count":N,"total_time":N,"total_cputime":N}` (facts §2).
/// - `X-Business-Use-Case-Usage: {"<id>":[{"type":…,"call_count":N,"total_cputime":N,
///   "total_time":N,"estimated_time_to_regain_access":M}],…}`: an Instagram account's entry
///   (`"type":"instagram"`) under the id of the business that owns it, a Page's
///   (`"type":"pages"`) under the Page id; at most 32 objects (facts §2).
///
/// igsim has no CPU or wall time to speak of, so `total_time` and `total_cputime` equal
/// `call_count`. `app_usage_on_every_answer` and `buc_keyed_by_business` restore the
/// guides-era reading (both headers; keyed by the IG user id).
fn render(world: &World, cfg: &RateLimitConfig, report: &Report) -> RateHeaders {
    let entry = |kind: &str, u: &Usage| {
        format!(
            r#"[{{"type":"{kind}","call_count":{p},"total_cputime":{p},"total_time":{p},"estimated_time_to_regain_access":{m}}}]"#,
            p = u.percent,
            m = u.regain_minutes
        )
    };
    let accounts = report.accounts.iter().map(|(id, u)| {
        let key = match world.ig_users.get(id) {
            Some(a) if cfg.buc_keyed_by_business => a.owner_business(),
            _ => id.0,
        };
        (key, entry("instagram", u))
    });
    let pages = report.pages.iter().map(|(id, u)| (id.0, entry("pages", u)));
    let entries: Vec<String> = pages
        .chain(accounts)
        // "up to 32 objects" (facts §2); an `ids=` read may name more, all still counted.
        .take(32)
        .map(|(key, value)| format!(r#""{key}":{value}"#))
        .collect();
    let buc = (!entries.is_empty()).then(|| format!("{{{}}}", entries.join(",")));
    let app = (buc.is_none() || cfg.app_usage_on_every_answer).then(|| {
        let a = report.app.percent;
        format!(r#"{{"call_count":{a},"total_time":{a},"total_cputime":{a}}}"#)
    });
    RateHeaders { app, buc }
}

/// Adds the headers to an answer.
pub fn apply(resp: &mut Response<Body>, headers: Option<&RateHeaders>) {
    let Some(h) = headers else { return };
    let map = resp.headers_mut();
    if let Some(Ok(v)) = h.app.as_deref().map(HeaderValue::from_str) {
        map.insert("x-app-usage", v);
    }
    if let Some(Ok(v)) = h.buc.as_deref().map(HeaderValue::from_str) {
        map.insert("x-business-use-case-usage", v);
    }
}

// ---- control plane -------------------------------------------------------------------------

fn usage_json(u: &Usage) -> Value {
    json!({
        "calls": u.calls,
        "limit": u.limit,
        "call_count": u.percent,
        "estimated_time_to_regain_access": u.regain_minutes,
    })
}

fn overrides_json(rl: &RateLimits) -> Value {
    let o = &rl.overrides;
    let impressions: Map<String, Value> = o.impressions.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
    let page_engaged_users: Map<String, Value> = o
        .page_engaged_users
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    json!({
        "buc_calls_per_day": o.buc_calls_per_day,
        "platform_calls_per_hour": o.platform_calls_per_hour,
        "user_calls_per_hour": o.user_calls_per_hour,
        "impressions": impressions,
        "page_calls_per_day": o.page_calls_per_day,
        "page_engaged_users": page_engaged_users,
    })
}

/// The sandbox's limits and current usage.
fn status(w: &World, rl: &mut RateLimits, cfg: &RateLimitConfig, now: i64) -> Value {
    let mut doc = overrides_json(rl);
    let app = model::report(w, rl, cfg, &Scope::default(), now).app;
    doc["platform"] = json!({
        "window_seconds": cfg.platform_window_seconds,
        "usage": usage_json(&app),
    });
    let user_ids: Vec<UserId> = w.users.keys().copied().collect();
    let users: Vec<Value> = user_ids
        .into_iter()
        .map(|u| {
            let (calls, limit) = model::user_usage(rl, cfg, u, now);
            json!({ "id": u.to_string(), "calls": calls, "limit": limit })
        })
        .collect();
    doc["users"] = json!(users);
    let accounts: Vec<IgUserId> = w.ig_users.keys().copied().collect();
    let accounts: Vec<Value> = accounts
        .into_iter()
        .map(|a| {
            let impressions = model::impressions(w, rl, cfg, a);
            let usage = model::account_usage(w, rl, cfg, a, now);
            json!({
                "id": a.to_string(),
                "username": w.ig_users[&a].username,
                "impressions": impressions,
                "usage": usage_json(&usage),
            })
        })
        .collect();
    let page_ids: Vec<PageId> = w.pages.keys().copied().collect();
    let pages: Vec<Value> = page_ids
        .into_iter()
        .map(|p| {
            let engaged = model::engaged_users(rl, cfg, p);
            let usage = model::page_usage(rl, cfg, p, now);
            json!({
                "id": p.to_string(),
                "name": w.pages[&p].name,
                "engaged_users": engaged,
                "usage": usage_json(&usage),
            })
        })
        .collect();
    doc["buc"] = json!({
        "window_seconds": cfg.buc_window_seconds,
        "instagram_accounts": accounts,
        "pages": pages,
    });
    doc
}

fn limit_value(v: &Value, key: &str) -> Result<Option<u64>, String> {
    match v {
        Value::Null => Ok(None),
        v => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| format!("{key} must be a non-negative integer or null")),
    }
}

/// Applies `{"<id>": n | null, …}` to a per-object override map (`null` removes the
/// override); every id must name an object of the sandbox (`known`).
fn set_per_object<K: Ord>(
    map: &mut std::collections::BTreeMap<K, u64>,
    v: &Value,
    key: &str,
    id_name: &str,
    kind: &str,
    known: impl Fn(u64) -> Option<K>,
) -> Result<(), String> {
    let Some(m) = v.as_object() else {
        return Err(format!("{key} must be an object {{\"{id_name}\": n | null}}"));
    };
    for (id, n) in m {
        let Some(id) = parse_id(id).and_then(&known) else {
            return Err(format!("no {kind} {id} in this sandbox"));
        };
        match limit_value(n, key)? {
            Some(n) => map.insert(id, n),
            None => map.remove(&id),
        };
    }
    Ok(())
}

/// Applies a partial settings object; every key is checked before anything changes.
fn update(w: &World, rl: &mut RateLimits, body: &Map<String, Value>) -> Result<(), String> {
    let mut o = rl.overrides.clone();
    let mut clear = false;
    for (k, v) in body {
        match k.as_str() {
            "buc_calls_per_day" => o.buc_calls_per_day = limit_value(v, k)?,
            "platform_calls_per_hour" => o.platform_calls_per_hour = limit_value(v, k)?,
            "user_calls_per_hour" => o.user_calls_per_hour = limit_value(v, k)?,
            "impressions" => {
                let known = |n| w.ig_users.contains_key(&IgUserId(n)).then_some(IgUserId(n));
                set_per_object(&mut o.impressions, v, k, "<ig-user-id>", "instagram account", known)?
            }
            "page_calls_per_day" => o.page_calls_per_day = limit_value(v, k)?,
            "page_engaged_users" => {
                let known = |n| w.pages.contains_key(&PageId(n)).then_some(PageId(n));
                set_per_object(&mut o.page_engaged_users, v, k, "<page-id>", "page", known)?
            }
            "clear_usage" => clear = v.as_bool().ok_or("clear_usage must be a boolean")?,
            other => return Err(format!("unknown rate-limit setting {other:?}")),
        }
    }
    rl.overrides = o;
    if clear {
        model::clear_usage(rl);
    }
    Ok(())
}

/// `GET|POST /_sim/sandboxes/{id}/rate_limits`.
pub fn control(sandbox: &Sandbox, method: &Method, body: &Bytes, cfg: &Config) -> Response<Body> {
    let cfg = &cfg.rate_limits;
    match *method {
        Method::GET => {
            sandbox.read_world(|w, now| sandbox.with_rate_limits(|rl| sim_json(200, &status(w, rl, cfg, now))))
        }
        Method::POST => {
            let parsed: Value = if body.iter().all(u8::is_ascii_whitespace) {
                json!({})
            } else {
                match serde_json::from_slice(body) {
                    Ok(v) => v,
                    Err(e) => return sim_error(400, &format!("body is not JSON: {e}")),
                }
            };
            let Value::Object(m) = parsed else {
                return sim_error(400, "give a JSON object of rate-limit settings");
            };
            sandbox.read_world(|w, now| {
                sandbox.with_rate_limits(|rl| match update(w, rl, &m) {
                    Ok(()) => sim_json(200, &status(w, rl, cfg, now)),
                    Err(msg) => sim_error(400, &msg),
                })
            })
        }
        _ => sim_error(405, "use GET or POST"),
    }
}
