//! How the model's records are written as plain JSON (sandbox snapshots, `snapshot.rs`):
//! maps whose keys are not strings or numbers (time keys, token kinds) as arrays of
//! `[key, value]` pairs, and received media bytes as base64. Each helper is a serde `with`
//! module, so the JSON does not depend on which map type holds the records in memory.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// A map as `[[key, value], …]` in key order (any map type: `BTreeMap`, `model::Map`).
pub(crate) mod pairs {
    use super::*;

    pub(crate) fn serialize<M, K, V, S>(map: &M, s: S) -> Result<S::Ok, S::Error>
    where
        for<'a> &'a M: IntoIterator<Item = (&'a K, &'a V)>,
        K: Serialize,
        V: Serialize,
        S: Serializer,
    {
        s.collect_seq(map)
    }

    pub(crate) fn deserialize<'de, M, K, V, D>(d: D) -> Result<M, D::Error>
    where
        M: FromIterator<(K, V)>,
        K: DeserializeOwned,
        V: DeserializeOwned,
        D: Deserializer<'de>,
    {
        Ok(Vec::<(K, V)>::deserialize(d)?.into_iter().collect())
    }
}

/// A map of maps, the inner ones as pairs (`{"<account>": [[[time, seq], media], …]}`).
pub(crate) mod nested_pairs {
    use super::*;

    /// An inner map, written as pairs.
    struct AsPairs<'a, M>(&'a M);

    impl<M, K, V> Serialize for AsPairs<'_, M>
    where
        for<'a> &'a M: IntoIterator<Item = (&'a K, &'a V)>,
        K: Serialize,
        V: Serialize,
    {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.0)
        }
    }

    pub(crate) fn serialize<Outer, O, M, K, V, S>(map: &Outer, s: S) -> Result<S::Ok, S::Error>
    where
        for<'a> &'a Outer: IntoIterator<Item = (&'a O, &'a M)>,
        for<'a> &'a M: IntoIterator<Item = (&'a K, &'a V)>,
        O: Serialize,
        K: Serialize,
        V: Serialize,
        S: Serializer,
    {
        s.collect_map(map.into_iter().map(|(k, inner)| (k, AsPairs(inner))))
    }

    pub(crate) fn deserialize<'de, Outer, O, M, K, V, D>(d: D) -> Result<Outer, D::Error>
    where
        Outer: FromIterator<(O, M)> + IntoIterator<Item = (O, M)>,
        M: FromIterator<(K, V)> + IntoIterator<Item = (K, V)>,
        O: DeserializeOwned + Ord,
        K: DeserializeOwned,
        V: DeserializeOwned,
        D: Deserializer<'de>,
    {
        let m = BTreeMap::<O, Vec<(K, V)>>::deserialize(d)?;
        Ok(m.into_iter()
            .map(|(k, inner)| (k, inner.into_iter().collect()))
            .collect())
    }
}

/// Bytes as one base64 string.
pub(crate) mod base64_bytes {
    use super::*;
    use base64::Engine;

    pub(crate) fn serialize<S: Serializer>(b: &bytes::Bytes, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(b))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bytes::Bytes, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map(bytes::Bytes::from)
            .map_err(serde::de::Error::custom)
    }
}

/// Optional bytes as a base64 string or `null`.
pub(crate) mod opt_base64_bytes {
    use super::*;

    #[derive(Serialize, Deserialize)]
    struct B64(#[serde(with = "super::base64_bytes")] bytes::Bytes);

    pub(crate) fn serialize<S: Serializer>(b: &Option<bytes::Bytes>, s: S) -> Result<S::Ok, S::Error> {
        b.clone().map(B64).serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bytes::Bytes>, D::Error> {
        Ok(Option::<B64>::deserialize(d)?.map(|B64(b)| b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::shared::Map;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct T {
        #[serde(with = "pairs")]
        by_time: BTreeMap<(i64, u64), u64>,
        #[serde(with = "nested_pairs")]
        feed: Map<u64, Map<(i64, u64), u64>>,
        #[serde(with = "opt_base64_bytes")]
        file: Option<bytes::Bytes>,
    }

    #[test]
    fn composite_keys_and_bytes_round_trip_as_plain_json() {
        let t = T {
            by_time: [((5, 1), 9)].into(),
            feed: Map::from_iter([(7u64, Map::from_iter([((5i64, 2u64), 3u64)]))]),
            file: Some(bytes::Bytes::from_static(b"\xff\xd8\xff")),
        };
        let v = serde_json::to_value(&t).unwrap();
        assert_eq!(
            v,
            serde_json::json!({ "by_time": [[[5, 1], 9]], "feed": { "7": [[[5, 2], 3]] }, "file": "/9j/" })
        );
        assert_eq!(serde_json::from_value::<T>(v).unwrap(), t);
    }
}
