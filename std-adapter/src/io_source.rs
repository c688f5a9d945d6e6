//! One registered descriptor: the std object that owns the fd, its core token, and the runtime
//! it is registered with. Every socket type is a thin layer over [`IoSource`]; its reads,
//! writes, accepts and connects all go through [`IoSource::poll_op`], and the futures returned
//! by the `async fn`s all go through [`Op`], which cancels its core op when dropped.

use std::future::Future;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use rill_core::{Direction, Token};

use crate::context;
use crate::executor::Local;
use crate::runtime::no_runtime;

/// A descriptor registered with the current runtime. Deregistered when dropped (before the fd
/// closes), which completes any outstanding op as aborted.
pub(crate) struct IoSource<T: AsRawFd> {
    io: Option<T>,
    token: Token,
    fd: RawFd,
    local: Rc<Local>,
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
            local,
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

    /// Polls one op in `dir`; `f` performs the syscall when the core grants an attempt.
    pub(crate) fn poll_op<R>(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
        f: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_op_drains(cx, dir, f, &|_| false)
    }

    /// [`IoSource::poll_op`] where `drains(&r)` tells the core that a result showed the
    /// direction empty or full (see [`rill_core::Outcome::Drained`]).
    pub(crate) fn poll_op_drains<R>(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
        mut f: impl FnMut(&T) -> io::Result<R>,
        drains: &impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        let io = self.get_ref();
        let mut driver = self.local.driver.borrow_mut();
        driver.poll_op(self.token, dir, cx, &mut || f(io), drains)
    }

    /// Polls one stream transfer of `len` bytes in `dir`; `f` performs the syscall when the
    /// core grants an attempt. A positive count below `len` means the socket buffer is drained
    /// (read) or full (write), which the core uses to skip the next speculative syscall.
    pub(crate) fn poll_transfer(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
        len: usize,
        mut f: impl FnMut() -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        self.poll_op_drains(cx, dir, |_| f(), &|&n| short_transfer(n, len))
    }

    /// Cancels the op outstanding in `dir`, if any (its future was dropped).
    pub(crate) fn cancel(&self, dir: Direction) {
        if let Ok(mut driver) = self.local.driver.try_borrow_mut() {
            driver.cancel_op(self.token, dir);
        }
    }

    /// True when an op is outstanding in `dir`.
    pub(crate) fn op_pending(&self, dir: Direction) -> bool {
        self.local.driver.borrow_mut().op_pending(self.token, dir)
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
            .with_driver_wake(|driver, to_wake| driver.deregister(self.token, to_wake));
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
    pending: bool,
}

/// A positive count below the `len` asked for: a stream read found the socket buffer empty, or a
/// write found it full.
fn short_transfer(n: usize, len: usize) -> bool {
    n > 0 && n < len
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
            pending: false,
        }
    }

    /// A stream transfer of `len` bytes: a short one tells the core the direction is drained.
    pub(crate) fn transfer(
        source: &'a IoSource<T>,
        dir: Direction,
        len: usize,
        f: F,
    ) -> Op<'a, T, F, impl Fn(&usize) -> bool + Unpin>
    where
        F: FnMut(&T) -> io::Result<usize> + Unpin,
    {
        Op {
            source,
            dir,
            f,
            drains: move |&n: &usize| short_transfer(n, len),
            pending: false,
        }
    }
}

impl<T: AsRawFd, R, F, D> Future for Op<'_, T, F, D>
where
    F: FnMut(&T) -> io::Result<R> + Unpin,
    D: Fn(&R) -> bool + Unpin,
{
    type Output = io::Result<R>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<R>> {
        let this = self.get_mut();
        let r = this
            .source
            .poll_op_drains(cx, this.dir, &mut this.f, &this.drains);
        this.pending = r.is_pending();
        r
    }
}

impl<T: AsRawFd, F, D> Drop for Op<'_, T, F, D> {
    fn drop(&mut self) {
        if self.pending {
            self.source.cancel(self.dir);
        }
    }
}
