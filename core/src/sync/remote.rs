//! The remote queue handshake: other threads hand work to a loop that drains it between turns
//! and blocks in the OS when idle; a close refuses all later work.
//!
//! The queue itself is the caller's (`Q`, a `Vec` or `VecDeque` in the `rill` runtime: the core
//! allocates nothing) and sits, with the open/closed gate, behind a lock the caller provides
//! ([`WithLock`]). What [`Remote`] adds is the protocol around it:
//!
//! - **push** ([`Remote::push`], any thread): under the lock, queue the item if the gate is open,
//!   else refuse it ([`PushAction::Refused`] gives it back). Then, with the lock released, set
//!   the *pending* flag and notify the loop's [`Signal`]; the answer says whether to fire the OS
//!   waker ([`PushAction::Interrupt`], at most once per blocking wait) or not.
//! - **take** ([`Remote::take`], the loop, before deciding to block): clear *pending* with one
//!   swap; if it was set, drain the queue under the lock. A loop that finds nothing pending skips
//!   the lock.
//! - **block**: the loop calls [`Signal::prepare_to_block`] after `take`. A push that lands after
//!   the swap either notifies before that (the loop does not block, and takes again) or after
//!   (the loop is interrupted). The flag is set *after* the item is queued, and cleared *before*
//!   the queue is drained, so a set flag never hides an item the drain missed.
//! - **close** ([`Remote::close`], the loop or its exit guard): shut the gate and drain the queue
//!   in one critical section. Every push is then either refused or drained by `take` or by
//!   `close`: none is lost, none is accepted after the close.
//!
//! [`Remote::is_closed`] is a lock-free read of the same decision for fast checks elsewhere.

use super::atomic::{AtomicBool, Ordering};
use super::{NotifyAction, Signal, WithLock};

/// The state under a [`Remote`]'s lock: the caller's queue and the open/closed gate.
#[derive(Debug)]
pub struct Inbox<Q> {
    gate: Gate,
    queue: Q,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gate {
    Open,
    Closed,
}

impl<Q> Inbox<Q> {
    /// An open inbox around the caller's (empty) `queue`.
    pub fn new(queue: Q) -> Inbox<Q> {
        Inbox {
            gate: Gate::Open,
            queue,
        }
    }
}

/// What a producer does after [`Remote::push`].
#[derive(Debug, PartialEq, Eq)]
#[must_use]
pub enum PushAction<T> {
    /// Queued, and the loop is blocked (or committed to block) in the OS: fire its OS waker.
    Interrupt,
    /// Queued; the loop will see it before it next blocks: do nothing.
    Coalesced,
    /// The remote queue is closed: the item was not queued; here it is back.
    Refused(T),
}

/// The cross-thread submission handshake around the caller's lock `L` (holding an [`Inbox`]).
#[derive(Debug)]
pub struct Remote<L> {
    inbox: L,
    /// Set after an item is queued, swapped off before a drain: lets the loop skip the lock.
    pending: AtomicBool,
    /// Mirrors the gate for lock-free readers; set before the gate closes.
    closed: AtomicBool,
}

impl<Q, L: WithLock<Inner = Inbox<Q>>> Remote<L> {
    /// The handshake around `inbox`, a lock holding an open [`Inbox`].
    pub fn new(inbox: L) -> Remote<L> {
        Remote {
            inbox,
            pending: AtomicBool::new(false),
            closed: AtomicBool::new(false),
        }
    }

    /// Any thread: queue `item` with `put` (under the lock) unless closed, then notify the loop
    /// through `signal` (the loop's, the one it calls `prepare_to_block` on).
    pub fn push<T>(&self, signal: &Signal, item: T, put: impl FnOnce(&mut Q, T)) -> PushAction<T> {
        let refused = self.inbox.with(|inbox| match inbox.gate {
            Gate::Open => {
                put(&mut inbox.queue, item);
                None
            }
            Gate::Closed => Some(item),
        });
        if let Some(item) = refused {
            return PushAction::Refused(item);
        }
        // A swap, not a store: the same in the C11 model (the loop's swap reads the latest
        // write either way), but loom 0.7 lets a plain store land between the read and the
        // write of the loop's swap (tokio-rs/loom#254) and then reports a lost push that
        // cannot happen. With every write an RMW the model checks what the hardware does.
        let _ = self.pending.swap(true, Ordering::Release);
        match signal.notify() {
            NotifyAction::Interrupt => PushAction::Interrupt,
            NotifyAction::Coalesced => PushAction::Coalesced,
        }
    }

    /// The loop: if anything was pushed since the last take, drain it with `drain` (under the
    /// lock) and return its result; `None` (and no lock taken) when nothing is pending.
    pub fn take<R>(&self, drain: impl FnOnce(&mut Q) -> R) -> Option<R> {
        // A plain load first: the loop asks on every OS poll, and nothing is pending almost
        // always, so the read-modify-write is paid only when there is work. A push that lands
        // after this load is seen by the next take (its notify keeps the loop from blocking).
        if !self.pending.load(Ordering::Acquire) || !self.pending.swap(false, Ordering::AcqRel) {
            return None;
        }
        Some(self.inbox.with(|inbox| drain(&mut inbox.queue)))
    }

    /// Refuse every later push, and drain what is queued with `drain` in the same critical
    /// section. Idempotent: a second close drains an empty queue.
    pub fn close<R>(&self, drain: impl FnOnce(&mut Q) -> R) -> R {
        self.closed.store(true, Ordering::Release);
        self.inbox.with(|inbox| {
            inbox.gate = Gate::Closed;
            drain(&mut inbox.queue)
        })
    }

    /// True once [`close`](Remote::close) has begun.
    #[inline]
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::super::{BlockAction, Lock};
    use super::*;

    type Queue = heapless::Vec<u32, 4>;

    fn remote() -> Remote<Lock<Inbox<Queue>>> {
        Remote::new(Lock::new(Inbox::new(Queue::new())))
    }

    fn put(q: &mut Queue, item: u32) {
        q.push(item).unwrap();
    }

    fn drain(q: &mut Queue) -> Queue {
        core::mem::take(q)
    }

    #[test]
    fn open_push_is_taken_once() {
        let (r, s) = (remote(), Signal::new());
        assert_eq!(r.take(drain), None, "nothing pending: no drain");
        assert_eq!(r.push(&s, 1, put), PushAction::Coalesced);
        assert_eq!(r.push(&s, 2, put), PushAction::Coalesced);
        assert_eq!(r.take(drain).unwrap(), [1, 2]);
        assert_eq!(r.take(drain), None);
    }

    #[test]
    fn blocked_loop_push_interrupts_once() {
        let (r, s) = (remote(), Signal::new());
        assert_eq!(s.prepare_to_block(), BlockAction::Block);
        assert_eq!(r.push(&s, 1, put), PushAction::Interrupt);
        assert_eq!(r.push(&s, 2, put), PushAction::Coalesced);
        let _ = s.finish_block();
        assert_eq!(r.take(drain).unwrap(), [1, 2]);
    }

    #[test]
    fn closed_push_is_refused_and_close_drains() {
        let (r, s) = (remote(), Signal::new());
        assert_eq!(r.push(&s, 1, put), PushAction::Coalesced);
        assert!(!r.is_closed());
        assert_eq!(r.close(drain), [1]);
        assert!(r.is_closed());
        assert_eq!(r.push(&s, 2, put), PushAction::Refused(2));
        assert!(r.close(drain).is_empty(), "second close drains nothing");
        assert!(
            r.take(drain).unwrap().is_empty(),
            "the pending flag from before the close"
        );
        assert_eq!(r.take(drain), None);
    }
}
