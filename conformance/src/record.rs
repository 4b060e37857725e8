//! Recordings: every exchange of a scenario run, secrets redacted, as JSON fixtures that
//! `igconform diff` compares (one `<scenario>.json` per scenario in a directory).

use crate::client::Resp;
use crate::redact;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The `format` tag of a recording file.
pub const FORMAT: &str = "igconform-recording/1";

/// One request and its response.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Exchange {
    /// The scenario step that made the request.
    pub step: String,
    pub method: String,
    /// The full URL (query included).
    pub url: String,
    /// Form or JSON body parameters, when the request had a body.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub form: Vec<(String, String)>,
    /// 0 when no response arrived (transport error).
    pub status: u16,
    pub body: Value,
}

#[derive(Debug, Default)]
struct TapeInner {
    step: String,
    exchanges: Vec<Exchange>,
    secrets: BTreeSet<String>,
}

/// Where a client appends its exchanges; cheap to clone (shared).
#[derive(Debug, Clone, Default)]
pub struct Tape(Arc<Mutex<TapeInner>>);

impl Tape {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, TapeInner> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Labels the exchanges that follow.
    pub fn set_step(&self, step: &str) {
        self.lock().step = step.to_string();
    }

    /// A value that must never appear in a saved recording (a token, a secret).
    pub fn add_secret(&self, secret: &str) {
        self.lock().secrets.insert(secret.to_string());
    }

    pub fn record(&self, resp: &Resp, form: &[(String, String)]) {
        let mut t = self.lock();
        let body = if resp.body.is_null() && !resp.text.is_empty() {
            Value::String(resp.text.clone())
        } else {
            resp.body.clone()
        };
        let exchange = Exchange {
            step: t.step.clone(),
            method: resp.method.clone(),
            url: resp.url.clone(),
            form: form.to_vec(),
            status: resp.status,
            body,
        };
        t.exchanges.push(exchange);
    }

    pub fn len(&self) -> usize {
        self.lock().exchanges.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The exchanges as made (secrets included): for in-memory checks only.
    pub fn raw(&self) -> Vec<Exchange> {
        self.lock().exchanges.clone()
    }

    /// The exchanges with every credential removed: safe to write down.
    pub fn redacted(&self) -> Vec<Exchange> {
        let t = self.lock();
        t.exchanges
            .iter()
            .map(|e| {
                let mut body = e.body.clone();
                redact::secrets_in_body(&mut body, &t.secrets);
                let mut url = redact::secrets_in_url(&e.url);
                for s in t.secrets.iter().filter(|s| s.len() >= 8) {
                    url = url.replace(s.as_str(), redact::REDACTED);
                }
                let form = e
                    .form
                    .iter()
                    .map(|(k, v)| {
                        let secret = redact::SECRET_PARAMS.contains(&k.as_str()) || t.secrets.contains(v);
                        (
                            k.clone(),
                            if secret {
                                redact::REDACTED.to_string()
                            } else {
                                v.clone()
                            },
                        )
                    })
                    .collect();
                Exchange {
                    body,
                    url,
                    form,
                    ..e.clone()
                }
            })
            .collect()
    }
}

/// The saved exchanges of one scenario run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Recording {
    pub format: String,
    pub scenario: String,
    /// `simulator` or `live`.
    pub target: String,
    /// `pass`, `fail` or `skip`.
    pub outcome: String,
    pub exchanges: Vec<Exchange>,
}

/// Writes one `<scenario>.json` per recording into `dir` (created if needed).
pub fn write_dir(dir: &Path, recordings: &[Recording]) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    for r in recordings {
        let path = dir.join(format!("{}.json", r.scenario));
        let text = serde_json::to_string_pretty(r).map_err(|e| e.to_string())?;
        std::fs::write(&path, text + "\n").map_err(|e| format!("writing {}: {e}", path.display()))?;
    }
    Ok(())
}

/// Reads a recording directory (every `*.json` in it) or a single recording file.
pub fn read(path: &Path) -> Result<Vec<Recording>, String> {
    let files: Vec<std::path::PathBuf> = if path.is_dir() {
        let mut v: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        v.sort();
        v
    } else {
        vec![path.to_path_buf()]
    };
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| format!("reading {}: {e}", f.display()))?;
        let r: Recording =
            serde_json::from_str(&text).map_err(|e| format!("{} is not an igconform recording: {e}", f.display()))?;
        if r.format != FORMAT {
            return Err(format!(
                "{}: unknown format {:?} (expected {FORMAT})",
                f.display(),
                r.format
            ));
        }
        out.push(r);
    }
    if out.is_empty() {
        return Err(format!("no recordings in {}", path.display()));
    }
    Ok(out)
}
