//! What each write endpoint answers when the request carries `fields=` (read-after-write).
//!
//! The general rule: "If a fields parameter is specified, the request will first do the write,
//! then read the created or updated object, selecting fields using the fields parameter, as
//! the response" (Graph API changelog v2.9, "Read After Write", enabled for all versions).
//! Production is not uniform on the Instagram surface, so each endpoint has its own knob,
//! defaulting to the latest production evidence; the write is done in every case.

use serde::{Deserialize, Serialize};

/// One write endpoint's answer to `fields=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteFields {
    /// The write, then the created or updated object's requested fields (the v2.9 rule).
    ReadBack,
    /// The write, then HTTP 400, code 20, subcode 1772107 "This API call does not support the
    /// requested response format" (`GraphError::response_format_unsupported`).
    RefuseFormat,
    /// The write, then 100/33 "Unsupported post request…" carrying the write's own answer as
    /// `original_response` (`GraphError::unsupported_post_after_write`).
    RefuseUnsupported,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct FieldsOnWrite {
    /// `POST /{ig-user-id}/media`: the new container's fields. Recorded production answer to
    /// `fields=id,status,status_code` (`{"id","status","status_code"}`; crates.io
    /// `instagram-graph-api`, bk-rs/instagram-apis-rs v14.0 ig_user_0__media__creating__image.json).
    pub(crate) containers: WriteFields,
    /// `POST /{ig-user-id}/media_publish`: publishes, then 100/33 with `original_response`
    /// (production answer quoted in the same crate's media_publish/creating.rs, 2022).
    pub(crate) media_publish: WriteFields,
    /// `POST /{ig-media-id}/comments`: creates the comment, then 20/1772107
    /// (GH:brightbeanxyz/brightbean-studio#140, 2026-08; facts §9). The 2022 recording of the
    /// same call answered the comment's fields (`read_back`).
    pub comments: WriteFields,
    /// `POST /{ig-comment-id}/replies`: the reply's fields (recorded production answer, bk-rs
    /// v14.0 ig_comment_…__replies__creating.json, 2022; no later capture).
    pub(crate) replies: WriteFields,
    /// `POST /{ig-user-id}/mentions`: creates a comment like `comments` does; no capture, so
    /// igsim answers as `comments` does (UNCONFIRMED).
    pub(crate) mentions: WriteFields,
    /// `POST /{ig-comment-id}?hide=`: the v2.9 rule, the comment's fields (UNCONFIRMED).
    pub(crate) comment_hide: WriteFields,
    /// `POST /{ig-media-id}?comment_enabled=`: the v2.9 rule, the media's fields (UNCONFIRMED).
    pub(crate) media_update: WriteFields,
}

impl Default for FieldsOnWrite {
    fn default() -> Self {
        FieldsOnWrite {
            containers: WriteFields::ReadBack,
            media_publish: WriteFields::RefuseUnsupported,
            comments: WriteFields::RefuseFormat,
            replies: WriteFields::ReadBack,
            mentions: WriteFields::RefuseFormat,
            comment_hide: WriteFields::ReadBack,
            media_update: WriteFields::ReadBack,
        }
    }
}
