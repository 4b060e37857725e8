//! The snapshot of a sandbox: the whole sandbox as plain JSON of its records, versioned
//! (`GET /_sim/sandboxes/{id}/export`, the restore body of `POST /_sim/sandboxes`, a state
//! directory's files; `specs/sim_snapshot.schema.json`).
//!
//! The format does not follow the in-memory container types: maps are JSON objects keyed by
//! id or arrays of `[key, value]` pairs (`model::json`), and `igsim_snapshot` is its version;
//! a snapshot of any other version is refused with an error that says which versions this
//! igsim reads.

use crate::clock::SandboxClock;
use crate::faults::Faults;
use crate::model::ratelimit::RateLimits;
use crate::model::seed::WorldSeed;
use crate::model::World;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The snapshot format this igsim writes and the only one it reads.
pub const SNAPSHOT_VERSION: u64 = 1;

/// The key that holds the format version, and tells a snapshot from a seed world.
pub const SNAPSHOT_KEY: &str = "igsim_snapshot";

/// One sandbox, whole (`GET /_sim/sandboxes/{id}/export`, a state directory's files).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    /// The format version ([`SNAPSHOT_VERSION`]).
    pub igsim_snapshot: u64,
    /// The igsim that wrote it (informational).
    pub igsim_version: String,
    /// The sandbox's id when it was taken.
    pub id: String,
    /// The seed world and seed it was made from (what `reset` rebuilds).
    pub seed_world: WorldSeed,
    pub world_seed: u64,
    /// Its virtual clock: frozen at an instant, or an offset from the OS clock (a running
    /// clock keeps running while igsim is stopped, as wall time does).
    pub clock: SandboxClock,
    /// Everything else the sandbox holds: accounts, tokens, media, comments, containers,
    /// quotas, webhook subscriptions and outbox, login codes, id stream.
    pub world: World,
    /// Its rate-limit windows and per-sandbox limits (kept beside the world, under their own
    /// lock: `Sandbox::with_rate_limits`).
    pub rate_limits: RateLimits,
    /// Its fault rules with their counters.
    pub faults: Faults,
    /// The request journal's last sequence number (its entries are not kept).
    pub journal_seq: u64,
}

/// Whether a JSON body is a snapshot (it names its version) rather than a seed world.
pub fn is_snapshot(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Map<String, Value>>(body).is_ok_and(|m| m.contains_key(SNAPSHOT_KEY))
}

/// Reads a snapshot, refusing any version but [`SNAPSHOT_VERSION`] with a message that says so.
pub fn parse(bytes: &[u8]) -> Result<Snapshot, String> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    match v.get(SNAPSHOT_KEY).and_then(Value::as_u64) {
        Some(SNAPSHOT_VERSION) => {}
        Some(other) => {
            return Err(format!(
                "snapshot format version {other} is not one this igsim ({}) reads: it reads version {SNAPSHOT_VERSION}",
                env!("CARGO_PKG_VERSION")
            ))
        }
        None => return Err(format!("not an igsim snapshot: no numeric {SNAPSHOT_KEY} version")),
    }
    serde_json::from_value(v).map_err(|e| format!("a version {SNAPSHOT_VERSION} snapshot, but {e}"))
}

/// A snapshot as the bytes igsim writes (compact JSON).
pub fn to_bytes(s: &Snapshot) -> Result<Vec<u8>, String> {
    serde_json::to_vec(s).map_err(|e| format!("cannot write the snapshot: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::{Bases, Sandbox, SeedWorld};

    #[test]
    fn unknown_versions_and_non_snapshots_are_refused_with_the_reason() {
        let e = parse(br#"{"igsim_snapshot": 7, "id": "x"}"#).unwrap_err();
        assert!(e.contains("version 7") && e.contains("reads version 1"), "{e}");
        assert!(parse(br#"{"users": []}"#)
            .unwrap_err()
            .contains("not an igsim snapshot"));
        assert!(parse(b"[").unwrap_err().contains("not JSON"));
        assert!(is_snapshot(br#"{"igsim_snapshot": 1}"#));
        assert!(!is_snapshot(br#"{"users": []}"#));
    }

    #[test]
    fn the_demo_world_comes_back_byte_for_byte() {
        let cfg = crate::Config::default();
        let seed = SeedWorld::new(crate::demo_world());
        let sb = Sandbox::new("d".into(), seed, 42, &cfg, Some(1_767_225_600), &Bases::default()).unwrap();
        let bytes = to_bytes(&sb.snapshot()).unwrap();
        let back = Sandbox::from_snapshot(parse(&bytes).unwrap(), "d".into(), &cfg).unwrap();
        assert!(
            to_bytes(&back.snapshot()).unwrap() == bytes,
            "a snapshot round trip changed the sandbox"
        );
    }
}
