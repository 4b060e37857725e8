//! The control plane's publishing: every container of a sandbox and its state, forced status
//! transitions and copyright matches, the sandbox's publishing configuration, and copyright
//! matches and collaborator answers on published media
//! (`/_sim/sandboxes/{id}/containers/…`, `/_sim/sandboxes/{id}/publishing/…`).

use super::{body_json, success, ControlError, ControlResult};
use crate::config::{Config, PublishingConfig};
use crate::http::publishing::effective_config;
use crate::ids::{parse_id, ContainerId, MediaId};
use crate::model::publishing::{
    self as model, sample_copyright_match, Container, CopyrightInfo, CopyrightMatch, InviteStatus,
};
use crate::model::MediaType;
use crate::sandbox::Sandbox;
use bytes::Bytes;
use serde_json::{json, Value};

fn container_state(c: &Container, now: i64) -> Value {
    let s = c.status(now);
    json!({
        "id": c.id.to_string(),
        "owner": c.spec.owner.to_string(),
        "kind": c.spec.kind,
        "status_code": s.code(),
        "status": s.sentence(c.lifetime),
        "created_at": c.created_at,
        "expires_at": c.expires_at,
        "ready_at": c.ready_at,
        "published_media_id": c.published.map(|(_, m)| m.to_string()),
    })
}

/// Most JSON a container's or a video's `copyright_matches` may hold (they are kept with it
/// and shown on every read; production's matches are a few hundred bytes each).
const MAX_COPYRIGHT_MATCHES_BYTES: usize = 64 * 1024;

fn parse_matches(v: &Value) -> Result<Vec<CopyrightMatch>, ControlError> {
    if v.get("matches_found").and_then(Value::as_bool) == Some(false) {
        return Ok(Vec::new());
    }
    match v.get("copyright_matches") {
        None => Ok(vec![sample_copyright_match()]),
        Some(m) if m.to_string().len() > MAX_COPYRIGHT_MATCHES_BYTES => Err(ControlError::bad_request(format!(
            "copyright_matches is {} bytes of JSON: at most {MAX_COPYRIGHT_MATCHES_BYTES}",
            m.to_string().len()
        ))),
        Some(m) => serde_json::from_value(m.clone())
            .map_err(|e| ControlError::bad_request(format!("copyright_matches is not a list of matches: {e}"))),
    }
}

fn container_id(s: &str) -> Result<ContainerId, ControlError> {
    parse_id(s)
        .map(ContainerId)
        .ok_or_else(|| ControlError::bad_request("bad container id"))
}

fn media_id(s: &str) -> Result<MediaId, ControlError> {
    parse_id(s)
        .map(MediaId)
        .ok_or_else(|| ControlError::bad_request("bad media id"))
}

/// `GET containers`: every container of the sandbox, newest first (the dashboard's view).
pub(crate) fn containers(sandbox: &Sandbox) -> Value {
    sandbox.with_world(|w, now| {
        let mut all: Vec<&Container> = w.publishing.containers.values().collect();
        all.sort_by_key(|c| std::cmp::Reverse((c.created_at, c.id)));
        let data: Vec<Value> = all.into_iter().map(|c| container_state(c, now)).collect();
        json!({ "data": data })
    })
}

/// `GET containers/{id}`.
pub(crate) fn container(sandbox: &Sandbox, cid: &str) -> ControlResult {
    let id = container_id(cid)?;
    sandbox.with_world(|w, now| match w.publishing.containers.get(&id) {
        Some(c) => Ok(container_state(c, now).into()),
        None => Err(ControlError::not_found(format!("no container {cid} in this sandbox"))),
    })
}

/// `POST containers/{id}/transition` `{"to", "error_subcode"?}`.
pub(crate) fn transition(sandbox: &Sandbox, cid: &str, body: &Bytes) -> ControlResult {
    let id = container_id(cid)?;
    let v = body_json(body)?;
    let Some(to) = v.get("to").and_then(Value::as_str) else {
        return Err(ControlError::bad_request(
            "give {\"to\": \"FINISHED\"|\"ERROR\"|\"EXPIRED\"|\"IN_PROGRESS\", \"error_subcode\": n}",
        ));
    };
    let sub = v.get("error_subcode").and_then(Value::as_i64);
    sandbox.with_world(|w, now| match model::transition(w, id, to, sub, now) {
        Ok(_) => Ok(container_state(&w.publishing.containers[&id], now).into()),
        Err(msg) if msg.starts_with("no container") => Err(ControlError::not_found(msg)),
        Err(msg) => Err(ControlError::conflict(msg)),
    })
}

/// `POST containers/{id}/copyright` `{"matches_found"?, "copyright_matches"?}`.
pub(crate) fn container_copyright(sandbox: &Sandbox, cid: &str, body: &Bytes) -> ControlResult {
    let id = container_id(cid)?;
    let matches = parse_matches(&body_json(body)?)?;
    sandbox.with_world(|w, now| match w.publishing.containers.get_mut(&id) {
        None => Err(ControlError::not_found(format!("no container {cid} in this sandbox"))),
        Some(c) if !c.spec.kind.is_video() => Err(ControlError::conflict("copyright checks apply to video containers")),
        Some(c) if c.published.is_some() => Err(ControlError::conflict("already published: mark the media instead")),
        Some(c) => {
            c.copyright_matches = matches;
            Ok(container_state(c, now).into())
        }
    })
}

/// `GET publishing/config`: the sandbox's publishing settings.
pub(crate) fn config(sandbox: &Sandbox, cfg: &Config) -> Value {
    sandbox.with_world(|w, _| json!(effective_config(w, cfg)))
}

/// `POST publishing/config`: changes some settings of the sandbox (every key checked).
pub(crate) fn set_config(sandbox: &Sandbox, body: &Bytes, cfg: &Config) -> ControlResult {
    let Value::Object(v) = body_json(body)? else {
        return Err(ControlError::bad_request("give a JSON object of publishing settings"));
    };
    sandbox.with_world(|w, _| {
        let mut current = json!(effective_config(w, cfg));
        for (k, val) in v {
            if current.get(&k).is_none() {
                return Err(ControlError::bad_request(format!("unknown publishing setting {k:?}")));
            }
            current[&k] = val;
        }
        let checked = serde_json::from_value::<PublishingConfig>(current)
            .map_err(|e| e.to_string())
            .and_then(|c| c.check().map(|()| c));
        match checked {
            Ok(c) => {
                w.publishing.config_override = Some(c.clone());
                Ok(json!(c).into())
            }
            Err(e) => Err(ControlError::bad_request(format!("bad publishing setting: {e}"))),
        }
    })
}

/// `POST publishing/media/{id}/copyright`: the copyright matches of a published video.
pub(crate) fn media_copyright(sandbox: &Sandbox, mid: &str, body: &Bytes) -> ControlResult {
    let id = media_id(mid)?;
    let matches = parse_matches(&body_json(body)?)?;
    sandbox.with_world(|w, _| match w.media.get(&id) {
        Some(m) if m.media_type == MediaType::Video => {
            w.publishing.copyright.insert(id, CopyrightInfo { matches });
            success()
        }
        Some(_) => Err(ControlError::conflict("copyright checks apply to videos")),
        None => Err(ControlError::not_found(format!("no media {mid} in this sandbox"))),
    })
}

/// `POST publishing/media/{id}/collaborators` `{"username", "invite_status"}`: a collaborator
/// answers the invitation.
pub(crate) fn collaborator(sandbox: &Sandbox, mid: &str, body: &Bytes) -> ControlResult {
    let id = media_id(mid)?;
    let v = body_json(body)?;
    let (Some(user), Some(status)) = (
        v.get("username").and_then(Value::as_str),
        v.get("invite_status")
            .cloned()
            .and_then(|s| serde_json::from_value::<InviteStatus>(s).ok()),
    ) else {
        return Err(ControlError::bad_request(
            "give {\"username\": ..., \"invite_status\": \"Accepted\"|\"Declined\"|\"Pending\"}",
        ));
    };
    sandbox.with_world(|w, _| {
        let Some(m) = w.media.get(&id) else {
            return Err(ControlError::not_found(format!("no media {mid} in this sandbox")));
        };
        let Some(name) = m.collaborators.iter().find(|c| c.eq_ignore_ascii_case(user)).cloned() else {
            return Err(ControlError::not_found(format!(
                "{user} is not a collaborator on {mid}"
            )));
        };
        w.publishing.invites.entry(id).or_default().insert(name, status);
        success()
    })
}
