//! The driver's timer table: the core's deadline heap ([`rill_core::Timers`]) plus, per timer,
//! the waker of the task waiting on it.
//!
//! Timers are named by a [`TimerKey`] of our own (index + generation in `entries`), which maps
//! to the core's `TimerId`. The indirection lets the table grow: when the core heap is full
//! (`Builder::timer_capacity` was the initial size), a heap twice the size is built and every
//! armed timer re-added, so arming a timer never fails. Growth is amortised O(1) per timer.
//!
//! Timers are armed only on the runtime thread, between waits, so `ArmOutcome::became_earliest`
//! needs no wake-up here (H12's lost wake-up cannot happen): the next wait is computed after.

use std::task::{Context, Poll, Waker};

use rill_core::timer::{TimerError, TimerId, TimerSlot, Timers};

use crate::clock::Ticks;

/// Names one timer of the table.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct TimerKey {
    index: u32,
    generation: u32,
}

enum EntryState {
    Vacant {
        next_free: Option<u32>,
    },
    Armed {
        id: TimerId,
        deadline: Ticks,
        waker: Option<Waker>,
    },
    Fired,
}

struct Entry {
    generation: u32,
    state: EntryState,
}

/// Timers keyed by [`TimerKey`].
pub(crate) struct TimerTable {
    core: Timers<Vec<TimerSlot>>,
    /// Core slot index → our entry index (valid while that core timer is armed).
    by_core: Vec<u32>,
    entries: Vec<Entry>,
    free: Option<u32>,
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
            entries: Vec::with_capacity(capacity),
            free: None,
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
        for i in 0..self.entries.len() {
            if let EntryState::Armed { deadline, .. } = self.entries[i].state {
                if let Ok(outcome) = self.core.add(deadline) {
                    self.by_core[outcome.id.index()] = i as u32;
                    if let EntryState::Armed { id, .. } = &mut self.entries[i].state {
                        *id = outcome.id;
                    }
                }
            }
        }
    }

    pub(crate) fn add(&mut self, deadline: Ticks) -> TimerKey {
        let index = match self.free {
            Some(i) => {
                if let EntryState::Vacant { next_free } = self.entries[i as usize].state {
                    self.free = next_free;
                }
                i
            }
            None => {
                self.entries.push(Entry {
                    generation: 0,
                    state: EntryState::Fired,
                });
                (self.entries.len() - 1) as u32
            }
        };
        let id = self.arm(deadline, index);
        self.armed += 1;
        let entry = &mut self.entries[index as usize];
        entry.state = EntryState::Armed {
            id,
            deadline,
            waker: None,
        };
        TimerKey {
            index,
            generation: entry.generation,
        }
    }

    fn entry(&mut self, key: TimerKey) -> Option<&mut Entry> {
        self.entries.get_mut(key.index as usize).filter(|e| {
            e.generation == key.generation && !matches!(e.state, EntryState::Vacant { .. })
        })
    }

    /// Ready once the timer fired; otherwise records the waker.
    pub(crate) fn poll(&mut self, key: TimerKey, cx: &mut Context<'_>) -> Poll<()> {
        match self.entry(key).map(|e| &mut e.state) {
            Some(EntryState::Armed { waker, .. }) => {
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
        let Some(entry) = self.entry(key) else { return };
        let (old, waker) = match std::mem::replace(&mut entry.state, EntryState::Fired) {
            EntryState::Armed { id, waker, .. } => (Some(id), waker),
            _ => (None, None),
        };
        let id = match old {
            Some(id) => match self.core.rearm(id, deadline) {
                Ok(outcome) => outcome.id,
                Err(_) => self.arm(deadline, key.index),
            },
            None => self.arm(deadline, key.index),
        };
        self.entries[key.index as usize].state = EntryState::Armed {
            id,
            deadline,
            waker,
        };
    }

    /// Disarms and frees the timer.
    pub(crate) fn cancel(&mut self, key: TimerKey) {
        let free = self.free;
        let Some(entry) = self.entry(key) else { return };
        let old = std::mem::replace(&mut entry.state, EntryState::Vacant { next_free: free });
        entry.generation = entry.generation.wrapping_add(1);
        self.free = Some(key.index);
        if let EntryState::Armed { id, .. } = old {
            let _ = self.core.cancel(id);
        }
    }

    /// The earliest armed deadline.
    pub(crate) fn next_deadline(&self) -> Option<Ticks> {
        self.core.next_deadline()
    }

    /// Fires every timer due at `now`, collecting their wakers.
    pub(crate) fn expire(&mut self, now: Ticks, to_wake: &mut Vec<Waker>) {
        let mut pass = self.core.expire(now);
        for id in pass.by_ref() {
            let index = self.by_core[id.index()] as usize;
            if let Some(entry) = self.entries.get_mut(index) {
                if let EntryState::Armed { waker, .. } =
                    std::mem::replace(&mut entry.state, EntryState::Fired)
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
        for e in &mut self.entries {
            if let EntryState::Armed { waker, .. } =
                std::mem::replace(&mut e.state, EntryState::Fired)
            {
                to_wake.extend(waker);
            }
        }
        let capacity = self.core.capacity();
        self.core = Timers::new(vec![TimerSlot::VACANT; capacity]);
    }
}
