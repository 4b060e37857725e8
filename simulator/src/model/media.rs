//! Published media: posts, reels, carousels with their children, stories and live
//! broadcasts, as the IG Media node shows them (facts §4.2).

use super::shared::Shared;
use super::world::World;
pub(crate) use super::world::{Media, MediaType, ProductType, ReceivedFile, UserTag};
use crate::ids::{IdKind, IgUserId, MediaId};

/// Longest caption, in characters (facts §4.4: 2,200; error 2207010). Also bounds the
/// captions a seed world's pools hand to generated media.
pub(crate) const MAX_CAPTION_CHARS: usize = 2200;

impl MediaType {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            MediaType::Image => "IMAGE",
            MediaType::Video => "VIDEO",
            MediaType::CarouselAlbum => "CAROUSEL_ALBUM",
            MediaType::Broadcast => "BROADCAST",
        }
    }
}

impl ProductType {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ProductType::Feed => "FEED",
            ProductType::Reels => "REELS",
            ProductType::Story => "STORY",
            ProductType::Ad => "AD",
            ProductType::Live => "LIVE",
        }
    }
}

impl Media {
    pub(crate) fn permalink(&self) -> String {
        match self.product_type {
            ProductType::Reels => format!("https://www.instagram.com/reel/{}/", self.shortcode),
            _ => format!("https://www.instagram.com/p/{}/", self.shortcode),
        }
    }

    pub(crate) fn is_child(&self) -> bool {
        self.parent.is_some()
    }

    pub(crate) fn is_story(&self) -> bool {
        self.product_type == ProductType::Story
    }
}

/// A new media object with a generated shortcode, not yet inserted (its URLs are the CDN's,
/// made when it is read: `http::cdn`).
pub(crate) fn new_media(
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
        comments: crate::model::shared::Map::new(),
        user_tags: Vec::new(),
        collaborators: Vec::new(),
        media_url_withheld: false,
        live_now: false,
        alt_text: None,
        ai_generated: false,
    }
}

/// Adds an album item to a carousel.
pub(crate) fn add_child(world: &mut World, album: MediaId, media_type: MediaType) -> MediaId {
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

impl World {
    /// Adds a media object and indexes it on its owner's feed or stories.
    pub(crate) fn insert_media(&mut self, media: Media) {
        let key = (media.timestamp, media.seq);
        if media.parent.is_none() {
            let index = if media.product_type == ProductType::Story {
                &mut self.stories
            } else {
                &mut self.feed
            };
            if media.product_type != ProductType::Live {
                index.entry(media.owner).or_default().insert(key, media.id);
            }
        }
        let id = media.id;
        self.media.insert(id, Shared::new(media));
        self.index_hashtags(id);
    }
}
