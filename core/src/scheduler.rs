//! Scheduler accounting: outstanding work, stop / restart, and what a run call does next.
//!
//! This is the bookkeeping half of an event loop, with no queue, no poller and no clock of its
//! own (the semantics are those of an asio / Corosio `io_context`):
//!
//! - [`Scheduler`] counts *outstanding work*: every queued handler, parked op and armed timer
//!   the executor still owes a completion for ([`Scheduler::work_started`] /
//!   [`Scheduler::work_finished`]). When the count drops to zero the scheduler stops by itself,
//!   so every run returns instead of blocking forever on an OS that will never wake it.
//!   [`Scheduler::stop`] stops it on request; [`Scheduler::restart`] lets runs proceed again.
//! - [`Run`] is one call of `run`, `run_one`, `poll` or `poll_one` ([`RunMode`]), optionally
//!   bounded by a deadline (`run_for` / `run_until`). It is a small state machine: the driver
//!   describes the world in a [`StepInput`] and [`Run::next_step`] answers what to do next: run
//!   one ready handler, poll the OS (without blocking, or blocking for at most some ticks, or
//!   without limit), or return.
//!
//! # Driving a run
//!
//! ```text
//! let mut run = Run::new(RunMode::Run, deadline);
//! loop {
//!     let input = StepInput { ready_items: !queue.is_empty(), next_timer: timers.next_deadline(), now: clock() };
//!     match run.next_step(&scheduler, input) {
//!         Step::RunReady => {
//!             if let Some(handler) = queue.pop() {
//!                 handler.run();                    // may post work, finish work, stop, ...
//!                 run.handled()?;
//!             }
//!         }
//!         Step::PollOs { timeout } => {
//!             poller.wait(timeout);                 // Some(0): don't block; None: no limit
//!             expire_timers_into(queue, clock());   // one expiry pass
//!         }
//!         Step::Yield => std::thread::yield_now(),  // only with rule 7 (see below)
//!         Step::Finished(reason) => break reason,
//!     }
//! }
//! ```
//!
//! # Who polls the OS next
//!
//! The decision, in order, at every step:
//!
//! 1. A `run_one` / `poll_one` that has run a handler returns ([`Reason::OneHandled`]).
//! 2. A stopped scheduler returns ([`Reason::Stopped`], or [`Reason::OutOfWork`] when it
//!    stopped because its work ran out).
//! 3. An elapsed deadline (`deadline <= now`) returns ([`Reason::DeadlineElapsed`]) without
//!    running anything or polling, even at the very first step (hazard H18).
//! 4. No outstanding work returns ([`Reason::OutOfWork`]); the scheduler itself stays as it
//!    is, so a run on a fresh scheduler returns at once and needs no restart.
//! 5. Ready work runs ([`Step::RunReady`]), except that after [`Scheduler::poll_interval`]
//!    consecutive handlers (default [`DEFAULT_POLL_INTERVAL`]) the OS is polled once without
//!    blocking, so readiness that arrived meanwhile is queued behind the work instead of waiting
//!    for the queue to drain. A busy queue thus never starves I/O, and I/O costs at most one
//!    non-blocking poll per interval.
//! 6. With nothing ready, `poll` / `poll_one` poll the OS once without blocking and return
//!    ([`Reason::NoReadyWork`]) if that still leaves nothing ready; they never block.
//!    `run` / `run_one` block for at most the time to the earliest of the next timer and the
//!    run's deadline (`None`, no limit, when there is neither; `Some(0)` when a timer is due).
//! 7. With [`Scheduler::with_yield_before_block`], a run about to block first *parks in three
//!    steps* ([`Park`]): it polls the OS without blocking (the probe; if readiness was already
//!    there this poll *is* the wait, one syscall as before), then, if that left nothing ready,
//!    gives its CPU to any other runnable thread ([`Step::Yield`]), and only then blocks.
//!    Ready work at any of these steps starts the next park from the probe again.
//! 8. An OS poll takes at most [`Scheduler::events_per_poll`] events (half the poll interval;
//!    a driver sizes its event buffer with it unless told otherwise). Fewer than the handlers
//!    run before the next poll, so the ready queue drains between polls, and readiness beyond
//!    that waits in the OS's own ready list.
//!
//! Why rule 8: a poll that may take more events than the loop runs before its next poll lets
//! the ready queue grow by the difference at every interval, until it holds every ready
//! descriptor. Each handler then runs a whole queue's length after its event was taken in, and
//! by then the state the event touched (the descriptor's slot, its waiters) and the state the
//! handler needs (its task) have left the cache (docs/PERFORMANCE.md measures it at a thousand
//! busy sockets on one loop). Taking fewer costs one more OS poll per that many events when
//! more are ready, and nothing when fewer are.
//!
//! Why rule 7: when the threads that feed a loop share its cores (a load client, a second loop,
//! the thread that will wake it), blocking at once puts the loop to sleep just before the
//! readiness it waits for is produced on its own CPU, and every round trip pays a sleep and a
//! wake-up (two context switches, and the idle CPU's wake-up latency). A yield lets that
//! thread run first; the OS poll after it usually finds the readiness without
//! sleeping. It costs two syscalls (the probe and the yield) on a turn that then sleeps anyway,
//! and nothing on a turn whose readiness is already there. But when the thread it yields to is
//! a CPU-bound neighbour rather than the loop's feeder, the yield hands it a whole scheduler
//! slice (milliseconds) while the loop's readiness waits; the two cases look alike from inside
//! the loop. So the rule is off by default, and a driver turns it on where its feeders share its
//! cores (a driver with no threads to yield to leaves it off).
//!
//! # Interrupting a blocked poller
//!
//! A run blocked in the OS sees neither [`Scheduler::stop`] nor the work count reaching zero.
//! Both report the transition ([`StopOutcome::Stopped`], [`WorkFinished::Stopped`]), exactly
//! once; the driver MUST then wake every poller blocked on this scheduler.
//!
//! The scheduler is plain data: an executor shared between threads keeps it under its lock.

use core::fmt;

use crate::timer::Ticks;

/// How many handlers run back to back before the OS is polled once without blocking, unless
/// configured otherwise with [`Scheduler::with_poll_interval`].
pub const DEFAULT_POLL_INTERVAL: u32 = 61;

/// The most events one OS poll takes with the [`DEFAULT_POLL_INTERVAL`]
/// ([`Scheduler::events_per_poll`], rule 8).
pub const DEFAULT_EVENTS_PER_POLL: u32 = Scheduler::new().events_per_poll();

/// Why a scheduler is stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StopCause {
    /// [`Scheduler::stop`] was called.
    Requested,
    /// [`Scheduler::work_finished`] brought the outstanding work to zero.
    OutOfWork,
}

impl fmt::Display for StopCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StopCause::Requested => "stop requested",
            StopCause::OutOfWork => "out of work",
        })
    }
}

/// Whether runs may proceed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SchedulerState {
    /// Runs proceed.
    Running,
    /// Every run returns at its next step until [`Scheduler::restart`].
    Stopped(StopCause),
}

impl fmt::Display for SchedulerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchedulerState::Running => f.write_str("running"),
            SchedulerState::Stopped(_) => f.write_str("stopped"),
        }
    }
}

/// A refused change of the outstanding-work count; the count is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WorkError {
    /// [`Scheduler::work_finished`] with no outstanding work: a unit was finished twice or
    /// never started.
    NoOutstandingWork,
    /// [`Scheduler::work_started`] with the count already at `usize::MAX`.
    Overflow,
}

impl fmt::Display for WorkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WorkError::NoOutstandingWork => "work finished with no outstanding work",
            WorkError::Overflow => "outstanding work count overflow",
        })
    }
}

/// What [`Scheduler::work_finished`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[must_use = "on `Stopped`, blocked pollers must be woken"]
pub enum WorkFinished {
    /// Work remains, or the scheduler was already stopped: nothing to do.
    Continue,
    /// This call finished the last unit of work and stopped the scheduler: wake every poller
    /// blocked on it so its run can return. Reported once per stop.
    Stopped,
}

/// What [`Scheduler::stop`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[must_use = "on `Stopped`, blocked pollers must be woken"]
pub enum StopOutcome {
    /// The scheduler was running and is now stopped: wake every poller blocked on it.
    Stopped,
    /// It was already stopped; nothing changed.
    AlreadyStopped,
}

/// What [`Scheduler::restart`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RestartOutcome {
    /// The scheduler was stopped and runs may proceed again.
    Restarted,
    /// It was running; nothing changed.
    AlreadyRunning,
}

/// The outstanding-work count and stopped state of one event loop. See the module docs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scheduler {
    outstanding: usize,
    state: SchedulerState,
    poll_interval: u32,
    /// Rule 7: probe, yield, then block.
    yield_before_block: bool,
}

impl Default for Scheduler {
    fn default() -> Self {
        Scheduler::new()
    }
}

impl Scheduler {
    /// A running scheduler with no outstanding work and the [`DEFAULT_POLL_INTERVAL`].
    pub const fn new() -> Self {
        Scheduler::with_poll_interval(DEFAULT_POLL_INTERVAL)
    }

    /// A running scheduler that polls the OS without blocking after every `interval`
    /// consecutive handlers; 0 is taken as 1 (poll after every handler).
    pub const fn with_poll_interval(interval: u32) -> Self {
        Scheduler {
            outstanding: 0,
            state: SchedulerState::Running,
            poll_interval: if interval == 0 { 1 } else { interval },
            yield_before_block: false,
        }
    }

    /// This scheduler with rule 7 of the module docs on or off (off by default): a run about
    /// to block first polls the OS without blocking, then yields its thread
    /// ([`Step::Yield`]), and blocks only if neither brought ready work.
    pub const fn with_yield_before_block(mut self, on: bool) -> Self {
        self.yield_before_block = on;
        self
    }

    /// Whether a run yields its thread before it blocks (rule 7).
    pub const fn yields_before_block(&self) -> bool {
        self.yield_before_block
    }

    /// Whether runs may proceed, and if not, why.
    pub const fn state(&self) -> SchedulerState {
        self.state
    }

    /// Runs return at their next step (until [`Scheduler::restart`]).
    pub const fn is_stopped(&self) -> bool {
        matches!(self.state, SchedulerState::Stopped(_))
    }

    /// How many units of work are outstanding.
    pub const fn outstanding(&self) -> usize {
        self.outstanding
    }

    /// Consecutive handlers between two non-blocking OS polls (at least 1).
    pub const fn poll_interval(&self) -> u32 {
        self.poll_interval
    }

    /// The most events one OS poll should take (rule 8): half the poll interval, at least 1,
    /// so that the ready queue drains between two polls.
    pub const fn events_per_poll(&self) -> u32 {
        if self.poll_interval < 2 {
            1
        } else {
            self.poll_interval / 2
        }
    }

    /// One more unit of work is outstanding (a handler queued, an op parked, a timer armed).
    /// Does not restart a stopped scheduler.
    pub fn work_started(&mut self) -> Result<(), WorkError> {
        self.outstanding = self.outstanding.checked_add(1).ok_or(WorkError::Overflow)?;
        Ok(())
    }

    /// One unit of work is done. The call that brings the count to zero stops a running
    /// scheduler and says so ([`WorkFinished::Stopped`]); finishing work at zero is refused.
    pub fn work_finished(&mut self) -> Result<WorkFinished, WorkError> {
        self.outstanding = self
            .outstanding
            .checked_sub(1)
            .ok_or(WorkError::NoOutstandingWork)?;
        if self.outstanding == 0 && !self.is_stopped() {
            self.transition(SchedulerState::Stopped(StopCause::OutOfWork));
            return Ok(WorkFinished::Stopped);
        }
        Ok(WorkFinished::Continue)
    }

    /// Stops the scheduler: every run returns at its next step. The first call reports
    /// [`StopOutcome::Stopped`], telling the driver to wake blocked pollers.
    pub fn stop(&mut self) -> StopOutcome {
        if self.is_stopped() {
            return StopOutcome::AlreadyStopped;
        }
        self.transition(SchedulerState::Stopped(StopCause::Requested));
        StopOutcome::Stopped
    }

    /// Lets runs proceed again after a stop (requested or out of work). The work count is
    /// kept; a run with none still returns at once ([`Reason::OutOfWork`]).
    pub fn restart(&mut self) -> RestartOutcome {
        if !self.is_stopped() {
            return RestartOutcome::AlreadyRunning;
        }
        self.transition(SchedulerState::Running);
        RestartOutcome::Restarted
    }

    /// The one place the state changes.
    fn transition(&mut self, to: SchedulerState) {
        self.state = to;
    }
}

/// Which run call a [`Run`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RunMode {
    /// Run handlers, blocking for readiness as needed, until stopped, out of work or past
    /// the deadline.
    Run,
    /// Like `Run`, but return after one handler.
    RunOne,
    /// Run every handler that is ready, polling the OS without ever blocking; return when
    /// nothing is ready.
    Poll,
    /// Like `Poll`, but return after one handler.
    PollOne,
}

impl RunMode {
    /// `run` and `run_one` may block in the OS; `poll` and `poll_one` never do.
    pub const fn may_block(self) -> bool {
        matches!(self, RunMode::Run | RunMode::RunOne)
    }

    /// `run_one` and `poll_one` return after one handler.
    pub const fn is_one(self) -> bool {
        matches!(self, RunMode::RunOne | RunMode::PollOne)
    }
}

impl fmt::Display for RunMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RunMode::Run => "run",
            RunMode::RunOne => "run-one",
            RunMode::Poll => "poll",
            RunMode::PollOne => "poll-one",
        })
    }
}

/// What the driver knows at a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepInput {
    /// The ready queue holds at least one handler.
    pub ready_items: bool,
    /// The earliest armed timer deadline (`Timers::next_deadline`), absolute, in the same
    /// ticks as `now`.
    pub next_timer: Option<Ticks>,
    /// The current time.
    pub now: Ticks,
}

/// Why a run returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The scheduler was stopped ([`Scheduler::stop`]); restart it to run again.
    Stopped,
    /// No outstanding work (the scheduler stopped itself if the count dropped to zero).
    OutOfWork,
    /// The run's deadline passed.
    DeadlineElapsed,
    /// `run_one` / `poll_one` ran its handler.
    OneHandled,
    /// `poll` / `poll_one` found nothing ready, even after polling the OS.
    NoReadyWork,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reason::Stopped => "stopped",
            Reason::OutOfWork => "out of work",
            Reason::DeadlineElapsed => "deadline elapsed",
            Reason::OneHandled => "one handled",
            Reason::NoReadyWork => "no ready work",
        })
    }
}

/// What the driver does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[must_use]
pub enum Step {
    /// Pop and run one ready handler, then call [`Run::handled`]. (If the queue turned out to
    /// be empty, just ask for the next step.)
    RunReady,
    /// Wait for OS readiness, then run an expiry pass of the timers. `Some(0)`: poll without
    /// blocking; `Some(t)`: block at most `t` ticks; `None`: block without limit.
    PollOs {
        /// The longest the wait may block.
        timeout: Option<Ticks>,
    },
    /// Give the thread's CPU to any other runnable thread (`sched_yield`), then ask again: the
    /// step between the probe and the blocking poll (rule 7). A driver with no threads treats
    /// it as a no-op.
    Yield,
    /// Return from the run call; further steps answer the same.
    Finished(Reason),
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::RunReady => f.write_str("run ready"),
            Step::PollOs { timeout: None } => f.write_str("poll os, block"),
            Step::PollOs { timeout: Some(0) } => f.write_str("poll os, no wait"),
            Step::PollOs { timeout: Some(t) } => write!(f, "poll os, block at most {t}"),
            Step::Yield => f.write_str("yield the thread"),
            Step::Finished(reason) => write!(f, "finished: {reason}"),
        }
    }
}

/// [`Run::handled`] without a [`Step::RunReady`] before it; nothing was counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HandledError {
    /// The last step was not [`Step::RunReady`], or its handler was already counted.
    NoRunReady,
}

impl fmt::Display for HandledError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HandledError::NoRunReady => "handled without a run-ready step",
        })
    }
}

/// Where a run is between steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RunPhase {
    /// Ready for the next step: at the start, or after a handler was counted.
    Deciding,
    /// [`Step::RunReady`] was answered; [`Run::handled`] is expected.
    Dispatching,
    /// [`Step::PollOs`] (or [`Step::Yield`]) was answered; the next input shows what it
    /// brought.
    Polled,
    /// [`Step::Finished`] was answered.
    Finished(Reason),
}

impl fmt::Display for RunPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RunPhase::Deciding => "deciding",
            RunPhase::Dispatching => "dispatching",
            RunPhase::Polled => "polled",
            RunPhase::Finished(_) => "finished",
        })
    }
}

/// How far a run about to block has got in parking (rule 7 of the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Park {
    /// Not parking: the next blocking decision starts with the probe.
    Awake,
    /// The probe (a non-blocking OS poll) was answered; if it brought nothing, yield next.
    Probed,
    /// [`Step::Yield`] was answered; if it brought nothing, block next.
    Yielded,
}

/// One call of `run` / `run_one` / `poll` / `poll_one`, as a state machine. See the module
/// docs for the decision rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    mode: RunMode,
    deadline: Option<Ticks>,
    phase: RunPhase,
    /// Handlers counted by [`Run::handled`] during this run.
    handled: u64,
    /// Handlers run since the last OS poll.
    consecutive: u32,
    /// Where a run about to block is in parking (rule 7).
    park: Park,
}

impl Run {
    /// A run in `mode`, returning at `deadline` if one is given (`run_until`).
    pub const fn new(mode: RunMode, deadline: Option<Ticks>) -> Self {
        Run {
            mode,
            deadline,
            phase: RunPhase::Deciding,
            handled: 0,
            consecutive: 0,
            park: Park::Awake,
        }
    }

    /// A run in `mode` that returns once `now + duration` has passed (`run_for`). A duration
    /// of 0 returns at the first step.
    pub const fn for_ticks(mode: RunMode, now: Ticks, duration: Ticks) -> Self {
        Run::new(mode, Some(now.saturating_add(duration)))
    }

    /// Which run call this is.
    pub const fn mode(&self) -> RunMode {
        self.mode
    }

    /// The deadline, if any.
    pub const fn deadline(&self) -> Option<Ticks> {
        self.deadline
    }

    /// Where the run is between steps.
    pub const fn phase(&self) -> RunPhase {
        self.phase
    }

    /// How many handlers ran during this run (what asio's `run` returns).
    pub const fn handled_count(&self) -> u64 {
        self.handled
    }

    /// Where a run about to block is in parking (always [`Park::Awake`] without rule 7).
    pub const fn park(&self) -> Park {
        self.park
    }

    /// The run's result once it has finished.
    pub const fn finished(&self) -> Option<Reason> {
        match self.phase {
            RunPhase::Finished(reason) => Some(reason),
            _ => None,
        }
    }

    /// Decides what the driver does next. See the module docs for the rule.
    pub fn next_step(&mut self, scheduler: &Scheduler, input: StepInput) -> Step {
        self.next_step_lazy(scheduler, input.ready_items, input.next_timer, || input.now)
    }

    /// [`Run::next_step`] with a lazy clock: `now` is called only when the decision needs the
    /// time (a deadline to check, or a timer to bound the wait), so a driver with neither reads
    /// no clock at all.
    #[inline]
    pub fn next_step_lazy(
        &mut self,
        scheduler: &Scheduler,
        ready_items: bool,
        next_timer: Option<Ticks>,
        now: impl FnOnce() -> Ticks,
    ) -> Step {
        let (step, park) = self.decide(scheduler, ready_items, next_timer, now);
        let to = match step {
            Step::RunReady => RunPhase::Dispatching,
            Step::PollOs { .. } | Step::Yield => RunPhase::Polled,
            Step::Finished(reason) => RunPhase::Finished(reason),
        };
        self.park = park;
        self.transition(to);
        step
    }

    /// Counts the handler that the last [`Step::RunReady`] ran.
    #[inline]
    pub fn handled(&mut self) -> Result<(), HandledError> {
        if self.phase != RunPhase::Dispatching {
            return Err(HandledError::NoRunReady);
        }
        self.handled = self.handled.saturating_add(1);
        self.consecutive = self.consecutive.saturating_add(1);
        self.transition(RunPhase::Deciding);
        Ok(())
    }

    /// The decision itself, and where parking goes next: a pure function of the run, the
    /// scheduler and the input (`now` is read at most once, and only when the rule needs it).
    #[inline]
    fn decide(
        &self,
        scheduler: &Scheduler,
        ready_items: bool,
        next_timer: Option<Ticks>,
        now: impl FnOnce() -> Ticks,
    ) -> (Step, Park) {
        let step = self.decide_step(scheduler, ready_items, next_timer, now);
        match step {
            // Rule 7: a blocking poll is reached through the probe and the yield.
            Step::PollOs { timeout } if timeout != Some(0) && scheduler.yield_before_block => {
                match self.park {
                    Park::Awake => (Step::PollOs { timeout: Some(0) }, Park::Probed),
                    Park::Probed => (Step::Yield, Park::Yielded),
                    Park::Yielded => (step, Park::Awake),
                }
            }
            _ => (step, Park::Awake),
        }
    }

    /// Rules 1–6: the step, as if a blocking poll were always taken at once.
    #[inline]
    fn decide_step(
        &self,
        scheduler: &Scheduler,
        ready_items: bool,
        next_timer: Option<Ticks>,
        now: impl FnOnce() -> Ticks,
    ) -> Step {
        if let RunPhase::Finished(reason) = self.phase {
            return Step::Finished(reason);
        }
        if self.mode.is_one() && self.handled > 0 {
            return Step::Finished(Reason::OneHandled);
        }
        match scheduler.state() {
            SchedulerState::Stopped(StopCause::Requested) => {
                return Step::Finished(Reason::Stopped)
            }
            SchedulerState::Stopped(StopCause::OutOfWork) => {
                return Step::Finished(Reason::OutOfWork)
            }
            SchedulerState::Running => {}
        }
        let mut clock = Some(now);
        let mut now = None;
        let mut read_now = || *now.get_or_insert_with(|| clock.take().map_or(0, |f| f()));
        if self.deadline.is_some_and(|deadline| deadline <= read_now()) {
            return Step::Finished(Reason::DeadlineElapsed);
        }
        if scheduler.outstanding() == 0 {
            return Step::Finished(Reason::OutOfWork);
        }
        if ready_items {
            if self.consecutive >= scheduler.poll_interval() {
                return Step::PollOs { timeout: Some(0) };
            }
            return Step::RunReady;
        }
        if !self.mode.may_block() {
            if self.phase == RunPhase::Polled {
                return Step::Finished(Reason::NoReadyWork);
            }
            return Step::PollOs { timeout: Some(0) };
        }
        if next_timer.is_none() && self.deadline.is_none() {
            return Step::PollOs { timeout: None };
        }
        let now = read_now();
        let timer = next_timer.map(|at| at.saturating_sub(now));
        let deadline = self.deadline.map(|at| at.saturating_sub(now));
        let timeout = match (timer, deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Step::PollOs { timeout }
    }

    /// The one place the phase changes; an OS poll starts a new fairness interval.
    #[inline]
    fn transition(&mut self, to: RunPhase) {
        if to == RunPhase::Polled {
            self.consecutive = 0;
        }
        self.phase = to;
    }
}

#[cfg(test)]
mod tests;
