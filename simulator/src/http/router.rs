//! THE route table: one match on (method, path segments). Everything else is handlers.
//!
//! Flow of a Graph request: parse -> find the sandbox from the token -> authenticate ->
//! run the handler inside the sandbox's world lock (synchronously) -> render.

use crate::app::State;
use crate::error::{GraphError, GraphResult};
use crate::http::graph::{authenticate, read_many, read_node, Ctx, WorldAccess};
use crate::http::json::Json;
use crate::http::request::{self, GraphRequest, RawRequest, Verb};
use crate::http::response::{graph_bytes, graph_error, graph_json, Body};
use crate::http::{
    comment, hashtag, ig_user, iglogin, insights, media, mention, oauth, publishing, ratelimit, shopping, user,
};
use crate::ids::{parse_id, CommentId, ContainerId, HashtagId, IdKind, IgUserId, MediaId, UserId};
use crate::model::login::Flavour;
use crate::model::TokenKind;
use http::Response;
use serde_json::Value;

pub async fn handle(state: &State, raw: RawRequest) -> Response<Body> {
    if let Some(segments) = request::split_path(&raw.path) {
        if segments.first().map(String::as_str) == Some("_sim") {
            return crate::http::control::handle(state, &raw, &segments[1..]).await;
        }
        // The media CDN: signed media URLs (`http::cdn`).
        if crate::http::cdn::is_cdn_path(&segments) {
            return crate::http::cdn::serve(state, &raw);
        }
        // Resumable uploads: raw bytes and an `Authorization: OAuth` header (facts §4.4).
        if segments.first().map(String::as_str) == Some("ig-api-upload") {
            return crate::http::upload::upload(state, raw, &segments).await;
        }
    }
    let cfg = &state.sandboxes.config;
    let trace = state.traces.next();
    let default_now = state.clock_of(None);
    let mut req = match request::parse(raw, cfg, default_now).await {
        Ok(r) => r,
        Err(e) => return graph_error(&e, cfg.served_version(None, default_now), &trace, false),
    };
    // The served version follows the clock of the token's sandbox (expiry dates, version.rs).
    req.version = cfg.served_version(req.requested, state.clock_of(req.token.as_deref()));
    // The login dialogs (HTML) and Instagram Login's code exchange (api.instagram.com's own
    // envelope) answer outside the Graph flow. `/oauth/access_token` is Instagram's when it
    // asks for `grant_type=authorization_code` (Facebook's exchange sends no grant_type) or
    // names an Instagram host; otherwise Facebook's (README, "Instagram Login").
    if let Some(r) = crate::http::dialog::handle(state, &req) {
        return r;
    }
    if req.segments == ["oauth", "access_token"]
        && (req.param("grant_type") == Some("authorization_code") || iglogin::host_is_instagram(&req))
    {
        return iglogin::code_exchange(state, &req);
    }
    publishing::prefetch(state, &mut req).await;
    let suppress = req.param("suppress_http_code") == Some("1");
    // Rate-limit headers: from the admission check when the request reached it.
    let mut rate = None;
    let result = match crate::http::webhooks::intercept(state, &req).await {
        Some(result) => result.map(Answer::Value),
        None => metered(state, &req, &mut rate),
    };
    let mut resp = match result {
        Ok(Answer::Value(v)) => graph_json(200, &v, req.version, &trace),
        Ok(Answer::Written(j)) => graph_bytes(200, j.into_bytes(), req.version, &trace),
        Err(e) if iglogin::flavour(&req) == Flavour::Instagram => {
            graph_error(&e.on_instagram_host(req.verb.as_str()), req.version, &trace, suppress)
        }
        Err(e) => graph_error(&e, req.version, &trace, suppress),
    };
    let rate = rate.or_else(|| ratelimit::snapshot(state, &req));
    ratelimit::apply(&mut resp, rate.as_ref());
    resp
}

/// A handler's answer: a `Value` tree, or JSON already written (the hot reads: media nodes
/// and pages, `http::json`).
pub enum Answer {
    Value(Value),
    Written(Json),
}

impl Answer {
    fn into_value(self) -> Value {
        match self {
            Answer::Value(v) => v,
            Answer::Written(j) => j.to_value(),
        }
    }
}

/// A Graph request without its rate-limit headers (batch operations: each still counts).
fn graph(state: &State, req: &GraphRequest) -> GraphResult<Value> {
    metered(state, req, &mut None).map(Answer::into_value)
}

/// A Graph request; `rate` receives the headers of its rate-limit check when it got there.
fn metered(state: &State, req: &GraphRequest, rate: &mut Option<ratelimit::RateHeaders>) -> GraphResult<Answer> {
    let segs: Vec<&str> = req.segments.iter().map(String::as_str).collect();

    if req.verb == Verb::Post && segs.is_empty() && req.param("batch").is_some() {
        // The batch's own token is the operations' fallback and is required (facts §3.5):
        // it is checked before the batch is even parsed, and a bad one answers its own error.
        let Some(token) = req.token.as_deref() else {
            return Err(GraphError::token_required());
        };
        sandbox_of(state, token)?.with_world(|world, now| authenticate(world, req, token, now))?;
        return crate::http::batch::run(state, req, graph).map(Answer::Value);
    }

    // Token endpoints authenticate with app credentials, not an access token.
    if let ["oauth", "access_token"] = segs.as_slice() {
        return oauth_route(state, req).map(Answer::Value);
    }

    if let Some(e) = iglogin::wrong_host(req) {
        return Err(e);
    }
    let Some(token) = req.token.as_deref() else {
        return Err(if segs.first() == Some(&"me") {
            GraphError::active_token_required()
        } else {
            GraphError::token_required()
        });
    };
    let sandbox = sandbox_of(state, token)?;
    let cfg = &state.sandboxes.config;
    // Every request is first tried with the world shared (GETs of one sandbox run in
    // parallel); one that turns out to change it (`WorldAccess::write`) runs again with the
    // world alone. Writes go there at once. Rate limits are counted once, on the first try:
    // after authentication (a refused token counts nothing), before the handler (guides
    // "Overview" -> "Rate Limiting").
    let try_shared = req.verb == Verb::Get;
    let mut counted = false;
    let mut run = |world: WorldAccess, now: i64| -> GraphResult<Answer> {
        let viewer = authenticate(&world, req, token, now)?;
        let access = world.access(&viewer.kind);
        let mut ctx = Ctx {
            req,
            world,
            now,
            viewer,
            access,
            cfg,
            expanded: Default::default(),
            parsed_fields: Default::default(),
        };
        if !counted {
            counted = true;
            let (headers, admitted) = sandbox.with_rate_limits(|rl| ratelimit::admit(&ctx, rl, &segs));
            *rate = Some(headers);
            admitted?;
        }
        // Legacy features refused to apps created from v27.0's cut-over on (a counted call).
        crate::http::legacy::check(&ctx, &segs)?;
        route(&mut ctx, &segs)
    };
    if try_shared {
        match sandbox.read_world(|world, now| run(WorldAccess::Shared(world), now)) {
            Err(e) if e.is_needs_write() => {}
            done => return done,
        }
    }
    let result = sandbox.with_world(|world, now| run(WorldAccess::Alone(world), now));
    state.sandboxes.index_tokens(&sandbox);
    result
}

/// The sandbox a token belongs to, or the error for a token no sandbox knows (shaped like a
/// token or not).
fn sandbox_of(state: &State, token: &str) -> GraphResult<std::sync::Arc<crate::sandbox::Sandbox>> {
    state.sandboxes.by_token(token).ok_or_else(|| {
        crate::http::graph::token_error(&crate::model::World::empty(dummy_app(), 0), token, 0)
            .unwrap_or_else(GraphError::token_invalid)
    })
}

fn dummy_app() -> crate::model::App {
    crate::model::App {
        id: crate::ids::AppId(0),
        name: String::new(),
        secret: String::new(),
        require_appsecret_proof: false,
        created_time: 0,
    }
}

fn oauth_route(state: &State, req: &GraphRequest) -> GraphResult<Value> {
    crate::http::graph::check_fields_syntax(req)?;
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
        // Facebook Login's code exchange (the Instagram one left in `handle`).
        Some(_) if req.param("fb_exchange_token").is_none() => {
            oauth::code_exchange(world, req, now, &state.sandboxes.config)
        }
        _ => oauth::access_token(world, req, now, long),
    });
    state.sandboxes.index_tokens(&sandbox);
    out
}

/// Resolves `me` and numeric ids to the object the path names.
fn resolve(ctx: &Ctx, seg: &str) -> GraphResult<(u64, IdKind)> {
    if seg == "me" {
        return match ctx.viewer.kind {
            TokenKind::User(u) => Ok((u.0, IdKind::User)),
            TokenKind::Page { page, .. } => Ok((page.0, IdKind::Page)),
            TokenKind::Instagram(ig) => Ok((ig.0, IdKind::IgUser)),
            TokenKind::App => Err(GraphError::active_token_required()),
        };
    }
    if let Some(ig) = iglogin::scoped_account(ctx, seg) {
        return Ok((ig.0, IdKind::IgUser));
    }
    let unsupported = || GraphError::unsupported(ctx.req.verb.as_str(), seg);
    let id = parse_id(seg).ok_or_else(unsupported)?;
    let kind = ctx.world.kind_of(id).ok_or_else(unsupported)?;
    Ok((id, kind))
}

/// Whether a path segment is an id of `kind` in this sandbox (for verb + kind routes).
fn is_kind(ctx: &Ctx, seg: &str, kind: IdKind) -> bool {
    parse_id(seg).and_then(|n| ctx.world.kind_of(n)) == Some(kind)
}

fn route(ctx: &mut Ctx, segs: &[&str]) -> GraphResult<Answer> {
    ctx.check_fields_syntax()?;
    if let Some(r) = iglogin::route(ctx, segs) {
        return r.map(Answer::Value);
    }
    // The hot reads, written straight into the answer's bytes.
    match (ctx.req.verb, segs) {
        (Verb::Get, [id, "media"]) => {
            if let Ok((n, IdKind::IgUser)) = resolve(ctx, id) {
                let mut out = Vec::with_capacity(4096);
                ig_user::media_edge_into(ctx, IgUserId(n), None, &mut out)?;
                return Ok(Answer::Written(Json::new(out)));
            }
        }
        (Verb::Get, [id]) if !matches!(*id, "debug_token" | "me" | "ig_hashtag_search") => {
            if let Ok((n, IdKind::Media)) = resolve(ctx, id) {
                let mut out = Vec::with_capacity(512);
                media::read_into(ctx, MediaId(n), &mut out)?;
                return Ok(Answer::Written(Json::new(out)));
            }
        }
        _ => {}
    }
    route_value(ctx, segs).map(Answer::Value)
}

fn route_value(ctx: &mut Ctx, segs: &[&str]) -> GraphResult<Value> {
    use Verb::*;
    match (ctx.req.verb, segs) {
        (Get, []) => match ctx.req.param("ids") {
            Some(ids) => {
                let ids = ids.to_string();
                read_many(ctx, &ids)
            }
            None => Err(GraphError::missing_param("ids")),
        },
        (Get, ["debug_token"]) => oauth::debug_token(&ctx.world, ctx.req, &ctx.viewer, ctx.now),
        (Get, ["me"]) => user::read_me(ctx),
        (Get | Delete, [id, "subscriptions"]) => match resolve(ctx, id)? {
            (n, IdKind::App) => crate::http::webhooks::app_subscriptions(ctx, n),
            _ => Err(GraphError::unsupported(ctx.req.verb.as_str(), id)),
        },
        (_, [id, "subscribed_apps"]) => match resolve(ctx, id)? {
            (n, IdKind::Page) => crate::http::webhooks::subscribed_apps(ctx, crate::ids::PageId(n)),
            _ => Err(GraphError::unsupported(ctx.req.verb.as_str(), id)),
        },
        (Get, ["ig_hashtag_search"]) => hashtag::search(ctx),
        (Get, [id]) => {
            let (n, _) = resolve(ctx, id)?;
            read_node(ctx, &n.to_string())
        }
        (Post, [id, edge @ ("media" | "media_publish")]) => {
            let (n, kind) = resolve(ctx, id)?;
            match (kind, *edge) {
                (IdKind::IgUser, "media") => publishing::create_container(ctx, IgUserId(n)),
                (IdKind::IgUser, _) => publishing::publish(ctx, IgUserId(n)),
                _ => Err(GraphError::unsupported("POST", id)),
            }
        }
        (Get, [id, "insights"]) => match resolve(ctx, id)? {
            (n, IdKind::IgUser) => insights::user(ctx, IgUserId(n)),
            (n, IdKind::Media) => insights::media(ctx, MediaId(n)),
            (_, IdKind::Page) => Err(GraphError::nonexisting_field("insights", crate::http::page::NODE)),
            _ => Err(GraphError::unsupported("GET", id)),
        },
        (
            Get | Post | Delete,
            [id, edge @ ("product_tags" | "available_catalogs" | "catalog_product_search" | "product_appeal")],
        ) => match (ctx.req.verb, resolve(ctx, id)?, *edge) {
            (Get, (n, IdKind::Media), "product_tags") => shopping::product_tags(ctx, MediaId(n), None),
            (Post, (n, IdKind::Media), "product_tags") => shopping::update_product_tags(ctx, MediaId(n)),
            (Delete, (n, IdKind::Media), "product_tags") => shopping::delete_product_tags(ctx, MediaId(n)),
            (Get, (n, IdKind::IgUser), "available_catalogs") => shopping::available_catalogs(ctx, IgUserId(n), None),
            (Get, (n, IdKind::IgUser), "catalog_product_search") => shopping::catalog_product_search(ctx, IgUserId(n)),
            (Get, (n, IdKind::IgUser), "product_appeal") => shopping::product_appeal_status(ctx, IgUserId(n)),
            (Post, (n, IdKind::IgUser), "product_appeal") => shopping::product_appeal(ctx, IgUserId(n)),
            (Get, (n, IdKind::IgUser), e) => ig_user::edge(ctx, IgUserId(n), e),
            (Get, (n, IdKind::Media), e) => media::edge(ctx, MediaId(n), e),
            (v, _, _) => Err(GraphError::unsupported(v.as_str(), id)),
        },
        (Get, [id, edge]) => {
            let (n, kind) = resolve(ctx, id)?;
            match kind {
                IdKind::IgUser if *edge == "content_publishing_limit" => publishing::publishing_limit(ctx, IgUserId(n)),
                IdKind::Media if *edge == "collaborators" => publishing::collaborators_edge(ctx, MediaId(n), None),
                IdKind::Container => publishing::container_edge(ctx, ContainerId(n), edge),
                IdKind::IgUser => ig_user::edge(ctx, IgUserId(n), edge),
                IdKind::Media if *edge == "comments" => comment::comments_edge(ctx, MediaId(n), None),
                IdKind::Media => media::edge(ctx, MediaId(n), edge),
                IdKind::Comment => comment::edge(ctx, CommentId(n), edge),
                IdKind::Hashtag => hashtag::edge(ctx, HashtagId(n), edge),
                IdKind::User => user::edge(ctx, UserId(n), edge),
                IdKind::Page => Err(GraphError::nonexisting_field(edge, crate::http::page::NODE)),
                _ => Err(GraphError::unsupported("GET", id)),
            }
        }
        (Post, [id]) if is_kind(ctx, id, IdKind::Media) => {
            let (n, _) = resolve(ctx, id)?;
            comment::update_media(ctx, MediaId(n))
        }
        (Post, [id]) if is_kind(ctx, id, IdKind::Comment) => {
            let (n, _) = resolve(ctx, id)?;
            comment::hide(ctx, CommentId(n))
        }
        (Delete, [id]) if is_kind(ctx, id, IdKind::Comment) => {
            let (n, _) = resolve(ctx, id)?;
            comment::delete(ctx, CommentId(n))
        }
        (Post, [id, "comments"]) if is_kind(ctx, id, IdKind::Media) => {
            let (n, _) = resolve(ctx, id)?;
            comment::create(ctx, MediaId(n))
        }
        (Post, [id, "replies"]) if is_kind(ctx, id, IdKind::Comment) => {
            let (n, _) = resolve(ctx, id)?;
            comment::reply(ctx, CommentId(n))
        }
        (Post, [id, "mentions"]) if is_kind(ctx, id, IdKind::IgUser) => {
            let (n, _) = resolve(ctx, id)?;
            mention::reply(ctx, IgUserId(n))
        }
        (_, [id, ..]) if segs.len() <= 2 => {
            let (_, _) = resolve(ctx, id)?;
            Err(GraphError::unsupported(ctx.req.verb.as_str(), id))
        }
        (_, []) => Err(GraphError::unsupported(ctx.req.verb.as_str(), "")),
        _ => Err(GraphError::unknown_path(&ctx.req.path_string())),
    }
}
