//! The Facebook Page node: public fields for anyone, the Page's Instagram account
//! (`instagram_business_account`, `connected_instagram_account`) and the page `access_token`
//! for users with a role on it (facts §7, Getting Started step 5).

use crate::error::{GraphError, GraphResult};
use crate::http::fields::FieldSel;
use crate::http::graph::Ctx;
use crate::http::projection::{project, reference, Field};
use crate::ids::{IgUserId, PageId, UserId};
use crate::model::TokenKind;
use serde_json::{json, Value};

pub(crate) const NODE: &str = "Page";
const DEFAULT_FIELDS: &[&str] = &["name", "id"];

/// Whether `field` names the Page's Instagram account. Both are IGUser references on the Page
/// reference (`DOC:/docs/graph-api/reference/page`: `instagram_business_account`, and
/// `connected_instagram_account`, "Instagram account connected to page via page settings");
/// a seed world links one account per Page, so both name it.
fn is_instagram_account(field: &str) -> bool {
    matches!(field, "instagram_business_account" | "connected_instagram_account")
}

/// The Page's Instagram account as a reference field: `{"id"}`, or the IG User's own
/// projection of a sub-selection (`instagram_business_account{username,followers_count}`).
fn instagram_account(ctx: &mut Ctx, f: &FieldSel, ig: IgUserId) -> GraphResult<Field> {
    reference(f, &ig.to_string(), |sub| ctx.render_ig_user(ig, sub))
}

fn category_list(p: &crate::model::Page) -> Value {
    Value::Array(
        p.category_list
            .iter()
            .map(|(id, name)| json!({ "id": id, "name": name }))
            .collect(),
    )
}

/// `GET /{page-id}`.
pub(crate) fn read(ctx: &mut Ctx, id: PageId) -> GraphResult<Value> {
    let sel = ctx.fields_or(DEFAULT_FIELDS)?;
    let Some(p) = ctx.world.pages.get(&id).cloned() else {
        return Err(GraphError::unsupported("GET", &id.to_string()));
    };
    let role = ctx
        .viewer
        .user()
        .and_then(|u| p.roles.get(&u).map(|tasks| (u, tasks.clone())));
    let is_user_token = matches!(ctx.viewer.kind, TokenKind::User(_));
    project(NODE, &id.to_string(), &sel, |f| {
        Ok(match f.name.as_str() {
            "name" => Field::Value(json!(p.name)),
            "category" => Field::Value(json!(p.category)),
            "category_list" => Field::Value(category_list(&p)),
            name if is_instagram_account(name) => match (&role, p.ig_user) {
                (None, _) | (_, None) => Field::Omit,
                (Some(_), Some(ig)) => {
                    if !ctx.viewer.has("instagram_basic") {
                        return Err(GraphError::permission_denied());
                    }
                    instagram_account(ctx, f, ig)?
                }
            },
            "access_token" => match &role {
                Some((u, _)) if is_user_token => p.page_tokens.get(u).map_or(Field::Omit, |t| Field::Value(json!(t))),
                _ => Field::Omit,
            },
            "tasks" => match &role {
                Some((_, tasks)) => Field::Value(json!(tasks.iter().map(|t| t.as_str()).collect::<Vec<_>>())),
                None => Field::Omit,
            },
            "has_transitioned_to_new_page_experience" => Field::Value(json!(true)),
            "location" => match p.location {
                Some((lat, lon)) => Field::Value(json!({ "latitude": lat, "longitude": lon })),
                None => Field::Omit,
            },
            _ => Field::Unknown,
        })
    })
}

/// The entry `/me/accounts` lists for a page (Getting Started step 4).
pub(crate) fn account_entry(ctx: &mut Ctx, id: PageId, user: UserId, sel: &[FieldSel]) -> GraphResult<Value> {
    let Some(p) = ctx.world.pages.get(&id).cloned() else {
        return Err(GraphError::unsupported("GET", &id.to_string()));
    };
    let tasks = p.roles.get(&user).cloned().unwrap_or_default();
    project(NODE, &id.to_string(), sel, |f| {
        Ok(match f.name.as_str() {
            "access_token" => p.page_tokens.get(&user).map_or(Field::Omit, |t| Field::Value(json!(t))),
            "category" => Field::Value(json!(p.category)),
            "category_list" => Field::Value(category_list(&p)),
            "name" => Field::Value(json!(p.name)),
            // Listed most-powerful last, as the guide's sample shows.
            "tasks" => Field::Value(json!(tasks.iter().map(|t| t.as_str()).collect::<Vec<_>>())),
            name if is_instagram_account(name) => match p.ig_user {
                Some(ig) if ctx.viewer.has("instagram_basic") => instagram_account(ctx, f, ig)?,
                _ => Field::Omit,
            },
            _ => Field::Unknown,
        })
    })
}
