//! The driver: the reactor core, the OS poller, the timers, and one turn of the loop.
//!
//! What the loop does next is decided by `rill_core::scheduler` in the executor's `block_on`
//! (run ready work; poll the OS without blocking after every `poll_interval` handlers; block,
//! until the next timer at most, only when nothing is ready). One OS poll
//! ([`Driver::poll_os`]) is:
//!
//! 1. drain the core's ready queue (ops the budget queued or deferred), and for level-triggered
//!    backends (poll, select) push the core's interest changes ([`Reactor::poll_interest`]) to
//!    the poller, so an fd is watched only while an op is parked on it (edge emulation, H9);
//! 2. wait once, for as long as the scheduler allowed, feeding every event to
//!    `reactor.handle_event_granting` (a woken op is granted at once, and its waiting tasks
//!    woken): the platform's own backend hands each event over as it translates it, the others
//!    through the `events` buffer;
//! 3. expire timers. (Granting edges never queue, so the ready queue is still empty.)
//!
//! Wakers are never called with the driver borrowed: woken tasks go straight onto the run queue
//! (`Driver::ready`), other wakers are collected beside it, and the executor wakes them after
//! the turn.
//!
//! **The core is the only home of op and descriptor state.** An op's future asks the core what
//! to do on every poll and runs its syscall through it ([`Reactor::perform`]: attempt now and
//! report the outcome, or wait); a grant the core hands out (`Ready::Attempt`) only
//! wakes the waiting tasks, and one that nobody takes is simply cancelled by the core when its
//! future is dropped. Per registered descriptor the driver keeps only what the core cannot: the
//! fd and, per direction, the [`Waiters`] (wakers of the tasks waiting there), indexed by the
//! token's slot. An op allocates nothing.

use std::io;
use std::os::fd::RawFd;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use rill_core::scheduler::Scheduler;
use rill_core::{
    CancelAction, Config, Direction, Event, Interest, OpId, Outcome, Performed, Reactor, Ready,
    Slot, SubmitError, Token,
};
use rill_os::Wait;

use crate::clock::{Clock, Ticks};
use crate::io_error;
use crate::loop_config::{grown_io, LoopConfig, INITIAL_IO};
pub(crate) use crate::poller::OsWaker;
use crate::poller::Poller;
use crate::timers::TimerTable;
use crate::tracing_events::trace;
use crate::waiters::{PollingTask, Waiters, Wakeups};

/// The core's view of a syscall's result: a WouldBlock, a result that `drains` says showed the
/// direction empty or full, or any other finished result.
#[inline(always)]
fn outcome<R>(result: &io::Result<R>, drains: &impl Fn(&R) -> bool) -> Outcome {
    match result {
        Ok(r) if drains(r) => Outcome::Drained,
        Ok(_) => Outcome::Done,
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Outcome::WouldBlock,
        Err(_) => Outcome::Done,
    }
}

/// What the driver keeps per registered descriptor on the hot path: who waits in each
/// direction. Indexed by the token's slot; the core says whether a token is current. One cache
/// line exactly (the fd, needed only to re-register or deregister, is kept apart in
/// `Driver::fds`), so a park or a wake touches one line of driver state per descriptor.
#[repr(align(64))]
pub(crate) struct Entry {
    waiters: [Waiters; 2],
}

impl Entry {
    const VACANT: Entry = Entry {
        waiters: [Waiters::NONE, Waiters::NONE],
    };
}

/// The driver. Owned by the runtime thread (inside a `RefCell`).
pub(crate) struct Driver {
    reactor: Reactor<Vec<Slot>>,
    entries: Vec<Entry>,
    /// Each registered descriptor's fd, by the token's slot (`-1` when vacant).
    fds: Vec<RawFd>,
    /// The most descriptors the tables may grow to (`Builder::max_io`).
    max_io: usize,
    /// OS waits and the events they returned (for `rill::metrics`).
    os_waits: u64,
    os_events: u64,
    poller: Poller,
    edge: bool,
    /// Where a backend other than the platform's own puts the events of one wait (its length
    /// is also the most events one wait hands over, `Builder::events`).
    events: Vec<Event>,
    pub(crate) timers: TimerTable,
    /// What driver calls found ready: the executor's run queue (`ready.tasks`, appended to
    /// directly) and the other wakers, which the executor wakes once the driver is released.
    /// Kept here so a loop turn borrows one `RefCell` for both.
    pub(crate) ready: Wakeups,
    clock: Clock,
    shut_down: bool,
    /// The task being polled now (set by [`Driver::begin_dispatch`]): a waiter polled with its
    /// own waker is kept as its key.
    polling: Option<PollingTask>,
    /// The busy-poll window (`Builder::busy_poll`), and how its spins ended.
    busy_poll: Option<Duration>,
    busy_poll_hits: u64,
    busy_poll_misses: u64,
    /// The last OS wait had no room for all it found ([`Wait::full`]: the event buffer, or the
    /// backend's own when smaller, was filled): more readiness may be waiting in the OS (rule 8
    /// of the core scheduler leaves it there), so a read must not spin for its answer ahead of
    /// it.
    backlog: bool,
    /// `Builder::yield_before_block`, for the loop's [`Scheduler`].
    yield_before_block: bool,
}

impl Driver {
    pub(crate) fn new(config: &LoopConfig) -> io::Result<(Driver, OsWaker)> {
        let (poller, waker) = Poller::new(config.backend, config.max_io)?;
        // Tables start small and double up to `max_io` as descriptors register.
        let initial = config.max_io.min(INITIAL_IO);
        let storage = vec![Slot::VACANT; initial];
        let edge = poller.edge_triggered();
        #[allow(unused_mut)] // the trace hook needs `mut` with the `tracing` feature
        let mut reactor = Reactor::new(
            storage,
            Config {
                inline_budget: config.inline_budget.min(u8::MAX as u32) as u8,
                interest_feed: !edge,
            },
        );
        #[cfg(feature = "tracing")]
        reactor.set_trace(Some(crate::tracing_events::core_transition));
        let mut entries = Vec::with_capacity(initial);
        entries.resize_with(initial, || Entry::VACANT);
        let fds = vec![-1; initial];
        Ok((
            Driver {
                reactor,
                entries,
                fds,
                max_io: config.max_io,
                os_waits: 0,
                os_events: 0,
                poller,
                edge,
                events: vec![rill_os::EMPTY_EVENT; config.events.max(1)],
                timers: TimerTable::new(config.timers),
                ready: Wakeups::default(),
                clock: Clock::new(config.paused),
                shut_down: false,
                polling: None,
                busy_poll: config.busy_poll,
                busy_poll_hits: 0,
                busy_poll_misses: 0,
                backlog: false,
                yield_before_block: config.yield_before_block,
            },
            waker,
        ))
    }

    /// The runtime's clock.
    pub(crate) fn clock(&self) -> &Clock {
        &self.clock
    }

    /// A task (`polling`; `None` for the main future) is about to be polled: inline runs end
    /// here.
    #[inline]
    pub(crate) fn begin_dispatch(&mut self, polling: Option<PollingTask>) {
        self.polling = polling;
        self.reactor.reset_budget();
    }

    /// Registers `fd`. Refuses a descriptor already registered (the backend refuses it), a full
    /// table, a shut-down runtime.
    pub(crate) fn register(&mut self, fd: RawFd) -> io::Result<Token> {
        if self.shut_down {
            return Err(io_error::shut_down());
        }
        if fd < 0 {
            return Err(io::Error::from_raw_os_error(libc::EBADF));
        }
        let token = match self.reactor.register() {
            Ok(token) => token,
            Err(_) if self.reactor.capacity() < self.max_io => {
                let grown = grown_io(self.reactor.capacity(), self.max_io);
                self.reactor.grow(|slots| slots.resize(grown, Slot::VACANT));
                self.entries.resize_with(grown, || Entry::VACANT);
                self.fds.resize(grown, -1);
                self.reactor
                    .register()
                    .map_err(|_| io_error::table_full())?
            }
            Err(_) => return Err(io_error::table_full()),
        };
        let interest = if self.edge {
            Interest::BOTH
        } else {
            Interest::NONE
        };
        if let Err(e) = self.poller.register(fd, token, interest) {
            let _ = self.reactor.deregister(token);
            return Err(match e.kind() {
                io::ErrorKind::AlreadyExists => io_error::already_registered(fd),
                _ => e,
            });
        }
        self.entries[token.index() as usize] = Entry::VACANT;
        self.fds[token.index() as usize] = fd;
        Ok(token)
    }

    /// Deregisters `token` (its fd is about to be closed). Outstanding ops complete as aborted
    /// in the core; their tasks are woken through `ready` and see an error.
    pub(crate) fn deregister(&mut self, token: Token) {
        if self.reactor.deregister(token).is_err() {
            return;
        }
        let index = token.index() as usize;
        let entry = std::mem::replace(&mut self.entries[index], Entry::VACANT);
        let fd = std::mem::replace(&mut self.fds[index], -1);
        let [mut read, mut write] = entry.waiters;
        read.take_all(&mut self.ready);
        write.take_all(&mut self.ready);
        if !self.shut_down {
            let _ = self.poller.deregister(fd);
        }
    }

    /// Polls one op in `dir` of `token`: asks the core what to do and performs the syscall `io`
    /// when it says attempt ([`Reactor::perform`]), parks on WouldBlock. `io` is only called
    /// when the core asked for it, so a cancelled or queued op never consumes bytes.
    /// `drains(&r)` says whether a successful result showed the direction empty or full (a
    /// short stream transfer): the core then parks the next op without a speculative syscall.
    /// While the op waits, `ticket` holds its id (for [`Driver::cancel_op`]).
    #[inline]
    pub(crate) fn poll_op<R>(
        &mut self,
        token: Token,
        dir: Direction,
        cx: &mut Context<'_>,
        ticket: &mut Option<OpId>,
        io: &mut impl FnMut() -> io::Result<R>,
        drains: &impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        *ticket = None;
        // After a shutdown every token is stale: `performed` says which error that is.
        let performed = self.reactor.perform(token, dir, || {
            trace!(token = ?token, dir = %dir, "op attempt");
            let result = io();
            (outcome(&result, drains), result)
        });
        self.performed(performed, cx, ticket)
    }

    /// [`Driver::poll_op`] for a read that follows a write on the same socket while no other
    /// task is runnable, with `Builder::busy_poll` on (the celeris seed's `WriteAndPoll`): a
    /// request was just written, so its answer may be microseconds away. The read is attempted
    /// whatever the gate says, and a WouldBlock retried until data comes or the window (wall
    /// time) ends; only then does the op park, so a fast peer's answer is taken without an OS
    /// wait. With work in the core's ready queue, or readiness the last OS wait left behind
    /// (it had no room for all it found: `rill_os::Wait::full`), it does not spin, and it
    /// never spins longer than the window, so it delays nothing that was ready to run.
    #[cold]
    #[inline(never)]
    pub(crate) fn poll_op_spinning<R>(
        &mut self,
        token: Token,
        dir: Direction,
        cx: &mut Context<'_>,
        ticket: &mut Option<OpId>,
        io: &mut impl FnMut() -> io::Result<R>,
        drains: &impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        let window = match self.busy_poll {
            Some(w) if self.reactor.ready_len() == 0 && !self.backlog && !self.shut_down => w,
            _ => return self.poll_op(token, dir, cx, ticket, io, drains),
        };
        *ticket = None;
        let start = Instant::now();
        let mut spun = false;
        let performed = self.reactor.perform_ungated(token, dir, || loop {
            trace!(token = ?token, dir = %dir, "op attempt (busy poll)");
            let result = io();
            let outcome = outcome(&result, drains);
            if outcome == Outcome::WouldBlock && start.elapsed() < window {
                spun = true;
                std::hint::spin_loop();
                continue;
            }
            return (outcome, result);
        });
        match &performed {
            Ok(Performed::Done(_)) if spun => self.busy_poll_hits += 1,
            Ok(Performed::Wait(_)) if spun => self.busy_poll_misses += 1,
            _ => {}
        }
        self.performed(performed, cx, ticket)
    }

    /// What the future does with `perform`'s answer.
    #[inline(always)]
    fn performed<R>(
        &mut self,
        performed: Result<Performed<io::Result<R>>, SubmitError>,
        cx: &mut Context<'_>,
        ticket: &mut Option<OpId>,
    ) -> Poll<io::Result<R>> {
        match performed {
            // The budget may have deferred the completion: the result is in hand (bytes already
            // in the caller's buffer), so it is returned now; the core keeps the lane busy until
            // it dispatches the deferred completion, and the next op here waits.
            Ok(Performed::Done(result)) => Poll::Ready(result),
            Ok(Performed::Wait(op)) => self.wait(op, cx, ticket),
            Err(SubmitError::StaleToken) => Poll::Ready(Err(self.stale_token_error())),
            Err(SubmitError::Busy) => Poll::Ready(Err(io_error::internal(
                "an op polled during its own attempt",
            ))),
        }
    }

    /// Why an op's token is stale: the runtime shut down (every descriptor was deregistered),
    /// or the descriptor itself was.
    #[cold]
    fn stale_token_error(&self) -> io::Error {
        if self.shut_down {
            io_error::shut_down()
        } else {
            io_error::aborted()
        }
    }

    /// The scheduling policy of this loop's runs (`rill_core::scheduler`), as configured.
    pub(crate) fn scheduler(&self) -> Scheduler {
        Scheduler::new().with_yield_before_block(self.yield_before_block)
    }

    /// True when `Builder::busy_poll` is on.
    pub(crate) fn busy_poll_enabled(&self) -> bool {
        self.busy_poll.is_some()
    }

    /// How busy polls ended: (hits, misses).
    pub(crate) fn busy_poll_counts(&self) -> (u64, u64) {
        (self.busy_poll_hits, self.busy_poll_misses)
    }

    /// The op waits: keep the task's waker in its direction.
    #[inline]
    fn wait<R>(
        &mut self,
        op: OpId,
        cx: &mut Context<'_>,
        ticket: &mut Option<OpId>,
    ) -> Poll<io::Result<R>> {
        self.entries[op.token().index() as usize].waiters[op.direction().index()]
            .add(cx, self.polling);
        *ticket = Some(op);
        trace!(token = ?op.token(), dir = %op.direction(), seq = op.seq(), "op park");
        Poll::Pending
    }

    /// The task stopped waiting for `op` (its future was dropped): cancel it. Nothing is lost:
    /// a parked, queued or granted op did no I/O, and the core completes it as cancelled. Other
    /// tasks waiting in the same direction are handed back in `ready` (the caller wakes them
    /// after releasing the driver) so one submits a new op. A cancel that lost the race (the
    /// op completed, or its result is already delivered) changes nothing.
    pub(crate) fn cancel_op(&mut self, op: OpId) {
        if let Ok(CancelAction::Cancelled(_)) = self.reactor.cancel(op) {
            self.entries[op.token().index() as usize].waiters[op.direction().index()]
                .take_for_cancel(&mut self.ready);
        }
    }

    /// True when an op is outstanding in `dir` of `token`.
    pub(crate) fn op_pending(&self, token: Token, dir: Direction) -> bool {
        self.reactor
            .op_state(token, dir)
            .is_ok_and(|s| s != rill_core::OpState::Idle)
    }

    /// Drains the core's ready queue: a granted attempt or a deferred completion wakes the
    /// tasks waiting in its direction. Usually empty (only the budget fills it): checked here,
    /// drained out of line.
    #[inline]
    pub(crate) fn dispatch_ready(&mut self) {
        if self.reactor.ready_len() > 0 {
            self.drain_ready();
        }
    }

    #[inline(never)]
    fn drain_ready(&mut self) {
        while self.reactor.ready_len() > 0 {
            let Some(ready) = self.reactor.poll_ready() else {
                break;
            };
            let op = match ready {
                Ready::Attempt(op) => op,
                Ready::Complete(c) => c.op,
            };
            self.entries[op.token().index() as usize].waiters[op.direction().index()]
                .take_all(&mut self.ready);
        }
    }

    /// Pushes the core's interest changes to a level-triggered poller.
    fn flush_interest(&mut self) -> io::Result<()> {
        while let Some((token, interest)) = self.reactor.poll_interest() {
            let fd = self.fds[token.index() as usize];
            self.poller.reregister(fd, token, interest)?;
        }
        Ok(())
    }

    /// The core's counters (how ops ran).
    pub(crate) fn core_stats(&self) -> rill_core::Stats {
        self.reactor.stats()
    }

    /// OS waits and events so far.
    pub(crate) fn os_counts(&self) -> (u64, u64) {
        (self.os_waits, self.os_events)
    }

    /// True when the core's ready queue has work (granted attempts, deferred completions)
    /// that no OS poll is needed for.
    pub(crate) fn has_ready(&self) -> bool {
        self.reactor.ready_len() > 0
    }

    /// One OS poll, as the scheduler decided (`timeout` in ticks: `Some(0)` never blocks,
    /// `None` blocks until an event): hand out what the core's queue holds, push interest
    /// changes (level-triggered backends), wait and feed the events to the core, expire due
    /// timers.
    pub(crate) fn poll_os(&mut self, timeout: Option<Ticks>) -> io::Result<()> {
        self.dispatch_ready();
        self.flush_interest()?;
        let timeout = if self.ready.is_empty() {
            timeout
        } else {
            Some(0)
        };
        // Each parked op an event wakes is granted at once and its waiters woken; the ready
        // queue keeps only what the budget queued or deferred. The platform's own backend hands
        // its events over as it translates them; the others fill `events` first.
        let timeout = timeout.map(Duration::from_nanos);
        let (reactor, entries, ready) = (&mut self.reactor, &mut self.entries, &mut self.ready);
        let emit = |event| feed(reactor, entries, ready, event);
        let wait = match self.poller.wait_native(self.events.len(), timeout, emit) {
            Some(wait) => wait?,
            None => self.wait_buffered(timeout)?,
        };
        self.os_waits += 1;
        self.os_events += wait.events as u64;
        self.backlog = wait.full;
        trace!(?timeout, events = wait.events, "os wait");
        // Granting edges never queue (a parked op goes straight to granted), and the queue was
        // drained before the wait: nothing is left to dispatch here.
        debug_assert_eq!(self.reactor.ready_len(), 0);
        self.expire_timers();
        Ok(())
    }

    /// The OS wait of a backend other than the platform's own: into `events`, then each fed to
    /// the core. Out of line, so the platform backend's turn keeps one copy of the feeding.
    #[inline(never)]
    fn wait_buffered(&mut self, timeout: Option<Duration>) -> io::Result<Wait> {
        let wait = self.poller.wait(&mut self.events, timeout)?;
        for &event in &self.events[..wait.events] {
            feed(&mut self.reactor, &mut self.entries, &mut self.ready, event);
        }
        Ok(wait)
    }

    /// The test clock, with every task idle: jump to the next timer (if any) and expire it.
    /// Returns whether the clock moved.
    pub(crate) fn advance_to_next_timer(&mut self) -> bool {
        let Some(deadline) = self.timers.next_deadline() else {
            return false;
        };
        let now = self.clock.now();
        if !self.clock.advance(deadline.saturating_sub(now)) {
            return false;
        }
        self.expire_timers();
        true
    }

    /// Moves the test clock by `by` and expires what became due. `false` for a real clock.
    pub(crate) fn advance_clock(&mut self, by: Ticks) -> bool {
        if !self.clock.advance(by) {
            return false;
        }
        self.expire_timers();
        true
    }

    /// Expires due timers and returns the time it read, or reads no clock when none is armed.
    fn expire_timers(&mut self) -> Option<Ticks> {
        self.timers.next_deadline()?;
        let now = self.clock.now();
        self.timers.expire(now, &mut self.ready.wakers);
        Some(now)
    }

    /// The runtime is going away: deregister everything, wake whoever waits.
    pub(crate) fn shutdown(&mut self) {
        let tokens: Vec<Token> = self.reactor.tokens().collect();
        for token in tokens {
            self.deregister(token);
        }
        self.shut_down = true;
        self.timers.clear(&mut self.ready.wakers);
    }
}

/// One event from the OS: the core grants what it wakes (a parked op goes straight to granted,
/// [`Reactor::handle_event_granting`]), and the tasks waiting in a granted direction go to the
/// run queue. A stale event (its descriptor deregistered) is dropped by the core.
#[inline(always)]
fn feed(
    reactor: &mut Reactor<Vec<Slot>>,
    entries: &mut [Entry],
    ready: &mut Wakeups,
    event: Event,
) {
    if let Ok(granted) = reactor.handle_event_granting(event) {
        let waiters = &mut entries[event.token.index() as usize].waiters;
        // The granted directions as bits, walked in a loop the compiler does not unroll: one
        // copy of the wake (and of the run-queue push inside it) in the event loop, not two.
        let mut dirs = u8::from(granted.read) | u8::from(granted.write) << 1;
        while dirs != 0 {
            waiters[dirs.trailing_zeros() as usize].take_all(ready);
            dirs &= dirs - 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Busy polling never spins ahead of readiness the last OS wait left in the OS (it had no
    /// room for all it found): the read parks at once. Once a wait takes everything there was,
    /// a read spins again (here until its window ends: nobody answers).
    #[test]
    fn a_read_does_not_spin_while_the_last_wait_left_events_behind() {
        // One event per wait, three ready: the event buffer is what runs out.
        no_spin_while_a_wait_left_events(1, 3, 1);
    }

    /// The same when the buffer is larger than what the backend reads at once (epoll's own
    /// buffer): the wait that stops there is full although the driver's buffer is not.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_read_does_not_spin_while_the_backend_buffer_left_events_behind() {
        let raw = rill_os::epoll::RAW_EVENTS;
        no_spin_while_a_wait_left_events(4 * raw, raw + 4, raw as u64);
    }

    /// `sockets` registered sockets, each reported writable by its first wait, taken with an
    /// event buffer of `capacity`; the first wait takes `first` of them.
    fn no_spin_while_a_wait_left_events(capacity: usize, sockets: usize, first: u64) {
        use std::os::fd::AsRawFd;
        let mut config = LoopConfig::new();
        config.events = capacity;
        config.busy_poll = Some(Duration::from_millis(1));
        let (mut driver, _waker) = Driver::new(&config).unwrap();
        let pairs: Vec<_> = (0..sockets)
            .map(|_| std::os::unix::net::UnixStream::pair().unwrap())
            .collect();
        let tokens: Vec<Token> = pairs
            .iter()
            .map(|(a, _)| {
                a.set_nonblocking(true).unwrap();
                driver.register(a.as_raw_fd()).unwrap()
            })
            .collect();
        let waker = futures_task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        let mut read = |driver: &mut Driver| {
            let mut ticket = None;
            let r = driver.poll_op_spinning(
                tokens[0],
                Direction::Read,
                &mut cx,
                &mut ticket,
                &mut || Err::<(), _>(io::Error::from(io::ErrorKind::WouldBlock)),
                &|_| false,
            );
            assert!(r.is_pending());
            driver.cancel_op(ticket.unwrap());
        };
        driver.poll_os(Some(0)).unwrap();
        assert_eq!(
            driver.os_counts(),
            (1, first),
            "one wait took {first} events of {sockets}"
        );
        read(&mut driver);
        assert_eq!(
            driver.busy_poll_counts(),
            (0, 0),
            "no spin with events left"
        );
        // Further waits take the rest (bounded, so a lost event fails the test instead of
        // hanging it).
        for _ in 0..2 * sockets {
            if driver.os_counts().1 as usize >= sockets {
                break;
            }
            driver.poll_os(Some(0)).unwrap();
        }
        assert_eq!(driver.os_counts().1 as usize, sockets, "every event taken");
        driver.poll_os(Some(0)).unwrap(); // takes nothing: the OS has no more
        read(&mut driver);
        assert_eq!(
            driver.busy_poll_counts(),
            (0, 1),
            "spun for the window, then parked"
        );
    }

    /// What the runtime keeps per registered descriptor, outside the task that uses it: the
    /// core's slot and the driver's entry (fd and the two directions' waiters). Memory per
    /// connection and the cache footprint at many connections depend on it; this test fails if
    /// either grows, and `--nocapture` prints them (docs/PERFORMANCE.md quotes them).
    #[test]
    fn per_descriptor_state_stays_small() {
        let slot = std::mem::size_of::<Slot>();
        let entry = std::mem::size_of::<Entry>();
        let fd = std::mem::size_of::<RawFd>();
        eprintln!("per descriptor: core Slot {slot} B + driver Entry {entry} B + fd {fd} B");
        assert_eq!(slot, 52);
        assert_eq!(entry, 64, "driver Entry is one cache line");
        assert_eq!(std::mem::align_of::<Entry>(), 64);
    }
}
