//! The world's records of published media, children, stories, live (the rules: `model/media.rs`).

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum MediaType {
    Image,
    Video,
    CarouselAlbum,
    /// A live broadcast.
    Broadcast,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum ProductType {
    Feed,
    Reels,
    Story,
    Ad,
    Live,
}

/// A user tag on a photo: who, and where (0.0-1.0 from the top-left corner).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct UserTag {
    pub(crate) username: String,
    pub(crate) x: f64,
    pub(crate) y: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Media {
    pub(crate) id: MediaId,
    pub(crate) ig_id: u64,
    pub(crate) owner: IgUserId,
    pub(crate) media_type: MediaType,
    pub(crate) product_type: ProductType,
    pub(crate) caption: Option<String>,
    pub(crate) timestamp: i64,
    /// Insertion sequence, the tie-breaker of [`TimeKey`].
    pub(crate) seq: u64,
    pub(crate) shortcode: String,
    /// The bytes igsim received for this media (`--media-fetch`, resumable upload), which the
    /// CDN serves back; `None` = the CDN serves generated media.
    pub(crate) file: Option<ReceivedFile>,
    /// A video's cover as received (`cover_url` with `--media-fetch`); else generated.
    pub(crate) cover: Option<ReceivedFile>,
    pub(crate) like_count: u64,
    pub(crate) comments_enabled: bool,
    /// Reels only: also shown in the Feed tab.
    pub(crate) shared_to_feed: Option<bool>,
    /// Album items, in order (carousels only).
    pub(crate) children: Vec<MediaId>,
    /// The album this item belongs to.
    pub(crate) parent: Option<MediaId>,
    /// Top-level comments by time.
    #[serde(with = "crate::model::json::pairs")]
    pub(crate) comments: Map<TimeKey, CommentId>,
    pub(crate) user_tags: Vec<UserTag>,
    /// Collaborator usernames (invited co-authors).
    pub(crate) collaborators: Vec<String>,
    /// Flagged or carrying copyrighted material: `media_url` is left out (facts §4.2).
    pub(crate) media_url_withheld: bool,
    /// Live broadcasts: whether it is on air now.
    pub(crate) live_now: bool,
    /// The image's alternative text given at container creation (`alt_text`), if any.
    pub(crate) alt_text: Option<String>,
    /// The AI info label self-disclosed at container creation (`is_ai_generated`).
    pub(crate) ai_generated: bool,
}

/// A file igsim received: its bytes and the `Content-Type` they were judged to be. Written
/// as its bytes alone (base64); the type is judged again when read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReceivedFile {
    pub(crate) bytes: Bytes,
    pub(crate) content_type: &'static str,
}

impl Serialize for ReceivedFile {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::model::json::base64_bytes::serialize(&self.bytes, s)
    }
}

impl<'de> Deserialize<'de> for ReceivedFile {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::model::json::base64_bytes::deserialize(d).map(ReceivedFile::new)
    }
}

impl ReceivedFile {
    /// A received image or video; the type is sniffed from the bytes (JPEG and PNG are the
    /// image formats publishing accepts, `error::SUPPORTED_IMAGE_FORMATS`; a QuickTime
    /// brand makes a `.mov`).
    pub(crate) fn new(bytes: Bytes) -> Self {
        let content_type = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            "image/jpeg"
        } else if bytes.starts_with(b"\x89PNG") {
            "image/png"
        } else if bytes.get(4..12) == Some(b"ftypqt  ") {
            "video/quicktime"
        } else {
            "video/mp4"
        };
        ReceivedFile { bytes, content_type }
    }
}
