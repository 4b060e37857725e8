//! The value model of media insights: every media accrues reach, impressions, saves… along a
//! maturity curve of its age, scaled by its owner's followers and rates hashed from its id;
//! likes and comments are the media's own counts ([`snapshot`]). Pure functions of
//! (world, media, time).

use super::catalogue::MediaKind;
use super::*;

/// A rate in `[lo, hi)` hashed from the media (or account) id and a label.
pub(super) fn rate(id: u64, label: &str, lo: f64, hi: f64) -> f64 {
    let h = stable_hash(&[&id.to_le_bytes(), label.as_bytes()]);
    lo + (hi - lo) * ((h % 10_000) as f64 / 10_000.0)
}

pub(super) fn floor(x: f64) -> u64 {
    if x.is_finite() && x > 0.0 {
        x.floor() as u64
    } else {
        0
    }
}

/// A media's lifetime values as of one instant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub likes: u64,
    pub comments: u64,
    pub saved: u64,
    pub shares: u64,
    pub reach: u64,
    pub impressions: u64,
    pub views: u64,
    pub plays: u64,
    pub replays: u64,
    pub video_views: u64,
    pub profile_visits: u64,
    pub follows: u64,
    /// bio_link_clicked, call, direction, email, text, other
    pub profile_activity: [u64; 6],
    pub replies: u64,
    /// tap_forward, tap_back, tap_exit, swipe_forward
    pub navigation: [u64; 4],
    pub avg_watch_ms: u64,
    pub reposts: u64,
}

pub const ACTION_TYPES: [&str; 6] = ["bio_link_clicked", "call", "direction", "email", "text", "other"];
pub const NAVIGATION_TYPES: [&str; 4] = ["tap_forward", "tap_back", "tap_exit", "swipe_forward"];

impl Snapshot {
    pub fn total_interactions(&self, kind: MediaKind) -> u64 {
        match kind {
            MediaKind::Story => self.replies + self.shares,
            _ => self.likes + self.comments + self.saved + self.shares,
        }
    }

    pub fn all_plays(&self) -> u64 {
        self.plays + self.replays
    }

    pub fn profile_activity_total(&self) -> u64 {
        self.profile_activity.iter().sum()
    }

    pub fn navigation_total(&self) -> u64 {
        self.navigation.iter().sum()
    }

    pub fn watch_total_ms(&self) -> u64 {
        self.avg_watch_ms * self.all_plays()
    }
}

/// The share of its eventual audience a media has reached at `age` seconds: 0 at posting,
/// rising quickly then levelling off. Stories stop gathering views when they expire.
pub(super) fn maturity(kind: MediaKind, age: i64, story_lifetime: i64) -> f64 {
    let (tau, cap) = match kind {
        MediaKind::Story => (2.0 * 3600.0, story_lifetime),
        MediaKind::Reel => (12.0 * 3600.0, i64::MAX),
        _ => (8.0 * 3600.0, i64::MAX),
    };
    let a = age.clamp(0, cap) as f64;
    a / (a + tau)
}

/// Comments (with replies) on `media` written at or before `t`.
pub(super) fn comments_at(world: &World, m: &Media, t: i64, now: i64) -> u64 {
    if t >= now {
        return world.comment_count(m.id);
    }
    m.comments
        .values()
        .filter_map(|c| world.comments.get(c))
        .filter(|c| c.timestamp <= t)
        .map(|c| {
            1 + c
                .replies
                .values()
                .filter_map(|r| world.comments.get(r))
                .filter(|r| r.timestamp <= t)
                .count() as u64
        })
        .sum()
}

/// A media's lifetime values as of `t` (clamped to `now`; zero before it was posted).
pub fn snapshot(world: &World, m: &Media, t: i64, now: i64, story_lifetime: i64) -> Snapshot {
    let kind = MediaKind::of(m);
    let t = t.min(now);
    if t < m.timestamp {
        return Snapshot::default();
    }
    let id = m.id.0;
    let followers = world.ig_users.get(&m.owner).map_or(0, |u| u.followers_count) as f64;
    let mt = maturity(kind, t - m.timestamp, story_lifetime);
    let mnow = maturity(kind, now - m.timestamp, story_lifetime);
    // Likes are the media's own count now; earlier they had accrued along the same curve.
    let likes = if t >= now {
        m.like_count
    } else if mnow > 0.0 {
        floor(m.like_count as f64 * mt / mnow)
    } else {
        0
    };
    let comments = comments_at(world, m, t, now);
    let story = kind == MediaKind::Story;
    let audience = if story {
        followers * rate(id, "story_reach", 0.03, 0.12)
    } else {
        followers * rate(id, "reach", 0.08, 0.38)
    };
    let reach = floor(audience * mt) + likes + comments;
    let impressions = reach + floor(reach as f64 * rate(id, "repeat", 0.1, 0.6));
    let saved = if story {
        0
    } else {
        floor(likes as f64 * rate(id, "saved", 0.01, 0.06))
    };
    let shares = if story {
        floor(reach as f64 * rate(id, "story_shares", 0.004, 0.02))
    } else {
        floor(likes as f64 * rate(id, "shares", 0.005, 0.03))
    };
    let (plays, replays) = if kind == MediaKind::Reel {
        let plays = reach + floor(reach as f64 * rate(id, "plays", 0.05, 0.4));
        (plays, floor(plays as f64 * rate(id, "replays", 0.05, 0.25)))
    } else {
        (0, 0)
    };
    let views = if kind == MediaKind::Reel {
        plays + replays
    } else {
        impressions
    };
    let has_video = match kind {
        MediaKind::FeedVideo => true,
        MediaKind::Carousel => m
            .children
            .iter()
            .any(|c| world.media.get(c).is_some_and(|c| c.media_type == MediaType::Video)),
        _ => false,
    };
    let video_views = if has_video {
        floor(impressions as f64 * rate(id, "video_views", 0.2, 0.7))
    } else {
        0
    };
    let reposts = if story {
        0
    } else {
        floor(likes as f64 * rate(id, "reposts", 0.002, 0.02))
    };
    let profile_visits = floor(reach as f64 * rate(id, "profile_visits", 0.01, 0.05));
    let follows = floor(profile_visits as f64 * rate(id, "follows", 0.05, 0.2));
    let mut profile_activity = [0u64; 6];
    for (i, a) in ACTION_TYPES.iter().enumerate() {
        profile_activity[i] = floor(profile_visits as f64 * rate(id, a, 0.0, 0.12));
    }
    let replies = if story {
        floor(reach as f64 * rate(id, "replies", 0.005, 0.03))
    } else {
        0
    };
    let mut navigation = [0u64; 4];
    if story {
        let ranges = [(0.4, 0.7), (0.03, 0.1), (0.05, 0.15), (0.02, 0.08)];
        for (i, n) in NAVIGATION_TYPES.iter().enumerate() {
            navigation[i] = floor(impressions as f64 * rate(id, n, ranges[i].0, ranges[i].1));
        }
    }
    let avg_watch_ms = if plays > 0 {
        3_000 + (stable_hash(&[&id.to_le_bytes(), b"watch"]) % 17_000)
    } else {
        0
    };
    Snapshot {
        likes,
        comments,
        saved,
        shares,
        reach,
        impressions,
        views,
        plays,
        replays,
        video_views,
        profile_visits,
        follows,
        profile_activity,
        replies,
        navigation,
        avg_watch_ms,
        reposts,
    }
}

pub(super) fn media_value(s: &Snapshot, kind: MediaKind, metric: &str) -> u64 {
    match metric {
        "impressions" => s.impressions,
        "reach" => s.reach,
        "saved" => s.saved,
        "video_views" => s.video_views,
        "likes" => s.likes,
        "comments" => s.comments,
        "shares" => s.shares,
        "follows" => s.follows,
        "profile_activity" => s.profile_activity_total(),
        "profile_visits" => s.profile_visits,
        "total_interactions" => s.total_interactions(kind),
        "ig_reels_avg_watch_time" => s.avg_watch_ms,
        "ig_reels_video_view_total_time" => s.watch_total_ms(),
        "plays" => s.plays,
        "clips_replays_count" => s.replays,
        "ig_reels_aggregated_all_plays_count" => s.all_plays(),
        "replies" => s.replies,
        "navigation" => s.navigation_total(),
        "views" => s.views,
        "reposts" => s.reposts,
        _ => 0,
    }
}
