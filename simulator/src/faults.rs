//! Fault and latency injection: per-sandbox rules that make chosen Graph requests fail with
//! production's own errors, slow down, lose their connection or hang, so an app's retry and
//! timeout paths can be tested.
//!
//! A rule matches by method, path pattern ([`crate::pattern`]), node and edge; it fires on the
//! nth matching call, every nth, with a probability, or always; it lives for a number of
//! firings (`times`) or until a sandbox time (`expires_at`). Probabilities draw from a stream
//! seeded per rule and indexed by the rule's own matching calls, so the same seed and the same
//! requests give the same faults whatever else happens in the sandbox. Rules are checked in
//! order; every matching rule counts the call, and the first that fires applies.
//!
//! Errors are production's, from the error vocabulary: the transient codes apps must retry
//! (1, 2, 4, 17, 32, 613, 80002) and every documented publishing error (by subcode), each
//! with its HTTP status and envelope keys (`config::InjectedError`; a rule as clients write
//! it is `config::FaultSpec`). This module decides; `http::exchange` applies.

use crate::config::{ApiVersion, Config, FaultSpec, InjectedError};
use crate::pattern::PathPattern;
use serde::{Deserialize, Serialize};

/// Most rules one sandbox holds (each is checked on every request).
pub(crate) const MAX_RULES: usize = 1000;

/// A rule of a sandbox with its counters (`GET /_sim/sandboxes/{id}/faults` shows these): its
/// spec as validated (`id` and `seed` filled in, `expires_in` turned into `expires_at`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    #[serde(flatten)]
    pub(crate) spec: FaultSpec,
    /// Matching calls seen while the rule was live.
    pub(crate) matched: u64,
    /// Times it fired.
    pub fired: u64,
    /// `spec.path`, parsed.
    #[serde(skip)]
    pattern: Option<PathPattern>,
}

/// What a fired rule does to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Answer with this error (after `latency_ms`).
    Error { error: InjectedError, latency_ms: u64 },
    /// Answer normally, `ms` later.
    Latency { ms: u64 },
    /// Close the connection without an answer (after `latency_ms`).
    Drop { latency_ms: u64 },
    /// Answer nothing for `ms`, then close the connection.
    Hang { ms: u64 },
}

impl Effect {
    /// The journal's word for it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Effect::Error { .. } => "error",
            Effect::Latency { .. } => "latency",
            Effect::Drop { .. } => "drop",
            Effect::Hang { .. } => "hang",
        }
    }
}

/// A rule that fired on a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fired {
    pub(crate) rule: String,
    pub(crate) effect: Effect,
    /// The request runs first; the effect replaces its answer.
    pub(crate) after: bool,
}

/// What a rule is matched against: the request's method as served and its path.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call<'a> {
    pub(crate) method: &'a str,
    pub(crate) version: Option<ApiVersion>,
    /// Decoded path segments after the version.
    pub(crate) segments: &'a [String],
}

impl FaultRule {
    /// Validates a spec into a rule; `now` is the sandbox time (for `expires_in`).
    fn from_spec(spec: FaultSpec, id: String, seed: u64, now: i64, cfg: &Config) -> Result<Self, String> {
        let method = match spec.method.as_deref().map(str::to_ascii_uppercase) {
            None => None,
            Some(m) if ["GET", "POST", "DELETE"].contains(&m.as_str()) => Some(m),
            Some(m) => return Err(format!("method is GET, POST or DELETE, not {m:?}")),
        };
        let pattern = spec.path.as_deref().map(PathPattern::parse).transpose()?;
        let triggers = [spec.nth.is_some(), spec.every.is_some(), spec.probability.is_some()];
        if triggers.iter().filter(|t| **t).count() > 1 {
            return Err("give at most one of nth, every and probability".into());
        }
        if spec.nth == Some(0) || spec.every == Some(0) {
            return Err("nth and every count from 1".into());
        }
        if spec.probability.is_some_and(|p| !(0.0..=1.0).contains(&p)) {
            return Err("probability is between 0 and 1".into());
        }
        let effects = [spec.error.is_some(), spec.drop, spec.hang_ms.is_some()];
        match effects.iter().filter(|e| **e).count() {
            0 if spec.latency_ms.is_none() => {
                return Err("give an effect: error, latency_ms, drop or hang_ms".into());
            }
            0 | 1 => {}
            _ => return Err("give one of error, drop and hang_ms (latency_ms may come with error or drop)".into()),
        }
        if spec.hang_ms.is_some() && spec.latency_ms.is_some() {
            return Err("a hang is its own delay: give hang_ms or latency_ms".into());
        }
        if spec.after && effects.iter().all(|e| !e) {
            return Err("after applies to an error, drop or hang".into());
        }
        let max = cfg.fault_max_delay_ms;
        if spec.latency_ms.max(spec.hang_ms).is_some_and(|ms| ms > max) {
            return Err(format!("latency_ms and hang_ms are at most {max} (fault_max_delay_ms)"));
        }
        if spec.times == Some(0) {
            return Err("times is at least 1".into());
        }
        let expires_at = match (spec.expires_in, spec.expires_at) {
            (Some(_), Some(_)) => return Err("give expires_in or expires_at, not both".into()),
            (Some(s), None) if s > 0 => Some(now.saturating_add(s)),
            (Some(_), None) => return Err("expires_in is a positive number of seconds".into()),
            (None, at) => at,
        };
        Ok(FaultRule {
            spec: FaultSpec {
                id: Some(id),
                method,
                expires_in: None,
                expires_at,
                seed: Some(spec.seed.unwrap_or(seed)),
                ..spec
            },
            matched: 0,
            fired: 0,
            pattern,
        })
    }

    /// The rule's id.
    pub(crate) fn id(&self) -> &str {
        self.spec.id.as_deref().unwrap_or_default()
    }

    /// Not used up and not expired at `now`.
    pub(crate) fn live(&self, now: i64) -> bool {
        self.spec.times.is_none_or(|t| self.fired < t) && self.spec.expires_at.is_none_or(|at| now < at)
    }

    fn matches(&self, call: &Call) -> bool {
        self.spec.method.as_deref().is_none_or(|m| m == call.method)
            && self
                .spec
                .node
                .as_deref()
                .is_none_or(|n| call.segments.first().map(String::as_str) == Some(n))
            && self
                .spec
                .edge
                .as_deref()
                .is_none_or(|e| call.segments.get(1).map(String::as_str) == Some(e))
            && self
                .pattern
                .as_ref()
                .is_none_or(|p| p.matches(call.version, call.segments))
    }

    /// Whether the call that was the rule's `matched`-th match fires it.
    fn triggers(&self) -> bool {
        if let Some(n) = self.spec.nth {
            return self.matched == n;
        }
        if let Some(n) = self.spec.every {
            return self.matched.is_multiple_of(n);
        }
        if let Some(p) = self.spec.probability {
            return draw(self.spec.seed.unwrap_or_default(), self.matched) < p;
        }
        true
    }

    fn effect(&self) -> Effect {
        let latency_ms = self.spec.latency_ms.unwrap_or(0);
        if let Some(error) = self.spec.error {
            Effect::Error { error, latency_ms }
        } else if self.spec.drop {
            Effect::Drop { latency_ms }
        } else if let Some(ms) = self.spec.hang_ms {
            Effect::Hang { ms }
        } else {
            Effect::Latency { ms: latency_ms }
        }
    }
}

/// The `n`th uniform draw in [0, 1) of a rule's stream (splitmix64 of seed and index).
fn draw(seed: u64, n: u64) -> f64 {
    let mut z = seed.wrapping_add(n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// The fault rules of one sandbox (their own lock in `sandbox.rs`, apart from the world's).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Faults {
    rules: Vec<FaultRule>,
    /// Numbering of `rule-N` ids.
    next_id: u64,
    /// Seed the rules' default seeds derive from.
    seed: u64,
}

impl Faults {
    /// No rules; `seed` should identify the sandbox (its seed and id).
    pub(crate) fn new(seed: u64) -> Self {
        Faults {
            rules: Vec::new(),
            next_id: 0,
            seed,
        }
    }

    pub fn rules(&self) -> &[FaultRule] {
        &self.rules
    }

    /// Adds rules, all or none; returns the added rules.
    pub(crate) fn add(&mut self, specs: Vec<FaultSpec>, now: i64, cfg: &Config) -> Result<Vec<FaultRule>, String> {
        if self.rules.len() + specs.len() > MAX_RULES {
            return Err(format!("a sandbox holds at most {MAX_RULES} fault rules"));
        }
        let mut staged = self.clone();
        let mut added = Vec::with_capacity(specs.len());
        for (i, mut spec) in specs.into_iter().enumerate() {
            let id = match spec.id.take() {
                Some(id) => {
                    let ok = !id.is_empty()
                        && id.len() <= 64
                        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
                    if !ok {
                        return Err(format!("rule {i}: id is 1-64 of A-Z a-z 0-9 - _ . (got {id:?})"));
                    }
                    id
                }
                None => loop {
                    staged.next_id += 1;
                    let id = format!("rule-{}", staged.next_id);
                    if !staged.rules.iter().any(|r| r.id() == id) {
                        break id;
                    }
                },
            };
            if staged.rules.iter().any(|r| r.id() == id) {
                return Err(format!("rule {i}: there is already a rule {id}"));
            }
            // Below 2^53, so a JavaScript client (the dashboard) reads it exactly.
            let seed = crate::ids::stable_hash(&[&staged.seed.to_le_bytes(), id.as_bytes()]) >> 11;
            let rule = FaultRule::from_spec(spec, id, seed, now, cfg).map_err(|e| format!("rule {i}: {e}"))?;
            staged.rules.push(rule.clone());
            added.push(rule);
        }
        *self = staged;
        Ok(added)
    }

    /// Removes one rule; false when there is none by that id.
    pub(crate) fn remove(&mut self, id: &str) -> bool {
        let before = self.rules.len();
        self.rules.retain(|r| r.id() != id);
        self.rules.len() != before
    }

    /// Removes every rule; returns how many there were.
    pub(crate) fn clear(&mut self) -> usize {
        std::mem::take(&mut self.rules).len()
    }

    /// The fault for a request arriving at sandbox time `now`, counting it on every live rule
    /// it matches; the first rule that fires applies.
    pub(crate) fn decide(&mut self, call: &Call, now: i64) -> Option<Fired> {
        let mut fired = None;
        for rule in self.rules.iter_mut().filter(|r| r.live(now) && r.matches(call)) {
            rule.matched += 1;
            if fired.is_none() && rule.triggers() {
                rule.fired += 1;
                fired = Some(Fired {
                    rule: rule.id().to_string(),
                    effect: rule.effect(),
                    after: rule.spec.after,
                });
            }
        }
        fired
    }

    /// Checks the rules of a deserialised snapshot as if a client had just added them (a
    /// snapshot may have been edited: a `hang_ms` past `fault_max_delay_ms` would hold a
    /// connection for ever), keeping their counters (at most `model::check::MAX_COUNTER`), and
    /// re-parses their path patterns.
    pub(crate) fn revalidate(&mut self, now: i64, cfg: &Config) -> Result<(), String> {
        if self.rules.len() > MAX_RULES {
            return Err(format!("a sandbox holds at most {MAX_RULES} fault rules"));
        }
        crate::model::check::counter("faults.next_id", self.next_id)?;
        for r in &mut self.rules {
            let id = r.id().to_string();
            let seed = r.spec.seed.unwrap_or(self.seed);
            let checked = FaultRule::from_spec(r.spec.clone(), id.clone(), seed, now, cfg)
                .map_err(|e| format!("rule {id}: {e}"))?;
            crate::model::check::counter(&format!("rule {id}'s matched"), r.matched)?;
            crate::model::check::counter(&format!("rule {id}'s fired"), r.fired)?;
            *r = FaultRule {
                matched: r.matched,
                fired: r.fired,
                ..checked
            };
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::specs_from_json;
    use serde_json::json;
    use serde_json::Value;

    fn call<'a>(method: &'a str, segments: &'a [String]) -> Call<'a> {
        Call {
            method,
            version: None,
            segments,
        }
    }

    fn segs(path: &str) -> Vec<String> {
        path.split('/').filter(|s| !s.is_empty()).map(str::to_string).collect()
    }

    fn faults(rules: Value) -> Faults {
        let mut f = Faults::new(7);
        f.add(specs_from_json(rules).unwrap(), 1000, &Config::default())
            .unwrap();
        f
    }

    #[test]
    fn nth_every_and_times() {
        let publish = segs("/1784/media_publish");
        let mut f = faults(json!([
            {"id": "third", "method": "post", "edge": "media_publish", "nth": 3, "error": "service"},
            {"id": "even", "path": "/*/media_publish", "every": 2, "times": 2, "latency_ms": 5}
        ]));
        let fired: Vec<Option<String>> = (0..8)
            .map(|_| f.decide(&call("POST", &publish), 1000).map(|x| x.rule))
            .collect();
        let names: Vec<Option<&str>> = fired.iter().map(Option::as_deref).collect();
        assert_eq!(
            names,
            vec![None, Some("even"), Some("third"), Some("even"), None, None, None, None],
            "the 4th call is the second firing of `even`; then it is used up"
        );
        assert_eq!(f.decide(&call("GET", &publish), 1000), None, "method must match");
        assert_eq!((f.rules()[0].matched, f.rules()[0].fired), (8, 1));
        assert_eq!((f.rules()[1].fired, f.rules()[1].live(1000)), (2, false));
        assert_eq!(f.rules()[1].id(), "even");
    }

    #[test]
    fn probabilities_repeat_for_the_same_seed_and_calls() {
        let run = || {
            let mut f = faults(json!({"probability": 0.3, "error": 2, "path": "/**"}));
            let s = segs("/me");
            (0..200)
                .map(|_| f.decide(&call("GET", &s), 0).is_some())
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        let hits = a.iter().filter(|x| **x).count();
        assert!((35..=85).contains(&hits), "about 30% of 200, got {hits}");
    }

    #[test]
    fn expiry_is_sandbox_time() {
        let mut f = faults(json!({"expires_in": 60, "drop": true}));
        let s = segs("/me");
        assert!(f.decide(&call("GET", &s), 1059).is_some());
        assert!(f.decide(&call("GET", &s), 1060).is_none());
    }

    #[test]
    fn bad_rules_say_why_and_add_nothing() {
        let cfg = Config::default();
        let mut f = Faults::new(1);
        for (rule, why) in [
            (json!({}), "give an effect"),
            (json!({"error": "service", "drop": true}), "one of error, drop"),
            (json!({"nth": 1, "every": 2, "drop": true}), "at most one of"),
            (json!({"probability": 1.5, "drop": true}), "between 0 and 1"),
            (json!({"method": "PUT", "drop": true}), "GET, POST or DELETE"),
            (json!({"path": "me", "drop": true}), "starts with /"),
            (json!({"hang_ms": 999_999_999}), "at most"),
            (json!({"latency_ms": 5, "after": true}), "after applies"),
            (json!({"id": "a b", "drop": true}), "id is"),
        ] {
            let specs = specs_from_json(json!([{"drop": true}, rule])).unwrap();
            let e = f.add(specs, 0, &cfg).unwrap_err();
            assert!(e.contains(why) && e.starts_with("rule 1"), "{e}");
            assert!(f.rules().is_empty(), "all or nothing");
        }
        assert!(specs_from_json(json!({"drop": true, "colour": "red"}))
            .unwrap_err()
            .contains("unknown field"));
    }

    #[test]
    fn snapshots_keep_counters_and_patterns() {
        let mut f = faults(json!({"path": "/*/media", "every": 2, "error": "unknown"}));
        let s = segs("/1/media");
        f.decide(&call("GET", &s), 0);
        let mut back: Faults = serde_json::from_value(serde_json::to_value(&f).unwrap()).unwrap();
        back.revalidate(0, &Config::default()).unwrap();
        assert_eq!(back.decide(&call("GET", &s), 0).map(|x| x.rule), Some("rule-1".into()));
        assert_eq!(back.rules()[0].matched, 2);
    }
}
