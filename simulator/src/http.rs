//! The only layer that knows HTTP and JSON: request parsing, the route table, field
//! projection, paging, rendering, and one handler file per resource.

pub(crate) mod batch;
pub(crate) mod cdn;
pub(crate) mod comment;
pub mod control;
pub(crate) mod dialog;
pub(crate) mod discovery;
pub(crate) mod exchange;
pub(crate) mod fields;
pub(crate) mod graph;
pub(crate) mod hashtag;
pub(crate) mod ig_user;
pub(crate) mod iglogin;
pub(crate) mod input;
pub(crate) mod insights;
pub(crate) mod json;
pub(crate) mod legacy;
pub(crate) mod media;
pub(crate) mod mention;
pub(crate) mod nodes;
pub(crate) mod oauth;
pub(crate) mod page;
pub(crate) mod paging;
pub(crate) mod projection;
pub(crate) mod publishing;
pub(crate) mod ratelimit;
pub(crate) mod request;
pub(crate) mod response;
pub(crate) mod route;
pub(crate) mod router;
pub(crate) mod routes;
pub(crate) mod shopping;
pub(crate) mod upload;
pub(crate) mod user;
pub(crate) mod webhooks;
