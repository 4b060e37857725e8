//! `/me`, the Facebook User node, and `/me/accounts` (the Pages a user can work on).

use crate::error::{GraphError, GraphResult};
use crate::http::graph::Ctx;
use crate::http::paging::{edge_json, paging_json, window, Links, Order};
use crate::http::projection::{project, Field};
use crate::ids::UserId;
use crate::model::{Task, TokenKind};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::ops::Bound;

pub(crate) const NODE: &str = "User";
const DEFAULT_FIELDS: &[&str] = &["name", "id"];
const ACCOUNT_FIELDS: &[&str] = &["access_token", "category", "category_list", "name", "id", "tasks"];

/// `GET /me`: the user of a user token, or the Page of a page token.
pub(crate) fn read_me(ctx: &mut Ctx) -> GraphResult<Value> {
    match ctx.viewer.kind {
        TokenKind::User(u) => read(ctx, u),
        TokenKind::Page { page, .. } => crate::http::page::read(ctx, page),
        // Instagram Login: `/me` is the IG professional account (reference `me`).
        TokenKind::Instagram(ig) => crate::http::ig_user::read(ctx, ig),
        TokenKind::App => Err(GraphError::active_token_required()),
    }
}

/// `GET /{user-id}`: only the token's own user is readable.
pub(crate) fn read(ctx: &mut Ctx, id: UserId) -> GraphResult<Value> {
    if ctx.viewer.user() != Some(id) || !matches!(ctx.viewer.kind, TokenKind::User(_)) {
        return Err(GraphError::unsupported("GET", &id.to_string()));
    }
    let sel = ctx.fields_or(DEFAULT_FIELDS)?;
    let name = ctx.world.users.get(&id).map(|u| u.name.clone()).unwrap_or_default();
    let mut accounts = None;
    for f in &sel {
        if f.name == "accounts" {
            accounts = Some(accounts_edge(ctx, id, Some(f))?);
        }
    }
    project(NODE, &id.to_string(), &sel, |f| {
        Ok(match f.name.as_str() {
            "name" => Field::Value(json!(name)),
            "first_name" => Field::Value(json!(name.split(' ').next().unwrap_or(""))),
            "last_name" => Field::Value(json!(name.split(' ').skip(1).collect::<Vec<_>>().join(" "))),
            "accounts" => accounts.clone().map_or(Field::Omit, Field::edge),
            _ => Field::Unknown,
        })
    })
}

/// `/{user-id}/accounts`: Pages the user can perform MANAGE, CREATE_CONTENT, MODERATE or
/// ADVERTISE on (Getting Started step 4); empty without `pages_show_list`.
pub(crate) fn accounts_edge(
    ctx: &mut Ctx,
    user: UserId,
    sel: Option<&crate::http::fields::FieldSel>,
) -> GraphResult<Value> {
    let req = ctx.page_req(sel, ctx.cfg.default_page_size, ctx.cfg.max_page_size)?;
    let pages: BTreeMap<u64, crate::ids::PageId> = if ctx.viewer.has("pages_show_list") {
        ctx.world
            .pages
            .values()
            .filter(|p| {
                p.roles
                    .get(&user)
                    .is_some_and(|t| t.iter().any(|t| *t != Task::Analyze))
            })
            .map(|p| (p.id.0, p.id))
            .collect()
    } else {
        BTreeMap::new()
    };
    let w = window(&pages, Bound::Unbounded, Bound::Unbounded, Order::Asc, &req)?;
    let sub = ctx.item_fields(sel, ACCOUNT_FIELDS)?;
    let data = w
        .keys
        .iter()
        .map(|k| crate::http::page::account_entry(ctx, pages[k], user, &sub))
        .collect::<GraphResult<Vec<_>>>()?;
    let links = match sel {
        None => Links::for_request(ctx.req, req.limit),
        Some(s) => Links::for_edge(
            ctx.req,
            &format!("{user}/accounts"),
            s.children.as_deref().map(crate::http::fields::render_list),
            req.limit,
        ),
    };
    Ok(edge_json(data, paging_json(&w, Some(&links))))
}

/// `GET /me/{edge}` and `GET /{user-id}/{edge}`.
pub(crate) fn edge(ctx: &mut Ctx, user: UserId, edge: &str) -> GraphResult<Value> {
    if ctx.viewer.user() != Some(user) || !matches!(ctx.viewer.kind, TokenKind::User(_)) {
        return Err(GraphError::unsupported("GET", &user.to_string()));
    }
    match edge {
        "accounts" => accounts_edge(ctx, user, None),
        "permissions" => {
            // Node type name UNCONFIRMED (the item is the permission grant).
            ctx.require_known_fields("Permission", &["permission", "status"])?;
            let data: Vec<Value> = ctx
                .viewer
                .scopes
                .iter()
                .map(|p| json!({ "permission": p, "status": "granted" }))
                .collect();
            Ok(json!({ "data": data }))
        }
        _ => Err(GraphError::nonexisting_field(edge, NODE)),
    }
}
