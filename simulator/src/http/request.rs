//! Turns an HTTP request into a [`GraphRequest`]: version prefix, path segments (trailing
//! and doubled slashes tolerated), parameters from the query string, form, multipart or
//! JSON body, and the access token from wherever the client put it.

use crate::config::{ApiVersion, Config};
use crate::error::{GraphError, GraphResult};
use bytes::Bytes;
use http::{HeaderMap, Method};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verb {
    Get,
    Post,
    Delete,
}

impl Verb {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
            Verb::Delete => "DELETE",
        }
    }
}

/// A request's path segments, shared rather than copied.
pub(crate) type Segments = std::sync::Arc<[String]>;

#[derive(Debug, Clone)]
pub(crate) struct GraphRequest {
    pub(crate) verb: Verb,
    /// The version in the path, if any.
    pub(crate) requested: Option<ApiVersion>,
    /// The version served: `requested` (or the unversioned setting) upgraded to the oldest
    /// available one on the sandbox's clock (`Config::served_version`; the router sets it
    /// once the token's sandbox is known).
    pub(crate) version: ApiVersion,
    /// Decoded, non-empty path segments after the version (shared with the request's journal
    /// entry and fault rules: `http::exchange`).
    pub(crate) segments: Segments,
    /// Query and body parameters; body values win over query values.
    pub(crate) params: BTreeMap<String, String>,
    /// Which parameters came from a JSON body as non-string JSON (arrays, objects).
    pub(crate) json_values: BTreeMap<String, Value>,
    pub(crate) token: Option<String>,
    /// `scheme://host[:port]` the client used, for `paging.next` URLs.
    pub(crate) base_url: String,
    pub(crate) headers: HeaderMap,
    /// Verdicts of media URLs downloaded before the world lock (`--media-fetch`), by URL.
    pub(crate) media_checks: BTreeMap<String, crate::model::media_check::Verdict>,
    /// The files those downloads kept, by URL (the CDN serves them back).
    pub(crate) media_files: BTreeMap<String, Bytes>,
    /// Whether `Host` names an Instagram Login host (`iglogin::host_is_instagram`), read once.
    pub(crate) instagram_host: bool,
    /// The sandbox `token` names, looked up once when the request is parsed
    /// (`router::parse`); `None` when it names none or was not looked up (batch operations).
    pub(crate) sandbox: Option<std::sync::Arc<crate::sandbox::Sandbox>>,
}

impl GraphRequest {
    /// The versionless path segments, shared (the exchange's journal entry and fault rules
    /// read the split the parse made).
    pub(crate) fn shared_segments(&self) -> Segments {
        self.segments.clone()
    }

    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// A parameter that must be present and non-empty.
    pub(crate) fn required(&self, name: &str) -> GraphResult<&str> {
        match self.param(name) {
            Some(v) if !v.trim().is_empty() => Ok(v),
            _ => Err(GraphError::missing_param(name)),
        }
    }

    /// `/v21.0/a/b` as the client would write it (for errors and paging links).
    /// [`check_released`] for this request's version and path.
    pub(crate) fn check_released(&self, now: i64) -> GraphResult<()> {
        check_released(self.requested, now, &self.segments)
    }

    pub(crate) fn path_string(&self) -> String {
        let mut s = format!("/{}", self.version);
        for seg in self.segments.iter() {
            s.push('/');
            s.push_str(seg);
        }
        s
    }

    /// A parameter as JSON: the JSON body's value if it came as one, else the string parsed
    /// as JSON, else as the docs' JSON-ish syntax (`[{username:'x',x:0.5}]`).
    pub(crate) fn json_param(&self, name: &str) -> Option<Result<Value, String>> {
        if let Some(v) = self.json_values.get(name) {
            return Some(Ok(v.clone()));
        }
        self.param(name).map(parse_jsonish)
    }

    /// A boolean parameter (`true`/`false`/`1`/`0`); error names the parameter.
    pub(crate) fn bool_param(&self, name: &str) -> GraphResult<Option<bool>> {
        match self.param(name) {
            None => Ok(None),
            Some(v) => match v.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(Some(true)),
                "false" | "0" => Ok(Some(false)),
                _ => Err(GraphError::invalid_param(format!("Param {name} must be a boolean"))),
            },
        }
    }
}

/// Deepest nesting of arrays and objects accepted in JSON a client sends (a body or a
/// parameter): serde_json's own recursion limit, which [`parse_jsonish`] applies to the JSON5
/// fallback too (json5's recursive parser has no limit and would overflow the stack).
pub(crate) const MAX_JSON_DEPTH: usize = 128;

/// Parses strict JSON first, then the relaxed JSON5 the docs' samples use; either way
/// nothing nested deeper than [`MAX_JSON_DEPTH`] is parsed. Callers turn the error into
/// their parameter's `(#100)` error.
pub(crate) fn parse_jsonish(s: &str) -> Result<Value, String> {
    match serde_json::from_str(s) {
        Ok(v) => Ok(v),
        Err(_) if !json5_nesting_within(s, MAX_JSON_DEPTH) => {
            Err(format!("nested deeper than {MAX_JSON_DEPTH} levels"))
        }
        Err(_) => json5::from_str::<Value>(s).map_err(|e| e.to_string()),
    }
}

/// Whether the arrays and objects of a JSON5 text nest at most `max` deep. Brackets inside
/// strings (either quote, with escapes) and comments do not count, as in the JSON5 grammar;
/// where the text is not JSON5 the parser stops there, no deeper than counted here.
fn json5_nesting_within(s: &str, max: usize) -> bool {
    enum State {
        Code,
        Str { quote: char, escaped: bool },
        LineComment,
        BlockComment { star: bool },
    }
    let mut state = State::Code;
    let mut depth = 0usize;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        state = match state {
            State::Code => match c {
                '[' | '{' => {
                    depth += 1;
                    if depth > max {
                        return false;
                    }
                    State::Code
                }
                ']' | '}' => {
                    depth = depth.saturating_sub(1);
                    State::Code
                }
                '"' | '\'' => State::Str {
                    quote: c,
                    escaped: false,
                },
                '/' if chars.peek() == Some(&'/') => State::LineComment,
                '/' if chars.peek() == Some(&'*') => {
                    chars.next();
                    State::BlockComment { star: false }
                }
                _ => State::Code,
            },
            State::Str { quote, escaped } => match c {
                _ if escaped => State::Str { quote, escaped: false },
                '\\' => State::Str { quote, escaped: true },
                _ if c == quote => State::Code,
                _ => State::Str { quote, escaped: false },
            },
            State::LineComment => match c {
                '\n' | '\r' | '\u{2028}' | '\u{2029}' => State::Code,
                _ => State::LineComment,
            },
            State::BlockComment { star } => match c {
                '/' if star => State::Code,
                _ => State::BlockComment { star: c == '*' },
            },
        };
    }
    true
}

/// Splits a path into segments; `None` when a segment is not valid percent-encoded UTF-8.
pub(crate) fn split_path(path: &str) -> Option<Vec<String>> {
    path.split('/').filter(|s| !s.is_empty()).map(percent_decode).collect()
}

/// A request path split as path patterns see it (`crate::pattern`): its version (if the first
/// segment is one) and the decoded segments after it. `None` when a segment is not valid
/// percent-encoded UTF-8.
pub(crate) fn split_versioned(path: &str) -> Option<(Option<ApiVersion>, Vec<String>)> {
    let mut segments = split_path(path)?;
    let version = segments.first().and_then(|s| ApiVersion::parse(s));
    if version.is_some() {
        segments.remove(0);
    }
    Some((version, segments))
}

/// The `name=value` pairs of a query string or form body, decoded exactly as
/// `form_urlencoded::parse` decodes them (`+` is a space, `%xx` a byte, invalid UTF-8 replaced);
/// a pair with nothing to decode (no `%`, no `+`, valid UTF-8) is passed on as it is, without
/// the byte-by-byte decoding (a query is mostly such pairs: ids, field lists, tokens).
fn for_each_pair(input: &[u8], mut f: impl FnMut(Cow<'_, str>, Cow<'_, str>)) {
    // `&` is ASCII, so a UTF-8 input splits into the same pairs as its bytes would (and is
    // searched with `memchr` rather than byte by byte).
    match std::str::from_utf8(input) {
        Ok(text) => {
            for pair in text.split('&').filter(|p| !p.is_empty()) {
                one_pair(pair.as_bytes(), Some(pair), &mut f);
            }
        }
        Err(_) => {
            for pair in input.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
                one_pair(pair, std::str::from_utf8(pair).ok(), &mut f);
            }
        }
    }
}

/// One `name=value` pair of [`for_each_pair`]; `text` is the pair when it is valid UTF-8.
fn one_pair(pair: &[u8], text: Option<&str>, f: &mut impl FnMut(Cow<'_, str>, Cow<'_, str>)) {
    match text {
        Some(text) if !pair.contains(&b'%') && !pair.contains(&b'+') => {
            let (k, v) = text.split_once('=').unwrap_or((text, ""));
            f(Cow::Borrowed(k), Cow::Borrowed(v));
        }
        _ => {
            for (k, v) in form_urlencoded::parse(pair) {
                f(k, v);
            }
        }
    }
}

fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        // Nothing to decode (most segments): already valid UTF-8.
        return Some(s.to_string());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let v = u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
            out.push(v);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Removes a leading `vNN.N` segment and returns it. Whether the version exists is judged
/// on the sandbox's clock once the sandbox is known ([`check_released`]).
pub(crate) fn take_version(segments: &mut Vec<String>) -> Option<ApiVersion> {
    let v = segments.first().and_then(|s| ApiVersion::parse(s))?;
    segments.remove(0);
    Some(v)
}

/// A requested version Meta has not released at `now` (the sandbox's clock) is not a path
/// production serves: 2500 "Unknown path components" naming the segments after it, as for a
/// version segment Graph cannot use (`/2.11/me/feed` → "Unknown path components: /me/feed",
/// GH:owlstacks/owlstack-laravel#8; a made-up `v2.80` answered the same 2500, HTTP 400,
/// GH:arsduo/koala#611).
pub(crate) fn check_released(requested: Option<ApiVersion>, now: i64, segments: &[String]) -> GraphResult<()> {
    match requested {
        Some(v) if !crate::version::is_released(v, now) => {
            Err(GraphError::unknown_path(&format!("/{}", segments.join("/"))))
        }
        _ => Ok(()),
    }
}

/// Everything read off the wire before parsing.
pub(crate) struct RawRequest {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Option<String>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) base_url: String,
}

/// Builds the Graph view of a request. Bodies are parsed by content type.
/// `now` dates the version until the router knows the sandbox (see [`GraphRequest::version`]).
/// A request that does not parse comes back with its error, as it was sent (its query and
/// headers still attribute and journal it).
pub(crate) async fn parse(raw: RawRequest, cfg: &Config, now: i64) -> Result<GraphRequest, (GraphError, RawRequest)> {
    match parts(&raw, cfg, now).await {
        Ok(p) => Ok(GraphRequest {
            verb: p.verb,
            requested: p.requested,
            version: p.version,
            segments: p.segments.into(),
            params: p.params,
            json_values: p.json_values,
            token: p.token,
            base_url: raw.base_url,
            instagram_host: names_instagram_host(&raw.headers),
            headers: raw.headers,
            media_checks: BTreeMap::new(),
            media_files: BTreeMap::new(),
            sandbox: None,
        }),
        Err(e) => Err((e, raw)),
    }
}

/// What [`parse`] reads off a request.
struct Parts {
    verb: Verb,
    requested: Option<ApiVersion>,
    version: ApiVersion,
    segments: Vec<String>,
    params: BTreeMap<String, String>,
    json_values: BTreeMap<String, Value>,
    token: Option<String>,
}

async fn parts(raw: &RawRequest, cfg: &Config, now: i64) -> GraphResult<Parts> {
    let mut segments = split_path(&raw.path).ok_or_else(|| GraphError::unknown_path(&raw.path))?;
    let requested = take_version(&mut segments);
    let version = cfg.served_version(requested, now);

    let mut params = BTreeMap::new();
    if let Some(q) = &raw.query {
        for_each_pair(q.as_bytes(), |k, v| {
            params.insert(k.into_owned(), v.into_owned());
        });
    }
    let mut json_values = BTreeMap::new();
    // The media type is matched without regard to case; its parameters keep theirs (a
    // multipart boundary is case-sensitive, RFC 2046 §5.1.1: browsers send
    // `----WebKitFormBoundaryAbC…`).
    let content_type_header = raw
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let content_type = content_type_header.to_ascii_lowercase();
    if !raw.body.is_empty() {
        if content_type.starts_with("application/json") {
            let v: Value = serde_json::from_slice(&raw.body).map_err(|e| GraphError::malformed_body(&e.to_string()))?;
            let Value::Object(map) = v else {
                return Err(GraphError::malformed_body("a JSON body must be an object"));
            };
            for (k, v) in map {
                let text = match &v {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    Value::Bool(_) | Value::Number(_) => v.to_string(),
                    Value::Array(_) | Value::Object(_) => {
                        json_values.insert(k.clone(), v.clone());
                        v.to_string()
                    }
                };
                params.insert(k, text);
            }
        } else if content_type.starts_with("multipart/form-data") {
            let boundary =
                multer::parse_boundary(content_type_header).map_err(|e| GraphError::malformed_body(&e.to_string()))?;
            let body = raw.body.clone();
            let stream = futures_util::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(body) });
            let mut mp = multer::Multipart::new(stream, boundary);
            while let Some(field) = mp
                .next_field()
                .await
                .map_err(|e| GraphError::malformed_body(&e.to_string()))?
            {
                let name = field.name().unwrap_or("").to_string();
                // A file part is no parameter: Graph takes media by URL (uploads go to the
                // upload host, `http::upload`), so its bytes are read and left.
                let is_file = field.file_name().is_some();
                let data = field
                    .bytes()
                    .await
                    .map_err(|e| GraphError::malformed_body(&e.to_string()))?;
                if !is_file {
                    let text = String::from_utf8(data.to_vec())
                        .map_err(|_| GraphError::malformed_body("a form field is not UTF-8"))?;
                    params.insert(name, text);
                }
            }
        } else if content_type.is_empty()
            || content_type.starts_with("application/x-www-form-urlencoded")
            || content_type.starts_with("text/plain")
        {
            // A body that is not text (no content type) carries no parameters.
            if !(content_type.is_empty() && std::str::from_utf8(&raw.body).is_err()) {
                for_each_pair(&raw.body, |k, v| {
                    params.insert(k.into_owned(), v.into_owned());
                });
            }
        }
    }

    // Method override, as Meta's JS SDK sends it (facts §3.4).
    // The Graph API speaks GET, POST and DELETE (HEAD reads like GET); anything else is
    // refused rather than served as a read that looks like a successful write.
    let mut verb = match &raw.method {
        &Method::GET | &Method::HEAD => Verb::Get,
        &Method::POST => Verb::Post,
        &Method::DELETE => Verb::Delete,
        other => {
            return Err(GraphError::invalid_param(format!(
                "Unsupported HTTP method {other}: use GET, POST or DELETE (or the method= parameter)"
            )))
        }
    };
    if let Some(m) = params.get("method") {
        verb = match m.to_ascii_lowercase().as_str() {
            "get" => Verb::Get,
            "post" => Verb::Post,
            "delete" => Verb::Delete,
            _ => verb,
        };
    }

    let header_token = raw
        .headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            matches!(scheme.to_ascii_lowercase().as_str(), "bearer" | "oauth").then(|| rest.trim().to_string())
        });
    let token = params
        .get("access_token")
        .filter(|t| !t.is_empty())
        .cloned()
        .or(header_token);

    Ok(Parts {
        verb,
        requested,
        version,
        segments,
        params,
        json_values,
        token,
    })
}

/// Hosts of the Instagram Login flavour (when a proxy or `/etc/hosts` keeps them).
const INSTAGRAM_HOSTS: &[&str] = &[
    "graph.instagram.com",
    "api.instagram.com",
    "www.instagram.com",
    "instagram.com",
];

/// Whether a `Host` header names one of Instagram Login's hosts (port and case aside).
pub(crate) fn names_instagram_host(headers: &http::HeaderMap) -> bool {
    headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| h.rsplit_once(':').map_or(h, |(name, _)| name))
        .is_some_and(|h| INSTAGRAM_HOSTS.iter().any(|i| i.eq_ignore_ascii_case(h)))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn pairs_are_decoded_as_form_urlencoded_decodes_them(
            input in proptest::collection::vec(
                proptest::sample::select(vec![b'a', b'Z', b'0', b'=', b'&', b'%', b'2', b'C', b'+', b',', 0xc3, 0xa9, 0xff]),
                0..40,
            )
        ) {
            let mut ours = Vec::new();
            for_each_pair(&input, |k, v| ours.push((k.into_owned(), v.into_owned())));
            let theirs: Vec<(String, String)> = form_urlencoded::parse(&input).into_owned().collect();
            proptest::prop_assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn doubled_and_trailing_slashes_are_ignored() {
        assert_eq!(
            split_path("//v21.0//me/accounts/").unwrap(),
            vec!["v21.0", "me", "accounts"]
        );
    }

    #[test]
    fn json5_nesting_is_bounded_like_serde_json() {
        let deep = |n: usize, open: &str, close: &str| format!("{}1{}", open.repeat(n), close.repeat(n));
        assert!(parse_jsonish(&deep(MAX_JSON_DEPTH, "{a:", "}")).is_ok());
        assert!(parse_jsonish(&deep(MAX_JSON_DEPTH + 1, "{a:", "}")).is_err());
        assert!(parse_jsonish(&deep(100_000, "{a:", "}")).is_err());
        assert!(parse_jsonish(&deep(100_000, "[", "]")).is_err());
        // Brackets in strings and comments are text, not nesting.
        let text = format!(
            "[{{text:'{}', other: \"{}\"}}] // {}",
            "[".repeat(500),
            "{\\\"".repeat(300),
            "[".repeat(500)
        );
        assert!(parse_jsonish(&text).is_ok(), "{text}");
        // A comment ends at any JSON5 line terminator; what follows is counted.
        let hidden = format!("[ // note\u{2028}{}1{}]", "[".repeat(200), "]".repeat(200));
        assert!(parse_jsonish(&hidden).is_err());
        let blocked = format!("/* [[[ */ {}", deep(MAX_JSON_DEPTH + 1, "[", "]"));
        assert!(parse_jsonish(&blocked).is_err());
    }

    #[test]
    fn jsonish_values_from_the_docs_parse() {
        let v = parse_jsonish("[{username:'kevinhart4real',x:0.5,y:0.8}]").unwrap();
        assert_eq!(v[0]["username"], "kevinhart4real");
        assert_eq!(v[0]["x"], 0.5);
    }
}
