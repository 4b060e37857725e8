//! The scenario framework: target-independent scripted flows made of named steps, each
//! response schema-validated first and then checked for behaviour, run against any target.
//!
//! A scenario is a plain function over a [`Ctx`]; checks return `Result<_, Failure>` so a
//! failure names its step, the request (credentials redacted) and the [`Check`] that caught
//! it. Scenarios that need the simulator's control plane or writes declare it in `needs` and
//! are reported as skipped where they cannot run.

use crate::client::{Client, Resp};
use crate::record::{Recording, Tape, FORMAT};
use crate::redact;
use crate::schemas;
use crate::sim::{self, Sandbox};
use crate::target::Target;
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// What a scenario needs from its target beyond the Graph API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// The simulator's `/_sim/` control plane (clock, events): skipped on live.
    ControlPlane,
    /// It creates or changes objects: skipped on live unless `--allow-writes`.
    Writes,
}

/// One scripted flow.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    /// Unique, snake_case; names the recording file and the JUnit test case.
    pub name: &'static str,
    /// The guide or facts area it covers (JUnit class name), e.g. `foundation`.
    pub area: &'static str,
    /// One line: what it shows and where the rule comes from.
    pub about: &'static str,
    pub needs: &'static [Need],
    pub run: fn(&mut Ctx) -> Result<(), Failure>,
}

/// Which kind of check caught a problem; drift self-tests match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Check {
    /// No response (connection refused, timeout).
    Transport,
    /// Unexpected HTTP status (a 5xx, a success where an error was expected, ...).
    Status,
    /// The body does not match its `specs/` schema.
    Schema,
    /// A requested or expected field is missing.
    Field,
    /// An error envelope with another code or subcode than documented.
    ErrorCode,
    /// Paging misbehaves: repeats, loops, broken cursors or links.
    Paging,
    /// Any other expectation of the flow.
    Behaviour,
    /// Not a failure: the scenario could not run here.
    Skipped,
}

impl Check {
    pub fn as_str(self) -> &'static str {
        match self {
            Check::Transport => "transport",
            Check::Status => "status",
            Check::Schema => "schema",
            Check::Field => "field",
            Check::ErrorCode => "error-code",
            Check::Paging => "paging",
            Check::Behaviour => "behaviour",
            Check::Skipped => "skipped",
        }
    }
}

/// Why a scenario stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub check: Check,
    pub step: String,
    pub message: String,
}

impl Failure {
    pub fn new(check: Check, message: impl Into<String>) -> Self {
        Failure {
            check,
            step: String::new(),
            message: message.into(),
        }
    }

    pub fn skip(reason: impl Into<String>) -> Self {
        Self::new(Check::Skipped, reason)
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.step.is_empty() {
            write!(f, "[{}] {}", self.check.as_str(), self.message)
        } else {
            write!(f, "[{}] step '{}': {}", self.check.as_str(), self.step, self.message)
        }
    }
}

/// A failed behaviour check unless `cond`.
pub fn expect(cond: bool, message: impl FnOnce() -> String) -> Result<(), Failure> {
    if cond {
        Ok(())
    } else {
        Err(Failure::new(Check::Behaviour, message()))
    }
}

/// Every name in `fields` is present in `node` (an object), else a [`Check::Field`] failure.
pub fn require_fields(node: &Value, fields: &[&str]) -> Result<(), Failure> {
    let missing: Vec<&str> = fields.iter().copied().filter(|f| node.get(f).is_none()).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Failure::new(
            Check::Field,
            format!("missing field(s) {} in {}", missing.join(", "), short(node)),
        ))
    }
}

/// A string field of a node, else a [`Check::Field`] failure.
pub fn str_field<'v>(node: &'v Value, field: &str) -> Result<&'v str, Failure> {
    node.get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| Failure::new(Check::Field, format!("no string field '{field}' in {}", short(node))))
}

/// The `data` array of an edge response.
pub fn data(body: &Value) -> Result<&Vec<Value>, Failure> {
    body.get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| Failure::new(Check::Field, format!("no data array in {}", short(body))))
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 300 {
        format!("{}…", &s[..s.char_indices().nth(300).map_or(s.len(), |(i, _)| i)])
    } else {
        s
    }
}

/// One response, with the step that made it, ready to be checked.
#[derive(Debug, Clone)]
pub struct Call {
    pub resp: Resp,
}

impl Call {
    /// `METHOD /path?query` with credentials redacted, for messages.
    pub fn request(&self) -> String {
        let url = redact::secrets_in_url(&self.resp.url);
        let path = url
            .split_once("://")
            .map_or(url.as_str(), |(_, rest)| rest.find('/').map_or(rest, |i| &rest[i..]));
        format!("{} {path}", self.resp.method)
    }

    fn fail(&self, check: Check, what: impl std::fmt::Display) -> Failure {
        let body = if self.resp.text.len() > 400 {
            format!(
                "{}…",
                &self.resp.text[..self.resp.text.char_indices().nth(400).map_or(0, |(i, _)| i)]
            )
        } else {
            self.resp.text.clone()
        };
        Failure::new(
            check,
            format!("{} -> {}: {what}\n    body: {}", self.request(), self.resp.status, body),
        )
    }

    fn transport(&self) -> Result<(), Failure> {
        if self.resp.status == 0 {
            Err(self.fail(Check::Transport, "no response"))
        } else {
            Ok(())
        }
    }

    /// The body validated against `schema` (any status).
    pub fn schema(&self, schema: &str) -> Result<&Value, Failure> {
        self.transport()?;
        schemas::validate(schema, &self.resp.body)
            .map_err(|errors| self.fail(Check::Schema, format!("does not match {schema}: {}", errors.join("; "))))?;
        Ok(&self.resp.body)
    }

    /// A 200 whose body matches `schema`. A Graph error is reported with its code.
    pub fn ok(&self, schema: &str) -> Result<Value, Failure> {
        self.transport()?;
        if self.resp.status != 200 {
            return Err(self.fail(Check::Status, format!("expected 200 and {schema}")));
        }
        self.schema(schema).cloned()
    }

    /// Any valid Graph error envelope with a 4xx status (never a 5xx or a success).
    pub fn any_error(&self) -> Result<Value, Failure> {
        self.transport()?;
        if !(400..500).contains(&self.resp.status) {
            return Err(self.fail(Check::Status, "expected a 4xx Graph error"));
        }
        Ok(self.schema("error")?["error"].clone())
    }

    /// A Graph error envelope (validated) with exactly this code and subcode.
    pub fn error(&self, code: i64, subcode: Option<i64>) -> Result<Value, Failure> {
        let e = self.any_error()?;
        let got = (e["code"].as_i64(), e["error_subcode"].as_i64());
        if got != (Some(code), subcode) {
            let want = subcode.map_or(format!("{code}"), |s| format!("{code}/{s}"));
            let got = match got {
                (Some(c), Some(s)) => format!("{c}/{s}"),
                (Some(c), None) => format!("{c}"),
                _ => "none".into(),
            };
            return Err(self.fail(Check::ErrorCode, format!("expected error {want}, got {got}")));
        }
        Ok(e)
    }
}

/// The keys production sends in each family of error envelopes (igsim's
/// `simulator/src/error.rs` names the source of each family).
pub mod envelope_keys {
    /// Graph errors without a subcode: `(#100)`, `(#10)`, the 190 family, no token.
    pub const GRAPH: &[&str] = &["message", "type", "code", "fbtrace_id"];
    /// Graph errors with a subcode and no `is_transient`: 100/33, 190/463…
    pub const GRAPH_SUBCODE: &[&str] = &["message", "type", "code", "error_subcode", "fbtrace_id"];
    /// Instagram publishing errors (2207xxx): `is_transient` and the user title and message.
    pub const PUBLISHING: &[&str] = &[
        "message",
        "type",
        "code",
        "error_subcode",
        "is_transient",
        "error_user_title",
        "error_user_msg",
        "fbtrace_id",
    ];
}

impl Call {
    /// The error envelope has this HTTP status and exactly these keys (in any order).
    pub fn envelope(&self, status: u16, keys: &[&str]) -> Result<(), Failure> {
        let e = self.any_error()?;
        if self.resp.status != status {
            return Err(self.fail(Check::Status, format!("expected HTTP {status}")));
        }
        let mut got: Vec<&str> = e
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let mut want = keys.to_vec();
        got.sort_unstable();
        want.sort_unstable();
        if got != want {
            return Err(self.fail(Check::Field, format!("envelope keys {got:?}, expected {want:?}")));
        }
        Ok(())
    }
}

/// Undoes something a scenario created (runs after the scenario, newest first).
type Cleanup = Box<dyn FnOnce(&Client) -> Result<(), Failure>>;

/// Everything a scenario may use: a Graph client for the primary account, the ids of the
/// account under test, the control plane when there is one, notes and cleanups.
pub struct Ctx {
    client: Client,
    tape: Tape,
    sandbox: Option<Sandbox>,
    ig_user: String,
    page: Option<String>,
    app_id: Option<String>,
    app_secret: Option<String>,
    allow_writes: bool,
    step: String,
    notes: Vec<String>,
    cleanups: Vec<(String, Cleanup)>,
}

impl Ctx {
    /// Starts a named step: failures and recorded exchanges carry its name.
    pub fn step(&mut self, name: &str) {
        self.step = name.to_string();
        self.tape.set_step(name);
    }

    /// The Graph client of the primary user (token, `appsecret_proof`, recording).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The IG professional account under test (`IG_USER_ID` live; metricsaurus on igsim).
    pub fn ig_user_id(&self) -> &str {
        &self.ig_user
    }

    /// Its Facebook Page when known (`IG_PAGE_ID` live; the seeded page on igsim).
    pub fn page_id(&self) -> Option<&str> {
        self.page.as_deref()
    }

    /// The app's id when known (the sandbox's app; live: learnt with [`Ctx::set_app_id`]).
    pub fn app_id(&self) -> Option<&str> {
        self.app_id.as_deref()
    }

    pub fn set_app_id(&mut self, id: &str) {
        self.app_id = Some(id.to_string());
    }

    /// The app secret when known (the sandbox's app; live: `IG_APP_SECRET`).
    pub fn app_secret(&self) -> Option<&str> {
        self.app_secret.as_deref()
    }

    /// The control plane; a scenario declaring [`Need::ControlPlane`] always has it.
    pub fn sandbox(&self) -> Result<&Sandbox, Failure> {
        self.sandbox
            .as_ref()
            .ok_or_else(|| Failure::skip("needs the simulator control plane"))
    }

    pub fn is_simulator(&self) -> bool {
        self.sandbox.is_some()
    }

    pub fn writes_allowed(&self) -> bool {
        self.allow_writes
    }

    /// A line for the report (e.g. what could not be checked on this account).
    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// Runs after the scenario whatever its outcome, newest first (delete what you created).
    pub fn on_cleanup(&mut self, label: &str, f: impl FnOnce(&Client) -> Result<(), Failure> + 'static) {
        self.cleanups.push((label.to_string(), Box::new(f)));
    }

    /// Remembers a credential seen during the run so recordings never contain it.
    pub fn secret(&self, value: &str) {
        self.tape.add_secret(value);
    }

    pub fn get(&self, path: &str, params: &[(&str, &str)]) -> Call {
        Call {
            resp: self.client.get(path, params),
        }
    }

    pub fn get_url(&self, url: &str) -> Call {
        Call {
            resp: self.client.get_url(url),
        }
    }

    pub fn post(&self, path: &str, params: &[(&str, &str)]) -> Call {
        Call {
            resp: self.client.post(path, params),
        }
    }

    pub fn delete(&self, path: &str, params: &[(&str, &str)]) -> Call {
        Call {
            resp: self.client.delete(path, params),
        }
    }

    /// Calls with another client (another token, none, another version), still recorded.
    pub fn call_as(&self, client: &Client, f: impl FnOnce(&Client) -> Resp) -> Call {
        Call {
            resp: f(&client.with_tape(Some(self.tape.clone()))),
        }
    }

    /// Walks an edge from `first` through `paging.next`, validating every page against
    /// `schema`; fails ([`Check::Paging`]) if an item comes twice, a page repeats, `next`
    /// is not absolute, or the walk exceeds `max_pages`. Returns every item in order.
    pub fn walk(&self, first: Call, schema: &str, max_pages: usize) -> Result<Vec<Value>, Failure> {
        let mut call = first;
        let mut items = Vec::new();
        let mut seen = BTreeSet::new();
        let mut urls = BTreeSet::new();
        for page in 1..=max_pages {
            let body = call.ok(schema)?;
            for item in data(&body)? {
                let id = str_field(item, "id")?.to_string();
                if !seen.insert(id.clone()) {
                    return Err(call.fail(Check::Paging, format!("item {id} came twice (page {page})")));
                }
                items.push(item.clone());
            }
            let next = body.pointer("/paging/next").and_then(Value::as_str);
            let Some(next) = next else {
                return Ok(items);
            };
            if data(&body)?.is_empty() {
                return Err(call.fail(Check::Paging, "an empty page still has paging.next"));
            }
            if !next.starts_with("http://") && !next.starts_with("https://") {
                return Err(call.fail(Check::Paging, format!("paging.next is not an absolute URL: {next}")));
            }
            if !urls.insert(next.to_string()) {
                return Err(call.fail(Check::Paging, "paging.next repeats an earlier link"));
            }
            if body.pointer("/paging/cursors/after").is_none() {
                return Err(call.fail(Check::Paging, "a page with paging.next has no paging.cursors.after"));
            }
            call = self.get_url(next);
        }
        Err(call.fail(Check::Paging, format!("still a next page after {max_pages} pages")))
    }
}

/// How a run goes.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Live targets: run scenarios that declare [`Need::Writes`].
    pub allow_writes: bool,
    /// Only scenarios whose name or area contains one of these (all when empty).
    pub only: Vec<String>,
    /// Simulator targets: the API version the scenarios call (`Some("")`: unversioned paths;
    /// `None`: the client's default). Live targets use `IG_API_VERSION`.
    pub version: Option<String>,
}

/// How one scenario ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail(Failure),
    Skip(String),
}

impl Outcome {
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail(_) => "fail",
            Outcome::Skip(_) => "skip",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ScenarioResult {
    pub name: &'static str,
    pub area: &'static str,
    pub outcome: Outcome,
    pub duration: Duration,
    pub notes: Vec<String>,
    /// Every exchange, credentials redacted.
    pub recording: Recording,
    /// Every exchange as made (credentials included), for in-memory checks and snapshots.
    pub raw: Vec<crate::record::Exchange>,
}

/// Scenarios selected by `only` (by name or area substring).
pub fn select<'a>(scenarios: &'a [Scenario], only: &[String]) -> Vec<&'a Scenario> {
    scenarios
        .iter()
        .filter(|s| only.is_empty() || only.iter().any(|o| s.name.contains(o.as_str()) || s.area == o))
        .collect()
}

/// Runs `scenarios` one after another, calling `progress` before and after each.
pub fn run_all(
    target: &Target,
    scenarios: &[Scenario],
    opts: &RunOptions,
    mut progress: impl FnMut(Progress<'_>),
) -> Vec<ScenarioResult> {
    let chosen = select(scenarios, &opts.only);
    let total = chosen.len();
    let mut out = Vec::new();
    for (i, s) in chosen.into_iter().enumerate() {
        progress(Progress::Start {
            index: i + 1,
            total,
            scenario: s,
        });
        let r = run_one(target, s, opts);
        progress(Progress::Done {
            index: i + 1,
            total,
            result: &r,
        });
        out.push(r);
    }
    out
}

/// What the runner reports while it works.
pub enum Progress<'a> {
    Start {
        index: usize,
        total: usize,
        scenario: &'a Scenario,
    },
    Done {
        index: usize,
        total: usize,
        result: &'a ScenarioResult,
    },
}

/// Runs one scenario on a fresh sandbox (simulator targets) or on the live account.
pub fn run_one(target: &Target, scenario: &Scenario, opts: &RunOptions) -> ScenarioResult {
    let started = Instant::now();
    let tape = Tape::new();
    let finish = |outcome: Outcome, notes: Vec<String>, tape: &Tape| ScenarioResult {
        name: scenario.name,
        area: scenario.area,
        recording: Recording {
            format: FORMAT.into(),
            scenario: scenario.name.into(),
            target: target.kind().into(),
            outcome: outcome.label().into(),
            exchanges: tape.redacted(),
        },
        raw: tape.raw(),
        outcome,
        duration: started.elapsed(),
        notes,
    };
    if let Some(reason) = skip_reason(target, scenario, opts) {
        return finish(Outcome::Skip(reason), Vec::new(), &tape);
    }
    let mut ctx = match setup(target, &tape, opts) {
        Ok(ctx) => ctx,
        Err(f) => return finish(Outcome::Fail(f), Vec::new(), &tape),
    };
    let run = scenario.run;
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&mut ctx)));
    let mut outcome = match result {
        Ok(Ok(())) => Outcome::Pass,
        Ok(Err(f)) if f.check == Check::Skipped => Outcome::Skip(f.message),
        Ok(Err(mut f)) => {
            if f.step.is_empty() {
                f.step = ctx.step.clone();
            }
            Outcome::Fail(f)
        }
        Err(panic) => Outcome::Fail(Failure {
            check: Check::Behaviour,
            step: ctx.step.clone(),
            message: format!("the scenario panicked: {}", panic_text(&panic)),
        }),
    };
    ctx.step("cleanup");
    let cleanups = std::mem::take(&mut ctx.cleanups);
    for (label, f) in cleanups.into_iter().rev() {
        if let Err(e) = f(&ctx.client) {
            ctx.notes.push(format!("cleanup '{label}' failed: {e}"));
            if outcome == Outcome::Pass {
                outcome = Outcome::Fail(Failure {
                    step: format!("cleanup: {label}"),
                    ..e
                });
            }
        }
    }
    if let Some(sb) = &ctx.sandbox {
        sim::delete_sandbox(sb);
    }
    let notes = std::mem::take(&mut ctx.notes);
    finish(outcome, notes, &tape)
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .map(|s| redact::secrets_in_url(&s))
        .unwrap_or_else(|| "(no message)".into())
}

fn skip_reason(target: &Target, scenario: &Scenario, opts: &RunOptions) -> Option<String> {
    let live = !target.is_simulator();
    if live && scenario.needs.contains(&Need::ControlPlane) {
        return Some("needs the simulator control plane (clock, events)".into());
    }
    if live && scenario.needs.contains(&Need::Writes) && !opts.allow_writes {
        return Some("writes to the live account (pass --allow-writes)".into());
    }
    None
}

/// The primary account on igsim's demo world.
pub const SIM_ACCOUNT: &str = "metricsaurus";
/// The user whose token scenarios use on igsim (every permission, every task).
pub const SIM_USER: &str = "Dana Admin";

fn setup(target: &Target, tape: &Tape, opts: &RunOptions) -> Result<Ctx, Failure> {
    match target {
        Target::Simulator { base_url } => {
            let sb = sim::try_new_sandbox(base_url, None).map_err(|e| Failure::new(Check::Transport, e))?;
            let token = sb.user_token(SIM_USER);
            tape.add_secret(&token);
            tape.add_secret(&sb.app_secret());
            let ig_user = sb.ig_id(SIM_ACCOUNT);
            let page = sb.info["pages"]
                .as_array()
                .and_then(|ps| ps.iter().find(|p| p["instagram_business_account"] == ig_user.as_str()))
                .and_then(|p| p["id"].as_str())
                .map(str::to_string);
            let mut client = Client::new(base_url).with_token(&token).with_tape(Some(tape.clone()));
            if let Some(v) = &opts.version {
                client = client.with_version(v);
            }
            Ok(Ctx {
                client,
                tape: tape.clone(),
                app_id: Some(sb.app_id()),
                app_secret: Some(sb.app_secret()),
                sandbox: Some(sb),
                ig_user,
                page,
                allow_writes: true,
                step: String::new(),
                notes: Vec::new(),
                cleanups: Vec::new(),
            })
        }
        Target::Live {
            base_url,
            token,
            ig_user_id,
            app_secret,
            page_id,
            version,
        } => {
            tape.add_secret(token);
            if let Some(s) = app_secret {
                tape.add_secret(s);
            }
            let client = Client::new(base_url)
                .with_version(version)
                .with_token(token)
                .with_app_secret(app_secret.as_deref())
                .with_tape(Some(tape.clone()));
            Ok(Ctx {
                client,
                tape: tape.clone(),
                sandbox: None,
                ig_user: ig_user_id.clone(),
                page: page_id.clone(),
                // The app id is learnt from debug_token when a scenario needs it.
                app_id: None,
                app_secret: app_secret.clone(),
                allow_writes: opts.allow_writes,
                step: String::new(),
                notes: Vec::new(),
                cleanups: Vec::new(),
            })
        }
    }
}

/// Whether a body looks like the JSON of `schema` (for scenarios choosing between shapes).
pub fn matches(schema: &str, body: &Value) -> bool {
    schemas::validate(schema, body).is_ok()
}
