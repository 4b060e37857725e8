//! The legacy Graph features v27.0 withdrew from new apps: multi-ID requests (`GET /?ids=`),
//! HTTP method override (`method=`), field aliases (`fields=caption.as(title)`), date/time
//! formatting (`date_format=`) and JSONP callbacks (`callback=`). Apps created from
//! `LegacyFeaturesConfig::new_apps_from` (2026-11-04) on are refused them on every version once
//! the sandbox clock has reached that date; older apps keep them ("Starting November 4, 2026,
//! new apps cannot use … This applies across all Graph API versions": Meta's blog introducing
//! v27.0; `version.rs`). igsim has no asynchronous batch requests, the sixth feature.

use crate::error::{GraphError, GraphResult};
use crate::http::fields::{self, FieldSel};
use crate::http::graph::Ctx;

/// The first legacy feature a request uses, named as the refusal names it.
fn used(ctx: &Ctx, root: bool) -> Option<&'static str> {
    let given = |name: &str| ctx.req.param(name).is_some_and(|v| !v.is_empty());
    if root && given("ids") {
        return Some("multi-ID requests");
    }
    if given("method") {
        return Some("HTTP method override");
    }
    // A `fields` value that does not parse is the handler's syntax error to report.
    let aliased = ctx
        .req
        .param("fields")
        .and_then(|f| fields::parse(f).ok())
        .is_some_and(|sel| has_alias(&sel));
    if aliased {
        return Some("field aliases");
    }
    if given("date_format") {
        return Some("date/time formatting");
    }
    if given("callback") {
        return Some("JSONP callbacks");
    }
    None
}

/// Whether a selection renames a field anywhere (`.as(name)`, [`FieldSel::key`]).
fn has_alias(sel: &[FieldSel]) -> bool {
    sel.iter()
        .any(|s| s.arg("as").is_some() || s.children.as_deref().is_some_and(has_alias))
}

/// Refuses a legacy feature to an app created from the cut-over on, once the sandbox clock
/// has reached it (the refusal's code, status and text: `config::LegacyFeaturesConfig`).
/// `root`: the call is on the root (where `ids=` is a multi-ID read).
pub(crate) fn check(ctx: &Ctx, root: bool) -> GraphResult<()> {
    let cfg = &ctx.cfg.legacy_features;
    let Some(from) = cfg.new_apps_from else {
        return Ok(());
    };
    if ctx.world.app.created_time < from || ctx.now < from {
        return Ok(());
    }
    match used(ctx, root) {
        Some(feature) => Err(GraphError::legacy_feature_unavailable(
            feature,
            cfg.error_code,
            cfg.error_status,
            &cfg.error_message,
        )),
        None => Ok(()),
    }
}
