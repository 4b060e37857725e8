//! The Graph API version timeline, as one data table: each version igsim serves, when Meta
//! released it, until when it is available, and the node fields it adds, each row with its
//! changelog source.
//!
//! Which versions are served and how an expired or missing version is upgraded
//! (`http::request`), and which node fields exist (`http::media`, `http::comment`), read this
//! table. What each version does to the insights metrics, with the "all versions on <date>"
//! cut-overs, sits beside the catalogue it changes (`model::insights::catalogue`).
//!
//! Checked against Meta's changelog on 2026-11-29 (`DOC:/docs/graph-api/changelog`, "Available
//! Graph API Versions", updated 2026-10-29): v27.0 (2026-11-04) is the newest version.

use serde::{Deserialize, Serialize};
use time::macros::datetime;

/// An API version `vMAJOR.MINOR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ApiVersion {
    pub(crate) major: u32,
    pub(crate) minor: u32,
}

impl ApiVersion {
    pub(crate) const fn new(major: u32, minor: u32) -> Self {
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
        f.write_str(self.text().as_str())
    }
}

impl ApiVersion {
    /// `v21.0` written without the formatting machinery (every Graph answer carries it in a
    /// header, every journal entry records it).
    pub(crate) fn text(self) -> VersionText {
        let mut t = VersionText { bytes: [0; 22], len: 0 };
        t.push(b'v');
        t.number(self.major);
        t.push(b'.');
        t.number(self.minor);
        t
    }
}

/// A version as text (`vMAJOR.MINOR`), on the stack: [`ApiVersion::text`].
pub(crate) struct VersionText {
    bytes: [u8; 22],
    len: usize,
}

impl VersionText {
    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII is ever pushed.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }

    fn push(&mut self, b: u8) {
        self.bytes[self.len] = b;
        self.len += 1;
    }

    fn number(&mut self, n: u32) {
        let start = self.len;
        let mut n = n;
        loop {
            self.push(b'0' + (n % 10) as u8);
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.bytes[start..self.len].reverse();
    }
}

pub(crate) const V18: ApiVersion = ApiVersion::new(18, 0);
pub(crate) const V19: ApiVersion = ApiVersion::new(19, 0);
pub(crate) const V20: ApiVersion = ApiVersion::new(20, 0);
pub(crate) const V21: ApiVersion = ApiVersion::new(21, 0);
pub(crate) const V22: ApiVersion = ApiVersion::new(22, 0);
pub(crate) const V23: ApiVersion = ApiVersion::new(23, 0);
pub(crate) const V24: ApiVersion = ApiVersion::new(24, 0);
pub(crate) const V25: ApiVersion = ApiVersion::new(25, 0);
pub(crate) const V26: ApiVersion = ApiVersion::new(26, 0);
pub(crate) const V27: ApiVersion = ApiVersion::new(27, 0);

/// One change a version makes on the Instagram surface (its insights metrics excepted:
/// `model::insights::catalogue`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A field of a node exists from this version on (before it: "(#100) Tried accessing
    /// nonexisting field").
    FieldAdded { node: &'static str, field: &'static str },
    /// A change on the Instagram surface igsim does not model, kept for the record.
    Note(&'static str),
}

/// One version of the timeline.
#[derive(Debug, Clone, Copy)]
pub struct Release {
    pub(crate) version: ApiVersion,
    /// Release date (unix seconds, 00:00 UTC).
    pub released: i64,
    /// "Available until" (unix seconds, 00:00 UTC): from this day calls to the version are
    /// served by the next oldest available one. `None`: TBD in the changelog.
    pub available_until: Option<i64>,
    pub(crate) changes: &'static [Change],
    /// The changelog entries (and reports) the row comes from.
    pub source: &'static str,
}

pub(crate) const fn day(t: time::OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

/// The timeline, oldest first. v18.0 is igsim's baseline: its catalogue is the guides' and
/// the v18 reference pages'; older requested versions are long expired and are served as the
/// oldest available one (Platform Versioning guide: "once a version is no longer usable, any
/// calls made to it will be defaulted to the next oldest usable version").
pub const TIMELINE: &[Release] = &[
    Release {
        version: V18,
        released: day(datetime!(2023-09-12 0:00 UTC)),
        available_until: Some(day(datetime!(2026-01-26 0:00 UTC))),
        changes: &[],
        source: "DOC:/docs/graph-api/changelog/version18.0 (released 2023-09-12, available until 2026-01-26); its \
                 insights deprecations are the baseline of model::insights::catalogue",
    },
    Release {
        version: V19,
        released: day(datetime!(2024-01-23 0:00 UTC)),
        available_until: Some(day(datetime!(2026-05-21 0:00 UTC))),
        changes: &[],
        source: "DOC:/docs/graph-api/changelog (versions table: released 2024-01-23, available until 2026-05-21); \
                 no Instagram-surface change igsim models",
    },
    Release {
        version: V20,
        released: day(datetime!(2024-05-21 0:00 UTC)),
        available_until: Some(day(datetime!(2026-09-24 0:00 UTC))),
        changes: &[],
        source: "DOC:/docs/graph-api/changelog (versions table: released 2024-05-21, available until 2026-09-24); \
                 its insights timeframes: model::insights::catalogue",
    },
    Release {
        version: V21,
        released: day(datetime!(2024-10-02 0:00 UTC)),
        available_until: Some(day(datetime!(2027-01-21 0:00 UTC))),
        changes: &[],
        source: "DOC:/docs/graph-api/changelog/version21.0 (released 2024-10-02, available until 2027-01-21 per the \
                 versions table); its insights removals: model::insights::catalogue",
    },
    Release {
        version: V22,
        released: day(datetime!(2025-01-21 0:00 UTC)),
        available_until: Some(day(datetime!(2027-05-20 0:00 UTC))),
        changes: &[
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
                 versions table; v1.0 Endpoint Deprecations, all versions moved to 2025-05-20; its insights metrics: \
                 model::insights::catalogue); blog 2025-01-21 'making it easier to build integrations across the \
                 Instagram API and Marketing API'; GH:restfb/restfb#1520, #1522 (legacy_* fields in v22)",
    },
    Release {
        version: V23,
        released: day(datetime!(2025-05-29 0:00 UTC)),
        available_until: Some(day(datetime!(2027-10-08 0:00 UTC))),
        changes: &[],
        source: "DOC:/docs/graph-api/changelog (versions table: released 2025-05-29, available until 2027-10-08); \
                 no Instagram-surface change found (UNCONFIRMED)",
    },
    Release {
        version: V24,
        released: day(datetime!(2025-10-08 0:00 UTC)),
        available_until: Some(day(datetime!(2028-02-18 0:00 UTC))),
        changes: &[],
        source: "DOC:/docs/graph-api/changelog (versions table: released 2025-10-08, available until 2028-02-18); \
                 the Node Business SDK 24.0.x calls v24.0",
    },
    Release {
        version: V25,
        released: day(datetime!(2026-02-18 0:00 UTC)),
        available_until: Some(day(datetime!(2028-07-29 0:00 UTC))),
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

/// Changes Meta made to every version on one day, outside the version cycle (the Instagram
/// Platform changelog's "Applies to all versions" entries): in force from `from` (unix
/// seconds, on the sandbox's clock) in whatever version is asked for. `C` is the kind of
/// change: node fields here, insights metrics in `model::insights`' catalogue.
#[derive(Debug, Clone, Copy)]
pub struct OutOfCycle<C: 'static> {
    pub from: i64,
    pub changes: &'static [C],
    pub source: &'static str,
}

/// Whether every row of `rows` with a change `pick` accepts has come by `now` (true when none
/// has such a change).
pub(crate) fn out_of_cycle_reached<C>(rows: &[OutOfCycle<C>], pick: impl Fn(&C) -> bool, now: i64) -> bool {
    rows.iter()
        .filter(|o| o.changes.iter().any(&pick))
        .all(|o| now >= o.from)
}

/// The node fields' out-of-cycle changes igsim models, oldest first.
pub const OUT_OF_CYCLE: &[OutOfCycle<Change>] = &[OutOfCycle {
    from: day(datetime!(2026-06-22 0:00 UTC)),
    changes: &[Change::FieldAdded {
        node: "IGMedia",
        field: "is_ai_generated",
    }],
    source: "DOC:/documentation/instagram-platform/changelog, June 22, 2026, AI Info Label (applies to all \
                 versions): the is_ai_generated parameter of POST /{ig-user-id}/media and the IG Media field",
}];

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
pub(crate) fn newest_at(now: i64) -> ApiVersion {
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
pub(crate) fn is_released(v: ApiVersion, now: i64) -> bool {
    v <= newest_at(now)
}

/// The version that serves a call: `requested` (or `unversioned` for a path without one),
/// upgraded to `oldest` when it has expired.
pub(crate) fn serve(requested: Option<ApiVersion>, unversioned: ApiVersion, oldest: ApiVersion) -> ApiVersion {
    requested.unwrap_or(unversioned).max(oldest)
}

/// The first version with a change `pick` accepts.
fn first(pick: impl Fn(&Change) -> bool) -> Option<ApiVersion> {
    TIMELINE.iter().find(|r| r.changes.iter().any(&pick)).map(|r| r.version)
}

/// Whether `node` has `field` in `v` at `now`: from its version row on, or from its
/// out-of-cycle day on (every version). Fields neither lists exist in every version.
pub(crate) fn has_field(node: &str, field: &str, v: ApiVersion, now: i64) -> bool {
    let added = |c: &Change| matches!(c, Change::FieldAdded { node: n, field: f } if *n == node && *f == field);
    first(added).is_none_or(|since| v >= since) && out_of_cycle_reached(OUT_OF_CYCLE, added, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_read_as_their_path_segment_and_parse_back() {
        for (v, text) in [
            (V21, "v21.0"),
            (ApiVersion::new(2, 12), "v2.12"),
            (ApiVersion::new(0, 0), "v0.0"),
            (ApiVersion::new(u32::MAX, u32::MAX), "v4294967295.4294967295"),
        ] {
            assert_eq!(v.to_string(), text);
            assert_eq!(v.text().as_str(), text);
            assert_eq!(ApiVersion::parse(text), Some(v));
        }
    }

    #[test]
    fn the_table_is_ordered_and_each_version_ends_after_it_starts() {
        for w in TIMELINE.windows(2) {
            assert!(w[0].version < w[1].version);
            assert!(w[0].released < w[1].released);
        }
        assert!(OUT_OF_CYCLE.windows(2).all(|w| w[0].from <= w[1].from));
        for r in TIMELINE {
            assert!(r.available_until.is_none_or(|u| u > r.released), "{}", r.version);
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
    fn rows_drive_fields() {
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
    }
}
