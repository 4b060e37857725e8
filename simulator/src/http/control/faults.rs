//! The control plane's view of a sandbox's fault and latency rules: `POST|GET|DELETE
//! /_sim/sandboxes/{id}/faults`, `DELETE …/faults/{rule-id}` (`faults.rs` decides,
//! `http::exchange` applies; `specs/sim_faults.schema.json`).

use super::{ControlError, ControlResult, Reply};
use crate::config::specs_from_json;
use crate::config::Config;
use crate::sandbox::Sandbox;
use bytes::Bytes;
use serde_json::json;

/// `GET faults`: every rule with its counters, in the order they are checked.
pub fn list(sb: &Sandbox) -> Reply {
    json!({ "data": sb.with_faults(|f| f.rules().to_vec()) }).into()
}

/// `POST faults` (a rule, an array, or `{"rules": [...]}`): added in order, all or none.
pub fn add(sb: &Sandbox, body: &Bytes, cfg: &Config) -> ControlResult {
    let bad = |e: String| ControlError::bad_request(format!("bad fault rules: {e}"));
    let specs = serde_json::from_slice(body)
        .map_err(|e| e.to_string())
        .and_then(specs_from_json)
        .map_err(bad)?;
    let now = sb.now();
    let added = sb.with_faults(|f| f.add(specs, now, cfg)).map_err(bad)?;
    Ok(Reply {
        status: 201,
        body: json!({ "data": added }),
    })
}

/// `DELETE faults`: every rule removed: `{"success": true, "removed": n}`
/// (`specs/sim_faults_removed.schema.json`).
pub fn clear(sb: &Sandbox) -> Reply {
    json!({ "success": true, "removed": sb.with_faults(|f| f.clear()) }).into()
}

/// `DELETE faults/{rule-id}`: `{"success": true, "removed": 1}`, or 404 for an unknown id.
pub fn remove(sb: &Sandbox, rule: &str) -> ControlResult {
    if sb.with_faults(|f| f.remove(rule)) {
        Ok(json!({ "success": true, "removed": 1 }).into())
    } else {
        Err(ControlError::not_found(format!("no fault rule {rule} in this sandbox")))
    }
}
