//! A task's lifecycle word: scheduled, abort requested, finished, in one atomic byte.
//!
//! An executor's task can be woken from any thread, aborted from any thread, and polled and
//! finished by the loop that owns it. [`TaskState`] is the one word those threads share; every
//! change goes through one `transition` helper (maitake's `task/state.rs` style), or, for the two
//! per-poll steps (`wake`, `start_poll`), one `fetch_or` / `fetch_and` computing the same table,
//! and returns an action telling the caller what to do: the state decides, the caller acts
//! (pushes the task on a run queue, polls it, or does nothing).
//!
//! | state | `wake()` / `abort()` | `start_poll()` | `finish()` |
//! |---|---|---|---|
//! | idle (not queued, not finished) | → scheduled, [`ScheduleAction::Enqueue`] | (not queued: not called) | → finished |
//! | scheduled (in a run queue once) | coalesced, [`ScheduleAction::AlreadyScheduled`] | → idle, [`StartPollAction::Poll`] (or `Abort`) | → finished, `stale_entry` |
//! | finished | [`ScheduleAction::Finished`], nothing changes | [`StartPollAction::Finished`]: skip the stale entry | [`TaskFinishAction::AlreadyFinished`] |
//!
//! `abort()` also records the abort request (unless the task already finished); the next
//! `start_poll` answers [`StartPollAction::Abort`] and [`TaskState::is_aborted`] reads it.
//!
//! So a task sits in a run queue at most once, a wake racing a poll is never lost (it lands
//! either before `start_poll`, and that poll sees the waker's writes, or after, and queues the
//! task again), and a finished task is never queued again.
//!
//! Ordering: every transition, even one that changes nothing (a coalesced wake), is a
//! read-modify-write with `AcqRel`, so whatever a waker wrote before `wake()` is visible to the
//! poll that `start_poll` begins after it.

use super::atomic::{AtomicU8, Ordering};

const SCHEDULED: u8 = 1 << 0;
const ABORTED: u8 = 1 << 1;
const FINISHED: u8 = 1 << 2;

/// One task's shared lifecycle word (see the module docs for the table).
#[derive(Debug)]
pub struct TaskState {
    word: AtomicU8,
}

/// What a waker (or an aborter) does after [`TaskState::wake`] / [`TaskState::abort`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum ScheduleAction {
    /// The task was idle and is now scheduled: push it on the run queue (exactly one caller
    /// is told this per poll).
    Enqueue,
    /// The task is already queued; the coming poll sees this caller's writes: do nothing.
    AlreadyScheduled,
    /// The task has finished: do nothing (an abort is too late; the output stands).
    Finished,
}

/// What the loop does after [`TaskState::start_poll`], with a task it popped off its queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum StartPollAction {
    /// Poll the task; wakes from now on queue it again.
    Poll,
    /// An abort was requested: end the task (drop its future, publish "cancelled").
    Abort,
    /// The task finished after this queue entry was made: skip the entry.
    Finished,
}

/// What [`TaskState::finish`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum TaskFinishAction {
    /// The task is now finished. `stale_entry`: a wake queued it before it finished, so one
    /// entry for it is still in a run queue (its `start_poll` answers `Finished`).
    Finished {
        /// A queue entry for the task is still pending.
        stale_entry: bool,
    },
    /// The task had already finished: nothing changed.
    AlreadyFinished,
}

impl TaskState {
    /// A new task, scheduled: its first poll is owed (the spawner queues it once).
    pub fn new_scheduled() -> TaskState {
        TaskState {
            word: AtomicU8::new(SCHEDULED),
        }
    }

    /// Any thread: the task should be polled again.
    #[inline]
    pub fn wake(&self) -> ScheduleAction {
        // One `fetch_or`: setting `SCHEDULED` is `schedule(word, 0)` on every word it can see
        // (a finished word's `SCHEDULED` bit is already set by `finish`, and nothing reads it).
        let word = self.word.fetch_or(SCHEDULED, Ordering::AcqRel);
        schedule(word, 0).1
    }

    /// Any thread: the task should end. Records the request and schedules the task so the loop
    /// notices, unless the task already finished.
    pub fn abort(&self) -> ScheduleAction {
        self.transition(|word| schedule(word, ABORTED))
    }

    /// The loop, right before polling a task it took off its queue.
    #[inline]
    pub fn start_poll(&self) -> StartPollAction {
        // One `fetch_and`: clearing `SCHEDULED` is the whole change for a live task, and on a
        // finished word the bit is never read again (`wake`, `abort` and `finish` test
        // `FINISHED` first), so the loop's per-poll step needs no compare-and-swap loop.
        let word = self.word.fetch_and(!SCHEDULED, Ordering::AcqRel);
        if word & FINISHED != 0 {
            StartPollAction::Finished
        } else if word & ABORTED != 0 {
            StartPollAction::Abort
        } else {
            StartPollAction::Poll
        }
    }

    /// The loop, when the task is gone (completed, panicked, aborted, shut down): every later
    /// wake is a no-op.
    pub fn finish(&self) -> TaskFinishAction {
        self.transition(|word| {
            if word & FINISHED != 0 {
                (word, TaskFinishAction::AlreadyFinished)
            } else {
                let stale_entry = word & SCHEDULED != 0;
                (
                    word | FINISHED | SCHEDULED,
                    TaskFinishAction::Finished { stale_entry },
                )
            }
        })
    }

    /// True once an abort was requested before the task finished.
    #[inline]
    pub fn is_aborted(&self) -> bool {
        self.word.load(Ordering::Acquire) & ABORTED != 0
    }

    /// True once [`finish`](TaskState::finish) was called.
    #[inline]
    pub fn is_finished(&self) -> bool {
        self.word.load(Ordering::Acquire) & FINISHED != 0
    }

    /// The one place the word changes: `f` maps the current word to the next and an action.
    /// Always a read-modify-write, even when the word stays the same, so the caller's earlier
    /// writes are released to whoever next transitions the word.
    fn transition<A>(&self, mut f: impl FnMut(u8) -> (u8, A)) -> A {
        let mut current = self.word.load(Ordering::Acquire);
        loop {
            let (next, action) = f(current);
            match self.word.compare_exchange_weak(
                current,
                next,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return action,
                Err(actual) => current = actual,
            }
        }
    }
}

/// `wake` / `abort` on `word`, `extra` being the abort bit or nothing.
fn schedule(word: u8, extra: u8) -> (u8, ScheduleAction) {
    if word & FINISHED != 0 {
        (word, ScheduleAction::Finished)
    } else if word & SCHEDULED != 0 {
        (word | extra, ScheduleAction::AlreadyScheduled)
    } else {
        (word | extra | SCHEDULED, ScheduleAction::Enqueue)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn scheduled_wake_coalesces_until_polled() {
        let s = TaskState::new_scheduled();
        assert_eq!(s.wake(), ScheduleAction::AlreadyScheduled);
        assert_eq!(s.start_poll(), StartPollAction::Poll);
        assert_eq!(s.wake(), ScheduleAction::Enqueue);
        assert_eq!(s.wake(), ScheduleAction::AlreadyScheduled);
    }

    #[test]
    fn idle_abort_enqueues_and_poll_reports_abort() {
        let s = TaskState::new_scheduled();
        assert_eq!(s.start_poll(), StartPollAction::Poll);
        assert!(!s.is_aborted());
        assert_eq!(s.abort(), ScheduleAction::Enqueue);
        assert!(s.is_aborted());
        assert_eq!(s.wake(), ScheduleAction::AlreadyScheduled);
        assert_eq!(s.start_poll(), StartPollAction::Abort);
    }

    #[test]
    fn scheduled_abort_is_recorded_without_second_entry() {
        let s = TaskState::new_scheduled();
        assert_eq!(s.abort(), ScheduleAction::AlreadyScheduled);
        assert_eq!(s.start_poll(), StartPollAction::Abort);
    }

    #[test]
    fn finished_ignores_wake_and_abort() {
        let s = TaskState::new_scheduled();
        assert_eq!(s.start_poll(), StartPollAction::Poll);
        assert_eq!(
            s.finish(),
            TaskFinishAction::Finished { stale_entry: false }
        );
        assert!(s.is_finished());
        assert_eq!(s.wake(), ScheduleAction::Finished);
        assert_eq!(s.abort(), ScheduleAction::Finished);
        assert!(!s.is_aborted(), "an abort after finishing is not recorded");
        assert_eq!(s.finish(), TaskFinishAction::AlreadyFinished);
    }

    #[test]
    fn woken_while_polled_then_finished_leaves_a_stale_entry() {
        let s = TaskState::new_scheduled();
        assert_eq!(s.start_poll(), StartPollAction::Poll);
        assert_eq!(s.wake(), ScheduleAction::Enqueue);
        assert_eq!(s.finish(), TaskFinishAction::Finished { stale_entry: true });
        // The loop pops the entry later: it is skipped, never polled.
        assert_eq!(s.start_poll(), StartPollAction::Finished);
    }
}
