//! [`JoinSet`]: a collection of spawned tasks, awaited in the order they finish.
//!
//! The set holds a [`JoinHandle`] per task in a slab, and gives each entry its own waker (an
//! `Arc` naming the entry's slot). A task that ends wakes its entry's waker, which pushes the slot
//! onto the set's *ready list* and wakes whoever waits in [`JoinSet::join_next`]. `join_next`
//! polls only the handles on the ready list, never every handle: spawning is O(1), and each
//! completion costs O(1) (amortised; the ready list and slab grow by doubling) however many tasks
//! are still running. A new entry starts on the ready list, so its handle is polled once to
//! register the entry's waker.
//!
//! The ready list sits behind a std mutex because a task on another loop (spawned through a
//! [`Handle`]) ends on another thread. A stale slot on the list (its entry already taken, the
//! slot reused) costs one extra poll of a handle that answers `Pending`, nothing more.

use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use crate::task::{AbortHandle, JoinError, JoinHandle};
use crate::Handle;

/// A set of tasks whose outputs are taken as they finish, in completion order.
///
/// Every task of a set has the same output type `T`. Dropping the set aborts every task still in
/// it (their futures are dropped at their loop's next turn, cancelling their I/O); use
/// [`JoinSet::detach_all`] first to let them run on.
///
/// Tasks spawned with [`JoinSet::spawn`] run on the runtime driving this thread, like
/// [`crate::spawn`], so they may be `!Send`; [`JoinSet::spawn_on`] places `Send` futures through
/// a [`Handle`] (on any loop of a runtime with worker threads).
///
/// ```
/// let rt = rill::Runtime::new()?;
/// let total = rt.block_on(async {
///     let mut set = rill::JoinSet::new();
///     for i in 1..=3u32 {
///         set.spawn(async move { i * 10 });
///     }
///     let mut total = 0;
///     while let Some(done) = set.join_next().await {
///         total += done.unwrap();
///     }
///     total
/// });
/// assert_eq!(total, 60);
/// # std::io::Result::Ok(())
/// ```
pub struct JoinSet<T> {
    entries: Vec<Slot<T>>,
    /// Head of the free-slot list.
    free: Option<usize>,
    len: usize,
    ready: Arc<ReadyList>,
}

enum Slot<T> {
    Vacant { next_free: Option<usize> },
    Task { handle: JoinHandle<T>, waker: Waker },
}

/// The slots whose task may have ended, and the waker of the `join_next` waiting for one.
struct ReadyList {
    inner: Mutex<ReadyInner>,
}

#[derive(Default)]
struct ReadyInner {
    slots: Vec<usize>,
    waiter: Option<Waker>,
}

impl ReadyList {
    fn with<R>(&self, f: impl FnOnce(&mut ReadyInner) -> R) -> R {
        // The critical sections only push, pop and swap: a poisoned lock is still consistent.
        let mut guard = match self.inner.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        f(&mut guard)
    }

    fn push(&self, slot: usize) {
        let waiter = self.with(|r| {
            r.slots.push(slot);
            r.waiter.take()
        });
        // Woken outside the lock: a waker may do anything, including touch this list.
        if let Some(w) = waiter {
            w.wake();
        }
    }
}

/// The waker of one entry: its task ending puts the slot on the ready list.
struct EntryWaker {
    slot: usize,
    ready: Arc<ReadyList>,
}

impl Wake for EntryWaker {
    fn wake(self: Arc<Self>) {
        self.ready.push(self.slot);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.ready.push(self.slot);
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> JoinSet<T> {
        JoinSet::new()
    }
}

impl<T> JoinSet<T> {
    /// An empty set.
    ///
    /// ```
    /// let set = rill::JoinSet::<()>::new();
    /// assert!(set.is_empty());
    /// ```
    pub fn new() -> JoinSet<T> {
        JoinSet {
            entries: Vec::new(),
            free: None,
            len: 0,
            ready: Arc::new(ReadyList {
                inner: Mutex::new(ReadyInner::default()),
            }),
        }
    }

    /// How many tasks are in the set: spawned, and whose result has not been taken yet
    /// (finished ones included).
    ///
    /// ```
    /// let rt = rill::Runtime::new()?;
    /// rt.block_on(async {
    ///     let mut set = rill::JoinSet::new();
    ///     set.spawn(async {});
    ///     set.spawn(async {});
    ///     assert_eq!(set.len(), 2);
    ///     set.join_next().await;
    ///     assert_eq!(set.len(), 1);
    /// });
    /// # std::io::Result::Ok(())
    /// ```
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the set holds no task.
    ///
    /// ```
    /// let rt = rill::Runtime::new()?;
    /// rt.block_on(async {
    ///     let mut set = rill::JoinSet::new();
    ///     set.spawn(async {});
    ///     assert!(!set.is_empty());
    ///     set.join_next().await;
    ///     assert!(set.is_empty());
    /// });
    /// # std::io::Result::Ok(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds an already spawned task to the set (its [`JoinHandle`] is kept by the set) and
    /// returns a handle to abort it. [`JoinSet::spawn`] and [`JoinSet::spawn_on`] are this plus
    /// the spawn.
    ///
    /// ```
    /// let rt = rill::Runtime::new()?;
    /// rt.block_on(async {
    ///     let mut set = rill::JoinSet::new();
    ///     set.insert(rill::spawn(async { 5 }));
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), 5);
    /// });
    /// # std::io::Result::Ok(())
    /// ```
    pub fn insert(&mut self, handle: JoinHandle<T>) -> AbortHandle {
        let abort = handle.abort_handle();
        let slot = match self.free {
            Some(i) => {
                if let Slot::Vacant { next_free } = self.entries[i] {
                    self.free = next_free;
                }
                i
            }
            None => {
                self.entries.push(Slot::Vacant { next_free: None });
                self.entries.len() - 1
            }
        };
        let waker = Waker::from(Arc::new(EntryWaker {
            slot,
            ready: self.ready.clone(),
        }));
        self.entries[slot] = Slot::Task { handle, waker };
        self.len += 1;
        // Polled once by the next `join_next`, which registers the entry's waker.
        self.ready.push(slot);
        abort
    }

    /// Spawns `future` on the runtime driving this thread (as [`crate::spawn`]: it may be
    /// `!Send`) and adds it to the set.
    ///
    /// # Panics
    ///
    /// Outside a runtime, as [`crate::spawn`] does.
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let rt = rill::Runtime::new()?;
    /// rt.block_on(async {
    ///     let shared = Rc::new(7); // `!Send`: fine for a task of this loop
    ///     let mut set = rill::JoinSet::new();
    ///     let s = shared.clone();
    ///     set.spawn(async move { *s * 6 });
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), 42);
    /// });
    /// # std::io::Result::Ok(())
    /// ```
    pub fn spawn<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
        T: 'static,
    {
        self.insert(crate::spawn(future))
    }

    /// The same as [`JoinSet::spawn`] (every rill task may be `!Send`); named for code coming
    /// from tokio's `JoinSet::spawn_local`.
    ///
    /// ```
    /// let rt = rill::Runtime::new()?;
    /// rt.block_on(async {
    ///     let mut set = rill::JoinSet::new();
    ///     set.spawn_local(async { std::rc::Rc::new(1) });
    ///     assert_eq!(*set.join_next().await.unwrap().unwrap(), 1);
    /// });
    /// # std::io::Result::Ok(())
    /// ```
    pub fn spawn_local<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
        T: 'static,
    {
        self.spawn(future)
    }

    /// Spawns a `Send` future through `handle` ([`Handle::spawn`]: with worker threads, on the
    /// least-loaded loop) and adds it to the set. Works from any thread.
    ///
    /// A future that holds a socket or a [`crate::Sleep`] is `!Send` (sockets stay on their
    /// loop, whose I/O path takes no lock), so it cannot come here: build it on the target loop
    /// with [`Handle::spawn_with`] and add that handle with [`JoinSet::insert`]
    /// ([`crate::thread_bound`] explains both patterns).
    ///
    /// ```
    /// let rt = rill::Runtime::builder().worker_threads(2).build()?;
    /// let handle = rt.handle();
    /// let mut set = rill::JoinSet::new();
    /// for i in 0..4u32 {
    ///     set.spawn_on(&handle, async move { i });
    /// }
    /// let sum = rt.block_on(async move {
    ///     let mut sum = 0;
    ///     while let Some(r) = set.join_next().await {
    ///         sum += r.unwrap();
    ///     }
    ///     sum
    /// });
    /// assert_eq!(sum, 6);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn spawn_on<F>(&mut self, handle: &Handle, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        self.insert(handle.spawn(future))
    }

    /// Waits for any task of the set to finish and returns its result; `None` when the set is
    /// empty. Cancel-safe: dropping the future before it is ready loses no result.
    ///
    /// ```
    /// let rt = rill::Runtime::new()?;
    /// rt.block_on(async {
    ///     let mut set = rill::JoinSet::new();
    ///     set.spawn(async {
    ///         rill::sleep(std::time::Duration::from_millis(20)).await;
    ///         "slow"
    ///     });
    ///     set.spawn(async { "fast" });
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), "fast");
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), "slow");
    ///     assert!(set.join_next().await.is_none());
    /// });
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// The poll form of [`JoinSet::join_next`], for hand-written futures: `Ready(None)` when
    /// the set is empty; `Pending` (with `cx`'s waker registered) until a task finishes.
    ///
    /// ```
    /// use std::task::Poll;
    ///
    /// let rt = rill::Runtime::new()?;
    /// rt.block_on(async {
    ///     let mut set = rill::JoinSet::<()>::new();
    ///     let polled = std::future::poll_fn(|cx| Poll::Ready(set.poll_join_next(cx))).await;
    ///     assert!(matches!(polled, Poll::Ready(None)));
    /// });
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        loop {
            if let Some(done) = self.drain_ready() {
                return Poll::Ready(Some(done));
            }
            if self.len == 0 {
                return Poll::Ready(None);
            }
            // Register, unless a slot arrived since the drain (then drain again).
            let registered = self.ready.with(|r| {
                if r.slots.is_empty() {
                    match &r.waiter {
                        Some(w) if w.will_wake(cx.waker()) => {}
                        _ => r.waiter = Some(cx.waker().clone()),
                    }
                    true
                } else {
                    false
                }
            });
            if registered {
                return Poll::Pending;
            }
        }
    }

    /// The result of a task that has already finished, if any, without waiting; `None` also
    /// when the set is empty.
    ///
    /// ```
    /// let rt = rill::Runtime::new()?;
    /// rt.block_on(async {
    ///     let mut set = rill::JoinSet::new();
    ///     set.spawn(async { 3 });
    ///     assert!(set.try_join_next().is_none()); // not run yet
    ///     rill::yield_now().await;
    ///     assert_eq!(set.try_join_next().unwrap().unwrap(), 3);
    /// });
    /// # std::io::Result::Ok(())
    /// ```
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.drain_ready()
    }

    /// Polls the handles on the ready list until one is ready (removing it from the set) or
    /// the list is empty. Each handle is polled with its entry's waker.
    fn drain_ready(&mut self) -> Option<Result<T, JoinError>> {
        loop {
            let slot = self.ready.with(|r| r.slots.pop())?;
            let Some(Slot::Task { handle, waker }) = self.entries.get_mut(slot) else {
                continue; // stale: the entry was taken already
            };
            let mut cx = Context::from_waker(waker);
            if let Poll::Ready(result) = Pin::new(handle).poll(&mut cx) {
                self.entries[slot] = Slot::Vacant {
                    next_free: self.free,
                };
                self.free = Some(slot);
                self.len -= 1;
                return Some(result);
            }
        }
    }

    /// Requests that every task in the set stop ([`JoinHandle::abort`]). They stay in the set:
    /// [`JoinSet::join_next`] yields each one's outcome (cancelled, or its output if it had
    /// finished first).
    ///
    /// ```
    /// let rt = rill::Runtime::new()?;
    /// rt.block_on(async {
    ///     let mut set = rill::JoinSet::new();
    ///     set.spawn(std::future::pending::<()>());
    ///     set.abort_all();
    ///     assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    /// });
    /// # std::io::Result::Ok(())
    /// ```
    pub fn abort_all(&mut self) {
        for entry in &self.entries {
            if let Slot::Task { handle, .. } = entry {
                handle.abort();
            }
        }
    }

    /// Removes every task from the set without aborting it: they run on, detached.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    ///
    /// let rt = rill::Runtime::new()?;
    /// let ran = Arc::new(AtomicBool::new(false));
    /// let r = ran.clone();
    /// rt.block_on(async move {
    ///     let mut set = rill::JoinSet::new();
    ///     set.spawn(async move { r.store(true, Ordering::SeqCst) });
    ///     set.detach_all();
    ///     drop(set); // nothing left to abort
    ///     rill::yield_now().await;
    /// });
    /// assert!(ran.load(Ordering::SeqCst));
    /// # std::io::Result::Ok(())
    /// ```
    pub fn detach_all(&mut self) {
        self.entries.clear();
        self.free = None;
        self.len = 0;
        self.ready.with(|r| r.slots.clear());
    }

    /// Aborts every task and waits until each has ended, dropping their results: afterwards
    /// the set is empty and none of its tasks is still running.
    ///
    /// ```
    /// let rt = rill::Runtime::new()?;
    /// rt.block_on(async {
    ///     let mut set = rill::JoinSet::new();
    ///     for _ in 0..3 {
    ///         set.spawn(std::future::pending::<()>());
    ///     }
    ///     set.shutdown().await;
    ///     assert!(set.is_empty());
    /// });
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }
}

impl<T> Drop for JoinSet<T> {
    /// Aborts every task still in the set (the handles are then dropped: see
    /// [`JoinHandle`]'s `Drop`).
    fn drop(&mut self) {
        self.abort_all();
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len).finish()
    }
}
