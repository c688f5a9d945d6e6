//! A set of loops seen from any thread: placement (least loaded, ties round-robin), the per-loop
//! load counts, and the thread-local "which loop am I" that makes [`crate::Handle::try_current`]
//! answer the whole set on every loop thread.

use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, Weak};

use rill_core::sync::WorkCount;

use super::worker::{stop_all, Worker};
use crate::executor::Shared;
use crate::runtime::spawn_on_loop;
use crate::{Builder, Handle, JoinHandle};

/// Ties a loop thread to its set. Shared by every loop of one set; the set itself is published
/// once it exists (after all its threads started).
pub(crate) struct Membership {
    pool: OnceLock<Weak<PoolInner>>,
}

thread_local! {
    /// The set and index of the loop this thread drives, if any.
    static MEMBER: RefCell<Option<(Arc<Membership>, usize)>> = const { RefCell::new(None) };
}

/// Restores the previous membership of this thread when dropped.
pub(crate) struct MemberGuard {
    previous: Option<(Arc<Membership>, usize)>,
}

impl MemberGuard {
    /// Marks this thread as driving loop `index` of `membership`.
    pub(crate) fn enter(membership: Arc<Membership>, index: usize) -> MemberGuard {
        let previous = MEMBER
            .try_with(|m| m.borrow_mut().replace((membership, index)))
            .ok()
            .flatten();
        MemberGuard { previous }
    }
}

impl Drop for MemberGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let _ = MEMBER.try_with(|m| *m.borrow_mut() = previous);
    }
}

/// The index of the loop this thread drives, when it belongs to a set.
pub(crate) fn current_index() -> Option<usize> {
    MEMBER
        .try_with(|m| m.borrow().as_ref().map(|(_, i)| *i))
        .ok()
        .flatten()
}

/// The handle of the whole set this thread's loop belongs to, if any (and still alive).
pub(crate) fn current_pool_handle() -> Option<Handle> {
    let pool = MEMBER
        .try_with(|m| {
            m.borrow()
                .as_ref()
                .and_then(|(mem, _)| mem.pool.get().and_then(Weak::upgrade))
        })
        .ok()
        .flatten()?;
    Some(Handle::from_pool(pool))
}

/// Picks a loop: the least loaded, scanning from `start` (so equal loads rotate). Pure: `load(i)`
/// is loop `i`'s live-task count; `n` is at least 1.
pub(crate) fn pick_least_loaded(start: usize, n: usize, load: impl Fn(usize) -> usize) -> usize {
    let start = start % n;
    let mut best = start;
    let mut best_load = load(start);
    for k in 1..n {
        let i = (start + k) % n;
        let l = load(i);
        if l < best_load {
            best = i;
            best_load = l;
        }
    }
    best
}

/// One loop as the set sees it.
struct LoopRef {
    handle: Handle,
    shared: Arc<Shared>,
    load: Arc<WorkCount>,
}

/// Counts one placed task on its loop until the task's future (or, if it never started, its
/// spawn closure) is dropped.
struct LoadGuard(Arc<WorkCount>);

impl LoadGuard {
    fn new(load: &Arc<WorkCount>) -> LoadGuard {
        load.started();
        LoadGuard(load.clone())
    }
}

impl Drop for LoadGuard {
    fn drop(&mut self) {
        let _ = self.0.finished();
    }
}

/// The loops of a multi-threaded runtime or of a [`super::LoopGroup`], shared by its handles.
pub(crate) struct PoolInner {
    loops: Vec<LoopRef>,
    next: AtomicUsize,
    closed: AtomicBool,
}

impl PoolInner {
    /// How many loops.
    pub(crate) fn len(&self) -> usize {
        self.loops.len()
    }

    /// True once the owner (runtime or group) shut the loops down.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// The handle of loop `i` alone.
    pub(crate) fn loop_handle(&self, i: usize) -> Option<&Handle> {
        self.loops.get(i).map(|l| &l.handle)
    }

    /// Wakes every loop.
    pub(crate) fn wake_all(&self) {
        for l in &self.loops {
            l.handle.wake();
        }
    }

    /// Places `make` on the least-loaded loop.
    pub(crate) fn spawn_with<M, F>(&self, make: M) -> JoinHandle<F::Output>
    where
        M: FnOnce() -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let i = pick_least_loaded(start, self.loops.len(), |i| {
            self.loops[i].load.outstanding()
        });
        self.place(i, make)
    }

    /// Places `make` on loop `i`, or errors (`InvalidInput`) when there is no such loop.
    pub(crate) fn spawn_on<M, F>(&self, i: usize, make: M) -> io::Result<JoinHandle<F::Output>>
    where
        M: FnOnce() -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        if i >= self.loops.len() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("no loop {i}: there are {}", self.loops.len()),
            ));
        }
        Ok(self.place(i, make))
    }

    fn place<M, F>(&self, i: usize, make: M) -> JoinHandle<F::Output>
    where
        M: FnOnce() -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        let l = &self.loops[i];
        let guard = LoadGuard::new(&l.load);
        // `make` runs inside the task's first poll (not while the loop takes the spawn in), so
        // a panic in it is caught like any task panic instead of unwinding the loop.
        spawn_on_loop(&l.shared, move || async move {
            let _guard = guard;
            make().await
        })
    }
}

/// Starts `count` loop threads named `<prefix>-<i>`; with `first`, that handle is loop 0 (driven
/// elsewhere) and the threads are loops 1 ..= count. On failure, the threads already started
/// are stopped and joined.
pub(crate) fn start_loops(
    builder: &Builder,
    prefix: &str,
    first: Option<Handle>,
    count: usize,
) -> io::Result<(Arc<PoolInner>, Arc<Membership>, Vec<Worker>)> {
    let membership = Arc::new(Membership {
        pool: OnceLock::new(),
    });
    let offset = usize::from(first.is_some());
    let mut workers: Vec<Worker> = Vec::with_capacity(count);
    for k in 0..count {
        let index = k + offset;
        match Worker::start(
            builder,
            format!("{prefix}-{index}"),
            membership.clone(),
            index,
        ) {
            Ok(w) => workers.push(w),
            Err(e) => {
                stop_all(&mut workers);
                return Err(e);
            }
        }
    }
    let mut loops = Vec::with_capacity(count + offset);
    for handle in first
        .into_iter()
        .chain(workers.iter().map(|w| w.handle().clone()))
    {
        let Some(shared) = handle.loop_shared().cloned() else {
            stop_all(&mut workers);
            return Err(io::Error::other("rill: a loop handle must name one loop"));
        };
        loops.push(LoopRef {
            handle,
            shared,
            load: Arc::new(WorkCount::new()),
        });
    }
    let pool = Arc::new(PoolInner {
        loops,
        next: AtomicUsize::new(0),
        closed: AtomicBool::new(false),
    });
    let _ = membership.pool.set(Arc::downgrade(&pool));
    Ok((pool, membership, workers))
}

/// Stops and joins `workers` after marking `pool` closed.
pub(crate) fn close(pool: &PoolInner, workers: &mut [Worker]) {
    pool.closed.store(true, Ordering::Release);
    stop_all(workers);
}

/// The loops of a [`crate::Runtime`] built with more than one worker thread: loop 0 is the
/// runtime's own (driven by `block_on`), loops 1 ..= n-1 are background threads.
pub(crate) struct RuntimePool {
    pool: Arc<PoolInner>,
    membership: Arc<Membership>,
    workers: Vec<Worker>,
}

impl RuntimePool {
    /// Starts `n - 1` worker threads around `loop0` (the runtime's own loop).
    pub(crate) fn start(builder: &Builder, loop0: Handle, n: usize) -> io::Result<RuntimePool> {
        let (pool, membership, workers) =
            start_loops(builder, "rill-worker", Some(loop0), n.saturating_sub(1))?;
        Ok(RuntimePool {
            pool,
            membership,
            workers,
        })
    }

    /// The shared part, for handles.
    pub(crate) fn pool(&self) -> &Arc<PoolInner> {
        &self.pool
    }

    /// Stops and joins the worker threads (idempotent).
    pub(crate) fn shutdown(&mut self) {
        close(&self.pool, &mut self.workers);
    }
}

impl Drop for RuntimePool {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Marks the calling thread as loop 0 of `pool` while the returned guard lives (for the
/// duration of `block_on`).
pub(crate) fn enter_loop_zero(pool: &RuntimePool) -> MemberGuard {
    MemberGuard::enter(pool.membership.clone(), 0)
}

#[cfg(test)]
mod tests {
    use super::pick_least_loaded;

    #[test]
    fn equal_loads_rotate_with_start() {
        let picks: Vec<usize> = (0..8).map(|s| pick_least_loaded(s, 4, |_| 0)).collect();
        assert_eq!(picks, [0, 1, 2, 3, 0, 1, 2, 3]);
    }

    #[test]
    fn least_loaded_wins_whatever_the_start() {
        let loads = [5, 3, 9, 3];
        // Two loops tie at 3: the first met scanning from `start` wins.
        assert_eq!(pick_least_loaded(0, 4, |i| loads[i]), 1);
        assert_eq!(pick_least_loaded(2, 4, |i| loads[i]), 3);
        assert_eq!(pick_least_loaded(3, 4, |i| loads[i]), 3);
        assert_eq!(pick_least_loaded(1, 4, |i| loads[i]), 1);
    }

    #[test]
    fn one_loop_is_always_picked() {
        assert_eq!(pick_least_loaded(usize::MAX, 1, |_| 7), 0);
    }
}
