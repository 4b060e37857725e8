//! Helpers the area scenarios share: the simulator's clock and control plane as checked
//! calls (never panics), live-only settings from the environment, small JSON accessors.

use crate::scenario::{data, str_field, Call, Check, Ctx, Failure};
use serde_json::Value;

/// A live-only setting (`IG_TEST_IMAGE_URL`, ids of mentions…). Simulator targets never read
/// the environment, so CI runs do not depend on it.
pub fn live_env(ctx: &Ctx, name: &str) -> Option<String> {
    if ctx.is_simulator() {
        return None;
    }
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Moves the sandbox clock forward by `seconds`; returns the new sandbox time.
pub fn advance(ctx: &Ctx, seconds: i64) -> Result<i64, Failure> {
    let body = control_post(
        ctx,
        "clock/advance",
        &serde_json::json!({ "seconds": seconds }),
        "sim_clock",
    )?;
    Ok(body["now"].as_i64().unwrap_or_default())
}

/// The sandbox's current time (unix seconds).
pub fn sim_now(ctx: &Ctx) -> Result<i64, Failure> {
    let call = Call {
        resp: ctx.sandbox()?.control_get("clock"),
    };
    Ok(call.ok("sim_clock")?["now"].as_i64().unwrap_or_default())
}

/// A control-plane POST whose answer must be a 200 matching `schema`.
pub fn control_post(ctx: &Ctx, path: &str, body: &Value, schema: &str) -> Result<Value, Failure> {
    let call = Call {
        resp: ctx.sandbox()?.control_post(path, body),
    };
    call.ok(schema)
}

/// The `id` of a body (an id response, a node).
pub fn id_of(body: &Value) -> Result<String, Failure> {
    str_field(body, "id").map(str::to_string)
}

/// The ids of an edge page, in order.
pub fn ids(body: &Value) -> Result<Vec<String>, Failure> {
    data(body)?.iter().map(id_of).collect()
}

/// Unix time now: the sandbox's on a simulator, the wall clock's on live.
pub fn now(ctx: &Ctx) -> Result<i64, Failure> {
    if ctx.is_simulator() {
        return sim_now(ctx);
    }
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| Failure::new(Check::Behaviour, format!("the system clock is before 1970: {e}")))?
        .as_secs();
    Ok(secs as i64)
}
