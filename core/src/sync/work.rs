//! Scheduler accounting shared between threads: the outstanding-work count and the idle-worker
//! wake state.
//!
//! [`WorkCount`] counts work that keeps a run alive (started ops, posted handlers). Its drop to
//! zero means "stop the run", and exactly one [`WorkCount::finished`] call sees that drop, however
//! many threads finish work at once (the seed scheduler lost counts here; hazard H18 covers stop /
//! restart). Counting up again from zero starts a new run.
//!
//! [`IdleWorkers`] answers "whom does posting work wake": an idle worker sleeping on the
//! executor's own parker ([`PostAction::WakeIdle`], at most one pending wake at a time), or, when
//! no worker is idle, the thread blocked in the OS, through its [`Signal`](super::Signal)
//! ([`PostAction::NotifyPoller`]). Both are one atomic word each.

use super::atomic::{AtomicUsize, Ordering};

/// The outstanding-work counter.
#[derive(Debug)]
pub struct WorkCount {
    count: AtomicUsize,
}

/// [`WorkCount::try_finished`] was called with no work outstanding (unbalanced calls).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkUnderflow;

impl core::fmt::Display for WorkUnderflow {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("work finished with no work outstanding")
    }
}

impl WorkCount {
    /// No work outstanding.
    pub fn new() -> WorkCount {
        WorkCount {
            count: AtomicUsize::new(0),
        }
    }

    /// One more piece of outstanding work. (Each counted item is a live op or handler, so the
    /// count is bounded by memory and cannot reach `usize::MAX`.)
    pub fn started(&self) {
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// One piece of work finished. Returns `true` exactly once per drop to zero: that caller
    /// stops the run. Everything any thread did before its `finished()` is visible to it. An
    /// unbalanced call (count already zero) changes nothing and returns `false`.
    pub fn finished(&self) -> bool {
        self.try_finished().unwrap_or(false)
    }

    /// Like [`finished`](WorkCount::finished), but reports an unbalanced call as an error.
    pub fn try_finished(&self) -> Result<bool, WorkUnderflow> {
        let mut current = self.count.load(Ordering::Relaxed);
        loop {
            if current == 0 {
                return Err(WorkUnderflow);
            }
            match self.count.compare_exchange_weak(
                current,
                current - 1,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Ok(current == 1),
                Err(actual) => current = actual,
            }
        }
    }

    /// The current count (a snapshot).
    pub fn outstanding(&self) -> usize {
        self.count.load(Ordering::Acquire)
    }
}

impl Default for WorkCount {
    fn default() -> WorkCount {
        WorkCount::new()
    }
}

/// Bit 0 of the idle word: a wake was sent to an idle worker and not yet consumed.
const SIGNALED: usize = 1;
/// The idle-worker count lives above the signal bit.
const ONE_IDLE: usize = 2;

/// Idle workers waiting for work, and whether one has been woken already.
#[derive(Debug)]
pub struct IdleWorkers {
    word: AtomicUsize,
}

/// What a thread that just made work visible does, from [`IdleWorkers::post`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum PostAction {
    /// Wake one idle worker through the executor's parker (condvar, futex, `unpark`).
    WakeIdle,
    /// An idle worker was woken already and will look at the queue: nothing to do. (A woken
    /// worker that finds more than one item posts again, so wakes chain.)
    Coalesced,
    /// No worker is idle: call [`Signal::notify`](super::Signal::notify) so the thread in the
    /// OS wait (if any) looks at the queue.
    NotifyPoller,
}

/// What a worker that found the queue empty does, from [`IdleWorkers::begin_wait`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum WaitAction {
    /// A wake was pending and is now consumed: look at the queue again, don't sleep.
    Proceed,
    /// Counted as idle. Look at the queue once more (work posted just before was not seen),
    /// then sleep on the parker; either way call [`IdleWorkers::end_wait`] afterwards.
    Registered,
}

impl IdleWorkers {
    /// No idle worker, no pending wake.
    pub fn new() -> IdleWorkers {
        IdleWorkers {
            word: AtomicUsize::new(0),
        }
    }

    /// After making work visible: decide whom to wake. Always one release RMW, so a worker
    /// registering afterwards sees the work when it re-checks the queue.
    pub fn post(&self) -> PostAction {
        self.transition(|word| {
            if word & SIGNALED != 0 {
                (word, PostAction::Coalesced)
            } else if word >= ONE_IDLE {
                (word | SIGNALED, PostAction::WakeIdle)
            } else {
                (word, PostAction::NotifyPoller)
            }
        })
    }

    /// A worker found the queue empty and wants to sleep.
    pub fn begin_wait(&self) -> WaitAction {
        self.transition(|word| {
            if word & SIGNALED != 0 {
                (word & !SIGNALED, WaitAction::Proceed)
            } else {
                (word + ONE_IDLE, WaitAction::Registered)
            }
        })
    }

    /// A registered worker stops waiting (woken, or it found work on the re-check): no longer
    /// idle, and any pending wake is consumed (this worker now looks at the queue). A call
    /// without a matching registration changes nothing.
    pub fn end_wait(&self) {
        self.transition(|word| {
            if word >= ONE_IDLE {
                ((word - ONE_IDLE) & !SIGNALED, ())
            } else {
                (word, ())
            }
        });
    }

    /// How many workers are registered as idle (a snapshot).
    pub fn idle(&self) -> usize {
        self.word.load(Ordering::Acquire) / ONE_IDLE
    }

    fn transition<A>(&self, step: impl Fn(usize) -> (usize, A)) -> A {
        let mut current = self.word.load(Ordering::Relaxed);
        loop {
            let (next, action) = step(current);
            match self.word.compare_exchange_weak(
                current,
                next,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return action,
                Err(actual) => current = actual,
            }
        }
    }
}

impl Default for IdleWorkers {
    fn default() -> IdleWorkers {
        IdleWorkers::new()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn counting_finish_stops_once_at_zero() {
        let w = WorkCount::new();
        w.started();
        w.started();
        assert!(!w.finished());
        assert_eq!(w.outstanding(), 1);
        assert!(w.finished());
        assert_eq!(w.outstanding(), 0);
    }

    #[test]
    fn zero_finish_is_underflow_not_stop() {
        let w = WorkCount::new();
        assert_eq!(w.try_finished(), Err(WorkUnderflow));
        assert!(!w.finished());
        assert_eq!(w.outstanding(), 0);
    }

    #[test]
    fn stopped_restart_stops_again() {
        let w = WorkCount::new();
        w.started();
        assert_eq!(w.try_finished(), Ok(true));
        w.started();
        assert_eq!(w.try_finished(), Ok(true));
    }

    #[test]
    fn no_idle_post_notifies_poller() {
        let i = IdleWorkers::new();
        assert_eq!(i.post(), PostAction::NotifyPoller);
        assert_eq!(i.idle(), 0);
    }

    #[test]
    fn idle_posts_wake_one_then_coalesce() {
        let i = IdleWorkers::new();
        assert_eq!(i.begin_wait(), WaitAction::Registered);
        assert_eq!(i.begin_wait(), WaitAction::Registered);
        assert_eq!(i.idle(), 2);
        assert_eq!(i.post(), PostAction::WakeIdle);
        assert_eq!(i.post(), PostAction::Coalesced);
        // The woken worker consumes the wake; the next post wakes the other one.
        i.end_wait();
        assert_eq!(i.idle(), 1);
        assert_eq!(i.post(), PostAction::WakeIdle);
    }

    #[test]
    fn signaled_begin_wait_proceeds_without_registering() {
        let i = IdleWorkers::new();
        assert_eq!(i.begin_wait(), WaitAction::Registered);
        assert_eq!(i.post(), PostAction::WakeIdle);
        // A second worker arrives before the woken one ran: it takes the wake and the work.
        assert_eq!(i.begin_wait(), WaitAction::Proceed);
        assert_eq!(i.idle(), 1);
        assert_eq!(i.post(), PostAction::WakeIdle);
    }

    #[test]
    fn unregistered_end_wait_changes_nothing() {
        let i = IdleWorkers::new();
        i.end_wait();
        assert_eq!(i.idle(), 0);
        assert_eq!(i.post(), PostAction::NotifyPoller);
    }
}
