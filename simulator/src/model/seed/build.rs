//! The deterministic expansion of a seed world into a [`World`]: accounts, Pages, tokens,
//! media with their children, comments and product tags, and the `generate` blocks, from the
//! seed and its start time into a [`Base`] shared by sandboxes, which each instantiate it with
//! tokens and an app secret of their own (build time only; nothing here runs per request).

use super::*;
use crate::ids::{derive_ig_token, derive_secret, derive_token, stable_hash, AppId, IdGen};
use crate::model::account::{App, FbUser, IgUser, Page, Token, TokenKind};
use crate::model::comment::Comment;
use crate::model::media::{add_child, new_media, Media, MediaType, ProductType};
use crate::model::Shared;

struct Builder<'a> {
    world: World,
    seed: &'a WorldSeed,
    cfg_seed: u64,
    now: i64,
    users_by_name: BTreeMap<String, UserId>,
    tokens: Vec<SeededToken>,
}

/// A token the seed gave someone, by what its value is derived from (the value itself also
/// depends on the sandbox id: [`Base::instantiate`] derives it per sandbox).
#[derive(Debug, Clone)]
struct SeededToken {
    /// Its value in the base world (derived for no sandbox).
    base_value: String,
    label: String,
    /// An Instagram User token (`IGAA…`) rather than a Facebook one (`EAAG…`).
    instagram: bool,
}

/// A seed world built once for a (seed, world seed, start time) and shared by every sandbox
/// made from it: [`Base::instantiate`] clones it (a cheap clone: the world's collections are
/// persistent) and gives it the sandbox's own tokens and app secret. Everything else about a
/// world (ids, generated content, times) depends only on the seed values and the start time,
/// so a sandbox made this way is the same as one built on its own.
#[derive(Debug)]
pub(crate) struct Base {
    world: World,
    tokens: Vec<SeededToken>,
}

/// Builds a sandbox's world from its seed, at sandbox time `now`.
/// Ids depend only on the seed values (so every sandbox made from the same seed has the
/// same ids); tokens and the app secret also depend on the sandbox id (so they are unique
/// across sandboxes and identify their sandbox).
#[cfg(test)]
pub(crate) fn build_world(
    seed: &WorldSeed,
    cfg: &Config,
    world_seed: u64,
    sandbox: &str,
    now: i64,
) -> Result<World, String> {
    Ok(build_base(seed, cfg, world_seed, now)?.instantiate(world_seed, sandbox))
}

impl Base {
    /// This base world as sandbox `sandbox`'s: its app secret and every seeded token derived
    /// for the sandbox (so tokens are unique across sandboxes and identify theirs).
    pub(crate) fn instantiate(&self, world_seed: u64, sandbox: &str) -> World {
        let mut world = self.world.clone();
        world.sandbox = sandbox.to_string();
        world.app.secret = app_secret(world_seed, sandbox);
        let renamed: std::collections::HashMap<&str, String> = self
            .tokens
            .iter()
            .map(|t| {
                let value = if t.instagram {
                    derive_ig_token(world_seed, sandbox, &t.label)
                } else {
                    derive_token(world_seed, sandbox, &t.label)
                };
                (t.base_value.as_str(), value)
            })
            .collect();
        let rename = |v: &String| renamed.get(v.as_str()).cloned().unwrap_or_else(|| v.clone());
        world.tokens = self.world.tokens.iter().map(|(k, t)| (rename(k), t.clone())).collect();
        world.minted = self.world.minted.iter().map(rename).collect();
        for (id, u) in &self.world.users {
            if let Some(user) = world.users.get_mut(id) {
                user.access_token = rename(&u.access_token);
            }
        }
        for (id, p) in &self.world.pages {
            if let Some(page) = world.pages.get_mut(id) {
                page.page_tokens = p.page_tokens.iter().map(|(u, t)| (*u, rename(t))).collect();
            }
        }
        if !self.world.login.seeded_tokens.is_empty() {
            world.login.seeded_tokens = self
                .world
                .login
                .seeded_tokens
                .iter()
                .map(|(ig, t)| (*ig, rename(t)))
                .collect();
        }
        world
    }
}

/// App secrets are 32 lowercase hex digits, unique per sandbox.
fn app_secret(world_seed: u64, sandbox: &str) -> String {
    hex_like(&derive_secret(world_seed, sandbox, "app-secret", 32))
}

/// Builds the sandbox-independent part of a world (see [`Base`]) at sandbox time `now`.
pub(crate) fn build_base(seed: &WorldSeed, cfg: &Config, world_seed: u64, now: i64) -> Result<Base, String> {
    check_bounds(seed, cfg.max_world_objects)?;
    let app_secret = app_secret(world_seed, "");
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
    world.claim_id(app_id, IdKind::App);
    let mut b = Builder {
        world,
        seed,
        cfg_seed: world_seed,
        now,
        users_by_name: BTreeMap::new(),
        tokens: Vec::new(),
    };
    b.users(cfg)?;
    b.instagram_accounts()?;
    b.pages()?;
    b.instagram_logins(cfg)?;
    shopping::seed_catalogs(&mut b.world, &seed.catalogs, world_seed)?;
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
    Ok(Base {
        world,
        tokens: b.tokens,
    })
}

/// App secrets are 32 lowercase hex digits.
fn hex_like(s: &str) -> String {
    s.bytes()
        .map(|b| char::from_digit(u32::from(b) % 16, 16).unwrap_or('0'))
        .collect()
}

impl Builder<'_> {
    /// A seeded token's value in the base world, remembered for [`Base::instantiate`].
    fn token(&mut self, label: String, instagram: bool) -> String {
        let base_value = if instagram {
            derive_ig_token(self.cfg_seed, "", &label)
        } else {
            derive_token(self.cfg_seed, "", &label)
        };
        self.tokens.push(SeededToken {
            base_value: base_value.clone(),
            label,
            instagram,
        });
        base_value
    }

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
            let token = self.token(format!("user:{}", u.name), false);
            self.world.add_token(
                token.clone(),
                Token {
                    kind: TokenKind::User(id),
                    scopes: std::sync::Arc::new(u.permissions.iter().cloned().collect()),
                    issued_at: self.now,
                    expires_at: u.token_expires_in.map(|s| self.now.saturating_add(s)),
                    data_access_expires_at: self.now + cfg.data_access_seconds,
                    long_lived: u.token_expires_in.is_none(),
                    revoked: u.token_revoked,
                },
            );
            self.world.users.insert(
                id,
                Shared::new(FbUser {
                    id,
                    name: u.name.clone(),
                    permissions: u.permissions.clone(),
                    access_token: token,
                }),
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
                .find(|p| !crate::model::account::IG_LOGIN_SCOPES.contains(&p.as_str()))
            {
                return Err(format!("instagram_logins: {p} is not an Instagram Login permission"));
            }
            let token = self.token(format!("iglogin:{}", l.account), true);
            let lifetime = l.token_expires_in.unwrap_or(cfg.login.ig_long_lived_token_seconds);
            self.world.add_token(
                token.clone(),
                Token {
                    kind: TokenKind::Instagram(ig),
                    scopes: std::sync::Arc::new(l.permissions.iter().cloned().collect()),
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
                let token = self.token(format!("page:{}:{}", id, r.user), false);
                let scopes: std::collections::BTreeSet<String> = self
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
                        scopes: std::sync::Arc::new(scopes),
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
                Shared::new(Page {
                    id,
                    name: p.name.clone(),
                    category: p.category.clone(),
                    category_list: p.category_list.iter().map(|c| (c.id.clone(), c.name.clone())).collect(),
                    ig_user,
                    roles,
                    page_tokens,
                    location: p.location.map(|l| (l.latitude, l.longitude)),
                    requires_ppa: p.requires_ppa,
                }),
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
        shopping::seed_media_tags(&mut self.world, id, &m.product_tags)?;
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
            replies: crate::model::shared::Map::new(),
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
            replies: crate::model::shared::Map::new(),
        });
        id
    }
}
