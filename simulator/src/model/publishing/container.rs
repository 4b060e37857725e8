//! A media container (`ShadowIGMediaBuilder`) and its lifecycle as pure functions of
//! `(container, now)`: `IN_PROGRESS` → `FINISHED` → `PUBLISHED`, with `ERROR` and `EXPIRED`
//! as the other terminal states; it expires `PublishingConfig::container_lifetime_seconds`
//! after creation (facts §4.3: 24 h), and its status sentence quotes that lifetime. Nothing
//! here moves a status backwards, and terminal states never change: the property test in
//! `conformance/tests/it/publishing.rs` holds us to that.

use super::*;
use crate::model::media_check::human_bytes;

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
    #[serde(with = "crate::model::json::opt_base64_bytes")]
    pub file: Option<Bytes>,
    /// The file downloaded for `cover_url`, if kept.
    #[serde(with = "crate::model::json::opt_base64_bytes")]
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
    pub(super) fn release_files(&mut self) {
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

pub(super) fn check_publishable(c: &Container, now: i64, cfg: &PublishingConfig) -> GraphResult<()> {
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
