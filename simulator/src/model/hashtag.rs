//! Hashtags (facts §4.7, guides "Hashtag Search"): global static ids, the index of media by
//! the `#tags` in their captions, and each account's rolling window of unique searches.

use super::window::Window;
pub(crate) use super::world::Search;
use super::{Media, ProductType, TimeKey, World};
use crate::ids::{stable_hash, HashtagId, IdKind, IgUserId, MediaId};
use std::collections::BTreeMap;

/// Ids the documentation prints; every other name gets a stable derived id.
/// (`IGREF:ig-hashtag-search`: #bluebottle; `IGREF:ig-hashtag`: coke.)
const DOCUMENTED_IDS: &[(&str, u64)] = &[("bluebottle", 17_843_857_450_040_591), ("coke", 17_841_593_698_074_073)];

/// The id of a hashtag: static and global (the same in every sandbox and every run).
/// `name` must already be normalised (see [`normalize`]).
pub(crate) fn hashtag_id(name: &str) -> HashtagId {
    if let Some((_, id)) = DOCUMENTED_IDS.iter().find(|(n, _)| *n == name) {
        return HashtagId(*id);
    }
    // 1784 + 13 digits, like the documented ones; skip the documented values themselves.
    let mut salt = 0u8;
    loop {
        let h = stable_hash(&[b"ig-hashtag", name.as_bytes(), &[salt]]);
        let id = 17_840_000_000_000_000 + h % 10_000_000_000_000;
        if !DOCUMENTED_IDS.iter().any(|(_, d)| *d == id) {
            return HashtagId(id);
        }
        salt += 1;
    }
}

/// Why a search string is not a hashtag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BadHashtag {
    Empty,
    /// Emoji and other symbols ("Emojis in hashtag queries are not supported").
    UnsupportedCharacters,
}

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// A search query as a hashtag name: an optional leading `#` dropped, lower-cased.
pub(crate) fn normalize(q: &str) -> Result<String, BadHashtag> {
    let q = q.trim();
    let q = q.strip_prefix('#').unwrap_or(q);
    if q.is_empty() {
        return Err(BadHashtag::Empty);
    }
    if !q.chars().all(is_tag_char) {
        return Err(BadHashtag::UnsupportedCharacters);
    }
    Ok(q.to_lowercase())
}

/// The hashtags in a caption, normalised, without duplicates, in order of appearance.
pub(crate) fn caption_hashtags(caption: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut prev: Option<char> = None;
    for (i, c) in caption.char_indices() {
        let starts = prev.is_none_or(|p| !is_tag_char(p) && p != '#');
        prev = Some(c);
        if c != '#' || !starts {
            continue;
        }
        let rest = &caption[i + 1..];
        let len = rest.find(|ch: char| !is_tag_char(ch)).unwrap_or(rest.len());
        let tag = rest[..len].to_lowercase();
        if !tag.is_empty() && seen.insert(tag.clone()) {
            out.push(tag);
        }
    }
    out
}

/// A search refused because the account already used its quota of unique hashtags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QuotaFull;

/// What a search did to the quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SearchOutcome {
    /// First search of this hashtag in the window: it now counts.
    Counted,
    /// Already searched within its window: free, timer unchanged.
    Repeat,
}

/// Whether a media may appear in hashtag edges: public, not a story, ad, live video or album
/// item (guides "Hashtag Search" limitations; facts §4.7). Collaborative media counts: it is
/// the documented exception to "only the publisher sees co-authored media" (guides, Overview
/// "Collaborators").
pub(crate) fn hashtag_visible(world: &World, m: &Media) -> bool {
    let public_owner = world.ig_users.get(&m.owner).is_some_and(|u| !u.is_private);
    public_owner && m.parent.is_none() && matches!(m.product_type, ProductType::Feed | ProductType::Reels)
}

impl World {
    /// Registers a hashtag name (its id becomes a node of this sandbox) and returns its id.
    pub(crate) fn register_hashtag(&mut self, name: &str) -> HashtagId {
        let id = hashtag_id(name);
        if !self.hashtags.names.contains_key(&id) {
            // A collision with an object of another kind is astronomically unlikely (13 random
            // digits); if it happens the hashtag is simply not readable by id in this sandbox.
            if self.kind_of(id.0).is_none() {
                self.claim_id(id.0, IdKind::Hashtag);
            }
            self.hashtags.names.insert(id, name.to_string());
        }
        id
    }

    /// Adds a media to the edges of every hashtag in its caption. Called for every media
    /// inserted with [`World::insert_media`] (seed or published); idempotent.
    pub(crate) fn index_hashtags(&mut self, media: MediaId) {
        let Some(m) = self.media.get(&media) else { return };
        if m.parent.is_some() {
            return;
        }
        let tags = m.caption.as_deref().map(caption_hashtags).unwrap_or_default();
        for tag in tags {
            let id = self.register_hashtag(&tag);
            self.hashtags.media.entry(id).or_default().insert(media);
        }
    }

    /// Forgets searches older than the window (they no longer count, facts §4.7).
    /// Changes the world only when one expired: the hashtags are shared, a change copies
    /// them, and the state directory writes what changed (`World::unchanged_since`), so a
    /// repeated search stays a read.
    fn expire_searches(&mut self, ig: IgUserId, now: i64, window: i64) {
        let live = |v: &Search| Window::of(window).contains(now, v.first);
        if self.hashtags.searches.get(&ig).is_none_or(|s| s.values().all(live)) {
            return;
        }
        if let Some(s) = self.hashtags.searches.get_mut(&ig) {
            s.retain(|_, v| live(v));
        }
    }

    /// Records a search of `name` by `ig` against the rolling quota: `limit` unique hashtags
    /// per `window` seconds; a repeat within its window is free and does not restart it
    /// (guides "Hashtag Search" limitations).
    pub(crate) fn search_hashtag(
        &mut self,
        ig: IgUserId,
        name: &str,
        now: i64,
        limit: usize,
        window: i64,
    ) -> Result<(HashtagId, SearchOutcome), QuotaFull> {
        self.expire_searches(ig, now, window);
        let id = hashtag_id(name);
        let used = self.hashtags.searches.get(&ig).map_or(0, BTreeMap::len);
        if self.hashtags.searches.get(&ig).is_some_and(|s| s.contains_key(&id)) {
            self.register_hashtag(name);
            return Ok((id, SearchOutcome::Repeat));
        }
        if used >= limit {
            return Err(QuotaFull);
        }
        self.register_hashtag(name);
        let seq = self.next_seq();
        self.hashtags
            .searches
            .entry(ig)
            .or_default()
            .insert(id, Search { first: now, seq });
        Ok((id, SearchOutcome::Counted))
    }

    /// The hashtags `ig` searched within the window, most recently counted first, keyed for
    /// cursor paging.
    pub(crate) fn recent_searches(&self, ig: IgUserId, now: i64, window: i64) -> BTreeMap<TimeKey, HashtagId> {
        self.hashtags
            .searches
            .get(&ig)
            .map(|s| {
                s.iter()
                    .filter(|(_, v)| Window::of(window).contains(now, v.first))
                    .map(|(id, v)| ((v.first, v.seq), *id))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Public media carrying hashtag `id` (see [`hashtag_visible`]).
    pub(crate) fn hashtag_media(&self, id: HashtagId) -> Vec<&Media> {
        self.hashtags
            .media
            .get(&id)
            .into_iter()
            .flatten()
            .filter_map(|m| self.media.get(m).map(|m| &**m))
            .filter(|m| hashtag_visible(self, m))
            .collect()
    }

    /// Top media: ranked by engagement (likes + comments incl. replies), then newer first,
    /// then id, so the order is total and deterministic.
    pub(crate) fn top_hashtag_media(&self, id: HashtagId) -> Vec<MediaId> {
        let mut v: Vec<(u64, i64, u64, MediaId)> = self
            .hashtag_media(id)
            .into_iter()
            .map(|m| (m.like_count + self.comment_count(m.id), m.timestamp, m.seq, m.id))
            .collect();
        v.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then(b.1.cmp(&a.1))
                .then(b.2.cmp(&a.2))
                .then(a.3.cmp(&b.3))
        });
        v.into_iter().map(|t| t.3).collect()
    }

    /// Recent media: published in `(now - window, now]`, newest first (as time keys).
    pub(crate) fn recent_hashtag_media(&self, id: HashtagId, now: i64, window: i64) -> BTreeMap<TimeKey, MediaId> {
        self.hashtag_media(id)
            .into_iter()
            .filter(|m| Window::of(window).contains(now, m.timestamp))
            .map(|m| ((m.timestamp, m.seq), m.id))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_ids_are_kept_and_others_are_stable() {
        assert_eq!(hashtag_id("bluebottle").0, 17_843_857_450_040_591);
        assert_eq!(hashtag_id("coke").0, 17_841_593_698_074_073);
        let a = hashtag_id("coffee");
        assert_eq!(a, hashtag_id("coffee"));
        assert_ne!(a, hashtag_id("tea"));
        assert_eq!(a.0.to_string().len(), 17);
        assert!(a.0.to_string().starts_with("1784"));
    }

    #[test]
    fn queries_normalise_and_emoji_are_refused() {
        assert_eq!(normalize("#BlueBottle"), Ok("bluebottle".into()));
        assert_eq!(normalize("café"), Ok("café".into()));
        assert_eq!(normalize("☕"), Err(BadHashtag::UnsupportedCharacters));
        assert_eq!(normalize("#"), Err(BadHashtag::Empty));
        assert_eq!(normalize("two words"), Err(BadHashtag::UnsupportedCharacters));
    }

    #[test]
    fn media_inserted_later_appears_in_its_hashtags_edges() {
        let seed: crate::model::seed::WorldSeed = serde_json::from_value(serde_json::json!({
            "instagram_accounts": [
                { "username": "a", "account_type": "BUSINESS" },
                { "username": "p", "account_type": "PERSONAL", "is_private": true }
            ]
        }))
        .unwrap();
        let mut w = crate::model::seed::build_world(&seed, &crate::Config::default(), 1, "t", 1_000_000).unwrap();
        let a = w.ig_user_by_username("a").unwrap().id;
        let p = w.ig_user_by_username("p").unwrap().id;
        let publish = |w: &mut World, owner, caption: &str, product| {
            let id = MediaId(w.new_id(IdKind::Media));
            let m = crate::model::media::new_media(
                w,
                id,
                owner,
                crate::model::MediaType::Image,
                product,
                Some(caption.into()),
                999_000,
            );
            w.insert_media(m);
            id
        };
        let feed = publish(&mut w, a, "Hello #Sunrise", ProductType::Feed);
        publish(&mut w, p, "private #sunrise", ProductType::Feed);
        publish(&mut w, a, "story #sunrise", ProductType::Story);
        let tag = hashtag_id("sunrise");
        assert_eq!(w.kind_of(tag.0), Some(IdKind::Hashtag));
        assert_eq!(w.top_hashtag_media(tag), vec![feed]);
        assert_eq!(w.recent_hashtag_media(tag, 1_000_000, 86_400).len(), 1);
        assert!(w.recent_hashtag_media(tag, 1_100_000, 86_400).is_empty());
    }

    #[test]
    fn captions_yield_their_tags_once() {
        assert_eq!(
            caption_hashtags("New #Coffee! #coffee #data_viz, not a#tag ##x"),
            vec!["coffee", "data_viz"]
        );
    }
}
