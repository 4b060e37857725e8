//! Where every request enters igsim's HTTP layer ([`handle`]), and one exchange around it:
//! which sandbox a Graph request belongs to, the fault rules that may fire on it, its journal
//! entry, and the request log line (control-plane requests get the log line only). The route
//! table (`router::serve`) does the rest.
//!
//! A Graph request belongs to the sandbox its access token names (wherever the client put it),
//! else the one its app credentials (`client_id` + `client_secret`) or `fb_exchange_token`
//! name, else the one a login dialog serves; requests that name no sandbox (no token, or one
//! no sandbox issued) are recorded in `default`.

use crate::app::State;
use crate::clock::{os_now_millis, Stopwatch};
use crate::config::ApiVersion;
use crate::error::GraphError;
use crate::faults::{Call, Effect, Fired};
use crate::http::iglogin;
use crate::http::request::{self, RawRequest, Segments};
use crate::http::response::{error_of, graph_error, mark_error, sim_json, Body};
use crate::http::route::{Auth, Handler, Route};
use crate::http::router::{self, Incoming};
use crate::http::routes;
use crate::journal::{keep_params, Entry, ErrorCode, FaultRecord};
use crate::sandbox::{Sandbox, DEFAULT_SANDBOX};
use http::Response;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// Answers one request: the raw surface's own routes (control plane, CDN, dashboard files)
/// through [`plain`], and an app's API calls (the Graph surface and the upload host) through
/// [`graph`] (fault rules, journal, log line, durability point) around `router::serve`.
/// `Err` closes the connection without an answer (an injected fault).
pub(crate) async fn handle(state: &State, raw: RawRequest) -> Result<Response<Body>, Dropped> {
    // Most requests are Graph calls, whose first segment (a version, a node) no raw route
    // names: those skip splitting the path here (a `%` in it is decoded by the split).
    let first = raw.path.split('/').find(|s| !s.is_empty());
    if first.is_some_and(|f| f.contains('%')) || routes::raw_surface_may_fit(first) {
        return raw_or_graph(state, raw).await;
    }
    graph(state, raw, None).await
}

/// [`handle`] for a path a raw route may serve.
async fn raw_or_graph(state: &State, raw: RawRequest) -> Result<Response<Body>, Dropped> {
    if let Some(segments) = request::split_path(&raw.path) {
        let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
        if let Some(route) = routes::raw_route(&raw.method, &segs) {
            if !route.journaled {
                return Ok(plain(state, route, raw, segments).await);
            }
            return graph(state, raw, Some((route, segments))).await;
        }
    }
    graph(state, raw, None).await
}

/// The connection is closed without an answer (an injected `drop` or `hang`).
#[derive(Debug)]
pub(crate) struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by a fault rule")
    }
}

impl std::error::Error for Dropped {}

/// Where an injected error is answered, in that surface's own shape.
enum Surface {
    /// The Graph API (either flavour).
    Graph {
        version: ApiVersion,
        suppress: bool,
        instagram: bool,
        verb: &'static str,
    },
    /// `api.instagram.com/oauth/access_token`: `{"error_type","code","error_message"}`.
    CodeExchange,
    /// The resumable-upload host: `{"debug_info": {…}}`.
    Upload,
}

/// An app's API call (a Graph request, or `raw` the upload host's route and path): attribute
/// it, let the fault rules act, serve it, record and log it, and hold the answer until the
/// state directory has its changes.
pub(crate) async fn graph(
    state: &State,
    raw: RawRequest,
    raw_route: Option<(&'static Route, Vec<String>)>,
) -> Result<Response<Body>, Dropped> {
    let watch = Stopwatch::start();
    let wall_ms = os_now_millis();
    let path = raw.path.clone();
    let incoming = match raw_route {
        Some((route, path)) => Incoming::Raw(route, raw, path),
        None => router::parse(state, raw).await,
    };
    // The versionless segments, as the parse split them (shared) or split here.
    let (path_version, segments): (_, Segments) = match &incoming {
        Incoming::Parsed(req) => (req.requested, req.shared_segments()),
        _ => {
            let (version, segments) = request::split_versioned(&path).unwrap_or_default();
            (version, segments.into())
        }
    };
    let sandbox = attribute(state, &incoming);
    let is_batch = matches!(&incoming, Incoming::Parsed(req) if routes::is_batch(req));
    // A request that did not parse is journaled with its query's parameters.
    let query: Vec<(String, String)> = match incoming.raw() {
        None => Vec::new(),
        Some(raw) => form_urlencoded::parse(raw.query.as_deref().unwrap_or("").as_bytes())
            .into_owned()
            .collect(),
    };
    let http_method = || incoming.raw().map_or("", |r| r.method.as_str()).to_string();
    let (method, version, (params, params_omitted), surface) = match &incoming {
        Incoming::Parsed(req) => (
            req.verb.as_str().to_string(),
            Some(req.version),
            keep_params(req.params.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
            if iglogin::is_code_exchange(req) && matches!(routes::graph_route(req).handler, Handler::Page(_)) {
                Surface::CodeExchange
            } else {
                Surface::Graph {
                    version: req.version,
                    suppress: req.param("suppress_http_code") == Some("1"),
                    instagram: iglogin::flavour(req) == crate::model::login::Flavour::Instagram,
                    verb: req.verb.as_str(),
                }
            },
        ),
        other => (
            http_method(),
            path_version,
            keep_params(query.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
            match other {
                Incoming::Unparsable(_, version, _) => Surface::Graph {
                    version: *version,
                    suppress: false,
                    instagram: false,
                    verb: "GET",
                },
                Incoming::Raw(..) | Incoming::Parsed(_) => Surface::Upload,
            },
        ),
    };
    let now = sandbox.as_ref().map_or(0, |s| s.now());
    let fired = sandbox.as_ref().and_then(|s| {
        let call = Call {
            method: &method,
            version: path_version,
            segments: &segments,
        };
        s.with_faults(|f| f.decide(&call, now))
    });
    let answer = match &fired {
        None => Some(router::serve(state, incoming).await),
        Some(f) => apply(state, incoming, f, &surface).await,
    };
    let status = answer.as_ref().map(|r| r.status().as_u16());
    let error = answer.as_ref().and_then(error_of);
    let entry = Entry {
        seq: 0,
        time: now,
        wall_ms,
        method,
        path,
        version: version.map(|v| v.text().as_str().to_string()),
        node: segments.first().cloned(),
        edge: segments.get(1).cloned(),
        params,
        params_omitted,
        status,
        error,
        duration_us: watch.elapsed_us(),
        fault: fired.map(|f| FaultRecord {
            rule: f.rule,
            effect: f.effect.name().to_string(),
        }),
        segments,
        path_version,
    };
    log_graph(sandbox.as_ref().map_or("-", |s| s.id.as_str()), &entry);
    let Some(sandbox) = sandbox else {
        return answer.ok_or(Dropped);
    };
    sandbox.with_journal(|j| j.record(entry));
    // The durability point (`app/persister.rs`): with a state directory nothing is acknowledged
    // before it is on disk; a change that could not be written is answered as a transient
    // failure, never as a success. A batch's operations may carry other sandboxes' tokens:
    // every sandbox it changed is written.
    let mut written = state.persist(&sandbox).await;
    if is_batch && written.is_ok() {
        written = state.persist_changed().await;
    }
    if let Err(e) = written {
        tracing::error!(target: "igsim::state", sandbox = %sandbox.id, "{e}");
        return Ok(render(state, &GraphError::api_service(), &surface));
    }
    answer.ok_or(Dropped)
}

/// A request of the raw surface's own routes (the control plane, the media CDN, the
/// dashboard's files): served, then logged (never journaled: they are not an app's API calls).
/// A control-plane call that may have changed a sandbox (anything but a GET of
/// `/_sim/sandboxes/{id}/…`) answers once the change is on disk, with a state directory
/// (creation, restore and deletion see to their own).
pub(crate) async fn plain(
    state: &State,
    route: &'static Route,
    raw: RawRequest,
    segments: Vec<String>,
) -> Response<Body> {
    let watch = Stopwatch::start();
    let (method, path) = (raw.method.clone(), raw.path.clone());
    let control = route.auth == Auth::Admin;
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let mut resp = router::raw_route(state, route, raw, &segs).await;
    let sandbox = match segs.get(1..3) {
        Some(["sandboxes", id]) if control => *id,
        _ => "-",
    };
    if control && method != http::Method::GET && segs.len() > 3 && resp.status().is_success() {
        if let Some(sb) = state.sandboxes.get(sandbox) {
            if let Err(e) = crate::http::control::persisted(state, &sb).await {
                resp = crate::http::control::render(Err(e));
            }
        }
    }
    let status = resp.status().as_u16();
    let duration_ms = watch.elapsed_us() as f64 / 1000.0;
    if control {
        tracing::info!(target: "igsim::control", sandbox = %sandbox, method = %method, path = %path, status, duration_ms);
    } else {
        tracing::info!(target: "igsim::cdn", method = %method, path = %path, status, duration_ms);
    }
    resp
}

/// Applies a fired rule: waits, runs the request first when the rule says `after`, and answers
/// with the injected error, or with nothing (`None`: the connection is dropped).
async fn apply(state: &State, incoming: Incoming, fired: &Fired, surface: &Surface) -> Option<Response<Body>> {
    let sleep = |ms: u64| tokio::time::sleep(Duration::from_millis(ms));
    match fired.effect {
        Effect::Latency { ms } => {
            sleep(ms).await;
            Some(router::serve(state, incoming).await)
        }
        Effect::Error { error, latency_ms } => {
            sleep(latency_ms).await;
            if fired.after {
                router::serve(state, incoming).await;
            }
            Some(render(state, &error.graph_error(&state.sandboxes.config), surface))
        }
        Effect::Drop { latency_ms } => {
            sleep(latency_ms).await;
            if fired.after {
                router::serve(state, incoming).await;
            }
            None
        }
        Effect::Hang { ms } => {
            if fired.after {
                router::serve(state, incoming).await;
            }
            sleep(ms).await;
            None
        }
    }
}

/// An injected error in the shape of the surface the request reached.
fn render(state: &State, e: &GraphError, surface: &Surface) -> Response<Body> {
    match *surface {
        Surface::Graph {
            version,
            suppress,
            instagram,
            verb,
        } => {
            let trace = state.traces.next();
            if instagram {
                graph_error(&e.clone().on_instagram_host(verb), version, &trace, suppress)
            } else {
                graph_error(e, version, &trace, suppress)
            }
        }
        Surface::CodeExchange => {
            let mut r = sim_json(
                e.status(),
                &json!({ "error_type": e.kind, "code": e.code, "error_message": e.message }),
            );
            mark_error(&mut r, e.code, e.subcode);
            r
        }
        // The upload host's failure shape (`publishing::upload`); `retriable` follows the
        // error's `is_transient` (UNCONFIRMED: rupload's transient answers are not recorded).
        Surface::Upload => {
            let retriable = e.envelope.is_transient.unwrap_or(false);
            let mut r = sim_json(
                e.status(),
                &json!({ "debug_info": { "retriable": retriable, "type": e.kind, "message": e.message } }),
            );
            mark_error(&mut r, e.code, e.subcode);
            r
        }
    }
}

/// The access token a request carries before its body is parsed: `access_token` in the query
/// or an `Authorization: Bearer|OAuth` header (the upload host and unparsable requests).
fn token_hint(query: Option<&str>, authorization: Option<&http::HeaderValue>) -> Option<String> {
    let query = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, v)| k == "access_token" && !v.is_empty())
        .map(|(_, v)| v.into_owned());
    query.or_else(|| {
        let v = authorization?.to_str().ok()?;
        let (scheme, rest) = v.trim().split_once(' ')?;
        matches!(scheme.to_ascii_lowercase().as_str(), "bearer" | "oauth").then(|| rest.trim().to_string())
    })
}

/// The sandbox a request belongs to (see the module documentation).
fn attribute(state: &State, incoming: &Incoming) -> Option<Arc<Sandbox>> {
    let sbs = &state.sandboxes;
    let found = match incoming {
        Incoming::Parsed(req) => req
            .sandbox
            .clone()
            .or_else(|| {
                let (id, secret) = (req.param("client_id")?, req.param("client_secret")?);
                sbs.by_token(&format!("{id}|{secret}"))
            })
            .or_else(|| req.param("fb_exchange_token").and_then(|t| sbs.by_token(t)))
            .or_else(|| {
                let (id, uri) = (req.param("client_id")?, req.param("redirect_uri")?);
                crate::http::dialog::select_sandbox(state, id, uri)
            }),
        Incoming::Raw(_, raw, _) | Incoming::Unparsable(_, _, raw) => {
            let authorization = raw.headers.get(http::header::AUTHORIZATION);
            token_hint(raw.query.as_deref(), authorization).and_then(|t| sbs.by_token(&t))
        }
    };
    found.or_else(|| sbs.get(DEFAULT_SANDBOX))
}

/// The request log line of a Graph request (target `igsim::request`; tokens never appear:
/// the path is logged without its query string).
fn log_graph(sandbox: &str, e: &Entry) {
    // At a level that writes no request line (`--log-level warn`, the bench's), nothing is
    // formatted for one.
    let wanted = match e.status {
        Some(_) => tracing::enabled!(target: "igsim::request", tracing::Level::INFO),
        None => tracing::enabled!(target: "igsim::request", tracing::Level::WARN),
    };
    if !wanted {
        return;
    }
    let error = e.error.map_or_else(|| "-".to_string(), error_text);
    let fault = e
        .fault
        .as_ref()
        .map_or_else(|| "-".to_string(), |f| format!("{}:{}", f.rule, f.effect));
    let duration_ms = e.duration_us as f64 / 1000.0;
    match e.status {
        Some(status) => tracing::info!(
            target: "igsim::request",
            sandbox = %sandbox,
            method = %e.method,
            path = %e.path,
            status,
            error = %error,
            duration_ms,
            fault = %fault,
        ),
        None => tracing::warn!(
            target: "igsim::request",
            sandbox = %sandbox,
            method = %e.method,
            path = %e.path,
            status = "dropped",
            error = %error,
            duration_ms,
            fault = %fault,
        ),
    }
}

/// `9007/2207027`, or `190` without a subcode.
fn error_text(e: ErrorCode) -> String {
    match e.subcode {
        Some(s) => format!("{}/{s}", e.code),
        None => e.code.to_string(),
    }
}
