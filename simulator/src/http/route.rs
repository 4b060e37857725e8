//! What a route is: the vocabulary of THE route table (`http::routes`): methods, path
//! patterns, handlers, what a route needs before the world lock, its rate limit, whether it
//! writes; what a matched pattern hands its handler ([`Args`], [`ControlReq`]); and what a
//! path's first segment names for the rate limits ([`PathNode`]). The table and its lookups
//! are `http::routes`; the request's path through them, `http::router`.

use crate::app::State;
use crate::error::GraphResult;
use crate::http::control::{ControlError, ControlResult};
use crate::http::graph::Ctx;
use crate::http::request::{GraphRequest, RawRequest, Verb};
use crate::http::response::Body;
use crate::ids::{parse_id, IdKind, IgUserId, MediaId, PageId};
use crate::sandbox::Sandbox;
use http::{Method, Response};
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A boxed future borrowing the request (async handlers in a table of plain fn pointers).
pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The methods a route answers: a set of GET, POST, DELETE and HEAD. Graph routes see the
/// verb after `method=` override ([`Verb`]; HEAD reads as GET); raw routes the HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Methods(u8);

impl Methods {
    pub(crate) const GET: Methods = Methods(1);
    pub(crate) const POST: Methods = Methods(2);
    pub(crate) const DELETE: Methods = Methods(4);
    pub(crate) const HEAD: Methods = Methods(8);
    pub(crate) const ANY: Methods = Methods(0xFF);

    pub(crate) const fn or(self, other: Methods) -> Methods {
        Methods(self.0 | other.0)
    }

    pub(crate) fn has_verb(self, verb: Verb) -> bool {
        let m = match verb {
            Verb::Get => Methods::GET,
            Verb::Post => Methods::POST,
            Verb::Delete => Methods::DELETE,
        };
        self.0 & m.0 != 0
    }

    pub(crate) fn has_method(self, method: &Method) -> bool {
        let m = match *method {
            Method::GET => Methods::GET,
            Method::POST => Methods::POST,
            Method::DELETE => Methods::DELETE,
            Method::HEAD => Methods::HEAD,
            _ => return self == Methods::ANY,
        };
        self.0 & m.0 != 0
    }
}

/// A set of node kinds a path segment may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Kinds(u16);

impl Kinds {
    pub(crate) const fn of(kind: IdKind) -> Kinds {
        Kinds(1 << kind as u16)
    }

    pub(crate) const ALL: Kinds = Kinds(u16::MAX);
    pub(crate) const APP: Kinds = Kinds::of(IdKind::App);
    pub(crate) const USER: Kinds = Kinds::of(IdKind::User);
    pub(crate) const PAGE: Kinds = Kinds::of(IdKind::Page);
    pub(crate) const IG_USER: Kinds = Kinds::of(IdKind::IgUser);
    pub(crate) const MEDIA: Kinds = Kinds::of(IdKind::Media);
    pub(crate) const COMMENT: Kinds = Kinds::of(IdKind::Comment);
    pub(crate) const CONTAINER: Kinds = Kinds::of(IdKind::Container);
    pub(crate) const HASHTAG: Kinds = Kinds::of(IdKind::Hashtag);

    pub(crate) fn has(self, kind: IdKind) -> bool {
        self.0 & Kinds::of(kind).0 != 0
    }
}

/// One segment of a path pattern.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Seg {
    /// Exactly this text.
    Lit(&'static str),
    /// One of these texts (an argument of the handler).
    OneOf(&'static [&'static str]),
    /// Any one segment (an argument of the handler).
    Any,
    /// A Graph node of these kinds: its numeric id, `me` (the token's own node), or an
    /// Instagram Login app-scoped id. A segment that names no node answers the request with
    /// 100/33 (`me` with an app token: 2500) as soon as the rest of the pattern matches.
    Node(Kinds),
    /// A Graph node of these kinds named by its numeric id only (not `me`); anything else
    /// does not match.
    Id(Kinds),
    /// The Instagram Login token's own account: `me`, its id or its app-scoped id.
    Own,
    /// A control-plane sandbox id; an unknown one answers 404 once the pattern matches.
    Sandbox,
    /// Every remaining segment, none included.
    Rest,
}

use Seg::{Any, Lit, OneOf, Rest};

/// What a request needs before the world lock is taken (the only IO a Graph request does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BeforeLock {
    Nothing,
    /// `--media-fetch`: the container's media URLs are downloaded and judged first.
    MediaFetch,
    /// The webhook verification request to the callback, between two world locks.
    WebhookHandshake,
}

/// Which rate limit a Graph route counts against (guides "Overview" → "Rate Limiting").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rate {
    /// The node the path names (its first segment): an IG account, or the owner of a media,
    /// comment or container, counts against that account's BUC; a Page against the Page's;
    /// a hashtag against the Platform limit; `me` is the token's own node. The app and user
    /// level count in every case.
    Node,
    /// The nodes of `ids=` (the root).
    Ids,
    /// The Platform (app) limit: hashtag search.
    Platform,
    /// Counts against nothing; the answer carries `X-App-Usage` when its token authenticates.
    Uncounted,
    /// Not a Graph call (control plane, CDN, upload, the login dialogs).
    None,
}

/// Whether a route's handler changes the world.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum World {
    /// Only reads it (rate-limit and token bookkeeping aside).
    Reads,
    Writes,
    /// Does not touch a sandbox's world, or takes its locks itself (raw routes).
    Own,
}

/// Which tokens a Graph route is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Viewer {
    Any,
    /// Only Instagram User tokens (Instagram Login: graph.instagram.com's own routes and
    /// refusals).
    Instagram,
}

/// Who may call a raw route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Auth {
    /// The control plane: the admin token when one is configured (`--admin-token`).
    Admin,
    /// Anyone (the dashboard's static files, which hold no secrets; the CDN, whose URLs are
    /// signed; the upload host, which checks its own `Authorization` header).
    Public,
}

/// A Graph handler: runs inside the world lock, after authentication and the rate-limit
/// check.
pub(crate) type GraphFn = fn(&mut Ctx, &Args) -> GraphResult<Value>;
/// A Graph handler that writes its answer's JSON straight into the buffer it is given
/// (`http::json`): the hot reads, media nodes and pages.
pub(crate) type WrittenFn = fn(&mut Ctx, &Args, &mut Vec<u8>) -> GraphResult<()>;
/// How a batch runs one of its operations (`http::router`).
pub(crate) type Operation = fn(&State, &GraphRequest) -> GraphResult<Value>;
/// A control-plane handler.
pub(crate) type ControlFn = fn(&State, &ControlReq) -> ControlResult;
/// An asynchronous control-plane handler (world builds, webhook sends).
pub(crate) type ControlAsyncFn = for<'a> fn(&'a State, &'a ControlReq<'a>) -> BoxFuture<'a, ControlResult>;

/// What serves a route.
#[derive(Clone, Copy)]
pub(crate) enum Handler {
    Graph(GraphFn),
    Written(WrittenFn),
    /// A Graph call that answers before any access token is looked up: the token endpoint
    /// (app credentials).
    Open(fn(&State, &GraphRequest) -> GraphResult<Value>),
    /// A batch (its own token checks, before any operation): its operations go through the
    /// [`Operation`] the router hands it, the path of a call of their own.
    Batch(fn(&State, &GraphRequest, Operation) -> GraphResult<Value>),
    /// A Graph call with IO between two world locks (the webhook handshake); `None` when its
    /// token reaches no sandbox (the ordinary path then answers the token error).
    Async(for<'a> fn(&'a State, &'a GraphRequest) -> BoxFuture<'a, Option<GraphResult<Value>>>),
    /// An answer in its own shape on the Graph surface (login dialogs, Instagram's code
    /// exchange).
    Page(fn(&State, &GraphRequest) -> Response<Body>),
    /// A raw request (the CDN, the upload host): the request as sent and the segments the
    /// pattern's `Any`s matched.
    Raw(for<'a> fn(&'a State, RawRequest, Vec<String>) -> BoxFuture<'a, Response<Body>>),
    Control(ControlFn),
    ControlAsync(ControlAsyncFn),
}

/// Which part of igsim a route belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Surface {
    /// Matched on the path as sent (control plane, CDN, upload host).
    Raw,
    /// Matched on the path after its version.
    Graph,
}

/// One route: see the module docs.
#[derive(Clone, Copy)]
pub(crate) struct Route {
    pub(crate) surface: Surface,
    pub(crate) methods: Methods,
    pub(crate) path: &'static [Seg],
    pub(crate) handler: Handler,
    pub(crate) before_lock: BeforeLock,
    pub(crate) rate: Rate,
    pub(crate) world: World,
    pub(crate) viewer: Viewer,
    pub(crate) auth: Auth,
    /// A condition on the request besides its path (a parameter, a host).
    pub(crate) when: Option<fn(&GraphRequest) -> bool>,
    /// Whether `fields=` is a field selection (everywhere but webhook subscriptions, where it
    /// lists webhook fields).
    pub(crate) fields_select: bool,
    /// Whether its requests are an app's calls to the API (the Graph surface and the upload
    /// host): recorded in the sandbox's journal, open to its fault rules and, with a state
    /// directory, persisted before the answer (`http::exchange`).
    pub(crate) journaled: bool,
}

/// What a Graph route's pattern matched: the node its first `Node`/`Id` segment names, the
/// segments its `Any`/`OneOf` matched, and the path's first segment.
#[derive(Debug, Clone)]
pub(crate) struct Args<'p> {
    pub(crate) node: Option<(u64, IdKind)>,
    pub(crate) args: Vec<&'p str>,
    /// The path's first segment ("" at the root).
    pub(crate) first: &'p str,
    /// How many segments the path has.
    pub(crate) len: usize,
}

impl Args<'_> {
    /// The id of the node the path names.
    pub(crate) fn id(&self) -> u64 {
        self.node.map_or(0, |(id, _)| id)
    }

    pub(crate) fn ig_user(&self) -> IgUserId {
        IgUserId(self.id())
    }

    pub(crate) fn media(&self) -> MediaId {
        MediaId(self.id())
    }

    pub(crate) fn page(&self) -> PageId {
        PageId(self.id())
    }

    /// The `i`th segment an `Any` or `OneOf` matched.
    pub(crate) fn arg(&self, i: usize) -> &str {
        self.args.get(i).copied().unwrap_or("")
    }
}

/// A control-plane request as its handler sees it.
pub(crate) struct ControlReq<'r> {
    pub(crate) raw: &'r RawRequest,
    pub(crate) sandbox: Option<Arc<Sandbox>>,
    /// The segments the pattern's `Any`s and `Rest` matched, in order.
    pub(crate) args: Vec<String>,
}

impl ControlReq<'_> {
    /// The sandbox the path names (routes whose pattern has [`Seg::Sandbox`]).
    pub(crate) fn sandbox(&self) -> &Arc<Sandbox> {
        // The matcher resolves the sandbox of every pattern with a `Sandbox` segment before
        // the handler runs, and the table gives `sandbox()` only to such routes.
        self.sandbox
            .as_ref()
            .expect("routes that read the sandbox name it in their pattern")
    }

    /// The `i`th segment an `Any` matched.
    pub(crate) fn arg(&self, i: usize) -> &str {
        self.args.get(i).map_or("", String::as_str)
    }
}

/// Whether `segs` fit `path` by its literal parts and length (node kinds and sandboxes are
/// checked later).
pub(crate) fn shape_fits<S: AsRef<str>>(path: &[Seg], segs: &[S]) -> bool {
    let mut i = 0;
    for (k, seg) in path.iter().enumerate() {
        match seg {
            Rest => return k == path.len() - 1,
            _ if i >= segs.len() => return false,
            Lit(l) if segs[i].as_ref() != *l => return false,
            OneOf(set) if !set.contains(&segs[i].as_ref()) => return false,
            _ => {}
        }
        i += 1;
    }
    i == segs.len()
}

/// The segments a raw pattern's `Any`s and `Rest` matched.
pub(crate) fn raw_args(route: &Route, segs: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, seg) in route.path.iter().enumerate() {
        match seg {
            Any | OneOf(_) => out.extend(segs.get(i).map(|s| s.to_string())),
            Rest => out.extend(segs.iter().skip(i).map(|s| s.to_string())),
            _ => {}
        }
    }
    out
}

/// A control-plane request for `route`: its sandbox resolved (404 when the path names none).
pub(crate) fn control_req<'r>(
    state: &State,
    route: &Route,
    raw: &'r RawRequest,
    segs: &[&str],
) -> Result<ControlReq<'r>, ControlError> {
    let mut sandbox = None;
    let mut args = Vec::new();
    for (i, seg) in route.path.iter().enumerate() {
        match seg {
            Seg::Sandbox => {
                let id = segs.get(i).copied().unwrap_or("");
                let found = state.sandboxes.get(id);
                sandbox = Some(found.ok_or_else(|| ControlError::not_found(format!("no sandbox {id}")))?);
            }
            Any | OneOf(_) => args.extend(segs.get(i).map(|s| s.to_string())),
            Rest => args.extend(segs.iter().skip(i).map(|s| s.to_string())),
            _ => {}
        }
    }
    // A DELETE removes everything its path names: a query there reads as a filter or a
    // choice it would not honour (`DELETE …/faults?id=x` removed every rule, `DELETE
    // …/requests?since=n` the whole journal), so it is refused, naming what was sent.
    if raw.method == Method::DELETE {
        if let Some(query) = raw.query.as_deref().filter(|q| !q.is_empty()) {
            let names: Vec<String> = form_urlencoded::parse(query.as_bytes())
                .map(|(k, _)| k.into_owned())
                .collect();
            return Err(ControlError::bad_request(format!(
                "DELETE takes no parameters (got {}): it removes everything its path names; \
                 name one object in the path where the route has one (faults/{{rule-id}})",
                names.join(", ")
            )));
        }
    }
    Ok(ControlReq { raw, sandbox, args })
}

/// What the path's first segment names for the rate limits ([`Rate::Node`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PathNode {
    /// `me`: the token's own node.
    Me,
    Id(u64),
    /// Not a node (a literal such as `debug_token`, or nothing).
    None,
}

/// The first segment of a Graph path ("" at the root).
pub(crate) fn first_segment(req: &GraphRequest) -> &str {
    req.segments.first().map_or("", String::as_str)
}

/// The first segment of a Graph path as [`PathNode`].
pub(crate) fn path_node(req: &GraphRequest) -> PathNode {
    match req.segments.first().map(String::as_str) {
        Some("me") => PathNode::Me,
        Some(s) => parse_id(s).map_or(PathNode::None, PathNode::Id),
        None => PathNode::None,
    }
}
