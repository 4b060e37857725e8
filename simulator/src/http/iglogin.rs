//! Instagram Login ("Business Login for Instagram") on the Graph surface: how a request is
//! recognised as `graph.instagram.com`'s, the handlers that differ there (token lifecycle,
//! per-account webhook subscriptions), and the
//! `api.instagram.com` authorization-code exchange.
//!
//! One listener serves both flavours. The flavour of a request is its token's (`IG…` is an
//! Instagram User token, `EAA…` a Facebook one), or its `Host` when that names an Instagram
//! host. Which paths are theirs is said in THE route table (`http::routes`; README,
//! "Instagram Login"). Sources:
//! `specs/README.md`, "Instagram Login facts".

use crate::app::State;
use crate::error::{GraphError, GraphResult, InstagramOAuthError};
use crate::http::graph::Ctx;
use crate::http::request::{GraphRequest, Verb};
use crate::http::response::{sim_json, Body};
use crate::ids::{parse_id, IgUserId};
use crate::model::login::{CodeRefusal, Flavour, Grantor};
use crate::model::TokenKind;
use http::Response;
use serde_json::{json, Map, Value};

/// Whether the request's `Host` is one of Instagram Login's hosts (known from its parse:
/// `request::names_instagram_host`).
pub(crate) fn host_is_instagram(req: &GraphRequest) -> bool {
    req.instagram_host
}

/// Whether a token value is an Instagram User token (`IGAA…`; Basic Display's were `IGQV…`).
pub(crate) fn is_instagram_token(token: &str) -> bool {
    token.starts_with("IG")
}

/// The flavour a Graph request is answered in: its token's, else its host's.
pub(crate) fn flavour(req: &GraphRequest) -> Flavour {
    match req.token.as_deref() {
        Some(t) if is_instagram_token(t) => Flavour::Instagram,
        Some(_) => Flavour::Facebook,
        None if host_is_instagram(req) => Flavour::Instagram,
        None => Flavour::Facebook,
    }
}

/// A token of the other flavour sent to a host that names its flavour: each host cannot
/// parse the other's tokens (a Facebook token on graph.instagram.com: "Cannot parse access
/// token", GH release notes of extra-chill/data-machine-socials v0.12.1).
pub(crate) fn wrong_host(req: &GraphRequest) -> Option<GraphError> {
    let token = req.token.as_deref()?;
    (host_is_instagram(req) && !is_instagram_token(token)).then(GraphError::token_unparseable)
}

/// Whether a request to `/oauth/access_token` is `api.instagram.com`'s code exchange rather
/// than Facebook's: it asks for `grant_type=authorization_code` (Facebook's exchange sends no
/// grant_type) or names an Instagram host (README, "Instagram Login").
pub(crate) fn is_code_exchange(req: &GraphRequest) -> bool {
    req.param("grant_type") == Some("authorization_code") || host_is_instagram(req)
}

/// The Instagram account of an Instagram User token (the routes for them are only theirs).
fn account(ctx: &Ctx) -> IgUserId {
    match ctx.viewer.kind {
        TokenKind::Instagram(ig) => ig,
        _ => IgUserId(0),
    }
}

/// The account an app-scoped id (`/me`'s `id`, the code exchange's `user_id`) stands for,
/// when the viewer is that account's Instagram Login token.
pub(crate) fn scoped_account(ctx: &Ctx, seg: &str) -> Option<IgUserId> {
    let TokenKind::Instagram(ig) = ctx.viewer.kind else {
        return None;
    };
    parse_id(seg)
        .filter(|n| ctx.world.ig_by_scoped_id(*n) == Some(ig))
        .map(|_| ig)
}

/// `{"access_token","token_type":"bearer","expires_in"}`: the answer of both token calls
/// (references `access_token` and `refresh_access_token`).
fn token_answer(value: &str, expires_in: i64) -> Value {
    json!({ "access_token": value, "token_type": "bearer", "expires_in": expires_in })
}

fn require_grant(ctx: &Ctx, grant: &str) -> GraphResult<()> {
    match ctx.req.required("grant_type")? {
        g if g == grant => Ok(()),
        _ => Err(GraphError::not_one_of("grant_type", &[grant])),
    }
}

/// `GET /access_token?grant_type=ig_exchange_token&client_secret=…&access_token=<short>`:
/// a 60-day token for a valid short-lived one (reference `access_token`).
pub(crate) fn exchange(ctx: &mut Ctx) -> GraphResult<Value> {
    let ig = account(ctx);
    require_grant(ctx, "ig_exchange_token")?;
    if ctx.req.required("client_secret")? != ctx.world.app.secret {
        return Err(GraphError::invalid_client_secret());
    }
    let long = ctx.cfg.login.ig_long_lived_token_seconds;
    let value = long_lived(ctx, ig, i64::MIN, long)?;
    Ok(token_answer(&value, long))
}

/// The account's long-lived token for the viewer's scopes, one per account and scopes
/// (`World::long_lived_token`): minted when none issued at or after `since` still works.
fn long_lived(ctx: &mut Ctx, ig: IgUserId, since: i64, lifetime: i64) -> GraphResult<String> {
    let (now, scopes) = (ctx.now, std::collections::BTreeSet::clone(&ctx.viewer.scopes));
    let key = (TokenKind::Instagram(ig), scopes.clone());
    let expires_at = Some(now.saturating_add(lifetime));
    ctx.world
        .write()?
        .long_lived_token(key, now, since, expires_at, &ctx.cfg.capacity, |world| {
            world.add_ig_token(ig, scopes, now, lifetime, true)
        })
        .map_err(GraphError::from)
}

/// `GET /refresh_access_token?grant_type=ig_refresh_token&access_token=<long>`: another 60
/// days for a long-lived token at least 24 hours old and unexpired (reference
/// `refresh_access_token`); the answer is a new token, the old one runs out as it would.
/// Refreshing the same token again answers the same new token (one per refresh, not per
/// call).
pub(crate) fn refresh(ctx: &mut Ctx) -> GraphResult<Value> {
    let ig = account(ctx);
    require_grant(ctx, "ig_refresh_token")?;
    let cfg = &ctx.cfg.login;
    let token = ctx.world.tokens.get(&ctx.viewer.token).cloned();
    let old_enough = token
        .as_ref()
        .is_some_and(|t| t.long_lived && ctx.now - t.issued_at >= cfg.ig_refresh_min_age_seconds);
    if !old_enough {
        return Err(GraphError::ig_refresh_too_young(&cfg.ig_refresh_too_young_message));
    }
    // A token newer than the one refreshed is the answer to refreshing it again.
    let since = token.map_or(ctx.now, |t| t.issued_at.saturating_add(1));
    let long = cfg.ig_long_lived_token_seconds;
    let value = long_lived(ctx, ig, since, long)?;
    Ok(token_answer(&value, long))
}

/// `POST|GET|DELETE /me/subscribed_apps` with an Instagram User token: which webhook fields
/// of the app this account sends (Instagram Login webhooks guide: `subscribed_fields`, the
/// answer `{"success": true}`; reading lists `{"data":[{"subscribed_fields":[…],…}]}`).
pub(crate) fn subscribed_apps(ctx: &mut Ctx) -> GraphResult<Value> {
    let ig = account(ctx);
    match ctx.req.verb {
        Verb::Post => {
            ctx.req.required("subscribed_fields")?;
            let fields = crate::http::webhooks::list_param(ctx.req, "subscribed_fields")?.unwrap_or_default();
            if fields
                .iter()
                .any(|f| !crate::model::webhook::INSTAGRAM_FIELDS.contains(&f.as_str()))
            {
                return Err(GraphError::not_one_of(
                    "subscribed_fields[0]",
                    crate::model::webhook::INSTAGRAM_FIELDS,
                ));
            }
            let scopes = std::collections::BTreeSet::clone(&ctx.viewer.scopes);
            ctx.world.write()?.install_instagram_login(ig, fields, scopes, ctx.now);
            Ok(json!({ "success": true }))
        }
        Verb::Delete => {
            ctx.world.write()?.webhooks.instagram_logins.remove(&ig);
            Ok(json!({ "success": true }))
        }
        Verb::Get => {
            let data: Vec<Value> = ctx
                .world
                .webhooks
                .instagram_logins
                .get(&ig)
                .map(|i| {
                    vec![json!({
                        "subscribed_fields": i.subscribed_fields,
                        "name": ctx.world.app.name,
                        "id": ctx.world.app.id.to_string(),
                    })]
                })
                .unwrap_or_default();
            Ok(json!({ "data": data }))
        }
    }
}

/// `POST /oauth/access_token` with `grant_type=authorization_code` (api.instagram.com): the
/// dialog's code for a short-lived Instagram User token, `user_id` (the app-scoped id, a
/// number) and the granted `permissions` (Business Login page; recorded flat answers). The
/// sandbox is the one whose app has this `client_id` and `client_secret`.
pub(crate) fn code_exchange(state: &State, req: &GraphRequest) -> Response<Body> {
    match code_exchange_value(state, req) {
        Ok(v) => sim_json(200, &v),
        Err(e) => {
            let mut r = sim_json(
                400,
                // `{"error_type","code","error_message"}` in production's key order.
                &json!({ "error_type": "OAuthException", "code": 400, "error_message": e.message }),
            );
            crate::http::response::mark_error(&mut r, 400, None);
            r
        }
    }
}

fn code_exchange_value(state: &State, req: &GraphRequest) -> Result<Value, InstagramOAuthError> {
    let param = |n: &str| req.param(n).filter(|v| !v.is_empty());
    let client_id = param("client_id").ok_or_else(|| InstagramOAuthError::missing("client_id"))?;
    let secret = param("client_secret").ok_or_else(|| InstagramOAuthError::missing("client_secret"))?;
    let Some(sandbox) = state.sandboxes.by_token(&format!("{client_id}|{secret}")) else {
        return Err(if parse_id(client_id).is_none() {
            InstagramOAuthError::invalid_client_id()
        } else {
            InstagramOAuthError::invalid_client_secret()
        });
    };
    if param("grant_type") != Some("authorization_code") {
        return Err(InstagramOAuthError::unsupported_grant_type());
    }
    let redirect_uri = param("redirect_uri").ok_or_else(InstagramOAuthError::invalid_redirect_uri)?;
    let code = param("code").ok_or_else(|| InstagramOAuthError::missing("code"))?;
    let cfg = &state.sandboxes.config.login;
    let out = sandbox.with_world(|world, now| {
        let granted = world
            .redeem_code(code, Flavour::Instagram, redirect_uri, now)
            .map_err(|r| match r {
                CodeRefusal::Unknown => InstagramOAuthError::code_not_found(),
                CodeRefusal::Used => InstagramOAuthError::code_used(),
                CodeRefusal::Expired => InstagramOAuthError::code_expired(&cfg.ig_code_expired_message),
                CodeRefusal::RedirectMismatch => InstagramOAuthError::redirect_mismatch(),
            })?;
        let Grantor::Instagram(ig) = granted.grantor else {
            return Err(InstagramOAuthError::code_not_found());
        };
        let permissions: Vec<String> = granted.scopes.iter().cloned().collect();
        world
            .room_for(crate::config::CapacityArea::Tokens, 1, &state.sandboxes.config.capacity)
            .map_err(|full| InstagramOAuthError::sandbox_full(&full.to_string()))?;
        let token = world.add_ig_token(ig, granted.scopes, now, cfg.ig_short_lived_token_seconds, false);
        let mut grant = Map::new();
        grant.insert("access_token".into(), json!(token));
        grant.insert("user_id".into(), json!(world.ig_scoped_id(ig)));
        grant.insert("permissions".into(), json!(permissions));
        Ok(if cfg.ig_code_exchange_data_envelope {
            json!({ "data": [Value::Object(grant)] })
        } else {
            Value::Object(grant)
        })
    });
    state.sandboxes.index_tokens(&sandbox);
    out
}
