//! Who waits where: the tasks waiting on one direction of a descriptor ([`Waiters`]), and the
//! wake-ups a driver turn collects for the executor ([`Wakeups`]).
//!
//! A waiter is usually a task of this loop, polled with its own waker. That case is recorded as
//! the task's key ([`Waiter::Task`]), not as a cloned [`Waker`]: parking moves no reference
//! count, and waking it is a push onto the run queue, with no trip through the waker's vtable and
//! the thread-local runtime lookup a foreign waker needs. Any other waker (a combinator's, a
//! foreign executor's, the `block_on` future's) is kept as a [`Waker`] and woken as one. Both
//! give the same guarantee: every task that waits is woken (H20).

use std::collections::VecDeque;
use std::task::{Context, RawWakerVTable, Waker};

/// The task the executor is polling right now, as its waker's identity: a waker with the same
/// data and vtable pointers *is* that task's own waker (no other waker shares its `Arc`).
#[derive(Clone, Copy)]
pub(crate) struct PollingTask {
    key: u64,
    data: *const (),
    vtable: *const RawWakerVTable,
}

impl PollingTask {
    /// The task `key`, polled with `waker` (its own).
    pub(crate) fn new(key: u64, waker: &Waker) -> PollingTask {
        PollingTask {
            key,
            data: waker.data(),
            vtable: waker.vtable(),
        }
    }

    /// True when `waker` is this task's own waker.
    #[inline]
    fn owns(&self, waker: &Waker) -> bool {
        waker.data() == self.data && std::ptr::eq(waker.vtable(), self.vtable)
    }
}

/// One waiter: a task of this loop by key, or any waker.
enum Waiter {
    Task(u64),
    Waker(Waker),
}

/// The tasks waiting on one direction (H20).
///
/// Usually one, kept inline. The docs ask for one reader and one writer at a time, but nothing
/// stops two tasks from reading one socket (two futures through `&TcpStream`, `AsyncRead` on
/// `&TcpStream`); a second waiter must never silently replace the first one's waker, or the first
/// sleeps forever. So every distinct waiter is kept (`others` allocates only when a second one
/// waits), and all are woken together: whichever task polls first makes the attempt, the others
/// find the lane busy or idle and wait again or submit their own op. A cancelled op (one waiter's
/// future dropped) wakes the rest for the same reason.
pub(crate) struct Waiters {
    first: Option<Waiter>,
    /// Allocated only when a second task waits; boxed so an idle direction holds 8 bytes for
    /// it, not a 24-byte `Vec` (every registered descriptor has two).
    #[allow(clippy::box_collection)]
    others: Option<Box<Vec<Waker>>>,
}

impl Waiters {
    /// Nobody waits.
    pub(crate) const NONE: Waiters = Waiters {
        first: None,
        others: None,
    };

    /// Adds the waiter polled with `cx` (`polling`: the task being polled, if any) unless it is
    /// already there.
    #[inline]
    pub(crate) fn add(&mut self, cx: &Context<'_>, polling: Option<PollingTask>) {
        let new = cx.waker();
        let task = polling.filter(|t| t.owns(new)).map(|t| t.key);
        match (&self.first, task) {
            (None, Some(key)) => self.first = Some(Waiter::Task(key)),
            (None, None) => self.first = Some(Waiter::Waker(new.clone())),
            (Some(Waiter::Task(k)), Some(key)) if *k == key => {}
            (Some(Waiter::Waker(w)), None) if w.will_wake(new) => {}
            _ => self.add_other(new),
        }
    }

    /// A second waiter: the rare case, kept out of line.
    #[cold]
    fn add_other(&mut self, new: &Waker) {
        let others = self.others.get_or_insert_with(Box::default);
        if !others.iter().any(|w| w.will_wake(new)) {
            others.push(new.clone());
        }
    }

    /// Moves every waiter into `out`. Inline only for the usual waiter, a task of this loop:
    /// wakers and second waiters are moved out of line, which keeps the OS poll's event loop
    /// small enough for the run-queue push to stay inline in it.
    #[inline]
    pub(crate) fn take_all(&mut self, out: &mut Wakeups) {
        match self.first.take() {
            Some(Waiter::Task(key)) => out.tasks.push_back(key),
            Some(Waiter::Waker(w)) => out.push_waker(w),
            None => {}
        }
        if self.others.is_some() {
            self.take_others(out);
        }
    }

    #[cold]
    #[inline(never)]
    fn take_others(&mut self, out: &mut Wakeups) {
        if let Some(others) = &mut self.others {
            out.wakers.append(others);
        }
    }

    /// The op is gone (cancelled by one waiter): the others must wake to submit again. A lone
    /// waiter is the canceller itself (or its task) and is dropped; with several, which one is
    /// the canceller is unknown, so all are woken (one spurious wake at most).
    pub(crate) fn take_for_cancel(&mut self, out: &mut Wakeups) {
        if self.others.as_ref().is_some_and(|o| !o.is_empty()) {
            self.take_all(out);
        } else {
            self.first = None;
        }
    }
}

/// What a driver turn found ready: tasks of this loop by key, and other wakers, for the executor
/// to wake once the driver is released.
///
/// The driver's `Wakeups` (`Driver::ready`) *is* the executor's run queue: a driver turn appends
/// the tasks it wakes to `tasks` directly, in the order their events came, with no second queue
/// in between. Such a push does not consult the task's scheduled flag: a task woken twice in one
/// turn (both directions, or I/O and a waker) is polled twice, which futures allow, while the
/// flag keeps coalescing every waker-driven wake.
#[derive(Default)]
pub(crate) struct Wakeups {
    /// Keys of this loop's tasks (in `Driver::ready`: the run queue).
    pub(crate) tasks: VecDeque<u64>,
    /// Any other wakers (timers, combinators, foreign executors, the `block_on` future).
    pub(crate) wakers: Vec<Waker>,
}

impl Wakeups {
    /// Keeps a waker to wake after the turn.
    #[inline(never)]
    fn push_waker(&mut self, waker: Waker) {
        self.wakers.push(waker);
    }

    /// True when nothing was collected.
    pub(crate) fn is_empty(&self) -> bool {
        self.tasks.is_empty() && self.wakers.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn waker() -> (Arc<Count>, Waker) {
        let c = Arc::new(Count(AtomicUsize::new(0)));
        (c.clone(), Waker::from(c))
    }

    #[test]
    fn the_polled_tasks_own_waker_is_kept_as_its_key() {
        let (_c, w) = waker();
        let polling = PollingTask::new(7, &w);
        let mut waiters = Waiters::NONE;
        waiters.add(&Context::from_waker(&w), Some(polling));
        waiters.add(&Context::from_waker(&w), Some(polling));
        let mut out = Wakeups::default();
        waiters.take_all(&mut out);
        assert_eq!(out.tasks, vec![7]);
        assert!(out.wakers.is_empty());
    }

    #[test]
    fn another_waker_seen_during_a_task_poll_is_kept_as_a_waker() {
        let (_c1, own) = waker();
        let (_c2, wrapped) = waker();
        let mut waiters = Waiters::NONE;
        waiters.add(
            &Context::from_waker(&wrapped),
            Some(PollingTask::new(1, &own)),
        );
        let mut out = Wakeups::default();
        waiters.take_all(&mut out);
        assert!(out.tasks.is_empty());
        assert_eq!(out.wakers.len(), 1);
        assert!(out.wakers[0].will_wake(&wrapped));
    }

    #[test]
    fn every_distinct_waiter_is_kept_and_taken() {
        let (_c1, a) = waker();
        let (_c2, b) = waker();
        let (_c3, c) = waker();
        let mut waiters = Waiters::NONE;
        waiters.add(&Context::from_waker(&a), Some(PollingTask::new(1, &a)));
        waiters.add(&Context::from_waker(&b), None);
        waiters.add(&Context::from_waker(&c), Some(PollingTask::new(3, &c)));
        waiters.add(&Context::from_waker(&b), None);
        let mut out = Wakeups::default();
        waiters.take_all(&mut out);
        assert_eq!(out.tasks, vec![1]);
        assert_eq!(out.wakers.len(), 2);
        let mut again = Wakeups::default();
        waiters.take_all(&mut again);
        assert!(again.is_empty(), "taken waiters are gone");
    }

    #[test]
    fn a_lone_cancelled_waiter_is_dropped_but_several_are_all_woken() {
        let (_c1, a) = waker();
        let (_c2, b) = waker();
        let mut lone = Waiters::NONE;
        lone.add(&Context::from_waker(&a), Some(PollingTask::new(1, &a)));
        let mut out = Wakeups::default();
        lone.take_for_cancel(&mut out);
        assert!(out.is_empty());
        let mut two = Waiters::NONE;
        two.add(&Context::from_waker(&a), Some(PollingTask::new(1, &a)));
        two.add(&Context::from_waker(&b), None);
        two.take_for_cancel(&mut out);
        assert_eq!((out.tasks.len(), out.wakers.len()), (1, 1));
    }
}
