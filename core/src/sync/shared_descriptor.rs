//! Shared per-descriptor state: the reactor thread and worker threads meet here.
//!
//! One [`SharedDescriptor`] per registered descriptor holds, behind one [`Lock`]: the read and
//! write op slots (empty, edge recorded, op parked, op runnable), the sticky readiness bits, and
//! whether the descriptor sits in the executor's ready queue. Every step takes the lock, so the
//! two rules that matter are structural rather than a matter of call order:
//!
//! - **No lost wake-up (H1).** [`park`](SharedDescriptor::park) (the worker, after `EAGAIN`) and
//!   [`publish`](SharedDescriptor::publish) (the reactor, after the OS reported readiness) are
//!   serialised: either the edge is recorded first and the park answers
//!   [`ParkAction::RetryNow`], or the op is parked first and the publish makes it runnable.
//! - **Enqueued once, freed once (H15).** A publish that makes an op runnable answers
//!   [`PublishAction::Enqueue`] only if the descriptor is not already queued. A
//!   [`close`](SharedDescriptor::close) takes every parked or runnable op (to complete as
//!   aborted) and, if the descriptor is still queued, leaves the release of its slot to the
//!   worker that pops it ([`DispatchAction::Release`]): exactly one party frees the slot, after
//!   which nobody touches it.
//!
//! `Op` is the executor's handle for an op (an index, a pointer-sized id, a task handle).

use super::Lock;
use crate::{Direction, Readiness};

/// The state of one direction's op slot.
#[derive(Debug)]
enum OpSlot<Op> {
    /// No op, and no readiness seen since the last attempt.
    Empty,
    /// Readiness arrived while no op was parked: the next park answers "retry now".
    Edge,
    /// An op waits for readiness.
    Parked(Op),
    /// Readiness arrived for the parked op; it waits for the descriptor to be dispatched.
    Runnable(Op),
}

/// Whether the descriptor is open and whether it sits in the ready queue (one enum, not two
/// flags: the closed-while-queued case decides who frees the slot).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    /// Open, not in the ready queue.
    Open,
    /// Open, in the ready queue (the "already enqueued" flag).
    Queued,
    /// Closed while in the ready queue: the worker that pops it releases the slot.
    ClosedQueued,
    /// Closed and not queued: released (or about to be) by whoever closed it.
    Closed,
}

#[derive(Debug)]
struct State<Op> {
    slots: [OpSlot<Op>; 2],
    sticky: Readiness,
    status: Status,
}

/// Shared state of one descriptor, used by the reactor thread and worker threads.
#[derive(Debug)]
pub struct SharedDescriptor<Op> {
    state: Lock<State<Op>>,
}

/// What a worker does after [`SharedDescriptor::park`].
#[derive(Debug, PartialEq, Eq)]
#[must_use]
pub enum ParkAction<Op> {
    /// The op is parked; readiness will make it runnable. The worker moves on.
    Parked,
    /// Readiness arrived since the last attempt (or a sticky closed / error bit is set): retry
    /// the syscall now instead of sleeping.
    RetryNow(Op),
    /// The descriptor is closed: complete the op as aborted.
    Aborted(Op),
    /// This direction already holds an op (one op per direction): the op is handed back.
    Busy(Op),
}

/// What the reactor does after [`SharedDescriptor::publish`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum PublishAction {
    /// An op became runnable and the descriptor was not queued: push it onto the ready queue
    /// (once; it is now marked queued).
    Enqueue,
    /// An op became runnable; the descriptor is already queued. Nothing to do.
    AlreadyQueued,
    /// No op was parked in a woken direction: the edge is recorded for the next park.
    Recorded,
    /// The descriptor is closed: the event is stale and dropped.
    Closed,
}

/// What the worker that popped the descriptor from the ready queue does.
#[derive(Debug, PartialEq, Eq)]
#[must_use]
pub enum DispatchAction<Op> {
    /// Run these ops (`[read, write]`; either may be `None`, e.g. after a cancel).
    Run([Option<Op>; 2]),
    /// The descriptor was closed while queued: its ops were already aborted; free the slot now.
    Release,
    /// The descriptor was not queued (a caller bug); nothing was done.
    NotQueued,
}

/// What [`SharedDescriptor::cancel`] found.
#[derive(Debug, PartialEq, Eq)]
#[must_use]
pub enum SharedCancelAction<Op> {
    /// The op was parked or runnable and is now removed: complete it as cancelled.
    Cancelled(Op),
    /// No op in that direction (it completed, is mid-attempt, or never started).
    NotParked,
}

/// Who frees the descriptor's slot after a close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// Not queued: the closer frees it (after completing the aborted ops).
    Now,
    /// Still in the ready queue: the worker that pops it gets [`DispatchAction::Release`].
    AfterDispatch,
}

/// What [`SharedDescriptor::close`] did.
#[derive(Debug, PartialEq, Eq)]
#[must_use]
pub enum CloseAction<Op> {
    /// Closed now. Complete these ops (`[read, write]`) as aborted, then follow `release`.
    Closed {
        /// Ops that were parked or runnable.
        aborted: [Option<Op>; 2],
        /// Who frees the slot.
        release: Release,
    },
    /// It was already closed; nothing was done.
    AlreadyClosed,
}

impl<Op> SharedDescriptor<Op> {
    /// A newly registered descriptor: open, no ops, no readiness, not queued.
    pub fn new() -> SharedDescriptor<Op> {
        SharedDescriptor {
            state: Lock::new(State {
                slots: [OpSlot::Empty, OpSlot::Empty],
                sticky: Readiness::EMPTY,
                status: Status::Open,
            }),
        }
    }

    /// Worker: the attempt in `dir` returned `EAGAIN`; park `op` unless readiness arrived
    /// meanwhile. The readiness check and the park happen under one lock.
    pub fn park(&self, dir: Direction, op: Op) -> ParkAction<Op> {
        self.state.with(|s| {
            if matches!(s.status, Status::Closed | Status::ClosedQueued) {
                return ParkAction::Aborted(op);
            }
            let slot = &mut s.slots[dir.index()];
            match slot {
                OpSlot::Parked(_) | OpSlot::Runnable(_) => ParkAction::Busy(op),
                _ if s.sticky.is_ready_for(dir) => ParkAction::RetryNow(op),
                OpSlot::Edge => {
                    *slot = OpSlot::Empty;
                    ParkAction::RetryNow(op)
                }
                OpSlot::Empty => {
                    *slot = OpSlot::Parked(op);
                    ParkAction::Parked
                }
            }
        })
    }

    /// Reactor: the OS reported `readiness`. Parked ops in the woken directions become
    /// runnable; directions without a parked op record the edge; closed / error bits stick.
    pub fn publish(&self, readiness: Readiness) -> PublishAction {
        self.state.with(|s| {
            if matches!(s.status, Status::Closed | Status::ClosedQueued) {
                return PublishAction::Closed;
            }
            s.sticky |= readiness.intersection(Readiness::STICKY);
            let mut woke = false;
            for dir in Direction::BOTH {
                if !readiness.is_ready_for(dir) {
                    continue;
                }
                let slot = &mut s.slots[dir.index()];
                *slot = match core::mem::replace(slot, OpSlot::Empty) {
                    OpSlot::Parked(op) => {
                        woke = true;
                        OpSlot::Runnable(op)
                    }
                    OpSlot::Empty | OpSlot::Edge => OpSlot::Edge,
                    runnable @ OpSlot::Runnable(_) => runnable,
                };
            }
            match (woke, s.status) {
                (false, _) => PublishAction::Recorded,
                (true, Status::Open) => {
                    s.status = Status::Queued;
                    PublishAction::Enqueue
                }
                (true, _) => PublishAction::AlreadyQueued,
            }
        })
    }

    /// Worker: popped this descriptor from the ready queue. Clears the queued state and takes
    /// the runnable ops, in one step under the lock (so a publish racing it either lands in
    /// this dispatch or enqueues the descriptor again).
    pub fn dispatch(&self) -> DispatchAction<Op> {
        self.state.with(|s| match s.status {
            Status::Queued => {
                s.status = Status::Open;
                DispatchAction::Run([
                    take_runnable(&mut s.slots[0]),
                    take_runnable(&mut s.slots[1]),
                ])
            }
            Status::ClosedQueued => {
                s.status = Status::Closed;
                DispatchAction::Release
            }
            Status::Open | Status::Closed => DispatchAction::NotQueued,
        })
    }

    /// Any thread: remove the parked or runnable op in `dir`, to complete it as cancelled.
    pub fn cancel(&self, dir: Direction) -> SharedCancelAction<Op> {
        self.state.with(|s| {
            let slot = &mut s.slots[dir.index()];
            match core::mem::replace(slot, OpSlot::Empty) {
                OpSlot::Parked(op) | OpSlot::Runnable(op) => SharedCancelAction::Cancelled(op),
                other => {
                    *slot = other;
                    SharedCancelAction::NotParked
                }
            }
        })
    }

    /// Any thread: close (deregister) the descriptor. Takes every parked or runnable op to be
    /// completed as aborted; later parks answer [`ParkAction::Aborted`] and later publishes
    /// [`PublishAction::Closed`].
    pub fn close(&self) -> CloseAction<Op> {
        self.state.with(|s| {
            let release = match s.status {
                Status::Open => Release::Now,
                Status::Queued => Release::AfterDispatch,
                Status::Closed | Status::ClosedQueued => return CloseAction::AlreadyClosed,
            };
            s.status = match release {
                Release::Now => Status::Closed,
                Release::AfterDispatch => Status::ClosedQueued,
            };
            s.sticky = Readiness::EMPTY;
            let mut aborted = [None, None];
            for (slot, out) in s.slots.iter_mut().zip(aborted.iter_mut()) {
                if let OpSlot::Parked(op) | OpSlot::Runnable(op) =
                    core::mem::replace(slot, OpSlot::Empty)
                {
                    *out = Some(op);
                }
            }
            CloseAction::Closed { aborted, release }
        })
    }
}

impl<Op> Default for SharedDescriptor<Op> {
    fn default() -> SharedDescriptor<Op> {
        SharedDescriptor::new()
    }
}

fn take_runnable<Op>(slot: &mut OpSlot<Op>) -> Option<Op> {
    match core::mem::replace(slot, OpSlot::Empty) {
        OpSlot::Runnable(op) => Some(op),
        other => {
            *slot = other;
            None
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    const R: Direction = Direction::Read;
    const W: Direction = Direction::Write;

    #[test]
    fn empty_park_parks() {
        let d = SharedDescriptor::new();
        assert_eq!(d.park(R, 1), ParkAction::Parked);
        assert_eq!(d.park(R, 2), ParkAction::Busy(2));
    }

    #[test]
    fn edge_then_park_retries_now_once() {
        let d = SharedDescriptor::new();
        assert_eq!(d.publish(Readiness::READABLE), PublishAction::Recorded);
        assert_eq!(d.park(R, 1), ParkAction::RetryNow(1));
        // The edge was consumed by that retry: the next EAGAIN parks.
        assert_eq!(d.park(R, 1), ParkAction::Parked);
    }

    #[test]
    fn parked_publish_enqueues_once_and_dispatch_runs() {
        let d = SharedDescriptor::new();
        assert_eq!(d.park(R, 1), ParkAction::Parked);
        assert_eq!(d.park(W, 2), ParkAction::Parked);
        assert_eq!(d.publish(Readiness::READABLE), PublishAction::Enqueue);
        assert_eq!(d.publish(Readiness::WRITABLE), PublishAction::AlreadyQueued);
        assert_eq!(d.dispatch(), DispatchAction::Run([Some(1), Some(2)]));
        assert_eq!(d.dispatch(), DispatchAction::NotQueued);
    }

    #[test]
    fn write_event_does_not_touch_read_slot() {
        let d = SharedDescriptor::new();
        assert_eq!(d.park(R, 1), ParkAction::Parked);
        assert_eq!(d.publish(Readiness::WRITABLE), PublishAction::Recorded);
        assert_eq!(d.cancel(R), SharedCancelAction::Cancelled(1));
        assert_eq!(d.park(W, 2), ParkAction::RetryNow(2));
    }

    #[test]
    fn priority_wakes_nothing() {
        let d = SharedDescriptor::new();
        assert_eq!(d.park(R, 1), ParkAction::Parked);
        assert_eq!(d.publish(Readiness::PRIORITY), PublishAction::Recorded);
        assert_eq!(d.park(W, 2), ParkAction::Parked);
    }

    #[test]
    fn sticky_read_closed_retries_every_time() {
        let d = SharedDescriptor::new();
        assert_eq!(d.publish(Readiness::READ_CLOSED), PublishAction::Recorded);
        assert_eq!(d.park(R, 1), ParkAction::RetryNow(1));
        assert_eq!(d.park(R, 1), ParkAction::RetryNow(1));
        assert_eq!(d.park(W, 2), ParkAction::Parked, "half-close is not close");
    }

    #[test]
    fn runnable_cancel_leaves_empty_dispatch() {
        let d = SharedDescriptor::new();
        assert_eq!(d.park(R, 1), ParkAction::Parked);
        assert_eq!(d.publish(Readiness::READABLE), PublishAction::Enqueue);
        assert_eq!(d.cancel(R), SharedCancelAction::Cancelled(1));
        assert_eq!(d.cancel(R), SharedCancelAction::NotParked);
        assert_eq!(d.dispatch(), DispatchAction::Run([None, None]));
    }

    #[test]
    fn open_close_aborts_parked_and_releases_now() {
        let d = SharedDescriptor::new();
        assert_eq!(d.park(W, 2), ParkAction::Parked);
        assert_eq!(
            d.close(),
            CloseAction::Closed {
                aborted: [None, Some(2)],
                release: Release::Now
            }
        );
        assert_eq!(d.close(), CloseAction::AlreadyClosed);
        assert_eq!(d.park(R, 3), ParkAction::Aborted(3));
        assert_eq!(d.publish(Readiness::READABLE), PublishAction::Closed);
        assert_eq!(d.dispatch(), DispatchAction::NotQueued);
    }

    #[test]
    fn queued_close_aborts_runnable_and_defers_release() {
        let d = SharedDescriptor::new();
        assert_eq!(d.park(R, 1), ParkAction::Parked);
        assert_eq!(d.publish(Readiness::READABLE), PublishAction::Enqueue);
        assert_eq!(
            d.close(),
            CloseAction::Closed {
                aborted: [Some(1), None],
                release: Release::AfterDispatch
            }
        );
        assert_eq!(d.dispatch(), DispatchAction::Release);
        assert_eq!(d.dispatch(), DispatchAction::NotQueued);
    }
}
