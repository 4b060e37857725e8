//! Comments and replies on media (facts §4.6): the thread structure (a reply always hangs
//! off a top-level comment), creation, hiding, deletion with its replies, and @mentions.

use super::capacity::Full;
use super::shared::Shared;
pub(crate) use super::world::Comment;
use super::world::World;
use crate::config::{CapacityArea, CapacityConfig};
use crate::ids::{CommentId, IdKind, IgUserId, MediaId};

/// Longest comment or reply, in characters: the caption limit (facts §4.4), which Instagram
/// applies to comments too (practitioner pages; UNCONFIRMED for the API). It also bounds the
/// outside world's comments and captions (`model::events`), so extracting their @mentions
/// is bounded work.
pub(crate) const MAX_COMMENT_CHARS: usize = super::media::MAX_CAPTION_CHARS;

/// The usernames @mentioned in a text, lower-cased, in order of appearance (the one rule of
/// what a mention is, for the API and the outside world alike). Instagram usernames are
/// letters, digits, `.` and `_`; a trailing `.` ends the sentence; `name@example.com` is
/// not a mention. One pass over the text.
pub(crate) fn mentions(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        // `name@example.com` is an address, not a mention.
        let starts_word = prev.is_none_or(|p| !(p.is_alphanumeric() || p == '_' || p == '.'));
        prev = Some(c);
        if c != '@' || !starts_word {
            continue;
        }
        let rest = &text[i + 1..];
        let len = rest
            .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '.' || ch == '_'))
            .unwrap_or(rest.len());
        let name = rest[..len].trim_end_matches('.');
        if !name.is_empty() {
            out.push(name.to_ascii_lowercase());
        }
    }
    out
}

/// [`mentions`] without repeats, in order of first appearance.
pub(crate) fn distinct_mentions(text: &str) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    mentions(text).into_iter().filter(|m| seen.insert(m.clone())).collect()
}

/// Whether `text` @mentions `username` (case-insensitive).
pub(crate) fn mentions_user(text: &str, username: &str) -> bool {
    let u = username.to_ascii_lowercase();
    mentions(text).contains(&u)
}

impl World {
    /// The top-level comment of a thread (`id` itself when it is top-level).
    pub(crate) fn top_level_comment(&self, id: CommentId) -> CommentId {
        match self.comments.get(&id).and_then(|c| c.parent) {
            Some(p) => p,
            None => id,
        }
    }

    /// Writes a comment (or, with `reply_to`, a reply) as `from` at `now`. A reply to a reply
    /// attaches to the top-level comment (facts §4.6, `IGREF:ig-comment/replies`).
    /// The caller has checked the rules (comments enabled, parent not hidden…); refused when
    /// the sandbox holds all the run-time comments `cap` allows.
    pub(crate) fn add_comment(
        &mut self,
        media: MediaId,
        reply_to: Option<CommentId>,
        from: IgUserId,
        text: String,
        now: i64,
        cap: &CapacityConfig,
    ) -> Result<CommentId, Full> {
        self.room_for(CapacityArea::Comments, 1, cap)?;
        let parent = reply_to.map(|c| self.top_level_comment(c));
        let id = CommentId(self.new_id(IdKind::Comment));
        let seq = self.next_seq();
        self.insert_comment(Comment {
            id,
            media,
            from,
            parent,
            text,
            timestamp: now,
            seq,
            hidden: false,
            like_count: 0,
            replies: crate::model::shared::Map::new(),
        });
        Ok(id)
    }

    /// Hides or shows a comment. Comments by the media's owner always stay visible (facts
    /// §4.6); returns the resulting `hidden` value.
    pub(crate) fn set_comment_hidden(&mut self, id: CommentId, hide: bool) -> bool {
        let owner = self
            .comments
            .get(&id)
            .and_then(|c| self.media.get(&c.media))
            .map(|m| m.owner);
        match self.comments.get_mut(&id) {
            Some(c) => {
                c.hidden = hide && Some(c.from) != owner;
                c.hidden
            }
            None => false,
        }
    }

    /// Deletes a comment and, for a top-level comment, all its replies; the ids stop naming
    /// anything. Returns every id removed.
    pub(crate) fn delete_comment(&mut self, id: CommentId) -> Vec<CommentId> {
        let Some(c) = self.comments.remove(&id) else {
            return Vec::new();
        };
        let key = (c.timestamp, c.seq);
        match c.parent {
            Some(p) => {
                if let Some(parent) = self.comments.get_mut(&p) {
                    parent.replies.remove(&key);
                }
            }
            None => {
                if let Some(m) = self.media.get_mut(&c.media) {
                    m.comments.remove(&key);
                }
            }
        }
        self.nodes.remove(&id.0);
        let mut removed = vec![id];
        for r in c.replies.values() {
            if self.comments.remove(r).is_some() {
                self.nodes.remove(&r.0);
                removed.push(*r);
            }
        }
        removed
    }

    /// Whether comment `id` @mentions the account `ig`.
    pub(crate) fn comment_mentions(&self, id: CommentId, ig: IgUserId) -> bool {
        match (self.comments.get(&id), self.ig_users.get(&ig)) {
            (Some(c), Some(u)) => mentions_user(&c.text, &u.username),
            _ => false,
        }
    }

    /// Whether the caption of media `id` @mentions the account `ig`.
    pub(crate) fn caption_mentions(&self, id: MediaId, ig: IgUserId) -> bool {
        match (self.media.get(&id), self.ig_users.get(&ig)) {
            (Some(m), Some(u)) => m.caption.as_deref().is_some_and(|c| mentions_user(c, &u.username)),
            _ => false,
        }
    }
}

impl World {
    pub(crate) fn insert_comment(&mut self, comment: Comment) {
        if let Some(parent) = comment.parent {
            if let Some(p) = self.comments.get_mut(&parent) {
                p.replies.insert((comment.timestamp, comment.seq), comment.id);
            }
        } else if let Some(m) = self.media.get_mut(&comment.media) {
            m.comments.insert((comment.timestamp, comment.seq), comment.id);
        }
        self.comments.insert(comment.id, Shared::new(comment));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_found_case_insensitively_and_emails_are_not_mentions() {
        assert_eq!(
            mentions("Hi @Metricsaurus, see @juniper.makes. mail me@x.com"),
            vec!["metricsaurus", "juniper.makes"]
        );
        assert!(mentions_user("@bluebottle challenge?", "BlueBottle"));
        assert!(!mentions_user("@bluebottles", "bluebottle"));
    }
}
