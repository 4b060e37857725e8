//! Generated videos: a few frames of the object's picture (see [`super::picture`]) at a small
//! size with a progress bar that moves from frame to frame, encoded as lossless intra-only
//! H.264 (`less-avc`, baseline profile) in an MP4 container (`mp4`). Small, valid, playable
//! in browsers, and deterministic for the same look.

use super::picture::{draw, Look};
use bytes::Bytes;
use less_avc::ycbcr_image::{DataPlane, Planes, YCbCrImage};
use less_avc::BitDepth;
use mp4::{AvcConfig, MediaConfig, Mp4Config, Mp4Sample, Mp4Writer, TrackConfig, TrackType};
use std::io::Cursor;

/// Frames per video, each shown for [`FRAME_MS`] (a 3-second clip).
pub(crate) const FRAMES: u32 = 3;
pub(crate) const FRAME_MS: u32 = 1000;
/// The long side of a generated video, in pixels (intra-only PCM frames grow with the area).
pub(crate) const LONG_SIDE: u32 = 160;

/// Even pixel dimensions with the look's aspect ratio and a long side of [`LONG_SIDE`].
pub(crate) fn video_size(width: u32, height: u32) -> (u32, u32) {
    let (w, h) = (width.max(1), height.max(1));
    let scale = |a: u32, b: u32| (u64::from(LONG_SIDE) * u64::from(a) / u64::from(b)) as u32;
    let (vw, vh) = if w >= h {
        (LONG_SIDE, scale(h, w))
    } else {
        (scale(w, h), LONG_SIDE)
    };
    ((vw & !1).max(16), (vh & !1).max(16))
}

fn round16(n: u32) -> usize {
    n.div_ceil(16) as usize * 16
}

/// BT.601 limited-range YCbCr 4:2:0 planes of an RGB canvas, padded to whole macroblocks.
fn planes(rgb: &[u8], w: u32, h: u32) -> (Vec<u8>, Vec<u8>, Vec<u8>, usize) {
    let (stride, rows) = (round16(w), round16(h));
    let (cstride, crows) = (stride / 2, rows / 2);
    let mut y = vec![16u8; stride * rows];
    let mut cb = vec![128u8; cstride * crows];
    let mut cr = vec![128u8; cstride * crows];
    let px = |x: u32, yy: u32| {
        let i = ((yy * w + x) * 3) as usize;
        (f64::from(rgb[i]), f64::from(rgb[i + 1]), f64::from(rgb[i + 2]))
    };
    for yy in 0..h {
        for x in 0..w {
            let (r, g, b) = px(x, yy);
            y[yy as usize * stride + x as usize] = (16.0 + 0.257 * r + 0.504 * g + 0.098 * b).round() as u8;
        }
    }
    for cy in 0..h / 2 {
        for cx in 0..w / 2 {
            let (r, g, b) = px(cx * 2, cy * 2);
            let i = cy as usize * cstride + cx as usize;
            cb[i] = (128.0 - 0.148 * r - 0.291 * g + 0.439 * b).round().clamp(0.0, 255.0) as u8;
            cr[i] = (128.0 + 0.439 * r - 0.368 * g - 0.071 * b).round().clamp(0.0, 255.0) as u8;
        }
    }
    (y, cb, cr, stride)
}

/// MP4 NAL samples carry a 4-byte big-endian length before each NAL unit.
fn length_prefixed(nal: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(nal.len() + 4);
    out.extend_from_slice(&(nal.len() as u32).to_be_bytes());
    out.extend_from_slice(nal);
    out
}

/// The look as a short MP4 (H.264 baseline, [`FRAMES`] frames of [`FRAME_MS`] each).
pub(crate) fn mp4(look: &Look) -> Result<Vec<u8>, String> {
    let (w, h) = video_size(look.width, look.height);
    let small = Look {
        width: w,
        height: h,
        ..look.clone()
    };
    let mut encoder = None;
    let mut samples = Vec::new();
    let (mut sps, mut pps) = (Vec::new(), Vec::new());
    for frame in 0..FRAMES {
        let mut canvas = draw(&small);
        let bar = (h / 40).max(2);
        canvas.fill_rect(0, h - bar, w * (frame + 1) / FRAMES, bar, [255, 255, 255]);
        let (yp, cb, cr, stride) = planes(&canvas.rgb, w, h);
        let image = YCbCrImage {
            planes: Planes::YCbCr((
                DataPlane {
                    data: &yp,
                    stride,
                    bit_depth: BitDepth::Depth8,
                },
                DataPlane {
                    data: &cb,
                    stride: stride / 2,
                    bit_depth: BitDepth::Depth8,
                },
                DataPlane {
                    data: &cr,
                    stride: stride / 2,
                    bit_depth: BitDepth::Depth8,
                },
            )),
            width: w,
            height: h,
        };
        let nal = match encoder.as_mut() {
            None => {
                let (initial, enc) = less_avc::LessEncoder::new(&image).map_err(|e| format!("{e:?}"))?;
                sps = initial.sps.to_nal_unit();
                pps = initial.pps.to_nal_unit();
                encoder = Some(enc);
                initial.frame.to_nal_unit()
            }
            Some(enc) => enc.encode(&image).map_err(|e| format!("{e:?}"))?.to_nal_unit(),
        };
        samples.push(length_prefixed(&nal));
    }
    let brand = |s: &str| s.parse().map_err(|e| format!("{e:?}"));
    let config = Mp4Config {
        major_brand: brand("isom")?,
        minor_version: 512,
        compatible_brands: vec![brand("isom")?, brand("iso2")?, brand("avc1")?, brand("mp41")?],
        timescale: 1000,
    };
    let mut writer = Mp4Writer::write_start(Cursor::new(Vec::new()), &config).map_err(|e| e.to_string())?;
    writer
        .add_track(&TrackConfig {
            track_type: TrackType::Video,
            timescale: 1000,
            language: "und".into(),
            media_conf: MediaConfig::AvcConfig(AvcConfig {
                width: w as u16,
                height: h as u16,
                seq_param_set: sps,
                pic_param_set: pps,
            }),
        })
        .map_err(|e| e.to_string())?;
    for (i, sample) in samples.into_iter().enumerate() {
        let s = Mp4Sample {
            start_time: i as u64 * u64::from(FRAME_MS),
            duration: FRAME_MS,
            rendering_offset: 0,
            is_sync: true,
            bytes: Bytes::from(sample),
        };
        writer.write_sample(1, &s).map_err(|e| e.to_string())?;
    }
    writer.write_end().map_err(|e| e.to_string())?;
    Ok(writer.into_writer().into_inner())
}

#[cfg(test)]
mod tests {
    use super::super::picture::sample as look;
    use super::*;

    #[test]
    fn videos_are_mp4s_that_the_mp4_reader_reads_back() {
        for (w, h) in [(1080, 1920), (1080, 1350), (1080, 566), (1080, 1080)] {
            let bytes = mp4(&look(w, h)).unwrap();
            assert_eq!(&bytes[4..8], b"ftyp");
            let size = bytes.len() as u64;
            let r = mp4::Mp4Reader::read_header(Cursor::new(&bytes), size).unwrap();
            let (vw, vh) = video_size(w, h);
            let track = r.tracks().values().next().unwrap();
            assert_eq!((u32::from(track.width()), u32::from(track.height())), (vw, vh));
            assert_eq!(track.sample_count(), FRAMES);
            assert_eq!(r.duration().as_millis(), u128::from(FRAMES * FRAME_MS));
            assert_eq!(bytes, mp4(&look(w, h)).unwrap(), "deterministic");
        }
    }

    #[test]
    fn video_sizes_keep_the_aspect_ratio() {
        assert_eq!(video_size(1080, 1920), (90, 160));
        assert_eq!(video_size(1920, 1080), (160, 90));
        assert_eq!(video_size(1080, 1080), (160, 160));
    }
}
