//! Structural sharing for worlds: [`Shared`] (a copy-on-write `Arc`) and [`Map`] (a
//! persistent ordered map), so a sandbox made from a seed world shares that world's data and
//! stores only what it changed (issue 12).
//!
//! Cloning a [`World`](super::World) copies pointers, not objects; the first change to a
//! shared object copies that object (and, in a [`Map`], the O(log n) tree nodes above it).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::ops::{Bound, Deref, DerefMut};
use std::sync::Arc;

/// The persistent ordered map worlds keep their objects in: a B-tree whose clones share
/// every node until one is changed (imbl's `OrdMap`: ordered iteration like `BTreeMap`, so
/// everything that reaches a response keeps its deterministic order).
pub(crate) type Map<K, V> = imbl::OrdMap<K, V>;

/// A value shared between worlds until one of them changes it: `Deref` reads the shared
/// value, `DerefMut` first copies it when another world still holds it (`Arc::make_mut`).
#[derive(Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Shared<T>(Arc<T>);

impl<T> Shared<T> {
    pub(crate) fn new(value: T) -> Self {
        Shared(Arc::new(value))
    }

    /// Whether both hold the same allocation: a world that still shares a value with an
    /// earlier clone of itself has not changed it (a change through `DerefMut` copies a value
    /// another world holds). O(1).
    pub(crate) fn ptr_eq(a: &Self, b: &Self) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Arc::clone(&self.0))
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Clone> DerefMut for Shared<T> {
    fn deref_mut(&mut self) -> &mut T {
        Arc::make_mut(&mut self.0)
    }
}

impl<T> From<T> for Shared<T> {
    fn from(value: T) -> Self {
        Shared::new(value)
    }
}

/// Written and read as the value itself (snapshots do not see the sharing).
impl<T: Serialize> Serialize for Shared<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Shared<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Shared::new)
    }
}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Ordered maps a page can be cut from (`http::paging::window`): the keys of a range, in
/// order, from either end.
pub(crate) trait KeyRange<K> {
    fn key_range(&self, lo: Bound<K>, hi: Bound<K>) -> Box<dyn DoubleEndedIterator<Item = K> + '_>;
}

impl<K: Ord + Copy, V> KeyRange<K> for std::collections::BTreeMap<K, V> {
    fn key_range(&self, lo: Bound<K>, hi: Bound<K>) -> Box<dyn DoubleEndedIterator<Item = K> + '_> {
        Box::new(self.range((lo, hi)).map(|(k, _)| *k))
    }
}

impl<K: Ord + Copy, V: Clone> KeyRange<K> for Map<K, V> {
    fn key_range(&self, lo: Bound<K>, hi: Bound<K>) -> Box<dyn DoubleEndedIterator<Item = K> + '_> {
        Box::new(self.range((lo, hi)).map(|(k, _)| *k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_to_a_shared_value_leaves_the_other_holder_alone() {
        let a = Shared::new(vec![1, 2]);
        let mut b = a.clone();
        b.push(3);
        assert_eq!(*a, vec![1, 2]);
        assert_eq!(*b, vec![1, 2, 3]);
    }

    #[test]
    fn a_cloned_map_shares_until_changed() {
        let mut a: Map<u64, Shared<String>> = Map::new();
        for i in 0..1000 {
            a.insert(i, Shared::new(i.to_string()));
        }
        let mut b = a.clone();
        assert!(a.ptr_eq(&b));
        if let Some(v) = b.get_mut(&7) {
            v.push('!');
        }
        assert_eq!(a.get(&7).map(|s| s.as_str()), Some("7"));
        assert_eq!(b.get(&7).map(|s| s.as_str()), Some("7!"));
        assert!(!a.ptr_eq(&b));
    }
}
