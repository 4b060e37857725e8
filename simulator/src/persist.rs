//! Sandboxes that outlive the process: the versioned snapshot of a sandbox (plain JSON of its
//! records), and the state directory (`igsim serve --state-dir DIR`) that keeps one snapshot
//! per sandbox and restores them all on start.
//!
//! **Durability point.** With a state directory, an answer that may have changed a sandbox
//! (every Graph request, every control-plane call that is not a GET) leaves only after a
//! snapshot taken after the change is on disk: written to a temporary file, `fsync`ed,
//! renamed over the sandbox's file, and the directory `fsync`ed. A `kill -9` at any moment
//! leaves each sandbox's file either the old or the new complete snapshot, and everything a
//! client was told has happened is in it. Requests that arrive while a snapshot is being
//! written share the next one (group commit). An unchanged snapshot is not written again.
//! What is not kept: the request journal's entries (only its numbering continues) and
//! webhook sends under way when the process stopped (they are sent again: webhooks are
//! at-least-once). If a snapshot cannot be written, the request is answered with Graph's
//! transient code 2 instead of a success.
//!
//! The format does not follow the in-memory container types: maps are JSON objects keyed by
//! id or arrays of `[key, value]` pairs (`model::json`), and `igsim_snapshot` is its version;
//! a snapshot of any other version is refused with an error that says which versions this
//! igsim reads.

use crate::clock::SandboxClock;
use crate::faults::Faults;
use crate::model::seed::WorldSeed;
use crate::model::World;
use crate::sandbox::Sandbox;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
    /// quotas, webhook subscriptions and outbox, rate-limit windows, login codes, id stream.
    pub world: World,
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

/// The state directory: `DIR/sandboxes/<id>.json`, one snapshot per sandbox.
#[derive(Debug, Clone)]
pub struct StateDir {
    sandboxes: PathBuf,
}

/// Suffix of the temporary file a snapshot is written to before it is renamed into place.
const TMP_SUFFIX: &str = ".json.tmp";

impl StateDir {
    /// Opens (creating it if needed) a state directory, and removes temporary files a killed
    /// process left behind (their snapshot never took effect).
    pub fn open(dir: &Path) -> Result<Self, String> {
        let sandboxes = dir.join("sandboxes");
        std::fs::create_dir_all(&sandboxes)
            .map_err(|e| format!("cannot create the state directory {}: {e}", sandboxes.display()))?;
        let entries = std::fs::read_dir(&sandboxes).map_err(|e| format!("cannot read {}: {e}", sandboxes.display()))?;
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().ends_with(TMP_SUFFIX) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Ok(StateDir { sandboxes })
    }

    fn file(&self, id: &str) -> PathBuf {
        self.sandboxes.join(format!("{id}.json"))
    }

    /// Every snapshot in the directory, in id order; the first unreadable one is an error
    /// naming its file (igsim does not start over state it cannot read).
    pub fn load_all(&self) -> Result<Vec<Snapshot>, String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.sandboxes)
            .map_err(|e| format!("cannot read {}: {e}", self.sandboxes.display()))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| {
                let bytes = std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
                parse(&bytes).map_err(|e| format!("{}: {e}", p.display()))
            })
            .collect()
    }

    /// Replaces a sandbox's file atomically: temporary file, `fsync`, rename, `fsync` of the
    /// directory (so the rename itself survives a crash).
    pub fn write(&self, id: &str, bytes: &[u8]) -> std::io::Result<()> {
        let tmp = self.sandboxes.join(format!("{id}{TMP_SUFFIX}"));
        {
            let mut f = File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, self.file(id))?;
        self.sync_dir()
    }

    /// Forgets a deleted sandbox (durably).
    pub fn remove(&self, id: &str) -> std::io::Result<()> {
        match std::fs::remove_file(self.file(id)) {
            Ok(()) => self.sync_dir(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn sync_dir(&self) -> std::io::Result<()> {
        File::open(&self.sandboxes)?.sync_all()
    }
}

/// Keeps each sandbox's file up to date with group commit: whoever needs a change on disk
/// waits for a snapshot taken after it; one write serves everyone waiting.
pub struct Persister {
    dir: StateDir,
}

impl Persister {
    pub fn new(dir: StateDir) -> Self {
        Persister { dir }
    }

    /// Returns once a snapshot of `sandbox` taken after this call began is on disk (or was
    /// already there unchanged). Runs the snapshot and the write on the blocking pool.
    pub async fn persist(&self, sandbox: &Arc<Sandbox>) -> Result<(), String> {
        let wanted = sandbox.mark_changed();
        let mut written = sandbox.persisted.lock().await;
        if written.generation >= wanted {
            // A write that started after our change covered it.
            return Ok(());
        }
        let (sb, dir) = (sandbox.clone(), self.dir.clone());
        let last_hash = written.hash;
        let result = tokio::task::spawn_blocking(move || -> Result<(u64, u64), String> {
            // Everything up to this generation is in the snapshot taken next.
            let generation = sb.generation();
            let bytes = to_bytes(&sb.snapshot())?;
            let hash = crate::ids::stable_hash(&[&bytes]);
            if hash != last_hash {
                dir.write(&sb.id, &bytes)
                    .map_err(|e| format!("cannot write the state of sandbox {}: {e}", sb.id))?;
            }
            Ok((generation, hash))
        })
        .await
        .map_err(|e| format!("writing the state failed: {e}"))?;
        let (generation, hash) = result?;
        written.generation = generation;
        written.hash = hash;
        Ok(())
    }

    /// Writes a sandbox's snapshot now, on the calling thread (start-up, before serving).
    pub fn write_now(&self, sandbox: &Sandbox) -> Result<(), String> {
        let bytes = to_bytes(&sandbox.snapshot())?;
        self.dir
            .write(&sandbox.id, &bytes)
            .map_err(|e| format!("cannot write the state of sandbox {}: {e}", sandbox.id))
    }

    /// Forgets a deleted sandbox's file.
    pub async fn remove(&self, id: &str) -> Result<(), String> {
        let (dir, id) = (self.dir.clone(), id.to_string());
        tokio::task::spawn_blocking(move || dir.remove(&id))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("cannot remove the state of a sandbox: {e}"))
    }
}

/// What a sandbox last had written (guarded by an async lock in [`Sandbox`]).
#[derive(Debug, Default)]
pub struct Written {
    /// Every change marked up to this generation is on disk.
    pub generation: u64,
    /// Hash of the bytes written (an unchanged snapshot is not written again).
    pub hash: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let sb = Sandbox::new("d".into(), crate::demo_world(), 42, &cfg, Some(1_767_225_600)).unwrap();
        let bytes = to_bytes(&sb.snapshot()).unwrap();
        let back = Sandbox::from_snapshot(parse(&bytes).unwrap(), "d".into(), &cfg).unwrap();
        assert!(
            to_bytes(&back.snapshot()).unwrap() == bytes,
            "a snapshot round trip changed the sandbox"
        );
    }

    #[test]
    fn writes_replace_files_whole_and_leftover_temporary_files_go() {
        let dir = std::env::temp_dir().join(format!("igsim-persist-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let sd = StateDir::open(&dir).unwrap();
        sd.write("a", b"{\"first\":1}").unwrap();
        sd.write("a", b"{\"second\":2}").unwrap();
        assert_eq!(std::fs::read(dir.join("sandboxes/a.json")).unwrap(), b"{\"second\":2}");
        std::fs::write(dir.join("sandboxes/b.json.tmp"), b"half a snap").unwrap();
        StateDir::open(&dir).unwrap();
        assert!(!dir.join("sandboxes/b.json.tmp").exists());
        sd.remove("a").unwrap();
        sd.remove("a").unwrap();
        assert!(!dir.join("sandboxes/a.json").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
