//! The control plane's view of a sandbox's request journal: `GET /_sim/sandboxes/{id}/requests`
//! (a page, oldest first), `GET …/requests/count`, `DELETE …/requests` (`journal.rs` holds
//! the journal; `specs/sim_requests.schema.json` the shapes).

use super::{ControlError, ControlResult, Reply};
use crate::journal::RequestFilter;
use crate::sandbox::Sandbox;
use serde_json::json;

/// `GET requests[?filters]`: a page of matching entries.
pub fn requests(sb: &Sandbox, query: Option<&str>) -> ControlResult {
    let (filter, limit) = RequestFilter::from_query(query).map_err(ControlError::bad_request)?;
    Ok(json!(sb.requests(&filter, limit)).into())
}

/// `GET requests/count[?filters]`: how many entries match.
pub fn count(sb: &Sandbox, query: Option<&str>) -> ControlResult {
    let (filter, _) = RequestFilter::from_query(query).map_err(ControlError::bad_request)?;
    let (count, dropped) = sb.with_journal(|j| (j.count(&filter), j.dropped()));
    Ok(json!({ "count": count, "dropped": dropped }).into())
}

/// `DELETE requests`: the journal emptied (its numbering goes on):
/// `{"success": true, "cleared": n}` (`specs/sim_requests_cleared.schema.json`).
pub fn clear(sb: &Sandbox) -> Reply {
    json!({ "success": true, "cleared": sb.clear_requests() }).into()
}
