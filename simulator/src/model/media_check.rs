//! Media checks for container creation, as pure functions: the offline judgement of a media
//! URL and the byte checks production applies (JPEG or PNG, MPO rejected, ≤ 8 MiB, aspect
//! 4:5..1.91:1 for feed and carousel images, MP4/MOV container). The optional real download
//! (`--media-fetch`) that feeds [`check_bytes`] is `io::media_fetch`.
//!
//! Sources: Content Publishing guide "Limitations" (no MPO/JPS); facts §9 "Image formats"
//! (production accepts PNG, single images and carousel items: GH:gitroomhq/postiz-app#1547,
//! PR #1900, superseding the reference's "JPEG only"); facts §4.4 (image size, the feed aspect
//! range, story images without one, video container); facts §1.5 (the error for each failure).

use crate::config::PublishingConfig;
use crate::error::{GraphError, GraphResult, FORCIBLE_SUBCODES};

/// Extensions (or `format=` hints) naming a supported image format.
const SUPPORTED_IMAGE_EXTENSIONS: &[&str] = &["jpg", "jpeg", "jpe", "jfif", "png"];

/// The feed aspect-ratio range, width over height: 4:5 .. 1.91:1 (facts §4.4).
const FEED_ASPECT: (f64, f64) = (0.8, 1.91);

/// What the media is supposed to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// A feed image or carousel image item: supported format, size, and the feed aspect range.
    FeedImage,
    /// A story image or a Reels cover: supported format and size, any aspect ratio (stories
    /// are 9:16; facts §4.4 gives story images and covers no aspect rule).
    Image,
    Video,
}

impl Expect {
    pub fn is_image(self) -> bool {
        self != Expect::Video
    }
}

/// The verdict on one fetched URL, computed before the world lock is taken.
pub type Verdict = GraphResult<()>;

/// Deterministic hints a test may put on a media URL (documented in the README):
/// `igsim_error=<subcode>` forces that container failure, `igsim_copyright=match` marks a
/// video as matching copyrighted material.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UrlHints {
    pub forced_error: Option<i64>,
    pub copyright_match: bool,
}

fn query_pairs(url: &str) -> Vec<(String, String)> {
    let q = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    let q = q.split('#').next().unwrap_or("");
    form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

/// Checks the scheme and reads the test hints. An unknown forced subcode is a loud (#100).
pub fn parse_url(url: &str) -> GraphResult<UrlHints> {
    let lower = url.trim().to_ascii_lowercase();
    let rest = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"))
        .ok_or_else(|| GraphError::media_fetch_failed(url))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(GraphError::media_fetch_failed(url));
    }
    let mut hints = UrlHints::default();
    for (k, v) in query_pairs(url) {
        match k.as_str() {
            "igsim_error" => {
                let sub = v
                    .parse::<i64>()
                    .ok()
                    .filter(|s| FORCIBLE_SUBCODES.contains(s))
                    .ok_or_else(|| {
                        GraphError::invalid_param(format!(
                            "igsim_error={v} on the media URL is not a container error subcode igsim can force; use one of {}",
                            FORCIBLE_SUBCODES.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
                        ))
                    })?;
                hints.forced_error = Some(sub);
            }
            "igsim_copyright" => hints.copyright_match = v.eq_ignore_ascii_case("match"),
            _ => {}
        }
    }
    Ok(hints)
}

/// The format a URL names: its path's extension, or a `format`/`fm`/`ext` query hint.
fn named_format(url: &str) -> Option<String> {
    for (k, v) in query_pairs(url) {
        if matches!(k.as_str(), "format" | "fm" | "ext") && !v.is_empty() {
            return Some(v.to_ascii_lowercase());
        }
    }
    let path = url.split(['?', '#']).next().unwrap_or("");
    let after_host = path.split_once("://").map_or(path, |(_, r)| r);
    let last = after_host.split_once('/').map(|(_, p)| p)?.rsplit('/').next()?;
    let (_, ext) = last.rsplit_once('.')?;
    (!ext.is_empty() && ext.len() <= 5).then(|| ext.to_ascii_lowercase())
}

/// Offline judgement: what production would say about the format the URL names.
/// Unknown or absent extensions pass (production sniffs bytes we do not have).
pub fn judge_offline(url: &str, expect: Expect) -> Verdict {
    let Some(ext) = named_format(url) else { return Ok(()) };
    match expect {
        Expect::FeedImage | Expect::Image => match ext.as_str() {
            e if SUPPORTED_IMAGE_EXTENSIONS.contains(&e) => Ok(()),
            "gif" | "webp" | "heic" | "heif" | "bmp" | "tif" | "tiff" | "mpo" | "jps" | "avif" | "svg" => {
                Err(GraphError::image_format_unsupported(&ext.to_ascii_uppercase()))
            }
            _ => Ok(()),
        },
        Expect::Video => match ext.as_str() {
            "mp4" | "mov" | "m4v" | "qt" => Ok(()),
            "avi" | "mkv" | "webm" | "flv" | "wmv" | "gif" | "3gp" | "mpg" | "mpeg" | "ogv" => {
                Err(GraphError::video_format_unsupported())
            }
            _ => Ok(()),
        },
    }
}

/// The width and height a PNG's IHDR chunk gives (always the first chunk, at byte 16).
fn png_size(data: &[u8]) -> Option<(u32, u32)> {
    if data.get(12..16)? != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(data.get(16..20)?.try_into().ok()?);
    let h = u32::from_be_bytes(data.get(20..24)?.try_into().ok()?);
    Some((w, h))
}

const PNG_SIGNATURE: &[u8] = &[0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1A, b'\n'];

/// The image format the bytes are, for the 2207005 message.
fn sniff_image(data: &[u8]) -> &'static str {
    if data.starts_with(b"GIF8") {
        "GIF"
    } else if data.len() >= 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        "WEBP"
    } else if data.starts_with(b"BM") {
        "BMP"
    } else if data.len() >= 12 && &data[4..8] == b"ftyp" {
        "HEIC"
    } else {
        "unknown"
    }
}

/// Walks JPEG segments up to the scan: whether it is an MPO (APP2 "MPF"), and its size
/// from the first SOF marker.
fn jpeg_info(data: &[u8]) -> (bool, Option<(u32, u32)>) {
    let mut i = 2;
    let mut mpo = false;
    while i + 4 <= data.len() {
        if data[i] != 0xFF {
            break;
        }
        let marker = data[i + 1];
        if marker == 0xD8 || (0xD0..=0xD7).contains(&marker) || marker == 0x01 || marker == 0xFF {
            i += if marker == 0xFF { 1 } else { 2 };
            continue;
        }
        let len = usize::from(u16::from_be_bytes([data[i + 2], data[i + 3]]));
        let seg = &data[(i + 4).min(data.len())..(i + 2 + len).min(data.len())];
        if marker == 0xE2 && seg.starts_with(b"MPF\0") {
            mpo = true;
        }
        let is_sof = matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF);
        if is_sof && seg.len() >= 5 {
            let h = u32::from(u16::from_be_bytes([seg[1], seg[2]]));
            let w = u32::from(u16::from_be_bytes([seg[3], seg[4]]));
            return (mpo, Some((w, h)));
        }
        if marker == 0xDA || len < 2 {
            break;
        }
        i += 2 + len;
    }
    (mpo, None)
}

/// The checks production applies to downloaded bytes. `total` is the full size when the
/// bytes are only a prefix (videos).
pub fn check_bytes(data: &[u8], total: u64, expect: Expect, cfg: &PublishingConfig) -> Verdict {
    match expect {
        Expect::FeedImage | Expect::Image => {
            if total > cfg.max_image_bytes {
                return Err(GraphError::image_too_large(&human_bytes(cfg.max_image_bytes)));
            }
            let size = if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
                let (mpo, size) = jpeg_info(data);
                if mpo {
                    return Err(GraphError::image_format_unsupported("MPO"));
                }
                size
            } else if data.starts_with(PNG_SIGNATURE) {
                png_size(data)
            } else {
                return Err(GraphError::image_format_unsupported(sniff_image(data)));
            };
            match size {
                Some((w, h)) if w == 0 || h == 0 => Err(GraphError::aspect_ratio_unsupported(&format!("{w}/{h}"))),
                Some((w, h)) if expect == Expect::FeedImage => {
                    let ratio = f64::from(w) / f64::from(h);
                    // With a hair of tolerance for rounding.
                    if (FEED_ASPECT.0 - 1e-9..=FEED_ASPECT.1 + 1e-9).contains(&ratio) {
                        Ok(())
                    } else {
                        Err(GraphError::aspect_ratio_unsupported(&format!("{w}/{h}")))
                    }
                }
                _ => Ok(()),
            }
        }
        Expect::Video => {
            let atom = data.get(4..8).unwrap_or(&[]);
            if matches!(atom, b"ftyp" | b"moov" | b"wide" | b"mdat" | b"free" | b"skip") {
                Ok(())
            } else {
                Err(GraphError::video_format_unsupported())
            }
        }
    }
}

/// `8 MiB` for 8388608.
pub fn human_bytes(n: u64) -> String {
    if n.is_multiple_of(1024 * 1024) {
        format!("{} MiB", n / (1024 * 1024))
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(w: u16, h: u16, mpo: bool) -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8];
        if mpo {
            v.extend_from_slice(&[0xFF, 0xE2, 0x00, 0x06, b'M', b'P', b'F', 0]);
        }
        v.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x0B, 8]);
        v.extend_from_slice(&h.to_be_bytes());
        v.extend_from_slice(&w.to_be_bytes());
        v.extend_from_slice(&[1, 1, 0x11, 0, 0xFF, 0xD9]);
        v
    }

    #[test]
    fn jpeg_checks_follow_the_documented_limits() {
        let cfg = PublishingConfig::default();
        assert!(check_bytes(&jpeg(1080, 1080, false), 100, Expect::FeedImage, &cfg).is_ok());
        assert!(check_bytes(&jpeg(1080, 1350, false), 100, Expect::FeedImage, &cfg).is_ok());
        let e = check_bytes(&jpeg(1080, 1920, false), 100, Expect::FeedImage, &cfg).unwrap_err();
        assert_eq!(e.subcode, Some(2207009));
        let e = check_bytes(&jpeg(1080, 1080, true), 100, Expect::Image, &cfg).unwrap_err();
        assert_eq!(e.subcode, Some(2207005));
        let e = check_bytes(&jpeg(1080, 1080, false), 9 << 20, Expect::Image, &cfg).unwrap_err();
        assert_eq!(e.subcode, Some(2207004));
        let e = check_bytes(b"GIF89a", 6, Expect::Image, &cfg).unwrap_err();
        assert!(e.user_msg.unwrap().contains("GIF"));
    }

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut v = PNG_SIGNATURE.to_vec();
        v.extend_from_slice(&[0, 0, 0, 13]);
        v.extend_from_slice(b"IHDR");
        v.extend_from_slice(&w.to_be_bytes());
        v.extend_from_slice(&h.to_be_bytes());
        v
    }

    #[test]
    fn png_is_accepted_and_only_feed_images_have_an_aspect_range() {
        let cfg = PublishingConfig::default();
        assert!(check_bytes(&png(1080, 1080), 100, Expect::FeedImage, &cfg).is_ok());
        let e = check_bytes(&png(1080, 1920), 100, Expect::FeedImage, &cfg).unwrap_err();
        assert_eq!(e.subcode, Some(2207009));
        assert!(check_bytes(&png(1080, 1920), 100, Expect::Image, &cfg).is_ok());
        assert!(check_bytes(&jpeg(1080, 1920, false), 100, Expect::Image, &cfg).is_ok());
        let e = check_bytes(&png(1080, 1080), 9 << 20, Expect::Image, &cfg).unwrap_err();
        assert_eq!(e.subcode, Some(2207004));
    }

    #[test]
    fn urls_are_judged_by_scheme_extension_and_hints() {
        assert!(parse_url("ftp://x/a.jpg").is_err());
        assert_eq!(
            parse_url("https://x/a.mp4?igsim_error=2207026").unwrap().forced_error,
            Some(2207026)
        );
        assert!(parse_url("https://x/a.mp4?igsim_error=1").is_err());
        assert!(judge_offline("https://x/a.png", Expect::FeedImage).is_ok());
        assert!(judge_offline("https://x/a.gif", Expect::FeedImage).is_err());
        assert!(judge_offline("https://x/a.JPG?w=1", Expect::Image).is_ok());
        assert!(judge_offline("https://x/img?fm=png", Expect::Image).is_ok());
        assert!(judge_offline("https://x/img?fm=webp", Expect::Image).is_err());
        assert!(judge_offline("https://x/a.mkv", Expect::Video).is_err());
        assert!(judge_offline("https://example.com", Expect::Image).is_ok());
    }
}
