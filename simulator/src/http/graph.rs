//! What every Graph handler shares: the request context, token checks (190 family,
//! `appsecret_proof`), permission checks, field projection (reference fields, empty nested
//! edges, the expansion budget), answers to writes carrying `fields=`, and the renderers of
//! the nodes others reference (`Renderers`, filled by `http::nodes`).

use crate::config::{Config, WriteFields};
use crate::error::{GraphError, GraphResult};
use crate::http::fields::{self, FieldSel};
use crate::http::json;
use crate::http::paging::PageReq;
use crate::http::request::GraphRequest;
use crate::ids::{parse_id, IgUserId, MediaId, UserId};
use crate::model::{Access, Revocation, Scopes, TokenKind, World};
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;
use std::cell::Cell;

/// Who is calling: the token, what it stands for, and the permissions it carries.
#[derive(Debug, Clone)]
pub(crate) struct Viewer {
    pub(crate) token: String,
    pub(crate) kind: TokenKind,
    pub(crate) scopes: Scopes,
    /// Whether the token carries `instagram_basic` (asked for every item of a page).
    basic: bool,
}

impl Viewer {
    pub(crate) fn new(token: &str, kind: TokenKind, scopes: Scopes) -> Self {
        let mut v = Viewer {
            token: token.into(),
            kind,
            scopes,
            basic: false,
        };
        v.basic = v.has("instagram_basic");
        v
    }

    /// Whether the token carries `permission` (a Facebook Login name). An Instagram Login
    /// token carries it when it has the Instagram Login permission that stands for it.
    pub(crate) fn has(&self, permission: &str) -> bool {
        crate::model::account::grants(self.kind, &self.scopes, permission)
    }

    pub(crate) fn user(&self) -> Option<UserId> {
        match self.kind {
            TokenKind::User(u) | TokenKind::Page { user: u, .. } => Some(u),
            TokenKind::App | TokenKind::Instagram(_) => None,
        }
    }

    /// Whether the token is an Instagram User token (Instagram Login).
    pub(crate) fn is_instagram(&self) -> bool {
        matches!(self.kind, TokenKind::Instagram(_))
    }
}

/// The world as a handler holds it: shared with other readers (`GET`s are first tried this
/// way, in parallel) or alone (writes). Reading goes through `Deref`; changing it through
/// [`WorldAccess::write`], which on a shared world answers [`GraphError::needs_write`] so
/// the router runs the request again as a write (issue 12: reads that do not serialise).
pub(crate) enum WorldAccess<'a> {
    Shared(&'a World),
    Alone(&'a mut World),
}

impl std::ops::Deref for WorldAccess<'_> {
    type Target = World;
    fn deref(&self) -> &World {
        match self {
            WorldAccess::Shared(w) => w,
            WorldAccess::Alone(w) => w,
        }
    }
}

impl WorldAccess<'_> {
    /// The world to change; [`GraphError::needs_write`] when it is only shared (propagate it
    /// with `?`: the request is then run again with the world alone).
    /// The same access for a nested context (an expansion read with its own parameters).
    pub(crate) fn reborrow(&mut self) -> WorldAccess<'_> {
        match self {
            WorldAccess::Shared(w) => WorldAccess::Shared(w),
            WorldAccess::Alone(w) => WorldAccess::Alone(w),
        }
    }

    pub(crate) fn write(&mut self) -> GraphResult<&mut World> {
        match self {
            WorldAccess::Alone(w) => Ok(w),
            WorldAccess::Shared(_) => Err(GraphError::needs_write()),
        }
    }
}

pub(crate) struct Ctx<'a> {
    pub(crate) req: &'a GraphRequest,
    pub(crate) world: WorldAccess<'a>,
    pub(crate) now: i64,
    pub(crate) viewer: Viewer,
    pub(crate) access: Access,
    pub(crate) cfg: &'a Config,
    /// Items reserved so far by nested edge expansions (see [`Ctx::page_req`]).
    pub(crate) expanded: Cell<usize>,
    /// The request's `fields`, parsed once ([`Ctx::fields`]).
    pub(crate) parsed_fields: std::cell::OnceCell<Option<std::rc::Rc<[FieldSel]>>>,
    /// The node renderers ([`Renderers`]).
    pub(crate) renderers: &'static Renderers,
}

/// hex HMAC-SHA256 of the token keyed by the app secret (securing-requests doc).
pub(crate) fn appsecret_proof(secret: &str, token: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable_hmac());
    mac.update(token.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn unreachable_hmac() -> Hmac<Sha256> {
    // HMAC accepts keys of any length; this branch cannot be taken.
    Hmac::<Sha256>::new_from_slice(b"").expect("HMAC takes any key length")
}

/// Whether a string has the shape of a token this API could issue.
fn parseable(token: &str) -> bool {
    let user_like = token.len() >= 20
        && (token.starts_with("EAA") || token.starts_with("IG"))
        && token.bytes().all(|b| b.is_ascii_alphanumeric());
    let app_like = token.split_once('|').is_some_and(|(a, s)| {
        parse_id(a).is_some() && !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    user_like || app_like
}

/// The error for a token that is not (or no longer) valid in `world` at `now`, if any.
pub(crate) fn token_error(world: &World, token: &str, now: i64) -> Option<GraphError> {
    if world.app.is_access_token(token) {
        return None;
    }
    let Some(t) = world.tokens.get(token) else {
        return Some(if parseable(token) {
            GraphError::token_invalid()
        } else {
            GraphError::token_unparseable()
        });
    };
    if let Some(r) = t.revoked {
        return Some(match r {
            Revocation::AppDeauthorized => GraphError::token_app_not_authorized(&world.app.id.to_string()),
            Revocation::PasswordChanged => GraphError::token_password_changed(),
            Revocation::InvalidatedByApi => GraphError::token_invalidated_by_api(),
            Revocation::LoggedOut => GraphError::token_logged_out(),
            Revocation::SessionInvalid => GraphError::token_session_invalid(),
        });
    }
    if let Some(exp) = t.expires_at {
        if now >= exp {
            return Some(GraphError::token_expired(exp, now));
        }
    }
    None
}

/// Checks a token (and `appsecret_proof`) and returns the viewer it stands for.
pub(crate) fn authenticate(world: &World, req: &GraphRequest, token: &str, now: i64) -> GraphResult<Viewer> {
    if let Some(e) = token_error(world, token, now) {
        return Err(e);
    }
    let is_app = world.app.is_access_token(token);
    match req.param("appsecret_proof") {
        Some(proof) if !is_app && !proof.eq_ignore_ascii_case(&appsecret_proof(&world.app.secret, token)) => {
            return Err(GraphError::invalid_appsecret_proof());
        }
        None if !is_app && world.app.require_appsecret_proof => return Err(GraphError::appsecret_proof_required()),
        _ => {}
    }
    if is_app {
        return Ok(Viewer::new(token, TokenKind::App, Scopes::default()));
    }
    let t = &world.tokens[token];
    Ok(Viewer::new(token, t.kind, t.scopes.clone()))
}

/// One field's answer while projecting a node.
pub(crate) enum Field {
    Value(Value),
    /// Known field with nothing to show here (e.g. `caption` on an album child).
    Omit,
    /// Not a field of this node type.
    Unknown,
}

impl Field {
    /// A nested edge expansion (`media{…}`, `comments{…}`, `replies{…}`, `children{…}`…) as a
    /// field: left out when the edge has no items, as production does rather than answering
    /// `{"data":[]}` (recorded `/{ig-media-id}/comments?fields=…,replies{…}`: only comments with
    /// replies carry the key; bk-rs/instagram-apis-rs, instagram-graph-api
    /// tests/response_body_json_files/v14.0/ig_media_17946328927974136__comments__reading.json).
    /// Top-level edges (`GET /{id}/{edge}`) keep their `{"data":[]}`.
    pub(crate) fn edge(v: Value) -> Field {
        if v.get("data").and_then(Value::as_array).is_some_and(Vec::is_empty) {
            Field::Omit
        } else {
            Field::Value(v)
        }
    }
}

/// A field that points at another node (Page `instagram_business_account` and
/// `connected_instagram_account`, media `owner`, comment `user`): `{"id"}` on its own; with a
/// sub-selection, the referenced node's own projection with its fields, defaults and rules,
/// an unknown sub-field failing the whole request with (#100) on the referenced node type
/// (GH:getopenpost/openpost#218, facts §9 "Reference fields expand").
pub(crate) fn reference(
    sel: &FieldSel,
    id: &str,
    expand: impl FnOnce(&[FieldSel]) -> GraphResult<Value>,
) -> GraphResult<Field> {
    match &sel.children {
        None => Ok(Field::Value(serde_json::json!({ "id": id }))),
        Some(sub) => expand(sub).map(Field::Value),
    }
}

/// Where a projection puts a node's fields: a `Value` map ([`project`]) or an answer's bytes
/// ([`project_into`]). [`project_fields`] holds the rule both follow.
trait NodeObject<'s> {
    /// Whether `key` was already put.
    fn has(&self, key: &str) -> bool;
    fn put_id(&mut self, key: &'s str, id: &str);
    /// Puts the field `sel` under `key`; `None` when it is not a field of the node type.
    fn put(&mut self, key: &'s str, sel: &'s FieldSel) -> GraphResult<Option<()>>;
}

/// THE projection rule: fields in the order asked, each under its key (its alias when it has
/// one, [`FieldSel::key`]), a key asked twice put once (a field left out leaves its key free),
/// `id` always present (appended when not asked for), unknown fields a `(#100)` error.
fn project_fields<'s>(o: &mut impl NodeObject<'s>, node_type: &str, id: &str, sel: &'s [FieldSel]) -> GraphResult<()> {
    for s in sel {
        let key = s.key();
        if o.has(key) {
            continue;
        }
        if s.name == "id" {
            o.put_id(key, id);
            continue;
        }
        if o.put(key, s)?.is_none() {
            return Err(GraphError::nonexisting_field(&s.name, node_type));
        }
    }
    if !o.has("id") {
        o.put_id("id", id);
    }
    Ok(())
}

/// Builds a node object from a selection ([`project_fields`]) as a `Value`.
pub(crate) fn project(
    node_type: &str,
    id: &str,
    sel: &[FieldSel],
    f: impl FnMut(&FieldSel) -> GraphResult<Field>,
) -> GraphResult<Value> {
    struct ToMap<F> {
        map: Map<String, Value>,
        f: F,
    }
    impl<F: FnMut(&FieldSel) -> GraphResult<Field>> NodeObject<'_> for ToMap<F> {
        fn has(&self, key: &str) -> bool {
            self.map.contains_key(key)
        }
        fn put_id(&mut self, key: &str, id: &str) {
            self.map.insert(key.into(), Value::String(id.into()));
        }
        fn put(&mut self, key: &str, sel: &FieldSel) -> GraphResult<Option<()>> {
            match (self.f)(sel)? {
                Field::Value(v) => {
                    self.map.insert(key.into(), v);
                }
                Field::Omit => {}
                Field::Unknown => return Ok(None),
            }
            Ok(Some(()))
        }
    }
    let mut o = ToMap {
        map: Map::with_capacity(sel.len() + 1),
        f,
    };
    project_fields(&mut o, node_type, id, sel)?;
    Ok(Value::Object(o.map))
}

/// What a field wrote into an answer ([`project_into`]).
pub(crate) enum Wrote {
    /// Its value, after its key.
    Value,
    /// Nothing: a known field with nothing to show here (its key is taken back).
    Omit,
    /// Nothing: not a field of this node type.
    Unknown,
}

/// Writes a node object from a selection ([`project_fields`]) straight into `out`: `f` writes
/// each field's value after its key.
pub(crate) fn project_into(
    out: &mut Vec<u8>,
    node_type: &str,
    id: &str,
    sel: &[FieldSel],
    f: impl FnMut(&FieldSel, &mut Vec<u8>) -> GraphResult<Wrote>,
) -> GraphResult<()> {
    struct ToBytes<'o, 'k, F> {
        out: &'o mut Vec<u8>,
        keys: Vec<&'k str>,
        f: F,
    }
    impl<F> ToBytes<'_, '_, F> {
        fn key(&mut self, key: &str) -> usize {
            let mark = self.out.len();
            if !self.keys.is_empty() {
                self.out.push(b',');
            }
            json::push_key(self.out, key);
            mark
        }
    }
    impl<'k, F: FnMut(&FieldSel, &mut Vec<u8>) -> GraphResult<Wrote>> NodeObject<'k> for ToBytes<'_, 'k, F> {
        fn has(&self, key: &str) -> bool {
            self.keys.contains(&key)
        }
        fn put_id(&mut self, key: &'k str, id: &str) {
            self.key(key);
            json::push_str(self.out, id);
            self.keys.push(key);
        }
        fn put(&mut self, key: &'k str, sel: &'k FieldSel) -> GraphResult<Option<()>> {
            let mark = self.key(key);
            match (self.f)(sel, self.out)? {
                Wrote::Value => self.keys.push(key),
                Wrote::Omit => self.out.truncate(mark),
                Wrote::Unknown => return Ok(None),
            }
            Ok(Some(()))
        }
    }
    out.push(b'{');
    let mut o = ToBytes {
        out,
        keys: Vec::with_capacity(sel.len() + 1),
        f,
    };
    project_fields(&mut o, node_type, id, sel)?;
    o.out.push(b'}');
    Ok(())
}

/// A selection from a comma list of names (default field sets).
pub(crate) fn defaults(names: &[&str]) -> Vec<FieldSel> {
    names.iter().map(|n| FieldSel::plain(n)).collect()
}

/// Parses the request's `fields` (if any) with the one `fields=` parser, for its syntax error:
/// run for every request before its handler (`http::router`), so no endpoint answers a
/// `fields` it cannot parse, whether or not it projects fields.
pub(crate) fn check_fields_syntax(req: &GraphRequest, selection: bool) -> GraphResult<()> {
    // On `/{app-id}/subscriptions` `fields` lists webhook fields, not a selection (facts
    // §6.4; the route says which: `Route::fields_select`).
    if !selection {
        return Ok(());
    }
    match req.param("fields") {
        Some(s) if !s.trim().is_empty() => fields::parse(s).map(|_| ()),
        _ => Ok(()),
    }
}

impl Ctx<'_> {
    /// [`check_fields_syntax`] for a request with a context: the parse is kept for
    /// [`Ctx::fields`], so a request's `fields` is parsed once.
    pub(crate) fn check_fields_syntax(&self, selection: bool) -> GraphResult<()> {
        if !selection {
            return Ok(());
        }
        self.parsed_fields().map(|_| ())
    }
}

impl Ctx<'_> {
    /// For edges whose items have a fixed set of fields (permissions, insights, catalogs,
    /// product tags and searches): every field the request names must be one of `known`, else
    /// production's `(#100) Tried accessing nonexisting field (f) on node type (T)`.
    pub(crate) fn require_known_fields(&self, node_type: &str, known: &[&str]) -> GraphResult<()> {
        for f in self.fields()?.unwrap_or_default() {
            if !known.contains(&f.name.as_str()) {
                return Err(GraphError::nonexisting_field(&f.name, node_type));
            }
        }
        Ok(())
    }

    /// The request's `fields`, or `None` when absent or empty.
    pub(crate) fn fields(&self) -> GraphResult<Option<Vec<FieldSel>>> {
        Ok(self.parsed_fields()?.as_deref().map(<[FieldSel]>::to_vec))
    }

    /// The request's `fields` as parsed once and shared (no copy per call).
    fn parsed_fields(&self) -> GraphResult<&Option<std::rc::Rc<[FieldSel]>>> {
        if let Some(parsed) = self.parsed_fields.get() {
            return Ok(parsed);
        }
        let parsed = match self.req.param("fields") {
            Some(s) if !s.trim().is_empty() => Some(fields::parse(s)?.into()),
            _ => None,
        };
        Ok(self.parsed_fields.get_or_init(|| parsed))
    }

    /// The request's `fields`, or the node's default set.
    pub(crate) fn fields_or(&self, default: &[&str]) -> GraphResult<Vec<FieldSel>> {
        Ok(self.fields()?.unwrap_or_else(|| defaults(default)))
    }

    /// [`Ctx::fields_or`] without copying the request's selection: a handler that renders
    /// with the context borrowed mutably holds this instead.
    pub(crate) fn shared_fields_or(&self, default: &[&str]) -> GraphResult<std::rc::Rc<[FieldSel]>> {
        Ok(match self.parsed_fields()? {
            Some(sel) => sel.clone(),
            None => defaults(default).into(),
        })
    }

    /// The answer to a write (a create or an update) once it is done: `written`, the write's
    /// own answer, when the request has no `fields`; with `fields` (`sel`, parsed before the
    /// write so a malformed one changes nothing), the endpoint's production behaviour `mode`
    /// (`Config::fields_on_write`): the written object read through `read`, or the refusal
    /// production answers after the write.
    pub(crate) fn answer_write(
        &mut self,
        mode: WriteFields,
        sel: Option<Vec<FieldSel>>,
        written: Value,
        read: impl FnOnce(&mut Self, &[FieldSel]) -> GraphResult<Value>,
    ) -> GraphResult<Value> {
        let Some(sel) = sel else {
            return Ok(written);
        };
        match mode {
            WriteFields::ReadBack => read(self, &sel),
            WriteFields::RefuseFormat => Err(GraphError::response_format_unsupported()),
            WriteFields::RefuseUnsupported => Err(GraphError::unsupported_post_after_write(written)),
        }
    }

    /// Whether the viewer may read `ig` as their own account (object-level access).
    pub(crate) fn owns_ig(&self, ig: IgUserId) -> bool {
        self.access.can_read(ig) && self.viewer.basic
    }

    /// 100/33 unless the viewer may read `ig` as their own.
    pub(crate) fn require_ig(&self, ig: IgUserId) -> GraphResult<()> {
        if self.owns_ig(ig) {
            Ok(())
        } else {
            Err(GraphError::unsupported(self.req.verb.as_str(), &ig.to_string()))
        }
    }

    /// `(#10)` unless the token has `permission` and the viewer's Page tasks allow it.
    pub(crate) fn require_permission(&self, ig: IgUserId, permission: &str) -> GraphResult<()> {
        if !self.viewer.has(permission) {
            Err(GraphError::permission_missing(permission))
        } else if !self.access.task_allows(ig, permission) {
            Err(GraphError::permission_denied())
        } else {
            Ok(())
        }
    }

    /// The fields of an edge's items: the expansion's `{…}` when reached through `fields`
    /// (`media{caption}`), else the request's own `fields` (`/media?fields=caption`), else
    /// `default`.
    pub(crate) fn item_fields(&self, sel: Option<&FieldSel>, default: &[&str]) -> GraphResult<Vec<FieldSel>> {
        match sel {
            Some(s) => Ok(s.children.clone().unwrap_or_else(|| defaults(default))),
            None => self.fields_or(default),
        }
    }

    /// Paging for an edge: the request's own parameters for a top-level edge, or the
    /// `.limit()/.after()/.before()` modifiers of an expansion. Each expansion reached
    /// reserves its page size from the request's `max_expanded_items`, so nesting cannot make
    /// one request render without bound.
    pub(crate) fn page_req(&self, sel: Option<&FieldSel>, default: usize, max: usize) -> GraphResult<PageReq> {
        match sel {
            Some(s) => {
                let req = PageReq::new(s.arg("limit"), s.arg("after"), s.arg("before"), default, max)?;
                let total = self.expanded.get().saturating_add(req.limit);
                if total > self.cfg.max_expanded_items {
                    return Err(GraphError::too_much_data());
                }
                self.expanded.set(total);
                Ok(req)
            }
            None => PageReq::from_request(self.req, default, max),
        }
    }
}

/// Type names of the nodes other handler files name in their errors (`(#100) Tried
/// accessing nonexisting field … on node type IGMedia`).
pub(crate) const MEDIA_NODE: &str = "IGMedia";
pub(crate) const IG_USER_NODE: &str = "IGUser";

/// Writes a media with a selection into an answer's bytes (`direct`: read by its own id).
pub(crate) type WriteMedia = fn(&mut Ctx, MediaId, &[FieldSel], bool, &mut Vec<u8>) -> GraphResult<()>;

/// The renderers of the nodes other nodes reference (a media's `owner`, a comment's `media`,
/// an account's `media` edge, …), reached through the context so that no handler file names
/// another that names it back: the Graph's references are cyclic, igsim's files are not.
/// `http::nodes::RENDERERS` fills it.
pub(crate) struct Renderers {
    /// `http::media::render`: a media with a selection as a `Value` (`direct`: read by its
    /// own id, not through an edge).
    pub(crate) media: fn(&mut Ctx, MediaId, &[FieldSel], bool) -> GraphResult<Value>,
    /// `http::media::render_into`: the same, written straight into an answer's bytes.
    pub(crate) media_into: WriteMedia,
    /// `http::ig_user::render`: an IG user with a selection.
    pub(crate) ig_user: fn(&mut Ctx, IgUserId, &[FieldSel]) -> GraphResult<Value>,
}

impl Ctx<'_> {
    /// A media's projection ([`Renderers::media`]).
    pub(crate) fn render_media(&mut self, id: MediaId, sel: &[FieldSel], direct: bool) -> GraphResult<Value> {
        let render = self.renderers.media;
        render(self, id, sel, direct)
    }

    /// A media's projection written into `out` ([`Renderers::media_into`]).
    pub(crate) fn render_media_into(
        &mut self,
        id: MediaId,
        sel: &[FieldSel],
        direct: bool,
        out: &mut Vec<u8>,
    ) -> GraphResult<()> {
        let render = self.renderers.media_into;
        render(self, id, sel, direct, out)
    }

    /// An IG user's projection ([`Renderers::ig_user`]).
    pub(crate) fn render_ig_user(&mut self, ig: IgUserId, sel: &[FieldSel]) -> GraphResult<Value> {
        let render = self.renderers.ig_user;
        render(self, ig, sel)
    }

    /// 100/33 unless the viewer may read this media directly: its owner (or its album's
    /// owner) is one of the viewer's accounts, and a live broadcast is on air.
    pub(crate) fn require_readable_media(&self, id: MediaId, verb: &str) -> GraphResult<()> {
        let denied = || GraphError::unsupported(verb, &id.to_string());
        let m = self.world.media.get(&id).ok_or_else(denied)?;
        if !self.owns_ig(m.owner) {
            return Err(denied());
        }
        if m.media_type == crate::model::MediaType::Broadcast && !m.live_now {
            return Err(denied());
        }
        Ok(())
    }
}

/// The sandbox a token belongs to, or the error for a token no sandbox knows (shaped like a
/// token or not).
pub(crate) fn sandbox_of(
    state: &crate::app::State,
    token: &str,
) -> GraphResult<std::sync::Arc<crate::sandbox::Sandbox>> {
    state.sandboxes.by_token(token).ok_or_else(|| {
        token_error(&crate::model::World::empty(dummy_app(), 0), token, 0).unwrap_or_else(GraphError::token_invalid)
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
