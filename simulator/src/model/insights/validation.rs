//! Validation of insights queries against the catalogue of the version asked: metric names,
//! periods, metric types, breakdowns and timeframes, with the error production answers for
//! each (a removed metric answers its removal's own text, facts §1.6).

use super::catalogue::*;
use super::*;

/// Every breakdown name must be one the endpoints know (facts §5.1).
pub(super) fn check_breakdown_names(breakdowns: &[String]) -> Result<(), GraphError> {
    for (i, b) in breakdowns.iter().enumerate() {
        if !BREAKDOWNS.contains(&b.as_str()) {
            return Err(GraphError::not_one_of(&format!("breakdown[{i}]"), BREAKDOWNS));
        }
    }
    Ok(())
}

/// The error for a metric the version's catalogue lacks: a removal's own answer (the
/// catalogue's `CHANGES`), a metric not yet added, or the enum error listing the catalogue.
///
/// v22's media removals answer "Starting from version v22.0 …" on IMAGE and CAROUSEL_ALBUM
/// but "The Media Insights API does not support the <m> metric for this media product type"
/// on REELS and VIDEO (production captures, facts §9; issue 10 case 7).
pub(super) fn unknown_media_metric(
    name: &str,
    i: usize,
    v: ApiVersion,
    kind: MediaKind,
    catalogue: &[&MediaMetric],
) -> GraphError {
    if let Some(def) = MEDIA_METRICS.iter().find(|d| d.name == name) {
        match metric_removed(Scope::Media, def.name) {
            Some((at, Gone::StartingFrom)) if v >= at && matches!(kind, MediaKind::Reel | MediaKind::FeedVideo) => {
                return GraphError::media_metric_removed_for_product_type(name)
            }
            Some((at, Gone::StartingFrom)) if v >= at => return GraphError::media_metric_removed_v22(name),
            Some((at, Gone::NotForProductType)) if v >= at => return GraphError::metric_not_for_product_type(name),
            _ if metric_added(Scope::Media, def.name).is_some_and(|a| v < a) => {
                return GraphError::metric_not_for_product_type(name)
            }
            _ => {}
        }
    }
    let names: Vec<&str> = catalogue.iter().map(|d| d.name).collect();
    GraphError::not_one_of(&format!("metric[{i}]"), &names)
}

/// Validates an account request against the version's catalogue (facts §1.6, §5.1, §5.2).
pub(super) fn validate_user(q: &UserQuery, v: ApiVersion, now: i64) -> Result<Vec<&'static UserMetric>, GraphError> {
    if q.metrics.is_empty() {
        return Err(GraphError::missing_param("metric"));
    }
    let catalogue = user_catalogue(v, now);
    let mut defs: Vec<&'static UserMetric> = Vec::new();
    for (i, name) in q.metrics.iter().enumerate() {
        match catalogue.iter().find(|d| d.name == name) {
            Some(d) => {
                if !defs.iter().any(|x| x.name == d.name) {
                    defs.push(d)
                }
            }
            None => {
                if let Some((at, Gone::StartingFrom)) = metric_removed(Scope::User, name) {
                    if v >= at {
                        return Err(GraphError::user_metric_removed_v22(name));
                    }
                }
                let names: Vec<&str> = catalogue.iter().map(|d| d.name).collect();
                return Err(GraphError::not_one_of(&format!("metric[{i}]"), &names));
            }
        }
    }
    if let Some(p) = &q.period {
        if !PERIODS.contains(&p.as_str()) {
            return Err(GraphError::not_one_of("period", PERIODS));
        }
    }
    let metric_type = match q.metric_type.as_deref() {
        None | Some("") | Some("default") => None,
        Some(t @ ("time_series" | "total_value")) => Some(t),
        Some(_) => {
            return Err(GraphError::not_one_of(
                "metric_type",
                &["default", "time_series", "total_value"],
            ))
        }
    };
    check_breakdown_names(&q.breakdowns)?;
    // Metrics that only exist as totals need metric_type=total_value (the real v21+ error
    // lists them all).
    let series_ok = |d: &UserMetric| match d.shape {
        Shape::Series(_) | Shape::Lifetime => true,
        Shape::Both(_) => series_removed(d.name).is_none_or(|r| v < r),
        Shape::Total | Shape::Demographic => false,
    };
    if metric_type != Some("total_value") {
        let need: Vec<&str> = defs.iter().filter(|d| !series_ok(d)).map(|d| d.name).collect();
        if !need.is_empty() {
            return Err(GraphError::needs_total_value(&need));
        }
    } else {
        let cannot: Vec<&str> = defs
            .iter()
            .filter(|d| matches!(d.shape, Shape::Series(_) | Shape::Lifetime))
            .map(|d| d.name)
            .collect();
        if !cannot.is_empty() {
            return Err(GraphError::no_total_value(&cannot));
        }
    }
    // Periods: every metric must accept the one asked for.
    let Some(period) = q.period.as_deref() else {
        return Err(GraphError::missing_param("period"));
    };
    for d in &defs {
        let allowed: &[&str] = match (d.shape, metric_type) {
            (Shape::Demographic, _) | (Shape::Lifetime, _) => &["lifetime"],
            (Shape::Total, _) | (Shape::Both(_), Some("total_value")) => DAY_ONLY,
            (Shape::Both(p), _) | (Shape::Series(p), _) => p,
        };
        if !allowed.contains(&period) {
            return Err(GraphError::incompatible_period(d.name, allowed));
        }
    }
    let demographic = defs.iter().any(|d| d.shape == Shape::Demographic);
    if demographic && defs.iter().any(|d| d.shape != Shape::Demographic) {
        return Err(GraphError::insights_unsupported_breakdown());
    }
    if metric_type == Some("total_value") {
        for d in &defs {
            if q.breakdowns.iter().any(|b| !d.breakdowns.contains(&b.as_str())) {
                return Err(GraphError::insights_unsupported_breakdown());
            }
        }
    }
    if demographic {
        let tf = q.timeframe.as_deref().filter(|t| !t.is_empty());
        let Some(tf) = tf else {
            return Err(GraphError::missing_param("timeframe"));
        };
        for d in defs.iter().filter(|d| d.shape == Shape::Demographic) {
            let allowed = timeframes(d.name, v);
            if !allowed.contains(&tf) {
                return Err(GraphError::not_one_of("timeframe", allowed));
            }
        }
        if q.breakdowns.is_empty() {
            return Err(GraphError::missing_param("breakdown"));
        }
    }
    Ok(defs)
}
