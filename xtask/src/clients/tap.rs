//! A recording pass-through in front of igsim for the client scripts: every exchange is kept
//! whole (request line, headers, body; status, headers, body), so the harness can say what a
//! client really sent — API version, where the token went, how bodies were encoded, whether
//! `paging.next` was followed verbatim — and check every answer a client saw.
//!
//! It forwards each request unchanged (the `Host` header too, so igsim's `paging.next` links
//! point back at the tap) on a fresh loopback connection to igsim.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};

/// One request and its answer, as they crossed the tap.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    /// Path and query as the client sent them.
    pub target: String,
    pub request_headers: Vec<(String, String)>,
    pub request_body: Bytes,
    pub status: u16,
    pub response_body: Bytes,
}

impl Exchange {
    /// A request header by (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.request_headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A running tap; it stops with the process (the harness is short-lived).
pub struct Tap {
    pub base_url: String,
    log: Arc<Mutex<Vec<Exchange>>>,
}

impl Tap {
    /// Starts a tap on a loopback port forwarding to `upstream` (igsim's address).
    pub fn start(upstream: SocketAddr) -> Result<Tap, String> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("tap: bind: {e}"))?;
        listener.set_nonblocking(true).map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let log = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::clone(&log);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("tap: runtime: {e}"))?;
        std::thread::spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = TcpListener::from_std(listener) else {
                    return;
                };
                while let Ok((stream, _)) = listener.accept().await {
                    let log = Arc::clone(&shared);
                    tokio::spawn(async move {
                        let svc = hyper::service::service_fn(move |req| forward(upstream, Arc::clone(&log), req));
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), svc)
                            .await;
                    });
                }
            });
        });
        Ok(Tap {
            base_url: format!("http://{addr}"),
            log,
        })
    }

    /// Everything recorded since the last call (and forgets it).
    pub fn take(&self) -> Vec<Exchange> {
        self.log.lock().map(|mut l| std::mem::take(&mut *l)).unwrap_or_default()
    }
}

async fn forward(
    upstream: SocketAddr,
    log: Arc<Mutex<Vec<Exchange>>>,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let request_body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str()).to_string();
    let request_headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let answer = send(upstream, &parts, &target, request_body.clone()).await;
    let (status, headers, response_body) = match answer {
        Ok(a) => a,
        Err(e) => (502, Vec::new(), Bytes::from(format!("tap: igsim unreachable: {e}"))),
    };
    if let Ok(mut l) = log.lock() {
        l.push(Exchange {
            method: parts.method.to_string(),
            target,
            request_headers,
            request_body,
            status,
            response_body: response_body.clone(),
        });
    }
    let mut resp = Response::builder().status(status);
    for (k, v) in &headers {
        resp = resp.header(k.as_str(), v.as_slice());
    }
    Ok(resp
        .body(Full::new(response_body))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::from_static(b"tap: bad answer")))))
}

/// Hop-by-hop and length headers are re-made for the forwarded message.
fn end_to_end(name: &str) -> bool {
    !matches!(
        name.to_ascii_lowercase().as_str(),
        "connection" | "keep-alive" | "transfer-encoding" | "content-length" | "proxy-connection" | "upgrade"
    )
}

type Answer = (u16, Vec<(String, Vec<u8>)>, Bytes);

async fn send(
    upstream: SocketAddr,
    parts: &hyper::http::request::Parts,
    target: &str,
    body: Bytes,
) -> Result<Answer, String> {
    let stream = TcpStream::connect(upstream).await.map_err(|e| e.to_string())?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let mut req = Request::builder().method(parts.method.clone()).uri(target);
    for (k, v) in parts.headers.iter().filter(|(k, _)| end_to_end(k.as_str())) {
        req = req.header(k, v);
    }
    let req = req
        .header("content-length", body.len())
        .body(Full::new(body))
        .map_err(|e| e.to_string())?;
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .filter(|(k, _)| end_to_end(k.as_str()))
        .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
        .collect();
    let body = resp.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
    Ok((status, headers, body))
}
