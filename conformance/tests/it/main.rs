//! The one integration-test binary: black-box tests over HTTP against an in-process
//! simulator, a fresh sandbox per test, every response validated against `specs/`.

mod comments;
mod discovery;
mod foundation;
mod hashtags;
mod specs;
