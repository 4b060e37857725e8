//! The resumable upload endpoint a resumable container's `uri` points at:
//! `POST /ig-api-upload/{version}/{container-id}` with raw bytes (or a `file_url` header) and
//! an `Authorization: OAuth <token>` header, answered in rupload's own shape, not the Graph
//! envelope (facts §4.4).

use crate::app::State;
use crate::config::PublishingConfig;
use crate::error::GraphError;
use crate::http::graph::token_error;
use crate::http::publishing::effective_config;
use crate::http::request::RawRequest;
use crate::http::response::{sim_json, Body};
use crate::ids::{parse_id, ContainerId};
use crate::model::media_check::{self, Expect};
use crate::model::publishing as model;
use http::{Method, Response};
use serde_json::json;

fn upload_failure(message: &str, kind: &str) -> Response<Body> {
    sim_json(
        400,
        &json!({ "debug_info": { "retriable": false, "type": kind, "message": message } }),
    )
}

fn post_only() -> Response<Body> {
    upload_failure("Only POST is supported on the upload endpoint", "ProcessingFailedError")
}

/// A path on the upload host that is not `/ig-api-upload/{version}/{container-id}`.
pub(crate) fn bad_uri(raw: &RawRequest) -> Response<Body> {
    if raw.method != Method::POST {
        return post_only();
    }
    upload_failure(
        "The upload URI must be /ig-api-upload/{version}/{container-id}",
        "ProcessingFailedError",
    )
}

fn header<'a>(raw: &'a RawRequest, name: &str) -> Option<&'a str> {
    raw.headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
}

/// The upload endpoint a resumable container's `uri` points at (facts §4.4): headers
/// `Authorization: OAuth <token>`, `offset`, `file_size` and the bytes as the body, or a
/// `file_url` header. Answers `{"success":true,"message":"Upload successful."}` or
/// `{"debug_info":{...}}` (HTTP 400; rupload's status codes are UNCONFIRMED).
/// `args`: the version and the container id of `/ig-api-upload/{version}/{container-id}`.
pub(crate) async fn upload(state: &State, raw: RawRequest, args: Vec<String>) -> Response<Body> {
    if raw.method != Method::POST {
        return post_only();
    }
    let Some(id) = args.get(1).and_then(|s| parse_id(s)).map(ContainerId) else {
        return bad_uri(&raw);
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
        Ok((effective_config(world, cfg), model::received_bytes(world)))
    });
    let (pcfg, room) = match pre {
        Ok((pcfg, kept)) => (pcfg, state.sandboxes.cdn_room(&sandbox, kept)),
        Err(r) => return r,
    };

    let (failure, chunk, size, bytes) = match &file_url {
        Some(url) => {
            let (verdict, file) = match media_check::parse_url(url) {
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
                    let f = crate::io::media_fetch::fetch(url, Expect::Video, &pcfg, keep, &state.fetch_budget()).await;
                    if let Some(file) = &f.file {
                        sandbox.cdn_add(file.len() as u64);
                    }
                    (f.verdict, f.file)
                }
                Ok(_) => (media_check::judge_offline(url, Expect::Video), None),
            };
            (verdict.err().map(|e| e.subcode.unwrap_or(2207053)), 0, None, file)
        }
        None => {
            let body = &raw.body;
            let verdict = if offset == 0 {
                media_check::check_bytes(body, body.len() as u64, Expect::Video, &pcfg)
            } else {
                Ok(())
            };
            // Kept while the file so far fits the per-file cap and the sandbox's room (which
            // already counts this upload's earlier chunks).
            let len = body.len() as u64;
            let bytes = (offset + len <= cfg.cdn.max_kept_file_bytes && len <= room).then(|| body.clone());
            if bytes.is_some() {
                sandbox.cdn_add(len);
            }
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
