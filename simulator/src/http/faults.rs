//! `/_sim/sandboxes/{id}/faults`: a sandbox's fault and latency rules over the control plane
//! (`faults.rs` decides, `http::exchange` applies; `specs/sim_faults.schema.json`).

use crate::config::Config;
use crate::faults::specs_from_json;
use crate::http::response::{sim_error, sim_json, Body};
use crate::sandbox::Sandbox;
use bytes::Bytes;
use http::{Method, Response};
use serde_json::json;

/// `POST faults` (a rule, an array, or `{"rules": [...]}`: added in order, all or none),
/// `GET faults`, `DELETE faults` (all), `DELETE faults/{rule-id}`. `rest` follows `faults`.
pub fn control(sandbox: &Sandbox, method: &Method, rest: &[&str], body: &Bytes, cfg: &Config) -> Response<Body> {
    match (method, rest) {
        (&Method::GET, []) => sim_json(200, &json!({ "data": sandbox.with_faults(|f| f.rules().to_vec()) })),
        (&Method::POST, []) => {
            let specs = match serde_json::from_slice(body)
                .map_err(|e| e.to_string())
                .and_then(specs_from_json)
            {
                Ok(s) => s,
                Err(e) => return sim_error(400, &format!("bad fault rules: {e}")),
            };
            let now = sandbox.now();
            match sandbox.with_faults(|f| f.add(specs, now, cfg)) {
                Ok(added) => sim_json(201, &json!({ "data": added })),
                Err(e) => sim_error(400, &format!("bad fault rules: {e}")),
            }
        }
        (&Method::DELETE, []) => sim_json(
            200,
            &json!({ "success": true, "removed": sandbox.with_faults(|f| f.clear()) }),
        ),
        (&Method::DELETE, [id]) => {
            if sandbox.with_faults(|f| f.remove(id)) {
                sim_json(200, &json!({ "success": true, "removed": 1 }))
            } else {
                sim_error(404, &format!("no fault rule {id} in this sandbox"))
            }
        }
        _ => sim_error(
            404,
            "fault rules answer GET faults, POST faults, DELETE faults and DELETE faults/{rule-id}",
        ),
    }
}
