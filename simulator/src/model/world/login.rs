//! The world's records of the login flows' codes and redirect URIs (the rules: `model/login.rs`).

use super::*;

/// Which login a code, token or request belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavour {
    /// Facebook Login (for Business): Facebook user tokens, `graph.facebook.com`.
    Facebook,
    /// Business Login for Instagram: Instagram user tokens, `graph.instagram.com`.
    Instagram,
}

/// Who granted a code: a Facebook user (Facebook Login) or an IG professional account
/// (Instagram Login).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Grantor {
    User(UserId),
    Instagram(IgUserId),
}

/// An authorization code from a login dialog (or the control plane's headless issue).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AuthCode {
    pub(crate) grantor: Grantor,
    /// Exactly the permissions ticked in the dialog.
    pub(crate) scopes: BTreeSet<String>,
    /// The `redirect_uri` of the dialog request; the exchange must repeat it.
    pub(crate) redirect_uri: String,
    pub(crate) issued_at: i64,
    pub(crate) expires_at: i64,
    pub(crate) used: bool,
}

/// The login state of a sandbox: outstanding codes and the app's redirect URIs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Login {
    pub(crate) codes: BTreeMap<String, AuthCode>,
    /// "Valid OAuth Redirect URIs" of the sandbox app; empty = any loopback URI.
    pub(crate) redirect_uris: Vec<String>,
    /// The seed world's Instagram Login tokens, in seed order (for the sandbox description).
    pub(crate) seeded_tokens: Vec<(IgUserId, String)>,
}
