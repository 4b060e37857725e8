//! The model: the world of one sandbox and its pure operations of `(world, now, typed input)`.
//! `world.rs` is what a world holds (each area's records in `world/`); each area's rules are
//! a file of their own here (`publishing.rs`, `shopping.rs`, …), which imports the world and
//! never the other way round.
//!
//! Invariants: no IO, no clock reads (every operation that needs time takes `now`), and
//! deterministic iteration (ordered maps everywhere a response can see the order).

pub(crate) mod account;
pub(crate) mod capacity;
pub(crate) mod check;
pub(crate) mod comment;
pub(crate) mod events;
pub(crate) mod hashtag;
pub mod insights;
pub(crate) mod json;
pub(crate) mod login;
pub(crate) mod media;
pub(crate) mod media_check;
pub(crate) mod publishing;
pub(crate) mod ratelimit;
pub mod seed;
pub(crate) mod shared;
pub(crate) mod shopping;
pub(crate) mod webhook;
pub(crate) mod window;
pub(crate) mod world;

pub(crate) use account::{Access, App, IgAccountType, IgUser, Page, Revocation, Scopes, Task, Token, TokenKind};
pub(crate) use comment::Comment;
pub(crate) use media::{Media, MediaType, ProductType, ReceivedFile};
pub(crate) use shared::Shared;
pub(crate) use world::{TimeKey, World};
