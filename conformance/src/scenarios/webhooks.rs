//! Webhooks subscription flow (guide "Webhooks"; facts §6): subscribe the app with the
//! verification handshake against a loopback receiver the scenario runs, install the app on
//! the Page (`subscribed_apps`), make someone comment on a photo and on a reel (events control
//! plane) and check the signed deliveries: `X-Hub-Signature-256` recomputed here, payloads
//! schema-validated, every entry and change read (production batches them, facts §6.2), the
//! reel's comment delivered with `media_product_type` `REELS` (facts §9).
//!
//! Needs the control plane (an event and a flush of the delivery queue), so it is skipped on
//! live: production cannot call back a loopback receiver anyway.

use super::support::{control_post, id_of};
use crate::receiver::{Mode, Receiver};
use crate::scenario::{data, expect, str_field, Check, Ctx, Failure, Need, Scenario};
use crate::schemas;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};

pub const SCENARIOS: &[Scenario] = &[Scenario {
    name: "webhooks_subscription",
    area: "webhooks",
    about: "POST /{app}/subscriptions with the hub.challenge handshake, /{page}/subscribed_apps, a comment event, a delivery signed with X-Hub-Signature-256 (igsim: loopback receiver, events and flush on the control plane)",
    needs: &[Need::ControlPlane],
    run: webhooks_subscription,
}];

const VERIFY_TOKEN: &str = "igconform-verify-token";
const COMMENTER: &str = "ana.lopez";
const COMMENT_TEXT: &str = "igconform webhook check";

fn hmac_sha256_hex(key: &str, body: &[u8]) -> Result<String, Failure> {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes())
        .map_err(|e| Failure::new(Check::Behaviour, format!("hmac key: {e}")))?;
    mac.update(body);
    Ok(hex::encode(mac.finalize().into_bytes()))
}

fn schema_check(schema: &str, v: &Value) -> Result<(), Failure> {
    schemas::validate(schema, v).map_err(|errors| {
        Failure::new(
            Check::Schema,
            format!("delivery does not match {schema}: {}\n    body: {v}", errors.join("; ")),
        )
    })
}

fn webhooks_subscription(ctx: &mut Ctx) -> Result<(), Failure> {
    let (Some(app), Some(secret)) = (ctx.app_id().map(str::to_string), ctx.app_secret().map(str::to_string)) else {
        return Err(Failure::skip("subscriptions need the app id and secret"));
    };
    let Some(page) = ctx.page_id().map(str::to_string) else {
        return Err(Failure::skip("installing the app needs the account's Page"));
    };
    let ig = ctx.ig_user_id().to_string();
    let rx = Receiver::start(VERIFY_TOKEN, Mode::Up)
        .map_err(|e| Failure::new(Check::Transport, format!("cannot bind a loopback receiver: {e}")))?;
    let app_client = ctx.client().without_token().with_token(&format!("{app}|{secret}"));
    let subscriptions = format!("{app}/subscriptions");

    ctx.step("subscribe the app to instagram comments and mentions");
    let cleanup_client = app_client.clone();
    let path = subscriptions.clone();
    ctx.on_cleanup("delete the app's instagram subscription", move |_| {
        let r = cleanup_client.delete(&path, &[("object", "instagram")]);
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
        .call_as(&app_client, |c| {
            c.post(
                &subscriptions,
                &[
                    ("object", "instagram"),
                    ("callback_url", &rx.url()),
                    ("fields", "comments,mentions"),
                    ("verify_token", VERIFY_TOKEN),
                ],
            )
        })
        .ok("success_response")?;
    expect(ok["success"] == true, || format!("subscribe answered {ok}"))?;

    ctx.step("the callback got the verification request");
    let gets = rx.received("GET");
    expect(gets.len() == 1, || {
        format!("{} verification requests, expected 1", gets.len())
    })?;
    let g = &gets[0];
    expect(
        g.query("hub.mode").as_deref() == Some("subscribe")
            && g.query("hub.verify_token").as_deref() == Some(VERIFY_TOKEN)
            && g.query("hub.challenge").is_some_and(|c| !c.is_empty()),
        || format!("verification request {}", g.target),
    )?;

    ctx.step("the subscription is listed");
    let list = ctx
        .call_as(&app_client, |c| c.get(&subscriptions, &[]))
        .ok("app_subscriptions")?;
    let sub = data(&list)?
        .iter()
        .find(|s| s["object"] == "instagram")
        .cloned()
        .ok_or_else(|| Failure::new(Check::Behaviour, format!("no instagram subscription in {list}")))?;
    expect(
        sub["callback_url"] == rx.url().as_str() && sub["active"] == true,
        || format!("subscription {sub}"),
    )?;
    let names: Vec<&str> = sub["fields"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["name"].as_str()).collect())
        .unwrap_or_default();
    expect(names == ["comments", "mentions"], || {
        format!("subscribed fields {}", sub["fields"])
    })?;

    ctx.step("install the app on the Page with its Page token");
    let accounts = ctx.get("me/accounts", &[]).ok("me_accounts")?;
    let token = data(&accounts)?
        .iter()
        .find(|p| p["id"] == page.as_str())
        .and_then(|p| p["access_token"].as_str())
        .map(str::to_string)
        .ok_or_else(|| Failure::new(Check::Field, format!("no access_token for Page {page} in me/accounts")))?;
    ctx.secret(&token);
    let page_client = ctx.client().without_token().with_token(&token);
    let installed = format!("{page}/subscribed_apps");
    let (pc, path) = (page_client.clone(), installed.clone());
    ctx.on_cleanup("remove the app from the Page", move |_| {
        let r = pc.delete(&path, &[]);
        if r.status == 200 {
            Ok(())
        } else {
            Err(Failure::new(
                Check::Status,
                format!("DELETE {path} -> {}: {}", r.status, r.text),
            ))
        }
    });
    ctx.call_as(&page_client, |c| c.post(&installed, &[("subscribed_fields", "feed")]))
        .ok("success_response")?;
    let apps = ctx
        .call_as(&page_client, |c| c.get(&installed, &[]))
        .ok("page_subscribed_apps")?;
    expect(data(&apps)?.iter().any(|a| a["id"] == app.as_str()), || {
        format!("app {app} not in {apps}")
    })?;

    ctx.step("find a feed photo and a reel that take comments");
    let media = ctx
        .get(
            &format!("{ig}/media"),
            &[
                ("fields", "media_product_type,media_type,is_comment_enabled"),
                ("limit", "100"),
            ],
        )
        .ok("ig_media_list")?;
    let find = |product: &str, kind: &str| -> Result<String, Failure> {
        data(&media)?
            .iter()
            .find(|m| m["media_product_type"] == product && m["media_type"] == kind && m["is_comment_enabled"] == true)
            .map(id_of)
            .transpose()?
            .ok_or_else(|| Failure::new(Check::Behaviour, format!("no {product} {kind} that takes comments")))
    };
    let post = find("FEED", "IMAGE")?;
    let reel = find("REELS", "VIDEO")?;

    // Production delivers comments on Reels too, with media_product_type REELS (2026
    // captures), and aggregates changes into one POST (facts §6.2, §9 "Webhooks").
    ctx.step("igsim events: someone comments on the photo and on the reel; flush the queue");
    let mut comments = Vec::new();
    for media in [&post, &reel] {
        let ev = control_post(
            ctx,
            "events/comment",
            &json!({ "media_id": media, "text": COMMENT_TEXT, "from_username": COMMENTER }),
            "sim_event",
        )?;
        comments.push((id_of(&ev)?, media.clone()));
    }
    control_post(ctx, "webhooks/flush", &json!({}), "sim_webhook_flush")?;

    ctx.step("the deliveries are signed and carry both comments, read from every entry");
    let posts = rx.received("POST");
    expect(!posts.is_empty(), || "no delivery".into())?;
    let mut values = Vec::new();
    for d in &posts {
        expect(rx.url().ends_with(d.target.as_str()), || {
            format!("delivered to {}", d.target)
        })?;
        expect(
            d.header("content-type")
                .is_some_and(|c| c.starts_with("application/json")),
            || format!("content-type {:?}", d.header("content-type")),
        )?;
        let want = format!("sha256={}", hmac_sha256_hex(&secret, &d.body)?);
        expect(d.header("x-hub-signature-256") == Some(want.as_str()), || {
            format!(
                "X-Hub-Signature-256 {:?} is not the HMAC-SHA256 of the body keyed by the app secret",
                d.header("x-hub-signature-256")
            )
        })?;
        let payload: Value = serde_json::from_slice(&d.body)
            .map_err(|e| Failure::new(Check::Schema, format!("the delivery is not JSON: {e}")))?;
        schema_check("webhook", &payload)?;
        schema_check("webhook_comments", &payload)?;
        expect(payload["object"] == "instagram", || {
            format!("object {}", payload["object"])
        })?;
        for entry in payload["entry"].as_array().into_iter().flatten() {
            expect(entry["id"] == ig.as_str(), || format!("an entry for {}", entry["id"]))?;
            for change in entry["changes"].as_array().into_iter().flatten() {
                expect(change["field"] == "comments", || format!("field {}", change["field"]))?;
                values.push(change["value"].clone());
            }
        }
    }
    expect(values.len() == comments.len(), || {
        format!(
            "{} comment changes for {} comments: {values:?}",
            values.len(),
            comments.len()
        )
    })?;
    for ((comment, media), product) in comments.iter().zip(["FEED", "REELS"]) {
        let value = values
            .iter()
            .find(|v| v["id"] == comment.as_str())
            .ok_or_else(|| Failure::new(Check::Behaviour, format!("comment {comment} was not delivered")))?;
        expect(value["text"] == COMMENT_TEXT, || format!("comment value {value}"))?;
        expect(
            value["media"]["id"] == media.as_str() && value["media"]["media_product_type"] == product,
            || format!("on media {}, expected {media} ({product})", value["media"]),
        )?;
        expect(str_field(&value["from"], "username")? == COMMENTER, || {
            format!("from {}", value["from"])
        })?;
    }
    let comment = comments[0].0.clone();

    ctx.step("the comment is visible through the API");
    let c = ctx.get(&comment, &[("fields", "text,username")]).ok("ig_comment")?;
    expect(c["text"] == COMMENT_TEXT && c["username"] == COMMENTER, || {
        format!("comment {comment} reads {c}")
    })?;
    Ok(())
}
