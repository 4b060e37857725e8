//! Apps, Facebook users, Pages with their tasks, tokens with their permissions (Instagram
//! Login's included, with the Facebook Login permission each stands for), and IG accounts;
//! plus who may see what (the task table in the Overview guide).

use super::capacity::Full;
use super::world::World;
pub(crate) use super::world::{
    App, ExchangeKey, FbUser, IgAccountType, IgUser, Page, Revocation, Scopes, Task, Token, TokenKind,
};
use crate::config::{CapacityArea, CapacityConfig};
use crate::ids::{IgUserId, UserId};
use std::collections::{BTreeMap, BTreeSet};

impl App {
    /// The app access token `app_id|app_secret`.
    pub(crate) fn access_token(&self) -> String {
        format!("{}|{}", self.id, self.secret)
    }

    /// Whether `token` is [`App::access_token`] (checked on every request: no allocation).
    /// Proven equal to comparing with it by `app_token_check_is_string_equality`.
    pub(crate) fn is_access_token(&self, token: &str) -> bool {
        token.split_once('|').is_some_and(|(id, secret)| {
            // `id` written as `{}` writes a u64: no sign, no leading zero but in "0".
            let canonical = id == "0" || !id.starts_with(['+', '0']);
            secret == self.secret && canonical && id.parse() == Ok(self.id.0)
        })
    }
}

impl Task {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Task::Analyze => "ANALYZE",
            Task::Advertise => "ADVERTISE",
            Task::Moderate => "MODERATE",
            Task::CreateContent => "CREATE_CONTENT",
            Task::Manage => "MANAGE",
        }
    }

    /// Whether this task lets a user grant `permission` (the Overview guide's task table).
    /// Permissions outside the table are not task-gated.
    pub(crate) fn grants(self, permission: &str) -> bool {
        match permission {
            "instagram_basic" | "instagram_manage_insights" => true,
            "instagram_content_publish" => matches!(self, Task::Manage | Task::CreateContent),
            "instagram_manage_comments" => matches!(self, Task::Manage | Task::CreateContent | Task::Moderate),
            _ => true,
        }
    }
}

impl IgAccountType {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            IgAccountType::Business => "BUSINESS",
            IgAccountType::Creator => "CREATOR",
            IgAccountType::Personal => "PERSONAL",
        }
    }

    pub(crate) fn is_professional(self) -> bool {
        !matches!(self, IgAccountType::Personal)
    }
}

impl IgUser {
    /// The id of the Meta business that owns the account (see [`crate::ids::derived_id`]).
    pub(crate) fn owner_business(&self) -> u64 {
        crate::ids::derived_id("owner_business", self.id.0)
    }
}

impl Token {
    /// Whether the token carries `permission` (a Facebook Login name). An Instagram Login
    /// token carries it when it has the Instagram Login permission that stands for it
    /// ([`ig_login_scope`]).
    pub(crate) fn has(&self, permission: &str) -> bool {
        grants(self.kind, &self.scopes, permission)
    }

    pub(crate) fn user_id(&self) -> Option<UserId> {
        match self.kind {
            TokenKind::User(u) | TokenKind::Page { user: u, .. } => Some(u),
            TokenKind::App | TokenKind::Instagram(_) => None,
        }
    }
}

/// Whether a token of `kind` with `scopes` carries `permission` (see [`Token::has`]).
pub(crate) fn grants(kind: TokenKind, scopes: &BTreeSet<String>, permission: &str) -> bool {
    match kind {
        TokenKind::Instagram(_) => ig_login_scope(permission).is_some_and(|p| scopes.contains(p)),
        _ => scopes.contains(permission),
    }
}

impl World {
    /// The long-lived token grants (`fb_exchange_token`, and Instagram Login's
    /// `ig_exchange_token` and `ig_refresh_token`) keep one working token per user (or Page,
    /// or Instagram account) and scopes: the one the last grant for `key` minted is returned
    /// again while it works and was issued at or after `since`, with its expiry moved to
    /// `expires_at`; otherwise `mint` registers a new one, which takes its place. Production
    /// returns the same string for an exchange within a token's lifetime
    /// (GH:jaredhanson/passport-facebook#98, GH:agorapulse/grails-facebook-sdk#56; that the
    /// expiry moves is UNCONFIRMED, and is what clients that re-exchange to refresh expect).
    /// So repeated grants add one token, not one per call. A new one is refused when the
    /// sandbox holds all the run-time tokens `cap` allows.
    pub(crate) fn long_lived_token(
        &mut self,
        key: ExchangeKey,
        now: i64,
        since: i64,
        expires_at: Option<i64>,
        cap: &CapacityConfig,
        mint: impl FnOnce(&mut World) -> String,
    ) -> Result<String, Full> {
        let reusable = self.exchanged.get(&key).cloned().filter(|value| {
            self.tokens.get(value).is_some_and(|t| {
                t.revoked.is_none() && t.issued_at >= since && t.expires_at.is_none_or(|exp| now < exp)
            })
        });
        if let Some(value) = reusable {
            if let Some(t) = self.tokens.get_mut(&value) {
                t.expires_at = expires_at;
            }
            return Ok(value);
        }
        self.room_for(CapacityArea::Tokens, 1, cap)?;
        let value = mint(self);
        self.exchanged.insert(key, value.clone());
        Ok(value)
    }

    /// `fb_exchange_token`: the long-lived token for the user (or Page) and scopes of
    /// `short`, valid `lifetime` seconds from `now` (`None` for page tokens, which never
    /// expire, facts §7), through [`World::long_lived_token`]. Returns the token and its
    /// expiry (or why none could be minted); `None` when `short` is unknown.
    pub(crate) fn exchange_token(
        &mut self,
        short: &str,
        now: i64,
        lifetime: i64,
        cap: &CapacityConfig,
    ) -> Option<Result<(String, Option<i64>), Full>> {
        let old = Token::clone(self.tokens.get(short)?);
        let expires_at = match old.kind {
            TokenKind::Page { .. } => None,
            _ => Some(now.saturating_add(lifetime)),
        };
        let key: ExchangeKey = (old.kind, BTreeSet::clone(&old.scopes));
        let value = self.long_lived_token(key, now, i64::MIN, expires_at, cap, |world| {
            let value = world.mint_token_value("fb_exchange_token");
            world.add_token(
                value.clone(),
                Token {
                    issued_at: now,
                    expires_at,
                    long_lived: true,
                    revoked: None,
                    ..old
                },
            );
            value
        });
        Some(value.map(|v| (v, expires_at)))
    }
}

/// What a viewer may read as their own: the IG accounts linked to the Pages the token's
/// user has tasks on (all of them for a user token, one for a page token).
#[derive(Debug, Clone, Default)]
pub(crate) struct Access {
    pub(crate) accounts: BTreeMap<IgUserId, Tasks>,
}

/// A set of [`Task`]s (what a role holds), kept as bits: built for every request, copied
/// without an allocation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tasks(u8);

impl Tasks {
    const ALL: [Task; 5] = [
        Task::Analyze,
        Task::Advertise,
        Task::Moderate,
        Task::CreateContent,
        Task::Manage,
    ];

    pub(crate) fn of(tasks: &[Task]) -> Tasks {
        Tasks(tasks.iter().fold(0, |bits, &t| bits | 1 << t as u8))
    }

    pub(crate) fn iter(self) -> impl Iterator<Item = Task> {
        Self::ALL.into_iter().filter(move |&t| self.0 & 1 << t as u8 != 0)
    }
}

impl Access {
    pub(crate) fn can_read(&self, ig: IgUserId) -> bool {
        self.accounts.contains_key(&ig)
    }

    /// Whether the tasks on `ig`'s Page let the token use `permission`.
    pub(crate) fn task_allows(&self, ig: IgUserId, permission: &str) -> bool {
        self.accounts
            .get(&ig)
            .is_some_and(|tasks| tasks.iter().any(|t| t.grants(permission)))
    }
}

pub(super) fn access(world: &World, viewer: &TokenKind) -> Access {
    let mut out = Access::default();
    let mut add = |page: &Page, user: UserId| {
        if let (Some(ig), Some(tasks)) = (page.ig_user, page.roles.get(&user)) {
            out.accounts.insert(ig, Tasks::of(tasks));
        }
    };
    match *viewer {
        TokenKind::User(user) => {
            for page in world.pages.values() {
                add(page, user);
            }
        }
        TokenKind::Page { page, user } => {
            if let Some(p) = world.pages.get(&page) {
                add(p, user);
            }
        }
        // Instagram Login: the account logged in itself, with no Page task in between.
        TokenKind::Instagram(ig) => {
            out.accounts.insert(ig, Tasks::of(&[Task::Manage]));
        }
        TokenKind::App => {}
    }
    out
}

/// The permissions (scope values) of Instagram Login, as the Business Login page lists them
/// after the January 2025 rename (`business_basic` … are retired), plus insights.
pub(crate) const IG_LOGIN_SCOPES: &[&str] = &[
    "instagram_business_basic",
    "instagram_business_content_publish",
    "instagram_business_manage_comments",
    "instagram_business_manage_messages",
    "instagram_business_manage_insights",
];

/// The Instagram Login permission that plays the part of a Facebook Login permission on
/// `graph.instagram.com` (the IG User reference's Requirements table: `instagram_basic` ↔
/// `instagram_business_basic`, and so on). `None`: the permission has no counterpart there
/// (Pages, shopping), so an Instagram Login token never has it.
pub(crate) fn ig_login_scope(fb_permission: &str) -> Option<&'static str> {
    Some(match fb_permission {
        "instagram_basic" => "instagram_business_basic",
        "instagram_content_publish" => "instagram_business_content_publish",
        "instagram_manage_comments" => "instagram_business_manage_comments",
        "instagram_manage_messages" => "instagram_business_manage_messages",
        "instagram_manage_insights" => "instagram_business_manage_insights",
        _ => return None,
    })
}

impl World {
    /// Accounts a viewer may read as their own, with the tasks the viewer has on each.
    pub(crate) fn access(&self, viewer: &TokenKind) -> Access {
        access(self, viewer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_set_holds_exactly_the_tasks_it_was_made_of() {
        for mask in 0u8..32 {
            let tasks: Vec<Task> = (0..5).filter(|i| mask & 1 << i != 0).map(|i| Tasks::ALL[i]).collect();
            assert_eq!(Tasks::of(&tasks).iter().collect::<Vec<_>>(), tasks);
            // Duplicates and order do not matter to a set.
            let mut twice: Vec<Task> = tasks.iter().rev().copied().collect();
            twice.extend(&tasks);
            assert_eq!(Tasks::of(&twice), Tasks::of(&tasks));
        }
    }

    proptest::proptest! {
        #[test]
        fn app_token_check_is_string_equality(id in proptest::num::u64::ANY, secret in "[a-f0-9]{0,3}", token in "[+0-9]{0,4}[|]?[a-f0-9]{0,3}") {
            let app = App { id: crate::ids::AppId(id % 200), name: String::new(), secret, require_appsecret_proof: false, created_time: 0 };
            for t in [token, app.access_token(), format!("+{}", app.access_token()), format!("0{}", app.access_token())] {
                proptest::prop_assert_eq!(app.is_access_token(&t), t == app.access_token(), "{}", t);
            }
        }
    }

    #[test]
    fn only_manage_and_create_content_can_publish() {
        assert!(Task::Manage.grants("instagram_content_publish"));
        assert!(Task::CreateContent.grants("instagram_content_publish"));
        assert!(!Task::Moderate.grants("instagram_content_publish"));
        assert!(!Task::Analyze.grants("instagram_manage_comments"));
        assert!(Task::Moderate.grants("instagram_manage_comments"));
        assert!(Task::Advertise.grants("instagram_manage_insights"));
    }
}
