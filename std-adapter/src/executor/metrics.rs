//! Runtime metrics: what one loop has done, readable at any time from a task on it.
//!
//! Every counter is a plain `Cell` on the loop's own thread (no atomic, no lock on the hot
//! path): the loop bumps it where the event happens (the executor for tasks and wakes, the
//! driver for OS waits and timers, the core's [`rill_core::Stats`] for how ops ran). Read them
//! with [`metrics`] from any task of the loop; for another loop of a multi-loop runtime, spawn
//! the read there (`handle.spawn_on(i, || async { rill::metrics() })`).

use std::cell::Cell;

/// A snapshot of one loop's counters since it started. See [`metrics`].
///
/// ```
/// # let rt = rill::Runtime::new()?;
/// # rt.block_on(async {
/// let before: rill::Metrics = rill::metrics().expect("inside a runtime");
/// rill::spawn(async {}).await.unwrap();
/// let after = rill::metrics().unwrap();
/// assert_eq!(after.tasks_spawned - before.tasks_spawned, 1);
/// assert_eq!(after.tasks_completed - before.tasks_completed, 1);
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
#[non_exhaustive]
pub struct Metrics {
    /// Tasks spawned on this loop (local and remote spawns).
    pub tasks_spawned: u64,
    /// Tasks that finished (completed, panicked, or were aborted).
    pub tasks_completed: u64,
    /// Tasks alive now (spawned and not finished).
    pub tasks_alive: u64,
    /// Task polls, the `block_on` future's included.
    pub polls: u64,
    /// I/O ops that completed inline (speculative syscall within the inline budget).
    pub io_inline: u64,
    /// I/O ops that parked to wait for readiness: gated at submit (no syscall) or after a
    /// `WouldBlock`.
    pub io_parked: u64,
    /// I/O results deferred to the ready queue (the inline budget was spent mid-attempt).
    pub io_deferred: u64,
    /// I/O ops queued at submit because the inline budget was spent.
    pub io_queued: u64,
    /// OS waits (`epoll_wait`, `poll`, `select`, `kevent`).
    pub os_waits: u64,
    /// OS events handed to the core.
    pub os_events: u64,
    /// Timers armed (`sleep`, `timeout`, `interval` ticks).
    pub timers_armed: u64,
    /// Timers that fired.
    pub timers_fired: u64,
    /// Wakes of a task from its own loop's thread.
    pub wakes_local: u64,
    /// Wakes (and spawns) that arrived from other threads.
    pub wakes_remote: u64,
    /// Reads that busy polled ([`Builder::busy_poll`](crate::Builder::busy_poll)) and got their
    /// data within the window, with no OS wait.
    pub busy_poll_hits: u64,
    /// Reads that busy polled for the whole window and then parked.
    pub busy_poll_misses: u64,
    /// Times the loop, about to block with nothing ready, yielded its thread first (only with
    /// [`Builder::yield_before_block`](crate::Builder::yield_before_block) on).
    pub yields: u64,
}

/// The counters the executor keeps (the driver's live in `Driver`).
#[derive(Default, Debug)]
pub(crate) struct TaskCounters {
    pub(crate) spawned: Cell<u64>,
    pub(crate) completed: Cell<u64>,
    pub(crate) polls: Cell<u64>,
    pub(crate) wakes_local: Cell<u64>,
    pub(crate) wakes_remote: Cell<u64>,
    pub(crate) yields: Cell<u64>,
}

/// Adds one to a counter.
#[inline]
pub(crate) fn bump(c: &Cell<u64>) {
    c.set(c.get() + 1);
}

/// The counters of the loop driving this thread, or `None` outside a runtime.
///
/// ```
/// let rt = rill::Runtime::new()?;
/// rt.block_on(async {
///     rill::spawn(async {}).await.unwrap();
///     rill::sleep(std::time::Duration::from_millis(1)).await;
///     let m = rill::metrics().unwrap();
///     assert_eq!(m.tasks_spawned, 1);
///     assert_eq!(m.tasks_completed, 1);
///     assert!(m.timers_fired >= 1 && m.os_waits >= 1);
/// });
/// # std::io::Result::Ok(())
/// ```
pub fn metrics() -> Option<Metrics> {
    crate::context::with_current(|local| local.metrics())
}
