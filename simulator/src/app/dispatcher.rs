//! The webhook dispatcher: the background task that takes the POSTs due in each sandbox out
//! of its outbox (`model::webhook`), sends them (`io::webhooks`) and records how they went,
//! and the control plane's flush. The world lock is never held while sending: due POSTs are
//! taken out under the lock, sent, and their results recorded under the lock again.

use super::sends::Sends;
use super::State;
use crate::config::Config;
use crate::model::webhook::Outgoing;
use crate::sandbox::Sandbox;
use std::sync::Arc;
use std::time::Duration;

/// What one `flush` did: how many changes (deliveries) it attempted, and whether every send of the
/// sandbox finished within `WebhookConfig::flush_wait_ms` (if not, the rest finish in the
/// background).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Flushed {
    pub(crate) attempted: usize,
    pub(crate) complete: bool,
}

/// Sends everything due in one sandbox now, aggregation windows cut short (at most
/// `webhooks.concurrency` POSTs at a time), and waits until every send of the sandbox has ended, including the background's, but at
/// most `webhooks.flush_wait_ms`: a receiver that accepts and never answers costs one flush
/// that long, not a timeout per delivery.
pub(crate) async fn flush(state: &State, sandbox: &Arc<Sandbox>) -> Flushed {
    let cfg = Arc::new(state.sandboxes.config.clone());
    let sends = state.webhooks.sends_for(&sandbox.id, &cfg);
    let wait = Duration::from_millis(cfg.webhooks.flush_wait_ms);
    let mut attempted = 0;
    // What the POSTs tell is on disk before they go (as in `run`).
    if let Err(e) = state.persist(sandbox).await {
        tracing::error!(target: "igsim::state", sandbox = %sandbox.id, "{e}");
    }
    let all_ended = async {
        let round = sends.running.clone().read_owned().await;
        let batch = take_due(&cfg, sandbox, true);
        attempted = batch.iter().map(|(_, _, post)| post.deliveries.len()).sum();
        tokio::spawn(send_all(cfg.clone(), sandbox.clone(), sends.clone(), round, batch));
        let _ended = sends.running.write().await;
    };
    let complete = tokio::time::timeout(wait, all_ended).await.is_ok();
    Flushed { attempted, complete }
}

/// Takes the POSTs due in one sandbox out for sending (their changes marked in flight;
/// `flush`: every due change now, without waiting for the aggregation window).
fn take_due(cfg: &Config, sandbox: &Sandbox, flush: bool) -> Vec<(i64, String, Outgoing)> {
    sandbox.with_world(|w, now| {
        w.webhook_tick(cfg, now);
        let secret = w.app.secret.clone();
        w.take_due_webhooks(cfg, now, flush)
            .into_iter()
            .map(|out| (now, secret.clone(), out))
            .collect()
    })
}

/// Sends a round, within the sandbox's `room`, recording each result as it comes; `round`
/// (a read hold on [`Sends::running`]) is released when all have ended.
async fn send_all(
    cfg: Arc<Config>,
    sandbox: Arc<Sandbox>,
    sends: Arc<Sends>,
    round: tokio::sync::OwnedRwLockReadGuard<()>,
    batch: Vec<(i64, String, Outgoing)>,
) {
    let mut tasks = tokio::task::JoinSet::new();
    for (now, secret, out) in batch {
        let (cfg, sandbox, room) = (cfg.clone(), sandbox.clone(), sends.room.clone());
        tasks.spawn(async move {
            let _slot = room.acquire_owned().await;
            send_one(&cfg, &sandbox, now, &secret, out).await;
        });
    }
    while tasks.join_next().await.is_some() {}
    let kept = cfg.webhooks.deliveries_kept;
    sandbox.with_world(|w, _| crate::model::webhook::Webhooks::forget_finished(&mut w.webhooks, kept));
    drop(round);
}

/// Sends one POST, signed, and records the attempt for every change it carried.
async fn send_one(cfg: &Config, sandbox: &Sandbox, now: i64, secret: &str, out: Outgoing) {
    let attempt = crate::io::webhooks::send(cfg, &out, secret, now).await;
    sandbox.with_world(|w, _| w.record_webhook_post(cfg, &out, attempt));
}

/// The background task: every half second (or when woken) generates background activity
/// if configured, and sends what has fallen due in each sandbox.
pub(crate) async fn run(state: Arc<State>) {
    let cfg = Arc::new(state.sandboxes.config.clone());
    loop {
        tokio::select! {
            _ = state.webhooks.wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
        for id in state.sandboxes.ids() {
            let Some(sb) = state.sandboxes.get(&id) else { continue };
            let seed = crate::ids::stable_hash(&[&cfg.seed.to_le_bytes(), id.as_bytes()]);
            // One sandbox's failure (a bug, reported on stderr) must not stop the task that
            // serves them all.
            let tick = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                sb.with_world(|w, now| {
                    if cfg.activity_rate > 0.0 {
                        crate::model::events::activity(w, &cfg, cfg.activity_rate, seed, now, 100);
                    }
                    w.webhook_tick(&cfg, now);
                    w.webhooks.has_due(now, cfg.webhooks.batch_window_seconds)
                })
            }));
            let due = tick.unwrap_or(false);
            if !due {
                continue;
            }
            let (cfg, sends, state) = (cfg.clone(), state.webhooks.sends_for(&id, &cfg), state.clone());
            tokio::spawn(async move {
                // What a webhook tells a receiver is on disk before it is sent (background
                // activity included), and the outbox's new state after (nobody waits on it:
                // a send whose result is lost is sent again after a restart).
                let persist = |sb: Arc<Sandbox>, state: Arc<State>| async move {
                    if let Err(e) = state.persist(&sb).await {
                        tracing::error!(target: "igsim::state", sandbox = %sb.id, "{e}");
                    }
                };
                persist(sb.clone(), state.clone()).await;
                let round = sends.running.clone().read_owned().await;
                let batch = take_due(&cfg, &sb, false);
                send_all(cfg, sb.clone(), sends, round, batch).await;
                persist(sb, state).await;
            });
        }
    }
}
