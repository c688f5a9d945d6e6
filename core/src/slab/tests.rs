use super::*;

type Table = Slab<heapless::Vec<Entry<char>, 8>, Entry<char>>;

/// A slab over `n` vacant entries (in a `heapless::Vec`, so it can grow to 8).
fn table(n: usize) -> Table {
    let mut storage = heapless::Vec::new();
    storage.resize(n, Entry::VACANT).unwrap();
    Slab::new(storage)
}

fn indices(slab: &Table) -> heapless::Vec<u32, 8> {
    slab.iter().map(|(key, _)| key.index()).collect()
}

/// An element like the reactor's slot: an entry plus a part of its own that outlives a value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Wide {
    entry: Entry<u8>,
    kept: u32,
}

impl Element for Wide {
    type Value = u8;
    const VACANT: Wide = Wide {
        entry: Entry::VACANT,
        kept: 0,
    };
    const MAX_LEN: u32 = 3;
    const GENERATION_MASK: u32 = 0b11;
    fn entry(&self) -> &Entry<u8> {
        &self.entry
    }
    fn entry_mut(&mut self) -> &mut Entry<u8> {
        &mut self.entry
    }
}

// ---- keys ----

#[test]
fn occupied_lookup_finds_the_value() {
    let mut s = table(4);
    let k = s.insert('a').unwrap();
    assert_eq!(s.get(k), Some(&'a'));
    *s.get_mut(k).unwrap() = 'b';
    assert_eq!(s.element(k).and_then(Entry::get), Some(&'b'));
    assert_eq!(s.element_mut(k).map(|e| e.is_occupied()), Some(true));
    assert_eq!(s.len(), 1);
}

#[test]
fn removed_key_is_stale_everywhere() {
    let mut s = table(4);
    let old = s.insert('a').unwrap();
    assert_eq!(s.remove(old), Some('a'));
    assert_eq!(s.get(old), None);
    assert_eq!(s.get_mut(old), None);
    assert!(s.element(old).is_none());
    assert!(s.element_mut(old).is_none());
    assert_eq!(s.remove(old), None);
    assert!(s.is_empty());
    // the entry is reused under a new generation; the old key still misses
    let new = s.insert('b').unwrap();
    assert_eq!(new.index(), old.index());
    assert_ne!(new.generation(), old.generation());
    assert_eq!(s.get(old), None);
    assert_eq!(s.remove(old), None);
    assert_eq!(s.get(new), Some(&'b'));
}

#[test]
fn stale_remove_changes_nothing() {
    let mut s = table(2);
    let a = s.insert('a').unwrap();
    let forged = Key::new(a.index(), a.generation() + 1);
    assert_eq!(s.remove(forged), None);
    assert_eq!(s.remove(Key::new(1, 0)), None); // vacant entry
    assert_eq!(s.remove(Key::new(7, 0)), None); // past the storage
    assert_eq!(s.get(a), Some(&'a'));
    assert_eq!(s.len(), 1);
    // the free list is intact: one more fits, then the table is full
    assert_eq!(s.insert('b').map(Key::index), Ok(1));
    assert_eq!(s.insert('c'), Err(Full('c')));
}

#[test]
fn key_round_trips_through_u64() {
    let k = Key::new(5, 3);
    assert_eq!(k.to_u64(), (3u64 << 32) | 5);
    assert_eq!(Key::from_u64(k.to_u64()), k);
    let top = Key::new(u32::MAX, u32::MAX);
    assert_eq!(Key::from_u64(top.to_u64()), top);
}

// ---- generations ----

#[test]
fn generation_wraps_at_the_mask() {
    let mut storage = [Wide::VACANT; 1];
    let mut s = Slab::new(&mut storage[..]);
    let mut keys = [Key::new(0, 0); 5];
    for key in &mut keys {
        *key = s.insert(1).unwrap();
        assert_eq!(s.remove(*key), Some(1));
    }
    let generations = keys.map(Key::generation);
    assert_eq!(generations, [0, 1, 2, 3, 0]);
    // a key is stale until exactly mask + 1 removals later (the ABA bound)
    let current = s.insert(2).unwrap();
    assert_eq!(current.generation(), 1);
    assert_eq!(s.get(keys[0]), None);
    assert_eq!(s.get(keys[1]), Some(&2));
}

#[test]
fn full_width_generation_wraps_to_zero() {
    let mut s = table(1);
    s.storage[0].generation = u32::MAX;
    let last = s.insert('a').unwrap();
    assert_eq!(last.generation(), u32::MAX);
    assert_eq!(s.remove(last), Some('a'));
    let wrapped = s.insert('b').unwrap();
    assert_eq!(wrapped.generation(), 0);
    assert_eq!(s.get(last), None);
}

// ---- capacity ----

#[test]
fn full_table_hands_the_value_back() {
    let mut s = table(2);
    s.insert('a').unwrap();
    s.insert('b').unwrap();
    assert_eq!(s.insert('c'), Err(Full('c')));
    assert_eq!(s.len(), 2);
    assert_eq!(s.capacity(), 2);
}

#[test]
fn empty_storage_is_always_full() {
    let mut storage: [Entry<char>; 0] = [];
    let mut s = Slab::new(&mut storage[..]);
    assert_eq!(s.insert('a'), Err(Full('a')));
    assert_eq!(s.capacity(), 0);
}

#[test]
fn storage_past_max_len_is_unused() {
    let mut storage = [Wide::VACANT; 5];
    let mut s = Slab::new(&mut storage[..]);
    assert_eq!(s.capacity(), 3);
    for _ in 0..3 {
        s.insert(0).unwrap();
    }
    assert_eq!(s.insert(9), Err(Full(9)));
}

// ---- the free list ----

#[test]
fn fresh_storage_hands_out_ascending_indices() {
    let mut s = table(4);
    let got: heapless::Vec<u32, 4> = (0..4).map(|_| s.insert('x').unwrap().index()).collect();
    assert_eq!(got[..], [0, 1, 2, 3]);
}

#[test]
fn freed_entries_are_reused_last_freed_first() {
    let mut s = table(4);
    let keys: heapless::Vec<Key, 4> = (0..4).map(|_| s.insert('x').unwrap()).collect();
    s.remove(keys[1]).unwrap();
    s.remove(keys[3]).unwrap();
    s.remove(keys[0]).unwrap();
    let got: heapless::Vec<u32, 3> = (0..3).map(|_| s.insert('y').unwrap().index()).collect();
    assert_eq!(got[..], [0, 3, 1]);
    assert_eq!(s.insert('z'), Err(Full('z')));
}

#[test]
fn new_resets_storage_a_previous_slab_used() {
    let mut storage = [Entry::VACANT; 3];
    let mut first = Slab::new(&mut storage[..]);
    let k = first.insert('a').unwrap();
    first.remove(k).unwrap();
    first.insert('b').unwrap();
    let mut second = Slab::new(&mut storage[..]);
    assert!(second.is_empty());
    assert_eq!(second.iter().count(), 0);
    assert_eq!(second.insert('c'), Ok(Key::new(0, 0)));
}

#[test]
fn renew_keeps_keys_of_a_previous_slab_stale() {
    let mut storage = [Entry::VACANT; 3];
    let mut first = Slab::new(&mut storage[..]);
    let held = first.insert('a').unwrap(); // still occupied when the storage is renewed
    let freed = first.insert('b').unwrap();
    first.remove(freed).unwrap();
    assert_eq!((held.generation(), freed.generation()), (0, 0));
    let mut second = Slab::renew(&mut storage[..]);
    assert!(second.is_empty());
    assert_eq!(second.iter().count(), 0);
    assert_eq!(second.get(held), None);
    assert_eq!(second.remove(held), None);
    // every generation moved on by one: 0 -> 1 for the held and the untouched entry, 1 -> 2 for
    // the freed one; indices are handed out in ascending order again
    let keys = [(); 3].map(|()| second.insert('c').unwrap());
    assert_eq!(keys, [Key::new(0, 1), Key::new(1, 2), Key::new(2, 1)]);
    assert_eq!(second.get(held), None);
    assert_eq!(second.get(freed), None);
    assert_eq!(second.insert('d'), Err(Full('d')));
}

#[test]
fn renew_wraps_generations_at_the_mask() {
    let mut storage = [Wide::VACANT; 4];
    storage[0].entry.generation = 0b11;
    storage[1].kept = 7;
    let mut s = Slab::renew(&mut storage[..]);
    assert_eq!(s.capacity(), 3, "MAX_LEN still applies");
    assert_eq!(s.insert(1), Ok(Key::new(0, 0)), "0b11 + 1 wraps to 0");
    assert_eq!(s.insert(2), Ok(Key::new(1, 1)));
    assert_eq!(s.as_ref()[1].kept, 0, "the rest of the element is reset");
}

// ---- growth ----

#[test]
fn grow_adds_the_new_entries_lowest_first() {
    let mut s = table(2);
    let a = s.insert('a').unwrap();
    let b = s.insert('b').unwrap();
    assert_eq!(s.insert('c'), Err(Full('c')));
    s.grow(|v| v.resize(5, Entry::VACANT).unwrap());
    assert_eq!(s.capacity(), 5);
    let more: heapless::Vec<u32, 3> = (0..3).map(|_| s.insert('n').unwrap().index()).collect();
    assert_eq!(more[..], [2, 3, 4]);
    assert_eq!(s.insert('d'), Err(Full('d')));
    // the old values are untouched
    assert_eq!((s.get(a), s.get(b)), (Some(&'a'), Some(&'b')));
}

#[test]
fn grow_keeps_entries_already_free() {
    let mut s = table(2);
    let a = s.insert('a').unwrap();
    s.grow(|v| v.push(Entry::VACANT).unwrap());
    // the new entry goes on top of the free list, the old free one after it
    assert_eq!(s.insert('b').map(Key::index), Ok(2));
    assert_eq!(s.insert('c').map(Key::index), Ok(1));
    assert_eq!(s.get(a), Some(&'a'));
}

#[test]
fn storage_that_does_not_grow_changes_nothing() {
    let mut s = table(2);
    let a = s.insert('a').unwrap();
    s.grow(|_| {});
    s.grow(|v| v.truncate(1)); // shrinking is forbidden, and ignored
    assert_eq!(s.capacity(), 2);
    assert_eq!(s.get(a), Some(&'a'));
    assert_eq!(s.len(), 1);
}

#[test]
fn grow_stops_at_max_len() {
    let mut storage = heapless::Vec::<Wide, 8>::new();
    storage.push(Wide::VACANT).unwrap();
    let mut s = Slab::new(storage);
    s.grow(|v| v.resize(6, Wide::VACANT).unwrap());
    assert_eq!(s.capacity(), 3);
}

#[test]
fn insert_or_grow_grows_only_when_full() {
    let mut s = table(1);
    let mut calls = 0;
    let a = s.insert_or_grow('a', |_| calls += 1).unwrap();
    assert_eq!(calls, 0);
    let b = s
        .insert_or_grow('b', |v| {
            calls += 1;
            v.push(Entry::VACANT).unwrap();
        })
        .unwrap();
    assert_eq!((calls, a.index(), b.index()), (1, 0, 1));
    assert_eq!(s.insert_or_grow('c', |_| {}), Err(Full('c')));
}

// ---- elements ----

#[test]
fn an_element_keeps_its_own_part_while_vacant() {
    let mut storage = [Wide::VACANT; 2];
    let mut s = Slab::new(&mut storage[..]);
    let k = s.insert(7).unwrap();
    s.element_mut(k).unwrap().kept = 42;
    assert_eq!(s.remove(k), Some(7));
    assert_eq!(s.as_ref()[0].kept, 42);
    assert!(!s.as_ref()[0].entry.is_occupied());
    let again = s.insert(8).unwrap();
    assert_eq!(s.element(again).map(|e| e.kept), Some(42));
}

#[test]
fn raw_storage_changes_values_not_the_free_list() {
    let mut s = table(3);
    let a = s.insert('a').unwrap();
    if let Some(v) = s.as_mut()[0].get_mut() {
        *v = 'z';
    }
    assert_eq!(s.as_mut()[1].get_mut(), None); // vacant
    assert_eq!(s.get(a), Some(&'z'));
    assert_eq!(s.insert('b').map(Key::index), Ok(1));
}

// ---- iteration ----

#[test]
fn iter_lists_the_values_in_index_order() {
    let mut s = table(4);
    let keys: heapless::Vec<Key, 4> = (0..4)
        .map(|i| s.insert(['a', 'b', 'c', 'd'][i]).unwrap())
        .collect();
    s.remove(keys[2]).unwrap();
    assert_eq!(indices(&s)[..], [0, 1, 3]);
    let listed: heapless::Vec<(Key, char), 4> = s.iter().map(|(k, v)| (k, *v)).collect();
    assert_eq!(listed[..], [(keys[0], 'a'), (keys[1], 'b'), (keys[3], 'd')]);
    for (_, v) in s.iter_mut() {
        *v = v.to_ascii_uppercase();
    }
    assert_eq!(s.get(keys[3]), Some(&'D'));
}

#[test]
fn drain_removes_everything_and_stales_the_keys() {
    let mut s = table(4);
    let a = s.insert('a').unwrap();
    let b = s.insert('b').unwrap();
    let c = s.insert('c').unwrap();
    s.remove(b).unwrap();
    let drained: heapless::Vec<(Key, char), 4> = s.drain().collect();
    assert_eq!(drained[..], [(a, 'a'), (c, 'c')]);
    assert!(s.is_empty());
    assert_eq!((s.get(a), s.get(c)), (None, None));
    // every entry is free again
    for _ in 0..4 {
        s.insert('x').unwrap();
    }
    assert_eq!(s.insert('y'), Err(Full('y')));
}

#[test]
fn drain_dropped_early_keeps_the_rest() {
    let mut s = table(3);
    let a = s.insert('a').unwrap();
    let b = s.insert('b').unwrap();
    assert_eq!(s.drain().next(), Some((a, 'a')));
    assert_eq!(s.get(b), Some(&'b'));
    assert_eq!(s.len(), 1);
}

#[test]
fn reactor_slot_generation_wraps_within_the_token_mask() {
    use crate::{Slot, Token};
    let mut storage = [Slot::VACANT; 1];
    let mut s: Slab<_, Slot> = Slab::new(&mut storage[..]);
    // as if the slot had been reused that often
    s.as_mut()[0].entry.generation = Token::GENERATION_MASK;
    let last = s.insert(crate::Seen::NOTHING).unwrap();
    let token = Token::new(last.index(), last.generation()).unwrap();
    assert_eq!(token.key(), last); // the token carries the generation exactly
    assert_eq!(Token::from_usize(token.to_usize()), token);
    s.remove(last).unwrap();
    let wrapped = s.insert(crate::Seen::NOTHING).unwrap();
    assert_eq!(wrapped.generation(), 0);
    assert!(s.element(last).is_none());
}
