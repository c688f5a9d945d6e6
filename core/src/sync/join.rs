//! A task's join cell: the first result wins, the joiner is woken exactly once if it waits, and
//! every result and every registered waker is handed back exactly once.
//!
//! The task side calls [`JoinCell::complete`] (the loop, when the task ends); the joiner calls
//! [`JoinCell::poll`] (from any thread) and [`JoinCell::detach`] when it goes away. The state
//! lives under a lock the caller provides ([`WithLock`]: the core's [`Lock`](super::Lock) here
//! and under loom, a `std::sync::Mutex` in the `rill` runtime), and each call returns an action
//! the caller performs *after* the lock is released: waking the joiner, dropping a value nobody
//! will take. Both are user code (a waker, an output's `Drop`), so they never run under the lock.
//!
//! | stage | `complete(v)` | `poll(register)` | `detach()` |
//! |---|---|---|---|
//! | running (joiner waker, if it polled) | → done, [`CompleteAction::Wake`] or [`CompleteAction::Stored`] | waker registered, [`JoinPoll::Pending`] | → detached, [`DetachAction::Waiting`] (the waker back) |
//! | detached (joiner gone, no result) | → closed, [`CompleteAction::Discard`] | (joiner gone: not called) | nothing |
//! | done (result not taken) | [`CompleteAction::Refused`] (first wins) | → closed, [`JoinPoll::Ready`] | → closed, [`DetachAction::Discard`] |
//! | closed (result handed out) | [`CompleteAction::Refused`] | [`JoinPoll::Gone`] | nothing |
//!
//! The cell is allocation-free and generic over the value `T` and the waker `W`, so it holds no
//! `Waker` of its own and runs on `no_std`.

use super::WithLock;

/// The state under a [`JoinCell`]'s lock. Build one with [`JoinSlot::new`] and wrap it in the
/// lock.
#[derive(Debug)]
pub struct JoinSlot<T, W> {
    stage: Stage<T, W>,
}

#[derive(Debug)]
enum Stage<T, W> {
    Running(Option<W>),
    Detached,
    Done(T),
    Closed,
}

impl<T, W> JoinSlot<T, W> {
    /// A running task, nobody waiting yet.
    pub fn new() -> JoinSlot<T, W> {
        JoinSlot {
            stage: Stage::Running(None),
        }
    }

    /// A slot that already holds `value` (a task that ended before it started).
    pub fn done(value: T) -> JoinSlot<T, W> {
        JoinSlot {
            stage: Stage::Done(value),
        }
    }
}

impl<T, W> Default for JoinSlot<T, W> {
    fn default() -> JoinSlot<T, W> {
        JoinSlot::new()
    }
}

/// What the task side does after [`JoinCell::complete`], with the lock released.
#[derive(Debug, PartialEq, Eq)]
#[must_use]
pub enum CompleteAction<T, W> {
    /// The result is stored and the joiner was waiting: wake this waker.
    Wake(W),
    /// The result is stored; the joiner has not polled yet and will find it.
    Stored,
    /// The joiner is gone: nobody takes the result; drop it.
    Discard(T),
    /// A result was already published (the first wins): drop this one.
    Refused(T),
}

/// The joiner's answer from [`JoinCell::poll`].
#[derive(Debug, PartialEq, Eq)]
#[must_use]
pub enum JoinPoll<T> {
    /// The task's result, handed out once.
    Ready(T),
    /// Not finished; the joiner's waker is registered and will be woken once.
    Pending,
    /// The result was already handed out (polled again after `Ready`).
    Gone,
}

/// What the joiner does after [`JoinCell::detach`], with the lock released.
#[derive(Debug, PartialEq, Eq)]
#[must_use]
pub enum DetachAction<T, W> {
    /// The task still runs; here is the joiner's registered waker, if any, to drop.
    Waiting(Option<W>),
    /// The result had arrived and nobody took it: drop it.
    Discard(T),
    /// Nothing left (the result was taken, or the cell detached already).
    Nothing,
}

/// A join cell: a [`JoinSlot`] behind the caller's lock `L`.
#[derive(Debug)]
pub struct JoinCell<L> {
    slot: L,
}

impl<T, W, L: WithLock<Inner = JoinSlot<T, W>>> JoinCell<L> {
    /// A cell around `slot`, a lock holding a [`JoinSlot`].
    pub fn new(slot: L) -> JoinCell<L> {
        JoinCell { slot }
    }

    /// The task side: publish `value`. The first call stores it; later ones are refused.
    pub fn complete(&self, value: T) -> CompleteAction<T, W> {
        self.slot
            .with(|s| match core::mem::replace(&mut s.stage, Stage::Closed) {
                Stage::Running(waker) => {
                    s.stage = Stage::Done(value);
                    match waker {
                        Some(w) => CompleteAction::Wake(w),
                        None => CompleteAction::Stored,
                    }
                }
                Stage::Detached => CompleteAction::Discard(value),
                done @ (Stage::Done(_) | Stage::Closed) => {
                    s.stage = done;
                    CompleteAction::Refused(value)
                }
            })
    }

    /// The joiner: take the result, or register a waker. `register` gets the waker registered
    /// by the previous poll (if any) and returns the one to keep; it runs under the lock.
    pub fn poll(&self, register: impl FnOnce(Option<W>) -> W) -> JoinPoll<T> {
        self.slot
            .with(|s| match core::mem::replace(&mut s.stage, Stage::Closed) {
                Stage::Running(waker) => {
                    s.stage = Stage::Running(Some(register(waker)));
                    JoinPoll::Pending
                }
                Stage::Done(value) => JoinPoll::Ready(value),
                Stage::Closed => JoinPoll::Gone,
                Stage::Detached => {
                    s.stage = Stage::Detached;
                    JoinPoll::Gone
                }
            })
    }

    /// The joiner goes away: the task's result, when it comes, is discarded.
    pub fn detach(&self) -> DetachAction<T, W> {
        self.slot
            .with(|s| match core::mem::replace(&mut s.stage, Stage::Closed) {
                Stage::Running(waker) => {
                    s.stage = Stage::Detached;
                    DetachAction::Waiting(waker)
                }
                Stage::Done(value) => DetachAction::Discard(value),
                Stage::Detached => {
                    s.stage = Stage::Detached;
                    DetachAction::Nothing
                }
                Stage::Closed => DetachAction::Nothing,
            })
    }

    /// True once a result was published.
    pub fn is_finished(&self) -> bool {
        self.slot
            .with(|s| matches!(s.stage, Stage::Done(_) | Stage::Closed))
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::super::Lock;
    use super::*;

    type Cell = JoinCell<Lock<JoinSlot<u32, &'static str>>>;

    fn cell() -> Cell {
        JoinCell::new(Lock::new(JoinSlot::new()))
    }

    #[test]
    fn running_complete_then_poll_is_ready_once() {
        let c = cell();
        assert!(!c.is_finished());
        assert_eq!(c.complete(1), CompleteAction::Stored);
        assert!(c.is_finished());
        assert_eq!(c.poll(|_| "w"), JoinPoll::Ready(1));
        assert_eq!(c.poll(|_| "w"), JoinPoll::Gone);
        assert!(c.is_finished());
    }

    #[test]
    fn waiting_joiner_is_woken_with_its_latest_waker() {
        let c = cell();
        assert_eq!(c.poll(|old| old.unwrap_or("first")), JoinPoll::Pending);
        assert_eq!(
            c.poll(|old| {
                assert_eq!(old, Some("first"));
                "second"
            }),
            JoinPoll::Pending
        );
        assert_eq!(c.complete(1), CompleteAction::Wake("second"));
        assert_eq!(c.poll(|_| "w"), JoinPoll::Ready(1));
    }

    #[test]
    fn done_second_complete_is_refused() {
        let c = cell();
        assert_eq!(c.complete(1), CompleteAction::Stored);
        assert_eq!(c.complete(2), CompleteAction::Refused(2));
        assert_eq!(c.poll(|_| "w"), JoinPoll::Ready(1));
        assert_eq!(c.complete(3), CompleteAction::Refused(3));
    }

    #[test]
    fn detached_complete_discards_and_later_completes_are_refused() {
        let c = cell();
        assert_eq!(c.poll(|_| "w"), JoinPoll::Pending);
        assert_eq!(c.detach(), DetachAction::Waiting(Some("w")));
        assert_eq!(c.detach(), DetachAction::Nothing);
        assert!(!c.is_finished());
        assert_eq!(c.complete(1), CompleteAction::Discard(1));
        assert_eq!(c.complete(2), CompleteAction::Refused(2));
    }

    #[test]
    fn done_detach_discards_the_untaken_result() {
        let c: Cell = JoinCell::new(Lock::new(JoinSlot::done(5)));
        assert!(c.is_finished());
        assert_eq!(c.detach(), DetachAction::Discard(5));
        assert_eq!(c.detach(), DetachAction::Nothing);
    }
}
