//! Seed worlds: the format of the JSON a sandbox is built from (`fixtures/seeds/*.json`) and
//! its bounds; `build` expands one into a world (with the deterministic `generate` blocks),
//! `shopping` holds its catalogs and product tags.
//!
//! References inside a seed are by name (user `name`, IG `username`) so files stay readable;
//! ids may be given (the demo world reuses the ids of the guides' samples) or are generated.

mod build;
mod shopping;

#[cfg(test)]
pub(crate) use build::build_world;
pub(crate) use build::{build_base, Base};

use super::account::{IgAccountType, Revocation, Task};
use super::media::{MediaType, ProductType, UserTag, MAX_CAPTION_CHARS};
use super::World;
use crate::config::Config;
use crate::ids::{parse_id, CommentId, IdKind, IgUserId, MediaId, PageId, UserId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorldSeed {
    pub(crate) description: Option<String>,
    pub(crate) app: AppSeed,
    pub(crate) users: Vec<UserSeed>,
    pub(crate) instagram_accounts: Vec<IgSeed>,
    pub(crate) pages: Vec<PageSeed>,
    pub(crate) media: Vec<MediaSeed>,
    pub(crate) generate: Vec<GenerateSeed>,
    pub(crate) pools: Pools,
    /// Instagram Shop catalogs (product tagging).
    pub(crate) catalogs: Vec<shopping::CatalogSeed>,
    /// Accounts that have logged in to the app with Instagram Login, each with a token.
    pub(crate) instagram_logins: Vec<InstagramLoginSeed>,
}

/// An account logged in with Instagram Login: a long-lived Instagram User token with these
/// `instagram_business_*` permissions. An account needs no Page for this.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct InstagramLoginSeed {
    /// The professional account's `username`.
    pub(crate) account: String,
    pub(crate) permissions: Vec<String>,
    /// Seconds until the token expires; absent = a fresh 60-day token.
    pub(crate) token_expires_in: Option<i64>,
    /// The token was revoked for this reason (to try the 190 subcodes).
    pub(crate) token_revoked: Option<Revocation>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct AppSeed {
    pub(crate) id: Option<String>,
    pub(crate) name: String,
    pub(crate) require_appsecret_proof: bool,
    /// When the app was created (ISO 8601, `YYYY-MM-DD` or unix seconds). Absent: an
    /// established app, created on [`ESTABLISHED_APP_CREATED`].
    pub(crate) created_time: Option<String>,
    /// "Valid OAuth Redirect URIs" of the app; empty = any loopback URI (login dialogs).
    pub(crate) redirect_uris: Vec<String>,
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
pub(crate) const ESTABLISHED_APP_CREATED: i64 = 1_552_348_800;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct UserSeed {
    pub(crate) id: Option<String>,
    pub(crate) name: String,
    pub(crate) permissions: Vec<String>,
    /// Seconds until the user's token expires; absent = never.
    pub(crate) token_expires_in: Option<i64>,
    /// The token was revoked for this reason (to try the 190 subcodes).
    pub(crate) token_revoked: Option<Revocation>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct IgSeed {
    pub(crate) id: Option<String>,
    pub(crate) username: String,
    pub(crate) name: String,
    pub(crate) biography: String,
    pub(crate) website: Option<String>,
    pub(crate) followers_count: u64,
    pub(crate) follows_count: u64,
    pub(crate) account_type: IgAccountType,
    pub(crate) is_private: bool,
    pub(crate) age_gated: bool,
    pub(crate) restricted: bool,
    pub(crate) hides_like_counts: bool,
    pub(crate) shop_approved: bool,
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
pub(crate) struct PageSeed {
    pub(crate) id: Option<String>,
    pub(crate) name: String,
    pub(crate) category: String,
    pub(crate) category_list: Vec<CategorySeed>,
    /// Username of the connected IG professional account.
    pub(crate) instagram_account: Option<String>,
    pub(crate) roles: Vec<RoleSeed>,
    pub(crate) location: Option<LocationSeed>,
    pub(crate) requires_ppa: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CategorySeed {
    pub(crate) id: String,
    pub(crate) name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RoleSeed {
    /// The user's `name`.
    pub(crate) user: String,
    pub(crate) tasks: Vec<Task>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LocationSeed {
    pub(crate) latitude: f64,
    pub(crate) longitude: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct MediaSeed {
    pub(crate) id: Option<String>,
    pub(crate) owner: String,
    pub(crate) media_type: MediaType,
    pub(crate) media_product_type: ProductType,
    pub(crate) caption: Option<String>,
    /// How long before the sandbox's start it was posted, e.g. `3d`, `5h30m`.
    pub(crate) age: String,
    pub(crate) like_count: u64,
    pub(crate) comments_enabled: bool,
    pub(crate) shared_to_feed: Option<bool>,
    /// Carousel items (their media types).
    pub(crate) children: Vec<MediaType>,
    pub(crate) comments: Vec<CommentSeed>,
    pub(crate) user_tags: Vec<UserTag>,
    pub(crate) collaborators: Vec<String>,
    pub(crate) live_now: bool,
    /// Product tags, by the product's `retailer_id` in the owner's catalog.
    pub(crate) product_tags: Vec<shopping::ProductTagSeed>,
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
pub(crate) struct CommentSeed {
    pub(crate) id: Option<String>,
    pub(crate) from: String,
    pub(crate) text: String,
    /// How long before the sandbox's start it was written.
    pub(crate) age: String,
    pub(crate) hidden: bool,
    pub(crate) like_count: u64,
    pub(crate) replies: Vec<CommentSeed>,
}

/// Generates a realistic history for one account from the seed's pools.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct GenerateSeed {
    pub(crate) owner: String,
    /// Feed posts and reels, spread over `span_days`.
    pub(crate) media: u32,
    pub(crate) span_days: u32,
    /// Shares of the feed that are reels and carousels (the rest are images).
    pub(crate) reels_share: f64,
    pub(crate) carousel_share: f64,
    /// Stories younger than 24 hours, and older (expired) ones.
    pub(crate) live_stories: u32,
    pub(crate) expired_stories: u32,
    /// Inclusive ranges.
    pub(crate) likes: [u64; 2],
    pub(crate) comments: [u32; 2],
    pub(crate) replies: [u32; 2],
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
pub(crate) struct Pools {
    pub(crate) captions: Vec<String>,
    pub(crate) hashtags: Vec<String>,
    /// Usernames that write comments.
    pub(crate) commenters: Vec<String>,
    pub(crate) comments: Vec<String>,
}

/// The oldest anything in a seed world may be: the longest duration any setting may give
/// (100 years, `config::MAX_SETTING_SECONDS`).
pub(crate) const MAX_AGE_SECONDS: i64 = crate::config::MAX_SETTING_SECONDS;

/// Most carousel items a generated album gets (`Builder::generate`: 2 to 5).
const MAX_GENERATED_CHILDREN: u64 = 5;

/// Checks that `seed` stays within the bounds of a world before anything is built: every
/// count alone, the ages its `generate` blocks imply, the length of pooled texts (they are
/// copied into every generated item), and the total objects it expands to, at most
/// `max_objects` (`Config::max_world_objects`). Returns that total (an upper bound); the
/// error names the field and the limit.
pub(crate) fn check_bounds(seed: &WorldSeed, max_objects: u64) -> Result<u64, String> {
    let count = |what: &str, n: u64| -> Result<u64, String> {
        if n > max_objects {
            Err(format!("{what} is {n}: a world holds at most {max_objects} objects"))
        } else {
            Ok(n)
        }
    };
    let counted = |what: &str, n: u64| -> Result<(), String> {
        if n > super::check::MAX_COUNT {
            Err(format!("{what} is {n}: at most {}", super::check::MAX_COUNT))
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
pub(crate) fn parse_age(s: &str) -> Result<i64, String> {
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
