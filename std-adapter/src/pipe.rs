//! Anonymous pipes: [`pipe()`] gives a connected [`PipeWriter`] and [`PipeReader`], byte
//! streams with `async` `read` / `write` and the `futures-io` `AsyncRead` / `AsyncWrite`
//! traits. A child process's piped stdin / stdout / stderr ([`crate::process`]) are these types.
//!
//! ```
//! let rt = rill::Runtime::new()?;
//! rt.block_on(async {
//!     let (tx, rx) = rill::pipe()?;
//!     tx.write_all(b"through the pipe").await?;
//!     drop(tx); // the reader sees EOF once every writer is gone
//!     let mut got = Vec::new();
//!     let mut buf = [0u8; 64];
//!     loop {
//!         match rx.read(&mut buf).await? {
//!             0 => break,
//!             n => got.extend_from_slice(&buf[..n]),
//!         }
//!     }
//!     assert_eq!(got, b"through the pipe");
//!     std::io::Result::Ok(())
//! })?;
//! # std::io::Result::Ok(())
//! ```
//!
//! # Behaviour
//!
//! - Both ends are made with `pipe2(O_NONBLOCK | O_CLOEXEC)` (`pipe` + `fcntl` on Apple
//!   systems). I/O is `read` / `readv` / `write` / `writev`: a pipe is not a socket.
//! - **EOF**: `read` returns `Ok(0)` once every write end is closed and the pipe is empty.
//! - **No SIGPIPE**: a write once every read end is closed is `BrokenPipe`, never a signal, whatever
//!   the process's SIGPIPE disposition and without changing it (the write holds SIGPIPE back in
//!   its own thread; see `sys/fd.rs`). rill does not set SIGPIPE to "ignore" process-wide: that
//!   would change how every other part of the program, and its child processes, react to a
//!   closed pipe.
//! - **Atomic writes**: a write of at most `PIPE_BUF` bytes (4096 on Linux) is never interleaved
//!   with other writers' and never split.
//! - Like the sockets, these are `!Send` (they belong to the loop that made them), their
//!   methods take `&self`, and one reader (writer) at a time waits per end. Dropping a read or
//!   write future before it completes moves no bytes. [`PipeWriter`]'s `poll_close` does
//!   nothing: drop the writer to send EOF.
//! - A short write proves the pipe full, so the next write parks without a wasted syscall. A
//!   short read proves nothing: any writer may switch the pipe to packet mode (Linux
//!   `O_DIRECT`), where each read stops at a packet, so the next read tries its syscall
//!   (`transfer.rs`).

use std::fmt;
use std::io::{self, IoSlice, IoSliceMut};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, IntoRawFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use rill_core::Direction;

use crate::io_source::{IoSource, Op};
use crate::sys::fd as sys;
use crate::transfer;

/// A new anonymous pipe registered with the current runtime: `(writer, reader)`.
///
/// Errors: no runtime on this thread, the descriptor limit (`EMFILE`), a full table.
///
/// ```
/// # let rt = rill::Runtime::new()?;
/// # rt.block_on(async {
/// let (w, r) = rill::pipe()?;
/// w.write_all(b"through the pipe").await?;
/// drop(w); // EOF for the reader
/// let mut out = Vec::new();
/// r.read_to_end(&mut out).await?;
/// assert_eq!(out, b"through the pipe");
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
pub fn pipe() -> io::Result<(PipeWriter, PipeReader)> {
    let (rx, tx) = sys::pipe()?;
    Ok((PipeWriter::new(tx)?, PipeReader::new(rx)?))
}

/// Checks that `fd` is a pipe or FIFO and makes it non-blocking.
fn adopt(fd: &OwnedFd) -> io::Result<()> {
    let raw = fd.as_raw_fd();
    if sys::file_type(raw)? != libc::S_IFIFO {
        crate::fd::check_watchable(raw)?;
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("descriptor {raw} is not a pipe or FIFO (use rill::fd::AsyncFd for it)"),
        ));
    }
    sys::set_nonblocking(raw)
}

/// The reading end of a pipe (or FIFO).
///
/// ```
/// # let rt = rill::Runtime::new()?;
/// # rt.block_on(async {
/// let (w, r): (_, rill::PipeReader) = rill::pipe()?;
/// w.write_all(b"abc").await?;
/// let mut buf = [0u8; 3];
/// r.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"abc");
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
pub struct PipeReader {
    source: IoSource<OwnedFd>,
}

impl PipeReader {
    fn new(fd: OwnedFd) -> io::Result<PipeReader> {
        Ok(PipeReader {
            source: IoSource::new(fd)?,
        })
    }

    /// Takes over the read end of a pipe or FIFO (made non-blocking here). Anything else is
    /// `InvalidInput`.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (w, r) = rill::pipe()?;
    /// let fd: std::os::fd::OwnedFd = r.into_owned_fd();
    /// let r = rill::PipeReader::from_owned_fd(fd)?; // registered again
    /// w.write_all(b"x").await?;
    /// assert_eq!(r.read(&mut [0u8; 4]).await?, 1);
    /// let (sock, _) = std::os::unix::net::UnixStream::pair()?;
    /// let err = rill::PipeReader::from_owned_fd(sock.into()).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput); // not a pipe
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_owned_fd(fd: OwnedFd) -> io::Result<PipeReader> {
        adopt(&fd)?;
        PipeReader::new(fd)
    }

    /// Deregisters and gives the descriptor back (still non-blocking).
    ///
    /// ```
    /// use std::io::Read;
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (w, r) = rill::pipe()?;
    /// let mut file = std::fs::File::from(r.into_owned_fd()); // plain std I/O from here on
    /// w.write_all(b"std").await?;
    /// let mut buf = [0u8; 3];
    /// file.read_exact(&mut buf)?;
    /// assert_eq!(&buf, b"std");
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_owned_fd(self) -> OwnedFd {
        self.source.into_inner()
    }

    /// Reads into `buf`, waiting until at least one byte is available. `Ok(0)` is EOF (every
    /// writer closed) or an empty `buf`. Dropped before it completes, it read nothing.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (w, r) = rill::pipe()?;
    /// w.write_all(b"some").await?;
    /// let mut buf = [0u8; 16];
    /// let n = r.read(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"some");
    /// drop(w);
    /// assert_eq!(r.read(&mut buf).await?, 0); // EOF: every writer closed
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let fd = self.source.fd();
        Op::transfer(&self.source, Direction::Read, move |_: &OwnedFd| {
            transfer::read_pipe(fd, buf)
        })
        .await
        .map(|t| t.n)
    }

    /// Reads into several buffers at once (`readv`). Same guarantees as `read`.
    ///
    /// ```
    /// use std::io::IoSliceMut;
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (w, r) = rill::pipe()?;
    /// w.write_all(b"headbody").await?;
    /// let (mut head, mut body) = ([0u8; 4], [0u8; 4]);
    /// let mut bufs = [IoSliceMut::new(&mut head), IoSliceMut::new(&mut body)];
    /// let n = r.read_vectored(&mut bufs).await?;
    /// assert_eq!((n, &head, &body), (8, b"head", b"body"));
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        if bufs.iter().all(|b| b.is_empty()) {
            return Ok(0);
        }
        let fd = self.source.fd();
        Op::transfer(&self.source, Direction::Read, move |_: &OwnedFd| {
            transfer::read_vectored_pipe(fd, bufs)
        })
        .await
        .map(|t| t.n)
    }

    /// Reads exactly `buf.len()` bytes; an early EOF is `UnexpectedEof`.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (w, r) = rill::pipe()?;
    /// w.write_all(b"abc").await?;
    /// drop(w);
    /// let mut buf = [0u8; 2];
    /// r.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"ab");
    /// let err = r.read_exact(&mut buf).await.unwrap_err(); // only one byte left
    /// assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn read_exact(&self, mut buf: &mut [u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.read(buf).await? {
                0 => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "early EOF in read_exact",
                    ))
                }
                n => buf = &mut buf[n..],
            }
        }
        Ok(())
    }

    /// Reads until EOF, appending to `out`; returns how many bytes were appended.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (w, r) = rill::pipe()?;
    /// let writer = rill::spawn(async move { w.write_all(&[1u8; 100_000]).await });
    /// let mut out = vec![0u8]; // appended to
    /// assert_eq!(r.read_to_end(&mut out).await?, 100_000);
    /// assert_eq!(out.len(), 100_001);
    /// writer.await.unwrap()?;
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn read_to_end(&self, out: &mut Vec<u8>) -> io::Result<usize> {
        let start = out.len();
        let mut buf = [0u8; 8192];
        loop {
            match self.read(&mut buf).await? {
                0 => return Ok(out.len() - start),
                n => out.extend_from_slice(&buf[..n]),
            }
        }
    }

    fn poll_read_impl(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let fd = self.source.fd();
        self.source
            .poll_transfer(cx, Direction::Read, || transfer::read_pipe(fd, buf))
    }

    fn poll_read_vectored_impl(
        &self,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        if bufs.iter().all(|b| b.is_empty()) {
            return Poll::Ready(Ok(0));
        }
        let fd = self.source.fd();
        self.source.poll_transfer(cx, Direction::Read, || {
            transfer::read_vectored_pipe(fd, bufs)
        })
    }
}

/// The writing end of a pipe (or FIFO).
///
/// ```
/// # let rt = rill::Runtime::new()?;
/// # rt.block_on(async {
/// let (w, r): (rill::PipeWriter, _) = rill::pipe()?;
/// drop(r);
/// let err = w.write_all(b"nobody reads").await.unwrap_err(); // no SIGPIPE
/// assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
pub struct PipeWriter {
    source: IoSource<OwnedFd>,
}

impl PipeWriter {
    fn new(fd: OwnedFd) -> io::Result<PipeWriter> {
        sys::set_nosigpipe(fd.as_raw_fd())?;
        Ok(PipeWriter {
            source: IoSource::new(fd)?,
        })
    }

    /// Takes over the write end of a pipe or FIFO (made non-blocking here). Anything else is
    /// `InvalidInput`.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (w, r) = rill::pipe()?;
    /// let w = rill::PipeWriter::from_owned_fd(w.into_owned_fd())?; // registered again
    /// w.write_all(b"x").await?;
    /// assert_eq!(r.read(&mut [0u8; 4]).await?, 1);
    /// let (sock, _) = std::os::unix::net::UnixStream::pair()?;
    /// let err = rill::PipeWriter::from_owned_fd(sock.into()).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput); // not a pipe
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_owned_fd(fd: OwnedFd) -> io::Result<PipeWriter> {
        adopt(&fd)?;
        PipeWriter::new(fd)
    }

    /// Deregisters and gives the descriptor back (still non-blocking).
    ///
    /// ```
    /// use std::io::Write;
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (w, r) = rill::pipe()?;
    /// let mut file = std::fs::File::from(w.into_owned_fd()); // plain std I/O from here on
    /// file.write_all(b"std")?;
    /// let mut buf = [0u8; 3];
    /// r.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"std");
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_owned_fd(self) -> OwnedFd {
        self.source.into_inner()
    }

    /// Writes some of `buf`, waiting until the pipe accepts at least one byte; returns how many
    /// were written. Every reader gone is `BrokenPipe` (never SIGPIPE). Dropped before it
    /// completes, it wrote nothing.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (w, r) = rill::pipe()?;
    /// let n = w.write(b"partial or whole").await?;
    /// assert!(n > 0);
    /// let mut buf = vec![0u8; n];
    /// r.read_exact(&mut buf).await?;
    /// assert_eq!(&buf[..], &b"partial or whole"[..n]);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let fd = self.source.fd();
        Op::transfer(&self.source, Direction::Write, move |_: &OwnedFd| {
            transfer::write_pipe(fd, buf)
        })
        .await
        .map(|t| t.n)
    }

    /// Writes from several buffers at once (`writev`). Same guarantees as `write`.
    ///
    /// ```
    /// use std::io::IoSlice;
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (w, r) = rill::pipe()?;
    /// assert_eq!(w.write_vectored(&[IoSlice::new(b"ab"), IoSlice::new(b"cd")]).await?, 4);
    /// let mut buf = [0u8; 4];
    /// r.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"abcd");
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        if bufs.iter().all(|b| b.is_empty()) {
            return Ok(0);
        }
        let fd = self.source.fd();
        Op::transfer(&self.source, Direction::Write, move |_: &OwnedFd| {
            transfer::write_vectored_pipe(fd, bufs)
        })
        .await
        .map(|t| t.n)
    }

    /// Writes all of `buf`. Dropped midway, a prefix of `buf` was written.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (w, r) = rill::pipe()?;
    /// let data = vec![9u8; 200_000]; // more than a pipe holds (64 KiB on Linux)
    /// let reader = rill::spawn(async move {
    ///     let mut out = Vec::new();
    ///     r.read_to_end(&mut out).await.map(|_| out)
    /// });
    /// w.write_all(&data).await?;
    /// drop(w);
    /// assert_eq!(reader.await.unwrap()?, data);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.write(buf).await? {
                0 => {
                    return Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "write accepted 0 bytes",
                    ))
                }
                n => buf = &buf[n..],
            }
        }
        Ok(())
    }

    fn poll_write_impl(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let fd = self.source.fd();
        self.source
            .poll_transfer(cx, Direction::Write, || transfer::write_pipe(fd, buf))
    }

    fn poll_write_vectored_impl(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if bufs.iter().all(|b| b.is_empty()) {
            return Poll::Ready(Ok(0));
        }
        let fd = self.source.fd();
        self.source.poll_transfer(cx, Direction::Write, || {
            transfer::write_vectored_pipe(fd, bufs)
        })
    }
}

macro_rules! async_read {
    ($($ty:tt)+) => {
        impl futures_io::AsyncRead for $($ty)+ {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                self.poll_read_impl(cx, buf)
            }

            fn poll_read_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &mut [IoSliceMut<'_>],
            ) -> Poll<io::Result<usize>> {
                self.poll_read_vectored_impl(cx, bufs)
            }
        }
    };
}

macro_rules! async_write {
    ($($ty:tt)+) => {
        impl futures_io::AsyncWrite for $($ty)+ {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.poll_write_impl(cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                self.poll_write_vectored_impl(cx, bufs)
            }

            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                // Writes go straight to the kernel: nothing is buffered here.
                Poll::Ready(Ok(()))
            }

            fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                // A pipe has no half-close: dropping the writer is what sends EOF.
                Poll::Ready(Ok(()))
            }
        }
    };
}

async_read!(PipeReader);
async_read!(&PipeReader);
async_write!(PipeWriter);
async_write!(&PipeWriter);

macro_rules! fd_impls {
    ($ty:ident) => {
        impl AsRawFd for $ty {
            fn as_raw_fd(&self) -> RawFd {
                self.source.fd()
            }
        }

        impl AsFd for $ty {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.source.get_ref().as_fd()
            }
        }

        impl From<$ty> for OwnedFd {
            fn from(p: $ty) -> OwnedFd {
                p.into_owned_fd()
            }
        }

        impl IntoRawFd for $ty {
            fn into_raw_fd(self) -> RawFd {
                self.into_owned_fd().into_raw_fd()
            }
        }

        impl TryFrom<OwnedFd> for $ty {
            type Error = io::Error;
            fn try_from(fd: OwnedFd) -> io::Result<$ty> {
                $ty::from_owned_fd(fd)
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("fd", &self.source.fd())
                    .finish()
            }
        }
    };
}

fd_impls!(PipeReader);
fd_impls!(PipeWriter);
