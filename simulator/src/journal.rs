//! The request journal of a sandbox: every Graph request it served, in the order the answers
//! left, so a test can ask what the app did ("exactly one `POST …/media_publish`").
//!
//! Bounded: at most `Config::journal_capacity` entries and `Config::journal_max_bytes` of them
//! per sandbox, and all sandboxes' journals together about `Config::journal_process_max_bytes`
//! (each its equal share); the oldest are dropped first and counted. Parameters that carry tokens, proofs, secrets or OAuth codes are never kept;
//! long values are cut. Sequence numbers only grow (clearing keeps them, a sandbox restored
//! in place of another continues its numbering), so a poller that asks for everything
//! `since` the last number it saw never misses an entry; a `since` above the newest (after a
//! `kill -9` with a state directory, whose numbering is written lazily) answers the newest
//! as `next_since` ([`Journal::query`]). The journal has
//! its own lock per sandbox, apart from the world's (see `sandbox.rs`).

use crate::config::ApiVersion;
use crate::pattern::PathPattern;
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};

/// Parameters whose values are never recorded (tokens, proofs, secrets, OAuth codes and the
/// webhook verify token).
pub const SECRET_PARAMS: &[&str] = &[
    "access_token",
    "appsecret_proof",
    "client_secret",
    "fb_exchange_token",
    "input_token",
    "code",
    "verify_token",
    "hub.verify_token",
];

/// What a secret parameter's value is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Longest parameter value kept, in characters; a longer one is cut and its length noted.
pub(crate) const MAX_PARAM_CHARS: usize = 1024;
/// Most parameters kept per entry (in name order); the rest are counted in `params_omitted`.
pub(crate) const MAX_PARAMS: usize = 64;
/// Largest page of `GET /_sim/sandboxes/{id}/requests` and its default size.
pub(crate) const MAX_PAGE: usize = 1000;
pub(crate) const DEFAULT_PAGE: usize = 100;

/// The Graph error an answer carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct ErrorCode {
    pub(crate) code: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) subcode: Option<i64>,
}

/// The fault rule that fired on a request and what it did (`error`, `latency`, `drop`, `hang`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct FaultRecord {
    pub(crate) rule: String,
    pub(crate) effect: String,
}

/// One served request (`specs/sim_requests.schema.json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// Position in the sandbox's journal: 1, 2, 3… in the order answers left.
    pub seq: u64,
    /// Sandbox time (unix seconds) when the request arrived.
    pub(crate) time: i64,
    /// Wall-clock time when it arrived (unix milliseconds), written as `wall_time`: RFC 3339
    /// with milliseconds (UTC), formatted when the entry is read, not on every request.
    #[serde(rename = "wall_time", serialize_with = "rfc3339_millis")]
    pub(crate) wall_ms: i64,
    /// `GET`, `POST` or `DELETE` as served (after a `method=` override), else the HTTP method.
    pub(crate) method: String,
    /// The path as sent, without the query string.
    pub(crate) path: String,
    /// The version the request was served as (`v21.0`).
    pub(crate) version: Option<String>,
    /// The path's node (`me`, an id) and edge (`media_publish`), when it has them.
    pub(crate) node: Option<String>,
    pub(crate) edge: Option<String>,
    /// Query and body parameters, secrets redacted, long values cut.
    pub(crate) params: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "is_zero")]
    pub(crate) params_omitted: usize,
    /// HTTP status of the answer; `null` when the connection was dropped without one.
    pub(crate) status: Option<u16>,
    /// Graph error code and subcode, when the answer was an error.
    pub(crate) error: Option<ErrorCode>,
    /// Microseconds from arrival to the answer (wall clock, injected latency included).
    pub(crate) duration_us: u64,
    /// The fault rule that fired, if one did.
    pub(crate) fault: Option<FaultRecord>,
    /// The versionless path segments, for path filters.
    #[serde(skip)]
    pub(crate) segments: std::sync::Arc<[String]>,
    #[serde(skip)]
    pub(crate) path_version: Option<ApiVersion>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Unix milliseconds as RFC 3339 UTC with milliseconds (`2026-01-01T00:00:05.123Z`).
fn rfc3339_millis<S: serde::Serializer>(ms: &i64, s: S) -> Result<S::Ok, S::Error> {
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(*ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let f = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    s.serialize_str(&at.format(&f).unwrap_or_default())
}

impl Entry {
    /// Roughly the memory the entry holds, in bytes (for the journal's byte bound).
    fn weight(&self) -> usize {
        let strings = self.path.len()
            + self.method.len()
            + self.params.iter().map(|(k, v)| k.len() + v.len() + 48).sum::<usize>()
            + self.segments.iter().map(|s| s.len() + 24).sum::<usize>();
        256 + strings
    }
}

/// Request parameters as the journal keeps them: secrets redacted, at most [`MAX_PARAMS`],
/// values cut at [`MAX_PARAM_CHARS`]. Returns the kept parameters and how many were left out.
pub(crate) fn keep_params<'a>(
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> (BTreeMap<String, String>, usize) {
    let mut kept = BTreeMap::new();
    let mut omitted = 0;
    for (name, value) in params {
        if kept.len() >= MAX_PARAMS && !kept.contains_key(name) {
            omitted += 1;
            continue;
        }
        let value = if SECRET_PARAMS.contains(&name) {
            REDACTED.to_string()
        } else if value.len() > MAX_PARAM_CHARS && value.chars().count() > MAX_PARAM_CHARS {
            let cut: String = value.chars().take(MAX_PARAM_CHARS).collect();
            format!("{cut}…[{} bytes]", value.len())
        } else {
            value.to_string()
        };
        kept.insert(name.to_string(), value);
    }
    (kept, omitted)
}

/// Which HTTP statuses a filter accepts: one, or a class (`4xx`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Exact(u16),
    Class(u16),
    /// The connection was dropped without an answer (`status=dropped`).
    Dropped,
}

impl StatusFilter {
    pub(crate) fn parse(s: &str) -> Result<Self, String> {
        let bad = || format!("status is a number (200), a class (4xx) or dropped, not {s:?}");
        match s.as_bytes() {
            b"dropped" => Ok(StatusFilter::Dropped),
            [c @ b'1'..=b'5', b'x' | b'X', b'x' | b'X'] => Ok(StatusFilter::Class(u16::from(c - b'0'))),
            _ => s.parse().map(StatusFilter::Exact).map_err(|_| bad()),
        }
    }

    fn accepts(self, status: Option<u16>) -> bool {
        match (self, status) {
            (StatusFilter::Exact(n), Some(s)) => s == n,
            (StatusFilter::Class(c), Some(s)) => s / 100 == c,
            (StatusFilter::Dropped, None) => true,
            _ => false,
        }
    }
}

/// Which entries a query or count means; every given criterion must hold. Built in Rust with
/// the builder methods, or from a query string with [`RequestFilter::from_query`].
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub(crate) method: Option<String>,
    pub(crate) path: Option<PathPattern>,
    pub(crate) node: Option<String>,
    pub(crate) edge: Option<String>,
    pub(crate) status: Option<StatusFilter>,
    pub(crate) error_code: Option<i64>,
    pub(crate) error_subcode: Option<i64>,
    /// A rule id, or `*` for any fault.
    pub(crate) fault: Option<String>,
    /// Only entries with a larger sequence number.
    pub(crate) since: Option<u64>,
}

impl RequestFilter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_ascii_uppercase());
        self
    }

    /// A path pattern (`/*/media_publish`); see [`crate::pattern`].
    pub fn path(mut self, pattern: &str) -> Result<Self, String> {
        self.path = Some(PathPattern::parse(pattern)?);
        Ok(self)
    }

    pub fn node(mut self, node: &str) -> Self {
        self.node = Some(node.to_string());
        self
    }

    pub fn edge(mut self, edge: &str) -> Self {
        self.edge = Some(edge.to_string());
        self
    }

    pub fn status(mut self, status: StatusFilter) -> Self {
        self.status = Some(status);
        self
    }

    pub(crate) fn error_code(mut self, code: i64) -> Self {
        self.error_code = Some(code);
        self
    }

    pub fn fault(mut self, rule: &str) -> Self {
        self.fault = Some(rule.to_string());
        self
    }

    pub(crate) fn since(mut self, seq: u64) -> Self {
        self.since = Some(seq);
        self
    }

    /// The filter and page size of a query string: `method`, `path`, `node`, `edge`, `status`,
    /// `error_code`, `error_subcode`, `fault`, `since`, `limit` (1..=[`MAX_PAGE`], default
    /// [`DEFAULT_PAGE`]). Unknown names are refused, so a typo never silently matches all.
    pub(crate) fn from_query(query: Option<&str>) -> Result<(Self, usize), String> {
        let mut f = RequestFilter::new();
        let mut limit = DEFAULT_PAGE;
        for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            let int = |what: &str| -> Result<i64, String> {
                v.parse().map_err(|_| format!("{what} is an integer, not {v:?}"))
            };
            match k.as_ref() {
                "method" => f = f.method(&v),
                "path" => f = f.path(&v)?,
                "node" => f = f.node(&v),
                "edge" => f = f.edge(&v),
                "status" => f = f.status(StatusFilter::parse(&v)?),
                "error_code" => f = f.error_code(int("error_code")?),
                "error_subcode" => f.error_subcode = Some(int("error_subcode")?),
                "fault" => f = f.fault(&v),
                "since" => f = f.since(v.parse().map_err(|_| format!("since is a sequence number, not {v:?}"))?),
                "limit" => {
                    limit = match v.parse::<usize>() {
                        Ok(n @ 1..=MAX_PAGE) => n,
                        _ => return Err(format!("limit is 1 to {MAX_PAGE}, not {v:?}")),
                    }
                }
                other => {
                    return Err(format!(
                        "unknown filter {other:?}: use method, path, node, edge, status, error_code, error_subcode, fault, since, limit"
                    ))
                }
            }
        }
        Ok((f, limit))
    }

    pub(crate) fn matches(&self, e: &Entry) -> bool {
        self.since.is_none_or(|s| e.seq > s)
            && self.method.as_ref().is_none_or(|m| *m == e.method)
            && self.node.as_ref().is_none_or(|n| e.node.as_ref() == Some(n))
            && self.edge.as_ref().is_none_or(|x| e.edge.as_ref() == Some(x))
            && self.status.is_none_or(|s| s.accepts(e.status))
            && self.error_code.is_none_or(|c| e.error.is_some_and(|x| x.code == c))
            && self
                .error_subcode
                .is_none_or(|c| e.error.is_some_and(|x| x.subcode == Some(c)))
            && self
                .fault
                .as_ref()
                .is_none_or(|r| e.fault.as_ref().is_some_and(|f| r == "*" || f.rule == *r))
            && self
                .path
                .as_ref()
                .is_none_or(|p| p.matches(e.path_version, &e.segments))
    }
}

/// One page of a query: entries in sequence order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page {
    pub data: Vec<Entry>,
    /// Ask with `since=` this to continue: the last entry returned while more match, else the
    /// newest sequence number recorded (so a poller does not look at them again); never
    /// above it ([`Journal::query`]).
    pub(crate) next_since: u64,
    /// More matching entries follow `next_since`.
    pub(crate) has_more: bool,
    /// Entries dropped from this journal so far because it was full.
    pub dropped: u64,
}

/// The journal of one sandbox.
#[derive(Debug, Clone)]
pub(crate) struct Journal {
    entries: VecDeque<Entry>,
    capacity: usize,
    /// At most this many bytes of entries ([`Entry::weight`]).
    max_bytes: usize,
    /// Its share of the process's journal budget ([`Journal::set_share`]): the bound when
    /// smaller than `max_bytes`.
    share: usize,
    bytes: usize,
    last_seq: u64,
    dropped: u64,
}

impl Journal {
    /// An empty journal keeping at most `capacity` entries and about `max_bytes` of them
    /// (0 keeps none).
    pub(crate) fn new(capacity: usize, max_bytes: usize) -> Self {
        Journal {
            entries: VecDeque::new(),
            capacity,
            max_bytes,
            share: usize::MAX,
            bytes: 0,
            last_seq: 0,
            dropped: 0,
        }
    }

    /// Appends an entry, numbering it; drops (and counts) the oldest while it is over either
    /// bound.
    pub(crate) fn record(&mut self, mut entry: Entry) -> u64 {
        self.last_seq += 1;
        entry.seq = self.last_seq;
        let weight = entry.weight();
        if self.capacity == 0 || weight > self.bound() {
            self.dropped += 1;
            return entry.seq;
        }
        while self.entries.len() >= self.capacity {
            self.drop_oldest();
        }
        self.fit(weight);
        self.bytes += weight;
        self.entries.push_back(entry);
        self.last_seq
    }

    /// Bounds the journal to `bytes` of entries, its share of the process's journal budget
    /// (`Config::journal_process_max_bytes` over the sandboxes there are,
    /// `Sandboxes::share_journals`), never above its own `max_bytes`: the oldest entries
    /// beyond it are dropped and counted.
    pub(crate) fn set_share(&mut self, bytes: usize) {
        self.share = bytes;
        self.fit(0);
    }

    fn bound(&self) -> usize {
        self.max_bytes.min(self.share)
    }

    /// Drops the oldest entries until `weight` more bytes fit the bound.
    fn fit(&mut self, weight: usize) {
        while self.bytes + weight > self.bound() && !self.entries.is_empty() {
            self.drop_oldest();
        }
    }

    fn drop_oldest(&mut self) {
        if let Some(old) = self.entries.pop_front() {
            self.bytes -= old.weight();
            self.dropped += 1;
        }
    }

    /// The matching entries after `filter.since`, oldest first, at most `limit`.
    ///
    /// `next_since` is where the next page starts: the last entry returned when more match,
    /// else the newest entry recorded, never a number the journal has not reached — a `since`
    /// above it (a number from before a restore or a `kill -9` with a state directory, or
    /// made up) answers the newest, so a poller that continues from there misses none of
    /// what comes next. `limit` 0 (in-process only) returns nothing and stays at `since`.
    pub(crate) fn query(&self, filter: &RequestFilter, limit: usize) -> Page {
        let start = self.start(filter);
        let mut data: Vec<Entry> = Vec::new();
        let mut has_more = false;
        for e in self.entries.range(start..).filter(|e| filter.matches(e)) {
            if data.len() == limit {
                has_more = true;
                break;
            }
            data.push(e.clone());
        }
        let next_since = match (has_more, data.last()) {
            (false, _) => self.last_seq,
            (true, Some(last)) => last.seq,
            (true, None) => filter.since.unwrap_or(0).min(self.last_seq),
        };
        Page {
            data,
            next_since,
            has_more,
            dropped: self.dropped,
        }
    }

    /// How many entries match.
    pub(crate) fn count(&self, filter: &RequestFilter) -> usize {
        self.entries
            .range(self.start(filter)..)
            .filter(|e| filter.matches(e))
            .count()
    }

    /// Forgets every entry (sequence numbers keep growing); returns how many there were.
    pub(crate) fn clear(&mut self) -> usize {
        let n = self.entries.len();
        self.entries.clear();
        self.bytes = 0;
        n
    }

    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The sequence number of the newest entry ever recorded (0 before the first).
    pub(crate) fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Continues numbering after `seq` (a sandbox restored from a snapshot).
    pub(crate) fn resume_after(&mut self, seq: u64) {
        self.last_seq = self.last_seq.max(seq);
    }

    /// Index of the first entry past `filter.since` (entries are in sequence order).
    fn start(&self, filter: &RequestFilter) -> usize {
        match filter.since {
            Some(s) => self.entries.partition_point(|e| e.seq <= s),
            None => 0,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An entry as the exchange records it (for tests).
    pub(crate) fn entry(method: &str, path: &str, status: Option<u16>) -> Entry {
        let mut segments: Vec<String> = path.split('/').filter(|s| !s.is_empty()).map(str::to_string).collect();
        let path_version = segments.first().and_then(|s| ApiVersion::parse(s));
        if path_version.is_some() {
            segments.remove(0);
        }
        Entry {
            seq: 0,
            time: 0,
            wall_ms: 0,
            method: method.into(),
            path: path.into(),
            version: None,
            node: segments.first().cloned(),
            edge: segments.get(1).cloned(),
            params: BTreeMap::new(),
            params_omitted: 0,
            status,
            error: None,
            duration_us: 0,
            fault: None,
            segments: segments.into(),
            path_version,
        }
    }

    #[test]
    fn next_since_never_passes_the_newest_entry_nor_skips_one() {
        let mut j = Journal::new(10, usize::MAX);
        for i in 0..3 {
            j.record(entry("GET", &format!("/n{i}"), Some(200)));
        }
        let at = |since: u64, limit: usize| {
            let p = j.query(&RequestFilter::new().since(since), limit);
            (p.data.len(), p.next_since, p.has_more)
        };
        assert_eq!(at(9, 10), (0, 3, false), "above the newest: the newest");
        assert_eq!(at(u64::MAX, 10), (0, 3, false));
        assert_eq!(at(0, 2), (2, 2, true), "a full page: its last entry");
        assert_eq!(at(1, 0), (0, 1, true), "an empty page stays where it was asked");
        assert_eq!(at(9, 0), (0, 3, false));
        // Numbering resumed lower (a restore from an older snapshot) still moves up.
        let mut j = Journal::new(10, usize::MAX);
        j.resume_after(2);
        j.record(entry("GET", "/n", Some(200)));
        let p = j.query(&RequestFilter::new().since(7), 10);
        assert_eq!((p.data.len(), p.next_since), (0, 3));
    }

    #[test]
    fn bounded_oldest_first_and_counted() {
        let mut j = Journal::new(3, usize::MAX);
        for i in 0..5 {
            j.record(entry("GET", &format!("/n{i}"), Some(200)));
        }
        assert_eq!(j.entries.len(), 3);
        assert_eq!(j.dropped(), 2);
        let page = j.query(&RequestFilter::new(), 10);
        assert_eq!(page.data.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![3, 4, 5]);
        assert_eq!(page.next_since, 5);
        assert!(!page.has_more);
    }

    #[test]
    fn a_byte_bound_keeps_large_entries_from_filling_memory() {
        let mut j = Journal::new(1000, 10_000);
        let mut big = entry("POST", "/1/media", Some(200));
        big.params.insert("caption".into(), "x".repeat(MAX_PARAM_CHARS));
        for _ in 0..20 {
            j.record(big.clone());
        }
        assert!(
            j.bytes <= 10_000 && j.entries.len() < 20 && j.entries.len() >= 7,
            "{} entries, {} bytes",
            j.entries.len(),
            j.bytes
        );
        assert_eq!(j.dropped() as usize + j.entries.len(), 20);
        let n = j.entries.len();
        assert_eq!(j.clear(), n);
        assert_eq!(j.bytes, 0);
    }

    #[test]
    fn since_pages_and_never_misses() {
        let mut j = Journal::new(100, usize::MAX);
        for i in 0..10 {
            let m = if i % 2 == 0 { "POST" } else { "GET" };
            j.record(entry(m, "/v21.0/1/media_publish", Some(200)));
        }
        let posts = RequestFilter::new().method("post");
        let p1 = j.query(&posts, 2);
        assert_eq!(p1.data.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1, 3]);
        assert!(p1.has_more);
        let p2 = j.query(&posts.clone().since(p1.next_since), 10);
        assert_eq!(p2.data.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![5, 7, 9]);
        assert_eq!(p2.next_since, 10, "nothing after 9 matched; 10 was looked at");
        assert_eq!(j.count(&posts), 5);
        assert_eq!(j.clear(), 10);
        assert_eq!(j.record(entry("GET", "/me", Some(200))), 11, "numbers keep growing");
    }

    #[test]
    fn filters_combine() {
        let mut j = Journal::new(100, usize::MAX);
        j.record(entry("POST", "/v21.0/1/media_publish", Some(400)));
        j.record(entry("POST", "/v21.0/1/media", Some(200)));
        j.record(entry("GET", "/me/accounts", None));
        let f = |q: &str| RequestFilter::from_query(Some(q)).unwrap().0;
        assert_eq!(j.count(&f("path=/*/media_publish")), 1);
        assert_eq!(j.count(&f("edge=media&method=POST")), 1);
        assert_eq!(j.count(&f("node=1")), 2);
        assert_eq!(j.count(&f("status=4xx")), 1);
        assert_eq!(j.count(&f("status=dropped")), 1);
        assert_eq!(j.count(&f("status=200&node=me")), 0);
        assert!(RequestFilter::from_query(Some("methd=GET"))
            .unwrap_err()
            .contains("unknown filter"));
        assert!(RequestFilter::from_query(Some("limit=0")).is_err());
        assert!(RequestFilter::from_query(Some("status=abc")).is_err());
    }

    #[test]
    fn secrets_are_redacted_and_long_values_cut() {
        let long = "x".repeat(MAX_PARAM_CHARS + 5);
        let (kept, omitted) = keep_params([("access_token", "EAAG…"), ("caption", long.as_str()), ("code", "AQ1")]);
        assert_eq!(kept["access_token"], REDACTED);
        assert_eq!(kept["code"], REDACTED);
        assert!(kept["caption"].ends_with(&format!("…[{} bytes]", long.len())));
        assert_eq!(omitted, 0);
        let many: Vec<(String, String)> = (0..MAX_PARAMS + 3).map(|i| (format!("p{i:03}"), "v".into())).collect();
        let (kept, omitted) = keep_params(many.iter().map(|(a, b)| (a.as_str(), b.as_str())));
        assert_eq!((kept.len(), omitted), (MAX_PARAMS, 3));
    }
}
