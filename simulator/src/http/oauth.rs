//! Token endpoints: `GET /debug_token` and `GET /oauth/access_token` (long-lived token
//! exchange and app tokens), facts §7.

use crate::app::State;
use crate::config::{CapacityArea, CapacityConfig, Config};
use crate::error::{GraphError, GraphResult};
use crate::http::graph::{token_error, Viewer};
use crate::http::request::GraphRequest;
use crate::ids::parse_id;
use crate::model::login::{CodeRefusal, Flavour, Grantor};
use crate::model::{Token, TokenKind, World};
use serde_json::{json, Map, Value};

/// `GET /debug_token?input_token=…` with an app token or a user token of the same app.
pub(crate) fn debug_token(world: &World, req: &GraphRequest, viewer: &Viewer, now: i64) -> GraphResult<Value> {
    let _ = viewer;
    let input = req.required("input_token")?;
    let mut d = Map::new();
    if input == world.app.access_token() {
        d.insert("app_id".into(), json!(world.app.id.to_string()));
        d.insert("type".into(), json!("APP"));
        d.insert("application".into(), json!(world.app.name));
        d.insert("is_valid".into(), json!(true));
        d.insert("scopes".into(), json!([]));
        return Ok(json!({ "data": d }));
    }
    let Some(t) = world.tokens.get(input) else {
        let e = token_error(world, input, now).unwrap_or_else(GraphError::token_invalid);
        return Ok(
            json!({ "data": { "error": { "code": e.code, "message": e.message }, "is_valid": false, "scopes": [] } }),
        );
    };
    d.insert("app_id".into(), json!(world.app.id.to_string()));
    d.insert(
        "type".into(),
        json!(if matches!(t.kind, TokenKind::Page { .. }) {
            "PAGE"
        } else {
            "USER"
        }),
    );
    d.insert("application".into(), json!(world.app.name));
    d.insert("data_access_expires_at".into(), json!(t.data_access_expires_at));
    if let Some(e) = token_error(world, input, now) {
        let mut err = Map::new();
        err.insert("code".into(), json!(e.code));
        err.insert("message".into(), json!(e.message));
        if let Some(s) = e.subcode {
            err.insert("subcode".into(), json!(s));
        }
        d.insert("error".into(), Value::Object(err));
    }
    d.insert("expires_at".into(), json!(t.expires_at.unwrap_or(0)));
    d.insert("is_valid".into(), json!(token_error(world, input, now).is_none()));
    if t.long_lived {
        d.insert("issued_at".into(), json!(t.issued_at));
    }
    if let TokenKind::Page { page, .. } = t.kind {
        d.insert("profile_id".into(), json!(page.to_string()));
    }
    d.insert("scopes".into(), json!(t.scopes.iter().collect::<Vec<_>>()));
    d.insert("granular_scopes".into(), json!(granular_scopes(world, t)));
    if let Some(u) = t.user_id() {
        d.insert("user_id".into(), json!(u.to_string()));
    }
    Ok(json!({ "data": d }))
}

/// Page- and IG-scoped permissions name the objects they cover (`target_ids`).
fn granular_scopes(world: &World, t: &Token) -> Vec<Value> {
    let access = world.access(&t.kind);
    let user = t.user_id();
    let page_ids: Vec<String> = world
        .pages
        .values()
        .filter(|p| user.is_some_and(|u| p.roles.contains_key(&u)))
        .filter(|p| match t.kind {
            TokenKind::Page { page, .. } => p.id == page,
            _ => true,
        })
        .map(|p| p.id.to_string())
        .collect();
    t.scopes
        .iter()
        .map(|s| {
            let targets: Option<Vec<String>> = if s.starts_with("pages_") {
                Some(page_ids.clone())
            } else if s.starts_with("instagram_") {
                Some(access.accounts.keys().map(|i| i.to_string()).collect())
            } else {
                None
            };
            match targets {
                Some(ids) => json!({ "scope": s, "target_ids": ids }),
                None => json!({ "scope": s }),
            }
        })
        .collect()
}

/// `GET /oauth/access_token?client_id&client_secret&redirect_uri&code`: Facebook Login's
/// code exchange (manual-flow guide, facts §7): the dialog's code for a short-lived user
/// token with exactly the permissions granted there. A code is used once, expires, and is
/// bound to the dialog's `redirect_uri`.
pub(crate) fn code_exchange(world: &mut World, req: &GraphRequest, now: i64, cfg: &Config) -> GraphResult<Value> {
    let client_id = req.required("client_id")?;
    if client_id != world.app.id.to_string() {
        return Err(GraphError::invalid_application_id());
    }
    if req.required("client_secret")? != world.app.secret {
        return Err(GraphError::invalid_client_secret());
    }
    let redirect_uri = req.required("redirect_uri")?;
    let code = req.required("code")?;
    let granted = world
        .redeem_code(code, Flavour::Facebook, redirect_uri, now)
        .map_err(|r| match r {
            CodeRefusal::Unknown => GraphError::code_invalid(),
            CodeRefusal::Used => GraphError::code_used(),
            CodeRefusal::Expired => GraphError::code_expired(),
            CodeRefusal::RedirectMismatch => GraphError::code_redirect_mismatch(),
        })?;
    let Grantor::User(user) = granted.grantor else {
        return Err(GraphError::code_invalid());
    };
    world
        .room_for(CapacityArea::Tokens, 1, &cfg.capacity)
        .map_err(GraphError::from)?;
    let value = world.mint_token_value("code_exchange");
    // The short-lived user token of Facebook Login (`Config::short_lived_token_seconds`).
    let lifetime = cfg.short_lived_token_seconds;
    world.add_token(
        value.clone(),
        Token {
            kind: TokenKind::User(user),
            scopes: std::sync::Arc::new(granted.scopes),
            issued_at: now,
            expires_at: Some(now.saturating_add(lifetime)),
            data_access_expires_at: now.saturating_add(cfg.data_access_seconds),
            long_lived: false,
            revoked: None,
        },
    );
    Ok(json!({ "access_token": value, "token_type": "bearer", "expires_in": lifetime }))
}

/// `GET /oauth/access_token`: `grant_type=fb_exchange_token` (a long-lived token for a
/// short-lived one) and `grant_type=client_credentials` (the app token).
pub(crate) fn access_token(
    world: &mut World,
    req: &GraphRequest,
    now: i64,
    long_lived_seconds: i64,
    cap: &CapacityConfig,
) -> GraphResult<Value> {
    let client_id = req.required("client_id")?;
    if client_id != world.app.id.to_string() {
        return Err(GraphError::invalid_application_id());
    }
    let secret = req.required("client_secret")?;
    if secret != world.app.secret {
        return Err(GraphError::invalid_client_secret());
    }
    match req.param("grant_type").unwrap_or("") {
        "client_credentials" => Ok(json!({ "access_token": world.app.access_token(), "token_type": "bearer" })),
        "fb_exchange_token" => {
            let short = req.required("fb_exchange_token")?;
            if let Some(e) = token_error(world, short, now) {
                return Err(e);
            }
            // graph.facebook.com cannot parse an Instagram User token (the hosts do not share
            // tokens; specs/README.md, Instagram Login facts).
            if world
                .tokens
                .get(short)
                .is_some_and(|t| matches!(t.kind, TokenKind::Instagram(_)))
            {
                return Err(GraphError::token_unparseable());
            }
            let Some(exchanged) = world.exchange_token(short, now, long_lived_seconds, cap) else {
                return Err(GraphError::token_invalid());
            };
            let (value, expires_at) = exchanged.map_err(GraphError::from)?;
            let mut out = Map::new();
            out.insert("access_token".into(), json!(value));
            out.insert("token_type".into(), json!("bearer"));
            if let Some(exp) = expires_at {
                out.insert("expires_in".into(), json!(exp - now));
            }
            Ok(Value::Object(out))
        }
        "" if req.param("code").is_some() => Err(GraphError::code_invalid()),
        _ => Err(GraphError::unsupported_grant_type()),
    }
}

/// `/oauth/access_token` (Facebook Login): tokens for app credentials, a code, or a
/// short-lived token (facts §7).
pub(crate) fn token_endpoint(state: &State, req: &GraphRequest) -> GraphResult<Value> {
    crate::http::graph::check_fields_syntax(req, true)?;
    let app_token = format!(
        "{}|{}",
        req.param("client_id").unwrap_or(""),
        req.param("client_secret").unwrap_or("")
    );
    let sandbox = state
        .sandboxes
        .by_token(&app_token)
        .or_else(|| req.param("fb_exchange_token").and_then(|t| state.sandboxes.by_token(t)));
    let Some(sandbox) = sandbox else {
        req.required("client_id")?;
        if parse_id(req.param("client_id").unwrap_or("")).is_none() {
            return Err(GraphError::invalid_application_id());
        }
        req.required("client_secret")?;
        return Err(GraphError::invalid_client_secret());
    };
    let long = state.sandboxes.config.long_lived_token_seconds;
    let out = sandbox.with_world(|world, now| match req.param("code") {
        // Facebook Login's code exchange (Instagram's is `iglogin::code_exchange`).
        Some(_) if req.param("fb_exchange_token").is_none() => code_exchange(world, req, now, &state.sandboxes.config),
        _ => access_token(world, req, now, long, &state.sandboxes.config.capacity),
    });
    state.sandboxes.index_tokens(&sandbox);
    out
}
