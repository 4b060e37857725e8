//! Copyright matches of video containers and media (guide "Copyright Detection"): what a
//! match says, the sample a test URL or the control plane sets.

use super::*;

/// One copyright match as the Copyright Detection guide shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CopyrightMatch {
    pub author: String,
    pub content_title: String,
    pub matched_segments: Vec<MatchedSegment>,
    pub owner_copyright_policy: CopyrightPolicy,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchedSegment {
    pub start_time_in_seconds: f64,
    pub duration_in_seconds: f64,
    pub segment_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CopyrightPolicy {
    pub name: String,
    pub actions: Vec<CopyrightAction>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CopyrightAction {
    pub action: String,
    pub geos: Vec<String>,
}

/// The match a test gets when it marks a video as matching without saying what matched:
/// the Copyright Detection guide's own sample.
pub fn sample_copyright_match() -> CopyrightMatch {
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
pub struct CopyrightInfo {
    pub matches: Vec<CopyrightMatch>,
}
