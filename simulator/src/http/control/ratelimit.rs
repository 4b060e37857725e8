//! The control plane's rate limits: `/_sim/sandboxes/{id}/rate_limits` shows each limit with
//! its usage and sets per-sandbox limits (guides "Overview" → "Rate Limiting").

use super::{body_json, ControlError, ControlResult};
use crate::config::{Config, RateLimitConfig};
use crate::ids::{parse_id, IgUserId, PageId, UserId};
use crate::model::ratelimit::{self as model, RateLimits, Scope, Usage};
use crate::model::World;
use crate::sandbox::Sandbox;
use bytes::Bytes;
use serde_json::{json, Map, Value};

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
fn status_of(w: &World, rl: &mut RateLimits, cfg: &RateLimitConfig, now: i64) -> Value {
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
fn apply(w: &World, rl: &mut RateLimits, body: &Map<String, Value>) -> Result<(), String> {
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

/// `GET /_sim/sandboxes/{id}/rate_limits`: the sandbox's limits and current usage.
pub fn status(sandbox: &Sandbox, cfg: &Config) -> Value {
    let cfg = &cfg.rate_limits;
    sandbox.read_world(|w, now| sandbox.with_rate_limits(|rl| status_of(w, rl, cfg, now)))
}

/// `POST /_sim/sandboxes/{id}/rate_limits`: changes some limits (every key checked first).
pub fn update(sandbox: &Sandbox, body: &Bytes, cfg: &Config) -> ControlResult {
    let cfg = &cfg.rate_limits;
    let Value::Object(m) = body_json(body)? else {
        return Err(ControlError::bad_request("give a JSON object of rate-limit settings"));
    };
    sandbox.read_world(|w, now| {
        sandbox.with_rate_limits(|rl| match apply(w, rl, &m) {
            Ok(()) => Ok(status_of(w, rl, cfg, now).into()),
            Err(msg) => Err(ControlError::bad_request(msg)),
        })
    })
}
