//! igsim: an offline, stateful simulator of the Instagram Graph API.
//!
//! Code map (the README's "Architecture" section says the same at more length):
//! - [`config`]: every tunable; UNCONFIRMED facts are knobs here.
//! - [`clock`]: the only reader of the OS clock; per-sandbox virtual time.
//! - [`ids`]: typed ids and the seeded id generator.
//! - [`error`]: the Graph error vocabulary (one constructor per documented error).
//! - [`timefmt`]: Graph timestamps and `since`/`until` parsing.
//! - [`version`]: the Graph API version timeline (dates, served range, per-version changes).
//! - [`model`]: the world of a sandbox. No IO, no clock: operations take `now`.
//! - [`sandbox`]: isolated worlds, their locks and clocks, the token index.
//! - [`journal`]: the per-sandbox request journal (bounded, filtered, paged).
//! - [`faults`]: per-sandbox fault and latency injection rules (seeded).
//! - [`pattern`]: the path patterns journal filters and fault rules use.
//! - [`logging`]: the request log subscriber `igsim serve` installs (text or JSON).
//! - [`snapshot`]: the versioned snapshot of a sandbox (export, restore, `--state-dir` files).
//! - [`app`]: the shared state handle (sandboxes, trace ids, the webhook dispatcher).
//! - [`io`]: the only code that talks to the outside (webhook POSTs, media downloads).
//! - [`http`]: the only layer that knows HTTP and JSON (THE route table: `http::routes`).
//! - [`synth`]: deterministic media bytes (JPEG pictures, MP4 videos) for the CDN.
//! - [`server`]: accept loop and its limits (connections, timeouts, buffered bytes),
//!   graceful shutdown, in-process start for tests.
//!
//! Invariants: the model does no IO and never reads a clock; a world lock is never held
//! across `.await`; no handler panics on client input; iteration reaching a response is
//! deterministic and ids come from a seeded generator.

pub mod app;
pub mod clock;
pub mod config;
pub mod error;
pub mod faults;
pub mod http;
pub mod ids;
pub mod io;
pub mod journal;
pub mod logging;
pub mod model;
pub mod pattern;
pub mod sandbox;
pub mod server;
pub mod snapshot;
pub mod synth;
pub mod timefmt;
pub mod version;

pub use app::demo_world;
pub use config::{ClockMode, Config};
pub use server::{Running, Simulator};
