//! The Graph error vocabulary: one constructor per documented error.
//!
//! Each constructor knows its code, subcode, type, HTTP status and texts, taken from
//! `shared/reference/graph-api-facts.md` §1 (the section is named at each constructor).
//! `message` is the short generic text; the documented user-facing sentence goes in
//! `error_user_msg`, as live responses do (facts §1.1). Rendering (with `fbtrace_id`)
//! happens in `http::response`.

mod publishing;
mod webhooks;
pub use publishing::FORCIBLE_SUBCODES;
mod insights;
mod login;
pub use login::InstagramOAuthError;
mod ratelimit;
mod shopping;
mod social;

use serde_json::{json, Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct GraphError {
    pub status: u16,
    pub message: String,
    pub kind: &'static str,
    pub code: i64,
    pub subcode: Option<i64>,
    pub is_transient: bool,
    pub user_title: Option<String>,
    pub user_msg: Option<String>,
    /// Value of the `WWW-Authenticate` header's kind (facts §1.2), for auth errors.
    pub www_authenticate: Option<&'static str>,
}

pub type GraphResult<T> = Result<T, GraphError>;

const OAUTH: &str = "OAuthException";
const METHOD: &str = "GraphMethodException";

impl GraphError {
    pub fn new(status: u16, code: i64, message: impl Into<String>) -> Self {
        GraphError {
            status,
            message: message.into(),
            kind: OAUTH,
            code,
            subcode: None,
            is_transient: false,
            user_title: None,
            user_msg: None,
            www_authenticate: None,
        }
    }

    pub fn subcode(mut self, subcode: i64) -> Self {
        self.subcode = Some(subcode);
        self
    }

    pub fn user(mut self, title: impl Into<String>, msg: impl Into<String>) -> Self {
        self.user_title = Some(title.into());
        self.user_msg = Some(msg.into());
        self
    }

    pub fn transient(mut self) -> Self {
        self.is_transient = true;
        self
    }

    fn kind(mut self, kind: &'static str) -> Self {
        self.kind = kind;
        self
    }

    fn auth(mut self, www: &'static str) -> Self {
        self.www_authenticate = Some(www);
        self
    }

    /// The `{"error": {...}}` body without `fbtrace_id`.
    pub fn body(&self, fbtrace_id: &str) -> Value {
        let mut e = Map::new();
        e.insert("message".into(), json!(self.message));
        e.insert("type".into(), json!(self.kind));
        e.insert("code".into(), json!(self.code));
        if let Some(s) = self.subcode {
            e.insert("error_subcode".into(), json!(s));
        }
        e.insert("is_transient".into(), json!(self.is_transient));
        if let Some(t) = &self.user_title {
            e.insert("error_user_title".into(), json!(t));
        }
        if let Some(m) = &self.user_msg {
            e.insert("error_user_msg".into(), json!(m));
        }
        e.insert("fbtrace_id".into(), json!(fbtrace_id));
        json!({ "error": Value::Object(e) })
    }

    // ---- object access (facts §1.3, §8.3) -------------------------------------------

    /// 100/33: the object does not exist, cannot be seen with this token, or the method is
    /// not supported on it. Deliberately the same for "missing" and "forbidden".
    pub fn unsupported(method: &str, id: &str) -> Self {
        let verb = match method {
            "POST" => "post",
            "DELETE" => "delete",
            _ => "get",
        };
        GraphError::new(
            400,
            100,
            format!(
                "Unsupported {verb} request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"
            ),
        )
        .subcode(33)
        .kind(METHOD)
    }

    /// A path the Graph API has no route for (e.g. an unknown edge).
    /// Code 2500 "Unknown path components" is what graph.facebook.com answers (UNCONFIRMED).
    pub fn unknown_path(path: &str) -> Self {
        GraphError::new(400, 2500, format!("Unknown path components: {path}"))
    }

    // ---- parameters (facts §1.3) -----------------------------------------------------

    pub fn nonexisting_field(field: &str, node_type: &str) -> Self {
        GraphError::new(
            400,
            100,
            format!("(#100) Tried accessing nonexisting field ({field}) on node type ({node_type})"),
        )
    }

    pub fn missing_param(name: &str) -> Self {
        GraphError::new(400, 100, format!("(#100) The parameter {name} is required"))
    }

    pub fn invalid_param(detail: impl std::fmt::Display) -> Self {
        GraphError::new(400, 100, format!("(#100) {detail}"))
    }

    /// `(#100) <param>[<i>] must be one of the following values: a, b, c`
    pub fn not_one_of(param: &str, values: &[&str]) -> Self {
        GraphError::new(
            400,
            100,
            format!(
                "(#100) {param} must be one of the following values: {}",
                values.join(", ")
            ),
        )
    }

    pub fn too_many_ids(provided: usize, max: usize) -> Self {
        GraphError::new(
            400,
            100,
            format!("(#100) Too many IDs. Maximum: {max}. Provided: {provided}."),
        )
    }

    pub fn cursor_out_of_range(which: &str) -> Self {
        GraphError::new(
            400,
            100,
            format!("(#100) The {which} Cursor specified exceeds the max limit supported by this endpoint"),
        )
    }

    /// A `fields=` expression that does not parse. Real Graph answers code 2500 with the
    /// parser's complaint and the character position (wording UNCONFIRMED).
    pub fn fields_syntax(detail: &str, at: usize, input: &str) -> Self {
        GraphError::new(
            400,
            2500,
            format!("Syntax error \"{detail}\" at character {at}: {input}"),
        )
    }

    // ---- tokens (facts §1.3, code 190 and friends) -------------------------------------

    /// No token at all on a request for `/me`.
    pub fn active_token_required() -> Self {
        GraphError::new(
            400,
            2500,
            "An active access token must be used to query information about the current user.",
        )
        .auth("invalid_request")
    }

    /// No token at all on any other request.
    pub fn token_required() -> Self {
        GraphError::new(400, 104, "An access token is required to request this resource.").auth("invalid_request")
    }

    pub fn token_unparseable() -> Self {
        GraphError::new(400, 190, "Invalid OAuth access token - Cannot parse access token").auth("invalid_token")
    }

    pub fn token_invalid() -> Self {
        GraphError::new(400, 190, "Invalid OAuth access token.").auth("invalid_token")
    }

    /// 190/463 with the Pacific-time sentence production uses.
    pub fn token_expired(expired_at: i64, now: i64) -> Self {
        GraphError::new(
            400,
            190,
            format!(
                "Error validating access token: Session has expired on {}. The current time is {}.",
                crate::timefmt::pacific_sentence(expired_at),
                crate::timefmt::pacific_sentence(now)
            ),
        )
        .subcode(463)
        .auth("invalid_token")
    }

    pub fn token_app_not_authorized(app_id: &str) -> Self {
        GraphError::new(
            400,
            190,
            format!("Error validating access token: The user has not authorized application {app_id}."),
        )
        .subcode(458)
        .auth("invalid_token")
    }

    pub fn token_password_changed() -> Self {
        GraphError::new(400, 190, "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.")
            .subcode(460)
            .auth("invalid_token")
    }

    pub fn token_invalidated_by_api() -> Self {
        GraphError::new(
            400,
            190,
            "Error validating access token: The session was invalidated explicitly using an API call.",
        )
        .subcode(466)
        .auth("invalid_token")
    }

    pub fn token_logged_out() -> Self {
        GraphError::new(
            400,
            190,
            "Error validating access token: The session is invalid because the user logged out.",
        )
        .subcode(467)
        .auth("invalid_token")
    }

    pub fn token_session_invalid() -> Self {
        GraphError::new(400, 190, "Error validating access token: The session is invalid. This could be because the application was uninstalled after the session was created.")
            .subcode(492)
            .auth("invalid_token")
    }

    /// `appsecret_proof` sent but wrong (securing-requests doc).
    pub fn invalid_appsecret_proof() -> Self {
        GraphError::new(400, 100, "Invalid appsecret_proof provided in the API argument").kind(METHOD)
    }

    /// The app requires `appsecret_proof` and none was sent.
    pub fn appsecret_proof_required() -> Self {
        GraphError::new(
            400,
            100,
            "API calls from the server require an appsecret_proof argument",
        )
        .kind(METHOD)
    }

    pub fn invalid_client_secret() -> Self {
        GraphError::new(400, 1, "Error validating client secret.")
    }

    pub fn invalid_application_id() -> Self {
        GraphError::new(400, 101, "Error validating application. Invalid application ID.")
    }

    pub fn unsupported_grant_type() -> Self {
        GraphError::new(
            400,
            100,
            "(#100) Unsupported grant_type. Supported values are fb_exchange_token and client_credentials",
        )
    }

    /// A call that needs a user or page token made with an app token, or the reverse.
    pub fn wrong_token_type(needed: &str) -> Self {
        GraphError::new(
            400,
            190,
            format!("Invalid OAuth access token - this call needs a {needed} access token"),
        )
        .auth("invalid_token")
    }

    // ---- permissions (facts §1.2, §7) ---------------------------------------------------

    /// `(#10)`: the app lacks a permission the edge needs (HTTP 403).
    pub fn permission_denied() -> Self {
        GraphError::new(403, 10, "(#10) Application does not have permission for this action")
    }

    /// `(#200)`: the user has not granted what the action needs (HTTP 403).
    pub fn requires_permission(permission: &str) -> Self {
        GraphError::new(
            403,
            200,
            format!("(#200) Requires {permission} permission to manage the object"),
        )
    }

    pub fn not_authorized_action() -> Self {
        GraphError::new(
            403,
            200,
            "(#200) The user hasn't authorized the application to perform this action",
        )
    }

    // ---- request bodies (never a 5xx: every failure on client input is a 4xx) -------------------------------------------------------------------

    pub fn body_too_large(limit: usize) -> Self {
        GraphError::new(
            400,
            100,
            format!("(#100) Request body exceeds the maximum size of {limit} bytes"),
        )
    }

    pub fn malformed_body(detail: &str) -> Self {
        GraphError::new(400, 100, format!("(#100) Could not parse the request body: {detail}"))
    }
}

impl std::fmt::Display for GraphError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (code {}", self.message, self.code)?;
        if let Some(s) = self.subcode {
            write!(f, ", subcode {s}")?;
        }
        write!(f, ")")
    }
}

impl std::error::Error for GraphError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsupported_get_is_a_graph_method_exception_with_subcode_33() {
        let b = GraphError::unsupported("GET", "123").body("T");
        assert_eq!(b["error"]["type"], "GraphMethodException");
        assert_eq!(b["error"]["code"], 100);
        assert_eq!(b["error"]["error_subcode"], 33);
        assert!(b["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Unsupported get request. Object with ID '123'"));
    }

    #[test]
    fn token_errors_have_no_code_prefix_and_no_subcode_when_none() {
        let b = GraphError::token_invalid().body("T");
        assert_eq!(b["error"]["message"], "Invalid OAuth access token.");
        assert!(b["error"].get("error_subcode").is_none());
        assert_eq!(b["error"]["fbtrace_id"], "T");
    }
}
