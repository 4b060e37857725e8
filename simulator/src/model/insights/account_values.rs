//! The value model of account insights: sums of the account's media growth inside each time
//! window (so per-day values add up to range totals), legacy day boundaries, follower counts,
//! online followers and demographics, as `time_series` and `total_value` answers.

use super::catalogue::{Shape, UserMetric};
use super::media_values::{floor, rate, snapshot, Snapshot};
use super::*;

/// The first legacy day boundary strictly after `t`.
pub(super) fn boundary_after(t: i64) -> i64 {
    let shifted = t - DAY_BOUNDARY_OFFSET;
    (shifted.div_euclid(DAY) + 1) * DAY + DAY_BOUNDARY_OFFSET
}

/// Growth of an account's media inside `[a, b]`, per media kind.
#[derive(Debug, Clone, Default)]
struct Growth {
    by_kind: BTreeMap<MediaKind, Snapshot>,
}

impl Growth {
    fn sum(&self, f: impl Fn(&Snapshot) -> u64) -> u64 {
        self.by_kind.values().map(f).sum()
    }
}

fn sub(a: &Snapshot, b: &Snapshot) -> Snapshot {
    let mut pa = [0u64; 6];
    for (i, v) in pa.iter_mut().enumerate() {
        *v = a.profile_activity[i].saturating_sub(b.profile_activity[i]);
    }
    let mut nav = [0u64; 4];
    for (i, v) in nav.iter_mut().enumerate() {
        *v = a.navigation[i].saturating_sub(b.navigation[i]);
    }
    Snapshot {
        likes: a.likes.saturating_sub(b.likes),
        comments: a.comments.saturating_sub(b.comments),
        saved: a.saved.saturating_sub(b.saved),
        shares: a.shares.saturating_sub(b.shares),
        reach: a.reach.saturating_sub(b.reach),
        impressions: a.impressions.saturating_sub(b.impressions),
        views: a.views.saturating_sub(b.views),
        plays: a.plays.saturating_sub(b.plays),
        replays: a.replays.saturating_sub(b.replays),
        video_views: a.video_views.saturating_sub(b.video_views),
        profile_visits: a.profile_visits.saturating_sub(b.profile_visits),
        follows: a.follows.saturating_sub(b.follows),
        profile_activity: pa,
        replies: a.replies.saturating_sub(b.replies),
        navigation: nav,
        avg_watch_ms: 0,
        reposts: a.reposts.saturating_sub(b.reposts),
    }
}

fn add(acc: &mut Snapshot, d: &Snapshot) {
    acc.likes += d.likes;
    acc.reposts += d.reposts;
    acc.comments += d.comments;
    acc.saved += d.saved;
    acc.shares += d.shares;
    acc.reach += d.reach;
    acc.impressions += d.impressions;
    acc.views += d.views;
    acc.plays += d.plays;
    acc.replays += d.replays;
    acc.video_views += d.video_views;
    acc.profile_visits += d.profile_visits;
    acc.follows += d.follows;
    acc.replies += d.replies;
    for i in 0..6 {
        acc.profile_activity[i] += d.profile_activity[i];
    }
    for i in 0..4 {
        acc.navigation[i] += d.navigation[i];
    }
}

/// The account's top-level media and stories (album children count through their album).
fn account_media(world: &World, ig: IgUserId) -> Vec<&Media> {
    let feed = world.feed.get(&ig).into_iter().flat_map(|f| f.values());
    let stories = world.stories.get(&ig).into_iter().flat_map(|f| f.values());
    feed.chain(stories)
        .filter_map(|id| world.media.get(id).map(|m| &**m))
        .collect()
}

/// Growth in each consecutive window of `points` (`points[i]..points[i+1]`).
fn growth_series(world: &World, ig: IgUserId, points: &[i64], s: &Settings) -> Vec<Growth> {
    let mut out = vec![Growth::default(); points.len().saturating_sub(1)];
    for m in account_media(world, ig) {
        let kind = MediaKind::of(m);
        if points.last().is_some_and(|last| m.timestamp >= *last) {
            continue;
        }
        let snaps: Vec<Snapshot> = points
            .iter()
            .map(|t| snapshot(world, m, *t, s.now, s.story_lifetime))
            .collect();
        for (i, w) in snaps.windows(2).enumerate() {
            let d = sub(&w[1], &w[0]);
            add(out[i].by_kind.entry(kind).or_default(), &d);
        }
    }
    out
}

/// Daily profile views not explained by posts (people finding the profile directly).
fn baseline_profile_views(ig: IgUserId, followers: u64, day_end: i64) -> u64 {
    let noise = rate(ig.0 ^ (day_end as u64), "profile_baseline", 0.5, 1.5);
    floor(followers as f64 * 0.002 * noise)
}

/// New followers on the day ending at `day_end` (facts: follower_count is new followers).
fn new_followers(ig: IgUserId, followers: u64, day_end: i64, g: &Growth) -> u64 {
    let noise = rate(ig.0 ^ (day_end as u64), "new_followers", 0.0, 2.0);
    floor(followers as f64 * 0.0008 * noise) + g.sum(|x| x.follows)
}

/// Values of the additive account metrics in one window.
fn window_value(world: &World, ig: IgUserId, metric: &str, g: &Growth, window: (i64, i64)) -> u64 {
    let followers = world.ig_users.get(&ig).map_or(0, |u| u.followers_count);
    let days: Vec<i64> = {
        let mut v = Vec::new();
        let mut e = boundary_after(window.0);
        while e <= window.1 {
            v.push(e);
            e += DAY;
        }
        if v.is_empty() {
            v.push(boundary_after(window.0));
        }
        v
    };
    let span_days = ((window.1 - window.0) as f64 / DAY as f64).max(0.0);
    let day_share = (span_days / days.len() as f64).min(1.0);
    let profile_views = || {
        g.sum(|x| x.profile_visits)
            + floor(
                days.iter()
                    .map(|d| baseline_profile_views(ig, followers, *d) as f64)
                    .sum::<f64>()
                    * day_share,
            )
    };
    let link = |label: &str, lo: f64, hi: f64| floor(profile_views() as f64 * rate(ig.0, label, lo, hi));
    match metric {
        "impressions" => g.sum(|x| x.impressions),
        "views" => g.sum(|x| x.views),
        "likes" => g.sum(|x| x.likes),
        "comments" => g.sum(|x| x.comments),
        "shares" => g.sum(|x| x.shares),
        "saves" => g.sum(|x| x.saved),
        "replies" => g.sum(|x| x.replies),
        "reposts" => g.sum(|x| x.reposts),
        "total_interactions" => g.sum(|x| x.likes + x.comments + x.saved + x.shares + x.replies),
        "profile_views" => profile_views(),
        "website_clicks" => link("website_clicks", 0.05, 0.15),
        "email_contacts" => link("email_contacts", 0.005, 0.03),
        "phone_call_clicks" => link("phone_call_clicks", 0.002, 0.02),
        "text_message_clicks" => link("text_message_clicks", 0.001, 0.01),
        "get_directions_clicks" => link("get_directions_clicks", 0.002, 0.02),
        "follower_count" => {
            floor(
                days.iter()
                    .map(|d| new_followers(ig, followers, *d, &Growth::default()) as f64)
                    .sum::<f64>()
                    * day_share,
            ) + g.sum(|x| x.follows)
        }
        _ => 0,
    }
}

/// Unique accounts reached in a window: fewer than the sum over posts (people see several),
/// and fewer still over several days.
fn dedupe(days: f64) -> f64 {
    0.8 / (1.0 + 0.15 * (days - 1.0).max(0.0))
}

fn reach_value(g: &Growth, days: f64) -> u64 {
    floor(g.sum(|x| x.reach) as f64 * dedupe(days))
}

fn period_seconds(period: &str) -> i64 {
    match period {
        "week" => 7 * DAY,
        "days_28" => 28 * DAY,
        _ => DAY,
    }
}

/// time_series values, one per legacy day boundary in `(since, until]`; each covers the
/// period ending there. Windows not yet begun or older than the retention are left out.
pub(super) fn series_insight(
    world: &World,
    ig: IgUserId,
    d: &UserMetric,
    period: &str,
    since: i64,
    until: i64,
    s: &Settings,
) -> Option<Insight> {
    let mut ends = Vec::new();
    let mut e = boundary_after(since);
    while e <= until {
        if e - DAY < s.now && e > s.now - RETENTION {
            ends.push(e);
        }
        e += DAY;
    }
    if ends.is_empty() {
        return None;
    }
    let span = period_seconds(period);
    let followers = world.ig_users.get(&ig).map_or(0, |u| u.followers_count);
    let mut values = Vec::new();
    if d.shape == Shape::Lifetime {
        for e in &ends {
            values.push((Some(*e), SeriesValue::Map(online_followers(ig, followers, *e))));
        }
    } else {
        // One growth pass over every boundary the windows need.
        let first = ends[0] - span;
        let mut points: Vec<i64> = Vec::new();
        let mut p = first;
        while p <= *ends.last().unwrap_or(&first) {
            points.push(p);
            p += DAY;
        }
        let daily = growth_series(world, ig, &points, s);
        for e in &ends {
            let days = (span / DAY) as usize;
            let end_idx = ((e - first) / DAY) as usize;
            let start_idx = end_idx.saturating_sub(days);
            let mut g = Growth::default();
            for day in daily.iter().take(end_idx).skip(start_idx) {
                for (k, snap) in &day.by_kind {
                    add(g.by_kind.entry(*k).or_default(), snap);
                }
            }
            let v = if d.name == "reach" {
                if days == 1 {
                    reach_value(&g, 1.0)
                } else {
                    // Unique over the period: dedupe each day, then across days.
                    let per_day: u64 = daily
                        .iter()
                        .take(end_idx)
                        .skip(start_idx)
                        .map(|x| reach_value(x, 1.0))
                        .sum();
                    floor(per_day as f64 / (1.0 + 0.15 * (days as f64 - 1.0)))
                }
            } else if days == 1 {
                window_value(world, ig, d.name, &g, (e - DAY, *e))
            } else {
                daily
                    .iter()
                    .take(end_idx)
                    .skip(start_idx)
                    .enumerate()
                    .map(|(i, x)| {
                        let de = e - span + (i as i64 + 1) * DAY;
                        window_value(world, ig, d.name, x, (de - DAY, de))
                    })
                    .sum()
            };
            values.push((Some(*e), SeriesValue::Int(v)));
        }
    }
    Some(Insight {
        name: d.name,
        period: if d.shape == Shape::Lifetime {
            "lifetime"
        } else {
            period_name(period)
        },
        title: d.title,
        description: d.description,
        values: Some(values),
        total: None,
    })
}

fn period_name(p: &str) -> &'static str {
    PERIODS.iter().find(|x| **x == p).copied().unwrap_or("day")
}

fn online_followers(ig: IgUserId, followers: u64, day_end: i64) -> BTreeMap<String, u64> {
    (0..24)
        .map(|h: u64| {
            // Evenings are busier than nights.
            let curve = 0.15 + 0.35 * (((h as f64 - 4.0) / 24.0 * std::f64::consts::TAU).sin() + 1.0) / 2.0;
            let noise = rate(ig.0 ^ (day_end as u64) ^ h, "online", 0.85, 1.15);
            (h.to_string(), floor(followers as f64 * curve * noise))
        })
        .collect()
}

/// total_value over `[since, until]`, with breakdown results that add up to the value.
pub(super) fn total_insight(
    world: &World,
    ig: IgUserId,
    d: &UserMetric,
    breakdowns: &[String],
    since: i64,
    until: i64,
    s: &Settings,
) -> Option<Insight> {
    let since_eff = since.max(s.now - RETENTION);
    if since_eff >= s.now || since_eff >= until {
        return None;
    }
    let g = growth_series(world, ig, &[since_eff, until], s)
        .pop()
        .unwrap_or_default();
    let days = ((until - since_eff) as f64 / DAY as f64).max(1.0);
    let followers = world.ig_users.get(&ig).map_or(0, |u| u.followers_count);
    let window = (since_eff, until);
    let per_kind = |f: &dyn Fn(&Growth) -> u64| -> Vec<(Vec<String>, u64)> {
        let mut by: BTreeMap<&str, u64> = BTreeMap::new();
        for kind in g.by_kind.keys() {
            let mut one = Growth::default();
            one.by_kind.insert(*kind, g.by_kind[kind]);
            *by.entry(kind.breakdown_value()).or_default() += f(&one);
        }
        by.into_iter()
            .filter(|(_, v)| *v > 0)
            .map(|(k, v)| (vec![k.to_string()], v))
            .collect()
    };
    let split = |total: u64, label: &str, keys: &[&str], lo: f64, hi: f64| -> Vec<(Vec<String>, u64)> {
        // First key gets a hashed share, the rest the remainder (values add up to total).
        let first = floor(total as f64 * rate(ig.0, label, lo, hi));
        let rest = total - first.min(total);
        let mut out = vec![(vec![keys[0].to_string()], first.min(total))];
        if keys.len() > 1 {
            out.push((vec![keys[1].to_string()], rest));
        }
        out.into_iter().filter(|(_, v)| *v > 0).collect()
    };
    let value_of = |name: &str, g: &Growth| -> u64 {
        match name {
            "reach" => reach_value(g, days),
            "accounts_engaged" => {
                let inter = window_value(world, ig, "total_interactions", g, window);
                floor(inter as f64 * rate(ig.0, "engaged", 0.4, 0.8)).min(reach_value(g, days))
            }
            "follows_and_unfollows" => {
                let follows = window_value(world, ig, "follower_count", g, window);
                follows + floor(follows as f64 * rate(ig.0, "unfollows", 0.2, 0.5))
            }
            "profile_links_taps" => [
                "email_contacts",
                "phone_call_clicks",
                "text_message_clicks",
                "get_directions_clicks",
            ]
            .iter()
            .map(|m| window_value(world, ig, m, g, window))
            .sum(),
            other => window_value(world, ig, other, g, window),
        }
    };
    let value = value_of(d.name, &g);
    let mut out_breakdowns = Vec::new();
    for b in breakdowns {
        let results = match (d.name, b.as_str()) {
            (name, "media_product_type") => {
                let r = per_kind(&|one: &Growth| value_of(name, one));
                // Reach deduplicated per type can round below the whole: keep them summing.
                let sum: u64 = r.iter().map(|x| x.1).sum();
                if sum == value {
                    r
                } else {
                    rebalance(r, value)
                }
            }
            ("follows_and_unfollows", "follow_type") => {
                let follows = window_value(world, ig, "follower_count", &g, window);
                vec![
                    (vec!["FOLLOWER".to_string()], follows),
                    (vec!["NON_FOLLOWER".to_string()], value - follows.min(value)),
                ]
                .into_iter()
                .filter(|(_, v)| *v > 0)
                .collect()
            }
            (_, "follow_type") => split(value, "follower_share", &["FOLLOWER", "NON_FOLLOWER"], 0.55, 0.85),
            (_, "contact_button_type") => {
                let keys = [
                    ("CALL", "phone_call_clicks"),
                    ("DIRECTION", "get_directions_clicks"),
                    ("EMAIL", "email_contacts"),
                    ("TEXT", "text_message_clicks"),
                ];
                keys.iter()
                    .map(|(k, m)| (vec![k.to_string()], window_value(world, ig, m, &g, window)))
                    .filter(|(_, v)| *v > 0)
                    .collect()
            }
            _ => Vec::new(),
        };
        out_breakdowns.push(Breakdown {
            keys: vec![b.clone()],
            results,
        });
    }
    let _ = followers;
    Some(Insight {
        name: d.name,
        period: "day",
        title: d.title,
        description: d.description,
        values: None,
        total: Some(Total {
            value: Some(value),
            breakdowns: out_breakdowns,
        }),
    })
}

/// Moves rounding differences onto the largest result so results add up to `total`.
fn rebalance(mut r: Vec<(Vec<String>, u64)>, total: u64) -> Vec<(Vec<String>, u64)> {
    let sum: u64 = r.iter().map(|x| x.1).sum();
    if let Some(big) = r.iter_mut().max_by_key(|x| x.1) {
        if sum > total {
            big.1 -= (sum - total).min(big.1);
        } else {
            big.1 += total - sum;
        }
    }
    r.into_iter().filter(|(_, v)| *v > 0).collect()
}

const AGES: &[&str] = &["13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"];
const GENDERS: &[&str] = &["F", "M", "U"];
const COUNTRIES: &[&str] = &[
    "US", "GB", "CA", "DE", "FR", "ES", "IT", "BR", "MX", "IN", "JP", "AU", "NL", "SE",
];
const CITIES: &[&str] = &[
    "New York, New York",
    "Los Angeles, California",
    "San Francisco, California",
    "Chicago, Illinois",
    "London, England",
    "Toronto, Ontario",
    "Berlin, Berlin",
    "Paris, Île-de-France",
    "Madrid, Community of Madrid",
    "São Paulo, São Paulo (state)",
    "Mexico City, Distrito Federal",
    "Tokyo, Tokyo",
    "Sydney, New South Wales",
];

fn buckets(dim: &str) -> &'static [&'static str] {
    match dim {
        "age" => AGES,
        "gender" => GENDERS,
        "country" => COUNTRIES,
        _ => CITIES,
    }
}

/// Demographics over a timeframe: the doc sample's shape, with `timeframe` as the first
/// dimension key, top 45 results (facts §5.2, §5.4).
pub(super) fn demographics(
    world: &World,
    ig: IgUserId,
    d: &UserMetric,
    timeframe: &str,
    dims: &[String],
    s: &Settings,
) -> Insight {
    let followers = world.ig_users.get(&ig).map_or(0, |u| u.followers_count);
    let span = match timeframe {
        "last_14_days" => 14 * DAY,
        "last_30_days" | "prev_month" | "this_month" => 30 * DAY,
        "last_90_days" => 90 * DAY,
        _ => 7 * DAY,
    };
    let audience = match d.name {
        "follower_demographics" => followers,
        name => {
            let g = growth_series(world, ig, &[s.now - span, s.now], s)
                .pop()
                .unwrap_or_default();
            let reach = reach_value(&g, (span / DAY) as f64);
            if name == "engaged_audience_demographics" {
                floor(window_value(world, ig, "total_interactions", &g, (s.now - span, s.now)) as f64 * 0.6).min(reach)
            } else {
                reach
            }
        }
    };
    let mut unique: Vec<&String> = Vec::new();
    for d in dims {
        if !unique.contains(&d) {
            unique.push(d);
        }
    }
    let dims = unique;
    // Weighted cartesian product of the asked dimensions.
    let mut combos: Vec<(Vec<String>, f64)> = vec![(Vec::new(), 1.0)];
    for dim in &dims {
        let mut next = Vec::new();
        for (keys, w) in &combos {
            for b in buckets(dim) {
                let weight = rate(ig.0, &format!("{}:{dim}:{b}", d.name), 0.05, 1.0)
                    * if *dim == "age" && *b == "13-17" { 0.1 } else { 1.0 };
                let mut k = keys.clone();
                k.push(b.to_string());
                next.push((k, w * weight));
            }
        }
        combos = next;
    }
    let total_w: f64 = combos.iter().map(|c| c.1).sum();
    let tf_key = timeframe.to_ascii_uppercase();
    let mut results: Vec<(Vec<String>, u64)> = combos
        .into_iter()
        .map(|(k, w)| {
            let mut values = vec![tf_key.clone()];
            values.extend(k);
            (values, floor(audience as f64 * w / total_w))
        })
        .filter(|(_, v)| *v > 0)
        .collect();
    results.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    results.truncate(45);
    let mut keys = vec!["timeframe".to_string()];
    keys.extend(dims.iter().map(|d| d.to_string()));
    Insight {
        name: d.name,
        period: "lifetime",
        title: d.title,
        description: d.description,
        values: None,
        total: Some(Total {
            value: None,
            breakdowns: vec![Breakdown { keys, results }],
        }),
    }
}
