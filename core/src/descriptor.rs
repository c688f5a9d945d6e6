//! Per-descriptor state: what the core knows about one registered descriptor.
//!
//! A [`Slot`] is one entry of the caller-provided descriptor storage. While occupied it holds
//! the sticky closed bits, the last readiness seen, and two [`Lane`]s, one per direction: the
//! read lane (read / accept / recv) and the write lane (write / connect / send). Each lane has its
//! own op state, its own [`Knowledge`] of readiness and its own queue link, so an event for one
//! direction never disturbs the other (H5).

use crate::op::{OpState, Outcome};
use crate::ready_queue::Link;
use crate::{Direction, Readiness};

/// What the core knows about one direction's readiness: the gate for speculation.
///
/// A failed speculative attempt costs a wasted syscall; a successful one skips the poller. So a
/// direction that said WouldBlock is `NotReady` until the next edge and a new op there parks at
/// once; anything else is attempted.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Knowledge {
    /// Nothing known (fresh, or the last attempt finished): attempt.
    Unknown,
    /// An edge arrived since the last attempt: attempt.
    Ready,
    /// The last attempt said WouldBlock, or drained the direction ([`Outcome::Drained`](crate::Outcome::Drained)),
    /// and no edge came since: park without a syscall.
    NotReady,
}

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
}

impl Slot {
    /// An unused slot.
    pub const VACANT: Slot = Slot {
        generation: 0,
        occupancy: Occupancy::Vacant {
            next_free: u32::MAX,
        },
        lanes: [Lane::FRESH; 2],
    };

    /// The speculation gate: true when a new op in `dir` should park without a syscall. A
    /// direction that has seen its closed or error bit is never gated: its syscall returns at
    /// once (EOF, EPIPE, the error), and an edge-triggered backend will not say so twice.
    pub(crate) fn gated(&self, dir: Direction) -> bool {
        self.lane(dir).knowledge == Knowledge::NotReady
            && !self.last_readiness().intersects(Readiness::unblocks(dir))
    }

    /// `outcome` as the gate may believe it (H19). The caller reports [`Outcome::Drained`] for a
    /// short transfer it made under the adapter's rules; the core then trusts it only while the
    /// last event carried none of these bits:
    ///
    /// - a closed or error bit of `dir`: data and EOF often arrive in one edge, and the next
    ///   syscall returns at once;
    /// - for reads, `PRIORITY`: TCP stops a read short at the urgent mark with in-band bytes
    ///   still queued behind it, and the edge announcing them has been consumed already.
    ///
    /// An untrusted short transfer counts as `Done`: the next op attempts its syscall, so a
    /// wrong "drained" costs at most that one syscall (a `WouldBlock` that re-arms the gate),
    /// never a hang.
    pub(crate) fn trusted(&self, dir: Direction, outcome: Outcome) -> Outcome {
        let distrust = match dir {
            Direction::Read => Readiness::unblocks(dir).union(Readiness::PRIORITY),
            Direction::Write => Readiness::unblocks(dir),
        };
        match outcome {
            Outcome::Drained if self.last_readiness().intersects(distrust) => Outcome::Done,
            other => other,
        }
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
    pub(crate) fn occupy(&mut self) {
        self.occupancy = Occupancy::Occupied {
            sticky: Readiness::EMPTY,
            last: Readiness::EMPTY,
        };
        for lane in &mut self.lanes {
            *lane = Lane {
                seq: lane.seq,
                ..Lane::FRESH
            };
        }
    }
}

// A lane is 16 bytes and a descriptor 44: 10,000 registrations cost 440 KB.
static_assertions::assert_eq_size!(Lane, [u32; 4]);
static_assertions::assert_eq_size!(Slot, [u32; 11]);
