//! Webhooks as plain data and functions of `now` (facts §6; guide "Set Up Webhooks for
//! Instagram"): the subscriptions (app, Page and Instagram Login side), who receives which
//! field, the typed events the world emits, and `story_insights` at a story's expiry. The
//! outbox of deliveries, their retry schedule and batching are `outbox`; the network side
//! lives in `io::webhooks`, the dispatcher in `app::dispatcher`.

mod outbox;

pub(crate) use outbox::Outgoing;

use super::window::Window;
use super::world::STORY_METRICS;
pub(crate) use super::world::{
    AppSubscription, Attempt, Delivery, DeliveryState, Entry, Event, InstagramLoginInstall, PageInstall, Post, Webhooks,
};
use super::{IgAccountType, World};
use crate::config::Config;
use crate::ids::{IgUserId, MediaId, PageId, UserId};
use std::collections::BTreeSet;

/// Fields of the `instagram` webhooks object (facts §6.4). Only the first four are produced
/// by the simulator; the messaging ones may be subscribed to but never fire.
pub(crate) const INSTAGRAM_FIELDS: &[&str] = &[
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
pub(crate) const EMITTED_FIELDS: &[&str] = &["comments", "live_comments", "mentions", "story_insights"];

impl Event {
    /// The webhook field the change belongs to.
    pub(crate) fn field(&self) -> &'static str {
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
pub(crate) fn permissions_allow(field: &str, granted: &[String]) -> bool {
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
pub(crate) fn instagram_login_allows(field: &str, granted: &BTreeSet<String>) -> bool {
    let own = match field {
        "comments" | "live_comments" | "mentions" => "instagram_business_manage_comments",
        "story_insights" => "instagram_business_manage_insights",
        _ => return false,
    };
    granted.contains(own)
}

impl Webhooks {
    /// The outbox's invariants for a restored snapshot (`model::check`): times in range,
    /// counters far from overflow, every waiting change indexed once and known.
    pub(crate) fn check(&self) -> Result<(), String> {
        use super::check::{counter, time};
        counter("webhooks.next_id", self.next_id)?;
        counter("webhooks.next_post", self.next_post)?;
        counter("webhooks.activity_count", self.activity_count)?;
        for t in self.stories_scanned_to.iter().chain(&self.activity_cursor) {
            time("webhooks' watermarks", *t)?;
        }
        for (t, id) in &self.due {
            time("webhooks.due", *t)?;
            if self.deliveries.get(id).is_none_or(|d| d.next_due != Some(*t)) {
                return Err(format!(
                    "webhooks.due names delivery {id}, which does not wait for then"
                ));
            }
        }
        for d in self.deliveries.values() {
            let what = format!("delivery {}", d.id);
            counter(&what, d.id)?;
            for t in [d.time, d.created_at, d.first_due]
                .into_iter()
                .chain(d.next_due)
                .chain(d.attempts.iter().map(|a| a.at))
            {
                time(&what, t)?;
            }
        }
        for p in self.posts.values() {
            time(&format!("webhook POST {}", p.id), p.at)?;
        }
        Ok(())
    }
}

/// The six story metrics the `story_insights` payload carries, in the guide sample's order,
/// as the insights API reports them at the moment the story expired (one model of the
/// numbers: `model::insights::snapshot`). Counts below 5 are reported as -1 (guide "Set Up
/// Webhooks for Instagram", Limitations).
pub(crate) fn story_metrics(
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

impl Webhooks {
    /// Starts the story_insights watermark when the first subscription appears.
    fn start_scanning(&mut self, now: i64) {
        if self.stories_scanned_to.is_none() {
            self.stories_scanned_to = Some(now);
        }
    }

    pub(crate) fn subscribe_app(&mut self, sub: AppSubscription, now: i64) {
        self.subscription = Some(sub);
        self.start_scanning(now);
    }

    pub(crate) fn install_page(&mut self, page: PageId, install: PageInstall, now: i64) {
        self.pages.insert(page, install);
        self.start_scanning(now);
    }
}

impl World {
    /// Instagram Login's `POST /me/subscribed_apps`: `ig` sends the app `fields` (replacing
    /// what it subscribed before).
    pub(crate) fn install_instagram_login(
        &mut self,
        ig: IgUserId,
        fields: Vec<String>,
        scopes: BTreeSet<String>,
        now: i64,
    ) {
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
    pub(crate) fn webhook_target(&self, ig: IgUserId, field: &str) -> Option<String> {
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
    pub(crate) fn enqueue_webhook(&mut self, cfg: &Config, ig: IgUserId, event: Event, now: i64) -> Option<u64> {
        self.enqueue_webhook_at(cfg, ig, event, now, now)
    }

    /// Like [`World::enqueue_webhook`] for an update that falls due at `due` (and carries
    /// `due` as its `time`), e.g. `story_insights` an hour after expiry. The outbox holds at
    /// most `webhooks.max_pending` changes waiting to be sent: past it, the oldest waiting
    /// one is dropped unsent ([`Webhooks::drop_oldest_pending`]), as production drops what
    /// it cannot deliver.
    pub(crate) fn enqueue_webhook_at(
        &mut self,
        cfg: &Config,
        ig: IgUserId,
        event: Event,
        now: i64,
        due: i64,
    ) -> Option<u64> {
        let url = self.webhook_target(ig, event.field())?;
        let wh = &mut *self.webhooks;
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
    /// keeps the delivery history bounded ([`Webhooks::forget_finished`]). Changes the world only
    /// when something happened.
    pub(crate) fn webhook_tick(&mut self, cfg: &Config, now: i64) {
        Webhooks::forget_finished(&mut self.webhooks, cfg.webhooks.deliveries_kept);
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
        // The mark moves only past stories that expired: a tick that finds none leaves the
        // world unchanged (nothing for the state directory to write, `World::unchanged_since`),
        // and the next looks again from the same mark.
        if expired.is_empty() {
            return;
        }
        self.webhooks.stories_scanned_to = Some(now);
        for (owner, media, expired_at) in expired {
            self.story_expired(cfg, owner, media, expired_at, now);
        }
    }

    /// Queues `story_insights` for a story that expired at `expired_at`, once per story.
    pub(crate) fn story_expired(&mut self, cfg: &Config, owner: IgUserId, media: MediaId, expired_at: i64, now: i64) {
        if self.webhooks.stories_scanned_to.is_none() || !self.webhooks.stories_reported.insert(media) {
            return;
        }
        let metrics = story_metrics(self, media, expired_at, now, cfg.story_lifetime_seconds);
        let due = expired_at + cfg.webhooks.story_insights_delay_seconds;
        self.enqueue_webhook_at(cfg, owner, Event::StoryInsights { media, metrics }, now, due.max(now));
    }
}

impl World {
    /// Convenience configuration (`igsim serve --webhook-url`, the control plane): the app
    /// subscribed to every emitted field at `callback_url`, and installed on every Page that
    /// has an IG account, by the role user whose grants allow the most fields.
    pub(crate) fn subscribe_everything(&mut self, callback_url: &str, verify_token: &str, version: &str, now: i64) {
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
