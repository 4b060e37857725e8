//! `cargo xtask tidy`: the checks that keep igsim's shape (ARCHITECTURE.md "Rules that keep
//! it so"), run inside `cargo xtask ci` like rust-analyzer's tidy tests: read the sources of
//! `simulator/src` as text, report every breach with its file, line and rule.
//!
//! - `layers`: a file names `crate::X` only for an `X` of its own layer or below
//!   ([`LAYERS`]); every top-level module has a layer.
//! - `model`: `model/` uses nothing of `crate::http`, `hyper`, `http`, `serde_json` or
//!   `tokio`: the world knows no HTTP, JSON or IO.
//! - `clock`: only `clock.rs` reads the OS clock; the wall-clock uses that are about wall
//!   time (timeouts, stalls, back-off) are listed in [`WALL_CLOCK`], each with its reason.
//! - `paths`: only the route table (`http/routes.rs`) matches on a request's path segments.
//! - `header`: every source file opens with a `//!` line saying what it is.
//! - `length`: no file is over [`MAX_LINES`] lines unless its opening doc says why
//!   ("Long because …").
//! - `cycles`: no import cycle between files, on the file-level graph of the modules each
//!   file's code names (`use` trees included). A file and its private parts (`mod x;`, the
//!   pieces one file is split into, invisible outside it) count as one.
//!
//! Test code (`#[cfg(test)]` items, `tests.rs`) may use anything: tests are not layered.

mod source;
#[cfg(test)]
mod tests;

use source::Source;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Longest file, in lines, without a reason at its top.
pub const MAX_LINES: usize = 600;

/// The marker of that reason in a file's opening doc.
pub const LONG_REASON: &str = "Long because";

/// The layers of the simulator crate, top down: a file may use modules of its own layer or
/// below (ARCHITECTURE.md "Layers"). The crate root (`lib.rs`) and the binary (`main.rs` and
/// the modules it declares, a crate of its own) are above them all.
pub const LAYERS: &[(&str, &[&str])] = &[
    ("server", &["server", "logging"]),
    ("http", &["http"]),
    ("app", &["app", "sandbox"]),
    ("io", &["io"]),
    ("bookkeeping", &["journal", "faults", "snapshot"]),
    ("model", &["model"]),
    (
        "base",
        &[
            "error", "config", "version", "ids", "timefmt", "clock", "synth", "pattern",
        ],
    ),
];

/// A use of the OS clock outside `clock.rs` that is about wall time, not a sandbox's time.
pub struct WallClock {
    pub file: &'static str,
    /// What the file uses (one of [`CLOCK_READERS`]).
    pub reader: &'static str,
    pub why: &'static str,
}

/// What reads the OS clock: the std and `time` crate's "now", and tokio's timers.
pub const CLOCK_READERS: &[&str] = &[
    "SystemTime::now",
    "Instant::now",
    "now_utc",
    "now_local",
    "Utc::now",
    "tokio::time",
];

/// Every wall-clock use outside `clock.rs`, with why it is about wall time. An entry that no
/// longer matches anything is itself a breach, so the list stays true.
pub const WALL_CLOCK: &[WallClock] = &[
    WallClock {
        file: "server.rs",
        reader: "tokio::time",
        why: "the server's own limits on real connections: the pause after a failed accept, the \
              grace period of a shutdown, how long a request body may wait for the byte budget \
              and stall between frames (config/server.rs); no sandbox's time",
    },
    WallClock {
        file: "server/guard.rs",
        reader: "tokio::time",
        why: "a connection that stops reading or writing for io_stall_timeout_ms of real time is \
              closed (slow-loris); no sandbox's time",
    },
    WallClock {
        file: "app/dispatcher.rs",
        reader: "tokio::time",
        why: "the webhook dispatcher wakes every half second of real time to see what is due on \
              each sandbox's clock, and a flush waits flush_wait_ms of real time for POSTs in \
              flight; delivery times themselves come from the sandbox clocks",
    },
    WallClock {
        file: "http/exchange.rs",
        reader: "tokio::time",
        why: "a fault rule's latency_ms and hang_ms are real time by design: they test a client's \
              own timeouts, which run on the wall clock",
    },
    WallClock {
        file: "io/webhooks.rs",
        reader: "tokio::time",
        why: "a webhook POST to a real callback gives up after its timeout in real time",
    },
    WallClock {
        file: "io/media_fetch.rs",
        reader: "tokio::time",
        why: "downloading a media URL from a real host gives up after fetch_timeout_ms of real \
              time",
    },
];

/// The files that read a request's path segments besides the route table, each with why it
/// is not routing.
pub const PATH_READERS: &[(&str, &str)] = &[
    ("http/routes.rs", "THE route table"),
    (
        "http/route.rs",
        "the table's vocabulary: what a path's first segment names for the rate limits and the \
         webhook handshake",
    ),
    ("http/request.rs", "parses a request into its version and segments"),
    (
        "http/batch.rs",
        "parses a batch operation's relative_url into its segments",
    ),
    (
        "pattern.rs",
        "matches the path patterns tests give journal filters and fault rules: what a test asked \
         to see or break, not how a request is served",
    ),
    (
        "journal.rs",
        "keeps each request's segments for its filters (pattern.rs) and counts their bytes",
    ),
    (
        "faults.rs",
        "a fault rule's node and edge are the first two segments of the paths it breaks",
    ),
];

/// Crates and modules the model does not use, as written in a path.
const NOT_IN_MODEL: &[&str] = &["hyper", "hyper_util", "http_body_util", "http", "serde_json", "tokio"];

/// One breach of a rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Breach {
    pub file: String,
    pub line: usize,
    pub rule: &'static str,
    pub detail: String,
    /// For `cycles`: every file of the strongly connected component the cycle is in.
    pub component: Vec<String>,
}

impl std::fmt::Display for Breach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "simulator/src/{}:{}: [{}] {}",
            self.file, self.line, self.rule, self.detail
        )
    }
}

/// The layer of a top-level module (0 is the top); `None`: not in [`LAYERS`].
fn layer(top: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, mods)| mods.contains(&top))
}

/// The modules of the binary (`main.rs` and those it declares): a crate of its own, not
/// layered with the library's.
fn binary_modules(sources: &[Source]) -> BTreeSet<Vec<String>> {
    sources
        .iter()
        .filter(|s| s.rel == "main.rs")
        .flat_map(|s| s.children.iter().map(|(name, _)| vec![name.clone()]))
        .collect()
}

/// Whether a file is test code only.
fn is_test_file(s: &Source, test_modules: &BTreeSet<Vec<String>>) -> bool {
    s.rel == "tests.rs" || s.rel.ends_with("/tests.rs") || test_modules.contains(&s.module)
}

/// Runs every check on the sources under `src` (a crate's `src/`).
pub fn check(src: &Path) -> Vec<Breach> {
    let sources = source::read_tree(src);
    let test_modules: BTreeSet<Vec<String>> = sources
        .iter()
        .flat_map(|s| {
            s.test_children.iter().map(|c| {
                let mut m = s.module.clone();
                m.push(c.clone());
                m
            })
        })
        .collect();
    let code: Vec<&Source> = sources.iter().filter(|s| !is_test_file(s, &test_modules)).collect();
    let binary = binary_modules(&sources);
    let in_binary =
        |s: &Source| s.rel == "main.rs" || s.module.first().is_some_and(|t| binary.contains(&vec![t.clone()]));
    let library: Vec<&Source> = code.iter().copied().filter(|s| !in_binary(s)).collect();
    let mut out = Vec::new();
    for s in &sources {
        check_header(s, &mut out);
        check_length(s, &mut out);
    }
    for s in &library {
        check_layers(s, &mut out);
    }
    for s in &code {
        check_model(s, &mut out);
        check_paths(s, &mut out);
    }
    check_clock(&code, &mut out);
    check_cycles(&library, &mut out);
    out.sort();
    out
}

fn breach(file: &str, line: usize, rule: &'static str, detail: impl Into<String>) -> Breach {
    Breach {
        file: file.to_string(),
        line,
        rule,
        detail: detail.into(),
        component: Vec::new(),
    }
}

fn check_header(s: &Source, out: &mut Vec<Breach>) {
    let first = s.text.lines().next().unwrap_or("");
    if first.strip_prefix("//!").is_none_or(|says| says.trim().is_empty()) {
        out.push(breach(
            &s.rel,
            1,
            "header",
            "a source file opens with a `//!` line saying what it is",
        ));
    }
}

fn check_length(s: &Source, out: &mut Vec<Breach>) {
    let lines = s.text.lines().count();
    let says_why = s
        .text
        .lines()
        .take_while(|l| l.starts_with("//!"))
        .any(|l| l.contains(LONG_REASON));
    if lines > MAX_LINES && !says_why {
        out.push(breach(
            &s.rel,
            1,
            "length",
            format!("{lines} lines: split it by reason to change, or say at its top why it is one file (\"{LONG_REASON} …\")"),
        ));
    }
}

fn check_layers(s: &Source, out: &mut Vec<Breach>) {
    if s.module.is_empty() {
        return;
    }
    let Some(own) = layer(&s.module[0]) else {
        if s.module.len() == 1 {
            out.push(breach(
                &s.rel,
                1,
                "layers",
                format!(
                    "the top-level module `{}` has no layer: add it to tidy's LAYERS",
                    s.module[0]
                ),
            ));
        }
        return;
    };
    for (line, path) in s.crate_paths() {
        let Some(top) = path.first() else { continue };
        if layer(top).is_some_and(|target| target < own) {
            out.push(breach(
                &s.rel,
                line,
                "layers",
                format!(
                    "{} uses crate::{}, a layer above it (layers point only down)",
                    LAYERS[own].0,
                    path.join("::")
                ),
            ));
        }
    }
}

fn check_model(s: &Source, out: &mut Vec<Breach>) {
    if s.module.first().is_none_or(|m| m != "model") {
        return;
    }
    for (line, path) in s.crate_paths() {
        if path.first().is_some_and(|t| t == "http") {
            out.push(breach(
                &s.rel,
                line,
                "model",
                "the model uses crate::http: it knows no HTTP or JSON",
            ));
        }
    }
    for (n, text) in s.code_lines() {
        for krate in NOT_IN_MODEL {
            // `krate::…` or `::krate::…`, not `other::krate::…` (`crate::http` is a path of
            // this crate, judged above).
            let named = text.match_indices(&format!("{krate}::")).any(|(i, _)| {
                let before = text[..i].strip_suffix("::").unwrap_or(&text[..i]);
                let is_ident = |c: char| c.is_alphanumeric() || c == '_';
                !before.ends_with(is_ident) && !before.ends_with(':')
            });
            if named {
                out.push(breach(
                    &s.rel,
                    n,
                    "model",
                    format!("the model uses `{krate}`: it knows no HTTP, JSON or IO"),
                ));
            }
        }
    }
}

fn check_paths(s: &Source, out: &mut Vec<Breach>) {
    if PATH_READERS.iter().any(|(file, _)| *file == s.rel) {
        return;
    }
    for (n, text) in s.code_lines() {
        if text.contains(".segments") {
            out.push(breach(
                &s.rel,
                n,
                "paths",
                "reads a request's path segments: only the route table (http/routes.rs) matches on paths",
            ));
        }
    }
}

fn check_clock(code: &[&Source], out: &mut Vec<Breach>) {
    let mut used = vec![false; WALL_CLOCK.len()];
    for s in code.iter().filter(|s| s.rel != "clock.rs") {
        for (n, text) in s.code_lines() {
            for reader in CLOCK_READERS.iter().filter(|r| text.contains(**r)) {
                match WALL_CLOCK.iter().position(|w| w.file == s.rel && w.reader == *reader) {
                    Some(k) => used[k] = true,
                    None => out.push(breach(
                        &s.rel,
                        n,
                        "clock",
                        format!(
                            "reads the OS clock ({reader}): only clock.rs does; a use about wall time \
                             (a timeout, a stall) goes in tidy's WALL_CLOCK with its reason"
                        ),
                    )),
                }
            }
        }
    }
    for (w, used) in WALL_CLOCK.iter().zip(used) {
        if !used {
            out.push(breach(
                w.file,
                1,
                "clock",
                format!(
                    "WALL_CLOCK lists {} here (\"{}\"), which the file no longer uses: remove the entry",
                    w.reader, w.why
                ),
            ));
        }
        if w.why.trim().is_empty() {
            out.push(breach(
                w.file,
                1,
                "clock",
                "a WALL_CLOCK entry says why it is about wall time",
            ));
        }
    }
}

/// The unit a module belongs to: the nearest ancestor (itself included) that is not a
/// private submodule of its parent.
fn unit_of(module: &[String], private: &BTreeSet<Vec<String>>) -> Vec<String> {
    let mut m = module.to_vec();
    while private.contains(&m) {
        m.pop();
    }
    m
}

/// A file with its private parts, by module path.
type Unit = Vec<String>;

/// Unit → the units it names, each with the file and line that first does.
type Edges = BTreeMap<Vec<String>, BTreeMap<Vec<String>, (String, usize)>>;

fn check_cycles(code: &[&Source], out: &mut Vec<Breach>) {
    let files: BTreeMap<&Vec<String>, &str> = code.iter().map(|s| (&s.module, s.rel.as_str())).collect();
    let private: BTreeSet<Vec<String>> = code
        .iter()
        .flat_map(|s| {
            s.children.iter().filter(|(_, private)| *private).map(|(name, _)| {
                let mut m = s.module.clone();
                m.push(name.clone());
                m
            })
        })
        .collect();
    let mut edges: Edges = BTreeMap::new();
    for s in code.iter().filter(|s| !s.module.is_empty()) {
        let from = unit_of(&s.module, &private);
        for (line, path) in s.crate_paths() {
            // The longest prefix of the path that is a module with a file.
            let Some(target) = (1..=path.len())
                .rev()
                .map(|k| path[..k].to_vec())
                .find(|m| files.contains_key(m))
            else {
                continue;
            };
            let to = unit_of(&target, &private);
            if to != from && !to.is_empty() {
                edges
                    .entry(from.clone())
                    .or_default()
                    .entry(to)
                    .or_insert((s.rel.clone(), line));
            }
        }
    }
    for (component, cycle) in cycles(&edges) {
        let name = |u: &Vec<String>| files.get(u).copied().unwrap_or("?").to_string();
        let names: Vec<String> = cycle.iter().map(name).collect();
        let (file, line) = edges[&cycle[0]][&cycle[1 % cycle.len()]].clone();
        let mut b = breach(
            &file,
            line,
            "cycles",
            format!(
                "import cycle between files: {} -> {} ({} files import each other)",
                names.join(" -> "),
                names[0],
                component.len()
            ),
        );
        b.component = component.iter().map(name).collect();
        out.push(b);
    }
}

/// Each strongly connected component of more than one unit (Tarjan's algorithm), with one
/// cycle through it as the units along it.
fn cycles(edges: &Edges) -> Vec<(BTreeSet<Unit>, Vec<Unit>)> {
    struct Tarjan<'a> {
        edges: &'a Edges,
        index: BTreeMap<Vec<String>, usize>,
        low: BTreeMap<Vec<String>, usize>,
        stack: Vec<Vec<String>>,
        on_stack: BTreeSet<Vec<String>>,
        components: Vec<BTreeSet<Vec<String>>>,
    }
    impl Tarjan<'_> {
        fn visit(&mut self, v: &Vec<String>) {
            let n = self.index.len();
            self.index.insert(v.clone(), n);
            self.low.insert(v.clone(), n);
            self.stack.push(v.clone());
            self.on_stack.insert(v.clone());
            let targets: Vec<Vec<String>> = self
                .edges
                .get(v)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            for w in targets {
                let reached = if !self.index.contains_key(&w) {
                    self.visit(&w);
                    self.low[&w]
                } else if self.on_stack.contains(&w) {
                    self.index[&w]
                } else {
                    continue;
                };
                let low = self.low[v].min(reached);
                self.low.insert(v.clone(), low);
            }
            if self.low[v] == self.index[v] {
                let mut component = BTreeSet::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(&w);
                    let done = w == *v;
                    component.insert(w);
                    if done {
                        break;
                    }
                }
                if component.len() > 1 {
                    self.components.push(component);
                }
            }
        }
    }
    let mut t = Tarjan {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        components: Vec::new(),
    };
    for v in edges.keys() {
        if !t.index.contains_key(v) {
            t.visit(v);
        }
    }
    if std::env::var_os("TIDY_SCC").is_some() {
        for c in &t.components {
            eprintln!(
                "SCC {}: {:?}",
                c.len(),
                c.iter().map(|u| u.join("::")).collect::<Vec<_>>()
            );
            for u in c {
                for (v, (f, l)) in &edges[u] {
                    if c.contains(v) {
                        eprintln!("   {} -> {} ({f}:{l})", u.join("::"), v.join("::"));
                    }
                }
            }
        }
    }
    // In each component, a concrete cycle: from its first unit along edges that stay inside
    // it until a unit repeats (every unit of a component has such an edge).
    t.components
        .into_iter()
        .map(|component| {
            let mut path: Vec<Vec<String>> = component.iter().take(1).cloned().collect();
            let cycle = loop {
                let last = &path[path.len() - 1];
                let Some(next) = edges[last].keys().find(|k| component.contains(*k)).cloned() else {
                    break path;
                };
                if let Some(pos) = path.iter().position(|p| *p == next) {
                    break path.split_off(pos);
                }
                path.push(next);
            };
            (component, cycle)
        })
        .collect()
}

/// `cargo xtask tidy`: prints every breach; true when there are none.
pub fn run(root: &Path) -> bool {
    let breaches = check(&root.join("simulator").join("src"));
    for b in &breaches {
        eprintln!("{b}");
    }
    if breaches.is_empty() {
        eprintln!("xtask tidy: simulator/src keeps its shape");
    } else {
        eprintln!(
            "xtask tidy: {} breaches (ARCHITECTURE.md says why each rule)",
            breaches.len()
        );
    }
    breaches.is_empty()
}
