//! [`Handle`]: the `Send + Sync` way into a runtime (or a [`crate::LoopGroup`]) from any thread.
//! It names one loop, or a set of loops on which each spawn goes to the least-loaded one.

use std::fmt;
use std::future::Future;
use std::io;
use std::sync::Arc;

use crate::context;
use crate::executor::Shared;
use crate::io_error::no_runtime;
use crate::pool::{self, PoolInner};
use crate::task::JoinHandle;

/// A `Send + Sync` handle to a [`Runtime`] (or a [`crate::LoopGroup`]): spawn onto it and wake
/// it from any thread.
///
/// [`Runtime`]: crate::Runtime
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
        if let Some(pool) = pool::current_pool() {
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
