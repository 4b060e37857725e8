//! Rate limiting at the HTTP edge (guides "Overview" → "Rate Limiting"; facts §1.4, §2):
//! which limit a request counts against, the check before its handler runs, the
//! `X-App-Usage` / `X-Business-Use-Case-Usage` headers. The control plane's view and
//! settings are `http::control::ratelimit`.

use crate::app::State;
use crate::config::{PageLimitError, RateLimitConfig};
use crate::error::{GraphError, GraphResult};
use crate::http::graph::Ctx;
use crate::http::json;
use crate::http::request::GraphRequest;
use crate::http::response::Body;
use crate::http::route::{self, PathNode, Rate};
use crate::ids::{parse_id, CommentId, ContainerId, IdKind, IgUserId, MediaId, PageId};
use crate::model::ratelimit::{self as model, Denied, RateLimits, Report, Scope};
use crate::model::{TokenKind, World};
use http::{HeaderName, HeaderValue, Response};

/// The rate-limit headers of one answer, already rendered.
#[derive(Debug, Clone)]
pub(crate) struct RateHeaders {
    app: Option<HeaderValue>,
    buc: Option<HeaderValue>,
}

/// What a request counts against, from its route's [`Rate`] (and `fields=` / `ids=`, and `me`
/// as the token's own node):
/// Business Discovery and hashtag search or hashtag nodes count against the Platform limit;
/// everything naming an IG account (the account itself, or the owner of a media, comment or
/// container) counts against that account's BUC limit; a Page node and its edges against the
/// Page's BUC (with `page_buc_page_tokens_only`, only Page-token calls: user- and app-token
/// ones count against the Platform limit, `RATE`); users and the app count against neither
/// (guides "Rate Limiting").
pub(crate) fn scope(ctx: &Ctx, rate: Rate) -> Scope {
    let mut scope = Scope::default();
    if names_field(ctx.req.param("fields").unwrap_or(""), "business_discovery") {
        scope.platform = true;
        return scope;
    }
    match rate {
        Rate::Ids => {
            for id in ctx.req.param("ids").unwrap_or("").split(',') {
                if let Some(n) = parse_id(id.trim()) {
                    add(&ctx.world, n, &mut scope);
                }
            }
        }
        Rate::Platform => scope.platform = true,
        Rate::Node => match route::path_node(ctx.req) {
            PathNode::Me => match ctx.viewer.kind {
                TokenKind::Page { page, .. } => {
                    scope.pages.insert(page);
                }
                TokenKind::Instagram(ig) => {
                    scope.accounts.insert(ig);
                }
                TokenKind::User(_) | TokenKind::App => {}
            },
            PathNode::Id(n) => add(&ctx.world, n, &mut scope),
            PathNode::None => {}
        },
        Rate::Uncounted | Rate::None => {}
    }
    if ctx.cfg.rate_limits.page_buc_page_tokens_only
        && !scope.pages.is_empty()
        && !matches!(ctx.viewer.kind, TokenKind::Page { .. })
    {
        scope.pages.clear();
        scope.platform = true;
    }
    scope
}

/// Whether a `fields=` value selects `name` at any depth.
fn names_field(fields: &str, name: &str) -> bool {
    // A word equal to `name` is a substring too: most selections are ruled out by one search.
    fields.contains(name)
        && fields
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .any(|w| w == name)
}

fn add(world: &World, n: u64, scope: &mut Scope) {
    let owner = match world.kind_of(n) {
        Some(IdKind::IgUser) => Some(IgUserId(n)),
        Some(IdKind::Media) => world.media.get(&MediaId(n)).map(|m| m.owner),
        Some(IdKind::Comment) => world
            .comments
            .get(&CommentId(n))
            .and_then(|c| world.media.get(&c.media))
            .map(|m| m.owner),
        Some(IdKind::Container) => world.publishing.containers.get(&ContainerId(n)).map(|c| c.spec.owner),
        Some(IdKind::Hashtag) => {
            scope.platform = true;
            None
        }
        Some(IdKind::Page) => {
            scope.pages.insert(PageId(n));
            None
        }
        _ => None,
    };
    scope.accounts.extend(owner);
}

/// Counts an authenticated request before its handler runs. Returns the headers its answer
/// carries, and the rate-limit error if a limit refuses it.
pub(crate) fn admit(ctx: &Ctx, rl: &mut RateLimits, rate: Rate) -> (RateHeaders, GraphResult<()>) {
    let scope = scope(ctx, rate);
    let cfg = &ctx.cfg.rate_limits;
    let (verdict, report) = model::admit_and_report(&ctx.world, rl, cfg, &scope, ctx.viewer.user(), ctx.now);
    let verdict = verdict.map_err(|d| match d {
        Denied::Account(_) => GraphError::instagram_buc_limit(cfg.buc_error_status),
        Denied::Page(_) => match cfg.page_error {
            PageLimitError::Buc80001 => GraphError::page_buc_limit(cfg.page_error_status),
            PageLimitError::Page32 => GraphError::page_request_limit(cfg.page_error_status),
        },
        Denied::App => GraphError::app_request_limit(cfg.platform_error_status),
        Denied::User => GraphError::user_request_limit(cfg.user_error_status),
    });
    (render(&ctx.world, cfg, &report), verdict)
}

/// The headers of an authenticated answer that never reached [`admit`] (a batch as a whole,
/// webhook subscription calls): `X-App-Usage` only. None when the token does not authenticate.
pub(crate) fn snapshot(state: &State, req: &GraphRequest) -> Option<RateHeaders> {
    let token = req.token.as_deref()?;
    let sandbox = state.sandboxes.by_token(token)?;
    let cfg = &state.sandboxes.config.rate_limits;
    sandbox.read_world(|world, now| {
        crate::http::graph::authenticate(world, req, token, now).ok()?;
        let report = sandbox.with_rate_limits(|rl| model::report(world, rl, cfg, &Scope::default(), now));
        Some(render(world, cfg, &report))
    })
}

/// The usage headers of an answer. Production sends one of them (issue 10 case 11, facts §9,
/// a v25.0 capture of 2026-09): BUC-counted answers (Instagram calls, Page reads) carry
/// `X-Business-Use-Case-Usage`, everything else `X-App-Usage`.
///
/// - `X-App-Usage: {"call_count":N,"total_time":N,"total_cputime":N}` (facts §2).
/// - `X-Business-Use-Case-Usage: {"<id>":[{"type":…,"call_count":N,"total_cputime":N,
///   "total_time":N,"estimated_time_to_regain_access":M}],…}`: an Instagram account's entry
///   (`"type":"instagram"`) under the id of the business that owns it, a Page's
///   (`"type":"pages"`) under the Page id; at most 32 objects (facts §2).
///
/// igsim has no CPU or wall time to speak of, so `total_time` and `total_cputime` equal
/// `call_count`. `app_usage_on_every_answer` and `buc_keyed_by_business` restore the
/// guides-era reading (both headers; keyed by the IG user id).
fn render(world: &World, cfg: &RateLimitConfig, report: &Report) -> RateHeaders {
    let accounts = report.accounts.iter().map(|(id, u)| {
        let key = match world.ig_users.get(id) {
            Some(a) if cfg.buc_keyed_by_business => a.owner_business(),
            _ => id.0,
        };
        (key, "instagram", u)
    });
    let pages = report.pages.iter().map(|(id, u)| (id.0, "pages", u));
    // Written byte by byte into one buffer: every answer carries one of these headers.
    let mut buc = Vec::with_capacity(256);
    // "up to 32 objects" (facts §2); an `ids=` read may name more, all still counted.
    for (key, kind, u) in pages.chain(accounts).take(32) {
        buc.extend_from_slice(if buc.is_empty() { b"{\"" } else { b",\"" });
        json::push_u64(&mut buc, key);
        buc.extend_from_slice(b"\":[{\"type\":\"");
        buc.extend_from_slice(kind.as_bytes());
        for (name, n) in [
            ("call_count", u.percent),
            ("total_cputime", u.percent),
            ("total_time", u.percent),
            ("estimated_time_to_regain_access", u.regain_minutes),
        ] {
            buc.extend_from_slice(if name == "call_count" { b"\",\"" } else { b",\"" });
            buc.extend_from_slice(name.as_bytes());
            buc.extend_from_slice(b"\":");
            json::push_u64(&mut buc, n);
        }
        buc.extend_from_slice(b"}]");
    }
    let buc = (!buc.is_empty()).then(|| {
        buc.push(b'}');
        buc
    });
    let app = (buc.is_none() || cfg.app_usage_on_every_answer).then(|| {
        let a = report.app.percent;
        format!(r#"{{"call_count":{a},"total_time":{a},"total_cputime":{a}}}"#).into_bytes()
    });
    let value = |v: Option<Vec<u8>>| v.and_then(|v| HeaderValue::from_maybe_shared(bytes::Bytes::from(v)).ok());
    RateHeaders {
        app: value(app),
        buc: value(buc),
    }
}

const X_APP_USAGE: HeaderName = HeaderName::from_static("x-app-usage");
const X_BUSINESS_USE_CASE_USAGE: HeaderName = HeaderName::from_static("x-business-use-case-usage");

/// Adds the headers to an answer.
pub(crate) fn apply(resp: &mut Response<Body>, headers: Option<&RateHeaders>) {
    let Some(h) = headers else { return };
    let map = resp.headers_mut();
    if let Some(v) = &h.app {
        map.insert(X_APP_USAGE, v.clone());
    }
    if let Some(v) = &h.buc {
        map.insert(X_BUSINESS_USE_CASE_USAGE, v.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{AppId, IgUserId, PageId};
    use crate::model::ratelimit::Usage;

    #[test]
    fn usage_headers_are_written_in_productions_key_order() {
        let app = crate::model::App {
            id: AppId(1),
            name: String::new(),
            secret: String::new(),
            require_appsecret_proof: false,
            created_time: 0,
        };
        let world = World::empty(app, 0);
        let usage = |percent, regain_minutes| Usage {
            calls: 0,
            limit: 0,
            percent,
            regain_minutes,
        };
        let report = Report {
            app: usage(3, 0),
            accounts: [(IgUserId(17841405822304914), usage(1, 0))].into(),
            pages: [(PageId(134895793791914), usage(100, 1440))].into(),
        };
        let cfg = RateLimitConfig {
            app_usage_on_every_answer: true,
            ..RateLimitConfig::default()
        };
        let h = render(&world, &cfg, &report);
        assert_eq!(
            h.buc.as_ref().map(HeaderValue::as_bytes),
            Some(
                &br#"{"134895793791914":[{"type":"pages","call_count":100,"total_cputime":100,"total_time":100,"estimated_time_to_regain_access":1440}],"17841405822304914":[{"type":"instagram","call_count":1,"total_cputime":1,"total_time":1,"estimated_time_to_regain_access":0}]}"#[..]
            )
        );
        assert_eq!(
            h.app.as_ref().map(HeaderValue::as_bytes),
            Some(&br#"{"call_count":3,"total_time":3,"total_cputime":3}"#[..])
        );
    }
}
