//! Thread-per-core: [`LoopGroup`], `n` independent loops each owning its poller, shared by its
//! users (each clone is one) and torn down by the last. Its listeners, one per loop, are
//! [`ReuseportServer`] (`reuseport.rs`).

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use rill_core::sync::WorkCount;

use super::reuseport::ReuseportServer;
use crate::event_loop::LoopConfig;
use crate::pool::{close, start_loops, PoolInner, Worker};
use crate::{Builder, Handle, JoinHandle, TcpStream};

/// The process-wide group behind [`LoopGroup::shared`].
static SHARED: Mutex<Option<Arc<GroupInner>>> = Mutex::new(None);

fn lock_shared() -> MutexGuard<'static, Option<Arc<GroupInner>>> {
    SHARED.lock().unwrap_or_else(|p| p.into_inner())
}

struct GroupInner {
    pool: Arc<PoolInner>,
    workers: Mutex<Vec<Worker>>,
    /// One per [`LoopGroup`] value (a user), not per reference.
    users: WorkCount,
    /// True for the group in [`SHARED`]: users come and go under its lock.
    shared: bool,
}

impl GroupInner {
    fn teardown(&self) {
        let mut workers = self.workers.lock().unwrap_or_else(|p| p.into_inner());
        close(&self.pool, &mut workers);
    }
}

/// `n` independent event loops, one thread each (thread-per-core), shared by reference count.
///
/// Every loop is a whole single-threaded rill runtime: its own OS poller, timers and tasks, on a
/// thread named `rill-loop-<i>`. A task placed on a loop stays there with its sockets. Place work
/// with [`LoopGroup::spawn_on`] (a chosen loop), [`LoopGroup::spawn_with`] (the least-loaded
/// loop) or [`LoopGroup::listen_reuseport`] (a listener per loop; the kernel spreads
/// connections).
///
/// Each `LoopGroup` value is one *user*: cloning adds a user, dropping releases one, and when
/// the last user releases the group every loop stops: its tasks are dropped on its own thread
/// (their I/O cancelled), and the threads are joined before that last `drop` returns. (If the
/// last user is dropped *on* one of the group's loops, that thread cannot wait for itself: it is
/// left to exit on its own as soon as the current task yields, the others are joined.) A
/// [`Handle`] from [`LoopGroup::handle`] does not keep the loops alive; after teardown, spawns
/// through it yield a [`crate::JoinError`] whose `is_shutdown()` is true.
///
/// ```
/// use rill::{LoopGroup, TcpStream};
///
/// let group = LoopGroup::new(2)?;
/// let server = group.listen_reuseport("127.0.0.1:0", |stream, _peer| async move {
///     let mut buf = [0u8; 4];
///     if stream.read_exact(&mut buf).await.is_ok() {
///         let _ = stream.write_all(&buf).await;
///     }
/// })?;
/// let addr = server.local_addr();
/// let reply = group.spawn_on(0, move || async move {
///     let s = TcpStream::connect(addr).await?;
///     s.write_all(b"ping").await?;
///     let mut buf = [0u8; 4];
///     s.read_exact(&mut buf).await?;
///     std::io::Result::Ok(buf)
/// })?;
/// let rt = rill::Runtime::new()?; // any runtime can await a join handle
/// assert_eq!(&rt.block_on(reply).unwrap()?, b"ping");
/// drop(server);
/// drop(group); // the last user: both loop threads are joined here
/// # std::io::Result::Ok(())
/// ```
pub struct LoopGroup {
    inner: Arc<GroupInner>,
}

impl LoopGroup {
    /// `n` loops with the default configuration; `n = 0` means one per available CPU.
    ///
    /// ```
    /// let group = rill::LoopGroup::new(2)?;
    /// assert_eq!(group.len(), 2);
    /// let on_1 = group.spawn_on(1, || async { rill::worker_index() })?;
    /// assert_eq!(rill::Runtime::new()?.block_on(on_1).unwrap(), Some(1));
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new(n: usize) -> io::Result<LoopGroup> {
        LoopGroup::with_builder(n, &Builder::new())
    }

    /// `n` loops (`0`: one per available CPU), each built from `builder` (its backend, budget
    /// and capacities apply per loop; its `worker_threads` is ignored).
    ///
    /// ```
    /// let builder = rill::Builder::new().backend(rill::Backend::Poll).inline_budget(0);
    /// let group = rill::LoopGroup::with_builder(1, &builder)?;
    /// let task = group.spawn_on(0, || async { rill::spawn(async { 5 }).await.unwrap() })?;
    /// assert_eq!(rill::Runtime::new()?.block_on(task).unwrap(), 5);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn with_builder(n: usize, builder: &Builder) -> io::Result<LoopGroup> {
        LoopGroup::start(n, &builder.loop_config(), false)
    }

    /// The process-wide group: the first call starts it (one loop per available CPU, default
    /// configuration), later calls add a user to the same group while any user holds it. When
    /// the last user releases it, it is torn down, and the next call starts a fresh one.
    ///
    /// ```
    /// let a = rill::LoopGroup::shared()?;
    /// let b = rill::LoopGroup::shared()?; // a second user of the same group
    /// assert!(a.same_group(&b));
    /// drop(a);
    /// drop(b); // the last user: the group is torn down
    /// # std::io::Result::Ok(())
    /// ```
    pub fn shared() -> io::Result<LoopGroup> {
        let mut slot = lock_shared();
        if let Some(inner) = slot.as_ref() {
            inner.users.started();
            return Ok(LoopGroup {
                inner: inner.clone(),
            });
        }
        let group = LoopGroup::start(0, &Builder::new().loop_config(), true)?;
        *slot = Some(group.inner.clone());
        Ok(group)
    }

    fn start(n: usize, config: &LoopConfig, shared: bool) -> io::Result<LoopGroup> {
        let n = if n == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            n
        };
        let (pool, _membership, workers) = start_loops(config, "rill-loop", None, n)?;
        let users = WorkCount::new();
        users.started();
        Ok(LoopGroup {
            inner: Arc::new(GroupInner {
                pool,
                workers: Mutex::new(workers),
                users,
                shared,
            }),
        })
    }

    /// How many loops.
    ///
    /// ```
    /// assert_eq!(rill::LoopGroup::new(3)?.len(), 3);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn len(&self) -> usize {
        self.inner.pool.len()
    }

    /// Always false: a group has at least one loop.
    ///
    /// ```
    /// assert!(!rill::LoopGroup::new(1)?.is_empty());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when both values are users of the same group.
    ///
    /// ```
    /// let a = rill::LoopGroup::new(1)?;
    /// let b = a.clone();
    /// assert!(a.same_group(&b));
    /// assert!(!a.same_group(&rill::LoopGroup::new(1)?));
    /// # std::io::Result::Ok(())
    /// ```
    pub fn same_group(&self, other: &LoopGroup) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// A `Send + Sync` handle that places spawns on the group's loops (least loaded first). It
    /// does not keep the group alive.
    ///
    /// ```
    /// let group = rill::LoopGroup::new(2)?;
    /// let handle = group.handle();
    /// assert_eq!(handle.worker_count(), 2);
    /// let task = handle.spawn(async { rill::worker_index().is_some() });
    /// assert!(rill::Runtime::new()?.block_on(task).unwrap());
    /// drop(group); // the handle does not keep the loops alive
    /// assert!(handle.is_shutdown());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn handle(&self) -> Handle {
        Handle::from_pool(self.inner.pool.clone())
    }

    /// The handle of loop `i` alone, or `None` when `i >= len()`.
    ///
    /// ```
    /// let group = rill::LoopGroup::new(2)?;
    /// let second = group.loop_handle(1).unwrap();
    /// let task = second.spawn(async { rill::worker_index() });
    /// assert_eq!(rill::Runtime::new()?.block_on(task).unwrap(), Some(1));
    /// assert!(group.loop_handle(2).is_none());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn loop_handle(&self, i: usize) -> Option<Handle> {
        let shared = self.inner.pool.loop_shared(i)?;
        Some(Handle::for_loop(shared.clone()))
    }

    /// Runs `make` on loop `i` and spawns the future it returns there (the future need not be
    /// `Send`: sockets it creates belong to loop `i`). An `InvalidInput` error when
    /// `i >= len()`, an `Other` error when loop `i` stopped (its thread ended) while the group
    /// runs.
    ///
    /// ```
    /// let group = rill::LoopGroup::new(2)?;
    /// // The socket is made on loop 1 and stays there.
    /// let task = group.spawn_on(1, || async {
    ///     let (a, b) = rill::UnixStream::pair()?;
    ///     a.write_all(b"on loop 1").await?;
    ///     let mut buf = [0u8; 9];
    ///     b.read_exact(&mut buf).await?;
    ///     std::io::Result::Ok((rill::worker_index(), buf))
    /// })?;
    /// assert_eq!(rill::Runtime::new()?.block_on(task).unwrap()?, (Some(1), *b"on loop 1"));
    /// let err = group.spawn_on(2, || async {}).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn spawn_on<M, F>(&self, i: usize, make: M) -> io::Result<JoinHandle<F::Output>>
    where
        M: FnOnce() -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        self.inner.pool.spawn_on(i, make)
    }

    /// Like [`LoopGroup::spawn_on`], on the least-loaded loop.
    ///
    /// ```
    /// let group = rill::LoopGroup::new(2)?;
    /// let task = group.spawn_with(|| async { rill::worker_index() });
    /// let index = rill::Runtime::new()?.block_on(task).unwrap();
    /// assert!(matches!(index, Some(0 | 1)));
    /// # std::io::Result::Ok(())
    /// ```
    pub fn spawn_with<M, F>(&self, make: M) -> JoinHandle<F::Output>
    where
        M: FnOnce() -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        self.inner.pool.spawn_with(make)
    }

    /// Binds one TCP listener per loop to `addr`, all with `SO_REUSEPORT` (and `SO_REUSEADDR`),
    /// so the kernel spreads incoming connections over the loops; each loop accepts on its own
    /// listener and runs `serve(stream, peer)` as a task on that loop. Port 0 picks a free port
    /// once, shared by all the listeners ([`ReuseportServer::local_addr`]).
    ///
    /// How the kernel spreads: on Linux by a hash of the connection's addresses, so many
    /// connections land on every loop while one connection always lands on one. On FreeBSD the
    /// balancing option is `SO_REUSEPORT_LB` (used there). Elsewhere (macOS) `SO_REUSEPORT`
    /// allows the shared bind but may not balance; correctness does not depend on it. Any
    /// process of the same user may join a `SO_REUSEPORT` group on that port.
    ///
    /// A loop that is full (`Builder::max_io` objects registered, or a descriptor beyond the
    /// select backend's `FD_SETSIZE`) sheds the connection it just accepted (closes it), backs
    /// off and keeps accepting: the listener stays open, and clients are served again once
    /// connections close (see [`TcpListener::accept`]). A panic in `serve` itself (before its
    /// future exists) drops that one connection; the acceptor goes on.
    ///
    /// `addr` is a literal address, as for [`TcpListener::bind`]: a host name is `InvalidInput`
    /// (resolving it could block the calling thread, maybe a loop); resolve it first with
    /// [`crate::lookup_host`].
    ///
    /// [`TcpListener::accept`]: crate::TcpListener::accept
    /// [`TcpListener::bind`]: crate::TcpListener::bind
    ///
    /// ```
    /// let group = rill::LoopGroup::new(2)?;
    /// let server = group.listen_reuseport("127.0.0.1:0", |stream, _peer| async move {
    ///     let _ = stream.write_all(b"hi").await;
    /// })?;
    /// let rt = rill::Runtime::new()?;
    /// let got = rt.block_on(async {
    ///     let s = rill::TcpStream::connect(server.local_addr()).await?;
    ///     let mut buf = [0u8; 2];
    ///     s.read_exact(&mut buf).await.map(|()| buf)
    /// })?;
    /// assert_eq!(&got, b"hi");
    /// assert_eq!(server.accepted().iter().sum::<u64>(), 1);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn listen_reuseport<A, S, F>(&self, addr: A, serve: S) -> io::Result<ReuseportServer>
    where
        A: crate::ToSocketAddrs,
        S: Fn(TcpStream, SocketAddr) -> F + Send + Sync + 'static,
        F: Future<Output = ()> + 'static,
    {
        let target = crate::net::addr::sealed::ToTarget::to_target(&addr)?;
        let addr = *target
            .literal("LoopGroup::listen_reuseport")?
            .first()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address to bind to"))?;
        ReuseportServer::start(&self.inner.pool, addr, serve)
    }
}

impl Clone for LoopGroup {
    /// Adds a user: the group lives until every clone is dropped.
    fn clone(&self) -> LoopGroup {
        // The caller holds a user, so the count cannot be at zero here.
        self.inner.users.started();
        LoopGroup {
            inner: self.inner.clone(),
        }
    }
}

impl Drop for LoopGroup {
    fn drop(&mut self) {
        let last = if self.inner.shared {
            // Under the slot's lock, so `shared()` never adds a user to a group whose count
            // just reached zero.
            let mut slot = lock_shared();
            let last = self.inner.users.finished();
            if last && slot.as_ref().is_some_and(|s| Arc::ptr_eq(s, &self.inner)) {
                *slot = None;
            }
            last
        } else {
            self.inner.users.finished()
        };
        if last {
            self.inner.teardown();
        }
    }
}

impl fmt::Debug for LoopGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoopGroup")
            .field("loops", &self.len())
            .field("users", &self.inner.users.outstanding())
            .field("shared", &self.inner.shared)
            .finish()
    }
}
