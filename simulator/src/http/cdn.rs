//! The media CDN on igsim's own host: [`url`] is the one builder of every URL igsim hands out
//! for media bytes (`media_url`, `thumbnail_url`, `profile_picture_url`, product `image_url`),
//! and [`serve`] answers them with real bytes.
//!
//! URLs have production's shape (StackOverflow 77212118, GH gabrielkheisa/instagram-downloader#1:
//! `/v/t51.29350-15/<ids>_n.jpg?_nc_cat=…&ccb=1-7&_nc_sid=…&_nc_ht=<host>&oh=00_<signature>&oe=<hex
//! expiry>`) on the host the client called, like `paging.next`, plus `igsim_sandbox=<id>`
//! naming the sandbox (the request carries no token). `oe` is the expiry in unix seconds as
//! hex; `oh` signs the path and every other parameter with the sandbox's app secret. After
//! `oe` on the sandbox clock the URL answers `403 URL signature expired` as production's CDN
//! does (GH aaronpk/OwnYourGram#80: `HTTP/2 403`, `content-type: text/plain`, that body); an
//! altered URL answers `403 URL signature mismatch` (reports of Instagram oEmbed
//! `thumbnail_url`s), a missing or malformed `oe` `403 Bad URL timestamp` (UNCONFIRMED text).
//!
//! Bytes: what igsim received for the media (`--media-fetch`, resumable upload) when it kept
//! them (`config::CdnConfig`), else deterministic generated media ([`crate::synth`]): a JPEG
//! with the media's aspect ratio, colour, initials and label, or a short MP4 for videos.

use crate::app::State;
use crate::config::CdnConfig;
use crate::http::graph::Ctx;
use crate::http::request::RawRequest;
use crate::http::response::{bytes, plain, Body};
use crate::ids::{parse_id, stable_hash, IgUserId, MediaId};
use crate::model::{Media, MediaType, ProductType, ReceivedFile, World};
use crate::synth::{self, Look};
use crate::timefmt::{http_date, parse_http_date};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use http::{HeaderValue, Method, Response};
use sha2::Sha256;

/// Something igsim serves bytes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asset {
    /// A media's `media_url` (an album's shows its first item).
    Media(MediaId),
    /// A video's `thumbnail_url` (its cover).
    Thumbnail(MediaId),
    /// An IG user's `profile_picture_url`.
    ProfilePicture(IgUserId),
    /// A catalog product's `image_url`.
    ProductImage(u64),
}

/// Path classes, one per kind of asset. The media, video and profile classes are the ones
/// production's URLs carry (`t51.29350-15` images, `t66.30100-16` videos, `t51.2885-19`
/// profile pictures, `t45.5328-4` catalog images); covers get a class of their own here so a
/// URL says which asset it is.
const IMAGE_CLASS: &str = "t51.29350-15";
const VIDEO_CLASS: &str = "t66.30100-16";
const COVER_CLASS: &str = "t51.71878-15";
const PROFILE_CLASS: &str = "t51.2885-19";
const PRODUCT_CLASS: &str = "t45.5328-4";

/// Refusals, as production's CDN words them (module docs give the sources).
const EXPIRED: &str = "URL signature expired";
const MISMATCH: &str = "URL signature mismatch";
const BAD_TIMESTAMP: &str = "Bad URL timestamp";

/// Feed pictures come in Instagram's three shapes (square, 4:5 portrait, 1.91:1 landscape);
/// reels, stories and live video are 9:16.
const FEED_SIZES: [(u32, u32); 3] = [(1080, 1080), (1080, 1350), (1080, 566)];
const VERTICAL_SIZE: (u32, u32) = (1080, 1920);
const PROFILE_SIZE: (u32, u32) = (320, 320);
const PRODUCT_SIZE: (u32, u32) = (800, 800);

fn is_video(m: &Media) -> bool {
    matches!(m.media_type, MediaType::Video | MediaType::Broadcast)
}

/// (class, id, extension) of an asset's path, `None` for an object the world lacks.
fn path_parts(world: &World, asset: Asset) -> Option<(&'static str, u64, &'static str)> {
    Some(match asset {
        Asset::Media(id) => match world.media.get(&id) {
            Some(m) if is_video(m) => (VIDEO_CLASS, id.0, "mp4"),
            Some(_) => (IMAGE_CLASS, id.0, "jpg"),
            None => return None,
        },
        Asset::Thumbnail(id) => (COVER_CLASS, id.0, "jpg"),
        Asset::ProfilePicture(id) => (PROFILE_CLASS, id.0, "jpg"),
        Asset::ProductImage(id) => (PRODUCT_CLASS, id, "jpg"),
    })
}

fn sign(secret: &str, message: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| {
        // HMAC takes keys of any length; this branch cannot be taken.
        <Hmac<Sha256> as Mac>::new_from_slice(b"igsim").expect("HMAC takes any key length")
    });
    mac.update(message.as_bytes());
    let mut raw = vec![0x01];
    raw.extend_from_slice(&mac.finalize().into_bytes());
    format!("00_{}", URL_SAFE_NO_PAD.encode(raw))
}

/// The expiry of a URL handed out at `now`: the end of `now`'s window plus the lifetime, so
/// every URL of one window is the same (see `CdnConfig`).
pub fn expiry(now: i64, cfg: &CdnConfig) -> i64 {
    let window = cfg.url_window_seconds.max(1);
    (now - now.rem_euclid(window)).saturating_add(cfg.url_lifetime_seconds)
}

/// The absolute URL of `asset` on the host of `base_url` (`http://host:port`), valid until
/// [`expiry`] of `now` on the sandbox clock. Deterministic for the same world, base and window.
/// Every media URL igsim returns comes from here.
pub fn url(base_url: &str, world: &World, asset: Asset, now: i64, cfg: &CdnConfig) -> String {
    let Some((class, id, ext)) = path_parts(world, asset) else {
        return String::new();
    };
    let host = base_url.split_once("://").map_or(base_url, |(_, h)| h);
    let host: String = form_urlencoded::byte_serialize(host.as_bytes()).collect();
    let h = stable_hash(&[b"cdn", class.as_bytes(), &id.to_le_bytes()]);
    let path = format!("/v/{class}/{id}_n.{ext}");
    let head = format!(
        "_nc_cat={}&ccb=1-7&_nc_sid={:06x}&_nc_ht={host}&igsim_sandbox={}",
        100 + h % 60,
        (h >> 8) & 0xFF_FFFF,
        world.sandbox
    );
    let oe = format!("oe={:08X}", expiry(now, cfg).max(0));
    let oh = sign(&world.app.secret, &format!("{path}?{head}&{oe}"));
    format!("{base_url}{path}?{head}&oh={oh}&{oe}")
}

impl Ctx<'_> {
    /// [`url`] for this request's host, world and time.
    pub fn cdn_url(&self, asset: Asset) -> String {
        url(&self.req.base_url, &self.world, asset, self.now, &self.cfg.cdn)
    }
}

/// What the bytes of an asset are made from.
enum Source {
    Received(ReceivedFile),
    Picture(Look),
    Video(Look),
}

/// Initials from the first two words with a letter or digit (`"Morning espresso #coffee"`
/// → `ME`); `fallback` when there are none.
fn initials(text: &str, fallback: &str) -> String {
    let out: String = text
        .split(|c: char| c.is_whitespace() || c == '.' || c == '_')
        .filter_map(|w| w.chars().find(char::is_ascii_alphanumeric))
        .take(2)
        .collect::<String>()
        .to_ascii_uppercase();
    if out.is_empty() {
        fallback.into()
    } else {
        out
    }
}

fn media_size(world: &World, m: &Media) -> (u32, u32) {
    let album = m.parent.and_then(|p| world.media.get(&p)).map_or(m, |a| a);
    match (album.product_type, album.media_type) {
        (ProductType::Reels | ProductType::Story | ProductType::Live, _) | (_, MediaType::Broadcast) => VERTICAL_SIZE,
        _ => FEED_SIZES[(stable_hash(&[b"shape", &album.id.0.to_le_bytes()]) % 3) as usize],
    }
}

fn media_look(world: &World, m: &Media, cover: bool) -> Look {
    let (width, height) = media_size(world, m);
    let caption = m
        .parent
        .and_then(|p| world.media.get(&p))
        .map_or(m, |a| a)
        .caption
        .as_deref()
        .unwrap_or("");
    let kind = match (m.product_type, m.media_type) {
        (_, MediaType::Broadcast) | (ProductType::Live, _) => "LIVE",
        (ProductType::Reels, _) => "REEL",
        (ProductType::Story, _) => "STORY",
        (_, MediaType::CarouselAlbum) => "ALBUM",
        (_, MediaType::Video) => "VIDEO",
        _ => "IMAGE",
    };
    let label = match m.parent.and_then(|p| world.media.get(&p)) {
        Some(album) => {
            let n = album.children.iter().position(|c| *c == m.id).unwrap_or(0) + 1;
            format!("ITEM {n}/{} #{:04}", album.children.len(), m.id.0 % 10_000)
        }
        None => format!("{kind} #{:04}", m.id.0 % 10_000),
    };
    Look {
        width,
        height,
        tone: stable_hash(&[b"tone", &m.id.0.to_le_bytes()]),
        initials: initials(caption, &kind[..1]),
        label,
        play_mark: cover,
    }
}

/// A media's picture: its received JPEG, a video's received cover, or generated.
fn picture_of(world: &World, m: &Media) -> Source {
    if is_video(m) {
        return match &m.cover {
            Some(f) => Source::Received(f.clone()),
            None => Source::Picture(media_look(world, m, true)),
        };
    }
    match &m.file {
        Some(f) => Source::Received(f.clone()),
        None => Source::Picture(media_look(world, m, false)),
    }
}

/// The source of an asset and its `Last-Modified` time, `None` if the world lacks it.
fn source(world: &World, asset: Asset) -> Option<(Source, i64)> {
    match asset {
        Asset::Media(id) => {
            let m = world.media.get(&id)?;
            let src = match m.media_type {
                MediaType::CarouselAlbum => match m.children.first().and_then(|c| world.media.get(c)) {
                    Some(first) => picture_of(world, first),
                    None => Source::Picture(media_look(world, m, false)),
                },
                _ if is_video(m) => match &m.file {
                    Some(f) => Source::Received(f.clone()),
                    None => Source::Video(media_look(world, m, false)),
                },
                _ => picture_of(world, m),
            };
            Some((src, m.timestamp))
        }
        Asset::Thumbnail(id) => {
            let m = world.media.get(&id).filter(|m| is_video(m))?;
            Some((picture_of(world, m), m.timestamp))
        }
        Asset::ProfilePicture(id) => {
            let u = world.ig_users.get(&id)?;
            let look = Look {
                width: PROFILE_SIZE.0,
                height: PROFILE_SIZE.1,
                tone: stable_hash(&[b"tone", &id.0.to_le_bytes()]),
                initials: initials(&u.username, "?"),
                label: format!("@{}", u.username),
                play_mark: false,
            };
            Some((Source::Picture(look), 0))
        }
        Asset::ProductImage(id) => {
            let p = world.shopping.products.get(&id)?;
            let look = Look {
                width: PRODUCT_SIZE.0,
                height: PRODUCT_SIZE.1,
                tone: stable_hash(&[b"tone", &id.to_le_bytes()]),
                initials: initials(&p.name, "P"),
                label: p.retailer_id.clone(),
                play_mark: false,
            };
            Some((Source::Picture(look), 0))
        }
    }
}

/// Parses `/v/<class>/<id>_n.<ext>` back into an asset (the world decides what a media is).
fn parse_asset(world: &World, class: &str, file: &str) -> Option<Asset> {
    let (stem, ext) = file.rsplit_once('.')?;
    let id = parse_id(stem.strip_suffix("_n")?)?;
    let asset = match class {
        IMAGE_CLASS | VIDEO_CLASS => Asset::Media(MediaId(id)),
        COVER_CLASS => Asset::Thumbnail(MediaId(id)),
        PROFILE_CLASS => Asset::ProfilePicture(IgUserId(id)),
        PRODUCT_CLASS => Asset::ProductImage(id),
        _ => return None,
    };
    // The URL igsim would hand out for it must have this very path.
    (path_parts(world, asset)? == (class_static(class)?, id, ext_static(ext)?)).then_some(asset)
}

fn class_static(class: &str) -> Option<&'static str> {
    [IMAGE_CLASS, VIDEO_CLASS, COVER_CLASS, PROFILE_CLASS, PRODUCT_CLASS]
        .into_iter()
        .find(|c| *c == class)
}

fn ext_static(ext: &str) -> Option<&'static str> {
    ["jpg", "mp4"].into_iter().find(|e| *e == ext)
}

fn query_value<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .find_map(|p| p.strip_prefix(name).and_then(|r| r.strip_prefix('=')))
}

/// `GET|HEAD /v/<class>/<file>?…&igsim_sandbox=…&oh=…&oe=…`: checks the signature and the
/// expiry on the sandbox clock, then serves the bytes with CDN cache headers; honours
/// `Range` (one range) and `If-Modified-Since`.
pub fn serve(state: &State, raw: &RawRequest, args: &[String]) -> Response<Body> {
    if raw.method != Method::GET && raw.method != Method::HEAD {
        return plain(405, "Method Not Allowed");
    }
    let cfg = &state.sandboxes.config.cdn;
    // `/v/<class>/<file>` (THE route table): the class and the file name.
    let [class, file] = args else {
        return plain(404, "Not Found");
    };
    let query = raw.query.as_deref().unwrap_or("");
    let Some(oe) = query_value(query, "oe").and_then(|v| i64::from_str_radix(v, 16).ok()) else {
        return plain(403, BAD_TIMESTAMP);
    };
    let (Some(oh), Some(sandbox)) = (
        query_value(query, "oh"),
        query_value(query, "igsim_sandbox").and_then(|id| state.sandboxes.get(id)),
    ) else {
        return plain(403, MISMATCH);
    };
    let signed: Vec<&str> = query.split('&').filter(|p| !p.starts_with("oh=")).collect();
    let message = format!("{}?{}", raw.path, signed.join("&"));
    let found = sandbox.with_world(|world, now| {
        if sign(&world.app.secret, &message) != oh {
            return Err(plain(403, MISMATCH));
        }
        if now > oe {
            return Err(plain(403, EXPIRED));
        }
        let asset = parse_asset(world, class, file).ok_or_else(|| plain(404, "Not Found"))?;
        source(world, asset).ok_or_else(|| plain(404, "Not Found"))
    });
    let (src, modified) = match found {
        Ok(f) => f,
        Err(r) => return r,
    };
    // Encoding happens outside the world lock.
    let (body, content_type) = match src {
        Source::Received(f) => (f.bytes, f.content_type),
        Source::Picture(look) => (Bytes::from(synth::jpeg(&look)), "image/jpeg"),
        Source::Video(look) => match synth::mp4(&look) {
            Ok(v) => (Bytes::from(v), "video/mp4"),
            Err(_) => return plain(404, "Not Found"),
        },
    };
    media_response(raw, body, content_type, modified, cfg)
}

fn header(raw: &RawRequest, name: http::header::HeaderName) -> Option<&str> {
    raw.headers.get(name).and_then(|v| v.to_str().ok())
}

/// One `bytes=` range of a body of `len` bytes: `Some(Ok(start..=end))`, `Some(Err(()))` when
/// unsatisfiable, `None` when absent or not a single byte range (then the whole body).
fn byte_range(spec: Option<&str>, len: u64) -> Option<Result<(u64, u64), ()>> {
    let spec = spec?.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let range = match (a.parse::<u64>().ok(), b.parse::<u64>().ok()) {
        (Some(s), Some(e)) if s <= e => (s, e.min(len.saturating_sub(1))),
        (Some(s), None) if b.is_empty() => (s, len.saturating_sub(1)),
        (None, Some(n)) if a.is_empty() && n > 0 => (len.saturating_sub(n), len.saturating_sub(1)),
        _ => return None,
    };
    Some(if len == 0 || range.0 >= len { Err(()) } else { Ok(range) })
}

fn media_response(
    raw: &RawRequest,
    body: Bytes,
    content_type: &'static str,
    modified: i64,
    cfg: &CdnConfig,
) -> Response<Body> {
    let len = body.len() as u64;
    let not_modified = header(raw, http::header::IF_MODIFIED_SINCE)
        .and_then(parse_http_date)
        .is_some_and(|since| modified <= since);
    let (status, body, range) = if not_modified {
        (304, Bytes::new(), None)
    } else {
        match byte_range(header(raw, http::header::RANGE), len) {
            None => (200, body, None),
            Some(Ok((s, e))) => (
                206,
                body.slice(s as usize..=e as usize),
                Some(format!("bytes {s}-{e}/{len}")),
            ),
            Some(Err(())) => (416, Bytes::new(), Some(format!("bytes */{len}"))),
        }
    };
    let length = body.len();
    let body = if raw.method == Method::HEAD { Bytes::new() } else { body };
    let mut r = bytes(status, body, content_type);
    let h = r.headers_mut();
    let mut set = |name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    };
    set("cache-control", &cfg.cache_control);
    set("last-modified", &http_date(modified));
    set("accept-ranges", "bytes");
    set("access-control-allow-origin", "*");
    set("timing-allow-origin", "*");
    set("cross-origin-resource-policy", "cross-origin");
    if let Some(cr) = range {
        set("content-range", &cr);
    }
    if status != 304 {
        set("content-length", &length.to_string());
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_come_from_the_first_two_words() {
        assert_eq!(initials("Morning espresso #coffee", "I"), "ME");
        assert_eq!(initials("juniper.makes", "?"), "JM");
        assert_eq!(initials("🌿 ✨", "I"), "I");
        assert_eq!(initials("#launch day", "I"), "LD");
    }

    #[test]
    fn ranges_follow_rfc_9110() {
        assert_eq!(byte_range(Some("bytes=0-99"), 1000), Some(Ok((0, 99))));
        assert_eq!(byte_range(Some("bytes=900-"), 1000), Some(Ok((900, 999))));
        assert_eq!(byte_range(Some("bytes=-100"), 1000), Some(Ok((900, 999))));
        assert_eq!(byte_range(Some("bytes=0-5000"), 1000), Some(Ok((0, 999))));
        assert_eq!(byte_range(Some("bytes=1000-"), 1000), Some(Err(())));
        assert_eq!(byte_range(Some("bytes=0-1,5-6"), 1000), None);
        assert_eq!(byte_range(Some("items=0-1"), 1000), None);
        assert_eq!(byte_range(None, 1000), None);
    }

    #[test]
    fn expiries_come_in_windows() {
        let cfg = CdnConfig::default();
        assert_eq!(expiry(7200, &cfg), 7200 + cfg.url_lifetime_seconds);
        assert_eq!(expiry(7200 + 3599, &cfg), expiry(7200, &cfg));
        assert_eq!(expiry(10_800, &cfg), expiry(7200, &cfg) + 3600);
    }
}
