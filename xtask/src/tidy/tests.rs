//! Tidy's tests: igsim's own tree passes, and a copy of it with one violation planted fails
//! with that rule, for every rule.

use super::*;
use std::path::PathBuf;

/// The simulator's sources.
fn igsim_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../simulator/src")
}

/// A copy of igsim's sources in the temp directory, removed when dropped.
struct Copy(PathBuf);

impl Copy {
    fn new(name: &str) -> Copy {
        let root = std::env::temp_dir().join(format!("igsim-tidy-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        copy_dir(&igsim_src(), &root);
        Copy(root)
    }

    /// Rewrites one file of the copy.
    fn edit(&self, rel: &str, f: impl FnOnce(String) -> String) -> &Self {
        let p = self.0.join(rel);
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, f(text)).unwrap();
        self
    }

    /// Appends a line to a file of the copy; returns its line number.
    fn plant(&self, rel: &str, line: &str) -> usize {
        let mut n = 0;
        self.edit(rel, |text| {
            n = text.lines().count() + 1;
            format!("{text}{line}\n")
        });
        n
    }

    fn breaches(&self) -> Vec<Breach> {
        check(&self.0)
    }
}

impl Drop for Copy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        let dest = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// The breaches of `rule`, as `file:line`.
fn of(breaches: &[Breach], rule: &str) -> Vec<String> {
    breaches
        .iter()
        .filter(|b| b.rule == rule)
        .map(|b| format!("{}:{}", b.file, b.line))
        .collect()
}

fn show(breaches: &[Breach]) -> String {
    breaches.iter().map(|b| b.to_string()).collect::<Vec<_>>().join("\n")
}

#[test]
fn igsim_keeps_its_shape() {
    let breaches = check(&igsim_src());
    assert!(breaches.is_empty(), "{}", show(&breaches));
}

#[test]
fn an_unchanged_copy_passes() {
    let breaches = Copy::new("unchanged").breaches();
    assert!(breaches.is_empty(), "{}", show(&breaches));
}

#[test]
fn a_file_using_a_layer_above_it_fails() {
    let copy = Copy::new("layers");
    let line = copy.plant(
        "io/media_fetch.rs",
        "pub fn planted(s: &crate::sandbox::Sandbox) -> usize { 0 }",
    );
    let b = copy.breaches();
    assert_eq!(of(&b, "layers"), [format!("io/media_fetch.rs:{line}")], "{}", show(&b));
    // A new top-level module must be given a layer.
    let copy = Copy::new("unlayered");
    copy.plant("lib.rs", "pub mod planted;");
    copy.plant("planted.rs", "//! A module tidy's layers do not know.");
    assert_eq!(of(&copy.breaches(), "layers"), ["planted.rs:1"]);
}

#[test]
fn a_model_that_knows_http_or_json_fails() {
    let copy = Copy::new("model-json");
    let line = copy.plant(
        "model/window.rs",
        "pub fn planted() -> serde_json::Value { serde_json::Value::Null }",
    );
    let b = copy.breaches();
    assert_eq!(of(&b, "model"), [format!("model/window.rs:{line}")], "{}", show(&b));
    assert_eq!(b.len(), 1, "{}", show(&b));
    let copy = Copy::new("model-http");
    let line = copy.plant("model/window.rs", "use crate::http::graph::Ctx;");
    let b = copy.breaches();
    assert!(
        of(&b, "model").contains(&format!("model/window.rs:{line}")),
        "{}",
        show(&b)
    );
    let copy = Copy::new("model-hyper");
    let line = copy.plant("model/window.rs", "use hyper::StatusCode;");
    assert_eq!(of(&copy.breaches(), "model"), [format!("model/window.rs:{line}")]);
    // Tests may use anything.
    let copy = Copy::new("model-tests");
    copy.plant(
        "model/window.rs",
        "#[cfg(test)]\nmod planted {\n    use serde_json::json;\n    use crate::http::graph::Ctx;\n}",
    );
    let b = copy.breaches();
    assert!(b.is_empty(), "{}", show(&b));
}

#[test]
fn reading_the_os_clock_outside_clock_rs_fails() {
    let copy = Copy::new("clock");
    let line = copy.plant(
        "model/window.rs",
        "pub fn planted() { let _ = std::time::SystemTime::now(); }",
    );
    let b = copy.breaches();
    assert_eq!(of(&b, "clock"), [format!("model/window.rs:{line}")], "{}", show(&b));
    let copy = Copy::new("clock-instant");
    let line = copy.plant(
        "http/graph.rs",
        "pub fn planted() -> std::time::Instant { std::time::Instant::now() }",
    );
    assert_eq!(of(&copy.breaches(), "clock"), [format!("http/graph.rs:{line}")]);
    // A timer in a file WALL_CLOCK does not list for it.
    let copy = Copy::new("clock-timer");
    let line = copy.plant(
        "http/cdn.rs",
        "pub async fn planted() { tokio::time::sleep(std::time::Duration::ZERO).await }",
    );
    assert_eq!(of(&copy.breaches(), "clock"), [format!("http/cdn.rs:{line}")]);
    // clock.rs itself may.
    let copy = Copy::new("clock-rs");
    copy.plant("clock.rs", "pub fn planted() { let _ = std::time::Instant::now(); }");
    assert!(copy.breaches().is_empty());
    // An allow-list entry whose file no longer reads the clock.
    let copy = Copy::new("clock-stale");
    copy.edit("io/media_fetch.rs", |t| t.replace("tokio::time::", "planted::"));
    assert_eq!(of(&copy.breaches(), "clock"), ["io/media_fetch.rs:1"]);
}

#[test]
fn matching_on_paths_outside_the_route_table_fails() {
    let copy = Copy::new("paths");
    let line = copy.plant(
        "http/media.rs",
        "pub fn planted(r: &crate::http::request::GraphRequest) -> bool { r.segments.len() > 2 }",
    );
    let b = copy.breaches();
    assert_eq!(of(&b, "paths"), [format!("http/media.rs:{line}")], "{}", show(&b));
}

#[test]
fn a_file_without_its_header_fails() {
    let copy = Copy::new("header");
    copy.edit("ids.rs", |t| t.replacen("//!", "//", 1));
    assert_eq!(of(&copy.breaches(), "header"), ["ids.rs:1"]);
    let copy = Copy::new("header-empty");
    copy.plant("lib.rs", "pub mod planted;");
    copy.plant("planted.rs", "//!\n//! The second line is not the first.");
    assert_eq!(of(&copy.breaches(), "header"), ["planted.rs:1"]);
}

#[test]
fn a_long_file_without_a_reason_fails() {
    let copy = Copy::new("length");
    copy.edit("ids.rs", |t| format!("{t}{}", "\n".repeat(MAX_LINES)));
    assert_eq!(of(&copy.breaches(), "length"), ["ids.rs:1"]);
    let copy = Copy::new("length-reason");
    copy.edit("ids.rs", |t| {
        format!("//! {LONG_REASON} the test says so.\n{t}{}", "\n".repeat(MAX_LINES))
    });
    assert!(copy.breaches().is_empty());
}

#[test]
fn an_import_cycle_between_files_fails() {
    let copy = Copy::new("cycles");
    // timefmt.rs is below clock.rs's users; clock.rs naming timefmt and timefmt naming clock
    // closes a cycle within one layer.
    let line = copy.plant("clock.rs", "pub fn planted() -> i64 { crate::timefmt::planted() }");
    copy.plant("timefmt.rs", "pub fn planted() -> i64 { crate::clock::os_now() }");
    let b = copy.breaches();
    assert_eq!(of(&b, "cycles"), [format!("clock.rs:{line}")], "{}", show(&b));
    assert!(
        b[0].detail.contains("clock.rs -> timefmt.rs -> clock.rs"),
        "{}",
        b[0].detail
    );
    // A cycle between layers' files: config naming a part of the model that names config.
    let copy = Copy::new("cycles-layers");
    copy.plant(
        "config/publishing.rs",
        "pub const PLANTED: i64 = crate::model::seed::MAX_AGE_SECONDS;",
    );
    let b = copy.breaches();
    assert_eq!(of(&b, "cycles").len(), 1, "{}", show(&b));
    assert!(b
        .iter()
        .any(|b| b.rule == "cycles" && b.component.contains(&"config.rs".to_string())));
    // Through a `use` tree's braces.
    let copy = Copy::new("cycles-braces");
    let line = copy.plant(
        "ids.rs",
        "use crate::{\n    synth::{self as _planted},\n    version,\n};",
    );
    copy.plant("synth.rs", "pub fn planted() -> u64 { crate::ids::stable_hash(&[]) }");
    let b = copy.breaches();
    assert_eq!(of(&b, "cycles"), [format!("ids.rs:{line}")], "{}", show(&b));
}
