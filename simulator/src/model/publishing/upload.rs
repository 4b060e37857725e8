//! The resumable upload of a video container's bytes (`upload_type=resumable`, facts §4.4)
//! and the received bytes a sandbox keeps for the CDN (`CdnConfig`).

use super::*;

/// One request to the upload endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Chunk {
    pub(crate) offset: u64,
    pub(crate) len: u64,
    pub(crate) file_size: Option<u64>,
    /// The verdict on the bytes (a subcode), when they show a problem.
    pub(crate) failure: Option<i64>,
    /// The bytes themselves when they may be kept; `None` stops keeping this upload's data.
    pub(crate) bytes: Option<Bytes>,
}

/// Records uploaded bytes of a resumable container; processing starts when all arrived.
pub(crate) fn upload(
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

/// The file a container's media serves: what was downloaded for it, or its completed upload.
pub(super) fn received_file(c: &Container) -> Option<ReceivedFile> {
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
/// the files of published media (for the budgets in `CdnConfig`, `Sandboxes::cdn_room`).
pub(crate) fn received_bytes(world: &World) -> u64 {
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
