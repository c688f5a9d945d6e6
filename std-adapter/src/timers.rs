//! The driver's timer table: the core's deadline heap ([`rill_core::Timers`]) plus, per timer,
//! the waker of the task waiting on it.
//!
//! Timers are named by a [`TimerKey`] of our own (a key of the `entries` slab,
//! [`rill_core::slab`]), which maps to the core's `TimerId`. The indirection lets the table grow:
//! when the core heap is full (`Builder::timer_capacity` was the initial size), a heap twice the
//! size is built and every armed timer re-added, so arming a timer never fails. Growth is
//! amortised O(1) per timer.
//!
//! Timers are armed only on the runtime thread, between waits, so `ArmOutcome::became_earliest`
//! needs no wake-up here (H12's lost wake-up cannot happen): the next wait is computed after.

use std::task::{Context, Poll, Waker};

use rill_core::slab::{Entry, Key, Slab};
use rill_core::timer::{TimerError, TimerId, TimerSlot, Timers};

use crate::clock::Ticks;

/// Names one timer of the table. Stale once the timer is cancelled.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct TimerKey(Key);

/// One timer of the table (from `add` until `cancel`).
enum TimerState {
    Armed {
        id: TimerId,
        deadline: Ticks,
        waker: Option<Waker>,
    },
    Fired,
}

/// Timers keyed by [`TimerKey`].
pub(crate) struct TimerTable {
    core: Timers<Vec<TimerSlot>>,
    /// Core slot index → our entry index (valid while that core timer is armed).
    by_core: Vec<u32>,
    entries: Slab<Vec<Entry<TimerState>>, Entry<TimerState>>,
    /// Timers armed and fired so far (for `rill::metrics`).
    armed: u64,
    fired: u64,
}

impl TimerTable {
    pub(crate) fn new(capacity: usize) -> TimerTable {
        let capacity = capacity.max(1);
        TimerTable {
            core: Timers::new(vec![TimerSlot::VACANT; capacity]),
            by_core: vec![0; capacity],
            entries: Slab::new(Vec::with_capacity(capacity)),
            armed: 0,
            fired: 0,
        }
    }

    /// Arms `deadline` in the core heap, growing it when full.
    fn arm(&mut self, deadline: Ticks, entry: u32) -> TimerId {
        let id = match self.core.add(deadline) {
            Ok(outcome) => outcome.id,
            Err(TimerError::Full | TimerError::Stale) => {
                self.grow();
                match self.core.add(deadline) {
                    Ok(outcome) => outcome.id,
                    // Unreachable after growing; keep the table consistent regardless.
                    Err(_) => unreachable!("timer heap full right after growing"),
                }
            }
        };
        self.by_core[id.index()] = entry;
        id
    }

    /// Doubles the core heap and re-adds every armed timer (ids change; keys do not).
    fn grow(&mut self) {
        let capacity = self.core.capacity().max(1) * 2;
        self.core = Timers::new(vec![TimerSlot::VACANT; capacity]);
        self.by_core = vec![0; capacity];
        for (key, state) in self.entries.iter_mut() {
            if let TimerState::Armed { id, deadline, .. } = state {
                if let Ok(outcome) = self.core.add(*deadline) {
                    self.by_core[outcome.id.index()] = key.index();
                    *id = outcome.id;
                }
            }
        }
    }

    pub(crate) fn add(&mut self, deadline: Ticks) -> TimerKey {
        let grown = self
            .entries
            .insert_or_grow(TimerState::Fired, |entries| entries.push(Entry::VACANT));
        let Ok(key) = grown else {
            // Only past `u32::MAX` timers, which no memory holds.
            panic!("rill: timer table full (u32::MAX timers)");
        };
        let id = self.arm(deadline, key.index());
        self.armed += 1;
        if let Some(state) = self.entries.get_mut(key) {
            *state = TimerState::Armed {
                id,
                deadline,
                waker: None,
            };
        }
        TimerKey(key)
    }

    /// Ready once the timer fired; otherwise records the waker.
    pub(crate) fn poll(&mut self, key: TimerKey, cx: &mut Context<'_>) -> Poll<()> {
        match self.entries.get_mut(key.0) {
            Some(TimerState::Armed { waker, .. }) => {
                match waker {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => *waker = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
            _ => Poll::Ready(()),
        }
    }

    /// Moves the deadline of an armed timer, or re-arms a fired one.
    pub(crate) fn reset(&mut self, key: TimerKey, deadline: Ticks) {
        let Some(state) = self.entries.get_mut(key.0) else {
            return;
        };
        let (old, waker) = match std::mem::replace(state, TimerState::Fired) {
            TimerState::Armed { id, waker, .. } => (Some(id), waker),
            TimerState::Fired => (None, None),
        };
        let id = match old {
            Some(id) => match self.core.rearm(id, deadline) {
                Ok(outcome) => outcome.id,
                Err(_) => self.arm(deadline, key.0.index()),
            },
            None => self.arm(deadline, key.0.index()),
        };
        if let Some(state) = self.entries.get_mut(key.0) {
            *state = TimerState::Armed {
                id,
                deadline,
                waker,
            };
        }
    }

    /// Disarms and frees the timer.
    pub(crate) fn cancel(&mut self, key: TimerKey) {
        if let Some(TimerState::Armed { id, .. }) = self.entries.remove(key.0) {
            let _ = self.core.cancel(id);
        }
    }

    /// The earliest armed deadline.
    #[inline]
    pub(crate) fn next_deadline(&self) -> Option<Ticks> {
        self.core.next_deadline()
    }

    /// Fires every timer due at `now`, collecting their wakers.
    pub(crate) fn expire(&mut self, now: Ticks, to_wake: &mut Vec<Waker>) {
        let mut pass = self.core.expire(now);
        for id in pass.by_ref() {
            // By index alone: an entry's core timer is cancelled before the entry is freed, so
            // the entry is the one armed with `id` (a vacant one is skipped regardless).
            let index = self.by_core[id.index()] as usize;
            let entry = self.entries.as_mut().get_mut(index);
            if let Some(state) = entry.and_then(Entry::get_mut) {
                if let TimerState::Armed { waker, .. } = std::mem::replace(state, TimerState::Fired)
                {
                    self.fired += 1;
                    to_wake.extend(waker);
                }
            }
        }
    }

    /// Timers armed and fired so far.
    pub(crate) fn counts(&self) -> (u64, u64) {
        (self.armed, self.fired)
    }

    /// Fires everything (shutdown).
    pub(crate) fn clear(&mut self, to_wake: &mut Vec<Waker>) {
        for (_, state) in self.entries.iter_mut() {
            if let TimerState::Armed { waker, .. } = std::mem::replace(state, TimerState::Fired) {
                to_wake.extend(waker);
            }
        }
        let capacity = self.core.capacity();
        self.core = Timers::new(vec![TimerSlot::VACANT; capacity]);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    use super::*;

    /// A waker that counts its wakes.
    #[derive(Default)]
    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn waker() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count::default());
        (count.clone(), Waker::from(count))
    }

    fn poll(t: &mut TimerTable, key: TimerKey, w: &Waker) -> Poll<()> {
        t.poll(key, &mut Context::from_waker(w))
    }

    fn expire(t: &mut TimerTable, now: Ticks) {
        let mut to_wake = Vec::new();
        t.expire(now, &mut to_wake);
        to_wake.into_iter().for_each(Waker::wake);
    }

    #[test]
    fn armed_timer_fires_at_its_deadline_and_wakes_once() {
        let mut t = TimerTable::new(4);
        let (count, w) = waker();
        let key = t.add(10);
        assert_eq!(poll(&mut t, key, &w), Poll::Pending);
        assert_eq!(t.next_deadline(), Some(10));
        expire(&mut t, 9);
        assert_eq!(count.0.load(Ordering::SeqCst), 0);
        expire(&mut t, 10);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert_eq!(poll(&mut t, key, &w), Poll::Ready(()));
        expire(&mut t, 20);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert_eq!(t.counts(), (1, 1));
    }

    #[test]
    fn cancelled_key_is_stale_and_its_entry_reused() {
        let mut t = TimerTable::new(4);
        let (count, w) = waker();
        let old = t.add(10);
        assert_eq!(poll(&mut t, old, &w), Poll::Pending);
        t.cancel(old);
        assert_eq!(t.next_deadline(), None);
        let new = t.add(30);
        assert_eq!(new.0.index(), old.0.index());
        assert_ne!(new, old);
        // the stale key neither sees nor touches the new timer
        assert_eq!(poll(&mut t, old, &w), Poll::Ready(()));
        t.reset(old, 5);
        t.cancel(old);
        assert_eq!(t.next_deadline(), Some(30));
        assert_eq!(poll(&mut t, new, &w), Poll::Pending);
        expire(&mut t, 30);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn reset_moves_an_armed_timer_and_rearms_a_fired_one() {
        let mut t = TimerTable::new(4);
        let (count, w) = waker();
        let key = t.add(10);
        assert_eq!(poll(&mut t, key, &w), Poll::Pending);
        t.reset(key, 20);
        expire(&mut t, 15);
        assert_eq!(count.0.load(Ordering::SeqCst), 0);
        expire(&mut t, 20);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        t.reset(key, 40);
        assert_eq!(poll(&mut t, key, &w), Poll::Pending);
        expire(&mut t, 40);
        assert_eq!(count.0.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn tables_grow_past_their_capacity_and_keys_survive() {
        let mut t = TimerTable::new(1);
        let (count, w) = waker();
        let keys: Vec<TimerKey> = (0..5).map(|i| t.add(100 - i)).collect();
        for &key in &keys {
            assert_eq!(poll(&mut t, key, &w), Poll::Pending);
        }
        assert_eq!(t.next_deadline(), Some(96));
        t.cancel(keys[1]);
        expire(&mut t, 100);
        assert_eq!(count.0.load(Ordering::SeqCst), 4);
        for &key in &keys {
            assert_eq!(poll(&mut t, key, &w), Poll::Ready(()));
        }
    }

    #[test]
    fn clear_wakes_every_armed_timer_and_keeps_the_free_list() {
        let mut t = TimerTable::new(4);
        let (count, w) = waker();
        let a = t.add(10);
        let b = t.add(20);
        let c = t.add(30);
        for key in [a, b, c] {
            assert_eq!(poll(&mut t, key, &w), Poll::Pending);
        }
        t.cancel(b);
        let mut to_wake = Vec::new();
        t.clear(&mut to_wake);
        assert_eq!(to_wake.len(), 2);
        to_wake.into_iter().for_each(Waker::wake);
        assert_eq!(count.0.load(Ordering::SeqCst), 2);
        assert_eq!(t.next_deadline(), None);
        // the entry `b` freed is still the next one used, and only once
        let d = t.add(5);
        let e = t.add(6);
        assert_eq!(d.0.index(), b.0.index());
        assert_ne!(e.0.index(), d.0.index());
    }
}
