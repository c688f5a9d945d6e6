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
use crate::slab;
use crate::{Direction, Interest, Readiness, Token};

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

/// What a slot holds only while a descriptor is registered: the readiness its events showed.
/// The slot's [`slab::Entry`] holds it (or, while the slot is vacant, the free-list link).
/// Opaque: [`Reactor::readiness`](crate::Reactor::readiness) reads it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Seen {
    /// Closed bits seen so far: they stay until deregistration.
    pub(crate) sticky: Readiness,
    /// The readiness of the last event (plus sticky bits).
    pub(crate) last: Readiness,
}

impl Seen {
    /// Nothing seen yet: a new registration.
    pub(crate) const NOTHING: Seen = Seen {
        sticky: Readiness::EMPTY,
        last: Readiness::EMPTY,
    };
}

/// One entry of the descriptor storage. Create storage with [`Slot::VACANT`], for example
/// `[Slot::VACANT; 64]` or `vec![Slot::VACANT; n]`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Slot {
    /// The slot in the descriptor table ([`Slab`](crate::slab::Slab)): generation, and what
    /// was seen (registered) or the next free slot (vacant).
    pub(crate) entry: slab::Entry<Seen>,
    pub(crate) lanes: [Lane; 2],
    /// This slot's link in the interest feed (`interest_feed::UNLINKED` when not in it).
    pub(crate) feed_next: u32,
    /// The interest last handed out by `poll_interest` (what the backend watches).
    pub(crate) announced: Interest,
}

impl Slot {
    /// An unused slot.
    pub const VACANT: Slot = Slot {
        entry: slab::Entry::VACANT,
        lanes: [Lane::FRESH; 2],
        feed_next: crate::interest_feed::UNLINKED,
        announced: Interest::NONE,
    };

    /// The speculation gate for a new op in `dir` ([`gate::gated`]).
    #[inline]
    pub(crate) fn gated(&self, dir: Direction) -> bool {
        gate::gated(self.lane(dir).knowledge, self.last_readiness(), dir)
    }

    /// `outcome` as the gate may believe it ([`gate::trusted`], H19).
    #[inline]
    pub(crate) fn trusted(&self, dir: Direction, outcome: Outcome) -> Outcome {
        gate::trusted(self.last_readiness(), dir, outcome)
    }

    /// The last event's readiness with the sticky bits (empty when vacant).
    #[inline]
    pub(crate) fn last_readiness(&self) -> Readiness {
        self.entry.get().map_or(Readiness::EMPTY, |seen| seen.last)
    }

    /// The slot's generation: the current token's, or the next one's while vacant.
    #[inline]
    pub(crate) fn generation(&self) -> u32 {
        self.entry.generation()
    }

    pub(crate) fn lane(&self, dir: Direction) -> &Lane {
        &self.lanes[dir.index()]
    }

    pub(crate) fn lane_mut(&mut self, dir: Direction) -> &mut Lane {
        &mut self.lanes[dir.index()]
    }

    /// Resets the lanes for a new registration (the slab has just filled the entry), keeping
    /// sequence numbers so an op id of the previous descriptor can never match (the generation
    /// differs anyway). The interest feed link is kept: the slot may still be linked from its
    /// last registration.
    pub(crate) fn start_registration(&mut self) {
        self.announced = Interest::NONE;
        for lane in &mut self.lanes {
            *lane = Lane {
                seq: lane.seq,
                ..Lane::FRESH
            };
        }
    }
}

/// The descriptor table is a slab of slots. Its limits are the token's, so every slot index and
/// generation fits a [`Token`] and round-trips through the kernel's pointer-sized word.
impl slab::Element for Slot {
    type Value = Seen;
    const VACANT: Slot = Slot::VACANT;
    const MAX_LEN: u32 = Token::MAX_INDEX + 1;
    const GENERATION_MASK: u32 = Token::GENERATION_MASK;

    #[inline(always)]
    fn entry(&self) -> &slab::Entry<Seen> {
        &self.entry
    }

    #[inline(always)]
    fn entry_mut(&mut self) -> &mut slab::Entry<Seen> {
        &mut self.entry
    }
}

// A lane is 16 bytes and a descriptor 52: 10,000 registrations cost 520 KB.
static_assertions::assert_eq_size!(Lane, [u32; 4]);
static_assertions::assert_eq_size!(Slot, [u32; 13]);
