//! Hashtag Search flows (guide "Hashtag Search"; facts §4.7): the search and its quota of 30
//! unique hashtags per 7 rolling days as seen on `recently_searched_hashtags`, and a
//! hashtag's `top_media` and `recent_media`.
//!
//! Live: a search of a hashtag not searched in the last 7 days spends one of the 30. Without
//! `--allow-writes` igconform never spends one: it repeats a hashtag already counted (free)
//! and reads the guide's #coke hashtag by its id (hashtag ids are static and global).

use super::support::{advance, id_of, ids, now};
use crate::scenario::{data, expect, require_fields, Check, Ctx, Failure, Scenario};
use serde_json::Value;

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "hashtag_search_quota",
        area: "hashtags",
        about: "ig_hashtag_search: a new hashtag joins recently_searched_hashtags, a repeat (any case, with #) is free; igsim also fills the 30 and moves the clock 7 days (control plane). Live spends one search only with --allow-writes",
        needs: &[],
        run: hashtag_search_quota,
    },
    Scenario {
        name: "hashtag_top_and_recent_media",
        area: "hashtags",
        about: "the guide's #coke walkthrough: hashtag id -> node -> top_media (walked) and recent_media (last 24 h, newest first); no username/owner on hashtag media",
        needs: &[],
        run: hashtag_top_and_recent_media,
    },
];

/// The guide's #coke hashtag id (Hashtag Search, "Sample Request").
const GUIDE_COKE_TAG: &str = "17841593698074073";
/// New hashtags the quota scenario may search, the first one not yet counted.
const FRESH_TAGS: &[&str] = &["coffee", "travel", "bakery", "sunset", "bookshop"];
/// Facts §4.7: 30 unique hashtags per 7 rolling days.
const UNIQUE_LIMIT: usize = 30;
const WEEK: i64 = 7 * 86_400;
/// The hashtag quota error (facts §4.7: code 18, no subcode documented).
const LIMIT_CODE: i64 = 18;

fn search(ctx: &Ctx, q: &str) -> Result<String, Failure> {
    let ig = ctx.ig_user_id().to_string();
    let body = ctx
        .get("ig_hashtag_search", &[("user_id", &ig), ("q", q)])
        .ok("hashtag_search")?;
    let first = data(&body)?
        .first()
        .ok_or_else(|| Failure::new(Check::Field, format!("searching {q:?} found nothing: {body}")))?;
    id_of(first)
}

/// The hashtags counted in the current 7-day window: `(id, name)`, newest first.
fn recently_searched(ctx: &Ctx) -> Result<Vec<(String, String)>, Failure> {
    let ig = ctx.ig_user_id().to_string();
    let body = ctx
        .get(
            &format!("{ig}/recently_searched_hashtags"),
            &[("fields", "id,name"), ("limit", "30")],
        )
        .ok("recently_searched_hashtags")?;
    data(&body)?
        .iter()
        .map(|h| {
            require_fields(h, &["id", "name"])?;
            Ok((id_of(h)?, h["name"].as_str().unwrap_or_default().to_string()))
        })
        .collect()
}

fn hashtag_search_quota(ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.step("read the hashtags counted this week");
    let before = recently_searched(ctx)?;
    expect(before.len() <= UNIQUE_LIMIT, || {
        format!("{} hashtags counted, the limit is {UNIQUE_LIMIT}", before.len())
    })?;
    let may_spend = ctx.is_simulator() || ctx.writes_allowed();
    let fresh = FRESH_TAGS
        .iter()
        .find(|t| !before.iter().any(|(_, n)| n.eq_ignore_ascii_case(t)));

    let (tag, id, listed) = match fresh {
        Some(tag) if may_spend && before.len() < UNIQUE_LIMIT => {
            ctx.step("search a hashtag not counted yet");
            let id = search(ctx, tag)?;
            if !ctx.is_simulator() {
                ctx.note(format!(
                    "searched #{tag}: one of the week's {UNIQUE_LIMIT} unique hashtags spent"
                ));
            }
            let after = recently_searched(ctx)?;
            expect(after.len() == before.len() + 1, || {
                format!("recently_searched_hashtags went {} -> {}", before.len(), after.len())
            })?;
            expect(after.first().is_some_and(|(i, n)| *i == id && n == tag), || {
                format!("#{tag} ({id}) is not first in recently_searched_hashtags: {after:?}")
            })?;
            (tag.to_string(), id, after)
        }
        _ => match before.first() {
            Some((id, name)) => {
                ctx.note("no new hashtag searched (live without --allow-writes, or the week's quota is used up)");
                (name.clone(), id.clone(), before.clone())
            }
            None => {
                ctx.note("no hashtag searched this week and none may be spent: repeats not checked");
                return Ok(());
            }
        },
    };

    ctx.step("a repeat search is free, in any case, with #");
    for q in [tag.clone(), format!("#{}", tag.to_uppercase())] {
        let again = search(ctx, &q)?;
        expect(again == id, || format!("{q:?} found {again}, #{tag} is {id}"))?;
    }
    let after = recently_searched(ctx)?;
    expect(after.len() == listed.len(), || {
        format!("repeating #{tag} changed the count {} -> {}", listed.len(), after.len())
    })?;

    if !ctx.is_simulator() {
        return Ok(());
    }
    ctx.step("igsim: fill the week's 30 unique hashtags");
    for i in after.len()..UNIQUE_LIMIT {
        search(ctx, &format!("igconform{i}"))?;
    }
    let full = recently_searched(ctx)?;
    expect(full.len() == UNIQUE_LIMIT, || {
        format!("{} counted after filling", full.len())
    })?;

    ctx.step("the 31st unique hashtag is refused, a repeat still works");
    let ig = ctx.ig_user_id().to_string();
    let e = ctx
        .get("ig_hashtag_search", &[("user_id", &ig), ("q", "onetoomany")])
        .error(LIMIT_CODE, None)?;
    let msg = e["message"].as_str().unwrap_or("");
    expect(msg.starts_with("(#18)"), || format!("quota error text {msg:?}"))?;
    search(ctx, &tag)?;

    ctx.step("igsim clock: 7 days later the window has moved");
    advance(ctx, WEEK)?;
    search(ctx, "onetoomany")?;
    let moved = recently_searched(ctx)?;
    expect(moved.len() == 1 && moved[0].1 == "onetoomany", || {
        format!("a week later only #onetoomany should count: {moved:?}")
    })?;
    Ok(())
}

/// Hashtag media never show who posted them (facts §4.7).
const MEDIA_FIELDS: &str = "caption,comments_count,id,like_count,media_type,media_url,permalink,timestamp";

fn hashtag_top_and_recent_media(ctx: &mut Ctx) -> Result<(), Failure> {
    let ig = ctx.ig_user_id().to_string();
    ctx.step("find the #coke hashtag id");
    let tag = if ctx.is_simulator() || ctx.writes_allowed() {
        let id = search(ctx, "coke")?;
        if ctx.is_simulator() {
            expect(id == GUIDE_COKE_TAG, || {
                format!("#coke is {id}, the guide's id is {GUIDE_COKE_TAG} (ids are global)")
            })?;
        } else if id != GUIDE_COKE_TAG {
            ctx.note(format!("#coke is {id} on live, the guide shows {GUIDE_COKE_TAG}"));
        }
        id
    } else {
        ctx.note("read #coke by the guide's id: no search (and no quota) spent");
        GUIDE_COKE_TAG.to_string()
    };

    ctx.step("read the hashtag node");
    let node = ctx.get(&tag, &[("fields", "id,name")]).ok("ig_hashtag")?;
    expect(node["name"] == "coke", || {
        format!("hashtag {tag} is named {}", node["name"])
    })?;

    ctx.step("walk top_media");
    let first = ctx.get(
        &format!("{tag}/top_media"),
        &[("user_id", &ig), ("fields", MEDIA_FIELDS), ("limit", "10")],
    );
    let top = match ctx.walk(first, "hashtag_media", 5) {
        Ok(items) => items,
        // Walks are bounded: a popular hashtag has more pages than igconform reads.
        Err(f) if f.check == Check::Paging && f.message.contains("still a next page") => {
            ctx.note("top_media has more than 5 pages: walked the first 5");
            Vec::new()
        }
        Err(f) => return Err(f),
    };
    for m in &top {
        require_fields(m, &["id", "media_type"])?;
    }
    check_cursor_only_paging(ctx, &tag, "top_media")?;

    ctx.step("recent_media: the last 24 hours, newest first");
    let body = ctx
        .get(
            &format!("{tag}/recent_media"),
            &[("user_id", &ig), ("fields", MEDIA_FIELDS), ("limit", "50")],
        )
        .ok("hashtag_media")?;
    let stamps: Vec<&str> = data(&body)?.iter().filter_map(|m| m["timestamp"].as_str()).collect();
    expect(stamps.windows(2).all(|w| w[0] >= w[1]), || {
        format!("recent_media is not newest first: {stamps:?}")
    })?;
    let secs: Vec<i64> = stamps
        .iter()
        .map(|s| {
            simulator::timefmt::parse_time_param(s)
                .ok_or_else(|| Failure::new(Check::Field, format!("timestamp {s:?} is not a Graph time")))
        })
        .collect::<Result<_, _>>()?;
    // Clock-independent on live: everything within 24 h of the newest item.
    if let (Some(newest), Some(oldest)) = (secs.first(), secs.last()) {
        expect(newest - oldest <= 86_400, || {
            format!("recent_media spans more than 24 h: {stamps:?}")
        })?;
    }
    if ctx.is_simulator() {
        let t = now(ctx)?;
        expect(secs.iter().all(|s| *s > t - 86_400 && *s <= t), || {
            format!("recent_media outside the sandbox's last 24 h (now {t}): {stamps:?}")
        })?;
    }
    if ctx.is_simulator() {
        expect(!ids(&body)?.is_empty(), || {
            "#coke has recent media in the demo world".into()
        })?;
    }

    ctx.step("hashtag media never name their owner");
    ctx.get(&format!("{tag}/top_media"), &[("user_id", &ig), ("fields", "username")])
        .error(100, None)?;

    ctx.step("user_id is required");
    ctx.get(&format!("{tag}/recent_media"), &[]).error(100, None)?;
    Ok(())
}

/// Hashtag edges page forwards only: `after` and `next`, never `before` or `previous`.
fn check_cursor_only_paging(ctx: &Ctx, tag: &str, edge: &str) -> Result<(), Failure> {
    let ig = ctx.ig_user_id().to_string();
    let body: Value = ctx
        .get(&format!("{tag}/{edge}"), &[("user_id", &ig), ("limit", "2")])
        .ok("hashtag_media")?;
    if let Some(p) = body.get("paging") {
        if p.get("previous").is_some() || p.pointer("/cursors/before").is_some() {
            return Err(Failure::new(
                Check::Paging,
                format!("{edge} pages forwards only (facts §4.7), got paging {p}"),
            ));
        }
    }
    Ok(())
}
