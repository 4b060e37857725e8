//! Control plane for the outside world and webhooks: `/_sim/sandboxes/{id}/events/*` make
//! other users act (each event changes the world and queues webhooks), and
//! `/_sim/sandboxes/{id}/webhooks/*` configures, inspects, flushes and redelivers.
//!
//! Events (POST, JSON body, ids as strings or numbers):
//! - `events/comment` `{"media_id","text","from_username","parent_id"?}` -> `{"id"}`
//! - `events/mention` `{"username","from_username","media_id"?,"comment_id"?,"text"?}` ->
//!   `{"id","media_id","comment_id"?}`: a comment mention with `media_id`/`comment_id`,
//!   else a caption mention in a new post by `from_username`.
//! - `events/tag` `{"username","from_username","media_id"?,"x"?,"y"?}` -> `{"id"}` (media)
//! - `events/live` `{"action":"start","username","caption"?}` | `{"action":"end","media_id"}`
//!   | `{"action":"comment","media_id","from_username","text"}` -> `{"id"}`
//! - `events/story_expire` `{"media_id"}` -> `{"id"}`
//!
//! Webhooks: `GET webhooks` (configuration), `POST|DELETE webhooks/subscription`
//! (`{"callback_url","verify_token"?,"verify"?}`: subscribe to every field and install on
//! every Page; `verify: true` performs the handshake), `GET webhooks/deliveries[?limit=&after=]`
//! (oldest first, paged: `limit` up to [`MAX_DELIVERIES_PAGE`], `paging.next` while more
//! remain; the newest `Config::webhook_deliveries_kept` finished ones are kept) and
//! `GET webhooks/deliveries/{n}` (one change each, with the POSTs it went out in),
//! `GET webhooks/posts` and `GET webhooks/posts/{n}` (each POST as sent: batched body,
//! signatures, answer; the newest `Config::webhook_posts_kept`),
//! `POST webhooks/deliveries/{n}/redeliver`, `POST webhooks/flush` (sends everything due
//! now, concurrently, and answers when done or after `Config::webhook_flush_wait_ms`, with
//! `complete` saying which).

use crate::http::request::RawRequest;
use crate::http::response::{sim_error, sim_json, Body};
use crate::ids::{parse_id, CommentId, MediaId};
use crate::model::events::{self, EventError};
use crate::model::webhook::{Delivery, Post};
use crate::model::World;
use crate::sandbox::Sandbox;
use crate::server::State;
use crate::webhooks::{encode_body, flush, signature_256, signature_sha1};
use bytes::Bytes;
use http::{Method, Response};
use serde_json::{json, Value};
use std::time::Duration;

type Reply = Response<Body>;

fn body_json(body: &Bytes) -> Result<Value, Reply> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(sim_error(400, "the body must be a JSON object")),
        Err(e) => Err(sim_error(400, &format!("body is not JSON: {e}"))),
    }
}

fn str_field<'a>(v: &'a Value, name: &str) -> Result<&'a str, Reply> {
    match v.get(name).and_then(Value::as_str) {
        Some(s) if !s.trim().is_empty() => Ok(s),
        _ => Err(sim_error(400, &format!("give \"{name}\" (a non-empty string)"))),
    }
}

fn opt_str<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.get(name).and_then(Value::as_str)
}

/// An id given as a string or a number; `None` when absent or null.
fn id_field(v: &Value, name: &str) -> Result<Option<u64>, Reply> {
    let bad = || sim_error(400, &format!("\"{name}\" must be a Graph id"));
    match v.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => parse_id(s).map(Some).ok_or_else(bad),
        Some(Value::Number(n)) => n.as_u64().map(Some).ok_or_else(bad),
        Some(_) => Err(bad()),
    }
}

fn f64_field(v: &Value, name: &str, default: f64) -> Result<f64, Reply> {
    match v.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(x) => x
            .as_f64()
            .ok_or_else(|| sim_error(400, &format!("\"{name}\" must be a number"))),
    }
}

fn event_error(e: EventError) -> Reply {
    match e {
        EventError::NotFound(m) => sim_error(404, &m),
        EventError::Invalid(m) => sim_error(400, &m),
    }
}

/// Deliveries on one page of `webhooks/deliveries` by default, and at most.
pub const DEFAULT_DELIVERIES_PAGE: usize = 100;
pub const MAX_DELIVERIES_PAGE: usize = 1_000;

pub async fn handle(state: &State, raw: &RawRequest, segs: &[String]) -> Option<Reply> {
    let (method, body) = (&raw.method, &raw.body);
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let ["sandboxes", id, area, rest @ ..] = segs.as_slice() else {
        return None;
    };
    if *area != "events" && *area != "webhooks" {
        return None;
    }
    let Some(sb) = state.sandboxes.get(id) else {
        return Some(sim_error(404, &format!("no sandbox {id}")));
    };
    let reply = match (method, *area, rest) {
        (&Method::POST, "events", [kind]) => {
            let r = event(state, &sb, kind, body);
            state.webhooks.wake();
            r
        }
        (&Method::GET, "webhooks", []) => sim_json(200, &sb.with_world(|w, _| configuration(w))),
        (&Method::POST, "webhooks", ["subscription"]) => subscribe(state, &sb, body).await,
        (&Method::DELETE, "webhooks", ["subscription"]) => sb.with_world(|w, _| {
            w.webhooks.subscription = None;
            w.webhooks.pages.clear();
            sim_json(200, &json!({ "success": true }))
        }),
        (&Method::POST, "webhooks", ["flush"]) => {
            let flushed = flush(state, &sb).await;
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
            sim_json(200, &summary)
        }
        (&Method::GET, "webhooks", ["deliveries"]) => deliveries_page(raw, &sb),
        (&Method::GET, "webhooks", ["posts"]) => sim_json(
            200,
            &sb.with_world(|w, _| {
                let data: Vec<Value> = w.webhooks.posts.values().map(|p| post_json(w, p)).collect();
                json!({ "data": data })
            }),
        ),
        (&Method::GET, "webhooks", ["posts", n]) => match n.parse::<u64>() {
            Ok(n) => sb.with_world(|w, _| match w.webhooks.posts.get(&n) {
                Some(p) => sim_json(200, &post_json(w, p)),
                None => sim_error(404, &format!("no post {n} (only the newest are kept)")),
            }),
            Err(_) => sim_error(404, &format!("no post {n}")),
        },
        (&Method::GET, "webhooks", ["deliveries", n]) => match n.parse::<u64>() {
            Ok(n) => sb.with_world(|w, _| match w.webhooks.deliveries.get(&n) {
                Some(d) => sim_json(200, &delivery_json(d)),
                None => sim_error(404, &format!("no delivery {n}")),
            }),
            Err(_) => sim_error(404, &format!("no delivery {n}")),
        },
        (&Method::POST, "webhooks", ["deliveries", n, "redeliver"]) => {
            let Ok(n) = n.parse::<u64>() else {
                return Some(sim_error(404, &format!("no delivery {n}")));
            };
            if !sb.with_world(|w, now| w.redeliver_webhook(n, now)) {
                return Some(sim_error(404, &format!("no delivery {n}")));
            }
            flush(state, &sb).await;
            sb.with_world(|w, _| match w.webhooks.deliveries.get(&n) {
                Some(d) => sim_json(200, &delivery_json(d)),
                None => sim_error(404, &format!("no delivery {n}")),
            })
        }
        _ => sim_error(
            404,
            "no such control-plane route; see the README's control plane section",
        ),
    };
    Some(reply)
}

/// `GET webhooks/deliveries?limit=&after=`: deliveries after the `after` id, oldest first,
/// with `paging.cursors` and a `next` URL while more remain.
fn deliveries_page(raw: &RawRequest, sb: &Sandbox) -> Reply {
    let param = |name: &str| {
        form_urlencoded::parse(raw.query.as_deref().unwrap_or("").as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let limit = match param("limit").map(|l| l.trim().parse::<usize>()) {
        None => DEFAULT_DELIVERIES_PAGE,
        Some(Ok(n)) if (1..=MAX_DELIVERIES_PAGE).contains(&n) => n,
        Some(_) => return sim_error(400, &format!("limit is a whole number from 1 to {MAX_DELIVERIES_PAGE}")),
    };
    let after = match param("after").map(|a| a.trim().parse::<u64>()) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => return sim_error(400, "after is the id of a delivery (a paging cursor)"),
    };
    sim_json(
        200,
        &sb.with_world(|w, _| {
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
        }),
    )
}

fn configuration(w: &World) -> Value {
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
        "field": d.field,
        "callback_url": d.callback_url,
        "state": d.state.as_str(),
        "created_at": d.created_at,
        "first_due_at": d.first_due,
        "next_attempt_at": d.next_due,
        "payload": d.payload,
        "attempts": attempts,
    })
}

/// One POST as sent: the batched envelope, the exact body and its signatures, the changes it
/// carried and the callback's answer.
fn post_json(w: &World, p: &Post) -> Value {
    let body = encode_body(&p.payload);
    json!({
        "id": p.id.to_string(),
        "at": p.at,
        "callback_url": p.url,
        "deliveries": p.deliveries.iter().map(u64::to_string).collect::<Vec<_>>(),
        "payload": p.payload,
        "body": body,
        "signature_256": signature_256(&w.app.secret, body.as_bytes()),
        "signature": signature_sha1(&w.app.secret, body.as_bytes()),
        "status": p.status,
        "error": p.error,
    })
}

async fn subscribe(state: &State, sb: &Sandbox, body: &Bytes) -> Reply {
    let v = match body_json(body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let url = match str_field(&v, "callback_url") {
        Ok(u) => u.trim().to_string(),
        Err(r) => return r,
    };
    if let Err(e) = crate::webhooks::check_url(&url) {
        return sim_error(400, &e);
    }
    let token = opt_str(&v, "verify_token").unwrap_or("").to_string();
    if v.get("verify").and_then(Value::as_bool) == Some(true) {
        let challenge = sb.with_world(|w, _| 1_000_000_000 + w.ids.below(1_000_000_000));
        let timeout = Duration::from_millis(state.sandboxes.config.webhook_timeout_ms.max(1));
        if let Err(e) = crate::webhooks::handshake(&url, &token, challenge, timeout).await {
            return sim_error(400, &e.message);
        }
    }
    let version = crate::version::newest().to_string();
    sim_json(
        200,
        &sb.with_world(|w, now| {
            w.subscribe_everything(&url, &token, &version, now);
            configuration(w)
        }),
    )
}

fn event(state: &State, sb: &Sandbox, kind: &str, body: &Bytes) -> Reply {
    let cfg = &state.sandboxes.config;
    let v = match body_json(body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let run = || -> Result<Value, Reply> {
        match kind {
            "comment" => {
                let media = id_field(&v, "media_id")?.ok_or_else(|| sim_error(400, "give \"media_id\""))?;
                let text = str_field(&v, "text")?;
                let from = str_field(&v, "from_username")?;
                let parent = id_field(&v, "parent_id")?.map(CommentId);
                sb.with_world(|w, now| events::comment(w, cfg, MediaId(media), from, text, parent, now))
                    .map(|c| json!({ "id": c.to_string() }))
                    .map_err(event_error)
            }
            "mention" => {
                let username = str_field(&v, "username")?;
                let from = str_field(&v, "from_username")?;
                let media = id_field(&v, "media_id")?.map(MediaId);
                let comment = id_field(&v, "comment_id")?.map(CommentId);
                let text = opt_str(&v, "text");
                let m = sb
                    .with_world(|w, now| {
                        let ev = events::Mention {
                            username,
                            from_username: from,
                            media,
                            comment,
                            text,
                        };
                        events::mention(w, cfg, ev, now)
                    })
                    .map_err(event_error)?;
                Ok(match m.comment {
                    Some(c) => {
                        json!({ "id": c.to_string(), "media_id": m.media.to_string(), "comment_id": c.to_string() })
                    }
                    None => json!({ "id": m.media.to_string(), "media_id": m.media.to_string() }),
                })
            }
            "tag" => {
                let username = str_field(&v, "username")?;
                let from = str_field(&v, "from_username")?;
                let media = id_field(&v, "media_id")?.map(MediaId);
                let (x, y) = (f64_field(&v, "x", 0.5)?, f64_field(&v, "y", 0.5)?);
                sb.with_world(|w, now| events::tag(w, from, username, media, x, y, now))
                    .map(|m| json!({ "id": m.to_string() }))
                    .map_err(event_error)
            }
            "live" => {
                let id = match opt_str(&v, "action").unwrap_or("") {
                    "start" => {
                        let username = str_field(&v, "username")?;
                        let caption = opt_str(&v, "caption");
                        sb.with_world(|w, now| events::start_live(w, username, caption, now))
                            .map(|m| m.to_string())
                    }
                    "end" => {
                        let media = id_field(&v, "media_id")?.ok_or_else(|| sim_error(400, "give \"media_id\""))?;
                        sb.with_world(|w, _| events::end_live(w, MediaId(media)))
                            .map(|m| m.to_string())
                    }
                    "comment" => {
                        let media = id_field(&v, "media_id")?.ok_or_else(|| sim_error(400, "give \"media_id\""))?;
                        let text = str_field(&v, "text")?;
                        let from = str_field(&v, "from_username")?;
                        sb.with_world(|w, now| events::comment(w, cfg, MediaId(media), from, text, None, now))
                            .map(|c| c.to_string())
                    }
                    _ => return Err(sim_error(400, "\"action\" is one of start, end, comment")),
                };
                id.map(|id| json!({ "id": id })).map_err(event_error)
            }
            "story_expire" => {
                let media = id_field(&v, "media_id")?.ok_or_else(|| sim_error(400, "give \"media_id\""))?;
                sb.with_world(|w, now| events::expire_story(w, cfg, MediaId(media), now))
                    .map(|m| json!({ "id": m.to_string() }))
                    .map_err(event_error)
            }
            _ => Err(sim_error(
                404,
                "no such event: comment, mention, tag, live, story_expire",
            )),
        }
    };
    match run() {
        Ok(v) => sim_json(200, &v),
        Err(r) => r,
    }
}
