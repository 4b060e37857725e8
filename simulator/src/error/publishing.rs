//! Content-publishing errors (facts §1.5, every row HTTP 400 unless said): the short generic
//! `message` live responses carry, and the doc's sentence in `error_user_msg` (facts §1.1).

use super::{Envelope, GraphError, IG_ACTION_BLOCKED, IG_PUBLISHING, IG_PUBLISHING_TRANSIENT, PARAMETER};

/// The image formats container creation accepts (facts §9 "Image formats": JPEG, and PNG
/// which production accepts although the reference says "JPEG only").
pub const SUPPORTED_IMAGE_FORMATS: &[&str] = &["JPEG", "PNG"];

/// Subcodes a test may force on a media URL (`?igsim_error=<subcode>`) or through the
/// control plane: every media/processing row of facts §1.5, plus the status-only subcodes.
pub const FORCIBLE_SUBCODES: &[i64] = &[
    2207001, 2207003, 2207004, 2207005, 2207009, 2207020, 2207026, 2207032, 2207051, 2207052, 2207053, 2207057,
    2207076, 2207077, 2207082, 2207085,
];

/// A publishing error of the [`IG_PUBLISHING`] family.
fn ig(code: i64, subcode: i64, message: &str, title: &str, user_msg: impl Into<String>) -> GraphError {
    ig_in(IG_PUBLISHING, code, subcode, message, title, user_msg)
}

fn ig_in(
    family: Envelope,
    code: i64,
    subcode: i64,
    message: &str,
    title: &str,
    user_msg: impl Into<String>,
) -> GraphError {
    GraphError::of(family, code, message)
        .subcode(subcode)
        .user(title, user_msg)
}

impl GraphError {
    /// -1/2207001: transient server error. `error_user_msg`: `IGERR` current doc; `message`:
    /// the code-2 practitioner text (facts §1.3); title UNCONFIRMED.
    pub fn ig_server_error() -> Self {
        ig_in(
            IG_PUBLISHING_TRANSIENT,
            -1,
            2207001,
            "An unexpected error has occurred. Please retry your request later.",
            "Instagram server error",
            "Instagram server error. Try again.",
        )
    }

    /// -2/2207003: downloading the media took too long. `error_user_msg`: `IGERR`; `message` and
    /// title UNCONFIRMED.
    pub fn media_download_timeout() -> Self {
        ig(
            -2,
            2207003,
            "Timeout downloading media",
            "Media download timed out",
            "It takes too long to download the media.",
        )
    }

    /// -2/2207020: the container expired (24 h, facts §4.3).
    pub fn container_expired() -> Self {
        ig(
            -2,
            2207020,
            "The media has expired",
            "Media expired",
            "The media you are trying to access has expired. Please try to upload again.",
        )
    }

    /// -1/2207032: container creation failed. `error_user_msg`: `IGERR`; `message` and title
    /// UNCONFIRMED.
    pub fn create_media_failed() -> Self {
        ig(
            -1,
            2207032,
            "Create media fail",
            "Create media failed",
            "Create media fail, please try to re-create media",
        )
    }

    /// -1/2207053: unknown upload failure (video). `error_user_msg`: `IGERR`; `message` and title
    /// UNCONFIRMED.
    pub fn unknown_upload_error() -> Self {
        ig(
            -1,
            2207053,
            "Unknown upload error",
            "Upload failed",
            "unknown upload error",
        )
    }

    /// 1/2207057: `thumb_offset` outside the video. `error_user_msg`: `IGERR`; `message` and title
    /// UNCONFIRMED.
    pub fn bad_thumb_offset(video_length: &str) -> Self {
        ig(
            1,
            2207057,
            "Invalid parameter",
            "Invalid thumbnail offset",
            format!(
                "Thumbnail offset must be greater than or equal to 0 and less than video duration, i.e. {video_length}"
            ),
        )
    }

    /// 4/2207051: suspected spam. HTTP 403 ([`IG_ACTION_BLOCKED`]) and the title
    /// "action is blocked", as production answers (issue 10, facts §9); the message and the
    /// user message are `IGERR`'s.
    pub fn publishing_spam_block() -> Self {
        ig_in(
            IG_ACTION_BLOCKED,
            4,
            2207051,
            "Application request limit reached",
            "action is blocked",
            "We restrict certain activity to protect our community. Tell us if you think we made a mistake.",
        )
    }

    /// 9/2207042: the 24 h publishing quota is used up. `error_user_msg`: `IGERR`; `message`: the
    /// generic rate-limit text (facts §1.3); title UNCONFIRMED.
    pub fn publish_quota_reached() -> Self {
        ig(
            9,
            2207042,
            "Application request limit reached",
            "Reached maximum posts limit",
            "You reached maximum number of posts that is allowed to be published by Content Publishing API.",
        )
    }

    /// 24/2207006: media not found (permissions or an expired token). `error_user_msg`: `IGERR`;
    /// `message` and title UNCONFIRMED.
    pub fn publishing_media_not_found(id: &str) -> Self {
        ig(
            24,
            2207006,
            "Media not found",
            "Media not found",
            format!("The media with {id} cannot be found"),
        )
    }

    /// 24/2207008: no such container (unknown, someone else's, or already consumed).
    /// `error_user_msg`: `IGERR`; `message` and title UNCONFIRMED.
    pub fn builder_not_found(creation_id: &str) -> Self {
        ig(
            24,
            2207008,
            "Media builder does not exist",
            "Media builder not found",
            format!("The media builder with creation id = {creation_id} does not exist or has been expired."),
        )
    }

    /// 25/2207050: restricted, checkpointed or inactive account. `error_user_msg`: `IGERR`;
    /// `message` and title UNCONFIRMED.
    pub fn account_restricted() -> Self {
        ig(
            25,
            2207050,
            "The Instagram account is restricted.",
            "Restricted account",
            "The Instagram account is restricted.",
        )
    }

    /// 100/2207023: unknown `media_type`. `message` "Invalid parameter" as on the recorded
    /// 2207089 body (facts §1.1); `error_user_msg`: `IGERR`; title UNCONFIRMED.
    pub fn unknown_media_type(media_type: &str) -> Self {
        ig(
            100,
            2207023,
            "Invalid parameter",
            "Unknown media type",
            format!("The media type {media_type} is unknown."),
        )
    }

    /// 100/2207028: a carousel needs 2 to 10 children. `message` as 2207089 (facts §1.1);
    /// `error_user_msg`: `IGERR`; title UNCONFIRMED.
    pub fn carousel_child_count() -> Self {
        ig(100, 2207028, "Invalid parameter", "Carousel validation failed", "Your post won't work as a carousel. Carousels need at least 2 photos/videos and no more than 10 photos/videos.")
    }

    /// 100/2207040: more than 20 user tags. `message` as 2207089 (facts §1.1); `error_user_msg`:
    /// `IGERR`; title UNCONFIRMED.
    pub fn too_many_user_tags(max: usize) -> Self {
        ig(
            100,
            2207040,
            "Invalid parameter",
            "Too many tags",
            format!("Cannot use more than {max} tags per created media."),
        )
    }

    /// 110/2207018: usernames the client gave (`collaborators`, `user_tags`) that cannot be
    /// used: unknown, private, or written with a leading `@`. Production text from a 2026
    /// container-creation capture with a collaborator (GH:gitroomhq/postiz-app#1876, quoting
    /// `"error_user_title":"Cannot load user with a private profile or invalid username",
    /// "error_user_msg":"The following user(s) cannot be accessed: evolve.how"`; facts §9); the
    /// same code, subcode and message for a private user tag in a 2022 capture with
    /// `is_transient:false` (bk-rs/instagram-apis-rs v14.0
    /// err__ig_user_0__media__creating__usertag_username_private.json, whose title still said
    /// "private account"). Several names are listed comma-separated: every capture found names
    /// one user, and two publishers' parsers split the list on ", " (UNCONFIRMED by a capture).
    pub fn users_cannot_be_accessed(names: &[&str]) -> Self {
        ig(
            110,
            2207018,
            "Invalid user id",
            "Cannot load user with a private profile or invalid username",
            format!("The following user(s) cannot be accessed: {}", names.join(", ")),
        )
    }

    /// 100/2207089: a carousel item published on its own. Every text from the recorded body
    /// (GH:MookieLian/n8n-nodes-instagram#9, facts §1.1).
    pub fn carousel_item_standalone() -> Self {
        ig(100, 2207089, "Invalid parameter", "Carousel item cannot be published standalone", "Media created with media_type=VIDEO is a carousel item and cannot be published as a standalone post. To publish a standalone video, use media_type=REELS instead.")
    }

    /// 352/2207026: not MOV/MP4 or an unsupported codec. `error_user_msg`: `IGERR`; `message` and
    /// title UNCONFIRMED.
    pub fn video_format_unsupported() -> Self {
        ig(
            352,
            2207026,
            "The video format is not supported.",
            "Unsupported video format",
            "The video format is not supported. Please check spec for supported video format",
        )
    }

    /// 9004/2207052: the media URL could not be fetched. `message` and `error_user_title` from
    /// the 2025 recorded body (GH:gitroomhq/postiz-app#1900, facts §1.1); `error_user_msg` as a
    /// 2026-08 production log quotes it whole: the sentence ends with the URI, nothing after it
    /// (public publisher notes, "Post #1 failure": `"The media could not be fetched from this
    /// URI: https://…/ig_….jpg"`). The 2022 capture (bk-rs/instagram-apis-rs v14.0
    /// err__ig_user_0__media__creating__image_url_invalid.json) had the older title "Media
    /// download has failed" and "…from this uri: …".
    pub fn media_fetch_failed(uri: &str) -> Self {
        ig(
            9004,
            2207052,
            "Only photo or video can be accepted as media type.",
            "Media download has failed. The media URI doesn't meet our requirements.",
            format!("The media could not be fetched from this URI: {uri}"),
        )
    }

    /// 9007/2207027: `media_publish` before the container is `FINISHED`. Recorded body
    /// (GH:activepieces/activepieces#10389; facts §1.1, §9): `message` "Media ID is not
    /// available", `error_user_title` "Cannot publish" (production today; the guides-era
    /// "Media not ready for publishing" is superseded), `error_user_msg` as recorded.
    pub fn container_not_ready() -> Self {
        ig(
            9007,
            2207027,
            "Media ID is not available",
            "Cannot publish",
            "The media is not ready to be published. Please wait a moment.",
        )
    }

    /// 36000/2207004: image over the size limit. `message`: the `IGERR` sample; `error_user_msg`:
    /// `IGERR`; title UNCONFIRMED.
    pub fn image_too_large(limit: &str) -> Self {
        ig(
            36000,
            2207004,
            "The image size is too large.",
            "Image size too large",
            format!("The image is too large to download. It should be less than {limit}."),
        )
    }

    /// 36001/2207005: not a supported image format (`error::SUPPORTED_IMAGE_FORMATS`;
    /// MPO and JPS refused, Content Publishing "Limitations"). The doc's sentence with its
    /// `{format}` placeholder filled with the accepted list (production's list UNCONFIRMED).
    pub fn image_format_unsupported(format: &str) -> Self {
        ig(
            36001,
            2207005,
            "The image format is not supported.",
            "Unsupported image format",
            format!(
                "The image format {format} is not supported. Supported formats are: {}.",
                SUPPORTED_IMAGE_FORMATS.join(", ")
            ),
        )
    }

    /// 36003/2207009: aspect ratio outside 4:5 .. 1.91:1. Every text from the recorded body
    /// (bk-rs/instagram-apis-rs v14.0 err__ig_user_0__media__creating__image_aspect_ratio_invalid.json):
    /// title "Invalid Aspect Ratio", and the ratio written as production's tuple of the image's
    /// `width/height` in pixels, unreduced: `… with aspect ratio ('720/360',) cannot be published…`.
    /// `ratio` is that `width/height` text.
    pub fn aspect_ratio_unsupported(ratio: &str) -> Self {
        ig(36003, 2207009, "The aspect ratio is not supported.", "Invalid Aspect Ratio", format!("The submitted image with aspect ratio ('{ratio}',) cannot be published. Please submit an image with a valid aspect ratio."))
    }

    /// 36004/2207010: caption over 2,200 characters (facts §1.5).
    pub fn caption_too_long(len: usize, max: usize) -> Self {
        ig(36004, 2207010, "The caption is too long.", "Caption too long", format!("The submitted image's caption was {len} characters long. The maximum number of characters permitted for a caption is {max}. Please submit media with a shorter caption."))
    }

    /// 36004/2207010 for the hashtag and @-mention limits (same row per facts §1.5; the
    /// sentence is UNCONFIRMED and modelled on the caption-length one).
    pub fn caption_too_many(what: &str, count: usize, max: usize) -> Self {
        ig(36004, 2207010, "The caption is too long.", "Caption too long", format!("The submitted caption contains {count} {what}. The maximum number of {what} permitted in a caption is {max}. Please submit media with fewer {what}."))
    }

    /// `media_type=VIDEO` outside a carousel (facts §1.5; code 100 UNCONFIRMED).
    pub fn video_media_type_deprecated() -> Self {
        let text = "The VIDEO value for media_type is deprecated. Use the REELS media type to publish a video to your Instagram feed.";
        GraphError::of(PARAMETER, 100, format!("(#100) {text}")).user("Invalid media type", text)
    }

    /// A `location_id` whose Page has no coordinates (Content Publishing "Location Tags");
    /// `code` and `subcode` are `PublishingConfig::invalid_location_code`/`_subcode`.
    pub fn invalid_location_id(code: i64, subcode: Option<i64>, location_id: &str) -> Self {
        let mut e = GraphError::of(IG_PUBLISHING, code, "INSTAGRAM_PLATFORM_API__INVALID_LOCATION_ID").user(
            "Invalid location",
            format!("The location_id {location_id} is not a Page with latitude and longitude location data (INSTAGRAM_PLATFORM_API__INVALID_LOCATION_ID)."),
        );
        e.subcode = subcode;
        e
    }

    /// The linked Page still needs Page Publishing Authorization (status and codes
    /// UNCONFIRMED: the knobs `PublishingConfig::ppa_error_status`, `_code`, `_subcode`).
    pub fn page_publishing_authorization_required(status: u16, code: i64, subcode: Option<i64>) -> Self {
        let family = Envelope {
            status,
            ..IG_PUBLISHING
        };
        let mut e = GraphError::of(
            family,
            code,
            format!("(#{code}) The Page connected to this Instagram account requires Page Publishing Authorization"),
        )
        .user(
            "Page Publishing Authorization required",
            "The Facebook Page connected to this Instagram account requires Page Publishing Authorization (PPA). Complete PPA for the Page, then try publishing again.",
        );
        e.subcode = subcode;
        e
    }

    /// The 400-containers-per-24-h cap (facts §2): `cap` containers in `window` seconds
    /// (`PublishingConfig::container_cap`, `container_cap_window_seconds`); code and subcode
    /// UNCONFIRMED (`container_cap_code`, `_subcode`).
    pub fn container_cap_reached(cap: u32, window: i64, code: i64, subcode: Option<i64>) -> Self {
        let mut e = GraphError::of(IG_PUBLISHING, code, "Application request limit reached").user(
            "Too many media containers",
            format!(
                "You reached the maximum number of media containers ({}) that can be created in {}. Publish or wait for older containers to leave the window.",
                cap,
                crate::timefmt::duration(window)
            ),
        );
        e.subcode = subcode;
        e
    }

    /// Stories are for business accounts only (Content Publishing "Story Posts"; code UNCONFIRMED).
    pub fn stories_business_only() -> Self {
        GraphError::invalid_param("Only business accounts can publish stories with the Content Publishing API")
    }

    /// Every documented publishing error by its subcode (facts §1.5's table and the rows
    /// outside it), placeholders filled with `uri` and `max_image` or "unknown"; `None` for a
    /// subcode without a documented error. Fault injection offers exactly these.
    pub fn documented_publishing_error(subcode: i64, uri: &str, max_image: &str) -> Option<Self> {
        Some(match subcode {
            2207001 => GraphError::ig_server_error(),
            2207003 => GraphError::media_download_timeout(),
            2207004 => GraphError::image_too_large(max_image),
            2207005 => GraphError::image_format_unsupported("unknown"),
            2207006 => GraphError::publishing_media_not_found("unknown"),
            2207008 => GraphError::builder_not_found("unknown"),
            2207009 => GraphError::aspect_ratio_unsupported("unknown"),
            2207010 => GraphError::caption_too_long(2201, 2200),
            2207020 => GraphError::container_expired(),
            2207023 => GraphError::unknown_media_type("unknown"),
            2207026 => GraphError::video_format_unsupported(),
            2207027 => GraphError::container_not_ready(),
            2207028 => GraphError::carousel_child_count(),
            2207032 => GraphError::create_media_failed(),
            2207035 => GraphError::product_tag_position_on_video(),
            2207036 => GraphError::product_tag_position_required(),
            2207037 => GraphError::product_tag_invalid(),
            2207040 => GraphError::too_many_user_tags(20),
            2207042 => GraphError::publish_quota_reached(),
            2207050 => GraphError::account_restricted(),
            2207051 => GraphError::publishing_spam_block(),
            2207052 => GraphError::media_fetch_failed(uri),
            2207053 => GraphError::unknown_upload_error(),
            2207057 => GraphError::bad_thumb_offset("unknown"),
            2207089 => GraphError::carousel_item_standalone(),
            _ => return None,
        })
    }

    /// The publishing error a subcode stands for (forced failures, container `ERROR`): the
    /// documented one, else -1/<subcode> "unknown upload error" (status-only subcodes).
    pub fn for_publishing_subcode(subcode: i64, uri: &str, max_image: &str) -> Self {
        GraphError::documented_publishing_error(subcode, uri, max_image).unwrap_or_else(|| {
            let mut e = GraphError::unknown_upload_error();
            e.subcode = Some(subcode);
            e
        })
    }
}
