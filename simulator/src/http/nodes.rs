//! Any node read by its id (`GET /{id}`, the `ids=` multi-read: facts §3.4), each answered by
//! its kind's handler file; and the node renderers every handler reaches through its context
//! ([`RENDERERS`], `graph::Renderers`).

use crate::error::{GraphError, GraphResult};
use crate::http::graph::{Ctx, Renderers};
use crate::http::json;
use crate::http::{comment, hashtag, ig_user, media, page, publishing, user};
use crate::ids::{parse_id, CommentId, ContainerId, HashtagId, IdKind, IgUserId, MediaId, PageId, UserId};
use serde_json::{Map, Value};

/// The renderers of the nodes other nodes reference.
pub(crate) static RENDERERS: Renderers = Renderers {
    media: media::render,
    media_page: media::render_page_into,
    ig_user: ig_user::render,
};

/// Reads any node by its id string, as `GET /{id}` and `ids=` do.
pub(crate) fn read_node(ctx: &mut Ctx, id_str: &str) -> GraphResult<Value> {
    let unsupported = || GraphError::unsupported("GET", id_str);
    let id = parse_id(id_str).ok_or_else(unsupported)?;
    match ctx.world.kind_of(id).ok_or_else(unsupported)? {
        IdKind::IgUser => ig_user::read(ctx, IgUserId(id)),
        IdKind::Media => media::read(ctx, MediaId(id)),
        IdKind::Page => page::read(ctx, PageId(id)),
        IdKind::User => user::read(ctx, UserId(id)),
        IdKind::Container => publishing::read_container(ctx, ContainerId(id)),
        IdKind::Comment => comment::read(ctx, CommentId(id)),
        IdKind::Hashtag => hashtag::read(ctx, HashtagId(id)),
        _ => Err(unsupported()),
    }
}

/// `GET /{id}` written into `out`: media straight into the bytes (`http::json`), other nodes
/// through [`read_node`].
pub(crate) fn read_node_into(ctx: &mut Ctx, id: u64, out: &mut Vec<u8>) -> GraphResult<()> {
    if ctx.world.kind_of(id) == Some(IdKind::Media) {
        return media::read_into(ctx, MediaId(id), out);
    }
    json::push_value(out, &read_node(ctx, &id.to_string())?);
    Ok(())
}

/// `GET /?ids=a,b`: several nodes keyed by id (facts §3.4).
pub(crate) fn read_many(ctx: &mut Ctx, ids: &str) -> GraphResult<Value> {
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
            user::read_me(ctx)?
        } else {
            read_node(ctx, id)?
        };
        out.insert(id.to_string(), v);
    }
    Ok(Value::Object(out))
}
