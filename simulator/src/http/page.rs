//! The Facebook Page node: public fields for anyone, `instagram_business_account` and the
//! page `access_token` for users with a role on it (facts §7, Getting Started step 5).

use crate::error::{GraphError, GraphResult};
use crate::http::graph::{project, Ctx, Field};
use crate::ids::PageId;
use crate::model::TokenKind;
use serde_json::{json, Value};

pub const NODE: &str = "Page";
const DEFAULT_FIELDS: &[&str] = &["name", "id"];

fn category_list(p: &crate::model::Page) -> Value {
    Value::Array(
        p.category_list
            .iter()
            .map(|(id, name)| json!({ "id": id, "name": name }))
            .collect(),
    )
}

/// `GET /{page-id}`.
pub fn read(ctx: &mut Ctx, id: PageId) -> GraphResult<Value> {
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
            "instagram_business_account" => match (&role, p.ig_user) {
                (None, _) | (_, None) => Field::Omit,
                (Some(_), Some(ig)) => {
                    if !ctx.viewer.has("instagram_basic") {
                        return Err(GraphError::permission_denied());
                    }
                    Field::Value(json!({ "id": ig.to_string() }))
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
pub fn account_entry(
    ctx: &Ctx,
    id: PageId,
    user: crate::ids::UserId,
    sel: &[crate::http::fields::FieldSel],
) -> GraphResult<Value> {
    let Some(p) = ctx.world.pages.get(&id) else {
        return Err(GraphError::unsupported("GET", &id.to_string()));
    };
    let tasks = p.roles.get(&user).cloned().unwrap_or_default();
    project(NODE, &id.to_string(), sel, |f| {
        Ok(match f.name.as_str() {
            "access_token" => p.page_tokens.get(&user).map_or(Field::Omit, |t| Field::Value(json!(t))),
            "category" => Field::Value(json!(p.category)),
            "category_list" => Field::Value(category_list(p)),
            "name" => Field::Value(json!(p.name)),
            // Listed most-powerful last, as the guide's sample shows.
            "tasks" => Field::Value(json!(tasks.iter().map(|t| t.as_str()).collect::<Vec<_>>())),
            "instagram_business_account" => match p.ig_user {
                Some(ig) if ctx.viewer.has("instagram_basic") => Field::Value(json!({ "id": ig.to_string() })),
                _ => Field::Omit,
            },
            _ => Field::Unknown,
        })
    })
}
