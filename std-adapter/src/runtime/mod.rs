//! The public runtime API: [`Runtime`] (here), its [`Builder`] (`builder.rs`) and the
//! cross-thread [`Handle`] (`handle.rs`).
//!
//! A runtime is loop 0, an [`EventLoop`] that [`Runtime::block_on`] drives on the thread that
//! built it, plus, with [`Builder::worker_threads`] above 1, loops 1 ..= n-1 on background
//! threads (the set of loops, `crate::pool`). This module composes those two; neither knows about
//! it, and [`crate::multi`] builds its [`crate::LoopGroup`] on top of it.

mod builder;
mod handle;

use std::fmt;
use std::future::Future;
use std::io;
use std::sync::Arc;

use rill_os::Backend;

use crate::event_loop::{EventLoop, LoopConfig};
use crate::executor::Shared;
use crate::pool::{close, start_loops, MemberGuard, Membership, PoolInner, Worker};
use crate::task::JoinHandle;
pub use builder::Builder;
pub use handle::Handle;

/// A single-threaded async runtime: an executor, an I/O driver and timers.
///
/// Dropping the runtime shuts it down: every task is dropped (their I/O is cancelled), later
/// spawns through a [`Handle`] answer [`crate::JoinError::is_shutdown`], and I/O objects that
/// outlive it answer an error on every call.
///
/// ```
/// let rt = rill::Runtime::new()?;
/// let task = rt.spawn(async { 20 });
/// let out = rt.block_on(async { task.await.unwrap() + 1 });
/// assert_eq!(out, 21);
/// drop(rt); // shuts the runtime down
/// # std::io::Result::Ok(())
/// ```
pub struct Runtime {
    /// Loop 0, driven by `block_on` on this thread. Dropped (shut down) after `pool`'s threads
    /// are stopped and joined in `drop`.
    event_loop: EventLoop,
    backend: Backend,
    /// The worker threads, when built with more than one.
    pool: Option<RuntimePool>,
}

impl Runtime {
    /// Builds loop 0 and, for `workers` above 1, starts loops 1 ..= workers-1 on their threads.
    fn start(config: &LoopConfig, workers: usize) -> io::Result<Runtime> {
        let event_loop = EventLoop::new(config)?;
        let pool = if workers > 1 {
            Some(RuntimePool::start(
                config,
                event_loop.shared().clone(),
                workers,
            )?)
        } else {
            None
        };
        Ok(Runtime {
            event_loop,
            backend: config.backend,
            pool,
        })
    }

    /// A runtime with the default configuration (see [`Builder::new`]).
    ///
    /// ```
    /// let rt = rill::Runtime::new()?;
    /// assert_eq!(rt.block_on(async { "ran" }), "ran");
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new() -> io::Result<Runtime> {
        Builder::new().build()
    }

    /// A builder to configure a runtime.
    ///
    /// ```
    /// let rt = rill::Runtime::builder().inline_budget(0).build()?;
    /// assert_eq!(rt.block_on(async { 7 }), 7);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// The backend this runtime polls with.
    ///
    /// ```
    /// let rt = rill::Runtime::builder().backend(rill::Backend::Select).build()?;
    /// assert_eq!(rt.backend(), rill::Backend::Select);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs `future` to completion on this thread, driving spawned tasks, I/O and timers.
    ///
    /// # Panics
    ///
    /// When called inside another `block_on` on the same thread, or when the OS poller fails
    /// (use [`Runtime::try_block_on`] to get those as errors). A panic of `future` itself
    /// propagates.
    ///
    /// ```
    /// let rt = rill::Runtime::new()?;
    /// let n = rt.block_on(async {
    ///     let task = rill::spawn(async { 40 });
    ///     rill::yield_now().await;
    ///     task.await.unwrap() + 2
    /// });
    /// assert_eq!(n, 42);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        match self.try_block_on(future) {
            Ok(v) => v,
            Err(e) => panic!("rill: block_on failed: {e}"),
        }
    }

    /// Like [`Runtime::block_on`], but a nested call or a poller failure is an error.
    ///
    /// ```
    /// let rt = rill::Runtime::new()?;
    /// assert_eq!(rt.try_block_on(async { 5 })?, 5);
    /// // Nested on the same thread: an error instead of a panic.
    /// let nested = rt.block_on(async { rill::Runtime::new()?.try_block_on(async {}) });
    /// assert!(nested.is_err());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn try_block_on<F: Future>(&self, future: F) -> io::Result<F::Output> {
        let _loop_zero = self.pool.as_ref().map(RuntimePool::enter_loop_zero);
        self.event_loop.block_on(future)
    }

    /// Spawns a task (it may be `!Send`); it runs while the runtime is driven by `block_on`.
    ///
    /// ```
    /// use std::rc::Rc;
    /// let rt = rill::Runtime::new()?;
    /// let shared = Rc::new(3); // `!Send` is fine: the task stays on this thread
    /// let task = rt.spawn({
    ///     let shared = shared.clone();
    ///     async move { *shared * 2 }
    /// });
    /// assert_eq!(rt.block_on(task).unwrap(), 6);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.event_loop.local().spawn(future)
    }

    /// A handle to spawn onto and wake this runtime from other threads.
    ///
    /// ```
    /// let rt = rill::Runtime::new()?;
    /// let handle = rt.handle();
    /// let task = std::thread::spawn(move || handle.spawn(async { 1 + 1 })).join().unwrap();
    /// assert_eq!(rt.block_on(task).unwrap(), 2);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn handle(&self) -> Handle {
        match &self.pool {
            Some(pool) => Handle::from_pool(pool.pool().clone()),
            None => Handle::for_loop(self.event_loop.shared().clone()),
        }
    }

    /// How many loops (threads) drive this runtime: [`Builder::worker_threads`].
    ///
    /// ```
    /// assert_eq!(rill::Runtime::new()?.worker_threads(), 1);
    /// let rt = rill::Runtime::builder().worker_threads(3).build()?;
    /// assert_eq!(rt.worker_threads(), 3);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn worker_threads(&self) -> usize {
        self.pool.as_ref().map_or(1, |p| p.pool().len())
    }

    /// How many spawned tasks of loop 0 (the loop [`Runtime::block_on`] drives) have not
    /// finished yet; with worker threads, tasks on the other loops are not counted.
    ///
    /// ```
    /// let rt = rill::Runtime::new()?;
    /// let task = rt.spawn(async {});
    /// assert_eq!(rt.live_tasks(), 1);
    /// rt.block_on(task).unwrap();
    /// assert_eq!(rt.live_tasks(), 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn live_tasks(&self) -> usize {
        self.event_loop.local().live_tasks()
    }

    /// Shuts the runtime down gracefully: drives it (as [`Runtime::block_on`] does) until every
    /// spawned task of loop 0 has finished or `timeout` has passed, whichever comes first, then
    /// drops it as [`Drop`] does. Returns at once when no task is left.
    ///
    /// What the tasks see:
    ///
    /// - a task that finishes within the deadline delivers its output to its [`JoinHandle`]
    ///   as usual;
    /// - a task still running at the deadline is dropped: its [`JoinHandle`] yields a
    ///   [`crate::JoinError`] whose [`is_shutdown`](crate::JoinError::is_shutdown) is true, and
    ///   its I/O is cancelled exactly as an abort cancels it (see "Cancellation" in the crate
    ///   docs: no byte is lost in flight); sockets that outlive the runtime answer errors;
    /// - with [`Builder::worker_threads`] above 1, the deadline covers the tasks of loop 0
    ///   only (the loop this thread drives); the worker loops keep running meanwhile and are
    ///   stopped afterwards as by [`Drop`]: each drops its remaining tasks, on its own thread,
    ///   as shut down. To let worker tasks finish, await their handles (or a
    ///   [`crate::JoinSet`]) under a [`crate::timeout`] in `block_on` first.
    ///
    /// Waiting costs nothing while tasks are idle: the loop blocks in its poller and is woken
    /// when a task ends or the deadline passes. Called on a thread already inside another
    /// runtime's `block_on`, it cannot drive this one and drops it at once.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = rill::Runtime::new()?;
    /// let quick = rt.spawn(async {
    ///     rill::sleep(Duration::from_millis(1)).await;
    ///     "done"
    /// });
    /// let stuck = rt.spawn(std::future::pending::<()>());
    /// rt.shutdown_timeout(Duration::from_millis(50));
    /// // Both handles are finished now; they can be awaited on any runtime (or polled by hand).
    /// let rt2 = rill::Runtime::new()?;
    /// assert_eq!(rt2.block_on(quick).unwrap(), "done");
    /// assert!(rt2.block_on(stuck).unwrap_err().is_shutdown());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn shutdown_timeout(self, timeout: std::time::Duration) {
        let local = self.event_loop.local().clone();
        let all_done = std::future::poll_fn(move |cx| {
            if local.live_tasks() == 0 {
                return std::task::Poll::Ready(());
            }
            crate::task::wake_on_task_end(cx.waker());
            std::task::Poll::Pending
        });
        // `Err`: nested in another runtime's block_on, or the poller failed; either way there
        // is nothing more to drive, and dropping shuts down as usual.
        let _ = self.try_block_on(crate::timeout(timeout, all_done));
        drop(self);
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        // Worker threads first (each drops its tasks on its own thread and is joined), then
        // loop 0 as a single-threaded runtime does: `event_loop` shuts down when dropped, next.
        if let Some(pool) = self.pool.as_mut() {
            pool.shutdown();
        }
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

/// The loops of a [`Runtime`] built with more than one worker thread: loop 0 is the
/// runtime's own (driven by `block_on`), loops 1 ..= n-1 are background threads.
struct RuntimePool {
    pool: Arc<PoolInner>,
    membership: Arc<Membership>,
    workers: Vec<Worker>,
}

impl RuntimePool {
    /// Starts `n - 1` worker threads, each built from `config`, around `loop0` (the runtime's
    /// own loop).
    fn start(config: &LoopConfig, loop0: Arc<Shared>, n: usize) -> io::Result<RuntimePool> {
        let (pool, membership, workers) =
            start_loops(config, "rill-worker", Some(loop0), n.saturating_sub(1))?;
        Ok(RuntimePool {
            pool,
            membership,
            workers,
        })
    }

    /// The shared part, for handles.
    fn pool(&self) -> &Arc<PoolInner> {
        &self.pool
    }

    /// Marks the calling thread as loop 0 of the set while the returned guard lives (for the
    /// duration of `block_on`).
    fn enter_loop_zero(&self) -> MemberGuard {
        MemberGuard::enter(self.membership.clone(), 0)
    }

    /// Stops and joins the worker threads (idempotent).
    fn shutdown(&mut self) {
        close(&self.pool, &mut self.workers);
    }
}

impl Drop for RuntimePool {
    fn drop(&mut self) {
        self.shutdown();
    }
}
