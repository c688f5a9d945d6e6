//! Tasks: the per-task header behind every [`Waker`], the task table, and [`JoinHandle`].
//!
//! A task's future lives in the runtime's table ([`TaskTable`]), owned by the runtime thread, so
//! it may be `!Send`. What crosses threads is only the [`Header`]: an `Arc` holding the task's
//! key in the table, its "scheduled" flag and its "abort requested" flag. The header *is* the
//! waker (`std::task::Wake`): waking pushes the key onto the runtime's local run queue when the
//! wake happens on the runtime thread, or onto the shared remote queue (plus an OS wake-up)
//! from any other thread. The scheduled flag coalesces wakes: a task sits in a queue at most once.
//!
//! A task's output travels through a [`JoinCell`] shared with its [`JoinHandle`]. The spawned
//! future is wrapped so that, whatever ends it (completion, panic, abort, runtime shutdown), the
//! cell receives exactly one result and the joiner is woken.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use crate::context;
use crate::executor::Shared;

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
    /// True while the task sits in a run queue (or is finished): further wakes are no-ops.
    scheduled: AtomicBool,
    /// Set by [`JoinHandle::abort`]; the runtime drops the future at its next turn.
    abort: AtomicBool,
    /// The runtime the task belongs to.
    shared: Arc<Shared>,
}

impl Header {
    /// A header for a new task: scheduled (it will be polled once it is in the table).
    pub(crate) fn new(shared: Arc<Shared>, key: Option<u64>) -> Arc<Header> {
        Arc::new(Header {
            key: AtomicU64::new(key.unwrap_or(UNASSIGNED)),
            scheduled: AtomicBool::new(true),
            abort: AtomicBool::new(false),
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
    pub(crate) fn clear_scheduled(&self) {
        self.scheduled.store(false, Ordering::Release);
    }

    /// Called when the task is gone: every later wake is a no-op.
    pub(crate) fn mark_finished(&self) {
        self.scheduled.store(true, Ordering::Release);
    }

    /// True when an abort was requested.
    pub(crate) fn abort_requested(&self) -> bool {
        self.abort.load(Ordering::Acquire)
    }

    fn schedule(self: &Arc<Self>) {
        if self.scheduled.swap(true, Ordering::AcqRel) {
            return;
        }
        let key = self.key();
        let local = context::with_current(|local| {
            if Arc::ptr_eq(local.shared(), &self.shared) {
                local.schedule_local(key);
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

impl Wake for Header {
    fn wake(self: Arc<Self>) {
        self.schedule();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.schedule();
    }
}

/// Why a task produced no output.
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
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, JoinErrorRepr::Cancelled)
    }
    /// True when the runtime shut down (was dropped) before the task finished, or the task was
    /// spawned onto a runtime that had already shut down.
    pub fn is_shutdown(&self) -> bool {
        matches!(self.repr, JoinErrorRepr::Shutdown)
    }
    /// True when the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, JoinErrorRepr::Panicked(_))
    }
    /// The panic payload, if the task panicked; otherwise gives the error back.
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            JoinErrorRepr::Panicked(p) => Ok(p),
            repr => Err(JoinError { repr }),
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

/// The result slot shared by a task and its [`JoinHandle`].
struct JoinCell<T> {
    inner: Mutex<JoinInner<T>>,
}

enum JoinInner<T> {
    /// Still running; the joiner's waker, if it polled.
    Running(Option<Waker>),
    /// Finished; the result has not been taken yet.
    Done(Result<T, JoinError>),
    /// The result was handed to the joiner.
    Taken,
}

impl<T> JoinCell<T> {
    fn complete(&self, result: Result<T, JoinError>) {
        let waker = {
            let mut inner = match self.inner.lock() {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
            match std::mem::replace(&mut *inner, JoinInner::Done(result)) {
                JoinInner::Running(w) => w,
                // Already completed: keep the first result (exactly one completion).
                other => {
                    *inner = other;
                    None
                }
            }
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

/// An owned permission to await a spawned task's output, or to abort it.
///
/// Awaiting yields `Ok(output)`, or `Err(JoinError)` when the task was aborted, panicked, or the
/// runtime shut down first. Dropping the handle detaches the task: it keeps running.
pub struct JoinHandle<T> {
    header: Arc<Header>,
    cell: Arc<JoinCell<T>>,
}

impl<T> JoinHandle<T> {
    /// Requests that the task stop. The runtime drops its future at its next turn (dropping a
    /// future cancels any I/O it had in flight; see the crate docs). If the task already
    /// finished, this does nothing: awaiting the handle still yields its output.
    pub fn abort(&self) {
        self.header.abort.store(true, Ordering::Release);
        // Queue the task so the runtime notices; a finished task ignores wakes.
        self.header.schedule();
    }

    /// True once the task has finished (by completion, panic, abort or shutdown).
    pub fn is_finished(&self) -> bool {
        let inner = match self.cell.inner.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        !matches!(*inner, JoinInner::Running(_))
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut inner = match self.cell.inner.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        match std::mem::replace(&mut *inner, JoinInner::Taken) {
            JoinInner::Done(result) => Poll::Ready(result),
            JoinInner::Running(w) => {
                let w = match w {
                    Some(w) if w.will_wake(cx.waker()) => w,
                    _ => cx.waker().clone(),
                };
                *inner = JoinInner::Running(Some(w));
                Poll::Pending
            }
            JoinInner::Taken => Poll::Ready(Err(JoinError {
                repr: JoinErrorRepr::Cancelled,
            })),
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
    /// forgetting, the guard matters: its header holds the runtime's shared state.)
    fn finish(mut self, result: Result<T, JoinError>) {
        if let Some(cell) = self.cell.take() {
            cell.complete(result);
        }
    }
}

/// Makes the result slot of a new task: the guard goes into the task body, the handle to the
/// caller.
pub(crate) fn join_pair<T>(header: Arc<Header>) -> (CompletionGuard<T>, JoinHandle<T>) {
    let cell = Arc::new(JoinCell {
        inner: Mutex::new(JoinInner::Running(None)),
    });
    let guard = CompletionGuard {
        cell: Some(cell.clone()),
        header: header.clone(),
    };
    (guard, JoinHandle { header, cell })
}

/// Wraps a user future into a task body: runs it, catches a panic, publishes the result
/// through `guard`. If the body is dropped first, the guard publishes "aborted" or "shutdown".
pub(crate) async fn task_body<F: Future>(future: F, guard: CompletionGuard<F::Output>) {
    let mut future = std::pin::pin!(future);
    let result = std::future::poll_fn(|cx| {
        match panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Err(payload) => Poll::Ready(Err(JoinError {
                repr: JoinErrorRepr::Panicked(payload),
            })),
        }
    })
    .await;
    guard.finish(result);
}

/// A join handle for a task that could not be spawned because the runtime had shut down.
pub(crate) fn shutdown_handle<T>(header: Arc<Header>) -> JoinHandle<T> {
    header.mark_finished();
    let cell = Arc::new(JoinCell {
        inner: Mutex::new(JoinInner::Done(Err(JoinError {
            repr: JoinErrorRepr::Shutdown,
        }))),
    });
    JoinHandle { header, cell }
}
