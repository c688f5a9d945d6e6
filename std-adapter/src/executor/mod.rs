//! The single-threaded executor: task table, run queue, the cross-thread queue, and the loop
//! behind [`crate::Runtime::block_on`].
//!
//! One runtime drives one thread. Its state is split in two:
//!
//! - [`Local`] (`Rc`, runtime thread only): the task table (futures may be `!Send`, and each is
//!   polled in place) and the [`Driver`] (reactor, OS selector, timers, and the run queue of task
//!   keys: the tasks a driver turn wakes are appended to it directly).
//! - [`Shared`] (`Arc`, any thread): the remote queue (wakes and spawns from other threads), the
//!   shutdown flag, and the OS waker that interrupts a blocked wait.
//!
//! The loop (`block_on`) alternates two steps, like quinn's connection driver: run the tasks that
//! are queued right now (a batch, so I/O is polled between batches and nobody starves), then turn
//! the driver once: take remote work, ask the OS for events (blocking only when no task is
//! runnable, for at most the time to the next timer), feed them to the reactor, and wake the
//! tasks whose ops are ready or whose timers expired.
//!
//! No user panic unwinds this loop (H21): task bodies contain every panic of the code they run
//! (see the `task` module), the loop ends a task by polling its body once more (abort,
//! shutdown) instead of dropping it, and wakers collected by the driver are woken contained.

pub(crate) mod context;
pub(crate) mod metrics;
pub(crate) mod task;
mod task_table;

use std::cell::{Cell, RefCell, RefMut};
use std::future::Future;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::pin::pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use rill_core::scheduler::{Run, RunMode, Step};
use rill_core::sync::{BlockAction, Inbox, NotifyAction, PushAction, Remote, Signal, WithLock};

use crate::driver::{Driver, OsWaker};
use crate::io_error;
use crate::tracing_events::trace;
use crate::waiters::PollingTask;
use metrics::{bump, Metrics, TaskCounters};
use task::{Header, JoinHandle, LocalTask, RemoteSpawn, MAIN_KEY};
use task_table::TaskTable;

/// Runtime state that other threads may touch.
pub(crate) struct Shared {
    /// Wakes and spawns from other threads: the queue behind a std mutex, the handshake
    /// (pending flag, notify, close) from `rill_core::sync::Remote`.
    remote: Remote<StdLock<Inbox<RemoteQueue>>>,
    /// Coalesces interrupts: other threads fire `os_waker` only when the loop is (about to be)
    /// blocked in the OS wait, at most once per wait (`rill_core::sync::Signal`).
    signal: Signal,
    os_waker: OsWaker,
}

/// What other threads queue for the loop.
#[derive(Default)]
struct RemoteQueue {
    wakes: Vec<u64>,
    spawns: Vec<(Arc<Header>, RemoteSpawn)>,
}

/// A `std::sync::Mutex` as the lock of a `rill_core::sync` piece. A poisoned lock is taken
/// anyway: its critical sections only move values in and out, so the state is consistent.
pub(crate) struct StdLock<T>(Mutex<T>);

impl<T> StdLock<T> {
    pub(crate) fn new(value: T) -> StdLock<T> {
        StdLock(Mutex::new(value))
    }
}

impl<T> WithLock for StdLock<T> {
    type Inner = T;

    fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let mut guard = match self.0.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        f(&mut guard)
    }
}

impl Shared {
    pub(crate) fn new(os_waker: OsWaker) -> Shared {
        Shared {
            remote: Remote::new(StdLock::new(Inbox::new(RemoteQueue::default()))),
            signal: Signal::new(),
            os_waker,
        }
    }

    /// After making work visible: interrupt the OS wait if the loop is blocked in it; otherwise
    /// the loop will see the work before it next blocks.
    fn interrupt(&self) {
        if let NotifyAction::Interrupt = self.signal.notify() {
            self.os_waker.wake();
        }
    }

    /// A wake from a thread other than the runtime's. Dropped once the runtime has shut down.
    pub(crate) fn push_wake(&self, key: u64) {
        let pushed = self
            .remote
            .push(&self.signal, key, |q, key| q.wakes.push(key));
        if let PushAction::Interrupt = pushed {
            self.os_waker.wake();
        }
    }

    /// A spawn from another thread. Gives the spawn back when the runtime has shut down.
    pub(crate) fn push_spawn(
        &self,
        header: Arc<Header>,
        spawn: RemoteSpawn,
    ) -> Result<(), RemoteSpawn> {
        let pushed = self
            .remote
            .push(&self.signal, (header, spawn), |q, s| q.spawns.push(s));
        match pushed {
            PushAction::Interrupt => self.os_waker.wake(),
            PushAction::Coalesced => {}
            PushAction::Refused((_, spawn)) => return Err(spawn),
        }
        Ok(())
    }

    /// Interrupts the runtime's wait (if it is blocked) so it runs one more turn.
    pub(crate) fn unpark(&self) {
        self.interrupt();
    }

    /// True once the runtime was dropped (or its loop thread ended).
    #[inline]
    pub(crate) fn is_shut_down(&self) -> bool {
        self.remote.is_closed()
    }

    /// Refuses every later spawn and wake (spawns answer "shut down") and hands back the spawns
    /// not yet taken in. Idempotent. Called by the loop's shutdown, and by a loop thread's exit
    /// guard however the thread ends, so spawns never wait forever on a loop that is gone.
    pub(crate) fn close(&self) -> Vec<(Arc<Header>, RemoteSpawn)> {
        self.remote.close(|q| {
            q.wakes.clear();
            std::mem::take(&mut q.spawns)
        })
    }
}

/// Runtime state owned by the runtime thread. Public only by name, as
/// [`crate::thread_bound::UseIntoStdThenHandleSpawnWith`]: every socket and timer holds an `Rc`
/// of it, which is what makes them `!Send`, and the name is what the compiler's error shows.
///
/// ```compile_fail
/// fn needs_send<T: Send>() {}
/// needs_send::<rill::UdpSocket>(); // error: `Rc<UseIntoStdThenHandleSpawnWith>` cannot be sent
/// ```
pub struct Local {
    /// `Builder::busy_poll` is on: sockets track whether a read follows a write.
    pub(crate) busy_poll: bool,
    shared: Arc<Shared>,
    tasks: RefCell<TaskTable>,
    /// The driver, and in it the run queue (`Driver::ready`): one borrow per loop step.
    pub(crate) driver: RefCell<Driver>,
    /// Swapped with the remote wake list, so cross-thread wakes reuse two buffers instead of
    /// allocating one per batch.
    spare_wakes: RefCell<Vec<u64>>,
    /// Tasks spawned by a running task: the table is borrowed for the poll, so they are
    /// inserted (and queued) right after it.
    spawned_in_poll: RefCell<Vec<(Arc<Header>, LocalTask)>>,
    shut_down: Cell<bool>,
    counters: TaskCounters,
}

impl Local {
    pub(crate) fn new(shared: Arc<Shared>, mut driver: Driver, task_capacity: usize) -> Local {
        driver.ready.tasks.reserve(task_capacity);
        driver.ready.wakers.reserve(64);
        Local {
            busy_poll: driver.busy_poll_enabled(),
            shared,
            tasks: RefCell::new(TaskTable::with_capacity(task_capacity)),
            driver: RefCell::new(driver),
            spare_wakes: RefCell::new(Vec::new()),
            spawned_in_poll: RefCell::new(Vec::new()),
            shut_down: Cell::new(false),
            counters: TaskCounters::default(),
        }
    }

    /// This loop's counters now (see [`crate::metrics`]).
    pub(crate) fn metrics(&self) -> Metrics {
        let c = &self.counters;
        let driver = self.driver.try_borrow();
        let (core, os, timers, busy) = match &driver {
            Ok(d) => (
                d.core_stats(),
                d.os_counts(),
                d.timers.counts(),
                d.busy_poll_counts(),
            ),
            Err(_) => Default::default(),
        };
        Metrics {
            tasks_spawned: c.spawned.get(),
            tasks_completed: c.completed.get(),
            tasks_alive: self.live_tasks() as u64,
            polls: c.polls.get(),
            io_inline: core.inline_completions,
            io_parked: core.gated_parks + core.parks,
            io_deferred: core.deferred_completions,
            io_queued: core.queued_submits,
            os_waits: os.0,
            os_events: os.1,
            timers_armed: timers.0,
            timers_fired: timers.1,
            wakes_local: c.wakes_local.get(),
            wakes_remote: c.wakes_remote.get(),
            busy_poll_hits: busy.0,
            busy_poll_misses: busy.1,
            yields: c.yields.get(),
            ..Metrics::default()
        }
    }

    /// A task of this loop was woken on this thread.
    pub(crate) fn wake_local(&self, key: u64) {
        bump(&self.counters.wakes_local);
        self.schedule_local(key);
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// `Err` (kind `Other`, a clear message) once the runtime was dropped.
    pub(crate) fn check_alive(&self) -> io::Result<()> {
        if self.shut_down.get() {
            Err(io_error::shut_down())
        } else {
            Ok(())
        }
    }

    /// True when a task is queued to run (busy polling never delays it).
    #[inline]
    pub(crate) fn has_runnable(&self) -> bool {
        !self.driver.borrow().ready.tasks.is_empty()
    }

    /// Queues a task woken on the runtime thread. A wake from inside a driver turn (a foreign
    /// waker's `clone` or `drop` that wakes one of our tasks) finds the queue borrowed and goes
    /// through the remote queue instead, which the loop takes in after its OS poll.
    pub(crate) fn schedule_local(&self, key: u64) {
        match self.driver.try_borrow_mut() {
            Ok(mut driver) => driver.ready.tasks.push_back(key),
            Err(_) => self.shared.push_wake(key),
        }
    }

    /// Spawns a (possibly `!Send`) future on this runtime.
    pub(crate) fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let header = Header::new(self.shared.clone(), None);
        if self.shut_down.get() {
            return task::shutdown_handle(header);
        }
        let (guard, handle) = task::join_pair(header.clone());
        let body: LocalTask = Box::pin(task::TaskBody::new(future, guard));
        bump(&self.counters.spawned);
        match self.tasks.try_borrow_mut() {
            Ok(mut tasks) => {
                let key = tasks.insert(header.clone(), body);
                drop(tasks);
                self.admit(&header, key);
            }
            // A task is running (the table is borrowed for its poll): inserted after it.
            Err(_) => self.spawned_in_poll.borrow_mut().push((header, body)),
        }
        handle
    }

    /// A task now in the table under `key`: its wakes name `key`, and its first poll is queued.
    fn admit(&self, header: &Header, key: u64) {
        header.set_key(key);
        trace!(task = key, "task spawn");
        self.schedule_local(key);
    }

    /// Inserts the tasks spawned during the last poll.
    #[cold]
    fn admit_spawned_in_poll(&self) {
        let spawned = std::mem::take(&mut *self.spawned_in_poll.borrow_mut());
        for (header, body) in spawned {
            let key = self.tasks.borrow_mut().insert(header.clone(), body);
            self.admit(&header, key);
        }
    }

    /// Number of live tasks (spawned, not finished): those in the table and those a running
    /// task spawned that wait for admission.
    pub(crate) fn live_tasks(&self) -> usize {
        self.tasks.try_borrow().map_or(0, |t| t.live())
            + self.spawned_in_poll.try_borrow().map_or(0, |s| s.len())
    }

    /// Polls one task once, in place (the table is borrowed, shared, for the poll: one lookup).
    /// An aborted task is polled too: its body sees the abort and ends itself, dropping the
    /// future where a panic in its `Drop` is caught.
    /// `driver` is the loop's borrow that popped `key`: the dispatch is noted in it and it is
    /// released before the poll, so one borrow serves the decision, the pop and the dispatch.
    #[inline(always)] // once per task poll, from the loop in `block_on` only
    fn run_task(&self, key: u64, mut driver: RefMut<'_, Driver>) {
        let tasks = self.tasks.borrow();
        let Some((running, mut future)) = tasks.start(key) else {
            return;
        };
        let waker = futures_task::waker_ref(running.header);
        driver.begin_dispatch(Some(PollingTask::new(key, &waker)));
        drop(driver);
        let mut cx = Context::from_waker(&waker);
        bump(&self.counters.polls);
        trace!(task = key, "task poll");
        let done = future.as_mut().poll(&mut cx).is_ready();
        if done {
            drop(tasks);
            bump(&self.counters.completed);
            trace!(task = key, "task complete");
            let header = self.tasks.borrow_mut().remove(key);
            if let Some(header) = header {
                header.mark_finished();
            }
            drop(future);
        } else {
            running.pause(future);
            drop(tasks);
        }
        if !self.spawned_in_poll.borrow().is_empty() {
            self.admit_spawned_in_poll();
        }
    }

    /// Moves remote wakes and spawns into the local structures.
    #[inline(always)] // once per OS poll; almost always finds nothing (one load)
    fn take_remote(&self) {
        // Nothing pending: no lock taken (`Remote::take`).
        let Some((mut wakes, spawns)) = self.shared.remote.take(|q| {
            let mut wakes = self.spare_wakes.take();
            std::mem::swap(&mut q.wakes, &mut wakes);
            (wakes, std::mem::take(&mut q.spawns))
        }) else {
            return;
        };
        let c = &self.counters;
        c.wakes_remote
            .set(c.wakes_remote.get() + (wakes.len() + spawns.len()) as u64);
        c.spawned.set(c.spawned.get() + spawns.len() as u64);
        self.driver.borrow_mut().ready.tasks.extend(wakes.drain(..));
        *self.spare_wakes.borrow_mut() = wakes;
        for (header, make) in spawns {
            // Only builds the body: the user's `make` runs inside its first poll, contained.
            let future = make();
            let key = self.tasks.borrow_mut().insert(header.clone(), future);
            self.admit(&header, key);
        }
    }

    /// Runs `future` to completion, driving every task and all I/O meanwhile.
    pub(crate) fn block_on<F: Future>(self: &Rc<Self>, future: F) -> io::Result<F::Output> {
        self.check_alive()?;
        let Some(_enter) = context::enter(self.clone()) else {
            return Err(io::Error::other(
                "block_on called while a rill runtime is already running on this thread",
            ));
        };
        let main = Header::new(self.shared.clone(), Some(MAIN_KEY));
        let main_waker = main.waker();
        let mut future = pin!(future);
        self.schedule_local(MAIN_KEY);
        // The loop's policy is `rill_core::scheduler`'s: run ready work, poll the OS without
        // blocking after every `poll_interval` handlers in a row (so readiness still gets in),
        // and block, until the next timer at most, only when nothing is ready (after a probe
        // and a yield of the thread, with `Builder::yield_before_block`). The main future is
        // the one unit of outstanding work: the run lasts until it completes.
        let mut scheduler = self.driver.borrow().scheduler();
        let _ = scheduler.work_started();
        let mut run = Run::new(RunMode::Run, None);
        loop {
            // One borrow of the driver for the decision and, when it says run, the pop and the
            // dispatch; every arm lets go of it before it polls or waits.
            let mut driver = self.driver.borrow_mut();
            if driver.has_ready() {
                // What the inline budget queued (or deferred) joins the back of the run queue
                // now, behind the tasks already runnable (H13), not at the next OS poll: with
                // tasks that keep the queue busy, that poll is a whole poll interval away.
                drop(driver);
                self.with_driver_wake(Driver::dispatch_ready);
                continue;
            }
            let ready = !driver.ready.tasks.is_empty();
            let next_timer = driver.timers.next_deadline();
            let step = run.next_step_lazy(&scheduler, ready, next_timer, || driver.clock().now());
            match step {
                Step::RunReady => {
                    match driver.ready.tasks.pop_front() {
                        Some(MAIN_KEY) => {
                            main.clear_scheduled();
                            driver.begin_dispatch(None);
                            drop(driver);
                            bump(&self.counters.polls);
                            let mut cx = Context::from_waker(&main_waker);
                            if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
                                main.mark_finished();
                                return Ok(v);
                            }
                        }
                        Some(key) => self.run_task(key, driver),
                        // Not reached: the scheduler says run only with a task queued.
                        None => {}
                    }
                    let _ = run.handled();
                }
                Step::PollOs { timeout } => {
                    // Remote work posted since the last look is taken in after the wait: the
                    // `Signal` handshake below refuses to block while any is pending.
                    let driver = if timeout.is_some_and(|t| t > 0) {
                        drop(driver);
                        if self.advance_test_clock() {
                            continue;
                        }
                        self.driver.borrow_mut()
                    } else {
                        driver
                    };
                    // Block only if no task became runnable and no other thread posted work
                    // since we last looked (a notify racing this decision makes it
                    // `DontBlock`, never lost).
                    let polled = self.turn(driver, |driver| {
                        let may_block = timeout != Some(0)
                            && driver.ready.tasks.is_empty()
                            && self.shared.signal.prepare_to_block() == BlockAction::Block;
                        let polled = driver.poll_os(if may_block { timeout } else { Some(0) });
                        if may_block {
                            let _ = self.shared.signal.finish_block();
                        }
                        polled
                    });
                    if let Err(e) = polled {
                        main.mark_finished();
                        return Err(e);
                    }
                    self.take_remote();
                }
                Step::Yield => {
                    drop(driver);
                    bump(&self.counters.yields);
                    std::thread::yield_now();
                }
                Step::Finished(reason) => {
                    drop(driver);
                    main.mark_finished();
                    return Err(io_error::internal(&format!(
                        "the scheduler finished ({reason}) with the block_on future pending"
                    )));
                }
            }
        }
    }

    /// The test clock, when the loop would block until a timer: look for I/O without waiting,
    /// and if nothing became runnable, jump to that timer instead of sleeping. False (nothing
    /// done) with a real clock or work to run.
    fn advance_test_clock(&self) -> bool {
        if !self.driver.borrow().clock().is_paused() || self.has_runnable() {
            return false;
        }
        let polled = self.with_driver_wake(|driver| driver.poll_os(Some(0)));
        self.take_remote();
        if polled.is_ok() && !self.has_runnable() {
            self.with_driver_wake(Driver::advance_to_next_timer);
        }
        polled.is_ok()
    }

    /// Shuts the runtime down: refuses new work, drops every task (cancelling its I/O).
    pub(crate) fn shutdown(self: &Rc<Self>) {
        if self.shut_down.replace(true) {
            return;
        }
        let spawns = self.shared.close();
        // End tasks with the runtime current, so their drop code (I/O cancellation) finds it.
        let _enter = context::enter(self.clone());
        for (header, make) in spawns {
            end_task(&header, Some(make()));
        }
        loop {
            let mut drained = self.tasks.borrow_mut().drain();
            let spawned = std::mem::take(&mut *self.spawned_in_poll.borrow_mut());
            drained.extend(spawned.into_iter().map(|(h, body)| (h, Some(body))));
            if drained.is_empty() {
                break;
            }
            for (header, future) in drained {
                end_task(&header, future);
            }
        }
        self.with_driver_wake(Driver::shutdown);
        // Every task is gone: the keys its I/O woke (and any still queued) name nothing.
        self.driver.borrow_mut().ready.tasks.clear();
    }

    /// Wakes the other wakers a driver turn collected (outside any driver borrow), in the order
    /// collected (timers earliest first, ops in ready-queue order). Its tasks are queued
    /// already.
    #[inline]
    pub(crate) fn wake_collected(&self) {
        if !self.driver.borrow().ready.wakers.is_empty() {
            self.wake_collected_wakers();
        }
    }

    #[inline(never)]
    fn wake_collected_wakers(&self) {
        // Other wakers are user code: none may run with the driver borrowed.
        let mut wakers = std::mem::take(&mut self.driver.borrow_mut().ready.wakers);
        wake_contained(&mut wakers);
        // Keep the allocation for the next turn (unless a wake refilled the list meanwhile).
        let mut driver = self.driver.borrow_mut();
        if driver.ready.wakers.is_empty() {
            driver.ready.wakers = wakers;
        }
    }

    /// One driver turn: runs `f` with the driver (the tasks it wakes are appended to the run
    /// queue in `Driver::ready`), then wakes the other wakers it collected.
    #[inline]
    pub(crate) fn with_driver_wake<R>(&self, f: impl FnOnce(&mut Driver) -> R) -> R {
        self.turn(self.driver.borrow_mut(), f)
    }

    /// [`Local::with_driver_wake`] on a borrow the caller holds already (released here, before
    /// the wakers run).
    #[inline]
    fn turn<R>(&self, mut driver: RefMut<'_, Driver>, f: impl FnOnce(&mut Driver) -> R) -> R {
        let (r, wakers) = {
            let queued = driver.ready.tasks.len();
            let r = f(&mut driver);
            let woken = driver.ready.tasks.len().saturating_sub(queued) as u64;
            let c = &self.counters;
            c.wakes_local.set(c.wakes_local.get() + woken);
            (r, !driver.ready.wakers.is_empty())
        };
        drop(driver);
        // `wake_collected`, with the check made in the borrow above.
        if wakers {
            self.wake_collected_wakers();
        }
        r
    }
}

/// Wakes and empties `wakers`. A waker is user code: one that panics is discarded, the rest are
/// still woken (one `catch_unwind` per batch, re-entered only after a panic).
fn wake_contained(wakers: &mut Vec<Waker>) {
    let mut pending = wakers.drain(..);
    while let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| {
        for w in pending.by_ref() {
            w.wake();
        }
    })) {
        task::discard(payload);
    }
}

/// Ends a task at shutdown: its body, polled once more, sees the shutdown and drops its future
/// itself (a panic in that `Drop` is the task's panic), then publishes the outcome. Wakes are
/// no-ops from here on. `None`: the body was out for polling (it is never put back).
fn end_task(header: &Arc<Header>, body: Option<LocalTask>) {
    header.mark_finished();
    let Some(mut body) = body else {
        return;
    };
    let waker = header.waker();
    let mut cx = Context::from_waker(&waker);
    // The body contains every panic of the user code it runs; a ready body holds nothing more.
    let _ = body.as_mut().poll(&mut cx);
    task::discard(body);
}

impl Shared {
    /// Sends `make` to this loop, which runs it and spawns the future it returns (the cross-thread
    /// spawn behind `Handle::spawn_with` and the multi-loop placements).
    pub(crate) fn spawn_with<M, F>(self: &Arc<Self>, make: M) -> JoinHandle<F::Output>
    where
        M: FnOnce() -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        let header = Header::new(self.clone(), None);
        if self.is_shut_down() {
            return task::shutdown_handle(header);
        }
        let (guard, handle) = task::join_pair(header.clone());
        // The loop only builds the body from this closure; `make` itself runs inside the body's
        // first poll, where a panic in it is caught as the task's panic (H21).
        let spawn: RemoteSpawn = Box::new(move || -> LocalTask {
            Box::pin(task::TaskBody::new(task::Lazy::new(make), guard))
        });
        if let Err(spawn) = self.push_spawn(header, spawn) {
            // Dropping the closure drops the guard, which records "shutdown"; `make`'s captures
            // are user code, dropped contained.
            task::discard(spawn);
        }
        handle
    }
}
