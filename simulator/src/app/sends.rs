//! What the webhook dispatcher (`app/dispatcher.rs`) shares with the rest of the process: its
//! wake-up signal and, per sandbox, what bounds and tracks its sends. One field of the state
//! handle (`State::webhooks`).

use crate::config::Config;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// Process-wide dispatcher state: a wake-up signal and, per sandbox, what bounds and tracks
/// its sends ([`Sends`]).
#[derive(Default)]
pub struct Dispatcher {
    pub(super) wake: Notify,
    sandboxes: Mutex<BTreeMap<String, Arc<Sends>>>,
}

/// One sandbox's sends. A delivery is taken out for sending under the world lock (marked in
/// flight), so nothing is sent twice; `room` bounds how many POSTs go out at once; every
/// round of sends holds `running` for reading, so a flush that gets it for writing knows
/// every send of the sandbox, its own and the background's, has ended.
pub struct Sends {
    pub(super) room: Arc<tokio::sync::Semaphore>,
    pub(super) running: Arc<tokio::sync::RwLock<()>>,
}

impl Dispatcher {
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the background task to look for due deliveries now (after events, clock moves).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Drops a deleted sandbox's send state (sends under way keep theirs until done).
    pub fn forget(&self, sandbox: &str) {
        self.sandboxes.lock().unwrap_or_else(|e| e.into_inner()).remove(sandbox);
    }

    /// The send state of `sandbox`, made on first use.
    pub(super) fn sends_for(&self, sandbox: &str, cfg: &Config) -> Arc<Sends> {
        let mut map = self.sandboxes.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(sandbox.to_string())
            .or_insert_with(|| {
                Arc::new(Sends {
                    room: Arc::new(tokio::sync::Semaphore::new(cfg.webhooks.concurrency.max(1))),
                    running: Arc::default(),
                })
            })
            .clone()
    }
}
