//! Real clients unchanged: the crates.io Instagram Graph client (`instagram-graph-api`) through
//! the publish / comment flow against igsim, with nothing changed but the host it talks to.
//!
//! The crate renders each call as an `http::Request` with an absolute URI on its hard-coded
//! `URL_BASE` (`https://graph.facebook.com`) and parses the `http::Response` the application's
//! own transport brings back (it ships no HTTP client). Pointing it at igsim is therefore the
//! transport's job: [`send`] swaps the scheme and authority for the sandbox's base URL and
//! keeps the rest of the request (method, path, query, headers, body) exactly as rendered.
//! It speaks its default version (`VERSION`, v15.0), puts the token and every parameter in the
//! query string (POSTs too, with an empty body), asks for `fields=` on creates, and pages with
//! `after=` from `paging.cursors`. It has no calls for me/accounts, hashtags or the publishing
//! limit (the Python and Node clients cover those in `cargo xtask clients`).

use crate::support::METRICSAURUS;
use conformance::sim::{fresh, Sandbox};
use http_api_client_endpoint::{http, Endpoint};
use instagram_graph_api::objects::IgContainerStatusCode;
use instagram_graph_api::operations::ig_user::media::creating::CreatingResponseBodyRet;
use instagram_graph_api::operations::{
    EndpointRet, IgCommentDeleting, IgCommentReading, IgCommentRepliesCreating, IgCommentUpdatingWithHideOrUnhide,
    IgContainerReading, IgMediaCommentsCreating, IgMediaCommentsReading, IgUserBusinessDiscoveryReading,
    IgUserMediaCreatingExtInfoError, IgUserMediaCreatingWithImage, IgUserMediaPublishCreating, URL_BASE,
};
use serde_json::json;

/// Sends a rendered request to the sandbox instead of `URL_BASE`, checks the answer against
/// `schema` (every response a test sees is validated) and hands it to the crate's parser.
fn send<E: Endpoint>(sb: &Sandbox, endpoint: &E, schema: &str) -> E::ParseResponseOutput
where
    E::RenderRequestError: std::fmt::Debug,
    E::ParseResponseError: std::fmt::Debug,
{
    let req = endpoint.render_request().expect("the crate renders its request");
    let rendered = req.uri().to_string();
    let rest = rendered
        .strip_prefix(URL_BASE)
        .unwrap_or_else(|| panic!("the crate addressed {rendered}, not {URL_BASE}"));
    let url = format!("{}{rest}", sb.base_url);
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
        .collect();
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let resp =
        conformance::client::Client::new(&sb.base_url).send_bytes(req.method().as_str(), &url, &headers, req.body());
    resp.schema(if resp.status == 200 { schema } else { "error" });
    let mut back = http::Response::builder().status(resp.status);
    for (k, v) in &resp.headers {
        back = back.header(k.as_str(), v.as_str());
    }
    let back = back.body(resp.text.clone().into_bytes()).expect("a valid response");
    endpoint.parse_response(back).unwrap_or_else(|e| {
        panic!(
            "{} {url}: the crate cannot parse igsim's answer {}: {e:?}",
            resp.method, resp.text
        )
    })
}

/// The `Ok` of an endpoint's outcome, or a panic with the Graph error it got instead.
fn ok<T: std::fmt::Debug>(what: &str, ret: EndpointRet<T>) -> T {
    match ret {
        EndpointRet::Ok(v) => v,
        EndpointRet::Other((status, body)) => panic!("{what}: HTTP {status}: {body:?}"),
    }
}

/// The crate's id type from the harness's answer.
fn id_of(r: &conformance::client::Resp) -> u64 {
    r.ok("id_response")["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("a numeric id")
}

/// The crate reads a container, publishes it, pages through comments with its cursors, hides a
/// visitor's comment, reads comments with their replies and deletes a reply. Its creates (container, comment,
/// reply) ask for `fields=` and are exercised in [`instagram_graph_api_crate_creates_with_fields`];
/// here the harness's own client makes the container and the comments.
#[test]
fn instagram_graph_api_crate_publishes_and_moderates() {
    let sb = fresh();
    let token = sb.user_token("Dana Admin");
    let dana = sb.client_as("Dana Admin");
    let ig: u64 = METRICSAURUS.parse().unwrap();

    let container = id_of(&dana.post(
        &format!("{METRICSAURUS}/media"),
        &[
            ("image_url", "https://images.example.com/igsim-clients/crate.jpg"),
            ("caption", "#igsimcrate"),
        ],
    ));
    let read = IgContainerReading::new(container, &token, None);
    let status = ok("read container", send(&sb, &read, "ig_container"));
    assert!(
        matches!(status.status_code, IgContainerStatusCode::Finished),
        "{status:?}"
    );
    assert!(status.status.starts_with("Finished"), "{status:?}");

    let publish = IgUserMediaPublishCreating::new(ig, container, &token, None);
    let media = ok("publish", send(&sb, &publish, "id_response")).id;

    let first = id_of(&dana.post(&format!("{media}/comments"), &[("message", "first")]));
    let second = id_of(&dana.post(&format!("{media}/comments"), &[("message", "second")]));
    let reply = id_of(&dana.post(&format!("{first}/replies"), &[("message", "a reply")]));

    // Top-level comments one a page, through the crate's `after` cursor.
    let mut listed = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..10 {
        let mut page = IgMediaCommentsReading::new(media, &token, None).limit(1);
        if let Some(a) = &after {
            page = page.after(a);
        }
        let page = ok("list comments", send(&sb, &page, "ig_comment_list"));
        listed.extend(
            page.data
                .iter()
                .map(|c| (c.id, c.replies.data.iter().map(|r| r.id).collect::<Vec<_>>())),
        );
        after = page.paging.and_then(|p| p.next_cursor());
        if after.is_none() {
            break;
        }
    }
    listed.sort_unstable();
    let mut want = vec![(first, vec![reply]), (second, vec![])];
    want.sort_unstable();
    assert_eq!(listed, want, "top-level comments (with their replies) across pages");

    // A visitor comments (the outside world, through the control plane); the owner hides it.
    let visitor = sb.control_post(
        "events/comment",
        &json!({"media_id": media.to_string(), "text": "nice post", "from_username": "bluebottle"}),
    );
    assert_eq!(visitor.status, 200, "{}", visitor.text);
    let visitor: u64 = visitor.body["id"].as_str().unwrap().parse().unwrap();
    let hide = IgCommentUpdatingWithHideOrUnhide::new(visitor, true, &token, None);
    assert!(ok("hide", send(&sb, &hide, "success_response")).success);
    let read = IgCommentReading::new(visitor, &token, None).with_replies();
    let read = ok("read comment", send(&sb, &read, "ig_comment"));
    assert!(read.hidden, "the visitor's comment is not hidden: {read:?}");
    assert_eq!((read.media.id, read.username.as_ref()), (media, "bluebottle"));

    let read = IgCommentReading::new(first, &token, None).with_replies();
    let read = ok("read comment", send(&sb, &read, "ig_comment"));
    assert_eq!(read.replies.data.iter().map(|r| r.id).collect::<Vec<_>>(), vec![reply]);

    let delete = IgCommentDeleting::new(reply, &token, None);
    assert!(ok("delete reply", send(&sb, &delete, "success_response")).success);
    let read = IgCommentReading::new(first, &token, None).with_replies();
    let read = ok("read comment", send(&sb, &read, "ig_comment"));
    assert!(read.replies.data.is_empty(), "{read:?}");
}

/// The crate's container create asks for `fields=id,status,status_code` and deserialises all
/// three: production answers with them (the crate's recorded production answer,
/// `tests/response_body_json_files/v14.0/ig_user_0__media__creating__image.json` in the
/// crate's package: `{"id","status":"Finished: …","status_code":"FINISHED"}`). Its reply create
/// asks for the reply's fields and gets them (`…/v14.0/ig_comment_17897793971532270__replies__creating.json`); its comment create asks for fields too, and
/// production (2026) creates the comment and then answers 20/1772107, so the crate sees an
/// error for a comment that exists (`Config::fields_on_write`).
/// A media URL production cannot fetch comes back as the crate's own
/// `ExtInfoError::ImageUrlOrVideoUrlInvalid`, which it maps from exactly 9004/2207052.
#[test]
fn instagram_graph_api_crate_creates_with_fields() {
    let sb = fresh();
    let token = sb.user_token("Dana Admin");
    let ig: u64 = METRICSAURUS.parse().unwrap();
    let create =
        IgUserMediaCreatingWithImage::new(ig, "https://images.example.com/igsim-clients/crate.jpg", &token, None)
            .caption("Published by the instagram-graph-api crate #igsimcrate");
    let container = match ok("create container", send(&sb, &create, "ig_container")) {
        CreatingResponseBodyRet::OkJson(c) => c.0,
        CreatingResponseBodyRet::ExtInfoError(e) => panic!("create container refused: {e:?}"),
    };
    assert!(
        matches!(container.status_code, IgContainerStatusCode::Finished),
        "{container:?}"
    );
    let publish = IgUserMediaPublishCreating::new(ig, container.id, &token, None);
    let media = ok("publish", send(&sb, &publish, "id_response")).id;

    let comment = IgMediaCommentsCreating::new(media, "first!", &token, None);
    match send(&sb, &comment, "ig_comment") {
        EndpointRet::Other((status, Ok(e))) => {
            assert_eq!(
                (status.as_u16(), e.error.code, e.error.error_subcode),
                (400, 20, Some(1772107))
            );
        }
        other => panic!("production refuses fields= on a comment create, igsim answered {other:?}"),
    }
    let dana = sb.client_as("Dana Admin");
    let listed = dana
        .get(&format!("{media}/comments"), &[("fields", "text")])
        .ok("ig_comment_list")
        .clone();
    assert_eq!(
        listed["data"][0]["text"], "first!",
        "the comment was created before the refusal"
    );
    let first: u64 = listed["data"][0]["id"].as_str().unwrap().parse().unwrap();

    let reply = IgCommentRepliesCreating::new(first, "a reply", &token, None);
    let reply = ok("reply", send(&sb, &reply, "ig_comment"));
    assert_eq!((reply.parent_id, reply.text.as_ref()), (first, "a reply"));

    // A media URL production cannot fetch: the crate maps exactly 9004/2207052 to its own error
    // (`ExtInfoError::ImageUrlOrVideoUrlInvalid`), so code and subcode must be production's.
    let unfetchable = IgUserMediaCreatingWithImage::new(
        ig,
        "https://images.example.com/igsim-clients/crate.jpg?igsim_error=2207052",
        &token,
        None,
    );
    match ok("unfetchable container", send(&sb, &unfetchable, "ig_container")) {
        CreatingResponseBodyRet::ExtInfoError(IgUserMediaCreatingExtInfoError::ImageUrlOrVideoUrlInvalid(title)) => {
            assert!(title.starts_with("Media download has failed"), "{title}");
        }
        other => panic!("an unfetchable image_url answered {other:?}"),
    }

    // Business Discovery exactly as the crate asks (ig_id, follows_count, media.since()).
    let discovery = IgUserBusinessDiscoveryReading::new(ig, "bluebottle", &token, None)
        .media_limit(5)
        .media_since("2020-01-01T00:00:00Z".parse().unwrap());
    let found = ok("business discovery", send(&sb, &discovery, "ig_user"));
    let found = found.as_ok_json().expect("bluebottle is discoverable");
    assert_eq!(found.business_discovery.username, "bluebottle");
}
