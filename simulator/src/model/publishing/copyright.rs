//! Copyright matches of video containers and media (guide "Copyright Detection"): the sample
//! a test URL or the control plane sets (what a match says: `world/publishing.rs`).

use super::*;

/// The match a test gets when it marks a video as matching without saying what matched:
/// the Copyright Detection guide's own sample.
pub(crate) fn sample_copyright_match() -> CopyrightMatch {
    CopyrightMatch {
        author: "Drake".into(),
        content_title: "In My Feelings".into(),
        matched_segments: vec![
            MatchedSegment {
                start_time_in_seconds: 2.4,
                duration_in_seconds: 5.1,
                segment_type: "AUDIO".into(),
            },
            MatchedSegment {
                start_time_in_seconds: 10.2,
                duration_in_seconds: 4.5,
                segment_type: "VIDEO".into(),
            },
        ],
        owner_copyright_policy: CopyrightPolicy {
            name: "UMG".into(),
            actions: vec![
                CopyrightAction {
                    action: "BLOCK".into(),
                    geos: vec!["Canada".into(), "India".into(), "United States of America".into()],
                },
                CopyrightAction {
                    action: "MUTE".into(),
                    geos: vec!["Taiwan".into(), "Tanzania".into(), "Saudi Arabia".into()],
                },
            ],
        },
    }
}
