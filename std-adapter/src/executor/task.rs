//! Tasks: the per-task header behind every [`Waker`], the task table, and [`JoinHandle`].
//!
//! A task's future lives in the runtime's table ([`TaskTable`]), owned by the runtime thread, so
//! it may be `!Send`. What crosses threads is only the [`Header`]: an `Arc` holding the task's
//! key in the table and its state word (`rill_core::sync::TaskState`: scheduled, abort
//! requested, finished). The header *is* the waker (`futures_task::ArcWake`): waking pushes the key
//! onto the runtime's local run queue when the wake happens on the runtime thread, or onto the
//! shared remote queue (plus an OS wake-up) from any other thread. The state word coalesces
//! wakes: a task sits in a queue at most once, and a finished task is never queued again.
//!
//! A task's output travels through a [`JoinCell`] (`rill_core::sync::JoinCell` behind a std
//! mutex) shared with its [`JoinHandle`]. The spawned
//! future is wrapped ([`TaskBody`]) so that, whatever ends it (completion, panic, abort, runtime
//! shutdown), the cell receives exactly one result and the joiner is woken.
//!
//! # User panics end only their task (H21)
//!
//! Every piece of user code that runs on a loop thread runs inside `catch_unwind`, and a panic
//! there ends that task alone (its [`JoinHandle`] yields [`JoinError::is_panic`]); the loop and
//! every other task go on. The places, all in this file or in `executor.rs`:
//!
//! - the `make` closure of [`crate::Handle::spawn_with`]: called by the task body's first poll
//!   (never while the loop takes a batch of spawns in), caught like a poll;
//! - the task's poll;
//! - the future's `Drop`, whatever ends the task: completion, a panic in its poll, an abort, or
//!   runtime shutdown. The executor never drops a live body: it polls it once more, and the body
//!   sees the abort / shutdown, drops the future itself under `catch_unwind` and publishes the
//!   outcome (a panic in that drop is the task's panic; a second panic's payload is discarded);
//! - the `Drop` of an output (or panic payload) nobody will take: the join cell is released, and
//!   a value replaced or left in it is dropped, under `catch_unwind` ([`discard`]);
//! - the joiner's waker, woken (and dropped) when the task ends;
//! - wakers the driver collected (I/O readiness, timers), woken by the loop between tasks
//!   (`executor.rs`, `Local::wake_collected`): a panicking waker is discarded, the rest are
//!   still woken.
//!
//! Only the `block_on` future's own panic propagates, to the caller of `block_on`.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use futures_task::ArcWake;

use rill_core::sync::{
    self, CompleteAction, DetachAction, JoinPoll, JoinSlot, ScheduleAction, TaskState,
};

use crate::context;
use crate::executor::{Shared, StdLock};

/// The key of the `block_on` future: it is not in the task table.
pub(crate) const MAIN_KEY: u64 = u64::MAX;

/// A key not yet assigned (a task spawned from another thread, not yet received).
const UNASSIGNED: u64 = u64::MAX - 1;

/// A boxed task future as stored in the table.
pub(crate) type LocalTask = Pin<Box<dyn Future<Output = ()>>>;
/// A task sent from another thread (by [`crate::Handle`]): it builds its future on the runtime
/// thread, so the future itself need not be `Send`.
pub(crate) type RemoteSpawn = Box<dyn FnOnce() -> LocalTask + Send>;

/// What every waker of a task points to.
pub(crate) struct Header {
    /// Slot index (low 32 bits) and generation (high 32 bits) in the task table.
    key: AtomicU64,
    /// Scheduled / abort requested / finished (`rill_core::sync::TaskState`): a task sits in a
    /// run queue at most once, and a finished one is never queued again.
    state: TaskState,
    /// The runtime the task belongs to.
    shared: Arc<Shared>,
}

impl Header {
    /// A header for a new task: scheduled (it will be polled once it is in the table).
    pub(crate) fn new(shared: Arc<Shared>, key: Option<u64>) -> Arc<Header> {
        Arc::new(Header {
            key: AtomicU64::new(key.unwrap_or(UNASSIGNED)),
            state: TaskState::new_scheduled(),
            shared,
        })
    }

    /// The table key.
    pub(crate) fn key(&self) -> u64 {
        self.key.load(Ordering::Acquire)
    }

    /// Records the table key (runtime thread, when a remote spawn is received).
    pub(crate) fn set_key(&self, key: u64) {
        self.key.store(key, Ordering::Release);
    }

    /// Called by the runtime right before polling: wakes from now on queue the task again.
    /// The task is polled whatever the answer: an aborted body sees the abort itself
    /// ([`Header::abort_requested`]) and ends, and a finished task is not in the table.
    pub(crate) fn clear_scheduled(&self) {
        let _ = self.state.start_poll();
    }

    /// Called when the task is gone: every later wake is a no-op.
    pub(crate) fn mark_finished(&self) {
        let _ = self.state.finish();
    }

    /// True once the task is gone (or, for a remote spawn refused at shutdown, never was).
    pub(crate) fn is_finished(&self) -> bool {
        self.state.is_finished()
    }

    /// True when an abort was requested (before the task finished).
    #[inline]
    pub(crate) fn abort_requested(&self) -> bool {
        self.state.is_aborted()
    }

    /// Requests that the task end, and queues it so the runtime notices; a finished task
    /// ignores it.
    fn abort(self: &Arc<Self>) {
        if let ScheduleAction::Enqueue = self.state.abort() {
            self.enqueue();
        }
    }

    /// A wake that reports whether the caller must queue the task (see [`Header::schedule`]).
    #[cfg(test)]
    pub(crate) fn wake_local(&self) -> bool {
        matches!(self.state.wake(), ScheduleAction::Enqueue)
    }

    fn schedule(self: &Arc<Self>) {
        if let ScheduleAction::Enqueue = self.state.wake() {
            self.enqueue();
        }
    }

    /// Pushes the task on its runtime's local run queue (on the runtime thread) or its remote
    /// queue (from any other thread). Called once per `ScheduleAction::Enqueue`.
    fn enqueue(self: &Arc<Self>) {
        let key = self.key();
        let local = context::with_current(|local| {
            if Arc::ptr_eq(local.shared(), &self.shared) {
                local.wake_local(key);
                true
            } else {
                false
            }
        });
        if local != Some(true) {
            self.shared.push_wake(key);
        }
    }
}

impl ArcWake for Header {
    fn wake(self: Arc<Self>) {
        self.schedule();
    }
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.schedule();
    }
}

impl Header {
    /// A waker for this task that owns a reference (for the `block_on` future and the final
    /// poll at shutdown; the loop's per-poll waker is borrowed, `futures_task::waker_ref`).
    pub(crate) fn waker(self: &Arc<Self>) -> Waker {
        futures_task::waker(self.clone())
    }
}

/// Why a task produced no output: it was aborted ([`JoinError::is_cancelled`]), it panicked
/// ([`JoinError::is_panic`], payload kept: [`JoinError::into_panic`]), or the runtime shut down
/// first ([`JoinError::is_shutdown`]).
///
/// ```
/// let rt = rill::Runtime::new()?;
/// let task = rt.spawn(std::future::pending::<()>());
/// task.abort();
/// let err = rt.block_on(task).unwrap_err();
/// assert!(err.is_cancelled() && !err.is_panic() && !err.is_shutdown());
/// assert_eq!(err.to_string(), "task was aborted");
/// # std::io::Result::Ok(())
/// ```
pub struct JoinError {
    repr: JoinErrorRepr,
}

enum JoinErrorRepr {
    Cancelled,
    Shutdown,
    Panicked(Box<dyn Any + Send + 'static>),
}

impl JoinError {
    /// True when the task was aborted through [`JoinHandle::abort`].
    ///
    /// ```
    /// let rt = rill::Runtime::new()?;
    /// rt.block_on(async {
    ///     let task = rill::spawn(std::future::pending::<()>());
    ///     task.abort();
    ///     assert!(task.await.unwrap_err().is_cancelled());
    /// });
    /// # std::io::Result::Ok(())
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, JoinErrorRepr::Cancelled)
    }
    /// True when the runtime shut down (was dropped) before the task finished, or the task was
    /// spawned onto a runtime that had already shut down.
    ///
    /// ```
    /// let rt = rill::Runtime::new()?;
    /// let handle = rt.handle();
    /// drop(rt);
    /// let task = handle.spawn(async {});
    /// let other = rill::Runtime::new()?;
    /// assert!(other.block_on(task).unwrap_err().is_shutdown());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn is_shutdown(&self) -> bool {
        matches!(self.repr, JoinErrorRepr::Shutdown)
    }
    /// True when the task panicked: in its poll, in the `make` closure of
    /// [`crate::Handle::spawn_with`], or in its future's `Drop` (at completion, on abort, or at
    /// shutdown). Such a panic ends that task only; its loop and other tasks go on.
    ///
    /// ```
    /// let rt = rill::Runtime::new()?;
    /// rt.block_on(async {
    ///     let task = rill::spawn(async { panic!("boom") });
    ///     assert!(task.await.unwrap_err().is_panic());
    ///     assert_eq!(rill::spawn(async { 1 }).await.unwrap(), 1, "the loop goes on");
    /// });
    /// # std::io::Result::Ok(())
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, JoinErrorRepr::Panicked(_))
    }
    /// The panic payload, if the task panicked; otherwise gives the error back.
    ///
    /// ```
    /// let rt = rill::Runtime::new()?;
    /// let err = rt.block_on(rt.spawn(async { panic!("boom") })).unwrap_err();
    /// let payload = err.try_into_panic().expect("a panic");
    /// assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
    ///
    /// let task = rt.spawn(std::future::pending::<()>());
    /// task.abort();
    /// let err = rt.block_on(task).unwrap_err();
    /// assert!(err.try_into_panic().unwrap_err().is_cancelled());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            JoinErrorRepr::Panicked(p) => Ok(p),
            repr => Err(JoinError { repr }),
        }
    }

    /// The panic payload of a task that panicked (what `panic!` was given: a `String` when it
    /// formatted values, a `&'static str` for a constant message), to inspect or to re-raise with
    /// [`std::panic::resume_unwind`].
    ///
    /// # Panics
    ///
    /// When the task did not panic (it was cancelled, or the runtime shut down); use
    /// [`JoinError::try_into_panic`] to get that case back as the error.
    ///
    /// ```
    /// let rt = rill::Runtime::new()?;
    /// let code = std::env::args().count(); // a value known at run time only
    /// let err = rt.block_on(rt.spawn(async move { panic!("code {code}") })).unwrap_err();
    /// assert!(err.is_panic());
    /// let payload = err.into_panic();
    /// let expected = format!("code {code}");
    /// assert_eq!(payload.downcast_ref::<String>(), Some(&expected));
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        match self.try_into_panic() {
            Ok(payload) => payload,
            Err(e) => panic!("JoinError::into_panic on an error that is not a panic: {e}"),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.repr {
            JoinErrorRepr::Cancelled => "task was aborted",
            JoinErrorRepr::Shutdown => "the runtime shut down before the task finished",
            JoinErrorRepr::Panicked(_) => "task panicked",
        })
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for std::io::Error {
    fn from(e: JoinError) -> std::io::Error {
        let kind = if e.is_panic() {
            std::io::ErrorKind::Other
        } else {
            std::io::ErrorKind::Interrupted
        };
        std::io::Error::new(kind, e.to_string())
    }
}

/// The result slot shared by a task and its [`JoinHandle`]: `rill_core::sync::JoinCell` (first
/// result wins, the joiner woken once) behind a std mutex.
struct JoinCell<T> {
    inner: sync::JoinCell<StdLock<JoinSlot<Result<T, JoinError>, Waker>>>,
}

impl<T> JoinCell<T> {
    fn new(slot: JoinSlot<Result<T, JoinError>, Waker>) -> JoinCell<T> {
        JoinCell {
            inner: sync::JoinCell::new(StdLock::new(slot)),
        }
    }

    /// Publishes `result` (the first one wins) and wakes the joiner. Runs on the loop thread:
    /// the joiner's waker and a refused or unwanted result are user code, run contained
    /// ([`discard`]).
    fn complete(&self, result: Result<T, JoinError>) {
        match self.inner.complete(result) {
            CompleteAction::Wake(w) => {
                if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| w.wake())) {
                    discard(payload);
                }
            }
            CompleteAction::Stored => {}
            CompleteAction::Discard(result) | CompleteAction::Refused(result) => discard(result),
        }
    }
}

/// Drops `value` on a loop thread, containing a panic of its `Drop` (the value is user code: a
/// task's output, future or waker). A panic is discarded, and so is its payload, contained the
/// same way; a payload whose own drop panics again is leaked rather than unwinding the loop.
pub(crate) fn discard<T>(value: T) {
    if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(move || drop(value))) {
        if let Err(again) = panic::catch_unwind(AssertUnwindSafe(move || drop(payload))) {
            std::mem::forget(again);
        }
    }
}

/// An owned permission to await a spawned task's output, or to abort it.
///
/// Awaiting yields `Ok(output)`, or `Err(JoinError)` when the task was aborted, panicked, or the
/// runtime shut down first. Dropping the handle detaches the task: it keeps running.
///
/// ```
/// let rt = rill::Runtime::new()?;
/// let sum = rt.block_on(async {
///     let a = rill::spawn(async { 1 + 2 });
///     let b = rill::spawn(async { 3 + 4 });
///     a.await.unwrap() + b.await.unwrap()
/// });
/// assert_eq!(sum, 10);
/// # std::io::Result::Ok(())
/// ```
pub struct JoinHandle<T> {
    header: Arc<Header>,
    cell: Arc<JoinCell<T>>,
}

impl<T> JoinHandle<T> {
    /// Requests that the task stop. The runtime drops its future at its next turn (dropping a
    /// future cancels any I/O it had in flight; see the crate docs). If the task already
    /// finished, this does nothing: awaiting the handle still yields its output. If the future
    /// panics while being dropped, awaiting yields that panic ([`JoinError::is_panic`]).
    ///
    /// ```
    /// let rt = rill::Runtime::new()?;
    /// let task = rt.spawn(std::future::pending::<()>());
    /// task.abort();
    /// assert!(rt.block_on(task).unwrap_err().is_cancelled());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn abort(&self) {
        self.header.abort();
    }

    /// True once the task has finished (by completion, panic, abort or shutdown).
    ///
    /// ```
    /// let rt = rill::Runtime::new()?;
    /// let task = rt.spawn(async {});
    /// assert!(!task.is_finished()); // not run yet: nobody drives the runtime
    /// rt.block_on(rill::yield_now());
    /// assert!(task.is_finished());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn is_finished(&self) -> bool {
        self.cell.inner.is_finished()
    }

    /// A handle that can abort the task but not await it; it does not keep the output alive,
    /// and it may be cloned and sent to other threads. [`crate::JoinSet::spawn`] returns one.
    ///
    /// ```
    /// let rt = rill::Runtime::new()?;
    /// let task = rt.spawn(std::future::pending::<()>());
    /// let abort = task.abort_handle();
    /// std::thread::spawn(move || abort.abort()).join().unwrap();
    /// assert!(rt.block_on(task).unwrap_err().is_cancelled());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn abort_handle(&self) -> AbortHandle {
        AbortHandle {
            header: self.header.clone(),
        }
    }
}

/// Aborts a task without owning its output: from [`JoinHandle::abort_handle`] or
/// [`crate::JoinSet::spawn`]. `Send + Sync`, cloneable; dropping it does nothing to the task.
///
/// ```
/// let rt = rill::Runtime::new()?;
/// let mut set = rill::JoinSet::new();
/// rt.block_on(async {
///     let abort = set.spawn(std::future::pending::<()>());
///     abort.abort();
///     assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
/// });
/// # std::io::Result::Ok(())
/// ```
#[derive(Clone)]
pub struct AbortHandle {
    header: Arc<Header>,
}

impl AbortHandle {
    /// Requests that the task stop, exactly as [`JoinHandle::abort`] does.
    ///
    /// ```
    /// let rt = rill::Runtime::new()?;
    /// let task = rt.spawn(std::future::pending::<()>());
    /// task.abort_handle().abort();
    /// assert!(rt.block_on(task).unwrap_err().is_cancelled());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn abort(&self) {
        self.header.abort();
    }

    /// True once the task is gone from its runtime (completed, panicked, aborted or shut down).
    /// It may turn true a moment before the task's [`JoinHandle`] has its result.
    ///
    /// ```
    /// let rt = rill::Runtime::new()?;
    /// let task = rt.spawn(async {});
    /// let abort = task.abort_handle();
    /// rt.block_on(task).unwrap();
    /// assert!(abort.is_finished());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn is_finished(&self) -> bool {
        self.header.is_finished()
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let polled = self.cell.inner.poll(|w| match w {
            Some(w) if w.will_wake(cx.waker()) => w,
            _ => cx.waker().clone(),
        });
        match polled {
            JoinPoll::Ready(result) => Poll::Ready(result),
            JoinPoll::Pending => Poll::Pending,
            JoinPoll::Gone => Poll::Ready(Err(JoinError {
                repr: JoinErrorRepr::Cancelled,
            })),
        }
    }
}

impl<T> Drop for JoinHandle<T> {
    /// Detaches: the task keeps running, and its output is dropped (on the loop thread,
    /// contained) when it ends. The registered waker, or an output not taken, is dropped here.
    fn drop(&mut self) {
        match self.cell.inner.detach() {
            DetachAction::Waiting(waker) => drop(waker),
            DetachAction::Discard(result) => drop(result),
            DetachAction::Nothing => {}
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// Ensures the join cell gets a result however the task ends.
pub(crate) struct CompletionGuard<T> {
    /// `None` once the result is published.
    cell: Option<Arc<JoinCell<T>>>,
    header: Arc<Header>,
}

impl<T> Drop for CompletionGuard<T> {
    fn drop(&mut self) {
        // The cell is still here only when the task future is dropped before producing output.
        if let Some(cell) = self.cell.take() {
            let repr = if self.header.abort_requested() {
                JoinErrorRepr::Cancelled
            } else {
                JoinErrorRepr::Shutdown
            };
            cell.complete(Err(JoinError { repr }));
        }
    }
}

impl<T> CompletionGuard<T> {
    /// Publishes the task's result; the drop path then has nothing left to do. (Dropping, not
    /// forgetting, the guard matters: its header holds the runtime's shared state.) When the
    /// joiner is gone, releasing the cell drops the output here, contained.
    fn finish(mut self, result: Result<T, JoinError>) {
        if let Some(cell) = self.cell.take() {
            cell.complete(result);
            discard(cell);
        }
    }

    /// Why the task must end without being polled again, if it must: an abort was requested,
    /// or the runtime is shutting down (it then polls each task once more, to end it).
    #[inline]
    fn ending(&self) -> Option<JoinErrorRepr> {
        if self.header.abort_requested() {
            Some(JoinErrorRepr::Cancelled)
        } else if self.header.shared.is_shut_down() {
            Some(JoinErrorRepr::Shutdown)
        } else {
            None
        }
    }
}

/// Makes the result slot of a new task: the guard goes into the task body, the handle to the
/// caller.
pub(crate) fn join_pair<T>(header: Arc<Header>) -> (CompletionGuard<T>, JoinHandle<T>) {
    let cell = Arc::new(JoinCell::new(JoinSlot::new()));
    let guard = CompletionGuard {
        cell: Some(cell.clone()),
        header: header.clone(),
    };
    (guard, JoinHandle { header, cell })
}

pin_project_lite::pin_project! {
    /// The body of every task: polls `future`, catching a panic; ends the task when an abort
    /// was requested or the runtime shuts down (checked before every poll); drops the future
    /// itself, catching a panic of its `Drop`; publishes exactly one result through `guard`.
    ///
    /// A struct, not an `async fn`: an `async fn` keeps its argument and the pinned local it is
    /// moved into side by side, so every task would hold its future twice. For
    /// [`crate::Handle::spawn_with`] the future is a [`Lazy`], so the user's `make` runs inside
    /// the first poll (caught like a poll) and shares storage with the future it returns.
    ///
    /// The executor must poll a body until it is ready rather than drop it: dropping a body that
    /// was started drops the user's future outside `catch_unwind` (the guard then publishes
    /// "aborted" or "shutdown"); that is the fallback for a body that can never be polled again.
    pub(crate) struct TaskBody<F: Future> {
        #[pin]
        future: Option<F>,
        guard: Option<CompletionGuard<F::Output>>,
    }
}

impl<F: Future> TaskBody<F> {
    /// The body of a task running `future`, publishing through `guard`.
    pub(crate) fn new(future: F, guard: CompletionGuard<F::Output>) -> TaskBody<F> {
        TaskBody {
            future: Some(future),
            guard: Some(guard),
        }
    }
}

impl<F: Future> Future for TaskBody<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        let Some(guard) = this.guard.as_ref() else {
            return Poll::Ready(());
        };
        let result = match guard.ending() {
            Some(repr) => Err(JoinError { repr }),
            None => {
                let polled = panic::catch_unwind(AssertUnwindSafe(|| {
                    match this.future.as_mut().as_pin_mut() {
                        Some(f) => f.poll(cx),
                        // Unreachable: the future is dropped only when the body is ready.
                        None => Poll::Pending,
                    }
                }));
                match polled {
                    Ok(Poll::Pending) => return Poll::Pending,
                    Ok(Poll::Ready(v)) => Ok(v),
                    Err(payload) => Err(JoinError {
                        repr: JoinErrorRepr::Panicked(payload),
                    }),
                }
            }
        };
        // The future (or, if it never started, `make`) is dropped here, where its `Drop` is
        // caught: a panic there is the task's panic unless it already had one.
        let dropped = panic::catch_unwind(AssertUnwindSafe(|| this.future.set(None)));
        let result = match (dropped, result) {
            (Ok(()), result) => result,
            (
                Err(payload),
                Err(JoinError {
                    repr: JoinErrorRepr::Panicked(first),
                }),
            ) => {
                discard(payload);
                Err(JoinError {
                    repr: JoinErrorRepr::Panicked(first),
                })
            }
            (Err(payload), other) => {
                discard(other);
                Err(JoinError {
                    repr: JoinErrorRepr::Panicked(payload),
                })
            }
        };
        if let Some(guard) = this.guard.take() {
            guard.finish(result);
        }
        notify_task_ended();
        Poll::Ready(())
    }
}

thread_local! {
    /// Who waits on this loop thread for "a task ended" ([`crate::Runtime::shutdown_timeout`]):
    /// woken (and cleared) each time a task body of this thread finishes.
    static TASK_ENDED: std::cell::RefCell<Option<Waker>> = const { std::cell::RefCell::new(None) };
}

/// Registers `waker` to be woken when the next task body on this thread finishes. The body is
/// removed from the table right after its final poll, before the woken future can run, so the
/// woken future sees the live-task count without it.
pub(crate) fn wake_on_task_end(waker: &Waker) {
    let _ = TASK_ENDED.try_with(|w| {
        if let Ok(mut w) = w.try_borrow_mut() {
            match &*w {
                Some(old) if old.will_wake(waker) => {}
                _ => *w = Some(waker.clone()),
            }
        }
    });
}

/// Wakes the waiter registered by [`wake_on_task_end`], if any (contained: a waker is user
/// code).
fn notify_task_ended() {
    let waiter = TASK_ENDED
        .try_with(|w| w.try_borrow_mut().ok().and_then(|mut w| w.take()))
        .ok()
        .flatten();
    if let Some(w) = waiter {
        if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| w.wake())) {
            discard(payload);
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`crate::Handle::spawn_with`]: `make` until the first poll calls it, then
    /// the future it returned, in the same storage.
    #[project = LazyProj]
    pub(crate) enum Lazy<M, F> {
        /// Not polled yet.
        Make { make: Option<M> },
        /// Running the future `make` returned.
        Run { #[pin] future: F },
    }
}

impl<M: FnOnce() -> F, F: Future> Lazy<M, F> {
    /// A future that calls `make` when first polled.
    pub(crate) fn new(make: M) -> Lazy<M, F> {
        Lazy::Make { make: Some(make) }
    }
}

impl<M: FnOnce() -> F, F: Future> Future for Lazy<M, F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        if let LazyProj::Make { make } = self.as_mut().project() {
            let Some(make) = make.take() else {
                // Unreachable: `make` is taken only here, and the state changes right after.
                return Poll::Pending;
            };
            let future = make();
            self.set(Lazy::Run { future });
        }
        match self.project() {
            LazyProj::Run { future } => future.poll(cx),
            LazyProj::Make { .. } => Poll::Pending,
        }
    }
}

/// A join handle for a task that could not be spawned because the runtime had shut down.
pub(crate) fn shutdown_handle<T>(header: Arc<Header>) -> JoinHandle<T> {
    header.mark_finished();
    let cell = Arc::new(JoinCell::new(JoinSlot::done(Err(JoinError {
        repr: JoinErrorRepr::Shutdown,
    }))));
    JoinHandle { header, cell }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A future that keeps 4 KiB alive across an await.
    async fn big() -> u8 {
        let buf = [7u8; 4096];
        std::future::ready(()).await;
        buf[4095]
    }

    #[test]
    fn a_task_body_holds_its_future_once() {
        let future = std::mem::size_of_val(&big());
        assert!(future >= 4096);
        let body = size_of_body(&big());
        assert!(body < future + 64, "body {body} B for a {future} B future");
        // The spawn_with form: `make` and the future it returns share storage, also when `make`
        // captures the whole future (`Handle::spawn`).
        let captured = big();
        let lazy = Lazy::new(move || captured);
        let lazy_size = std::mem::size_of_val(&lazy);
        assert!(
            lazy_size < future + 64,
            "lazy {lazy_size} B for a {future} B future"
        );
        assert!(size_of_body(&lazy) < future + 128);
    }

    fn size_of_body<F: Future>(_: &F) -> usize {
        std::mem::size_of::<TaskBody<F>>()
    }
}
