//! What every Graph handler shares: the request context, token checks (190 family,
//! `appsecret_proof`), permission checks, the request's fields (the expansion budget; the
//! projection rule is `http::projection`), answers to writes carrying `fields=`, and the renderers of
//! the nodes others reference (`Renderers`, filled by `http::nodes`).

use crate::config::{Config, WriteFields};
use crate::error::{GraphError, GraphResult};
use crate::http::fields::{self, FieldSel};
use crate::http::paging::PageReq;
use crate::http::request::GraphRequest;
use crate::ids::{parse_id, IgUserId, MediaId, UserId};
use crate::model::{Access, Revocation, Scopes, Token, TokenKind, World};
use hmac::{Hmac, Mac};
use serde_json::Value;
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
    pub(crate) parsed_fields: std::cell::OnceCell<Option<std::sync::Arc<[FieldSel]>>>,
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
    valid_token(world, token, now).err()
}

/// The record of a token valid in `world` at `now` (`None`: the app's own token), or the
/// error that refuses it ([`token_error`]): one lookup for the check and the viewer.
fn valid_token<'w>(world: &'w World, token: &str, now: i64) -> GraphResult<Option<&'w Token>> {
    if world.app.is_access_token(token) {
        return Ok(None);
    }
    let Some(t) = world.tokens.get(token) else {
        return Err(if parseable(token) {
            GraphError::token_invalid()
        } else {
            GraphError::token_unparseable()
        });
    };
    if let Some(r) = t.revoked {
        return Err(match r {
            Revocation::AppDeauthorized => GraphError::token_app_not_authorized(&world.app.id.to_string()),
            Revocation::PasswordChanged => GraphError::token_password_changed(),
            Revocation::InvalidatedByApi => GraphError::token_invalidated_by_api(),
            Revocation::LoggedOut => GraphError::token_logged_out(),
            Revocation::SessionInvalid => GraphError::token_session_invalid(),
        });
    }
    if let Some(exp) = t.expires_at {
        if now >= exp {
            return Err(GraphError::token_expired(exp, now));
        }
    }
    Ok(Some(t))
}

/// Checks a token (and `appsecret_proof`) and returns the viewer it stands for.
pub(crate) fn authenticate(world: &World, req: &GraphRequest, token: &str, now: i64) -> GraphResult<Viewer> {
    let record = valid_token(world, token, now)?;
    let is_app = record.is_none();
    match req.param("appsecret_proof") {
        Some(proof) if !is_app && !proof.eq_ignore_ascii_case(&appsecret_proof(&world.app.secret, token)) => {
            return Err(GraphError::invalid_appsecret_proof());
        }
        None if !is_app && world.app.require_appsecret_proof => return Err(GraphError::appsecret_proof_required()),
        _ => {}
    }
    Ok(match record {
        None => Viewer::new(token, TokenKind::App, Scopes::default()),
        Some(t) => Viewer::new(token, t.kind, t.scopes.clone()),
    })
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
    fn parsed_fields(&self) -> GraphResult<&Option<std::sync::Arc<[FieldSel]>>> {
        if let Some(parsed) = self.parsed_fields.get() {
            return Ok(parsed);
        }
        let parsed = match self.req.param("fields") {
            Some(s) if !s.trim().is_empty() => Some(fields::parse_shared(s)?),
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
    pub(crate) fn shared_fields_or(&self, default: &[&str]) -> GraphResult<std::sync::Arc<[FieldSel]>> {
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
    pub(crate) fn item_fields(
        &self,
        sel: Option<&FieldSel>,
        default: &[&str],
    ) -> GraphResult<std::sync::Arc<[FieldSel]>> {
        match sel {
            Some(s) => Ok(s.children.clone().unwrap_or_else(|| defaults(default)).into()),
            None => self.shared_fields_or(default),
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

/// Writes a page of media (read through an edge) with one selection into an answer's bytes,
/// comma-separated.
pub(crate) type WriteMediaPage = fn(&mut Ctx, &[MediaId], &[FieldSel], &mut Vec<u8>) -> GraphResult<()>;

/// The renderers of the nodes other nodes reference (a media's `owner`, a comment's `media`,
/// an account's `media` edge, …), reached through the context so that no handler file names
/// another that names it back: the Graph's references are cyclic, igsim's files are not.
/// `http::nodes::RENDERERS` fills it.
pub(crate) struct Renderers {
    /// `http::media::render`: a media with a selection as a `Value` (`direct`: read by its
    /// own id, not through an edge).
    pub(crate) media: fn(&mut Ctx, MediaId, &[FieldSel], bool) -> GraphResult<Value>,
    /// `http::media::render_page_into`: media read through an edge, written straight into an
    /// answer's bytes with the selection resolved once for the page.
    pub(crate) media_page: WriteMediaPage,
    /// `http::ig_user::render`: an IG user with a selection.
    pub(crate) ig_user: fn(&mut Ctx, IgUserId, &[FieldSel]) -> GraphResult<Value>,
}

impl Ctx<'_> {
    /// A media's projection ([`Renderers::media`]).
    pub(crate) fn render_media(&mut self, id: MediaId, sel: &[FieldSel], direct: bool) -> GraphResult<Value> {
        let render = self.renderers.media;
        render(self, id, sel, direct)
    }

    /// A page of media written into `out` ([`Renderers::media_page`]).
    pub(crate) fn render_media_page_into(
        &mut self,
        ids: &[MediaId],
        sel: &[FieldSel],
        out: &mut Vec<u8>,
    ) -> GraphResult<()> {
        let render = self.renderers.media_page;
        render(self, ids, sel, out)
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
