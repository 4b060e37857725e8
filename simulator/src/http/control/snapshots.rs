//! The control plane's snapshots: `GET /_sim/sandboxes/{id}/export` and the restore that
//! `POST /_sim/sandboxes` performs when its body is a snapshot (`snapshot.rs` holds the format,
//! `app/persister.rs` the state directory).

use super::{query_param, ControlError, ControlResult, Reply};
use crate::app::State;
use crate::sandbox::{Sandbox, SandboxError};
use bytes::Bytes;

/// `GET /_sim/sandboxes/{id}/export`: the sandbox whole (`specs/sim_snapshot.schema.json`).
pub(crate) fn export(sb: &Sandbox) -> ControlResult {
    let v = serde_json::to_value(sb.snapshot())
        .map_err(|e| ControlError::new(500, format!("cannot write the snapshot: {e}")))?;
    Ok(v.into())
}

/// `POST /_sim/sandboxes[?id=&replace=true]` with a snapshot: the sandbox back exactly as it
/// was (same ids to come, same clock, tokens, outbox, fault rules) under `id` (default: the
/// snapshot's own); `replace=true` puts it in place of an existing one (`default` included).
pub(crate) async fn restore(state: &State, query: Option<&str>, body: &Bytes) -> ControlResult {
    let replace = match query_param(query, "replace").as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(ControlError::bad_request("replace is true or false")),
    };
    let bytes = body.clone();
    let snapshot = super::sandboxes::build_off_thread(state, move || crate::snapshot::parse(&bytes))
        .await
        .map_err(|e| match e {
            SandboxError::BadWorld(e) => ControlError::bad_request(format!("bad snapshot: {e}")),
            e => e.into(),
        })?;
    let id = query_param(query, "id").unwrap_or_else(|| snapshot.id.clone());
    let replaced = state.sandboxes.peek(&id).filter(|_| replace);
    let s = state.sandboxes.restore(snapshot, Some(id), replace)?;
    // The file is the replacement's now: a write of the old one still under way must not
    // land after the new one's.
    if let Some(old) = replaced.filter(|old| !std::sync::Arc::ptr_eq(old, &s)) {
        state.retire(&old).await;
    }
    state.webhooks.wake();
    super::persisted(state, &s).await?;
    Ok(Reply {
        status: 201,
        body: super::sandboxes::describe(&s),
    })
}
