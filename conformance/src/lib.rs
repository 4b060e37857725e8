//! igconform: conformance and drift harness for igsim and the live Instagram Graph API.
//!
//! - [`schemas`]: `specs/` compiled once; every response is validated against it first.
//! - [`target`]: in-process simulator, simulator at a URL, or the live API.
//! - [`client`]: a Graph client whose responses can be schema-checked and recorded.
//! - [`sim`]: the simulator control plane (sandboxes, clock) for simulator targets.
//! - [`scenario`]: the scenario framework (steps, checks, runner); [`scenarios`]: the flows.
//! - [`record`]: recordings (`--record`), [`drift`]: comparing them (`igconform diff`).
//! - [`redact`]: secrets out of recordings, identity-keeping placeholders for snapshots.
//! - [`report`]: progress lines, summary table, JUnit XML, Markdown drift report.
//! - [`cli`]: the `igconform` command line.

pub mod cli;
pub mod client;
pub mod drift;
pub mod receiver;
pub mod record;
pub mod redact;
pub mod report;
pub mod scenario;
pub mod scenarios;
pub mod schemas;
pub mod sim;
pub mod target;
