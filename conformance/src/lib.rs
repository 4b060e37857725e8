//! igconform: conformance and drift harness for igsim and the live Instagram Graph API.
//!
//! - [`schemas`]: `specs/` compiled once; every response is validated against it first.
//! - [`target`]: in-process simulator, simulator at a URL, or the live API.
//! - [`client`]: a Graph client whose responses can be schema-checked.
//! - [`sim`]: the simulator control plane (sandboxes, clock) for simulator targets.

pub mod client;
pub mod schemas;
pub mod sim;
pub mod target;
