//! A Rust source file as tidy reads it: its code with comments, string and char literals and
//! `#[cfg(test)]` items blanked (every line kept in its place, so line numbers stay true), the
//! modules it declares, and the module paths its code names (`use` trees with their braces
//! included).

use std::path::{Path, PathBuf};

/// One source file of the crate under `src/`.
pub struct Source {
    /// Its path relative to `src/`, with `/` separators.
    pub rel: String,
    /// Its module path (`["http", "graph"]`; the crate root is `[]`).
    pub module: Vec<String>,
    /// The text as written.
    pub text: String,
    /// The code tidy judges: [`blank`]ed, then its test items blanked too.
    pub code: String,
    /// The submodules it declares (`mod x;`, `pub mod x;`): name and whether it is private.
    pub children: Vec<(String, bool)>,
    /// The submodules it declares only for tests (`#[cfg(test)] mod x;`).
    pub test_children: Vec<String>,
}

impl Source {
    pub fn new(rel: &str, text: String) -> Source {
        let blanked = blank(&text);
        let (code, test_children) = blank_test_items(&blanked);
        let children = declared_modules(&code);
        Source {
            module: module_path(rel),
            rel: rel.to_string(),
            text,
            code,
            children,
            test_children,
        }
    }

    /// The code's lines with their numbers (from 1).
    pub fn code_lines(&self) -> impl Iterator<Item = (usize, &str)> {
        self.code.lines().enumerate().map(|(i, l)| (i + 1, l))
    }

    /// Every module path the code names (resolved against this file's module, `self`, `super`
    /// and its declared submodules), with the line that names it. Paths into other crates are
    /// left out.
    pub fn crate_paths(&self) -> Vec<(usize, Vec<String>)> {
        let chars: Vec<char> = self.code.chars().collect();
        let children: Vec<&str> = self.children.iter().map(|(n, _)| n.as_str()).collect();
        let inline = inline_modules(&chars);
        // The module a position of the file is in: the file's, then each inline `mod x { … }`
        // around it (`super` and `self` count from there).
        let module_at = |i: usize| {
            let mut m = self.module.clone();
            m.extend(
                inline
                    .iter()
                    .filter(|(s, e, _)| *s < i && i < *e)
                    .map(|(_, _, n)| n.clone()),
            );
            m
        };
        let mut out = Vec::new();
        let mut line = 1;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '\n' {
                line += 1;
            }
            if !is_ident_start(c) || (i > 0 && (is_ident(chars[i - 1]) || chars[i - 1] == ':')) {
                i += 1;
                continue;
            }
            let (word, end) = ident_at(&chars, i);
            let base = match word.as_str() {
                "crate" => Some(Vec::new()),
                "self" | "super" => Some(module_at(i)),
                w if children.contains(&w) && module_at(i) == self.module => Some(self.module.clone()),
                _ => None,
            };
            let Some(base) = base else {
                i = end;
                continue;
            };
            if !at_path_sep(&chars, end) {
                i = end;
                continue;
            }
            let first = if word == "crate" {
                Vec::new()
            } else {
                vec![word.clone()]
            };
            let (paths, after) = parse_tree(&chars, end, first);
            for p in paths {
                out.push((line, resolve(&base, &p)));
            }
            line += chars[i..after].iter().filter(|&&c| c == '\n').count();
            i = after;
        }
        out
    }
}

/// The module path of a file relative to `src/`: `http/graph.rs` → `http::graph`,
/// `server/mod.rs` → `server`, `lib.rs` and `main.rs` → the root.
pub fn module_path(rel: &str) -> Vec<String> {
    let mut parts: Vec<String> = rel.split('/').map(str::to_string).collect();
    if let Some(last) = parts.last_mut() {
        *last = last.trim_end_matches(".rs").to_string();
    }
    if parts.last().is_some_and(|l| l == "mod") {
        parts.pop();
    }
    if parts == ["lib"] || parts == ["main"] {
        return Vec::new();
    }
    parts
}

/// Every `.rs` file under `src`, sorted, read.
pub fn read_tree(src: &Path) -> Vec<Source> {
    let mut files = Vec::new();
    walk(src, &mut files);
    files.sort();
    files
        .into_iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            let rel = p.strip_prefix(src).ok()?.to_string_lossy().replace('\\', "/");
            Some(Source::new(&rel, text))
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The identifier starting at `i` and the index after it.
fn ident_at(chars: &[char], i: usize) -> (String, usize) {
    let mut end = i;
    while end < chars.len() && is_ident(chars[end]) {
        end += 1;
    }
    (chars[i..end].iter().collect(), end)
}

fn skip_ws(chars: &[char], mut i: usize) -> usize {
    while i < chars.len() && chars[i].is_whitespace() {
        i += 1;
    }
    i
}

fn at_path_sep(chars: &[char], i: usize) -> bool {
    let i = skip_ws(chars, i);
    chars.get(i) == Some(&':') && chars.get(i + 1) == Some(&':')
}

/// Parses the rest of a path or `use` tree after its first segment (`prefix`): `::a::b`,
/// `::{a, b::{c, self}, d as e}`, `::*`. Returns every full path it names and where it ends.
fn parse_tree(chars: &[char], mut i: usize, prefix: Vec<String>) -> (Vec<Vec<String>>, usize) {
    let mut prefix = prefix;
    loop {
        if !at_path_sep(chars, i) {
            return (vec![prefix], i);
        }
        i = skip_ws(chars, skip_ws(chars, i) + 2);
        match chars.get(i) {
            Some('{') => {
                let mut out = Vec::new();
                i += 1;
                loop {
                    i = skip_ws(chars, i);
                    match chars.get(i) {
                        None => return (out, i),
                        Some('}') => return (out, i + 1),
                        Some(',') => i += 1,
                        Some('*') => {
                            out.push(prefix.clone());
                            i += 1;
                        }
                        Some(&c) if is_ident_start(c) => {
                            let (word, end) = ident_at(chars, i);
                            let mut sub = prefix.clone();
                            if word != "self" {
                                sub.push(word);
                            }
                            let (paths, after) = parse_tree(chars, end, sub);
                            out.extend(paths);
                            i = skip_alias(chars, after);
                        }
                        Some(_) => i += 1,
                    }
                }
            }
            Some('*') => return (vec![prefix], i + 1),
            Some(&c) if is_ident_start(c) => {
                let (word, end) = ident_at(chars, i);
                prefix.push(word);
                i = end;
            }
            _ => return (vec![prefix], i),
        }
    }
}

/// The inline modules of a file (`mod x { … }`), each as its braces' span and its name;
/// nested ones follow the ones around them.
fn inline_modules(chars: &[char]) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 4 < chars.len() {
        let starts_word = i == 0 || !is_ident(chars[i - 1]);
        if starts_word && chars[i..].starts_with(&['m', 'o', 'd']) && chars[i + 3].is_whitespace() {
            let j = skip_ws(chars, i + 3);
            let (name, after) = ident_at(chars, j);
            let k = skip_ws(chars, after);
            if !name.is_empty() && chars.get(k) == Some(&'{') {
                let end = matching(chars, k, '{', '}').unwrap_or(chars.len());
                out.push((k, end, name));
            }
        }
        i += 1;
    }
    out
}

/// Skips ` as name` after a `use` tree item.
fn skip_alias(chars: &[char], i: usize) -> usize {
    let j = skip_ws(chars, i);
    if chars.get(j) == Some(&'a')
        && chars.get(j + 1) == Some(&'s')
        && chars.get(j + 2).is_some_and(|c| c.is_whitespace())
    {
        let k = skip_ws(chars, j + 2);
        return ident_at(chars, k).1;
    }
    i
}

/// A path's segments applied to `base`: `super` goes up, `self` stays, names go down.
fn resolve(base: &[String], segs: &[String]) -> Vec<String> {
    let mut out = base.to_vec();
    let mut segs = segs;
    if segs.first().is_some_and(|s| s == "self") {
        segs = &segs[1..];
    }
    for s in segs {
        match s.as_str() {
            "super" => {
                out.pop();
            }
            "self" => {}
            _ => out.push(s.clone()),
        }
    }
    out
}

/// `text` with comments and the contents of string, raw string and char literals replaced by
/// spaces (newlines kept).
pub fn blank(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<char> = chars.clone();
    let blank_range = |out: &mut Vec<char>, from: usize, to: usize| {
        for c in out.iter_mut().take(to.min(chars.len())).skip(from) {
            if *c != '\n' {
                *c = ' ';
            }
        }
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let prev_ident = i > 0 && is_ident(chars[i - 1]);
        if c == '/' && next == Some('/') {
            let end = chars[i..]
                .iter()
                .position(|&c| c == '\n')
                .map_or(chars.len(), |p| i + p);
            blank_range(&mut out, i, end);
            i = end;
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            let mut j = i;
            while j < chars.len() {
                if chars[j] == '/' && chars.get(j + 1) == Some(&'*') {
                    depth += 1;
                    j += 2;
                } else if chars[j] == '*' && chars.get(j + 1) == Some(&'/') {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            blank_range(&mut out, i, j);
            i = j;
        } else if c == 'r'
            && !prev_ident
            && matches!(next, Some('"') | Some('#'))
            && raw_string_end(&chars, i).is_some()
        {
            let end = raw_string_end(&chars, i).unwrap_or(chars.len());
            blank_range(&mut out, i + 1, end);
            i = end;
        } else if c == '"' {
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            blank_range(&mut out, i + 1, j);
            i = j + 1;
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{1F600}') or a lifetime ('a), which stays.
            if next == Some('\\') {
                let end = chars[i + 2..]
                    .iter()
                    .position(|&c| c == '\'')
                    .map_or(chars.len(), |p| i + 2 + p);
                blank_range(&mut out, i + 1, end);
                i = end + 1;
            } else if chars.get(i + 2) == Some(&'\'') {
                blank_range(&mut out, i + 1, i + 2);
                i += 3;
            } else {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    out.into_iter().collect()
}

/// Where the raw string starting with the `r` at `i` ends (after its closing quote and
/// hashes); `None` when it is not one (`r#ident`).
fn raw_string_end(chars: &[char], i: usize) -> Option<usize> {
    let mut j = i + 1;
    let mut hashes = 0;
    while chars.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    if chars.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    while j < chars.len() {
        if chars[j] == '"' && (1..=hashes).all(|k| chars.get(j + k) == Some(&'#')) {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(chars.len())
}

/// `code` with every item under `#[cfg(test)]` blanked (tests may use anything), and the
/// names of the modules declared that way (`#[cfg(test)] mod tests;`).
fn blank_test_items(code: &str) -> (String, Vec<String>) {
    const ATTR: &str = "#[cfg(test)]";
    let mut chars: Vec<char> = code.chars().collect();
    let mut test_mods = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '#' || !chars[i..].iter().take(ATTR.len()).copied().eq(ATTR.chars()) {
            i += 1;
            continue;
        }
        let start = i;
        let mut j = i + ATTR.len();
        // Further attributes of the same item.
        loop {
            j = skip_ws(&chars, j);
            if chars.get(j) == Some(&'#') {
                j = matching(&chars, j + 1, '[', ']').unwrap_or(chars.len());
            } else {
                break;
            }
        }
        let head_start = j;
        let mut depth = 0i32;
        let mut end = chars.len();
        while j < chars.len() {
            match chars[j] {
                '(' | '[' => depth += 1,
                ')' | ']' => depth -= 1,
                ';' if depth == 0 => {
                    end = j + 1;
                    break;
                }
                '{' if depth == 0 => {
                    end = matching(&chars, j, '{', '}').unwrap_or(chars.len());
                    break;
                }
                _ => {}
            }
            j += 1;
        }
        let head: String = chars[head_start..end.min(chars.len())].iter().collect();
        let words: Vec<&str> = head.split(|c: char| !is_ident(c)).filter(|w| !w.is_empty()).collect();
        if let Some(pos) = words.iter().position(|w| *w == "mod") {
            if head.trim_end().ends_with(';') {
                if let Some(name) = words.get(pos + 1) {
                    test_mods.push(name.to_string());
                }
            }
        }
        for c in chars.iter_mut().take(end).skip(start) {
            if *c != '\n' {
                *c = ' ';
            }
        }
        i = end;
    }
    (chars.into_iter().collect(), test_mods)
}

/// The index after the `close` matching the `open` at `i` (or at the first `open` from `i`).
fn matching(chars: &[char], i: usize, open: char, close: char) -> Option<usize> {
    let mut depth = 0;
    for (k, &c) in chars.iter().enumerate().skip(i) {
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth == 0 {
                return Some(k + 1);
            }
        }
    }
    None
}

/// The file modules `code` declares (`mod x;`, `pub mod x;`, `pub(crate) mod x;`), each with
/// whether it is private (`mod x;` alone).
fn declared_modules(code: &str) -> Vec<(String, bool)> {
    code.lines()
        .filter_map(|l| {
            let l = l.trim();
            let rest = l.strip_suffix(';')?;
            let (vis, name) = rest.split_once("mod ")?;
            let name = name.trim();
            if name.is_empty() || !name.chars().all(is_ident) {
                return None;
            }
            let vis = vis.trim();
            if !(vis.is_empty() || vis.starts_with("pub")) {
                return None;
            }
            Some((name.to_string(), vis.is_empty()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(module_rel: &str, code: &str) -> Vec<String> {
        Source::new(module_rel, code.to_string())
            .crate_paths()
            .into_iter()
            .map(|(line, p)| format!("{line}:{}", p.join("::")))
            .collect()
    }

    #[test]
    fn use_trees_name_every_module_they_reach() {
        let code = "use crate::http::{self, graph::{Ctx, Field}, routes as r};\nuse super::*;\nfn f() { crate::model::World::empty(); }\n";
        assert_eq!(
            paths("http/media.rs", code),
            [
                "1:http",
                "1:http::graph::Ctx",
                "1:http::graph::Field",
                "1:http::routes",
                "2:http",
                "3:model::World::empty"
            ]
        );
        let multi = "use crate::http::{\n    a,\n    b::C,\n};\nuse crate::x;\n";
        assert_eq!(paths("y.rs", multi), ["1:http::a", "1:http::b::C", "5:x"]);
        assert_eq!(
            paths("model/insights.rs", "mod catalogue;\npub use catalogue::{A, B};\n"),
            ["2:model::insights::catalogue::A", "2:model::insights::catalogue::B"]
        );
        assert_eq!(
            paths("http/control/ui.rs", "use super::super::graph::Ctx;"),
            ["1:http::graph::Ctx"]
        );
        // `super` inside an inline module is the file's own module.
        assert_eq!(
            paths(
                "model/json.rs",
                "pub mod pairs {\n    use super::*;\n}\nuse super::World;\n"
            ),
            ["2:model::json", "4:model::World"]
        );
    }

    #[test]
    fn comments_strings_and_tests_are_not_code() {
        let code = "// crate::a::b\nconst S: &str = \"crate::c\";\nconst R: &str = r#\"crate::d \"x\"\"#;\nfn f<'a>(c: char) -> bool { c == '\"' }\n#[cfg(test)]\nmod tests { use crate::e; }\n#[cfg(test)]\nfn helper() { crate::f(); }\nuse crate::g;\n";
        assert_eq!(paths("x.rs", code), ["9:g"]);
        let s = Source::new("x.rs", "#[cfg(test)]\nmod tests;\npub mod a;\nmod b;\n".into());
        assert_eq!(s.test_children, ["tests"]);
        assert_eq!(s.children, [("a".to_string(), false), ("b".to_string(), true)]);
        assert_eq!(s.code.lines().count(), 4, "lines stay in place");
    }
}
