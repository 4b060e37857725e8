//! Sandboxes that outlive the process (`igsim serve --state-dir DIR`): each sandbox's file
//! kept up to date with its changes, and the point after which a change is acknowledged.
//!
//! **Durability point.** With a state directory, an answer leaves only once everything it
//! may have changed that a client can be told about is on disk: a snapshot taken after the
//! change, written to a temporary file, `fsync`ed, renamed over the sandbox's file, and the
//! directory `fsync`ed. That covers
//! - every Graph request that changed the world or the clock (a write, an authorization that
//!   minted a token, a read that brought background events in): [`Persister::persist`],
//!   which tells such a change from a read by comparing the world with the one last written
//!   (`World::unchanged_since`: pointers and a few values, no serialisation), so a read
//!   writes nothing;
//!   A batch may write to other sandboxes through its operations' tokens: each changed
//!   sandbox is written ([`persist_changed`]);
//! - every control-plane call that may change a sandbox (anything but a GET) and every
//!   webhook send round: [`Persister::persist_all`], the whole sandbox.
//!
//! What a read changes is bookkeeping: rate-limit counters, the request journal's
//! numbering, fault rules' `matched`/`fired` counters and their random streams. It goes to
//! disk with the next write of the sandbox, at the latest `Config::state_flush_ms` later
//! (the periodic flush, [`flush_pending`]), and at a graceful stop (Ctrl-C, SIGTERM). A
//! `kill -9` may lose the bookkeeping of the reads of that last moment, never a change a
//! client was told has happened.
//!
//! A `kill -9` at any moment leaves each sandbox's file either the old or the new complete
//! snapshot. Requests that arrive while a snapshot is being written share the next one
//! (group commit). An unchanged snapshot is not written again. Not kept at all: the request
//! journal's entries (only its numbering continues) and webhook sends under way when the
//! process stopped (they are sent again: webhooks are at-least-once). If a snapshot cannot
//! be written, the request is answered with Graph's transient code 2 instead of a success.
//!
//! The snapshot format is `snapshot.rs`; the files, `io::state_dir`.

use crate::io::state_dir::StateDir;
use crate::sandbox::{Durable, Sandbox, Sandboxes};
use crate::snapshot::to_bytes;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Keeps each sandbox's file up to date with group commit: whoever needs a change on disk
/// waits for a snapshot taken after it; one write serves everyone waiting.
pub(crate) struct Persister {
    dir: StateDir,
    /// Snapshots written since start (`/_sim/health` `usage.state_writes`).
    writes: Arc<AtomicU64>,
}

impl Persister {
    pub(crate) fn new(dir: StateDir) -> Self {
        Persister {
            dir,
            writes: Arc::default(),
        }
    }

    /// Snapshots written to the directory since start (unchanged ones are not written).
    pub(crate) fn writes(&self) -> u64 {
        self.writes.load(Ordering::Relaxed)
    }

    /// The durability point of an API call: returns once the sandbox's world and clock as
    /// they are now are on disk, which for a call that changed neither (a read) is at once,
    /// writing nothing; its bookkeeping is left for later (module documentation).
    pub(crate) async fn persist(&self, sandbox: &Arc<Sandbox>) -> Result<(), String> {
        if sandbox.durable_unchanged() {
            sandbox.persisted.pending.store(true, Ordering::Relaxed);
            return Ok(());
        }
        let mut hash = sandbox.persisted.writing.lock().await;
        if sandbox.durable_unchanged() {
            // A write that started after our change covered it.
            sandbox.persisted.pending.store(true, Ordering::Relaxed);
            return Ok(());
        }
        self.write(sandbox, &mut hash).await
    }

    /// Returns once a snapshot of the whole sandbox (bookkeeping included) taken after this
    /// call began is on disk (or was already there unchanged): control-plane changes, the
    /// periodic flush, a graceful stop.
    pub(crate) async fn persist_all(&self, sandbox: &Arc<Sandbox>) -> Result<(), String> {
        let mut hash = sandbox.persisted.writing.lock().await;
        self.write(sandbox, &mut hash).await
    }

    /// Takes a snapshot and writes it unless it is the one last written (`hash`), on the
    /// blocking pool; the caller holds the sandbox's `writing` lock.
    async fn write(&self, sandbox: &Arc<Sandbox>, hash: &mut u64) -> Result<(), String> {
        if sandbox.persisted.gone.load(Ordering::Relaxed) {
            return Ok(());
        }
        // Bookkeeping changed from here on shows in a later write.
        sandbox.persisted.pending.store(false, Ordering::Relaxed);
        let (sb, dir, writes, last) = (sandbox.clone(), self.dir.clone(), self.writes.clone(), *hash);
        let result = tokio::task::spawn_blocking(move || write_snapshot(&dir, &writes, &sb, Some(last)))
            .await
            .map_err(|e| format!("writing the state failed: {e}"))
            .and_then(|r| r);
        match result {
            Ok(h) => {
                *hash = h;
                Ok(())
            }
            Err(e) => {
                sandbox.persisted.pending.store(true, Ordering::Relaxed);
                Err(e)
            }
        }
    }

    /// Writes a sandbox's snapshot now, on the calling thread (start-up, before serving).
    pub(crate) fn write_now(&self, sandbox: &Sandbox) -> Result<(), String> {
        let hash = write_snapshot(&self.dir, &self.writes, sandbox, None)?;
        *sandbox.persisted.writing.try_lock().map_err(|e| e.to_string())? = hash;
        Ok(())
    }

    /// Stops writing a sandbox deleted or replaced, once the write under way (if any) ended.
    pub(crate) async fn retire(&self, sandbox: &Arc<Sandbox>) {
        let _writing = sandbox.persisted.writing.lock().await;
        sandbox.persisted.gone.store(true, Ordering::Relaxed);
    }

    /// Forgets a deleted sandbox's file (after [`Persister::retire`], so no write of it
    /// comes after).
    pub(crate) async fn remove(&self, sandbox: &Arc<Sandbox>) -> Result<(), String> {
        self.retire(sandbox).await;
        let (dir, id) = (self.dir.clone(), sandbox.id.clone());
        tokio::task::spawn_blocking(move || dir.remove(&id))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("cannot remove the state of a sandbox: {e}"))
    }
}

/// Takes a snapshot of `sb` and writes it unless its hash is `last`; notes what it holds
/// ([`Durable`]) and returns its hash.
fn write_snapshot(dir: &StateDir, writes: &AtomicU64, sb: &Sandbox, last: Option<u64>) -> Result<u64, String> {
    let snapshot = sb.snapshot();
    let bytes = to_bytes(&snapshot)?;
    let hash = crate::ids::stable_hash(&[&bytes]);
    if last != Some(hash) {
        dir.write(&sb.id, &bytes)
            .map_err(|e| format!("cannot write the state of sandbox {}: {e}", sb.id))?;
        writes.fetch_add(1, Ordering::Relaxed);
    }
    sb.written(Durable {
        world: snapshot.world,
        clock: snapshot.clock,
    });
    Ok(hash)
}

/// The durability point of a batch, whose operations may each carry a token of another
/// sandbox (`http::batch`): [`Persister::persist`] for every sandbox whose world or clock
/// changed, not only the one the batch was attributed to (a write an operation made in
/// another sandbox was acknowledged and lost on `kill -9`). An unchanged sandbox is left
/// alone, its bookkeeping untouched.
pub(crate) async fn persist_changed(persister: &Persister, sandboxes: &Sandboxes) -> Result<(), String> {
    for id in sandboxes.ids() {
        let Some(sb) = sandboxes.peek(&id) else { continue };
        if !sb.durable_unchanged() {
            persister.persist(&sb).await?;
        }
    }
    Ok(())
}

/// Writes every sandbox whose bookkeeping changed since its last write (the periodic flush
/// every `Config::state_flush_ms`, and a graceful stop). Failures are reported on stderr and
/// left pending for the next flush.
pub(crate) async fn flush_pending(persister: &Persister, sandboxes: &Sandboxes) {
    for id in sandboxes.ids() {
        let Some(sb) = sandboxes.peek(&id) else { continue };
        if sb.persisted.pending.load(Ordering::Relaxed) || !sb.durable_unchanged() {
            if let Err(e) = persister.persist_all(&sb).await {
                tracing::error!(target: "igsim::state", sandbox = %sb.id, "{e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ClockMode, Config};
    use crate::sandbox::SeedWorld;

    /// A write of a deleted sandbox that arrives after `DELETE` removed its file (a request
    /// or webhook round still holding it) must not bring the file back: igsim would restore
    /// the deleted sandbox at its next start.
    #[test]
    fn a_deleted_sandbox_is_never_written_again() {
        let dir = std::env::temp_dir().join(format!("igsim-retire-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let persister = Persister::new(StateDir::open(&dir).expect("a state directory"));
        let cfg = Config {
            clock: ClockMode::Frozen,
            ..Config::default()
        };
        let sbs = Sandboxes::new(cfg, SeedWorld::new(crate::app::demo_world())).expect("builds");
        let a = sbs
            .create(Some("a".into()), SeedWorld::new(crate::app::demo_world()), None)
            .expect("a");
        let file = dir.join("sandboxes/a.json");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            persister.persist_all(&a).await.expect("written");
            assert!(file.exists());
            let gone = sbs.delete("a").expect("deleted");
            persister.remove(&gone).await.expect("removed");
            assert!(!file.exists());
            a.with_world(|w, _| w.next_seq());
            persister.persist(&a).await.expect("a late write answers");
            persister.persist_all(&a).await.expect("a late write answers");
        });
        assert!(!file.exists(), "the deleted sandbox's file came back");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
