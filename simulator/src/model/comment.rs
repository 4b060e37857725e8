//! Comments and replies on media (facts §4.6).

use super::TimeKey;
use crate::ids::{CommentId, IgUserId, MediaId};
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct Comment {
    pub id: CommentId,
    pub media: MediaId,
    /// The commenter's account (professional or personal).
    pub from: IgUserId,
    /// The top-level comment this one replies to.
    pub parent: Option<CommentId>,
    pub text: String,
    pub timestamp: i64,
    pub seq: u64,
    pub hidden: bool,
    pub like_count: u64,
    /// Replies by time (top-level comments only).
    pub replies: BTreeMap<TimeKey, CommentId>,
}
