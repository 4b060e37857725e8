//! Tunables of hashtag search (facts §4.7; guide "Hashtag Search"): the unique-hashtag quota
//! and its moving window, how far back `recent_media` reaches, page sizes, the refusals.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct HashtagConfig {
    /// Unique hashtags an IG account may search per window (facts §4.7: 30).
    pub(crate) unique_limit: usize,
    /// The rolling hashtag-search window (facts §4.7: 7 days).
    pub(crate) window_seconds: i64,
    /// How far back `recent_media` reaches (facts §4.7: 24 hours).
    pub(crate) recent_seconds: i64,
    /// Largest `limit` on `top_media`/`recent_media` (facts §3.3: 50).
    pub(crate) media_max_page_size: usize,
    /// `recently_searched_hashtags` page size and largest `limit` (facts §3.3: 25 and 30).
    pub(crate) recent_searches_page_size: usize,
    pub(crate) recent_searches_max_page_size: usize,
    /// Hashtags "deemed sensitive or offensive": searching them gets a generic error
    /// (guides "Hashtag Search"; which tags, and the error's code, are UNCONFIRMED).
    pub(crate) sensitive: Vec<String>,
    /// Code of the error for a search past the unique-hashtag quota (facts §1.4: UNCONFIRMED;
    /// one third-party plugin maps it to 18).
    pub(crate) limit_error_code: i64,
}

impl Default for HashtagConfig {
    fn default() -> Self {
        HashtagConfig {
            unique_limit: 30,
            window_seconds: 7 * 24 * 3600,
            recent_seconds: 24 * 3600,
            media_max_page_size: 50,
            recent_searches_page_size: 25,
            recent_searches_max_page_size: 30,
            sensitive: vec!["sensitivetag".into(), "offensivetag".into()],
            limit_error_code: 18,
        }
    }
}
