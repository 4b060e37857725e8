//! Generated pictures: a two-colour gradient picked from the object's identity, its initials
//! large in the middle, a small label at the bottom, and a play mark on video covers; drawn
//! into an RGB canvas and encoded as a baseline JPEG by `jpeg-encoder`.

use super::glyphs;

/// What a generated picture shows. Everything here comes from the object, so the same
/// object always gives the same bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Look {
    /// Pixel size; the object's aspect ratio.
    pub(crate) width: u32,
    pub(crate) height: u32,
    /// Picks the colours (a stable hash of the object's id).
    pub(crate) tone: u64,
    /// Drawn large: one to three initials (caption, username, product name).
    pub(crate) initials: String,
    /// Drawn small at the bottom: what the object is (`IMAGE #4914`, `@METRICSAURUS`).
    pub(crate) label: String,
    /// A play triangle (video covers).
    pub(crate) play_mark: bool,
}

/// An RGB canvas, row-major, 3 bytes per pixel.
pub(crate) struct Canvas {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) rgb: Vec<u8>,
}

impl Canvas {
    fn fill_row_span(&mut self, y: u32, x0: u32, x1: u32, c: [u8; 3]) {
        let x1 = x1.min(self.width);
        if y >= self.height || x0 >= x1 {
            return;
        }
        let row = (y * self.width) as usize * 3;
        let span = &mut self.rgb[row + x0 as usize * 3..row + x1 as usize * 3];
        // One pixel, then doubling copies: a few memcpys per row instead of a loop per pixel
        // (this runs unoptimised in debug test builds).
        span[..3].copy_from_slice(&c);
        let mut filled = 3;
        while filled < span.len() {
            let n = filled.min(span.len() - filled);
            span.copy_within(..n, filled);
            filled += n;
        }
    }

    pub(super) fn fill_rect(&mut self, x: u32, y: u32, w: u32, h: u32, c: [u8; 3]) {
        for yy in y..(y + h).min(self.height) {
            self.fill_row_span(yy, x, x + w, c);
        }
    }

    /// Draws `text` with its top-left corner at (x, y), each font pixel `scale` pixels wide.
    fn text(&mut self, x: u32, y: u32, text: &str, scale: u32, c: [u8; 3]) {
        for (i, ch) in text.chars().enumerate() {
            let Some(g) = glyphs::glyph(ch) else { continue };
            let gx = x + i as u32 * glyphs::ADVANCE * scale;
            for (row, bits) in g.iter().enumerate() {
                for col in 0..glyphs::WIDTH {
                    if bits & (0x10 >> col) != 0 {
                        self.fill_rect(gx + col * scale, y + row as u32 * scale, scale, scale, c);
                    }
                }
            }
        }
    }

    /// `text` centred horizontally around row `y`, as large as fits `max_width` up to `scale`.
    fn centred_text(&mut self, y: u32, text: &str, scale: u32, c: [u8; 3]) -> u32 {
        let n = text.chars().count() as u32;
        if n == 0 {
            return 0;
        }
        let fit = (self.width * 9 / 10) / (n * glyphs::ADVANCE);
        let scale = scale.min(fit).max(1);
        let w = n * glyphs::ADVANCE * scale - scale;
        let x = self.width.saturating_sub(w) / 2;
        self.text(x, y.saturating_sub(glyphs::HEIGHT * scale / 2), text, scale, c);
        scale
    }
}

/// HSL (hue in degrees, saturation and lightness in 0..=1) to RGB.
fn hsl(h: f64, s: f64, l: f64) -> [u8; 3] {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let hp = (h.rem_euclid(360.0)) / 60.0;
    let x = c * (1.0 - (hp % 2.0 - 1.0).abs());
    let (r, g, b) = match hp as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = l - c / 2.0;
    let to = |v: f64| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    [to(r), to(g), to(b)]
}

/// Draws a look at its full size.
pub(crate) fn draw(look: &Look) -> Canvas {
    let (w, h) = (look.width.max(1), look.height.max(1));
    let mut canvas = Canvas {
        width: w,
        height: h,
        rgb: vec![0; (w * h * 3) as usize],
    };
    let hue = (look.tone % 360) as f64;
    let (top, bottom) = (hsl(hue, 0.55, 0.58), hsl(hue + 40.0, 0.6, 0.32));
    for y in 0..h {
        let t = f64::from(y) / f64::from(h.max(2) - 1);
        let mix = |a: u8, b: u8| (f64::from(a) * (1.0 - t) + f64::from(b) * t).round() as u8;
        let c = [mix(top[0], bottom[0]), mix(top[1], bottom[1]), mix(top[2], bottom[2])];
        canvas.fill_row_span(y, 0, w, c);
    }
    let short = w.min(h);
    // A frame inset from the edges so crops and letterboxing are visible.
    let band = (short / 60).max(1);
    let frame = hsl(hue + 180.0, 0.35, 0.85);
    canvas.fill_rect(0, 0, w, band, frame);
    canvas.fill_rect(0, h.saturating_sub(band), w, band, frame);
    canvas.fill_rect(0, 0, band, h, frame);
    canvas.fill_rect(w.saturating_sub(band), 0, band, h, frame);

    let white = [255, 255, 255];
    let big = (short / 4 / glyphs::HEIGHT).max(1);
    canvas.centred_text(h / 2, &look.initials, big, white);
    if look.play_mark {
        // A right-pointing triangle above the initials.
        let size = short / 6;
        let (cx, cy) = (w / 2, (h / 2).saturating_sub(glyphs::HEIGHT * big / 2 + size * 3 / 2));
        for dy in 0..size {
            let half = size / 2;
            let reach = if dy <= half { dy } else { size - dy };
            canvas.fill_row_span(cy + dy, cx - size / 3, cx - size / 3 + reach * 2, white);
        }
    }
    let small = (short / 24 / glyphs::HEIGHT).max(1);
    canvas.centred_text(h - h / 8, &look.label, small, [240, 240, 240]);
    canvas
}

/// The look as a baseline JPEG (quality 85, 4:2:0), deterministic for the same look.
pub(crate) fn jpeg(look: &Look) -> Vec<u8> {
    let canvas = draw(look);
    encode_jpeg(&canvas)
}

fn encode_jpeg(canvas: &Canvas) -> Vec<u8> {
    let mut out = Vec::with_capacity(canvas.rgb.len() / 8);
    let encoder = jpeg_encoder::Encoder::new(&mut out, 85);
    let (w, h) = (canvas.width.min(65_535) as u16, canvas.height.min(65_535) as u16);
    // Sizes are bounded by the callers (≤ 1920 px); encoding into a Vec cannot fail.
    if encoder.encode(&canvas.rgb, w, h, jpeg_encoder::ColorType::Rgb).is_err() {
        out.clear();
    }
    out
}

/// A look for tests of this module and of videos.
#[cfg(test)]
pub(super) fn sample(w: u32, h: u32) -> Look {
    Look {
        width: w,
        height: h,
        tone: 7,
        initials: "MH".into(),
        label: "IMAGE #4914".into(),
        play_mark: true,
    }
}

#[cfg(test)]
mod tests {
    use super::sample as look;
    use super::*;

    #[test]
    fn pictures_are_jpegs_of_the_asked_size_and_deterministic() {
        let a = jpeg(&look(108, 135));
        assert!(a.starts_with(&[0xFF, 0xD8, 0xFF]) && a.ends_with(&[0xFF, 0xD9]));
        assert_eq!(a, jpeg(&look(108, 135)));
        let sof = a.windows(2).position(|w| w == [0xFF, 0xC0]).expect("a baseline SOF0");
        let h = u16::from_be_bytes([a[sof + 5], a[sof + 6]]);
        let w = u16::from_be_bytes([a[sof + 7], a[sof + 8]]);
        assert_eq!((w, h), (108, 135));
        let other = Look {
            tone: 8,
            ..look(108, 135)
        };
        assert_ne!(jpeg(&other), a, "another object gets another picture");
    }

    #[test]
    fn tiny_and_odd_sizes_draw_without_panicking() {
        for (w, h) in [(1, 1), (2, 3), (17, 5), (5, 40)] {
            let c = draw(&look(w, h));
            assert_eq!(c.rgb.len(), (w * h * 3) as usize);
        }
    }
}
