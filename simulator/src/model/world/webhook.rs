//! The world's records of subscriptions, typed events, the outbox's deliveries and POSTs (the rules: `model/webhook.rs` and `webhook/outbox.rs`).

use super::*;

/// What one webhook change says, as the model knows it (facts §6.3); the JSON production
/// sends for each (`value`) is written by `io::webhooks`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) enum Event {
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

/// `POST /me/subscribed_apps` with an Instagram User token (Instagram Login): the account
/// sends the app the fields it subscribed, as its grants allow.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct InstagramLoginInstall {
    pub(crate) subscribed_fields: Vec<String>,
    /// The permissions of the token that subscribed.
    pub(crate) scopes: BTreeSet<String>,
}

/// `POST /{app-id}/subscriptions` for `object=instagram`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AppSubscription {
    pub(crate) callback_url: String,
    pub(crate) verify_token: String,
    /// Subscribed field name -> the API version it was subscribed with.
    pub(crate) fields: BTreeMap<String, String>,
    pub(crate) active: bool,
}

/// `POST /{page-id}/subscribed_apps`: the app installed on a Page by a user with a role.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PageInstall {
    /// Whose page token installed it: their granted permissions gate each field.
    pub(crate) user: UserId,
    pub(crate) subscribed_fields: Vec<String>,
}

/// The webhook state of one world: one field on [`World`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Webhooks {
    pub(crate) subscription: Option<AppSubscription>,
    pub(crate) pages: BTreeMap<PageId, PageInstall>,
    /// Accounts subscribed through Instagram Login (`/me/subscribed_apps`).
    pub(crate) instagram_logins: BTreeMap<IgUserId, InstagramLoginInstall>,
    pub(crate) deliveries: BTreeMap<u64, Delivery>,
    /// Pending deliveries by (next due, id).
    pub(crate) due: BTreeSet<(i64, u64)>,
    pub(crate) next_id: u64,
    /// The newest POSTs sent (carrying at most `WebhookConfig::post_log_changes` changes in
    /// all, the newest POST always kept), by id.
    pub(crate) posts: BTreeMap<u64, Post>,
    pub(crate) next_post: u64,
    /// Story expiries up to here have been looked at for `story_insights`; `None` until
    /// something subscribes (stories that expired before that are never reported).
    pub(crate) stories_scanned_to: Option<i64>,
    /// Stories whose `story_insights` were queued (each story is reported once).
    pub(crate) stories_reported: BTreeSet<MediaId>,
    /// Background activity: sandbox time of the last generated event, and how many so far.
    pub(crate) activity_cursor: Option<i64>,
    pub(crate) activity_count: u64,
}
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum DeliveryState {
    /// Waiting for its next attempt (`next_due`).
    Pending,
    /// Taken by the dispatcher; the result is not recorded yet.
    InFlight,
    Delivered,
    /// Retried for the whole window without success (facts §6.2: dropped after 36 h).
    Dropped,
}

/// One try at delivering: when (sandbox time), the HTTP status or the transport error, and
/// the POST ([`Post`]) the change went out in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Attempt {
    pub(crate) at: i64,
    pub(crate) status: Option<u16>,
    pub(crate) error: Option<String>,
    pub(crate) post: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Delivery {
    pub(crate) id: u64,
    pub(crate) ig_user: IgUserId,
    /// What the change says; its `field` is [`Event::field`].
    pub(crate) event: Event,
    /// The `time` its entry carries: when it first fell due (sandbox seconds).
    pub(crate) time: i64,
    pub(crate) callback_url: String,
    pub(crate) created_at: i64,
    /// When the first attempt fell due; the retry schedule counts from here.
    pub(crate) first_due: i64,
    pub(crate) next_due: Option<i64>,
    pub(crate) attempts: Vec<Attempt>,
    pub(crate) state: DeliveryState,
}

/// A POST as sent (the control plane shows it byte for byte): the changes it carried and what
/// the callback answered.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Post {
    pub(crate) id: u64,
    pub(crate) at: i64,
    pub(crate) url: String,
    /// The deliveries (one change each) it carried, in envelope order.
    pub(crate) deliveries: Vec<u64>,
    /// The entries of its batched envelope `{"object":"instagram","entry":[…]}`.
    pub(crate) entries: Vec<Entry>,
    pub(crate) status: Option<u16>,
    pub(crate) error: Option<String>,
}

/// One `entry` of a webhook body: the account it is about, its time, and its changes in
/// order (facts §6.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Entry {
    pub(crate) ig_user: IgUserId,
    pub(crate) time: i64,
    pub(crate) changes: Vec<Event>,
}

/// The `story_insights` metrics, in the order a change lists them.
pub(crate) const STORY_METRICS: [&str; 6] = ["exits", "replies", "reach", "taps_forward", "taps_back", "impressions"];

/// A story's metrics in a snapshot: `[["exits", n], …]`, the names read back as
/// [`STORY_METRICS`]' own.
mod story_metric_names {
    use super::STORY_METRICS;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(crate) fn serialize<S: Serializer>(m: &[(&'static str, i64)], s: S) -> Result<S::Ok, S::Error> {
        m.serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(&'static str, i64)>, D::Error> {
        Vec::<(String, i64)>::deserialize(d)?
            .into_iter()
            .map(|(name, v)| match STORY_METRICS.iter().find(|m| **m == name) {
                Some(m) => Ok((*m, v)),
                None => Err(serde::de::Error::custom(format!("unknown story metric {name:?}"))),
            })
            .collect()
    }
}
