//! A connection's socket as hyper sees it, with two guards hyper does not offer:
//!
//! - hyper answers a request it cannot parse (a head over the size limit: 431, a request
//!   target over 65,534 bytes: 414, bad syntax: 400) itself, with an empty body. The guard
//!   recognises that answer as it is written and sends a Graph error envelope in its place
//!   (`server::transport_answer`), so every refusal a client sees is one (issue 13).
//! - a client that stops reading its answer would hold the connection and the answer
//!   forever: a write that makes no progress for the stall timeout fails the connection.

use bytes::Bytes;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

/// Builds the Graph answer that replaces hyper's bare one with this status.
pub(crate) type Replacement = Box<dyn Fn(u16) -> Bytes + Send + Sync>;

pub(crate) struct GuardedIo<T> {
    inner: T,
    replacement: Replacement,
    /// A replacement answer not yet fully written, and how much of it was.
    pending: Option<(Bytes, usize)>,
    stall: Duration,
    /// Running while writes make no progress.
    stalled: Option<Pin<Box<Sleep>>>,
}

impl<T> GuardedIo<T> {
    pub(crate) fn new(inner: T, stall: Duration, replacement: Replacement) -> Self {
        GuardedIo {
            inner,
            replacement,
            pending: None,
            stall,
            stalled: None,
        }
    }
}

/// The status of hyper's own answer to a request it could not parse, if `buf` starts one:
/// `HTTP/1.1 400|414|431`, `content-length: 0` and no `content-type` (every answer igsim
/// itself writes has one; JSON bodies never hold a raw CRLF, so no body can look like this).
pub(crate) fn hyper_refusal(buf: &[u8]) -> Option<u16> {
    let status = match buf.get(..13)? {
        b"HTTP/1.1 400 " => 400,
        b"HTTP/1.1 414 " => 414,
        b"HTTP/1.1 431 " => 431,
        _ => return None,
    };
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = buf[..end].to_ascii_lowercase();
    let has = |line: &[u8]| head.windows(line.len()).any(|w| w == line);
    (has(b"\r\ncontent-length: 0") && !has(b"\r\ncontent-type:")).then_some(status)
}

impl<T: AsyncWrite + Unpin> GuardedIo<T> {
    /// Fails the write once it has made no progress for the stall timeout.
    fn on_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let stall = self.stall;
        let timer = self.stalled.get_or_insert_with(|| Box::pin(tokio::time::sleep(stall)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client stopped reading its answer",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }

    /// Passes on the inner socket's answer to a write or flush, timing how long it makes no
    /// progress.
    fn watched<R>(&mut self, cx: &mut Context<'_>, polled: Poll<io::Result<R>>) -> Poll<io::Result<R>> {
        match polled {
            Poll::Pending => {
                ready!(self.on_pending(cx))?;
                Poll::Pending
            }
            done => {
                self.stalled = None;
                done
            }
        }
    }

    /// Writes what is left of a replacement answer.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((bytes, done)) = &mut self.pending {
            match Pin::new(&mut self.inner).poll_write(cx, &bytes[*done..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => {
                    self.stalled = None;
                    *done += n;
                    if *done >= bytes.len() {
                        self.pending = None;
                    }
                }
                other => {
                    ready!(self.watched(cx, other))?;
                }
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Takes hyper's bare refusal in `buf` (all of it, as far as hyper knows) and queues the
    /// Graph answer instead.
    fn replace(&mut self, cx: &mut Context<'_>, status: u16, len: usize) -> Poll<io::Result<usize>> {
        self.pending = Some(((self.replacement)(status), 0));
        match self.drain(cx) {
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            // Whatever is left goes out on the next write, flush or shutdown.
            _ => Poll::Ready(Ok(len)),
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for GuardedIo<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for GuardedIo<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        ready!(self.drain(cx))?;
        if let Some(status) = hyper_refusal(buf) {
            return self.replace(cx, status, buf.len());
        }
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.watched(cx, polled)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        ready!(self.drain(cx))?;
        if let Some(first) = bufs.iter().find(|b| !b.is_empty()) {
            if let Some(status) = hyper_refusal(first) {
                return self.replace(cx, status, first.len());
            }
        }
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.watched(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        let polled = Pin::new(&mut self.inner).poll_flush(cx);
        self.watched(cx, polled)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hypers_bare_refusals_are_recognised() {
        let bare = |status: &str| {
            format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\ndate: Thu, 01 Jan 2026 00:00:00 GMT\r\n\r\n")
        };
        assert_eq!(
            hyper_refusal(bare("431 Request Header Fields Too Large").as_bytes()),
            Some(431)
        );
        assert_eq!(hyper_refusal(bare("414 URI Too Long").as_bytes()), Some(414));
        assert_eq!(hyper_refusal(bare("400 Bad Request").as_bytes()), Some(400));
        assert_eq!(hyper_refusal(bare("404 Not Found").as_bytes()), None);
        // igsim's own answers carry a content type (and a body).
        let graph =
            "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json; charset=UTF-8\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(hyper_refusal(graph.as_bytes()), None);
        let with_body = "HTTP/1.1 400 Bad Request\r\ncontent-length: 12\r\n\r\n";
        assert_eq!(hyper_refusal(with_body.as_bytes()), None);
        // A JSON body that happens to start like a status line has no CRLF in it.
        assert_eq!(hyper_refusal(b"HTTP/1.1 400 \\r\\ncontent-length: 0\\r\\n\\r\\n"), None);
    }
}
