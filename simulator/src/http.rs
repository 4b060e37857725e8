//! The only layer that knows HTTP and JSON: request parsing, the route table, field
//! projection, paging, rendering, and one handler file per resource.

pub mod batch;
pub mod cdn;
pub mod comment;
pub mod control;
pub mod dialog;
pub mod discovery;
pub mod exchange;
pub mod fields;
pub mod graph;
pub mod hashtag;
pub mod ig_user;
pub mod iglogin;
pub mod input;
pub mod insights;
pub mod json;
pub mod legacy;
pub mod media;
pub mod mention;
pub mod oauth;
pub mod page;
pub mod paging;
pub mod publishing;
pub mod ratelimit;
pub mod request;
pub mod response;
pub mod router;
pub mod routes;
pub mod shopping;
pub mod upload;
pub mod user;
pub mod webhooks;
