//! The login dialogs of both flavours, offline: Instagram's authorization window
//! (`/oauth/authorize`, as on `www.instagram.com` / `api.instagram.com`) and Facebook's
//! Login dialog (`/{version}/dialog/oauth`, as on `www.facebook.com`). Each renders a small
//! HTML page listing the sandbox's accounts (Instagram) or users (Facebook) with the
//! requested permissions as checkboxes; its form posts back to the same path and the answer
//! is a `302` to `redirect_uri` with `code` and `state`, or with production's
//! `error=access_denied…` when cancelled. The control plane's headless code issue and
//! redirect-URI registration are `http::control::login`.
//!
//! Which sandbox a dialog serves: the one whose app has `client_id` and which registered
//! `redirect_uri` exactly; else `default` (whose app accepts any loopback URI unless it
//! registered some). Sources: `specs/README.md`, "Instagram Login facts".

use crate::app::State;
use crate::http::request::{GraphRequest, Verb};
use crate::http::response::{html, redirect, Body};
use crate::ids::{IgUserId, UserId};
use crate::model::account::IG_LOGIN_SCOPES;
use crate::model::login::{parse_scope, redirect_allowed, Flavour, Grantor};
use crate::model::World;
use crate::sandbox::{Sandbox, DEFAULT_SANDBOX};
use http::Response;
use std::collections::BTreeSet;
use std::sync::Arc;

/// `/oauth/authorize`: Instagram's authorization window (GET shows it, POST is the person's
/// choice).
pub(crate) fn instagram(state: &State, req: &GraphRequest) -> Response<Body> {
    dialog(state, req, Flavour::Instagram)
}

/// `/{version}/dialog/oauth`: Facebook's Login dialog.
pub(crate) fn facebook(state: &State, req: &GraphRequest) -> Response<Body> {
    dialog(state, req, Flavour::Facebook)
}

fn dialog(state: &State, req: &GraphRequest, flavour: Flavour) -> Response<Body> {
    match answer(state, req, flavour) {
        Ok(r) => r,
        Err(why) => error_page(flavour, &why),
    }
}

/// The validated parameters of a dialog request.
struct Dialog {
    flavour: Flavour,
    sandbox: Arc<Sandbox>,
    redirect_uri: String,
    state: Option<String>,
    scopes: Vec<String>,
    /// The path the form posts back to.
    action: String,
}

fn answer(state: &State, req: &GraphRequest, flavour: Flavour) -> Result<Response<Body>, String> {
    let d = validate(state, req, flavour)?;
    match req.verb {
        Verb::Post => decide(state, req, &d),
        _ => Ok(html(200, page(&d))),
    }
}

fn validate(state: &State, req: &GraphRequest, flavour: Flavour) -> Result<Dialog, String> {
    let param = |n: &str| req.param(n).filter(|v| !v.trim().is_empty());
    let client_id = param("client_id").ok_or("Invalid Request: Request parameters are invalid: Missing client_id")?;
    let redirect_uri =
        param("redirect_uri").ok_or("Invalid Request: Request parameters are invalid: Missing redirect_uri")?;
    let sandbox = select_sandbox(state, client_id, redirect_uri)
        .ok_or("Invalid Request: Request parameters are invalid: Invalid redirect_uri")?;
    let response_type = param("response_type").unwrap_or(match flavour {
        Flavour::Instagram => "",
        Flavour::Facebook => "code",
    });
    if response_type != "code" {
        return Err(format!(
            "Invalid Request: Request parameters are invalid: response_type must be code (got {response_type:?})"
        ));
    }
    let scopes = parse_scope(param("scope").unwrap_or(""));
    if flavour == Flavour::Instagram {
        let invalid: Vec<&str> = scopes
            .iter()
            .map(String::as_str)
            .filter(|s| !IG_LOGIN_SCOPES.contains(s))
            .collect();
        if !invalid.is_empty() {
            return Err(format!("Invalid Scopes: {}", invalid.join(", ")));
        }
        if !scopes.iter().any(|s| s == "instagram_business_basic") {
            return Err("Invalid Request: Request parameters are invalid: instagram_business_basic is required".into());
        }
    } else if let Some(bad) = scopes
        .iter()
        .find(|s| !s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
    {
        return Err(format!("Invalid Scopes: {bad}"));
    }
    let action = match flavour {
        Flavour::Instagram => "/oauth/authorize".to_string(),
        Flavour::Facebook => format!("/{}/dialog/oauth", req.version),
    };
    Ok(Dialog {
        flavour,
        sandbox,
        redirect_uri: redirect_uri.to_string(),
        state: param("state").map(str::to_string),
        scopes,
        action,
    })
}

/// The sandbox a dialog serves: one whose app is `client_id` and which registered
/// `redirect_uri`; else `default` when its app is `client_id` and the URI is allowed there.
pub(crate) fn select_sandbox(state: &State, client_id: &str, redirect_uri: &str) -> Option<Arc<Sandbox>> {
    let app_is = |w: &World| w.app.id.to_string() == client_id;
    for id in state.sandboxes.ids() {
        let Some(sb) = state.sandboxes.get(&id) else { continue };
        if sb.with_world(|w, _| app_is(w) && w.login.redirect_uris.iter().any(|r| r == redirect_uri)) {
            return Some(sb);
        }
    }
    let default = state.sandboxes.get(DEFAULT_SANDBOX)?;
    default
        .with_world(|w, _| app_is(w) && redirect_allowed(redirect_uri, &w.login.redirect_uris))
        .then_some(default)
}

/// Who may be chosen in a dialog: professional accounts (Instagram) or users (Facebook),
/// as (form value, label), in id order.
fn choices(world: &World, flavour: Flavour) -> Vec<(String, String)> {
    match flavour {
        Flavour::Instagram => world
            .ig_users
            .values()
            .filter(|u| u.account_type.is_professional())
            .map(|u| {
                (
                    u.id.to_string(),
                    format!("@{} ({})", u.username, u.account_type.as_str()),
                )
            })
            .collect(),
        Flavour::Facebook => world
            .users
            .values()
            .map(|u| (u.id.to_string(), u.name.clone()))
            .collect(),
    }
}

/// Escapes text for HTML content and attribute values.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(d: &Dialog) -> String {
    let (title, who) = match d.flavour {
        Flavour::Instagram => ("Log in with Instagram", "an Instagram professional account"),
        Flavour::Facebook => ("Log in with Facebook", "a Facebook user"),
    };
    let (app_name, list) = d.sandbox.with_world(|w, _| (w.app.name.clone(), choices(w, d.flavour)));
    let mut out = String::new();
    out.push_str(&format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{title} · igsim</title></head><body>\n<h1>{title}</h1>\n<p>{} (sandbox <code>{}</code>) asks for access. Choose {who} and the permissions to grant.</p>\n<form method=\"post\" action=\"{}\">\n",
        esc(&app_name),
        esc(&d.sandbox.id),
        esc(&d.action)
    ));
    for (name, value) in [
        ("client_id", Some(d.sandbox.with_world(|w, _| w.app.id.to_string()))),
        ("redirect_uri", Some(d.redirect_uri.clone())),
        ("response_type", Some("code".to_string())),
        ("scope", Some(d.scopes.join(","))),
        ("state", d.state.clone()),
    ] {
        if let Some(v) = value {
            out.push_str(&format!(
                "<input type=\"hidden\" name=\"{name}\" value=\"{}\">\n",
                esc(&v)
            ));
        }
    }
    out.push_str("<fieldset><legend>Account</legend>\n");
    for (i, (value, label)) in list.iter().enumerate() {
        let checked = if i == 0 { " checked" } else { "" };
        out.push_str(&format!(
            "<label><input type=\"radio\" name=\"account\" value=\"{}\"{checked}> {}</label><br>\n",
            esc(value),
            esc(label)
        ));
    }
    out.push_str("</fieldset>\n<fieldset><legend>Permissions</legend>\n");
    for s in &d.scopes {
        out.push_str(&format!(
            "<label><input type=\"checkbox\" name=\"grant.{0}\" value=\"1\" checked> {0}</label><br>\n",
            esc(s)
        ));
    }
    out.push_str(
        "</fieldset>\n<button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button>\n<button type=\"submit\" name=\"decision\" value=\"cancel\">Cancel</button>\n</form>\n</body></html>\n",
    );
    out
}

fn error_page(flavour: Flavour, why: &str) -> Response<Body> {
    let title = match flavour {
        Flavour::Instagram => "Instagram",
        Flavour::Facebook => "Facebook",
    };
    html(
        400,
        format!(
            "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{title} · igsim</title></head><body>\n<h1>Error</h1>\n<p class=\"error\">{}</p>\n</body></html>\n",
            esc(why)
        ),
    )
}

/// `redirect_uri` with `params` added to its query, and the fragment production appends
/// (`#_` on Instagram's, `#_=_` on Facebook's).
fn answer_url(d: &Dialog, params: &[(&str, &str)]) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        q.append_pair(k, v);
    }
    if let Some(s) = &d.state {
        q.append_pair("state", s);
    }
    let base = d.redirect_uri.split('#').next().unwrap_or_default();
    let sep = if base.contains('?') { '&' } else { '?' };
    let fragment = match d.flavour {
        Flavour::Instagram => "#_",
        Flavour::Facebook => "#_=_",
    };
    format!("{base}{sep}{}{fragment}", q.finish())
}

/// The person's choice: cancel → `error=access_denied…`; allow → a code for the chosen
/// account with the ticked permissions (only those requested count).
fn decide(state: &State, req: &GraphRequest, d: &Dialog) -> Result<Response<Body>, String> {
    if req.param("decision") == Some("cancel") {
        // Instagram: Basic Display / Business Login "canceled authorization" parameters;
        // Facebook: the manual-flow guide's (specs/README.md, Instagram Login facts).
        let params: &[(&str, &str)] = match d.flavour {
            Flavour::Instagram => &[
                ("error", "access_denied"),
                ("error_reason", "user_denied"),
                ("error_description", "The user denied your request"),
            ],
            Flavour::Facebook => &[
                ("error_reason", "user_denied"),
                ("error", "access_denied"),
                ("error_description", "Permissions error."),
            ],
        };
        return Ok(redirect(&answer_url(d, params)));
    }
    let chosen = req.param("account").unwrap_or("");
    // Each ticked permission arrives as `grant.<permission>=1`.
    let granted: BTreeSet<String> = req
        .params
        .keys()
        .filter_map(|k| k.strip_prefix("grant."))
        .filter(|g| d.scopes.iter().any(|s| s == g))
        .map(str::to_string)
        .collect();
    let cfg = &state.sandboxes.config.login;
    let code = d.sandbox.with_world(|w, now| {
        let grantor = grantor(w, d.flavour, chosen)
            .ok_or_else(|| format!("Choose one of the listed accounts (got {chosen:?})"))?;
        Ok::<_, String>(issue(w, grantor, granted, &d.redirect_uri, now, cfg))
    })?;
    Ok(redirect(&answer_url(d, &[("code", &code)])))
}

/// The grantor a form value names, if it is one of the dialog's choices.
fn grantor(w: &World, flavour: Flavour, value: &str) -> Option<Grantor> {
    choices(w, flavour).iter().find(|(v, _)| v == value)?;
    let n = crate::ids::parse_id(value)?;
    Some(match flavour {
        Flavour::Instagram => Grantor::Instagram(IgUserId(n)),
        Flavour::Facebook => Grantor::User(UserId(n)),
    })
}

/// Issues a code; a Facebook user's grants become what the dialog granted.
pub(crate) fn issue(
    w: &mut World,
    grantor: Grantor,
    granted: BTreeSet<String>,
    redirect_uri: &str,
    now: i64,
    cfg: &crate::config::LoginConfig,
) -> String {
    let lifetime = match grantor {
        Grantor::Instagram(_) => cfg.ig_code_lifetime_seconds,
        Grantor::User(u) => {
            if let Some(user) = w.users.get_mut(&u) {
                user.permissions = granted.iter().cloned().collect();
            }
            cfg.fb_code_lifetime_seconds
        }
    };
    w.issue_code(grantor, granted, redirect_uri, now, lifetime)
}
