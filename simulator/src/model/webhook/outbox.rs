//! The outbox of webhook deliveries: each change's delivery with its attempts and state, THE
//! retry schedule ([`next_attempt`]: `WebhookConfig::retry_offsets_seconds` inside the
//! `retry_window_seconds` window, facts §6.2), the batching of due changes into POSTs
//! ([`batch_entries`]), and the POSTs as sent. Pure data and functions of `now`; the sending
//! is `app::dispatcher` and `io::webhooks`.

use super::*;

impl DeliveryState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::InFlight => "in_flight",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Dropped => "dropped",
        }
    }
}

impl Attempt {
    pub(crate) fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// One POST the dispatcher sends: several due changes batched into one envelope.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    /// The [`Post`] it is recorded as.
    pub(crate) post: u64,
    pub(crate) url: String,
    /// The deliveries (changes) it carries.
    pub(crate) deliveries: Vec<u64>,
    /// Its body's entries (`io::webhooks::batch_json` writes them).
    pub(crate) entries: Vec<Entry>,
}

/// When a delivery that failed at `failed_at` is tried next, or `None` to drop it (facts
/// §6.2: "retries immediately, then less and less often over 36 hours"): attempts go at
/// `offsets` after the delivery first fell due while inside the retry window (`window`
/// seconds, a [`Window`] opening then), and a last one as the window ends; the next is the
/// first after the failure.
pub(crate) fn next_attempt(offsets: &[i64], window: i64, first_due: i64, failed_at: i64) -> Option<i64> {
    let end = Window::of(window).leaves_at(first_due);
    offsets
        .iter()
        .map(|o| first_due.saturating_add(*o))
        .filter(|t| *t < end)
        .chain([end])
        .find(|t| *t > failed_at)
}

/// Several due changes batched into one POST body, as production aggregates them ("Updates
/// may be batched", up to 1,000 per request: facts §6.2): one entry per account and time, a
/// change joining the entry before it when that is the same account at the same time and a
/// coin seeded by `seed` and the delivery id says so; otherwise it opens a new entry. So
/// bodies carry several entries and entries several changes, deterministically.
pub(crate) fn batch_entries<'a>(seed: u64, changes: impl IntoIterator<Item = &'a Delivery>) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::new();
    for d in changes {
        let joins = entries
            .last()
            .is_some_and(|last| last.ig_user == d.ig_user && last.time == d.time)
            && crate::ids::stable_hash(&[b"webhook-batch", &seed.to_le_bytes(), &d.id.to_le_bytes()]).is_multiple_of(2);
        match entries.last_mut() {
            Some(last) if joins => last.changes.push(d.event.clone()),
            _ => entries.push(Entry {
                ig_user: d.ig_user,
                time: d.time,
                changes: vec![d.event.clone()],
            }),
        }
    }
    entries
}

impl Webhooks {
    pub(super) fn push(&mut self, d: Delivery) -> u64 {
        let id = d.id;
        if let Some(due) = d.next_due {
            self.due.insert((due, id));
        }
        self.deliveries.insert(id, d);
        id
    }

    /// Forgets the oldest finished (delivered or dropped) deliveries beyond `kept`; pending
    /// and in-flight ones stay. Called before every send round, so the history holds at most
    /// `kept` finished deliveries plus what one round finishes.
    ///
    /// Changes the webhooks only when there is something to forget: a world's webhooks are
    /// [`Shared`], and a change copies them, which the state directory counts as a change to
    /// write (`World::unchanged_since`).
    pub(crate) fn forget_finished(webhooks: &mut crate::model::shared::Shared<Webhooks>, kept: usize) {
        if webhooks.deliveries.len() <= kept {
            return;
        }
        let finished = |d: &Delivery| matches!(d.state, DeliveryState::Delivered | DeliveryState::Dropped);
        let excess = webhooks
            .deliveries
            .values()
            .filter(|d| finished(d))
            .count()
            .saturating_sub(kept);
        let oldest: Vec<u64> = webhooks
            .deliveries
            .values()
            .filter(|d| finished(d))
            .take(excess)
            .map(|d| d.id)
            .collect();
        if oldest.is_empty() {
            return;
        }
        let webhooks = &mut **webhooks;
        for id in oldest {
            webhooks.deliveries.remove(&id);
        }
    }

    /// Drops the oldest change waiting to be sent (first attempt or retry) to make room in a
    /// full outbox (`max` waiting, `WebhookConfig::max_pending`): it ends `dropped`, with an
    /// attempt at `now` that says why and went nowhere.
    pub(super) fn drop_oldest_pending(&mut self, max: usize, now: i64) {
        let oldest = self
            .deliveries
            .values()
            .find(|d| d.state == DeliveryState::Pending)
            .map(|d| (d.id, d.next_due));
        let Some((id, next_due)) = oldest else {
            // Every waiting change is indexed by `due`; nothing pending means nothing waits.
            self.due.clear();
            return;
        };
        if let Some(t) = next_due {
            self.due.remove(&(t, id));
        }
        if let Some(d) = self.deliveries.get_mut(&id) {
            d.state = DeliveryState::Dropped;
            d.next_due = None;
            d.attempts.push(Attempt {
                at: now,
                status: None,
                error: Some(format!(
                    "dropped unsent: the outbox held {max} changes waiting to be sent (webhooks.max_pending)"
                )),
                post: None,
            });
        }
    }

    /// Whether a POST should go out now: a change waiting for a retry fell due, or a first
    /// attempt's aggregation window (`hold` seconds after it fell due) ended.
    pub(crate) fn has_due(&self, now: i64, hold: i64) -> bool {
        self.due.range(..=(now, u64::MAX)).any(|(t, id)| {
            let first = self.deliveries.get(id).is_none_or(|d| d.attempts.is_empty());
            t.saturating_add(if first { hold } else { 0 }) <= now
        })
    }
}

impl World {
    /// Takes the deliveries due at `now` out for sending (marked in flight), oldest first, as
    /// POSTs: per callback, up to `webhooks.batch_max_changes` changes each, batched by
    /// [`batch_entries`]. Unless `flush`, nothing goes before some change is ready
    /// ([`Webhooks::has_due`] with the `webhooks.batch_window_seconds` hold); then every due
    /// change goes, so changes close in time share POSTs.
    pub(crate) fn take_due_webhooks(&mut self, cfg: &Config, now: i64, flush: bool) -> Vec<Outgoing> {
        let hold = if flush {
            0
        } else {
            cfg.webhooks.batch_window_seconds.max(0)
        };
        if !self.webhooks.has_due(now, hold) {
            return Vec::new();
        }
        let seed = self.app.id.0;
        let wh = &mut *self.webhooks;
        let due: Vec<(i64, u64)> = wh.due.range(..=(now, u64::MAX)).copied().collect();
        // Callback -> its due deliveries, in due order (one app has one callback; older
        // deliveries keep the callback they were queued for).
        let mut by_url: Vec<(String, Vec<u64>)> = Vec::new();
        for key in due {
            wh.due.remove(&key);
            let Some(d) = wh.deliveries.get_mut(&key.1) else {
                continue;
            };
            d.state = DeliveryState::InFlight;
            d.next_due = None;
            match by_url.iter_mut().find(|(u, _)| *u == d.callback_url) {
                Some((_, ids)) => ids.push(d.id),
                None => by_url.push((d.callback_url.clone(), vec![d.id])),
            }
        }
        let mut out = Vec::new();
        for (url, ids) in by_url {
            for chunk in ids.chunks(cfg.webhooks.batch_max_changes.max(1)) {
                let entries = batch_entries(seed, chunk.iter().filter_map(|id| wh.deliveries.get(id)));
                wh.next_post += 1;
                let post = wh.next_post;
                wh.posts.insert(
                    post,
                    Post {
                        id: post,
                        at: now,
                        url: url.clone(),
                        deliveries: chunk.to_vec(),
                        entries: entries.clone(),
                        status: None,
                        error: None,
                    },
                );
                out.push(Outgoing {
                    post,
                    url: url.clone(),
                    deliveries: chunk.to_vec(),
                    entries,
                });
            }
        }
        // Only the newest POSTs are kept for the control plane.
        let mut carried: usize = wh.posts.values().map(|p| p.deliveries.len()).sum();
        while carried > cfg.webhooks.post_log_changes && wh.posts.len() > 1 {
            if let Some((_, old)) = wh.posts.pop_first() {
                carried -= old.deliveries.len();
            }
        }
        out
    }

    /// Records a POST's outcome for every change it carried: delivered, retried later, or
    /// dropped.
    pub(crate) fn record_webhook_post(&mut self, cfg: &Config, sent: &Outgoing, attempt: Attempt) {
        if let Some(p) = self.webhooks.posts.get_mut(&sent.post) {
            p.status = attempt.status;
            p.error = attempt.error.clone();
        }
        for id in &sent.deliveries {
            self.record_webhook_attempt(
                cfg,
                *id,
                Attempt {
                    post: Some(sent.post),
                    ..attempt.clone()
                },
            );
        }
    }

    /// Records one attempt's outcome: delivered, retried later, or dropped.
    fn record_webhook_attempt(&mut self, cfg: &Config, id: u64, attempt: Attempt) {
        let wh = &mut *self.webhooks;
        let Some(d) = wh.deliveries.get_mut(&id) else { return };
        let at = attempt.at;
        let ok = attempt.succeeded();
        d.attempts.push(attempt);
        if ok {
            d.state = DeliveryState::Delivered;
            d.next_due = None;
            return;
        }
        match next_attempt(
            &cfg.webhooks.retry_offsets_seconds,
            cfg.webhooks.retry_window_seconds,
            d.first_due,
            at,
        ) {
            Some(t) => {
                d.state = DeliveryState::Pending;
                d.next_due = Some(t);
                wh.due.insert((t, id));
            }
            None => {
                d.state = DeliveryState::Dropped;
                d.next_due = None;
            }
        }
    }

    /// After a restart: deliveries that were being sent when the process stopped are due
    /// again now (webhooks are delivered at least once; whether the receiver got them is not
    /// known).
    pub(crate) fn requeue_in_flight_webhooks(&mut self, now: i64) {
        let Webhooks { deliveries, due, .. } = &mut *self.webhooks;
        for d in deliveries.values_mut().filter(|d| d.state == DeliveryState::InFlight) {
            d.state = DeliveryState::Pending;
            d.next_due = Some(now);
            due.insert((now, d.id));
        }
    }

    /// Sends a delivery again from now on with a fresh retry window (control plane).
    pub(crate) fn redeliver_webhook(&mut self, id: u64, now: i64) -> bool {
        let wh = &mut *self.webhooks;
        let Some(d) = wh.deliveries.get_mut(&id) else {
            return false;
        };
        if let Some(t) = d.next_due.take() {
            wh.due.remove(&(t, id));
        }
        d.state = DeliveryState::Pending;
        d.first_due = now;
        d.next_due = Some(now);
        wh.due.insert((now, id));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::MediaId;

    const OFFSETS: &[i64] = &[0, 10, 60, 300, 129_600];

    #[test]
    fn a_failure_is_retried_at_the_next_offset_after_it() {
        assert_eq!(next_attempt(OFFSETS, 129_600, 1_000, 1_000), Some(1_010));
        assert_eq!(next_attempt(OFFSETS, 129_600, 1_000, 1_010), Some(1_060));
        // A late attempt (the clock jumped) skips the offsets already passed.
        assert_eq!(next_attempt(OFFSETS, 129_600, 1_000, 5_000), Some(130_600));
    }

    #[test]
    fn nothing_is_retried_after_the_window() {
        assert_eq!(next_attempt(OFFSETS, 129_600, 1_000, 130_600), None);
        assert_eq!(next_attempt(OFFSETS, 300, 0, 300), None);
    }

    #[test]
    fn batched_bodies_group_changes_per_account_and_time_and_keep_their_order() {
        let a = IgUserId(17841405822304914);
        let b = IgUserId(17841400008460056);
        let mention = |m: u64| Event::CaptionMention { media: MediaId(m) };
        let delivery = |id: u64, ig: IgUserId, time: i64| Delivery {
            id,
            ig_user: ig,
            event: mention(id),
            time,
            callback_url: String::new(),
            created_at: time,
            first_due: time,
            next_due: Some(time),
            attempts: Vec::new(),
            state: DeliveryState::Pending,
        };
        let changes = [
            delivery(1, a, 100),
            delivery(2, a, 100),
            delivery(3, b, 100),
            delivery(4, a, 100),
            delivery(5, a, 101),
        ];
        let entries = batch_entries(7, &changes);
        // Every change once, in order; an account switch or a new time opens a new entry.
        let flat: Vec<(IgUserId, &Event)> = entries
            .iter()
            .flat_map(|e| e.changes.iter().map(move |c| (e.ig_user, c)))
            .collect();
        assert_eq!(flat.len(), 5);
        assert_eq!(flat[2], (b, &mention(3)));
        assert!(entries.len() >= 4, "{entries:?}");
        for (i, (_, c)) in flat.iter().enumerate() {
            assert_eq!(**c, mention(i as u64 + 1));
        }
        // The same input gives the same body.
        assert_eq!(batch_entries(7, &changes), entries);
    }
}
