//! Instagram API with Instagram Login (`graph.instagram.com`, Business Login for Instagram):
//! the account as `/me`, the Facebook-Login-only endpoints, the token lifecycle and the main
//! flows with an Instagram User token; Facebook Login's code exchange beside it. Facts and
//! sources: `specs/README.md`, "Instagram Login facts".
//!
//! Live: `IG_LOGIN_ACCESS_TOKEN` (an Instagram User token), optionally `IG_LOGIN_GRAPH_URL`
//! (default `https://graph.instagram.com`); scenarios skip when the token is absent.

use crate::client::Client;
use crate::scenario::{expect, require_fields, str_field, Call, Check, Ctx, Failure, Need, Scenario};
use crate::scenarios::support::{advance, control_post, live_env};
use serde_json::{json, Value};

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "ig_login_me",
        area: "instagram_login",
        about: "GET /me with an Instagram User token: the account (id, user_id, username, account_type) and its media (reference `me`)",
        needs: &[],
        run: me,
    },
    Scenario {
        name: "ig_login_facebook_only_endpoints",
        area: "instagram_login",
        about: "Hashtag search and Business Discovery do not exist with Instagram Login: IGApiException (GH:in2code-de/instagram#25)",
        needs: &[],
        run: facebook_only,
    },
    Scenario {
        name: "ig_login_token_lifecycle",
        area: "instagram_login",
        about: "Code exchange (one use), ig_exchange_token (60 days), ig_refresh_token only after 24 h (references access_token, refresh_access_token)",
        needs: &[Need::ControlPlane],
        run: token_lifecycle,
    },
    Scenario {
        name: "ig_login_publish_moderate_insights",
        area: "instagram_login",
        about: "Publish, moderate comments and read insights with an Instagram User token; the post is visible through Facebook Login too",
        needs: &[Need::ControlPlane],
        run: publish_moderate_insights,
    },
    Scenario {
        name: "facebook_login_code_exchange",
        area: "instagram_login",
        about: "Facebook Login's GET /oauth/access_token?code=: one use, bound to redirect_uri (manual-flow guide)",
        needs: &[Need::ControlPlane],
        run: facebook_code_exchange,
    },
];

/// The redirect URI scenarios use for headless codes (a loopback URI: allowed by default).
const REDIRECT_URI: &str = "http://127.0.0.1:9/igconform/callback";

const IG_LOGIN_URL: &str = "https://graph.instagram.com";

/// The Instagram Login client: the seeded metricsaurus login on igsim, the
/// `IG_LOGIN_ACCESS_TOKEN` on live.
fn ig_client(ctx: &Ctx) -> Result<Client, Failure> {
    let (base, token) = match ctx.sandbox() {
        Ok(sb) => {
            let token = sb.info["instagram_logins"]
                .as_array()
                .and_then(|ls| ls.iter().find(|l| l["id"] == ctx.ig_user_id()))
                .and_then(|l| l["access_token"].as_str())
                .ok_or_else(|| {
                    Failure::new(
                        Check::Field,
                        "the sandbox lists no Instagram Login token for the account",
                    )
                })?;
            (sb.base_url.clone(), token.to_string())
        }
        Err(_) => {
            let token = live_env(ctx, "IG_LOGIN_ACCESS_TOKEN")
                .ok_or_else(|| Failure::skip("needs an Instagram User token (IG_LOGIN_ACCESS_TOKEN)"))?;
            let base = live_env(ctx, "IG_LOGIN_GRAPH_URL").unwrap_or_else(|| IG_LOGIN_URL.to_string());
            (base, token)
        }
    };
    ctx.secret(&token);
    Ok(Client::new(&base)
        .with_version(&ctx.client().version)
        .with_token(&token))
}

fn me(ctx: &mut Ctx) -> Result<(), Failure> {
    let c = ig_client(ctx)?;
    ctx.step("read the account as /me");
    let body = ctx
        .call_as(&c, |c| {
            c.get("me", &[("fields", "id,user_id,username,account_type,media_count")])
        })
        .ok("ig_user")?;
    require_fields(&body, &["id", "user_id", "username"])?;
    if ctx.is_simulator() {
        expect(body["user_id"] == ctx.ig_user_id(), || {
            format!("/me is not the account: {body}")
        })?;
    }
    ctx.step("its media");
    let page = ctx
        .call_as(&c, |c| c.get("me/media", &[("fields", "id,timestamp"), ("limit", "5")]))
        .ok("ig_media_list")?;
    for m in crate::scenario::data(&page)? {
        require_fields(m, &["id", "timestamp"])?;
    }
    Ok(())
}

fn facebook_only(ctx: &mut Ctx) -> Result<(), Failure> {
    let c = ig_client(ctx)?;
    ctx.step("hashtag search is not served");
    let user = ctx
        .call_as(&c, |c| c.get("me", &[("fields", "user_id")]))
        .ok("ig_user")?;
    let user_id = str_field(&user, "user_id")?.to_string();
    let call = ctx.call_as(&c, |c| {
        c.get("ig_hashtag_search", &[("user_id", &user_id), ("q", "coffee")])
    });
    let e = call.error(100, None)?;
    expect(e["type"] == "IGApiException", || {
        format!("expected IGApiException: {e}")
    })?;
    ctx.step("business_discovery is not a field here");
    ctx.call_as(&c, |c| {
        c.get("me", &[("fields", "business_discovery.username(instagram){id}")])
    })
    .error(100, None)?;
    Ok(())
}

fn code(ctx: &Ctx, flavour: &str, who: (&str, &str), scopes: &[&str]) -> Result<String, Failure> {
    let body = control_post(
        ctx,
        "login/code",
        &json!({ "flavour": flavour, who.0: who.1, "scopes": scopes, "redirect_uri": REDIRECT_URI }),
        "sim_login_code",
    )?;
    Ok(str_field(&body, "code")?.to_string())
}

fn token_lifecycle(ctx: &mut Ctx) -> Result<(), Failure> {
    let sb = ctx.sandbox()?.clone();
    let (app, secret) = (sb.app_id(), sb.app_secret());
    let bare = Client::new(&sb.base_url).with_version("");
    ctx.step("a code for the account");
    let code = code(
        ctx,
        "instagram",
        ("account", "metricsaurus"),
        &["instagram_business_basic"],
    )?;
    let exchange = |ctx: &Ctx| -> Call {
        ctx.call_as(&bare, |c| {
            c.post(
                "oauth/access_token",
                &[
                    ("client_id", &app),
                    ("client_secret", &secret),
                    ("grant_type", "authorization_code"),
                    ("redirect_uri", REDIRECT_URI),
                    ("code", &code),
                ],
            )
        })
    };
    ctx.step("exchange it for a short-lived token");
    let grant = exchange(ctx).ok("ig_login_code_exchange")?;
    let short = str_field(&grant, "access_token")?.to_string();
    ctx.secret(&short);
    ctx.step("the code is spent");
    let again = exchange(ctx);
    let body = again.schema("ig_login_oauth_error")?;
    expect(body["error_message"] == "This authorization code has been used", || {
        format!("{body}")
    })?;
    ctx.step("a 60-day token");
    let long = ctx
        .call_as(&bare, |c| {
            c.get(
                "access_token",
                &[
                    ("grant_type", "ig_exchange_token"),
                    ("client_secret", &secret),
                    ("access_token", &short),
                ],
            )
        })
        .ok("oauth_access_token")?;
    let long = str_field(&long, "access_token")?.to_string();
    ctx.secret(&long);
    let refresh = |ctx: &Ctx| {
        ctx.call_as(&bare, |c| {
            c.get(
                "refresh_access_token",
                &[("grant_type", "ig_refresh_token"), ("access_token", &long)],
            )
        })
    };
    ctx.step("refresh is refused before 24 hours");
    refresh(ctx).error(100, None)?;
    ctx.step("and granted after");
    advance(ctx, 24 * 3600)?;
    let fresh = refresh(ctx).ok("oauth_access_token")?;
    expect(fresh["expires_in"].as_i64() == Some(60 * 24 * 3600), || {
        format!("{fresh}")
    })?;
    Ok(())
}

fn publish_moderate_insights(ctx: &mut Ctx) -> Result<(), Failure> {
    let c = ig_client(ctx)?;
    ctx.step("create and publish an image");
    let container = ctx
        .call_as(&c, |c| {
            c.post(
                "me/media",
                &[
                    ("image_url", "https://example.com/igconform.jpg"),
                    ("caption", "igconform"),
                ],
            )
        })
        .ok("id_response")?;
    let container = str_field(&container, "id")?.to_string();
    let media = ctx
        .call_as(&c, |c| c.post("me/media_publish", &[("creation_id", &container)]))
        .ok("id_response")?;
    let media = str_field(&media, "id")?.to_string();
    ctx.step("the post through Facebook Login");
    let ig = ctx.ig_user_id().to_string();
    let list = ctx.get(&format!("{ig}/media"), &[("limit", "1")]).ok("ig_media_list")?;
    expect(list["data"][0]["id"] == media.as_str(), || {
        format!("not the newest post: {list}")
    })?;
    ctx.step("someone comments; the account replies, hides and deletes");
    control_post(
        ctx,
        "events/comment",
        &json!({ "media_id": media, "text": "igconform comment", "from_username": "ana.lopez" }),
        "sim_event",
    )?;
    let comments = ctx
        .call_as(&c, |c| c.get(&format!("{media}/comments"), &[]))
        .ok("ig_comment_list")?;
    let comment = str_field(&comments["data"][0], "id")?.to_string();
    ctx.call_as(&c, |c| c.post(&format!("{comment}/replies"), &[("message", "thanks")]))
        .ok("id_response")?;
    ctx.call_as(&c, |c| c.post(&comment, &[("hide", "true")]))
        .ok("success_response")?;
    ctx.call_as(&c, |c| c.delete(&comment, &[])).ok("success_response")?;
    ctx.step("insights");
    ctx.call_as(&c, |c| c.get("me/insights", &[("metric", "reach"), ("period", "day")]))
        .ok("user_insights")?;
    ctx.call_as(&c, |c| c.get(&format!("{media}/insights"), &[("metric", "reach")]))
        .ok("media_insights")?;
    Ok(())
}

fn facebook_code_exchange(ctx: &mut Ctx) -> Result<(), Failure> {
    let sb = ctx.sandbox()?.clone();
    let (app, secret) = (sb.app_id(), sb.app_secret());
    let bare = Client::new(&sb.base_url);
    ctx.step("a code for a Facebook user");
    let code = code(
        ctx,
        "facebook",
        ("user", "Dana Admin"),
        &["instagram_basic", "pages_show_list"],
    )?;
    let exchange = |ctx: &Ctx, redirect: &str| -> Call {
        ctx.call_as(&bare, |c| {
            c.get(
                "oauth/access_token",
                &[
                    ("client_id", &app),
                    ("client_secret", &secret),
                    ("redirect_uri", redirect),
                    ("code", &code),
                ],
            )
        })
    };
    ctx.step("another redirect_uri is refused");
    exchange(ctx, "http://127.0.0.1:9/elsewhere").error(100, Some(36008))?;
    ctx.step("the exchange");
    let token: Value = exchange(ctx, REDIRECT_URI).ok("oauth_access_token")?;
    ctx.secret(str_field(&token, "access_token")?);
    ctx.step("the code is spent");
    exchange(ctx, REDIRECT_URI).error(100, Some(36009))?;
    Ok(())
}
