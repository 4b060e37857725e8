//! Product Tagging flows (guide "Product Tagging"; facts §4.2 product_tags): eligibility,
//! catalogs, product search, tags on published media (add, read, delete) and on a new post,
//! and product appeals.
//!
//! Live: the token needs `catalog_management` and `instagram_shopping_tag_products` and the
//! account an approved Instagram Shop; otherwise the scenarios skip and say so. Tags added to
//! existing media are deleted again; a post published with tags stays (IG Media cannot be
//! deleted through the API). Appeals cannot be withdrawn, so only igsim files one.

use super::support::{id_of, live_env};
use crate::scenario::{data, expect, require_fields, Call, Check, Ctx, Failure, Need, Scenario};
use serde_json::Value;
use std::cell::Cell;
use std::rc::Rc;

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "product_catalog_search",
        area: "product_tagging",
        about: "shopping_product_tag_eligibility -> available_catalogs -> catalog_product_search (by name, by review_status), product_appeal status (igsim also files an appeal)",
        needs: &[],
        run: product_catalog_search,
    },
    Scenario {
        name: "product_tags_on_published_media",
        area: "product_tagging",
        about: "POST /{media}/product_tags updated_tags [{product_id,x,y}] -> GET product_tags -> DELETE deleted_tags [{product_id,merchant_id}]; the tag added is removed again",
        needs: &[Need::Writes],
        run: product_tags_on_published_media,
    },
    Scenario {
        name: "publish_with_product_tags",
        area: "product_tagging",
        about: "a container with product_tags -> media_publish -> the post's product_tags (live: IG_TEST_IMAGE_URL; the post cannot be deleted via the API)",
        needs: &[Need::Writes],
        run: publish_with_product_tags,
    },
];

/// The shopping permissions are missing: a skip on live, a failure on igsim (its token has
/// every permission).
fn permission_skip(ctx: &Ctx, call: &Call) -> Option<Failure> {
    let code = call.resp.body.pointer("/error/code").and_then(Value::as_i64);
    (!ctx.is_simulator() && matches!(code, Some(10 | 200)) && call.resp.status >= 400).then(|| {
        Failure::skip("product tagging needs catalog_management and instagram_shopping_tag_products on the token")
    })
}

/// The first catalog of an eligible account, else a skip naming why.
fn catalog(ctx: &mut Ctx) -> Result<String, Failure> {
    let ig = ctx.ig_user_id().to_string();
    ctx.step("is the account eligible for product tagging");
    let call = ctx.get(&ig, &[("fields", "shopping_product_tag_eligibility")]);
    if let Some(skip) = permission_skip(ctx, &call) {
        return Err(skip);
    }
    let body = call.ok("ig_user")?;
    let eligible = body["shopping_product_tag_eligibility"].as_bool().ok_or_else(|| {
        Failure::new(
            Check::Field,
            format!("shopping_product_tag_eligibility is not a bool: {body}"),
        )
    })?;
    if !eligible {
        expect(!ctx.is_simulator(), || {
            "the demo world's metricsaurus has an approved shop".into()
        })?;
        return Err(Failure::skip("the account has no approved Instagram Shop"));
    }

    ctx.step("list its catalogs");
    let body = ctx
        .get(&format!("{ig}/available_catalogs"), &[])
        .ok("available_catalogs")?;
    let first = data(&body)?
        .first()
        .cloned()
        .ok_or_else(|| Failure::new(Check::Behaviour, "an eligible account lists no catalog"))?;
    require_fields(&first, &["catalog_id", "catalog_name"])?;
    Ok(first["catalog_id"].as_str().unwrap_or_default().to_string())
}

/// Products of a catalog (first page), optionally filtered.
fn products(ctx: &Ctx, catalog: &str, extra: &[(&str, &str)]) -> Result<Vec<Value>, Failure> {
    let ig = ctx.ig_user_id().to_string();
    let mut params = vec![("catalog_id", catalog)];
    params.extend_from_slice(extra);
    let body = ctx
        .get(&format!("{ig}/catalog_product_search"), &params)
        .ok("catalog_product_search")?;
    Ok(data(&body)?.clone())
}

fn product_id(p: &Value) -> Result<String, Failure> {
    match &p["product_id"] {
        Value::Number(n) => Ok(n.to_string()),
        Value::String(s) => Ok(s.clone()),
        other => Err(Failure::new(Check::Field, format!("product_id {other}"))),
    }
}

/// An approved product of the catalog, else a skip.
fn approved_product(ctx: &mut Ctx, catalog: &str) -> Result<Value, Failure> {
    ctx.step("find an approved product");
    let all = products(ctx, catalog, &[("review_status", "approved")])?;
    all.into_iter()
        .next()
        .ok_or_else(|| Failure::skip("the catalog has no approved product to tag"))
}

fn product_catalog_search(ctx: &mut Ctx) -> Result<(), Failure> {
    let catalog = catalog(ctx)?;
    let ig = ctx.ig_user_id().to_string();

    ctx.step("search every product");
    let all = products(ctx, &catalog, &[])?;
    let Some(first) = all.first().cloned() else {
        ctx.note("the catalog has no products: search not checked");
        return Ok(());
    };
    require_fields(&first, &["product_id", "product_name", "review_status"])?;

    ctx.step("search by a word of a product's name");
    let name = first["product_name"].as_str().unwrap_or_default();
    let word = name
        .split_whitespace()
        .max_by_key(|w| w.len())
        .unwrap_or(name)
        .to_lowercase();
    let found = products(ctx, &catalog, &[("q", &word)])?;
    let want = product_id(&first)?;
    expect(
        found
            .iter()
            .any(|p| product_id(p).ok().as_deref() == Some(want.as_str())),
        || format!("q={word:?} does not find {name:?} ({want})"),
    )?;

    ctx.step("filter by review_status");
    let rejected = products(ctx, &catalog, &[("review_status", "rejected")])?;
    for p in &rejected {
        expect(p["review_status"] == "rejected", || {
            format!("review_status=rejected gave {p}")
        })?;
    }

    ctx.step("catalog_id is required");
    ctx.get(&format!("{ig}/catalog_product_search"), &[("q", &word)])
        .error(100, None)?;

    let Some(rejected) = rejected.first() else {
        ctx.note("no rejected product: appeals not checked");
        return Ok(());
    };
    let rejected = product_id(rejected)?;
    ctx.step("a rejected product's appeal status");
    let path = format!("{ig}/product_appeal");
    let body = ctx.get(&path, &[("product_id", &rejected)]).ok("product_appeal")?;
    let row = data(&body)?
        .first()
        .cloned()
        .ok_or_else(|| Failure::new(Check::Field, format!("no appeal row in {body}")))?;
    require_fields(&row, &["product_id", "review_status", "eligible_for_appeal"])?;
    expect(row["review_status"] == "rejected", || format!("appeal status {row}"))?;

    if ctx.is_simulator() && row["eligible_for_appeal"] == true {
        // An appeal cannot be withdrawn: filed on igsim only.
        ctx.step("igsim: appeal it");
        let ok = ctx
            .post(
                &path,
                &[
                    ("appeal_reason", "igconform: the product meets the policies"),
                    ("product_id", &rejected),
                ],
            )
            .ok("success_response")?;
        expect(ok["success"] == true, || format!("appeal answered {ok}"))?;
    }
    Ok(())
}

fn tag_list(ctx: &Ctx, media: &str) -> Result<Vec<Value>, Failure> {
    let body = ctx.get(&format!("{media}/product_tags"), &[]).ok("product_tags")?;
    Ok(data(&body)?.clone())
}

fn has_product(tags: &[Value], product: &str) -> bool {
    tags.iter().any(|t| product_id(t).ok().as_deref() == Some(product))
}

fn product_tags_on_published_media(ctx: &mut Ctx) -> Result<(), Failure> {
    let catalog = catalog(ctx)?;
    let product = approved_product(ctx, &catalog)?;
    let pid = product_id(&product)?;
    let merchant = match &product["merchant_id"] {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => ctx.ig_user_id().to_string(),
    };
    let ig = ctx.ig_user_id().to_string();

    ctx.step("find a feed photo without this product");
    let list = ctx
        .get(
            &format!("{ig}/media"),
            &[("fields", "media_type,media_product_type"), ("limit", "50")],
        )
        .ok("ig_media_list")?;
    let mut target = None;
    for m in data(&list)? {
        if m["media_type"] == "IMAGE" && m["media_product_type"] == "FEED" {
            let id = id_of(m)?;
            let tags = tag_list(ctx, &id)?;
            if !has_product(&tags, &pid) && tags.len() < 5 {
                target = Some((id, tags));
                break;
            }
        }
    }
    let Some((media, before)) = target else {
        return Err(Failure::skip(
            "no feed photo among the newest 50 can take another product tag",
        ));
    };

    ctx.step("tag the product");
    let removed = Rc::new(Cell::new(false));
    let (flag, path, del) = (
        removed.clone(),
        format!("{media}/product_tags"),
        format!("[{{product_id:'{pid}',merchant_id:'{merchant}'}}]"),
    );
    ctx.on_cleanup(&format!("remove the tag from {media}"), move |c| {
        if flag.get() {
            return Ok(());
        }
        let r = c.delete(&path, &[("deleted_tags", &del)]);
        if r.status == 200 {
            Ok(())
        } else {
            Err(Failure::new(
                Check::Status,
                format!("DELETE {path} -> {}: {}", r.status, r.text),
            ))
        }
    });
    let ok = ctx
        .post(
            &format!("{media}/product_tags"),
            &[("updated_tags", &format!("[{{product_id:'{pid}',x:0.5,y:0.8}}]"))],
        )
        .ok("success_response")?;
    expect(ok["success"] == true, || format!("tagging answered {ok}"))?;

    ctx.step("read the tags");
    let tags = tag_list(ctx, &media)?;
    let tag = tags
        .iter()
        .find(|t| product_id(t).ok().as_deref() == Some(pid.as_str()))
        .ok_or_else(|| {
            Failure::new(
                Check::Behaviour,
                format!("product {pid} not tagged on {media}: {tags:?}"),
            )
        })?;
    expect(tag["x"].as_f64() == Some(0.5) && tag["y"].as_f64() == Some(0.8), || {
        format!("the tag's position {tag}")
    })?;
    expect(tags.len() == before.len() + 1, || {
        format!("{} tags before, {} after adding one", before.len(), tags.len())
    })?;

    ctx.step("delete the tag");
    let ok = ctx
        .delete(
            &format!("{media}/product_tags"),
            &[(
                "deleted_tags",
                &format!("[{{product_id:'{pid}',merchant_id:'{merchant}'}}]"),
            )],
        )
        .ok("success_response")?;
    expect(ok["success"] == true, || format!("deleting answered {ok}"))?;
    removed.set(true);
    let after = tag_list(ctx, &media)?;
    expect(!has_product(&after, &pid) && after.len() == before.len(), || {
        format!("after deleting: {after:?}")
    })?;
    Ok(())
}

fn publish_with_product_tags(ctx: &mut Ctx) -> Result<(), Failure> {
    let image = if ctx.is_simulator() {
        "https://www.example.com/images/bronz-fonz.jpg".to_string()
    } else {
        live_env(ctx, "IG_TEST_IMAGE_URL").ok_or_else(|| {
            Failure::skip("publishing on live needs IG_TEST_IMAGE_URL (a public JPEG the API can fetch)")
        })?
    };
    let catalog = catalog(ctx)?;
    let product = approved_product(ctx, &catalog)?;
    let pid = product_id(&product)?;
    let ig = ctx.ig_user_id().to_string();

    ctx.step("create a tagged container");
    let tags = format!("[{{product_id:'{pid}',x:0.3,y:0.6}}]");
    let container = id_of(
        &ctx.post(
            &format!("{ig}/media"),
            &[
                ("image_url", &image),
                ("caption", "igconform: tagged"),
                ("product_tags", &tags),
            ],
        )
        .ok("id_response")?,
    )?;
    super::publishing::wait_finished(ctx, &container)?;

    ctx.step("publish it");
    let media = id_of(
        &ctx.post(&format!("{ig}/media_publish"), &[("creation_id", &container)])
            .ok("id_response")?,
    )?;
    if !ctx.is_simulator() {
        ctx.note(format!(
            "published media {media} stays on the account: the API cannot delete IG Media"
        ));
    }

    ctx.step("the post carries the tag");
    let tags = tag_list(ctx, &media)?;
    let tag = tags
        .iter()
        .find(|t| product_id(t).ok().as_deref() == Some(pid.as_str()))
        .ok_or_else(|| Failure::new(Check::Behaviour, format!("product {pid} not on the new post: {tags:?}")))?;
    require_fields(tag, &["product_id", "merchant_id", "name", "review_status"])?;
    Ok(())
}
