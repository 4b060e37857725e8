//! The `fields=` language: `a,b{c,d{e}}`, `edge.limit(5){…}`, parameterised fields such as
//! `business_discovery.username(bluebottle){…}` (facts §3.2). Parsing never panics; bad
//! input is a Graph error with the position, like production's syntax errors.

use crate::error::{GraphError, GraphResult};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, LazyLock, Mutex};

/// Deepest nesting accepted (real requests rarely go past 3).
const MAX_DEPTH: usize = 16;
const MAX_LEN: usize = 8192;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldSel {
    pub(crate) name: String,
    /// `.name(value)` modifiers in order, e.g. `("limit", "5")`, `("username", "bluebottle")`.
    pub(crate) args: Vec<(String, String)>,
    /// `{…}` sub-selection, if given.
    pub(crate) children: Option<Vec<FieldSel>>,
}

impl FieldSel {
    pub(crate) fn plain(name: &str) -> Self {
        FieldSel {
            name: name.into(),
            args: Vec::new(),
            children: None,
        }
    }

    pub(crate) fn arg(&self, name: &str) -> Option<&str> {
        self.args.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The key the field's value is written under: its alias (`caption.as(title)` writes
    /// `"title"`; field aliases, `DOC:/docs/graph-api/guides/field-expansion`) or its name. An
    /// empty alias is no alias.
    pub(crate) fn key(&self) -> &str {
        self.arg("as").filter(|a| !a.is_empty()).unwrap_or(&self.name)
    }
}

/// Selections parsed lately, by their text: a client sends the same few `fields=` values on
/// every call, and a parse costs thousands of instructions and an allocation per name.
/// Bounded: only texts of at most [`MEMO_TEXT`] bytes, at most [`MEMO_ENTRIES`] of them (the
/// memo is emptied when full). Only successful parses are kept.
static MEMO: LazyLock<Mutex<HashMap<String, Arc<[FieldSel]>>>> = LazyLock::new(Default::default);
const MEMO_TEXT: usize = 512;
const MEMO_ENTRIES: usize = 1024;

/// [`parse`], shared: the same text gives the same selection without parsing it again.
pub(crate) fn parse_shared(input: &str) -> GraphResult<Arc<[FieldSel]>> {
    let memo = || MEMO.lock().unwrap_or_else(|e| e.into_inner());
    if input.len() > MEMO_TEXT {
        return parse(input).map(Arc::from);
    }
    if let Some(hit) = memo().get(input) {
        return Ok(hit.clone());
    }
    let parsed: Arc<[FieldSel]> = parse(input)?.into();
    let mut memo = memo();
    if memo.len() >= MEMO_ENTRIES {
        memo.clear();
    }
    memo.insert(input.to_string(), parsed.clone());
    Ok(parsed)
}

/// Parses a `fields` value; empty items (`a,,b`, a trailing comma) are skipped.
pub(crate) fn parse(input: &str) -> GraphResult<Vec<FieldSel>> {
    if input.len() > MAX_LEN {
        return Err(GraphError::fields_syntax("Field list too long", MAX_LEN, ""));
    }
    let mut p = Parser {
        s: input.as_bytes(),
        i: 0,
        input,
    };
    let list = p.list(0)?;
    p.ws();
    if p.i < p.s.len() {
        return Err(p.err(&format!("Expected end of string instead of \"{}\".", p.here())));
    }
    Ok(list)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    input: &'a str,
}

impl Parser<'_> {
    /// A syntax error at the current position, counted in characters (not bytes).
    fn err(&self, detail: &str) -> GraphError {
        let at = self.input.get(..self.i).map_or(self.i, |done| done.chars().count());
        GraphError::fields_syntax(detail, at, self.input)
    }

    /// The character at the current position (whole, also when it is not ASCII), for errors.
    fn here(&self) -> char {
        self.input
            .get(self.i..)
            .and_then(|rest| rest.chars().next())
            .unwrap_or(char::REPLACEMENT_CHARACTER)
    }

    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn list(&mut self, depth: usize) -> GraphResult<Vec<FieldSel>> {
        if depth > MAX_DEPTH {
            return Err(self.err("Nesting too deep"));
        }
        // Room for a typical selection without regrowing.
        let mut out: Vec<FieldSel> = Vec::with_capacity(8);
        loop {
            self.ws();
            match self.peek() {
                None | Some(b'}') => break,
                Some(b',') => {
                    self.i += 1;
                    continue;
                }
                _ => {}
            }
            let item = self.item(depth)?;
            out.push(item);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                None | Some(b'}') => break,
                Some(_) => return Err(self.err(&format!("Expected \",\" or \"}}\" instead of \"{}\".", self.here()))),
            }
        }
        Ok(out)
    }

    fn ident(&mut self) -> GraphResult<String> {
        let start = self.i;
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == b'_' {
                self.i += 1;
            } else {
                break;
            }
        }
        if start == self.i {
            return Err(match self.peek() {
                Some(_) => self.err(&format!("Expected field name instead of \"{}\".", self.here())),
                None => self.err("Unexpected end of string."),
            });
        }
        // ASCII letters, digits and `_` only: a slice of the input as it is.
        Ok(self.input[start..self.i].to_string())
    }

    fn modifier(&mut self, sel: &mut FieldSel) -> GraphResult<()> {
        self.i += 1; // '.'
        let name = self.ident()?;
        if self.peek() != Some(b'(') {
            return Err(self.err("Expected \"(\"."));
        }
        self.i += 1;
        let start = self.i;
        let mut depth = 0usize;
        loop {
            match self.peek() {
                None => return Err(self.err("Unterminated modifier argument.")),
                Some(b'(') => depth += 1,
                Some(b')') if depth == 0 => break,
                Some(b')') => depth -= 1,
                _ => {}
            }
            self.i += 1;
        }
        let value = String::from_utf8_lossy(&self.s[start..self.i]).trim().to_string();
        self.i += 1; // ')'
        sel.args.push((name, value));
        Ok(())
    }

    fn item(&mut self, depth: usize) -> GraphResult<FieldSel> {
        let mut sel = FieldSel {
            name: self.ident()?,
            args: Vec::new(),
            children: None,
        };
        loop {
            self.ws();
            match self.peek() {
                Some(b'.') => self.modifier(&mut sel)?,
                Some(b'{') if sel.children.is_none() => {
                    self.i += 1;
                    let children = self.list(depth + 1)?;
                    self.ws();
                    if self.peek() != Some(b'}') {
                        return Err(self.err("Expected \"}\"."));
                    }
                    self.i += 1;
                    sel.children = Some(children);
                }
                _ => break,
            }
        }
        Ok(sel)
    }
}

impl fmt::Display for FieldSel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name)?;
        for (k, v) in &self.args {
            write!(f, ".{k}({v})")?;
        }
        if let Some(children) = &self.children {
            write!(f, "{{{}}}", render_list(children))?;
        }
        Ok(())
    }
}

/// Writes a selection back in `fields=` syntax (for `paging.next` URLs).
pub(crate) fn render_list(list: &[FieldSel]) -> String {
    list.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_parse_is_the_parse_and_the_memo_stays_bounded() {
        for text in ["id,caption", "id,caption", "media.limit(3){id}", "id,,caption,"] {
            assert_eq!(&*parse_shared(text).unwrap(), &parse(text).unwrap()[..]);
        }
        assert!(parse_shared("id,{").is_err());
        let long = "id,".repeat(MEMO_TEXT);
        assert_eq!(&*parse_shared(&long).unwrap(), &parse(&long).unwrap()[..]);
        for i in 0..MEMO_ENTRIES + 10 {
            parse_shared(&format!("f{i}")).unwrap();
        }
        let memo = MEMO.lock().unwrap_or_else(|e| e.into_inner());
        assert!(memo.len() <= MEMO_ENTRIES);
        assert!(memo.keys().all(|k| k.len() <= MEMO_TEXT));
    }
    use proptest::prelude::*;

    #[test]
    fn nested_edges_with_modifiers_parse() {
        let f =
            parse("business_discovery.username(bluebottle){followers_count,media.limit(2){comments_count,like_count}}")
                .unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].arg("username"), Some("bluebottle"));
        let inner = f[0].children.as_ref().unwrap();
        assert_eq!(inner[1].name, "media");
        assert_eq!(inner[1].arg("limit"), Some("2"));
        assert_eq!(inner[1].children.as_ref().unwrap().len(), 2);
    }

    #[test]
    fn modifiers_may_follow_braces() {
        let f = parse("media{id}.limit(3)").unwrap();
        assert_eq!(f[0].arg("limit"), Some("3"));
    }

    #[test]
    fn an_alias_is_the_key_a_field_is_written_under() {
        let f = parse("caption.as(title),media.limit(2).as(posts){id},username,id.as()").unwrap();
        let keys: Vec<&str> = f.iter().map(FieldSel::key).collect();
        assert_eq!(keys, ["title", "posts", "username", "id"]);
        assert_eq!(render_list(&f[..1]), "caption.as(title)");
    }

    #[test]
    fn empty_items_are_skipped() {
        assert_eq!(parse("id,,username,").unwrap().len(), 2);
        assert!(parse("").unwrap().is_empty());
    }

    #[test]
    fn unbalanced_braces_are_syntax_errors() {
        let e = parse("media{id").unwrap_err();
        assert_eq!(e.code, 2500);
        assert!(parse("id}").is_err());
        assert!(parse("a.b").is_err());
    }

    #[test]
    fn syntax_errors_quote_the_whole_character_and_count_characters() {
        let e = parse("été").unwrap_err();
        assert_eq!(
            e.message,
            "Syntax error \"Expected field name instead of \"é\".\" at character 0: été"
        );
        let e = parse("id,名前").unwrap_err();
        assert!(
            e.message.contains("instead of \"名\".\" at character 3"),
            "{}",
            e.message
        );
        let e = parse("id😀").unwrap_err();
        assert!(
            e.message.contains("instead of \"😀\".\" at character 2"),
            "{}",
            e.message
        );
    }

    #[test]
    fn rendering_round_trips() {
        let s = "media.limit(5){id,children{media_url}},username";
        assert_eq!(render_list(&parse(s).unwrap()), s);
    }

    proptest! {
        #[test]
        fn parsing_arbitrary_input_never_panics(s in "\\PC{0,64}") {
            let _ = parse(&s);
        }

        #[test]
        fn parsing_field_like_input_never_panics(s in "[a-z_{},.()0-9 ]{0,64}") {
            if let Ok(list) = parse(&s) {
                // Whatever parses renders to something that parses to the same thing.
                prop_assert_eq!(parse(&render_list(&list)).unwrap(), list);
            }
        }
    }
}
