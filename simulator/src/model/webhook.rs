//! Webhook subscriptions (app and Page side), the outbox of deliveries with their retry
//! schedule, and their batching into POSTs, as plain data and functions of `now` (facts §6;
//! guide "Set Up Webhooks for Instagram"). The network side lives in `io::webhooks`, the dispatcher in `app::dispatcher`.

use super::window::Window;
use super::{IgAccountType, World};
use crate::config::Config;
use crate::ids::{CommentId, IgUserId, MediaId, PageId, UserId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Fields of the `instagram` webhooks object (facts §6.4). Only the first four are produced
/// by the simulator; the messaging ones may be subscribed to but never fire.
pub const INSTAGRAM_FIELDS: &[&str] = &[
    "comments",
    "live_comments",
    "mentions",
    "story_insights",
    "messages",
    "message_reactions",
    "messaging_postbacks",
    "messaging_seen",
    "messaging_referral",
    "messaging_optins",
    "messaging_handover",
    "standby",
    "message_edit",
];

/// The fields igsim emits (the rest of [`INSTAGRAM_FIELDS`] are messaging, out of scope).
pub const EMITTED_FIELDS: &[&str] = &["comments", "live_comments", "mentions", "story_insights"];

/// What one webhook change says, as the model knows it (facts §6.3); the JSON production
/// sends for each (`value`) is written by `io::webhooks`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// `comments` (`live_comments` when `live`): a comment or reply by someone else.
    Comment {
        live: bool,
        id: CommentId,
        parent: Option<CommentId>,
        text: String,
        from: IgUserId,
        from_username: String,
        media: MediaId,
        /// `media.media_product_type` (`WebhookConfig::live_comments_product_type` on a broadcast).
        media_product_type: String,
    },
    /// `mentions`: the account was @mentioned in a comment.
    CommentMention { comment: CommentId, media: MediaId },
    /// `mentions`: the account was @mentioned in a caption.
    CaptionMention { media: MediaId },
    /// `story_insights`: a story's metrics when it expired ([`story_metrics`]).
    StoryInsights {
        media: MediaId,
        #[serde(with = "story_metric_names")]
        metrics: Vec<(&'static str, i64)>,
    },
}

impl Event {
    /// The webhook field the change belongs to.
    pub fn field(&self) -> &'static str {
        match self {
            Event::Comment { live: false, .. } => "comments",
            Event::Comment { live: true, .. } => "live_comments",
            Event::CommentMention { .. } | Event::CaptionMention { .. } => "mentions",
            Event::StoryInsights { .. } => "story_insights",
        }
    }
}

/// Whether a user's granted permissions let the app receive `field` for their account
/// (guide "Set Up Webhooks for Instagram", Instagram Fields table: the field's own
/// permission, `pages_manage_metadata`, and `pages_read_engagement` or `pages_show_list`;
/// changelog: `story_insights` needs `instagram_manage_insights`).
pub fn permissions_allow(field: &str, granted: &[String]) -> bool {
    let has = |p: &str| granted.iter().any(|g| g == p);
    let own = match field {
        "comments" | "live_comments" | "mentions" => "instagram_manage_comments",
        "story_insights" => "instagram_manage_insights",
        _ => return false,
    };
    has(own) && has("pages_manage_metadata") && (has("pages_read_engagement") || has("pages_show_list"))
}

/// Whether an Instagram Login account's grants let the app receive `field` for it
/// (Instagram Login webhooks guide: the field's `instagram_business_*` permission, no Page
/// permissions).
pub fn instagram_login_allows(field: &str, granted: &BTreeSet<String>) -> bool {
    let own = match field {
        "comments" | "live_comments" | "mentions" => "instagram_business_manage_comments",
        "story_insights" => "instagram_business_manage_insights",
        _ => return false,
    };
    granted.contains(own)
}

/// `POST /me/subscribed_apps` with an Instagram User token (Instagram Login): the account
/// sends the app the fields it subscribed, as its grants allow.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InstagramLoginInstall {
    pub subscribed_fields: Vec<String>,
    /// The permissions of the token that subscribed.
    pub scopes: BTreeSet<String>,
}

/// `POST /{app-id}/subscriptions` for `object=instagram`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppSubscription {
    pub callback_url: String,
    pub verify_token: String,
    /// Subscribed field name -> the API version it was subscribed with.
    pub fields: BTreeMap<String, String>,
    pub active: bool,
}

/// `POST /{page-id}/subscribed_apps`: the app installed on a Page by a user with a role.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PageInstall {
    /// Whose page token installed it: their granted permissions gate each field.
    pub user: UserId,
    pub subscribed_fields: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeliveryState {
    /// Waiting for its next attempt (`next_due`).
    Pending,
    /// Taken by the dispatcher; the result is not recorded yet.
    InFlight,
    Delivered,
    /// Retried for the whole window without success (facts §6.2: dropped after 36 h).
    Dropped,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::InFlight => "in_flight",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Dropped => "dropped",
        }
    }
}

/// One try at delivering: when (sandbox time), the HTTP status or the transport error, and
/// the POST ([`Post`]) the change went out in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Attempt {
    pub at: i64,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub post: Option<u64>,
}

impl Attempt {
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Delivery {
    pub id: u64,
    pub ig_user: IgUserId,
    /// What the change says; its `field` is [`Event::field`].
    pub event: Event,
    /// The `time` its entry carries: when it first fell due (sandbox seconds).
    pub time: i64,
    pub callback_url: String,
    pub created_at: i64,
    /// When the first attempt fell due; the retry schedule counts from here.
    pub first_due: i64,
    pub next_due: Option<i64>,
    pub attempts: Vec<Attempt>,
    pub state: DeliveryState,
}

/// One POST the dispatcher sends: several due changes batched into one envelope.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The [`Post`] it is recorded as.
    pub post: u64,
    pub url: String,
    /// The deliveries (changes) it carries.
    pub deliveries: Vec<u64>,
    /// Its body's entries (`io::webhooks::batch_json` writes them).
    pub entries: Vec<Entry>,
}

/// A POST as sent (the control plane shows it byte for byte): the changes it carried and what
/// the callback answered.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Post {
    pub id: u64,
    pub at: i64,
    pub url: String,
    /// The deliveries (one change each) it carried, in envelope order.
    pub deliveries: Vec<u64>,
    /// The entries of its batched envelope `{"object":"instagram","entry":[…]}`.
    pub entries: Vec<Entry>,
    pub status: Option<u16>,
    pub error: Option<String>,
}

/// The webhook state of one world: one field on [`World`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Webhooks {
    pub subscription: Option<AppSubscription>,
    pub pages: BTreeMap<PageId, PageInstall>,
    /// Accounts subscribed through Instagram Login (`/me/subscribed_apps`).
    pub instagram_logins: BTreeMap<IgUserId, InstagramLoginInstall>,
    pub deliveries: BTreeMap<u64, Delivery>,
    /// Pending deliveries by (next due, id).
    due: BTreeSet<(i64, u64)>,
    next_id: u64,
    /// The newest POSTs sent (carrying at most `WebhookConfig::post_log_changes` changes in
    /// all, the newest POST always kept), by id.
    pub posts: BTreeMap<u64, Post>,
    next_post: u64,
    /// Story expiries up to here have been looked at for `story_insights`; `None` until
    /// something subscribes (stories that expired before that are never reported).
    pub stories_scanned_to: Option<i64>,
    /// Stories whose `story_insights` were queued (each story is reported once).
    pub stories_reported: BTreeSet<MediaId>,
    /// Background activity: sandbox time of the last generated event, and how many so far.
    pub activity_cursor: Option<i64>,
    pub activity_count: u64,
}

/// When a delivery that failed at `failed_at` is tried next, or `None` to drop it (facts
/// §6.2: "retries immediately, then less and less often over 36 hours"): attempts go at
/// `offsets` after the delivery first fell due while inside the retry window (`window`
/// seconds, a [`Window`] opening then), and a last one as the window ends; the next is the
/// first after the failure.
pub fn next_attempt(offsets: &[i64], window: i64, first_due: i64, failed_at: i64) -> Option<i64> {
    let end = Window::of(window).leaves_at(first_due);
    offsets
        .iter()
        .map(|o| first_due.saturating_add(*o))
        .filter(|t| *t < end)
        .chain([end])
        .find(|t| *t > failed_at)
}

/// One `entry` of a webhook body: the account it is about, its time, and its changes in
/// order (facts §6.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub ig_user: IgUserId,
    pub time: i64,
    pub changes: Vec<Event>,
}

/// Several due changes batched into one POST body, as production aggregates them ("Updates
/// may be batched", up to 1,000 per request: facts §6.2): one entry per account and time, a
/// change joining the entry before it when that is the same account at the same time and a
/// coin seeded by `seed` and the delivery id says so; otherwise it opens a new entry. So
/// bodies carry several entries and entries several changes, deterministically.
pub fn batch_entries<'a>(seed: u64, changes: impl IntoIterator<Item = &'a Delivery>) -> Vec<Entry> {
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

/// The six story metrics the `story_insights` payload carries, in the guide sample's order,
/// as the insights API reports them at the moment the story expired (one model of the
/// numbers: `model::insights::snapshot`). Counts below 5 are reported as -1 (guide "Set Up
/// Webhooks for Instagram", Limitations).
pub fn story_metrics(
    world: &World,
    media: MediaId,
    expired_at: i64,
    now: i64,
    story_lifetime: i64,
) -> Vec<(&'static str, i64)> {
    let Some(m) = world.media.get(&media) else {
        return Vec::new();
    };
    let s = crate::model::insights::snapshot(world, m, expired_at, now, story_lifetime);
    // navigation: tap_forward, tap_back, tap_exit, swipe_forward
    let values = [
        s.navigation[2],
        s.replies,
        s.reach,
        s.navigation[0],
        s.navigation[1],
        s.impressions,
    ];
    STORY_METRICS
        .iter()
        .zip(values)
        .map(|(k, v)| (*k, if v < 5 { -1 } else { v as i64 }))
        .collect()
}

/// The `story_insights` metrics, in the order a change lists them.
const STORY_METRICS: [&str; 6] = ["exits", "replies", "reach", "taps_forward", "taps_back", "impressions"];

/// A story's metrics in a snapshot: `[["exits", n], …]`, the names read back as
/// [`STORY_METRICS`]' own.
mod story_metric_names {
    use super::STORY_METRICS;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(m: &[(&'static str, i64)], s: S) -> Result<S::Ok, S::Error> {
        m.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(&'static str, i64)>, D::Error> {
        Vec::<(String, i64)>::deserialize(d)?
            .into_iter()
            .map(|(name, v)| match STORY_METRICS.iter().find(|m| **m == name) {
                Some(m) => Ok((*m, v)),
                None => Err(serde::de::Error::custom(format!("unknown story metric {name:?}"))),
            })
            .collect()
    }
}

impl Webhooks {
    fn push(&mut self, d: Delivery) -> u64 {
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
    pub fn forget_finished(&mut self, kept: usize) {
        if self.deliveries.len() <= kept {
            return;
        }
        let finished = |d: &Delivery| matches!(d.state, DeliveryState::Delivered | DeliveryState::Dropped);
        let excess = self
            .deliveries
            .values()
            .filter(|d| finished(d))
            .count()
            .saturating_sub(kept);
        let oldest: Vec<u64> = self
            .deliveries
            .values()
            .filter(|d| finished(d))
            .take(excess)
            .map(|d| d.id)
            .collect();
        for id in oldest {
            self.deliveries.remove(&id);
        }
    }

    /// Drops the oldest change waiting to be sent (first attempt or retry) to make room in a
    /// full outbox (`max` waiting): it ends `dropped`, with an attempt at `now` that says why
    /// and went nowhere.
    fn drop_oldest_pending(&mut self, max: usize, now: i64) {
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
    pub fn has_due(&self, now: i64, hold: i64) -> bool {
        self.due.range(..=(now, u64::MAX)).any(|(t, id)| {
            let first = self.deliveries.get(id).is_none_or(|d| d.attempts.is_empty());
            t.saturating_add(if first { hold } else { 0 }) <= now
        })
    }

    /// Starts the story_insights watermark when the first subscription appears.
    fn start_scanning(&mut self, now: i64) {
        if self.stories_scanned_to.is_none() {
            self.stories_scanned_to = Some(now);
        }
    }

    pub fn subscribe_app(&mut self, sub: AppSubscription, now: i64) {
        self.subscription = Some(sub);
        self.start_scanning(now);
    }

    pub fn install_page(&mut self, page: PageId, install: PageInstall, now: i64) {
        self.pages.insert(page, install);
        self.start_scanning(now);
    }
}

impl World {
    /// Instagram Login's `POST /me/subscribed_apps`: `ig` sends the app `fields` (replacing
    /// what it subscribed before).
    pub fn install_instagram_login(&mut self, ig: IgUserId, fields: Vec<String>, scopes: BTreeSet<String>, now: i64) {
        self.webhooks.instagram_logins.insert(
            ig,
            InstagramLoginInstall {
                subscribed_fields: fields,
                scopes,
            },
        );
        self.webhooks.start_scanning(now);
    }

    /// Whether an Instagram Login subscription of `ig` covers `field`.
    fn instagram_login_target(&self, ig: IgUserId, field: &str) -> bool {
        self.webhooks
            .instagram_logins
            .get(&ig)
            .is_some_and(|i| i.subscribed_fields.iter().any(|f| f == field) && instagram_login_allows(field, &i.scopes))
    }
}

impl World {
    /// The callback to deliver `field` about `ig` to, if production would send it now: the
    /// app subscribed to the field, the account's Page has the app installed, the installing
    /// user granted the field's permissions, and the account is a public professional one
    /// (facts §6.2 requirements; guide "Receive Live Webhook Notifications").
    pub fn webhook_target(&self, ig: IgUserId, field: &str) -> Option<String> {
        let sub = self.webhooks.subscription.as_ref()?;
        if !sub.active || !sub.fields.contains_key(field) {
            return None;
        }
        let account = self.ig_users.get(&ig)?;
        if account.account_type == IgAccountType::Personal {
            return None;
        }
        // Either flavour's subscription of the account delivers (the app's subscription is
        // shared: one app, one callback).
        if self.instagram_login_target(ig, field) {
            return Some(sub.callback_url.clone());
        }
        let page = self.page_of_ig_user(ig)?;
        let install = self.webhooks.pages.get(&page.id)?;
        let user = self.users.get(&install.user)?;
        if !page.roles.contains_key(&install.user) || !permissions_allow(field, &user.permissions) {
            return None;
        }
        Some(sub.callback_url.clone())
    }

    /// Queues a webhook about `ig` for immediate delivery; does nothing (returns `None`)
    /// when nothing is subscribed. The hook for any code that makes something happen.
    pub fn enqueue_webhook(&mut self, cfg: &Config, ig: IgUserId, event: Event, now: i64) -> Option<u64> {
        self.enqueue_webhook_at(cfg, ig, event, now, now)
    }

    /// Like [`World::enqueue_webhook`] for an update that falls due at `due` (and carries
    /// `due` as its `time`), e.g. `story_insights` an hour after expiry. The outbox holds at
    /// most `webhooks.max_pending` changes waiting to be sent: past it, the oldest waiting
    /// one is dropped unsent ([`Webhooks::drop_oldest_pending`]), as production drops what
    /// it cannot deliver.
    pub fn enqueue_webhook_at(&mut self, cfg: &Config, ig: IgUserId, event: Event, now: i64, due: i64) -> Option<u64> {
        let url = self.webhook_target(ig, event.field())?;
        let wh = &mut self.webhooks;
        while wh.due.len() >= cfg.webhooks.max_pending.max(1) {
            wh.drop_oldest_pending(cfg.webhooks.max_pending, now);
        }
        wh.next_id += 1;
        let id = wh.next_id;
        Some(wh.push(Delivery {
            id,
            ig_user: ig,
            event,
            time: due,
            callback_url: url,
            created_at: now,
            first_due: due,
            next_due: Some(due),
            attempts: Vec::new(),
            state: DeliveryState::Pending,
        }))
    }

    /// Time-driven webhooks: `story_insights` for every story of a subscribed account that
    /// expired since the last look, due `webhooks.story_insights_delay_seconds` after expiry. Also
    /// keeps the delivery history bounded ([`Webhooks::forget_finished`]).
    pub fn webhook_tick(&mut self, cfg: &Config, now: i64) {
        self.webhooks.forget_finished(cfg.webhooks.deliveries_kept);
        let Some(from) = self.webhooks.stories_scanned_to else {
            return;
        };
        if now <= from {
            return;
        }
        let life = cfg.story_lifetime_seconds;
        let mut expired = Vec::new();
        for (owner, stories) in &self.stories {
            // Stories posted in (from - life, now - life] expire in (from, now].
            for ((ts, _), id) in stories.range((from - life + 1, 0)..=(now - life, u64::MAX)) {
                expired.push((*owner, *id, ts + life));
            }
        }
        self.webhooks.stories_scanned_to = Some(now);
        for (owner, media, expired_at) in expired {
            self.story_expired(cfg, owner, media, expired_at, now);
        }
    }

    /// Queues `story_insights` for a story that expired at `expired_at`, once per story.
    pub fn story_expired(&mut self, cfg: &Config, owner: IgUserId, media: MediaId, expired_at: i64, now: i64) {
        if self.webhooks.stories_scanned_to.is_none() || !self.webhooks.stories_reported.insert(media) {
            return;
        }
        let metrics = story_metrics(self, media, expired_at, now, cfg.story_lifetime_seconds);
        let due = expired_at + cfg.webhooks.story_insights_delay_seconds;
        self.enqueue_webhook_at(cfg, owner, Event::StoryInsights { media, metrics }, now, due.max(now));
    }

    /// Takes the deliveries due at `now` out for sending (marked in flight), oldest first, as
    /// POSTs: per callback, up to `webhooks.batch_max_changes` changes each, batched by
    /// [`batch_entries`]. Unless `flush`, nothing goes before some change is ready
    /// ([`Webhooks::has_due`] with the `webhooks.batch_window_seconds` hold); then every due
    /// change goes, so changes close in time share POSTs.
    pub fn take_due_webhooks(&mut self, cfg: &Config, now: i64, flush: bool) -> Vec<Outgoing> {
        let hold = if flush {
            0
        } else {
            cfg.webhooks.batch_window_seconds.max(0)
        };
        if !self.webhooks.has_due(now, hold) {
            return Vec::new();
        }
        let seed = self.app.id.0;
        let wh = &mut self.webhooks;
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
    pub fn record_webhook_post(&mut self, cfg: &Config, sent: &Outgoing, attempt: Attempt) {
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
        let wh = &mut self.webhooks;
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
    pub fn requeue_in_flight_webhooks(&mut self, now: i64) {
        let Webhooks { deliveries, due, .. } = &mut self.webhooks;
        for d in deliveries.values_mut().filter(|d| d.state == DeliveryState::InFlight) {
            d.state = DeliveryState::Pending;
            d.next_due = Some(now);
            due.insert((now, d.id));
        }
    }

    /// Sends a delivery again from now on with a fresh retry window (control plane).
    pub fn redeliver_webhook(&mut self, id: u64, now: i64) -> bool {
        let wh = &mut self.webhooks;
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

impl World {
    /// Convenience configuration (`igsim serve --webhook-url`, the control plane): the app
    /// subscribed to every emitted field at `callback_url`, and installed on every Page that
    /// has an IG account, by the role user whose grants allow the most fields.
    pub fn subscribe_everything(&mut self, callback_url: &str, verify_token: &str, version: &str, now: i64) {
        let fields = EMITTED_FIELDS
            .iter()
            .map(|f| (f.to_string(), version.to_string()))
            .collect();
        self.webhooks.subscribe_app(
            AppSubscription {
                callback_url: callback_url.to_string(),
                verify_token: verify_token.to_string(),
                fields,
                active: true,
            },
            now,
        );
        let mut installs = Vec::new();
        for page in self.pages.values().filter(|p| p.ig_user.is_some()) {
            let allowed = |u: &UserId| {
                self.users.get(u).map_or(0, |user| {
                    EMITTED_FIELDS
                        .iter()
                        .filter(|f| permissions_allow(f, &user.permissions))
                        .count()
                })
            };
            // Ties go to the first user in id order.
            let best = page
                .roles
                .keys()
                .max_by_key(|u| (allowed(u), std::cmp::Reverse(**u)))
                .copied();
            if let Some(user) = best {
                installs.push((page.id, user));
            }
        }
        for (page, user) in installs {
            self.webhooks.install_page(
                page,
                PageInstall {
                    user,
                    subscribed_fields: vec!["feed".into()],
                },
                now,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn each_field_needs_its_own_permission_and_the_page_ones() {
        let grants = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(permissions_allow(
            "comments",
            &grants(&["instagram_manage_comments", "pages_manage_metadata", "pages_show_list"])
        ));
        assert!(!permissions_allow(
            "story_insights",
            &grants(&["instagram_manage_comments", "pages_manage_metadata", "pages_show_list"])
        ));
        assert!(!permissions_allow("comments", &grants(&["instagram_manage_comments"])));
    }
}
