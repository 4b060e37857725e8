//! JSON written straight into an answer's bytes (issue 12): node projections and edge pages
//! are rendered field by field into one buffer, without an intermediate `serde_json::Value`
//! tree. Everything here writes exactly the bytes `serde_json::to_vec` writes for the same
//! value (same escaping, same number forms), so answers do not change.

use serde_json::Value;

/// An answer (or a part of one) already rendered as JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Json(Vec<u8>);

impl Json {
    pub(crate) fn new(bytes: Vec<u8>) -> Self {
        Json(bytes)
    }

    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    /// The same JSON as a `Value`, for the few callers that still assemble trees (batch
    /// bodies, `ids=` reads, expansions of nodes rendered here).
    pub(crate) fn to_value(&self) -> Value {
        serde_json::from_slice(&self.0).unwrap_or(Value::Null)
    }
}

/// Whether a byte must be escaped inside a JSON string (serde_json escapes exactly these:
/// control characters, `"` and `\`).
fn escaped(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// Whether any byte of `bytes` is [`escaped`], eight bytes at a time (a byte below 0x20, or
/// equal to `"` or `\`, sets the high bit of its lane: the classic "has zero byte" trick).
fn needs_escaping(bytes: &[u8]) -> bool {
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        if word_needs_escaping(c) {
            return true;
        }
    }
    chunks.remainder().iter().any(|&b| escaped(b))
}

/// Whether any of 8 bytes is [`escaped`].
fn word_needs_escaping(c: &[u8]) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(LO) & !x & HI;
    let mut word = [0u8; 8];
    word.copy_from_slice(&c[..8]);
    let x = u64::from_le_bytes(word);
    // Below 0x20: x - 0x20 borrows into the high bit of a lane whose high bit was clear.
    let control = x.wrapping_sub(LO * 0x20) & !x & HI;
    control | has_zero(x ^ (LO * u64::from(b'"'))) | has_zero(x ^ (LO * u64::from(b'\\'))) != 0
}

/// Appends `s` as a JSON string, escaped as serde_json escapes it: `\"`, `\\`, `\b`, `\f`,
/// `\n`, `\r`, `\t`, other control characters as `\u00xx` (lower-case hex), everything else
/// (including `/` and non-ASCII) as is.
pub(crate) fn push_str(out: &mut Vec<u8>, s: &str) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    push_str_body(out, s);
    out.push(b'"');
}

/// [`push_str`] without the quotes: `s` escaped, to be followed by more of the same string.
pub(crate) fn push_str_body(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    // Most strings need no escaping: a word-at-a-time scan, then a single copy.
    if !needs_escaping(bytes) {
        out.extend_from_slice(bytes);
    } else {
        let mut run = 0;
        let mut i = 0;
        while i < bytes.len() {
            // Skip eight clean bytes at a time (captions escape a line break or two).
            if bytes.len() - i >= 8 && !word_needs_escaping(&bytes[i..i + 8]) {
                i += 8;
                continue;
            }
            let b = bytes[i];
            i += 1;
            if !escaped(b) {
                continue;
            }
            let i = i - 1;
            out.extend_from_slice(&bytes[run..i]);
            run = i + 1;
            match b {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                0x08 => out.extend_from_slice(b"\\b"),
                0x0c => out.extend_from_slice(b"\\f"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                _ => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    out.extend_from_slice(b"\\u00");
                    out.push(HEX[usize::from(b >> 4)]);
                    out.push(HEX[usize::from(b & 0xf)]);
                }
            }
        }
        out.extend_from_slice(&bytes[run..]);
    }
}

/// Appends an unsigned integer (itoa: the digits serde_json writes, two at a time).
pub(crate) fn push_u64(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// Appends an unsigned integer as a JSON string (a node id: `"17895695668004550"`).
pub(crate) fn push_u64_str(out: &mut Vec<u8>, n: u64) {
    out.push(b'"');
    push_u64(out, n);
    out.push(b'"');
}

pub(crate) fn push_bool(out: &mut Vec<u8>, b: bool) {
    out.extend_from_slice(if b { b"true" } else { b"false" });
}

/// Appends a `Value` (the small parts still built as trees: paging objects, nested edges of
/// other modules).
pub(crate) fn push_value(out: &mut Vec<u8>, v: &Value) {
    // Writing into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, v);
}

/// Appends `"key":`.
pub(crate) fn push_key(out: &mut Vec<u8>, key: &str) {
    push_str(out, key);
    out.push(b':');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn strings_are_escaped_exactly_as_serde_json_escapes_them(s in "\\PC*|[\\x00-\\x7f]*") {
            let mut out = Vec::new();
            push_str(&mut out, &s);
            prop_assert_eq!(out, serde_json::to_vec(&s).unwrap_or_default());
        }

        #[test]
        fn integers_are_written_as_serde_json_writes_them(u: u64) {
            let mut out = Vec::new();
            push_u64(&mut out, u);
            prop_assert_eq!(out, serde_json::to_vec(&u).unwrap_or_default());
        }
    }
}
