//! Deterministic media bytes for the CDN ([`crate::http::cdn`]): pictures (JPEG) and short
//! videos (MP4) generated from what the Graph shows about an object, so every media URL,
//! thumbnail, profile picture and product image is real, decodable, has the object's aspect
//! ratio and tells objects apart (colour, initials, label). Pure: no IO, no clock; the same
//! [`Look`] always gives the same bytes.

mod glyphs;
mod picture;
mod video;

pub(crate) use picture::{jpeg, Look};
pub(crate) use video::mp4;
