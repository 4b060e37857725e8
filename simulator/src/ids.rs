//! Graph ids and the seeded generators that make them (object ids, `fbtrace_id`s).
//!
//! Ids are 17-digit decimal numbers as on the real API (IG users start `1784…`, media
//! `179…`/`178…`). They come from a ChaCha stream seeded per sandbox, so the same seed and
//! the same requests give the same ids. Typed wrappers keep a media id from being used
//! where a comment id is meant.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

macro_rules! typed_id {
    ($($name:ident),*) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub(crate) struct $name(pub u64);
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { write!(f, "{}", self.0) }
        }
    )*};
}

typed_id!(
    AppId,
    UserId,
    PageId,
    IgUserId,
    MediaId,
    CommentId,
    ContainerId,
    HashtagId
);

/// Parses a path segment or parameter as a Graph id: ASCII digits only, no sign, fits u64.
pub(crate) fn parse_id(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// What kind of object an id names inside one sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum IdKind {
    App,
    User,
    Page,
    IgUser,
    Media,
    Comment,
    Container,
    Hashtag,
}

/// The prefix family an id kind is drawn from, so generated ids look like real ones.
fn prefix(kind: IdKind) -> (u64, u32) {
    // (leading digits, how many random digits follow) -> 17 digits in total for IG objects.
    match kind {
        IdKind::App => (1, 15),
        IdKind::User => (10, 14),
        IdKind::Page => (1, 14),
        IdKind::IgUser => (1784, 13),
        IdKind::Media => (179, 14),
        IdKind::Comment => (178, 14),
        IdKind::Container => (178, 14),
        IdKind::Hashtag => (1784, 13),
    }
}

/// Deterministic id source for one sandbox; never hands out the same id twice.
#[derive(Debug, Clone)]
pub(crate) struct IdGen {
    rng: ChaCha8Rng,
    used: BTreeSet<u64>,
}

/// An [`IdGen`] as plain data: the stream's seed (hex), how far it has been read (a decimal
/// string: it is a 128-bit word position), and every id handed out.
#[derive(Serialize, Deserialize)]
struct IdGenRecord {
    seed: String,
    word_pos: String,
    used: Vec<u64>,
}

impl Serialize for IdGen {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        IdGenRecord {
            seed: hex::encode(self.rng.get_seed()),
            word_pos: self.rng.get_word_pos().to_string(),
            used: self.used.iter().copied().collect(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for IdGen {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let r = IdGenRecord::deserialize(d)?;
        let seed: [u8; 32] = hex::decode(&r.seed)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| D::Error::custom("ids.seed is 64 hex digits"))?;
        let word_pos: u128 = r
            .word_pos
            .parse()
            .map_err(|_| D::Error::custom("ids.word_pos is a decimal number"))?;
        let mut rng = ChaCha8Rng::from_seed(seed);
        rng.set_word_pos(word_pos);
        Ok(IdGen {
            rng,
            used: r.used.into_iter().collect(),
        })
    }
}

impl IdGen {
    pub(crate) fn new(seed: u64) -> Self {
        IdGen {
            rng: ChaCha8Rng::seed_from_u64(seed),
            used: BTreeSet::new(),
        }
    }

    /// Whether this generator is where `earlier` was: the same stream position and as many
    /// ids used (the set only grows). O(1).
    pub(crate) fn same_position(&self, earlier: &IdGen) -> bool {
        self.rng == earlier.rng && self.used.len() == earlier.used.len()
    }

    /// Marks an id given explicitly (in a seed world) as taken.
    pub(crate) fn reserve(&mut self, id: u64) -> bool {
        self.used.insert(id)
    }

    pub(crate) fn next(&mut self, kind: IdKind) -> u64 {
        let (lead, digits) = prefix(kind);
        let span = 10u64.pow(digits);
        loop {
            let id = lead * span + self.rng.random_range(0..span);
            if self.used.insert(id) {
                return id;
            }
        }
    }

    /// A random alphanumeric string (tokens, cursors salts, shortcodes).
    pub(crate) fn alnum(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..len)
            .map(|_| ALPHABET[self.rng.random_range(0..ALPHABET.len())] as char)
            .collect()
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.rng.random_range(0..n)
        }
    }

    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p.clamp(0.0, 1.0))
    }
}

/// A stable 64-bit hash (FNV-1a) for deriving seeds and global ids from names.
pub(crate) fn stable_hash(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.iter().chain(std::iter::once(&0xffu8)) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// A stable 17-digit Graph-style id that `purpose` gives node `id`: ids of things the world
/// does not model as nodes of their own, derived so they never depend on generation order.
/// - `"legacy_instagram_media"`, `"legacy_instagram_comment"`, `"legacy_instagram_user"`: the
///   ids the Marketing API's legacy Instagram Media / Comment / User objects gave the node
///   (`legacy_instagram_media_id`, `legacy_instagram_comment_id`, `legacy_instagram_user_id`;
///   v22 changelog). Production's format is UNCONFIRMED.
/// - `"owner_business"`: the Meta business that owns an IG account (the IG user's
///   `owner_business`, and the key of its `X-Business-Use-Case-Usage` entries, facts §9).
///   One business per account (UNCONFIRMED: real businesses may own several).
pub(crate) fn derived_id(purpose: &str, id: u64) -> u64 {
    17_000_000_000_000_000 + stable_hash(&[purpose.as_bytes(), &id.to_le_bytes()]) % 900_000_000_000_000
}

/// Makes `fbtrace_id`s: opaque, deterministic for a given seed and request order, and shaped
/// as production's today: 23 URL-safe base64 characters, the first an `A` (every recorded body
/// since 2020: `AMootr-o_Iq97_Yhq4PokFZ`, `A002DQF31kPP28mO6-JRtSv`, `Ac7wf45pZAqRHs6o3BHbdDv`
/// in bk-rs/instagram-apis-rs v14.0; `A6LJylpZRKw2xKLFsAP-cJh`, IGERR's sample).
pub(crate) struct TraceIds {
    seed: u64,
    counter: AtomicU64,
}

impl TraceIds {
    pub(crate) fn new(seed: u64) -> Self {
        TraceIds {
            seed,
            counter: AtomicU64::new(0),
        }
    }

    pub(crate) fn next(&self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let mut x = stable_hash(&[&self.seed.to_le_bytes(), &n.to_le_bytes()]);
        let mut y = stable_hash(&[&n.to_le_bytes(), &self.seed.to_le_bytes()]);
        let mut id = [b'A'; 23];
        for (i, c) in id.iter_mut().enumerate().skip(1) {
            let src = if i < 11 { &mut x } else { &mut y };
            *c = ALPHABET[(*src & 63) as usize];
            *src >>= 6;
        }
        // Every byte is from ALPHABET (ASCII).
        String::from_utf8(id.to_vec()).unwrap_or_default()
    }
}

/// Derives a sandbox-unique secret string (tokens, app secret) from the seed.
pub(crate) fn derive_secret(seed: u64, sandbox: &str, label: &str, len: usize) -> String {
    let mut g = IdGen::new(stable_hash(&[
        &seed.to_le_bytes(),
        sandbox.as_bytes(),
        label.as_bytes(),
    ]));
    g.alnum(len)
}

/// A user or page token in the shape of a real one (`EAA…`).
pub(crate) fn derive_token(seed: u64, sandbox: &str, label: &str) -> String {
    format!("EAAG{}", derive_secret(seed, sandbox, label, 96))
}

/// An Instagram User token (Instagram Login) in production's shape: `IGAA` and letters and
/// digits (recorded `IGAA2e0uoy3ZAZABZA…` tokens; `specs/README.md`, Instagram Login facts).
pub(crate) fn derive_ig_token(seed: u64, sandbox: &str, label: &str) -> String {
    format!("IGAA{}", derive_secret(seed, sandbox, label, 140))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generator_continues_its_stream_after_a_round_trip() {
        let mut a = IdGen::new(3);
        a.next(IdKind::Media);
        a.alnum(7);
        let mut b: IdGen = serde_json::from_value(serde_json::to_value(&a).unwrap()).unwrap();
        for _ in 0..20 {
            assert_eq!(a.next(IdKind::Comment), b.next(IdKind::Comment));
            assert_eq!(a.alnum(5), b.alnum(5));
        }
        assert_eq!(a.used, b.used);
    }

    #[test]
    fn trace_ids_are_deterministic_and_look_real() {
        let a = TraceIds::new(1);
        let b = TraceIds::new(1);
        let (x, y) = (a.next(), b.next());
        assert_eq!(x, y);
        assert_eq!(x.len(), 23);
        assert!(x.starts_with('A'), "{x}");
        assert_ne!(a.next(), x);
        // The same ids as the character-by-character derivation they replaced.
        let reference = |seed: u64, n: u64| -> String {
            const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            let mut x = stable_hash(&[&seed.to_le_bytes(), &n.to_le_bytes()]);
            let mut y = stable_hash(&[&n.to_le_bytes(), &seed.to_le_bytes()]);
            std::iter::once('A')
                .chain((1..23).map(|i| {
                    let src = if i < 11 { &mut x } else { &mut y };
                    let c = ALPHABET[(*src & 63) as usize] as char;
                    *src >>= 6;
                    c
                }))
                .collect()
        };
        let c = TraceIds::new(42);
        for n in 0..100 {
            assert_eq!(c.next(), reference(42, n));
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_ids() {
        let mut a = IdGen::new(7);
        let mut b = IdGen::new(7);
        for _ in 0..100 {
            assert_eq!(a.next(IdKind::Media), b.next(IdKind::Media));
        }
    }

    #[test]
    fn ig_user_ids_look_real() {
        let mut g = IdGen::new(1);
        let id = g.next(IdKind::IgUser).to_string();
        assert_eq!(id.len(), 17);
        assert!(id.starts_with("1784"));
    }

    #[test]
    fn parse_id_rejects_non_digits() {
        assert_eq!(parse_id("123"), Some(123));
        assert_eq!(parse_id("-1"), None);
        assert_eq!(parse_id("12a"), None);
        assert_eq!(parse_id(""), None);
        assert_eq!(parse_id("99999999999999999999999"), None);
    }
}
