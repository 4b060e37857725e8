//! Content publishing over HTTP: `POST /{ig-user-id}/media` (containers), `POST
//! /{ig-user-id}/media_publish`, `GET /{ig-container-id}` (`ShadowIGMediaBuilder`),
//! `GET /{ig-user-id}/content_publishing_limit`, the resumable upload endpoint
//! (`/ig-api-upload/{version}/{container-id}`), the `collaborators` edge and
//! `copyright_check_information` of media, and the publishing control plane.
//!
//! Sources: guides "Content Publishing", "Copyright Detection", "Product Tagging" (publishing
//! parts); facts §1.5, §4.2-4.5.

use crate::config::PublishingConfig;
use crate::error::{GraphError, GraphResult};
use crate::http::fields::FieldSel;
use crate::http::graph::{project, token_error, Ctx, Field};
use crate::http::request::{GraphRequest, RawRequest, Verb};
use crate::http::response::{sim_error, sim_json, Body};
use crate::ids::{parse_id, ContainerId, IdKind, IgUserId, MediaId, PageId};
use crate::media_fetch::{self, Expect};
use crate::model::media::UserTag;
use crate::model::publishing::{
    self as model, sample_copyright_match, Container, ContainerKind, CopyrightInfo, CopyrightMatch, InviteStatus,
    NewContainer, Status,
};
use crate::model::{IgAccountType, Media, MediaType, World};
use crate::sandbox::Sandbox;
use crate::server::State;
use bytes::Bytes;
use http::{Method, Response};
use serde_json::{json, Map, Value};

pub const CONTAINER_NODE: &str = "ShadowIGMediaBuilder";
const LIMIT_NODE: &str = "ContentPublishingLimitResponse";

/// Caption limits (facts §4.4); the length limit is `model::media::MAX_CAPTION_CHARS`.
const MAX_HASHTAGS: usize = 30;
const MAX_MENTIONS: usize = 20;
const MAX_USER_TAGS: usize = 20;
const MAX_COLLABORATORS: usize = 3;

/// The publishing configuration of a sandbox: the control plane's override, else the process's.
pub fn effective_config(world: &World, cfg: &crate::config::Config) -> PublishingConfig {
    world
        .publishing
        .config_override
        .clone()
        .unwrap_or_else(|| cfg.publishing.clone())
}

/// Who may publish to `ig`: it must be one of the viewer's accounts (100/33 otherwise), the
/// token needs `instagram_content_publish` and the viewer MANAGE or CREATE_CONTENT on the
/// linked Page ((#10) otherwise; facts §4.4 "Requirements").
fn require_publisher(ctx: &Ctx, ig: IgUserId, cfg: &PublishingConfig) -> GraphResult<()> {
    ctx.require_ig(ig)?;
    ctx.require_permission(ig, "instagram_content_publish")?;
    if ctx.world.ig_users.get(&ig).is_some_and(|u| u.restricted) {
        return Err(GraphError::account_restricted());
    }
    if ctx.world.page_of_ig_user(ig).is_some_and(|p| p.requires_ppa) {
        return Err(GraphError::page_publishing_authorization_required(cfg));
    }
    Ok(())
}

// ---- POST /{ig-user-id}/media ----------------------------------------------------------

fn kind_of(req: &GraphRequest, is_business: bool) -> GraphResult<ContainerKind> {
    let is_item = req.bool_param("is_carousel_item")?.unwrap_or(false);
    let media_type = req.param("media_type").map(str::trim).filter(|s| !s.is_empty());
    let has_image = req.param("image_url").is_some();
    Ok(match (media_type, is_item) {
        // No media_type means an image; `IMAGE` is what many clients send for the same thing.
        (None | Some("IMAGE"), false) => ContainerKind::Image,
        (None | Some("IMAGE"), true) => ContainerKind::CarouselImage,
        (Some("VIDEO"), true) => ContainerKind::CarouselVideo,
        (Some("VIDEO"), false) => return Err(GraphError::video_media_type_deprecated()),
        (Some("REELS"), false) => ContainerKind::Reels,
        (Some("STORIES"), false) => {
            if !is_business {
                return Err(GraphError::stories_business_only());
            }
            if has_image {
                ContainerKind::StoryImage
            } else {
                ContainerKind::StoryVideo
            }
        }
        (Some("CAROUSEL"), false) => ContainerKind::Carousel,
        (Some(t @ ("REELS" | "STORIES" | "CAROUSEL")), true) => {
            return Err(GraphError::invalid_param(format!(
                "media_type={t} cannot be a carousel item: carousel items are images (image_url) or media_type=VIDEO"
            )))
        }
        (Some(other), _) => return Err(GraphError::unknown_media_type(other)),
    })
}

/// `#` signs that start a hashtag (a letter, digit or `_` follows), each occurrence.
fn count_hashtags(caption: &str) -> usize {
    let mut chars = caption.chars().peekable();
    let mut n = 0;
    while let Some(c) = chars.next() {
        if c == '#' && chars.peek().is_some_and(|n| n.is_alphanumeric() || *n == '_') {
            n += 1;
        }
    }
    n
}

fn check_caption(caption: &str) -> GraphResult<()> {
    use crate::model::media::MAX_CAPTION_CHARS;
    let len = caption.chars().count();
    if len > MAX_CAPTION_CHARS {
        return Err(GraphError::caption_too_long(len, MAX_CAPTION_CHARS));
    }
    let tags = count_hashtags(caption);
    if tags > MAX_HASHTAGS {
        return Err(GraphError::caption_too_many("hashtags", tags, MAX_HASHTAGS));
    }
    // What counts as an @mention is the one rule of `model::comment::mentions`.
    let mentions = crate::model::comment::mentions(caption).len();
    if mentions > MAX_MENTIONS {
        return Err(GraphError::caption_too_many("@mentions", mentions, MAX_MENTIONS));
    }
    Ok(())
}

/// The accounts behind usernames the client gave (`user_tags`, `collaborators`), in order:
/// each must be exactly an existing public account's username (guide: "You can only tag users
/// with public Instagram accounts"). Unknown and private accounts, and names written with a
/// leading `@`, fail the whole request with production's 110/2207018 naming every one of them
/// (facts §9 "Usernames the client supplies").
fn accessible_users(world: &World, names: &[&str]) -> GraphResult<Vec<String>> {
    let mut found = Vec::new();
    let mut refused = Vec::new();
    for name in names {
        let user = Some(*name)
            .filter(|n| !n.starts_with('@'))
            .and_then(|n| world.ig_user_by_username(n))
            .filter(|u| !u.is_private);
        match user {
            Some(u) => found.push(u.username.clone()),
            None => refused.push(*name),
        }
    }
    if refused.is_empty() {
        Ok(found)
    } else {
        Err(GraphError::users_cannot_be_accessed(&refused))
    }
}

fn parse_user_tags(ctx: &Ctx, kind: ContainerKind) -> GraphResult<Vec<UserTag>> {
    let Some(raw) = ctx.req.json_param("user_tags") else {
        return Ok(Vec::new());
    };
    let shape = || {
        GraphError::invalid_param(
            "Param user_tags must be a JSON array of objects, each with username, x and y (e.g. [{username:'natgeo',x:0.5,y:1.0}])",
        )
    };
    let list = match raw.map_err(|_| shape())? {
        Value::Array(a) => a,
        _ => return Err(shape()),
    };
    if kind == ContainerKind::Carousel {
        return Err(GraphError::invalid_param(
            "user_tags go on the carousel's item containers, not on the carousel container",
        ));
    }
    if list.len() > MAX_USER_TAGS {
        return Err(GraphError::too_many_user_tags(MAX_USER_TAGS));
    }
    // Positions are required on feed images; videos take none, and stories take them
    // optionally (IG User Media reference: user_tags on stories since 2025-07-09, "optionally
    // specify x, y coordinates").
    let needs_position = !kind.is_video() && !kind.is_story();
    let mut out = Vec::new();
    for (i, t) in list.iter().enumerate() {
        let obj = t.as_object().ok_or_else(shape)?;
        let username = obj
            .get("username")
            .or_else(|| obj.get("usernames"))
            .and_then(Value::as_str)
            .ok_or_else(|| GraphError::invalid_param(format!("Param user_tags[{i}][username] is required")))?;
        let coord = |axis: &str| -> GraphResult<Option<f64>> {
            match obj.get(axis) {
                None if needs_position => Err(GraphError::invalid_param(format!(
                    "Param user_tags[{i}][{axis}] is required"
                ))),
                None => Ok(None),
                Some(v) => {
                    let n = v
                        .as_f64()
                        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                        .filter(|n: &f64| (0.0..=1.0).contains(n))
                        .ok_or_else(|| {
                            GraphError::invalid_param(format!(
                                "Param user_tags[{i}][{axis}] must be a number between 0.0 and 1.0"
                            ))
                        })?;
                    Ok(Some(n))
                }
            }
        };
        let (x, y) = (coord("x")?, coord("y")?);
        out.push((username, x.unwrap_or(0.0), y.unwrap_or(0.0)));
    }
    let names: Vec<&str> = out.iter().map(|(n, _, _)| *n).collect();
    let users = accessible_users(&ctx.world, &names)?;
    Ok(users
        .into_iter()
        .zip(out)
        .map(|(username, (_, x, y))| UserTag { username, x, y })
        .collect())
}

fn parse_collaborators(ctx: &Ctx, owner: IgUserId, kind: ContainerKind) -> GraphResult<Vec<String>> {
    let Some(raw) = ctx.req.json_param("collaborators") else {
        return Ok(Vec::new());
    };
    let shape = || GraphError::invalid_param("Param collaborators must be an array of strings (Instagram usernames)");
    let list = match raw.map_err(|_| shape())? {
        Value::Array(a) => a,
        _ => return Err(shape()),
    };
    if kind.is_story() {
        return Err(GraphError::invalid_param(
            "Collaborators cannot be added to Story media",
        ));
    }
    if kind.is_carousel_item() {
        return Err(GraphError::invalid_param(
            "Collaborators go on the carousel container, not on its items",
        ));
    }
    if list.len() > MAX_COLLABORATORS {
        return Err(GraphError::invalid_param(format!(
            "No more than {MAX_COLLABORATORS} collaborators can be added to a media"
        )));
    }
    let names = list
        .iter()
        .map(|v| v.as_str().map(str::trim).ok_or_else(shape))
        .collect::<GraphResult<Vec<&str>>>()?;
    let own = ctx.world.ig_users.get(&owner).map(|u| u.username.to_ascii_lowercase());
    let mut out: Vec<String> = Vec::new();
    for user in accessible_users(&ctx.world, &names)? {
        // Inviting yourself: production's answer is UNCONFIRMED; igsim's own (#100).
        if Some(user.to_ascii_lowercase()) == own {
            return Err(GraphError::invalid_param(format!(
                "{user} cannot be invited as a collaborator on its own media"
            )));
        }
        if !out.contains(&user) {
            out.push(user);
        }
    }
    Ok(out)
}

fn parse_children(req: &GraphRequest) -> GraphResult<Vec<ContainerId>> {
    let bad = || GraphError::invalid_param("Param children must be a list of container IDs");
    let items: Vec<String> = match req.json_values.get("children") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                Value::Number(n) => Ok(n.to_string()),
                _ => Err(bad()),
            })
            .collect::<GraphResult<_>>()?,
        _ => {
            let raw = req.required("children")?.trim();
            let inner = raw.strip_prefix('[').and_then(|r| r.strip_suffix(']')).unwrap_or(raw);
            inner
                .split(',')
                .map(|s| s.trim().trim_matches(['"', '\'']).to_string())
                .filter(|s| !s.is_empty())
                .collect()
        }
    };
    items
        .iter()
        .map(|s| parse_id(s).map(ContainerId).ok_or_else(bad))
        .collect()
}

/// The media check of one URL: scheme, test hints, then the downloaded verdict when there
/// is one, else the offline judgement. Returns (failure subcode, copyright match) or the
/// synchronous error.
fn check_media_url(req: &GraphRequest, url: &str, expect: Expect) -> GraphResult<(Option<i64>, bool)> {
    let hints = media_fetch::parse_url(url)?;
    let verdict = match hints.forced_error {
        Some(sub) => Err(GraphError::for_publishing_subcode(sub, url, "8 MiB")),
        None => match req.media_checks.get(url) {
            Some(v) => v.clone(),
            None => media_fetch::judge_offline(url, expect),
        },
    };
    match (verdict, expect) {
        (Ok(()), _) => Ok((None, hints.copyright_match)),
        // Images fail while the container is created; videos fail later, in processing.
        (Err(e), Expect::Video) => Ok((Some(e.subcode.unwrap_or(2207053)), hints.copyright_match)),
        (Err(e), _) => Err(e),
    }
}

/// How `image_url` is judged: story images have no aspect rule, feed and carousel images the
/// feed range (facts §4.4). The download before the lock and the creation agree through this.
fn image_url_expect(req: &GraphRequest) -> Expect {
    match req.param("media_type").map(str::trim) {
        Some("STORIES") => Expect::Image,
        _ => Expect::FeedImage,
    }
}

/// `POST /{ig-user-id}/media`; with `fields=`, the new container's fields
/// (`Config::fields_on_write`).
pub fn create_container(ctx: &mut Ctx, ig: IgUserId) -> GraphResult<Value> {
    let cfg = effective_config(&ctx.world, ctx.cfg);
    require_publisher(ctx, ig, &cfg)?;
    let sel = ctx.fields()?;
    let req = ctx.req;
    let is_business = ctx
        .world
        .ig_users
        .get(&ig)
        .is_some_and(|u| u.account_type == IgAccountType::Business);
    let kind = kind_of(req, is_business)?;

    let resumable = match req.param("upload_type") {
        None | Some("") => false,
        Some("resumable") if kind.is_video() => true,
        Some("resumable") => {
            return Err(GraphError::invalid_param(
                "upload_type=resumable is for videos (REELS, STORIES with video, carousel VIDEO items)",
            ))
        }
        Some(_) => return Err(GraphError::not_one_of("upload_type", &["resumable"])),
    };

    let (mut failure, mut copyright_match, mut media_url) = (None, false, None);
    match kind {
        ContainerKind::Carousel => {}
        k if k.is_video() => {
            if resumable {
                if req.param("video_url").is_some() {
                    return Err(GraphError::invalid_param(
                        "Give either video_url or upload_type=resumable, not both",
                    ));
                }
            } else {
                let url = req.required("video_url")?;
                (failure, copyright_match) = check_media_url(req, url, Expect::Video)?;
                media_url = Some(url.to_string());
            }
        }
        _ => {
            let url = req.required("image_url")?;
            check_media_url(req, url, image_url_expect(req))?;
            media_url = Some(url.to_string());
        }
    }
    let file = media_url.as_ref().and_then(|u| req.media_files.get(u)).cloned();
    let mut cover_file = None;

    let caption = match req.param("caption") {
        Some(c) if !kind.is_carousel_item() && !kind.is_story() => {
            check_caption(c)?;
            Some(c.to_string())
        }
        _ => None,
    };

    let location_id = match req.param("location_id").map(str::trim).filter(|s| !s.is_empty()) {
        Some(loc) if !kind.is_carousel_item() => {
            let page = parse_id(loc)
                .map(PageId)
                .filter(|p| ctx.world.pages.get(p).is_some_and(|p| p.location.is_some()))
                .ok_or_else(|| GraphError::invalid_location_id(&cfg, loc))?;
            Some(page)
        }
        _ => None,
    };

    let user_tags = parse_user_tags(ctx, kind)?;
    let collaborators = parse_collaborators(ctx, ig, kind)?;

    let product_tags = match ctx.req.json_param("product_tags") {
        None => None,
        Some(_) if kind.is_story() => {
            return Err(GraphError::invalid_param(
                "Product tagging is not supported for Stories",
            ))
        }
        Some(Ok(v)) => Some(v),
        Some(Err(_)) => {
            return Err(GraphError::invalid_param(
                "Param product_tags must be a JSON array of objects with product_id (and x, y for images)",
            ))
        }
    };

    let (mut cover_url, mut thumb_offset, mut audio_name, mut share_to_feed) = (None, None, None, None);
    if kind.is_video() {
        if let Some(t) = req.param("thumb_offset").map(str::trim).filter(|s| !s.is_empty()) {
            let n = t
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| GraphError::bad_thumb_offset("the video's length"))?;
            thumb_offset = Some(n);
        }
    }
    if kind == ContainerKind::Reels {
        if let Some(url) = req.param("cover_url").filter(|s| !s.trim().is_empty()) {
            check_media_url(req, url, Expect::Image)?;
            cover_file = req.media_files.get(url).cloned();
            cover_url = Some(url.to_string());
        }
        audio_name = req.param("audio_name").map(str::to_string);
    }
    if matches!(kind, ContainerKind::Reels | ContainerKind::Carousel) {
        share_to_feed = req.bool_param("share_to_feed")?;
    }
    let children = if kind == ContainerKind::Carousel {
        parse_children(req)?
    } else {
        Vec::new()
    };
    if !kind.is_video() {
        copyright_match = false;
    }
    let spec = NewContainer {
        owner: ig,
        kind,
        media_url,
        cover_url,
        thumb_offset,
        audio_name,
        share_to_feed,
        caption,
        location_id,
        user_tags,
        collaborators,
        product_tags,
        children,
        file,
        cover_file,
        resumable,
        failure: failure.take(),
        copyright_match,
    };
    let id = model::create(ctx.world.write()?, spec, ctx.now, &cfg)?;
    let written = if resumable {
        json!({
            "id": id.to_string(),
            "uri": format!("{}/ig-api-upload/{}/{}", ctx.req.base_url, ctx.req.version, id),
        })
    } else {
        json!({ "id": id.to_string() })
    };
    let mode = ctx.cfg.fields_on_write.containers;
    ctx.answer_write(mode, sel, written, |ctx, sel| render_container(ctx, id, sel))
}

// ---- POST /{ig-user-id}/media_publish ----------------------------------------------------

/// `POST /{ig-user-id}/media_publish` with `creation_id`; with `fields=`, production
/// publishes and then refuses (`Config::fields_on_write`).
pub fn publish(ctx: &mut Ctx, ig: IgUserId) -> GraphResult<Value> {
    let cfg = effective_config(&ctx.world, ctx.cfg);
    require_publisher(ctx, ig, &cfg)?;
    let sel = ctx.fields()?;
    let raw = ctx.req.required("creation_id")?.trim().to_string();
    let id = parse_id(&raw)
        .filter(|n| ctx.world.kind_of(*n) == Some(IdKind::Container))
        .map(ContainerId)
        .ok_or_else(|| GraphError::builder_not_found(&raw))?;
    let media = model::publish(ctx.world.write()?, ig, id, ctx.now, &cfg)?;
    let mode = ctx.cfg.fields_on_write.media_publish;
    ctx.answer_write(mode, sel, json!({ "id": media.to_string() }), |ctx, sel| {
        crate::http::media::render(ctx, media, sel, true)
    })
}

// ---- GET /{ig-user-id}/content_publishing_limit -----------------------------------------

/// `GET /{ig-user-id}/content_publishing_limit` (facts §4.5): `quota_usage` only unless
/// `fields` asks for `config` (`rate_limit_settings` read as its legacy alias).
pub fn publishing_limit(ctx: &mut Ctx, ig: IgUserId) -> GraphResult<Value> {
    let cfg = effective_config(&ctx.world, ctx.cfg);
    ctx.require_ig(ig)?;
    ctx.require_permission(ig, "instagram_content_publish")?;
    let since = match ctx.req.param("since").map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => {
            let t = crate::timefmt::parse_time_param(s)
                .ok_or_else(|| GraphError::invalid_param("The parameter since is not a valid time"))?;
            if t < ctx.now - cfg.quota_duration {
                return Err(GraphError::invalid_param(format!(
                    "The parameter since must be a unix timestamp within the last {} seconds",
                    cfg.quota_duration
                )));
            }
            Some(t)
        }
    };
    let sel = ctx.fields_or(&["quota_usage"])?;
    let mut item = Map::new();
    for f in &sel {
        match f.name.as_str() {
            "quota_usage" => {
                let n = ctx.world.publishing.usage(ig, ctx.now, cfg.quota_duration, since);
                item.insert("quota_usage".into(), json!(n));
            }
            "config" | "rate_limit_settings" => {
                item.insert(
                    "config".into(),
                    json!({ "quota_total": cfg.quota_total, "quota_duration": cfg.quota_duration }),
                );
            }
            other => return Err(GraphError::nonexisting_field(other, LIMIT_NODE)),
        }
    }
    Ok(json!({ "data": [Value::Object(item)] }))
}

// ---- GET /{ig-container-id} ------------------------------------------------------------------

fn upload_json(c: &Container, status: Status) -> Value {
    let (uploading, bytes) = match &c.upload {
        None => ("complete", None),
        Some(u) if u.complete => ("complete", Some(u.bytes_transferred)),
        Some(u) if u.bytes_transferred > 0 => ("in_progress", Some(u.bytes_transferred)),
        Some(_) => ("not_started", Some(0)),
    };
    let processing = match status {
        Status::InProgress if uploading == "complete" && c.ready_at.is_some() => "in_progress",
        Status::InProgress => "not_started",
        Status::Finished | Status::Published => "complete",
        Status::Error(_) => "error",
        Status::Expired => "expired",
    };
    let mut up = Map::new();
    up.insert("status".into(), json!(uploading));
    if let Some(b) = bytes {
        up.insert("bytes_transferred".into(), json!(b));
    }
    json!({ "uploading_phase": Value::Object(up), "processing_phase": { "status": processing } })
}

/// `GET /{ig-container-id}`: only the owner's viewers see it (100/33 otherwise).
pub fn read_container(ctx: &mut Ctx, id: ContainerId) -> GraphResult<Value> {
    require_container(ctx, id)?;
    let sel = ctx.fields_or(&["id"])?;
    render_container(ctx, id, &sel)
}

/// 100/33 unless the container exists and belongs to one of the viewer's accounts.
fn require_container(ctx: &Ctx, id: ContainerId) -> GraphResult<()> {
    let visible = ctx
        .world
        .publishing
        .containers
        .get(&id)
        .is_some_and(|c| ctx.owns_ig(c.spec.owner));
    if visible {
        Ok(())
    } else {
        Err(GraphError::unsupported("GET", &id.to_string()))
    }
}

/// A container's fields (`ShadowIGMediaBuilder`, facts §4.3).
fn render_container(ctx: &Ctx, id: ContainerId, sel: &[FieldSel]) -> GraphResult<Value> {
    let Some(c) = ctx.world.publishing.containers.get(&id) else {
        return Err(GraphError::unsupported("GET", &id.to_string()));
    };
    let status = c.status(ctx.now);
    let now = ctx.now;
    project(CONTAINER_NODE, &id.to_string(), sel, |f| {
        Ok(match f.name.as_str() {
            "status_code" => Field::Value(json!(status.code())),
            "status" => Field::Value(json!(status.sentence())),
            "copyright_check_status" if c.spec.kind.is_video() => {
                let (s, found) = c.copyright_status(now);
                Field::Value(json!({ "status": s, "matches_found": found }))
            }
            "copyright_check_status" => Field::Omit,
            "video_status" if c.spec.kind.is_video() => Field::Value(upload_json(c, status)),
            "video_status" => Field::Omit,
            _ => Field::Unknown,
        })
    })
}

/// `GET /{ig-container-id}/{edge}`: containers have no edges.
pub fn container_edge(ctx: &mut Ctx, id: ContainerId, edge: &str) -> GraphResult<Value> {
    require_container(ctx, id)?;
    Err(GraphError::nonexisting_field(edge, CONTAINER_NODE))
}

// ---- media additions: collaborators, copyright_check_information --------------------------

/// `GET /{ig-media-id}/collaborators` (facts §4.2): `{"data":[{id, username, invite_status}]}`.
pub fn collaborators_edge(ctx: &mut Ctx, media: MediaId, sel: Option<&FieldSel>) -> GraphResult<Value> {
    if sel.is_none() {
        crate::http::media::require_readable(ctx, media, "GET")?;
    }
    let names = ctx
        .world
        .media
        .get(&media)
        .map(|m| m.collaborators.clone())
        .unwrap_or_default();
    let fields = ctx.item_fields(sel, &["id", "username", "invite_status"])?;
    let mut data = Vec::new();
    for name in names {
        let Some(u) = ctx.world.ig_user_by_username(&name).cloned() else {
            continue;
        };
        // Seeded collaborations predate the API and were accepted; API ones start Pending.
        let status = ctx
            .world
            .publishing
            .invites
            .get(&media)
            .and_then(|m| m.get(&u.username))
            .copied()
            .unwrap_or(InviteStatus::Accepted);
        data.push(project("IGUser", &u.id.to_string(), &fields, |f| {
            Ok(match f.name.as_str() {
                "username" => Field::Value(json!(u.username)),
                "invite_status" => Field::Value(json!(status.as_str())),
                _ => Field::Unknown,
            })
        })?);
    }
    Ok(json!({ "data": data }))
}

fn matches_json(matches: &[CopyrightMatch]) -> Value {
    serde_json::to_value(matches).unwrap_or(Value::Array(Vec::new()))
}

/// `copyright_check_information` of a video media (Copyright Detection guide): videos only.
pub fn copyright_field(world: &World, media: &Media) -> Field {
    if media.media_type != MediaType::Video {
        return Field::Omit;
    }
    let matches = world
        .publishing
        .copyright
        .get(&media.id)
        .map(|c| c.matches.clone())
        .unwrap_or_default();
    let mut v = json!({ "status": { "status": "completed", "matches_found": !matches.is_empty() } });
    if !matches.is_empty() {
        v["copyright_matches"] = matches_json(&matches);
    }
    Field::Value(v)
}

// ---- resumable upload: POST /ig-api-upload/{version}/{container-id} -------------------------

fn upload_failure(message: &str, kind: &str) -> Response<Body> {
    sim_json(
        400,
        &json!({ "debug_info": { "retriable": false, "type": kind, "message": message } }),
    )
}

fn header<'a>(raw: &'a RawRequest, name: &str) -> Option<&'a str> {
    raw.headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
}

/// The upload endpoint a resumable container's `uri` points at (facts §4.4): headers
/// `Authorization: OAuth <token>`, `offset`, `file_size` and the bytes as the body, or a
/// `file_url` header. Answers `{"success":true,"message":"Upload successful."}` or
/// `{"debug_info":{...}}` (HTTP 400; rupload's status codes are UNCONFIRMED).
pub async fn upload(state: &State, raw: RawRequest, segments: &[String]) -> Response<Body> {
    if raw.method != Method::POST {
        return upload_failure("Only POST is supported on the upload endpoint", "ProcessingFailedError");
    }
    let Some(id) = segments
        .get(2)
        .and_then(|s| parse_id(s))
        .map(ContainerId)
        .filter(|_| segments.len() == 3)
    else {
        return upload_failure(
            "The upload URI must be /ig-api-upload/{version}/{container-id}",
            "ProcessingFailedError",
        );
    };
    let token = header(&raw, "authorization")
        .and_then(|v| v.split_once(' '))
        .filter(|(s, _)| s.eq_ignore_ascii_case("oauth") || s.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_string());
    let Some(token) = token else {
        return upload_failure(
            "An Authorization: OAuth <access-token> header is required",
            "OAuthException",
        );
    };
    let Some(sandbox) = state.sandboxes.by_token(&token) else {
        return upload_failure("Invalid OAuth access token.", "OAuthException");
    };
    let parse_u64 = |name: &str| -> Result<Option<u64>, Response<Body>> {
        match header(&raw, name) {
            None | Some("") => Ok(None),
            Some(v) => v.parse::<u64>().map(Some).map_err(|_| {
                upload_failure(
                    &format!("The {name} header must be a non-negative integer"),
                    "ProcessingFailedError",
                )
            }),
        }
    };
    let offset = match parse_u64("offset") {
        Ok(v) => v.unwrap_or(0),
        Err(r) => return r,
    };
    let file_size = match parse_u64("file_size") {
        Ok(v) => v,
        Err(r) => return r,
    };
    let file_url = header(&raw, "file_url").filter(|s| !s.is_empty()).map(str::to_string);
    if file_url.is_none() && file_size.is_none() {
        return upload_failure(
            "The file_size header is required with a body upload",
            "ProcessingFailedError",
        );
    }

    // Check who is asking and what the container expects, then let go of the world.
    let cfg = &state.sandboxes.config;
    let pre = sandbox.with_world(|world, now| -> Result<(PublishingConfig, u64), Response<Body>> {
        if let Some(e) = token_error(world, &token, now) {
            return Err(upload_failure(&e.message, "OAuthException"));
        }
        let kind = world.tokens.get(&token).map(|t| t.kind);
        let scopes_ok = world
            .tokens
            .get(&token)
            .is_some_and(|t| t.has("instagram_content_publish"));
        let access = kind.map(|k| world.access(&k)).unwrap_or_default();
        let Some(c) = world.publishing.containers.get(&id) else {
            return Err(upload_failure(
                &format!("No media container {id}"),
                "ProcessingFailedError",
            ));
        };
        if !(scopes_ok && access.task_allows(c.spec.owner, "instagram_content_publish")) {
            return Err(upload_failure(
                &format!("This token may not upload to container {id}"),
                "OAuthException",
            ));
        }
        if c.upload.is_none() {
            return Err(upload_failure(
                &format!("Container {id} was not created with upload_type=resumable"),
                "ProcessingFailedError",
            ));
        }
        Ok((effective_config(world, cfg), room_left(world, &cfg.cdn)))
    });
    let (pcfg, room) = match pre {
        Ok(c) => c,
        Err(r) => return r,
    };

    let (failure, chunk, size, bytes) = match &file_url {
        Some(url) => {
            let (verdict, file) = match media_fetch::parse_url(url) {
                Err(e) => (Err(e), None),
                Ok(h) if h.forced_error.is_some() => (
                    Err(GraphError::for_publishing_subcode(
                        h.forced_error.unwrap_or(2207053),
                        url,
                        "8 MiB",
                    )),
                    None,
                ),
                Ok(_) if pcfg.media_fetch => {
                    let keep = cfg.cdn.max_kept_file_bytes.min(room);
                    let f = media_fetch::fetch(url, Expect::Video, &pcfg, keep).await;
                    (f.verdict, f.file)
                }
                Ok(_) => (media_fetch::judge_offline(url, Expect::Video), None),
            };
            (verdict.err().map(|e| e.subcode.unwrap_or(2207053)), 0, None, file)
        }
        None => {
            let body = &raw.body;
            let verdict = if offset == 0 {
                media_fetch::check_bytes(body, body.len() as u64, Expect::Video, &pcfg)
            } else {
                Ok(())
            };
            // Kept while the file so far fits the per-file cap and the sandbox's room (which
            // already counts this upload's earlier chunks).
            let len = body.len() as u64;
            let bytes = (offset + len <= cfg.cdn.max_kept_file_bytes && len <= room).then(|| body.clone());
            (
                verdict.err().map(|e| e.subcode.unwrap_or(2207053)),
                body.len() as u64,
                file_size,
                bytes,
            )
        }
    };
    let result = sandbox.with_world(|world, now| {
        model::upload(
            world,
            id,
            model::Chunk {
                offset,
                len: chunk,
                file_size: size,
                failure,
                bytes,
            },
            now,
            &pcfg,
        )
    });
    match result {
        Ok(()) => sim_json(200, &json!({ "success": true, "message": "Upload successful." })),
        Err(msg) => upload_failure(&msg, "ProcessingFailedError"),
    }
}

/// How many more received bytes the sandbox may keep for the CDN (`CdnConfig`).
fn room_left(world: &crate::model::World, cdn: &crate::config::CdnConfig) -> u64 {
    cdn.max_kept_sandbox_bytes.saturating_sub(model::received_bytes(world))
}

/// Downloads the media URLs of a container creation before the world lock is taken, when
/// the sandbox has media fetching on (`--media-fetch` or its control-plane config).
pub async fn prefetch(state: &State, req: &mut GraphRequest) {
    let is_create = req.verb == Verb::Post && req.segments.len() == 2 && req.segments[1] == "media";
    if !is_create {
        return;
    }
    let Some(sandbox) = req.token.as_deref().and_then(|t| state.sandboxes.by_token(t)) else {
        return;
    };
    let (cfg, keep) = sandbox.with_world(|w, _| {
        let cfg = effective_config(w, &state.sandboxes.config);
        let cdn = &state.sandboxes.config.cdn;
        (cfg, cdn.max_kept_file_bytes.min(room_left(w, cdn)))
    });
    if !cfg.media_fetch {
        return;
    }
    for (param, expect) in [
        ("image_url", image_url_expect(req)),
        ("video_url", Expect::Video),
        ("cover_url", Expect::Image),
    ] {
        let Some(url) = req.param(param).map(str::to_string) else {
            continue;
        };
        if media_fetch::parse_url(&url).is_err() {
            continue;
        }
        let fetched = media_fetch::fetch(&url, expect, &cfg, keep).await;
        req.media_checks.insert(url.clone(), fetched.verdict);
        if let Some(file) = fetched.file {
            req.media_files.insert(url, file);
        }
    }
}

// ---- control plane ------------------------------------------------------------------------

fn body_json(body: &Bytes) -> Result<Value, Response<Body>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|e| sim_error(400, &format!("body is not JSON: {e}")))
}

fn container_state(c: &Container, now: i64) -> Value {
    let s = c.status(now);
    json!({
        "id": c.id.to_string(),
        "owner": c.spec.owner.to_string(),
        "kind": c.spec.kind,
        "status_code": s.code(),
        "status": s.sentence(),
        "created_at": c.created_at,
        "expires_at": c.expires_at,
        "ready_at": c.ready_at,
        "published_media_id": c.published.map(|(_, m)| m.to_string()),
    })
}

fn parse_matches(v: &Value) -> Result<Vec<CopyrightMatch>, Response<Body>> {
    if v.get("matches_found").and_then(Value::as_bool) == Some(false) {
        return Ok(Vec::new());
    }
    match v.get("copyright_matches") {
        None => Ok(vec![sample_copyright_match()]),
        Some(m) => serde_json::from_value(m.clone())
            .map_err(|e| sim_error(400, &format!("copyright_matches is not a list of matches: {e}"))),
    }
}

/// `/_sim/sandboxes/{id}/containers/...` and `/_sim/sandboxes/{id}/publishing/...`.
pub fn control(
    sandbox: &Sandbox,
    method: &Method,
    area: &str,
    rest: &[&str],
    body: &Bytes,
    cfg: &crate::config::Config,
) -> Response<Body> {
    let container_id = |s: &str| parse_id(s).map(ContainerId);
    match (method, area, rest) {
        // Every container of the sandbox, newest first (the dashboard's containers view).
        (&Method::GET, "containers", []) => sandbox.with_world(|w, now| {
            let mut all: Vec<&Container> = w.publishing.containers.values().collect();
            all.sort_by_key(|c| std::cmp::Reverse((c.created_at, c.id)));
            let data: Vec<Value> = all.into_iter().map(|c| container_state(c, now)).collect();
            sim_json(200, &json!({ "data": data }))
        }),
        (&Method::GET, "containers", [cid]) => {
            let Some(id) = container_id(cid) else {
                return sim_error(400, "bad container id");
            };
            sandbox.with_world(|w, now| match w.publishing.containers.get(&id) {
                Some(c) => sim_json(200, &container_state(c, now)),
                None => sim_error(404, &format!("no container {cid} in this sandbox")),
            })
        }
        (&Method::POST, "containers", [cid, "transition"]) => {
            let Some(id) = container_id(cid) else {
                return sim_error(400, "bad container id");
            };
            let v = match body_json(body) {
                Ok(v) => v,
                Err(r) => return r,
            };
            let Some(to) = v.get("to").and_then(Value::as_str) else {
                return sim_error(
                    400,
                    "give {\"to\": \"FINISHED\"|\"ERROR\"|\"EXPIRED\"|\"IN_PROGRESS\", \"error_subcode\": n}",
                );
            };
            let sub = v.get("error_subcode").and_then(Value::as_i64);
            sandbox.with_world(|w, now| match model::transition(w, id, to, sub, now) {
                Ok(_) => sim_json(200, &container_state(&w.publishing.containers[&id], now)),
                Err(msg) if msg.starts_with("no container") => sim_error(404, &msg),
                Err(msg) => sim_error(409, &msg),
            })
        }
        (&Method::POST, "containers", [cid, "copyright"]) => {
            let Some(id) = container_id(cid) else {
                return sim_error(400, "bad container id");
            };
            let matches = match body_json(body).and_then(|v| parse_matches(&v)) {
                Ok(m) => m,
                Err(r) => return r,
            };
            sandbox.with_world(|w, now| match w.publishing.containers.get_mut(&id) {
                None => sim_error(404, &format!("no container {cid} in this sandbox")),
                Some(c) if !c.spec.kind.is_video() => sim_error(409, "copyright checks apply to video containers"),
                Some(c) if c.published.is_some() => sim_error(409, "already published: mark the media instead"),
                Some(c) => {
                    c.copyright_matches = matches;
                    sim_json(200, &container_state(c, now))
                }
            })
        }
        (&Method::GET, "publishing", ["config"]) => {
            sandbox.with_world(|w, _| sim_json(200, &json!(effective_config(w, cfg))))
        }
        (&Method::POST, "publishing", ["config"]) => {
            let v = match body_json(body) {
                Ok(Value::Object(m)) => m,
                Ok(_) => return sim_error(400, "give a JSON object of publishing settings"),
                Err(r) => return r,
            };
            sandbox.with_world(|w, _| {
                let mut current = json!(effective_config(w, cfg));
                for (k, val) in v {
                    if current.get(&k).is_none() {
                        return sim_error(400, &format!("unknown publishing setting {k:?}"));
                    }
                    current[&k] = val;
                }
                match serde_json::from_value::<PublishingConfig>(current) {
                    Ok(c) => {
                        w.publishing.config_override = Some(c.clone());
                        sim_json(200, &json!(c))
                    }
                    Err(e) => sim_error(400, &format!("bad publishing setting: {e}")),
                }
            })
        }
        (&Method::POST, "publishing", ["media", mid, "copyright"]) => {
            let Some(id) = parse_id(mid).map(MediaId) else {
                return sim_error(400, "bad media id");
            };
            let matches = match body_json(body).and_then(|v| parse_matches(&v)) {
                Ok(m) => m,
                Err(r) => return r,
            };
            sandbox.with_world(|w, _| match w.media.get(&id) {
                Some(m) if m.media_type == MediaType::Video => {
                    w.publishing.copyright.insert(id, CopyrightInfo { matches });
                    sim_json(200, &json!({ "success": true }))
                }
                Some(_) => sim_error(409, "copyright checks apply to videos"),
                None => sim_error(404, &format!("no media {mid} in this sandbox")),
            })
        }
        (&Method::POST, "publishing", ["media", mid, "collaborators"]) => {
            let Some(id) = parse_id(mid).map(MediaId) else {
                return sim_error(400, "bad media id");
            };
            let v = match body_json(body) {
                Ok(v) => v,
                Err(r) => return r,
            };
            let (Some(user), Some(status)) = (
                v.get("username").and_then(Value::as_str),
                v.get("invite_status")
                    .cloned()
                    .and_then(|s| serde_json::from_value::<InviteStatus>(s).ok()),
            ) else {
                return sim_error(
                    400,
                    "give {\"username\": ..., \"invite_status\": \"Accepted\"|\"Declined\"|\"Pending\"}",
                );
            };
            sandbox.with_world(|w, _| {
                let Some(m) = w.media.get(&id) else {
                    return sim_error(404, &format!("no media {mid} in this sandbox"));
                };
                let Some(name) = m.collaborators.iter().find(|c| c.eq_ignore_ascii_case(user)).cloned() else {
                    return sim_error(404, &format!("{user} is not a collaborator on {mid}"));
                };
                w.publishing.invites.entry(id).or_default().insert(name, status);
                sim_json(200, &json!({ "success": true }))
            })
        }
        _ => sim_error(
            404,
            "no such publishing control-plane route; see the README's control plane section",
        ),
    }
}
