//! Insights: the metric catalogue of IG users and IG media per API version (with the
//! changelog's deprecations and their errors), request validation, and deterministic values
//! that follow the world (facts §1.6, §5; guide "Insights"; changelog 2023-09-12, v21, v22).
//!
//! Values are pure functions of (world, media, time): each media accrues reach, impressions,
//! saves… along a maturity curve of its age, scaled by its owner's followers and rates hashed
//! from its id; likes and comments are the media's own counts. Account metrics are sums of
//! their media's growth inside each time window, so per-day values add up to range totals, and
//! everything grows as the clock moves and as likes and comments arrive.

mod account_values;
mod catalogue;
mod media_values;
mod validation;

pub use catalogue::{
    kept_for_older_media, media_catalogue, user_catalogue, with_cutovers, Gone, MediaKind, MediaMetric, MetricChange,
    MetricRelease, Scope, Shape, UserMetric, BREAKDOWNS, CHANGES, OUT_OF_CYCLE, PERIODS,
};
pub use media_values::{snapshot, Snapshot, ACTION_TYPES, NAVIGATION_TYPES};

use account_values::{demographics, series_insight, total_insight};
use media_values::media_value;
use validation::{check_breakdown_names, unknown_media_metric, validate_user};

use super::{Media, MediaType, ProductType, World};
use crate::error::GraphError;
use crate::ids::{stable_hash, IgUserId, MediaId};
use crate::version::ApiVersion;
use std::collections::BTreeMap;

const DAY: i64 = 86_400;
/// Legacy day windows end at 07:00 UTC (24-hour periods ending at UTC−07:00, facts §5.2).
const DAY_BOUNDARY_OFFSET: i64 = 7 * 3600;
/// "Metrics data is stored for 2 years" (guide, Limitations).
const RETENTION: i64 = 2 * 365 * DAY;

/// The knobs insights read from `Config` (kept here so the model stays free of HTTP).
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// The version whose catalogue answers: the requested one with the changelog's "applies to
    /// all versions on <date>" cut-overs reached by `now` applied (`catalogue::with_cutovers`),
    /// or the requested one when the `insights.version_sunsets` knob is off.
    pub version: ApiVersion,
    /// The version the call asked for (after expiry upgrades): the cut-overs' exceptions
    /// depend on it (`catalogue::kept_for_older_media`).
    pub requested: ApiVersion,
    pub now: i64,
    /// Follower count under which audience metrics are not available (facts §5.2: 100).
    pub min_followers: u64,
    /// Largest since/until span (facts: 30 days, "There cannot be more than 30 days").
    pub max_range_seconds: i64,
    /// Expired stories answer an error instead of an empty `data` (UNCONFIRMED which).
    pub expired_story_error: bool,
    pub story_lifetime: i64,
}

// ---- answers ----------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeriesValue {
    Int(u64),
    /// online_followers: hour of day -> followers online.
    Map(BTreeMap<String, u64>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breakdown {
    pub keys: Vec<String>,
    pub results: Vec<(Vec<String>, u64)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Total {
    /// Left out for demographics (the doc sample has none).
    pub value: Option<u64>,
    pub breakdowns: Vec<Breakdown>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Insight {
    pub name: &'static str,
    pub period: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    /// `values`: `(end_time, value)`; media values have no end_time.
    pub values: Option<Vec<(Option<i64>, SeriesValue)>>,
    pub total: Option<Total>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAnswer {
    pub data: Vec<Insight>,
    /// The time window answered, for paging to the previous/next window.
    pub window: Option<(i64, i64)>,
}

/// A parsed `GET /{ig-user-id}/insights` request.
#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    pub metrics: Vec<String>,
    pub period: Option<String>,
    pub metric_type: Option<String>,
    pub breakdowns: Vec<String>,
    pub timeframe: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
}

/// A parsed `GET /{ig-media-id}/insights` request.
#[derive(Debug, Clone, Default)]
pub struct MediaQuery {
    pub metrics: Vec<String>,
    pub breakdowns: Vec<String>,
}

// ---- media insights ---------------------------------------------------------------------

/// `GET /{ig-media-id}/insights` (facts §5.3, §1.6).
pub fn media_insights(world: &World, media: MediaId, q: &MediaQuery, s: &Settings) -> Result<Vec<Insight>, GraphError> {
    let Some(m) = world.media.get(&media) else {
        return Err(GraphError::unsupported("GET", &media.to_string()));
    };
    if q.metrics.is_empty() {
        return Err(GraphError::missing_param("metric"));
    }
    check_breakdown_names(&q.breakdowns)?;
    let kind = MediaKind::of(m);
    let catalogue = media_catalogue(s.version, s.now);
    let mut defs = Vec::new();
    for (i, name) in q.metrics.iter().enumerate() {
        let kept = || {
            kept_for_older_media(name, s.requested, m.timestamp)
                .then(|| media_catalogue(s.requested, s.now).into_iter().find(|d| d.name == name))
                .flatten()
        };
        let Some(def) = catalogue.iter().copied().find(|d| d.name == name).or_else(kept) else {
            return Err(unknown_media_metric(name, i, s.version, kind, &catalogue));
        };
        if !def.kinds.contains(&kind) {
            return Err(GraphError::metric_not_for_media_type(name));
        }
        if q.breakdowns.iter().any(|b| !def.breakdowns.contains(&b.as_str())) {
            return Err(GraphError::insights_unsupported_breakdown());
        }
        if !defs.iter().any(|d: &&MediaMetric| d.name == def.name) {
            defs.push(def);
        }
    }
    let now = s.now;
    if kind == MediaKind::Story && now - m.timestamp >= s.story_lifetime {
        // "Stories insights are only available for 24 hours" (guide, Limitations).
        return if s.expired_story_error {
            Err(GraphError::story_insights_expired(s.story_lifetime))
        } else {
            Ok(Vec::new())
        };
    }
    let snap = snapshot(world, m, now, now, s.story_lifetime);
    if kind == MediaKind::Story && snap.reach < 5 {
        return Err(GraphError::not_enough_viewers());
    }
    Ok(defs
        .into_iter()
        .map(|d| {
            let value = media_value(&snap, kind, d.name);
            let total = (!q.breakdowns.is_empty()).then(|| {
                let (key, results): (&str, Vec<(Vec<String>, u64)>) = match d.name {
                    "profile_activity" => (
                        "action_type",
                        ACTION_TYPES
                            .iter()
                            .zip(snap.profile_activity)
                            .filter(|(_, v)| *v > 0)
                            .map(|(k, v)| (vec![k.to_string()], v))
                            .collect(),
                    ),
                    _ => (
                        "story_navigation_action_type",
                        NAVIGATION_TYPES
                            .iter()
                            .zip(snap.navigation)
                            .filter(|(_, v)| *v > 0)
                            .map(|(k, v)| (vec![k.to_string()], v))
                            .collect(),
                    ),
                };
                Total {
                    value: Some(value),
                    breakdowns: vec![Breakdown {
                        keys: vec![key.to_string()],
                        results,
                    }],
                }
            });
            Insight {
                name: d.name,
                period: "lifetime",
                title: d.title,
                description: d.description,
                values: Some(vec![(None, SeriesValue::Int(value))]),
                total,
            }
        })
        .collect())
}

// ---- account insights -------------------------------------------------------------------

/// `GET /{ig-user-id}/insights` (facts §5.1–§5.4).
pub fn user_insights(world: &World, ig: IgUserId, q: &UserQuery, s: &Settings) -> Result<UserAnswer, GraphError> {
    let defs = validate_user(q, s.version, s.now)?;
    let total_value = q.metric_type.as_deref() == Some("total_value");
    let period = q.period.as_deref().unwrap_or("day");
    let followers = world.ig_users.get(&ig).map_or(0, |u| u.followers_count);
    let demographic = defs.iter().any(|d| d.shape == Shape::Demographic);
    if demographic {
        let tf = q.timeframe.as_deref().unwrap_or("this_week");
        let data = defs
            .iter()
            .filter(|_| followers >= s.min_followers)
            .map(|d| demographics(world, ig, d, tf, &q.breakdowns, s))
            .collect();
        return Ok(UserAnswer { data, window: None });
    }
    // Since/until: legacy metrics default to two days, totals to the last 24 hours.
    let default_span = if total_value { DAY } else { 2 * DAY };
    let until = q.until.unwrap_or(s.now);
    let since = q.since.unwrap_or(until - default_span);
    if until <= since {
        return Err(GraphError::insights_since_after_until());
    }
    if until.saturating_sub(since) > s.max_range_seconds {
        return Err(GraphError::insights_range_too_long(s.max_range_seconds));
    }
    let mut data = Vec::new();
    for d in &defs {
        if d.needs_followers && followers < s.min_followers {
            continue; // "not available" under 100 followers: left out (facts §1.6).
        }
        let insight = if total_value {
            total_insight(world, ig, d, &q.breakdowns, since, until, s)
        } else {
            series_insight(world, ig, d, period, since, until, s)
        };
        if let Some(i) = insight {
            data.push(i);
        }
    }
    Ok(UserAnswer {
        data,
        window: Some((since, until)),
    })
}

#[cfg(test)]
mod tests;
