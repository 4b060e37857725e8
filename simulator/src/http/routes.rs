//! THE route table: every path igsim answers, as data, and the one matcher that reads it.
//! Nothing else in igsim looks at a request path.
//!
//! Each [`Route`] says its methods, its path pattern, its [`Handler`], what it needs before
//! the world lock ([`BeforeLock`]: a media download, a webhook handshake), which rate limit
//! it counts against ([`Rate`]) and whether its handler only reads the world ([`World`];
//! reads may be served without the exclusive lock). Routes are tried in order; the first
//! whose methods, pattern and conditions match serves the request. Lookups try them through
//! an index built once from the table (by surface, first segment and path length), which
//! leaves out only routes the path cannot fit.
//!
//! Three surfaces share the table: the raw surface (`/_sim/…` control plane, the media CDN,
//! the resumable upload host), matched on the path as sent; and the Graph surface, matched on
//! the path after its `vNN.N` prefix (the login dialogs and Instagram's code exchange answer
//! in their own shapes; everything else is a Graph call with the envelope, a token and a rate
//! limit). What a route is: `http::route`; the request's path through the table:
//! `http::router`.
//!
//! Long because it is THE table: every path igsim answers, in matching order, in one list a
//! reader can scan, with the lookups that read it.

use crate::app::State;
use crate::error::{GraphError, GraphResult};
use crate::http::control::{self, events, login, publishing as control_publishing, ratelimit as control_ratelimit};
use crate::http::control::{faults, journal, sandboxes, snapshots, ui, webhooks as control_webhooks};
use crate::http::control::{ControlError, ControlResult};
use crate::http::graph::Ctx;
use crate::http::nodes::{read_many, read_node_into};
use crate::http::request::GraphRequest;
use crate::http::response::Body;
use crate::http::route::*;
use crate::http::{
    batch, cdn, comment, dialog, hashtag, ig_user, iglogin, insights, media, mention, oauth, publishing, shopping,
    upload, user, webhooks,
};
use crate::ids::{parse_id, CommentId, ContainerId, HashtagId, IdKind, UserId};
use crate::model::TokenKind;
use http::{Method, Response};
use serde_json::Value;

const GET: Methods = Methods::GET;
const POST: Methods = Methods::POST;
const DELETE: Methods = Methods::DELETE;
const ANY: Methods = Methods::ANY;

use Seg::{Any, Id, Lit, Node, OneOf, Own, Rest};
const SB: Seg = Seg::Sandbox;
const SIM: Seg = Lit("_sim");
const SANDBOXES: Seg = Lit("sandboxes");

const fn graph(methods: Methods, path: &'static [Seg], f: GraphFn) -> Route {
    Route {
        handler: Handler::Graph(f),
        ..written(methods, path, |_, _, _| Ok(()))
    }
}

const fn written(methods: Methods, path: &'static [Seg], f: WrittenFn) -> Route {
    Route {
        surface: Surface::Graph,
        methods,
        path,
        handler: Handler::Written(f),
        before_lock: BeforeLock::Nothing,
        rate: Rate::Node,
        world: World::Reads,
        viewer: Viewer::Any,
        auth: Auth::Admin,
        when: None,
        fields_select: true,
        journaled: true,
    }
}

const fn raw(path: &'static [Seg], handler: Handler) -> Route {
    Route {
        surface: Surface::Raw,
        methods: ANY,
        path,
        handler,
        before_lock: BeforeLock::Nothing,
        rate: Rate::None,
        world: World::Own,
        viewer: Viewer::Any,
        auth: Auth::Public,
        when: None,
        fields_select: true,
        journaled: false,
    }
}

const fn sim(methods: Methods, path: &'static [Seg], f: ControlFn) -> Route {
    Route {
        methods,
        auth: Auth::Admin,
        ..raw(path, Handler::Control(f))
    }
}

const fn sim_async(methods: Methods, path: &'static [Seg], f: ControlAsyncFn) -> Route {
    Route {
        methods,
        auth: Auth::Admin,
        ..raw(path, Handler::ControlAsync(f))
    }
}

impl Route {
    /// A raw route whose requests are an app's API calls (the upload host).
    const fn journaled(self) -> Self {
        Route {
            journaled: true,
            ..self
        }
    }

    const fn writes(self) -> Self {
        Route {
            world: World::Writes,
            ..self
        }
    }

    const fn rate(self, rate: Rate) -> Self {
        Route { rate, ..self }
    }

    const fn instagram(self) -> Self {
        Route {
            viewer: Viewer::Instagram,
            ..self
        }
    }

    const fn page(methods: Methods, path: &'static [Seg], f: fn(&State, &GraphRequest) -> Response<Body>) -> Route {
        Route {
            handler: Handler::Page(f),
            rate: Rate::None,
            world: World::Own,
            ..graph(methods, path, unsupported)
        }
    }

    const fn open(methods: Methods, path: &'static [Seg], f: fn(&State, &GraphRequest) -> GraphResult<Value>) -> Route {
        Route {
            handler: Handler::Open(f),
            rate: Rate::Uncounted,
            world: World::Own,
            ..graph(methods, path, unsupported)
        }
    }

    const fn batch(
        methods: Methods,
        path: &'static [Seg],
        f: fn(&State, &GraphRequest, Operation) -> GraphResult<Value>,
    ) -> Route {
        Route {
            handler: Handler::Batch(f),
            rate: Rate::Uncounted,
            world: World::Own,
            ..graph(methods, path, unsupported)
        }
    }

    const fn when(self, f: fn(&GraphRequest) -> bool) -> Self {
        Route { when: Some(f), ..self }
    }
}

/// Edges and nodes that exist only with Facebook Login (hashtag search, Pages, shopping,
/// token debugging); on `graph.instagram.com` they are unsupported requests.
const FACEBOOK_ONLY_EDGES: &[&str] = &[
    "accounts",
    "available_catalogs",
    "catalog_product_search",
    "product_appeal",
    "product_tags",
    "recently_searched_hashtags",
    "subscriptions",
    "top_media",
    "recent_media",
];

/// The product-tagging edges (Product Tagging guide), on media and IG users.
const SHOPPING_EDGES: &[&str] = &[
    "product_tags",
    "available_catalogs",
    "catalog_product_search",
    "product_appeal",
];

/// THE table, in matching order.
pub(crate) static ROUTES: &[Route] = &[
    // ---- the control plane: /_sim/… (README, "Control plane") --------------------------
    raw(
        &[SIM, Lit("ui"), Rest],
        Handler::Raw(|_, r, args| Box::pin(async move { ui::serve(&r.method, &args) })),
    ),
    sim(GET, &[SIM, Lit("health")], |st, _| Ok(sandboxes::health(st))),
    sim(GET, &[SIM, SANDBOXES], |st, _| Ok(sandboxes::list(st))),
    sim_async(POST, &[SIM, SANDBOXES], create_sandbox),
    sim(GET, &[SIM, SANDBOXES, SB], |_, r| {
        Ok(sandboxes::describe(r.sandbox()).into())
    }),
    sim_async(DELETE, &[SIM, SANDBOXES, SB], delete_sandbox),
    sim(GET, &[SIM, SANDBOXES, SB, Lit("export")], |_, r| {
        snapshots::export(r.sandbox())
    }),
    sim(GET, &[SIM, SANDBOXES, SB, Lit("requests")], |_, r| {
        journal::requests(r.sandbox(), r.raw.query.as_deref())
    }),
    sim(GET, &[SIM, SANDBOXES, SB, Lit("requests"), Lit("count")], |_, r| {
        journal::count(r.sandbox(), r.raw.query.as_deref())
    }),
    sim(DELETE, &[SIM, SANDBOXES, SB, Lit("requests")], |_, r| {
        Ok(journal::clear(r.sandbox()))
    }),
    sim(ANY, &[SIM, SANDBOXES, SB, Lit("requests"), Rest], |_, _| {
        Err(ControlError::not_found(
            "the journal answers GET requests, GET requests/count and DELETE requests",
        ))
    }),
    sim(GET, &[SIM, SANDBOXES, SB, Lit("faults")], |_, r| {
        Ok(faults::list(r.sandbox()))
    }),
    sim(POST, &[SIM, SANDBOXES, SB, Lit("faults")], |st, r| {
        faults::add(r.sandbox(), &r.raw.body, &st.sandboxes.config)
    }),
    sim(DELETE, &[SIM, SANDBOXES, SB, Lit("faults")], |_, r| {
        Ok(faults::clear(r.sandbox()))
    }),
    sim(DELETE, &[SIM, SANDBOXES, SB, Lit("faults"), Any], |_, r| {
        faults::remove(r.sandbox(), r.arg(0))
    }),
    sim(ANY, &[SIM, SANDBOXES, SB, Lit("faults"), Rest], |_, _| {
        Err(ControlError::not_found(
            "fault rules answer GET faults, POST faults, DELETE faults and DELETE faults/{rule-id}",
        ))
    }),
    sim_async(POST, &[SIM, SANDBOXES, SB, Lit("reset")], reset_sandbox),
    sim(GET, &[SIM, SANDBOXES, SB, Lit("clock")], |_, r| {
        Ok(sandboxes::clock_json(r.sandbox()).into())
    }),
    sim(POST, &[SIM, SANDBOXES, SB, Lit("clock"), Lit("advance")], |st, r| {
        sandboxes::advance(st, r.sandbox(), r.raw.query.as_deref(), &r.raw.body)
    }),
    sim(POST, &[SIM, SANDBOXES, SB, Lit("clock"), Lit("freeze")], |_, r| {
        sandboxes::freeze(r.sandbox())
    }),
    sim(POST, &[SIM, SANDBOXES, SB, Lit("clock"), Lit("resume")], |_, r| {
        sandboxes::resume(r.sandbox())
    }),
    sim(GET, &[SIM, SANDBOXES, SB, Lit("accounts")], |st, r| {
        Ok(sandboxes::accounts(r.sandbox(), &st.sandboxes.config).into())
    }),
    sim(POST, &[SIM, SANDBOXES, SB, Lit("tokens"), Lit("revoke")], |_, r| {
        sandboxes::revoke(r.sandbox(), &r.raw.body)
    }),
    sim(POST, &[SIM, SANDBOXES, SB, Lit("tokens"), Lit("expire")], |_, r| {
        sandboxes::expire(r.sandbox(), &r.raw.body)
    }),
    sim(GET, &[SIM, SANDBOXES, SB, Lit("rate_limits")], |st, r| {
        Ok(control_ratelimit::status(r.sandbox(), &st.sandboxes.config).into())
    }),
    sim(POST, &[SIM, SANDBOXES, SB, Lit("rate_limits")], |st, r| {
        control_ratelimit::update(r.sandbox(), &r.raw.body, &st.sandboxes.config)
    }),
    sim(ANY, &[SIM, SANDBOXES, SB, Lit("rate_limits")], |_, _| {
        Err(ControlError::new(405, "use GET or POST"))
    }),
    sim(GET, &[SIM, SANDBOXES, SB, Lit("containers")], |_, r| {
        Ok(control_publishing::containers(r.sandbox()).into())
    }),
    sim(GET, &[SIM, SANDBOXES, SB, Lit("containers"), Any], |_, r| {
        control_publishing::container(r.sandbox(), r.arg(0))
    }),
    sim(
        POST,
        &[SIM, SANDBOXES, SB, Lit("containers"), Any, Lit("transition")],
        |_, r| control_publishing::transition(r.sandbox(), r.arg(0), &r.raw.body),
    ),
    sim(
        POST,
        &[SIM, SANDBOXES, SB, Lit("containers"), Any, Lit("copyright")],
        |_, r| control_publishing::container_copyright(r.sandbox(), r.arg(0), &r.raw.body),
    ),
    sim(GET, &[SIM, SANDBOXES, SB, Lit("publishing"), Lit("config")], |st, r| {
        Ok(control_publishing::config(r.sandbox(), &st.sandboxes.config).into())
    }),
    sim(
        POST,
        &[SIM, SANDBOXES, SB, Lit("publishing"), Lit("config")],
        |st, r| control_publishing::set_config(r.sandbox(), &r.raw.body, &st.sandboxes.config),
    ),
    sim(
        POST,
        &[
            SIM,
            SANDBOXES,
            SB,
            Lit("publishing"),
            Lit("media"),
            Any,
            Lit("copyright"),
        ],
        |_, r| control_publishing::media_copyright(r.sandbox(), r.arg(0), &r.raw.body),
    ),
    sim(
        POST,
        &[
            SIM,
            SANDBOXES,
            SB,
            Lit("publishing"),
            Lit("media"),
            Any,
            Lit("collaborators"),
        ],
        |_, r| control_publishing::collaborator(r.sandbox(), r.arg(0), &r.raw.body),
    ),
    sim(
        ANY,
        &[SIM, SANDBOXES, SB, OneOf(&["containers", "publishing"]), Rest],
        |_, _| {
            Err(ControlError::not_found(
                "no such publishing control-plane route; see the README's control plane section",
            ))
        },
    ),
    sim(POST, &[SIM, SANDBOXES, SB, Lit("events"), Any], |st, r| {
        let reply = events::event(st, r.sandbox(), r.arg(0), &r.raw.body);
        st.webhooks.wake();
        reply
    }),
    sim(GET, &[SIM, SANDBOXES, SB, Lit("webhooks")], |_, r| {
        Ok(control_webhooks::configuration(r.sandbox()).into())
    }),
    sim_async(
        POST,
        &[SIM, SANDBOXES, SB, Lit("webhooks"), Lit("subscription")],
        subscribe_webhooks,
    ),
    sim(
        DELETE,
        &[SIM, SANDBOXES, SB, Lit("webhooks"), Lit("subscription")],
        |_, r| control_webhooks::unsubscribe(r.sandbox()),
    ),
    sim_async(
        POST,
        &[SIM, SANDBOXES, SB, Lit("webhooks"), Lit("flush")],
        flush_webhooks,
    ),
    sim(
        GET,
        &[SIM, SANDBOXES, SB, Lit("webhooks"), Lit("deliveries")],
        |_, r| control_webhooks::deliveries(r.raw, r.sandbox()),
    ),
    sim(
        GET,
        &[SIM, SANDBOXES, SB, Lit("webhooks"), Lit("deliveries"), Any],
        |_, r| control_webhooks::delivery(r.sandbox(), r.arg(0)),
    ),
    sim_async(
        POST,
        &[
            SIM,
            SANDBOXES,
            SB,
            Lit("webhooks"),
            Lit("deliveries"),
            Any,
            Lit("redeliver"),
        ],
        redeliver_webhook,
    ),
    sim(GET, &[SIM, SANDBOXES, SB, Lit("webhooks"), Lit("posts")], |_, r| {
        Ok(control_webhooks::posts(r.sandbox()).into())
    }),
    sim(
        GET,
        &[SIM, SANDBOXES, SB, Lit("webhooks"), Lit("posts"), Any],
        |_, r| control_webhooks::post(r.sandbox(), r.arg(0)),
    ),
    sim(
        GET,
        &[SIM, SANDBOXES, SB, Lit("login"), Lit("redirect_uris")],
        |_, r| Ok(login::redirect_uris(r.sandbox()).into()),
    ),
    sim(
        POST,
        &[SIM, SANDBOXES, SB, Lit("login"), Lit("redirect_uris")],
        |_, r| login::set_redirect_uris(r.sandbox(), &r.raw.body),
    ),
    sim(POST, &[SIM, SANDBOXES, SB, Lit("login"), Lit("code")], |st, r| {
        login::code(st, r.sandbox(), &r.raw.body)
    }),
    sim(ANY, &[SIM, SANDBOXES, SB, Lit("login"), Any], |_, r| {
        Err(ControlError::not_found(format!(
            "no control-plane route {} login/{}",
            r.raw.method,
            r.arg(0)
        )))
    }),
    sim(ANY, &[SIM, SANDBOXES, SB, Rest], |_, _| Err(control::no_route())),
    sim(ANY, &[SIM, Rest], |_, _| Err(control::no_route())),
    // ---- the media CDN (`http::cdn`) and the resumable upload host (facts §4.4) --------
    raw(
        &[Lit("v"), Any, Any],
        Handler::Raw(|st, r, args| Box::pin(async move { cdn::serve(st, &r, &args) })),
    ),
    raw(
        &[Lit("ig-api-upload"), Any, Any],
        Handler::Raw(|st, r, args| Box::pin(upload::upload(st, r, args))),
    )
    .journaled(),
    raw(
        &[Lit("ig-api-upload"), Rest],
        Handler::Raw(|_, r, _| Box::pin(async move { upload::bad_uri(&r) })),
    )
    .journaled(),
    // ---- the Graph surface, outside the Graph flow ---------------------------------------
    // The login dialogs (HTML) and api.instagram.com's code exchange (its own envelope).
    Route::page(ANY, &[Lit("oauth"), Lit("authorize")], dialog::instagram),
    Route::page(ANY, &[Lit("dialog"), Lit("oauth")], dialog::facebook),
    Route::page(ANY, &[Lit("oauth"), Lit("access_token")], iglogin::code_exchange).when(iglogin::is_code_exchange),
    // `POST /{app-id}/subscriptions`: the callback is verified between two world locks.
    Route {
        handler: Handler::Async(|st, req| Box::pin(webhooks::subscribe(st, req))),
        before_lock: BeforeLock::WebhookHandshake,
        rate: Rate::Uncounted,
        fields_select: false,
        ..graph(POST, &[Node(Kinds::APP), Lit("subscriptions")], unsupported).writes()
    },
    // Batches (facts §3.5) and the token endpoint (app credentials, not an access token).
    Route::batch(POST, &[], batch::handle).when(is_batch),
    Route::open(ANY, &[Lit("oauth"), Lit("access_token")], oauth::token_endpoint),
    // ---- Graph calls with an Instagram User token (Instagram Login) ---------------------
    graph(GET, &[Lit("access_token")], |ctx, _| iglogin::exchange(ctx))
        .instagram()
        .writes(),
    graph(GET, &[Lit("refresh_access_token")], |ctx, _| iglogin::refresh(ctx))
        .instagram()
        .writes(),
    graph(GET, &[Own, Lit("subscribed_apps")], |ctx, _| {
        iglogin::subscribed_apps(ctx)
    })
    .instagram(),
    graph(POST.or(DELETE), &[Own, Lit("subscribed_apps")], |ctx, _| {
        iglogin::subscribed_apps(ctx)
    })
    .instagram()
    .writes(),
    graph(ANY, &[Lit("ig_hashtag_search"), Rest], ig_unsupported)
        .instagram()
        .rate(Rate::Platform),
    graph(ANY, &[Lit("debug_token"), Rest], ig_unsupported).instagram(),
    graph(ANY, &[Any, OneOf(FACEBOOK_ONLY_EDGES), Rest], ig_unsupported).instagram(),
    graph(ANY, &[Id(Kinds::HASHTAG), Rest], ig_unsupported).instagram(),
    // ---- Graph calls ---------------------------------------------------------------------
    graph(GET, &[], |ctx, _| match ctx.req.param("ids") {
        Some(ids) => {
            let ids = ids.to_string();
            read_many(ctx, &ids)
        }
        None => Err(GraphError::missing_param("ids")),
    })
    .rate(Rate::Ids),
    graph(GET, &[Lit("debug_token")], |ctx, _| {
        oauth::debug_token(&ctx.world, ctx.req, &ctx.viewer, ctx.now)
    }),
    graph(GET, &[Lit("me")], |ctx, _| user::read_me(ctx)),
    Route {
        fields_select: false,
        ..graph(GET, &[Node(Kinds::APP), Lit("subscriptions")], |ctx, a| {
            webhooks::app_subscriptions(ctx, a.id())
        })
    },
    Route {
        fields_select: false,
        ..graph(DELETE, &[Node(Kinds::APP), Lit("subscriptions")], |ctx, a| {
            webhooks::app_subscriptions(ctx, a.id())
        })
        .writes()
    },
    Route {
        fields_select: false,
        ..graph(GET.or(DELETE), &[Node(Kinds::ALL), Lit("subscriptions")], unsupported)
    },
    graph(GET, &[Node(Kinds::PAGE), Lit("subscribed_apps")], |ctx, a| {
        webhooks::subscribed_apps(ctx, a.page())
    }),
    graph(
        POST.or(DELETE),
        &[Node(Kinds::PAGE), Lit("subscribed_apps")],
        |ctx, a| webhooks::subscribed_apps(ctx, a.page()),
    )
    .writes(),
    graph(ANY, &[Node(Kinds::ALL), Lit("subscribed_apps")], unsupported),
    // Recording the search is a write (the 7-day unique-hashtag window).
    graph(GET, &[Lit("ig_hashtag_search")], |ctx, _| hashtag::search(ctx))
        .rate(Rate::Platform)
        .writes(),
    graph(ANY, &[Lit("ig_hashtag_search"), Rest], fallback).rate(Rate::Platform),
    written(GET, &[Node(Kinds::ALL)], |ctx, a, out| read_node_into(ctx, a.id(), out)),
    Route {
        before_lock: BeforeLock::MediaFetch,
        ..graph(POST, &[Node(Kinds::IG_USER), Lit("media")], |ctx, a| {
            publishing::create_container(ctx, a.ig_user())
        })
        .writes()
    },
    graph(POST, &[Node(Kinds::IG_USER), Lit("media_publish")], |ctx, a| {
        publishing::publish(ctx, a.ig_user())
    })
    .writes(),
    graph(GET, &[Node(Kinds::IG_USER), Lit("insights")], |ctx, a| {
        insights::user(ctx, a.ig_user())
    }),
    graph(GET, &[Node(Kinds::MEDIA), Lit("insights")], |ctx, a| {
        insights::media(ctx, a.media())
    }),
    graph(GET, &[Node(Kinds::PAGE), Lit("insights")], |_, _| {
        Err(GraphError::nonexisting_field("insights", crate::http::page::NODE))
    }),
    graph(GET, &[Node(Kinds::ALL), Lit("insights")], unsupported),
    graph(GET, &[Node(Kinds::MEDIA), Lit("product_tags")], |ctx, a| {
        shopping::product_tags(ctx, a.media(), None)
    }),
    graph(POST, &[Node(Kinds::MEDIA), Lit("product_tags")], |ctx, a| {
        shopping::update_product_tags(ctx, a.media())
    })
    .writes(),
    graph(DELETE, &[Node(Kinds::MEDIA), Lit("product_tags")], |ctx, a| {
        shopping::delete_product_tags(ctx, a.media())
    })
    .writes(),
    graph(GET, &[Node(Kinds::IG_USER), Lit("available_catalogs")], |ctx, a| {
        shopping::available_catalogs(ctx, a.ig_user(), None)
    }),
    graph(GET, &[Node(Kinds::IG_USER), Lit("catalog_product_search")], |ctx, a| {
        shopping::catalog_product_search(ctx, a.ig_user())
    }),
    graph(GET, &[Node(Kinds::IG_USER), Lit("product_appeal")], |ctx, a| {
        shopping::product_appeal_status(ctx, a.ig_user())
    }),
    graph(POST, &[Node(Kinds::IG_USER), Lit("product_appeal")], |ctx, a| {
        shopping::product_appeal(ctx, a.ig_user())
    })
    .writes(),
    graph(GET, &[Node(Kinds::IG_USER), OneOf(SHOPPING_EDGES)], |ctx, a| {
        ig_user::edge(ctx, a.ig_user(), a.arg(0))
    }),
    graph(GET, &[Node(Kinds::MEDIA), OneOf(SHOPPING_EDGES)], |ctx, a| {
        media::edge(ctx, a.media(), a.arg(0))
    }),
    graph(
        GET.or(POST).or(DELETE),
        &[Node(Kinds::ALL), OneOf(SHOPPING_EDGES)],
        unsupported,
    ),
    graph(
        GET,
        &[Node(Kinds::IG_USER), Lit("content_publishing_limit")],
        |ctx, a| publishing::publishing_limit(ctx, a.ig_user()),
    ),
    graph(GET, &[Node(Kinds::MEDIA), Lit("collaborators")], |ctx, a| {
        publishing::collaborators_edge(ctx, a.media(), None)
    }),
    graph(GET, &[Node(Kinds::CONTAINER), Any], |ctx, a| {
        publishing::container_edge(ctx, ContainerId(a.id()), a.arg(0))
    }),
    written(GET, &[Node(Kinds::IG_USER), Any], |ctx, a, out| {
        ig_user::read_edge_into(ctx, a.ig_user(), a.arg(0), out)
    }),
    graph(GET, &[Node(Kinds::MEDIA), Lit("comments")], |ctx, a| {
        comment::comments_edge(ctx, a.media(), None)
    }),
    graph(GET, &[Node(Kinds::MEDIA), Any], |ctx, a| {
        media::edge(ctx, a.media(), a.arg(0))
    }),
    graph(GET, &[Node(Kinds::COMMENT), Any], |ctx, a| {
        comment::edge(ctx, CommentId(a.id()), a.arg(0))
    }),
    graph(GET, &[Node(Kinds::HASHTAG), Any], |ctx, a| {
        hashtag::edge(ctx, HashtagId(a.id()), a.arg(0))
    }),
    graph(GET, &[Node(Kinds::USER), Any], |ctx, a| {
        user::edge(ctx, UserId(a.id()), a.arg(0))
    }),
    graph(GET, &[Node(Kinds::PAGE), Any], |_, a| {
        Err(GraphError::nonexisting_field(a.arg(0), crate::http::page::NODE))
    }),
    graph(GET, &[Node(Kinds::ALL), Any], unsupported),
    // Writes on media and comments name them by id (not `me`).
    graph(POST, &[Id(Kinds::MEDIA)], |ctx, a| {
        comment::update_media(ctx, a.media())
    })
    .writes(),
    graph(POST, &[Id(Kinds::COMMENT)], |ctx, a| {
        comment::hide(ctx, CommentId(a.id()))
    })
    .writes(),
    graph(DELETE, &[Id(Kinds::COMMENT)], |ctx, a| {
        comment::delete(ctx, CommentId(a.id()))
    })
    .writes(),
    graph(POST, &[Id(Kinds::MEDIA), Lit("comments")], |ctx, a| {
        comment::create(ctx, a.media())
    })
    .writes(),
    graph(POST, &[Id(Kinds::COMMENT), Lit("replies")], |ctx, a| {
        comment::reply(ctx, CommentId(a.id()))
    })
    .writes(),
    graph(POST, &[Id(Kinds::IG_USER), Lit("mentions")], |ctx, a| {
        mention::reply(ctx, a.ig_user())
    })
    .writes(),
    // What no route above serves: 100/33 on a node, "unknown path" past two segments.
    graph(ANY, &[], unsupported).rate(Rate::Ids),
    graph(ANY, &[Node(Kinds::ALL)], unsupported),
    graph(ANY, &[Node(Kinds::ALL), Any], unsupported),
    graph(ANY, &[Any, Rest], fallback),
];

// ---- handlers the table itself supplies ------------------------------------------------

/// 100/33 "Unsupported {verb} request" on the path's first segment (the node it names).
fn unsupported(ctx: &mut Ctx, a: &Args) -> GraphResult<Value> {
    Err(GraphError::unsupported(ctx.req.verb.as_str(), a.first))
}

/// Instagram Login's refusal of a Facebook-Login-only path.
fn ig_unsupported(ctx: &mut Ctx, _: &Args) -> GraphResult<Value> {
    Err(GraphError::ig_unsupported_request(ctx.req.verb.as_str()))
}

/// A path no route serves: on a node (up to two segments) 100/33 once the node is resolved,
/// further down an unknown path.
fn fallback(ctx: &mut Ctx, a: &Args) -> GraphResult<Value> {
    if a.len <= 2 {
        resolve(ctx, a.first)?;
        return unsupported(ctx, a);
    }
    Err(GraphError::unknown_path(&ctx.req.path_string()))
}

/// `POST /_sim/sandboxes`: a new sandbox, or one restored when the body is a snapshot.
fn create_sandbox<'a>(st: &'a State, r: &'a ControlReq<'a>) -> BoxFuture<'a, ControlResult> {
    let (query, body) = (r.raw.query.as_deref(), &r.raw.body);
    if crate::snapshot::is_snapshot(body) {
        return Box::pin(snapshots::restore(st, query, body));
    }
    Box::pin(sandboxes::create(st, query, body))
}

fn delete_sandbox<'a>(st: &'a State, r: &'a ControlReq<'a>) -> BoxFuture<'a, ControlResult> {
    Box::pin(sandboxes::delete(st, &r.sandbox().id))
}

fn reset_sandbox<'a>(st: &'a State, r: &'a ControlReq<'a>) -> BoxFuture<'a, ControlResult> {
    Box::pin(sandboxes::reset(st, r.sandbox()))
}

fn subscribe_webhooks<'a>(st: &'a State, r: &'a ControlReq<'a>) -> BoxFuture<'a, ControlResult> {
    Box::pin(control_webhooks::subscribe(st, r.sandbox(), &r.raw.body))
}

fn flush_webhooks<'a>(st: &'a State, r: &'a ControlReq<'a>) -> BoxFuture<'a, ControlResult> {
    Box::pin(control_webhooks::flush(st, r.sandbox()))
}

fn redeliver_webhook<'a>(st: &'a State, r: &'a ControlReq<'a>) -> BoxFuture<'a, ControlResult> {
    Box::pin(control_webhooks::redeliver(st, r.sandbox(), r.arg(0)))
}

// ---- matching ------------------------------------------------------------------------------

/// The raw-surface route for a path as sent (`segs`: its decoded segments), if any.
pub(crate) fn raw_route(method: &Method, segs: &[&str]) -> Option<&'static Route> {
    INDEX
        .candidates(Surface::Raw, segs.first().copied(), segs.len())
        .find(|r| r.methods.has_method(method) && shape_fits(r.path, segs))
}

/// Whether some raw route's pattern may fit a path whose first segment (decoded) is `first`:
/// when none can, a request skips the raw surface without splitting its path.
pub(crate) fn raw_surface_may_fit(first: Option<&str>) -> bool {
    match first {
        None => !INDEX.bucket(Surface::Raw, None, 0).is_empty(),
        Some(f) => INDEX.lists(Surface::Raw, f)[1..].iter().any(|b| !b.is_empty()),
    }
}

/// The first Graph-surface route a request's verb and path fit, before any token is looked
/// at (node kinds unchecked, Instagram-only routes skipped): what answers outside the Graph
/// flow, and what a Graph call needs before the world lock.
pub(crate) fn graph_route(req: &GraphRequest) -> &'static Route {
    graph_candidates(&req.segments)
        .find(|r| {
            r.viewer == Viewer::Any
                && r.methods.has_verb(req.verb)
                && r.when.is_none_or(|w| w(req))
                && shape_fits(r.path, &req.segments)
        })
        .unwrap_or(&FALLBACK)
}

/// The first Open or Batch route (the token endpoint, batches) a Graph call fits: these
/// answer before any access token is looked at.
pub(crate) fn open_route(req: &GraphRequest) -> Option<&'static Route> {
    graph_candidates(&req.segments).find(|r| {
        matches!(r.handler, Handler::Open(_) | Handler::Batch(_))
            && r.methods.has_verb(req.verb)
            && r.when.is_none_or(|w| w(req))
            && shape_fits(r.path, &req.segments)
    })
}

/// The Graph routes, in table order, whose pattern may fit a path of these segments
/// ([`Index`]).
fn graph_candidates(segs: &[String]) -> impl Iterator<Item = &'static Route> {
    INDEX.candidates(Surface::Graph, segs.first().map(String::as_str), segs.len())
}

/// How many path lengths the index tells apart: 0, 1, 2, 3 and "4 or more".
const BUCKETS: usize = 5;

/// Routes (indexes into [`ROUTES`], in table order) by path length bucket.
type Buckets = [Vec<u16>; BUCKETS];

/// THE table indexed by what a path's first segment and length allow: for each surface, the
/// routes (in table order) a path may fit, so a lookup tries a handful of patterns instead of
/// the whole table. A pure prefilter: every route it leaves out would fail `shape_fits` on
/// the first segment or the length, so each lookup answers what a scan of [`ROUTES`] would.
struct Index {
    /// Per surface: each literal a pattern's first segment names (`Lit`, `OneOf`), sorted,
    /// with the routes a path starting with it may fit, by length bucket.
    named: [Vec<(&'static str, Buckets)>; 2],
    /// Per surface: the routes a path whose first segment is no such literal may fit (and,
    /// in bucket 0, the routes the empty path may fit).
    other: [Buckets; 2],
    /// Per surface: the bytes some literal of `named` starts with (an id or a version
    /// segment starts with none, and skips the search).
    initials: [[bool; 256]; 2],
}

static INDEX: std::sync::LazyLock<Index> = std::sync::LazyLock::new(Index::build);

impl Index {
    fn build() -> Index {
        let mut named: [Vec<(&'static str, Buckets)>; 2] = Default::default();
        let mut other: [Buckets; 2] = Default::default();
        for r in ROUTES {
            let s = Self::surface(r.surface);
            for lit in Self::first_literals(r) {
                if let Err(at) = named[s].binary_search_by(|(k, _)| (*k).cmp(lit)) {
                    named[s].insert(at, (lit, Default::default()));
                }
            }
        }
        for (i, r) in ROUTES.iter().enumerate() {
            let s = Self::surface(r.surface);
            for n in 0..BUCKETS {
                if !Self::length_fits(r.path, n) {
                    continue;
                }
                let i = i as u16;
                match r.path.first() {
                    // The empty path: only bucket 0 has it, and it has no first segment.
                    _ if n == 0 => other[s][0].push(i),
                    Some(Lit(l)) => Self::push(&mut named[s], l, n, i),
                    Some(OneOf(set)) => set.iter().for_each(|l| Self::push(&mut named[s], l, n, i)),
                    // Any other first segment (a node, an id, `Any`, `Rest`…) fits any text.
                    _ => {
                        other[s][n].push(i);
                        named[s].iter_mut().for_each(|(_, b)| b[n].push(i));
                    }
                }
            }
        }
        let mut initials = [[false; 256]; 2];
        for (s, named) in named.iter().enumerate() {
            for (lit, _) in named {
                if let Some(&b) = lit.as_bytes().first() {
                    initials[s][usize::from(b)] = true;
                }
            }
        }
        Index { named, other, initials }
    }

    fn surface(s: Surface) -> usize {
        match s {
            Surface::Raw => 0,
            Surface::Graph => 1,
        }
    }

    fn first_literals(r: &Route) -> Vec<&'static str> {
        match r.path.first() {
            Some(Lit(l)) => vec![*l],
            Some(OneOf(set)) => set.to_vec(),
            _ => Vec::new(),
        }
    }

    fn push(named: &mut [(&'static str, Buckets)], lit: &str, n: usize, i: u16) {
        if let Ok(at) = named.binary_search_by(|(k, _)| (*k).cmp(lit)) {
            named[at].1[n].push(i);
        }
    }

    /// Whether a pattern may fit a path in length bucket `n` (see [`BUCKETS`]).
    fn length_fits(path: &[Seg], n: usize) -> bool {
        match path.iter().position(|s| matches!(s, Rest)) {
            // `Rest` (always last) takes any number of segments, none included.
            Some(k) => n >= k || n == BUCKETS - 1,
            None if n == BUCKETS - 1 => path.len() >= n,
            None => path.len() == n,
        }
    }

    /// The routes a path starting with `first` may fit, by length bucket.
    fn lists(&self, surface: Surface, first: &str) -> &Buckets {
        let s = Self::surface(surface);
        let initial = first.as_bytes().first().map_or(0, |&b| usize::from(b));
        if !self.initials[s][initial] {
            return &self.other[s];
        }
        match self.named[s].binary_search_by(|(k, _)| (*k).cmp(first)) {
            Ok(at) => &self.named[s][at].1,
            Err(_) => &self.other[s],
        }
    }

    fn bucket(&self, surface: Surface, first: Option<&str>, n: usize) -> &[u16] {
        match first {
            Some(first) if n > 0 => &self.lists(surface, first)[n],
            _ if n == 0 => &self.other[Self::surface(surface)][0],
            _ => &[],
        }
    }

    /// The routes of `surface`, in table order, a path of `len` segments starting with
    /// `first` may fit.
    fn candidates(
        &'static self,
        surface: Surface,
        first: Option<&str>,
        len: usize,
    ) -> impl Iterator<Item = &'static Route> {
        let bucket: &'static [u16] = self.bucket(surface, first, len.min(BUCKETS - 1));
        bucket.iter().map(|&i| &ROUTES[usize::from(i)])
    }
}

/// Whether a request is a batch (`POST /` with `batch`), as an operation of a batch may not be.
pub(crate) fn is_batch(req: &GraphRequest) -> bool {
    req.segments.is_empty() && req.param("batch").is_some()
}

/// The route no pattern refuses (the table's last).
static FALLBACK: Route = graph(ANY, &[Rest], fallback);

/// Whether a Graph route can serve `req` for `viewer` (Async, Open and Page routes answer
/// before the world lock and are not candidates here).
fn candidate<S: AsRef<str>>(r: &Route, req: &GraphRequest, viewer: TokenKind, segs: &[S]) -> bool {
    r.surface == Surface::Graph
        && matches!(r.handler, Handler::Graph(_) | Handler::Written(_))
        && (r.viewer == Viewer::Any || matches!(viewer, TokenKind::Instagram(_)))
        && r.methods.has_verb(req.verb)
        && r.when.is_none_or(|w| w(req))
        && shape_fits(r.path, segs)
}

/// The route an authenticated Graph call's shape selects (node kinds unchecked): what it
/// counts against and how its `fields=` reads, decided before the handler's route is
/// resolved.
pub(crate) fn shape_route(ctx: &Ctx) -> &'static Route {
    graph_candidates(&ctx.req.segments)
        .find(|r| candidate(r, ctx.req, ctx.viewer.kind, &ctx.req.segments))
        .unwrap_or(&FALLBACK)
}

/// The route that serves an authenticated Graph call, with what its pattern matched; a path
/// segment that names no node answers its error here.
pub(crate) fn resolve_route<'p>(ctx: &Ctx<'p>) -> GraphResult<(&'static Route, Args<'p>)> {
    let segs: &'p [String] = &ctx.req.segments;
    let mut resolved: Option<(u64, IdKind)> = None;
    for r in graph_candidates(segs).filter(|r| candidate(r, ctx.req, ctx.viewer.kind, segs)) {
        let mut node = None;
        let mut args = Vec::new();
        let mut fits = true;
        for (i, seg) in r.path.iter().enumerate() {
            let text = segs.get(i).map_or("", String::as_str);
            match seg {
                Node(kinds) => {
                    let (id, kind) = match resolved {
                        Some(n) => n,
                        None => *resolved.insert(resolve(ctx, text)?),
                    };
                    fits &= kinds.has(kind);
                    node = Some((id, kind));
                }
                Id(kinds) => match parse_id(text).and_then(|n| ctx.world.kind_of(n).map(|k| (n, k))) {
                    Some((n, k)) if kinds.has(k) => node = Some((n, k)),
                    _ => fits = false,
                },
                Own => fits &= own(ctx, text),
                Any | OneOf(_) => args.push(text),
                _ => {}
            }
            if !fits {
                break;
            }
        }
        if fits {
            let first = segs.first().map_or("", String::as_str);
            return Ok((
                r,
                Args {
                    node,
                    args,
                    first,
                    len: segs.len(),
                },
            ));
        }
    }
    // The table ends with patterns every path fits.
    Err(GraphError::unknown_path(&ctx.req.path_string()))
}

/// Resolves `me` and ids to the node a path segment names.
fn resolve(ctx: &Ctx, seg: &str) -> GraphResult<(u64, IdKind)> {
    if seg == "me" {
        return match ctx.viewer.kind {
            TokenKind::User(u) => Ok((u.0, IdKind::User)),
            TokenKind::Page { page, .. } => Ok((page.0, IdKind::Page)),
            TokenKind::Instagram(ig) => Ok((ig.0, IdKind::IgUser)),
            TokenKind::App => Err(GraphError::active_token_required()),
        };
    }
    if let Some(ig) = iglogin::scoped_account(ctx, seg) {
        return Ok((ig.0, IdKind::IgUser));
    }
    let unsupported = || GraphError::unsupported(ctx.req.verb.as_str(), seg);
    let id = parse_id(seg).ok_or_else(unsupported)?;
    let kind = ctx.world.kind_of(id).ok_or_else(unsupported)?;
    Ok((id, kind))
}

/// Whether a segment names an Instagram Login token's own account.
fn own(ctx: &Ctx, seg: &str) -> bool {
    let TokenKind::Instagram(ig) = ctx.viewer.kind else {
        return false;
    };
    seg == "me" || parse_id(seg).is_some_and(|n| n == ig.0 || ctx.world.ig_by_scoped_id(n) == Some(ig))
}

/// The error for a Graph call without a token: 2500 on `me` (it needs an active token),
/// 104 elsewhere.
pub(crate) fn token_missing(req: &GraphRequest) -> GraphError {
    if req.segments.first().map(String::as_str) == Some("me") {
        GraphError::active_token_required()
    } else {
        GraphError::token_required()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_surface_ends_with_a_route_every_path_fits() {
        let last_graph = ROUTES.iter().rev().find(|r| r.surface == Surface::Graph).unwrap();
        assert!(matches!(last_graph.path, [Any, Rest]));
        assert!(shape_fits::<&str>(&[Rest], &[]));
        assert!(shape_fits(&[Any, Rest], &["a", "b", "c"]));
        assert!(!shape_fits::<&str>(&[Any, Rest], &[]));
        assert!(shape_fits(&[SIM, Rest], &["_sim"]));
    }

    #[test]
    fn the_index_offers_every_route_a_scan_of_the_table_would_find_in_table_order() {
        // Every literal of the table, and texts no literal names, at every position of paths
        // of up to six segments built from a sample of them.
        let mut texts: Vec<&str> = vec!["17841405822304914", "me", "v21.0", "x", ""];
        for r in ROUTES {
            for seg in r.path {
                match seg {
                    Lit(l) => texts.push(l),
                    OneOf(set) => texts.extend(set.iter()),
                    _ => {}
                }
            }
        }
        texts.sort_unstable();
        texts.dedup();
        let mut paths: Vec<Vec<&str>> = vec![vec![]];
        for first in &texts {
            for len in 1..=6 {
                for second in ["media", "sandboxes", "17841405822304914", "x"] {
                    let mut p = vec![*first];
                    p.extend(std::iter::repeat_n(second, len - 1));
                    paths.push(p);
                }
            }
        }
        for surface in [Surface::Raw, Surface::Graph] {
            for segs in &paths {
                let scanned: Vec<*const Route> = ROUTES
                    .iter()
                    .filter(|r| r.surface == surface && shape_fits(r.path, segs))
                    .map(|r| r as *const Route)
                    .collect();
                let indexed: Vec<*const Route> = INDEX
                    .candidates(surface, segs.first().copied(), segs.len())
                    .filter(|r| r.surface == surface && shape_fits(r.path, segs))
                    .map(|r| r as *const Route)
                    .collect();
                assert_eq!(scanned, indexed, "{surface:?} {segs:?}");
                if surface == Surface::Raw && !scanned.is_empty() {
                    assert!(raw_surface_may_fit(segs.first().copied()), "{segs:?}");
                }
            }
        }
    }

    #[test]
    fn shapes_match_literals_sets_and_lengths() {
        assert!(shape_fits(&[Node(Kinds::ALL), Lit("media")], &["1", "media"]));
        assert!(!shape_fits(&[Node(Kinds::ALL), Lit("media")], &["1", "media", "x"]));
        assert!(shape_fits(&[Any, OneOf(SHOPPING_EDGES)], &["1", "product_tags"]));
        assert!(!shape_fits(&[Any, OneOf(SHOPPING_EDGES)], &["1", "comments"]));
        assert!(shape_fits::<&str>(&[], &[]));
    }

    #[test]
    fn writes_are_declared_and_reads_are_gets() {
        for r in ROUTES.iter().filter(|r| r.world == World::Reads) {
            assert!(
                r.methods == GET || matches!(r.handler, Handler::Graph(_) | Handler::Written(_)),
                "a read that is not a GET: {:?}",
                r.path
            );
        }
        // Container creation downloads media before the lock; the webhook subscription
        // verifies its callback between two locks.
        let needs: Vec<BeforeLock> = ROUTES.iter().map(|r| r.before_lock).collect();
        assert!(needs.contains(&BeforeLock::MediaFetch));
        assert!(needs.contains(&BeforeLock::WebhookHandshake));
    }
}
