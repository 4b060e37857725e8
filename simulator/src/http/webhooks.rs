//! Webhook configuration on the Graph API: `/{app-id}/subscriptions` (app token) with the
//! verification handshake, and `/{page-id}/subscribed_apps` (page token) (facts §6.1, §6.4;
//! guide "Set Up Webhooks for Instagram", Step 2).

use crate::app::State;
use crate::error::{GraphError, GraphResult};
use crate::http::graph::{authenticate, Ctx};
use crate::http::request::{GraphRequest, Verb};
use crate::http::route::{self, PathNode};
use crate::ids::{IdKind, PageId};
use crate::model::webhook::{AppSubscription, PageInstall, INSTAGRAM_FIELDS};
use crate::model::{TokenKind, World};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

/// Page webhook fields `subscribed_fields` accepts (Graph API Page webhooks reference).
const PAGE_FIELDS: &[&str] = &[
    "feed",
    "mention",
    "name",
    "picture",
    "category",
    "description",
    "conversations",
    "email",
    "website",
    "phone",
    "location",
    "hours",
    "photos",
    "videos",
    "live_videos",
    "ratings",
    "leadgen",
    "messages",
    "messaging_postbacks",
    "messaging_optins",
    "message_deliveries",
    "message_reads",
    "message_echoes",
    "messaging_referrals",
    "standby",
];

/// A list parameter given as `a,b`, `["a","b"]` or a JSON array body value, trimmed, each
/// item once (in order of first appearance: production answers subscribed fields as a set);
/// `None` when absent or empty.
pub(crate) fn list_param(req: &GraphRequest, name: &str) -> GraphResult<Option<Vec<String>>> {
    let Some(raw) = req.param(name) else { return Ok(None) };
    if raw.trim().is_empty() {
        return Ok(None);
    }
    let items: Vec<String> = match req.json_param(name) {
        Some(Ok(Value::Array(a))) => a
            .iter()
            .map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))
            .collect(),
        _ => raw.split(',').map(|s| s.trim().to_string()).collect(),
    };
    let mut seen = std::collections::BTreeSet::new();
    let items: Vec<String> = items
        .into_iter()
        .filter(|s| !s.is_empty() && seen.insert(s.clone()))
        .collect();
    Ok((!items.is_empty()).then_some(items))
}

fn require_app_token(ctx: &Ctx) -> GraphResult<()> {
    match ctx.viewer.kind {
        TokenKind::App => Ok(()),
        _ => Err(GraphError::app_token_required()),
    }
}

fn check_object(req: &GraphRequest, required: bool) -> GraphResult<()> {
    match req.param("object") {
        Some("instagram") => Ok(()),
        None if !required => Ok(()),
        Some(o) if !o.trim().is_empty() => Err(GraphError::invalid_param(format!(
            "Param object must be one of {{instagram}} - got \"{o}\" (igsim simulates the instagram object only)"
        ))),
        _ => Err(GraphError::missing_param("object")),
    }
}

fn check_fields(fields: &[String]) -> GraphResult<()> {
    for f in fields {
        if !INSTAGRAM_FIELDS.contains(&f.as_str()) {
            return Err(GraphError::invalid_param(format!(
                "Param fields must be one of {{{}}} - got \"{f}\"",
                INSTAGRAM_FIELDS.join(", ")
            )));
        }
    }
    Ok(())
}

/// What a valid `POST /{app-id}/subscriptions` asks for, checked before the handshake.
struct SubscribeRequest {
    callback_url: String,
    verify_token: String,
    fields: Vec<String>,
    challenge: u64,
}

/// `POST /{app-id}/subscriptions` needs IO (the verification GET), so it runs before the
/// world lock (`route::BeforeLock::WebhookHandshake`): check under the lock, release it,
/// verify the callback, then store under the lock. `None` when its token does not lead to a
/// sandbox (the ordinary path then answers with the right error).
pub(crate) async fn subscribe(state: &State, req: &GraphRequest) -> Option<GraphResult<Value>> {
    let token = req.token.as_deref()?;
    let sandbox = state.sandboxes.by_token(token)?;
    // The path's node is resolved here, under this handler's own lock (the route's pattern
    // is `[Node(App), "subscriptions"]`).
    let id_seg = route::first_segment(req).to_string();
    let prepared = sandbox.with_world(|world, now| -> GraphResult<SubscribeRequest> {
        let viewer = authenticate(world, req, token, now)?;
        let is_app = matches!(route::path_node(req), PathNode::Id(n) if world.kind_of(n) == Some(IdKind::App) && n == world.app.id.0);
        if !is_app {
            return Err(GraphError::unsupported("POST", &id_seg));
        }
        if viewer.kind != TokenKind::App {
            return Err(GraphError::app_token_required());
        }
        check_object(req, true)?;
        let callback_url = req.required("callback_url")?.trim().to_string();
        crate::io::webhooks::check_url(&callback_url).map_err(GraphError::invalid_callback_url)?;
        let fields = list_param(req, "fields")?.ok_or_else(|| GraphError::missing_param("fields"))?;
        check_fields(&fields)?;
        req.bool_param("include_values")?;
        Ok(SubscribeRequest {
            callback_url,
            verify_token: req.param("verify_token").unwrap_or("").to_string(),
            fields,
            // hub.challenge is an int (facts §6.1).
            challenge: 1_000_000_000 + world.ids.below(1_000_000_000),
        })
    });
    let s = match prepared {
        Ok(s) => s,
        Err(e) => return Some(Err(e)),
    };
    let timeout = Duration::from_millis(state.sandboxes.config.webhooks.timeout_ms.max(1));
    if let Err(e) = crate::io::webhooks::handshake(&s.callback_url, &s.verify_token, s.challenge, timeout).await {
        return Some(Err(e));
    }
    let version = req.version.to_string();
    sandbox.with_world(|world, now| {
        // A new POST replaces the callback and token and adds fields (subscriptions edge).
        let mut fields: BTreeMap<String, String> = world
            .webhooks
            .subscription
            .as_ref()
            .map(|old| old.fields.clone())
            .unwrap_or_default();
        for f in s.fields {
            fields.insert(f, version.clone());
        }
        world.webhooks.subscribe_app(
            AppSubscription {
                callback_url: s.callback_url,
                verify_token: s.verify_token,
                fields,
                active: true,
            },
            now,
        );
    });
    Some(Ok(json!({ "success": true })))
}

/// `GET|DELETE /{app-id}/subscriptions` (app token). POST goes through [`intercept`].
pub(crate) fn app_subscriptions(ctx: &mut Ctx, app_id: u64) -> GraphResult<Value> {
    if app_id != ctx.world.app.id.0 {
        return Err(GraphError::unsupported(ctx.req.verb.as_str(), &app_id.to_string()));
    }
    require_app_token(ctx)?;
    match ctx.req.verb {
        Verb::Get => Ok(json!({ "data": subscriptions_list(&ctx.world) })),
        Verb::Delete => {
            check_object(ctx.req, false)?;
            let fields = list_param(ctx.req, "fields")?;
            if let Some(f) = &fields {
                check_fields(f)?;
            }
            let wh = &mut ctx.world.write()?.webhooks;
            match (fields, wh.subscription.as_mut()) {
                (Some(fields), Some(sub)) => {
                    for f in fields {
                        sub.fields.remove(&f);
                    }
                    if sub.fields.is_empty() {
                        wh.subscription = None;
                    }
                }
                _ => wh.subscription = None,
            }
            Ok(json!({ "success": true }))
        }
        Verb::Post => Err(GraphError::app_token_required()),
    }
}

fn subscriptions_list(world: &World) -> Vec<Value> {
    world
        .webhooks
        .subscription
        .iter()
        .map(|s| {
            let fields: Vec<Value> = s
                .fields
                .iter()
                .map(|(name, version)| json!({ "name": name, "version": version }))
                .collect();
            json!({
                "object": "instagram",
                "callback_url": s.callback_url,
                "active": s.active,
                "fields": fields,
            })
        })
        .collect()
}

/// `POST|GET|DELETE /{page-id}/subscribed_apps` with that Page's token (Step 2).
pub(crate) fn subscribed_apps(ctx: &mut Ctx, page: PageId) -> GraphResult<Value> {
    let user = match ctx.viewer.kind {
        TokenKind::Page { page: p, user } if p == page => user,
        _ => return Err(GraphError::page_token_required()),
    };
    match ctx.req.verb {
        Verb::Post => {
            if !ctx.viewer.has("pages_manage_metadata") {
                return Err(GraphError::requires_permission("pages_manage_metadata"));
            }
            // Required since v3.2 (facts §6.4).
            let fields = list_param(ctx.req, "subscribed_fields")?
                .ok_or_else(|| GraphError::missing_param("subscribed_fields"))?;
            for f in &fields {
                if !PAGE_FIELDS.contains(&f.as_str()) {
                    return Err(GraphError::invalid_param(format!(
                        "Param subscribed_fields must be one of {{{}}} - got \"{f}\"",
                        PAGE_FIELDS.join(", ")
                    )));
                }
            }
            let now = ctx.now;
            ctx.world.write()?.webhooks.install_page(
                page,
                PageInstall {
                    user,
                    subscribed_fields: fields,
                },
                now,
            );
            Ok(json!({ "success": true }))
        }
        Verb::Get => {
            let app = &ctx.world.app;
            let data: Vec<Value> = ctx
                .world
                .webhooks
                .pages
                .get(&page)
                .map(|i| {
                    json!({
                        "category": "Business",
                        "link": format!("https://igsim.local/apps/{}", app.id),
                        "name": app.name,
                        "id": app.id.to_string(),
                        "subscribed_fields": i.subscribed_fields,
                    })
                })
                .into_iter()
                .collect();
            Ok(json!({ "data": data }))
        }
        Verb::Delete => {
            if !ctx.viewer.has("pages_manage_metadata") {
                return Err(GraphError::requires_permission("pages_manage_metadata"));
            }
            ctx.world.write()?.webhooks.pages.remove(&page);
            Ok(json!({ "success": true }))
        }
    }
}
