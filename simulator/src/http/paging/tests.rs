//! Tests of cursor paging: windows, their neighbours, cursors and the values of a window.

use super::*;
use std::collections::BTreeMap;

fn map(n: u64) -> BTreeMap<(i64, u64), ()> {
    (1..=n).map(|i| ((i as i64 * 10, i), ())).collect()
}

fn req(limit: usize, after: Option<String>, before: Option<String>) -> PageReq {
    PageReq { limit, after, before }
}

/// Every window of `m` in `order`, `limit` keys at a time, following `next`.
fn walk(m: &dyn KeyRange<(i64, u64)>, order: Order, limit: usize) -> Vec<Window<(i64, u64)>> {
    let mut windows = Vec::new();
    let mut after = None;
    loop {
        let w = window(m, Bound::Unbounded, Bound::Unbounded, order, &req(limit, after, None)).unwrap();
        after = w.keys.last().map(encode);
        let more = w.has_next;
        windows.push(w);
        if !more {
            return windows;
        }
    }
}

#[test]
fn walking_next_visits_every_item_once_newest_first() {
    let seen: Vec<u64> = walk(&map(7), Order::Desc, 3)
        .iter()
        .flat_map(|w| w.keys.iter().map(|k| k.1))
        .collect();
    assert_eq!(seen, vec![7, 6, 5, 4, 3, 2, 1]);
}

#[test]
fn cursors_survive_inserts_at_the_front() {
    let mut m = map(5);
    let w = window(&m, Bound::Unbounded, Bound::Unbounded, Order::Desc, &req(2, None, None)).unwrap();
    let after = encode(w.keys.last().unwrap());
    m.insert((1000, 99), ());
    let w2 = window(
        &m,
        Bound::Unbounded,
        Bound::Unbounded,
        Order::Desc,
        &req(2, Some(after), None),
    )
    .unwrap();
    assert_eq!(w2.keys.iter().map(|k| k.1).collect::<Vec<_>>(), vec![3, 2]);
}

#[test]
fn before_walks_back() {
    let m = map(6);
    let w = window(
        &m,
        Bound::Unbounded,
        Bound::Unbounded,
        Order::Desc,
        &req(2, Some(encode(&(40, 4))), None),
    )
    .unwrap();
    assert_eq!(w.keys.iter().map(|k| k.1).collect::<Vec<_>>(), vec![3, 2]);
    let back = window(
        &m,
        Bound::Unbounded,
        Bound::Unbounded,
        Order::Desc,
        &req(2, None, Some(encode(&w.keys[0]))),
    )
    .unwrap();
    assert_eq!(back.keys.iter().map(|k| k.1).collect::<Vec<_>>(), vec![5, 4]);
    assert!(back.has_previous && back.has_next);
}

#[test]
fn a_window_s_values_come_in_its_order_from_one_walk() {
    let m: crate::model::shared::Map<(i64, u64), u64> = (1..=9u64).map(|i| ((i as i64 * 10, i), i * 100)).collect();
    for order in [Order::Desc, Order::Asc] {
        for w in walk(&m, order, 4) {
            let looked_up: Vec<u64> = w.keys.iter().map(|k| m[k]).collect();
            assert_eq!(values(&m, &w), looked_up);
        }
    }
    // Keys that are not a run of the map (never a window of it) are looked up one by one.
    let scattered = Window {
        keys: vec![(90, 9), (30, 3)],
        has_next: false,
        has_previous: false,
    };
    assert_eq!(values(&m, &scattered), vec![900, 300]);
}

proptest::proptest! {
    /// The window's flags are what probing both sides of the page says.
    #[test]
    fn a_window_knows_its_neighbours_as_probing_would(
        n in 0u64..12,
        limit in 0usize..6,
        lower in proptest::option::of(0i64..130),
        upper in proptest::option::of(0i64..130),
        after in proptest::option::of(0i64..130),
        before in proptest::option::of(0i64..130),
        desc: bool,
    ) {
        let m = map(n);
        let bound = |b: Option<i64>, tie: u64| b.map_or(Bound::Unbounded, |t| Bound::Included((t, tie)));
        let (lo, hi) = (bound(lower, 0), bound(upper, u64::MAX));
        let order = if desc { Order::Desc } else { Order::Asc };
        let cursor = |c: Option<i64>| c.map(|t| encode(&(t, 5u64)));
        let w = window(&m, lo, hi, order, &req(limit, cursor(after), cursor(before))).unwrap();
        // The model: the keys within bounds in display order; the page the `limit` after the
        // `after` cursor (or the `limit` just before `before`), its neighbours whatever lies
        // on either side of it there.
        let in_bounds = |k: &(i64, u64)| {
            (match lo {
                Bound::Included(l) => *k >= l,
                _ => true,
            }) && (match hi {
                Bound::Included(h) => *k <= h,
                _ => true,
            })
        };
        let mut all: Vec<(i64, u64)> = m.keys().copied().filter(in_bounds).collect();
        if desc {
            all.reverse();
        }
        let later = |x: &(i64, u64), c: (i64, u64)| if desc { *x < c } else { *x > c };
        let (start, end) = match (after, before) {
            (Some(a), _) => {
                let s = all.iter().position(|x| later(x, (a, 5))).unwrap_or(all.len());
                (s, (s + limit).min(all.len()))
            }
            (None, Some(b)) => {
                let e = all.iter().position(|x| !later(&(b, 5), *x)).unwrap_or(all.len());
                (e.saturating_sub(limit), e)
            }
            (None, None) => (0, limit.min(all.len())),
        };
        let page = &all[start..end];
        proptest::prop_assert_eq!(&w.keys, &page.to_vec());
        proptest::prop_assert_eq!(w.has_next, !page.is_empty() && end < all.len());
        proptest::prop_assert_eq!(w.has_previous, !page.is_empty() && start > 0);
    }
}

#[test]
fn garbage_cursors_are_graph_errors() {
    let m = map(3);
    let e = window(
        &m,
        Bound::Unbounded,
        Bound::Unbounded,
        Order::Desc,
        &req(2, Some("nope".into()), None),
    )
    .unwrap_err();
    assert_eq!(e.code, 100);
}

#[test]
fn inverted_bounds_give_an_empty_page_not_a_panic() {
    let m = map(3);
    let w = window(
        &m,
        Bound::Included((50, 0)),
        Bound::Included((10, 0)),
        Order::Desc,
        &req(2, None, None),
    )
    .unwrap();
    assert!(w.keys.is_empty());
}
