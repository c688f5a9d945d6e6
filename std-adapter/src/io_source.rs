//! One registered descriptor: the std object that owns the fd, its core token, and the runtime
//! it is registered with. Every socket type is a thin layer over [`IoSource`]; its reads,
//! writes, accepts and connects all go through [`IoSource::poll_op`], and the futures returned
//! by the `async fn`s all go through [`Op`], which cancels its core op when dropped.
//!
//! **A socket works only on the runtime that made it.** A socket is `!Send`, so it stays on its
//! thread, but another runtime could still poll it on that thread (a second `Runtime` whose
//! `block_on` runs after the first one's, or another executor). An op that would park is checked
//! first: parked in a reactor nobody drives, it would hang forever. So an op that must wait while
//! the current runtime is not the socket's own is cancelled and fails with a clear error
//! ([`io_error::foreign_runtime`]). The check costs nothing on the inline path: an op that
//! completes at once works from anywhere on the thread.

use std::cell::Cell;
use std::future::Future;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use rill_core::{Direction, OpId, Token};

use crate::context;
use crate::executor::Local;
use crate::io_error::{self, no_runtime};
use crate::transfer::Transfer;

/// A descriptor registered with the current runtime. Deregistered when dropped (before the fd
/// closes), which completes any outstanding op as aborted.
pub(crate) struct IoSource<T: AsRawFd> {
    io: Option<T>,
    token: Token,
    fd: RawFd,
    local: Rc<Local>,
    /// `Builder::busy_poll` is on (copied here so the hot path reads no other struct).
    busy_poll: bool,
    /// The last op to complete here was a write: a read now may busy poll for the answer.
    wrote: Cell<bool>,
}

impl<T: AsRawFd> IoSource<T> {
    /// Registers `io` (already non-blocking) with the runtime driving this thread.
    pub(crate) fn new(io: T) -> io::Result<IoSource<T>> {
        let local = context::current().ok_or_else(no_runtime)?;
        let fd = io.as_raw_fd();
        let token = local.driver.borrow_mut().register(fd)?;
        Ok(IoSource {
            io: Some(io),
            token,
            fd,
            busy_poll: local.busy_poll,
            local,
            wrote: Cell::new(false),
        })
    }

    /// The std object.
    pub(crate) fn get_ref(&self) -> &T {
        // `io` is `None` only inside `into_inner` and `drop`.
        match &self.io {
            Some(io) => io,
            None => unreachable!("IoSource used after into_inner"),
        }
    }

    /// The raw descriptor.
    pub(crate) fn fd(&self) -> RawFd {
        self.fd
    }

    /// Polls one op in `dir`; `f` performs the syscall when the core grants an attempt. While
    /// the op waits, `ticket` holds its id: pass it to [`IoSource::cancel`] if the caller stops
    /// waiting (a dropped future).
    #[inline]
    pub(crate) fn poll_op<R>(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
        ticket: &mut Option<OpId>,
        mut f: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let io = self.get_ref();
        self.poll_op_drains(cx, dir, ticket, move || f(io), &|_| false)
    }

    /// [`IoSource::poll_op`] where `drains(&r)` tells the core that a result showed the
    /// direction empty or full (see [`rill_core::Outcome::Drained`]).
    #[inline]
    pub(crate) fn poll_op_drains<R>(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
        ticket: &mut Option<OpId>,
        mut f: impl FnMut() -> io::Result<R>,
        drains: &impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        // Busy polling (`Builder::busy_poll`): a read that follows a write here, with no other
        // task runnable, may spin for its answer. Off, this is one flag test per op.
        let spin = self.busy_poll
            && dir == Direction::Read
            && self.wrote.get()
            && !self.local.has_runnable();
        let r = if spin {
            // `f` moves out on this path only, so the common one keeps it in registers.
            self.poll_op_spinning(cx, dir, ticket, f, drains)
        } else {
            let mut driver = self.local.driver.borrow_mut();
            driver.poll_op(self.token, dir, cx, ticket, &mut f, drains)
        };
        if self.busy_poll {
            if let Poll::Ready(Ok(_)) = r {
                self.wrote.set(dir == Direction::Write);
            }
        }
        if r.is_pending() && !self.driven_here() {
            self.cancel(ticket.take());
            return Poll::Ready(Err(io_error::foreign_runtime()));
        }
        r
    }

    /// The spinning read of busy polling ([`crate::driver::Driver::poll_op_spinning`]), out of
    /// line.
    #[cold]
    #[inline(never)]
    fn poll_op_spinning<R>(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
        ticket: &mut Option<OpId>,
        mut f: impl FnMut() -> io::Result<R>,
        drains: &impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        let mut driver = self.local.driver.borrow_mut();
        driver.poll_op_spinning(self.token, dir, cx, ticket, &mut f, drains)
    }

    /// True when the runtime driving this thread is the socket's own (see the module docs).
    fn driven_here(&self) -> bool {
        context::is_current(&self.local)
    }

    /// Polls one stream transfer in `dir` for a caller that keeps no ticket (the `poll_*`
    /// methods and `AsyncRead` / `AsyncWrite`: they never cancel; a later poll, from any caller,
    /// takes the op up). `f` performs the syscall when the core grants an attempt, and its
    /// [`Transfer`] says whether a short count proves the direction drained (read) or full
    /// (write), which lets the core skip the next speculative syscall.
    #[inline]
    pub(crate) fn poll_transfer(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
        f: impl FnMut() -> io::Result<Transfer>,
    ) -> Poll<io::Result<usize>> {
        self.poll_op_drains(cx, dir, &mut None, f, &|t: &Transfer| t.drained)
            .map_ok(|t| t.n)
    }

    /// Cancels the op a dropped future waited on (`ticket`), if it is still outstanding. Other
    /// tasks that wait in the same direction are woken, so one of them submits a new op.
    #[inline]
    pub(crate) fn cancel(&self, ticket: Option<OpId>) {
        if let Some(op) = ticket {
            self.cancel_op(op);
        }
    }

    #[cold]
    fn cancel_op(&self, op: OpId) {
        match self.local.driver.try_borrow_mut() {
            Ok(mut driver) => driver.cancel_op(op),
            Err(_) => return,
        }
        self.local.wake_collected();
    }

    /// Waits until `dir` is (probably) ready, consuming nothing: a zero-timeout `poll(2)` run
    /// as the op's syscall, so `WouldBlock` parks it like any other op. Behind every
    /// `readable()` / `writable()` (streams, datagrams, `AsyncFd`).
    pub(crate) async fn ready(&self, dir: Direction) -> io::Result<()> {
        let fd = self.fd;
        Op::new(self, dir, move |_: &T| {
            crate::sys::fd::ready_or_would_block(fd, dir)
        })
        .await
    }

    /// True when an op is outstanding in `dir`.
    pub(crate) fn op_pending(&self, dir: Direction) -> bool {
        self.local.driver.borrow().op_pending(self.token, dir)
    }

    /// Deregisters and hands the std object back.
    pub(crate) fn into_inner(mut self) -> T {
        self.deregister();
        match self.io.take() {
            Some(io) => io,
            None => unreachable!("IoSource::into_inner called twice"),
        }
    }

    fn deregister(&mut self) {
        self.local
            .with_driver_wake(|driver| driver.deregister(self.token));
    }
}

impl<T: AsRawFd> Drop for IoSource<T> {
    fn drop(&mut self) {
        if self.io.is_some() {
            self.deregister();
        }
    }
}

/// A future for one op in one direction. Dropping it before it completes cancels the op: a
/// parked or queued op did no I/O, and an attempt the core granted but the task never made is
/// resolved without a syscall, so no bytes are consumed or sent by a cancelled op.
pub(crate) struct Op<'a, T: AsRawFd, F, D> {
    source: &'a IoSource<T>,
    dir: Direction,
    f: F,
    drains: D,
    /// The op this future waits on, if it waits.
    ticket: Option<OpId>,
}

impl<'a, T: AsRawFd, F> Op<'a, T, F, ()> {
    /// An op whose result says nothing about the direction's readiness (accept, datagrams).
    pub(crate) fn new<R>(
        source: &'a IoSource<T>,
        dir: Direction,
        f: F,
    ) -> Op<'a, T, F, fn(&R) -> bool>
    where
        F: FnMut(&T) -> io::Result<R> + Unpin,
    {
        Op {
            source,
            dir,
            f,
            drains: |_| false,
            ticket: None,
        }
    }

    /// A stream transfer: its [`Transfer`] tells the core whether the direction is drained.
    pub(crate) fn transfer(
        source: &'a IoSource<T>,
        dir: Direction,
        f: F,
    ) -> Op<'a, T, F, fn(&Transfer) -> bool>
    where
        F: FnMut(&T) -> io::Result<Transfer> + Unpin,
    {
        Op {
            source,
            dir,
            f,
            drains: |t| t.drained,
            ticket: None,
        }
    }
}

impl<T: AsRawFd, R, F, D> Future for Op<'_, T, F, D>
where
    F: FnMut(&T) -> io::Result<R> + Unpin,
    D: Fn(&R) -> bool + Unpin,
{
    type Output = io::Result<R>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<R>> {
        let this = self.get_mut();
        let (io, f) = (this.source.get_ref(), &mut this.f);
        this.source
            .poll_op_drains(cx, this.dir, &mut this.ticket, || f(io), &this.drains)
    }
}

impl<T: AsRawFd, F, D> Drop for Op<'_, T, F, D> {
    fn drop(&mut self) {
        self.source.cancel(self.ticket.take());
    }
}
