//! The control plane's rate limits: `/_sim/sandboxes/{id}/rate_limits` shows each limit with
//! its usage and sets per-sandbox limits (guides "Overview" → "Rate Limiting").

use super::{body_json, ControlError, ControlResult};
use crate::config::{Config, RateLimitConfig};
use crate::ids::{parse_id, IgUserId, UserId};
use crate::model::ratelimit::{self as model, Scope, Usage};
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

fn overrides_json(w: &World) -> Value {
    let o = &w.rate_limits.overrides;
    let impressions: Map<String, Value> = o.impressions.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
    json!({
        "buc_calls_per_day": o.buc_calls_per_day,
        "platform_calls_per_hour": o.platform_calls_per_hour,
        "user_calls_per_hour": o.user_calls_per_hour,
        "impressions": impressions,
    })
}

/// The sandbox's limits and current usage.
fn status_of(w: &mut World, cfg: &RateLimitConfig, now: i64) -> Value {
    let mut doc = overrides_json(w);
    let app = model::report(w, cfg, &Scope::default(), now).app;
    doc["platform"] = json!({
        "window_seconds": cfg.platform_window_seconds,
        "usage": usage_json(&app),
    });
    let user_ids: Vec<UserId> = w.users.keys().copied().collect();
    let users: Vec<Value> = user_ids
        .into_iter()
        .map(|u| {
            let (calls, limit) = model::user_usage(w, cfg, u, now);
            json!({ "id": u.to_string(), "calls": calls, "limit": limit })
        })
        .collect();
    doc["users"] = json!(users);
    let accounts: Vec<IgUserId> = w.ig_users.keys().copied().collect();
    let accounts: Vec<Value> = accounts
        .into_iter()
        .map(|a| {
            let impressions = model::impressions(w, cfg, a);
            let usage = model::account_usage(w, cfg, a, now);
            json!({
                "id": a.to_string(),
                "username": w.ig_users[&a].username,
                "impressions": impressions,
                "usage": usage_json(&usage),
            })
        })
        .collect();
    doc["buc"] = json!({ "window_seconds": cfg.buc_window_seconds, "instagram_accounts": accounts });
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

/// Applies a partial settings object; every key is checked before anything changes.
fn apply(w: &mut World, body: &Map<String, Value>) -> Result<(), String> {
    let mut o = w.rate_limits.overrides.clone();
    let mut clear = false;
    for (k, v) in body {
        match k.as_str() {
            "buc_calls_per_day" => o.buc_calls_per_day = limit_value(v, k)?,
            "platform_calls_per_hour" => o.platform_calls_per_hour = limit_value(v, k)?,
            "user_calls_per_hour" => o.user_calls_per_hour = limit_value(v, k)?,
            "impressions" => {
                let Some(m) = v.as_object() else {
                    return Err("impressions must be an object {\"<ig-user-id>\": n | null}".into());
                };
                for (id, n) in m {
                    let Some(id) = parse_id(id).filter(|&n| w.ig_users.contains_key(&IgUserId(n))) else {
                        return Err(format!("no instagram account {id} in this sandbox"));
                    };
                    match limit_value(n, "impressions")? {
                        Some(n) => o.impressions.insert(IgUserId(id), n),
                        None => o.impressions.remove(&IgUserId(id)),
                    };
                }
            }
            "clear_usage" => clear = v.as_bool().ok_or("clear_usage must be a boolean")?,
            other => return Err(format!("unknown rate-limit setting {other:?}")),
        }
    }
    w.rate_limits.overrides = o;
    if clear {
        model::clear_usage(w);
    }
    Ok(())
}

/// `GET /_sim/sandboxes/{id}/rate_limits`: the sandbox's limits and current usage.
pub fn status(sandbox: &Sandbox, cfg: &Config) -> Value {
    let cfg = &cfg.rate_limits;
    sandbox.with_world(|w, now| status_of(w, cfg, now))
}

/// `POST /_sim/sandboxes/{id}/rate_limits`: changes some limits (every key checked first).
pub fn update(sandbox: &Sandbox, body: &Bytes, cfg: &Config) -> ControlResult {
    let cfg = &cfg.rate_limits;
    let Value::Object(m) = body_json(body)? else {
        return Err(ControlError::bad_request("give a JSON object of rate-limit settings"));
    };
    sandbox.with_world(|w, now| match apply(w, &m) {
        Ok(()) => Ok(status_of(w, cfg, now).into()),
        Err(msg) => Err(ControlError::bad_request(msg)),
    })
}
