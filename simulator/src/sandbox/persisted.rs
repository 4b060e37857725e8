//! What a sandbox's state directory file holds (`app/persister.rs`): the lock writes take,
//! the durable part of the last snapshot written, and whether reads' bookkeeping waits.

use super::{lock, Sandbox};
use crate::clock::SandboxClock;
use crate::model::World;
use std::sync::Mutex;

/// What a sandbox last had written to the state directory (`app/persister.rs`).
#[derive(Debug, Default)]
pub(crate) struct Persisted {
    /// Held while a snapshot is taken and written (an async lock: requests whose changes
    /// need writing wait on it, and find them written by the write before theirs: group
    /// commit). Holds the hash of the bytes last written (an unchanged snapshot is not
    /// written again).
    pub(crate) writing: tokio::sync::Mutex<u64>,
    /// The durable part of the last snapshot written ([`Durable`]); `None` before the first.
    pub(crate) durable: Mutex<Option<Durable>>,
    /// Bookkeeping may have changed since the last write (rate-limit counters, the journal's
    /// numbering, fault rules' counters): written with the next write, by the periodic
    /// flush or at a graceful stop.
    pub(crate) pending: std::sync::atomic::AtomicBool,
    /// The sandbox was deleted or replaced (set under `writing`): its snapshots are no longer
    /// written, so a write still under way cannot bring back a file `DELETE` removed or put
    /// an older state over its replacement's.
    pub(crate) gone: std::sync::atomic::AtomicBool,
}

/// What must be on disk before a Graph request's answer leaves: the world and the clock, as
/// last written (a clone of the world shares its data with the live one, so it costs only
/// what changed since).
#[derive(Debug)]
pub(crate) struct Durable {
    pub(crate) world: World,
    pub(crate) clock: SandboxClock,
}

impl Sandbox {
    /// Notes what a snapshot just written holds (`app/persister.rs`).
    pub(crate) fn written(&self, durable: Durable) {
        *lock(&self.persisted.durable) = Some(durable);
    }

    /// Whether the world and the clock are as the state directory last got them
    /// ([`Durable`]): a few pointer and value comparisons (`World::unchanged_since`), under
    /// the world's read lock.
    pub(crate) fn durable_unchanged(&self) -> bool {
        let written = lock(&self.persisted.durable);
        let Some(d) = written.as_ref() else { return false };
        *self.clock.read().unwrap_or_else(|e| e.into_inner()) == d.clock
            && self
                .world
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .unchanged_since(&d.world)
    }
}
