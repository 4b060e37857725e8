//! The one integration-test binary: black-box tests over HTTP against an in-process
//! simulator, a fresh sandbox per test, every response validated against `specs/`.

mod doc_samples;
mod foundation;
mod insights;
mod shopping;
mod specs;
