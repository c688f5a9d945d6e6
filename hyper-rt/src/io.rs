//! [`RillIo`]: a rill stream as hyper's `Read` + `Write`.
//!
//! Reads go straight into hyper's read buffer, which hyper hands out uninitialised: rill's
//! `poll_read_uninit` passes that memory to `recv` / `recvmsg` as it is, so nothing is zeroed
//! first, and the drained rule that lets the next read park without a syscall is the same as
//! for an initialised read. Writes are `send` / `sendmsg` (no SIGPIPE); `poll_flush` has
//! nothing to do (nothing is buffered here) and `poll_shutdown` shuts the writing half.

use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::AsyncWrite;

/// A rill byte stream [`RillIo`] can wrap: [`rill::TcpStream`] and [`rill::UnixStream`].
/// Sealed: implemented here for those two only.
pub trait RillStream: private::Sealed {
    /// Reads into uninitialised memory; on `Ready(Ok(n))`, `buf[..n]` is initialised.
    fn poll_read_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>>;
    /// Writes some of `buf`.
    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;
    /// Writes from several buffers at once.
    fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>>;
    /// Shuts down the writing half.
    fn poll_shutdown(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
}

mod private {
    pub trait Sealed {}
    impl Sealed for rill::TcpStream {}
    impl Sealed for rill::UnixStream {}
}

macro_rules! rill_stream {
    ($ty:ty) => {
        impl RillStream for $ty {
            #[inline]
            fn poll_read_uninit(
                &self,
                cx: &mut Context<'_>,
                buf: &mut [MaybeUninit<u8>],
            ) -> Poll<io::Result<usize>> {
                <$ty>::poll_read_uninit(self, cx, buf)
            }

            #[inline]
            fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                Pin::new(&mut &*self).poll_write(cx, buf)
            }

            #[inline]
            fn poll_write_vectored(
                &self,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut &*self).poll_write_vectored(cx, bufs)
            }

            fn poll_shutdown(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Pin::new(&mut &*self).poll_close(cx)
            }
        }
    };
}

rill_stream!(rill::TcpStream);
rill_stream!(rill::UnixStream);

/// A rill stream ([`rill::TcpStream`], [`rill::UnixStream`]) as hyper's
/// [`Read`](hyper::rt::Read) and [`Write`](hyper::rt::Write): hand it to
/// `hyper::server::conn::http1::Builder::serve_connection`, `http2::Builder::serve_connection`
/// or the client `handshake`s.
///
/// `!Send` like the stream it wraps: the connection future runs on the stream's loop (spawn it
/// with [`rill::spawn`]).
#[derive(Debug)]
pub struct RillIo<T> {
    inner: T,
}

impl<T> RillIo<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> RillIo<T> {
        RillIo { inner }
    }

    /// The wrapped stream.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// Unwraps the stream.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: RillStream + Unpin> hyper::rt::Read for RillIo<T> {
    #[inline]
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // SAFETY: `as_mut` requires that no initialised byte be de-initialised. The only writer
        // of the slice is the kernel's `recv` / `recvmsg`, which stores bytes and never
        // un-initialises memory.
        let uninit = unsafe { buf.as_mut() };
        let n = std::task::ready!(self.inner.poll_read_uninit(cx, uninit))?;
        // SAFETY: `poll_read_uninit` returned `n`: the kernel wrote `uninit[..n]`, so those `n`
        // bytes at the cursor are initialised, as `advance` requires.
        unsafe { buf.advance(n) };
        Poll::Ready(Ok(()))
    }
}

impl<T: RillStream + Unpin> hyper::rt::Write for RillIo<T> {
    #[inline]
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Writes go straight to the kernel: nothing is buffered here.
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    #[inline]
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_write_vectored(cx, bufs)
    }
}
