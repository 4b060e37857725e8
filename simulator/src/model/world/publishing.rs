//! The world's records of containers, publishes, copyright checks, collaborator invites (the rules: `model/publishing.rs` and its parts).

use super::*;

/// The publishing state of a sandbox (one field on `World`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Publishing {
    pub(crate) containers: BTreeMap<ContainerId, Container>,
    /// When each account created its containers, oldest first (the container cap's window is
    /// a range of it, so a create costs O(log n), not a walk over every container). Derived
    /// from `containers`: not in snapshots, rebuilt by [`Publishing::reindex`].
    #[serde(skip)]
    pub(crate) created: BTreeMap<IgUserId, Vec<i64>>,
    /// Each account's publishes, oldest first.
    pub(crate) publishes: BTreeMap<IgUserId, Vec<PublishRecord>>,
    pub(crate) copyright: BTreeMap<MediaId, CopyrightInfo>,
    /// Collaborator invites per media, by username.
    pub(crate) invites: BTreeMap<MediaId, BTreeMap<String, InviteStatus>>,
    /// Per-sandbox replacement of `Config::publishing` (control plane).
    pub(crate) config_override: Option<PublishingConfig>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum InviteStatus {
    Accepted,
    Declined,
    Pending,
}
/// What a container will become (facts §4.4 "Kind" table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ContainerKind {
    Image,
    Reels,
    StoryImage,
    StoryVideo,
    CarouselImage,
    CarouselVideo,
    Carousel,
}

/// A resumable upload's progress (`upload_type=resumable`, facts §4.4).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Upload {
    pub(crate) bytes_transferred: u64,
    pub(crate) file_size: Option<u64>,
    pub(crate) complete: bool,
    /// The bytes received so far, while they may be kept (`CdnConfig`); `None` once a chunk
    /// came that could not be kept. Published media serve them back.
    pub(crate) data: Option<Vec<u8>>,
}

/// Everything a container was created with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct NewContainer {
    pub(crate) owner: IgUserId,
    pub(crate) kind: ContainerKind,
    pub(crate) media_url: Option<String>,
    pub(crate) cover_url: Option<String>,
    pub(crate) thumb_offset: Option<i64>,
    pub(crate) audio_name: Option<String>,
    pub(crate) share_to_feed: Option<bool>,
    pub(crate) caption: Option<String>,
    pub(crate) location_id: Option<PageId>,
    pub(crate) user_tags: Vec<UserTag>,
    pub(crate) collaborators: Vec<String>,
    /// As the client gave them (none when absent or an empty list): product-tag rules belong
    /// to product tagging and are applied at creation and again for a carousel's items.
    pub(crate) product_tags: Option<TagList>,
    pub(crate) children: Vec<ContainerId>,
    /// The file igsim downloaded for `image_url`/`video_url` (`--media-fetch`), if kept.
    #[serde(with = "crate::model::json::opt_base64_bytes")]
    pub(crate) file: Option<Bytes>,
    /// The file downloaded for `cover_url`, if kept.
    #[serde(with = "crate::model::json::opt_base64_bytes")]
    pub(crate) cover_file: Option<Bytes>,
    /// `alt_text` of an image (single or carousel item); `None` for everything else.
    pub(crate) alt_text: Option<String>,
    /// `is_ai_generated=true` on a container other than a carousel item.
    pub(crate) ai_generated: bool,
    /// Resumable: processing waits for the bytes.
    pub(crate) resumable: bool,
    /// The media check's verdict: `Some(subcode)` makes processing end in `ERROR`.
    pub(crate) failure: Option<i64>,
    pub(crate) copyright_match: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Container {
    pub(crate) id: ContainerId,
    pub(crate) spec: NewContainer,
    pub(crate) created_at: i64,
    pub(crate) expires_at: i64,
    /// The lifetime it was created with (`PublishingConfig::container_lifetime_seconds`),
    /// which its expiry sentence quotes.
    pub(crate) lifetime: i64,
    /// When processing ends; `None` while waiting for an upload or held by the control plane.
    pub(crate) ready_at: Option<i64>,
    /// The subcode processing fails with, if it fails.
    pub(crate) outcome: Option<i64>,
    pub(crate) forced_expired: bool,
    pub(crate) published: Option<(i64, MediaId)>,
    pub(crate) upload: Option<Upload>,
    pub(crate) copyright_matches: Vec<CopyrightMatch>,
}
/// One copyright match as the Copyright Detection guide shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CopyrightMatch {
    pub(crate) author: String,
    pub(crate) content_title: String,
    pub(crate) matched_segments: Vec<MatchedSegment>,
    pub(crate) owner_copyright_policy: CopyrightPolicy,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct MatchedSegment {
    pub(crate) start_time_in_seconds: f64,
    pub(crate) duration_in_seconds: f64,
    pub(crate) segment_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CopyrightPolicy {
    pub(crate) name: String,
    pub(crate) actions: Vec<CopyrightAction>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CopyrightAction {
    pub(crate) action: String,
    pub(crate) geos: Vec<String>,
}

/// A published video's copyright check (`copyright_check_information`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CopyrightInfo {
    pub(crate) matches: Vec<CopyrightMatch>,
}
/// One API publish, for the quota windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PublishRecord {
    pub(crate) at: i64,
    pub(crate) media: MediaId,
}
