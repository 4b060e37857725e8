//! The world's records of comments and replies (the rules: `model/comment.rs`).

use super::*;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Comment {
    pub(crate) id: CommentId,
    pub(crate) media: MediaId,
    /// The commenter's account (professional or personal).
    pub(crate) from: IgUserId,
    /// The top-level comment this one replies to.
    pub(crate) parent: Option<CommentId>,
    pub(crate) text: String,
    pub(crate) timestamp: i64,
    pub(crate) seq: u64,
    pub(crate) hidden: bool,
    pub(crate) like_count: u64,
    /// Replies by time (top-level comments only).
    #[serde(with = "crate::model::json::pairs")]
    pub(crate) replies: Map<TimeKey, CommentId>,
}
