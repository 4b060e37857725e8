//! The path of a request through igsim: its route from THE table (`http::routes`), then
//! what that route needs: for a Graph call, the work before the world lock, the token and its
//! sandbox, authentication, the rate-limit check, the handler inside the world lock
//! (synchronously), and the rendered answer with its headers.
//!
//! ```text
//! server::respond -> exchange::handle -> routes::raw_route   (control plane, CDN, upload)
//!                                     -> exchange::graph (faults, journal, log, state dir) ->
//!                                        router::parse -> router::serve -> routes::graph_route
//!                                          -> Page (dialogs) | Async (handshake) | prefetch
//!                                          -> call: Open | Batch (operations through call) |
//!                                             token -> sandbox.with_world(authenticate,
//!                                             ratelimit::admit, routes::resolve_route, handler)
//!                                     -> response::graph_json | graph_error (+ usage headers)
//! ```

use crate::app::State;
use crate::config::ApiVersion;
use crate::error::{GraphError, GraphResult};
use crate::http::control;
use crate::http::graph::{authenticate, Ctx, WorldAccess};
use crate::http::json::Json;
use crate::http::request::{self, GraphRequest, RawRequest, Verb};
use crate::http::response::{graph_bytes, graph_error, graph_json, plain, Body};
use crate::http::route::{self, Auth, BeforeLock, Handler, Route};
use crate::http::routes;
use crate::http::{iglogin, publishing, ratelimit};
use crate::model::login::Flavour;
use http::Response;
use serde_json::Value;

/// An API call as the route table receives it from the exchange.
pub(crate) enum Incoming {
    /// A raw route's call (the upload host): the request as sent and its path segments.
    Raw(&'static Route, RawRequest, Vec<String>),
    Parsed(GraphRequest),
    /// The request could not be parsed: the error to answer, in this version, and the
    /// request as sent.
    Unparsable(GraphError, ApiVersion, RawRequest),
}

impl Incoming {
    /// The request as sent, when it was not parsed as a Graph call.
    pub(crate) fn raw(&self) -> Option<&RawRequest> {
        match self {
            Incoming::Raw(_, raw, _) | Incoming::Unparsable(_, _, raw) => Some(raw),
            Incoming::Parsed(_) => None,
        }
    }
}

/// Parses a Graph request and settles the version serving it, which follows the clock of the
/// token's sandbox (release and expiry dates, version.rs).
pub(crate) async fn parse(state: &State, raw: RawRequest) -> Incoming {
    let cfg = &state.sandboxes.config;
    let default_now = state.clock_of(None);
    match request::parse(raw, cfg, default_now).await {
        Ok(mut req) => {
            req.sandbox = req.token.as_deref().and_then(|t| state.sandboxes.by_token(t));
            req.version = cfg.served_version(req.requested, clock_of(state, &req));
            Incoming::Parsed(req)
        }
        Err((e, raw)) => Incoming::Unparsable(e, cfg.served_version(None, default_now), raw),
    }
}

/// Serves an API call: a raw route's, or a Graph call through its route.
pub(crate) async fn serve(state: &State, incoming: Incoming) -> Response<Body> {
    let mut req = match incoming {
        Incoming::Raw(route, raw, segments) => {
            let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
            return raw_route(state, route, raw, &segs).await;
        }
        Incoming::Unparsable(e, version, _) => return graph_error(&e, version, &state.traces.next(), false),
        Incoming::Parsed(req) => req,
    };
    let trace = state.traces.next();
    let now = clock_of(state, &req);
    if let Err(e) = req.check_released(now) {
        return graph_error(&e, req.version, &trace, false);
    }
    let route = routes::graph_route(&req);
    if let Handler::Page(page) = route.handler {
        return page(state, &req);
    }
    if route.before_lock == BeforeLock::MediaFetch {
        publishing::prefetch(state, &mut req).await;
    }
    let suppress = req.param("suppress_http_code") == Some("1");
    // Rate-limit headers: from the admission check when the request reached it.
    let mut rate = None;
    let async_result = match route.handler {
        Handler::Async(before_lock) => before_lock(state, &req).await,
        _ => None,
    };
    let result = match async_result {
        Some(result) => result.map(Answer::Value),
        None => call(state, &req, &mut rate),
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

/// A raw-surface request: the control plane (behind its admin token), the CDN, the upload
/// host.
pub(crate) async fn raw_route(state: &State, route: &Route, raw: RawRequest, segs: &[&str]) -> Response<Body> {
    if route.auth == Auth::Admin {
        if let Err(refused) = control::authorize(&state.sandboxes.config, &raw.headers) {
            return refused;
        }
    }
    match route.handler {
        Handler::Raw(serve) => serve(state, raw, route::raw_args(route, segs)).await,
        Handler::Control(handler) => {
            control::render(route::control_req(state, route, &raw, segs).and_then(|r| handler(state, &r)))
        }
        Handler::ControlAsync(handler) => match route::control_req(state, route, &raw, segs) {
            Ok(r) => control::render(handler(state, &r).await),
            Err(e) => control::render(Err(e)),
        },
        _ => plain(404, "Not Found"),
    }
}

/// One operation of a batch, through the same path as a call of its own, without its
/// rate-limit headers (each still counts). A batch inside a batch is refused.
fn batch_operation(state: &State, req: &GraphRequest) -> GraphResult<Value> {
    if routes::is_batch(req) {
        return Err(crate::http::batch::invalid_operation("batches cannot be nested"));
    }
    call(state, req, &mut None).map(Answer::into_value)
}

/// A handler's answer: a `Value` tree, or JSON already written (the hot reads: media nodes
/// and pages, `http::json`).
pub(crate) enum Answer {
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

/// A Graph call; `rate` receives the headers of its rate-limit check when it got there.
fn call(state: &State, req: &GraphRequest, rate: &mut Option<ratelimit::RateHeaders>) -> GraphResult<Answer> {
    match routes::open_route(req).map(|r| r.handler) {
        Some(Handler::Open(open)) => return open(state, req).map(Answer::Value),
        Some(Handler::Batch(batch)) => return batch(state, req, batch_operation).map(Answer::Value),
        _ => {}
    }
    if let Some(e) = iglogin::wrong_host(req) {
        return Err(e);
    }
    let Some(token) = req.token.as_deref() else {
        return Err(routes::token_missing(req));
    };
    let sandbox = match &req.sandbox {
        Some(sb) => sb.clone(),
        None => crate::http::graph::sandbox_of(state, token)?,
    };
    let cfg = &state.sandboxes.config;
    // A call is first tried with the world shared (reads of one sandbox run in parallel); a
    // route that writes (`route::World::Writes`), or a handler that turns out to change the
    // world (`WorldAccess::write`), runs again with the world alone. Rate limits are counted
    // once, on the first try, under their own lock: after authentication (a refused token
    // counts nothing), before the handler (guides "Overview" -> "Rate Limiting").
    let mut counted = false;
    let mut run = |world: WorldAccess, now: i64| -> GraphResult<Answer> {
        let viewer = authenticate(&world, req, token, now)?;
        let access = world.access(&viewer.kind);
        let shared = matches!(world, WorldAccess::Shared(_));
        let mut ctx = Ctx {
            req,
            world,
            now,
            viewer,
            access,
            cfg,
            expanded: Default::default(),
            parsed_fields: Default::default(),
            renderers: &crate::http::nodes::RENDERERS,
        };
        let shape = routes::shape_route(&ctx);
        if !counted {
            counted = true;
            let (headers, admitted) = sandbox.with_rate_limits(|rl| ratelimit::admit(&ctx, rl, shape.rate));
            *rate = Some(headers);
            admitted?;
        }
        // Legacy features refused to apps created from v27.0's cut-over on (a counted call).
        crate::http::legacy::check(&ctx, shape.path.is_empty())?;
        ctx.check_fields_syntax(shape.fields_select)?;
        let (route, args) = routes::resolve_route(&ctx)?;
        if shared && route.world != route::World::Reads {
            return Err(GraphError::needs_write());
        }
        match route.handler {
            Handler::Graph(handler) => handler(&mut ctx, &args).map(Answer::Value),
            Handler::Written(handler) => {
                let mut out = Vec::with_capacity(1024);
                handler(&mut ctx, &args, &mut out)?;
                Ok(Answer::Written(Json::new(out)))
            }
            _ => Err(GraphError::unknown_path(&req.path_string())),
        }
    };
    // Only GETs can be reads (`routes`' test `writes_are_declared_and_reads_are_gets`).
    if req.verb == Verb::Get {
        match sandbox.read_world(|world, now| run(WorldAccess::Shared(world), now)) {
            Err(e) if e.is_needs_write() => {}
            done => return done,
        }
    }
    let result = sandbox.with_world(|world, now| run(WorldAccess::Alone(world), now));
    state.sandboxes.index_tokens(&sandbox);
    result
}

/// The sandbox time of the request's sandbox (`State::clock_of` without a second token
/// lookup when the parse found it).
fn clock_of(state: &State, req: &GraphRequest) -> i64 {
    match &req.sandbox {
        Some(sb) => sb.now(),
        None => state.clock_of(req.token.as_deref()),
    }
}
