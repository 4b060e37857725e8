//! Rate limiting of one sandbox as sliding windows on its clock (guides "Overview" → "Rate
//! Limiting"; facts §1.4, §2): the Instagram Business Use Case limit per app–account pair
//! (4800 × impressions per rolling 24 h, error 80002) and the Platform limit per app
//! (200 × app users per rolling hour, error 4; optionally per user, error 17), which is what
//! Business Discovery and Hashtag Search count against instead of BUC; and the Pages BUC per
//! Page (4800 × engaged users per rolling 24 h, error 80001; `RATE`, "Business Use Case Rate
//! Limits", and the Page-level rate limits blog post of 2016-06-16).
//!
//! Pure: no IO, every operation takes `now`. The sandbox has one app, so "per app–account
//! pair" is "per account" here.
//!
//! A refused call consumes nothing (production's accounting of throttled calls is not
//! documented; refusing without counting lets a client that backs off recover on time).

use super::window::{Counter, Window};
use super::World;
use crate::config::RateLimitConfig;
use crate::ids::{IgUserId, PageId, UserId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Per-sandbox replacements of the process defaults (control plane).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Overrides {
    pub(crate) buc_calls_per_day: Option<u64>,
    pub(crate) platform_calls_per_hour: Option<u64>,
    pub(crate) user_calls_per_hour: Option<u64>,
    /// Impressions of an account in the last 24 h, replacing the followers-derived default.
    pub(crate) impressions: BTreeMap<IgUserId, u64>,
    /// A fixed Pages BUC limit for every Page, replacing the formula.
    pub(crate) page_calls_per_day: Option<u64>,
    /// Engaged users of a Page in the last 24 h, replacing `page_engaged_users`.
    pub(crate) page_engaged_users: BTreeMap<PageId, u64>,
}

/// The rate-limit state of a sandbox: per-request bookkeeping, kept beside the world under
/// its own lock (`Sandbox::with_rate_limits`), so counting a call never waits for a response
/// being rendered (issue 12).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct RateLimits {
    pub(crate) overrides: Overrides,
    buc: BTreeMap<IgUserId, Counter>,
    pages: BTreeMap<PageId, Counter>,
    platform: Counter,
    users: BTreeMap<UserId, Counter>,
}

impl RateLimits {
    /// Every call window's invariants, for a restored snapshot (`model::check`).
    pub(crate) fn check(&self) -> Result<(), String> {
        self.platform.check("rate_limits.platform")?;
        for (id, c) in &self.buc {
            c.check(&format!("rate_limits.buc of {id}"))?;
        }
        for (id, c) in &self.pages {
            c.check(&format!("rate_limits.pages of {id}"))?;
        }
        for (id, c) in &self.users {
            c.check(&format!("rate_limits.users of {id}"))?;
        }
        Ok(())
    }
}

/// What one call counts against.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// IG accounts whose BUC limit the call counts against (usually one, several for `ids=`).
    pub(crate) accounts: BTreeSet<IgUserId>,
    /// Pages whose BUC the call counts against (reads of a Page node and its edges).
    pub(crate) pages: BTreeSet<PageId>,
    /// Business Discovery or Hashtag Search: counts against the Platform limit.
    pub(crate) platform: bool,
}

/// Which limit refused a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Denied {
    /// Instagram BUC of this account (80002).
    Account(IgUserId),
    /// Pages BUC of this Page (80001, or the Page-level 32: `RateLimitConfig::page_error`).
    Page(PageId),
    /// App-level Platform limit (4).
    App,
    /// User-level Platform limit (17).
    User,
}

/// Usage of one limit, as the headers report it (facts §2: percentages 0-100).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Usage {
    pub(crate) calls: u64,
    pub(crate) limit: u64,
    /// `calls` as a percentage of `limit`, rounded down, at most 100.
    pub(crate) percent: u64,
    /// Minutes until the limit admits a call again (0 while it does).
    pub(crate) regain_minutes: u64,
}

/// What the rate-limit headers of one answer say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Report {
    pub(crate) app: Usage,
    pub(crate) accounts: BTreeMap<IgUserId, Usage>,
    pub(crate) pages: BTreeMap<PageId, Usage>,
}

fn percent(calls: u64, limit: u64) -> u64 {
    if limit == 0 {
        return 100;
    }
    (calls.saturating_mul(100) / limit).min(100)
}

fn usage(calls: &mut Counter, now: i64, len: i64, limit: u64) -> Usage {
    let window = Window::of(len);
    let regain = calls.regain_in(now, window, limit);
    let calls = calls.count(now, window);
    Usage {
        calls,
        limit,
        percent: percent(calls, limit),
        regain_minutes: (regain as u64).div_ceil(60),
    }
}

/// Impressions of an account over the last 24 h: an override, or generous and derived from
/// followers (config `buc_impressions_per_follower`, `buc_min_impressions`).
pub(crate) fn impressions(world: &World, rl: &RateLimits, cfg: &RateLimitConfig, account: IgUserId) -> u64 {
    if let Some(&n) = rl.overrides.impressions.get(&account) {
        return n;
    }
    let followers = world.ig_users.get(&account).map_or(0, |a| a.followers_count);
    followers
        .saturating_mul(cfg.buc_impressions_per_follower)
        .max(cfg.buc_min_impressions)
}

/// Calls an account admits per BUC window (facts §2: 4800 × impressions).
pub(crate) fn buc_limit(world: &World, rl: &RateLimits, cfg: &RateLimitConfig, account: IgUserId) -> u64 {
    rl.overrides
        .buc_calls_per_day
        .or(cfg.buc_calls_per_day)
        .unwrap_or_else(|| impressions(world, rl, cfg, account).saturating_mul(cfg.buc_calls_per_impression))
}

/// Engaged users of a Page over the last 24 h: an override, or the `page_engaged_users` knob
/// (igsim does not model who engages with a Page).
pub(crate) fn engaged_users(rl: &RateLimits, cfg: &RateLimitConfig, page: PageId) -> u64 {
    rl.overrides
        .page_engaged_users
        .get(&page)
        .copied()
        .unwrap_or(cfg.page_engaged_users)
}

/// Calls a Page admits per BUC window (`RATE`: "Calls within 24 hours = 4800 * Number of
/// Engaged Users"; the same 4800 as the Instagram BUC's factor).
pub(crate) fn page_limit(rl: &RateLimits, cfg: &RateLimitConfig, page: PageId) -> u64 {
    rl.overrides
        .page_calls_per_day
        .or(cfg.page_calls_per_day)
        .unwrap_or_else(|| {
            cfg.buc_calls_per_impression
                .saturating_mul(engaged_users(rl, cfg, page))
        })
}

/// Calls the app admits per Platform window (facts §2: 200 × number of users; the sandbox's
/// users stand for the app's users, at least one).
pub(crate) fn platform_limit(world: &World, rl: &RateLimits, cfg: &RateLimitConfig) -> u64 {
    rl.overrides
        .platform_calls_per_hour
        .or(cfg.platform_calls_per_hour)
        .unwrap_or_else(|| {
            cfg.platform_calls_per_user
                .saturating_mul(world.users.len().max(1) as u64)
        })
}

/// Calls one user admits per Platform window, if the user-level limit is on.
pub(crate) fn user_limit(rl: &RateLimits, cfg: &RateLimitConfig) -> Option<u64> {
    rl.overrides.user_calls_per_hour.or(cfg.user_calls_per_hour)
}

/// The limits a call of `scope` is held to, computed once per call (counting a call changes
/// none of them).
struct Limits {
    platform: u64,
    user: Option<u64>,
    accounts: Vec<(IgUserId, u64)>,
    pages: Vec<(PageId, u64)>,
    platform_scope: bool,
}

fn limits(world: &World, rl: &RateLimits, cfg: &RateLimitConfig, scope: &Scope) -> Limits {
    Limits {
        platform: platform_limit(world, rl, cfg),
        user: user_limit(rl, cfg),
        accounts: scope
            .accounts
            .iter()
            .map(|&a| (a, buc_limit(world, rl, cfg, a)))
            .collect(),
        pages: scope.pages.iter().map(|&p| (p, page_limit(rl, cfg, p))).collect(),
        platform_scope: scope.platform,
    }
}

/// Counts a call of `scope` made by `user` at `now`, or says which limit refuses it (and then
/// counts nothing); and the usage its answer's headers report ([`report`]) after that, the
/// limits computed once for both.
pub(crate) fn admit_and_report(
    world: &World,
    rl: &mut RateLimits,
    cfg: &RateLimitConfig,
    scope: &Scope,
    user: Option<UserId>,
    now: i64,
) -> (Result<(), Denied>, Report) {
    let limits = limits(world, rl, cfg, scope);
    let verdict = admit_within(rl, cfg, &limits, user, now);
    (verdict, report_within(rl, cfg, &limits, now))
}

fn admit_within(
    rl: &mut RateLimits,
    cfg: &RateLimitConfig,
    limits: &Limits,
    user: Option<UserId>,
    now: i64,
) -> Result<(), Denied> {
    let (plen, blen) = (
        Window::of(cfg.platform_window_seconds),
        Window::of(cfg.buc_window_seconds),
    );
    if limits.platform_scope {
        if rl.platform.count(now, plen) >= limits.platform {
            return Err(Denied::App);
        }
        if let (Some(limit), Some(u)) = (limits.user, user) {
            if rl.users.entry(u).or_default().count(now, plen) >= limit {
                return Err(Denied::User);
            }
        }
    }
    for &(a, limit) in &limits.accounts {
        if rl.buc.entry(a).or_default().count(now, blen) >= limit {
            return Err(Denied::Account(a));
        }
    }
    for &(p, limit) in &limits.pages {
        if rl.pages.entry(p).or_default().count(now, blen) >= limit {
            return Err(Denied::Page(p));
        }
    }
    if limits.platform_scope {
        rl.platform.record(now);
        if let Some(u) = user {
            rl.users.entry(u).or_default().record(now);
        }
    }
    for &(a, _) in &limits.accounts {
        rl.buc.entry(a).or_default().record(now);
    }
    for &(p, _) in &limits.pages {
        rl.pages.entry(p).or_default().record(now);
    }
    Ok(())
}

/// The usage the headers of an answer to a call of `scope` report at `now`.
pub(crate) fn report(world: &World, rl: &mut RateLimits, cfg: &RateLimitConfig, scope: &Scope, now: i64) -> Report {
    let limits = limits(world, rl, cfg, scope);
    report_within(rl, cfg, &limits, now)
}

fn report_within(rl: &mut RateLimits, cfg: &RateLimitConfig, limits: &Limits, now: i64) -> Report {
    let app = usage(&mut rl.platform, now, cfg.platform_window_seconds, limits.platform);
    let accounts = limits
        .accounts
        .iter()
        .map(|&(a, limit)| {
            let u = usage(rl.buc.entry(a).or_default(), now, cfg.buc_window_seconds, limit);
            (a, u)
        })
        .collect();
    let pages = limits
        .pages
        .iter()
        .map(|&(p, limit)| {
            let u = usage(rl.pages.entry(p).or_default(), now, cfg.buc_window_seconds, limit);
            (p, u)
        })
        .collect();
    Report { app, accounts, pages }
}

/// Usage of one account's BUC limit (control plane).
pub(crate) fn account_usage(
    world: &World,
    rl: &mut RateLimits,
    cfg: &RateLimitConfig,
    account: IgUserId,
    now: i64,
) -> Usage {
    let limit = buc_limit(world, rl, cfg, account);
    let w = rl.buc.entry(account).or_default();
    usage(w, now, cfg.buc_window_seconds, limit)
}

/// Usage of one Page's BUC limit (control plane).
pub(crate) fn page_usage(rl: &mut RateLimits, cfg: &RateLimitConfig, page: PageId, now: i64) -> Usage {
    let limit = page_limit(rl, cfg, page);
    let w = rl.pages.entry(page).or_default();
    usage(w, now, cfg.buc_window_seconds, limit)
}

/// Usage of one user's Platform calls against the user-level limit, if it is on.
pub(crate) fn user_usage(rl: &mut RateLimits, cfg: &RateLimitConfig, user: UserId, now: i64) -> (u64, Option<u64>) {
    let limit = user_limit(rl, cfg);
    let calls = rl
        .users
        .get_mut(&user)
        .map_or(0, |w| w.count(now, Window::of(cfg.platform_window_seconds)));
    (calls, limit)
}

/// Forgets every counted call (control plane), keeping the overrides.
pub(crate) fn clear_usage(rl: &mut RateLimits) {
    rl.buc.clear();
    rl.pages.clear();
    rl.users.clear();
    rl.platform = Counter::default();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_forgets_calls_exactly_one_length_later() {
        let mut w = Counter::default();
        w.record(100);
        w.record(100);
        w.record(150);
        assert_eq!(w.count(199, Window::of(100)), 3);
        assert_eq!(w.count(200, Window::of(100)), 1);
        assert_eq!(w.count(250, Window::of(100)), 0);
    }

    #[test]
    fn regain_time_is_when_enough_old_calls_leave() {
        let mut w = Counter::default();
        for t in [0, 10, 20] {
            w.record(t);
        }
        // At limit 3 the call at 0 must leave: at t = 100.
        assert_eq!(w.regain_in(30, Window::of(100), 3), 70);
        // At limit 2 the calls at 0 and 10 must leave.
        assert_eq!(w.regain_in(30, Window::of(100), 2), 80);
        assert_eq!(w.regain_in(30, Window::of(100), 4), 0);
    }

    proptest::proptest! {
        #[test]
        fn admitted_calls_never_exceed_the_limit_in_any_window(
            steps in proptest::collection::vec((0i64..50, 0u8..4), 1..200),
            limit in 1u64..6,
        ) {
            let (len, mut now) = (60i64, 0i64);
            let mut w = Counter::default();
            let mut admitted: Vec<i64> = Vec::new();
            for (dt, calls) in steps {
                now += dt;
                for _ in 0..calls {
                    let in_window = admitted.iter().filter(|&&t| t > now - len).count() as u64;
                    let ok = w.count(now, Window::of(len)) < limit;
                    proptest::prop_assert_eq!(ok, in_window < limit);
                    if ok {
                        w.record(now);
                        admitted.push(now);
                    } else {
                        let regain = w.regain_in(now, Window::of(len), limit);
                        let later = admitted.iter().filter(|&&t| t > now + regain - len).count() as u64;
                        proptest::prop_assert!(later < limit);
                        let before = admitted.iter().filter(|&&t| t > now + regain - 1 - len).count() as u64;
                        proptest::prop_assert!(regain == 0 || before >= limit);
                    }
                }
            }
        }
    }
}
