//! The control plane's login: `/_sim/sandboxes/{id}/login/…`. `POST code` issues a code
//! headlessly; `GET|POST redirect_uris` reads or replaces the app's registered redirect URIs
//! (`{"redirect_uris": […]}`; empty = any loopback URI).

use super::{body_json, ControlError, ControlResult};
use crate::app::State;
use crate::model::account::IG_LOGIN_SCOPES;
use crate::model::login::{redirect_allowed, Flavour, Grantor};
use crate::sandbox::Sandbox;
use bytes::Bytes;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// `GET login/redirect_uris`.
pub fn redirect_uris(sb: &Sandbox) -> Value {
    sb.with_world(|w, _| json!({ "redirect_uris": w.login.redirect_uris }))
}

/// `POST login/redirect_uris` `{"redirect_uris": […]}`.
pub fn set_redirect_uris(sb: &Sandbox, body: &Bytes) -> ControlResult {
    let v = body_json(body)?;
    let Some(list) = v["redirect_uris"].as_array().and_then(|a| {
        a.iter()
            .map(|u| u.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
    }) else {
        return Err(ControlError::bad_request("give {\"redirect_uris\": [\"<uri>\", …]}"));
    };
    sb.with_world(|w, _| w.login.redirect_uris = list.clone());
    Ok(json!({ "redirect_uris": list }).into())
}

/// `POST login/code` `{"flavour": "instagram"|"facebook", "account"|"user", "scopes": […],
/// "redirect_uri"}` → `{"code"}`: a code issued headlessly, as if the person clicked Allow.
pub fn code(state: &State, sb: &Sandbox, body: &Bytes) -> ControlResult {
    let v = &body_json(body)?;
    let flavour = match v["flavour"].as_str() {
        Some("instagram") => Flavour::Instagram,
        Some("facebook") => Flavour::Facebook,
        _ => {
            return Err(ControlError::bad_request(
                "flavour must be \"instagram\" or \"facebook\"",
            ))
        }
    };
    let Some(redirect_uri) = v["redirect_uri"].as_str() else {
        return Err(ControlError::bad_request("redirect_uri is required"));
    };
    let scopes: Option<BTreeSet<String>> = v["scopes"]
        .as_array()
        .and_then(|a| a.iter().map(|s| s.as_str().map(str::to_string)).collect());
    let Some(scopes) = scopes else {
        return Err(ControlError::bad_request("scopes must be an array of permission names"));
    };
    if flavour == Flavour::Instagram {
        if let Some(bad) = scopes.iter().find(|s| !IG_LOGIN_SCOPES.contains(&s.as_str())) {
            return Err(ControlError::bad_request(format!(
                "{bad} is not an Instagram Login permission"
            )));
        }
    }
    let cfg = &state.sandboxes.config.login;
    let out = sb.with_world(|w, now| {
        if !redirect_allowed(redirect_uri, &w.login.redirect_uris) {
            return Err(format!(
                "redirect_uri {redirect_uri} is not registered for the sandbox app"
            ));
        }
        let grantor = match flavour {
            Flavour::Instagram => {
                let name = v["account"].as_str().ok_or("account (a username) is required")?;
                let u = w.ig_user_by_username(name).ok_or(format!("no account {name}"))?;
                if !u.account_type.is_professional() {
                    return Err(format!("{name} is not a professional account"));
                }
                Grantor::Instagram(u.id)
            }
            Flavour::Facebook => {
                let name = v["user"].as_str().ok_or("user (a user's name) is required")?;
                let u = w
                    .users
                    .values()
                    .find(|u| u.name == name)
                    .ok_or(format!("no user {name}"))?;
                Grantor::User(u.id)
            }
        };
        Ok(crate::http::dialog::issue(
            w,
            grantor,
            scopes.clone(),
            redirect_uri,
            now,
            cfg,
        ))
    });
    match out {
        Ok(code) => Ok(json!({ "code": code }).into()),
        Err(e) => Err(ControlError::bad_request(e)),
    }
}
