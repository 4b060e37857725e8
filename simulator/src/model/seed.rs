//! Seed worlds: the JSON a sandbox is built from (`fixtures/seeds/*.json`), and the
//! deterministic expansion of its `generate` blocks into media, comments and replies.
//!
//! References inside a seed are by name (user `name`, IG `username`) so files stay readable;
//! ids may be given (the demo world reuses the ids of the guides' samples) or are generated.

use super::account::{App, FbUser, IgAccountType, IgUser, Page, Revocation, Task, Token, TokenKind};
use super::comment::Comment;
use super::media::{add_child, new_media, Media, MediaType, ProductType, UserTag, MAX_CAPTION_CHARS};
use super::World;
use crate::config::Config;
use crate::ids::{
    derive_ig_token, derive_secret, derive_token, parse_id, stable_hash, AppId, CommentId, IdGen, IdKind, IgUserId,
    MediaId, PageId, UserId,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorldSeed {
    pub description: Option<String>,
    pub app: AppSeed,
    pub users: Vec<UserSeed>,
    pub instagram_accounts: Vec<IgSeed>,
    pub pages: Vec<PageSeed>,
    pub media: Vec<MediaSeed>,
    pub generate: Vec<GenerateSeed>,
    pub pools: Pools,
    /// Instagram Shop catalogs (product tagging).
    pub catalogs: Vec<super::shopping::CatalogSeed>,
    /// Accounts that have logged in to the app with Instagram Login, each with a token.
    pub instagram_logins: Vec<InstagramLoginSeed>,
}

/// An account logged in with Instagram Login: a long-lived Instagram User token with these
/// `instagram_business_*` permissions. An account needs no Page for this.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InstagramLoginSeed {
    /// The professional account's `username`.
    pub account: String,
    pub permissions: Vec<String>,
    /// Seconds until the token expires; absent = a fresh 60-day token.
    pub token_expires_in: Option<i64>,
    /// The token was revoked for this reason (to try the 190 subcodes).
    pub token_revoked: Option<Revocation>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AppSeed {
    pub id: Option<String>,
    pub name: String,
    pub require_appsecret_proof: bool,
    /// When the app was created (ISO 8601, `YYYY-MM-DD` or unix seconds). Absent: an
    /// established app, created on [`ESTABLISHED_APP_CREATED`].
    pub created_time: Option<String>,
    /// "Valid OAuth Redirect URIs" of the app; empty = any loopback URI (login dialogs).
    pub redirect_uris: Vec<String>,
}

impl Default for AppSeed {
    fn default() -> Self {
        AppSeed {
            id: None,
            name: "igsim app".into(),
            require_appsecret_proof: false,
            created_time: None,
            redirect_uris: Vec::new(),
        }
    }
}

/// The creation date of an app whose seed gives none: 2019-03-12T00:00:00Z, an established
/// app created before every app-date rule igsim models (v27.0's legacy features: apps created
/// from 2026-11-04 lose `ids=`, `method=` and field aliases). Worlds written before the field
/// existed therefore keep every feature they used.
pub const ESTABLISHED_APP_CREATED: i64 = 1_552_348_800;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UserSeed {
    pub id: Option<String>,
    pub name: String,
    pub permissions: Vec<String>,
    /// Seconds until the user's token expires; absent = never.
    pub token_expires_in: Option<i64>,
    /// The token was revoked for this reason (to try the 190 subcodes).
    pub token_revoked: Option<Revocation>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IgSeed {
    pub id: Option<String>,
    pub username: String,
    pub name: String,
    pub biography: String,
    pub website: Option<String>,
    pub followers_count: u64,
    pub follows_count: u64,
    pub account_type: IgAccountType,
    pub is_private: bool,
    pub age_gated: bool,
    pub restricted: bool,
    pub hides_like_counts: bool,
    pub shop_approved: bool,
}

impl Default for IgSeed {
    fn default() -> Self {
        IgSeed {
            id: None,
            username: String::new(),
            name: String::new(),
            biography: String::new(),
            website: None,
            followers_count: 0,
            follows_count: 0,
            account_type: IgAccountType::Personal,
            is_private: false,
            age_gated: false,
            restricted: false,
            hides_like_counts: false,
            shop_approved: false,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PageSeed {
    pub id: Option<String>,
    pub name: String,
    pub category: String,
    pub category_list: Vec<CategorySeed>,
    /// Username of the connected IG professional account.
    pub instagram_account: Option<String>,
    pub roles: Vec<RoleSeed>,
    pub location: Option<LocationSeed>,
    pub requires_ppa: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategorySeed {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleSeed {
    /// The user's `name`.
    pub user: String,
    pub tasks: Vec<Task>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocationSeed {
    pub latitude: f64,
    pub longitude: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MediaSeed {
    pub id: Option<String>,
    pub owner: String,
    pub media_type: MediaType,
    pub media_product_type: ProductType,
    pub caption: Option<String>,
    /// How long before the sandbox's start it was posted, e.g. `3d`, `5h30m`.
    pub age: String,
    pub like_count: u64,
    pub comments_enabled: bool,
    pub shared_to_feed: Option<bool>,
    /// Carousel items (their media types).
    pub children: Vec<MediaType>,
    pub comments: Vec<CommentSeed>,
    pub user_tags: Vec<UserTag>,
    pub collaborators: Vec<String>,
    pub live_now: bool,
    /// Product tags, by the product's `retailer_id` in the owner's catalog.
    pub product_tags: Vec<super::shopping::ProductTagSeed>,
}

impl Default for MediaSeed {
    fn default() -> Self {
        MediaSeed {
            id: None,
            owner: String::new(),
            media_type: MediaType::Image,
            media_product_type: ProductType::Feed,
            caption: None,
            age: "1d".into(),
            like_count: 0,
            comments_enabled: true,
            shared_to_feed: None,
            children: Vec::new(),
            comments: Vec::new(),
            user_tags: Vec::new(),
            collaborators: Vec::new(),
            live_now: false,
            product_tags: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CommentSeed {
    pub id: Option<String>,
    pub from: String,
    pub text: String,
    /// How long before the sandbox's start it was written.
    pub age: String,
    pub hidden: bool,
    pub like_count: u64,
    pub replies: Vec<CommentSeed>,
}

/// Generates a realistic history for one account from the seed's pools.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenerateSeed {
    pub owner: String,
    /// Feed posts and reels, spread over `span_days`.
    pub media: u32,
    pub span_days: u32,
    /// Shares of the feed that are reels and carousels (the rest are images).
    pub reels_share: f64,
    pub carousel_share: f64,
    /// Stories younger than 24 hours, and older (expired) ones.
    pub live_stories: u32,
    pub expired_stories: u32,
    /// Inclusive ranges.
    pub likes: [u64; 2],
    pub comments: [u32; 2],
    pub replies: [u32; 2],
}

impl Default for GenerateSeed {
    fn default() -> Self {
        GenerateSeed {
            owner: String::new(),
            media: 0,
            span_days: 180,
            reels_share: 0.25,
            carousel_share: 0.15,
            live_stories: 0,
            expired_stories: 0,
            likes: [0, 500],
            comments: [0, 5],
            replies: [0, 2],
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Pools {
    pub captions: Vec<String>,
    pub hashtags: Vec<String>,
    /// Usernames that write comments.
    pub commenters: Vec<String>,
    pub comments: Vec<String>,
}

/// The oldest anything in a seed world may be.
pub const MAX_AGE_SECONDS: i64 = 100 * 365 * 86_400;

/// Largest count a seed world may give: likes (of a post, a comment or a `generate` block's
/// range), followers and follows. More than any post or account has (the most-followed
/// account has under 10^9 followers), and small enough that every value derived from counts
/// (insights add and scale them over thousands of media and days) stays far from overflow.
pub const MAX_COUNT: u64 = 1_000_000_000_000;

/// Most carousel items a generated album gets (`Builder::generate`: 2 to 5).
const MAX_GENERATED_CHILDREN: u64 = 5;

/// Checks that `seed` stays within the bounds of a world before anything is built: every
/// count alone, the ages its `generate` blocks imply, the length of pooled texts (they are
/// copied into every generated item), and the total objects it expands to, at most
/// `max_objects` (`Config::max_world_objects`). Returns that total (an upper bound); the
/// error names the field and the limit.
pub fn check_bounds(seed: &WorldSeed, max_objects: u64) -> Result<u64, String> {
    let count = |what: &str, n: u64| -> Result<u64, String> {
        if n > max_objects {
            Err(format!("{what} is {n}: a world holds at most {max_objects} objects"))
        } else {
            Ok(n)
        }
    };
    let counted = |what: &str, n: u64| -> Result<(), String> {
        if n > MAX_COUNT {
            Err(format!("{what} is {n}: at most {MAX_COUNT}"))
        } else {
            Ok(())
        }
    };
    for (i, a) in seed.instagram_accounts.iter().enumerate() {
        counted(&format!("instagram_accounts[{i}].followers_count"), a.followers_count)?;
        counted(&format!("instagram_accounts[{i}].follows_count"), a.follows_count)?;
    }
    for (i, m) in seed.media.iter().enumerate() {
        counted(&format!("media[{i}].like_count"), m.like_count)?;
        for (j, c) in m.comments.iter().enumerate() {
            counted(&format!("media[{i}].comments[{j}].like_count"), c.like_count)?;
            for (k, r) in c.replies.iter().enumerate() {
                counted(
                    &format!("media[{i}].comments[{j}].replies[{k}].like_count"),
                    r.like_count,
                )?;
            }
        }
    }
    let len = |v: usize| v as u64;
    let mut total = len(seed.users.len())
        .saturating_add(len(seed.instagram_accounts.len()))
        .saturating_add(len(seed.pages.len()));
    for m in &seed.media {
        let comments: u64 = m.comments.iter().map(|c| 1 + len(c.replies.len())).sum();
        total = total.saturating_add(1 + len(m.children.len()) + comments);
    }
    for c in &seed.catalogs {
        let products: u64 = c.products.iter().map(|p| 1 + len(p.variants.len())).sum();
        total = total.saturating_add(products);
    }
    for (i, g) in seed.generate.iter().enumerate() {
        let at = |field: &str| format!("generate[{i}].{field}");
        let media = count(&at("media"), u64::from(g.media))?;
        let live = count(&at("live_stories"), u64::from(g.live_stories))?;
        let expired = count(&at("expired_stories"), u64::from(g.expired_stories))?;
        let comments = count(&at("comments"), u64::from(g.comments[0].max(g.comments[1])))?;
        let replies = count(&at("replies"), u64::from(g.replies[0].max(g.replies[1])))?;
        counted(&at("likes"), g.likes[0].max(g.likes[1]))?;
        // The ages generation gives (see `Builder::generate`) stay within MAX_AGE_SECONDS.
        let oldest = [
            (at("span_days"), i64::from(g.span_days).saturating_mul(86_400)),
            (
                at("live_stories"),
                1800 + i64::from(g.live_stories.saturating_sub(1)) * 3 * 3600,
            ),
            (
                at("expired_stories"),
                2 * 86_400 + i64::from(g.expired_stories.saturating_sub(1)) * 5 * 86_400 + 7,
            ),
        ];
        for (what, age) in oldest {
            if age > MAX_AGE_SECONDS {
                return Err(format!("{what} reaches back more than 100 years"));
            }
        }
        let per_post = (1 + MAX_GENERATED_CHILDREN).saturating_add(comments.saturating_mul(1 + replies));
        total = total
            .saturating_add(media.saturating_mul(per_post))
            .saturating_add(live)
            .saturating_add(expired);
    }
    let pools = [
        ("captions", &seed.pools.captions),
        ("comments", &seed.pools.comments),
        ("hashtags", &seed.pools.hashtags),
    ];
    for (name, texts) in pools {
        if let Some((i, t)) = texts
            .iter()
            .enumerate()
            .find(|(_, t)| t.chars().count() > MAX_CAPTION_CHARS)
        {
            return Err(format!(
                "pools.{name}[{i}] has {} characters: at most {MAX_CAPTION_CHARS}",
                t.chars().count()
            ));
        }
    }
    if total > max_objects {
        return Err(format!(
            "the world would hold up to {total} objects (users, accounts, pages, media with carousel items and stories, comments with replies, products): at most {max_objects}"
        ));
    }
    Ok(total)
}

/// Parses an age such as `90s`, `15m`, `5h30m`, `3d`, `2w` into seconds.
pub fn parse_age(s: &str) -> Result<i64, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty age".into());
    }
    let mut total: i64 = 0;
    let mut num = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: i64 = num.parse().map_err(|_| format!("bad age {s:?}"))?;
        num.clear();
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => return Err(format!("bad age unit {c:?} in {s:?}")),
        };
        total = total.saturating_add(n.saturating_mul(unit));
    }
    if !num.is_empty() {
        return Err(format!("age {s:?} needs a unit (s, m, h, d, w)"));
    }
    // Older than Instagram itself is a typo; bounding it keeps every later `now - t` far
    // from overflow.
    if total > MAX_AGE_SECONDS {
        return Err(format!("age {s:?} is more than 100 years"));
    }
    Ok(total)
}

struct Builder<'a> {
    world: World,
    seed: &'a WorldSeed,
    cfg_seed: u64,
    sandbox: &'a str,
    now: i64,
    users_by_name: BTreeMap<String, UserId>,
}

/// Builds a sandbox's world from its seed, at sandbox time `now`.
/// Ids depend only on the seed values (so every sandbox made from the same seed has the
/// same ids); tokens and the app secret also depend on the sandbox id (so they are unique
/// across sandboxes and identify their sandbox).
pub fn build_world(seed: &WorldSeed, cfg: &Config, world_seed: u64, sandbox: &str, now: i64) -> Result<World, String> {
    check_bounds(seed, cfg.max_world_objects)?;
    let app_secret = hex_like(&derive_secret(world_seed, sandbox, "app-secret", 32));
    let mut ids = IdGen::new(stable_hash(&[&world_seed.to_le_bytes(), b"app"]));
    let app_id = match &seed.app.id {
        Some(s) => parse_id(s).ok_or_else(|| format!("app.id {s:?} is not a numeric id"))?,
        None => ids.next(IdKind::App),
    };
    let created_time = match seed.app.created_time.as_deref() {
        None => ESTABLISHED_APP_CREATED,
        Some(s) => crate::timefmt::parse_time_param(s)
            .filter(|t| (0..=crate::clock::MAX_TIME).contains(t))
            .ok_or_else(|| format!("app.created_time {s:?} is not a time (ISO 8601, YYYY-MM-DD or unix seconds)"))?,
    };
    let app = App {
        id: AppId(app_id),
        name: seed.app.name.clone(),
        secret: app_secret,
        require_appsecret_proof: seed.app.require_appsecret_proof,
        created_time,
    };
    let mut world = World::empty(app, stable_hash(&[&world_seed.to_le_bytes(), b"ids"]));
    world.sandbox = sandbox.to_string();
    world.claim_id(app_id, IdKind::App);
    let mut b = Builder {
        world,
        seed,
        cfg_seed: world_seed,
        sandbox,
        now,
        users_by_name: BTreeMap::new(),
    };
    b.users(cfg)?;
    b.instagram_accounts()?;
    b.pages()?;
    b.instagram_logins(cfg)?;
    super::shopping::seed_catalogs(&mut b.world, &seed.catalogs, world_seed)?;
    for m in &seed.media {
        b.media_seed(m)?;
    }
    for g in &seed.generate {
        b.generate(g)?;
    }
    let mut world = b.world;
    world.seeded = Some(world.sizes());
    if let Some(url) = &cfg.webhooks.url {
        let token = cfg.webhooks.verify_token.as_deref().unwrap_or("");
        world.subscribe_everything(url, token, &crate::version::newest_at(now).to_string(), now);
    }
    Ok(world)
}

/// App secrets are 32 lowercase hex digits.
fn hex_like(s: &str) -> String {
    s.bytes()
        .map(|b| char::from_digit(u32::from(b) % 16, 16).unwrap_or('0'))
        .collect()
}

impl Builder<'_> {
    fn explicit_or_new(&mut self, id: &Option<String>, kind: IdKind, what: &str) -> Result<u64, String> {
        match id {
            Some(s) => {
                let n = parse_id(s).ok_or_else(|| format!("{what} id {s:?} is not a numeric id"))?;
                if !self.world.claim_id(n, kind) {
                    return Err(format!("{what} id {s} is used twice"));
                }
                Ok(n)
            }
            None => Ok(self.world.new_id(kind)),
        }
    }

    fn users(&mut self, cfg: &Config) -> Result<(), String> {
        for u in &self.seed.users {
            let id = UserId(self.explicit_or_new(&u.id, IdKind::User, "user")?);
            if self.users_by_name.insert(u.name.clone(), id).is_some() {
                return Err(format!("two users are named {:?}", u.name));
            }
            let token = derive_token(self.cfg_seed, self.sandbox, &format!("user:{}", u.name));
            self.world.add_token(
                token.clone(),
                Token {
                    kind: TokenKind::User(id),
                    scopes: u.permissions.iter().cloned().collect(),
                    issued_at: self.now,
                    expires_at: u.token_expires_in.map(|s| self.now.saturating_add(s)),
                    data_access_expires_at: self.now + cfg.data_access_seconds,
                    long_lived: u.token_expires_in.is_none(),
                    revoked: u.token_revoked,
                },
            );
            self.world.users.insert(
                id,
                FbUser {
                    id,
                    name: u.name.clone(),
                    permissions: u.permissions.clone(),
                    access_token: token,
                },
            );
        }
        Ok(())
    }

    fn instagram_accounts(&mut self) -> Result<(), String> {
        for a in &self.seed.instagram_accounts {
            if a.username.is_empty() {
                return Err("an instagram account has no username".into());
            }
            let id = IgUserId(self.explicit_or_new(&a.id, IdKind::IgUser, "instagram account")?);
            let key = a.username.to_ascii_lowercase();
            if self.world.usernames.insert(key, id).is_some() {
                return Err(format!("username {:?} is used twice", a.username));
            }
            let ig_id = 1_000_000_000 + self.world.ids.below(8_999_999_999);
            self.world.ig_users.insert(
                id,
                IgUser {
                    id,
                    ig_id,
                    username: a.username.clone(),
                    name: if a.name.is_empty() {
                        a.username.clone()
                    } else {
                        a.name.clone()
                    },
                    biography: a.biography.clone(),
                    website: a.website.clone(),
                    followers_count: a.followers_count,
                    follows_count: a.follows_count,
                    account_type: a.account_type,
                    is_private: a.is_private,
                    age_gated: a.age_gated,
                    restricted: a.restricted,
                    hides_like_counts: a.hides_like_counts,
                    shop_approved: a.shop_approved,
                },
            );
        }
        Ok(())
    }

    fn instagram_logins(&mut self, cfg: &Config) -> Result<(), String> {
        self.world.login.redirect_uris = if self.seed.app.redirect_uris.is_empty() {
            cfg.login.default_redirect_uris.clone()
        } else {
            self.seed.app.redirect_uris.clone()
        };
        for l in &self.seed.instagram_logins {
            let ig = self.owner(&l.account)?;
            if !self.world.ig_users[&ig].account_type.is_professional() {
                return Err(format!("instagram_logins: {} is not a professional account", l.account));
            }
            if let Some(p) = l
                .permissions
                .iter()
                .find(|p| !super::login::IG_LOGIN_SCOPES.contains(&p.as_str()))
            {
                return Err(format!("instagram_logins: {p} is not an Instagram Login permission"));
            }
            let token = derive_ig_token(self.cfg_seed, self.sandbox, &format!("iglogin:{}", l.account));
            let lifetime = l.token_expires_in.unwrap_or(cfg.login.ig_long_lived_token_seconds);
            self.world.add_token(
                token.clone(),
                Token {
                    kind: TokenKind::Instagram(ig),
                    scopes: l.permissions.iter().cloned().collect(),
                    issued_at: self.now,
                    expires_at: Some(self.now.saturating_add(lifetime)),
                    data_access_expires_at: self.now.saturating_add(lifetime),
                    long_lived: true,
                    revoked: l.token_revoked,
                },
            );
            self.world.login.seeded_tokens.push((ig, token));
        }
        Ok(())
    }

    fn pages(&mut self) -> Result<(), String> {
        let mut linked = BTreeSet::new();
        for p in &self.seed.pages {
            let id = PageId(self.explicit_or_new(&p.id, IdKind::Page, "page")?);
            let ig_user = match &p.instagram_account {
                Some(name) => {
                    let ig = self
                        .world
                        .ig_user_by_username(name)
                        .ok_or_else(|| format!("page {:?}: unknown instagram account {name:?}", p.name))?;
                    if !ig.account_type.is_professional() {
                        return Err(format!("page {:?}: {name} is not a professional account", p.name));
                    }
                    if !linked.insert(ig.id) {
                        return Err(format!("{name} is connected to two pages"));
                    }
                    Some(ig.id)
                }
                None => None,
            };
            let mut roles = BTreeMap::new();
            let mut page_tokens = BTreeMap::new();
            for r in &p.roles {
                let user = *self
                    .users_by_name
                    .get(&r.user)
                    .ok_or_else(|| format!("page {:?}: unknown user {:?}", p.name, r.user))?;
                roles.insert(user, r.tasks.clone());
                let token = derive_token(self.cfg_seed, self.sandbox, &format!("page:{}:{}", id, r.user));
                let scopes = self
                    .world
                    .users
                    .get(&user)
                    .map(|u| u.permissions.iter().cloned().collect())
                    .unwrap_or_default();
                let user_token = self
                    .world
                    .users
                    .get(&user)
                    .map(|u| u.access_token.clone())
                    .unwrap_or_default();
                let data_access = self
                    .world
                    .tokens
                    .get(&user_token)
                    .map_or(self.now, |t| t.data_access_expires_at);
                // A page token from a long-lived user token never expires (facts §7).
                self.world.add_token(
                    token.clone(),
                    Token {
                        kind: TokenKind::Page { page: id, user },
                        scopes,
                        issued_at: self.now,
                        expires_at: None,
                        data_access_expires_at: data_access,
                        long_lived: true,
                        revoked: None,
                    },
                );
                page_tokens.insert(user, token);
            }
            self.world.pages.insert(
                id,
                Page {
                    id,
                    name: p.name.clone(),
                    category: p.category.clone(),
                    category_list: p.category_list.iter().map(|c| (c.id.clone(), c.name.clone())).collect(),
                    ig_user,
                    roles,
                    page_tokens,
                    location: p.location.map(|l| (l.latitude, l.longitude)),
                    requires_ppa: p.requires_ppa,
                },
            );
        }
        Ok(())
    }

    fn owner(&self, username: &str) -> Result<IgUserId, String> {
        self.world
            .ig_user_by_username(username)
            .map(|u| u.id)
            .ok_or_else(|| format!("unknown instagram account {username:?}"))
    }

    fn media_seed(&mut self, m: &MediaSeed) -> Result<(), String> {
        let owner = self.owner(&m.owner)?;
        let ts = self.now - parse_age(&m.age)?;
        let id = MediaId(self.explicit_or_new(&m.id, IdKind::Media, "media")?);
        let media = new_media(
            &mut self.world,
            id,
            owner,
            m.media_type,
            m.media_product_type,
            m.caption.clone(),
            ts,
        );
        self.world.insert_media(Media {
            like_count: m.like_count,
            comments_enabled: m.comments_enabled,
            shared_to_feed: m.shared_to_feed.or(if m.media_product_type == ProductType::Reels {
                Some(true)
            } else {
                None
            }),
            user_tags: m.user_tags.clone(),
            collaborators: m.collaborators.clone(),
            live_now: m.live_now,
            ..media
        });
        for child in &m.children {
            add_child(&mut self.world, id, *child);
        }
        super::shopping::seed_media_tags(&mut self.world, id, &m.product_tags)?;
        for c in &m.comments {
            self.comment_seed(id, None, c)?;
        }
        Ok(())
    }

    fn comment_seed(&mut self, media: MediaId, parent: Option<CommentId>, c: &CommentSeed) -> Result<(), String> {
        let from = self.owner(&c.from)?;
        let id = CommentId(self.explicit_or_new(&c.id, IdKind::Comment, "comment")?);
        let seq = self.world.next_seq();
        self.world.insert_comment(Comment {
            id,
            media,
            from,
            parent,
            text: c.text.clone(),
            timestamp: self.now - parse_age(&c.age)?,
            seq,
            hidden: c.hidden,
            like_count: c.like_count,
            replies: BTreeMap::new(),
        });
        if parent.is_none() {
            for r in &c.replies {
                self.comment_seed(media, Some(id), r)?;
            }
        }
        Ok(())
    }

    fn generate(&mut self, g: &GenerateSeed) -> Result<(), String> {
        let owner = self.owner(&g.owner)?;
        let pools = &self.seed.pools;
        let commenters: Vec<IgUserId> = pools
            .commenters
            .iter()
            .map(|u| self.owner(u))
            .collect::<Result<_, _>>()?;
        let mut rng = IdGen::new(stable_hash(&[
            &self.cfg_seed.to_le_bytes(),
            b"generate",
            g.owner.as_bytes(),
        ]));
        let span = i64::from(g.span_days.max(1)) * 86_400;
        let pick = |rng: &mut IdGen, v: &[String]| -> Option<String> {
            (!v.is_empty()).then(|| v[rng.below(v.len() as u64) as usize].clone())
        };
        let range = |rng: &mut IdGen, r: [u64; 2]| r[0] + rng.below(r[1].saturating_sub(r[0]) + 1);
        for i in 0..g.media {
            // Evenly spread with jitter, newest first from one hour ago.
            let slot = span / i64::from(g.media.max(1));
            let ts = self.now - 3600 - slot * i64::from(i) - rng.below(slot.max(1) as u64 / 2) as i64;
            let roll = rng.below(1000) as f64 / 1000.0;
            let (mt, pt) = if roll < g.reels_share {
                (MediaType::Video, ProductType::Reels)
            } else if roll < g.reels_share + g.carousel_share {
                (MediaType::CarouselAlbum, ProductType::Feed)
            } else {
                (MediaType::Image, ProductType::Feed)
            };
            let mut caption = pick(&mut rng, &pools.captions).unwrap_or_default();
            for _ in 0..rng.below(4) {
                if let Some(tag) = pick(&mut rng, &pools.hashtags) {
                    caption.push_str(&format!(" #{tag}"));
                }
            }
            let id = MediaId(self.world.new_id(IdKind::Media));
            let media = new_media(&mut self.world, id, owner, mt, pt, Some(caption.trim().to_string()), ts);
            let likes = range(&mut rng, g.likes);
            self.world.insert_media(Media {
                like_count: likes,
                shared_to_feed: (pt == ProductType::Reels).then_some(true),
                ..media
            });
            if mt == MediaType::CarouselAlbum {
                for _ in 0..2 + rng.below(4) {
                    let kind = if rng.chance(0.25) {
                        MediaType::Video
                    } else {
                        MediaType::Image
                    };
                    add_child(&mut self.world, id, kind);
                }
            }
            if commenters.is_empty() {
                continue;
            }
            let n_comments = range(&mut rng, [u64::from(g.comments[0]), u64::from(g.comments[1])]);
            for _ in 0..n_comments {
                let from = commenters[rng.below(commenters.len() as u64) as usize];
                let text = pick(&mut rng, &pools.comments).unwrap_or_else(|| "Nice!".into());
                let at = (ts + 60 + rng.below((self.now - ts).max(61) as u64 - 60) as i64).min(self.now);
                let cid = self.generated_comment(id, None, from, text, at, &mut rng);
                let n_replies = range(&mut rng, [u64::from(g.replies[0]), u64::from(g.replies[1])]);
                for _ in 0..n_replies {
                    let from = if rng.chance(0.4) {
                        owner
                    } else {
                        commenters[rng.below(commenters.len() as u64) as usize]
                    };
                    let text = pick(&mut rng, &pools.comments).unwrap_or_else(|| "Thanks!".into());
                    let rat = (at + 30 + rng.below((self.now - at).max(31) as u64 - 30) as i64).min(self.now);
                    self.generated_comment(id, Some(cid), from, text, rat, &mut rng);
                }
            }
        }
        let story = |world: &mut World, age: i64| {
            let kind = if age % 2 == 0 {
                MediaType::Image
            } else {
                MediaType::Video
            };
            let id = MediaId(world.new_id(IdKind::Media));
            let m = new_media(world, id, owner, kind, ProductType::Story, None, self.now - age);
            world.insert_media(m);
        };
        for i in 0..g.live_stories {
            story(&mut self.world, 1800 + i64::from(i) * 3 * 3600);
        }
        for i in 0..g.expired_stories {
            story(&mut self.world, 2 * 86_400 + i64::from(i) * 5 * 86_400 + 7);
        }
        Ok(())
    }

    fn generated_comment(
        &mut self,
        media: MediaId,
        parent: Option<CommentId>,
        from: IgUserId,
        text: String,
        at: i64,
        rng: &mut IdGen,
    ) -> CommentId {
        let id = CommentId(self.world.new_id(IdKind::Comment));
        let seq = self.world.next_seq();
        let like_count = rng.below(20);
        self.world.insert_comment(Comment {
            id,
            media,
            from,
            parent,
            text,
            timestamp: at,
            seq,
            hidden: false,
            like_count,
            replies: BTreeMap::new(),
        });
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generating(block: serde_json::Value) -> WorldSeed {
        serde_json::from_value(serde_json::json!({ "generate": [block] })).unwrap()
    }

    #[test]
    fn every_count_of_a_seed_world_is_bounded_before_anything_is_built() {
        let demo: WorldSeed = serde_json::from_str(include_str!("../../../fixtures/seeds/demo.json")).unwrap();
        assert!(check_bounds(&demo, 100_000).unwrap() < 10_000);
        for (block, names) in [
            (serde_json::json!({ "media": 4_294_967_295u32 }), "generate[0].media"),
            (
                serde_json::json!({ "expired_stories": 200_000 }),
                "generate[0].expired_stories",
            ),
            (serde_json::json!({ "expired_stories": 9_000 }), "100 years"),
            (serde_json::json!({ "span_days": 4_000_000 }), "generate[0].span_days"),
            (serde_json::json!({ "likes": [0, u64::MAX] }), "generate[0].likes"),
            (
                serde_json::json!({ "media": 20_000, "comments": [0, 3] }),
                "at most 100000",
            ),
        ] {
            let e = check_bounds(&generating(block.clone()), 100_000).unwrap_err();
            assert!(e.contains(names), "{block}: {e}");
        }
        let mut long = generating(serde_json::json!({ "media": 1 }));
        long.pools.captions = vec!["x".repeat(MAX_CAPTION_CHARS + 1)];
        assert!(check_bounds(&long, 100_000).unwrap_err().contains("pools.captions[0]"));
    }

    #[test]
    fn ages_parse_with_units() {
        assert_eq!(parse_age("90s"), Ok(90));
        assert_eq!(parse_age("5h30m"), Ok(5 * 3600 + 1800));
        assert_eq!(parse_age("2w"), Ok(14 * 86_400));
        assert!(parse_age("5").is_err());
        assert!(parse_age("3y").is_err());
        assert!(parse_age("99999999999w").is_err());
    }
}
