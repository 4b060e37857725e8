//! The one integration-test binary: black-box tests over HTTP against an in-process
//! simulator, a fresh sandbox per test, every response validated against `specs/`.

mod browser;
mod cdn;
mod clients;
mod comments;
mod concurrency;
mod dashboard;
mod discovery;
mod doc_samples;
mod envelopes;
mod expansion;
mod faults;
mod fields_on_write;
mod foundation;
mod fuzz;
mod harness;
mod hashtags;
mod hostile;
mod iglogin;
mod insights;
mod journal;
mod legacy;
mod negative;
mod persistence;
mod publishing;
mod ratelimit;
mod selftest;
mod shopping;
mod snapshots;
mod specs;
mod support;
mod versions;
mod webhooks;
