//! Shared (multi-threaded) executor and reactor state, model-checked under [loom].
//!
//! The rest of the core is single-owner: one thread drives one state machine. An executor where
//! other threads wake tasks, spawn work and abort tasks while one thread polls them and waits in
//! the OS needs a few pieces shared between threads. This module holds exactly those pieces,
//! each small, each returning an action enum that tells the caller what to do next (the core
//! still performs no I/O: "wake the OS poller" is a value you act on, not a syscall made here).
//!
//! The runtime's own cross-thread protocol (the `rill` crate calls these on every wake, spawn,
//! abort and join):
//!
//! | piece | file | what it guarantees | production caller |
//! |---|---|---|---|
//! | [`Signal`] | `signal.rs` | coalesced wake of the poller: any number of [`Signal::notify`] calls cost at most one interrupt of the OS wait, and a notify racing [`Signal::prepare_to_block`] is never lost (H11) | `rill`: `executor::Shared` (through [`Remote::push`]), `Local::block_on` |
//! | [`Remote`] | `remote.rs` | the remote queue handshake: a push from another thread is drained before the loop blocks or interrupts its wait; after a close no push is accepted and every accepted one was drained | `rill`: `executor::Shared::{push_wake, push_spawn, close}`, `Local::take_remote` |
//! | [`TaskState`] | `task_state.rs` | a task's scheduled / abort / finished word: queued at most once, a wake racing a poll is never lost, a finished task is never queued again | `rill`: `task::Header` (the waker) |
//! | [`JoinCell`] | `join.rs` | first result wins, the joiner is woken exactly once if it waits, every result and registered waker is handed back once | `rill`: `task::JoinCell` behind `JoinHandle` |
//! | [`WorkCount`] | `work.rs` | outstanding-work counter whose drop to zero reports "stop" exactly once (H18) | `rill`: `multi::{pool, loops}` |
//!
//! Pieces for a multi-threaded reactor that no production path uses yet (a later issue gives
//! them their caller; their loom models are kept):
//!
//! | piece | file | what it guarantees | hazard |
//! |---|---|---|---|
//! | [`SharedDescriptor`] | `shared_descriptor.rs` | per-descriptor lock around the two op slots, the readiness the reactor publishes and the "already enqueued" state; parking after `EAGAIN` checks published readiness under the lock | H1, H15 |
//! | [`Claim`] | `claim.rs` | exactly one of completion, cancel and abort wins per op | H2 |
//! | [`IdleWorkers`] | `work.rs` | idle workers waiting for work vs. the thread blocked in the OS: whom a post must wake | |
//!
//! All of it is `no_std`, allocation-free and free of `unsafe`. The lock is [`spin::Mutex`]
//! (behind [`Lock`]); atomics are `core::sync::atomic`, word-sized at most (`thumbv7em` has no
//! 64-bit atomics). [`Remote`] and [`JoinCell`] take the lock as a parameter ([`WithLock`]): the
//! `rill` runtime passes a `std::sync::Mutex` (its critical sections may allocate or drop user
//! values, so it should park rather than spin), the loom models pass [`Lock`], and the protocol
//! code around the lock is the same.
//!
//! # Model checking: `--cfg loom`
//!
//! Built with `RUSTFLAGS="--cfg loom"`, every atomic in this module comes from
//! `loom::sync::atomic` and [`Lock`] wraps `loom::sync::Mutex`, so loom explores every
//! interleaving (within its preemption bound) of code that uses these pieces. The crate's own
//! models live in `core/tests/loom.rs`, one per property:
//!
//! ```text
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 \
//!     cargo test -p rill-core --features sync --test loom --release
//! ```
//!
//! # Model-checking your own executor
//!
//! A downstream crate can check its executor against these pieces the same way: depend on
//! `rill-core` with the `sync` feature, add `loom = "0.7"` under
//! `[target.'cfg(loom)'.dependencies]`, write tests that pick loom's `thread`/`Arc` under
//! `cfg(loom)` and std's otherwise, and run them with `RUSTFLAGS="--cfg loom"` (the flag reaches
//! `rill-core` too, so its atomics and lock become loom's). The example below is such a test,
//! written once for both worlds: as a doc test it runs on real threads; under `--cfg loom` the
//! same body runs inside `loom::model` and every interleaving is checked. It models a worker that
//! gets `EAGAIN` and parks its read while the reactor thread publishes readiness, and asserts that
//! the op is run exactly once whatever the order (hazard H1).
//!
//! ```
//! # extern crate std;
//! use rill_core::sync::{DispatchAction, ParkAction, PublishAction, SharedDescriptor};
//! use rill_core::{Direction, Readiness};
//! #[cfg(loom)]
//! use loom::{model, sync::Arc, sync::atomic::{AtomicUsize, Ordering}, thread};
//! #[cfg(not(loom))]
//! use std::{sync::Arc, sync::atomic::{AtomicUsize, Ordering}, thread};
//! #[cfg(not(loom))]
//! fn model(f: impl Fn()) { f() }
//!
//! /// The executor's op handle: here just a number.
//! type Op = u32;
//!
//! /// What the executor does when it pops a descriptor from its ready queue.
//! fn run_queued(desc: &SharedDescriptor<Op>, ran: &AtomicUsize) {
//!     if let DispatchAction::Run(ops) = desc.dispatch() {
//!         for _op in ops.into_iter().flatten() {
//!             ran.fetch_add(1, Ordering::Relaxed); // retry the syscall, complete the op
//!         }
//!     }
//! }
//!
//! model(|| {
//!     let desc = Arc::new(SharedDescriptor::<Op>::new());
//!     let ran = Arc::new(AtomicUsize::new(0));
//!
//!     // Reactor thread: the OS reported the descriptor readable.
//!     let reactor = {
//!         let (desc, ran) = (desc.clone(), ran.clone());
//!         thread::spawn(move || {
//!             if let PublishAction::Enqueue = desc.publish(Readiness::READABLE) {
//!                 // Push onto the ready queue; here the reactor runs it itself.
//!                 run_queued(&desc, &ran);
//!             }
//!         })
//!     };
//!
//!     // Worker: the read returned EAGAIN, so park it.
//!     match desc.park(Direction::Read, 7) {
//!         ParkAction::RetryNow(_op) => {
//!             ran.fetch_add(1, Ordering::Relaxed); // an edge arrived meanwhile: retry at once
//!         }
//!         ParkAction::Parked => {}
//!         other => panic!("unexpected {other:?}"),
//!     }
//!     reactor.join().unwrap();
//!     assert_eq!(ran.load(Ordering::Relaxed), 1, "the op was lost or ran twice");
//! });
//! ```
//!
//! [loom]: https://docs.rs/loom

#[cfg(loom)]
extern crate std;

mod claim;
mod join;
mod remote;
mod shared_descriptor;
mod signal;
mod task_state;
mod work;

pub use claim::{Claim, ClaimAction, Claimant};
pub use join::{CompleteAction, DetachAction, JoinCell, JoinPoll, JoinSlot};
pub use remote::{Inbox, PushAction, Remote};
pub use shared_descriptor::{
    CloseAction, DispatchAction, ParkAction, PublishAction, Release, SharedCancelAction,
    SharedDescriptor,
};
pub use signal::{BlockAction, NotifyAction, Signal, WakeReason};
pub use task_state::{ScheduleAction, StartPollAction, TaskFinishAction, TaskState};
pub use work::{IdleWorkers, PostAction, WaitAction, WorkCount, WorkUnderflow};

/// The atomics this module uses: `core`'s normally, loom's under `cfg(loom)`.
mod atomic {
    #[cfg(not(loom))]
    pub(crate) use core::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
    #[cfg(loom)]
    pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
}

/// A mutual-exclusion lock: [`spin::Mutex`] normally, `loom::sync::Mutex` under `cfg(loom)`.
///
/// The critical sections in this module are a handful of loads and stores, so spinning is
/// cheaper than parking. The lock is exposed so an embedder's own shared state can use the same
/// loom-aware primitive.
pub struct Lock<T> {
    #[cfg(not(loom))]
    inner: spin::Mutex<T>,
    #[cfg(loom)]
    inner: loom::sync::Mutex<T>,
}

impl<T> Lock<T> {
    /// A new, unlocked lock around `value`.
    pub fn new(value: T) -> Lock<T> {
        Lock {
            #[cfg(not(loom))]
            inner: spin::Mutex::new(value),
            #[cfg(loom)]
            inner: loom::sync::Mutex::new(value),
        }
    }

    /// Runs `f` with the lock held and returns its result.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        #[cfg(not(loom))]
        let mut guard = self.inner.lock();
        // A panic while holding the lock only happens inside a failing model; the state is
        // still the last consistent one, so keep going rather than panic again.
        #[cfg(loom)]
        let mut guard = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    }
}

/// A lock the caller provides to [`Remote`] and [`JoinCell`]: anything that runs a closure with
/// exclusive access to its value. [`Lock`] is one; the `rill` runtime wraps `std::sync::Mutex`.
///
/// The pieces call [`with`](WithLock::with) for short critical sections and act on what it
/// returns only after it returned (the lock released).
pub trait WithLock {
    /// The value behind the lock.
    type Inner;

    /// Runs `f` with exclusive access to the value and returns its result.
    fn with<R>(&self, f: impl FnOnce(&mut Self::Inner) -> R) -> R;
}

impl<T> WithLock for Lock<T> {
    type Inner = T;

    fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        Lock::with(self, f)
    }
}

impl<T: Default> Default for Lock<T> {
    fn default() -> Lock<T> {
        Lock::new(T::default())
    }
}

impl<T> core::fmt::Debug for Lock<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Lock { .. }")
    }
}
