//! The blocking pool: a few threads that run calls which may sleep, so that a loop thread never
//! does (hazard H22). Name resolution ([`crate::lookup_host`], and the socket constructors given
//! a host name) runs here, as does any closure passed to [`spawn_blocking`].
//!
//! # Design
//!
//! - **One pool per process**, shared by every runtime and usable from any executor: it knows
//!   nothing about loops. A job is a boxed `FnOnce` in a FIFO queue under one mutex.
//! - **Started lazily, bounded, shrinking.** No thread exists until the first job. A job that
//!   finds no idle thread starts one, up to [`MAX_THREADS`]; beyond that it waits in the queue
//!   for the next thread that finishes. A thread idle for [`IDLE_TIMEOUT`] exits, so a process
//!   that resolved one name at start-up holds no threads later. Threads are named
//!   `rill-blocking`.
//! - **Completion is a oneshot.** The job writes its result into a slot shared with the
//!   [`SpawnBlocking`] future and wakes the waker stored there, so the waiting task is polled
//!   again exactly once the result exists: no polling, no busy waiting. The waker is the task's
//!   own (a rill waker can be woken from any thread).
//! - **A panic is contained.** It is caught on the pool thread, which lives on; the future
//!   resolves to an error carrying the panic message.
//! - **A job is never cancelled.** Dropping the future detaches the job: it still runs to the
//!   end (a thread stuck in `getaddrinfo` cannot be interrupted) and its result is dropped.

use std::cell::Cell;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

/// Most pool threads alive at once. Enough for a burst of slow lookups; a job beyond it waits
/// in the queue rather than starting a thread per call.
pub(crate) const MAX_THREADS: usize = 16;

/// How long a pool thread waits for a job before it exits.
pub(crate) const IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// The name every pool thread carries.
const THREAD_NAME: &str = "rill-blocking";

type Job = Box<dyn FnOnce() + Send + 'static>;

/// The queue and the thread counts, under [`POOL`]'s mutex.
struct State {
    queue: VecDeque<Job>,
    /// Threads alive (running a job or idle).
    threads: usize,
    /// Threads waiting on [`Pool::work`].
    idle: usize,
}

struct Pool {
    state: Mutex<State>,
    /// Signalled once per job queued for an idle thread.
    work: Condvar,
}

static POOL: Pool = Pool {
    state: Mutex::new(State {
        queue: VecDeque::new(),
        threads: 0,
        idle: 0,
    }),
    work: Condvar::new(),
};

thread_local! {
    /// Jobs submitted from this thread, for the tests that prove a literal address makes no
    /// trip through the pool.
    static SUBMITTED_HERE: Cell<u64> = const { Cell::new(0) };
}

impl Pool {
    /// The state. No code panics while holding the lock (jobs run outside it), so a poisoned
    /// mutex still holds consistent state.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Queues `job`, waking an idle thread or starting one. Fails only when no pool thread exists
/// and none can be started (the job is then dropped unrun).
fn submit(job: Job) -> io::Result<()> {
    let _ = SUBMITTED_HERE.try_with(|c| c.set(c.get() + 1));
    let mut state = POOL.lock();
    state.queue.push_back(job);
    if state.queue.len() <= state.idle {
        POOL.work.notify_one();
        return Ok(());
    }
    if state.threads >= MAX_THREADS {
        // A busy thread takes it when it finishes its current job.
        return Ok(());
    }
    state.threads += 1;
    match thread::Builder::new()
        .name(THREAD_NAME.to_owned())
        .spawn(worker)
    {
        Ok(_) => Ok(()),
        Err(e) => {
            state.threads -= 1;
            if state.threads == 0 {
                // Still under the lock: the job just pushed is the last one.
                state.queue.pop_back();
                return Err(e);
            }
            // Another thread will get to it.
            Ok(())
        }
    }
}

/// A pool thread: runs jobs until none comes for [`IDLE_TIMEOUT`].
fn worker() {
    let mut state = POOL.lock();
    loop {
        if let Some(job) = state.queue.pop_front() {
            drop(state);
            // `spawn_blocking` catches the closure's panic itself (to report it); this catches
            // one from a waker's `wake`, so no thread dies with its count still held.
            let _ = panic::catch_unwind(AssertUnwindSafe(job));
            state = POOL.lock();
            continue;
        }
        state.idle += 1;
        let (guard, wait) = POOL
            .work
            .wait_timeout(state, IDLE_TIMEOUT)
            .unwrap_or_else(PoisonError::into_inner);
        state = guard;
        state.idle -= 1;
        // A job queued while the wait timed out is still taken: check the queue first.
        if wait.timed_out() && state.queue.is_empty() {
            state.threads -= 1;
            return;
        }
    }
}

/// How many jobs this thread has handed to the blocking pool so far. A diagnostic for tests:
/// a call that must not leave the loop thread leaves it unchanged.
#[doc(hidden)]
pub fn blocking_jobs_submitted_on_this_thread() -> u64 {
    SUBMITTED_HERE.with(Cell::get)
}

/// Where a job's result meets the future waiting for it.
enum Slot<R> {
    /// The job has not finished; the waker of the last poll, if any.
    Running(Option<Waker>),
    /// The job finished (or panicked).
    Done(thread::Result<R>),
    /// The future returned the result.
    Taken,
}

/// Runs `f` on the blocking pool and returns a future of its result.
///
/// For calls that may sleep (a lookup, a blocking syscall, a file read on a slow disk): a loop
/// thread that sleeps stalls every task on it. `f` starts as soon as a pool thread is free (at
/// most 16 run at once, further calls queue, and a thread idle for 10 s exits). The future
/// does not need a rill runtime: it is woken from the pool thread through the waker of its
/// last poll.
///
/// Errors: the pool could not start a thread (and none exists), or `f` panicked (the panic is
/// caught on the pool thread; the error carries its message).
///
/// Dropping the future does not cancel `f`: it runs to the end and its result is dropped.
///
/// ```
/// let rt = rill::Runtime::new()?;
/// let name = rt.block_on(rill::spawn_blocking(|| {
///     std::thread::current().name().map(str::to_owned)
/// }))?;
/// assert_eq!(name.as_deref(), Some("rill-blocking"));
/// # std::io::Result::Ok(())
/// ```
pub fn spawn_blocking<F, R>(f: F) -> SpawnBlocking<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let slot = Arc::new(Mutex::new(Slot::Running(None)));
    let done = Arc::clone(&slot);
    let job: Job = Box::new(move || {
        let result = panic::catch_unwind(AssertUnwindSafe(f));
        let previous = {
            let mut slot = done.lock().unwrap_or_else(PoisonError::into_inner);
            std::mem::replace(&mut *slot, Slot::Done(result))
        };
        // Woken outside the lock: the task may be polled on another thread at once.
        if let Slot::Running(Some(waker)) = previous {
            waker.wake();
        }
    });
    SpawnBlocking {
        slot: submit(job).map(|()| slot).map_err(Some),
    }
}

/// The future of [`spawn_blocking`]: the closure's result, once a pool thread has run it.
///
/// ```
/// # let rt = rill::Runtime::new()?;
/// # rt.block_on(async {
/// let job: rill::SpawnBlocking<u64> = rill::spawn_blocking(|| (1..=10u64).product());
/// assert_eq!(job.await?, 3_628_800); // computed on a pool thread, not the loop's
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
#[must_use = "the closure runs anyway; the future is how its result comes back"]
pub struct SpawnBlocking<R> {
    /// The shared slot, or the error that kept the job from being queued (taken by the poll
    /// that returns it).
    slot: Result<Arc<Mutex<Slot<R>>>, Option<io::Error>>,
}

impl<R> Future for SpawnBlocking<R> {
    type Output = io::Result<R>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<R>> {
        let slot = match &mut self.slot {
            Ok(slot) => slot,
            Err(e) => {
                return Poll::Ready(Err(e.take().unwrap_or_else(polled_after_completion)));
            }
        };
        let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
        match &mut *slot {
            Slot::Running(waker) => {
                match waker {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => *waker = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
            Slot::Done(_) => match std::mem::replace(&mut *slot, Slot::Taken) {
                Slot::Done(Ok(r)) => Poll::Ready(Ok(r)),
                Slot::Done(Err(payload)) => Poll::Ready(Err(panicked(&*payload))),
                _ => unreachable!("the slot was just seen done"),
            },
            Slot::Taken => Poll::Ready(Err(polled_after_completion())),
        }
    }
}

impl<R> fmt::Debug for SpawnBlocking<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpawnBlocking").finish_non_exhaustive()
    }
}

fn polled_after_completion() -> io::Error {
    io::Error::other("SpawnBlocking polled after it completed")
}

/// The error for a closure that panicked, with the panic's message when it has one.
fn panicked(payload: &(dyn std::any::Any + Send)) -> io::Error {
    let msg = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    io::Error::other(format!("blocking task panicked: {msg}"))
}
