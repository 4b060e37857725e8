//! THE world of one sandbox: what it holds (the records of every area, defined in its parts,
//! `world/*.rs`) and the operations on it that belong to no area (ids, tokens, lookups). The
//! rules of each area are its own file beside this one (`publishing.rs`, `shopping.rs`, …);
//! they import the world, the world imports none of them.
//!
//! Invariants: no IO, no clock reads (every operation that needs time takes `now`), and
//! deterministic iteration (ordered maps everywhere a response can see the order).

mod account;
pub(crate) use account::*;
mod comment;
pub(crate) use comment::*;
mod hashtag;
pub(crate) use hashtag::*;
mod login;
pub(crate) use login::*;
mod media;
pub(crate) use media::*;
mod publishing;
pub(crate) use publishing::*;
mod shopping;
pub(crate) use shopping::*;
mod webhook;
pub(crate) use webhook::*;

use super::shared::{Map, Shared};
use crate::config::PublishingConfig;
use crate::ids::{AppId, CommentId, ContainerId, HashtagId, IdGen, IdKind, IgUserId, MediaId, PageId, UserId};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// How many objects of each capped kind (`model::capacity`): what a seed world held.
pub(crate) type Sizes = crate::config::PerArea;

/// Sort key of a time-ordered item: (unix seconds, insertion sequence).
pub(crate) type TimeKey = (i64, u64);

/// Cloning a world is cheap: its collections are persistent maps ([`Map`]) and its large
/// objects [`Shared`], so a sandbox made from a cached seed world shares all of it until it
/// changes something (`model::seed::Base`). Its snapshot JSON (`snapshot.rs`) does not depend
/// on those container types: a [`Map`] is written as a `BTreeMap` would be.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct World {
    /// The sandbox this world belongs to (CDN URLs name it).
    pub(crate) sandbox: String,
    pub(crate) app: App,
    pub(crate) users: Map<UserId, Shared<FbUser>>,
    pub(crate) tokens: Map<String, Shared<Token>>,
    pub(crate) pages: Map<PageId, Shared<Page>>,
    pub(crate) ig_users: Map<IgUserId, IgUser>,
    /// Lower-cased username -> account.
    pub(crate) usernames: Map<String, IgUserId>,
    pub(crate) media: Map<MediaId, Shared<Media>>,
    pub(crate) comments: Map<CommentId, Shared<Comment>>,
    /// Hashtag names, the media carrying each, and every account's searches.
    pub(crate) hashtags: Shared<hashtag::Hashtags>,
    /// Every id in the sandbox and what it names.
    pub(crate) nodes: Map<u64, IdKind>,
    /// Per account: its top-level, non-story media by time (newest = last).
    #[serde(with = "crate::model::json::nested_pairs")]
    pub(crate) feed: Map<IgUserId, Map<TimeKey, MediaId>>,
    /// Per account: its stories by time (including expired ones; readers filter by age).
    #[serde(with = "crate::model::json::nested_pairs")]
    pub(crate) stories: Map<IgUserId, Map<TimeKey, MediaId>>,
    pub(crate) ids: IdGen,
    /// Insertion counter for [`TimeKey`]s.
    pub(crate) seq: u64,
    /// Media containers, publishing quotas, copyright checks, collaborator invites.
    pub(crate) publishing: Shared<publishing::Publishing>,
    /// Catalogs, products, product tags and the tagged-posts quota (product tagging).
    pub(crate) shopping: Shared<shopping::Shopping>,
    /// Tokens created since the last [`World::take_minted_tokens`] (for the token index; a
    /// restored world indexes all its tokens, so this is not written).
    #[serde(skip)]
    pub(crate) minted: Vec<String>,
    /// The token the last long-lived grant minted for each user (or Page, or IG account) and
    /// scopes (see [`World::long_lived_token`]).
    #[serde(with = "crate::model::json::pairs")]
    pub(crate) exchanged: BTreeMap<account::ExchangeKey, String>,
    /// Webhook subscriptions and the delivery outbox.
    pub(crate) webhooks: Shared<webhook::Webhooks>,
    /// Login dialogs' codes and the app's redirect URIs (both login flows).
    pub(crate) login: Shared<login::Login>,
    /// What the seed world held of each capped kind: run-time creations are counted beyond
    /// it ([`World::room_for`]). A snapshot written before it was kept restores with what it
    /// held then (`Sandbox::from_snapshot`).
    #[serde(default)]
    pub(crate) seeded: Option<Sizes>,
}

impl World {
    pub(crate) fn empty(app: App, id_seed: u64) -> Self {
        World {
            sandbox: String::new(),
            app,
            users: Map::new(),
            tokens: Map::new(),
            pages: Map::new(),
            ig_users: Map::new(),
            usernames: Map::new(),
            media: Map::new(),
            comments: Map::new(),
            hashtags: Shared::default(),
            nodes: Map::new(),
            feed: Map::new(),
            stories: Map::new(),
            ids: IdGen::new(id_seed),
            seq: 0,
            publishing: Shared::default(),
            shopping: Shared::default(),
            minted: Vec::new(),
            exchanged: BTreeMap::new(),
            webhooks: Shared::default(),
            login: Shared::default(),
            seeded: None,
        }
    }

    /// Whether this world is still `earlier`, a clone taken of it before (what the state
    /// directory last got, `app/persister.rs`): O(number of fields), without looking at any
    /// object. Sound because a clone shares every map and [`Shared`] value with the world it
    /// was taken from, so the first change to one after the clone copies it (a new pointer);
    /// small fields are compared by value. May say "changed" for a value copied but left
    /// equal (then an unchanged snapshot is written); never "unchanged" for a change. Every
    /// field is named, so a new one cannot be forgotten here.
    pub(crate) fn unchanged_since(&self, earlier: &World) -> bool {
        let World {
            sandbox,
            app,
            users,
            tokens,
            pages,
            ig_users,
            usernames,
            media,
            comments,
            hashtags,
            nodes,
            feed,
            stories,
            ids,
            seq,
            publishing,
            shopping,
            minted: _, // not kept: derived from `tokens` for the token index
            exchanged,
            webhooks,
            login,
            seeded,
        } = self;
        *sandbox == earlier.sandbox
            && *app == earlier.app
            && users.ptr_eq(&earlier.users)
            && tokens.ptr_eq(&earlier.tokens)
            && pages.ptr_eq(&earlier.pages)
            && ig_users.ptr_eq(&earlier.ig_users)
            && usernames.ptr_eq(&earlier.usernames)
            && media.ptr_eq(&earlier.media)
            && comments.ptr_eq(&earlier.comments)
            && Shared::ptr_eq(hashtags, &earlier.hashtags)
            && nodes.ptr_eq(&earlier.nodes)
            && feed.ptr_eq(&earlier.feed)
            && stories.ptr_eq(&earlier.stories)
            && ids.same_position(&earlier.ids)
            && *seq == earlier.seq
            && Shared::ptr_eq(publishing, &earlier.publishing)
            && Shared::ptr_eq(shopping, &earlier.shopping)
            && *exchanged == earlier.exchanged
            && Shared::ptr_eq(webhooks, &earlier.webhooks)
            && Shared::ptr_eq(login, &earlier.login)
            && *seeded == earlier.seeded
    }

    pub(crate) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// A fresh id of `kind`, registered as a node.
    pub(crate) fn new_id(&mut self, kind: IdKind) -> u64 {
        let id = self.ids.next(kind);
        self.nodes.insert(id, kind);
        id
    }

    /// Registers an id chosen elsewhere (a seed world); false if it is already taken.
    pub(crate) fn claim_id(&mut self, id: u64, kind: IdKind) -> bool {
        if self.nodes.contains_key(&id) {
            return false;
        }
        self.ids.reserve(id);
        self.nodes.insert(id, kind);
        true
    }

    pub(crate) fn kind_of(&self, id: u64) -> Option<IdKind> {
        self.nodes.get(&id).copied()
    }

    /// A fresh token value for a token minted at run time (e.g. a long-lived exchange).
    /// Deterministic for the seed and request order, and unique across sandboxes: the world's
    /// id stream is the same in every sandbox made from one seed, so the sandbox-specific app
    /// secret is mixed in (a token must identify its sandbox).
    pub(crate) fn mint_token_value(&mut self, label: &str) -> String {
        let n = self.ids.below(u64::MAX);
        crate::ids::derive_token(n, &self.app.secret, label)
    }

    pub(crate) fn add_token(&mut self, value: String, token: Token) {
        self.minted.push(value.clone());
        self.tokens.insert(value, Shared::new(token));
    }

    pub(crate) fn take_minted_tokens(&mut self) -> Vec<String> {
        std::mem::take(&mut self.minted)
    }

    pub(crate) fn ig_user_by_username(&self, username: &str) -> Option<&IgUser> {
        let id = self.usernames.get(&username.to_ascii_lowercase())?;
        self.ig_users.get(id)
    }

    /// The page an IG account is connected to, if any.
    pub(crate) fn page_of_ig_user(&self, ig: IgUserId) -> Option<&Page> {
        self.pages.values().find(|p| p.ig_user == Some(ig)).map(|p| &**p)
    }

    /// Comments on a media including replies (what `comments_count` reports, facts §4.2).
    pub(crate) fn comment_count(&self, media: MediaId) -> u64 {
        let Some(m) = self.media.get(&media) else { return 0 };
        m.comments
            .values()
            .filter_map(|c| self.comments.get(c))
            .map(|c| 1 + c.replies.len() as u64)
            .sum()
    }

    /// Number of media an account shows (`media_count`): its feed, stories excluded.
    pub(crate) fn media_count(&self, ig: IgUserId) -> u64 {
        self.feed.get(&ig).map_or(0, |f| f.len() as u64)
    }
}
