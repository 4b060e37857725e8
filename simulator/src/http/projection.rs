//! Field projection: THE rule every node follows when a selection is written ([`Projection`]),
//! resolved once per page (issue 12), into an answer's bytes or a `Value`; and what a field
//! answers ([`Field`]), reference fields ([`reference`]) included.

use crate::error::{GraphError, GraphResult};
use crate::http::fields::FieldSel;
use crate::http::json;
use serde_json::{Map, Value};

/// One field's answer while projecting a node.
pub(crate) enum Field {
    Value(Value),
    /// Known field with nothing to show here (e.g. `caption` on an album child).
    Omit,
    /// Not a field of this node type.
    Unknown,
}

impl Field {
    /// A nested edge expansion (`media{…}`, `comments{…}`, `replies{…}`, `children{…}`…) as a
    /// field: left out when the edge has no items, as production does rather than answering
    /// `{"data":[]}` (recorded `/{ig-media-id}/comments?fields=…,replies{…}`: only comments with
    /// replies carry the key; bk-rs/instagram-apis-rs, instagram-graph-api
    /// tests/response_body_json_files/v14.0/ig_media_17946328927974136__comments__reading.json).
    /// Top-level edges (`GET /{id}/{edge}`) keep their `{"data":[]}`.
    pub(crate) fn edge(v: Value) -> Field {
        if v.get("data").and_then(Value::as_array).is_some_and(Vec::is_empty) {
            Field::Omit
        } else {
            Field::Value(v)
        }
    }
}

/// A field that points at another node (Page `instagram_business_account` and
/// `connected_instagram_account`, media `owner`, comment `user`): `{"id"}` on its own; with a
/// sub-selection, the referenced node's own projection with its fields, defaults and rules,
/// an unknown sub-field failing the whole request with (#100) on the referenced node type
/// (GH:getopenpost/openpost#218, facts §9 "Reference fields expand").
pub(crate) fn reference(
    sel: &FieldSel,
    id: &str,
    expand: impl FnOnce(&[FieldSel]) -> GraphResult<Value>,
) -> GraphResult<Field> {
    match &sel.children {
        None => Ok(Field::Value(serde_json::json!({ "id": id }))),
        Some(sub) => expand(sub).map(Field::Value),
    }
}

/// A selection resolved once for every node written with it (each item of a page, issue 12):
/// each field's key, already escaped, and what the field names on the node type (`T`, the
/// node renderer's own field kind, `None` for a field the type does not have), so a page pays
/// for the names and keys once rather than per item.
///
/// THE projection rule ([`Projection::apply`], for bytes and `Value`s alike): fields in the
/// order asked, each under its key (its alias when it has one, [`FieldSel::key`]), a key asked
/// twice put once (a field left out leaves its key free), `id` always present (appended when
/// not asked for), unknown fields a `(#100)` error on the node type, raised where the field
/// stands (so only when a node is written: an empty page answers whatever it asks).
pub(crate) struct Projection<'s, T> {
    node_type: &'s str,
    entries: Vec<Entry<'s, T>>,
    /// `,"key":` of every entry, back to back (`Entry::key_json`).
    keys: Vec<u8>,
    /// Whether some key is asked more than once (then each node checks what it put).
    repeated: bool,
}

/// One field of a [`Projection`].
pub(crate) struct Entry<'s, T> {
    pub(crate) sel: &'s FieldSel,
    key: &'s str,
    /// Where the entry's `,"key":` lies in [`Projection::keys`].
    key_json: std::ops::Range<usize>,
    slot: Slot<T>,
}

/// What an entry of a [`Projection`] names.
enum Slot<T> {
    Id,
    Field(T),
    Unknown,
}

impl<'s, T> Projection<'s, T> {
    /// Resolves `sel` on `node_type`: `resolve` names each field other than `id` (`None`: not
    /// a field of this type).
    pub(crate) fn new(
        node_type: &'s str,
        sel: &'s [FieldSel],
        mut resolve: impl FnMut(&'s FieldSel) -> Option<T>,
    ) -> Self {
        let mut keys = Vec::with_capacity(sel.len() * 16);
        let mut entries: Vec<Entry<'s, T>> = Vec::with_capacity(sel.len());
        let mut repeated = false;
        for s in sel {
            let key = s.key();
            repeated |= entries.iter().any(|e| e.key == key);
            let at = keys.len();
            keys.push(b',');
            json::push_key(&mut keys, key);
            let slot = if s.name == "id" {
                Slot::Id
            } else {
                resolve(s).map_or(Slot::Unknown, Slot::Field)
            };
            entries.push(Entry {
                sel: s,
                key,
                key_json: at..keys.len(),
                slot,
            });
        }
        Projection {
            node_type,
            entries,
            keys,
            repeated,
        }
    }

    /// The fields that name `T`s, in the order asked.
    pub(crate) fn fields(&self) -> impl Iterator<Item = (&T, &'s FieldSel)> + '_ {
        self.entries.iter().filter_map(|e| match &e.slot {
            Slot::Field(t) => Some((t, e.sel)),
            _ => None,
        })
    }

    /// Applies THE rule (see [`Projection`]) to one node.
    fn apply<O: NodeObject<'s, T>>(&self, o: &mut O) -> GraphResult<()> {
        // What each entry put, kept only when a key repeats.
        let mut put: Vec<bool> = Vec::new();
        let mut has_id = false;
        for (i, e) in self.entries.iter().enumerate() {
            if self.repeated && self.entries[..i].iter().zip(&put).any(|(p, &w)| w && p.key == e.key) {
                put.push(false);
                continue;
            }
            let key = &self.keys[e.key_json.clone()];
            let wrote = match &e.slot {
                Slot::Id => {
                    o.put_id(e.key, key);
                    true
                }
                Slot::Field(t) => match o.put(e.key, key, t, e.sel)? {
                    Wrote::Value => true,
                    Wrote::Omit => false,
                    Wrote::Unknown => return Err(GraphError::nonexisting_field(&e.sel.name, self.node_type)),
                },
                Slot::Unknown => return Err(GraphError::nonexisting_field(&e.sel.name, self.node_type)),
            };
            if self.repeated {
                put.push(wrote);
            }
            has_id |= wrote && e.key == "id";
        }
        if !has_id {
            o.put_id("id", b",\"id\":");
        }
        Ok(())
    }

    /// Writes one node straight into `out` ([`Projection::apply`]): `f` writes the value of
    /// each field after its key (`direct` bytes, no intermediate tree).
    pub(crate) fn write(
        &self,
        out: &mut Vec<u8>,
        id: u64,
        f: impl FnMut(&T, &'s FieldSel, &mut Vec<u8>) -> GraphResult<Wrote>,
    ) -> GraphResult<()> {
        struct ToBytes<'o, F> {
            out: &'o mut Vec<u8>,
            /// Where the object's first key goes (no comma before it).
            start: usize,
            id: u64,
            f: F,
        }
        impl<F> ToBytes<'_, F> {
            fn key(&mut self, key_json: &[u8]) -> usize {
                let mark = self.out.len();
                let key_json = if mark == self.start { &key_json[1..] } else { key_json };
                self.out.extend_from_slice(key_json);
                mark
            }
        }
        impl<'s, T, F: FnMut(&T, &'s FieldSel, &mut Vec<u8>) -> GraphResult<Wrote>> NodeObject<'s, T> for ToBytes<'_, F> {
            fn put_id(&mut self, _key: &str, key_json: &[u8]) {
                self.key(key_json);
                json::push_u64_str(self.out, self.id);
            }
            fn put(&mut self, _key: &str, key_json: &[u8], t: &T, sel: &'s FieldSel) -> GraphResult<Wrote> {
                let mark = self.key(key_json);
                let wrote = (self.f)(t, sel, self.out)?;
                if !matches!(wrote, Wrote::Value) {
                    self.out.truncate(mark);
                }
                Ok(wrote)
            }
        }
        out.push(b'{');
        let start = out.len();
        self.apply(&mut ToBytes { out, start, id, f })?;
        out.push(b'}');
        Ok(())
    }
}

/// Where [`Projection::apply`] puts a node's fields: a `Value` map ([`project`]) or an
/// answer's bytes ([`Projection::write`]).
trait NodeObject<'s, T> {
    /// Puts the node's id under `key` (`key_json`: `,"key":`).
    fn put_id(&mut self, key: &str, key_json: &[u8]);
    /// Puts the field `sel` (named `t` on the node type) under `key`.
    fn put(&mut self, key: &str, key_json: &[u8], t: &T, sel: &'s FieldSel) -> GraphResult<Wrote>;
}

/// Builds a node object from a selection ([`Projection`]) as a `Value`.
pub(crate) fn project(
    node_type: &str,
    id: &str,
    sel: &[FieldSel],
    f: impl FnMut(&FieldSel) -> GraphResult<Field>,
) -> GraphResult<Value> {
    struct ToMap<'i, F> {
        map: Map<String, Value>,
        id: &'i str,
        f: F,
    }
    impl<'s, F: FnMut(&FieldSel) -> GraphResult<Field>> NodeObject<'s, ()> for ToMap<'_, F> {
        fn put_id(&mut self, key: &str, _: &[u8]) {
            self.map.insert(key.into(), Value::String(self.id.into()));
        }
        fn put(&mut self, key: &str, _: &[u8], _: &(), sel: &'s FieldSel) -> GraphResult<Wrote> {
            Ok(match (self.f)(sel)? {
                Field::Value(v) => {
                    self.map.insert(key.into(), v);
                    Wrote::Value
                }
                Field::Omit => Wrote::Omit,
                Field::Unknown => Wrote::Unknown,
            })
        }
    }
    let mut o = ToMap {
        map: Map::with_capacity(sel.len() + 1),
        id,
        f,
    };
    Projection::new(node_type, sel, |_| Some(())).apply(&mut o)?;
    Ok(Value::Object(o.map))
}

/// What a field wrote into an answer ([`Projection::write`]).
pub(crate) enum Wrote {
    /// Its value, after its key.
    Value,
    /// Nothing: a known field with nothing to show here (its key is taken back).
    Omit,
    /// Nothing: not a field of this node type.
    Unknown,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::fields::parse;
    use proptest::prelude::*;

    /// A node of fields `a` (1), `b` (known, left out), `c` (a string to escape), id 7.
    fn answer(name: &str) -> Field {
        match name {
            "a" => Field::Value(Value::from(1)),
            "b" => Field::Omit,
            "c" => Field::Value(Value::from("x\"y")),
            _ => Field::Unknown,
        }
    }

    fn as_bytes(fields: &str) -> GraphResult<String> {
        let sel = parse(fields)?;
        let p = Projection::new("Node", &sel, |s| (s.name != "zzz").then_some(()));
        let mut out = Vec::new();
        p.write(&mut out, 7, |_, s, out| {
            Ok(match answer(&s.name) {
                Field::Value(v) => {
                    json::push_value(out, &v);
                    Wrote::Value
                }
                Field::Omit => Wrote::Omit,
                Field::Unknown => Wrote::Unknown,
            })
        })?;
        Ok(String::from_utf8(out).unwrap_or_default())
    }

    fn as_value(fields: &str) -> GraphResult<String> {
        let sel = parse(fields)?;
        project("Node", "7", &sel, |s| Ok(answer(&s.name))).map(|v| v.to_string())
    }

    #[test]
    fn the_rule_puts_a_key_once_keeps_id_and_names_unknown_fields() {
        for (fields, expected) in [
            // A field left out leaves its key free; a key put once is not put again.
            ("b.as(k),a.as(k)", r#"{"k":1,"id":"7"}"#),
            ("a.as(k),c.as(k)", r#"{"k":1,"id":"7"}"#),
            ("a,a,c", r#"{"a":1,"c":"x\"y","id":"7"}"#),
            // `id` is appended unless a field was put under the key `id`.
            ("a.as(id)", r#"{"id":1}"#),
            ("b.as(id),a", r#"{"a":1,"id":"7"}"#),
            ("id.as(x),a", r#"{"x":"7","a":1,"id":"7"}"#),
            ("b", r#"{"id":"7"}"#),
        ] {
            assert_eq!(as_bytes(fields).ok().as_deref(), Some(expected), "{fields}");
            assert_eq!(as_value(fields).ok().as_deref(), Some(expected), "{fields}");
        }
        for e in [as_bytes("a,zzz,b"), as_value("a,zzz,b")] {
            let e = e.expect_err("an unknown field fails");
            assert_eq!(e.code, 100);
            assert!(e.message.contains("(zzz) on node type (Node)"), "{}", e.message);
        }
    }

    proptest! {
        #[test]
        fn bytes_and_values_follow_the_same_rule(
            fields in proptest::collection::vec(
                ("(id|a|b|c|zzz)", proptest::option::of("(id|k|a|b)")),
                0..8,
            )
        ) {
            let list: Vec<String> = fields
                .iter()
                .map(|(name, alias)| match alias {
                    Some(a) => format!("{name}.as({a})"),
                    None => name.clone(),
                })
                .collect();
            let list = list.join(",");
            let (bytes, value) = (as_bytes(&list), as_value(&list));
            match (bytes, value) {
                (Ok(b), Ok(v)) => prop_assert_eq!(b, v),
                (Err(b), Err(v)) => prop_assert_eq!(b.message, v.message),
                (b, v) => prop_assert!(false, "{list}: bytes {b:?}, value {v:?}"),
            }
        }
    }
}
