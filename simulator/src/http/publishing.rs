//! Content publishing over HTTP: `POST /{ig-user-id}/media` (containers), `POST
//! /{ig-user-id}/media_publish`, `GET /{ig-container-id}` (`ShadowIGMediaBuilder`),
//! `GET /{ig-user-id}/content_publishing_limit`, the `collaborators` edge and
//! `copyright_check_information` of media, and the download of media URLs before the world
//! lock (`--media-fetch`). The resumable upload is `http::upload`; the publishing control
//! plane `http::control::publishing`.
//!
//! Sources: guides "Content Publishing", "Copyright Detection", "Product Tagging" (publishing
//! parts); facts §1.5, §4.2-4.5.

use crate::app::State;
use crate::config::PublishingConfig;
use crate::error::{GraphError, GraphResult};
use crate::http::fields::FieldSel;
use crate::http::graph::Ctx;
use crate::http::input::{self, bounded_text, MAX_MEDIA_URL_CHARS, MAX_TEXT_PARAM_CHARS};
use crate::http::projection::{project, Field};
use crate::http::request::GraphRequest;
use crate::ids::{parse_id, ContainerId, IdKind, IgUserId, MediaId, PageId};
use crate::model::media_check::{self, Expect};
use crate::model::publishing::{
    self as model, Container, ContainerKind, CopyrightMatch, InviteStatus, NewContainer, Status,
};
use crate::model::shopping::TagList;
use crate::model::{IgAccountType, Media, MediaType, World};
use serde_json::{json, Map, Value};

pub(crate) const CONTAINER_NODE: &str = "ShadowIGMediaBuilder";
const LIMIT_NODE: &str = "ContentPublishingLimitResponse";

/// Caption limits (facts §4.4); the length limit is `model::media::MAX_CAPTION_CHARS`.
const MAX_HASHTAGS: usize = 30;
const MAX_MENTIONS: usize = 20;

/// The publishing configuration of a sandbox: the control plane's override, else the process's.
pub(crate) fn effective_config(world: &World, cfg: &crate::config::Config) -> PublishingConfig {
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
        return Err(GraphError::page_publishing_authorization_required(
            cfg.ppa_error_status,
            cfg.ppa_error_code,
            cfg.ppa_error_subcode,
        ));
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

/// `alt_text` of a container: read on images only, single and carousel items, not on videos
/// or stories (IG User Media reference, `alt_text`; a publisher's client sends it the same
/// way, gitroomhq/postiz-agent v2.0.27). Bounded like a caption, [`MAX_TEXT_PARAM_CHARS`](crate::http::input::MAX_TEXT_PARAM_CHARS).
fn parse_alt_text(req: &GraphRequest, kind: ContainerKind) -> GraphResult<Option<String>> {
    if !matches!(kind, ContainerKind::Image | ContainerKind::CarouselImage) {
        return Ok(None);
    }
    let Some(text) = req.param("alt_text").filter(|t| !t.trim().is_empty()) else {
        return Ok(None);
    };
    bounded_text("alt_text", text, MAX_TEXT_PARAM_CHARS)?;
    Ok(Some(text.to_string()))
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

/// The media check of one URL: scheme, test hints, then the downloaded verdict when there
/// is one, else the offline judgement. Returns (failure subcode, copyright match) or the
/// synchronous error.
fn check_media_url(req: &GraphRequest, param: &str, url: &str, expect: Expect) -> GraphResult<(Option<i64>, bool)> {
    bounded_text(param, url, MAX_MEDIA_URL_CHARS)?;
    let hints = media_check::parse_url(url)?;
    let verdict = match hints.forced_error {
        Some(sub) => Err(GraphError::for_publishing_subcode(sub, url, "8 MiB")),
        None => match req.media_checks.get(url) {
            Some(v) => v.clone(),
            None => media_check::judge_offline(url, expect),
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
pub(crate) fn create_container(ctx: &mut Ctx, ig: IgUserId) -> GraphResult<Value> {
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
                (failure, copyright_match) = check_media_url(req, "video_url", url, Expect::Video)?;
                media_url = Some(url.to_string());
            }
        }
        _ => {
            let url = req.required("image_url")?;
            check_media_url(req, "image_url", url, image_url_expect(req))?;
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
                .ok_or_else(|| {
                    GraphError::invalid_location_id(cfg.invalid_location_code, cfg.invalid_location_subcode, loc)
                })?;
            Some(page)
        }
        _ => None,
    };

    let user_tags = input::user_tags(ctx, kind)?;
    let collaborators = input::collaborators(ctx, ig, kind)?;

    let product_tags = match ctx.req.json_param("product_tags") {
        None => None,
        Some(_) if kind.is_story() => {
            return Err(GraphError::invalid_param(
                "Product tagging is not supported for Stories",
            ))
        }
        Some(Ok(v)) => input::product_tags(&v).filter(|list| *list != TagList::Items(Vec::new())),
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
            check_media_url(req, "cover_url", url, Expect::Image)?;
            cover_file = req.media_files.get(url).cloned();
            cover_url = Some(url.to_string());
        }
        audio_name = req.param("audio_name").map(str::to_string);
        if let Some(name) = &audio_name {
            bounded_text("audio_name", name, MAX_TEXT_PARAM_CHARS)?;
        }
    }
    if matches!(kind, ContainerKind::Reels | ContainerKind::Carousel) {
        share_to_feed = req.bool_param("share_to_feed")?;
    }
    let children = if kind == ContainerKind::Carousel {
        input::children(req)?
    } else {
        Vec::new()
    };
    let alt_text = parse_alt_text(req, kind)?;
    // `is_ai_generated` (changelog 2026-06-22, all versions): "For carousels, set
    // is_ai_generated on the carousel container only", so an item's is not read; before the
    // day the parameter is not one production reads either.
    let ai_generated = if kind.is_carousel_item()
        || !crate::version::has_field(crate::http::graph::MEDIA_NODE, "is_ai_generated", req.version, ctx.now)
    {
        false
    } else {
        req.bool_param("is_ai_generated")?.unwrap_or(false)
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
        alt_text,
        ai_generated,
        resumable,
        failure: failure.take(),
        copyright_match,
    };
    let id = model::create(ctx.world.write()?, spec, ctx.now, &cfg, &ctx.cfg.capacity)?;
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
pub(crate) fn publish(ctx: &mut Ctx, ig: IgUserId) -> GraphResult<Value> {
    let cfg = effective_config(&ctx.world, ctx.cfg);
    require_publisher(ctx, ig, &cfg)?;
    let sel = ctx.fields()?;
    let raw = ctx.req.required("creation_id")?.trim().to_string();
    let id = parse_id(&raw)
        .filter(|n| ctx.world.kind_of(*n) == Some(IdKind::Container))
        .map(ContainerId)
        .ok_or_else(|| GraphError::builder_not_found(&raw))?;
    let media = model::publish(ctx.world.write()?, ig, id, ctx.now, &cfg, &ctx.cfg.capacity)?;
    let mode = ctx.cfg.fields_on_write.media_publish;
    ctx.answer_write(mode, sel, json!({ "id": media.to_string() }), |ctx, sel| {
        ctx.render_media(media, sel, true)
    })
}

// ---- GET /{ig-user-id}/content_publishing_limit -----------------------------------------

/// `GET /{ig-user-id}/content_publishing_limit` (facts §4.5): `quota_usage` only unless
/// `fields` asks for `config` (`rate_limit_settings` read as its legacy alias).
pub(crate) fn publishing_limit(ctx: &mut Ctx, ig: IgUserId) -> GraphResult<Value> {
    let cfg = effective_config(&ctx.world, ctx.cfg);
    ctx.require_ig(ig)?;
    ctx.require_permission(ig, "instagram_content_publish")?;
    let since = match ctx.req.param("since").map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => {
            let t = crate::timefmt::parse_time_param(s)
                .ok_or_else(|| GraphError::invalid_param("The parameter since is not a valid time"))?;
            if t < ctx.now.saturating_sub(cfg.quota_duration) {
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
pub(crate) fn read_container(ctx: &mut Ctx, id: ContainerId) -> GraphResult<Value> {
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
            "status" => Field::Value(json!(status.sentence(c.lifetime))),
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
pub(crate) fn container_edge(ctx: &mut Ctx, id: ContainerId, edge: &str) -> GraphResult<Value> {
    require_container(ctx, id)?;
    Err(GraphError::nonexisting_field(edge, CONTAINER_NODE))
}

// ---- media additions: collaborators, copyright_check_information --------------------------

/// `GET /{ig-media-id}/collaborators` (facts §4.2): `{"data":[{id, username, invite_status}]}`.
pub(crate) fn collaborators_edge(ctx: &mut Ctx, media: MediaId, sel: Option<&FieldSel>) -> GraphResult<Value> {
    if sel.is_none() {
        ctx.require_readable_media(media, "GET")?;
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
pub(crate) fn copyright_field(world: &World, media: &Media) -> Field {
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

/// Downloads the media URLs of a container creation before the world lock is taken, when
/// the sandbox has media fetching on (`--media-fetch` or its control-plane config).
pub(crate) async fn prefetch(state: &State, req: &mut GraphRequest) {
    let Some(sandbox) = req.token.as_deref().and_then(|t| state.sandboxes.by_token(t)) else {
        return;
    };
    // A read: creates of one sandbox do not queue here, and the received-bytes walk (over
    // every container and media) only runs when something will be downloaded.
    let Some((cfg, kept)) = sandbox.read_world(|w, _| {
        let cfg = effective_config(w, &state.sandboxes.config);
        cfg.media_fetch.then(|| (cfg, model::received_bytes(w)))
    }) else {
        return;
    };
    let mut room = state.sandboxes.cdn_room(&sandbox, kept);
    for (param, expect) in [
        ("image_url", image_url_expect(req)),
        ("video_url", Expect::Video),
        ("cover_url", Expect::Image),
    ] {
        let Some(url) = req.param(param).map(str::to_string) else {
            continue;
        };
        if media_check::parse_url(&url).is_err() {
            continue;
        }
        let keep = state.sandboxes.config.cdn.max_kept_file_bytes.min(room);
        let fetched = crate::io::media_fetch::fetch(&url, expect, &cfg, keep, &state.fetch_budget()).await;
        req.media_checks.insert(url.clone(), fetched.verdict);
        if let Some(file) = fetched.file {
            let len = file.len() as u64;
            sandbox.cdn_add(len);
            room = room.saturating_sub(len);
            req.media_files.insert(url, file);
        }
    }
}
