//! A webhook endpoint on loopback for scenarios and tests: answers Meta's verification
//! handshake (facts §6.1) for its verify token, acknowledges deliveries, remembers every
//! request exactly as received, can play a receiver that is down, and stops when dropped.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request the receiver got, with the body's exact bytes.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A query parameter of the request target, percent-decoded.
    pub fn query(&self, name: &str) -> Option<String> {
        let q = self.target.split_once('?')?.1;
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

/// How the receiver answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Verifies with its token and accepts deliveries (200).
    Up,
    /// Answers every request with this status.
    Down(u16),
    /// Answers the handshake 200 with something other than the challenge.
    WrongChallenge,
}

pub struct Receiver {
    addr: SocketAddr,
    verify_token: String,
    seen: Arc<Mutex<Vec<Received>>>,
    mode: Arc<Mutex<Mode>>,
    stop: Arc<AtomicBool>,
}

impl Receiver {
    /// Binds a free loopback port and serves from a thread of its own.
    pub fn start(verify_token: &str, mode: Mode) -> std::io::Result<Receiver> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let seen = Arc::new(Mutex::new(Vec::new()));
        let mode = Arc::new(Mutex::new(mode));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, m, halt, token) = (seen.clone(), mode.clone(), stop.clone(), verify_token.to_string());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if halt.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    let _ = serve_one(stream, &s, &m, &token);
                }
            }
        });
        Ok(Receiver {
            addr,
            verify_token: verify_token.to_string(),
            seen,
            mode,
            stop,
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}/hooks/instagram", self.addr)
    }

    pub fn verify_token(&self) -> &str {
        &self.verify_token
    }

    pub fn set(&self, mode: Mode) {
        if let Ok(mut m) = self.mode.lock() {
            *m = mode;
        }
    }

    /// Every request with this method, in arrival order.
    pub fn received(&self, method: &str) -> Vec<Received> {
        self.seen
            .lock()
            .map(|v| v.iter().filter(|r| r.method == method).cloned().collect())
            .unwrap_or_default()
    }

    pub fn posts(&self) -> Vec<Received> {
        self.received("POST")
    }

    pub fn gets(&self) -> Vec<Received> {
        self.received("GET")
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that the thread sees the flag and ends.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
    }
}

fn serve_one(
    mut stream: TcpStream,
    seen: &Mutex<Vec<Received>>,
    mode: &Mutex<Mode>,
    token: &str,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let method = first.next().unwrap_or("").to_string();
    let target = first.next().unwrap_or("").to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let r = Received {
        method,
        target,
        headers,
        body,
    };
    let m = mode.lock().map(|m| *m).unwrap_or(Mode::Up);
    let (status, text) = match (m, r.method.as_str()) {
        (Mode::Down(s), _) => (s, "down".to_string()),
        (Mode::WrongChallenge, "GET") => (200, "OK".to_string()),
        (_, "GET")
            if r.query("hub.verify_token").as_deref() == Some(token)
                && r.query("hub.mode").as_deref() == Some("subscribe") =>
        {
            (200, r.query("hub.challenge").unwrap_or_default())
        }
        (_, "GET") => (403, "Forbidden".to_string()),
        _ => (200, "EVENT_RECEIVED".to_string()),
    };
    if let Ok(mut v) = seen.lock() {
        v.push(r);
    }
    write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    )?;
    stream.flush()
}
