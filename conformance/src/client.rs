//! A small Graph client over one HTTP stack (ureq): every response is read whole, parsed as
//! JSON and can be checked against `specs/` before anything else looks at it.

use crate::record::Tape;
use crate::schemas;
use serde_json::Value;
use std::time::Duration;

/// One HTTP exchange's outcome.
#[derive(Debug, Clone)]
pub struct Resp {
    pub method: String,
    pub url: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
    /// The body exactly as received.
    pub text: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Validates the body against `specs/<schema>.schema.json`; panics with every violation.
    pub fn schema(&self, schema: &str) -> &Self {
        if let Err(errors) = schemas::validate(schema, &self.body) {
            panic!(
                "{} {} -> {} does not match {schema}:\n  {}\nbody: {}",
                self.method,
                self.url,
                self.status,
                errors.join("\n  "),
                self.text
            );
        }
        self
    }

    /// Asserts a 200 whose body matches `schema`; returns the body.
    pub fn ok(&self, schema: &str) -> &Value {
        assert_eq!(self.status, 200, "{} {} failed: {}", self.method, self.url, self.text);
        self.schema(schema);
        &self.body
    }

    /// Asserts a Graph error envelope (validated) with this code and subcode; returns it.
    pub fn graph_error(&self, code: i64, subcode: Option<i64>) -> &Value {
        self.schema("error");
        assert!(
            self.status >= 400 && self.status < 500,
            "{} {}: expected a 4xx error, got {}: {}",
            self.method,
            self.url,
            self.status,
            self.text
        );
        let e = &self.body["error"];
        assert_eq!(
            e["code"].as_i64(),
            Some(code),
            "{} {}: wrong error code in {}",
            self.method,
            self.url,
            self.text
        );
        assert_eq!(
            e["error_subcode"].as_i64(),
            subcode,
            "{} {}: wrong error subcode in {}",
            self.method,
            self.url,
            self.text
        );
        e
    }
}

/// How a request carries its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Query,
    Form,
    Json,
}

#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    pub base_url: String,
    /// `v21.0`, or empty for unversioned paths.
    pub version: String,
    pub token: Option<String>,
    /// When set, every call carrying a token also carries `appsecret_proof` (facts §7,
    /// securing-requests: hex HMAC-SHA256 of the token keyed by the app secret).
    pub app_secret: Option<String>,
    /// When set, every exchange is appended to this tape (see [`crate::record`]).
    pub tape: Option<Tape>,
    /// Headers sent on every call (the simulator's admin token on control-plane clients).
    pub headers: Vec<(String, String)>,
}

impl Client {
    pub fn new(base_url: &str) -> Self {
        Self::with_timeout(base_url, Duration::from_secs(30))
    }

    /// A client whose calls give up after `timeout` (a hang becomes a transport error).
    pub fn with_timeout(base_url: &str, timeout: Duration) -> Self {
        let agent = ureq::AgentBuilder::new().timeout(timeout).build();
        Client {
            agent,
            base_url: base_url.trim_end_matches('/').to_string(),
            version: "v21.0".into(),
            token: None,
            app_secret: None,
            tape: None,
            headers: Vec::new(),
        }
    }

    pub fn with_token(&self, token: &str) -> Self {
        Client {
            token: Some(token.to_string()),
            ..self.clone()
        }
    }

    pub fn without_token(&self) -> Self {
        Client {
            token: None,
            ..self.clone()
        }
    }

    pub fn with_version(&self, version: &str) -> Self {
        Client {
            version: version.to_string(),
            ..self.clone()
        }
    }

    pub fn with_app_secret(&self, secret: Option<&str>) -> Self {
        Client {
            app_secret: secret.map(str::to_string),
            ..self.clone()
        }
    }

    pub fn with_tape(&self, tape: Option<Tape>) -> Self {
        Client { tape, ..self.clone() }
    }

    /// This client with `name: value` on every call.
    pub fn with_header(&self, name: &str, value: &str) -> Self {
        let mut c = self.clone();
        c.headers.push((name.to_string(), value.to_string()));
        c
    }

    /// The absolute URL of a Graph path on this client's base and version.
    pub fn url(&self, path: &str) -> String {
        let path = path.trim_start_matches('/');
        if self.version.is_empty() {
            format!("{}/{}", self.base_url, path)
        } else {
            format!("{}/{}/{}", self.base_url, self.version, path)
        }
    }

    fn with_auth<'a>(&'a self, params: &[(&'a str, &'a str)], proof: &'a mut String) -> Vec<(&'a str, &'a str)> {
        let mut p: Vec<(&str, &str)> = params.to_vec();
        let explicit = p.iter().find(|(k, _)| *k == "access_token").map(|(_, v)| *v);
        let token = match (explicit, &self.token) {
            (Some(t), _) => Some(t),
            (None, Some(t)) => {
                p.push(("access_token", t.as_str()));
                Some(t.as_str())
            }
            (None, None) => None,
        };
        if let (Some(secret), Some(token)) = (&self.app_secret, token) {
            if !p.iter().any(|(k, _)| *k == "appsecret_proof") {
                *proof = appsecret_proof(secret, token);
                p.push(("appsecret_proof", proof.as_str()));
            }
        }
        p
    }

    pub fn get(&self, path: &str, params: &[(&str, &str)]) -> Resp {
        let mut proof = String::new();
        let url = with_query(&self.url(path), &self.with_auth(params, &mut proof));
        self.call("GET", &url, &[], None)
    }

    /// GETs an absolute URL exactly as given (e.g. a `paging.next`), adding
    /// `appsecret_proof` when this client signs its calls and the URL carries a token.
    pub fn get_url(&self, url: &str) -> Resp {
        let url = match (&self.app_secret, query_value(url, "access_token")) {
            (Some(secret), Some(token)) if query_value(url, "appsecret_proof").is_none() => {
                with_query(url, &[("appsecret_proof", &appsecret_proof(secret, &token))])
            }
            _ => url.to_string(),
        };
        self.call("GET", &url, &[], None)
    }

    pub fn post(&self, path: &str, params: &[(&str, &str)]) -> Resp {
        self.send("POST", path, params, Encoding::Form)
    }

    pub fn delete(&self, path: &str, params: &[(&str, &str)]) -> Resp {
        self.send("DELETE", path, params, Encoding::Query)
    }

    pub fn send(&self, method: &str, path: &str, params: &[(&str, &str)], enc: Encoding) -> Resp {
        let mut proof = String::new();
        let params = self.with_auth(params, &mut proof);
        let url = self.url(path);
        match enc {
            Encoding::Query => self.call(method, &with_query(&url, &params), &[], None),
            Encoding::Form => {
                let body = encode_pairs(&params);
                self.call(
                    method,
                    &url,
                    &[("Content-Type", "application/x-www-form-urlencoded")],
                    Some(Sent::Form(params, body)),
                )
            }
            Encoding::Json => {
                let map: serde_json::Map<String, Value> = params
                    .iter()
                    .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                    .collect();
                let body = Value::Object(map).to_string();
                self.call(
                    method,
                    &url,
                    &[("Content-Type", "application/json")],
                    Some(Sent::Json(params, body)),
                )
            }
        }
    }

    /// Sends a raw body with headers (uploads).
    pub fn send_bytes(&self, method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        let req = headers.iter().fold(self.request(method, url), |r, (k, v)| r.set(k, v));
        let resp = finish(method, url, req.send_bytes(body));
        if let Some(tape) = &self.tape {
            tape.record(&resp, &[]);
        }
        resp
    }

    /// A request carrying this client's own headers.
    fn request(&self, method: &str, url: &str) -> ureq::Request {
        self.headers
            .iter()
            .fold(self.agent.request(method, url), |r, (k, v)| r.set(k, v))
    }

    fn call(&self, method: &str, url: &str, headers: &[(&str, &str)], body: Option<Sent>) -> Resp {
        let req = headers.iter().fold(self.request(method, url), |r, (k, v)| r.set(k, v));
        let (resp, form) = match body {
            None => (finish(method, url, req.call()), Vec::new()),
            Some(Sent::Form(params, text) | Sent::Json(params, text)) => {
                let form: Vec<(String, String)> = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
                (finish(method, url, req.send_string(&text)), form)
            }
        };
        if let Some(tape) = &self.tape {
            tape.record(&resp, &form);
        }
        resp
    }
}

enum Sent<'a> {
    Form(Vec<(&'a str, &'a str)>, String),
    Json(Vec<(&'a str, &'a str)>, String),
}

/// hex HMAC-SHA256 of `token` keyed by `secret`.
pub fn appsecret_proof(secret: &str, token: &str) -> String {
    use hmac::{Hmac, Mac};
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(token.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn encode_pairs(params: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        s.append_pair(k, v);
    }
    s.finish()
}

/// `url` with `params` appended to its query string.
pub fn with_query(url: &str, params: &[(&str, &str)]) -> String {
    if params.is_empty() {
        return url.to_string();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{}", encode_pairs(params))
}

/// The decoded value of query parameter `name` in `url`.
pub fn query_value(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A response that never arrived: status 0 and the transport error as text, so a harness
/// run reports it as a failure instead of aborting.
fn finish(method: &str, url: &str, result: Result<ureq::Response, ureq::Error>) -> Resp {
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => {
            return Resp {
                method: method.into(),
                url: url.into(),
                status: 0,
                headers: Vec::new(),
                body: Value::Null,
                text: format!("transport error: {e}"),
            }
        }
    };
    let status = response.status();
    let headers = response
        .headers_names()
        .into_iter()
        .filter_map(|n| response.header(&n).map(|v| (n.clone(), v.to_string())))
        .collect();
    let text = response.into_string().unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp {
        method: method.into(),
        url: url.into(),
        status,
        headers,
        body,
        text,
    }
}
