//! The simulator's control plane (`/_sim/`) from the harness's side: sandboxes, clocks, the
//! request journal, fault rules, snapshots.
//! Only simulator targets have it; scenarios that use it say so.

use crate::client::{Client, Resp};
use serde_json::{json, Value};

/// A sandbox created for one test or scenario, with its credentials.
#[derive(Debug, Clone)]
pub struct Sandbox {
    pub id: String,
    pub base_url: String,
    /// The control-plane description (`sim_sandbox` schema).
    pub info: Value,
    /// The simulator's control-plane token, when this sandbox was attached with one
    /// ([`attach_with_token`]); otherwise [`ADMIN_TOKEN_ENV`] decides.
    pub admin_token: Option<String>,
}

impl Sandbox {
    /// A user's token by the user's name in the seed world (e.g. `Dana Admin`).
    pub fn user_token(&self, name: &str) -> String {
        self.info["users"]
            .as_array()
            .and_then(|us| us.iter().find(|u| u["name"] == name))
            .and_then(|u| u["access_token"].as_str())
            .unwrap_or_else(|| panic!("no user {name} in sandbox {}", self.id))
            .to_string()
    }

    /// A string field (`id`, `owner_business`, …) of the IG account `username` in the
    /// sandbox description.
    fn account_field(&self, username: &str, field: &str) -> String {
        self.info["instagram_accounts"]
            .as_array()
            .and_then(|a| a.iter().find(|u| u["username"] == username))
            .and_then(|u| u[field].as_str())
            .unwrap_or_else(|| panic!("no account {username} in sandbox {}", self.id))
            .to_string()
    }

    /// The IG account id for a username.
    pub fn ig_id(&self, username: &str) -> String {
        self.account_field(username, "id")
    }

    /// The id of the business that owns `username`'s account (the key of its
    /// `X-Business-Use-Case-Usage` entries).
    pub fn business_of(&self, username: &str) -> String {
        self.account_field(username, "owner_business")
    }

    pub fn app_id(&self) -> String {
        self.info["app"]["id"].as_str().unwrap_or_default().to_string()
    }

    pub fn app_secret(&self) -> String {
        self.info["app"]["secret"].as_str().unwrap_or_default().to_string()
    }

    /// A Graph client carrying the named user's token.
    pub fn client_as(&self, user: &str) -> Client {
        Client::new(&self.base_url).with_token(&self.user_token(user))
    }

    fn control(&self) -> Client {
        match &self.admin_token {
            Some(token) => admin_client(&self.base_url, token),
            None => control_client(&self.base_url),
        }
    }

    fn post_json(&self, path: &str, body: &Value) -> Resp {
        let c = self.control();
        let url = self.url(path);
        c.send_bytes(
            "POST",
            &url,
            &[("Content-Type", "application/json")],
            body.to_string().as_bytes(),
        )
    }

    /// Moves the sandbox clock forward; returns the new `now`.
    pub fn advance(&self, seconds: i64) -> i64 {
        let r = self.post_json("clock/advance", &json!({ "seconds": seconds }));
        assert_eq!(r.status, 200, "advance: {}", r.text);
        r.schema("sim_clock");
        r.body["now"].as_i64().unwrap_or_default()
    }

    pub fn now(&self) -> i64 {
        let r = self
            .control()
            .get_url(&format!("{}/_sim/sandboxes/{}/clock", self.base_url, self.id));
        r.schema("sim_clock");
        r.body["now"].as_i64().unwrap_or_default()
    }

    /// Any control-plane POST under this sandbox (events, transitions…), returned raw.
    pub fn control_post(&self, path: &str, body: &Value) -> Resp {
        self.post_json(path, body)
    }

    /// Any control-plane GET under this sandbox, returned raw.
    pub fn control_get(&self, path: &str) -> Resp {
        self.control().get_url(&self.url(path))
    }

    /// Any control-plane DELETE under this sandbox, returned raw.
    pub fn control_delete(&self, path: &str) -> Resp {
        self.control().send_bytes("DELETE", &self.url(path), &[], b"")
    }

    fn url(&self, path: &str) -> String {
        format!(
            "{}/_sim/sandboxes/{}/{}",
            self.base_url,
            self.id,
            path.trim_start_matches('/')
        )
    }

    /// A page of the request journal for a filter query (`method=POST&edge=media_publish`,
    /// `since=12&limit=50`; empty for all), checked against `sim_requests`.
    pub fn requests(&self, filter: &str) -> Value {
        let r = self.control_get(&format!("requests?{filter}"));
        assert_eq!(r.status, 200, "requests?{filter}: {}", r.text);
        r.schema("sim_requests");
        r.body
    }

    /// How many journal entries match a filter query ("exactly one publish").
    pub fn request_count(&self, filter: &str) -> u64 {
        let r = self.control_get(&format!("requests/count?{filter}"));
        assert_eq!(r.status, 200, "requests/count?{filter}: {}", r.text);
        r.schema("sim_request_count");
        r.body["count"].as_u64().unwrap_or_default()
    }

    /// Empties the request journal; returns how many entries it held (`sim_requests_cleared`).
    pub fn clear_requests(&self) -> u64 {
        let r = self.control_delete("requests");
        assert_eq!(r.status, 200, "clear requests: {}", r.text);
        r.schema("sim_requests_cleared");
        r.body["cleared"].as_u64().unwrap_or_default()
    }

    /// Adds fault rules (a rule, an array, or `{"rules": [...]}`); returns the answer raw (201
    /// with the added rules, or 400 saying why none was added).
    pub fn add_faults(&self, rules: &Value) -> Resp {
        self.post_json("faults", rules)
    }

    /// The sandbox's fault rules with their counters, checked against `sim_faults`.
    pub fn faults(&self) -> Value {
        let r = self.control_get("faults");
        assert_eq!(r.status, 200, "faults: {}", r.text);
        r.schema("sim_faults");
        r.body
    }

    /// The sandbox as one snapshot (`GET …/export`), checked against `sim_snapshot`.
    pub fn export(&self) -> Value {
        let r = self.control_get("export");
        assert_eq!(r.status, 200, "export: {}", r.text);
        r.schema("sim_snapshot");
        r.body
    }

    /// Removes every fault rule; returns how many there were (`sim_faults_removed`).
    pub fn clear_faults(&self) -> u64 {
        let r = self.control_delete("faults");
        assert_eq!(r.status, 200, "clear faults: {}", r.text);
        r.schema("sim_faults_removed");
        r.body["removed"].as_u64().unwrap_or_default()
    }
}

/// The environment variable holding a simulator's control-plane token: the harness sends
/// it on every `/_sim/` call (as igsim itself reads it for `--admin-token`).
pub const ADMIN_TOKEN_ENV: &str = "IGSIM_ADMIN_TOKEN";

/// A client for the control plane at `base_url`: unversioned paths, and the admin token from
/// [`ADMIN_TOKEN_ENV`] when set.
pub fn control_client(base_url: &str) -> Client {
    match std::env::var(ADMIN_TOKEN_ENV) {
        Ok(token) if !token.trim().is_empty() => admin_client(base_url, &token),
        _ => open_client(base_url),
    }
}

/// A client for the control plane at `base_url` sending no admin token.
pub fn open_client(base_url: &str) -> Client {
    let mut c = Client::new(base_url);
    c.version = String::new();
    c
}

/// A client for the control plane at `base_url` sending `token` as its admin token
/// (`Authorization: Bearer`).
pub fn admin_client(base_url: &str, token: &str) -> Client {
    open_client(base_url).with_header("Authorization", &format!("Bearer {}", token.trim()))
}

/// Creates a fresh sandbox with the demo world (or `world`) on a simulator at `base_url`.
pub fn new_sandbox(base_url: &str, world: Option<&Value>) -> Sandbox {
    new_sandbox_at(base_url, world, None)
}

/// Like [`new_sandbox`], with the sandbox's clock starting at `at` (unix seconds, `YYYY-MM-DD`
/// or ISO 8601; `POST /_sim/sandboxes?at=`) instead of the simulator's default start.
pub fn new_sandbox_at(base_url: &str, world: Option<&Value>, at: Option<&str>) -> Sandbox {
    let c = control_client(base_url);
    let mut url = format!("{}/_sim/sandboxes", base_url.trim_end_matches('/'));
    if let Some(at) = at {
        url = format!("{url}?at={at}");
    }
    let body = world.map(Value::to_string).unwrap_or_default();
    let r = c.send_bytes("POST", &url, &[("Content-Type", "application/json")], body.as_bytes());
    assert_eq!(r.status, 201, "create sandbox: {}", r.text);
    r.schema("sim_sandbox");
    Sandbox {
        id: r.body["id"].as_str().unwrap_or_default().to_string(),
        base_url: base_url.to_string(),
        info: r.body.clone(),
        admin_token: None,
    }
}

/// Like [`new_sandbox`], but a failure (no simulator there, a bad world) is an error.
pub fn try_new_sandbox(base_url: &str, world: Option<&Value>) -> Result<Sandbox, String> {
    let c = control_client(base_url);
    let url = format!("{}/_sim/sandboxes", base_url.trim_end_matches('/'));
    let body = world.map(Value::to_string).unwrap_or_default();
    let r = c.send_bytes("POST", &url, &[("Content-Type", "application/json")], body.as_bytes());
    if r.status != 201 {
        return Err(format!("creating a sandbox at {url}: {} {}", r.status, r.text));
    }
    crate::schemas::validate("sim_sandbox", &r.body).map_err(|e| {
        format!(
            "{url}: the sandbox description does not match sim_sandbox: {}",
            e.join("; ")
        )
    })?;
    Ok(Sandbox {
        id: r.body["id"].as_str().unwrap_or_default().to_string(),
        base_url: base_url.to_string(),
        info: r.body.clone(),
        admin_token: None,
    })
}

/// The sandbox `id` of a simulator at `base_url` (one the harness did not create), or why not.
pub fn attach(base_url: &str, id: &str) -> Result<Sandbox, String> {
    attach_as(base_url, id, None)
}

/// Like [`attach`] on a simulator whose control plane needs `token` (`--admin-token`): every
/// control-plane call of the sandbox sends it. A refusal is the error (`… 401 …` for a wrong
/// token, checked against `sim_error`).
pub fn attach_with_token(base_url: &str, id: &str, token: &str) -> Result<Sandbox, String> {
    attach_as(base_url, id, Some(token))
}

fn attach_as(base_url: &str, id: &str, token: Option<&str>) -> Result<Sandbox, String> {
    let url = format!("{}/_sim/sandboxes/{id}", base_url.trim_end_matches('/'));
    let client = token.map_or_else(|| control_client(base_url), |t| admin_client(base_url, t));
    let r = client.get_url(&url);
    if r.status != 200 {
        r.schema("sim_error");
        return Err(format!("{url}: {} {}", r.status, r.text));
    }
    r.schema("sim_sandbox");
    Ok(Sandbox {
        id: id.to_string(),
        base_url: base_url.to_string(),
        info: r.body.clone(),
        admin_token: token.map(str::to_string),
    })
}

/// Restores a snapshot (`Sandbox::export`) as a sandbox: `POST /_sim/sandboxes[?id=&replace=true]`
/// with it as the body; the answer raw (201 with the sandbox description, or the refusal).
pub fn restore(base_url: &str, snapshot: &Value, id: Option<&str>, replace: bool) -> Resp {
    let mut url = format!("{}/_sim/sandboxes", base_url.trim_end_matches('/'));
    let query: Vec<String> = id
        .map(|id| format!("id={id}"))
        .into_iter()
        .chain(replace.then(|| "replace=true".to_string()))
        .collect();
    if !query.is_empty() {
        url = format!("{url}?{}", query.join("&"));
    }
    control_client(base_url).send_bytes(
        "POST",
        &url,
        &[("Content-Type", "application/json")],
        snapshot.to_string().as_bytes(),
    )
}

/// Deletes a sandbox (best effort: a scenario's sandbox is garbage either way).
pub fn delete_sandbox(sb: &Sandbox) {
    let url = format!("{}/_sim/sandboxes/{}", sb.base_url.trim_end_matches('/'), sb.id);
    let _ = control_client(&sb.base_url).send_bytes("DELETE", &url, &[], b"");
}

/// A fresh demo-world sandbox on the shared in-process simulator.
pub fn fresh() -> Sandbox {
    new_sandbox(&crate::target::shared_simulator().base_url(), None)
}

/// A fresh demo-world sandbox on the shared in-process simulator whose clock starts at `at`
/// (`YYYY-MM-DD`, ISO 8601 or unix seconds), frozen: the API as it answered on that date.
pub fn fresh_at(at: &str) -> Sandbox {
    new_sandbox_at(&crate::target::shared_simulator().base_url(), None, Some(at))
}
