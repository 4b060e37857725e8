//! Request logs: `igsim serve` installs a `tracing` subscriber that writes one line per
//! request to stderr (time, sandbox, method, path, status, Graph error code, duration, fault
//! rule), as text or JSON. Events come from `http::exchange` (targets `igsim::request` and
//! `igsim::control`); paths are logged without their query string, so tokens never appear.
//! The library installs nothing: an embedding test sees no output unless it asks.

use std::str::FromStr;
use tracing_subscriber::filter::Targets;
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

/// Installs the process-wide subscriber writing to stderr. Call once, before serving.
pub fn init(format: LogFormat, filter: Targets) -> Result<(), String> {
    let layer = match format {
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_writer(std::io::stderr)
            .boxed(),
    };
    tracing_subscriber::registry()
        .with(layer.with_filter(filter))
        .try_init()
        .map_err(|e| format!("cannot install the logger: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
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
