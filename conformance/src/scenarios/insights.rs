//! Insights flows (guide "Insights"; facts §5): account metrics as a time series and as
//! total values with a breakdown, media metrics per kind of media, and the deprecated
//! `engagement`. Read-only. The metrics chosen exist in every version (facts §5.3 deprecation
//! timeline); the `impressions` step asserts v22's removal texts, which production answers on
//! every version since the cut-over of 2025-04-21.

use super::support::id_of;
use crate::scenario::{data, expect, require_fields, str_field, Check, Ctx, Failure, Scenario};
use serde_json::Value;
use simulator::version::ApiVersion;

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "account_insights",
        area: "insights",
        about: "GET /{ig-user}/insights: reach per day (yesterday through today, end_time), total_value with a media_product_type breakdown, unknown metrics refused (facts §5.1-§5.2, §5.4)",
        needs: &[],
        run: account_insights,
    },
    Scenario {
        name: "media_insights",
        area: "insights",
        about: "GET /{ig-media}/insights: lifetime metrics of a feed post, a reel, a carousel (likes, comments, shares: v25 capture) and a story; engagement is deprecated (-> total_interactions); impressions gone from every version since 2025-04-21 (v22 cut-over), worded per media product type; story values under 5 are error 10 (facts §5.3, §9)",
        needs: &[],
        run: media_insights,
    },
];

fn by_name<'a>(body: &'a Value, name: &str) -> Result<&'a Value, Failure> {
    data(body)?
        .iter()
        .find(|i| i["name"] == name)
        .ok_or_else(|| Failure::new(Check::Field, format!("metric {name} missing in {body}")))
}

/// `values[0].value` of a lifetime metric.
fn lifetime_value(body: &Value, name: &str) -> Result<u64, Failure> {
    let m = by_name(body, name)?;
    m.pointer("/values/0/value")
        .and_then(Value::as_u64)
        .ok_or_else(|| Failure::new(Check::Field, format!("{name} has no values[0].value: {m}")))
}

fn account_insights(ctx: &mut Ctx) -> Result<(), Failure> {
    let ig = ctx.ig_user_id().to_string();
    let path = format!("{ig}/insights");

    ctx.step("reach per day, as in the guide");
    let body = ctx
        .get(&path, &[("metric", "reach"), ("period", "day")])
        .ok("user_insights")?;
    let reach = by_name(&body, "reach")?;
    require_fields(reach, &["name", "period", "values", "title", "description", "id"])?;
    expect(reach["period"] == "day", || format!("period {}", reach["period"]))?;
    expect(reach["id"] == format!("{ig}/insights/reach/day").as_str(), || {
        format!("insight id {}", reach["id"])
    })?;
    let values = reach["values"].as_array().cloned().unwrap_or_default();
    expect(values.len() == 2, || {
        format!("a day metric without since/until covers yesterday through today (facts §5.1): {values:?}")
    })?;
    for v in &values {
        require_fields(v, &["value", "end_time"])?;
    }

    ctx.step("total values with a media_product_type breakdown");
    let body = ctx
        .get(
            &path,
            &[
                ("metric", "reach"),
                ("period", "day"),
                ("metric_type", "total_value"),
                ("breakdown", "media_product_type"),
            ],
        )
        .ok("user_insights")?;
    let reach = by_name(&body, "reach")?;
    let total = reach
        .pointer("/total_value/value")
        .and_then(Value::as_u64)
        .ok_or_else(|| Failure::new(Check::Field, format!("no total_value.value in {reach}")))?;
    let results = reach
        .pointer("/total_value/breakdowns/0/results")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if total > 0 {
        expect(!results.is_empty(), || {
            format!("reach {total} with no breakdown results: {reach}")
        })?;
    }
    for r in &results {
        require_fields(r, &["dimension_values", "value"])?;
    }

    // `reposts`: every version from 2025-12-03 (Instagram Platform changelog; version.rs).
    ctx.step("interactions as total values, reposts included");
    let body = ctx
        .get(
            &path,
            &[
                ("metric", "total_interactions,likes,comments,shares,reposts"),
                ("period", "day"),
                ("metric_type", "total_value"),
            ],
        )
        .ok("user_insights")?;
    for name in ["total_interactions", "likes", "comments", "shares", "reposts"] {
        let m = by_name(&body, name)?;
        expect(m.pointer("/total_value/value").is_some_and(Value::is_u64), || {
            format!("{name} has no total_value.value: {m}")
        })?;
    }

    ctx.step("an unknown metric is refused");
    let e = ctx
        .get(&path, &[("metric", "igconform_no_such_metric"), ("period", "day")])
        .error(100, None)?;
    let msg = str_field(&e, "message")?;
    expect(msg.contains("metric"), || {
        format!("the error does not name metric: {msg}")
    })?;
    Ok(())
}

fn media_insights(ctx: &mut Ctx) -> Result<(), Failure> {
    let ig = ctx.ig_user_id().to_string();
    ctx.step("find a feed post, a reel and a story");
    let list = ctx
        .get(
            &format!("{ig}/media"),
            &[("fields", "media_type,media_product_type,timestamp"), ("limit", "50")],
        )
        .ok("ig_media_list")?;
    let find = |pred: &dyn Fn(&Value) -> bool| -> Result<Option<String>, Failure> {
        data(&list)?.iter().find(|m| pred(m)).map(id_of).transpose()
    };
    let feed = find(&|m| m["media_product_type"] == "FEED" && m["media_type"] == "IMAGE")?;
    let reel = find(&|m| m["media_product_type"] == "REELS")?;
    // v22's removal reached every version on 2025-04-21, except for media created on or
    // before 2024-07-01 asked on v21.0 and older (the version timeline's v22.0 row).
    let asked = ApiVersion::parse(&ctx.client().version);
    let impressions_kept = |id: &Option<String>| {
        let created = data(&list).ok().and_then(|items| {
            items
                .iter()
                .find(|m| m["id"].as_str() == id.as_deref())
                .and_then(|m| m["timestamp"].as_str())
                .and_then(simulator::timefmt::parse_time_param)
        });
        match (asked, created) {
            (Some(v), Some(t)) => simulator::model::insights::kept_for_older_media("impressions", v, t),
            _ => false,
        }
    };
    let (feed_kept, reel_kept) = (impressions_kept(&feed), impressions_kept(&reel));
    let album = find(&|m| m["media_type"] == "CAROUSEL_ALBUM")?;
    let stories = ctx.get(&format!("{ig}/stories"), &[]).ok("ig_stories")?;
    let story = data(&stories)?.first().map(id_of).transpose()?;

    match &feed {
        None => ctx.note("no feed photo among the newest 50 media: feed insights not checked"),
        Some(feed) => {
            ctx.step("lifetime metrics of a feed photo");
            let body = ctx
                .get(
                    &format!("{feed}/insights"),
                    &[("metric", "reach,likes,comments,saved,shares,total_interactions")],
                )
                .ok("media_insights")?;
            for i in data(&body)? {
                expect(i["period"] == "lifetime", || {
                    format!("media metrics are lifetime (facts §5.3), got {i}")
                })?;
                expect(i.pointer("/values/0/end_time").is_none(), || {
                    format!("a lifetime media value with an end_time: {i}")
                })?;
            }
            if ctx.is_simulator() {
                // igsim's values follow its world; production's may lag up to 48 h.
                let v = |n| lifetime_value(&body, n);
                let sum = v("likes")? + v("comments")? + v("saved")? + v("shares")?;
                expect(v("total_interactions")? == sum, || {
                    format!(
                        "total_interactions {} is not likes+comments+saved+shares {sum}",
                        v("total_interactions").unwrap_or(0)
                    )
                })?;
                let m = ctx
                    .get(feed, &[("fields", "like_count,comments_count")])
                    .ok("ig_media")?;
                expect(
                    m["like_count"].as_u64() == Some(v("likes")?)
                        && m["comments_count"].as_u64() == Some(v("comments")?),
                    || format!("likes/comments insights disagree with the node: {m}"),
                )?;
            }

            ctx.step("engagement is deprecated");
            let e = ctx
                .get(&format!("{feed}/insights"), &[("metric", "engagement")])
                .error(100, None)?;
            let msg = str_field(&e, "message")?;
            expect(msg.contains("must be one of the following values"), || {
                format!("unexpected text for a deprecated metric: {msg}")
            })?;
        }
    }

    match &reel {
        None => ctx.note("no reel among the newest 50 media: reel insights not checked"),
        Some(reel) => {
            ctx.step("lifetime metrics of a reel");
            let body = ctx
                .get(
                    &format!("{reel}/insights"),
                    &[("metric", "reach,likes,comments,shares,saved,total_interactions")],
                )
                .ok("media_insights")?;
            by_name(&body, "total_interactions")?;
        }
    }

    match album {
        None => ctx.note("no carousel among the newest 50 media: carousel insights not checked"),
        Some(album) => {
            // Production answers likes, comments and shares on carousels too (a v25.0 capture,
            // 2026-07: facts §9).
            ctx.step("lifetime metrics of a carousel");
            let body = ctx
                .get(
                    &format!("{album}/insights"),
                    &[("metric", "reach,saved,likes,comments,shares,total_interactions,reposts")],
                )
                .ok("media_insights")?;
            for name in ["likes", "comments", "shares", "reposts"] {
                lifetime_value(&body, name)?;
            }
        }
    }

    // `impressions` is gone from every version since 2025-04-21, worded per media product type
    // (facts §9), but for media created on or before 2024-07-01 asked on v21.0 and older.
    {
        let cases = [
            (
                feed.as_deref().filter(|_| !feed_kept),
                "(#100) Starting from version v22.0 and above, the impressions metric is no longer supported for the queried media",
            ),
            (
                reel.as_deref().filter(|_| !reel_kept),
                "(#100) The Media Insights API does not support the impressions metric for this media product type",
            ),
        ];
        for (media, want) in cases {
            let Some(media) = media else { continue };
            ctx.step("impressions is gone from every version");
            let e = ctx
                .get(&format!("{media}/insights"), &[("metric", "impressions")])
                .error(100, None)?;
            let msg = str_field(&e, "message")?;
            expect(msg == want, || {
                format!("impressions refused as {msg:?}, expected {want:?}")
            })?;
        }
    }

    match story {
        None => ctx.note("no live story: story insights not checked"),
        Some(story) => {
            ctx.step("metrics of a story");
            let call = ctx.get(&format!("{story}/insights"), &[("metric", "reach,replies")]);
            if call.resp.status == 200 {
                let body = call.ok("media_insights")?;
                by_name(&body, "reach")?;
            } else {
                // Facts §5.3: fewer than 5 viewers -> error 10.
                call.error(10, None)?;
                ctx.note(format!("story {story} has too few viewers for insights (error 10)"));
            }
        }
    }
    Ok(())
}
