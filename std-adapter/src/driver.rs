//! The driver: the reactor core, the OS poller, the timers, and one turn of the loop.
//!
//! A turn (`Driver::turn`) is the whole adapter in the spirit of quinn's `ConnectionDriver`:
//!
//! 1. drain the core's ready queue (ops queued because the inline budget was spent); if that
//!    woke a task, the turn ends here: work the core queued needs no OS poll (at most 61 turns
//!    in a row, so readiness still gets in);
//! 2. for level-triggered backends (poll, select), push interest changes to the poller, so an
//!    fd is watched only while an op is parked on it (edge emulation, H9);
//! 3. wait once: with a zero timeout when a task is runnable, else until the next timer (or
//!    forever);
//! 4. feed every event to `reactor.handle_event`, drain the ready queue again, expire timers.
//!
//! Wakers are never called with the driver borrowed: they are collected in `to_wake`, and the
//! executor wakes them after the turn.
//!
//! Per registered descriptor the driver keeps a [`Source`]: the fd and, per direction, a
//! [`Lane`] mirroring what the adapter knows of the core's op (see [`LaneState`]) plus the
//! [`Waiters`] of the tasks waiting on it. All per-op state lives here, so an op allocates nothing.

use std::io;
use std::os::fd::RawFd;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use rill_core::{
    CancelAction, CompletionKind, Config, Direction, Event, FinishAction, Interest, OpId, Outcome,
    Reactor, Ready, Slot, SubmitAction, SubmitError, Token,
};

use crate::clock::{Clock, Ticks};
use crate::io_error;
pub(crate) use crate::poller::OsWaker;
use crate::poller::Poller;
use crate::timers::TimerTable;
use crate::Backend;

/// What the builder decided.
pub(crate) struct DriverConfig {
    pub(crate) backend: Backend,
    pub(crate) inline_budget: u32,
    pub(crate) max_io: usize,
    pub(crate) events: usize,
    pub(crate) timers: usize,
}

/// What the adapter knows of one direction's op.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum LaneState {
    /// No op.
    Idle,
    /// Parked (waiting for readiness) or queued (waiting for a dispatch): nothing to do.
    Waiting(OpId),
    /// The core granted an attempt (dispatched from the ready queue): the owning task performs
    /// the syscall on its next poll.
    Attempt(OpId),
    /// The op's result was handed to the caller already, but the core deferred its completion
    /// (the inline budget ran out mid-attempt); the lane frees when `poll_ready` completes it.
    Detached(OpId),
    /// The descriptor was deregistered while the op was outstanding.
    Aborted,
}

/// The tasks waiting on one direction (H20).
///
/// Usually one, kept inline. The docs ask for one reader and one writer at a time, but nothing
/// stops two tasks from reading one socket (two futures through `&TcpStream`, `AsyncRead` on
/// `&TcpStream`); a second waiter must never silently replace the first one's waker, or the first
/// sleeps forever. So every distinct waker is kept (`others` allocates only when a second task
/// waits), and all are woken together: whichever task polls first makes the attempt, the others
/// find the lane busy or idle and wait again or submit their own op. A cancelled op (one waiter's
/// future dropped) wakes the rest for the same reason.
pub(crate) struct Waiters {
    first: Option<Waker>,
    others: Vec<Waker>,
}

impl Waiters {
    const NONE: Waiters = Waiters {
        first: None,
        others: Vec::new(),
    };

    /// Adds the waker of `cx` unless an equivalent one is there.
    #[inline]
    fn add(&mut self, cx: &Context<'_>) {
        let new = cx.waker();
        match &self.first {
            None => self.first = Some(new.clone()),
            Some(w) if w.will_wake(new) => {}
            Some(_) => self.add_other(new),
        }
    }

    /// A second task waits: the rare case, kept out of line.
    #[cold]
    fn add_other(&mut self, new: &Waker) {
        if !self.others.iter().any(|w| w.will_wake(new)) {
            self.others.push(new.clone());
        }
    }

    /// Moves every waker into `to_wake`.
    #[inline]
    fn take_all(&mut self, to_wake: &mut Vec<Waker>) {
        if let Some(w) = self.first.take() {
            to_wake.push(w);
        }
        if !self.others.is_empty() {
            to_wake.append(&mut self.others);
        }
    }

    /// The op is gone (cancelled by one waiter): the others, if any, must wake to submit again.
    /// A lone waiter is the one that cancelled, and is not woken.
    fn take_others_of_cancel(&mut self) -> Vec<Waker> {
        self.first = None;
        std::mem::take(&mut self.others)
    }
}

/// One direction of a registered descriptor.
pub(crate) struct Lane {
    state: LaneState,
    waiters: Waiters,
}

impl Lane {
    const IDLE: Lane = Lane {
        state: LaneState::Idle,
        waiters: Waiters::NONE,
    };

    #[inline]
    fn set_waker(&mut self, cx: &Context<'_>) {
        self.waiters.add(cx);
    }
}

/// One registered descriptor.
pub(crate) struct Source {
    fd: RawFd,
    token: Option<Token>,
    lanes: [Lane; 2],
    /// What the level-triggered poller currently watches.
    watched: Interest,
    /// Queued in `dirty` for an interest update.
    dirty: bool,
}

impl Source {
    const VACANT: Source = Source {
        fd: -1,
        token: None,
        lanes: [Lane::IDLE, Lane::IDLE],
        watched: Interest::NONE,
        dirty: false,
    };
}

fn source_of(sources: &mut [Source], token: Token) -> Option<&mut Source> {
    let s = sources.get_mut(token.index() as usize)?;
    (s.token == Some(token)).then_some(s)
}

/// The driver. Owned by the runtime thread (inside a `RefCell`).
pub(crate) struct Driver {
    reactor: Reactor<Vec<Slot>>,
    sources: Vec<Source>,
    /// fd → token, to refuse a second registration of the same descriptor.
    by_fd: Vec<Option<Token>>,
    poller: Poller,
    edge: bool,
    events: Vec<Event>,
    dirty: Vec<Token>,
    pub(crate) timers: TimerTable,
    clock: Clock,
    shut_down: bool,
    /// Turns since the OS was last polled (see [`Driver::turn`]).
    turns_since_poll: u32,
}

/// At most this many turns in a row may skip the OS poll because the core's ready queue had
/// work, so new readiness always gets in (the same interval as `rill_core::scheduler`).
const MAX_TURNS_WITHOUT_POLL: u32 = rill_core::scheduler::DEFAULT_POLL_INTERVAL;

impl Driver {
    pub(crate) fn new(config: &DriverConfig) -> io::Result<(Driver, OsWaker)> {
        let (poller, waker) = Poller::new(config.backend, config.max_io)?;
        let storage = vec![Slot::VACANT; config.max_io];
        let reactor = Reactor::new(
            storage,
            Config {
                inline_budget: config.inline_budget.min(u8::MAX as u32) as u8,
            },
        );
        let mut sources = Vec::with_capacity(config.max_io);
        sources.resize_with(config.max_io, || Source::VACANT);
        let edge = poller.edge_triggered();
        Ok((
            Driver {
                reactor,
                sources,
                by_fd: Vec::new(),
                poller,
                edge,
                events: vec![rill_os::EMPTY_EVENT; config.events.max(1)],
                dirty: Vec::new(),
                timers: TimerTable::new(config.timers),
                clock: Clock::new(),
                shut_down: false,
                turns_since_poll: 0,
            },
            waker,
        ))
    }

    /// The runtime's clock.
    pub(crate) fn clock(&self) -> &Clock {
        &self.clock
    }

    /// A task (or the main future) is about to be polled: inline runs end here.
    pub(crate) fn begin_dispatch(&mut self) {
        self.reactor.reset_budget();
    }

    /// Registers `fd`. Refuses a descriptor already registered, a full table, a shut-down
    /// runtime.
    pub(crate) fn register(&mut self, fd: RawFd) -> io::Result<Token> {
        if self.shut_down {
            return Err(io_error::shut_down());
        }
        let idx = usize::try_from(fd).map_err(|_| io::Error::from_raw_os_error(libc::EBADF))?;
        if self.by_fd.get(idx).copied().flatten().is_some() {
            return Err(io_error::already_registered(fd));
        }
        let token = self
            .reactor
            .register()
            .map_err(|_| io_error::table_full())?;
        let interest = if self.edge {
            Interest::BOTH
        } else {
            Interest::NONE
        };
        if let Err(e) = self.poller.register(fd, token, interest) {
            let _ = self.reactor.deregister(token);
            return Err(e);
        }
        if self.by_fd.len() <= idx {
            self.by_fd.resize(idx + 1, None);
        }
        self.by_fd[idx] = Some(token);
        let source = &mut self.sources[token.index() as usize];
        *source = Source::VACANT;
        source.fd = fd;
        source.token = Some(token);
        source.watched = interest;
        Ok(token)
    }

    /// Deregisters `token` (its fd is about to be closed). Outstanding ops complete as aborted;
    /// their tasks are woken through `to_wake` and see an error.
    pub(crate) fn deregister(&mut self, token: Token, to_wake: &mut Vec<Waker>) {
        let Some(source) = self.source_mut(token) else {
            return;
        };
        let fd = source.fd;
        for lane in &mut source.lanes {
            if !matches!(lane.state, LaneState::Idle) {
                lane.state = LaneState::Aborted;
            }
            lane.waiters.take_all(to_wake);
        }
        source.token = None;
        source.fd = -1;
        let _ = self.reactor.deregister(token);
        if !self.shut_down {
            let _ = self.poller.deregister(fd);
        }
        if let Some(slot) = usize::try_from(fd).ok().and_then(|i| self.by_fd.get_mut(i)) {
            if *slot == Some(token) {
                *slot = None;
            }
        }
    }

    fn source_mut(&mut self, token: Token) -> Option<&mut Source> {
        source_of(&mut self.sources, token)
    }

    fn mark_dirty(&mut self, token: Token) {
        if self.edge {
            return;
        }
        if let Some(s) = self.source_mut(token) {
            if !s.dirty {
                s.dirty = true;
                self.dirty.push(token);
            }
        }
    }

    /// Polls one op in `dir` of `token`: submits it if none is outstanding, performs the
    /// syscall `io` when the core grants an attempt, parks on WouldBlock. `io` is only called
    /// when the core asked for it, so a cancelled or queued op never consumes bytes.
    /// `drains(&r)` says whether a successful result showed the direction empty or full (a
    /// short stream transfer): the core then parks the next op without a speculative syscall.
    pub(crate) fn poll_op<R>(
        &mut self,
        token: Token,
        dir: Direction,
        cx: &mut Context<'_>,
        io: &mut impl FnMut() -> io::Result<R>,
        drains: &impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        if self.shut_down {
            return Poll::Ready(Err(io_error::shut_down()));
        }
        let Some(source) = source_of(&mut self.sources, token) else {
            return Poll::Ready(Err(io_error::aborted()));
        };
        let lane = &mut source.lanes[dir.index()];
        let op = match lane.state {
            LaneState::Idle => match self.reactor.submit(token, dir) {
                Ok(SubmitAction::Attempt(op)) => op,
                Ok(SubmitAction::Parked(op) | SubmitAction::Queued(op)) => {
                    lane.state = LaneState::Waiting(op);
                    lane.set_waker(cx);
                    self.mark_dirty(token);
                    return Poll::Pending;
                }
                Err(SubmitError::StaleToken) => return Poll::Ready(Err(io_error::aborted())),
                Err(SubmitError::Busy) => {
                    return Poll::Ready(Err(io_error::internal("submit on a busy lane")))
                }
            },
            LaneState::Attempt(op) => op,
            LaneState::Waiting(_) | LaneState::Detached(_) => {
                lane.set_waker(cx);
                return Poll::Pending;
            }
            LaneState::Aborted => {
                lane.state = LaneState::Idle;
                return Poll::Ready(Err(io_error::aborted()));
            }
        };
        loop {
            let result = io();
            let outcome = match &result {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => Outcome::WouldBlock,
                Ok(r) if drains(r) => Outcome::Drained,
                _ => Outcome::Done,
            };
            let action = self.reactor.finish_attempt(op, outcome);
            let Some(source) = source_of(&mut self.sources, token) else {
                return Poll::Ready(Err(io_error::aborted()));
            };
            let lane = &mut source.lanes[dir.index()];
            match action {
                Ok(FinishAction::Complete(c)) => {
                    lane.state = LaneState::Idle;
                    return Poll::Ready(match c.kind {
                        CompletionKind::Done => result,
                        CompletionKind::Cancelled | CompletionKind::Aborted => {
                            Err(io_error::aborted())
                        }
                    });
                }
                Ok(FinishAction::Deferred) => {
                    // The budget ran out during the syscall. The result is in hand (bytes
                    // already in the caller's buffer), so it is returned now; the lane stays
                    // busy until the core dispatches the deferred completion, and the next op
                    // in this direction waits for it.
                    lane.state = LaneState::Detached(op);
                    return Poll::Ready(result);
                }
                Ok(FinishAction::Retry) => continue,
                Ok(FinishAction::Parked) => {
                    lane.state = LaneState::Waiting(op);
                    lane.set_waker(cx);
                    self.mark_dirty(token);
                    return Poll::Pending;
                }
                Err(_) => {
                    lane.state = LaneState::Idle;
                    return Poll::Ready(Err(io_error::internal("finish_attempt refused")));
                }
            }
        }
    }

    /// The task stopped waiting for its op in `dir` (its future was dropped): cancel the op.
    /// Nothing is lost: a waiting op did no I/O; an attempt granted but not performed is
    /// finished as WouldBlock (no syscall happened), which the core resolves as cancelled.
    /// Returns the wakers of other tasks that waited in `dir`: the caller wakes them (after
    /// releasing the driver) so one submits a new op.
    pub(crate) fn cancel_op(&mut self, token: Token, dir: Direction) -> Vec<Waker> {
        let Some(source) = self.source_mut(token) else {
            return Vec::new();
        };
        let lane = &mut source.lanes[dir.index()];
        let op = match lane.state {
            LaneState::Waiting(op) | LaneState::Attempt(op) => op,
            LaneState::Idle | LaneState::Detached(_) => return Vec::new(),
            LaneState::Aborted => {
                lane.state = LaneState::Idle;
                return Vec::new();
            }
        };
        let others = lane.waiters.take_others_of_cancel();
        lane.state = LaneState::Idle;
        match self.reactor.cancel(op) {
            Ok(CancelAction::Requested) => {
                let _ = self.reactor.finish_attempt(op, Outcome::WouldBlock);
            }
            Ok(CancelAction::Cancelled(_)) | Ok(CancelAction::TooLate) | Err(_) => {}
        }
        self.mark_dirty(token);
        others
    }

    /// True when an op is outstanding (waiting or granted) in `dir` of `token`.
    pub(crate) fn op_pending(&mut self, token: Token, dir: Direction) -> bool {
        self.source_mut(token).is_some_and(|s| {
            matches!(
                s.lanes[dir.index()].state,
                LaneState::Waiting(_) | LaneState::Attempt(_)
            )
        })
    }

    /// Drains the core's ready queue: granted attempts and deferred completions wake their task.
    fn dispatch_ready(&mut self, to_wake: &mut Vec<Waker>) {
        while let Some(ready) = self.reactor.poll_ready() {
            let (op, granted) = match ready {
                Ready::Attempt(op) => (op, true),
                Ready::Complete(c) => (c.op, false),
            };
            let token = op.token();
            let dir = op.direction();
            let edge = self.edge;
            let Some(source) = self.source_mut(token) else {
                continue;
            };
            let lane = &mut source.lanes[dir.index()];
            match (lane.state, granted) {
                (LaneState::Waiting(w), true) if w == op => {
                    lane.state = LaneState::Attempt(op);
                    lane.waiters.take_all(to_wake);
                    if !edge {
                        self.mark_dirty(token);
                    }
                }
                (LaneState::Detached(d), false) if d == op => {
                    lane.state = LaneState::Idle;
                    lane.waiters.take_all(to_wake);
                }
                (_, true) => {
                    // Nobody owns this attempt (should not happen): resolve it as cancelled so
                    // the lane is free again.
                    if let Ok(CancelAction::Requested) = self.reactor.cancel(op) {
                        let _ = self.reactor.finish_attempt(op, Outcome::WouldBlock);
                    }
                }
                (_, false) => {}
            }
        }
    }

    /// Pushes interest changes to a level-triggered poller.
    fn flush_interest(&mut self) -> io::Result<()> {
        while let Some(token) = self.dirty.pop() {
            let interest = match self.reactor.interest(token) {
                Ok(i) => i,
                Err(_) => continue,
            };
            let Some(source) = self.source_mut(token) else {
                continue;
            };
            source.dirty = false;
            if source.watched != interest {
                source.watched = interest;
                let fd = source.fd;
                self.poller.reregister(fd, token, interest)?;
            }
        }
        Ok(())
    }

    /// One turn: see the module docs. Blocks only when `may_block` and nothing became runnable.
    pub(crate) fn turn(&mut self, may_block: bool, to_wake: &mut Vec<Waker>) -> io::Result<()> {
        self.dispatch_ready(to_wake);
        // Work the core queued itself (budget-deferred ops and completions) needs no OS poll:
        // hand it out first, polling the OS at least every MAX_TURNS_WITHOUT_POLL turns.
        if !to_wake.is_empty() && self.turns_since_poll < MAX_TURNS_WITHOUT_POLL {
            self.turns_since_poll += 1;
            self.expire_timers(to_wake);
            return Ok(());
        }
        self.turns_since_poll = 0;
        self.flush_interest()?;
        // The clock is read only while a timer is armed: a turn without timers costs no
        // clock_gettime.
        let now = self.expire_timers(to_wake);
        let timeout = if !may_block || !to_wake.is_empty() {
            Some(Duration::ZERO)
        } else {
            (self.timers.next_deadline().zip(now))
                .map(|(deadline, now)| Duration::from_nanos(deadline.saturating_sub(now)))
        };
        let n = self.poller.wait(&mut self.events, timeout)?;
        for i in 0..n {
            let event = self.events[i];
            let _ = self.reactor.handle_event(event);
        }
        self.dispatch_ready(to_wake);
        self.expire_timers(to_wake);
        Ok(())
    }

    /// Expires due timers and returns the time it read, or reads no clock when none is armed.
    fn expire_timers(&mut self, to_wake: &mut Vec<Waker>) -> Option<Ticks> {
        self.timers.next_deadline()?;
        let now = self.clock.now();
        self.timers.expire(now, to_wake);
        Some(now)
    }

    /// The runtime is going away: deregister everything, wake whoever waits.
    pub(crate) fn shutdown(&mut self, to_wake: &mut Vec<Waker>) {
        let tokens: Vec<Token> = self.sources.iter().filter_map(|s| s.token).collect();
        for token in tokens {
            self.deregister(token, to_wake);
        }
        self.shut_down = true;
        self.timers.clear(to_wake);
    }
}
