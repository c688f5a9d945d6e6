//! The slab: a generational free list in caller storage. It is the one table behind the
//! reactor's descriptor slots, the ids of the core's timer heap ([`Timers`](crate::Timers)), and
//! the `rill` runtime's task and timer tables.
//!
//! A [`Slab`] keeps values in storage the caller provides (`[E; N]`, `&mut [E]`,
//! `heapless::Vec<E, N>`, `Vec<E>`) and names each by a [`Key`]: entry index + generation. It
//! never allocates. A full slab answers [`Full`] and hands the value back, never a panic; growing
//! is the caller's act ([`Slab::grow`], [`Slab::insert_or_grow`]). Vacant entries chain a free
//! list through themselves, so insert and remove are O(1), and the entry freed last is reused
//! first.
//!
//! Removing a value bumps its entry's generation. Its key, and every copy of it (in a waker, in an
//! OS event), is then stale: a lookup with it answers `None` rather than reaching whatever value
//! reuses the entry (hazard H4). Generations wrap modulo `GENERATION_MASK + 1`
//! ([`Element::GENERATION_MASK`]), so a stale key can match again only after that many removals
//! from its own entry: 2^32 by default. The reactor's slots use `Token::GENERATION_MASK`, so every
//! key they hand out fits a [`Token`](crate::Token) exactly and round-trips through the kernel.
//!
//! An element of the storage is an [`Entry`] (a generation, plus either a value or a free-list
//! link), or a larger type that embeds one and implements [`Element`]. The reactor's
//! [`Slot`](crate::Slot) does that: its lanes and queue links sit beside its entry and outlive a
//! registration.

use core::fmt;
use core::marker::PhantomData;
use core::mem;

/// The end of the free list (also never a valid index: see [`Element::MAX_LEN`]).
const NIL: u32 = u32::MAX;

/// Names one value of a slab: entry index + generation. Stale once the value is removed.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    index: u32,
    generation: u32,
}

impl Key {
    /// A key from its parts (for keys that travelled as integers).
    pub const fn new(index: u32, generation: u32) -> Key {
        Key { index, generation }
    }

    /// The entry index, below the slab's [`Slab::capacity`] for a key the slab handed out. A
    /// caller can keep per-value data in a parallel array under it.
    pub const fn index(self) -> u32 {
        self.index
    }

    /// The entry's generation when the value was inserted.
    pub const fn generation(self) -> u32 {
        self.generation
    }

    /// Packs the key into a `u64`: index low, generation high (the layout of
    /// [`Token::to_u64`](crate::Token::to_u64)).
    pub const fn to_u64(self) -> u64 {
        (self.generation as u64) << 32 | self.index as u64
    }

    /// Unpacks a word made by [`Key::to_u64`]. Any `u64` decodes to some key; one that never
    /// came from the slab is simply stale there.
    pub const fn from_u64(word: u64) -> Key {
        Key {
            index: word as u32,
            generation: (word >> 32) as u32,
        }
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({}v{})", self.index, self.generation)
    }
}

/// The slab's part of one element: its generation, and either its value (occupied) or the next
/// vacant entry (vacant).
///
/// Only the slab changes an entry's state and generation; its owner reads them and may change
/// the value in place ([`Entry::get_mut`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Entry<T> {
    generation: u32,
    state: State<T>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State<T> {
    /// Free; `next_free` chains the free list (`NIL` ends it).
    Vacant {
        next_free: u32,
    },
    Occupied(T),
}

impl<T> Entry<T> {
    /// An unused entry, for initialising storage: `[Entry::VACANT; 16]`, or
    /// `v.push(Entry::VACANT)` to grow a `Vec`.
    pub const VACANT: Entry<T> = Entry {
        generation: 0,
        state: State::Vacant { next_free: NIL },
    };

    /// The entry's generation: the one its current value's key carries, or, when vacant, the one
    /// its next value's key will carry.
    #[inline]
    pub const fn generation(&self) -> u32 {
        self.generation
    }

    /// True while the entry holds a value.
    #[inline]
    pub const fn is_occupied(&self) -> bool {
        matches!(self.state, State::Occupied(_))
    }

    /// The value, if occupied.
    #[inline]
    pub fn get(&self) -> Option<&T> {
        match &self.state {
            State::Occupied(value) => Some(value),
            State::Vacant { .. } => None,
        }
    }

    /// The value, if occupied, to change in place.
    #[inline]
    pub fn get_mut(&mut self) -> Option<&mut T> {
        match &mut self.state {
            State::Occupied(value) => Some(value),
            State::Vacant { .. } => None,
        }
    }

    /// True when `generation` is this entry's and it holds a value: a key naming it is current.
    #[inline(always)]
    fn is_current(&self, generation: u32) -> bool {
        self.generation == generation && matches!(self.state, State::Occupied(_))
    }
}

impl<T> Default for Entry<T> {
    fn default() -> Entry<T> {
        Entry::VACANT
    }
}

/// One element of slab storage: an [`Entry`], alone or inside a larger type.
///
/// `Entry<T>` is an element itself. A larger type implements this trait to show the slab its
/// entry; the rest of the type is its own, and keeps its contents while the entry is vacant.
pub trait Element {
    /// What an occupied entry holds.
    type Value;

    /// A vacant element. [`Slab::new`] and [`Slab::grow`] reset every element they take in to
    /// it.
    const VACANT: Self;

    /// The most entries a slab of these elements uses; longer storage is accepted and the rest
    /// left unused. `u32::MAX` at most, so the index `u32::MAX` never names an entry.
    const MAX_LEN: u32 = u32::MAX;

    /// Generations are kept modulo `GENERATION_MASK + 1`, so keys fit in fewer bits. Must be
    /// `2^k - 1`.
    const GENERATION_MASK: u32 = u32::MAX;

    /// The element's entry.
    fn entry(&self) -> &Entry<Self::Value>;

    /// The element's entry, mutably.
    fn entry_mut(&mut self) -> &mut Entry<Self::Value>;
}

impl<T> Element for Entry<T> {
    type Value = T;
    const VACANT: Entry<T> = Entry::VACANT;

    #[inline(always)]
    fn entry(&self) -> &Entry<T> {
        self
    }

    #[inline(always)]
    fn entry_mut(&mut self) -> &mut Entry<T> {
        self
    }
}

/// A full slab's answer to [`Slab::insert`]: every entry is occupied. The value comes back.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Full<T>(pub T);

impl<T> fmt::Display for Full<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("slab is full")
    }
}

impl<T: fmt::Debug> core::error::Error for Full<T> {}

/// A generational free list over caller storage `S` of elements `E`. See the module docs.
///
/// The storage stays reachable by index ([`AsRef`] / [`AsMut`], like the storage itself), for
/// links kept inside the elements: the reactor's ready queue and interest feed. Through it an
/// owner changes its values and its own parts of an element, never an entry's state or
/// generation. (Overwriting whole elements can break the free list. The slab then only answers
/// `Full` early; it never panics.)
#[derive(Clone)]
pub struct Slab<S, E> {
    storage: S,
    /// The first vacant entry (`NIL`: none).
    free_head: u32,
    /// How many entries are occupied.
    len: u32,
    /// `min(storage length, E::MAX_LEN)`: the entries in use.
    capacity: u32,
    element: PhantomData<fn() -> E>,
}

impl<S: AsRef<[E]> + AsMut<[E]>, E: Element> Slab<S, E> {
    /// An empty slab whose capacity is `storage`'s length (at most [`Element::MAX_LEN`]). Every
    /// element is reset to [`Element::VACANT`]; indices are handed out in ascending order.
    pub fn new(storage: S) -> Slab<S, E> {
        let mut slab = Slab::unfilled(storage);
        slab.grow(|_| {});
        slab
    }

    /// [`Slab::new`] for storage that may have served an earlier slab: every element is reset
    /// to [`Element::VACANT`] as well, but each entry's generation moves on by one (modulo
    /// [`Element::GENERATION_MASK`]) instead of starting at 0, so no key an earlier slab handed
    /// out is current in this one.
    pub fn renew(storage: S) -> Slab<S, E> {
        let mut slab = Slab::unfilled(storage);
        slab.take_in(true);
        slab
    }

    /// A slab over `storage` with no entry taken in yet (`new` and `renew` take them in).
    fn unfilled(storage: S) -> Slab<S, E> {
        Slab {
            storage,
            free_head: NIL,
            len: 0,
            capacity: 0,
            element: PhantomData,
        }
    }

    /// Lets the caller add elements to the storage, so a slab can start small and grow.
    /// `extend` appends elements (for example `|v: &mut Vec<_>| v.push(Entry::VACANT)`). The new
    /// ones are reset to [`Element::VACANT`] and join the free list, the lowest index first.
    /// Storage that did not grow (or shrank, which `extend` must never do) leaves the slab as it
    /// was. The slab allocates nothing: the storage and its growth are the caller's.
    pub fn grow(&mut self, extend: impl FnOnce(&mut S)) {
        extend(&mut self.storage);
        self.take_in(false);
    }

    /// Resets the storage's elements past `capacity` to vacant and chains them into the free
    /// list, the lowest index first. `bump`: their generations move on by one instead of
    /// starting at 0.
    fn take_in(&mut self, bump: bool) {
        let len = self.storage.as_ref().len().min(E::MAX_LEN as usize) as u32;
        if len <= self.capacity {
            return;
        }
        let Some(new) = self
            .storage
            .as_mut()
            .get_mut(self.capacity as usize..len as usize)
        else {
            return;
        };
        for (offset, element) in new.iter_mut().enumerate().rev() {
            let generation = element.entry().generation;
            *element = E::VACANT;
            let entry = element.entry_mut();
            if bump {
                entry.generation = generation.wrapping_add(1) & E::GENERATION_MASK;
            }
            entry.state = State::Vacant {
                next_free: self.free_head,
            };
            self.free_head = self.capacity + offset as u32;
        }
        self.capacity = len;
    }

    /// How many values fit.
    pub fn capacity(&self) -> usize {
        self.capacity as usize
    }

    /// How many values the slab holds.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// True when the slab holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Stores `value` in the entry freed last (or the lowest never used) and returns its key. A
    /// full slab hands the value back.
    pub fn insert(&mut self, value: E::Value) -> Result<Key, Full<E::Value>> {
        let index = self.free_head;
        let Some(element) = self.storage.as_mut().get_mut(index as usize) else {
            return Err(Full(value));
        };
        let entry = element.entry_mut();
        let State::Vacant { next_free } = entry.state else {
            return Err(Full(value));
        };
        entry.state = State::Occupied(value);
        self.free_head = next_free;
        self.len += 1;
        Ok(Key {
            index,
            generation: entry.generation,
        })
    }

    /// [`Slab::insert`], and when the slab is full, [`Slab::grow`] with `extend` first. `Full`
    /// only if `extend` added nothing usable.
    pub fn insert_or_grow(
        &mut self,
        value: E::Value,
        extend: impl FnOnce(&mut S),
    ) -> Result<Key, Full<E::Value>> {
        match self.insert(value) {
            Ok(key) => Ok(key),
            Err(Full(value)) => {
                self.grow(extend);
                self.insert(value)
            }
        }
    }

    /// The element `key` names, while its value is there; `None` for a stale key.
    #[inline]
    pub fn element(&self, key: Key) -> Option<&E> {
        match self.storage.as_ref().get(key.index as usize) {
            Some(element) if element.entry().is_current(key.generation) => Some(element),
            _ => None,
        }
    }

    /// The element `key` names, mutably, while its value is there; `None` for a stale key.
    #[inline]
    pub fn element_mut(&mut self, key: Key) -> Option<&mut E> {
        match self.storage.as_mut().get_mut(key.index as usize) {
            Some(element) if element.entry().is_current(key.generation) => Some(element),
            _ => None,
        }
    }

    /// The value `key` names; `None` for a stale key.
    #[inline]
    pub fn get(&self, key: Key) -> Option<&E::Value> {
        let entry = self.storage.as_ref().get(key.index as usize)?.entry();
        match &entry.state {
            State::Occupied(value) if entry.generation == key.generation => Some(value),
            _ => None,
        }
    }

    /// The value `key` names, mutably; `None` for a stale key.
    #[inline]
    pub fn get_mut(&mut self, key: Key) -> Option<&mut E::Value> {
        let entry = self
            .storage
            .as_mut()
            .get_mut(key.index as usize)?
            .entry_mut();
        match &mut entry.state {
            State::Occupied(value) if entry.generation == key.generation => Some(value),
            _ => None,
        }
    }

    /// Takes the value `key` names out. Its entry's generation moves on, so `key` is stale from
    /// now on, and the entry is the next one [`Slab::insert`] reuses. `None` (and nothing
    /// changed) for a stale key.
    pub fn remove(&mut self, key: Key) -> Option<E::Value> {
        let free_head = self.free_head;
        let entry = self
            .storage
            .as_mut()
            .get_mut(key.index as usize)?
            .entry_mut();
        if entry.generation != key.generation {
            return None;
        }
        let vacant = State::Vacant {
            next_free: free_head,
        };
        match mem::replace(&mut entry.state, vacant) {
            State::Occupied(value) => {
                entry.generation = entry.generation.wrapping_add(1) & E::GENERATION_MASK;
                self.free_head = key.index;
                self.len = self.len.saturating_sub(1);
                Some(value)
            }
            was_vacant => {
                entry.state = was_vacant;
                None
            }
        }
    }

    /// The values with their keys, in index order.
    pub fn iter(&self) -> impl Iterator<Item = (Key, &E::Value)> + '_ {
        let entries = self.storage.as_ref().iter().take(self.capacity as usize);
        entries.enumerate().filter_map(|(index, element)| {
            let entry = element.entry();
            let key = Key::new(index as u32, entry.generation);
            entry.get().map(|value| (key, value))
        })
    }

    /// The values with their keys, in index order, to change in place.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (Key, &mut E::Value)> + '_ {
        let entries = self
            .storage
            .as_mut()
            .iter_mut()
            .take(self.capacity as usize);
        entries.enumerate().filter_map(|(index, element)| {
            let entry = element.entry_mut();
            let key = Key::new(index as u32, entry.generation);
            entry.get_mut().map(|value| (key, value))
        })
    }

    /// Removes every value, in index order, as [`Slab::remove`] would (their keys go stale). Values
    /// the iterator does not reach, if dropped early, stay.
    pub fn drain(&mut self) -> impl Iterator<Item = (Key, E::Value)> + '_ {
        (0..self.capacity).filter_map(move |index| {
            let generation = self
                .storage
                .as_ref()
                .get(index as usize)?
                .entry()
                .generation;
            let key = Key::new(index, generation);
            self.remove(key).map(|value| (key, value))
        })
    }
}

impl<S: AsRef<[E]>, E> AsRef<[E]> for Slab<S, E> {
    /// The whole storage, by index (see [`Slab`] for what may change through it).
    #[inline(always)]
    fn as_ref(&self) -> &[E] {
        self.storage.as_ref()
    }
}

impl<S: AsMut<[E]>, E> AsMut<[E]> for Slab<S, E> {
    /// The whole storage, by index (see [`Slab`] for what may change through it).
    #[inline(always)]
    fn as_mut(&mut self) -> &mut [E] {
        self.storage.as_mut()
    }
}

impl<S, E> fmt::Debug for Slab<S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Slab")
            .field("len", &self.len)
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
