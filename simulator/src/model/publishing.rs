//! Content publishing as pure data: creating a container and what publishing one adds to the
//! world (facts §1.5, §4.3-4.5; guides "Content Publishing", "Copyright Detection"). Its
//! parts: the container and its lifecycle and expiry (`container`), the publishing quota and
//! the container cap (`quota`), the resumable upload (`upload`), copyright matches
//! (`copyright`).

mod container;
mod copyright;
mod quota;
mod upload;

pub(crate) use container::{transition, Status};
pub(crate) use copyright::sample_copyright_match;
pub(crate) use upload::{received_bytes, upload, Chunk};

use container::check_publishable;
use upload::received_file;

use super::media::{add_child, new_media};
use super::shopping::{self, ProductTag, TagList, TagTarget, TaggedQuota};
use super::window::Window;
pub(crate) use super::world::{
    Container, ContainerKind, CopyrightAction, CopyrightInfo, CopyrightMatch, CopyrightPolicy, InviteStatus,
    MatchedSegment, NewContainer, PublishRecord, Publishing, Upload,
};
use super::{Media, MediaType, ProductType, ReceivedFile, World};
use crate::config::{CapacityArea, CapacityConfig, PublishingConfig};
use crate::error::{GraphError, GraphResult};
use crate::ids::{ContainerId, IdKind, IgUserId, MediaId};
use bytes::Bytes;

impl InviteStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            InviteStatus::Accepted => "Accepted",
            InviteStatus::Declined => "Declined",
            InviteStatus::Pending => "Pending",
        }
    }
}

/// Creates a container after the caller's parameter checks; enforces the container cap and
/// the carousel rules that need other containers.
/// Past production's cap, the sandbox's capacity for containers (`cap`) is checked.
pub(crate) fn create(
    world: &mut World,
    spec: NewContainer,
    now: i64,
    cfg: &PublishingConfig,
    cap: &CapacityConfig,
) -> GraphResult<ContainerId> {
    quota::check_container_cap(world, spec.owner, now, cfg)?;
    world
        .room_for(CapacityArea::Containers, 1, cap)
        .map_err(GraphError::from)?;
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
    world.publishing.insert_container(id, container);
    Ok(id)
}

/// Publishes a container owned by `owner`; returns the new IG Media id. Past production's
/// quotas, the sandbox's capacity for media (`cap`: the post and its carousel items) is
/// checked.
pub(crate) fn publish(
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
    quota::check_publish_quota(world, owner, now, cfg)?;
    if tagged {
        shopping::check_tagged_post_quota(world, owner, now, TaggedQuota::of(cfg))?;
    }
    world
        .room_for(CapacityArea::Media, 1 + children.len(), cap)
        .map_err(GraphError::from)?;

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
    world.publishing.record_publish(
        owner,
        PublishRecord {
            at: now,
            media: media_id,
        },
    );
    Ok(media_id)
}

/// Where a container's product tags go (Product Tagging guide: the per-kind rules).
pub(crate) fn tag_target(kind: ContainerKind) -> TagTarget {
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
pub(crate) fn validated_tags(
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
