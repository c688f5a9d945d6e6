//! Per-descriptor state: what the core knows about one registered descriptor.
//!
//! A [`Slot`] is one entry of the caller-provided descriptor storage. While occupied it holds
//! the sticky closed bits, the last readiness seen, and two [`Lane`]s, one per direction: the
//! read lane (read / accept / recv) and the write lane (write / connect / send). Each lane has its
//! own op state, its own [`Knowledge`](crate::Knowledge) of readiness and its own queue link, so an event for one
//! direction never disturbs the other (H5).

use crate::gate::{self, Knowledge};
use crate::op::{OpState, Outcome};
use crate::ready_queue::Link;
use crate::{Direction, Interest, Readiness};

/// One direction of a descriptor.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Lane {
    pub(crate) state: OpState,
    pub(crate) knowledge: Knowledge,
    /// Sequence number of the current (or last) op in this lane.
    pub(crate) seq: u32,
    pub(crate) link: Link,
}

impl Lane {
    const FRESH: Lane = Lane {
        state: OpState::Idle,
        knowledge: Knowledge::Unknown,
        seq: 0,
        link: Link::UNLINKED,
    };
}

/// Whether a slot holds a descriptor.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Occupancy {
    /// Free; `next_free` chains the free list (`u32::MAX` ends it).
    Vacant { next_free: u32 },
    /// Registered.
    Occupied {
        /// Closed bits seen so far: they stay until deregistration.
        sticky: Readiness,
        /// The readiness of the last event (plus sticky bits).
        last: Readiness,
    },
}

/// One entry of the descriptor storage. Create storage with [`Slot::VACANT`], for example
/// `[Slot::VACANT; 64]` or `vec![Slot::VACANT; n]`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Slot {
    pub(crate) generation: u32,
    pub(crate) occupancy: Occupancy,
    pub(crate) lanes: [Lane; 2],
    /// This slot's link in the interest feed (`interest_feed::UNLINKED` when not in it).
    pub(crate) feed_next: u32,
    /// The interest last handed out by `poll_interest` (what the backend watches).
    pub(crate) announced: Interest,
}

impl Slot {
    /// An unused slot.
    pub const VACANT: Slot = Slot {
        generation: 0,
        occupancy: Occupancy::Vacant {
            next_free: u32::MAX,
        },
        lanes: [Lane::FRESH; 2],
        feed_next: crate::interest_feed::UNLINKED,
        announced: Interest::NONE,
    };

    /// The speculation gate for a new op in `dir` ([`gate::gated`]).
    pub(crate) fn gated(&self, dir: Direction) -> bool {
        gate::gated(self.lane(dir).knowledge, self.last_readiness(), dir)
    }

    /// `outcome` as the gate may believe it ([`gate::trusted`], H19).
    pub(crate) fn trusted(&self, dir: Direction, outcome: Outcome) -> Outcome {
        gate::trusted(self.last_readiness(), dir, outcome)
    }

    /// The last event's readiness with the sticky bits (empty when vacant).
    pub(crate) fn last_readiness(&self) -> Readiness {
        match self.occupancy {
            Occupancy::Occupied { last, .. } => last,
            Occupancy::Vacant { .. } => Readiness::EMPTY,
        }
    }

    pub(crate) fn lane(&self, dir: Direction) -> &Lane {
        &self.lanes[dir.index()]
    }

    pub(crate) fn lane_mut(&mut self, dir: Direction) -> &mut Lane {
        &mut self.lanes[dir.index()]
    }

    /// Resets the lanes for a new registration, keeping sequence numbers so an op id of the
    /// previous descriptor can never match (the generation differs anyway).
    /// The interest feed link is kept: the slot may still be linked from its last registration.
    pub(crate) fn occupy(&mut self) {
        self.occupancy = Occupancy::Occupied {
            sticky: Readiness::EMPTY,
            last: Readiness::EMPTY,
        };
        self.announced = Interest::NONE;
        for lane in &mut self.lanes {
            *lane = Lane {
                seq: lane.seq,
                ..Lane::FRESH
            };
        }
    }
}

// A lane is 16 bytes and a descriptor 52: 10,000 registrations cost 520 KB.
static_assertions::assert_eq_size!(Lane, [u32; 4]);
static_assertions::assert_eq_size!(Slot, [u32; 13]);
