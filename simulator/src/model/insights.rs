//! Insights: the metric catalogue of IG users and IG media per API version (with the
//! changelog's deprecations and their errors), request validation, and deterministic values
//! that follow the world (facts §1.6, §5; guide "Insights"; changelog 2023-09-12, v21, v22).
//!
//! Values are pure functions of (world, media, time): each media accrues reach, impressions,
//! saves… along a maturity curve of its age, scaled by its owner's followers and rates hashed
//! from its id; likes and comments are the media's own counts. Account metrics are sums of
//! their media's growth inside each time window, so per-day values add up to range totals, and
//! everything grows as the clock moves and as likes and comments arrive.

use super::{Media, MediaType, ProductType, World};
use crate::error::GraphError;
use crate::ids::{stable_hash, IgUserId, MediaId};
use crate::version::{self, ApiVersion, Gone, Scope};
use std::collections::BTreeMap;

const DAY: i64 = 86_400;
/// Legacy day windows end at 07:00 UTC (24-hour periods ending at UTC−07:00, facts §5.2).
const DAY_BOUNDARY_OFFSET: i64 = 7 * 3600;
/// "Metrics data is stored for 2 years" (guide, Limitations).
const RETENTION: i64 = 2 * 365 * DAY;

/// The knobs insights read from `Config` (kept here so the model stays free of HTTP).
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// The version whose catalogue answers: the requested one with the changelog's "applies to
    /// all versions on <date>" cut-overs reached by `now` applied (`version::with_cutovers`),
    /// or the requested one when the `insights.version_sunsets` knob is off.
    pub version: ApiVersion,
    /// The version the call asked for (after expiry upgrades): the cut-overs' exceptions
    /// depend on it (`version::kept_for_older_media`).
    pub requested: ApiVersion,
    pub now: i64,
    /// Follower count under which audience metrics are not available (facts §5.2: 100).
    pub min_followers: u64,
    /// Largest since/until span (facts: 30 days, "There cannot be more than 30 days").
    pub max_range_seconds: i64,
    /// Expired stories answer an error instead of an empty `data` (UNCONFIRMED which).
    pub expired_story_error: bool,
    pub story_lifetime: i64,
}

// ---- the catalogue ----------------------------------------------------------------------

/// How an account metric can be asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Legacy `time_series` only, with these periods.
    Series(&'static [&'static str]),
    /// `total_value` only (period `day`).
    Total,
    /// Both; `time_series` with these periods.
    Both(&'static [&'static str]),
    /// Lifetime values per day (online_followers).
    Lifetime,
    /// Demographics: lifetime, total_value, timeframe + breakdown.
    Demographic,
}

#[derive(Debug, Clone, Copy)]
pub struct UserMetric {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub shape: Shape,
    pub breakdowns: &'static [&'static str],
    pub needs_followers: bool,
}

const DAY_ONLY: &[&str] = &["day"];
const DWM: &[&str] = &["day", "week", "days_28"];
const DEMO_BREAKDOWNS: &[&str] = &["age", "city", "country", "gender"];
const MPT: &[&str] = &["media_product_type"];

const fn um(name: &'static str, title: &'static str, description: &'static str, shape: Shape) -> UserMetric {
    UserMetric {
        name,
        title,
        description,
        shape,
        breakdowns: &[],
        needs_followers: false,
    }
}

/// Account metrics in the order of the API's own allowed list (facts §1.6), `views` last.
/// Which versions have each one is the version timeline's business (`version.rs`).
pub const USER_METRICS: &[UserMetric] = &[
    UserMetric {
        ..um("impressions", "Impressions", "Total number of times the Business Account's media objects have been viewed", Shape::Both(DWM))
    },
    UserMetric {
        breakdowns: &["media_product_type", "follow_type"],
        ..um("reach", "Reach", "Total number of times the Business Account's media objects have been uniquely viewed", Shape::Both(DWM))
    },
    UserMetric {
        needs_followers: true,
        ..um("follower_count", "Follower Count", "Total number of unique accounts following this profile", Shape::Series(DAY_ONLY))
    },
    UserMetric {
        ..um("email_contacts", "Email Contacts", "Total number of taps on the email link in this profile", Shape::Series(DAY_ONLY))
    },
    UserMetric {
        ..um("phone_call_clicks", "Phone Call Clicks", "Total number of taps on the call link in this profile", Shape::Series(DAY_ONLY))
    },
    UserMetric {
        ..um("text_message_clicks", "Text Message Clicks", "Total number of taps on the text message link in this profile", Shape::Series(DAY_ONLY))
    },
    UserMetric {
        ..um("get_directions_clicks", "Get Directions Clicks", "Total number of taps on the directions link in this profile", Shape::Series(DAY_ONLY))
    },
    UserMetric {
        ..um("website_clicks", "Website Clicks", "Total number of taps on the website link in this profile", Shape::Both(DAY_ONLY))
    },
    UserMetric {
        ..um("profile_views", "Profile Views", "Total number of users who have viewed the Business Account's profile within the specified period", Shape::Both(DAY_ONLY))
    },
    UserMetric {
        needs_followers: true,
        ..um("online_followers", "Online Followers", "Total number of this profile's followers that were online during the specified range", Shape::Lifetime)
    },
    um("accounts_engaged", "Accounts engaged", "The number of accounts that have interacted with your content, including in ads.", Shape::Total),
    UserMetric {
        breakdowns: MPT,
        ..um("total_interactions", "Content interactions", "The total number of post interactions, story interactions, reels interactions, video interactions and live video interactions, including any interactions on boosted content.", Shape::Total)
    },
    UserMetric {
        breakdowns: MPT,
        ..um("likes", "Likes", "The number of likes on your posts, reels and videos.", Shape::Total)
    },
    UserMetric {
        breakdowns: MPT,
        ..um("comments", "Comments", "The number of comments on your posts, reels, videos and live videos.", Shape::Total)
    },
    UserMetric {
        breakdowns: MPT,
        ..um("shares", "Shares", "The number of shares of your posts, stories, reels, videos and live videos.", Shape::Total)
    },
    UserMetric {
        breakdowns: MPT,
        ..um("saves", "Saves", "The number of saves of your posts, reels and videos.", Shape::Total)
    },
    um("replies", "Replies", "The number of replies you received from your story, including text replies and quick reaction replies.", Shape::Total),
    UserMetric {
        breakdowns: DEMO_BREAKDOWNS,
        needs_followers: true,
        ..um("engaged_audience_demographics", "Engaged audience demographics", "The demographic characteristics of the engaged audience, including countries, cities and gender distribution.", Shape::Demographic)
    },
    UserMetric {
        breakdowns: DEMO_BREAKDOWNS,
        needs_followers: true,
        ..um("reached_audience_demographics", "Reached audience demographics", "The demographic characteristics of the reached audience, including countries, cities and gender distribution.", Shape::Demographic)
    },
    UserMetric {
        breakdowns: DEMO_BREAKDOWNS,
        needs_followers: true,
        ..um("follower_demographics", "Follower demographics", "The demographic characteristics of followers, including countries, cities and gender distribution.", Shape::Demographic)
    },
    UserMetric {
        breakdowns: &["follow_type"],
        needs_followers: true,
        ..um("follows_and_unfollows", "Follows and unfollows", "The number of accounts that followed you and the number of accounts that unfollowed you or left Instagram in the selected time period.", Shape::Total)
    },
    UserMetric {
        breakdowns: &["contact_button_type"],
        ..um("profile_links_taps", "Profile links taps", "The number of taps on your business address, call button, email button and text button.", Shape::Total)
    },
    UserMetric {
        breakdowns: &["media_product_type", "follow_type"],
        ..um("views", "Views", "The number of times your content was played or displayed.", Shape::Total)
    },
    // Every version from 2025-12-03 (version.rs, out of cycle): "how often your media is
    // reposted at the overall account level" (blog 2025-12-03). Broken down by product type as
    // the other interaction counts; title, description and breakdowns are UNCONFIRMED.
    UserMetric {
        breakdowns: MPT,
        ..um("reposts", "Reposts", "The number of times your posts, reels and videos were reposted.", Shape::Total)
    },
];

/// The kinds of media the media catalogue tells apart (facts §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MediaKind {
    FeedImage,
    FeedVideo,
    Carousel,
    Reel,
    Story,
    /// Album children and live broadcasts have no insights.
    AlbumChild,
    Live,
}

impl MediaKind {
    pub fn of(m: &Media) -> Self {
        if m.is_child() {
            return MediaKind::AlbumChild;
        }
        match (m.media_type, m.product_type) {
            (MediaType::Broadcast, _) | (_, ProductType::Live) => MediaKind::Live,
            (_, ProductType::Story) => MediaKind::Story,
            (_, ProductType::Reels) => MediaKind::Reel,
            (MediaType::CarouselAlbum, _) => MediaKind::Carousel,
            (MediaType::Video, _) => MediaKind::FeedVideo,
            _ => MediaKind::FeedImage,
        }
    }

    /// The `media_product_type` breakdown value of account metrics (facts §5.1, §8.8).
    pub fn breakdown_value(self) -> &'static str {
        match self {
            MediaKind::Carousel => "CAROUSEL_CONTAINER",
            MediaKind::Reel => "REEL",
            MediaKind::Story => "STORY",
            _ => "POST",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct MediaMetric {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub kinds: &'static [MediaKind],
    pub breakdowns: &'static [&'static str],
}

use MediaKind::{Carousel, FeedImage, FeedVideo, Reel, Story};

const fn mm(
    name: &'static str,
    title: &'static str,
    description: &'static str,
    kinds: &'static [MediaKind],
) -> MediaMetric {
    MediaMetric {
        name,
        title,
        description,
        kinds,
        breakdowns: &[],
    }
}

/// Media metrics (facts §5.3, v18 doc plus the 2024 reels metrics and v22's `views`).
pub const MEDIA_METRICS: &[MediaMetric] = &[
    MediaMetric {
        ..mm(
            "impressions",
            "Impressions",
            "Total number of times the media object has been seen",
            &[FeedImage, FeedVideo, Carousel, Story],
        )
    },
    mm(
        "reach",
        "Reach",
        "Total number of unique accounts that have seen the media object",
        &[FeedImage, FeedVideo, Carousel, Reel, Story],
    ),
    mm(
        "saved",
        "Saved",
        "Total number of unique accounts that have saved the media object",
        &[FeedImage, FeedVideo, Carousel, Reel],
    ),
    MediaMetric {
        ..mm(
            "video_views",
            "Video Views",
            "Total number of times the video IG Media has been seen",
            &[FeedVideo, Carousel],
        )
    },
    // likes, comments and shares answer on CAROUSEL_ALBUM too: a v25.0 production capture
    // (2026-07) has reach, saved, likes, comments, shares, total_interactions and views succeed
    // on IMAGE, VIDEO, CAROUSEL_ALBUM and REELS alike (facts §9; issue 10 case 8). The guides'
    // catalogue left carousels out.
    mm(
        "likes",
        "Likes",
        "Number of likes on the media object",
        &[FeedImage, FeedVideo, Carousel, Reel],
    ),
    mm(
        "comments",
        "Comments",
        "Number of comments on the media object",
        &[FeedImage, FeedVideo, Carousel, Reel],
    ),
    mm(
        "shares",
        "Shares",
        "Number of shares of the media object",
        &[FeedImage, FeedVideo, Carousel, Reel, Story],
    ),
    mm(
        "follows",
        "Follows",
        "Number of accounts that started following you after seeing the media object",
        &[FeedImage, FeedVideo, Story],
    ),
    MediaMetric {
        breakdowns: &["action_type"],
        ..mm(
            "profile_activity",
            "Profile activity",
            "Number of actions taken on your profile after seeing the media object",
            &[FeedImage, FeedVideo, Story],
        )
    },
    mm(
        "profile_visits",
        "Profile visits",
        "Number of times your profile was visited after seeing the media object",
        &[FeedImage, FeedVideo, Story],
    ),
    mm(
        "total_interactions",
        "Interactions",
        "Number of likes, saves, comments and shares on the media object, minus unlikes, unsaves and deleted comments",
        &[FeedImage, FeedVideo, Carousel, Reel, Story],
    ),
    mm(
        "ig_reels_avg_watch_time",
        "Average watch time",
        "Average amount of time spent playing the reel, in milliseconds",
        &[Reel],
    ),
    mm(
        "ig_reels_video_view_total_time",
        "Watch time",
        "Total amount of time the reel was played, including replays, in milliseconds",
        &[Reel],
    ),
    MediaMetric {
        ..mm(
            "plays",
            "Plays",
            "Number of times the reel started to play after an impression",
            &[Reel],
        )
    },
    MediaMetric {
        ..mm(
            "clips_replays_count",
            "Replays",
            "Number of times the reel started to play again after its initial play",
            &[Reel],
        )
    },
    MediaMetric {
        ..mm(
            "ig_reels_aggregated_all_plays_count",
            "Plays",
            "Number of times the reel started to play, initial plays and replays",
            &[Reel],
        )
    },
    mm("replies", "Replies", "Total number of replies to the story", &[Story]),
    MediaMetric {
        breakdowns: &["story_navigation_action_type"],
        ..mm(
            "navigation",
            "Navigation",
            "Total number of actions taken from the story: taps forward, taps back, exits and swipes forward",
            &[Story],
        )
    },
    MediaMetric {
        ..mm(
            "views",
            "Views",
            "Number of times the media object was played or displayed",
            &[FeedImage, FeedVideo, Carousel, Reel, Story],
        )
    },
    // Every version from 2025-12-03 (version.rs, out of cycle): "how often your individual
    // media is reposted" (blog 2025-12-03); stories cannot be reposted. Title and description
    // are igsim's (UNCONFIRMED).
    mm(
        "reposts",
        "Reposts",
        "Number of times the media object was reposted",
        &[FeedImage, FeedVideo, Carousel, Reel],
    ),
];

/// Every breakdown name the endpoints know (facts §5.1).
pub const BREAKDOWNS: &[&str] = &[
    "media_product_type",
    "follow_type",
    "contact_button_type",
    "age",
    "city",
    "country",
    "gender",
    "action_type",
    "story_navigation_action_type",
];

pub const PERIODS: &[&str] = &["day", "week", "days_28", "month", "lifetime", "total_over_range"];

/// Account metrics of a version at `now` (the sandbox's clock: out-of-cycle additions come on
/// their day), in the API's order.
pub fn user_catalogue(v: ApiVersion, now: i64) -> Vec<&'static UserMetric> {
    USER_METRICS
        .iter()
        .filter(|m| version::metric_live(Scope::User, m.name, v, now))
        .collect()
}

/// Media metrics of a version at `now`.
pub fn media_catalogue(v: ApiVersion, now: i64) -> Vec<&'static MediaMetric> {
    MEDIA_METRICS
        .iter()
        .filter(|m| version::metric_live(Scope::Media, m.name, v, now))
        .collect()
}

/// The metrics a media kind answers in a version at `now` (empty for album children and live).
pub fn media_metrics_for(v: ApiVersion, now: i64, kind: MediaKind) -> Vec<&'static MediaMetric> {
    media_catalogue(v, now)
        .into_iter()
        .filter(|m| m.kinds.contains(&kind))
        .collect()
}

/// Demographic `timeframe` values of a metric in a version (v18 has six; v20 cut the reached
/// and engaged audience demographics to two: the version timeline's `Timeframes` rows).
pub fn timeframes(metric: &str, v: ApiVersion) -> &'static [&'static str] {
    version::timeframes(metric, v)
}

// ---- answers ----------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeriesValue {
    Int(u64),
    /// online_followers: hour of day -> followers online.
    Map(BTreeMap<String, u64>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breakdown {
    pub keys: Vec<String>,
    pub results: Vec<(Vec<String>, u64)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Total {
    /// Left out for demographics (the doc sample has none).
    pub value: Option<u64>,
    pub breakdowns: Vec<Breakdown>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Insight {
    pub name: &'static str,
    pub period: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    /// `values`: `(end_time, value)`; media values have no end_time.
    pub values: Option<Vec<(Option<i64>, SeriesValue)>>,
    pub total: Option<Total>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAnswer {
    pub data: Vec<Insight>,
    /// The time window answered, for paging to the previous/next window.
    pub window: Option<(i64, i64)>,
}

/// A parsed `GET /{ig-user-id}/insights` request.
#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    pub metrics: Vec<String>,
    pub period: Option<String>,
    pub metric_type: Option<String>,
    pub breakdowns: Vec<String>,
    pub timeframe: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
}

/// A parsed `GET /{ig-media-id}/insights` request.
#[derive(Debug, Clone, Default)]
pub struct MediaQuery {
    pub metrics: Vec<String>,
    pub breakdowns: Vec<String>,
}

// ---- per-media values -------------------------------------------------------------------

/// A rate in `[lo, hi)` hashed from the media (or account) id and a label.
fn rate(id: u64, label: &str, lo: f64, hi: f64) -> f64 {
    let h = stable_hash(&[&id.to_le_bytes(), label.as_bytes()]);
    lo + (hi - lo) * ((h % 10_000) as f64 / 10_000.0)
}

fn floor(x: f64) -> u64 {
    if x.is_finite() && x > 0.0 {
        x.floor() as u64
    } else {
        0
    }
}

/// A media's lifetime values as of one instant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub likes: u64,
    pub comments: u64,
    pub saved: u64,
    pub shares: u64,
    pub reach: u64,
    pub impressions: u64,
    pub views: u64,
    pub plays: u64,
    pub replays: u64,
    pub video_views: u64,
    pub profile_visits: u64,
    pub follows: u64,
    /// bio_link_clicked, call, direction, email, text, other
    pub profile_activity: [u64; 6],
    pub replies: u64,
    /// tap_forward, tap_back, tap_exit, swipe_forward
    pub navigation: [u64; 4],
    pub avg_watch_ms: u64,
    pub reposts: u64,
}

pub const ACTION_TYPES: [&str; 6] = ["bio_link_clicked", "call", "direction", "email", "text", "other"];
pub const NAVIGATION_TYPES: [&str; 4] = ["tap_forward", "tap_back", "tap_exit", "swipe_forward"];

impl Snapshot {
    pub fn total_interactions(&self, kind: MediaKind) -> u64 {
        match kind {
            MediaKind::Story => self.replies + self.shares,
            _ => self.likes + self.comments + self.saved + self.shares,
        }
    }

    pub fn all_plays(&self) -> u64 {
        self.plays + self.replays
    }

    pub fn profile_activity_total(&self) -> u64 {
        self.profile_activity.iter().sum()
    }

    pub fn navigation_total(&self) -> u64 {
        self.navigation.iter().sum()
    }

    pub fn watch_total_ms(&self) -> u64 {
        self.avg_watch_ms * self.all_plays()
    }
}

/// The share of its eventual audience a media has reached at `age` seconds: 0 at posting,
/// rising quickly then levelling off. Stories stop gathering views when they expire.
fn maturity(kind: MediaKind, age: i64, story_lifetime: i64) -> f64 {
    let (tau, cap) = match kind {
        MediaKind::Story => (2.0 * 3600.0, story_lifetime),
        MediaKind::Reel => (12.0 * 3600.0, i64::MAX),
        _ => (8.0 * 3600.0, i64::MAX),
    };
    let a = age.clamp(0, cap) as f64;
    a / (a + tau)
}

/// Comments (with replies) on `media` written at or before `t`.
fn comments_at(world: &World, m: &Media, t: i64, now: i64) -> u64 {
    if t >= now {
        return world.comment_count(m.id);
    }
    m.comments
        .values()
        .filter_map(|c| world.comments.get(c))
        .filter(|c| c.timestamp <= t)
        .map(|c| {
            1 + c
                .replies
                .values()
                .filter_map(|r| world.comments.get(r))
                .filter(|r| r.timestamp <= t)
                .count() as u64
        })
        .sum()
}

/// A media's lifetime values as of `t` (clamped to `now`; zero before it was posted).
pub fn snapshot(world: &World, m: &Media, t: i64, now: i64, story_lifetime: i64) -> Snapshot {
    let kind = MediaKind::of(m);
    let t = t.min(now);
    if t < m.timestamp {
        return Snapshot::default();
    }
    let id = m.id.0;
    let followers = world.ig_users.get(&m.owner).map_or(0, |u| u.followers_count) as f64;
    let mt = maturity(kind, t - m.timestamp, story_lifetime);
    let mnow = maturity(kind, now - m.timestamp, story_lifetime);
    // Likes are the media's own count now; earlier they had accrued along the same curve.
    let likes = if t >= now {
        m.like_count
    } else if mnow > 0.0 {
        floor(m.like_count as f64 * mt / mnow)
    } else {
        0
    };
    let comments = comments_at(world, m, t, now);
    let story = kind == MediaKind::Story;
    let audience = if story {
        followers * rate(id, "story_reach", 0.03, 0.12)
    } else {
        followers * rate(id, "reach", 0.08, 0.38)
    };
    let reach = floor(audience * mt) + likes + comments;
    let impressions = reach + floor(reach as f64 * rate(id, "repeat", 0.1, 0.6));
    let saved = if story {
        0
    } else {
        floor(likes as f64 * rate(id, "saved", 0.01, 0.06))
    };
    let shares = if story {
        floor(reach as f64 * rate(id, "story_shares", 0.004, 0.02))
    } else {
        floor(likes as f64 * rate(id, "shares", 0.005, 0.03))
    };
    let (plays, replays) = if kind == MediaKind::Reel {
        let plays = reach + floor(reach as f64 * rate(id, "plays", 0.05, 0.4));
        (plays, floor(plays as f64 * rate(id, "replays", 0.05, 0.25)))
    } else {
        (0, 0)
    };
    let views = if kind == MediaKind::Reel {
        plays + replays
    } else {
        impressions
    };
    let has_video = match kind {
        MediaKind::FeedVideo => true,
        MediaKind::Carousel => m
            .children
            .iter()
            .any(|c| world.media.get(c).is_some_and(|c| c.media_type == MediaType::Video)),
        _ => false,
    };
    let video_views = if has_video {
        floor(impressions as f64 * rate(id, "video_views", 0.2, 0.7))
    } else {
        0
    };
    let reposts = if story {
        0
    } else {
        floor(likes as f64 * rate(id, "reposts", 0.002, 0.02))
    };
    let profile_visits = floor(reach as f64 * rate(id, "profile_visits", 0.01, 0.05));
    let follows = floor(profile_visits as f64 * rate(id, "follows", 0.05, 0.2));
    let mut profile_activity = [0u64; 6];
    for (i, a) in ACTION_TYPES.iter().enumerate() {
        profile_activity[i] = floor(profile_visits as f64 * rate(id, a, 0.0, 0.12));
    }
    let replies = if story {
        floor(reach as f64 * rate(id, "replies", 0.005, 0.03))
    } else {
        0
    };
    let mut navigation = [0u64; 4];
    if story {
        let ranges = [(0.4, 0.7), (0.03, 0.1), (0.05, 0.15), (0.02, 0.08)];
        for (i, n) in NAVIGATION_TYPES.iter().enumerate() {
            navigation[i] = floor(impressions as f64 * rate(id, n, ranges[i].0, ranges[i].1));
        }
    }
    let avg_watch_ms = if plays > 0 {
        3_000 + (stable_hash(&[&id.to_le_bytes(), b"watch"]) % 17_000)
    } else {
        0
    };
    Snapshot {
        likes,
        comments,
        saved,
        shares,
        reach,
        impressions,
        views,
        plays,
        replays,
        video_views,
        profile_visits,
        follows,
        profile_activity,
        replies,
        navigation,
        avg_watch_ms,
        reposts,
    }
}

fn media_value(s: &Snapshot, kind: MediaKind, metric: &str) -> u64 {
    match metric {
        "impressions" => s.impressions,
        "reach" => s.reach,
        "saved" => s.saved,
        "video_views" => s.video_views,
        "likes" => s.likes,
        "comments" => s.comments,
        "shares" => s.shares,
        "follows" => s.follows,
        "profile_activity" => s.profile_activity_total(),
        "profile_visits" => s.profile_visits,
        "total_interactions" => s.total_interactions(kind),
        "ig_reels_avg_watch_time" => s.avg_watch_ms,
        "ig_reels_video_view_total_time" => s.watch_total_ms(),
        "plays" => s.plays,
        "clips_replays_count" => s.replays,
        "ig_reels_aggregated_all_plays_count" => s.all_plays(),
        "replies" => s.replies,
        "navigation" => s.navigation_total(),
        "views" => s.views,
        "reposts" => s.reposts,
        _ => 0,
    }
}

// ---- media insights ---------------------------------------------------------------------

fn check_breakdown_names(breakdowns: &[String]) -> Result<(), GraphError> {
    for (i, b) in breakdowns.iter().enumerate() {
        if !BREAKDOWNS.contains(&b.as_str()) {
            return Err(GraphError::not_one_of(&format!("breakdown[{i}]"), BREAKDOWNS));
        }
    }
    Ok(())
}

/// `GET /{ig-media-id}/insights` (facts §5.3, §1.6).
pub fn media_insights(world: &World, media: MediaId, q: &MediaQuery, s: &Settings) -> Result<Vec<Insight>, GraphError> {
    let Some(m) = world.media.get(&media) else {
        return Err(GraphError::unsupported("GET", &media.to_string()));
    };
    if q.metrics.is_empty() {
        return Err(GraphError::missing_param("metric"));
    }
    check_breakdown_names(&q.breakdowns)?;
    let kind = MediaKind::of(m);
    let catalogue = media_catalogue(s.version, s.now);
    let mut defs = Vec::new();
    for (i, name) in q.metrics.iter().enumerate() {
        let kept = || {
            version::kept_for_older_media(name, s.requested, m.timestamp)
                .then(|| media_catalogue(s.requested, s.now).into_iter().find(|d| d.name == name))
                .flatten()
        };
        let Some(def) = catalogue.iter().copied().find(|d| d.name == name).or_else(kept) else {
            return Err(unknown_media_metric(name, i, s.version, kind, &catalogue));
        };
        if !def.kinds.contains(&kind) {
            return Err(GraphError::metric_not_for_media_type(name));
        }
        if q.breakdowns.iter().any(|b| !def.breakdowns.contains(&b.as_str())) {
            return Err(GraphError::insights_unsupported_breakdown());
        }
        if !defs.iter().any(|d: &&MediaMetric| d.name == def.name) {
            defs.push(def);
        }
    }
    let now = s.now;
    if kind == MediaKind::Story && now - m.timestamp >= s.story_lifetime {
        // "Stories insights are only available for 24 hours" (guide, Limitations).
        return if s.expired_story_error {
            Err(GraphError::story_insights_expired(s.story_lifetime))
        } else {
            Ok(Vec::new())
        };
    }
    let snap = snapshot(world, m, now, now, s.story_lifetime);
    if kind == MediaKind::Story && snap.reach < 5 {
        return Err(GraphError::not_enough_viewers());
    }
    Ok(defs
        .into_iter()
        .map(|d| {
            let value = media_value(&snap, kind, d.name);
            let total = (!q.breakdowns.is_empty()).then(|| {
                let (key, results): (&str, Vec<(Vec<String>, u64)>) = match d.name {
                    "profile_activity" => (
                        "action_type",
                        ACTION_TYPES
                            .iter()
                            .zip(snap.profile_activity)
                            .filter(|(_, v)| *v > 0)
                            .map(|(k, v)| (vec![k.to_string()], v))
                            .collect(),
                    ),
                    _ => (
                        "story_navigation_action_type",
                        NAVIGATION_TYPES
                            .iter()
                            .zip(snap.navigation)
                            .filter(|(_, v)| *v > 0)
                            .map(|(k, v)| (vec![k.to_string()], v))
                            .collect(),
                    ),
                };
                Total {
                    value: Some(value),
                    breakdowns: vec![Breakdown {
                        keys: vec![key.to_string()],
                        results,
                    }],
                }
            });
            Insight {
                name: d.name,
                period: "lifetime",
                title: d.title,
                description: d.description,
                values: Some(vec![(None, SeriesValue::Int(value))]),
                total,
            }
        })
        .collect())
}

/// The error for a metric the version's catalogue lacks: a removal's own answer (version
/// timeline), a metric not yet added, or the enum error listing the catalogue.
///
/// v22's media removals answer "Starting from version v22.0 …" on IMAGE and CAROUSEL_ALBUM
/// but "The Media Insights API does not support the <m> metric for this media product type"
/// on REELS and VIDEO (production captures, facts §9; issue 10 case 7).
fn unknown_media_metric(
    name: &str,
    i: usize,
    v: ApiVersion,
    kind: MediaKind,
    catalogue: &[&MediaMetric],
) -> GraphError {
    if let Some(def) = MEDIA_METRICS.iter().find(|d| d.name == name) {
        match version::metric_removed(Scope::Media, def.name) {
            Some((at, Gone::StartingFrom)) if v >= at && matches!(kind, MediaKind::Reel | MediaKind::FeedVideo) => {
                return GraphError::media_metric_removed_for_product_type(name)
            }
            Some((at, Gone::StartingFrom)) if v >= at => return GraphError::media_metric_removed_v22(name),
            Some((at, Gone::NotForProductType)) if v >= at => return GraphError::metric_not_for_product_type(name),
            _ if version::metric_added(Scope::Media, def.name).is_some_and(|a| v < a) => {
                return GraphError::metric_not_for_product_type(name)
            }
            _ => {}
        }
    }
    let names: Vec<&str> = catalogue.iter().map(|d| d.name).collect();
    GraphError::not_one_of(&format!("metric[{i}]"), &names)
}

// ---- account insights -------------------------------------------------------------------

/// The first legacy day boundary strictly after `t`.
fn boundary_after(t: i64) -> i64 {
    let shifted = t - DAY_BOUNDARY_OFFSET;
    (shifted.div_euclid(DAY) + 1) * DAY + DAY_BOUNDARY_OFFSET
}

/// Growth of an account's media inside `[a, b]`, per media kind.
#[derive(Debug, Clone, Default)]
struct Growth {
    by_kind: BTreeMap<MediaKind, Snapshot>,
}

impl Growth {
    fn sum(&self, f: impl Fn(&Snapshot) -> u64) -> u64 {
        self.by_kind.values().map(f).sum()
    }
}

fn sub(a: &Snapshot, b: &Snapshot) -> Snapshot {
    let mut pa = [0u64; 6];
    for (i, v) in pa.iter_mut().enumerate() {
        *v = a.profile_activity[i].saturating_sub(b.profile_activity[i]);
    }
    let mut nav = [0u64; 4];
    for (i, v) in nav.iter_mut().enumerate() {
        *v = a.navigation[i].saturating_sub(b.navigation[i]);
    }
    Snapshot {
        likes: a.likes.saturating_sub(b.likes),
        comments: a.comments.saturating_sub(b.comments),
        saved: a.saved.saturating_sub(b.saved),
        shares: a.shares.saturating_sub(b.shares),
        reach: a.reach.saturating_sub(b.reach),
        impressions: a.impressions.saturating_sub(b.impressions),
        views: a.views.saturating_sub(b.views),
        plays: a.plays.saturating_sub(b.plays),
        replays: a.replays.saturating_sub(b.replays),
        video_views: a.video_views.saturating_sub(b.video_views),
        profile_visits: a.profile_visits.saturating_sub(b.profile_visits),
        follows: a.follows.saturating_sub(b.follows),
        profile_activity: pa,
        replies: a.replies.saturating_sub(b.replies),
        navigation: nav,
        avg_watch_ms: 0,
        reposts: a.reposts.saturating_sub(b.reposts),
    }
}

fn add(acc: &mut Snapshot, d: &Snapshot) {
    acc.likes += d.likes;
    acc.reposts += d.reposts;
    acc.comments += d.comments;
    acc.saved += d.saved;
    acc.shares += d.shares;
    acc.reach += d.reach;
    acc.impressions += d.impressions;
    acc.views += d.views;
    acc.plays += d.plays;
    acc.replays += d.replays;
    acc.video_views += d.video_views;
    acc.profile_visits += d.profile_visits;
    acc.follows += d.follows;
    acc.replies += d.replies;
    for i in 0..6 {
        acc.profile_activity[i] += d.profile_activity[i];
    }
    for i in 0..4 {
        acc.navigation[i] += d.navigation[i];
    }
}

/// The account's top-level media and stories (album children count through their album).
fn account_media(world: &World, ig: IgUserId) -> Vec<&Media> {
    let feed = world.feed.get(&ig).into_iter().flat_map(|f| f.values());
    let stories = world.stories.get(&ig).into_iter().flat_map(|f| f.values());
    feed.chain(stories)
        .filter_map(|id| world.media.get(id).map(|m| &**m))
        .collect()
}

/// Growth in each consecutive window of `points` (`points[i]..points[i+1]`).
fn growth_series(world: &World, ig: IgUserId, points: &[i64], s: &Settings) -> Vec<Growth> {
    let mut out = vec![Growth::default(); points.len().saturating_sub(1)];
    for m in account_media(world, ig) {
        let kind = MediaKind::of(m);
        if points.last().is_some_and(|last| m.timestamp >= *last) {
            continue;
        }
        let snaps: Vec<Snapshot> = points
            .iter()
            .map(|t| snapshot(world, m, *t, s.now, s.story_lifetime))
            .collect();
        for (i, w) in snaps.windows(2).enumerate() {
            let d = sub(&w[1], &w[0]);
            add(out[i].by_kind.entry(kind).or_default(), &d);
        }
    }
    out
}

/// Daily profile views not explained by posts (people finding the profile directly).
fn baseline_profile_views(ig: IgUserId, followers: u64, day_end: i64) -> u64 {
    let noise = rate(ig.0 ^ (day_end as u64), "profile_baseline", 0.5, 1.5);
    floor(followers as f64 * 0.002 * noise)
}

/// New followers on the day ending at `day_end` (facts: follower_count is new followers).
fn new_followers(ig: IgUserId, followers: u64, day_end: i64, g: &Growth) -> u64 {
    let noise = rate(ig.0 ^ (day_end as u64), "new_followers", 0.0, 2.0);
    floor(followers as f64 * 0.0008 * noise) + g.sum(|x| x.follows)
}

/// Values of the additive account metrics in one window.
fn window_value(world: &World, ig: IgUserId, metric: &str, g: &Growth, window: (i64, i64)) -> u64 {
    let followers = world.ig_users.get(&ig).map_or(0, |u| u.followers_count);
    let days: Vec<i64> = {
        let mut v = Vec::new();
        let mut e = boundary_after(window.0);
        while e <= window.1 {
            v.push(e);
            e += DAY;
        }
        if v.is_empty() {
            v.push(boundary_after(window.0));
        }
        v
    };
    let span_days = ((window.1 - window.0) as f64 / DAY as f64).max(0.0);
    let day_share = (span_days / days.len() as f64).min(1.0);
    let profile_views = || {
        g.sum(|x| x.profile_visits)
            + floor(
                days.iter()
                    .map(|d| baseline_profile_views(ig, followers, *d) as f64)
                    .sum::<f64>()
                    * day_share,
            )
    };
    let link = |label: &str, lo: f64, hi: f64| floor(profile_views() as f64 * rate(ig.0, label, lo, hi));
    match metric {
        "impressions" => g.sum(|x| x.impressions),
        "views" => g.sum(|x| x.views),
        "likes" => g.sum(|x| x.likes),
        "comments" => g.sum(|x| x.comments),
        "shares" => g.sum(|x| x.shares),
        "saves" => g.sum(|x| x.saved),
        "replies" => g.sum(|x| x.replies),
        "reposts" => g.sum(|x| x.reposts),
        "total_interactions" => g.sum(|x| x.likes + x.comments + x.saved + x.shares + x.replies),
        "profile_views" => profile_views(),
        "website_clicks" => link("website_clicks", 0.05, 0.15),
        "email_contacts" => link("email_contacts", 0.005, 0.03),
        "phone_call_clicks" => link("phone_call_clicks", 0.002, 0.02),
        "text_message_clicks" => link("text_message_clicks", 0.001, 0.01),
        "get_directions_clicks" => link("get_directions_clicks", 0.002, 0.02),
        "follower_count" => {
            floor(
                days.iter()
                    .map(|d| new_followers(ig, followers, *d, &Growth::default()) as f64)
                    .sum::<f64>()
                    * day_share,
            ) + g.sum(|x| x.follows)
        }
        _ => 0,
    }
}

/// Unique accounts reached in a window: fewer than the sum over posts (people see several),
/// and fewer still over several days.
fn dedupe(days: f64) -> f64 {
    0.8 / (1.0 + 0.15 * (days - 1.0).max(0.0))
}

fn reach_value(g: &Growth, days: f64) -> u64 {
    floor(g.sum(|x| x.reach) as f64 * dedupe(days))
}

/// Validates an account request against the version's catalogue (facts §1.6, §5.1, §5.2).
fn validate_user(q: &UserQuery, v: ApiVersion, now: i64) -> Result<Vec<&'static UserMetric>, GraphError> {
    if q.metrics.is_empty() {
        return Err(GraphError::missing_param("metric"));
    }
    let catalogue = user_catalogue(v, now);
    let mut defs: Vec<&'static UserMetric> = Vec::new();
    for (i, name) in q.metrics.iter().enumerate() {
        match catalogue.iter().find(|d| d.name == name) {
            Some(d) => {
                if !defs.iter().any(|x| x.name == d.name) {
                    defs.push(d)
                }
            }
            None => {
                if let Some((at, Gone::StartingFrom)) = version::metric_removed(Scope::User, name) {
                    if v >= at {
                        return Err(GraphError::user_metric_removed_v22(name));
                    }
                }
                let names: Vec<&str> = catalogue.iter().map(|d| d.name).collect();
                return Err(GraphError::not_one_of(&format!("metric[{i}]"), &names));
            }
        }
    }
    if let Some(p) = &q.period {
        if !PERIODS.contains(&p.as_str()) {
            return Err(GraphError::not_one_of("period", PERIODS));
        }
    }
    let metric_type = match q.metric_type.as_deref() {
        None | Some("") | Some("default") => None,
        Some(t @ ("time_series" | "total_value")) => Some(t),
        Some(_) => {
            return Err(GraphError::not_one_of(
                "metric_type",
                &["default", "time_series", "total_value"],
            ))
        }
    };
    check_breakdown_names(&q.breakdowns)?;
    // Metrics that only exist as totals need metric_type=total_value (the real v21+ error
    // lists them all).
    let series_ok = |d: &UserMetric| match d.shape {
        Shape::Series(_) | Shape::Lifetime => true,
        Shape::Both(_) => version::series_removed(d.name).is_none_or(|r| v < r),
        Shape::Total | Shape::Demographic => false,
    };
    if metric_type != Some("total_value") {
        let need: Vec<&str> = defs.iter().filter(|d| !series_ok(d)).map(|d| d.name).collect();
        if !need.is_empty() {
            return Err(GraphError::needs_total_value(&need));
        }
    } else {
        let cannot: Vec<&str> = defs
            .iter()
            .filter(|d| matches!(d.shape, Shape::Series(_) | Shape::Lifetime))
            .map(|d| d.name)
            .collect();
        if !cannot.is_empty() {
            return Err(GraphError::no_total_value(&cannot));
        }
    }
    // Periods: every metric must accept the one asked for.
    let Some(period) = q.period.as_deref() else {
        return Err(GraphError::missing_param("period"));
    };
    for d in &defs {
        let allowed: &[&str] = match (d.shape, metric_type) {
            (Shape::Demographic, _) | (Shape::Lifetime, _) => &["lifetime"],
            (Shape::Total, _) | (Shape::Both(_), Some("total_value")) => DAY_ONLY,
            (Shape::Both(p), _) | (Shape::Series(p), _) => p,
        };
        if !allowed.contains(&period) {
            return Err(GraphError::incompatible_period(d.name, allowed));
        }
    }
    let demographic = defs.iter().any(|d| d.shape == Shape::Demographic);
    if demographic && defs.iter().any(|d| d.shape != Shape::Demographic) {
        return Err(GraphError::insights_unsupported_breakdown());
    }
    if metric_type == Some("total_value") {
        for d in &defs {
            if q.breakdowns.iter().any(|b| !d.breakdowns.contains(&b.as_str())) {
                return Err(GraphError::insights_unsupported_breakdown());
            }
        }
    }
    if demographic {
        let tf = q.timeframe.as_deref().filter(|t| !t.is_empty());
        let Some(tf) = tf else {
            return Err(GraphError::missing_param("timeframe"));
        };
        for d in defs.iter().filter(|d| d.shape == Shape::Demographic) {
            let allowed = timeframes(d.name, v);
            if !allowed.contains(&tf) {
                return Err(GraphError::not_one_of("timeframe", allowed));
            }
        }
        if q.breakdowns.is_empty() {
            return Err(GraphError::missing_param("breakdown"));
        }
    }
    Ok(defs)
}

/// `GET /{ig-user-id}/insights` (facts §5.1–§5.4).
pub fn user_insights(world: &World, ig: IgUserId, q: &UserQuery, s: &Settings) -> Result<UserAnswer, GraphError> {
    let defs = validate_user(q, s.version, s.now)?;
    let total_value = q.metric_type.as_deref() == Some("total_value");
    let period = q.period.as_deref().unwrap_or("day");
    let followers = world.ig_users.get(&ig).map_or(0, |u| u.followers_count);
    let demographic = defs.iter().any(|d| d.shape == Shape::Demographic);
    if demographic {
        let tf = q.timeframe.as_deref().unwrap_or("this_week");
        let data = defs
            .iter()
            .filter(|_| followers >= s.min_followers)
            .map(|d| demographics(world, ig, d, tf, &q.breakdowns, s))
            .collect();
        return Ok(UserAnswer { data, window: None });
    }
    // Since/until: legacy metrics default to two days, totals to the last 24 hours.
    let default_span = if total_value { DAY } else { 2 * DAY };
    let until = q.until.unwrap_or(s.now);
    let since = q.since.unwrap_or(until - default_span);
    if until <= since {
        return Err(GraphError::insights_since_after_until());
    }
    if until.saturating_sub(since) > s.max_range_seconds {
        return Err(GraphError::insights_range_too_long(s.max_range_seconds));
    }
    let mut data = Vec::new();
    for d in &defs {
        if d.needs_followers && followers < s.min_followers {
            continue; // "not available" under 100 followers: left out (facts §1.6).
        }
        let insight = if total_value {
            total_insight(world, ig, d, &q.breakdowns, since, until, s)
        } else {
            series_insight(world, ig, d, period, since, until, s)
        };
        if let Some(i) = insight {
            data.push(i);
        }
    }
    Ok(UserAnswer {
        data,
        window: Some((since, until)),
    })
}

fn period_seconds(period: &str) -> i64 {
    match period {
        "week" => 7 * DAY,
        "days_28" => 28 * DAY,
        _ => DAY,
    }
}

/// time_series values, one per legacy day boundary in `(since, until]`; each covers the
/// period ending there. Windows not yet begun or older than the retention are left out.
fn series_insight(
    world: &World,
    ig: IgUserId,
    d: &UserMetric,
    period: &str,
    since: i64,
    until: i64,
    s: &Settings,
) -> Option<Insight> {
    let mut ends = Vec::new();
    let mut e = boundary_after(since);
    while e <= until {
        if e - DAY < s.now && e > s.now - RETENTION {
            ends.push(e);
        }
        e += DAY;
    }
    if ends.is_empty() {
        return None;
    }
    let span = period_seconds(period);
    let followers = world.ig_users.get(&ig).map_or(0, |u| u.followers_count);
    let mut values = Vec::new();
    if d.shape == Shape::Lifetime {
        for e in &ends {
            values.push((Some(*e), SeriesValue::Map(online_followers(ig, followers, *e))));
        }
    } else {
        // One growth pass over every boundary the windows need.
        let first = ends[0] - span;
        let mut points: Vec<i64> = Vec::new();
        let mut p = first;
        while p <= *ends.last().unwrap_or(&first) {
            points.push(p);
            p += DAY;
        }
        let daily = growth_series(world, ig, &points, s);
        for e in &ends {
            let days = (span / DAY) as usize;
            let end_idx = ((e - first) / DAY) as usize;
            let start_idx = end_idx.saturating_sub(days);
            let mut g = Growth::default();
            for day in daily.iter().take(end_idx).skip(start_idx) {
                for (k, snap) in &day.by_kind {
                    add(g.by_kind.entry(*k).or_default(), snap);
                }
            }
            let v = if d.name == "reach" {
                if days == 1 {
                    reach_value(&g, 1.0)
                } else {
                    // Unique over the period: dedupe each day, then across days.
                    let per_day: u64 = daily
                        .iter()
                        .take(end_idx)
                        .skip(start_idx)
                        .map(|x| reach_value(x, 1.0))
                        .sum();
                    floor(per_day as f64 / (1.0 + 0.15 * (days as f64 - 1.0)))
                }
            } else if days == 1 {
                window_value(world, ig, d.name, &g, (e - DAY, *e))
            } else {
                daily
                    .iter()
                    .take(end_idx)
                    .skip(start_idx)
                    .enumerate()
                    .map(|(i, x)| {
                        let de = e - span + (i as i64 + 1) * DAY;
                        window_value(world, ig, d.name, x, (de - DAY, de))
                    })
                    .sum()
            };
            values.push((Some(*e), SeriesValue::Int(v)));
        }
    }
    Some(Insight {
        name: d.name,
        period: if d.shape == Shape::Lifetime {
            "lifetime"
        } else {
            period_name(period)
        },
        title: d.title,
        description: d.description,
        values: Some(values),
        total: None,
    })
}

fn period_name(p: &str) -> &'static str {
    PERIODS.iter().find(|x| **x == p).copied().unwrap_or("day")
}

fn online_followers(ig: IgUserId, followers: u64, day_end: i64) -> BTreeMap<String, u64> {
    (0..24)
        .map(|h: u64| {
            // Evenings are busier than nights.
            let curve = 0.15 + 0.35 * (((h as f64 - 4.0) / 24.0 * std::f64::consts::TAU).sin() + 1.0) / 2.0;
            let noise = rate(ig.0 ^ (day_end as u64) ^ h, "online", 0.85, 1.15);
            (h.to_string(), floor(followers as f64 * curve * noise))
        })
        .collect()
}

/// total_value over `[since, until]`, with breakdown results that add up to the value.
fn total_insight(
    world: &World,
    ig: IgUserId,
    d: &UserMetric,
    breakdowns: &[String],
    since: i64,
    until: i64,
    s: &Settings,
) -> Option<Insight> {
    let since_eff = since.max(s.now - RETENTION);
    if since_eff >= s.now || since_eff >= until {
        return None;
    }
    let g = growth_series(world, ig, &[since_eff, until], s)
        .pop()
        .unwrap_or_default();
    let days = ((until - since_eff) as f64 / DAY as f64).max(1.0);
    let followers = world.ig_users.get(&ig).map_or(0, |u| u.followers_count);
    let window = (since_eff, until);
    let per_kind = |f: &dyn Fn(&Growth) -> u64| -> Vec<(Vec<String>, u64)> {
        let mut by: BTreeMap<&str, u64> = BTreeMap::new();
        for kind in g.by_kind.keys() {
            let mut one = Growth::default();
            one.by_kind.insert(*kind, g.by_kind[kind]);
            *by.entry(kind.breakdown_value()).or_default() += f(&one);
        }
        by.into_iter()
            .filter(|(_, v)| *v > 0)
            .map(|(k, v)| (vec![k.to_string()], v))
            .collect()
    };
    let split = |total: u64, label: &str, keys: &[&str], lo: f64, hi: f64| -> Vec<(Vec<String>, u64)> {
        // First key gets a hashed share, the rest the remainder (values add up to total).
        let first = floor(total as f64 * rate(ig.0, label, lo, hi));
        let rest = total - first.min(total);
        let mut out = vec![(vec![keys[0].to_string()], first.min(total))];
        if keys.len() > 1 {
            out.push((vec![keys[1].to_string()], rest));
        }
        out.into_iter().filter(|(_, v)| *v > 0).collect()
    };
    let value_of = |name: &str, g: &Growth| -> u64 {
        match name {
            "reach" => reach_value(g, days),
            "accounts_engaged" => {
                let inter = window_value(world, ig, "total_interactions", g, window);
                floor(inter as f64 * rate(ig.0, "engaged", 0.4, 0.8)).min(reach_value(g, days))
            }
            "follows_and_unfollows" => {
                let follows = window_value(world, ig, "follower_count", g, window);
                follows + floor(follows as f64 * rate(ig.0, "unfollows", 0.2, 0.5))
            }
            "profile_links_taps" => [
                "email_contacts",
                "phone_call_clicks",
                "text_message_clicks",
                "get_directions_clicks",
            ]
            .iter()
            .map(|m| window_value(world, ig, m, g, window))
            .sum(),
            other => window_value(world, ig, other, g, window),
        }
    };
    let value = value_of(d.name, &g);
    let mut out_breakdowns = Vec::new();
    for b in breakdowns {
        let results = match (d.name, b.as_str()) {
            (name, "media_product_type") => {
                let r = per_kind(&|one: &Growth| value_of(name, one));
                // Reach deduplicated per type can round below the whole: keep them summing.
                let sum: u64 = r.iter().map(|x| x.1).sum();
                if sum == value {
                    r
                } else {
                    rebalance(r, value)
                }
            }
            ("follows_and_unfollows", "follow_type") => {
                let follows = window_value(world, ig, "follower_count", &g, window);
                vec![
                    (vec!["FOLLOWER".to_string()], follows),
                    (vec!["NON_FOLLOWER".to_string()], value - follows.min(value)),
                ]
                .into_iter()
                .filter(|(_, v)| *v > 0)
                .collect()
            }
            (_, "follow_type") => split(value, "follower_share", &["FOLLOWER", "NON_FOLLOWER"], 0.55, 0.85),
            (_, "contact_button_type") => {
                let keys = [
                    ("CALL", "phone_call_clicks"),
                    ("DIRECTION", "get_directions_clicks"),
                    ("EMAIL", "email_contacts"),
                    ("TEXT", "text_message_clicks"),
                ];
                keys.iter()
                    .map(|(k, m)| (vec![k.to_string()], window_value(world, ig, m, &g, window)))
                    .filter(|(_, v)| *v > 0)
                    .collect()
            }
            _ => Vec::new(),
        };
        out_breakdowns.push(Breakdown {
            keys: vec![b.clone()],
            results,
        });
    }
    let _ = followers;
    Some(Insight {
        name: d.name,
        period: "day",
        title: d.title,
        description: d.description,
        values: None,
        total: Some(Total {
            value: Some(value),
            breakdowns: out_breakdowns,
        }),
    })
}

/// Moves rounding differences onto the largest result so results add up to `total`.
fn rebalance(mut r: Vec<(Vec<String>, u64)>, total: u64) -> Vec<(Vec<String>, u64)> {
    let sum: u64 = r.iter().map(|x| x.1).sum();
    if let Some(big) = r.iter_mut().max_by_key(|x| x.1) {
        if sum > total {
            big.1 -= (sum - total).min(big.1);
        } else {
            big.1 += total - sum;
        }
    }
    r.into_iter().filter(|(_, v)| *v > 0).collect()
}

const AGES: &[&str] = &["13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"];
const GENDERS: &[&str] = &["F", "M", "U"];
const COUNTRIES: &[&str] = &[
    "US", "GB", "CA", "DE", "FR", "ES", "IT", "BR", "MX", "IN", "JP", "AU", "NL", "SE",
];
const CITIES: &[&str] = &[
    "New York, New York",
    "Los Angeles, California",
    "San Francisco, California",
    "Chicago, Illinois",
    "London, England",
    "Toronto, Ontario",
    "Berlin, Berlin",
    "Paris, Île-de-France",
    "Madrid, Community of Madrid",
    "São Paulo, São Paulo (state)",
    "Mexico City, Distrito Federal",
    "Tokyo, Tokyo",
    "Sydney, New South Wales",
];

fn buckets(dim: &str) -> &'static [&'static str] {
    match dim {
        "age" => AGES,
        "gender" => GENDERS,
        "country" => COUNTRIES,
        _ => CITIES,
    }
}

/// Demographics over a timeframe: the doc sample's shape, with `timeframe` as the first
/// dimension key, top 45 results (facts §5.2, §5.4).
fn demographics(
    world: &World,
    ig: IgUserId,
    d: &UserMetric,
    timeframe: &str,
    dims: &[String],
    s: &Settings,
) -> Insight {
    let followers = world.ig_users.get(&ig).map_or(0, |u| u.followers_count);
    let span = match timeframe {
        "last_14_days" => 14 * DAY,
        "last_30_days" | "prev_month" | "this_month" => 30 * DAY,
        "last_90_days" => 90 * DAY,
        _ => 7 * DAY,
    };
    let audience = match d.name {
        "follower_demographics" => followers,
        name => {
            let g = growth_series(world, ig, &[s.now - span, s.now], s)
                .pop()
                .unwrap_or_default();
            let reach = reach_value(&g, (span / DAY) as f64);
            if name == "engaged_audience_demographics" {
                floor(window_value(world, ig, "total_interactions", &g, (s.now - span, s.now)) as f64 * 0.6).min(reach)
            } else {
                reach
            }
        }
    };
    let mut unique: Vec<&String> = Vec::new();
    for d in dims {
        if !unique.contains(&d) {
            unique.push(d);
        }
    }
    let dims = unique;
    // Weighted cartesian product of the asked dimensions.
    let mut combos: Vec<(Vec<String>, f64)> = vec![(Vec::new(), 1.0)];
    for dim in &dims {
        let mut next = Vec::new();
        for (keys, w) in &combos {
            for b in buckets(dim) {
                let weight = rate(ig.0, &format!("{}:{dim}:{b}", d.name), 0.05, 1.0)
                    * if *dim == "age" && *b == "13-17" { 0.1 } else { 1.0 };
                let mut k = keys.clone();
                k.push(b.to_string());
                next.push((k, w * weight));
            }
        }
        combos = next;
    }
    let total_w: f64 = combos.iter().map(|c| c.1).sum();
    let tf_key = timeframe.to_ascii_uppercase();
    let mut results: Vec<(Vec<String>, u64)> = combos
        .into_iter()
        .map(|(k, w)| {
            let mut values = vec![tf_key.clone()];
            values.extend(k);
            (values, floor(audience as f64 * w / total_w))
        })
        .filter(|(_, v)| *v > 0)
        .collect();
    results.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    results.truncate(45);
    let mut keys = vec!["timeframe".to_string()];
    keys.extend(dims.iter().map(|d| d.to_string()));
    Insight {
        name: d.name,
        period: "lifetime",
        title: d.title,
        description: d.description,
        values: None,
        total: Some(Total {
            value: None,
            breakdowns: vec![Breakdown { keys, results }],
        }),
    }
}

#[cfg(test)]
mod tests;
