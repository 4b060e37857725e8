//! The outside world: other Instagram users commenting, replying, mentioning and tagging an
//! account, broadcasts starting and ending, stories expiring, and a seeded background stream
//! of such events. Each event changes the world as the API then shows it and queues the
//! webhooks production would send (facts §6.2-6.3; guides "Mentions", "Set Up Webhooks for
//! Instagram").

use super::capacity::Full;
use super::media::new_media;
use super::media::UserTag;
use super::webhook::Event;
use super::{IgAccountType, IgUser, Media, MediaType, ProductType, World};
use crate::config::{CapacityArea, CapacityConfig, Config};
use crate::ids::{stable_hash, CommentId, IdGen, IdKind, IgUserId, MediaId};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum EventError {
    NotFound(String),
    Invalid(String),
    /// The sandbox holds all it may of what the event would create (`config/capacity.rs`).
    Full(Full),
}

impl From<Full> for EventError {
    fn from(full: Full) -> Self {
        EventError::Full(full)
    }
}

type EventResult<T> = Result<T, EventError>;

fn invalid<T>(msg: impl Into<String>) -> EventResult<T> {
    Err(EventError::Invalid(msg.into()))
}

/// `@handles` in a text, lower-cased, in order, each once (the API's one rule:
/// [`super::comment::distinct_mentions`]).
pub(crate) fn handles(text: &str) -> Vec<String> {
    super::comment::distinct_mentions(text)
}

/// The outside world's texts (comments, captions) are bounded like the API's
/// ([`super::comment::MAX_COMMENT_CHARS`]).
fn check_length(what: &str, text: &str) -> EventResult<()> {
    let max = super::comment::MAX_COMMENT_CHARS;
    let n = text.chars().count();
    if n > max {
        return invalid(format!("{what} has {n} characters: at most {max}"));
    }
    Ok(())
}

fn valid_username(u: &str) -> bool {
    (1..=30).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_')
}

/// The account with this username, created as a public personal account if the world does
/// not know it yet (the outside world is bigger than the seed), within the sandbox's
/// capacity for such accounts (`cap`).
pub(crate) fn ensure_account(world: &mut World, cap: &CapacityConfig, username: &str) -> EventResult<IgUserId> {
    if let Some(u) = world.ig_user_by_username(username) {
        return Ok(u.id);
    }
    world.room_for(CapacityArea::Accounts, 1, cap)?;
    let name = username.to_ascii_lowercase();
    if !valid_username(&name) {
        return invalid(format!(
            "{username:?} is not a valid Instagram username (1-30 of a-z 0-9 . _)"
        ));
    }
    let id = IgUserId(world.new_id(IdKind::IgUser));
    let ig_id = 1_000_000_000 + world.ids.below(8_999_999_999);
    world.usernames.insert(name.clone(), id);
    world.ig_users.insert(
        id,
        IgUser {
            id,
            ig_id,
            username: name.clone(),
            name: name.clone(),
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
        },
    );
    Ok(id)
}

fn is_private(world: &World, ig: IgUserId) -> bool {
    world.ig_users.get(&ig).is_some_and(|u| u.is_private)
}

/// Someone comments on (or, with `parent`, replies under) a media object.
pub(crate) fn comment(
    world: &mut World,
    cfg: &Config,
    media: MediaId,
    from_username: &str,
    text: &str,
    parent: Option<CommentId>,
    now: i64,
) -> EventResult<CommentId> {
    if text.trim().is_empty() {
        return invalid("text must not be empty");
    }
    check_length("text", text)?;
    let m = world
        .media
        .get(&media)
        .ok_or_else(|| EventError::NotFound(format!("no media {media}")))?;
    if m.is_child() {
        return invalid("comments go on the album, not on its items");
    }
    if m.is_story() {
        return invalid("stories take replies, not comments");
    }
    if m.media_type == MediaType::Broadcast && !m.live_now {
        return invalid("the broadcast has ended; comment while it is live");
    }
    if !m.comments_enabled {
        return invalid("comments are disabled on this media");
    }
    // Replies to replies land in the top-level comment's thread, as in the app.
    let parent = match parent {
        None => None,
        Some(p) => {
            let pc = world
                .comments
                .get(&p)
                .ok_or_else(|| EventError::NotFound(format!("no comment {p}")))?;
            if pc.media != media {
                return invalid(format!("comment {p} is not on media {media}"));
            }
            Some(pc.parent.unwrap_or(p))
        }
    };
    world.room_for(CapacityArea::Comments, 1, &cfg.capacity)?;
    let from = ensure_account(world, &cfg.capacity, from_username)?;
    let id = world.add_comment(media, parent, from, text.to_string(), now, &cfg.capacity)?;
    comment_webhooks(world, cfg, id, now);
    Ok(id)
}

/// The `comments` / `live_comments` change a comment makes (facts §6.3; changelog 2021-10).
pub(crate) fn comment_event(world: &World, cfg: &Config, id: CommentId) -> Option<Event> {
    let c = world.comments.get(&id)?;
    let m = world.media.get(&c.media)?;
    let from = world.ig_users.get(&c.from)?;
    let live = m.media_type == MediaType::Broadcast;
    let media_product_type = if live {
        cfg.webhooks.live_comments_product_type.clone()
    } else {
        m.product_type.as_str().to_string()
    };
    Some(Event::Comment {
        live,
        id,
        parent: c.parent,
        text: c.text.clone(),
        from: from.id,
        from_username: from.username.clone(),
        media: m.id,
        media_product_type,
    })
}

/// The webhooks a new comment causes: `comments` (or `live_comments` on a broadcast) to the
/// media owner when someone else wrote it (Reels included unless `webhooks.reels_supported` is
/// off), and `mentions` to every professional account it
/// @mentions on media they do not own. Nothing when the media's owner is private (guide
/// "Mentions", Limitations).
pub(crate) fn comment_webhooks(world: &mut World, cfg: &Config, id: CommentId, now: i64) {
    let Some(c) = world.comments.get(&id) else { return };
    let Some(m) = world.media.get(&c.media) else { return };
    let (owner, from, media, text) = (m.owner, c.from, m.id, c.text.clone());
    if is_private(world, owner) {
        return;
    }
    let reels_muted = m.product_type == ProductType::Reels && !cfg.webhooks.reels_supported;
    if from != owner && !reels_muted {
        if let Some(event) = comment_event(world, cfg, id) {
            world.enqueue_webhook(cfg, owner, event, now);
        }
    }
    for name in handles(&text) {
        let Some(target) = world.ig_user_by_username(&name).map(|u| u.id) else {
            continue;
        };
        if target != owner && target != from {
            world.enqueue_webhook(cfg, target, Event::CommentMention { comment: id, media }, now);
        }
    }
}

/// Someone posts a feed photo (optionally tagging people); its caption's @mentions notify
/// the mentioned professional accounts unless the poster is private.
pub(crate) fn post_media(
    world: &mut World,
    cfg: &Config,
    owner_username: &str,
    caption: Option<&str>,
    tags: Vec<UserTag>,
    now: i64,
) -> EventResult<MediaId> {
    check_length("caption", caption.unwrap_or(""))?;
    world.room_for(CapacityArea::Media, 1, &cfg.capacity)?;
    let owner = ensure_account(world, &cfg.capacity, owner_username)?;
    let id = MediaId(world.new_id(IdKind::Media));
    let m = new_media(
        world,
        id,
        owner,
        MediaType::Image,
        ProductType::Feed,
        caption.map(str::to_string),
        now,
    );
    world.insert_media(Media { user_tags: tags, ..m });
    if let Some(c) = caption {
        if !is_private(world, owner) {
            for name in handles(c) {
                let Some(target) = world.ig_user_by_username(&name).map(|u| u.id) else {
                    continue;
                };
                if target != owner {
                    world.enqueue_webhook(cfg, target, Event::CaptionMention { media: id }, now);
                }
            }
        }
    }
    Ok(id)
}

/// What a mention event made: a comment (on `media`) or a caption (of `media`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mentioned {
    pub(crate) media: MediaId,
    pub(crate) comment: Option<CommentId>,
}

/// Another user (`from_username`) @mentions `username`: in a new comment on `media` (or a
/// reply under `comment`), or, with neither, in the caption of a new post of theirs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mention<'a> {
    pub(crate) username: &'a str,
    pub(crate) from_username: &'a str,
    pub(crate) media: Option<MediaId>,
    pub(crate) comment: Option<CommentId>,
    pub(crate) text: Option<&'a str>,
}

pub(crate) fn mention(world: &mut World, cfg: &Config, ev: Mention<'_>, now: i64) -> EventResult<Mentioned> {
    let Mention {
        username,
        from_username,
        media,
        comment: comment_id,
        text,
    } = ev;
    let target = world
        .ig_user_by_username(username)
        .map(|u| u.username.clone())
        .ok_or_else(|| EventError::NotFound(format!("no account {username}")))?;
    let handle = format!("@{target}");
    let text = match text {
        Some(t) if handles(t).contains(&target.to_ascii_lowercase()) => t.to_string(),
        Some(t) if !t.trim().is_empty() => format!("{handle} {t}"),
        _ => handle,
    };
    let media = match (media, comment_id) {
        (Some(m), _) => Some(m),
        (None, Some(c)) => Some(
            world
                .comments
                .get(&c)
                .ok_or_else(|| EventError::NotFound(format!("no comment {c}")))?
                .media,
        ),
        (None, None) => None,
    };
    match media {
        Some(m) => {
            let c = comment(world, cfg, m, from_username, &text, comment_id, now)?;
            Ok(Mentioned {
                media: m,
                comment: Some(c),
            })
        }
        None => Ok(Mentioned {
            media: post_media(world, cfg, from_username, Some(&text), Vec::new(), now)?,
            comment: None,
        }),
    }
}

/// `from_username` tags `username` in a photo (`media`, one of theirs, or a new post) at
/// (`x`, `y`), each from 0.0 to 1.0.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tag<'a> {
    pub(crate) username: &'a str,
    pub(crate) from_username: &'a str,
    pub(crate) media: Option<MediaId>,
    pub(crate) x: f64,
    pub(crate) y: f64,
}

/// A [`Tag`] event. Tags send no webhook (there is no tags field); they show on
/// `/{ig-user-id}/tags`.
pub(crate) fn tag(world: &mut World, cfg: &Config, ev: Tag<'_>, now: i64) -> EventResult<MediaId> {
    let Tag {
        username,
        from_username,
        media,
        x,
        y,
    } = ev;
    let target = world
        .ig_user_by_username(username)
        .map(|u| u.username.clone())
        .ok_or_else(|| EventError::NotFound(format!("no account {username}")))?;
    if !(0.0..=1.0).contains(&x) || !(0.0..=1.0).contains(&y) {
        return invalid("x and y are between 0.0 and 1.0");
    }
    let tag = UserTag {
        username: target.clone(),
        x,
        y,
    };
    match media {
        None => post_media(world, cfg, from_username, None, vec![tag], now),
        Some(id) => {
            let from = ensure_account(world, &cfg.capacity, from_username)?;
            let m = world
                .media
                .get_mut(&id)
                .ok_or_else(|| EventError::NotFound(format!("no media {id}")))?;
            if m.owner != from {
                return invalid(format!(
                    "media {id} is not {from_username}'s: only its owner tags people"
                ));
            }
            if !m.user_tags.iter().any(|t| t.username.eq_ignore_ascii_case(&target)) {
                m.user_tags.push(tag);
            }
            Ok(id)
        }
    }
}

/// `username` goes live: a new broadcast that is on air until [`end_live`], within the
/// sandbox's capacity for media (`cap`).
pub(crate) fn start_live(
    world: &mut World,
    cap: &CapacityConfig,
    username: &str,
    caption: Option<&str>,
    now: i64,
) -> EventResult<MediaId> {
    check_length("caption", caption.unwrap_or(""))?;
    let owner = world
        .ig_user_by_username(username)
        .map(|u| u.id)
        .ok_or_else(|| EventError::NotFound(format!("no account {username}")))?;
    if world.media.values().any(|m| m.owner == owner && m.live_now) {
        return invalid(format!("{username} is already live"));
    }
    world.room_for(CapacityArea::Media, 1, cap)?;
    let id = MediaId(world.new_id(IdKind::Media));
    let m = new_media(
        world,
        id,
        owner,
        MediaType::Broadcast,
        ProductType::Live,
        caption.map(str::to_string),
        now,
    );
    world.insert_media(Media { live_now: true, ..m });
    Ok(id)
}

pub(crate) fn end_live(world: &mut World, media: MediaId) -> EventResult<MediaId> {
    let m = world
        .media
        .get_mut(&media)
        .ok_or_else(|| EventError::NotFound(format!("no media {media}")))?;
    if m.media_type != MediaType::Broadcast {
        return invalid(format!("media {media} is not a live broadcast"));
    }
    m.live_now = false;
    Ok(media)
}

/// A story expires now (its posting time moves back so it is exactly one lifetime old);
/// `story_insights` follows after the configured delay. An already expired story is left.
pub(crate) fn expire_story(world: &mut World, cfg: &Config, media: MediaId, now: i64) -> EventResult<MediaId> {
    let m = world
        .media
        .get(&media)
        .ok_or_else(|| EventError::NotFound(format!("no media {media}")))?;
    if !m.is_story() {
        return invalid(format!("media {media} is not a story"));
    }
    let new_ts = now - cfg.story_lifetime_seconds;
    let (owner, old, seq) = (m.owner, m.timestamp, m.seq);
    if old > new_ts {
        if let Some(index) = world.stories.get_mut(&owner) {
            index.remove(&(old, seq));
            index.insert((new_ts, seq), media);
        }
        if let Some(m) = world.media.get_mut(&media) {
            m.timestamp = new_ts;
        }
        world.story_expired(cfg, owner, media, now, now);
    }
    Ok(media)
}

const ACTIVITY_TEXTS: &[&str] = &[
    "Love this!",
    "So good 😍",
    "Where can I buy this?",
    "Great shot",
    "Can't wait for the next one",
    "This made my day",
    "Wow 🔥",
    "Thanks for sharing",
    "Ça a l'air délicieux",
    "Need this now",
];

/// Background activity up to `now` at `rate` events per sandbox-minute, evenly spaced, each
/// drawn from a generator seeded by (`seed`, event number): the same seed and clock give the
/// same events. At most `max_events` are attempted per call, made or not (an event finds no
/// media to comment on, no live broadcast, no fan…): of a longer gap, such as a clock advanced
/// by years, only the last `max_events` slots are played and the rest is skipped, so one call
/// costs at most `max_events` attempts whatever the clock did. Returns the events made.
pub(crate) fn activity(world: &mut World, cfg: &Config, rate: f64, seed: u64, now: i64, max_events: usize) -> usize {
    if rate <= 0.0 || !rate.is_finite() {
        return 0;
    }
    let interval = (60.0 / rate).max(1.0) as i64;
    let mut cursor = *world.webhooks.activity_cursor.get_or_insert(now);
    // The slots played are the newest `max_events` of the gap.
    let span = interval.saturating_mul(i64::try_from(max_events).unwrap_or(i64::MAX));
    cursor = cursor.max(now.saturating_sub(span));
    let mut made = 0;
    while cursor.saturating_add(interval) <= now {
        cursor += interval;
        let n = world.webhooks.activity_count;
        world.webhooks.activity_count += 1;
        let mut rng = IdGen::new(stable_hash(&[&seed.to_le_bytes(), b"activity", &n.to_le_bytes()]));
        if one_activity(world, cfg, &mut rng, cursor).is_some() {
            made += 1;
        }
    }
    world.webhooks.activity_cursor = Some(cursor);
    made
}

fn pick<T: Clone>(rng: &mut IdGen, v: &[T]) -> Option<T> {
    (!v.is_empty()).then(|| v[rng.below(v.len() as u64) as usize].clone())
}

fn one_activity(world: &mut World, cfg: &Config, rng: &mut IdGen, at: i64) -> Option<()> {
    let managed: Vec<IgUserId> = world.pages.values().filter_map(|p| p.ig_user).collect();
    let fans: Vec<String> = world
        .ig_users
        .values()
        .filter(|u| u.account_type == IgAccountType::Personal && !u.is_private)
        .map(|u| u.username.clone())
        .collect();
    let account = pick(rng, &managed)?;
    let fan = pick(rng, &fans)?;
    let text = pick(rng, ACTIVITY_TEXTS)?;
    let username = world.ig_users.get(&account)?.username.clone();
    let recent: Vec<MediaId> = world
        .feed
        .get(&account)
        .map(|f| f.values().rev().take(10).copied().collect())
        .unwrap_or_default();
    match rng.below(100) {
        0..=49 => {
            let media = pick(rng, &recent)?;
            comment(world, cfg, media, &fan, text, None, at).ok()?;
        }
        50..=69 => {
            let media = pick(rng, &recent)?;
            let threads: Vec<CommentId> = world.media.get(&media)?.comments.values().copied().collect();
            let parent = pick(rng, &threads)?;
            comment(world, cfg, media, &fan, text, Some(parent), at).ok()?;
        }
        70..=84 => {
            let live = world
                .media
                .values()
                .find(|m| m.owner == account && m.live_now)
                .map(|m| m.id)?;
            comment(world, cfg, live, &fan, text, None, at).ok()?;
        }
        _ => {
            let ev = Mention {
                username: &username,
                from_username: &fan,
                media: None,
                comment: None,
                text: Some(text),
            };
            mention(world, cfg, ev, at).ok()?;
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_found_lowercased_once_without_a_trailing_dot() {
        assert_eq!(
            handles("@BlueBottle challenge? cc @ana.lopez. and @bluebottle again, mail a@b"),
            vec!["bluebottle", "ana.lopez"]
        );
        assert!(handles("no mentions here").is_empty());
    }

    #[test]
    fn a_clock_jump_of_a_century_costs_one_call_a_bounded_number_of_attempts() {
        // A world where no event can be made (no managed account, no fan): every attempt
        // fails, and a jump of a hundred years must still end after `max_events` attempts.
        let cfg = Config::default();
        let app = crate::model::App {
            id: crate::ids::AppId(1),
            name: "a".into(),
            secret: "s".into(),
            require_appsecret_proof: false,
            created_time: 0,
        };
        let mut world = World::empty(app, 7);
        let start = 1_700_000_000;
        assert_eq!(activity(&mut world, &cfg, 60.0, 1, start, 100), 0);
        let century = start + 100 * 365 * 86_400;
        assert_eq!(activity(&mut world, &cfg, 60.0, 1, century, 100), 0);
        assert_eq!(world.webhooks.activity_count, 100, "attempts are bounded, made or not");
        assert_eq!(
            world.webhooks.activity_cursor,
            Some(century),
            "the gap's last slots were played"
        );
        assert_eq!(activity(&mut world, &cfg, 60.0, 1, century + 30, 100), 0);
        assert_eq!(
            world.webhooks.activity_count, 130,
            "then one attempt per second at 60 a minute"
        );
    }

    #[test]
    fn after_a_jump_the_events_made_are_the_newest_of_the_gap() {
        let cfg = Config::default();
        let mut world = crate::model::seed::build_world(&crate::app::demo_world(), &cfg, 42, "t", cfg.frozen_epoch)
            .expect("the demo world builds");
        let start = cfg.frozen_epoch;
        activity(&mut world, &cfg, 60.0, 1, start, 20);
        let comments_before = world.comments.len();
        let later = start + 10 * 365 * 86_400;
        let made = activity(&mut world, &cfg, 60.0, 1, later, 20);
        assert!(made > 0, "the demo world has accounts, media and fans");
        assert_eq!(world.webhooks.activity_count, 20);
        let newest: Vec<i64> = world
            .comments
            .values()
            .map(|c| c.timestamp)
            .filter(|t| *t > start)
            .collect();
        assert!(world.comments.len() > comments_before);
        assert!(
            newest.iter().all(|t| (later - 20..=later).contains(t)),
            "every comment made is from the gap's last 20 seconds: {newest:?}"
        );
    }

    #[test]
    fn many_distinct_handles_are_found_in_one_pass() {
        let text: String = (0..64_000).map(|i| format!("@u{i} ")).collect();
        let found = handles(&text);
        assert_eq!(found.len(), 64_000);
        assert_eq!(found[63_999], "u63999");
    }
}
