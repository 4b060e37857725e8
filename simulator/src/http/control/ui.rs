//! The web dashboard at `/_sim/ui`: static files embedded in the binary (`simulator/ui/`, no
//! build step). They hold no secrets, so they are served without the control-plane token;
//! the page itself asks for the token when a control-plane call answers 401, and reads and
//! drives sandboxes only through the public control plane and Graph routes.

use crate::http::response::{bytes, plain, Body};
use bytes::Bytes;
use http::{HeaderValue, Method, Response};

/// (path under `/_sim/ui`, content type, bytes) of every dashboard file.
const FILES: &[(&str, &str, &str)] = &[
    ("", "text/html; charset=utf-8", include_str!("../../../ui/index.html")),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../ui/app.js"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../../../ui/app.css"),
    ),
];

/// `GET|HEAD /_sim/ui[/file]` (public: no admin token, `routes::Auth::Public`). Files are revalidated on every load (`no-cache`) so a new
/// igsim build is picked up at once.
/// `rest`: the path's segments after `/_sim/ui`.
pub(crate) fn serve(method: &Method, rest: &[String]) -> Response<Body> {
    if method != Method::GET && method != Method::HEAD {
        return plain(405, "Method Not Allowed");
    }
    let name = rest.first().map(String::as_str).unwrap_or("");
    let found = FILES
        .iter()
        .find(|(path, _, _)| *path == name)
        .filter(|_| rest.len() <= 1);
    let Some((_, content_type, text)) = found else {
        return plain(404, "Not Found");
    };
    let body = if method == Method::HEAD {
        Bytes::new()
    } else {
        Bytes::from_static(text.as_bytes())
    };
    let mut r = bytes(200, body, content_type);
    r.headers_mut()
        .insert(http::header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r.headers_mut()
        .insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    r
}

/// Where the dashboard of a simulator at `base_url` is.
pub fn url(base_url: &str) -> String {
    format!("{}/_sim/ui", base_url.trim_end_matches('/'))
}
