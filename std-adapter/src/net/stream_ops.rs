//! The futures behind a stream's `read` and `write_all`, written by hand: these two run on
//! every request of every connection, and as plain structs an op is one poll of one future (no
//! `async fn` state machine wrapped around an [`Op`](crate::io_source::Op)). Each holds its op's
//! ticket and cancels it when dropped, like `Op`; the rules are the same.

use std::future::Future;
use std::io;
use std::os::fd::AsRawFd;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use rill_core::{Direction, OpId};

use crate::io_source::IoSource;
use crate::transfer::{self, Transfer};

/// `read(buf)` on a stream, with `read_fn` its syscall (`transfer::read` or `read_unix` on the
/// stream's descriptor).
pub(crate) struct Read<'a, T: AsRawFd, F> {
    source: &'a IoSource<T>,
    buf: &'a mut [u8],
    read_fn: F,
    ticket: Option<OpId>,
}

impl<'a, T: AsRawFd, F> Read<'a, T, F>
where
    F: Fn(&mut [u8]) -> io::Result<Transfer> + Unpin,
{
    pub(crate) fn new(source: &'a IoSource<T>, buf: &'a mut [u8], read_fn: F) -> Self {
        Read {
            source,
            buf,
            read_fn,
            ticket: None,
        }
    }
}

impl<T: AsRawFd, F> Future for Read<'_, T, F>
where
    F: Fn(&mut [u8]) -> io::Result<Transfer> + Unpin,
{
    type Output = io::Result<usize>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        // An empty buffer reads nothing, at once: it must not park on a drained direction.
        if this.buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let (buf, read_fn) = (&mut *this.buf, &this.read_fn);
        this.source
            .poll_op_drains(
                cx,
                Direction::Read,
                &mut this.ticket,
                move || read_fn(buf),
                &|t: &Transfer| t.drained,
            )
            .map_ok(|t| t.n)
    }
}

impl<T: AsRawFd, F> Drop for Read<'_, T, F> {
    fn drop(&mut self) {
        self.source.cancel(self.ticket.take());
    }
}

/// `write_all(buf)` on a stream: writes until `buf` is empty; a write that accepts 0 bytes is
/// `WriteZero`. Dropped midway, a prefix of `buf` was sent.
pub(crate) struct WriteAll<'a, T: AsRawFd> {
    source: &'a IoSource<T>,
    buf: &'a [u8],
    ticket: Option<OpId>,
}

impl<'a, T: AsRawFd> WriteAll<'a, T> {
    pub(crate) fn new(source: &'a IoSource<T>, buf: &'a [u8]) -> Self {
        WriteAll {
            source,
            buf,
            ticket: None,
        }
    }
}

impl<T: AsRawFd> Future for WriteAll<'_, T> {
    type Output = io::Result<()>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let fd = this.source.fd();
        while !this.buf.is_empty() {
            let buf = this.buf;
            let n = ready!(this.source.poll_op_drains(
                cx,
                Direction::Write,
                &mut this.ticket,
                move || transfer::write(fd, buf),
                &|t: &Transfer| t.drained,
            ))?
            .n;
            if n == 0 {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "write accepted 0 bytes",
                )));
            }
            this.buf = &this.buf[n..];
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsRawFd> Drop for WriteAll<'_, T> {
    fn drop(&mut self) {
        self.source.cancel(self.ticket.take());
    }
}
