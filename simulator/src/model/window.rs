//! The one moving window every quota, rate limit and lifetime counts in: the publishing quota
//! and the container cap (24 h), tagged posts (24 h), unique hashtag searches (7 days), recent
//! hashtag media (24 h), live stories (24 h), the BUC, Pages and Platform rate limits, and the
//! webhook retry window (36 h).
//!
//! A window `len` seconds long holds, at `now`, the times `(now - len, now]`: something that
//! happened exactly `len` seconds ago has just left it (facts §4.5: "in the last 24 hours";
//! the rate limits' rolling windows, facts §2). [`Counter`] counts events in a window without
//! keeping each one (rate limits).

use super::TimeKey;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::ops::RangeInclusive;

/// A moving window `len` seconds long (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    pub(crate) len: i64,
}

impl Window {
    pub(crate) const fn of(len: i64) -> Self {
        Window { len }
    }

    /// The earliest time that has left the window at `now`.
    fn start(self, now: i64) -> i64 {
        now.saturating_sub(self.len)
    }

    /// Whether something that happened at `t` is inside the window at `now`.
    pub(crate) fn contains(self, now: i64, t: i64) -> bool {
        t > self.start(now) && t <= now
    }

    /// How many of `items`, kept in time order (`time` of each), are inside the window at
    /// `now`, by binary search: O(log n) for a quota asked on every write.
    pub(crate) fn count_sorted<T>(self, now: i64, items: &[T], time: impl Fn(&T) -> i64) -> usize {
        let lo = items.partition_point(|x| time(x) <= self.start(now));
        let hi = items.partition_point(|x| time(x) <= now);
        hi.saturating_sub(lo)
    }

    /// The keys of a time-keyed map ([`TimeKey`]) inside the window at `now`.
    pub(crate) fn keys(self, now: i64) -> RangeInclusive<TimeKey> {
        (self.start(now).saturating_add(1), 0)..=(now, u64::MAX)
    }

    /// When something that happened at `t` leaves the window.
    pub(crate) fn leaves_at(self, t: i64) -> i64 {
        t.saturating_add(self.len)
    }
}

/// Events inside a moving window, bucketed by second, oldest first: counts without keeping
/// each event (the rate limits' calls).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Counter {
    slots: VecDeque<(i64, u64)>,
    total: u64,
}

impl Counter {
    fn expire(&mut self, now: i64, window: Window) {
        while let Some(&(t, n)) = self.slots.front() {
            if window.contains(now, t) {
                break;
            }
            self.total -= n;
            self.slots.pop_front();
        }
    }

    /// For a restored snapshot (`model::check`): the buckets are in time order and in range,
    /// and `total` is their sum (counting down from it must never go below zero).
    pub(crate) fn check(&self, what: &str) -> Result<(), String> {
        let mut sum: u64 = 0;
        let mut last = i64::MIN;
        for &(t, n) in &self.slots {
            super::check::time(what, t)?;
            if t < last {
                return Err(format!("{what}: its buckets are out of time order"));
            }
            last = t;
            sum = sum
                .checked_add(n)
                .ok_or_else(|| format!("{what}: its buckets overflow"))?;
        }
        if sum != self.total {
            return Err(format!(
                "{what}: total {} is not the sum of its buckets ({sum})",
                self.total
            ));
        }
        Ok(())
    }

    /// Events inside the window at `now`.
    pub(crate) fn count(&mut self, now: i64, window: Window) -> u64 {
        self.expire(now, window);
        self.total
    }

    /// Counts one event at `now`.
    pub(crate) fn record(&mut self, now: i64) {
        match self.slots.back_mut() {
            // Sandbox time never goes backwards; a same-second (or, defensively, earlier)
            // event joins the newest bucket so the deque stays ordered.
            Some((t, n)) if *t >= now => *n += 1,
            _ => self.slots.push_back((now, 1)),
        }
        self.total += 1;
    }

    /// Seconds from `now` until fewer than `limit` events remain in the window (0 if
    /// already).
    pub(crate) fn regain_in(&mut self, now: i64, window: Window, limit: u64) -> i64 {
        let count = self.count(now, window);
        if count < limit {
            return 0;
        }
        let mut to_shed = count - limit + 1;
        for &(t, n) in &self.slots {
            if n >= to_shed {
                return (window.leaves_at(t) - now).max(0);
            }
            to_shed -= n;
        }
        window.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Counting time-ordered items by binary search is counting them one by one.
        #[test]
        fn sorted_counts_match_counts(mut times in proptest::collection::vec(0i64..100, 0..60), now in -5i64..105, len in 0i64..50) {
            times.sort_unstable();
            let w = Window::of(len);
            let one_by_one = times.iter().filter(|&&t| w.contains(now, t)).count();
            proptest::prop_assert_eq!(w.count_sorted(now, &times, |t| *t), one_by_one);
        }
    }

    #[test]
    fn something_leaves_the_window_exactly_one_length_later() {
        let day = Window::of(86_400);
        assert!(day.contains(1_000, 1_000));
        assert!(day.contains(86_399 + 1_000, 1_000));
        assert!(!day.contains(86_400 + 1_000, 1_000));
        assert!(!day.contains(1_000, 1_001), "the future is not inside");
        assert_eq!(day.leaves_at(1_000), 87_400);
        assert_eq!(day.count_sorted(90_000, &[3_000, 4_000, 90_000, 90_001], |t| *t), 2);
        assert_eq!(day.keys(86_400), (1, 0)..=(86_400, u64::MAX));
    }

    #[test]
    fn a_counter_agrees_with_the_window() {
        let hour = Window::of(3_600);
        let mut c = Counter::default();
        for t in [0, 0, 10, 3_599] {
            c.record(t);
        }
        assert_eq!(c.count(3_599, hour), 4);
        assert_eq!(c.count(3_600, hour), 2);
        assert_eq!(c.regain_in(3_600, hour, 2), 10);
        assert_eq!(c.count(7_198, hour), 1);
        assert_eq!(c.count(7_199, hour), 0);
    }
}
