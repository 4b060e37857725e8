//! Business Discovery flows (guide "Business Discovery"; facts §4.1, §3.2-§3.3): another
//! professional account's public fields, its media through a nested `media.limit(n)` walked
//! with `.after(cursor)`, and accounts that cannot be discovered. Read-only.
//!
//! The account discovered is the guide's `bluebottle` (on live too: it is a real business
//! account); `IG_DISCOVERY_USERNAME` picks another one on live.

use super::support::{id_of, live_env};
use crate::scenario::{data, expect, require_fields, Check, Ctx, Failure, Scenario};
use serde_json::Value;
use std::collections::BTreeSet;

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "business_discovery",
        area: "discovery",
        about: "business_discovery.username(bluebottle){followers_count,media_count,…}: the guide's sample, profile fields, fields it refuses",
        needs: &[],
        run: business_discovery,
    },
    Scenario {
        name: "business_discovery_media",
        area: "discovery",
        about: "business_discovery nested media.limit(n){…} walked with .after(cursor): cursors only, no item twice, media not readable directly",
        needs: &[],
        run: business_discovery_media,
    },
];

const GUIDE_USERNAME: &str = "bluebottle";
/// Cannot exist: Instagram usernames have at most 30 characters.
const NOBODY: &str = "igconform.no.such.account.anywhere";
/// Facts §4.1: not a business/creator account or not found.
const NOT_DISCOVERABLE: (i64, i64) = (110, 2_207_013);
/// Pages of discovered media read at most on live (igsim: the whole list).
const LIVE_MAX_PAGES: usize = 4;

fn target(ctx: &Ctx) -> String {
    live_env(ctx, "IG_DISCOVERY_USERNAME").unwrap_or_else(|| GUIDE_USERNAME.to_string())
}

fn discover(ctx: &Ctx, expr: &str) -> crate::scenario::Call {
    let ig = ctx.ig_user_id().to_string();
    ctx.get(&ig, &[("fields", &format!("business_discovery.{expr}"))])
}

fn business_discovery(ctx: &mut Ctx) -> Result<(), Failure> {
    let who = target(ctx);
    let ig = ctx.ig_user_id().to_string();
    ctx.step("follower and media count, as in the guide");
    let body = discover(ctx, &format!("username({who}){{followers_count,media_count}}")).ok("ig_user")?;
    expect(body["id"] == ig.as_str(), || {
        format!("the answer is keyed to {}, not {ig}", body["id"])
    })?;
    let bd = &body["business_discovery"];
    require_fields(bd, &["id", "followers_count", "media_count"])?;
    let keys: BTreeSet<&str> = bd
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    expect(keys == BTreeSet::from(["id", "followers_count", "media_count"]), || {
        format!("asked for followers_count and media_count, got {bd}")
    })?;
    expect(bd["id"] != ig.as_str(), || {
        "business_discovery returned the caller itself".into()
    })?;

    ctx.step("public profile fields");
    let body = discover(
        ctx,
        &format!("username({who}){{username,name,biography,website,profile_picture_url}}"),
    )
    .ok("ig_user")?;
    let bd = &body["business_discovery"];
    require_fields(bd, &["id", "username"])?;
    expect(
        bd["username"].as_str().is_some_and(|u| u.eq_ignore_ascii_case(&who)),
        || format!("discovered {}, asked for {who}", bd["username"]),
    )?;

    // Production answers ig_id and follows_count too (recorded Business Discovery read,
    // bk-rs/instagram-apis-rs v14.0; facts §9 "Business discovery").
    ctx.step("ig_id and follows_count come through");
    let body = discover(ctx, &format!("username({who}){{username,ig_id,follows_count}}")).ok("ig_user")?;
    require_fields(
        &body["business_discovery"],
        &["id", "username", "ig_id", "follows_count"],
    )?;

    ctx.step("fields that are not public fail");
    discover(ctx, &format!("username({who}){{shopping_product_tag_eligibility}}")).error(100, None)?;

    ctx.step("an account that does not exist is not discoverable");
    let e = discover(ctx, &format!("username({NOBODY}){{followers_count}}"))
        .error(NOT_DISCOVERABLE.0, Some(NOT_DISCOVERABLE.1))?;
    expect(e["message"] == "Invalid user id", || format!("text {}", e["message"]))?;
    if ctx.is_simulator() {
        ctx.step("igsim: a personal account is not discoverable either");
        discover(ctx, "username(ana.lopez){followers_count}").error(NOT_DISCOVERABLE.0, Some(NOT_DISCOVERABLE.1))?;
    }

    ctx.step("business_discovery needs username(...)");
    ctx.get(&ig, &[("fields", "business_discovery{followers_count}")])
        .error(100, None)?;
    Ok(())
}

fn media_page(bd_media: &Value) -> Result<(Vec<Value>, Option<String>), Failure> {
    let items = data(bd_media)?.clone();
    if let Some(p) = bd_media.get("paging") {
        if p.get("next").is_some() || p.get("previous").is_some() {
            return Err(Failure::new(
                Check::Paging,
                format!("media through business_discovery has cursors only (facts §3.3), got paging {p}"),
            ));
        }
    }
    let after = bd_media
        .pointer("/paging/cursors/after")
        .and_then(Value::as_str)
        .map(str::to_string);
    Ok((items, after))
}

fn business_discovery_media(ctx: &mut Ctx) -> Result<(), Failure> {
    let who = target(ctx);
    ctx.step("media count");
    let body = discover(ctx, &format!("username({who}){{media_count}}")).ok("ig_user")?;
    let count = body["business_discovery"]["media_count"].as_u64().unwrap_or(0) as usize;

    ctx.step("the newest media with their basic metrics");
    let fields = "caption,comments_count,like_count,media_type,media_url,permalink,timestamp";
    let body = discover(ctx, &format!("username({who}){{media.limit(5){{{fields}}}}}")).ok("ig_user")?;
    let (first, mut after) = media_page(&body["business_discovery"]["media"])?;
    expect(first.len() == count.min(5), || {
        format!("media.limit(5) gave {} of {count}", first.len())
    })?;
    for m in &first {
        require_fields(m, &["id", "media_type", "timestamp"])?;
        expect(m.get("owner").is_none() && m.get("username").is_none(), || {
            format!("discovered media name their owner: {m}")
        })?;
    }
    let stamps: Vec<&str> = first.iter().filter_map(|m| m["timestamp"].as_str()).collect();
    expect(stamps.windows(2).all(|w| w[0] >= w[1]), || {
        format!("discovered media are not newest first: {stamps:?}")
    })?;

    ctx.step("walk media with .after(cursor)");
    let max_pages = if ctx.is_simulator() { 100 } else { LIVE_MAX_PAGES };
    let mut seen: BTreeSet<String> = first.iter().map(id_of).collect::<Result<_, _>>()?;
    let mut walked = first.len();
    let mut pages = 1;
    while let Some(cursor) = after.take() {
        if pages >= max_pages {
            ctx.note(format!("walked the first {pages} pages of {who}'s media"));
            break;
        }
        let body = discover(
            ctx,
            &format!("username({who}){{media.limit(20).after({cursor}){{id}}}}"),
        )
        .ok("ig_user")?;
        // Past the last item the expansion is empty, and an empty expansion is left out
        // (production's rule for nested edges).
        let Some(bd_media) = body["business_discovery"].get("media") else {
            break;
        };
        let (items, next) = media_page(bd_media)?;
        if items.is_empty() {
            return Err(Failure::new(
                Check::Field,
                "an empty media expansion came back as an empty data array; production leaves the key out",
            ));
        }
        pages += 1;
        for m in &items {
            let id = id_of(m)?;
            if !seen.insert(id.clone()) {
                return Err(Failure::new(
                    Check::Paging,
                    format!("media {id} came twice on page {pages}"),
                ));
            }
        }
        walked += items.len();
        if next.as_deref() == Some(cursor.as_str()) {
            return Err(Failure::new(Check::Paging, "the after cursor did not move"));
        }
        after = next;
    }
    if ctx.is_simulator() {
        expect(walked == count, || {
            format!("walked {walked} media, media_count says {count}")
        })?;
    }

    if let Some(m) = first.first() {
        ctx.step("discovered media cannot be read directly");
        ctx.get(&id_of(m)?, &[]).error(100, Some(33))?;
    }
    Ok(())
}
