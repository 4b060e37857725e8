//! Fault rules as clients write them (`POST /_sim/sandboxes/{id}/faults`, `igsim fault add`,
//! `igsim serve --faults FILE`): the spec of a rule and the production errors a rule can
//! inject, read from JSON. The rules at work in a sandbox are `crate::faults`.

use crate::config::Config;
use crate::error::GraphError;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The transient Graph errors a rule can inject by name (or by code), with their codes.
const NAMED_ERRORS: &[(&str, i64, InjectedError)] = &[
    ("unknown", 1, InjectedError::Unknown),
    ("service", 2, InjectedError::Service),
    ("app_rate_limit", 4, InjectedError::AppRateLimit),
    ("user_rate_limit", 17, InjectedError::UserRateLimit),
    ("page_rate_limit", 32, InjectedError::PageRateLimit),
    ("custom_rate_limit", 613, InjectedError::CustomRateLimit),
    ("instagram_rate_limit", 80002, InjectedError::InstagramRateLimit),
];

/// An error a rule injects: a named transient error or a documented publishing error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InjectedError {
    /// Code 1, "An unknown error has occurred.".
    Unknown,
    /// Code 2, "An unexpected error has occurred. Please retry your request later.".
    Service,
    /// `(#4)` application request limit.
    AppRateLimit,
    /// `(#17)` user request limit.
    UserRateLimit,
    /// `(#32)` Page request limit.
    PageRateLimit,
    /// `(#613)` custom rate limit.
    CustomRateLimit,
    /// `(#80002)` Instagram Business Use Case limit.
    InstagramRateLimit,
    /// A documented content-publishing error, by its subcode (2207xxx).
    Publishing(i64),
}

impl InjectedError {
    /// A name (`service`), a code (`2`, `613`) or a publishing subcode (`2207001`).
    pub fn parse(v: &Value) -> Result<Self, String> {
        let n = match v {
            Value::String(s) => {
                if let Some((_, _, e)) = NAMED_ERRORS.iter().find(|(name, _, _)| name == s) {
                    return Ok(*e);
                }
                s.trim().parse::<i64>().ok()
            }
            Value::Number(n) => n.as_i64(),
            _ => None,
        };
        let known = || {
            let names: Vec<String> = NAMED_ERRORS.iter().map(|(n, c, _)| format!("{n} ({c})")).collect();
            format!(
                "error is one of {} or a documented publishing subcode (2207001, 2207003, …), not {v}",
                names.join(", ")
            )
        };
        let n = n.ok_or_else(known)?;
        if let Some((_, _, e)) = NAMED_ERRORS.iter().find(|(_, code, _)| *code == n) {
            return Ok(*e);
        }
        if GraphError::documented_publishing_error(n, "", "").is_some() {
            return Ok(InjectedError::Publishing(n));
        }
        Err(known())
    }

    /// The error as production sends it (status, envelope keys and texts from the vocabulary).
    pub fn graph_error(self, cfg: &Config) -> GraphError {
        let rl = &cfg.rate_limits;
        match self {
            InjectedError::Unknown => GraphError::api_unknown(),
            InjectedError::Service => GraphError::api_service(),
            InjectedError::AppRateLimit => GraphError::app_request_limit(rl.platform_error_status),
            InjectedError::UserRateLimit => GraphError::user_request_limit(rl.user_error_status),
            InjectedError::PageRateLimit => GraphError::page_request_limit(rl.page_error_status),
            InjectedError::CustomRateLimit => GraphError::custom_rate_limit(rl.custom_error_status),
            InjectedError::InstagramRateLimit => GraphError::instagram_buc_limit(rl.buc_error_status),
            InjectedError::Publishing(subcode) => {
                let max_image = format!("{} MiB", cfg.publishing.max_image_bytes / (1024 * 1024));
                GraphError::documented_publishing_error(subcode, "the media URL", &max_image)
                    .unwrap_or_else(GraphError::ig_server_error)
            }
        }
    }
}

impl Serialize for InjectedError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            InjectedError::Publishing(n) => s.serialize_i64(*n),
            named => {
                let name = NAMED_ERRORS
                    .iter()
                    .find(|(_, _, e)| e == named)
                    .map_or("unknown", |(n, _, _)| n);
                s.serialize_str(name)
            }
        }
    }
}

impl<'de> Deserialize<'de> for InjectedError {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        InjectedError::parse(&Value::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A rule as clients write it (`POST /_sim/sandboxes/{id}/faults`, `igsim fault add`,
/// `--faults FILE`); every field is optional but an effect. Unknown fields are refused by
/// [`specs_from_json`]. See `specs/sim_fault_rule.schema.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultSpec {
    /// A name for the rule (letters, digits, `-`, `_`, `.`); default `rule-N`.
    pub id: Option<String>,
    /// `GET`, `POST` or `DELETE` (as served, after a `method=` override).
    pub method: Option<String>,
    /// A path pattern (`/*/media_publish`).
    pub path: Option<String>,
    /// The path's node (`me`, an id) and edge (`media_publish`).
    pub node: Option<String>,
    pub edge: Option<String>,
    /// Fire on the nth matching call only (1 = the first).
    pub nth: Option<u64>,
    /// Fire on every nth matching call (the nth, 2nth, …).
    pub every: Option<u64>,
    /// Fire on each matching call with this probability (seeded).
    pub probability: Option<f64>,
    /// Answer with this error (a name, a code or a publishing subcode).
    pub error: Option<InjectedError>,
    /// Wait this long (wall clock) before answering; alone, or before an error or a drop.
    pub latency_ms: Option<u64>,
    /// Close the connection without an answer.
    pub drop: bool,
    /// Answer nothing for this long, then close the connection.
    pub hang_ms: Option<u64>,
    /// Run the request first (its changes stay, e.g. a publish still publishes), then replace
    /// its answer with the error, drop or hang: production applied the write, the client never
    /// heard. Default: the request never runs.
    pub after: bool,
    /// Fire at most this many times.
    pub times: Option<u64>,
    /// Stop matching this many seconds of sandbox time after the rule is added…
    pub expires_in: Option<i64>,
    /// …or at this sandbox time (unix seconds).
    pub expires_at: Option<i64>,
    /// Seed of the rule's probability draws (default: derived from the sandbox and rule id).
    pub seed: Option<u64>,
}

/// Rules from JSON: one rule object, an array of them, or `{"rules": [...]}` (the `--faults`
/// file and the control plane accept all three).
pub fn specs_from_json(v: Value) -> Result<Vec<FaultSpec>, String> {
    let list = match v {
        Value::Array(a) => a,
        Value::Object(mut o) if o.len() == 1 && o.contains_key("rules") => match o.remove("rules") {
            Some(Value::Array(a)) => a,
            _ => return Err("rules is an array of fault rules".into()),
        },
        one @ Value::Object(_) => vec![one],
        _ => return Err("give a fault rule object, an array of them, or {\"rules\": [...]}".into()),
    };
    // The fields a rule may have: every field of a default spec.
    let known = serde_json::to_value(FaultSpec::default()).unwrap_or_default();
    list.into_iter()
        .enumerate()
        .map(|(i, r)| {
            if let Some(unknown) = r
                .as_object()
                .and_then(|o| o.keys().find(|k| known.get(k.as_str()).is_none()))
            {
                let names: Vec<&String> = known.as_object().map(|o| o.keys().collect()).unwrap_or_default();
                return Err(format!(
                    "rule {i}: unknown field {unknown:?}; a rule has {}",
                    names.iter().map(|n| n.as_str()).collect::<Vec<_>>().join(", ")
                ));
            }
            serde_json::from_value(r).map_err(|e| format!("rule {i}: {e}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn errors_by_name_code_or_publishing_subcode() {
        let cfg = Config::default();
        for (v, code, status) in [
            (json!("service"), 2, 500),
            (json!(1), 1, 500),
            (json!("613"), 613, cfg.rate_limits.custom_error_status),
            (json!(80002), 80002, 400),
        ] {
            let e = InjectedError::parse(&v).unwrap().graph_error(&cfg);
            assert_eq!((e.code, e.status()), (code, status), "{v}");
        }
        let e = InjectedError::parse(&json!(2207001)).unwrap().graph_error(&cfg);
        assert_eq!(
            (e.code, e.subcode, e.envelope.is_transient),
            (-1, Some(2207001), Some(true))
        );
        assert!(InjectedError::parse(&json!(100)).unwrap_err().contains("service (2)"));
        assert!(InjectedError::parse(&json!(2207999)).is_err());
        assert_eq!(serde_json::to_value(InjectedError::Service).unwrap(), json!("service"));
        assert_eq!(
            serde_json::to_value(InjectedError::Publishing(2207051)).unwrap(),
            json!(2207051)
        );
    }
}
