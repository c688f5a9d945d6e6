//! # rill-core: the reactor as a set of explicit state machines
//!
//! `rill-core` is the part of an I/O reactor that decides, and none of the part that acts. It
//! makes no syscalls, reads no clock and allocates nothing: OS events and time are inputs, and
//! every input returns an action telling the caller what to do next. The same core runs under the
//! `rill` std runtime, under your own executor, on bare metal, and under loom.
//!
//! | concept | file | what it holds |
//! |---|---|---|
//! | [`Token`] | `token.rs` | slot index + generation; round-trips through `u64` and `usize` |
//! | [`Readiness`], [`Interest`], [`Direction`] | `readiness.rs` | backend-neutral readiness bits |
//! | [`Event`] | `event.rs` | one translated OS report |
//! | [`Slot`] | `descriptor.rs` | per-descriptor state: two lanes (read, write) |
//! | [`slab`] | `slab.rs` | generational free list in caller storage: the descriptor table, the timer heap's ids, and the `rill` runtime's task and timer tables |
//! | [`Knowledge`] | `gate.rs` | the speculation gate: when a new op may skip its syscall |
//! | [`OpState`], [`OpId`], [`Completion`] | `op.rs` | the op lifecycle, one pure transition table |
//! | [`Budget`] | `budget.rs` | the inline (speculative completion) budget |
//! | ready queue | `ready_queue.rs` | intrusive FIFO that cannot overflow |
//! | [`Reactor`] | `reactor.rs` | the API tying them together |
//! | [`timer`] | `timer.rs` | bounded deadline heap over caller ticks |
//! | [`scheduler`] | `scheduler.rs` | outstanding work, stop/restart, run modes |
//! | [`hazards`] | `hazards.rs` | the hazard catalogue H1–H22 and where each is handled |
//! | `sync` (feature `sync`) | `sync/` | the pieces shared between threads, loom-checked: the remote queue handshake, a task's state word, the join cell, the poller's wake signal (the `rill` runtime's cross-thread protocol), plus multi-threaded reactor pieces |
//!
//! ## The op lifecycle
//!
//! Each descriptor has a read lane (read / accept / recv) and a write lane (write / connect /
//! send). An op in a lane goes through:
//!
//! ```text
//!   idle ──submit──▶ attempting ──WouldBlock──▶ parked ──edge──▶ runnable ──dispatch──▶ granted
//!    ▲                │   ▲  │                                                            │
//!    │   Done (inline)│   └──┘ WouldBlock after an edge: retry (H1)      the owner attempts│
//!    ├────────────────┘                                           (resume / start, finish)│
//!    ├──── deferred ◀── Done, budget spent ── attempting                                  │
//!    └──────────────────────────────── Done ──────────────────────────────────────────────┘
//! ```
//!
//! `submit` skips straight to *parked* when the direction is known not ready (gated
//! speculation: no wasted syscall), and to *runnable* when the inline budget is spent. A
//! dispatched op is *granted*: it may attempt, and no syscall has started; a futures adapter wakes
//! the op's task there, and the task takes the grant with [`Reactor::resume`] (one call that
//! also submits on an idle lane, so the adapter keeps no copy of the lane's state), or, when it
//! makes the syscall right away, with [`Reactor::perform`] (resume, the syscall as a closure,
//! and its finish, in one call and one slot lookup). Such an owner feeds events with
//! [`Reactor::handle_event_granting`]: a parked op an event wakes is granted at once, without
//! its trip through the ready queue. A grant cancelled before it starts completes with no I/O.
//! Cancellation is accepted in every state and deregistration aborts every state; every op that
//! starts completes exactly once (done, cancelled or aborted), with its [`OpId`] attached. The full
//! diagram and the transition table are in [`op`](crate::OpState).
//!
//! ## Driving the core by hand
//!
//! A loop with a pretend OS: one descriptor whose reads would block until an event says
//! readable.
//!
//! ```
//! use rill_core::{Config, Direction, Event, FinishAction, Outcome, Reactor, Readiness, Ready,
//!                 Slot, SubmitAction};
//!
//! let mut storage = [Slot::VACANT; 4];
//! let mut reactor = Reactor::new(&mut storage[..], Config::default());
//! let token = reactor.register().unwrap();
//!
//! // 1. Start a read. The core asks us to try the syscall first (speculation).
//! let SubmitAction::Attempt(op) = reactor.submit(token, Direction::Read).unwrap() else { panic!() };
//! // 2. Our read(2) said EAGAIN: tell the core; the op parks.
//! assert_eq!(reactor.finish_attempt(op, Outcome::WouldBlock).unwrap(), FinishAction::Parked);
//! // 3. The OS shim reports the socket readable.
//! reactor.handle_event(Event::new(token, Readiness::READABLE)).unwrap();
//! // 4. Drain the ready queue: the core asks for the attempt again.
//! let mut completed = None;
//! while let Some(ready) = reactor.poll_ready() {
//!     match ready {
//!         Ready::Attempt(op) => {
//!             // read(2) succeeds this time.
//!             if let FinishAction::Complete(c) = reactor.finish_attempt(op, Outcome::Done).unwrap() {
//!                 completed = Some(c);
//!             }
//!         }
//!         Ready::Complete(c) => completed = Some(c),
//!     }
//! }
//! assert_eq!(completed.unwrap().op, op);
//! ```
//!
//! ## Call order, and what the caller keeps
//!
//! The core never sees data. The caller keeps each op's buffer and result; the core only says
//! when to perform the syscall and when the op is over. After `submit` → `Attempt`, call
//! `finish_attempt` exactly once per syscall; after `Retry`, do the syscall again and call it
//! again. Feed every OS event to `handle_event`, then drain `poll_ready`. Call
//! [`Reactor::reset_budget`] whenever your executor dispatches a task from its own queue.
//!
//! A futures executor (the `rill` runtime) uses the fast path instead: each future's poll is
//! one [`Reactor::perform`] (its closure does the syscall and reports the [`Outcome`]), each
//! OS event one [`Reactor::handle_event_granting`], whose granted directions wake their tasks;
//! `poll_ready` then only carries what the budget queued or deferred. The fuzz model checks
//! `perform` against `resume` + `finish_attempt`.
#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::panic, clippy::unwrap_used, clippy::expect_used)
)]

mod budget;
mod descriptor;
mod error;
mod event;
mod gate;
pub mod hazards;
mod interest_feed;
mod op;
mod reactor;
mod readiness;
mod ready_queue;
pub mod scheduler;
pub mod slab;
#[cfg(feature = "sync")]
pub mod sync;
pub mod timer;
mod token;
#[cfg(feature = "trace")]
mod trace;
#[cfg(feature = "trace")]
pub use trace::{TraceHook, TraceInput, Transition};

pub use budget::Budget;
pub use descriptor::{Seen, Slot};
pub use error::{OpError, RegisterError, StaleEvent, StaleToken, SubmitError};
pub use event::Event;
pub use gate::Knowledge;
pub use op::{Completion, CompletionKind, Interruption, OpId, OpState, Origin, Outcome};
pub use reactor::{
    CancelAction, Config, FinishAction, PerDirection, Performed, Reactor, Ready, ResumeAction,
    Stats, SubmitAction,
};
pub use readiness::{Direction, Interest, Readiness};
pub use ready_queue::Link;
pub use timer::{Ticks, TimerId, TimerSlot, Timers};
pub use token::Token;
