//! A set of loops seen from any thread: placement (least loaded, ties round-robin), the per-loop
//! load counts, and the thread-local "which loop am I" that makes [`crate::Handle::try_current`]
//! answer the whole set on every loop thread. The loops on background threads are `worker.rs`.
//!
//! Two owners start and stop a set: a [`crate::Runtime`] with worker threads (its loop 0 is the
//! runtime's own) and a [`crate::LoopGroup`]. Both sit above this module: it is given the
//! per-loop settings ([`LoopConfig`]) and loops ([`Shared`]), never a `Builder` or a `Handle`.
//!
//! Placement never chooses a loop that is gone. A user panic does not end a loop (H21, see the
//! `task` module), but a loop can still stop on its own (its OS poller failed, its thread
//! ended): its runtime then reads as shut down, [`PoolInner::spawn_with`] skips it whatever its
//! load count says, and [`PoolInner::spawn_on`] naming it is an error.

mod worker;

use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, Weak};

use rill_core::sync::WorkCount;

use crate::event_loop::LoopConfig;
use crate::executor::Shared;
use crate::JoinHandle;
use worker::stop_all;
pub(crate) use worker::Worker;

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

/// The whole set this thread's loop belongs to, if any (and still alive).
pub(crate) fn current_pool() -> Option<Arc<PoolInner>> {
    MEMBER
        .try_with(|m| {
            m.borrow()
                .as_ref()
                .and_then(|(mem, _)| mem.pool.get().and_then(Weak::upgrade))
        })
        .ok()
        .flatten()
}

/// Picks a loop: the least loaded, scanning from `start` (so equal loads rotate). Pure: `load(i)`
/// is loop `i`'s live-task count, or `None` for a loop that is gone (never picked); `None` when
/// every loop is gone. `n` is at least 1.
pub(crate) fn pick_least_loaded(
    start: usize,
    n: usize,
    load: impl Fn(usize) -> Option<usize>,
) -> Option<usize> {
    let start = start % n;
    let mut best: Option<(usize, usize)> = None;
    for k in 0..n {
        let i = (start + k) % n;
        if let Some(l) = load(i) {
            if best.is_none_or(|(_, b)| l < b) {
                best = Some((i, l));
            }
        }
    }
    best.map(|(i, _)| i)
}

/// One loop as the set sees it.
struct LoopRef {
    shared: Arc<Shared>,
    load: Arc<WorkCount>,
}

impl LoopRef {
    /// The loop's live-task count, or `None` once its runtime is gone (shut down, or its thread
    /// ended): such a loop is never chosen.
    fn load(&self) -> Option<usize> {
        if self.shared.is_shut_down() {
            None
        } else {
            Some(self.load.outstanding())
        }
    }
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

/// The loops of a multi-threaded runtime or of a [`crate::LoopGroup`], shared by its handles.
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

    /// Loop `i` alone.
    pub(crate) fn loop_shared(&self, i: usize) -> Option<&Arc<Shared>> {
        self.loops.get(i).map(|l| &l.shared)
    }

    /// Wakes every loop.
    pub(crate) fn wake_all(&self) {
        for l in &self.loops {
            l.shared.unpark();
        }
    }

    /// Places `make` on the least-loaded loop that is still running. When none is (the set was
    /// shut down), the handle answers [`crate::JoinError::is_shutdown`].
    pub(crate) fn spawn_with<M, F>(&self, make: M) -> JoinHandle<F::Output>
    where
        M: FnOnce() -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let i = pick_least_loaded(start, self.loops.len(), |i| self.loops[i].load());
        // Every loop gone: any of them answers "shut down".
        self.place(i.unwrap_or(0), make)
    }

    /// Places `make` on loop `i`, or errors: `InvalidInput` when there is no such loop, `Other`
    /// when loop `i` has stopped while the set still runs (its thread ended). After the set was
    /// shut down, the handle answers [`crate::JoinError::is_shutdown`] instead, as documented
    /// for handles that outlive their runtime.
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
        if !self.is_closed() && self.loops[i].load().is_none() {
            return Err(io::Error::other(format!(
                "rill: loop {i} has stopped (its thread ended); spawn on another loop"
            )));
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
        // a panic in it is caught like any task panic instead of unwinding the loop. A loop that
        // stopped since it was picked answers "shut down" through the handle, never silence.
        l.shared.spawn_with(move || async move {
            let _guard = guard;
            make().await
        })
    }
}

/// Starts `count` loop threads named `<prefix>-<i>`, each built from `config`; with `first`, that
/// loop is loop 0 (driven elsewhere) and the threads are loops 1 ..= count. On failure, the
/// threads already started are stopped and joined.
pub(crate) fn start_loops(
    config: &LoopConfig,
    prefix: &str,
    first: Option<Arc<Shared>>,
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
            config,
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
    let loops = first
        .into_iter()
        .chain(workers.iter().map(|w| w.shared().clone()))
        .map(|shared| LoopRef {
            shared,
            load: Arc::new(WorkCount::new()),
        })
        .collect();
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize};
    use std::sync::Arc;

    use rill_core::sync::WorkCount;

    use super::{pick_least_loaded, LoopRef, PoolInner};
    use crate::event_loop::EventLoop;
    use crate::Builder;

    #[test]
    fn equal_loads_rotate_with_start() {
        let picks: Vec<usize> = (0..8)
            .map(|s| pick_least_loaded(s, 4, |_| Some(0)).unwrap())
            .collect();
        assert_eq!(picks, [0, 1, 2, 3, 0, 1, 2, 3]);
    }

    #[test]
    fn least_loaded_wins_whatever_the_start() {
        let loads = [5, 3, 9, 3];
        // Two loops tie at 3: the first met scanning from `start` wins.
        let pick = |start| pick_least_loaded(start, 4, |i| Some(loads[i]));
        assert_eq!(pick(0), Some(1));
        assert_eq!(pick(2), Some(3));
        assert_eq!(pick(3), Some(3));
        assert_eq!(pick(1), Some(1));
    }

    #[test]
    fn one_loop_is_always_picked() {
        assert_eq!(pick_least_loaded(usize::MAX, 1, |_| Some(7)), Some(0));
    }

    #[test]
    fn a_gone_loop_is_never_picked_whatever_its_load() {
        // Loop 1 is gone (its load reads 0, the least): every start picks a live loop.
        let loads = [Some(4), None, Some(6)];
        for start in 0..6 {
            let i = pick_least_loaded(start, 3, |i| loads[i]).unwrap();
            assert_ne!(i, 1, "start {start}");
        }
        assert_eq!(pick_least_loaded(0, 2, |_| None), None);
    }

    /// A set of two loops whose loop 1 stopped: ten placements all run on loop 0, and a spawn
    /// naming loop 1 is an error.
    #[test]
    fn placement_skips_a_stopped_loop() {
        let config = Builder::new().loop_config();
        let loop0 = EventLoop::new(&config).unwrap();
        let loop1 = EventLoop::new(&config).unwrap();
        let loops = [&loop0, &loop1]
            .into_iter()
            .map(|l| LoopRef {
                shared: l.shared().clone(),
                load: Arc::new(WorkCount::new()),
            })
            .collect();
        let pool = PoolInner {
            loops,
            next: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
        };
        drop(loop1); // loop 1 stops while the set runs
        let spawns: Vec<_> = (0..10)
            .map(|i| pool.spawn_with(move || async move { i }))
            .collect();
        let err = pool.spawn_on(1, || async {}).unwrap_err();
        assert!(err.to_string().contains("loop 1 has stopped"), "{err}");
        let done = loop0
            .block_on(async move {
                let mut out = Vec::new();
                for s in spawns {
                    out.push(s.await.unwrap());
                }
                out
            })
            .unwrap();
        assert_eq!(done, (0..10).collect::<Vec<_>>());
    }
}
