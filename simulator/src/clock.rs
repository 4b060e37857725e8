//! The only reader of the OS clock, and the per-sandbox virtual clock built on it.
//!
//! Every timestamp a sandbox shows comes from [`SandboxClock::now`]. The model never reads
//! a clock: handlers take `now` from here and pass it down.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch according to the operating system.
pub(crate) fn os_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Milliseconds since the Unix epoch according to the operating system (the request
/// journal's wall time).
pub(crate) fn os_now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Wall-clock time spent on a request (the journal's `duration_us`, the request log). Never
/// reaches a Graph response.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stopwatch(std::time::Instant);

impl Stopwatch {
    pub(crate) fn start() -> Self {
        Stopwatch(std::time::Instant::now())
    }

    pub(crate) fn elapsed_us(&self) -> u64 {
        u64::try_from(self.0.elapsed().as_micros()).unwrap_or(u64::MAX)
    }
}

/// The latest instant a sandbox clock may reach: 9999-12-31T23:59:59Z, the last second a
/// Graph timestamp (`YYYY-MM-DDTHH:MM:SS+0000`) can express. Keeping time below it also keeps
/// every `now + window` in the model far from overflow.
pub const MAX_TIME: i64 = 253_402_300_799;

/// A sandbox's virtual clock: the OS clock shifted by an offset, or frozen at one instant.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct SandboxClock {
    offset: i64,
    frozen_at: Option<i64>,
}

impl SandboxClock {
    /// A clock that follows the OS clock from `start` on (`start` is "now" at creation).
    pub(crate) fn running_from(start: i64, os_now: i64) -> Self {
        SandboxClock {
            offset: start - os_now,
            frozen_at: None,
        }
    }

    /// A clock frozen at `at` until resumed or advanced.
    pub(crate) fn frozen_at(at: i64) -> Self {
        SandboxClock {
            offset: 0,
            frozen_at: Some(at),
        }
    }

    pub(crate) fn now(&self, os_now: i64) -> i64 {
        match self.frozen_at {
            Some(t) => t,
            None => os_now.saturating_add(self.offset),
        }
    }

    pub(crate) fn is_frozen(&self) -> bool {
        self.frozen_at.is_some()
    }

    /// Moves virtual time forward; a frozen clock stays frozen at the later instant.
    /// Refuses (and changes nothing) when the result would pass [`MAX_TIME`].
    pub(crate) fn advance(&mut self, seconds: i64, os_now: i64) -> Result<(), i64> {
        let room = MAX_TIME.saturating_sub(self.now(os_now)).max(0);
        if seconds > room {
            return Err(room);
        }
        match self.frozen_at.as_mut() {
            Some(t) => *t += seconds,
            None => self.offset += seconds,
        }
        Ok(())
    }

    pub(crate) fn freeze(&mut self, os_now: i64) {
        if self.frozen_at.is_none() {
            self.frozen_at = Some(self.now(os_now));
        }
    }

    /// Lets a frozen clock run again from the instant it was frozen at (no jump).
    pub(crate) fn resume(&mut self, os_now: i64) {
        if let Some(t) = self.frozen_at.take() {
            self.offset = t - os_now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_never_passes_the_last_expressible_second() {
        let mut c = SandboxClock::frozen_at(MAX_TIME - 10);
        assert_eq!(c.advance(11, 0), Err(10));
        assert_eq!(c.now(0), MAX_TIME - 10, "a refused advance changes nothing");
        c.advance(10, 0).unwrap();
        assert_eq!(c.now(0), MAX_TIME);
        assert_eq!(c.advance(i64::MAX, 0), Err(0));
    }

    #[test]
    fn a_frozen_clock_only_moves_when_advanced() {
        let mut c = SandboxClock::frozen_at(1_000);
        assert_eq!(c.now(5), 1_000);
        assert_eq!(c.now(99_999), 1_000);
        c.advance(86_400, 7).unwrap();
        assert_eq!(c.now(7), 87_400);
        assert!(c.is_frozen());
    }

    #[test]
    fn resuming_continues_from_the_frozen_instant() {
        let mut c = SandboxClock::running_from(500, 100);
        assert_eq!(c.now(110), 510);
        c.freeze(120);
        assert_eq!(c.now(200), 520);
        c.resume(200);
        assert_eq!(c.now(210), 530);
        c.advance(10, 210).unwrap();
        assert_eq!(c.now(210), 540);
    }
}
