//! Redaction: secrets out of recordings, and identity-keeping placeholders for snapshots.
//!
//! Two jobs with different strengths. [`secrets_in_url`]/[`secrets_in_body`] remove only
//! what must never be written down (tokens, proofs, app secrets) and keep everything else,
//! so a recording stays a faithful fixture. [`Redactor`] goes further for insta snapshots:
//! every id becomes a placeholder such as `[media:1]` that is the same for the same id
//! across everything one redactor sees (a whole scenario), cursors become `[cursor:n]`,
//! timestamps, expiry times and trace ids are normalised, so a snapshot shows which
//! objects are the same without depending on seeds, ports or clocks.

use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Query/form parameters whose values are credentials: the simulator's journal list, so a
/// recording and a journal entry hide the same things.
pub use simulator::journal::SECRET_PARAMS;

/// Body keys whose values are credentials.
const SECRET_KEYS: &[&str] = &["access_token", "secret", "client_secret", "appsecret_proof"];

pub use simulator::journal::REDACTED;

/// `url` with every credential parameter's value replaced by `[redacted]`.
pub fn secrets_in_url(url: &str) -> String {
    let Some((head, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| {
            let name = pair.split('=').next().unwrap_or("");
            if SECRET_PARAMS.contains(&name) {
                format!("{name}={REDACTED}")
            } else {
                pair.to_string()
            }
        })
        .collect();
    format!("{head}?{}", pairs.join("&"))
}

/// Removes credentials from a body in place: values under secret keys, credential query
/// parameters inside URL strings (paging links), and any occurrence of a known secret.
pub fn secrets_in_body(value: &mut Value, known: &BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if SECRET_KEYS.contains(&k.as_str()) && v.is_string() {
                    *v = Value::String(REDACTED.into());
                } else {
                    secrets_in_body(v, known);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| secrets_in_body(v, known)),
        Value::String(s) => {
            let mut out = if s.contains("://") && s.contains('?') {
                secrets_in_url(s)
            } else {
                s.clone()
            };
            for secret in known.iter().filter(|k| k.len() >= 8) {
                if out.contains(secret.as_str()) {
                    out = out.replace(secret.as_str(), REDACTED);
                }
            }
            *s = out;
        }
        _ => {}
    }
}

/// Whether `s` is a Graph timestamp `YYYY-MM-DDTHH:MM:SS+0000` (any offset).
pub fn is_graph_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 24
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'+' || *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

fn is_id_like(s: &str) -> bool {
    s.len() >= 8 && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Sibling keys that say what kind of node an object is.
const MEDIA_KEYS: &[&str] = &[
    "media_type",
    "media_product_type",
    "permalink",
    "shortcode",
    "media_url",
    "like_count",
    "comments_count",
    "thumbnail_url",
    "is_comment_enabled",
];
const IG_USER_KEYS: &[&str] = &[
    "followers_count",
    "follows_count",
    "biography",
    "media_count",
    "profile_picture_url",
    "website",
];
const PAGE_KEYS: &[&str] = &["category", "category_list", "tasks", "instagram_business_account"];
const MEDIA_EDGES: &[&str] = &["media", "stories", "live_media", "children", "tags", "mentioned_media"];
/// Keys holding unix times that depend on the clock.
const TIME_KEYS: &[&str] = &["expires_at", "issued_at", "data_access_expires_at", "now"];

/// Identity-keeping redaction for snapshots; one per scenario.
#[derive(Debug, Default, Clone)]
pub struct Redactor {
    ids: BTreeMap<String, String>,
    counters: BTreeMap<String, usize>,
    cursors: BTreeMap<String, String>,
    bases: Vec<String>,
}

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// URLs starting with `base` (e.g. the simulator's `http://127.0.0.1:PORT`) show `[base]`.
    pub fn with_base(mut self, base: &str) -> Self {
        self.bases.push(base.trim_end_matches('/').to_string());
        self
    }

    /// The placeholder for `id`, allocating `[kind:n]` the first time it is seen.
    pub fn id(&mut self, id: &str, kind: &str) -> String {
        if let Some(p) = self.ids.get(id) {
            return p.clone();
        }
        let n = self.counters.entry(kind.to_string()).or_insert(0);
        *n += 1;
        let p = format!("[{kind}:{n}]");
        self.ids.insert(id.to_string(), p.clone());
        p
    }

    fn cursor(&mut self, c: &str) -> String {
        if let Some(p) = self.cursors.get(c) {
            return p.clone();
        }
        let p = format!("[cursor:{}]", self.cursors.len() + 1);
        self.cursors.insert(c.to_string(), p.clone());
        p
    }

    /// A body with ids, cursors, tokens, timestamps and trace ids replaced.
    pub fn redact(&mut self, value: &Value) -> Value {
        self.learn(value, None);
        self.rewrite(value, None)
    }

    /// A URL (or path) with the base, ids, cursors and credentials replaced; query values are
    /// shown decoded for readability.
    pub fn redact_url(&mut self, url: &str) -> String {
        let mut rest = url.to_string();
        for b in &self.bases {
            if let Some(r) = url.strip_prefix(b.as_str()) {
                rest = format!("[base]{r}");
            }
        }
        let (path, query) = match rest.split_once('?') {
            Some((p, q)) => (p.to_string(), Some(q.to_string())),
            None => (rest, None),
        };
        let path: Vec<String> = path
            .split('/')
            .map(|seg| {
                if is_id_like(seg) {
                    let kind = guess_kind(seg);
                    return self.id(seg, kind);
                }
                // CDN file names: `<id>_n.jpg`.
                if let Some((id, rest)) = seg.split_once('_').filter(|(id, _)| is_id_like(id)) {
                    let kind = guess_kind(id);
                    return format!("{}_{rest}", self.id(id, kind));
                }
                seg.to_string()
            })
            .collect();
        let mut out = path.join("/");
        if let Some(q) = query {
            let pairs: Vec<String> = form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| {
                    let v = match k.as_ref() {
                        k if SECRET_PARAMS.contains(&k) => "[token]".to_string(),
                        "after" | "before" => self.cursor(&v),
                        "client_id" => self.id(&v, "app"),
                        // Signed CDN URLs: the signature, expiry, host and sandbox change
                        // with the run (`oh`/`oe` as production's CDN writes them).
                        "oh" => "[signature]".to_string(),
                        "oe" => "[expiry]".to_string(),
                        "_nc_ht" => "[host]".to_string(),
                        "igsim_sandbox" => "[sandbox]".to_string(),
                        _ => self.ids_in_query_value(&v),
                    };
                    format!("{k}={v}")
                })
                .collect();
            out.push('?');
            out.push_str(&pairs.join("&"));
        }
        out
    }

    /// A query value with known ids replaced, and any other Graph id in it too: ids in field
    /// expressions such as `mentioned_media.media_id(1789…){caption}` may not have been seen
    /// in a body yet (they can come from the control plane or the environment).
    fn ids_in_query_value(&mut self, v: &str) -> String {
        let known = self.replace_known(v);
        let mut out = String::new();
        let mut digits = String::new();
        for c in known.chars().chain(std::iter::once('\0')) {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            if !digits.is_empty() {
                let run = std::mem::take(&mut digits);
                // Graph ids are 15-17 digits; shorter numbers are limits, offsets, times.
                if run.len() >= 15 && is_id_like(&run) {
                    let kind = guess_kind(&run);
                    out.push_str(&self.id(&run, kind));
                } else {
                    out.push_str(&run);
                }
            }
            if c != '\0' {
                out.push(c);
            }
        }
        out
    }

    fn replace_known(&mut self, s: &str) -> String {
        if let Some(p) = self.ids.get(s) {
            return p.clone();
        }
        if s.contains(',') {
            return s
                .split(',')
                .map(|part| self.replace_known(part))
                .collect::<Vec<_>>()
                .join(",");
        }
        let mut out = s.to_string();
        for (id, p) in &self.ids {
            if out.contains(id.as_str()) {
                out = out.replace(id.as_str(), p);
            }
        }
        out
    }

    fn learn(&mut self, value: &Value, parent: Option<&str>) {
        match value {
            Value::Object(map) => {
                if let Some(id) = map.get("id").and_then(Value::as_str) {
                    let kind = classify(parent, map, id);
                    self.id(id, kind);
                }
                for (key, kind) in [("app_id", "app"), ("user_id", "user"), ("profile_id", "page")] {
                    if let Some(id) = map.get(key).and_then(Value::as_str) {
                        self.id(id, kind);
                    }
                }
                for (k, v) in map {
                    self.learn(v, Some(k));
                }
            }
            Value::Array(items) => items.iter().for_each(|v| self.learn(v, parent)),
            Value::String(s) if is_id_like(s) && parent == Some("target_ids") => {
                self.id(s, guess_kind(s));
            }
            _ => {}
        }
    }

    fn rewrite(&mut self, value: &Value, key: Option<&str>) -> Value {
        match value {
            Value::Object(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    let nk = if is_id_like(k) {
                        self.id(k, guess_kind(k))
                    } else {
                        k.clone()
                    };
                    let nv = match (k.as_str(), v) {
                        ("after" | "before", Value::String(c)) => Value::String(self.cursor(c)),
                        _ => self.rewrite(v, Some(k)),
                    };
                    out.insert(nk, nv);
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(items.iter().map(|v| self.rewrite(v, key)).collect()),
            Value::String(s) => Value::String(match key {
                Some(k) if SECRET_KEYS.contains(&k) => "[token]".into(),
                Some("fbtrace_id") => "[trace]".into(),
                _ if is_graph_timestamp(s) => "[timestamp]".into(),
                Some("next" | "previous") => self.redact_url(s),
                _ if self.bases.iter().any(|b| s.starts_with(b.as_str())) => self.redact_url(s),
                _ if s.starts_with("Error validating access token: Session has expired on ") => {
                    "Error validating access token: Session has expired on [time]. The current time is [time].".into()
                }
                _ => self.replace_known(s),
            }),
            Value::Number(n) => match key {
                Some(k) if TIME_KEYS.contains(&k) && n.as_i64() != Some(0) => Value::String("[unix_time]".into()),
                Some("expires_in") => Value::String("[seconds]".into()),
                _ => value.clone(),
            },
            _ => value.clone(),
        }
    }
}

fn classify(parent: Option<&str>, map: &Map<String, Value>, id: &str) -> &'static str {
    let has = |keys: &[&str]| keys.iter().any(|k| map.contains_key(*k));
    match parent {
        Some("instagram_business_account" | "owner" | "business_discovery") => return "ig_user",
        Some("accounts") => return "page",
        _ => {}
    }
    if has(MEDIA_KEYS) {
        "media"
    } else if has(IG_USER_KEYS) {
        "ig_user"
    } else if has(PAGE_KEYS) {
        "page"
    } else if parent.is_some_and(|p| MEDIA_EDGES.contains(&p)) {
        "media"
    } else {
        guess_kind(id)
    }
}

/// A kind from the id's shape alone (IG users `17841…`, media `17…`/`18…`, 17 digits).
fn guess_kind(id: &str) -> &'static str {
    match (id.len(), id) {
        (17, i) if i.starts_with("17841") => "ig_user",
        (17, i) if i.starts_with("17") || i.starts_with("18") => "media",
        _ => "id",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdn_urls_keep_their_object_and_lose_what_changes_per_run() {
        let mut r = Redactor::new().with_base("http://127.0.0.1:4000");
        let url = "http://127.0.0.1:4000/v/t51.29350-15/17917415563608238_n.jpg?_nc_cat=141&ccb=1-7\
                   &_nc_ht=127.0.0.1%3A4000&igsim_sandbox=sb-7&oh=00_AbXY&oe=695BA7C0";
        assert_eq!(
            r.redact_url(url),
            "[base]/v/t51.29350-15/[media:1]_n.jpg?_nc_cat=141&ccb=1-7&_nc_ht=[host]\
             &igsim_sandbox=[sandbox]&oh=[signature]&oe=[expiry]"
        );
    }
}
