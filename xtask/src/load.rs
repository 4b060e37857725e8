//! The bench's own HTTP/1 load generator (keep-alive connections on loopback, bounded by a
//! request count and a time limit) and the bare-hyper "floor" server it is compared with.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::convert::Infallible;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};

/// What one load run measured.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub requests: usize,
    pub rps: f64,
    pub p50_us: f64,
    pub p99_us: f64,
}

/// Bounds of one run: it stops at whichever comes first.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub requests: usize,
    pub time: Duration,
}

/// One request of a load run.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: hyper::Method,
    pub target: String,
}

impl Req {
    pub fn get(target: impl Into<String>) -> Self {
        Req {
            method: hyper::Method::GET,
            target: target.into(),
        }
    }

    pub fn post(target: impl Into<String>) -> Self {
        Req {
            method: hyper::Method::POST,
            target: target.into(),
        }
    }
}

/// What one connection sends: the next request, given the body of the answer to the
/// previous one (`None` before the first). Every parameter travels in the query string, so
/// requests carry no body (as the npm and crates.io clients send them).
pub trait Script: Send + 'static {
    fn next(&mut self, previous: Option<&[u8]>) -> Result<Req, String>;
}

/// The same request again and again.
pub struct Repeat(pub Req);

impl Script for Repeat {
    fn next(&mut self, _: Option<&[u8]>) -> Result<Req, String> {
        Ok(self.0.clone())
    }
}

/// Requests in turn, from a list, starting at an offset (spreads connections over targets).
pub struct Cycle {
    pub reqs: Vec<Req>,
    pub at: usize,
}

impl Script for Cycle {
    fn next(&mut self, _: Option<&[u8]>) -> Result<Req, String> {
        let r = self.reqs[self.at % self.reqs.len()].clone();
        self.at += 1;
        Ok(r)
    }
}

/// Sends `GET uri` over `conns` keep-alive connections, each sending its next request as
/// soon as the previous answer's body is read, until the budget is spent. Every answer
/// must be 200 (a bench of error answers would measure the wrong thing).
pub fn run(addr: SocketAddr, uri: &str, conns: usize, budget: Budget) -> Result<Stats, String> {
    let scripts = (0..conns)
        .map(|_| Box::new(Repeat(Req::get(uri))) as Box<dyn Script>)
        .collect();
    run_scripts(addr, scripts, budget)
}

/// Runs one script per keep-alive connection until the budget is spent; every answer must
/// be 200. The latency of each request counts on its own (a two-request flow is two).
pub fn run_scripts(addr: SocketAddr, scripts: Vec<Box<dyn Script>>, budget: Budget) -> Result<Stats, String> {
    // The client gets one thread, so the server under test keeps the rest of the machine.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(run_async(addr, scripts, budget))
}

async fn run_async(addr: SocketAddr, scripts: Vec<Box<dyn Script>>, budget: Budget) -> Result<Stats, String> {
    let conns = scripts.len().max(1);
    let mut senders = Vec::with_capacity(conns);
    for _ in 0..scripts.len() {
        senders.push(connect(addr).await?);
    }
    let remaining = Arc::new(std::sync::atomic::AtomicIsize::new(budget.requests as isize));
    let started = Instant::now();
    let deadline = started + budget.time;
    let mut tasks = Vec::with_capacity(conns);
    for (mut sender, mut script) in senders.into_iter().zip(scripts) {
        let remaining = remaining.clone();
        let host = addr.to_string();
        tasks.push(tokio::spawn(async move {
            let mut lat: Vec<u32> = Vec::with_capacity(budget.requests.min(1 << 20) / conns + 1);
            let mut previous: Option<Bytes> = None;
            while remaining.fetch_sub(1, std::sync::atomic::Ordering::Relaxed) > 0 && Instant::now() < deadline {
                let next = script.next(previous.as_deref())?;
                let req = Request::builder()
                    .method(next.method.clone())
                    .uri(next.target.as_str())
                    .header(hyper::header::HOST, host.as_str())
                    .body(Empty::<Bytes>::new())
                    .map_err(|e| e.to_string())?;
                let t = Instant::now();
                let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
                let status = resp.status();
                let body = resp.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
                lat.push(t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                if status != StatusCode::OK {
                    return Err(format!(
                        "{} {} answered {status}: {}",
                        next.method,
                        next.target,
                        String::from_utf8_lossy(&body)
                    ));
                }
                previous = Some(body);
            }
            Ok::<_, String>(lat)
        }));
    }
    let mut all = Vec::with_capacity(budget.requests.min(1 << 20));
    for t in tasks {
        all.extend(t.await.map_err(|e| e.to_string())??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    if all.is_empty() {
        return Err("no request completed".into());
    }
    all.sort_unstable();
    let pct = |p: f64| f64::from(all[((all.len() as f64 * p).ceil() as usize).clamp(1, all.len()) - 1]);
    Ok(Stats {
        requests: all.len(),
        rps: all.len() as f64 / elapsed,
        p50_us: pct(0.50),
        p99_us: pct(0.99),
    })
}

async fn connect(addr: SocketAddr) -> Result<hyper::client::conn::http1::SendRequest<Empty<Bytes>>, String> {
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect {addr}: {e}"))?;
    let _ = stream.set_nodelay(true);
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

/// One blocking `GET` on a fresh connection: `(status, body)`. For setup calls and the
/// start-up probe, where a runtime would only add noise.
pub fn get_once(addr: SocketAddr, target: &str) -> std::io::Result<(u16, Vec<u8>)> {
    request_once(addr, "GET", target, b"")
}

/// One blocking request with an optional JSON body on a fresh connection.
pub fn request_once(addr: SocketAddr, method: &str, target: &str, body: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
    request_typed(addr, method, target, "application/json", body)
}

/// One blocking request with a body of `content_type` on a fresh connection.
pub fn request_typed(
    addr: SocketAddr,
    method: &str,
    target: &str,
    content_type: &str,
    body: &[u8],
) -> std::io::Result<(u16, Vec<u8>)> {
    let mut s = std::net::TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    let head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes())?;
    s.write_all(body)?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let bad = || std::io::Error::other("malformed HTTP answer");
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(bad)?;
    let head = std::str::from_utf8(&raw[..split]).map_err(|_| bad())?;
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or_else(bad)?;
    let mut body = raw[split + 4..].to_vec();
    if head
        .lines()
        .any(|l| l.to_ascii_lowercase().starts_with("transfer-encoding:") && l.to_ascii_lowercase().contains("chunked"))
    {
        body = dechunk(&body).ok_or_else(bad)?;
    }
    Ok((status, body))
}

fn dechunk(mut b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = b.windows(2).position(|w| w == b"\r\n")?;
        let size = usize::from_str_radix(std::str::from_utf8(&b[..eol]).ok()?.trim(), 16).ok()?;
        b = &b[eol + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(b.get(..size)?);
        b = b.get(size + 2..)?;
    }
}

/// The floor: a bare hyper server that answers each known request target with a stored
/// body (read as a JSON object `{target: body}` from stdin; a key `"POST /path"` answers
/// every POST to that path, whatever its query) and prints its port. It runs as
/// its own process on the same kind of runtime as `igsim`, so the comparison is like for like.
pub fn floor_main() -> Result<(), String> {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).map_err(|e| e.to_string())?;
    let map: HashMap<String, String> = serde_json::from_str(&input).map_err(|e| e.to_string())?;
    let bodies: Arc<HashMap<String, Bytes>> = Arc::new(map.into_iter().map(|(k, v)| (k, Bytes::from(v))).collect());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        println!("{port}");
        let _ = std::io::stdout().flush();
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let bodies = bodies.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                    let target = req.uri().path_and_query().map_or("", |p| p.as_str());
                    let by_path = || bodies.get(&format!("{} {}", req.method(), req.uri().path()));
                    let resp = match bodies.get(target).or_else(by_path) {
                        Some(b) => Response::builder()
                            .header(hyper::header::CONTENT_TYPE, "application/json; charset=UTF-8")
                            .body(Full::new(b.clone())),
                        None => Response::builder().status(404).body(Full::new(Bytes::new())),
                    };
                    async move { Ok::<_, Infallible>(resp.unwrap_or_default()) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    })
}
