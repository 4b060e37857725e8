//! Sandboxes that outlive the process (`igsim serve --state-dir DIR`): each sandbox's file
//! kept up to date with its changes, and the point after which a change is acknowledged.
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
//! The snapshot format is `snapshot.rs`; the files, `io::state_dir`.

use crate::io::state_dir::StateDir;
use crate::sandbox::Sandbox;
use crate::snapshot::to_bytes;
use std::sync::Arc;

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
