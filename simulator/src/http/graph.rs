//! What every Graph handler shares: the request context, token checks (190 family,
//! `appsecret_proof`), permission checks, field projection (reference fields, empty nested
//! edges, the expansion budget), answers to writes carrying `fields=`, and node reads by id.

use crate::config::{Config, WriteFields};
use crate::error::{GraphError, GraphResult};
use crate::http::fields::{self, FieldSel};
use crate::http::json;
use crate::http::paging::PageReq;
use crate::http::request::GraphRequest;
use crate::ids::{parse_id, IdKind, IgUserId, MediaId, PageId, UserId};
use crate::model::{Access, Revocation, TokenKind, World};
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;
use std::cell::Cell;
use std::collections::BTreeSet;

/// Who is calling: the token, what it stands for, and the permissions it carries.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub token: String,
    pub kind: TokenKind,
    pub scopes: BTreeSet<String>,
    /// Whether the token carries `instagram_basic` (asked for every item of a page).
    basic: bool,
}

impl Viewer {
    pub fn new(token: &str, kind: TokenKind, scopes: BTreeSet<String>) -> Self {
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
    pub fn has(&self, permission: &str) -> bool {
        crate::model::account::grants(self.kind, &self.scopes, permission)
    }

    pub fn user(&self) -> Option<UserId> {
        match self.kind {
            TokenKind::User(u) | TokenKind::Page { user: u, .. } => Some(u),
            TokenKind::App | TokenKind::Instagram(_) => None,
        }
    }

    /// Whether the token is an Instagram User token (Instagram Login).
    pub fn is_instagram(&self) -> bool {
        matches!(self.kind, TokenKind::Instagram(_))
    }
}

/// The world as a handler holds it: shared with other readers (`GET`s are first tried this
/// way, in parallel) or alone (writes). Reading goes through `Deref`; changing it through
/// [`WorldAccess::write`], which on a shared world answers [`GraphError::needs_write`] so
/// the router runs the request again as a write (issue 12: reads that do not serialise).
pub enum WorldAccess<'a> {
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
    pub fn reborrow(&mut self) -> WorldAccess<'_> {
        match self {
            WorldAccess::Shared(w) => WorldAccess::Shared(w),
            WorldAccess::Alone(w) => WorldAccess::Alone(w),
        }
    }

    pub fn write(&mut self) -> GraphResult<&mut World> {
        match self {
            WorldAccess::Alone(w) => Ok(w),
            WorldAccess::Shared(_) => Err(GraphError::needs_write()),
        }
    }
}

pub struct Ctx<'a> {
    pub req: &'a GraphRequest,
    pub world: WorldAccess<'a>,
    pub now: i64,
    pub viewer: Viewer,
    pub access: Access,
    pub cfg: &'a Config,
    /// Items reserved so far by nested edge expansions (see [`Ctx::page_req`]).
    pub expanded: Cell<usize>,
    /// The request's `fields`, parsed once ([`Ctx::fields`]).
    pub parsed_fields: std::cell::OnceCell<Option<Vec<FieldSel>>>,
}

/// hex HMAC-SHA256 of the token keyed by the app secret (securing-requests doc).
pub fn appsecret_proof(secret: &str, token: &str) -> String {
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
pub fn token_error(world: &World, token: &str, now: i64) -> Option<GraphError> {
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
pub fn authenticate(world: &World, req: &GraphRequest, token: &str, now: i64) -> GraphResult<Viewer> {
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
        return Ok(Viewer::new(token, TokenKind::App, BTreeSet::new()));
    }
    let t = &world.tokens[token];
    Ok(Viewer::new(token, t.kind, t.scopes.clone()))
}

/// One field's answer while projecting a node.
pub enum Field {
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
    pub fn edge(v: Value) -> Field {
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
pub fn reference(
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
pub fn project(
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
pub enum Wrote {
    /// Its value, after its key.
    Value,
    /// Nothing: a known field with nothing to show here (its key is taken back).
    Omit,
    /// Nothing: not a field of this node type.
    Unknown,
}

/// Writes a node object from a selection ([`project_fields`]) straight into `out`: `f` writes
/// each field's value after its key.
pub fn project_into(
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
pub fn defaults(names: &[&str]) -> Vec<FieldSel> {
    names.iter().map(|n| FieldSel::plain(n)).collect()
}

/// Parses the request's `fields` (if any) with the one `fields=` parser, for its syntax error:
/// run for every request before its handler (`http::router`), so no endpoint answers a
/// `fields` it cannot parse, whether or not it projects fields.
pub fn check_fields_syntax(req: &GraphRequest, selection: bool) -> GraphResult<()> {
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
    pub fn check_fields_syntax(&self, selection: bool) -> GraphResult<()> {
        if !selection {
            return Ok(());
        }
        self.fields().map(|_| ())
    }
}

impl Ctx<'_> {
    /// For edges whose items have a fixed set of fields (permissions, insights, catalogs,
    /// product tags and searches): every field the request names must be one of `known`, else
    /// production's `(#100) Tried accessing nonexisting field (f) on node type (T)`.
    pub fn require_known_fields(&self, node_type: &str, known: &[&str]) -> GraphResult<()> {
        for f in self.fields()?.unwrap_or_default() {
            if !known.contains(&f.name.as_str()) {
                return Err(GraphError::nonexisting_field(&f.name, node_type));
            }
        }
        Ok(())
    }

    /// The request's `fields`, or `None` when absent or empty.
    pub fn fields(&self) -> GraphResult<Option<Vec<FieldSel>>> {
        if let Some(parsed) = self.parsed_fields.get() {
            return Ok(parsed.clone());
        }
        let parsed = match self.req.param("fields") {
            Some(s) if !s.trim().is_empty() => Some(fields::parse(s)?),
            _ => None,
        };
        Ok(self.parsed_fields.get_or_init(|| parsed).clone())
    }

    /// The request's `fields`, or the node's default set.
    pub fn fields_or(&self, default: &[&str]) -> GraphResult<Vec<FieldSel>> {
        Ok(self.fields()?.unwrap_or_else(|| defaults(default)))
    }

    /// The answer to a write (a create or an update) once it is done: `written`, the write's
    /// own answer, when the request has no `fields`; with `fields` (`sel`, parsed before the
    /// write so a malformed one changes nothing), the endpoint's production behaviour `mode`
    /// (`Config::fields_on_write`): the written object read through `read`, or the refusal
    /// production answers after the write.
    pub fn answer_write(
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
    pub fn owns_ig(&self, ig: IgUserId) -> bool {
        self.access.can_read(ig) && self.viewer.basic
    }

    /// 100/33 unless the viewer may read `ig` as their own.
    pub fn require_ig(&self, ig: IgUserId) -> GraphResult<()> {
        if self.owns_ig(ig) {
            Ok(())
        } else {
            Err(GraphError::unsupported(self.req.verb.as_str(), &ig.to_string()))
        }
    }

    /// `(#10)` unless the token has `permission` and the viewer's Page tasks allow it.
    pub fn require_permission(&self, ig: IgUserId, permission: &str) -> GraphResult<()> {
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
    pub fn item_fields(&self, sel: Option<&FieldSel>, default: &[&str]) -> GraphResult<Vec<FieldSel>> {
        match sel {
            Some(s) => Ok(s.children.clone().unwrap_or_else(|| defaults(default))),
            None => self.fields_or(default),
        }
    }

    /// Paging for an edge: the request's own parameters for a top-level edge, or the
    /// `.limit()/.after()/.before()` modifiers of an expansion. Each expansion reached
    /// reserves its page size from the request's `max_expanded_items`, so nesting cannot make
    /// one request render without bound.
    pub fn page_req(&self, sel: Option<&FieldSel>, default: usize, max: usize) -> GraphResult<PageReq> {
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

/// Reads any node by its id string, as `GET /{id}` and `ids=` do.
pub fn read_node(ctx: &mut Ctx, id_str: &str) -> GraphResult<Value> {
    let unsupported = || GraphError::unsupported("GET", id_str);
    let id = parse_id(id_str).ok_or_else(unsupported)?;
    match ctx.world.kind_of(id).ok_or_else(unsupported)? {
        IdKind::IgUser => crate::http::ig_user::read(ctx, IgUserId(id)),
        IdKind::Media => crate::http::media::read(ctx, MediaId(id)),
        IdKind::Page => crate::http::page::read(ctx, PageId(id)),
        IdKind::User => crate::http::user::read(ctx, UserId(id)),
        IdKind::Container => crate::http::publishing::read_container(ctx, crate::ids::ContainerId(id)),
        IdKind::Comment => crate::http::comment::read(ctx, crate::ids::CommentId(id)),
        IdKind::Hashtag => crate::http::hashtag::read(ctx, crate::ids::HashtagId(id)),
        _ => Err(unsupported()),
    }
}

/// `GET /{id}` written into `out`: media straight into the bytes (`http::json`), other nodes
/// through [`read_node`].
pub fn read_node_into(ctx: &mut Ctx, id: u64, out: &mut Vec<u8>) -> GraphResult<()> {
    if ctx.world.kind_of(id) == Some(IdKind::Media) {
        return crate::http::media::read_into(ctx, MediaId(id), out);
    }
    json::push_value(out, &read_node(ctx, &id.to_string())?);
    Ok(())
}

/// `GET /?ids=a,b`: several nodes keyed by id (facts §3.4).
pub fn read_many(ctx: &mut Ctx, ids: &str) -> GraphResult<Value> {
    let list: Vec<&str> = ids.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    if list.len() > ctx.cfg.max_ids {
        return Err(GraphError::too_many_ids(list.len(), ctx.cfg.max_ids));
    }
    if list.is_empty() {
        return Err(GraphError::missing_param("ids"));
    }
    let mut out = Map::new();
    for id in list {
        if out.contains_key(id) {
            continue;
        }
        let v = if id == "me" {
            crate::http::user::read_me(ctx)?
        } else {
            read_node(ctx, id)?
        };
        out.insert(id.to_string(), v);
    }
    Ok(Value::Object(out))
}
