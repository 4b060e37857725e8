//! Published media: posts, reels, carousels with their children, stories and live
//! broadcasts, as the IG Media node shows them (facts §4.2).

use super::{TimeKey, World};
use crate::ids::{CommentId, IdKind, IgUserId, MediaId};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Longest caption, in characters (facts §4.4: 2,200; error 2207010). Also bounds the
/// captions a seed world's pools hand to generated media.
pub const MAX_CAPTION_CHARS: usize = 2200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MediaType {
    Image,
    Video,
    CarouselAlbum,
    /// A live broadcast.
    Broadcast,
}

impl MediaType {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Image => "IMAGE",
            MediaType::Video => "VIDEO",
            MediaType::CarouselAlbum => "CAROUSEL_ALBUM",
            MediaType::Broadcast => "BROADCAST",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProductType {
    Feed,
    Reels,
    Story,
    Ad,
    Live,
}

impl ProductType {
    pub fn as_str(self) -> &'static str {
        match self {
            ProductType::Feed => "FEED",
            ProductType::Reels => "REELS",
            ProductType::Story => "STORY",
            ProductType::Ad => "AD",
            ProductType::Live => "LIVE",
        }
    }
}

/// A user tag on a photo: who, and where (0.0-1.0 from the top-left corner).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserTag {
    pub username: String,
    pub x: f64,
    pub y: f64,
}

/// A file igsim received: its bytes and the `Content-Type` they were judged to be. Written
/// as its bytes alone (base64); the type is judged again when read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedFile {
    pub bytes: Bytes,
    pub content_type: &'static str,
}

impl Serialize for ReceivedFile {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        super::json::base64_bytes::serialize(&self.bytes, s)
    }
}

impl<'de> Deserialize<'de> for ReceivedFile {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        super::json::base64_bytes::deserialize(d).map(ReceivedFile::new)
    }
}

impl ReceivedFile {
    /// A received image or video; the type is sniffed from the bytes (JPEG and PNG are the
    /// image formats publishing accepts, `error::SUPPORTED_IMAGE_FORMATS`; a QuickTime
    /// brand makes a `.mov`).
    pub fn new(bytes: Bytes) -> Self {
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

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Media {
    pub id: MediaId,
    pub ig_id: u64,
    pub owner: IgUserId,
    pub media_type: MediaType,
    pub product_type: ProductType,
    pub caption: Option<String>,
    pub timestamp: i64,
    /// Insertion sequence, the tie-breaker of [`TimeKey`].
    pub seq: u64,
    pub shortcode: String,
    /// The bytes igsim received for this media (`--media-fetch`, resumable upload), which the
    /// CDN serves back; `None` = the CDN serves generated media.
    pub file: Option<ReceivedFile>,
    /// A video's cover as received (`cover_url` with `--media-fetch`); else generated.
    pub cover: Option<ReceivedFile>,
    pub like_count: u64,
    pub comments_enabled: bool,
    /// Reels only: also shown in the Feed tab.
    pub shared_to_feed: Option<bool>,
    /// Album items, in order (carousels only).
    pub children: Vec<MediaId>,
    /// The album this item belongs to.
    pub parent: Option<MediaId>,
    /// Top-level comments by time.
    #[serde(with = "super::json::pairs")]
    pub comments: BTreeMap<TimeKey, CommentId>,
    pub user_tags: Vec<UserTag>,
    /// Collaborator usernames (invited co-authors).
    pub collaborators: Vec<String>,
    /// Flagged or carrying copyrighted material: `media_url` is left out (facts §4.2).
    pub media_url_withheld: bool,
    /// Live broadcasts: whether it is on air now.
    pub live_now: bool,
    /// The image's alternative text given at container creation (`alt_text`), if any.
    pub alt_text: Option<String>,
    /// The AI info label self-disclosed at container creation (`is_ai_generated`).
    pub ai_generated: bool,
}

impl Media {
    pub fn permalink(&self) -> String {
        match self.product_type {
            ProductType::Reels => format!("https://www.instagram.com/reel/{}/", self.shortcode),
            _ => format!("https://www.instagram.com/p/{}/", self.shortcode),
        }
    }

    pub fn is_child(&self) -> bool {
        self.parent.is_some()
    }

    pub fn is_story(&self) -> bool {
        self.product_type == ProductType::Story
    }
}

/// A new media object with a generated shortcode, not yet inserted (its URLs are the CDN's,
/// made when it is read: `http::cdn`).
pub fn new_media(
    world: &mut World,
    id: MediaId,
    owner: IgUserId,
    media_type: MediaType,
    product_type: ProductType,
    caption: Option<String>,
    timestamp: i64,
) -> Media {
    let seq = world.next_seq();
    let shortcode = world.ids.alnum(11);
    let ig_id = 3_000_000_000_000_000_000 + world.ids.below(99_999_999_999_999_999);
    Media {
        id,
        ig_id,
        owner,
        media_type,
        product_type,
        caption,
        timestamp,
        seq,
        shortcode,
        file: None,
        cover: None,
        like_count: 0,
        comments_enabled: true,
        shared_to_feed: None,
        children: Vec::new(),
        parent: None,
        comments: BTreeMap::new(),
        user_tags: Vec::new(),
        collaborators: Vec::new(),
        media_url_withheld: false,
        live_now: false,
        alt_text: None,
        ai_generated: false,
    }
}

/// Adds an album item to a carousel.
pub fn add_child(world: &mut World, album: MediaId, media_type: MediaType) -> MediaId {
    let Some(parent) = world.media.get(&album) else {
        return album;
    };
    let (owner, ts) = (parent.owner, parent.timestamp);
    let id = MediaId(world.new_id(IdKind::Media));
    let child = Media {
        parent: Some(album),
        ..new_media(world, id, owner, media_type, ProductType::Feed, None, ts)
    };
    world.insert_media(child);
    if let Some(p) = world.media.get_mut(&album) {
        p.children.push(id);
    }
    id
}
