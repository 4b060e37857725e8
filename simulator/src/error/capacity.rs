//! igsim's own limits on what a sandbox keeps (`config/capacity.rs`): where production has
//! no limit igsim can model, a write past a sandbox's capacity gets this error, so a client
//! looping on writes cannot grow a shared simulator without bound (issue 13).

use super::{Envelope, GraphError};

/// A sandbox at its capacity for run-time objects: code 9 and "Application request limit
/// reached" as production's other limits on what an app creates (the container cap, facts
/// §2), HTTP 400, `is_transient:false` (waiting does not help), the limit and its knob in
/// `error_user_msg`.
pub(crate) const SANDBOX_CAPACITY: Envelope = Envelope {
    status: 400,
    is_transient: Some(false),
    www_authenticate: None,
    source: "igsim's own limit (issue 13); code as the container cap's (facts §2)",
};

impl GraphError {
    /// A creation past the sandbox's capacity ([`SANDBOX_CAPACITY`]); `detail` says which
    /// limit, its knob, and how to make room (`model::capacity::Full`).
    pub(crate) fn sandbox_full(detail: &str) -> Self {
        GraphError::of(SANDBOX_CAPACITY, 9, "Application request limit reached")
            .user("Sandbox capacity reached", detail)
    }
}
