//! The webhook dispatcher: the background task that takes the POSTs due in each sandbox out
//! of its outbox (`model::webhook`), sends them (`io::webhooks`) and records how they went,
//! and the control plane's flush. The world lock is never held while sending: due POSTs are
//! taken out under the lock, sent, and their results recorded under the lock again.

use super::State;
use crate::config::Config;
use crate::sandbox::Sandbox;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// Process-wide dispatcher state: a wake-up signal and one send lock per sandbox (so a flush
/// waits for a delivery the background task is sending, and nothing is sent twice at once).
#[derive(Default)]
pub struct Dispatcher {
    wake: Notify,
    locks: Mutex<BTreeMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Dispatcher {
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the background task to look for due deliveries now (after events, clock moves).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Drops a deleted sandbox's send lock (a sender still holding it keeps it until done).
    pub fn forget(&self, sandbox: &str) {
        self.locks.lock().unwrap_or_else(|e| e.into_inner()).remove(sandbox);
    }

    fn lock_for(&self, sandbox: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self.locks.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(sandbox.to_string()).or_default().clone()
    }
}

/// Sends everything due in one sandbox now, aggregation windows cut short; waits for a send
/// already under way. Returns the number of changes attempted.
pub async fn flush(state: &State, sandbox: &Sandbox) -> usize {
    let lock = state.webhooks.lock_for(&sandbox.id);
    let _guard = lock.lock().await;
    send_due(&state.sandboxes.config, sandbox, true).await
}

/// Sends the POSTs due in one sandbox (`flush`: every due change now, without waiting for
/// the aggregation window). Returns the number of changes attempted.
async fn send_due(cfg: &Config, sandbox: &Sandbox, flush: bool) -> usize {
    let (batch, now, secret) = sandbox.with_world(|w, now| {
        w.webhook_tick(cfg, now);
        (w.take_due_webhooks(cfg, now, flush), now, w.app.secret.clone())
    });
    let n = batch.iter().map(|p| p.deliveries.len()).sum();
    for out in batch {
        let attempt = crate::io::webhooks::send(cfg, &out, &secret, now).await;
        sandbox.with_world(|w, _| w.record_webhook_post(cfg, &out, attempt));
    }
    n
}

/// The background task: every half second (or when woken) generates background activity
/// if configured, and sends what has fallen due in each sandbox, one sender per sandbox.
pub async fn run(state: Arc<State>) {
    let cfg = state.sandboxes.config.clone();
    loop {
        tokio::select! {
            _ = state.webhooks.wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
        for id in state.sandboxes.ids() {
            let Some(sb) = state.sandboxes.get(&id) else { continue };
            let seed = crate::ids::stable_hash(&[&cfg.seed.to_le_bytes(), id.as_bytes()]);
            let due = sb.with_world(|w, now| {
                if cfg.activity_rate > 0.0 {
                    crate::model::events::activity(w, &cfg, cfg.activity_rate, seed, now, 100);
                }
                w.webhook_tick(&cfg, now);
                w.webhooks.has_due(now, cfg.webhook_batch_window_seconds)
            });
            if !due {
                continue;
            }
            let lock = state.webhooks.lock_for(&id);
            if let Ok(guard) = lock.try_lock_owned() {
                let cfg = cfg.clone();
                tokio::spawn(async move {
                    let _guard = guard;
                    send_due(&cfg, &sb, false).await;
                });
            }
        }
    }
}
