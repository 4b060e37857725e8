//! Cursor paging (`limit`, `after`, `before`, `paging.cursors`, absolute `next`/`previous`
//! URLs that point back at the simulator and carry the token), facts §3.3.
//!
//! A cursor encodes the sort key of an item, not an offset, so cursors stay valid while
//! items are added; a page is a B-tree range walk, so its cost does not grow with the
//! collection. `since`/`until` bound the walk in time ([`time_bounds`]).

use crate::error::{GraphError, GraphResult};
use crate::http::json::{self, Json};
use crate::http::request::GraphRequest;
use crate::model::shared::KeyRange;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{Map, Value};
use std::ops::Bound;

/// A sort key that can travel in a cursor.
pub(crate) trait CursorKey: Ord + Copy {
    fn to_text(&self) -> String;
    fn from_text(s: &str) -> Option<Self>;
}

impl CursorKey for (i64, u64) {
    fn to_text(&self) -> String {
        let mut s = String::with_capacity(32);
        s.push_str(itoa::Buffer::new().format(self.0));
        s.push(':');
        s.push_str(itoa::Buffer::new().format(self.1));
        s
    }
    fn from_text(s: &str) -> Option<Self> {
        let (a, b) = s.split_once(':')?;
        Some((a.parse().ok()?, b.parse().ok()?))
    }
}

impl CursorKey for u64 {
    fn to_text(&self) -> String {
        itoa::Buffer::new().format(*self).to_string()
    }
    fn from_text(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

const CURSOR_PREFIX: &str = "QVFI";

/// A cursor: `QVFI` and the URL-safe base64 of `igsim:` and the key's text, so it travels in
/// URLs and JSON strings as it is.
pub(crate) fn encode<K: CursorKey>(k: &K) -> String {
    let raw = ["igsim:", &k.to_text()].concat();
    let mut s = String::with_capacity(CURSOR_PREFIX.len() + raw.len().div_ceil(3) * 4);
    s.push_str(CURSOR_PREFIX);
    URL_SAFE_NO_PAD.encode_string(raw, &mut s);
    s
}

pub(crate) fn decode<K: CursorKey>(s: &str) -> Option<K> {
    let raw = URL_SAFE_NO_PAD
        .decode(s.strip_prefix(CURSOR_PREFIX)?.trim_end_matches('='))
        .ok()?;
    let text = std::str::from_utf8(&raw).ok()?.strip_prefix("igsim:")?;
    K::from_text(text)
}

#[derive(Debug, Clone)]
pub(crate) struct PageReq {
    pub(crate) limit: usize,
    pub(crate) after: Option<String>,
    pub(crate) before: Option<String>,
}

impl PageReq {
    /// From `limit`/`after`/`before` parameters (or their `.limit()`-style equivalents).
    pub(crate) fn new(
        limit: Option<&str>,
        after: Option<&str>,
        before: Option<&str>,
        default: usize,
        max: usize,
    ) -> GraphResult<Self> {
        let limit = match limit {
            None => default,
            Some(s) => {
                let n: i64 = s
                    .trim()
                    .parse()
                    .map_err(|_| GraphError::invalid_param("Param limit must be a number"))?;
                if n < 0 || s.trim().starts_with('-') {
                    return Err(GraphError::invalid_param("Param limit must be a non-negative integer"));
                }
                (n as usize).min(max)
            }
        };
        let nonempty = |v: Option<&str>| v.filter(|s| !s.is_empty()).map(str::to_string);
        Ok(PageReq {
            limit,
            after: nonempty(after),
            before: nonempty(before),
        })
    }

    pub(crate) fn from_request(req: &GraphRequest, default: usize, max: usize) -> GraphResult<Self> {
        Self::new(
            req.param("limit"),
            req.param("after"),
            req.param("before"),
            default,
            max,
        )
    }
}

/// One page of keys plus whether there is more on either side.
#[derive(Debug, Clone)]
pub(crate) struct Window<K> {
    pub(crate) keys: Vec<K>,
    pub(crate) has_next: bool,
    pub(crate) has_previous: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    /// Largest key first (newest first for time keys).
    Desc,
    Asc,
}

/// Pages over the keys of `map` within `[lower, upper]`, in `order`.
pub(crate) fn window<K: CursorKey>(
    map: &dyn KeyRange<K>,
    lower: Bound<K>,
    upper: Bound<K>,
    order: Order,
    req: &PageReq,
) -> GraphResult<Window<K>> {
    let after = req
        .after
        .as_deref()
        .map(|c| decode::<K>(c).ok_or_else(|| GraphError::cursor_out_of_range("After")))
        .transpose()?;
    let before = req
        .before
        .as_deref()
        .map(|c| decode::<K>(c).ok_or_else(|| GraphError::cursor_out_of_range("Before")))
        .transpose()?;
    let in_bounds = |k: &K| {
        (match lower {
            Bound::Included(l) => *k >= l,
            Bound::Excluded(l) => *k > l,
            Bound::Unbounded => true,
        }) && (match upper {
            Bound::Included(u) => *k <= u,
            Bound::Excluded(u) => *k < u,
            Bound::Unbounded => true,
        })
    };
    // "forward" = the display direction; items "after" a cursor come later in display order.
    let forward_from = |start: Option<K>| -> Box<dyn Iterator<Item = K> + '_> {
        match order {
            Order::Desc => {
                let hi = start.map_or(upper, Bound::Excluded);
                Box::new(range(map, lower, hi).rev())
            }
            Order::Asc => {
                let lo = start.map_or(lower, Bound::Excluded);
                Box::new(range(map, lo, upper))
            }
        }
    };
    let backward_from = |start: K| -> Box<dyn Iterator<Item = K> + '_> {
        match order {
            Order::Desc => Box::new(range(map, Bound::Excluded(start), upper)),
            Order::Asc => Box::new(range(map, lower, Bound::Excluded(start)).rev()),
        }
    };
    // One key more than the page tells whether the walk goes on past it: every key after the
    // page's last one in the walk's direction lies within the bounds (the walk starts at a
    // bound or a cursor and runs towards the other bound), so no second walk is needed for that
    // side; only the side behind a cursor is probed. Without a cursor the page starts at a
    // bound, so nothing lies behind it.
    let take = |iter: Box<dyn Iterator<Item = K> + '_>| -> (Vec<K>, bool) {
        let mut keys: Vec<K> = iter
            .filter(|k| in_bounds(k))
            .take(req.limit.saturating_add(1))
            .collect();
        // (An empty page has no neighbours.)
        let more = keys.len() > req.limit && req.limit > 0;
        keys.truncate(req.limit);
        (keys, more)
    };
    let (keys, has_next, has_previous) = if let (Some(b), None) = (before, after) {
        let (mut keys, more) = take(backward_from(b));
        keys.reverse();
        let has_next = keys
            .last()
            .is_some_and(|last| forward_from(Some(*last)).next().is_some());
        (keys, has_next, more)
    } else {
        let (keys, more) = take(forward_from(after));
        let has_previous = after.is_some() && keys.first().is_some_and(|first| backward_from(*first).next().is_some());
        (keys, more, has_previous)
    };
    Ok(Window {
        keys,
        has_next,
        has_previous,
    })
}

/// The values of `w`'s keys in `map`, in the window's order: a window is a run of adjacent
/// keys, so one walk over the run replaces a lookup per key (a lookup per key only if the run
/// is not the window's, which a window cut from `map` never is).
pub(crate) fn values<K: Ord + Copy, V: Copy>(map: &crate::model::shared::Map<K, V>, w: &Window<K>) -> Vec<V> {
    fn walk<'m, K: Ord + Copy + 'm, V: Copy + 'm>(
        run: impl Iterator<Item = (&'m K, &'m V)>,
        keys: &[K],
    ) -> Option<Vec<V>> {
        let mut values = Vec::with_capacity(keys.len());
        for ((k, v), want) in run.zip(keys) {
            if k != want {
                return None;
            }
            values.push(*v);
        }
        (values.len() == keys.len()).then_some(values)
    }
    let (Some(&first), Some(&last)) = (w.keys.first(), w.keys.last()) else {
        return Vec::new();
    };
    let run = if first <= last {
        walk(map.range(first..=last), &w.keys)
    } else {
        walk(map.range(last..=first).rev(), &w.keys)
    };
    run.unwrap_or_else(|| w.keys.iter().filter_map(|k| map.get(k).copied()).collect())
}

fn range<K: Ord + Copy>(map: &dyn KeyRange<K>, lo: Bound<K>, hi: Bound<K>) -> impl DoubleEndedIterator<Item = K> + '_ {
    // BTreeMap::range panics on an empty or inverted range; check first.
    let valid = match (lo, hi) {
        (Bound::Included(a), Bound::Included(b)) => a <= b,
        (Bound::Included(a), Bound::Excluded(b)) | (Bound::Excluded(a), Bound::Included(b)) => a < b,
        (Bound::Excluded(a), Bound::Excluded(b)) => a < b,
        _ => true,
    };
    let iter = if valid { Some(map.key_range(lo, hi)) } else { None };
    iter.into_iter().flatten()
}

/// Where `next`/`previous` point: the edge's own URL with the request's parameters.
#[derive(Debug, Clone)]
pub(crate) struct Links {
    /// `http://host/v21.0/{id}/{edge}?access_token=…&…&limit=N&`, the kept parameters
    /// (token, fields, since/until…, no after/before) form-encoded once: a link is this, the
    /// cursor's name, `=` and the cursor (URL-safe as it is, [`encode`]).
    prefix: String,
}

impl Links {
    /// Links for the request's own edge, keeping its parameters and token.
    pub(crate) fn for_request(req: &GraphRequest, limit: usize) -> Self {
        let kept = req.params.iter().filter(|(k, _)| {
            !matches!(
                k.as_str(),
                "limit" | "after" | "before" | "access_token" | "method" | "appsecret_proof"
            )
        });
        Self::new(
            req,
            format!("{}{}", req.base_url, req.path_string()),
            kept.map(|(k, v)| (k.as_str(), v.as_str())),
            limit,
        )
    }

    /// Links for an edge reached through a field expansion (`media{…}` on a user).
    pub(crate) fn for_edge(req: &GraphRequest, path: &str, fields: Option<String>, limit: usize) -> Self {
        Self::new(
            req,
            format!("{}/{}/{}", req.base_url, req.version, path.trim_start_matches('/')),
            fields.as_deref().map(|f| ("fields", f)).into_iter(),
            limit,
        )
    }

    /// `url` with the token first, then `params`, `appsecret_proof` and `limit`.
    fn new<'p>(
        req: &GraphRequest,
        mut url: String,
        params: impl Iterator<Item = (&'p str, &'p str)>,
        limit: usize,
    ) -> Self {
        url.push('?');
        let start = url.len();
        let mut s = form_urlencoded::Serializer::for_suffix(url, start);
        if let Some(t) = &req.token {
            s.append_pair("access_token", t);
        }
        for (k, v) in params {
            s.append_pair(k, v);
        }
        if let Some(p) = req.param("appsecret_proof") {
            s.append_pair("appsecret_proof", p);
        }
        s.append_pair("limit", itoa::Buffer::new().format(limit));
        let mut prefix = s.finish();
        prefix.push('&');
        Links { prefix }
    }

    /// Writes the link to the page `cursor_name` (`after`, `before`) of `cursor` points at, as
    /// a JSON string.
    fn push_url(&self, out: &mut Vec<u8>, cursor_name: &str, cursor: &str) {
        out.push(b'"');
        json::push_str_body(out, &self.prefix);
        out.extend_from_slice(cursor_name.as_bytes());
        out.push(b'=');
        out.extend_from_slice(cursor.as_bytes());
        out.push(b'"');
    }
}

/// The `paging` object of a cursor-paged edge as JSON; `links: None` leaves out
/// next/previous (mention expansions have cursors only, facts §3.3); `None` for an empty
/// page. Edges production pages forward only use [`forward_paging`].
pub(crate) fn paging<K: CursorKey>(w: &Window<K>, links: Option<&Links>) -> Option<Json> {
    let (first, last) = (w.keys.first()?, w.keys.last()?);
    let (before, after) = (encode(first), encode(last));
    let previous = (w.has_previous, "previous", "before", before.as_str());
    let next = (w.has_next, "next", "after", after.as_str());
    Some(paging_object(
        &[("before", &before), ("after", &after)],
        links,
        &[previous, next],
    ))
}

/// `{"cursors":{…},"previous":…,"next":…}`: the `cursors` as given; with `links`, each link
/// `(shown, key, cursor name, cursor)` that is shown.
fn paging_object(cursors: &[(&str, &str)], links: Option<&Links>, pages: &[(bool, &str, &str, &str)]) -> Json {
    let mut out = Vec::with_capacity(96 + links.map_or(0, |l| 2 * (l.prefix.len() + 64)));
    out.extend_from_slice(b"{\"cursors\":{");
    for (i, (name, cursor)) in cursors.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        json::push_key(&mut out, name);
        json::push_str(&mut out, cursor);
    }
    out.push(b'}');
    if let Some(l) = links {
        for (_, key, cursor_name, cursor) in pages.iter().filter(|p| p.0) {
            out.push(b',');
            json::push_key(&mut out, key);
            l.push_url(&mut out, cursor_name, cursor);
        }
    }
    out.push(b'}');
    Json::new(out)
}

/// [`paging`] as a `Value`, for edges still assembled as trees.
pub(crate) fn paging_json<K: CursorKey>(w: &Window<K>, links: Option<&Links>) -> Option<Value> {
    paging(w, links).map(|j| j.to_value())
}

/// [`edge_json`] written straight into `out`: `items(out)` writes the page's items,
/// comma-separated; `paging` is already JSON ([`paging`]).
pub(crate) fn edge_into(
    out: &mut Vec<u8>,
    items: impl FnOnce(&mut Vec<u8>) -> GraphResult<()>,
    paging: Option<Json>,
) -> GraphResult<()> {
    out.extend_from_slice(b"{\"data\":[");
    items(out)?;
    out.push(b']');
    if let Some(p) = paging {
        out.extend_from_slice(b",\"paging\":");
        out.extend_from_slice(&p.into_bytes());
    }
    out.push(b'}');
    Ok(())
}

/// The `paging` of the edges production pages forward only: comments, replies, an album's
/// children, `tags` and Business Discovery's `media`. Present only when a next page exists, with the
/// `after` cursor alone and `next` where the edge has links; no `before`, no `previous`, and
/// no `paging` key on the last page. Recorded production answers: a first comments page
/// `{"cursors":{"after":…},"next":…}` (bk-rs/instagram-apis-rs v14.0
/// ig_media_17946328927974136__comments__reading.json; sns-sdks/python-facebook
/// testdata/instagram/apidata/medias/comments_p1.json, replies/replies_fields_p1.json), last
/// pages of comments and replies without `paging` (python-facebook comments/comment_default_p2.json,
/// replies/replies_fields_p2.json), nested `replies{…}` and `children{…}` without `paging`
/// (the same files, python-facebook users/medias_p2.json), `/{id}/children` without `paging`
/// (python-facebook medias/children.json), `tags` with `{"cursors":{"after":…}}` then none
/// (python-facebook medias/tags_medias_p1.json, tags_medias_p2.json), and Business Discovery's
/// `media` with
/// `{"cursors":{"after":…}}` when more follow and no `paging` when not (bk-rs v14.0
/// ig_user_0__business_discovery__reading__username_bluebottle.json, …_qq122755990.json;
/// python-facebook discovery/medias_p1.json).
pub(crate) fn forward_paging<K: CursorKey>(w: &Window<K>, links: Option<&Links>) -> Option<Json> {
    if !w.has_next {
        return None;
    }
    let after = encode(w.keys.last()?);
    Some(paging_object(
        &[("after", &after)],
        links,
        &[(true, "next", "after", &after)],
    ))
}

/// [`forward_paging`] as a `Value`, for edges still assembled as trees.
pub(crate) fn forward_paging_json<K: CursorKey>(w: &Window<K>, links: Option<&Links>) -> Option<Value> {
    forward_paging(w, links).map(|j| j.to_value())
}

/// `{"data": [...], "paging": {...}}` (paging left out when the page is empty).
pub(crate) fn edge_json(data: Vec<Value>, paging: Option<Value>) -> Value {
    let mut m = Map::new();
    m.insert("data".into(), Value::Array(data));
    if let Some(p) = paging {
        m.insert("paging".into(), p);
    }
    Value::Object(m)
}

/// Time bounds from `since`/`until` (unix or ISO-8601), inclusive: the request's own
/// parameters for a top-level edge, the `.since()`/`.until()` modifiers of an expansion
/// (`media.since(1640995200).limit(30){…}`, as the crates.io `instagram-graph-api` client asks
/// Business Discovery).
pub(crate) fn time_bounds(
    req: &GraphRequest,
    sel: Option<&crate::http::fields::FieldSel>,
) -> GraphResult<(Bound<crate::model::TimeKey>, Bound<crate::model::TimeKey>)> {
    let read = |name: &str| -> GraphResult<Option<i64>> {
        let value = match sel {
            Some(s) => s.arg(name),
            None => req.param(name),
        };
        match value {
            None | Some("") => Ok(None),
            Some(v) => crate::timefmt::parse_time_param(v)
                .map(Some)
                .ok_or_else(|| GraphError::invalid_param(format!("The parameter {name} is not a valid time"))),
        }
    };
    let lower = read("since")?.map_or(Bound::Unbounded, |s| Bound::Included((s, 0)));
    let upper = read("until")?.map_or(Bound::Unbounded, |u| Bound::Included((u, u64::MAX)));
    Ok((lower, upper))
}

#[cfg(test)]
mod tests;
