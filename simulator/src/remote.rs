//! `igsim trigger …` and `igsim fault …`: the commands of the igsim binary that drive a running
//! simulator through its control plane (its arguments, and one control-plane call each).

use crate::{load_faults, say};
use clap::Subcommand;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct FaultArgs {
    /// Base URL of the running simulator.
    #[arg(long, default_value = "http://127.0.0.1:8686")]
    url: String,
    /// The simulator's control-plane token, if it was started with one.
    #[arg(long, env = "IGSIM_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Sandbox whose rules to change.
    #[arg(long, default_value = "default")]
    sandbox: String,
    #[command(subcommand)]
    action: FaultAction,
}

#[derive(Subcommand)]
enum FaultAction {
    /// Add a rule (README "Fault and latency injection"), or every rule of --file.
    Add(Box<FaultRuleArgs>),
    /// List the rules with their counters.
    List,
    /// Remove one rule by id, or every rule.
    Clear {
        /// The rule to remove (default: all).
        id: Option<String>,
    },
}

#[derive(clap::Args)]
struct FaultRuleArgs {
    /// Rules from a JSON file (a rule, an array, or {"rules": [...]}) instead of flags.
    #[arg(long, conflicts_with_all = [
        "id", "method", "path", "node", "edge", "nth", "every", "probability", "error", "latency_ms",
        "drop", "hang_ms", "after", "times", "expires_in", "expires_at", "seed",
    ])]
    file: Option<PathBuf>,
    /// A name for the rule (default rule-N).
    #[arg(long)]
    id: Option<String>,
    /// GET, POST or DELETE.
    #[arg(long)]
    method: Option<String>,
    /// A path pattern: /*/media_publish, /me/**.
    #[arg(long)]
    path: Option<String>,
    /// The path's node (an id or me).
    #[arg(long)]
    node: Option<String>,
    /// The path's edge (media_publish).
    #[arg(long)]
    edge: Option<String>,
    /// Fire on the nth matching call only.
    #[arg(long, group = "when")]
    nth: Option<u64>,
    /// Fire on every nth matching call.
    #[arg(long, group = "when")]
    every: Option<u64>,
    /// Fire with this probability (seeded).
    #[arg(long, group = "when")]
    probability: Option<f64>,
    /// Answer with this error: unknown, service, app_rate_limit, user_rate_limit,
    /// page_rate_limit, custom_rate_limit, instagram_rate_limit, a code, or a publishing subcode.
    #[arg(long)]
    error: Option<String>,
    /// Delay the answer by this many milliseconds.
    #[arg(long)]
    latency_ms: Option<u64>,
    /// Close the connection without an answer.
    #[arg(long)]
    drop: bool,
    /// Answer nothing for this many milliseconds, then close the connection.
    #[arg(long)]
    hang_ms: Option<u64>,
    /// Let the request run first (its changes stay), then apply the effect.
    #[arg(long)]
    after: bool,
    /// Fire at most this many times.
    #[arg(long)]
    times: Option<u64>,
    /// Stop after this many seconds of sandbox time.
    #[arg(long)]
    expires_in: Option<i64>,
    /// Stop at this sandbox time (unix seconds).
    #[arg(long)]
    expires_at: Option<i64>,
    /// Seed of the rule's probability draws.
    #[arg(long)]
    seed: Option<u64>,
}

#[derive(clap::Args)]
pub struct TriggerArgs {
    /// Base URL of the running simulator.
    #[arg(long, default_value = "http://127.0.0.1:8686")]
    url: String,
    /// The simulator's control-plane token, if it was started with one.
    #[arg(long, env = "IGSIM_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Sandbox to act in.
    #[arg(long, default_value = "default")]
    sandbox: String,
    #[command(subcommand)]
    event: TriggerEvent,
}

#[derive(Subcommand)]
enum TriggerEvent {
    /// Another user comments on a media object (or replies with --parent-id).
    Comment {
        #[arg(long)]
        media_id: String,
        #[arg(long)]
        text: String,
        #[arg(long = "from")]
        from_username: String,
        #[arg(long)]
        parent_id: Option<String>,
    },
    /// Another user @mentions an account: in a comment on --media-id / under --comment-id,
    /// or else in the caption of a new post.
    Mention {
        #[arg(long)]
        username: String,
        #[arg(long = "from")]
        from_username: String,
        #[arg(long)]
        media_id: Option<String>,
        #[arg(long)]
        comment_id: Option<String>,
        #[arg(long)]
        text: Option<String>,
    },
    /// Another user tags an account in a photo (a new one, or --media-id of theirs).
    Tag {
        #[arg(long)]
        username: String,
        #[arg(long = "from")]
        from_username: String,
        #[arg(long)]
        media_id: Option<String>,
        #[arg(long)]
        x: Option<f64>,
        #[arg(long)]
        y: Option<f64>,
    },
    /// Live broadcasts: start, end, or comment on one.
    Live {
        #[command(subcommand)]
        action: LiveAction,
    },
    /// Make a story expire now (story_insights follow an hour later).
    StoryExpire {
        #[arg(long)]
        media_id: String,
    },
    /// Deliver every webhook that is due now.
    Flush,
    /// List webhook deliveries with their attempts (the oldest 100; the control plane pages on).
    Deliveries,
}

#[derive(Subcommand)]
enum LiveAction {
    Start {
        #[arg(long)]
        username: String,
        #[arg(long)]
        caption: Option<String>,
    },
    End {
        #[arg(long)]
        media_id: String,
    },
    Comment {
        #[arg(long)]
        media_id: String,
        #[arg(long = "from")]
        from_username: String,
        #[arg(long)]
        text: String,
    },
}

/// `igsim trigger …`: one control-plane call to a running simulator; prints its JSON answer.
pub fn trigger(t: TriggerArgs) -> Result<(), String> {
    use serde_json::json;
    let base = format!("{}/_sim/sandboxes/{}", t.url.trim_end_matches('/'), t.sandbox);
    let (method, path, body) = match t.event {
        TriggerEvent::Comment {
            media_id,
            text,
            from_username,
            parent_id,
        } => (
            http::Method::POST,
            "events/comment",
            json!({ "media_id": media_id, "text": text, "from_username": from_username, "parent_id": parent_id }),
        ),
        TriggerEvent::Mention {
            username,
            from_username,
            media_id,
            comment_id,
            text,
        } => (
            http::Method::POST,
            "events/mention",
            json!({ "username": username, "from_username": from_username, "media_id": media_id, "comment_id": comment_id, "text": text }),
        ),
        TriggerEvent::Tag {
            username,
            from_username,
            media_id,
            x,
            y,
        } => (
            http::Method::POST,
            "events/tag",
            json!({ "username": username, "from_username": from_username, "media_id": media_id, "x": x, "y": y }),
        ),
        TriggerEvent::Live { action } => (
            http::Method::POST,
            "events/live",
            match action {
                LiveAction::Start { username, caption } => {
                    json!({ "action": "start", "username": username, "caption": caption })
                }
                LiveAction::End { media_id } => json!({ "action": "end", "media_id": media_id }),
                LiveAction::Comment {
                    media_id,
                    from_username,
                    text,
                } => json!({ "action": "comment", "media_id": media_id, "from_username": from_username, "text": text }),
            },
        ),
        TriggerEvent::StoryExpire { media_id } => (
            http::Method::POST,
            "events/story_expire",
            json!({ "media_id": media_id }),
        ),
        TriggerEvent::Flush => (http::Method::POST, "webhooks/flush", json!({})),
        TriggerEvent::Deliveries => (http::Method::GET, "webhooks/deliveries", serde_json::Value::Null),
    };
    control(&format!("{base}/{path}"), t.admin_token.as_deref(), method, body)
}

/// `igsim fault …`: adds, lists or clears a sandbox's fault rules; prints the JSON answer.
pub fn fault(f: FaultArgs) -> Result<(), String> {
    let base = format!("{}/_sim/sandboxes/{}/faults", f.url.trim_end_matches('/'), f.sandbox);
    let token = f.admin_token.as_deref();
    match f.action {
        FaultAction::List => control(&base, token, http::Method::GET, serde_json::Value::Null),
        FaultAction::Clear { id: None } => control(&base, token, http::Method::DELETE, serde_json::Value::Null),
        FaultAction::Clear { id: Some(id) } => control(
            &format!("{base}/{id}"),
            token,
            http::Method::DELETE,
            serde_json::Value::Null,
        ),
        FaultAction::Add(rule) => {
            let body = match &rule.file {
                Some(path) => serde_json::to_value(load_faults(path)?).map_err(|e| e.to_string())?,
                None => rule_json(&rule),
            };
            control(&base, token, http::Method::POST, body)
        }
    }
}

/// The JSON rule of `igsim fault add`'s flags (the simulator validates it).
fn rule_json(r: &FaultRuleArgs) -> serde_json::Value {
    let mut rule = serde_json::Map::new();
    let mut put = |k: &str, v: serde_json::Value| {
        if !v.is_null() {
            rule.insert(k.to_string(), v);
        }
    };
    put("id", serde_json::json!(r.id));
    put("method", serde_json::json!(r.method));
    put("path", serde_json::json!(r.path));
    put("node", serde_json::json!(r.node));
    put("edge", serde_json::json!(r.edge));
    put("nth", serde_json::json!(r.nth));
    put("every", serde_json::json!(r.every));
    put("probability", serde_json::json!(r.probability));
    put("error", serde_json::json!(r.error));
    put("latency_ms", serde_json::json!(r.latency_ms));
    put("hang_ms", serde_json::json!(r.hang_ms));
    put("times", serde_json::json!(r.times));
    put("expires_in", serde_json::json!(r.expires_in));
    put("expires_at", serde_json::json!(r.expires_at));
    put("seed", serde_json::json!(r.seed));
    if r.drop {
        put("drop", serde_json::json!(true));
    }
    if r.after {
        put("after", serde_json::json!(true));
    }
    serde_json::Value::Object(rule)
}

/// One control-plane call to a running simulator (`body` JSON, none when null), with the admin
/// token when given; prints its JSON answer and fails on a 4xx/5xx or a transport error.
fn control(url: &str, admin_token: Option<&str>, method: http::Method, body: serde_json::Value) -> Result<(), String> {
    let payload = if body.is_null() {
        bytes::Bytes::new()
    } else {
        bytes::Bytes::from(body.to_string())
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let mut headers = vec![("content-type", "application/json".to_string())];
    if let Some(token) = admin_token {
        headers.push((simulator::http::control::ADMIN_TOKEN_HEADER, token.to_string()));
    }
    let out = rt.block_on(simulator::io::webhooks::request(
        method,
        url,
        &headers,
        payload,
        std::time::Duration::from_secs(30),
    ));
    if let Some(e) = out.error {
        return Err(format!("{url}: {e}"));
    }
    say(&format!("{}\n", out.body));
    match out.status {
        Some(s) if s < 400 => Ok(()),
        s => Err(format!("{url} answered {}", s.unwrap_or(0))),
    }
}
