//! The op lifecycle: one explicit state machine per direction of a descriptor.
//!
//! ```text
//!                 submit (known not ready)
//!        ┌────────────────────────────────────────────┐
//!        │        submit (budget spent)               ▼
//!        │   ┌──────────────────────┐          ┌──────────┐
//!   ┌────┴───┴┐  submit   ┌─────────┴──┐ WB    │  parked  │ cancel → completed(cancelled)
//!   │  idle   │──────────▶│ attempting │──────▶│          │
//!   └─────────┘           └────────────┘       └────┬─────┘
//!        ▲   Done, budget ok │  │ ▲ ▲  WB + edge       │ edge
//!        │   (inline)        │  │ │ └─(retry)          ▼
//!        │                   │  │ │  start      ┌──────────┐ cancel → completed(cancelled)
//!        ├───────────────────┘  │ └─────────────│ runnable │ (dequeued, no I/O: H3)
//!        │                      │ ┌─────────┐   └────┬─────┘
//!        │      Done, budget    │ │ granted │◀───────┘ dispatch (poll_ready)
//!        │      spent           ▼ └────┬────┘ cancel → completed(cancelled), no I/O
//!        │                ┌──────────┐ │ finish (the owner's syscall, without start)
//!        └────────────────│ deferred │ └──────────▶ idle (Done) / parked (WB) / retry
//!           completed     └──────────┘
//! ```
//!
//! Every arrow that leaves the machine produces exactly one [`Completion`]: done, cancelled or
//! aborted (the descriptor was deregistered, from any state). Each transition is a case of the
//! pure function [`transition`], which returns the next state and an [`Effect`] telling the
//! reactor what to do (enqueue, dequeue, spend budget, hand back a completion). Nothing else
//! assigns a lane's state.
//!
//! An owner that takes each grant as soon as its op is woken (a futures adapter) feeds edges as
//! `EdgeGrant`: a parked op then goes straight to granted, skipping runnable and the ready queue;
//! in every other state `EdgeGrant` is `Edge`.
//!
//! Two rules live here rather than in the reactor:
//! - **No lost wake-up (H1).** An edge that arrives while an attempt is in flight is remembered
//!   ([`Interruption::Edge`]); the attempt's WouldBlock then answers "retry now" instead of parking.
//! - **Cancel resolves exactly once (H2, H3).** A cancel of a parked or runnable op completes it at
//!   once without any I/O; a cancel during an attempt is remembered and resolved by the attempt's
//!   outcome (its bytes win if it did any I/O); a cancel after completion is "too late", a no-op.

use core::fmt;

use crate::{Direction, Token};

/// Names one op: the descriptor, the direction and a per-direction sequence number, so a late
/// completion or cancel can never be taken for a newer op in the same slot (H2).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct OpId {
    token: Token,
    seq: u32,
    dir: Direction,
}

impl OpId {
    pub(crate) const fn new(token: Token, dir: Direction, seq: u32) -> OpId {
        OpId { token, seq, dir }
    }
    /// The descriptor the op runs on.
    pub const fn token(self) -> Token {
        self.token
    }
    /// The op's direction (which slot of the descriptor it occupies).
    pub const fn direction(self) -> Direction {
        self.dir
    }
    /// The op's sequence number within its direction.
    pub const fn seq(self) -> u32 {
        self.seq
    }
}

/// How an op ended.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum CompletionKind {
    /// The syscall finished (successfully or with an error that is not WouldBlock); the caller
    /// holds the result.
    Done,
    /// Cancelled before it performed any I/O.
    Cancelled,
    /// The descriptor was deregistered while the op was outstanding.
    Aborted,
}

/// "This op is over": the one completion every started op gets.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Completion {
    /// Which op.
    pub op: OpId,
    /// How it ended.
    pub kind: CompletionKind,
}

/// What the caller's syscall did.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Outcome {
    /// It finished: success, EOF, or an error other than WouldBlock. Keep the result.
    Done,
    /// It finished *and showed the direction is now empty or full*: a stream read that returned
    /// fewer bytes than its buffer held, a write that took fewer bytes than it was given. Like
    /// `Done`, and the next op in this direction parks without a speculative syscall unless an
    /// edge arrives first (the edge-triggered backends report any later arrival). Report `Done`,
    /// not `Drained`, for end of stream, errors, datagrams and accepts.
    Drained,
    /// It said EAGAIN / EWOULDBLOCK: the direction is not ready.
    WouldBlock,
}

impl Outcome {
    /// True for the outcomes that finish the op (`Done`, `Drained`).
    pub const fn is_finished(self) -> bool {
        !matches!(self, Outcome::WouldBlock)
    }
}

/// Why the op is attempting: a speculative first try, or a dispatch from the ready queue. Only
/// speculative attempts spend the inline budget.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Origin {
    /// Tried straight from `submit`.
    Speculative,
    /// Tried because `poll_ready` dispatched it.
    Dispatched,
}

/// Something that happened while an attempt was in flight, resolved by its outcome.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Interruption {
    /// Nothing.
    None,
    /// A readiness edge arrived: a WouldBlock must be retried, not parked (H1).
    Edge,
    /// A cancel was requested: a WouldBlock completes as cancelled (and absorbs any edge).
    Cancel,
}

/// Where one direction's op is in its lifecycle.
///
/// `repr(u8)`: the state is a tag byte of its own, so each `matches!` on the hot path is one
/// compare of that byte (with a niche-packed layout each one decoded the tag first).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[repr(u8)]
pub enum OpState {
    /// No op.
    Idle,
    /// The caller is performing the syscall.
    Attempting {
        /// Speculative or dispatched.
        origin: Origin,
        /// What arrived meanwhile.
        interruption: Interruption,
    },
    /// Waiting for a readiness edge.
    Parked,
    /// In the ready queue; `poll_ready` will grant an attempt.
    Runnable,
    /// Dispatched by `poll_ready`: the op may attempt, and no syscall has started yet. A futures
    /// adapter wakes the op's task here and the task starts the attempt when polled
    /// ([`Reactor::resume`](crate::Reactor::resume)); a cancel meanwhile completes the op with no
    /// I/O, so a grant nobody takes is never undone by hand. An embedder that performs the
    /// syscall at once may report its outcome straight from here.
    Granted {
        /// An edge that arrived since the grant: a WouldBlock reported from here retries (H1).
        interruption: Interruption,
    },
    /// Finished, result held by the caller, completion waiting in the ready queue (budget spent).
    Deferred,
}

impl OpState {
    /// True when the op sits in the ready queue.
    pub const fn is_queued(self) -> bool {
        matches!(self, OpState::Runnable | OpState::Deferred)
    }
}

impl fmt::Display for OpState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OpState::Idle => "idle",
            OpState::Attempting { .. } => "attempting",
            OpState::Parked => "parked",
            OpState::Runnable => "runnable",
            OpState::Granted { .. } => "granted",
            OpState::Deferred => "completed (deferred)",
        })
    }
}

/// An input to one lane's state machine.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Input {
    /// A new op. `known_not_ready`: the direction saw WouldBlock and no edge since.
    /// `budget`: the inline budget for this direction is not spent.
    Submit { known_not_ready: bool, budget: bool },
    /// The attempt finished. `budget` as above.
    Finish { outcome: Outcome, budget: bool },
    /// A readiness edge for this direction.
    Edge,
    /// A readiness edge, for an owner that takes a grant as soon as its op is woken
    /// ([`Reactor::handle_event_granting`](crate::Reactor::handle_event_granting)): a parked op is
    /// granted at once instead of queued; in every other state, the same as `Edge`.
    EdgeGrant,
    /// Cancel the current op.
    Cancel,
    /// `poll_ready` popped this lane from the ready queue.
    Dispatch,
    /// The owner of a granted op starts its syscall now.
    Start,
    /// The descriptor is being deregistered.
    Abort,
}

/// What the reactor must do after a transition. The state machine decides; the reactor acts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Effect {
    /// Nothing beyond the state change.
    Nothing,
    /// Ask the caller to perform the syscall now (from submit, start or retry).
    Attempt,
    /// The op may attempt: hand the grant to its owner (from dispatch).
    Grant,
    /// The op now waits for an edge.
    Park,
    /// Put the lane in the ready queue (submit with budget spent, or an edge on a parked op).
    Enqueue,
    /// The attempt finished within budget: spend it and complete inline.
    CompleteInline,
    /// The attempt finished with the budget spent: queue its completion.
    Defer,
    /// Complete now with this kind (`dequeue`: the lane was in the ready queue).
    Complete { kind: CompletionKind, dequeue: bool },
    /// Cancel noted; the attempt's outcome resolves it.
    CancelRequested,
    /// Nothing to cancel: the op already completed or its result is already queued.
    TooLate,
    /// The input is not valid in this state (a caller bug, answered with an error).
    Invalid,
}

/// The whole op lifecycle: the next state and the effect, for every (state, input) pair.
#[inline(always)] // each call site passes a constant input: let the match fold away
pub(crate) const fn transition(state: OpState, input: Input) -> (OpState, Effect) {
    use Effect as E;
    use Input as I;
    use OpState as S;
    match (state, input) {
        (
            S::Idle,
            I::Submit {
                known_not_ready: true,
                ..
            },
        ) => (S::Parked, E::Park),
        (S::Idle, I::Submit { budget: false, .. }) => (S::Runnable, E::Enqueue),
        (S::Idle, I::Submit { .. }) => (attempting(Origin::Speculative), E::Attempt),
        (_, I::Submit { .. }) => (state, E::Invalid),

        (
            S::Attempting {
                origin,
                interruption,
            },
            I::Finish { outcome, budget },
        ) => match (outcome, interruption) {
            (Outcome::Done | Outcome::Drained, _) => match (origin, budget) {
                (Origin::Speculative, true) => (S::Idle, E::CompleteInline),
                (Origin::Speculative, false) => (S::Deferred, E::Defer),
                (Origin::Dispatched, _) => (S::Idle, done()),
            },
            (Outcome::WouldBlock, Interruption::Cancel) => (
                S::Idle,
                E::Complete {
                    kind: CompletionKind::Cancelled,
                    dequeue: false,
                },
            ),
            (Outcome::WouldBlock, Interruption::Edge) => (attempting(origin), E::Attempt),
            (Outcome::WouldBlock, Interruption::None) => (S::Parked, E::Park),
        },
        // An embedder that made the syscall right after the dispatch, without `Start`.
        (S::Granted { interruption }, I::Finish { outcome, .. }) => match (outcome, interruption) {
            (Outcome::Done | Outcome::Drained, _) => (S::Idle, done()),
            (Outcome::WouldBlock, Interruption::Edge) => {
                (attempting(Origin::Dispatched), E::Attempt)
            }
            (Outcome::WouldBlock, _) => (S::Parked, E::Park),
        },
        (_, I::Finish { .. }) => (state, E::Invalid),

        (
            S::Attempting {
                origin,
                interruption: Interruption::None,
            },
            I::Edge | I::EdgeGrant,
        ) => (
            S::Attempting {
                origin,
                interruption: Interruption::Edge,
            },
            E::Nothing,
        ),
        (
            S::Granted {
                interruption: Interruption::None,
            },
            I::Edge | I::EdgeGrant,
        ) => (
            S::Granted {
                interruption: Interruption::Edge,
            },
            E::Nothing,
        ),
        (S::Parked, I::EdgeGrant) => (
            S::Granted {
                interruption: Interruption::None,
            },
            E::Grant,
        ),
        (S::Parked, I::Edge) => (S::Runnable, E::Enqueue),
        (_, I::Edge | I::EdgeGrant) => (state, E::Nothing),

        (S::Idle | S::Deferred, I::Cancel) => (state, E::TooLate),
        (S::Attempting { origin, .. }, I::Cancel) => (
            S::Attempting {
                origin,
                interruption: Interruption::Cancel,
            },
            E::CancelRequested,
        ),
        (S::Parked, I::Cancel) => (
            S::Idle,
            E::Complete {
                kind: CompletionKind::Cancelled,
                dequeue: false,
            },
        ),
        (S::Granted { .. }, I::Cancel) => (
            S::Idle,
            E::Complete {
                kind: CompletionKind::Cancelled,
                dequeue: false,
            },
        ),
        (S::Runnable, I::Cancel) => (
            S::Idle,
            E::Complete {
                kind: CompletionKind::Cancelled,
                dequeue: true,
            },
        ),

        (S::Runnable, I::Dispatch) => (
            S::Granted {
                interruption: Interruption::None,
            },
            E::Grant,
        ),
        (S::Deferred, I::Dispatch) => (S::Idle, done()),
        (_, I::Dispatch) => (state, E::Invalid),

        (S::Granted { .. }, I::Start) => (attempting(Origin::Dispatched), E::Attempt),
        (_, I::Start) => (state, E::Invalid),

        (S::Idle, I::Abort) => (S::Idle, E::Nothing),
        (_, I::Abort) => (
            S::Idle,
            E::Complete {
                kind: CompletionKind::Aborted,
                dequeue: state.is_queued(),
            },
        ),
    }
}

const fn attempting(origin: Origin) -> OpState {
    OpState::Attempting {
        origin,
        interruption: Interruption::None,
    }
}

const fn done() -> Effect {
    Effect::Complete {
        kind: CompletionKind::Done,
        dequeue: false,
    }
}

#[cfg(test)]
mod tests;
