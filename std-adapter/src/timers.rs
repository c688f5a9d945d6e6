//! The driver's timer table: deadlines in ticks, one waker per armed timer.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::task::{Context, Poll, Waker};

use crate::clock::Ticks;

/// Names one armed timer.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct TimerKey {
    index: u32,
    generation: u32,
}

enum TimerState {
    Vacant {
        next_free: Option<u32>,
    },
    Armed {
        deadline: Ticks,
        waker: Option<Waker>,
    },
    Fired,
}

struct Entry {
    generation: u32,
    state: TimerState,
}

/// Timers keyed by [`TimerKey`].
pub(crate) struct TimerTable {
    entries: Vec<Entry>,
    free: Option<u32>,
    heap: BinaryHeap<Reverse<(Ticks, u32, u32)>>,
    live: usize,
}

impl TimerTable {
    pub(crate) fn new(capacity: usize) -> TimerTable {
        TimerTable {
            entries: Vec::with_capacity(capacity),
            free: None,
            heap: BinaryHeap::with_capacity(capacity),
            live: 0,
        }
    }

    pub(crate) fn add(&mut self, deadline: Ticks) -> TimerKey {
        let state = TimerState::Armed {
            deadline,
            waker: None,
        };
        let index = match self.free {
            Some(i) => {
                let e = &mut self.entries[i as usize];
                if let TimerState::Vacant { next_free } = e.state {
                    self.free = next_free;
                }
                e.state = state;
                i
            }
            None => {
                self.entries.push(Entry {
                    generation: 0,
                    state,
                });
                (self.entries.len() - 1) as u32
            }
        };
        self.live += 1;
        let generation = self.entries[index as usize].generation;
        self.heap.push(Reverse((deadline, index, generation)));
        TimerKey { index, generation }
    }

    fn entry(&mut self, key: TimerKey) -> Option<&mut Entry> {
        self.entries
            .get_mut(key.index as usize)
            .filter(|e| e.generation == key.generation)
    }

    pub(crate) fn poll(&mut self, key: TimerKey, cx: &mut Context<'_>) -> Poll<()> {
        match self.entry(key).map(|e| &mut e.state) {
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

    pub(crate) fn reset(&mut self, key: TimerKey, deadline: Ticks) {
        let Some(e) = self.entry(key) else { return };
        let waker = match std::mem::replace(&mut e.state, TimerState::Fired) {
            TimerState::Armed { waker, .. } => waker,
            _ => None,
        };
        e.state = TimerState::Armed { deadline, waker };
        self.heap
            .push(Reverse((deadline, key.index, key.generation)));
    }

    pub(crate) fn cancel(&mut self, key: TimerKey) {
        let free = self.free;
        let Some(e) = self.entry(key) else { return };
        e.state = TimerState::Vacant { next_free: free };
        e.generation = e.generation.wrapping_add(1);
        self.free = Some(key.index);
        self.live -= 1;
    }

    pub(crate) fn next_deadline(&mut self) -> Option<Ticks> {
        while let Some(Reverse((deadline, index, generation))) = self.heap.peek().copied() {
            match self.entries.get(index as usize) {
                Some(Entry {
                    generation: g,
                    state: TimerState::Armed { deadline: d, .. },
                }) if *g == generation && *d == deadline => return Some(deadline),
                _ => {
                    self.heap.pop();
                }
            }
        }
        None
    }

    pub(crate) fn expire(&mut self, now: Ticks, to_wake: &mut Vec<Waker>) {
        while let Some(deadline) = self.next_deadline() {
            if deadline > now {
                break;
            }
            let Some(Reverse((_, index, _))) = self.heap.pop() else {
                break;
            };
            let e = &mut self.entries[index as usize];
            if let TimerState::Armed { waker, .. } =
                std::mem::replace(&mut e.state, TimerState::Fired)
            {
                if let Some(w) = waker {
                    to_wake.push(w);
                }
            }
        }
    }

    pub(crate) fn clear(&mut self, to_wake: &mut Vec<Waker>) {
        for e in &mut self.entries {
            if let TimerState::Armed { waker, .. } =
                std::mem::replace(&mut e.state, TimerState::Fired)
            {
                to_wake.extend(waker);
            }
        }
        self.heap.clear();
    }
}
