//! A small Graph client over one HTTP stack (ureq): every response is read whole, parsed as
//! JSON and can be checked against `specs/` before anything else looks at it.

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
}

impl Client {
    pub fn new(base_url: &str) -> Self {
        let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(30)).build();
        Client {
            agent,
            base_url: base_url.trim_end_matches('/').to_string(),
            version: "v21.0".into(),
            token: None,
        }
    }

    pub fn with_token(&self, token: &str) -> Self {
        Client {
            token: Some(token.to_string()),
            ..self.clone()
        }
    }

    pub fn with_version(&self, version: &str) -> Self {
        Client {
            version: version.to_string(),
            ..self.clone()
        }
    }

    fn url(&self, path: &str) -> String {
        let path = path.trim_start_matches('/');
        if self.version.is_empty() {
            format!("{}/{}", self.base_url, path)
        } else {
            format!("{}/{}/{}", self.base_url, self.version, path)
        }
    }

    fn with_auth<'a>(&'a self, params: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        let mut p: Vec<(&str, &str)> = params.to_vec();
        if let Some(t) = &self.token {
            if !p.iter().any(|(k, _)| *k == "access_token") {
                p.push(("access_token", t));
            }
        }
        p
    }

    pub fn get(&self, path: &str, params: &[(&str, &str)]) -> Resp {
        let url = self.url(path);
        let req = self.agent.get(&url);
        let req = self.with_auth(params).into_iter().fold(req, |r, (k, v)| r.query(k, v));
        finish("GET", &url, req.call())
    }

    /// GETs an absolute URL exactly as given (e.g. a `paging.next`).
    pub fn get_url(&self, url: &str) -> Resp {
        finish("GET", url, self.agent.get(url).call())
    }

    pub fn post(&self, path: &str, params: &[(&str, &str)]) -> Resp {
        self.send("POST", path, params, Encoding::Form)
    }

    pub fn delete(&self, path: &str, params: &[(&str, &str)]) -> Resp {
        self.send("DELETE", path, params, Encoding::Query)
    }

    pub fn send(&self, method: &str, path: &str, params: &[(&str, &str)], enc: Encoding) -> Resp {
        let url = self.url(path);
        let params = self.with_auth(params);
        let req = self.agent.request(method, &url);
        let result = match enc {
            Encoding::Query => params.iter().fold(req, |r, (k, v)| r.query(k, v)).call(),
            Encoding::Form => req.send_form(&params),
            Encoding::Json => {
                let map: serde_json::Map<String, Value> = params
                    .iter()
                    .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                    .collect();
                req.send_json(Value::Object(map))
            }
        };
        finish(method, &url, result)
    }

    /// Sends a raw body with headers (uploads).
    pub fn send_bytes(&self, method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        let req = headers
            .iter()
            .fold(self.agent.request(method, url), |r, (k, v)| r.set(k, v));
        finish(method, url, req.send_bytes(body))
    }
}

fn finish(method: &str, url: &str, result: Result<ureq::Response, ureq::Error>) -> Resp {
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{method} {url}: transport error: {e}"),
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
