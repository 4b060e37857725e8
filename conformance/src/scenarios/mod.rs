//! The scenario catalogue: every area's flows, in the order `igconform` runs them.
//!
//! Adding an area: write `scenarios/<area>.rs` with `pub const SCENARIOS: &[Scenario]`,
//! add `mod <area>;` below and `<area>::SCENARIOS` to [`AREAS`]. Names must be unique
//! (a test checks it).

use crate::scenario::Scenario;

pub mod comments;
pub mod discovery;
pub mod foundation;
pub mod hashtags;
pub mod insights;
pub mod instagram_login;
pub mod mentions;
pub mod product_tagging;
pub mod publishing;
mod support;
pub mod webhooks;

/// Every area's scenarios.
pub const AREAS: &[&[Scenario]] = &[
    foundation::SCENARIOS,
    publishing::SCENARIOS,
    comments::SCENARIOS,
    mentions::SCENARIOS,
    hashtags::SCENARIOS,
    discovery::SCENARIOS,
    insights::SCENARIOS,
    product_tagging::SCENARIOS,
    webhooks::SCENARIOS,
    instagram_login::SCENARIOS,
];

/// Every scenario, in run order.
pub fn all() -> Vec<Scenario> {
    AREAS.iter().flat_map(|area| area.iter().copied()).collect()
}

/// One scenario by name.
pub fn by_name(name: &str) -> Option<Scenario> {
    all().into_iter().find(|s| s.name == name)
}
