//! `GET /{ig-user-id}/insights` and `GET /{ig-media-id}/insights`: parameters in, the
//! model's answer out as the documented JSON, with time-window paging for account insights
//! (facts §3.3, §5; guide "Insights"). Needs `instagram_manage_insights` ((#10) otherwise).

use crate::config::ApiVersion;
use crate::error::{GraphError, GraphResult};
use crate::http::graph::Ctx;
use crate::ids::{IgUserId, MediaId};
use crate::model::insights::{self, Insight, MediaQuery, SeriesValue, Settings, UserQuery};
use crate::timefmt::{iso, parse_time_param};
use serde_json::{json, Map, Value};

const PERMISSION: &str = "instagram_manage_insights";

/// The version whose catalogue answers: the requested one with the changelog's "applies to
/// all versions on <date>" cut-overs (`catalogue::CHANGES`' `all_versions_from`) reached on
/// the sandbox clock, as production answers; the requested one alone when the
/// `insights.version_sunsets` knob is off (the guides' per-version view).
fn effective_version(ctx: &Ctx) -> ApiVersion {
    if ctx.cfg.insights.version_sunsets {
        crate::model::insights::with_cutovers(ctx.req.version, ctx.now)
    } else {
        ctx.req.version
    }
}

fn settings(ctx: &Ctx) -> Settings {
    Settings {
        version: effective_version(ctx),
        requested: ctx.req.version,
        now: ctx.now,
        min_followers: ctx.cfg.insights.min_followers,
        max_range_seconds: ctx.cfg.insights.max_range_seconds,
        expired_story_error: ctx.cfg.insights.expired_story_error,
        story_lifetime: ctx.cfg.story_lifetime_seconds,
    }
}

/// A comma list, each item once (a repeated breakdown would multiply demographic results).
fn list(ctx: &Ctx, name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in ctx.req.param(name).unwrap_or("").split(',') {
        let item = item.trim();
        if !item.is_empty() && !out.iter().any(|x| x == item) {
            out.push(item.to_string());
        }
    }
    out
}

fn time(ctx: &Ctx, name: &str) -> GraphResult<Option<i64>> {
    match ctx.req.param(name).map(str::trim) {
        None | Some("") => Ok(None),
        // Times outside 1970..2100 cannot name insights data (and keep the window arithmetic
        // far from overflow).
        Some(v) => parse_time_param(v)
            .filter(|t| (0..4_102_444_800).contains(t))
            .map(Some)
            .ok_or_else(|| GraphError::invalid_param(format!("The parameter {name} is not a valid time"))),
    }
}

fn opt(ctx: &Ctx, name: &str) -> Option<String> {
    ctx.req
        .param(name)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// One insight as JSON, keys in the documented order.
fn insight_json(object: &str, i: &Insight) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(i.name));
    m.insert("period".into(), json!(i.period));
    if let Some(values) = &i.values {
        let vs: Vec<Value> = values
            .iter()
            .map(|(end, v)| {
                let mut o = Map::new();
                o.insert(
                    "value".into(),
                    match v {
                        SeriesValue::Int(n) => json!(n),
                        SeriesValue::Map(m) => json!(m),
                    },
                );
                if let Some(e) = end {
                    o.insert("end_time".into(), json!(iso(*e)));
                }
                Value::Object(o)
            })
            .collect();
        m.insert("values".into(), Value::Array(vs));
    }
    m.insert("title".into(), json!(i.title));
    m.insert("description".into(), json!(i.description));
    if let Some(t) = &i.total {
        let mut o = Map::new();
        if let Some(v) = t.value {
            o.insert("value".into(), json!(v));
        }
        if !t.breakdowns.is_empty() {
            let bs: Vec<Value> = t
                .breakdowns
                .iter()
                .map(|b| {
                    json!({
                        "dimension_keys": b.keys,
                        "results": b.results.iter().map(|(k, v)| json!({ "dimension_values": k, "value": v })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            o.insert("breakdowns".into(), Value::Array(bs));
        }
        if o.is_empty() {
            o.insert("value".into(), json!(0));
        }
        m.insert("total_value".into(), Value::Object(o));
    }
    m.insert("id".into(), json!(format!("{object}/insights/{}/{}", i.name, i.period)));
    Value::Object(m)
}

/// `previous`/`next` URLs: the same request for the window just before / after this one
/// (facts §3.3: user insights page by time window).
fn window_links(ctx: &Ctx, since: i64, until: i64) -> Value {
    let span = until - since;
    let url = |s: i64, u: i64| {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        if let Some(t) = &ctx.req.token {
            ser.append_pair("access_token", t);
        }
        for (k, v) in &ctx.req.params {
            if !matches!(k.as_str(), "access_token" | "since" | "until" | "method") {
                ser.append_pair(k, v);
            }
        }
        ser.append_pair("since", &s.to_string());
        ser.append_pair("until", &u.to_string());
        format!("{}{}?{}", ctx.req.base_url, ctx.req.path_string(), ser.finish())
    };
    json!({
        "previous": url(since - span, until - span),
        "next": url(since + span, until + span),
    })
}

/// `GET /{ig-user-id}/insights`.
/// Node type and fields of an insights item (Meta's Business SDK:
/// `instagraminsightsresult.py`; facts §5.4).
const RESULT_NODE: &str = "InstagramInsightsResult";
const RESULT_FIELDS: &[&str] = &["description", "id", "name", "period", "title", "total_value", "values"];

pub fn user(ctx: &mut Ctx, ig: IgUserId) -> GraphResult<Value> {
    ctx.require_ig(ig)?;
    ctx.require_permission(ig, PERMISSION)?;
    ctx.require_known_fields(RESULT_NODE, RESULT_FIELDS)?;
    let q = UserQuery {
        metrics: list(ctx, "metric"),
        period: opt(ctx, "period"),
        metric_type: opt(ctx, "metric_type"),
        breakdowns: list(ctx, "breakdown"),
        timeframe: opt(ctx, "timeframe"),
        since: time(ctx, "since")?,
        until: time(ctx, "until")?,
    };
    let answer = insights::user_insights(&ctx.world, ig, &q, &settings(ctx))?;
    let object = ig.to_string();
    let data: Vec<Value> = answer.data.iter().map(|i| insight_json(&object, i)).collect();
    let mut out = Map::new();
    out.insert("data".into(), Value::Array(data));
    if let Some((since, until)) = answer.window {
        out.insert("paging".into(), window_links(ctx, since, until));
    }
    Ok(Value::Object(out))
}

/// `GET /{ig-media-id}/insights`: the media's owner must be one of the viewer's accounts.
/// `insights.metric(reach,saved).breakdown(…)` as a field of IG Media (field expansion,
/// facts §3.2): the modifiers stand for the edge's parameters, so `/{ig-user-id}/media?
/// fields=id,insights.metric(reach)` reads each media's insights in one request.
pub fn media_expansion(ctx: &mut Ctx, id: MediaId, sel: &crate::http::fields::FieldSel) -> GraphResult<Value> {
    let mut req = ctx.req.clone();
    req.params = sel.args.iter().cloned().collect();
    let mut sub = Ctx {
        req: &req,
        world: ctx.world.reborrow(),
        now: ctx.now,
        viewer: ctx.viewer.clone(),
        access: ctx.access.clone(),
        cfg: ctx.cfg,
        expanded: ctx.expanded.clone(),
        parsed_fields: Default::default(),
    };
    media(&mut sub, id)
}

pub fn media(ctx: &mut Ctx, id: MediaId) -> GraphResult<Value> {
    crate::http::media::require_readable(ctx, id, "GET")?;
    let owner = ctx
        .world
        .media
        .get(&id)
        .map(|m| m.owner)
        .ok_or_else(|| GraphError::unsupported("GET", &id.to_string()))?;
    ctx.require_permission(owner, PERMISSION)?;
    ctx.require_known_fields(RESULT_NODE, RESULT_FIELDS)?;
    let q = MediaQuery {
        metrics: list(ctx, "metric"),
        breakdowns: list(ctx, "breakdown"),
    };
    let data = insights::media_insights(&ctx.world, id, &q, &settings(ctx))?;
    let object = id.to_string();
    Ok(json!({ "data": data.iter().map(|i| insight_json(&object, i)).collect::<Vec<_>>() }))
}
