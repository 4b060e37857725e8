//! The optional real download of media URLs when containers are created (`--media-fetch`):
//! plain `http://` only, bounded in size and time, and the bytes being downloaded count
//! against the process's budget of buffered bytes (the one request bodies take); the bytes
//! are judged by `model::media_check`.

use crate::config::PublishingConfig;
use crate::error::GraphError;
use crate::model::media_check::{check_bytes, Expect, Verdict};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The process's budget of buffered bytes (`ServerConfig::body_budget_bytes`, one permit a
/// byte) and how long a download waits for room in it. Without it, 512 connections each
/// downloading a kept video held up to 32 GiB.
#[derive(Debug, Clone)]
pub(crate) struct Budget {
    pub(crate) bytes: Arc<Semaphore>,
    pub(crate) wait: Duration,
}

impl Budget {
    /// `n` more bytes of room, waiting at most `wait`; `None` when none came.
    async fn take(&self, n: usize) -> Option<OwnedSemaphorePermit> {
        let n = u32::try_from(n).ok()?;
        tokio::time::timeout(self.wait, self.bytes.clone().acquire_many_owned(n))
            .await
            .ok()?
            .ok()
    }
}

/// What a download gave: the verdict on the file, and the file itself when it passed, was
/// read whole and is at most the `keep` size the caller asked for (the CDN serves it back).
#[derive(Debug, Clone)]
pub(crate) struct Fetched {
    pub(crate) verdict: Verdict,
    pub(crate) file: Option<Bytes>,
}

impl Fetched {
    fn failed(e: GraphError) -> Self {
        Fetched {
            verdict: Err(e),
            file: None,
        }
    }
}

/// How much of a video is read when it is not kept: its first bytes tell the container.
const VIDEO_SNIFF_BYTES: u64 = 64 * 1024;

/// Downloads `url` (plain http only) and checks it; keeps the file when it passes and is at
/// most `keep` bytes. `https` cannot be fetched by igsim and fails as production's "could not
/// be fetched"; timeouts fail with -2/2207003. The bytes read hold room in `budget` until the
/// download ends: an image that finds none in time fails as a timeout too; a video stops
/// being read (its first bytes judge it) and is not kept.
pub(crate) async fn fetch(url: &str, expect: Expect, cfg: &PublishingConfig, keep: u64, budget: &Budget) -> Fetched {
    if !url.trim().to_ascii_lowercase().starts_with("http://") {
        return Fetched::failed(GraphError::media_fetch_failed(url));
    }
    let Ok(uri) = url.trim().parse::<hyper::Uri>() else {
        return Fetched::failed(GraphError::media_fetch_failed(url));
    };
    // Images must be read whole (size limit); videos are judged by their first bytes, and
    // read whole only as far as they may be kept.
    let cap = if expect.is_image() {
        cfg.max_image_bytes.saturating_add(1)
    } else {
        VIDEO_SNIFF_BYTES.max(keep.saturating_add(1))
    };
    let download = async {
        let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
        let resp = client.get(uri).await.map_err(|_| GraphError::media_fetch_failed(url))?;
        if !resp.status().is_success() {
            return Err(GraphError::media_fetch_failed(url));
        }
        let declared = resp
            .headers()
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let mut body = resp.into_body();
        let mut data = Vec::new();
        let mut held: Option<OwnedSemaphorePermit> = None;
        let mut cut_short = false;
        while (data.len() as u64) < cap {
            match body.frame().await {
                None => break,
                Some(Err(_)) => return Err(GraphError::media_fetch_failed(url)),
                Some(Ok(frame)) => {
                    let Ok(chunk) = frame.into_data() else { continue };
                    match budget.take(chunk.len()).await {
                        Some(p) => match held.as_mut() {
                            Some(h) => h.merge(p),
                            None => held = Some(p),
                        },
                        None if expect.is_image() => return Err(GraphError::media_download_timeout()),
                        None => {
                            cut_short = true;
                            break;
                        }
                    }
                    data.extend_from_slice(&chunk);
                }
            }
        }
        // A video cut short is judged by what came and not kept (its length is unknown).
        let total = declared.unwrap_or(0).max(data.len() as u64 + u64::from(cut_short));
        Ok((data, total))
    };
    match tokio::time::timeout(Duration::from_millis(cfg.fetch_timeout_ms), download).await {
        Err(_) => Fetched::failed(GraphError::media_download_timeout()),
        Ok(Err(e)) => Fetched::failed(e),
        Ok(Ok((data, total))) => {
            let verdict = check_bytes(&data, total, expect, cfg);
            let whole = data.len() as u64 == total && total <= keep;
            let file = (verdict.is_ok() && whole).then(|| Bytes::from(data));
            Fetched { verdict, file }
        }
    }
}
