//! `/_sim/sandboxes/{id}/requests`: the sandbox's request journal over the control plane
//! (`journal.rs` holds the journal; `specs/sim_requests.schema.json` the shapes).

use crate::http::response::{sim_error, sim_json, Body};
use crate::journal::RequestFilter;
use crate::sandbox::Sandbox;
use http::{Method, Response};
use serde_json::json;

/// `GET requests[?filters]` (a page, oldest first), `GET requests/count[?filters]`,
/// `DELETE requests`. `rest` is the path after `requests`.
pub fn control(sandbox: &Sandbox, method: &Method, rest: &[&str], query: Option<&str>) -> Response<Body> {
    let filter = || RequestFilter::from_query(query);
    match (method, rest) {
        (&Method::GET, []) => match filter() {
            Ok((f, limit)) => sim_json(200, &json!(sandbox.requests(&f, limit))),
            Err(e) => sim_error(400, &e),
        },
        (&Method::GET, ["count"]) => match filter() {
            Ok((f, _)) => {
                let (count, dropped) = sandbox.with_journal(|j| (j.count(&f), j.dropped()));
                sim_json(200, &json!({ "count": count, "dropped": dropped }))
            }
            Err(e) => sim_error(400, &e),
        },
        (&Method::DELETE, []) => sim_json(200, &json!({ "success": true, "cleared": sandbox.clear_requests() })),
        _ => sim_error(
            404,
            "the journal answers GET requests, GET requests/count and DELETE requests",
        ),
    }
}
