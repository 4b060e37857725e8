//! The world's records of apps, Facebook users, Pages with their tasks, tokens, IG accounts (the rules: `model/account.rs`).

use super::*;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct App {
    pub(crate) id: AppId,
    pub(crate) name: String,
    pub(crate) secret: String,
    /// "Require App Secret": every call must carry `appsecret_proof`.
    pub(crate) require_appsecret_proof: bool,
    /// When the app was created (unix seconds): apps created from a cut-over on lose the
    /// legacy Graph features (`Config::legacy_features`; v27.0's changelog).
    pub(crate) created_time: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FbUser {
    pub(crate) id: UserId,
    pub(crate) name: String,
    /// Permissions the user granted the app (the token scopes).
    pub(crate) permissions: Vec<String>,
    /// The user's first token, as handed out by the seed world.
    pub(crate) access_token: String,
}

/// Page tasks (Overview guide, "Tasks").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum Task {
    Analyze,
    Advertise,
    Moderate,
    CreateContent,
    Manage,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Page {
    pub(crate) id: PageId,
    pub(crate) name: String,
    pub(crate) category: String,
    pub(crate) category_list: Vec<(String, String)>,
    pub(crate) ig_user: Option<IgUserId>,
    /// Users with a role on the Page and the tasks each can perform, in the order the
    /// real API lists them.
    pub(crate) roles: BTreeMap<UserId, Vec<Task>>,
    /// The page token handed to each user with a role (from `/me/accounts`).
    pub(crate) page_tokens: BTreeMap<UserId, String>,
    /// Coordinates, if the Page has a location (a `location_id` needs them).
    pub(crate) location: Option<(f64, f64)>,
    /// Page Publishing Authorization still to be completed.
    pub(crate) requires_ppa: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum IgAccountType {
    Business,
    Creator,
    /// A consumer account: never readable through the API, but it can comment, be tagged…
    Personal,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct IgUser {
    pub(crate) id: IgUserId,
    pub(crate) ig_id: u64,
    pub(crate) username: String,
    pub(crate) name: String,
    pub(crate) biography: String,
    pub(crate) website: Option<String>,
    pub(crate) followers_count: u64,
    pub(crate) follows_count: u64,
    pub(crate) account_type: IgAccountType,
    pub(crate) is_private: bool,
    /// Age-gated accounts are left out of Business Discovery.
    pub(crate) age_gated: bool,
    /// Restricted, checkpointed or inactive (publishing fails with code 25).
    pub(crate) restricted: bool,
    /// The owner hid like counts on their posts.
    pub(crate) hides_like_counts: bool,
    /// The account has an approved Instagram Shop (product tagging).
    pub(crate) shop_approved: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) enum TokenKind {
    User(UserId),
    Page {
        page: PageId,
        user: UserId,
    },
    App,
    /// An Instagram User token (Instagram Login): the IG professional account itself.
    Instagram(IgUserId),
}

/// Why a token stopped working (the 190 subcodes of facts §1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Revocation {
    /// 458: the user removed the app.
    AppDeauthorized,
    /// 460: password changed.
    PasswordChanged,
    /// 466: invalidated through an API call.
    InvalidatedByApi,
    /// 467: the user logged out.
    LoggedOut,
    /// 492: session invalid (e.g. no longer admin of the Page).
    SessionInvalid,
}

/// A token's permissions, shared by the token and every request it authenticates (copied
/// per request, they were a read's largest allocation: one string per permission).
/// Serialized as the set itself.
pub(crate) type Scopes = std::sync::Arc<BTreeSet<String>>;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Token {
    pub(crate) kind: TokenKind,
    pub(crate) scopes: Scopes,
    pub(crate) issued_at: i64,
    /// `None` never expires (`expires_at: 0` in debug_token).
    pub(crate) expires_at: Option<i64>,
    pub(crate) data_access_expires_at: i64,
    pub(crate) long_lived: bool,
    pub(crate) revoked: Option<Revocation>,
}

/// Who a long-lived token is for: the same user (or Page, or Instagram account) and the
/// same permissions get the same token back (see [`World::long_lived_token`]).
pub(crate) type ExchangeKey = (TokenKind, BTreeSet<String>);
