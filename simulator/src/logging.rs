//! Request logs: `igsim serve` installs a `tracing` subscriber that writes one line per
//! request to stderr (time, sandbox, method, path, status, Graph error code, duration, fault
//! rule), as text or JSON, never making a request wait for stderr ([`LineSink`]), and drained
//! on a graceful stop ([`LineSink::drain`]). Events come from `http::exchange` (targets `igsim::request` and
//! `igsim::control`); paths are logged without their query string, so tokens never appear.
//! The library installs nothing: an embedding test sees no output unless it asks.

use std::io::Write;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// `2026-01-01T00:00:00.000000Z  INFO igsim::request: sandbox=default method=GET …`
    Text,
    /// One JSON object per line: `{"timestamp":…,"level":"INFO","fields":{…},"target":…}`.
    Json,
}

/// The level used when neither `--log-level` nor `RUST_LOG` says: one line per request.
pub const DEFAULT_LEVEL: &str = "info";

/// Which events are written: `level` (from `--log-level`) wins over `rust_log` (the
/// `RUST_LOG` variable); both take `tracing` target directives (`info`,
/// `igsim::request=off,warn`). The error names the bad directive.
pub fn filter(level: Option<&str>, rust_log: Option<&str>) -> Result<Targets, String> {
    let (source, text) = match (level, rust_log.filter(|s| !s.trim().is_empty())) {
        (Some(l), _) => ("--log-level", l),
        (None, Some(env)) => ("RUST_LOG", env),
        (None, None) => ("the default", DEFAULT_LEVEL),
    };
    let bad = || {
        format!("{source} {text:?} is not a log filter: use a level (error, warn, info, debug, trace, off) or target=level pairs")
    };
    // Each directive is a level or `target=level` (a bare word would silently mean "everything
    // of a target named so").
    const LEVELS: &[&str] = &["off", "error", "warn", "info", "debug", "trace"];
    let well_formed = text.split(',').map(str::trim).filter(|d| !d.is_empty()).all(|d| {
        let (target, level) = d.rsplit_once('=').unwrap_or(("*", d));
        !target.is_empty() && LEVELS.contains(&level.to_ascii_lowercase().as_str())
    });
    if !well_formed {
        return Err(bad());
    }
    Targets::from_str(text).map_err(|_| bad())
}

/// Log lines waiting for stderr before new ones are dropped (about a megabyte at most).
pub const BUFFERED_LINES: usize = 4096;

/// How long a graceful stop waits for stderr to take the next queued line before giving up
/// on the rest (a reader that stopped reading); any progress restarts the wait.
pub const DRAIN_PATIENCE: Duration = Duration::from_secs(2);

/// Installs the process-wide subscriber writing to stderr. Call once, before serving; keep
/// the returned sink and [`LineSink::drain`] it before the process exits.
///
/// Lines go to stderr from a thread of their own through a bounded queue: a request never
/// waits on stderr. When nobody reads it (a parent that captures it but reads only at exit,
/// a stalled terminal), the queue fills and further lines are dropped and counted, never
/// blocking igsim; once stderr moves again a line says how many were lost.
pub fn init(format: LogFormat, filter: Targets) -> Result<LineSink, String> {
    let sink = LineSink::to_stderr()?;
    let writer = sink.clone();
    let layer = match format {
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .with_ansi(false)
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer().json().with_writer(writer).boxed(),
    };
    tracing_subscriber::registry()
        .with(layer.with_filter(filter))
        .try_init()
        .map_err(|e| format!("cannot install the logger: {e}"))?;
    Ok(sink)
}

/// A queued line and how many lines were dropped just before it (the writer says so first).
type Queued = (u64, Vec<u8>);

/// Where log lines go: a bounded queue to a writer thread.
#[derive(Clone)]
pub struct LineSink {
    queue: SyncSender<Queued>,
    dropped: Arc<AtomicU64>,
    progress: Arc<Progress>,
}

/// Lines queued and lines written, for [`LineSink::drain`]: the writer thread counts each
/// line it wrote and wakes whoever waits.
#[derive(Default)]
struct Progress {
    queued: AtomicU64,
    written: Mutex<u64>,
    moved: Condvar,
}

impl LineSink {
    /// A sink whose lines a new thread writes to stderr.
    fn to_stderr() -> Result<Self, String> {
        Self::to(std::io::stderr(), BUFFERED_LINES)
    }

    /// A sink whose lines a new thread writes to `out`, at most `buffered` lines waiting.
    pub fn to(mut out: impl Write + Send + 'static, buffered: usize) -> Result<Self, String> {
        let (queue, lines) = sync_channel::<Queued>(buffered.max(1));
        let dropped = Arc::new(AtomicU64::new(0));
        let progress = Arc::new(Progress::default());
        let (counted, told) = (dropped.clone(), progress.clone());
        let notice = |out: &mut dyn Write, lost: u64| {
            if lost > 0 {
                let _ = writeln!(out, "igsim: {lost} log lines dropped (stderr was not being read)");
            }
        };
        std::thread::Builder::new()
            .name("igsim-log".into())
            .spawn(move || {
                let mut next = lines.recv().ok();
                while let Some((lost, line)) = next {
                    // The notice stands where the lines went missing.
                    notice(&mut out, lost);
                    let _ = out.write_all(&line);
                    next = lines.try_recv().ok();
                    if next.is_none() {
                        // Caught up: lines dropped after the last queued one are told now.
                        notice(&mut out, counted.swap(0, Ordering::Relaxed));
                        let _ = out.flush();
                    }
                    *told.written.lock().unwrap_or_else(|p| p.into_inner()) += 1;
                    told.moved.notify_all();
                    if next.is_none() {
                        next = lines.recv().ok();
                    }
                }
            })
            .map_err(|e| format!("cannot start the log writer: {e}"))?;
        Ok(LineSink {
            queue,
            dropped,
            progress,
        })
    }

    /// Waits until every line queued before the call is written, so that a graceful stop
    /// loses nothing logged before it. Gives up when the writer takes no line for
    /// `patience` (stderr is not being read); the answer is how many queued lines were
    /// left unwritten (0 when all went out).
    pub fn drain(&self, patience: Duration) -> u64 {
        let target = self.progress.queued.load(Ordering::SeqCst);
        let mut written = self.progress.written.lock().unwrap_or_else(|p| p.into_inner());
        while *written < target {
            let before = *written;
            let (now, wait) = self
                .progress
                .moved
                .wait_timeout(written, patience)
                .unwrap_or_else(|p| p.into_inner());
            written = now;
            if wait.timed_out() && *written == before {
                break;
            }
        }
        target.saturating_sub(*written)
    }
}

/// One event's line, queued whole when the formatter is done with it.
pub struct Line {
    buf: Vec<u8>,
    sink: LineSink,
}

impl Write for Line {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        if !self.buf.is_empty() {
            // The drops since the last queued line travel with this one.
            let lost = self.sink.dropped.swap(0, Ordering::Relaxed);
            match self.sink.queue.try_send((lost, std::mem::take(&mut self.buf))) {
                // Counted once queued: a line logged before a drain has been counted by then.
                Ok(()) => {
                    self.sink.progress.queued.fetch_add(1, Ordering::SeqCst);
                }
                Err(TrySendError::Full((lost, _))) => {
                    self.sink.dropped.fetch_add(lost + 1, Ordering::Relaxed);
                }
                Err(TrySendError::Disconnected(_)) => {}
            }
        }
    }
}

impl<'a> MakeWriter<'a> for LineSink {
    type Writer = Line;

    fn make_writer(&'a self) -> Line {
        Line {
            buf: Vec::with_capacity(256),
            sink: self.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that takes a line each time it is told to, and everything once released (a
    /// parent that reads stderr slowly, or not at all until it lets go).
    struct Gated(std::sync::mpsc::Receiver<()>, Arc<std::sync::Mutex<Vec<u8>>>);

    impl Write for Gated {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            let _ = self.0.recv();
            self.1.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_stalled_stderr_drops_lines_instead_of_blocking_and_says_how_many() {
        let (release, gate) = std::sync::mpsc::channel();
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = LineSink::to(Gated(gate, seen.clone()), 2).unwrap();
        // The writer thread takes the first line and blocks on it; two more fill the queue;
        // the rest are dropped, and none of this waits.
        for i in 0..10 {
            writeln!(sink.make_writer(), "line {i}").unwrap();
        }
        let dropped = sink.dropped.load(Ordering::Relaxed);
        assert!(dropped >= 7, "{dropped}");
        // stderr moves again: what was queued goes out, then the count, then new lines (the
        // count stands where the lines went missing, however fast new ones come).
        drop(release);
        let text = loop {
            writeln!(sink.make_writer(), "after").unwrap();
            let text = String::from_utf8(seen.lock().unwrap().clone()).unwrap();
            if text.contains("after") {
                break text;
            }
            std::thread::yield_now();
        };
        assert!(text.starts_with("line 0\n"), "{text}");
        let notice = text.find("log lines dropped (stderr was not being read)").expect(&text);
        assert!(notice < text.find("after").unwrap(), "{text}");
    }
    #[test]
    fn a_drain_waits_for_every_queued_line_and_gives_up_only_on_a_stalled_reader() {
        let (step, gate) = std::sync::mpsc::channel();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = LineSink::to(Gated(gate, seen.clone()), 16).unwrap();
        for i in 0..5 {
            writeln!(sink.make_writer(), "line {i}").unwrap();
        }
        // The reader takes the lines one by one while the drain waits: all five go out.
        let reader = std::thread::spawn(move || {
            for _ in 0..5 {
                step.send(()).unwrap();
            }
            step
        });
        assert_eq!(sink.drain(Duration::from_secs(600)), 0);
        let text = String::from_utf8(seen.lock().unwrap().clone()).unwrap();
        assert_eq!(text, "line 0\nline 1\nline 2\nline 3\nline 4\n");
        // A reader that stops reading: the drain gives up and says how many are left.
        let step = reader.join().unwrap();
        writeln!(sink.make_writer(), "stuck 1").unwrap();
        writeln!(sink.make_writer(), "stuck 2").unwrap();
        assert_eq!(sink.drain(Duration::from_millis(1)), 2);
        drop(step);
    }

    use tracing::level_filters::LevelFilter;

    #[test]
    fn the_flag_wins_over_rust_log_and_info_is_the_default() {
        let f = filter(Some("warn"), Some("debug")).unwrap();
        assert!(f.would_enable("igsim::request", &tracing::Level::WARN));
        assert!(!f.would_enable("igsim::request", &tracing::Level::INFO));
        let f = filter(None, Some("igsim::request=off,info")).unwrap();
        assert!(!f.would_enable("igsim::request", &tracing::Level::WARN));
        assert!(f.would_enable("igsim::control", &tracing::Level::INFO));
        let f = filter(None, None).unwrap();
        assert_eq!(f.default_level(), Some(LevelFilter::INFO));
        assert!(filter(Some("loud"), None).unwrap_err().contains("--log-level \"loud\""));
        assert!(filter(None, Some("igsim=loud")).unwrap_err().contains("RUST_LOG"));
        assert!(filter(Some("=info"), None).is_err());
    }
}
