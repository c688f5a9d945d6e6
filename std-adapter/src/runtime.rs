//! The public runtime API: [`Runtime`], its [`Builder`] and the cross-thread [`Handle`].

use std::fmt;
use std::future::Future;
use std::io;
use std::sync::Arc;

use rill_os::{Backend, UnknownBackend};

use crate::context;
use crate::event_loop::{EventLoop, LoopConfig};
use crate::executor::Shared;
use crate::io_error::no_runtime;
use crate::multi::{self, PoolInner, RuntimePool};
use crate::task::JoinHandle;

/// Configures and builds a [`Runtime`].
///
/// ```
/// let rt = rill::Runtime::builder()
///     .backend(rill::Backend::Poll)
///     .inline_budget(0)
///     .build()
///     .unwrap();
/// assert_eq!(rt.backend(), rill::Backend::Poll);
/// ```
#[derive(Clone, Debug)]
pub struct Builder {
    pub(crate) backend: Backend,
    pub(crate) inline_budget: u32,
    pub(crate) max_io: usize,
    pub(crate) events: usize,
    pub(crate) timers: usize,
    pub(crate) tasks: usize,
    pub(crate) workers: usize,
    pub(crate) paused: bool,
}

impl Default for Builder {
    fn default() -> Builder {
        Builder::new()
    }
}

impl Builder {
    /// The defaults: platform backend, inline budget 2, up to 16384 descriptors (the table
    /// starts at 64 and doubles as needed), 1024 events per wait, initial room for 256 timers
    /// (the heap doubles as needed).
    ///
    /// ```
    /// let rt = rill::Builder::new().build()?;
    /// assert_eq!(rt.backend(), rill::Backend::platform_default());
    /// assert_eq!(rt.worker_threads(), 1);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new() -> Builder {
        Builder {
            backend: Backend::platform_default(),
            inline_budget: 2,
            max_io: 16384,
            events: 1024,
            timers: 256,
            tasks: 64,
            workers: 1,
            paused: false,
        }
    }

    /// Starts the runtime with the test clock: time is virtual, stands still while any task
    /// can run, jumps to the next timer when every task is idle, and moves by hand with
    /// [`crate::time::advance`]. Sleeps, timeouts and intervals all follow it, so a test of a
    /// one-hour timeout takes milliseconds. Default off. Each loop of a multi-loop runtime has
    /// its own virtual clock.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = rill::Builder::new().start_paused(true).build()?;
    /// let wall = std::time::Instant::now();
    /// rt.block_on(async {
    ///     let slow = rill::sleep(Duration::from_secs(2 * 3600));
    ///     assert!(rill::timeout(Duration::from_secs(3600), slow).await.is_err());
    /// });
    /// assert!(wall.elapsed() < Duration::from_secs(3600));
    /// # std::io::Result::Ok(())
    /// ```
    pub fn start_paused(mut self, paused: bool) -> Builder {
        self.paused = paused;
        self
    }

    /// Chooses the OS backend.
    ///
    /// ```
    /// let rt = rill::Builder::new().backend(rill::Backend::Poll).build()?;
    /// assert_eq!(rt.backend(), rill::Backend::Poll);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn backend(mut self, backend: Backend) -> Builder {
        self.backend = backend;
        self
    }

    /// Chooses the OS backend by name (`epoll`, `poll`, `select`, `kqueue` or `default`).
    ///
    /// ```
    /// let rt = rill::Builder::new().backend_name("poll").unwrap().build()?;
    /// assert_eq!(rt.backend(), rill::Backend::Poll);
    /// assert!(rill::Builder::new().backend_name("io_uring9").is_err());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn backend_name(self, name: &str) -> Result<Builder, UnknownBackend> {
        Ok(self.backend(name.parse()?))
    }

    /// How many I/O results may complete inline (without a trip through the ready queue) in a
    /// row before further ones are deferred; reset every time a task is polled. 0 defers
    /// everything (every op goes through the queue); still correct, just slower. Values above
    /// 255 act as 255.
    ///
    /// ```
    /// // Budget 0: every op goes through the ready queue; the results are the same.
    /// let rt = rill::Builder::new().inline_budget(0).build()?;
    /// rt.block_on(async {
    ///     let (a, b) = rill::UnixStream::pair()?;
    ///     a.write_all(b"queued").await?;
    ///     let mut buf = [0u8; 6];
    ///     b.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"queued");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn inline_budget(mut self, budget: u32) -> Builder {
        self.inline_budget = budget;
        self
    }

    /// The most I/O objects (sockets) registered at once per loop; registering one more answers
    /// `OutOfMemory`, and a listener sheds the connection it just accepted
    /// (`ConnectionAborted`, with back-off) instead of failing. The table starts small and grows
    /// up to this.
    ///
    /// ```
    /// let rt = rill::Builder::new().max_io(2).build()?;
    /// rt.block_on(async {
    ///     let _pair = rill::UnixStream::pair()?; // two registrations: the table is full
    ///     let err = rill::UnixStream::pair().unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::OutOfMemory);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn max_io(mut self, n: usize) -> Builder {
        self.max_io = n.max(1);
        self
    }

    /// The most OS events taken per wait.
    ///
    /// ```
    /// let rt = rill::Builder::new().event_capacity(64).build()?;
    /// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn event_capacity(mut self, n: usize) -> Builder {
        self.events = n.max(1);
        self
    }

    /// Initial room for armed timers (sleeps, timeouts, intervals). The timer heap doubles when
    /// full, so arming a timer never fails; this only avoids the regrowth.
    ///
    /// ```
    /// use std::time::Duration;
    /// // Room for one timer; arming more just grows the heap.
    /// let rt = rill::Builder::new().timer_capacity(1).build()?;
    /// rt.block_on(async {
    ///     let a = rill::sleep(Duration::from_millis(1));
    ///     let b = rill::sleep(Duration::from_millis(1));
    ///     a.await;
    ///     b.await;
    /// });
    /// # std::io::Result::Ok(())
    /// ```
    pub fn timer_capacity(mut self, n: usize) -> Builder {
        self.timers = n.max(1);
        self
    }

    /// Initial room for tasks (the table grows as needed).
    ///
    /// ```
    /// let rt = rill::Builder::new().task_capacity(4).build()?;
    /// let tasks: Vec<_> = (0..10).map(|i| rt.spawn(async move { i })).collect();
    /// let sum = rt.block_on(async {
    ///     let mut sum = 0;
    ///     for t in tasks {
    ///         sum += t.await.unwrap();
    ///     }
    ///     sum
    /// });
    /// assert_eq!(sum, 45);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn task_capacity(mut self, n: usize) -> Builder {
        self.tasks = n;
        self
    }

    /// How many threads drive the runtime (default 1; 0 acts as 1). With `n > 1` the runtime
    /// has `n` independent loops (each its own poller, timers and tasks): loop 0 is driven by
    /// [`Runtime::block_on`] on the thread that built the runtime, loops 1 ..= n-1 by background
    /// threads started by [`Builder::build`] and joined when the runtime is dropped.
    /// [`Handle::spawn`] / [`Handle::spawn_with`] place tasks on the least-loaded loop; a task
    /// and its sockets stay on their loop. Every other setting applies to each loop. See the
    /// [`multi`](crate::multi) design notes for what runs where.
    ///
    /// ```
    /// let rt = rill::Builder::new().worker_threads(2).build()?;
    /// assert_eq!(rt.worker_threads(), 2);
    /// let handle = rt.handle();
    /// let on_loop_1 = handle.spawn_on(1, || async { rill::worker_index() })?;
    /// assert_eq!(rt.block_on(on_loop_1).unwrap(), Some(1));
    /// # std::io::Result::Ok(())
    /// ```
    pub fn worker_threads(mut self, n: usize) -> Builder {
        self.workers = n.max(1);
        self
    }

    /// Builds the runtime: creates the OS poller and waker (and, with
    /// [`Builder::worker_threads`] above 1, starts the worker threads).
    ///
    /// ```
    /// let builder = rill::Builder::new().inline_budget(1);
    /// // `build` takes `&self`: one builder can make several runtimes.
    /// let (a, b) = (builder.build()?, builder.build()?);
    /// assert_eq!(a.block_on(async { 1 }) + b.block_on(async { 2 }), 3);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn build(&self) -> io::Result<Runtime> {
        Runtime::start(&self.loop_config(), self.workers)
    }

    /// The settings each loop is built with (all but `workers`).
    pub(crate) fn loop_config(&self) -> LoopConfig {
        LoopConfig {
            backend: self.backend,
            inline_budget: self.inline_budget,
            max_io: self.max_io,
            events: self.events,
            timers: self.timers,
            tasks: self.tasks,
            paused: self.paused,
        }
    }
}

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
        let _loop_zero = self.pool.as_ref().map(multi::enter_loop_zero);
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

/// A `Send + Sync` handle to a [`Runtime`] (or a [`crate::LoopGroup`]): spawn onto it and wake
/// it from any thread.
///
/// ```
/// let rt = rill::Runtime::new()?;
/// let handle: rill::Handle = rt.handle();
/// let worker = std::thread::spawn(move || handle.spawn(async { "from a thread" }));
/// let task = worker.join().unwrap();
/// assert_eq!(rt.block_on(task).unwrap(), "from a thread");
/// # std::io::Result::Ok(())
/// ```
#[derive(Clone)]
pub struct Handle {
    inner: HandleInner,
}

#[derive(Clone)]
enum HandleInner {
    /// One loop: a single-threaded runtime, or one loop of a set.
    Loop(Arc<Shared>),
    /// Several loops: spawns are placed on the least-loaded one.
    Pool(Arc<PoolInner>),
}

impl Handle {
    /// The handle of one loop.
    pub(crate) fn for_loop(shared: Arc<Shared>) -> Handle {
        Handle {
            inner: HandleInner::Loop(shared),
        }
    }

    /// The handle of a set of loops: spawns are placed on the least-loaded one.
    pub(crate) fn from_pool(pool: Arc<PoolInner>) -> Handle {
        Handle {
            inner: HandleInner::Pool(pool),
        }
    }

    /// The handle of the runtime driving this thread, or an error outside `block_on`. On any
    /// loop of a runtime with worker threads (or of a [`crate::LoopGroup`]) this is the handle
    /// of the whole runtime (group), so spawns through it are spread over every loop.
    ///
    /// ```
    /// assert!(rill::Handle::try_current().is_err()); // outside any runtime
    /// let rt = rill::Runtime::new()?;
    /// let count = rt.block_on(async { rill::Handle::try_current().map(|h| h.worker_count()) })?;
    /// assert_eq!(count, 1);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn try_current() -> io::Result<Handle> {
        if let Some(pool) = multi::current_pool() {
            return Ok(Handle::from_pool(pool));
        }
        context::with_current(|local| Handle::for_loop(local.shared().clone()))
            .ok_or_else(no_runtime)
    }

    /// How many loops this handle places work on (1 for a single-threaded runtime).
    ///
    /// ```
    /// let rt = rill::Runtime::builder().worker_threads(2).build()?;
    /// assert_eq!(rt.handle().worker_count(), 2);
    /// assert_eq!(rill::Runtime::new()?.handle().worker_count(), 1);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn worker_count(&self) -> usize {
        match &self.inner {
            HandleInner::Loop(_) => 1,
            HandleInner::Pool(p) => p.len(),
        }
    }

    /// Like [`Handle::spawn_with`], on loop `worker` (`0 .. worker_count()`); an
    /// `InvalidInput` error for a loop that does not exist, an `Other` error for a loop whose
    /// thread ended while the rest of the runtime runs.
    ///
    /// ```
    /// let rt = rill::Runtime::builder().worker_threads(2).build()?;
    /// let handle = rt.handle();
    /// let task = handle.spawn_on(1, || async { rill::worker_index() })?;
    /// assert_eq!(rt.block_on(task).unwrap(), Some(1));
    /// let err = handle.spawn_on(5, || async {}).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn spawn_on<M, F>(&self, worker: usize, make: M) -> io::Result<JoinHandle<F::Output>>
    where
        M: FnOnce() -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        match &self.inner {
            HandleInner::Pool(p) => p.spawn_on(worker, make),
            HandleInner::Loop(_) if worker == 0 => Ok(self.spawn_with(make)),
            HandleInner::Loop(_) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("no loop {worker}: there is 1"),
            )),
        }
    }

    /// Spawns a `Send` future onto the runtime. If the runtime has shut down, the returned
    /// handle yields an error whose [`crate::JoinError::is_shutdown`] is true.
    ///
    /// ```
    /// let rt = rill::Runtime::new()?;
    /// let handle = rt.handle();
    /// let task = handle.spawn(async { 3 * 4 });
    /// assert_eq!(rt.block_on(task).unwrap(), 12);
    /// drop(rt);
    /// let late = rill::Runtime::new()?.block_on(handle.spawn(async {}));
    /// assert!(late.unwrap_err().is_shutdown());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_with(move || future)
    }

    /// Runs `make` on the runtime thread and spawns the future it returns, which need not be
    /// `Send`: the way to start I/O (sockets are bound to their runtime) from another thread.
    /// With worker threads, the task goes to the least-loaded loop still running and `make`
    /// runs there. `make` runs as part of the task: a panic in it is that task's panic
    /// ([`crate::JoinError::is_panic`]), never the loop's.
    ///
    /// ```
    /// let rt = rill::Runtime::new()?;
    /// let handle = rt.handle();
    /// // From another thread: the closure runs on the runtime, so it can make a socket there.
    /// let task = std::thread::spawn(move || {
    ///     handle.spawn_with(|| async {
    ///         let (a, b) = rill::UnixStream::pair()?;
    ///         a.write_all(b"hi").await?;
    ///         let mut buf = [0u8; 2];
    ///         b.read_exact(&mut buf).await?;
    ///         std::io::Result::Ok(buf)
    ///     })
    /// })
    /// .join()
    /// .unwrap();
    /// assert_eq!(&rt.block_on(task).unwrap()?, b"hi");
    /// # std::io::Result::Ok(())
    /// ```
    pub fn spawn_with<M, F>(&self, make: M) -> JoinHandle<F::Output>
    where
        M: FnOnce() -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        match &self.inner {
            HandleInner::Loop(shared) => shared.spawn_with(make),
            HandleInner::Pool(p) => p.spawn_with(make),
        }
    }

    /// Wakes the runtime (every loop of it) if it is blocked waiting for events, so it runs one
    /// more turn.
    ///
    /// ```
    /// let rt = rill::Runtime::new()?;
    /// let handle = rt.handle();
    /// rt.block_on(async move {
    ///     let waker = std::thread::spawn(move || handle.wake());
    ///     rill::yield_now().await;
    ///     waker.join().unwrap();
    /// });
    /// # std::io::Result::Ok(())
    /// ```
    pub fn wake(&self) {
        match &self.inner {
            HandleInner::Loop(shared) => shared.unpark(),
            HandleInner::Pool(p) => p.wake_all(),
        }
    }

    /// True once the runtime was dropped (the group torn down).
    ///
    /// ```
    /// let rt = rill::Runtime::new()?;
    /// let handle = rt.handle();
    /// assert!(!handle.is_shutdown());
    /// drop(rt);
    /// assert!(handle.is_shutdown());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn is_shutdown(&self) -> bool {
        match &self.inner {
            HandleInner::Loop(shared) => shared.is_shut_down(),
            HandleInner::Pool(p) => p.is_closed(),
        }
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("workers", &self.worker_count())
            .field("shut_down", &self.is_shutdown())
            .finish()
    }
}
