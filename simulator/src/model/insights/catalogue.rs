//! THE insights catalogue per API version: the metrics of IG users and IG media with their
//! shapes, periods and breakdowns, and which versions have each one (the version timeline's
//! metric rows and their "all versions on <date>" cut-overs, beside the catalogue they
//! change).
//!
//! Long because it is data: one row per metric and per version change, each with its texts
//! and sources, read together when a version's catalogue is answered.

use super::*;
use crate::version::{day, out_of_cycle_reached, OutOfCycle, V18, V20, V21, V22};
use time::macros::datetime;

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

pub(super) const DAY_ONLY: &[&str] = &["day"];
pub(super) const DWM: &[&str] = &["day", "week", "days_28"];
pub(super) const DEMO_BREAKDOWNS: &[&str] = &["age", "city", "country", "gender"];
pub(super) const MPT: &[&str] = &["media_product_type"];

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
/// Which versions have each one is said by [`CHANGES`] below.
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
    // Every version from 2025-12-03 ([`OUT_OF_CYCLE`]): "how often your media is reposted at
    // the overall account level" (blog 2025-12-03). Broken down by product type as the other
    // interaction counts; title, description and breakdowns are UNCONFIRMED.
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
    // Every version from 2025-12-03 ([`OUT_OF_CYCLE`]): "how often your individual media is
    // reposted" (blog 2025-12-03); stories cannot be reposted. Title and description are
    // igsim's (UNCONFIRMED).
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
        .filter(|m| metric_live(Scope::User, m.name, v, now))
        .collect()
}

/// Media metrics of a version at `now`.
pub fn media_catalogue(v: ApiVersion, now: i64) -> Vec<&'static MediaMetric> {
    MEDIA_METRICS
        .iter()
        .filter(|m| metric_live(Scope::Media, m.name, v, now))
        .collect()
}

// ---- what each version changes ------------------------------------------------------------

/// Which insights endpoint a metric change applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `GET /{ig-user-id}/insights`
    User,
    /// `GET /{ig-media-id}/insights`
    Media,
}

/// How a removed metric is answered from its version on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gone {
    /// Dropped from the allowed list: `(#100) metric[i] must be one of …` (v21's removals).
    Enum,
    /// v22's own sentence: "Starting from version v22.0 and above, the <m> metric is no longer
    /// supported for the queried media" / "… for the queried user" (facts §1.6, §9). On REELS
    /// and VIDEO media production answers [`Gone::NotForProductType`]'s text instead.
    StartingFrom,
    /// "The Media Insights API does not support the <m> metric for this media product type"
    /// (v21's `video_views`: airbyte's recorded answer, facts §1.6).
    NotForProductType,
}

/// One change a version makes to the insights metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricChange {
    /// A metric can be asked for from this version on.
    Added(Scope, &'static str),
    /// A metric is gone from this version on, answered as [`Gone`] says.
    Removed(Scope, &'static str, Gone),
    /// An account metric's `time_series` form is gone (its `total_value` form stays).
    SeriesRemoved(&'static str),
    /// The demographic `timeframe` values of these metrics from this version on.
    Timeframes {
        metrics: &'static [&'static str],
        values: &'static [&'static str],
    },
    /// An exception to this row's "all versions on <date>" cut-over: `metric` (a
    /// [`MetricChange::Removed`] of the same row) keeps answering on versions up to `through`
    /// for media created before `created_before` (unix seconds), after the cut-over too.
    KeptForOlderMedia {
        metric: &'static str,
        through: ApiVersion,
        created_before: i64,
    },
    /// A change igsim does not model, kept for the record.
    Note(&'static str),
}

/// What one version does to the insights metrics.
#[derive(Debug, Clone, Copy)]
pub struct MetricRelease {
    pub version: ApiVersion,
    /// "Will apply to all versions on <date>": from then on, on the sandbox clock, this row's
    /// changes apply to every version (the `insights.version_sunsets` knob, on by default as
    /// in production; see [`with_cutovers`]).
    pub all_versions_from: Option<i64>,
    pub changes: &'static [MetricChange],
    /// The changelog entries (and reports) the row comes from.
    pub source: &'static str,
}

/// The demographic metrics (facts §5.2).
const DEMOGRAPHICS: &[&str] = &[
    "engaged_audience_demographics",
    "reached_audience_demographics",
    "follower_demographics",
];

/// v18's demographic timeframes (facts §5.1).
const V18_TIMEFRAMES: &[&str] = &[
    "last_14_days",
    "last_30_days",
    "last_90_days",
    "prev_month",
    "this_month",
    "this_week",
];

/// The insights rows of the version timeline (`crate::version::TIMELINE` has the versions
/// themselves), oldest first. v18.0 is the baseline: its catalogue is the guides' and the v18
/// reference pages' ([`USER_METRICS`], [`MEDIA_METRICS`]).
pub const CHANGES: &[MetricRelease] = &[
    MetricRelease {
        version: V18,
        all_versions_from: Some(day(datetime!(2023-12-11 0:00 UTC))),
        changes: &[
            MetricChange::Timeframes {
                metrics: DEMOGRAPHICS,
                values: V18_TIMEFRAMES,
            },
            MetricChange::Note(
                "audience_gender_age/locale/country/city, carousel_album_* metrics, taps_forward, taps_back, \
                 exits and engagement deprecated (the catalogue starts without them); total_value metrics \
                 (total_interactions, likes, comments, shares, saves, …) introduced",
            ),
        ],
        source: "DOC:/docs/graph-api/changelog/version18.0 (Deprecation of Media and User Insights: applies to \
                 v18.0+, all versions on 2023-12-11)",
    },
    MetricRelease {
        version: V20,
        all_versions_from: Some(day(datetime!(2024-08-19 0:00 UTC))),
        // Only the reached and engaged audience demographics lose the four timeframes;
        // follower_demographics keeps all six (the changelog names these two metrics).
        changes: &[MetricChange::Timeframes {
            metrics: &["engaged_audience_demographics", "reached_audience_demographics"],
            values: &["this_week", "this_month"],
        }],
        source: "DOC:/docs/instagram-platform/changelog, May 21, 2024, Instagram User Insights: applies to \
                 v20.0+, all versions on 2024-08-19 (last_14_days, last_30_days, last_90_days, prev_month no \
                 longer supported for reached_audience_demographics and engaged_audience_demographics)",
    },
    MetricRelease {
        version: V21,
        all_versions_from: Some(day(datetime!(2025-01-08 0:00 UTC))),
        changes: &[
            MetricChange::Removed(Scope::User, "email_contacts", Gone::Enum),
            MetricChange::Removed(Scope::User, "phone_call_clicks", Gone::Enum),
            MetricChange::Removed(Scope::User, "text_message_clicks", Gone::Enum),
            MetricChange::Removed(Scope::User, "get_directions_clicks", Gone::Enum),
            MetricChange::SeriesRemoved("website_clicks"),
            MetricChange::SeriesRemoved("profile_views"),
            MetricChange::Removed(Scope::Media, "video_views", Gone::NotForProductType),
        ],
        source: "DOC:/docs/graph-api/changelog/version21.0 (Media Insights and User Insights: applies to v21.0+, \
                 all versions on 2025-01-08)",
    },
    MetricRelease {
        version: V22,
        all_versions_from: Some(day(datetime!(2025-04-21 0:00 UTC))),
        changes: &[
            MetricChange::Added(Scope::User, "views"),
            MetricChange::Added(Scope::Media, "views"),
            MetricChange::Removed(Scope::User, "impressions", Gone::StartingFrom),
            MetricChange::Removed(Scope::Media, "impressions", Gone::StartingFrom),
            // The reels play counts are simply dropped from the list: asking `plays` on v25
            // answers the enum error naming the allowed set (GH:trypostit/trypost#319, 2026-08).
            MetricChange::Removed(Scope::Media, "plays", Gone::Enum),
            MetricChange::Removed(Scope::Media, "clips_replays_count", Gone::Enum),
            MetricChange::Removed(Scope::Media, "ig_reels_aggregated_all_plays_count", Gone::Enum),
            // "API requests with the impressions metric will continue to return data for media
            // created on or before July 1, 2024 for v21.0 and older" (the changelog's note).
            MetricChange::KeptForOlderMedia {
                metric: "impressions",
                through: V21,
                created_before: day(datetime!(2024-07-02 0:00 UTC)),
            },
        ],
        source: "DOC:/docs/graph-api/changelog/version22.0 (Insights metrics; Metric Deprecations: applies to \
                 v22.0+, all versions on 2025-04-21, impressions kept for media created on or before 2024-07-01 \
                 on v21.0 and older)",
    },
];

/// The metric changes Meta made to every version on one day, outside the version cycle
/// (`crate::version::OutOfCycle`; the node fields' are `crate::version::OUT_OF_CYCLE`),
/// oldest first.
pub const OUT_OF_CYCLE: &[OutOfCycle<MetricChange>] = &[OutOfCycle {
    from: day(datetime!(2025-12-03 0:00 UTC)),
    changes: &[
        MetricChange::Added(Scope::Media, "reposts"),
        MetricChange::Added(Scope::User, "reposts"),
    ],
    source: "DOC:/docs/instagram-platform/changelog (applies to all versions: reposts for media and user \
             insights); blog 2025-12-03 'Instagram API Updates for Insights, Content Management, and \
             Collaboration' (repost counts for media and at account level). Its reels_skip_rate, \
             crossposted_views and facebook_views are not modelled: their value formats are not in any \
             public capture",
}];

/// The changes of every row up to `v`, with their versions, oldest first.
fn changes_until(v: ApiVersion) -> impl Iterator<Item = (ApiVersion, &'static MetricChange)> {
    CHANGES
        .iter()
        .take_while(move |r| r.version <= v)
        .flat_map(|r| r.changes.iter().map(move |c| (r.version, c)))
}

/// The first version with a change `pick` accepts.
fn first(pick: impl Fn(&MetricChange) -> bool) -> Option<ApiVersion> {
    CHANGES.iter().find(|r| r.changes.iter().any(&pick)).map(|r| r.version)
}

/// The version a metric appears in (`None`: part of the v18 baseline).
pub fn metric_added(scope: Scope, name: &str) -> Option<ApiVersion> {
    first(|c| matches!(c, MetricChange::Added(s, n) if *s == scope && *n == name))
}

/// The version a metric is removed in, and how it is answered from then on.
pub fn metric_removed(scope: Scope, name: &str) -> Option<(ApiVersion, Gone)> {
    CHANGES.iter().find_map(|r| {
        r.changes.iter().find_map(|c| match c {
            MetricChange::Removed(s, n, gone) if *s == scope && *n == name => Some((r.version, *gone)),
            _ => None,
        })
    })
}

/// The version an account metric's `time_series` form is removed in.
pub fn series_removed(name: &str) -> Option<ApiVersion> {
    first(|c| matches!(c, MetricChange::SeriesRemoved(n) if *n == name))
}

/// Whether a metric exists in `v` at `now` (added by then, in its version or out of cycle,
/// and not yet removed).
pub fn metric_live(scope: Scope, name: &str, v: ApiVersion, now: i64) -> bool {
    let added = |c: &MetricChange| matches!(c, MetricChange::Added(s, n) if *s == scope && *n == name);
    metric_added(scope, name).is_none_or(|a| v >= a)
        && out_of_cycle_reached(OUT_OF_CYCLE, added, now)
        && metric_removed(scope, name).is_none_or(|(r, _)| v < r)
}

/// The demographic `timeframe` values of `metric` in `v` (v18 has six; v20 cut the reached and
/// engaged audience demographics to two): the latest `Timeframes` row up to it that names the
/// metric.
pub fn timeframes(metric: &str, v: ApiVersion) -> &'static [&'static str] {
    changes_until(v)
        .filter_map(|(_, c)| match c {
            MetricChange::Timeframes { metrics, values } if metrics.contains(&metric) => Some(*values),
            _ => None,
        })
        .last()
        .unwrap_or(V18_TIMEFRAMES)
}

/// `v` with every "applies to all versions on <date>" cut-over reached by `now` applied: the
/// catalogue production gives `v` at `now` (the newest row whose cut-over has come, when it is
/// newer than `v`). [`kept_for_older_media`] names the exceptions.
pub fn with_cutovers(v: ApiVersion, now: i64) -> ApiVersion {
    CHANGES
        .iter()
        .filter(|r| r.all_versions_from.is_some_and(|from| now >= from))
        .map(|r| r.version)
        .fold(v, ApiVersion::max)
}

/// Whether a media metric removed by a cut-over still answers for a media created at
/// `created` when `requested` was asked for: the row's [`MetricChange::KeptForOlderMedia`]
/// exceptions (v22's `impressions` on v21.0 and older for media created before 2024-07-02).
pub fn kept_for_older_media(metric: &str, requested: ApiVersion, created: i64) -> bool {
    CHANGES.iter().flat_map(|r| r.changes).any(|c| {
        matches!(c, MetricChange::KeptForOlderMedia { metric: m, through, created_before }
            if *m == metric && requested <= *through && created < *created_before)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::{V19, V25, V26, V27};

    #[test]
    fn every_row_names_its_source_and_rows_are_ordered() {
        assert!(CHANGES.iter().all(|r| !r.source.is_empty()));
        assert!(CHANGES.windows(2).all(|w| w[0].version < w[1].version));
        assert!(OUT_OF_CYCLE.iter().all(|o| !o.source.is_empty()));
        assert!(OUT_OF_CYCLE.windows(2).all(|w| w[0].from <= w[1].from));
    }

    #[test]
    fn rows_drive_metrics_and_timeframes() {
        let today = day(datetime!(2026-11-29 0:00 UTC));
        assert!(metric_live(Scope::Media, "impressions", V21, today));
        assert!(!metric_live(Scope::Media, "impressions", V22, today));
        assert!(metric_live(Scope::User, "views", V26, today));
        assert!(metric_live(Scope::User, "reposts", V21, today));
        assert!(!metric_live(
            Scope::Media,
            "reposts",
            V27,
            day(datetime!(2025-12-02 0:00 UTC))
        ));
        assert_eq!(series_removed("profile_views"), Some(V21));
        assert_eq!(timeframes("engaged_audience_demographics", V19).len(), 6);
        assert_eq!(
            timeframes("reached_audience_demographics", V27),
            &["this_week", "this_month"]
        );
        assert_eq!(timeframes("follower_demographics", V27).len(), 6);
    }

    #[test]
    fn cutovers_apply_each_row_to_every_version_from_its_date() {
        // The day before v21's cut-over a v18 call keeps v18's catalogue; from 2025-01-08 it
        // answers as v21, from 2025-04-21 as v22 (changelog entries cited in the rows).
        assert_eq!(with_cutovers(V18, day(datetime!(2025-01-07 23:59:59 UTC))), V20);
        assert_eq!(with_cutovers(V18, day(datetime!(2025-01-08 0:00 UTC))), V21);
        assert_eq!(with_cutovers(V18, day(datetime!(2025-04-21 0:00 UTC))), V22);
        assert_eq!(with_cutovers(V19, day(datetime!(2024-08-18 0:00 UTC))), V19);
        assert_eq!(with_cutovers(V25, day(datetime!(2026-11-29 0:00 UTC))), V25);
        // v22's note: impressions stays for media created on or before 2024-07-01 on v21.0-.
        let july_1 = day(datetime!(2024-07-01 23:59:59 UTC));
        assert!(kept_for_older_media("impressions", V21, july_1));
        assert!(!kept_for_older_media("impressions", V21, july_1 + 1));
        assert!(!kept_for_older_media("impressions", V22, july_1));
        assert!(!kept_for_older_media("plays", V18, july_1));
    }
}
