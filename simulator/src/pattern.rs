//! Path patterns of the control plane: which Graph requests a journal filter or a fault rule
//! means (`/*/media_publish`, `/me/**`, `/1784*/media`).
//!
//! A pattern is a `/`-separated list of segments matched against a request's decoded path
//! segments *without* its version prefix: `*` inside a segment matches any run of characters
//! within that segment, a whole `**` segment matches any number of segments (none included),
//! anything else matches literally (case-sensitive, as Graph paths are). A pattern whose first
//! segment is a version (`/v21.0/…`) also requires that version in the path. `/` alone is the
//! root (batch requests).

use crate::config::ApiVersion;

/// Longest pattern accepted, in bytes, and most segments (a pattern is typed by a person).
pub(crate) const MAX_PATTERN_BYTES: usize = 512;
pub(crate) const MAX_PATTERN_SEGMENTS: usize = 32;

/// A parsed path pattern (see the module documentation for the syntax).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathPattern {
    text: String,
    version: Option<ApiVersion>,
    segments: Vec<String>,
}

impl PathPattern {
    /// Parses a pattern; the error says what is wrong in words a control-plane user reads.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        if text.len() > MAX_PATTERN_BYTES {
            return Err(format!("a path pattern is at most {MAX_PATTERN_BYTES} bytes"));
        }
        if !text.starts_with('/') {
            return Err(format!("a path pattern starts with / (got {text:?})"));
        }
        let mut segments: Vec<String> = text.split('/').filter(|s| !s.is_empty()).map(str::to_string).collect();
        if segments.len() > MAX_PATTERN_SEGMENTS {
            return Err(format!("a path pattern has at most {MAX_PATTERN_SEGMENTS} segments"));
        }
        let version = segments.first().and_then(|s| ApiVersion::parse(s));
        if version.is_some() {
            segments.remove(0);
        }
        Ok(PathPattern {
            text: text.to_string(),
            version,
            segments,
        })
    }

    /// Whether a request's path matches: `version` is the path's own version segment (None when
    /// the path had none), `segments` the decoded segments after it.
    pub(crate) fn matches(&self, version: Option<ApiVersion>, segments: &[impl AsRef<str>]) -> bool {
        if self.version.is_some() && self.version != version {
            return false;
        }
        let path: Vec<&str> = segments.iter().map(AsRef::as_ref).collect();
        match_segments(&self.segments, &path)
    }
}

/// Whole-path matching as a table over (pattern suffix, path suffix): O(pattern × path)
/// whatever the `**`s, so no client path makes a filter slow.
fn match_segments(pattern: &[String], path: &[&str]) -> bool {
    // ok[j]: pattern[i..] matches path[j..], filled from the last pattern segment backwards.
    let mut ok = vec![false; path.len() + 1];
    ok[path.len()] = true;
    for p in pattern.iter().rev() {
        let mut next = vec![false; path.len() + 1];
        if p == "**" {
            // `**` then the rest: the rest matches here or after any number of segments.
            let mut any_later = false;
            for j in (0..=path.len()).rev() {
                any_later |= ok[j];
                next[j] = any_later;
            }
        } else {
            for j in 0..path.len() {
                next[j] = ok[j + 1] && glob(p.as_bytes(), path[j].as_bytes());
            }
        }
        ok = next;
    }
    ok[0]
}

/// `*`-wildcard matching within one segment (linear backtracking on the last star).
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&b| b == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A path as `http::request::split_versioned` splits it (no percent-decoding needed here).
    fn m(pattern: &str, path: &str) -> bool {
        let mut segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let v = segs.first().and_then(|s| ApiVersion::parse(s));
        if v.is_some() {
            segs.remove(0);
        }
        PathPattern::parse(pattern).unwrap().matches(v, &segs)
    }

    #[test]
    fn segments_stars_and_double_stars() {
        assert!(m("/*/media_publish", "/v21.0/17841405822304914/media_publish"));
        assert!(m("/*/media_publish", "/17841405822304914/media_publish"));
        assert!(!m("/*/media_publish", "/17841405822304914/media"));
        assert!(!m("/*/media_publish", "/a/b/media_publish"));
        assert!(m("/**/media_publish", "/a/b/media_publish"));
        assert!(m("/me/**", "/me"));
        assert!(m("/me/**", "/v18.0/me/accounts"));
        assert!(m("/1784*/media", "/17841405822304914/media"));
        assert!(!m("/1784*/media", "/17941405822304914/media"));
        assert!(m("/*a*b*", "/xxaybz"));
        assert!(!m("/*a*b", "/xxaybz"));
        assert!(m("/", "/v21.0/"));
        assert!(!m("/", "/me"));
        assert!(m("/**", "/anything/at/all"));
    }

    #[test]
    fn a_version_in_the_pattern_must_match_the_paths() {
        assert!(m("/v21.0/me", "/v21.0/me"));
        assert!(!m("/v21.0/me", "/v20.0/me"));
        assert!(!m("/v21.0/me", "/me"));
    }

    #[test]
    fn bad_patterns_say_why() {
        assert!(PathPattern::parse("me/accounts").unwrap_err().contains("starts with /"));
        assert!(PathPattern::parse(&format!("/{}", "a/".repeat(40))).is_err());
        assert!(PathPattern::parse(&format!("/{}", "a".repeat(600))).is_err());
    }

    #[test]
    fn many_stars_stay_cheap() {
        let p = format!("/{}b", "*a".repeat(100));
        let text = format!("/{}", "a".repeat(400));
        assert!(!m(&p, &text));
        let p = format!("/{}x", "**/".repeat(30));
        let text = format!("/{}", "a/".repeat(5000));
        assert!(!m(&p, &text));
        assert!(m(&p, &format!("{text}x")));
    }
}
