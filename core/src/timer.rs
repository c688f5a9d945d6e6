//! Timers: a bounded deadline heap over caller-supplied monotonic ticks.
//!
//! [`Timers`] keeps armed deadlines in a binary min-heap laid out in storage the caller provides
//! (an array, a slice or a `Vec` of [`TimerSlot`]), so it never allocates and its capacity is
//! the storage length. Adding, cancelling and re-arming a timer are O(log n); a full table
//! answers [`TimerError::Full`], never a panic. Timers are named by a [`TimerId`] (slot index +
//! generation): once a timer is cancelled or has expired its id is stale, and every call with it
//! answers [`TimerError::Stale`] without touching a newer timer that reuses the slot. The ids,
//! their generations and the free slots are a [`Slab`] over the same storage (see
//! [`crate::slab`]); the heap orders the armed slots by deadline, then arming sequence.
//!
//! # The clock contract
//!
//! The core has no clock. Every deadline and every `now` is a [`Ticks`] value read by the
//! embedder from one monotonic clock, in whatever unit it likes (nanoseconds, microseconds,
//! milliseconds: the core never converts). The embedder MUST pass a `now` that never goes
//! backwards from one call to the next, and SHOULD compute deadlines with
//! `now.saturating_add(duration)` so a huge duration means "practically never" instead of
//! wrapping into the past.
//!
//! If the clock does go backwards anyway, nothing breaks: no panic, no overflow, no timer fires
//! early. Remaining times are computed with saturating subtraction, so [`Timers::next_timeout`]
//! merely answers a longer wait and [`Timers::expire`] hands out fewer timers until the clock
//! catches up again.
//!
//! # Driving the timers
//!
//! ```text
//! loop {
//!     let timeout = timers.next_timeout(now);      // how long the poller may block
//!     poll_os(timeout);                            // block at most that long
//!     now = clock();
//!     let mut pass = timers.expire(now);           // one expiry pass
//!     while let Some(id) = pass.next() {
//!         queue_handler(id);                       // may re-arm through pass.timers()
//!     }
//!     run_ready_work();                            // always reached: see H12 below
//! }
//! ```
//!
//! # Hazard H12
//!
//! *A 0-duration timer starving queued work.* An expiry pass only hands out timers that were
//! armed before the pass began: every [`Timers::add`] and [`Timers::rearm`] takes a fresh arming
//! sequence number, the heap is ordered by `(deadline, sequence)`, and a pass stops at the first
//! timer whose sequence is not older than the pass. A handler that re-adds a 0-duration timer
//! (or re-arms one into the past) therefore sees it expire on the *next* pass, and the loop gets
//! back to ready work in between. Timers still due when a pass stops stay due:
//! [`Timers::next_timeout`] answers `Some(0)` and the next pass hands them out, earliest first.
//!
//! *A timer wake-up lost when a nearer timer is added while the poller blocks.* The poller was
//! told to block until the old earliest deadline. When [`Timers::add`] or [`Timers::rearm`] makes
//! [`Timers::next_deadline`] earlier, it says so in [`ArmOutcome::became_earliest`], and the
//! driver MUST then interrupt a blocked poller (its waker) so the wait is recomputed. Cancelling
//! or re-arming later only makes the deadline later; a poller that wakes too early just finds
//! nothing due and blocks again.

use core::fmt;

use crate::slab::{Element, Entry, Key, Slab};

/// A monotonic tick count chosen by the embedder (ns, µs, ms: the core does not care).
/// See the module docs for the clock contract.
pub type Ticks = u64;

/// The largest number of timers one table can hold (slot indices are `u32`). Longer storage
/// is accepted; the slots past this limit are simply unused.
pub const MAX_TIMERS: usize = u32::MAX as usize;

/// One slot of caller-provided timer storage. Opaque: create storage with
/// [`TimerSlot::VACANT`], e.g. `[TimerSlot::VACANT; 64]`.
///
/// Slot `k` holds two unrelated things: the data of timer `k` and the timer index stored at
/// heap position `k`. Timer `k` is entry `k` of the table's [`Slab`] (its generation, and while
/// the timer is armed, its position in the heap), plus its deadline and arming sequence. Heap
/// positions `0..len` form the heap; positions `len..capacity` are unused (the free timers are
/// chained by the slab's free list).
///
/// The slot is the slab's [`Element`]; only the table changes its entry.
#[derive(Clone, Copy)]
pub struct TimerSlot {
    /// Timer `k`: its deadline (meaningful while armed).
    deadline: Ticks,
    /// Timer `k`: the arming sequence number of its last add / re-arm.
    seq: u64,
    /// Timer `k`: the slab entry; occupied exactly while the timer is armed, holding its
    /// position in the heap array (`< len`). The slab bumps its generation when the timer is
    /// freed (cancelled or expired).
    entry: Entry<u32>,
    /// Heap position `k`: the index of the timer stored there.
    heap: u32,
}

impl TimerSlot {
    /// An unused slot, for initialising storage.
    pub const VACANT: TimerSlot = TimerSlot {
        deadline: 0,
        seq: 0,
        entry: Entry::VACANT,
        heap: 0,
    };
}

impl Element for TimerSlot {
    type Value = u32;
    const VACANT: TimerSlot = TimerSlot::VACANT;

    #[inline(always)]
    fn entry(&self) -> &Entry<u32> {
        &self.entry
    }

    #[inline(always)]
    fn entry_mut(&mut self) -> &mut Entry<u32> {
        &mut self.entry
    }
}

impl Default for TimerSlot {
    fn default() -> Self {
        TimerSlot::VACANT
    }
}

impl fmt::Debug for TimerSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TimerSlot")
    }
}

static_assertions::const_assert_eq!(core::mem::size_of::<TimerSlot>(), 32);

/// Names one armed timer: slot index + generation. Stale once the timer is cancelled or has
/// expired; re-arming keeps the id.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimerId {
    /// The slab key of the timer's slot.
    key: Key,
}

impl TimerId {
    /// The slot index, always below the table's [`Timers::capacity`], so a caller can keep
    /// per-timer data (a waker, a handler) in a parallel array.
    pub const fn index(self) -> usize {
        self.key.index() as usize
    }
}

impl fmt::Debug for TimerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TimerId({}v{})", self.key.index(), self.key.generation())
    }
}

static_assertions::assert_eq_size!(TimerId, u64);

/// Why a timer operation was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerError {
    /// Every slot holds an armed timer; nothing was added.
    Full,
    /// The id names no armed timer: it was cancelled, it expired, or it belongs to no table
    /// this storage ever had. Nothing was changed.
    Stale,
}

impl fmt::Display for TimerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimerError::Full => "timer table is full",
            TimerError::Stale => "timer id is stale",
        })
    }
}

/// What [`Timers::add`] and [`Timers::rearm`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use = "if `became_earliest` is set, a blocked poller must be interrupted (H12)"]
pub struct ArmOutcome {
    /// The armed timer (for a re-arm, the same id as before).
    pub id: TimerId,
    /// [`Timers::next_deadline`] is now earlier than before the call (or there was no timer
    /// at all). A poller blocked on the old deadline would sleep past this one: the driver
    /// MUST interrupt it (hazard H12).
    pub became_earliest: bool,
}

/// A snapshot taken when an expiry pass begins: the pass's `now` and the first arming sequence
/// number that belongs to timers armed during the pass (which the pass never hands out).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Turn {
    now: Ticks,
    seq_bound: u64,
}

impl Turn {
    /// The `now` this pass expires against.
    pub const fn now(&self) -> Ticks {
        self.now
    }
}

/// A bounded deadline heap in caller-provided storage. See the module docs.
///
/// `S` is anything that lends a slice of [`TimerSlot`]: `[TimerSlot; N]`, `&mut [TimerSlot]`,
/// `Vec<TimerSlot>`, `heapless::Vec<TimerSlot, N>`.
pub struct Timers<S: AsMut<[TimerSlot]> + AsRef<[TimerSlot]>> {
    /// The timers' ids and free list over the storage; its length is the number of armed
    /// timers (heap positions `0..len`), its capacity `min(storage length, MAX_TIMERS)`.
    slab: Slab<S, TimerSlot>,
    /// The arming sequence number the next add / re-arm takes.
    next_seq: u64,
}

impl<S: AsMut<[TimerSlot]> + AsRef<[TimerSlot]>> Timers<S> {
    /// An empty table over `storage`; its capacity is the storage length (at most
    /// [`MAX_TIMERS`]). O(capacity).
    ///
    /// Whatever the slots held is overwritten except their generations, which are bumped: if
    /// the storage served an earlier table, that table's ids stay stale here.
    pub fn new(storage: S) -> Self {
        Timers {
            slab: Slab::renew(storage),
            next_seq: 0,
        }
    }

    /// How many timers the table can hold.
    pub fn capacity(&self) -> usize {
        self.slab.capacity()
    }

    /// How many timers are armed.
    pub fn len(&self) -> usize {
        self.slab.len()
    }

    /// No timer is armed.
    pub fn is_empty(&self) -> bool {
        self.slab.is_empty()
    }

    /// Number of armed timers: heap positions `0..heap_len`. Lossless: at most the capacity,
    /// a `u32`.
    fn heap_len(&self) -> u32 {
        self.slab.len() as u32
    }

    /// Arms a new timer for `deadline`. O(log n).
    ///
    /// A deadline at or before the current time is allowed (a 0-duration timer): it is due at
    /// once, but never within an expiry pass already under way (H12).
    pub fn add(&mut self, deadline: Ticks) -> Result<ArmOutcome, TimerError> {
        let before = self.next_deadline();
        let pos = self.heap_len();
        let key = self.slab.insert(pos).map_err(|_| TimerError::Full)?;
        let seq = self.take_seq();
        let slots = self.slab.as_mut();
        slots[pos as usize].heap = key.index();
        let slot = &mut slots[key.index() as usize];
        slot.deadline = deadline;
        slot.seq = seq;
        self.sift_up(pos);
        let id = TimerId { key };
        Ok(ArmOutcome {
            id,
            became_earliest: earlier(before, deadline),
        })
    }

    /// Disarms a timer; its id becomes stale. O(log n).
    pub fn cancel(&mut self, id: TimerId) -> Result<(), TimerError> {
        let pos = self.position(id)?;
        self.remove_at(pos, id.key);
        Ok(())
    }

    /// Moves an armed timer to a new `deadline`, earlier or later; the id stays valid. O(log n).
    ///
    /// Re-arming counts as arming: among equal deadlines the timer now comes last, and an
    /// expiry pass under way will not hand it out (H12). An expired timer's id is stale; arm
    /// it again with [`Timers::add`].
    pub fn rearm(&mut self, id: TimerId, deadline: Ticks) -> Result<ArmOutcome, TimerError> {
        let pos = self.position(id)?;
        let before = self.next_deadline();
        let seq = self.take_seq();
        let slot = &mut self.slab.as_mut()[id.index()];
        slot.deadline = deadline;
        slot.seq = seq;
        self.restore(pos);
        Ok(ArmOutcome {
            id,
            became_earliest: earlier(before, deadline),
        })
    }

    /// The deadline of an armed timer.
    pub fn deadline(&self, id: TimerId) -> Result<Ticks, TimerError> {
        self.position(id)?;
        Ok(self.slab.as_ref()[id.index()].deadline)
    }

    /// Whether an armed timer is the one [`Timers::next_deadline`] reports (the next to
    /// expire).
    pub fn is_earliest(&self, id: TimerId) -> Result<bool, TimerError> {
        Ok(self.position(id)? == 0)
    }

    /// The earliest armed deadline, or `None` when no timer is armed. O(1).
    pub fn next_deadline(&self) -> Option<Ticks> {
        if self.slab.is_empty() {
            return None;
        }
        let slots = self.slab.as_ref();
        Some(slots[slots[0].heap as usize].deadline)
    }

    /// How many ticks after `now` the driver may block: `Some(0)` when a timer is due,
    /// `None` when no timer is armed (block without limit, as far as timers are concerned).
    #[must_use]
    pub fn next_timeout(&self, now: Ticks) -> Option<Ticks> {
        self.next_deadline()
            .map(|deadline| deadline.saturating_sub(now))
    }

    /// Starts an expiry pass at `now` by hand: pair it with [`Timers::expire_next`] when the
    /// table must stay free for other calls between expiries. [`Timers::expire`] wraps both.
    pub fn turn(&self, now: Ticks) -> Turn {
        Turn {
            now,
            seq_bound: self.next_seq,
        }
    }

    /// Hands out the next timer of the pass `turn`: the earliest timer that is due
    /// (`deadline <= turn.now()`) and was armed before the pass began, ties in arming order.
    /// The timer is disarmed and its id, returned here for the last time, becomes stale.
    /// `None` ends the pass (H12: see the module docs). O(log n).
    pub fn expire_next(&mut self, turn: &Turn) -> Option<TimerId> {
        if self.slab.is_empty() {
            return None;
        }
        let slots = self.slab.as_ref();
        let index = slots[0].heap;
        let slot = &slots[index as usize];
        if slot.deadline > turn.now || slot.seq >= turn.seq_bound {
            return None;
        }
        let key = Key::new(index, slot.entry.generation());
        self.remove_at(0, key);
        Some(TimerId { key })
    }

    /// Starts an expiry pass at `now`; the returned [`Expired`] hands out the due timers one
    /// at a time, earliest first, ties in arming order, never one armed during the pass.
    pub fn expire(&mut self, now: Ticks) -> Expired<'_, S> {
        let turn = self.turn(now);
        Expired { timers: self, turn }
    }

    /// Takes the next arming sequence number. Wraps after 2^64 arms (centuries at one arm
    /// per nanosecond), which would only disturb tie order.
    fn take_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq = seq.wrapping_add(1);
        seq
    }

    /// The heap position of an armed timer, or `Stale`.
    fn position(&self, id: TimerId) -> Result<u32, TimerError> {
        self.slab.get(id.key).copied().ok_or(TimerError::Stale)
    }

    /// The heap key of the timer at heap position `pos`.
    fn key_at(&self, pos: u32) -> (Ticks, u64) {
        let slots = self.slab.as_ref();
        let slot = &slots[slots[pos as usize].heap as usize];
        (slot.deadline, slot.seq)
    }

    /// Swaps the timers at heap positions `a` and `b`, keeping their back-pointers in step.
    fn swap_positions(&mut self, a: u32, b: u32) {
        let slots = self.slab.as_mut();
        let timer_a = slots[a as usize].heap;
        let timer_b = slots[b as usize].heap;
        slots[a as usize].heap = timer_b;
        slots[b as usize].heap = timer_a;
        if let Some(pos) = slots[timer_b as usize].entry.get_mut() {
            *pos = a;
        }
        if let Some(pos) = slots[timer_a as usize].entry.get_mut() {
            *pos = b;
        }
    }

    /// Disarms the timer `key` at heap position `pos`: it leaves the heap and the slab frees
    /// its slot, bumping the generation.
    fn remove_at(&mut self, pos: u32, key: Key) {
        let last = self.heap_len() - 1;
        self.swap_positions(pos, last);
        self.slab.remove(key);
        if pos < last {
            self.restore(pos);
        }
    }

    /// Moves the entry at heap position `pos`, whose key changed, to where it belongs.
    fn restore(&mut self, pos: u32) {
        if self.sift_up(pos) == pos {
            self.sift_down(pos);
        }
    }

    /// Moves the entry at `pos` towards the root while it is smaller than its parent; returns
    /// where it ended up.
    fn sift_up(&mut self, mut pos: u32) -> u32 {
        while pos > 0 {
            let parent = (pos - 1) / 2;
            if self.key_at(pos) >= self.key_at(parent) {
                break;
            }
            self.swap_positions(pos, parent);
            pos = parent;
        }
        pos
    }

    /// Moves the entry at `pos` towards the leaves while a child is smaller.
    fn sift_down(&mut self, mut pos: u32) {
        loop {
            // Widen to u64 so `2 * pos + 2` cannot overflow near `MAX_TIMERS`.
            let len = self.heap_len();
            let left = 2 * u64::from(pos) + 1;
            if left >= u64::from(len) {
                break;
            }
            let left = left as u32;
            let right = left + 1;
            let mut child = left;
            if right < len && self.key_at(right) < self.key_at(left) {
                child = right;
            }
            if self.key_at(child) >= self.key_at(pos) {
                break;
            }
            self.swap_positions(pos, child);
            pos = child;
        }
    }
}

impl<S: AsMut<[TimerSlot]> + AsRef<[TimerSlot]>> fmt::Debug for Timers<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timers")
            .field("len", &self.slab.len())
            .field("capacity", &self.slab.capacity())
            .field("next_deadline", &self.next_deadline())
            .finish()
    }
}

/// `deadline` is earlier than `before` (no timer at all counts as "never").
fn earlier(before: Option<Ticks>, deadline: Ticks) -> bool {
    before.is_none_or(|before| deadline < before)
}

/// One expiry pass, from [`Timers::expire`]. Hands out the due timers one at a time (as an
/// [`Iterator`]); [`Expired::timers`] lends the table in between, so a handler may add, cancel
/// or re-arm timers mid-pass. Timers armed or re-armed during the pass are due on the next pass
/// at the earliest (H12).
pub struct Expired<'a, S: AsMut<[TimerSlot]> + AsRef<[TimerSlot]>> {
    timers: &'a mut Timers<S>,
    turn: Turn,
}

impl<S: AsMut<[TimerSlot]> + AsRef<[TimerSlot]>> Expired<'_, S> {
    /// The table, for arming or cancelling timers between two expiries.
    pub fn timers(&mut self) -> &mut Timers<S> {
        self.timers
    }

    /// The snapshot this pass expires against.
    pub fn turn(&self) -> Turn {
        self.turn
    }
}

impl<S: AsMut<[TimerSlot]> + AsRef<[TimerSlot]>> Iterator for Expired<'_, S> {
    type Item = TimerId;

    fn next(&mut self) -> Option<TimerId> {
        self.timers.expire_next(&self.turn)
    }
}

impl<S: AsMut<[TimerSlot]> + AsRef<[TimerSlot]>> fmt::Debug for Expired<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Expired")
            .field("timers", &self.timers)
            .field("turn", &self.turn)
            .finish()
    }
}

#[cfg(test)]
mod tests;
