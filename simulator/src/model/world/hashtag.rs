//! The world's records of hashtags, the media carrying each, every account's searches (the rules: `model/hashtag.rs`).

use super::*;

/// One account's search of one hashtag: when it first counted, and an insertion tie-break.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Search {
    pub(crate) first: i64,
    pub(crate) seq: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Hashtags {
    /// Every hashtag the sandbox has seen (in a caption or a search): id -> name.
    pub(crate) names: BTreeMap<HashtagId, String>,
    /// Media whose caption carries the hashtag.
    pub(crate) media: BTreeMap<HashtagId, BTreeSet<MediaId>>,
    /// Per account: hashtags searched and when each first counted.
    pub(crate) searches: BTreeMap<IgUserId, BTreeMap<HashtagId, Search>>,
}
