//! The control plane's outside world: `/_sim/sandboxes/{id}/events/*` make other users act
//! (each event changes the world and queues webhooks).
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

use super::{body_json, ControlError, ControlResult, Reply};
use crate::app::State;
use crate::ids::{parse_id, CommentId, MediaId};
use crate::model::events::{self, EventError};
use crate::sandbox::Sandbox;
use bytes::Bytes;
use serde_json::{json, Value};

impl From<EventError> for ControlError {
    fn from(e: EventError) -> Self {
        match e {
            EventError::NotFound(m) => ControlError::not_found(m),
            EventError::Invalid(m) => ControlError::bad_request(m),
            EventError::Full(full) => full.into(),
        }
    }
}

pub(crate) fn str_field<'a>(v: &'a Value, name: &str) -> Result<&'a str, ControlError> {
    match v.get(name).and_then(Value::as_str) {
        Some(s) if !s.trim().is_empty() => Ok(s),
        _ => Err(ControlError::bad_request(format!(
            "give \"{name}\" (a non-empty string)"
        ))),
    }
}

pub(crate) fn opt_str<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.get(name).and_then(Value::as_str)
}

/// An id given as a string or a number; `None` when absent or null.
fn id_field(v: &Value, name: &str) -> Result<Option<u64>, ControlError> {
    let bad = || ControlError::bad_request(format!("\"{name}\" must be a Graph id"));
    match v.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => parse_id(s).map(Some).ok_or_else(bad),
        Some(Value::Number(n)) => n.as_u64().map(Some).ok_or_else(bad),
        Some(_) => Err(bad()),
    }
}

fn f64_field(v: &Value, name: &str, default: f64) -> Result<f64, ControlError> {
    match v.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(x) => x
            .as_f64()
            .ok_or_else(|| ControlError::bad_request(format!("\"{name}\" must be a number"))),
    }
}

/// `POST /_sim/sandboxes/{id}/events/{kind}`.
pub(crate) fn event(state: &State, sb: &Sandbox, kind: &str, body: &Bytes) -> ControlResult {
    let cfg = &state.sandboxes.config;
    let v = body_json(body)?;
    let run = || -> Result<Value, ControlError> {
        match kind {
            "comment" => {
                let media = id_field(&v, "media_id")?.ok_or_else(|| ControlError::bad_request("give \"media_id\""))?;
                let text = str_field(&v, "text")?;
                let from = str_field(&v, "from_username")?;
                let parent = id_field(&v, "parent_id")?.map(CommentId);
                sb.with_world(|w, now| events::comment(w, cfg, MediaId(media), from, text, parent, now))
                    .map(|c| json!({ "id": c.to_string() }))
                    .map_err(ControlError::from)
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
                    .map_err(ControlError::from)?;
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
                sb.with_world(|w, now| {
                    let ev = events::Tag {
                        username,
                        from_username: from,
                        media,
                        x,
                        y,
                    };
                    events::tag(w, cfg, ev, now)
                })
                .map(|m| json!({ "id": m.to_string() }))
                .map_err(ControlError::from)
            }
            "live" => {
                let id = match opt_str(&v, "action").unwrap_or("") {
                    "start" => {
                        let username = str_field(&v, "username")?;
                        let caption = opt_str(&v, "caption");
                        sb.with_world(|w, now| events::start_live(w, &cfg.capacity, username, caption, now))
                            .map(|m| m.to_string())
                    }
                    "end" => {
                        let media =
                            id_field(&v, "media_id")?.ok_or_else(|| ControlError::bad_request("give \"media_id\""))?;
                        sb.with_world(|w, _| events::end_live(w, MediaId(media)))
                            .map(|m| m.to_string())
                    }
                    "comment" => {
                        let media =
                            id_field(&v, "media_id")?.ok_or_else(|| ControlError::bad_request("give \"media_id\""))?;
                        let text = str_field(&v, "text")?;
                        let from = str_field(&v, "from_username")?;
                        sb.with_world(|w, now| events::comment(w, cfg, MediaId(media), from, text, None, now))
                            .map(|c| c.to_string())
                    }
                    _ => return Err(ControlError::bad_request("\"action\" is one of start, end, comment")),
                };
                id.map(|id| json!({ "id": id })).map_err(ControlError::from)
            }
            "story_expire" => {
                let media = id_field(&v, "media_id")?.ok_or_else(|| ControlError::bad_request("give \"media_id\""))?;
                sb.with_world(|w, now| events::expire_story(w, cfg, MediaId(media), now))
                    .map(|m| json!({ "id": m.to_string() }))
                    .map_err(ControlError::from)
            }
            _ => Err(ControlError::not_found(
                "no such event: comment, mention, tag, live, story_expire",
            )),
        }
    };
    run().map(Reply::from)
}
