//! Both login flows in the model: the authorization codes the login dialogs hand out (one
//! use, a lifetime, bound to their `redirect_uri`), the app's registered redirect URIs, and
//! the app-scoped ids Instagram Login shows for an account (its permissions, which tokens
//! carry, are in `account.rs`).
//!
//! Sources: `specs/README.md`, "Instagram Login facts".

use super::account::{Token, TokenKind};
pub(crate) use super::world::{AuthCode, Flavour, Grantor};
use super::World;
use crate::ids::{stable_hash, IgUserId};
use std::collections::BTreeSet;

impl Grantor {
    pub(crate) fn flavour(self) -> Flavour {
        match self {
            Grantor::User(_) => Flavour::Facebook,
            Grantor::Instagram(_) => Flavour::Instagram,
        }
    }
}

/// Why a code cannot be exchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodeRefusal {
    Unknown,
    Used,
    Expired,
    RedirectMismatch,
}

/// Whether `uri` may receive a dialog's answer: exactly one of `registered`, or, when none
/// is registered, any `http://` URI on a loopback host.
pub(crate) fn redirect_allowed(uri: &str, registered: &[String]) -> bool {
    if !registered.is_empty() {
        return registered.iter().any(|r| r == uri);
    }
    let Some(rest) = uri.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    host == "localhost" || host == "::1" || host.split('.').next() == Some("127") && host.split('.').count() == 4
}

/// Parses a dialog's `scope`: comma- or space-separated, empty items ignored, each once, in
/// the order given.
pub(crate) fn parse_scope(scope: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    scope
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty() && seen.insert(*s))
        .map(str::to_string)
        .collect()
}

/// Most codes a sandbox remembers: issuing one more forgets the oldest (which then answers
/// as unknown). Dialogs are clicked by people and tests, not by the thousand, so only a
/// runaway client reaches it.
pub(crate) const MAX_REMEMBERED_CODES: usize = 1_000;

impl World {
    /// The app-scoped id Instagram Login shows for an account (`id` on `/me`, `user_id` of
    /// the code exchange): 17 digits starting with `2`, derived from the account id so it
    /// never collides with generated ids (those start `1`).
    pub(crate) fn ig_scoped_id(&self, ig: IgUserId) -> u64 {
        20_000_000_000_000_000
            + stable_hash(&[&ig.0.to_le_bytes(), self.app.id.0.to_string().as_bytes()]) % 10_000_000_000_000_000
    }

    /// The account an app-scoped id stands for.
    pub(crate) fn ig_by_scoped_id(&self, id: u64) -> Option<IgUserId> {
        self.ig_users.keys().copied().find(|ig| self.ig_scoped_id(*ig) == id)
    }

    /// Issues a code for `grantor` with `scopes`, answerable at `redirect_uri`.
    pub(crate) fn issue_code(
        &mut self,
        grantor: Grantor,
        scopes: BTreeSet<String>,
        redirect_uri: &str,
        now: i64,
        lifetime: i64,
    ) -> String {
        while self.login.codes.len() >= MAX_REMEMBERED_CODES {
            let oldest = self
                .login
                .codes
                .iter()
                .min_by_key(|(value, c)| (c.issued_at, value.as_str()))
                .map(|(value, _)| value.clone());
            match oldest {
                Some(value) => self.login.codes.remove(&value),
                None => break,
            };
        }
        let n = self.ids.below(u64::MAX);
        let code = format!("AQ{}", crate::ids::derive_secret(n, &self.app.secret, "code", 150));
        self.login.codes.insert(
            code.clone(),
            AuthCode {
                grantor,
                scopes,
                redirect_uri: redirect_uri.to_string(),
                issued_at: now,
                expires_at: now.saturating_add(lifetime),
                used: false,
            },
        );
        code
    }

    /// Uses up a code of `flavour`: unknown, used, expired or a different `redirect_uri` are
    /// refused (a refused code stays as it was). Codes are one-time in both flows.
    pub(crate) fn redeem_code(
        &mut self,
        code: &str,
        flavour: Flavour,
        redirect_uri: &str,
        now: i64,
    ) -> Result<AuthCode, CodeRefusal> {
        let c = self
            .login
            .codes
            .get_mut(code)
            .filter(|c| c.grantor.flavour() == flavour)
            .ok_or(CodeRefusal::Unknown)?;
        if c.used {
            return Err(CodeRefusal::Used);
        }
        if now >= c.expires_at {
            return Err(CodeRefusal::Expired);
        }
        if c.redirect_uri != redirect_uri {
            return Err(CodeRefusal::RedirectMismatch);
        }
        c.used = true;
        Ok(c.clone())
    }

    /// A fresh Instagram User token value in production's shape (`IGAA…`), unique across
    /// sandboxes as [`World::mint_token_value`] is.
    pub(crate) fn mint_ig_token_value(&mut self, label: &str) -> String {
        let n = self.ids.below(u64::MAX);
        crate::ids::derive_ig_token(n, &self.app.secret, label)
    }

    /// Mints and registers an Instagram User token for `ig`.
    pub(crate) fn add_ig_token(
        &mut self,
        ig: IgUserId,
        scopes: BTreeSet<String>,
        now: i64,
        lifetime: i64,
        long_lived: bool,
    ) -> String {
        let value = self.mint_ig_token_value("ig_login");
        self.add_token(
            value.clone(),
            Token {
                kind: TokenKind::Instagram(ig),
                scopes: std::sync::Arc::new(scopes),
                issued_at: now,
                expires_at: Some(now.saturating_add(lifetime)),
                data_access_expires_at: now.saturating_add(lifetime),
                long_lived,
                revoked: None,
            },
        );
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::account::{ig_login_scope, IG_LOGIN_SCOPES};

    #[test]
    fn loopback_uris_are_allowed_when_none_is_registered() {
        for ok in [
            "http://127.0.0.1:9000/cb",
            "http://localhost/cb?x=1",
            "http://[::1]:80/",
            "http://127.1.2.3",
        ] {
            assert!(redirect_allowed(ok, &[]), "{ok}");
        }
        for bad in [
            "https://example.com/cb",
            "http://example.com/",
            "http://127.0.0.1.evil.com/",
            "ftp://127.0.0.1/",
        ] {
            assert!(!redirect_allowed(bad, &[]), "{bad}");
        }
        let reg = vec!["https://app.example/cb".to_string()];
        assert!(redirect_allowed("https://app.example/cb", &reg));
        assert!(!redirect_allowed("http://127.0.0.1/cb", &reg));
    }

    #[test]
    fn a_sandbox_remembers_a_bounded_number_of_codes_forgetting_the_oldest() {
        let seed: crate::model::seed::WorldSeed =
            serde_json::from_str(include_str!("../../../fixtures/seeds/demo.json")).unwrap();
        let mut w = crate::model::seed::build_world(&seed, &crate::Config::default(), 1, "t", 1_000).unwrap();
        let user = *w.users.keys().next().unwrap();
        let issue =
            |w: &mut World, at: i64| w.issue_code(Grantor::User(user), BTreeSet::new(), "http://127.0.0.1/cb", at, 600);
        let first = issue(&mut w, 1_000);
        for i in 0..MAX_REMEMBERED_CODES as i64 + 10 {
            issue(&mut w, 1_001 + i);
        }
        assert_eq!(w.login.codes.len(), MAX_REMEMBERED_CODES);
        assert!(!w.login.codes.contains_key(&first));
    }

    #[test]
    fn scopes_split_on_commas_and_spaces_once_each() {
        assert_eq!(
            parse_scope("a,b c,,a "),
            vec!["a".to_string(), "b".to_string(), "c".to_string()]
        );
    }

    #[test]
    fn every_ig_login_scope_has_its_facebook_counterpart() {
        for s in IG_LOGIN_SCOPES {
            let fb = s.replace("instagram_business_", "instagram_");
            assert_eq!(ig_login_scope(&fb), Some(*s));
        }
        assert_eq!(ig_login_scope("pages_show_list"), None);
    }
}
