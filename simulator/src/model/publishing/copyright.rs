//! Copyright matches of video containers and media (guide "Copyright Detection"): what a
//! match says, the sample a test URL or the control plane sets.

use super::*;

/// One copyright match as the Copyright Detection guide shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CopyrightMatch {
    pub(crate) author: String,
    pub(crate) content_title: String,
    pub(crate) matched_segments: Vec<MatchedSegment>,
    pub(crate) owner_copyright_policy: CopyrightPolicy,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct MatchedSegment {
    pub(crate) start_time_in_seconds: f64,
    pub(crate) duration_in_seconds: f64,
    pub(crate) segment_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CopyrightPolicy {
    pub(crate) name: String,
    pub(crate) actions: Vec<CopyrightAction>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CopyrightAction {
    pub(crate) action: String,
    pub(crate) geos: Vec<String>,
}

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

/// A published video's copyright check (`copyright_check_information`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CopyrightInfo {
    pub(crate) matches: Vec<CopyrightMatch>,
}
