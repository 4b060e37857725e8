//! The Graph API version timeline, as one data table: each version igsim serves, when Meta
//! released it, until when it is available, and what it changes on the Instagram surface
//! (fields and metrics added or removed, with the error each removal answers), each row with
//! its changelog source.
//!
//! Everything version-dependent reads this table: which versions are served and how an
//! expired or missing version is upgraded (`http::request`), which node fields exist
//! (`http::media`, `http::comment`), and the insights catalogue (`model::insights`).
//!
//! Checked against Meta's changelog on 2026-11-29 (`DOC:/docs/graph-api/changelog`, "Available
//! Graph API Versions", updated 2026-10-29): v27.0 (2026-11-04) is the newest version.

use serde::{Deserialize, Serialize};
use time::macros::datetime;

/// An API version `vMAJOR.MINOR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ApiVersion {
    pub major: u32,
    pub minor: u32,
}

impl ApiVersion {
    pub const fn new(major: u32, minor: u32) -> Self {
        ApiVersion { major, minor }
    }

    /// Parses `v21.0` (the `v` is required, as in a path segment).
    pub fn parse(s: &str) -> Option<Self> {
        let rest = s.strip_prefix('v')?;
        let (a, b) = rest.split_once('.')?;
        if a.is_empty()
            || b.is_empty()
            || !a.bytes().all(|c| c.is_ascii_digit())
            || !b.bytes().all(|c| c.is_ascii_digit())
        {
            return None;
        }
        Some(ApiVersion {
            major: a.parse().ok()?,
            minor: b.parse().ok()?,
        })
    }
}

impl std::fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "v{}.{}", self.major, self.minor)
    }
}

pub const V18: ApiVersion = ApiVersion::new(18, 0);
pub const V19: ApiVersion = ApiVersion::new(19, 0);
pub const V20: ApiVersion = ApiVersion::new(20, 0);
pub const V21: ApiVersion = ApiVersion::new(21, 0);
pub const V22: ApiVersion = ApiVersion::new(22, 0);
pub const V23: ApiVersion = ApiVersion::new(23, 0);
pub const V24: ApiVersion = ApiVersion::new(24, 0);
pub const V25: ApiVersion = ApiVersion::new(25, 0);
pub const V26: ApiVersion = ApiVersion::new(26, 0);
pub const V27: ApiVersion = ApiVersion::new(27, 0);

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

/// One change a version makes on the Instagram surface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A field of a node exists from this version on (before it: "(#100) Tried accessing
    /// nonexisting field").
    FieldAdded { node: &'static str, field: &'static str },
    /// A metric can be asked for from this version on.
    MetricAdded(Scope, &'static str),
    /// A metric is gone from this version on, answered as [`Gone`] says.
    MetricRemoved(Scope, &'static str, Gone),
    /// An account metric's `time_series` form is gone (its `total_value` form stays).
    SeriesRemoved(&'static str),
    /// The demographic `timeframe` values of these metrics from this version on.
    Timeframes {
        metrics: &'static [&'static str],
        values: &'static [&'static str],
    },
    /// An exception to this row's "all versions on <date>" cut-over: `metric` (a
    /// [`Change::MetricRemoved`] of the same row) keeps answering on versions up to `through`
    /// for media created before `created_before` (unix seconds), after the cut-over too.
    KeptForOlderMedia {
        metric: &'static str,
        through: ApiVersion,
        created_before: i64,
    },
    /// A change on the Instagram surface igsim does not model, kept for the record.
    Note(&'static str),
}

/// One version of the timeline.
#[derive(Debug, Clone, Copy)]
pub struct Release {
    pub version: ApiVersion,
    /// Release date (unix seconds, 00:00 UTC).
    pub released: i64,
    /// "Available until" (unix seconds, 00:00 UTC): from this day calls to the version are
    /// served by the next oldest available one. `None`: TBD in the changelog.
    pub available_until: Option<i64>,
    /// "Will apply to all versions on <date>": from then on, on the sandbox clock, this
    /// release's changes apply to every version (the `insights.version_sunsets` knob, on by
    /// default as in production; see [`with_cutovers`]).
    pub all_versions_from: Option<i64>,
    pub changes: &'static [Change],
    /// The changelog entries (and reports) the row comes from.
    pub source: &'static str,
}

const fn day(t: time::OffsetDateTime) -> i64 {
    t.unix_timestamp()
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

/// The timeline, oldest first. v18.0 is igsim's baseline: its catalogue is the guides' and
/// the v18 reference pages'; older requested versions are long expired and are served as the
/// oldest available one (Platform Versioning guide: "once a version is no longer usable, any
/// calls made to it will be defaulted to the next oldest usable version").
pub const TIMELINE: &[Release] = &[
    Release {
        version: V18,
        released: day(datetime!(2023-09-12 0:00 UTC)),
        available_until: Some(day(datetime!(2026-01-26 0:00 UTC))),
        all_versions_from: Some(day(datetime!(2023-12-11 0:00 UTC))),
        changes: &[
            Change::Timeframes {
                metrics: DEMOGRAPHICS,
                values: V18_TIMEFRAMES,
            },
            Change::Note(
                "audience_gender_age/locale/country/city, carousel_album_* metrics, taps_forward, taps_back, \
                 exits and engagement deprecated (igsim's catalogue starts without them); total_value \
                 metrics (total_interactions, likes, comments, shares, saves, …) introduced",
            ),
        ],
        source: "DOC:/docs/graph-api/changelog/version18.0 (released 2023-09-12, available until 2026-01-26; \
                 Deprecation of Media and User Insights: applies to v18.0+, all versions on 2023-12-11)",
    },
    Release {
        version: V19,
        released: day(datetime!(2024-01-23 0:00 UTC)),
        available_until: Some(day(datetime!(2026-05-21 0:00 UTC))),
        all_versions_from: None,
        changes: &[],
        source: "DOC:/docs/graph-api/changelog (versions table: released 2024-01-23, available until 2026-05-21); \
                 no Instagram-surface change igsim models",
    },
    Release {
        version: V20,
        released: day(datetime!(2024-05-21 0:00 UTC)),
        available_until: Some(day(datetime!(2026-09-24 0:00 UTC))),
        all_versions_from: Some(day(datetime!(2024-08-19 0:00 UTC))),
        // Only the reached and engaged audience demographics lose the four timeframes;
        // follower_demographics keeps all six (the changelog names these two metrics).
        changes: &[Change::Timeframes {
            metrics: &["engaged_audience_demographics", "reached_audience_demographics"],
            values: &["this_week", "this_month"],
        }],
        source: "DOC:/docs/graph-api/changelog (versions table: released 2024-05-21, available until 2026-09-24); \
                 DOC:/docs/instagram-platform/changelog, May 21, 2024, Instagram User Insights: applies to \
                 v20.0+, all versions on 2024-08-19 (last_14_days, last_30_days, last_90_days, prev_month no \
                 longer supported for reached_audience_demographics and engaged_audience_demographics)",
    },
    Release {
        version: V21,
        released: day(datetime!(2024-10-02 0:00 UTC)),
        available_until: Some(day(datetime!(2027-01-21 0:00 UTC))),
        all_versions_from: Some(day(datetime!(2025-01-08 0:00 UTC))),
        changes: &[
            Change::MetricRemoved(Scope::User, "email_contacts", Gone::Enum),
            Change::MetricRemoved(Scope::User, "phone_call_clicks", Gone::Enum),
            Change::MetricRemoved(Scope::User, "text_message_clicks", Gone::Enum),
            Change::MetricRemoved(Scope::User, "get_directions_clicks", Gone::Enum),
            Change::SeriesRemoved("website_clicks"),
            Change::SeriesRemoved("profile_views"),
            Change::MetricRemoved(Scope::Media, "video_views", Gone::NotForProductType),
        ],
        source: "DOC:/docs/graph-api/changelog/version21.0 (released 2024-10-02, available until 2027-01-21 per the \
                 versions table; Media Insights and User Insights: applies to v21.0+, all versions on 2025-01-08)",
    },
    Release {
        version: V22,
        released: day(datetime!(2025-01-21 0:00 UTC)),
        available_until: Some(day(datetime!(2027-05-20 0:00 UTC))),
        all_versions_from: Some(day(datetime!(2025-04-21 0:00 UTC))),
        changes: &[
            Change::MetricAdded(Scope::User, "views"),
            Change::MetricAdded(Scope::Media, "views"),
            Change::MetricRemoved(Scope::User, "impressions", Gone::StartingFrom),
            Change::MetricRemoved(Scope::Media, "impressions", Gone::StartingFrom),
            // The reels play counts are simply dropped from the list: asking `plays` on v25
            // answers the enum error naming the allowed set (GH:trypostit/trypost#319, 2026-08).
            Change::MetricRemoved(Scope::Media, "plays", Gone::Enum),
            Change::MetricRemoved(Scope::Media, "clips_replays_count", Gone::Enum),
            Change::MetricRemoved(Scope::Media, "ig_reels_aggregated_all_plays_count", Gone::Enum),
            // "API requests with the impressions metric will continue to return data for media
            // created on or before July 1, 2024 for v21.0 and older" (the changelog's note).
            Change::KeptForOlderMedia {
                metric: "impressions",
                through: V21,
                created_before: day(datetime!(2024-07-02 0:00 UTC)),
            },
            Change::FieldAdded {
                node: "IGMedia",
                field: "legacy_instagram_media_id",
            },
            Change::FieldAdded {
                node: "IGComment",
                field: "legacy_instagram_comment_id",
            },
            // IG User gains its legacy id with the same parity work (the v22 blog; the Python
            // Business SDK's IGUser field list).
            Change::FieldAdded {
                node: "IGUser",
                field: "legacy_instagram_user_id",
            },
            Change::Note(
                "the Marketing API's Instagram User/Media/Carousel/Comment objects (v1.0 endpoints) are \
                 deprecated in favour of IG User/IG Media/IG Comment, which gain the legacy_* id fields \
                 (all versions 2025-05-20)",
            ),
        ],
        source: "DOC:/docs/graph-api/changelog/version22.0 (released 2025-01-21, available until 2027-05-20 per the \
                 versions table; Insights metrics; Metric Deprecations: applies to v22.0+, all versions on 2025-04-21, \
                 impressions kept for media created on or before 2024-07-01 on v21.0 and older; v1.0 Endpoint \
                 Deprecations, all versions moved to 2025-05-20); blog 2025-01-21 'making it easier to build integrations \
                 across the Instagram API and Marketing API'; GH:restfb/restfb#1520, #1522 (legacy_* fields in v22)",
    },
    Release {
        version: V23,
        released: day(datetime!(2025-05-29 0:00 UTC)),
        available_until: Some(day(datetime!(2027-10-08 0:00 UTC))),
        all_versions_from: None,
        changes: &[],
        source: "DOC:/docs/graph-api/changelog (versions table: released 2025-05-29, available until 2027-10-08); \
                 no Instagram-surface change found (UNCONFIRMED)",
    },
    Release {
        version: V24,
        released: day(datetime!(2025-10-08 0:00 UTC)),
        available_until: Some(day(datetime!(2028-02-18 0:00 UTC))),
        all_versions_from: None,
        changes: &[],
        source: "DOC:/docs/graph-api/changelog (versions table: released 2025-10-08, available until 2028-02-18); \
                 the Node Business SDK 24.0.x calls v24.0",
    },
    Release {
        version: V25,
        released: day(datetime!(2026-02-18 0:00 UTC)),
        available_until: Some(day(datetime!(2028-07-29 0:00 UTC))),
        all_versions_from: None,
        changes: &[Change::Note(
            "Page Insights reach/impressions metrics removed when v26.0 ships (Facebook Pages, not the \
             Instagram surface igsim serves)",
        )],
        source: "DOC:/docs/graph-api/changelog/version25.0 (released 2026-02-18; available until 2028-07-29 per the \
                 versions table); blog 2026-02-18 'introducing graph api v25'",
    },
    Release {
        version: V26,
        released: day(datetime!(2026-07-29 0:00 UTC)),
        available_until: None,
        all_versions_from: None,
        changes: &[Change::Note(
            "five 'legacy protocol' behaviours removed from v26.0 calls from 2026-07-29 and from every version \
             on 2026-10-27 (blog); the changelog's list of the five was not found, so none is modelled \
             (GH:restfb/restfb#1692 reports GET /?ids=… at the root failing on v26.0, without a captured \
             body: UNCONFIRMED)",
        )],
        source: "DOC:/docs/graph-api/changelog/version26.0 (released 2026-07-29, available until TBD); blog 2026-07-29 \
                 'introducing graph api v26 and marketing api v26'; the Python Business SDK 26.0.x calls v26.0 by default",
    },
    Release {
        version: V27,
        released: day(datetime!(2026-11-04 0:00 UTC)),
        available_until: None,
        all_versions_from: None,
        changes: &[Change::Note(
            "from 2026-11-04 apps created from that day cannot use multi-ID requests, HTTP method override, \
             field aliases, date/time formatting, JSONP callbacks or asynchronous batch requests, in every \
             version; existing apps keep them (the remaining features go in v28.0). igsim refuses ids=, \
             method=, .as() aliases, date_format and callback to apps created from 2026-11-04 once the \
             sandbox clock has reached it (`http::legacy`, `config::LegacyFeaturesConfig`, the seed's \
             app.created_time); it has no asynchronous batches",
        )],
        source: "blog 2026-11-04 'introducing graph api v27 and marketing api v27' (Graph API - Legacy features); \
                 DOC:/docs/graph-api/changelog (versions table: released 2026-11-04, available until TBD)",
    },
];

/// A change Meta made to every version on one day, outside the version cycle (the Instagram
/// Platform changelog's "Applies to all versions" entries): in force from `from` (unix
/// seconds, on the sandbox's clock) in whatever version is asked for.
#[derive(Debug, Clone, Copy)]
pub struct OutOfCycle {
    pub from: i64,
    pub changes: &'static [Change],
    pub source: &'static str,
}

/// The out-of-cycle changes igsim models, oldest first.
pub const OUT_OF_CYCLE: &[OutOfCycle] = &[
    OutOfCycle {
        from: day(datetime!(2025-12-03 0:00 UTC)),
        changes: &[
            Change::MetricAdded(Scope::Media, "reposts"),
            Change::MetricAdded(Scope::User, "reposts"),
        ],
        source: "DOC:/docs/instagram-platform/changelog (applies to all versions: reposts for media and user \
                 insights); blog 2025-12-03 'Instagram API Updates for Insights, Content Management, and \
                 Collaboration' (repost counts for media and at account level). Its reels_skip_rate, \
                 crossposted_views and facebook_views are not modelled: their value formats are not in any \
                 public capture",
    },
    OutOfCycle {
        from: day(datetime!(2026-06-22 0:00 UTC)),
        changes: &[Change::FieldAdded {
            node: "IGMedia",
            field: "is_ai_generated",
        }],
        source: "DOC:/documentation/instagram-platform/changelog, June 22, 2026, AI Info Label (applies to all \
                 versions): the is_ai_generated parameter of POST /{ig-user-id}/media and the IG Media field",
    },
];

/// The newest version Meta has released (the last row).
pub fn newest() -> ApiVersion {
    TIMELINE.last().map_or(V18, |r| r.version)
}

/// The oldest version still available at `now`: the first row whose "available until" has
/// not come (the newest when every row has expired).
pub fn oldest_available(now: i64) -> ApiVersion {
    TIMELINE
        .iter()
        .find(|r| r.available_until.is_none_or(|until| now < until))
        .map_or_else(newest, |r| r.version)
}

/// The newest version Meta had released at `now` (unix seconds, on a sandbox's clock): the
/// last row whose release date has come (the first row before any has).
pub fn newest_at(now: i64) -> ApiVersion {
    TIMELINE
        .iter()
        .rev()
        .find(|r| r.released <= now)
        .or(TIMELINE.first())
        .map_or(V18, |r| r.version)
}

/// Whether production answers `v` at `now`: any version released by then (versions older
/// than the table are long expired, and still answered). A version not yet released on the
/// sandbox's clock does not exist yet: its path is unknown, as a version that never existed.
pub fn is_released(v: ApiVersion, now: i64) -> bool {
    v <= newest_at(now)
}

/// The version that serves a call: `requested` (or `unversioned` for a path without one),
/// upgraded to `oldest` when it has expired.
pub fn serve(requested: Option<ApiVersion>, unversioned: ApiVersion, oldest: ApiVersion) -> ApiVersion {
    requested.unwrap_or(unversioned).max(oldest)
}

/// The changes of every row up to `v`, with their versions, oldest first.
fn changes_until(v: ApiVersion) -> impl Iterator<Item = (ApiVersion, &'static Change)> {
    TIMELINE
        .iter()
        .take_while(move |r| r.version <= v)
        .flat_map(|r| r.changes.iter().map(move |c| (r.version, c)))
}

/// The first version with a change `pick` accepts.
fn first(pick: impl Fn(&Change) -> bool) -> Option<ApiVersion> {
    TIMELINE.iter().find(|r| r.changes.iter().any(&pick)).map(|r| r.version)
}

/// Whether every out-of-cycle row with a change `pick` accepts has come by `now` (true when
/// none has such a change).
fn out_of_cycle_reached(pick: impl Fn(&Change) -> bool, now: i64) -> bool {
    OUT_OF_CYCLE
        .iter()
        .filter(|o| o.changes.iter().any(&pick))
        .all(|o| now >= o.from)
}

/// Whether `node` has `field` in `v` at `now`: from its version row on, or from its
/// out-of-cycle day on (every version). Fields neither lists exist in every version.
pub fn has_field(node: &str, field: &str, v: ApiVersion, now: i64) -> bool {
    let added = |c: &Change| matches!(c, Change::FieldAdded { node: n, field: f } if *n == node && *f == field);
    first(added).is_none_or(|since| v >= since) && out_of_cycle_reached(added, now)
}

/// The version a metric appears in (`None`: part of the v18 baseline).
pub fn metric_added(scope: Scope, name: &str) -> Option<ApiVersion> {
    first(|c| matches!(c, Change::MetricAdded(s, n) if *s == scope && *n == name))
}

/// The version a metric is removed in, and how it is answered from then on.
pub fn metric_removed(scope: Scope, name: &str) -> Option<(ApiVersion, Gone)> {
    TIMELINE.iter().find_map(|r| {
        r.changes.iter().find_map(|c| match c {
            Change::MetricRemoved(s, n, gone) if *s == scope && *n == name => Some((r.version, *gone)),
            _ => None,
        })
    })
}

/// The version an account metric's `time_series` form is removed in.
pub fn series_removed(name: &str) -> Option<ApiVersion> {
    first(|c| matches!(c, Change::SeriesRemoved(n) if *n == name))
}

/// Whether a metric exists in `v` at `now` (added by then, in its version or out of cycle,
/// and not yet removed).
pub fn metric_live(scope: Scope, name: &str, v: ApiVersion, now: i64) -> bool {
    let added = |c: &Change| matches!(c, Change::MetricAdded(s, n) if *s == scope && *n == name);
    metric_added(scope, name).is_none_or(|a| v >= a)
        && out_of_cycle_reached(added, now)
        && metric_removed(scope, name).is_none_or(|(r, _)| v < r)
}

/// The demographic `timeframe` values of `metric` in `v`: the latest `Timeframes` row up to
/// it that names the metric.
pub fn timeframes(metric: &str, v: ApiVersion) -> &'static [&'static str] {
    changes_until(v)
        .filter_map(|(_, c)| match c {
            Change::Timeframes { metrics, values } if metrics.contains(&metric) => Some(*values),
            _ => None,
        })
        .last()
        .unwrap_or(V18_TIMEFRAMES)
}

/// `v` with every "applies to all versions on <date>" cut-over reached by `now` applied: the
/// catalogue production gives `v` at `now` (the newest row whose cut-over has come, when it is
/// newer than `v`). [`kept_for_older_media`] names the exceptions.
pub fn with_cutovers(v: ApiVersion, now: i64) -> ApiVersion {
    TIMELINE
        .iter()
        .filter(|r| r.all_versions_from.is_some_and(|from| now >= from))
        .map(|r| r.version)
        .fold(v, ApiVersion::max)
}

/// Whether a media metric removed by a cut-over still answers for a media created at
/// `created` when `requested` was asked for: the row's [`Change::KeptForOlderMedia`]
/// exceptions (v22's `impressions` on v21.0 and older for media created before 2024-07-02).
pub fn kept_for_older_media(metric: &str, requested: ApiVersion, created: i64) -> bool {
    TIMELINE.iter().flat_map(|r| r.changes).any(|c| {
        matches!(c, Change::KeptForOlderMedia { metric: m, through, created_before }
            if *m == metric && requested <= *through && created < *created_before)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_ordered_and_each_version_ends_after_it_starts() {
        for w in TIMELINE.windows(2) {
            assert!(w[0].version < w[1].version);
            assert!(w[0].released < w[1].released);
        }
        assert!(OUT_OF_CYCLE.windows(2).all(|w| w[0].from <= w[1].from));
        assert!(OUT_OF_CYCLE.iter().all(|o| !o.source.is_empty()));
        for r in TIMELINE {
            assert!(r.available_until.is_none_or(|u| u > r.released), "{}", r.version);
            assert!(!r.source.is_empty());
        }
    }

    #[test]
    fn on_2026_11_29_v21_is_the_oldest_and_v27_the_newest() {
        let today = day(datetime!(2026-11-29 0:00 UTC));
        assert_eq!(oldest_available(today), V21);
        assert_eq!(newest(), V27);
        assert_eq!(serve(Some(ApiVersion::new(15, 0)), newest(), V21), V21);
        assert_eq!(serve(None, V26, V21), V26);
        // The day v18 expires, v19 takes over its calls.
        assert_eq!(oldest_available(day(datetime!(2026-01-26 0:00 UTC))), V19);
    }

    #[test]
    fn a_version_exists_from_its_release_date_on_the_sandbox_clock() {
        let before_v27 = day(datetime!(2026-11-03 23:59:59 UTC));
        assert_eq!(newest_at(before_v27), V26);
        assert!(!is_released(V27, before_v27));
        assert!(is_released(V27, day(datetime!(2026-11-04 0:00 UTC))));
        assert_eq!(newest_at(day(datetime!(2026-01-01 0:00 UTC))), V24);
        assert!(is_released(ApiVersion::new(15, 0), 0), "versions before the table");
        assert_eq!(newest_at(day(datetime!(2026-11-29 0:00 UTC))), newest());
    }

    #[test]
    fn rows_drive_fields_metrics_and_timeframes() {
        let today = day(datetime!(2026-11-29 0:00 UTC));
        assert!(!has_field("IGMedia", "legacy_instagram_media_id", V21, today));
        assert!(has_field("IGMedia", "legacy_instagram_media_id", V22, today));
        assert!(has_field("IGMedia", "caption", V18, today));
        // Out of cycle: every version from the day on, none before.
        assert!(has_field("IGMedia", "is_ai_generated", V21, today));
        assert!(!has_field(
            "IGMedia",
            "is_ai_generated",
            V27,
            day(datetime!(2026-06-21 0:00 UTC))
        ));
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
