//! Content publishing as pure data: media containers (`ShadowIGMediaBuilder`) and their
//! lifecycle as functions of `(container, now)`, the publishing quotas, and what publishing
//! a container adds to the world (facts §1.5, §4.3-4.5; guides "Content Publishing",
//! "Copyright Detection").
//!
//! Lifecycle: `IN_PROGRESS` → `FINISHED` → `PUBLISHED`, with `ERROR` and `EXPIRED` as the
//! other terminal states. Nothing here moves a status backwards, and terminal states never
//! change: the property test in `conformance/tests/it/publishing.rs` holds us to that.

use super::media::UserTag;
use super::media::{add_child, new_media};
use super::shopping::{self, ProductTag, TagList, TagTarget, TaggedQuota};
use super::window::Window;
use super::{Media, MediaType, ProductType, ReceivedFile, World};
use crate::config::{CapacityArea, CapacityConfig, PublishingConfig};
use crate::error::{GraphError, GraphResult};
use crate::ids::{ContainerId, IdKind, IgUserId, MediaId, PageId};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a container will become (facts §4.4 "Kind" table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContainerKind {
    Image,
    Reels,
    StoryImage,
    StoryVideo,
    CarouselImage,
    CarouselVideo,
    Carousel,
}

impl ContainerKind {
    pub fn is_video(self) -> bool {
        matches!(
            self,
            ContainerKind::Reels | ContainerKind::StoryVideo | ContainerKind::CarouselVideo
        )
    }

    pub fn is_carousel_item(self) -> bool {
        matches!(self, ContainerKind::CarouselImage | ContainerKind::CarouselVideo)
    }

    pub fn is_story(self) -> bool {
        matches!(self, ContainerKind::StoryImage | ContainerKind::StoryVideo)
    }
}

/// `status_code` of a container at some instant (facts §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    InProgress,
    Finished,
    /// Failed, with the error subcode that says why.
    Error(i64),
    Expired,
    Published,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::InProgress => "IN_PROGRESS",
            Status::Finished => "FINISHED",
            Status::Error(_) => "ERROR",
            Status::Expired => "EXPIRED",
            Status::Published => "PUBLISHED",
        }
    }

    /// The `status` sentence (facts §4.3: FINISHED from a recorded response, PUBLISHED from
    /// the reference sample; the other three are practitioner/UNCONFIRMED wordings). An
    /// expired container's quotes its lifetime (`PublishingConfig::container_lifetime_seconds`,
    /// 24 hours).
    pub fn sentence(self, lifetime: i64) -> String {
        match self {
            Status::InProgress => "In Progress: Media is still being processed.".into(),
            Status::Finished => "Finished: Media has been uploaded and it is ready to be published.".into(),
            Status::Error(sub) => format!("Error: Media upload has failed with error code {sub}"),
            Status::Expired => format!(
                "Expired: Media was not published within {} and has expired.",
                crate::timefmt::duration(lifetime)
            ),
            Status::Published => "Published: Media has been successfully published.".into(),
        }
    }

    /// Progress order: a container's rank never decreases, and terminal ones never change.
    pub fn rank(self) -> u8 {
        match self {
            Status::InProgress => 0,
            Status::Finished => 1,
            Status::Error(_) | Status::Expired | Status::Published => 2,
        }
    }

    pub fn is_terminal(self) -> bool {
        self.rank() == 2
    }
}

/// A resumable upload's progress (`upload_type=resumable`, facts §4.4).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upload {
    pub bytes_transferred: u64,
    pub file_size: Option<u64>,
    pub complete: bool,
    /// The bytes received so far, while they may be kept (`CdnConfig`); `None` once a chunk
    /// came that could not be kept. Published media serve them back.
    pub data: Option<Vec<u8>>,
}

/// One copyright match as the Copyright Detection guide shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CopyrightMatch {
    pub author: String,
    pub content_title: String,
    pub matched_segments: Vec<MatchedSegment>,
    pub owner_copyright_policy: CopyrightPolicy,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchedSegment {
    pub start_time_in_seconds: f64,
    pub duration_in_seconds: f64,
    pub segment_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CopyrightPolicy {
    pub name: String,
    pub actions: Vec<CopyrightAction>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CopyrightAction {
    pub action: String,
    pub geos: Vec<String>,
}

/// The match a test gets when it marks a video as matching without saying what matched:
/// the Copyright Detection guide's own sample.
pub fn sample_copyright_match() -> CopyrightMatch {
    CopyrightMatch {
        author: "Drake".into(),
        content_title: "In My Feelings".into(),
        matched_segments: vec![
            MatchedSegment {
                start_time_in_seconds: 2.4,
                duration_in_seconds: 5.1,
                segment_type: "AUDIO".into(),
            },
            MatchedSegment {
                start_time_in_seconds: 10.2,
                duration_in_seconds: 4.5,
                segment_type: "VIDEO".into(),
            },
        ],
        owner_copyright_policy: CopyrightPolicy {
            name: "UMG".into(),
            actions: vec![
                CopyrightAction {
                    action: "BLOCK".into(),
                    geos: vec!["Canada".into(), "India".into(), "United States of America".into()],
                },
                CopyrightAction {
                    action: "MUTE".into(),
                    geos: vec!["Taiwan".into(), "Tanzania".into(), "Saudi Arabia".into()],
                },
            ],
        },
    }
}

/// A published video's copyright check (`copyright_check_information`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CopyrightInfo {
    pub matches: Vec<CopyrightMatch>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InviteStatus {
    Accepted,
    Declined,
    Pending,
}

impl InviteStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InviteStatus::Accepted => "Accepted",
            InviteStatus::Declined => "Declined",
            InviteStatus::Pending => "Pending",
        }
    }
}

/// Everything a container was created with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewContainer {
    pub owner: IgUserId,
    pub kind: ContainerKind,
    pub media_url: Option<String>,
    pub cover_url: Option<String>,
    pub thumb_offset: Option<i64>,
    pub audio_name: Option<String>,
    pub share_to_feed: Option<bool>,
    pub caption: Option<String>,
    pub location_id: Option<PageId>,
    pub user_tags: Vec<UserTag>,
    pub collaborators: Vec<String>,
    /// As the client gave them (none when absent or an empty list): product-tag rules belong
    /// to product tagging and are applied at creation and again for a carousel's items.
    pub product_tags: Option<TagList>,
    pub children: Vec<ContainerId>,
    /// The file igsim downloaded for `image_url`/`video_url` (`--media-fetch`), if kept.
    #[serde(with = "super::json::opt_base64_bytes")]
    pub file: Option<Bytes>,
    /// The file downloaded for `cover_url`, if kept.
    #[serde(with = "super::json::opt_base64_bytes")]
    pub cover_file: Option<Bytes>,
    /// `alt_text` of an image (single or carousel item); `None` for everything else.
    pub alt_text: Option<String>,
    /// `is_ai_generated=true` on a container other than a carousel item.
    pub ai_generated: bool,
    /// Resumable: processing waits for the bytes.
    pub resumable: bool,
    /// The media check's verdict: `Some(subcode)` makes processing end in `ERROR`.
    pub failure: Option<i64>,
    pub copyright_match: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Container {
    pub id: ContainerId,
    pub spec: NewContainer,
    pub created_at: i64,
    pub expires_at: i64,
    /// The lifetime it was created with (`PublishingConfig::container_lifetime_seconds`),
    /// which its expiry sentence quotes.
    pub lifetime: i64,
    /// When processing ends; `None` while waiting for an upload or held by the control plane.
    pub ready_at: Option<i64>,
    /// The subcode processing fails with, if it fails.
    pub outcome: Option<i64>,
    pub forced_expired: bool,
    pub published: Option<(i64, MediaId)>,
    pub upload: Option<Upload>,
    pub copyright_matches: Vec<CopyrightMatch>,
}

impl Container {
    /// Drops the received files once the media holds them (no bytes are kept twice).
    fn release_files(&mut self) {
        self.spec.file = None;
        self.spec.cover_file = None;
        if let Some(u) = self.upload.as_mut() {
            u.data = None;
        }
    }

    pub fn status(&self, now: i64) -> Status {
        if self.published.is_some() {
            return Status::Published;
        }
        if let (Some(r), Some(sub)) = (self.ready_at, self.outcome) {
            if now >= r && r < self.expires_at {
                return Status::Error(sub);
            }
        }
        if self.forced_expired || now >= self.expires_at {
            return Status::Expired;
        }
        match self.ready_at {
            Some(r) if now >= r => Status::Finished,
            _ => Status::InProgress,
        }
    }

    /// `copyright_check_status.status` for video containers (guide: not_started →
    /// in_progress → completed; `error` when processing failed).
    pub fn copyright_status(&self, now: i64) -> (&'static str, bool) {
        match self.status(now) {
            Status::Error(_) => ("error", false),
            Status::InProgress => match self.ready_at {
                Some(_) if now > self.created_at => ("in_progress", false),
                _ if self.upload.as_ref().is_some_and(|u| u.complete) => ("in_progress", false),
                _ => ("not_started", false),
            },
            _ => ("completed", !self.copyright_matches.is_empty()),
        }
    }
}

/// One API publish, for the quota windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishRecord {
    pub at: i64,
    pub media: MediaId,
}

/// The publishing state of a sandbox (one field on `World`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Publishing {
    pub containers: BTreeMap<ContainerId, Container>,
    pub publishes: BTreeMap<IgUserId, Vec<PublishRecord>>,
    pub copyright: BTreeMap<MediaId, CopyrightInfo>,
    /// Collaborator invites per media, by username.
    pub invites: BTreeMap<MediaId, BTreeMap<String, InviteStatus>>,
    /// Per-sandbox replacement of `Config::publishing` (control plane).
    pub config_override: Option<PublishingConfig>,
}

impl Publishing {
    /// Publishes by `owner` inside the moving window ending at `now` (facts §4.5).
    pub fn usage(&self, owner: IgUserId, now: i64, window: i64, since: Option<i64>) -> u32 {
        let times = self.publishes.get(&owner).into_iter().flatten().map(|p| p.at);
        Window::of(window).count(now, times.filter(|&t| since.is_none_or(|s| t >= s))) as u32
    }

    /// Containers `owner` created in the `window` seconds ending at `now` (the container cap).
    pub fn containers_created(&self, owner: IgUserId, now: i64, window: i64) -> u32 {
        let mine = self.containers.values().filter(|c| c.spec.owner == owner);
        Window::of(window).count(now, mine.map(|c| c.created_at)) as u32
    }
}

/// Creates a container after the caller's parameter checks; enforces the container cap and
/// the carousel rules that need other containers.
/// Past production's cap, the sandbox's capacity for containers (`cap`) is checked.
pub fn create(
    world: &mut World,
    spec: NewContainer,
    now: i64,
    cfg: &PublishingConfig,
    cap: &CapacityConfig,
) -> GraphResult<ContainerId> {
    if world
        .publishing
        .containers_created(spec.owner, now, cfg.container_cap_window_seconds)
        >= cfg.container_cap
    {
        return Err(GraphError::container_cap_reached(cfg));
    }
    world
        .room_for(CapacityArea::Containers, 1, cap)
        .map_err(GraphError::sandbox_full)?;
    let mut expires_at = now.saturating_add(cfg.container_lifetime_seconds);
    if spec.kind == ContainerKind::Carousel {
        if !(2..=10).contains(&spec.children.len()) {
            return Err(GraphError::carousel_child_count());
        }
        for child in &spec.children {
            let c = world
                .publishing
                .containers
                .get(child)
                .filter(|c| c.spec.owner == spec.owner && c.spec.kind.is_carousel_item())
                .ok_or_else(|| {
                    GraphError::invalid_param(format!(
                        "The children parameter must list carousel item containers of this account; {child} is not one"
                    ))
                })?;
            match c.status(now) {
                Status::Finished => expires_at = expires_at.min(c.expires_at),
                Status::InProgress => return Err(GraphError::container_not_ready()),
                Status::Expired => return Err(GraphError::container_expired()),
                Status::Published => return Err(GraphError::builder_not_found(&child.to_string())),
                Status::Error(sub) => return Err(GraphError::for_publishing_subcode(sub, "", "8 MiB")),
            }
        }
    }
    // Product tags fail the container at creation (facts §1.5: 2207035/36/37/40).
    let own_tags = validated_tags(world, spec.owner, spec.kind, spec.product_tags.as_ref())?;
    if spec.kind == ContainerKind::Carousel {
        let mut slides = vec![own_tags];
        for child in &spec.children {
            if let Some(c) = world.publishing.containers.get(child) {
                slides.push(container_tags(world, c)?);
            }
        }
        shopping::validate_carousel_tags(&slides)?;
    }
    let id = ContainerId(world.new_id(IdKind::Container));
    let processing = if spec.kind.is_video() {
        cfg.video_processing_seconds
    } else {
        cfg.image_processing_seconds
    };
    let ready_at = if spec.resumable {
        None
    } else {
        Some(now.saturating_add(processing.max(0)))
    };
    let copyright_matches = if spec.copyright_match && spec.kind.is_video() {
        vec![sample_copyright_match()]
    } else {
        Vec::new()
    };
    let container = Container {
        id,
        created_at: now,
        expires_at,
        lifetime: cfg.container_lifetime_seconds,
        ready_at,
        outcome: spec.failure,
        forced_expired: false,
        published: None,
        upload: spec.resumable.then(|| Upload {
            data: Some(Vec::new()),
            ..Upload::default()
        }),
        copyright_matches,
        spec,
    };
    world.publishing.containers.insert(id, container);
    Ok(id)
}

/// One request to the upload endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub offset: u64,
    pub len: u64,
    pub file_size: Option<u64>,
    /// The verdict on the bytes (a subcode), when they show a problem.
    pub failure: Option<i64>,
    /// The bytes themselves when they may be kept; `None` stops keeping this upload's data.
    pub bytes: Option<Bytes>,
}

/// Records uploaded bytes of a resumable container; processing starts when all arrived.
pub fn upload(
    world: &mut World,
    id: ContainerId,
    chunk: Chunk,
    now: i64,
    cfg: &PublishingConfig,
) -> Result<(), String> {
    let Chunk {
        offset,
        len: chunk,
        file_size,
        failure,
        bytes,
    } = chunk;
    let c = world
        .publishing
        .containers
        .get_mut(&id)
        .ok_or_else(|| format!("no container {id}"))?;
    if c.status(now) != Status::InProgress {
        return Err(format!(
            "container {id} is {} and takes no more bytes",
            c.status(now).code()
        ));
    }
    let Some(up) = c.upload.as_mut() else {
        return Err(format!("container {id} was not created with upload_type=resumable"));
    };
    if up.complete {
        return Err("the upload is already complete".into());
    }
    if offset != up.bytes_transferred {
        return Err(format!(
            "offset {offset} does not match the {} bytes already received",
            up.bytes_transferred
        ));
    }
    if let Some(size) = file_size {
        if up.file_size.is_some_and(|s| s != size) {
            return Err("file_size differs from the size given earlier".into());
        }
        if offset + chunk > size {
            return Err(format!("the body goes past file_size {size}"));
        }
        up.file_size = Some(size);
    }
    up.bytes_transferred += chunk;
    up.complete = up.file_size.is_none_or(|s| up.bytes_transferred == s);
    match (up.data.as_mut(), bytes) {
        (Some(data), Some(b)) => data.extend_from_slice(&b),
        _ => up.data = None,
    }
    if c.outcome.is_none() {
        c.outcome = failure;
    }
    if up.complete {
        c.ready_at = Some(now.saturating_add(cfg.video_processing_seconds.max(0)));
    }
    Ok(())
}

/// Publishes a container owned by `owner`; returns the new IG Media id. Past production's
/// quotas, the sandbox's capacity for media (`cap`: the post and its carousel items) is
/// checked.
pub fn publish(
    world: &mut World,
    owner: IgUserId,
    id: ContainerId,
    now: i64,
    cfg: &PublishingConfig,
    cap: &CapacityConfig,
) -> GraphResult<MediaId> {
    let not_found = || GraphError::builder_not_found(&id.to_string());
    let c = world
        .publishing
        .containers
        .get(&id)
        .filter(|c| c.spec.owner == owner)
        .cloned()
        .ok_or_else(not_found)?;
    if c.spec.kind.is_carousel_item() {
        return Err(GraphError::carousel_item_standalone());
    }
    check_publishable(&c, now, cfg)?;
    let mut children = Vec::new();
    for child in &c.spec.children {
        let cc = world.publishing.containers.get(child).cloned().ok_or_else(not_found)?;
        check_publishable(&cc, now, cfg)?;
        children.push(cc);
    }
    // Product tags were validated when the containers were made; validating again here
    // catches products that went away in between (2207037) and gives the typed tags.
    let album_tags = container_tags(world, &c)?;
    let child_tags = children
        .iter()
        .map(|cc| container_tags(world, cc))
        .collect::<GraphResult<Vec<_>>>()?;
    let tagged = !album_tags.is_empty() || child_tags.iter().any(|t| !t.is_empty());
    if world.publishing.usage(owner, now, cfg.quota_duration, None) >= cfg.quota_total {
        return Err(GraphError::publish_quota_reached());
    }
    if tagged {
        shopping::check_tagged_post_quota(world, owner, now, TaggedQuota::of(cfg))?;
    }
    world
        .room_for(CapacityArea::Media, 1 + children.len(), cap)
        .map_err(GraphError::sandbox_full)?;

    let (media_type, product_type) = match c.spec.kind {
        ContainerKind::Image | ContainerKind::CarouselImage => (MediaType::Image, ProductType::Feed),
        ContainerKind::CarouselVideo => (MediaType::Video, ProductType::Feed),
        ContainerKind::Reels => (MediaType::Video, ProductType::Reels),
        ContainerKind::StoryImage => (MediaType::Image, ProductType::Story),
        ContainerKind::StoryVideo => (MediaType::Video, ProductType::Story),
        ContainerKind::Carousel => (MediaType::CarouselAlbum, ProductType::Feed),
    };
    let media_id = MediaId(world.new_id(IdKind::Media));
    let base = new_media(
        world,
        media_id,
        owner,
        media_type,
        product_type,
        c.spec.caption.clone(),
        now,
    );
    world.insert_media(Media {
        file: received_file(&c),
        cover: c.spec.cover_file.clone().map(ReceivedFile::new),
        shared_to_feed: (product_type == ProductType::Reels).then(|| c.spec.share_to_feed.unwrap_or(true)),
        user_tags: c.spec.user_tags.clone(),
        collaborators: c.spec.collaborators.clone(),
        alt_text: c.spec.alt_text.clone(),
        ai_generated: c.spec.ai_generated,
        ..base
    });
    if media_type == MediaType::Video {
        world.publishing.copyright.insert(
            media_id,
            CopyrightInfo {
                matches: c.copyright_matches.clone(),
            },
        );
    }
    if !c.spec.collaborators.is_empty() {
        world.publishing.invites.insert(
            media_id,
            c.spec
                .collaborators
                .iter()
                .map(|u| (u.clone(), InviteStatus::Pending))
                .collect(),
        );
    }
    shopping::attach_tags(world, media_id, album_tags);
    if tagged {
        shopping::record_tagged_post(world, owner, media_id, now);
    }
    for (cc, tags) in children.iter().zip(child_tags) {
        let kind = if cc.spec.kind.is_video() {
            MediaType::Video
        } else {
            MediaType::Image
        };
        let child_media = add_child(world, media_id, kind);
        shopping::attach_tags(world, child_media, tags);
        if let Some(m) = world.media.get_mut(&child_media) {
            m.user_tags = cc.spec.user_tags.clone();
            m.file = received_file(cc);
            m.alt_text = cc.spec.alt_text.clone();
        }
        if kind == MediaType::Video {
            world.publishing.copyright.insert(
                child_media,
                CopyrightInfo {
                    matches: cc.copyright_matches.clone(),
                },
            );
        }
        if let Some(x) = world.publishing.containers.get_mut(&cc.id) {
            x.published = Some((now, child_media));
            x.release_files();
        }
    }
    if let Some(x) = world.publishing.containers.get_mut(&id) {
        x.published = Some((now, media_id));
        x.release_files();
    }
    world
        .publishing
        .publishes
        .entry(owner)
        .or_default()
        .push(PublishRecord {
            at: now,
            media: media_id,
        });
    Ok(media_id)
}

/// Where a container's product tags go (Product Tagging guide: the per-kind rules).
pub fn tag_target(kind: ContainerKind) -> TagTarget {
    match kind {
        ContainerKind::Image => TagTarget::Image,
        ContainerKind::Reels => TagTarget::Reel,
        ContainerKind::StoryImage | ContainerKind::StoryVideo => TagTarget::Story,
        ContainerKind::CarouselImage => TagTarget::CarouselImage,
        ContainerKind::CarouselVideo => TagTarget::CarouselVideo,
        ContainerKind::Carousel => TagTarget::Carousel,
    }
}

/// The validated product tags a container carries (none when it has no `product_tags`).
pub fn validated_tags(
    world: &World,
    owner: IgUserId,
    kind: ContainerKind,
    tags: Option<&TagList>,
) -> GraphResult<Vec<ProductTag>> {
    match tags {
        Some(list) => shopping::validate_product_tags(world, owner, tag_target(kind), list),
        None => Ok(Vec::new()),
    }
}

fn container_tags(world: &World, c: &Container) -> GraphResult<Vec<ProductTag>> {
    validated_tags(world, c.spec.owner, c.spec.kind, c.spec.product_tags.as_ref())
}

/// The file a container's media serves: what was downloaded for it, or its completed upload.
fn received_file(c: &Container) -> Option<ReceivedFile> {
    let uploaded = c
        .upload
        .as_ref()
        .filter(|u| u.complete)
        .and_then(|u| u.data.clone())
        .filter(|d| !d.is_empty())
        .map(Bytes::from);
    c.spec.file.clone().or(uploaded).map(ReceivedFile::new)
}

/// Received bytes a world holds: kept downloads and uploads of unpublished containers, and
/// the files of published media (for the sandbox budget in `CdnConfig`).
pub fn received_bytes(world: &World) -> u64 {
    let containers: usize = world
        .publishing
        .containers
        .values()
        .map(|c| {
            let upload = c.upload.as_ref().and_then(|u| u.data.as_ref()).map_or(0, Vec::len);
            let files: usize = [&c.spec.file, &c.spec.cover_file]
                .into_iter()
                .flatten()
                .map(Bytes::len)
                .sum();
            upload + files
        })
        .sum();
    let media: usize = world
        .media
        .values()
        .flat_map(|m| [&m.file, &m.cover])
        .flatten()
        .map(|f| f.bytes.len())
        .sum();
    (containers + media) as u64
}

/// How many more received bytes the sandbox may keep for the CDN (`CdnConfig`).
pub fn room_left(world: &World, cdn: &crate::config::CdnConfig) -> u64 {
    cdn.max_kept_sandbox_bytes.saturating_sub(received_bytes(world))
}

fn check_publishable(c: &Container, now: i64, cfg: &PublishingConfig) -> GraphResult<()> {
    match c.status(now) {
        Status::Finished => Ok(()),
        Status::InProgress => Err(GraphError::container_not_ready()),
        Status::Expired => Err(GraphError::container_expired()),
        Status::Published => Err(GraphError::builder_not_found(&c.id.to_string())),
        Status::Error(sub) => Err(GraphError::for_publishing_subcode(
            sub,
            c.spec.media_url.as_deref().unwrap_or(""),
            &human_bytes(cfg.max_image_bytes),
        )),
    }
}

/// `8 MiB` for 8388608.
pub fn human_bytes(n: u64) -> String {
    if n.is_multiple_of(1024 * 1024) {
        format!("{} MiB", n / (1024 * 1024))
    } else {
        format!("{n} bytes")
    }
}

/// Where the control plane may move a container (`to`), forward only.
pub fn transition(
    world: &mut World,
    id: ContainerId,
    to: &str,
    subcode: Option<i64>,
    now: i64,
) -> Result<Status, String> {
    let c = world
        .publishing
        .containers
        .get_mut(&id)
        .ok_or_else(|| format!("no container {id} in this sandbox"))?;
    let current = c.status(now);
    if current.is_terminal() {
        return Err(format!(
            "container {id} is {}: terminal states never change",
            current.code()
        ));
    }
    match to {
        "FINISHED" => {
            c.ready_at = Some(now);
            c.outcome = None;
            if let Some(u) = c.upload.as_mut() {
                u.complete = true;
            }
        }
        "ERROR" => {
            let sub = subcode.ok_or("ERROR needs an error_subcode (e.g. 2207026)")?;
            c.ready_at = Some(now);
            c.outcome = Some(sub);
        }
        "EXPIRED" => c.forced_expired = true,
        "IN_PROGRESS" if current == Status::InProgress => c.ready_at = None,
        "IN_PROGRESS" => return Err("a FINISHED container cannot go back to IN_PROGRESS".into()),
        "PUBLISHED" => return Err("publish with POST /{ig-user-id}/media_publish".into()),
        other => {
            return Err(format!(
                "unknown status {other:?}: use FINISHED, ERROR, EXPIRED or IN_PROGRESS"
            ))
        }
    }
    Ok(c.status(now))
}
