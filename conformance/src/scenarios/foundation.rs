//! Foundation flows: Getting Started, the IG User and IG Media nodes and their read edges,
//! paging, field expansion, `ids=`, error envelopes and the token endpoints (facts §1, §3,
//! §4.1, §4.2, §7; guide "Getting Started"). Read-only: they run on live as they are.

use crate::scenario::{data, envelope_keys, expect, require_fields, str_field, Call, Check, Ctx, Failure, Scenario};
use serde_json::Value;
use simulator::version::ApiVersion;
use std::collections::BTreeSet;

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "getting_started",
        area: "foundation",
        about: "Getting Started steps 4-6: me/accounts -> Page -> instagram_business_account -> media",
        needs: &[],
        run: getting_started,
    },
    Scenario {
        name: "ig_user_fields",
        area: "foundation",
        about: "IG User node fields (facts §4.1): types, presence, defaults",
        needs: &[],
        run: ig_user_fields,
    },
    Scenario {
        name: "media_node_and_edges",
        area: "foundation",
        about: "IG Media node, children, stories and live_media edges (facts §4.2, §3.3)",
        needs: &[],
        run: media_node_and_edges,
    },
    Scenario {
        name: "paging_walk",
        area: "foundation",
        about: "cursor paging on /media: next visits every item once, newest first; previous steps back (facts §3.3)",
        needs: &[],
        run: paging_walk,
    },
    Scenario {
        name: "field_expansion",
        area: "foundation",
        about: "fields=media.limit(n){...,children{...}} and its nested paging (facts §3.2)",
        needs: &[],
        run: field_expansion,
    },
    Scenario {
        name: "multi_id_read",
        area: "foundation",
        about: "GET /?ids=a,b reads several nodes keyed by id (facts §3.4)",
        needs: &[],
        run: multi_id_read,
    },
    Scenario {
        name: "error_envelopes",
        area: "foundation",
        about: "error envelopes: bad token 190, unknown field 100, unknown object 100/33, no token 2500 (facts §1)",
        needs: &[],
        run: error_envelopes,
    },
    Scenario {
        name: "usage_headers",
        area: "foundation",
        about: "rate-limit headers: one of X-App-Usage or X-Business-Use-Case-Usage per answer; Instagram entries keyed by the owning business, Page reads typed pages (facts §2, §9)",
        needs: &[],
        run: usage_headers,
    },
    Scenario {
        name: "debug_token",
        area: "foundation",
        about: "GET /debug_token for a valid and an invalid token (facts §7)",
        needs: &[],
        run: debug_token,
    },
    Scenario {
        name: "token_exchange",
        area: "foundation",
        about: "GET /oauth/access_token: long-lived token exchange and a wrong secret (facts §7)",
        needs: &[],
        run: token_exchange,
    },
];

/// Every documented IG User field this harness reads (facts §4.1).
pub const IG_USER_FIELDS: &str =
    "biography,id,ig_id,followers_count,follows_count,media_count,name,profile_picture_url,username,website";

/// Every documented IG Media field readable on a post (facts §4.2).
pub const MEDIA_FIELDS: &str = "caption,comments_count,id,ig_id,is_comment_enabled,like_count,media_product_type,media_type,media_url,owner,permalink,shortcode,thumbnail_url,timestamp,username";

fn getting_started(ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.step("list the Pages the user can work on");
    let accounts = ctx.get("me/accounts", &[]).ok("me_accounts")?;
    let pages: Vec<String> = data(&accounts)?
        .iter()
        .map(|p| str_field(p, "id").map(str::to_string))
        .collect::<Result<_, _>>()?;
    expect(!pages.is_empty(), || "me/accounts lists no Page".into())?;
    for p in data(&accounts)? {
        require_fields(p, &["id", "name", "tasks"])?;
    }

    ctx.step("read the Page's instagram_business_account");
    let ig = ctx.ig_user_id().to_string();
    let candidates: Vec<String> = match ctx.page_id() {
        Some(p) => vec![p.to_string()],
        None => pages.clone(),
    };
    let mut found = None;
    for page in &candidates {
        let call = ctx.get(page, &[("fields", "instagram_business_account")]);
        let body = call.ok("page")?;
        if body.pointer("/instagram_business_account/id").and_then(Value::as_str) == Some(ig.as_str()) {
            found = Some(page.clone());
            break;
        }
    }
    let Some(page) = found else {
        return Err(Failure::new(
            Check::Behaviour,
            format!("no Page of the user links IG user {ig} as instagram_business_account"),
        ));
    };
    expect(pages.contains(&page), || {
        format!("Page {page} is not listed in me/accounts")
    })?;

    // The account-discovery call most publishers make: a reference field expands with the IG
    // User's own fields, and an unknown sub-field fails the whole request (facts §9
    // "Reference fields expand", GH:getopenpost/openpost#218).
    ctx.step("expand instagram_business_account inside me/accounts");
    let accounts = ctx
        .get(
            "me/accounts",
            &[("fields", "name,instagram_business_account{id,username,followers_count}")],
        )
        .ok("me_accounts")?;
    let entry = data(&accounts)?
        .iter()
        .find(|p| p.pointer("/instagram_business_account/id").and_then(Value::as_str) == Some(ig.as_str()))
        .ok_or_else(|| Failure::new(Check::Behaviour, format!("no me/accounts entry expands IG user {ig}")))?;
    require_fields(
        &entry["instagram_business_account"],
        &["id", "username", "followers_count"],
    )?;
    ctx.step("an unknown field inside the reference fails the request");
    let e = ctx
        .get(
            "me/accounts",
            &[("fields", "instagram_business_account{id,no_such_field}")],
        )
        .error(100, None)?;
    expect(
        e["message"] == "(#100) Tried accessing nonexisting field (no_such_field) on node type (IGUser)",
        || format!("unknown nested field: {}", e["message"]),
    )?;

    ctx.step("get the IG user's media");
    let call = ctx.get(&format!("{ig}/media"), &[]);
    let media = call.ok("ig_media_list")?;
    // The header names the version that served the call: the one asked for, or, for an
    // expired version, a newer one (Platform Versioning guide: calls to an expired version
    // are served by the oldest available one); unversioned calls get the app's version.
    let asked = ApiVersion::parse(&ctx.client().version);
    let served = call.resp.header("facebook-api-version").and_then(ApiVersion::parse);
    expect(served.is_some_and(|s| asked.is_none_or(|a| s >= a)), || {
        format!(
            "facebook-api-version header {:?}, asked for {:?}",
            call.resp.header("facebook-api-version"),
            ctx.client().version
        )
    })?;
    for m in data(&media)? {
        let keys: Vec<&String> = m.as_object().map(|o| o.keys().collect()).unwrap_or_default();
        expect(keys == ["id"], || {
            format!("default media fields should be just id, got {m}")
        })?;
    }
    Ok(())
}

fn ig_user_fields(ctx: &mut Ctx) -> Result<(), Failure> {
    let ig = ctx.ig_user_id().to_string();
    ctx.step("read every documented field");
    let user = ctx.get(&ig, &[("fields", IG_USER_FIELDS)]).ok("ig_user")?;
    require_fields(
        &user,
        &[
            "id",
            "username",
            "followers_count",
            "follows_count",
            "media_count",
            "ig_id",
        ],
    )?;
    expect(user["id"] == ig.as_str(), || {
        format!("asked for {ig}, got {}", user["id"])
    })?;
    expect(!str_field(&user, "username")?.is_empty(), || "empty username".into())?;

    ctx.step("read with no fields");
    let bare = ctx.get(&ig, &[]).ok("ig_user")?;
    expect(bare["id"] == ig.as_str(), || {
        format!("default read of {ig} returned {bare}")
    })?;

    ctx.step("fields are returned in the order asked, id always");
    let two = ctx.get(&ig, &[("fields", "username,followers_count")]).ok("ig_user")?;
    require_fields(&two, &["id", "username", "followers_count"])?;
    expect(two.get("media_count").is_none(), || {
        "a field that was not asked for came back".into()
    })?;
    Ok(())
}

fn media_node_and_edges(ctx: &mut Ctx) -> Result<(), Failure> {
    let ig = ctx.ig_user_id().to_string();
    ctx.step("list media with their types");
    let list = ctx
        .get(
            &format!("{ig}/media"),
            &[("fields", "media_type,media_product_type"), ("limit", "50")],
        )
        .ok("ig_media_list")?;
    let items = data(&list)?;
    let Some(first) = items.first() else {
        ctx.note("the account has no media: media node not checked");
        return Ok(());
    };

    ctx.step("read a media node with every field");
    let id = str_field(first, "id")?.to_string();
    let m = ctx.get(&id, &[("fields", MEDIA_FIELDS)]).ok("ig_media")?;
    require_fields(
        &m,
        &[
            "id",
            "media_type",
            "media_product_type",
            "permalink",
            "shortcode",
            "timestamp",
            "username",
        ],
    )?;
    expect(m["media_type"] == first["media_type"], || {
        format!(
            "media_type {} on the node, {} on the edge",
            m["media_type"], first["media_type"]
        )
    })?;
    if let Some(owner) = m.get("owner") {
        expect(owner["id"] == ig.as_str(), || format!("owner {owner} is not {ig}"))?;
    }

    ctx.step("read an album's children");
    match items.iter().find(|m| m["media_type"] == "CAROUSEL_ALBUM") {
        None => ctx.note("no CAROUSEL_ALBUM in the newest 50 media: children not checked"),
        Some(album) => {
            let album = str_field(album, "id")?.to_string();
            let children = ctx
                .get(
                    &format!("{album}/children"),
                    &[("fields", "id,media_type,media_url,timestamp")],
                )
                .ok("ig_children")?;
            let kids = data(&children)?;
            expect(!kids.is_empty(), || format!("album {album} has no children"))?;
            for k in kids {
                require_fields(k, &["id", "media_type", "timestamp"])?;
                expect(k["media_type"] == "IMAGE" || k["media_type"] == "VIDEO", || {
                    format!("album child of type {}", k["media_type"])
                })?;
            }
            let child = str_field(&kids[0], "id")?.to_string();
            ctx.get(&child, &[("fields", "id,media_type,media_url,timestamp,shortcode")])
                .ok("ig_media")?;
        }
    }

    ctx.step("list stories");
    let stories = ctx
        .get(&format!("{ig}/stories"), &[("fields", "media_type,media_product_type")])
        .ok("ig_stories")?;
    for s in data(&stories)? {
        expect(s["media_product_type"] == "STORY", || {
            format!("a story with media_product_type {}", s["media_product_type"])
        })?;
    }

    ctx.step("list live media");
    ctx.get(&format!("{ig}/live_media"), &[]).ok("ig_live_media")?;
    Ok(())
}

/// More than this many media and the walk stops early (live accounts can be large).
const MAX_WALK_PAGES: usize = 40;
const WALK_LIMIT: &str = "7";

fn paging_walk(ctx: &mut Ctx) -> Result<(), Failure> {
    let ig = ctx.ig_user_id().to_string();
    ctx.step("count media");
    let user = ctx.get(&ig, &[("fields", "media_count")]).ok("ig_user")?;
    let count = user["media_count"].as_u64().unwrap_or(0) as usize;
    let reachable = count.min(10_000);

    ctx.step("walk /media through paging.next");
    let first = ctx.get(
        &format!("{ig}/media"),
        &[("fields", "timestamp"), ("limit", WALK_LIMIT)],
    );
    let limit: usize = WALK_LIMIT.parse().unwrap_or(7);
    if reachable.div_ceil(limit) > MAX_WALK_PAGES {
        ctx.note(format!("{count} media: walked only the first {MAX_WALK_PAGES} pages"));
        let body = first.ok("ig_media_list")?;
        expect(data(&body)?.len() == limit, || {
            format!("a full first page should have {limit} items")
        })?;
        return Ok(());
    }
    let items = ctx.walk(first, "ig_media_list", MAX_WALK_PAGES + 1)?;
    if items.len() != reachable {
        return Err(Failure::new(
            Check::Paging,
            format!("walking next visited {} media, media_count says {count}", items.len()),
        ));
    }
    let stamps: Vec<&str> = items.iter().filter_map(|m| m["timestamp"].as_str()).collect();
    expect(stamps.windows(2).all(|w| w[0] >= w[1]), || {
        "media are not newest first".into()
    })?;

    if items.len() > limit {
        ctx.step("step back with paging.previous");
        let p1 = ctx
            .get(&format!("{ig}/media"), &[("limit", WALK_LIMIT)])
            .ok("ig_media_list")?;
        let next = p1
            .pointer("/paging/next")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let p2 = ctx.get_url(&next).ok("ig_media_list")?;
        let Some(prev) = p2.pointer("/paging/previous").and_then(Value::as_str) else {
            return Err(Failure::new(Check::Paging, "the second page has no paging.previous"));
        };
        let back = ctx.get_url(prev).ok("ig_media_list")?;
        let ids = |b: &Value| -> Vec<String> {
            b["data"]
                .as_array()
                .map(|a| a.iter().filter_map(|m| m["id"].as_str().map(str::to_string)).collect())
                .unwrap_or_default()
        };
        if ids(&back) != ids(&p1) {
            return Err(Failure::new(Check::Paging, "paging.previous of page 2 is not page 1"));
        }

        ctx.step("walk with the after cursor by hand");
        let after = p1
            .pointer("/paging/cursors/after")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let by_cursor = ctx
            .get(&format!("{ig}/media"), &[("limit", WALK_LIMIT), ("after", &after)])
            .ok("ig_media_list")?;
        if ids(&by_cursor) != ids(&p2) {
            return Err(Failure::new(
                Check::Paging,
                "after=<cursors.after> is not the same page as paging.next",
            ));
        }
    }
    Ok(())
}

fn field_expansion(ctx: &mut Ctx) -> Result<(), Failure> {
    let ig = ctx.ig_user_id().to_string();
    ctx.step("expand media with nested children");
    let user = ctx
        .get(
            &ig,
            &[(
                "fields",
                "username,media_count,media.limit(3){id,media_type,timestamp,children{media_type}}",
            )],
        )
        .ok("ig_user")?;
    require_fields(&user, &["username", "media_count", "media"])?;
    let count = user["media_count"].as_u64().unwrap_or(0) as usize;
    let media = &user["media"];
    let items = data(media)?;
    expect(items.len() == count.min(3), || {
        format!("media.limit(3) gave {} items of {count}", items.len())
    })?;
    for m in items {
        require_fields(m, &["id", "media_type", "timestamp"])?;
        if m["media_type"] == "CAROUSEL_ALBUM" {
            require_fields(m, &["children"])?;
            for c in data(&m["children"])? {
                require_fields(c, &["id", "media_type"])?;
            }
        }
    }

    if let Some(next) = media.pointer("/paging/next").and_then(Value::as_str) {
        ctx.step("follow the expansion's paging.next");
        let first: BTreeSet<&str> = items.iter().filter_map(|m| m["id"].as_str()).collect();
        let page = ctx.get_url(next).ok("ig_media_list")?;
        for m in data(&page)? {
            require_fields(m, &["id", "media_type", "timestamp"])?;
            let id = str_field(m, "id")?;
            if first.contains(id) {
                return Err(Failure::new(
                    Check::Paging,
                    format!("media {id} repeats on the expansion's next page"),
                ));
            }
        }
    } else if count > 3 {
        return Err(Failure::new(
            Check::Paging,
            "media.limit(3) of more than 3 media has no paging.next",
        ));
    }
    Ok(())
}

fn multi_id_read(ctx: &mut Ctx) -> Result<(), Failure> {
    let ig = ctx.ig_user_id().to_string();
    ctx.step("find a media id");
    let list = ctx.get(&format!("{ig}/media"), &[("limit", "1")]).ok("ig_media_list")?;
    let mut ids = vec![ig.clone()];
    if let Some(m) = data(&list)?.first() {
        ids.push(str_field(m, "id")?.to_string());
    }
    ctx.step("read them with ids=");
    let joined = ids.join(",");
    let body = ctx.get("", &[("ids", &joined), ("fields", "id")]).ok("multi_read")?;
    let keys: BTreeSet<&str> = body
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let want: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
    expect(keys == want, || format!("ids={joined} returned keys {keys:?}"))?;
    for id in &ids {
        expect(body[id]["id"] == id.as_str(), || format!("{id} keyed to {}", body[id]))?;
    }
    Ok(())
}

/// An id no account can read: 100/33 whether it is missing or hidden (facts §1.3, §7 note 3).
pub const UNKNOWN_ID: &str = "17841400000000001";

fn error_envelopes(ctx: &mut Ctx) -> Result<(), Failure> {
    let ig = ctx.ig_user_id().to_string();
    ctx.step("a token that cannot be parsed");
    let bare = ctx.client().without_token();
    let call = ctx.call_as(&bare, |c| c.get("me", &[("access_token", "garbage!")]));
    let e = call.error(190, None)?;
    expect(e["type"] == "OAuthException", || format!("190 typed {}", e["type"]))?;
    // Production: HTTP 400, no is_transient, WWW-Authenticate "invalid_token" (issue 10).
    call.envelope(400, envelope_keys::GRAPH)?;
    www_authenticate(&call, "invalid_token")?;

    ctx.step("no token at all");
    let call = ctx.call_as(&bare, |c| c.get("me", &[]));
    call.error(2500, None)?;
    call.envelope(400, envelope_keys::GRAPH)?;
    www_authenticate(&call, "invalid_request")?;

    ctx.step("an unknown field");
    let call = ctx.get(&ig, &[("fields", "username,not_a_field_xyz")]);
    let e = call.error(100, None)?;
    let msg = e["message"].as_str().unwrap_or("");
    expect(msg.contains("nonexisting field (not_a_field_xyz)"), || {
        format!("the message does not name the field: {msg}")
    })?;
    call.envelope(400, envelope_keys::GRAPH)?;

    ctx.step("an object that does not exist");
    let call = ctx.get(UNKNOWN_ID, &[]);
    let e = call.error(100, Some(33))?;
    let msg = e["message"].as_str().unwrap_or("");
    expect(msg.starts_with("Unsupported get request."), || {
        format!("unexpected 100/33 text: {msg}")
    })?;
    call.envelope(400, envelope_keys::GRAPH_SUBCODE)?;

    // A token without instagram_manage_comments: (#10), HTTP 400, no is_transient (2026
    // capture, issue 10). Needs a second user: the simulator's Morgan Publisher.
    if let Some(token) = ctx.sandbox().ok().map(|sb| sb.user_token("Morgan Publisher")) {
        ctx.step("a token without the permission the edge needs");
        ctx.secret(&token);
        let morgan = ctx.client().with_token(&token);
        let media = ctx.get(&format!("{ig}/media"), &[("limit", "1")]).ok("ig_media_list")?["data"][0]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let call = ctx.call_as(&morgan, |c| c.get(&format!("{media}/comments"), &[]));
        call.error(10, None)?;
        call.envelope(400, envelope_keys::GRAPH)?;
    }
    Ok(())
}

/// A usage header of `call`, parsed and checked against its schema (`x_app_usage`,
/// `x_business_use_case_usage`); `None` when the answer does not carry it.
fn usage_header(call: &Call, header: &str, schema: &str) -> Result<Option<Value>, Failure> {
    let Some(raw) = call.resp.header(header) else {
        return Ok(None);
    };
    let v: Value = serde_json::from_str(raw)
        .map_err(|e| Failure::new(Check::Schema, format!("{header} is not JSON ({e}): {raw}")))?;
    crate::schemas::validate(schema, &v)
        .map_err(|e| Failure::new(Check::Schema, format!("{header} {raw}: {}", e.join("; "))))?;
    Ok(Some(v))
}

/// Production sends one usage header per answer (v25.0 capture, 2026-09; facts §9): the BUC
/// one on Instagram calls and Page reads, `X-App-Usage` elsewhere.
fn usage_headers(ctx: &mut Ctx) -> Result<(), Failure> {
    let ig = ctx.ig_user_id().to_string();
    ctx.step("an Instagram call carries X-Business-Use-Case-Usage only");
    let call = ctx.get(&format!("{ig}/media"), &[("limit", "1")]);
    call.ok("ig_media_list")?;
    expect(call.resp.header("x-app-usage").is_none(), || {
        "an Instagram call also carries X-App-Usage".to_string()
    })?;
    let buc = usage_header(&call, "x-business-use-case-usage", "x_business_use_case_usage")?
        .ok_or_else(|| Failure::new(Check::Field, "no X-Business-Use-Case-Usage on an Instagram call"))?;
    let keys: Vec<String> = buc.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
    expect(!keys.contains(&ig), || {
        format!("the BUC header is keyed by the IG user id {ig}, not its business: {buc}")
    })?;
    expect(
        buc.as_object().is_some_and(|o| {
            o.values()
                .flat_map(|v| v.as_array().into_iter().flatten())
                .any(|e| e["type"] == "instagram")
        }),
        || format!("no entry of type instagram: {buc}"),
    )?;
    // The key is the business that owns the account, when the token may read it.
    let owner = ctx.get(&ig, &[("fields", "owner_business")]);
    if owner.resp.status == 200 {
        let body = owner.ok("ig_user")?;
        if let Some(business) = body["owner_business"]["id"].as_str() {
            expect(keys.iter().any(|k| k == business), || {
                format!("BUC keys {keys:?} do not name the owning business {business}")
            })?;
        }
    } else {
        ctx.note("owner_business is not readable with this token: the BUC key was not matched to it");
    }

    ctx.step("a call touching no business object carries X-App-Usage only");
    let call = ctx.get("me", &[]);
    call.ok("fb_user")?;
    usage_header(&call, "x-app-usage", "x_app_usage")?
        .ok_or_else(|| Failure::new(Check::Field, "no X-App-Usage on GET /me"))?;
    expect(call.resp.header("x-business-use-case-usage").is_none(), || {
        "GET /me carries X-Business-Use-Case-Usage".to_string()
    })?;

    match ctx.page_id().map(str::to_string) {
        None => ctx.note("no Page id (IG_PAGE_ID): Page usage headers not checked"),
        Some(page) => {
            ctx.step("a Page read carries a BUC entry of type pages");
            let call = ctx.get(&page, &[("fields", "name")]);
            call.ok("page")?;
            let buc = usage_header(&call, "x-business-use-case-usage", "x_business_use_case_usage")?
                .ok_or_else(|| Failure::new(Check::Field, "no X-Business-Use-Case-Usage on a Page read"))?;
            expect(buc[page.as_str()][0]["type"] == "pages", || {
                format!("no pages entry under the Page id {page}: {buc}")
            })?;
            expect(call.resp.header("x-app-usage").is_none(), || {
                "a Page read also carries X-App-Usage".to_string()
            })?;
        }
    }
    Ok(())
}

/// The `WWW-Authenticate` header of a token error names `kind` (facts §1.2).
fn www_authenticate(call: &Call, kind: &str) -> Result<(), Failure> {
    let got = call.resp.header("www-authenticate").unwrap_or_default();
    expect(
        got.starts_with(&format!("OAuth \"Facebook Platform\" \"{kind}\"")),
        || format!("WWW-Authenticate {got:?}, expected kind {kind}"),
    )
}

fn debug_token(ctx: &mut Ctx) -> Result<(), Failure> {
    let token = ctx.client().token.clone().unwrap_or_default();
    ctx.step("inspect the harness's own token");
    let body = ctx.get("debug_token", &[("input_token", &token)]).ok("debug_token")?;
    let d = &body["data"];
    require_fields(d, &["app_id", "type", "is_valid", "scopes"])?;
    expect(d["is_valid"] == true, || format!("own token reported invalid: {d}"))?;
    expect(d["type"] == "USER" || d["type"] == "PAGE", || {
        format!("token type {}", d["type"])
    })?;
    let scopes: Vec<&str> = d["scopes"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    expect(scopes.contains(&"instagram_basic"), || {
        format!("scopes {scopes:?} lack instagram_basic")
    })?;
    let app = str_field(d, "app_id")?.to_string();
    if ctx.app_id().is_none() {
        ctx.set_app_id(&app);
    }

    ctx.step("inspect a token that does not exist");
    let body = ctx
        .get("debug_token", &[("input_token", "EAAGnotarealtokenbutwellformed123")])
        .ok("debug_token")?;
    let d = &body["data"];
    expect(d["is_valid"] == false, || {
        format!("a made-up token reported valid: {d}")
    })?;
    expect(d.pointer("/error/code").and_then(Value::as_i64) == Some(190), || {
        format!("expected error code 190 in {d}")
    })?;
    Ok(())
}

fn token_exchange(ctx: &mut Ctx) -> Result<(), Failure> {
    let Some(secret) = ctx.app_secret().map(str::to_string) else {
        return Err(Failure::skip("token exchange needs the app secret (IG_APP_SECRET)"));
    };
    let token = ctx.client().token.clone().unwrap_or_default();
    if ctx.app_id().is_none() {
        ctx.step("learn the app id");
        let body = ctx.get("debug_token", &[("input_token", &token)]).ok("debug_token")?;
        let id = str_field(&body["data"], "app_id")?.to_string();
        ctx.set_app_id(&id);
    }
    let app = ctx.app_id().unwrap_or_default().to_string();
    let bare = ctx.client().without_token();

    ctx.step("exchange for a long-lived token");
    let body = ctx
        .call_as(&bare, |c| {
            c.get(
                "oauth/access_token",
                &[
                    ("grant_type", "fb_exchange_token"),
                    ("client_id", &app),
                    ("client_secret", &secret),
                    ("fb_exchange_token", &token),
                ],
            )
        })
        .ok("oauth_access_token")?;
    let long = str_field(&body, "access_token")?.to_string();
    ctx.secret(&long);
    expect(body["token_type"] == "bearer", || {
        format!("token_type {}", body["token_type"])
    })?;
    if let Some(exp) = body.get("expires_in") {
        expect(exp.as_i64().is_some_and(|s| s > 86_400), || {
            format!("a long-lived token expiring in {exp}s")
        })?;
    }

    ctx.step("use the long-lived token");
    let long_client = bare.with_token(&long);
    let me = ctx.call_as(&long_client, |c| c.get("me", &[])).ok("fb_user")?;
    require_fields(&me, &["id", "name"])?;

    ctx.step("exchange with a wrong client secret");
    ctx.call_as(&bare, |c| {
        c.get(
            "oauth/access_token",
            &[
                ("grant_type", "fb_exchange_token"),
                ("client_id", &app),
                ("client_secret", "0123456789abcdef0123456789abcdef"),
                ("fb_exchange_token", &token),
            ],
        )
    })
    .error(1, None)?;
    Ok(())
}
