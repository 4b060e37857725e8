//! The control plane's webhooks under `/_sim/sandboxes/{id}/`: `GET webhooks` (configuration), `POST|DELETE webhooks/subscription`
//! (`{"callback_url","verify_token"?,"verify"?}`: subscribe to every field and install on
//! every Page; `verify: true` performs the handshake), `GET webhooks/deliveries[?limit=&after=]`
//! (oldest first, paged: `limit` up to [`MAX_DELIVERIES_PAGE`], `paging.next` while more
//! remain; the newest `WebhookConfig::deliveries_kept` finished ones are kept) and
//! `GET webhooks/deliveries/{n}` (one change each, with the POSTs it went out in),
//! `GET webhooks/posts` and `GET webhooks/posts/{n}` (each POST as sent: batched body,
//! signatures, answer; the newest POSTs carrying at most `WebhookConfig::post_log_changes` changes),
//! `POST webhooks/deliveries/{n}/redeliver`, `POST webhooks/flush` (sends everything due
//! now, concurrently, and answers when done or after `WebhookConfig::flush_wait_ms`, with
//! `complete` saying which).

use super::events::{opt_str, str_field};
use super::{body_json, query_param, success, ControlError, ControlResult};
use crate::app::State;
use crate::http::request::RawRequest;
use crate::model::webhook::{Delivery, Entry, Post};
use crate::model::World;
use crate::sandbox::Sandbox;
use bytes::Bytes;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// `GET webhooks`: the app subscription and the Pages with the app installed.
pub(crate) fn configuration(sb: &Sandbox) -> Value {
    sb.with_world(|w, _| configuration_of(w))
}

/// `DELETE webhooks/subscription`.
pub(crate) fn unsubscribe(sb: &Sandbox) -> ControlResult {
    sb.with_world(|w, _| {
        w.webhooks.subscription = None;
        w.webhooks.pages.clear();
    });
    success()
}

/// `POST webhooks/flush`: sends everything due now and answers when done, with the count of
/// deliveries in each state.
pub(crate) async fn flush(state: &State, sb: &Arc<Sandbox>) -> ControlResult {
    let flushed = crate::app::dispatcher::flush(state, sb).await;
    let summary = sb.with_world(|w, _| {
        let mut counts = serde_json::Map::new();
        for s in ["pending", "in_flight", "delivered", "dropped"] {
            counts.insert(s.into(), json!(0));
        }
        for d in w.webhooks.deliveries.values() {
            if let Some(n) = counts.get_mut(d.state.as_str()) {
                *n = json!(n.as_u64().unwrap_or(0) + 1);
            }
        }
        json!({ "attempted": flushed.attempted, "complete": flushed.complete, "deliveries": counts })
    });
    Ok(summary.into())
}

/// Deliveries on one page of `webhooks/deliveries` by default, and at most.
pub(crate) const DEFAULT_DELIVERIES_PAGE: usize = 100;
pub(crate) const MAX_DELIVERIES_PAGE: usize = 1_000;

/// `GET webhooks/deliveries?limit=&after=`: deliveries after the `after` id, oldest first,
/// with `paging.cursors` and a `next` URL while more remain.
pub(crate) fn deliveries(raw: &RawRequest, sb: &Sandbox) -> ControlResult {
    let param = |name: &str| query_param(raw.query.as_deref(), name);
    let limit = match param("limit").map(|l| l.trim().parse::<usize>()) {
        None => DEFAULT_DELIVERIES_PAGE,
        Some(Ok(n)) if (1..=MAX_DELIVERIES_PAGE).contains(&n) => n,
        Some(_) => {
            return Err(ControlError::bad_request(format!(
                "limit is a whole number from 1 to {MAX_DELIVERIES_PAGE}"
            )))
        }
    };
    let after = match param("after").map(|a| a.trim().parse::<u64>()) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            return Err(ControlError::bad_request(
                "after is the id of a delivery (a paging cursor)",
            ))
        }
    };
    Ok(sb
        .with_world(|w, _| {
            let mut rest = w.webhooks.deliveries.range(after.saturating_add(1)..);
            let data: Vec<Value> = rest.by_ref().take(limit).map(|(_, d)| delivery_json(d)).collect();
            let more = rest.next().is_some();
            let mut out = serde_json::Map::new();
            let (first, last) = (
                data.first().map(|d| d["id"].clone()),
                data.last().map(|d| d["id"].clone()),
            );
            out.insert("data".into(), Value::Array(data));
            if let (Some(before), Some(after)) = (first, last) {
                let mut paging = json!({ "cursors": { "before": before, "after": after } });
                if more {
                    let path = format!("{}/_sim/sandboxes/{}/webhooks/deliveries", raw.base_url, sb.id);
                    paging["next"] = json!(format!("{path}?limit={limit}&after={}", after.as_str().unwrap_or("")));
                }
                out.insert("paging".into(), paging);
            }
            Value::Object(out)
        })
        .into())
}

/// `GET webhooks/deliveries/{n}`.
pub(crate) fn delivery(sb: &Sandbox, n: &str) -> ControlResult {
    let missing = || ControlError::not_found(format!("no delivery {n}"));
    let n = n.parse::<u64>().map_err(|_| missing())?;
    sb.with_world(|w, _| w.webhooks.deliveries.get(&n).map(delivery_json))
        .map(Into::into)
        .ok_or_else(missing)
}

/// `POST webhooks/deliveries/{n}/redeliver`: again from now on, with a fresh retry window.
pub(crate) async fn redeliver(state: &State, sb: &Arc<Sandbox>, n: &str) -> ControlResult {
    let missing = || ControlError::not_found(format!("no delivery {n}"));
    let n = n.parse::<u64>().map_err(|_| missing())?;
    if !sb.with_world(|w, now| w.redeliver_webhook(n, now)) {
        return Err(missing());
    }
    crate::app::dispatcher::flush(state, sb).await;
    delivery(sb, &n.to_string())
}

/// `GET webhooks/posts`.
pub(crate) fn posts(sb: &Sandbox) -> Value {
    sb.with_world(|w, _| {
        let data: Vec<Value> = w.webhooks.posts.values().map(|p| post_json(w, p)).collect();
        json!({ "data": data })
    })
}

/// `GET webhooks/posts/{n}`.
pub(crate) fn post(sb: &Sandbox, n: &str) -> ControlResult {
    let Ok(n) = n.parse::<u64>() else {
        return Err(ControlError::not_found(format!("no post {n}")));
    };
    sb.with_world(|w, _| w.webhooks.posts.get(&n).map(|p| post_json(w, p)))
        .map(Into::into)
        .ok_or_else(|| ControlError::not_found(format!("no post {n} (only the newest are kept)")))
}

fn configuration_of(w: &World) -> Value {
    let sub = w.webhooks.subscription.as_ref().map(|s| {
        json!({
            "object": "instagram",
            "callback_url": s.callback_url,
            "verify_token": s.verify_token,
            "active": s.active,
            "fields": s.fields.keys().collect::<Vec<_>>(),
        })
    });
    let pages: Vec<Value> = w
        .webhooks
        .pages
        .iter()
        .map(|(p, i)| json!({ "page_id": p.to_string(), "installed_by": i.user.to_string(), "subscribed_fields": i.subscribed_fields }))
        .collect();
    json!({ "subscription": sub, "pages": pages })
}

/// One delivery (one change) as the control plane shows it: its own envelope, and each
/// attempt with the POST that carried it (see [`post_json`] for the bytes sent).
fn delivery_json(d: &Delivery) -> Value {
    let attempts: Vec<Value> = d
        .attempts
        .iter()
        .map(|a| json!({ "at": a.at, "status": a.status, "error": a.error, "post": a.post.map(|p| p.to_string()) }))
        .collect();
    json!({
        "id": d.id.to_string(),
        "ig_user_id": d.ig_user.to_string(),
        "field": d.event.field(),
        "callback_url": d.callback_url,
        "state": d.state.as_str(),
        "created_at": d.created_at,
        "first_due_at": d.first_due,
        "next_attempt_at": d.next_due,
        "payload": crate::io::webhooks::batch_json(&[Entry {
            ig_user: d.ig_user,
            time: d.time,
            changes: vec![d.event.clone()],
        }]),
        "attempts": attempts,
    })
}

/// One POST as sent: the batched envelope, the exact body and its signatures, the changes it
/// carried and the callback's answer.
fn post_json(w: &World, p: &Post) -> Value {
    let payload = crate::io::webhooks::batch_json(&p.entries);
    let body = crate::io::webhooks::encode_body(&payload);
    json!({
        "id": p.id.to_string(),
        "at": p.at,
        "callback_url": p.url,
        "deliveries": p.deliveries.iter().map(u64::to_string).collect::<Vec<_>>(),
        "payload": payload,
        "body": body,
        "signature_256": crate::io::webhooks::signature_256(&w.app.secret, body.as_bytes()),
        "signature": crate::io::webhooks::signature_sha1(&w.app.secret, body.as_bytes()),
        "status": p.status,
        "error": p.error,
    })
}

/// `POST /_sim/sandboxes/{id}/webhooks/subscription`
/// `{"callback_url","verify_token"?,"verify"?}`: the app subscribed to every field at the
/// callback and installed on every Page; `verify: true` performs the handshake first.
pub(crate) async fn subscribe(state: &State, sb: &Sandbox, body: &Bytes) -> ControlResult {
    let v = body_json(body)?;
    let url = str_field(&v, "callback_url")?.trim().to_string();
    crate::io::webhooks::check_url(&url).map_err(ControlError::bad_request)?;
    let token = opt_str(&v, "verify_token").unwrap_or("").to_string();
    if v.get("verify").and_then(Value::as_bool) == Some(true) {
        let challenge = sb.with_world(|w, _| 1_000_000_000 + w.ids.below(1_000_000_000));
        let timeout = Duration::from_millis(state.sandboxes.config.webhooks.timeout_ms.max(1));
        crate::io::webhooks::handshake(&url, &token, challenge, timeout)
            .await
            .map_err(|e| ControlError::bad_request(e.message))?;
    }
    Ok(sb
        .with_world(|w, now| {
            let version = crate::version::newest_at(now).to_string();
            w.subscribe_everything(&url, &token, &version, now);
            configuration_of(w)
        })
        .into())
}
