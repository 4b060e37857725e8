//! A media container (`ShadowIGMediaBuilder`) and its lifecycle as pure functions of
//! `(container, now)`: `IN_PROGRESS` → `FINISHED` → `PUBLISHED`, with `ERROR` and `EXPIRED`
//! as the other terminal states; it expires `PublishingConfig::container_lifetime_seconds`
//! after creation (facts §4.3: 24 h), and its status sentence quotes that lifetime. Nothing
//! here moves a status backwards, and terminal states never change: the property test in
//! `conformance/tests/it/publishing.rs` holds us to that.

use super::*;
use crate::model::media_check::human_bytes;

impl ContainerKind {
    pub(crate) fn is_video(self) -> bool {
        matches!(
            self,
            ContainerKind::Reels | ContainerKind::StoryVideo | ContainerKind::CarouselVideo
        )
    }

    pub(crate) fn is_carousel_item(self) -> bool {
        matches!(self, ContainerKind::CarouselImage | ContainerKind::CarouselVideo)
    }

    pub(crate) fn is_story(self) -> bool {
        matches!(self, ContainerKind::StoryImage | ContainerKind::StoryVideo)
    }
}

/// `status_code` of a container at some instant (facts §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    InProgress,
    Finished,
    /// Failed, with the error subcode that says why.
    Error(i64),
    Expired,
    Published,
}

impl Status {
    pub(crate) fn code(self) -> &'static str {
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
    pub(crate) fn sentence(self, lifetime: i64) -> String {
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
    pub(crate) fn rank(self) -> u8 {
        match self {
            Status::InProgress => 0,
            Status::Finished => 1,
            Status::Error(_) | Status::Expired | Status::Published => 2,
        }
    }

    pub(crate) fn is_terminal(self) -> bool {
        self.rank() == 2
    }
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

    pub(crate) fn status(&self, now: i64) -> Status {
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
    pub(crate) fn copyright_status(&self, now: i64) -> (&'static str, bool) {
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
pub(crate) fn transition(
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
