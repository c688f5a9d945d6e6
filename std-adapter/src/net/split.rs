//! Stream halves: [`ReadHalf`] / [`WriteHalf`] borrow a stream, [`OwnedReadHalf`] /
//! [`OwnedWriteHalf`] share it, for [`TcpStream`] and [`UnixStream`].
//!
//! A rill stream already takes `&self` for reads and writes (one reader and one writer at a
//! time: each direction has its own op slot), so splitting costs nothing: a borrowed half is a
//! reference, an owned half an `Rc` of the stream. The halves only narrow the API, so a reader
//! cannot write and a writer cannot read. Owned halves are `'static` and, like the stream,
//! `!Send`: two tasks on the stream's loop can each own one.
//!
//! ```
//! # let rt = rill::Runtime::new()?;
//! # rt.block_on(async {
//! let (a, b) = rill::UnixStream::pair()?;
//! let (read, write) = a.into_split();
//! let echo = rill::spawn(async move {
//!     let mut buf = [0u8; 4];
//!     read.read_exact(&mut buf).await?;
//!     std::io::Result::Ok((read, buf))
//! });
//! b.write_all(b"ping").await?;
//! let (read, buf) = echo.await??;
//! assert_eq!(&buf, b"ping");
//! write.write_all(b"pong").await?;
//! let a = read.reunite(write).expect("halves of one stream");
//! let mut back = [0u8; 4];
//! b.read_exact(&mut back).await?;
//! assert_eq!(&back, b"pong");
//! # drop(a);
//! # std::io::Result::Ok(())
//! # })?;
//! # std::io::Result::Ok(())
//! ```

use std::fmt;
use std::io::{self, IoSlice, IoSliceMut};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::{TcpStream, UnixStream};

/// The read half of a stream, borrowed from it by `split()` (`TcpStream::split`,
/// `UnixStream::split`).
///
/// ```
/// # let rt = rill::Runtime::new()?;
/// # rt.block_on(async {
/// let (a, b) = rill::UnixStream::pair()?;
/// let (rd, _wr): (rill::ReadHalf<'_, _>, _) = b.split();
/// a.write_all(b"half").await?;
/// let mut buf = [0u8; 4];
/// rd.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"half");
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
pub struct ReadHalf<'a, S> {
    stream: &'a S,
}

/// The write half of a stream, borrowed from it by `split()`.
///
/// ```
/// # let rt = rill::Runtime::new()?;
/// # rt.block_on(async {
/// let (a, b) = rill::UnixStream::pair()?;
/// let (_rd, wr): (_, rill::WriteHalf<'_, _>) = b.split();
/// wr.write_all(b"half").await?;
/// let mut buf = [0u8; 4];
/// a.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"half");
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
pub struct WriteHalf<'a, S> {
    stream: &'a S,
}

/// The read half of a stream, owned: from `into_split()` (`TcpStream::into_split`,
/// `UnixStream::into_split`). `'static`; put it back together with its write half by
/// [`OwnedReadHalf::reunite`].
///
/// ```
/// # let rt = rill::Runtime::new()?;
/// # rt.block_on(async {
/// let (a, b) = rill::UnixStream::pair()?;
/// let (rd, _wr) = b.into_split();
/// let reader = rill::spawn(async move {
///     let mut buf = [0u8; 5];
///     rd.read_exact(&mut buf).await.map(|()| buf)
/// });
/// a.write_all(b"owned").await?;
/// assert_eq!(&reader.await.unwrap()?, b"owned");
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
pub struct OwnedReadHalf<S> {
    stream: Rc<S>,
}

/// The write half of a stream, owned: from `into_split()`. Dropping it does not shut down the
/// write direction; [`OwnedWriteHalf::shutdown`] does (and `AsyncWrite::poll_close`).
///
/// ```
/// # let rt = rill::Runtime::new()?;
/// # rt.block_on(async {
/// let (a, b) = rill::UnixStream::pair()?;
/// let (_rd, wr) = b.into_split();
/// let writer = rill::spawn(async move { wr.write_all(b"owned").await });
/// writer.await.unwrap()?;
/// let mut buf = [0u8; 5];
/// a.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"owned");
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
pub struct OwnedWriteHalf<S> {
    stream: Rc<S>,
}

/// `reunite` was given halves of two different streams; both are handed back unchanged.
///
/// ```
/// # let rt = rill::Runtime::new()?;
/// # rt.block_on(async {
/// let (a, b) = rill::UnixStream::pair()?;
/// let (a_read, _a_write) = a.into_split();
/// let (_b_read, b_write) = b.into_split();
/// let err = a_read.reunite(b_write).unwrap_err();
/// let (_a_read, _b_write) = (err.0, err.1);
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
pub struct ReuniteError<S>(pub OwnedReadHalf<S>, pub OwnedWriteHalf<S>);

pub(crate) fn borrowed<S>(stream: &S) -> (ReadHalf<'_, S>, WriteHalf<'_, S>) {
    (ReadHalf { stream }, WriteHalf { stream })
}

pub(crate) fn owned<S>(stream: S) -> (OwnedReadHalf<S>, OwnedWriteHalf<S>) {
    let stream = Rc::new(stream);
    (
        OwnedReadHalf {
            stream: stream.clone(),
        },
        OwnedWriteHalf { stream },
    )
}

/// Both halves of one stream give the stream back; otherwise both come back in the error.
fn reunite<S>(read: OwnedReadHalf<S>, write: OwnedWriteHalf<S>) -> Result<S, ReuniteError<S>> {
    if !Rc::ptr_eq(&read.stream, &write.stream) {
        return Err(ReuniteError(read, write));
    }
    drop(write);
    match Rc::try_unwrap(read.stream) {
        Ok(stream) => Ok(stream),
        // The halves are the only two references and neither is `Clone`.
        Err(_) => unreachable!("a stream's halves are its only owners"),
    }
}

impl<S> OwnedReadHalf<S> {
    /// Puts the stream back together with its write half, or hands both back in a
    /// [`ReuniteError`] when `write` came from another stream.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, _b) = rill::UnixStream::pair()?;
    /// let (rd, wr) = a.into_split();
    /// let a: rill::UnixStream = rd.reunite(wr).expect("halves of one stream");
    /// assert!(a.peer_addr()?.is_unnamed());
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn reunite(self, write: OwnedWriteHalf<S>) -> Result<S, ReuniteError<S>> {
        reunite(self, write)
    }
}

impl<S> OwnedWriteHalf<S> {
    /// Puts the stream back together with its read half (see [`OwnedReadHalf::reunite`]).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, b) = rill::UnixStream::pair()?;
    /// let (a_rd, a_wr) = a.into_split();
    /// let (b_rd, _b_wr) = b.into_split();
    /// let err = a_wr.reunite(b_rd).unwrap_err(); // halves of two streams
    /// let (b_rd, a_wr) = (err.0, err.1);
    /// assert!(a_wr.reunite(a_rd).is_ok());
    /// # drop(b_rd);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn reunite(self, read: OwnedReadHalf<S>) -> Result<S, ReuniteError<S>> {
        reunite(read, self)
    }
}

macro_rules! as_ref {
    ($($half:ident $(<$l:lifetime>)?),+) => {
        $(
            impl<$($l,)? S> AsRef<S> for $half<$($l,)? S> {
                /// The whole stream (for its options and descriptor).
                fn as_ref(&self) -> &S {
                    &self.stream
                }
            }

            impl<$($l,)? S: fmt::Debug> fmt::Debug for $half<$($l,)? S> {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.debug_struct(stringify!($half))
                        .field("stream", &self.stream)
                        .finish()
                }
            }
        )+
    };
}

as_ref!(ReadHalf<'a>, WriteHalf<'a>, OwnedReadHalf, OwnedWriteHalf);

impl<S> fmt::Debug for ReuniteError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReuniteError(..)")
    }
}

impl<S> fmt::Display for ReuniteError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite halves of two different streams")
    }
}

impl<S> std::error::Error for ReuniteError<S> {}

/// The read methods of `$half` over a stream type `$ty` whose addresses are `$addr`.
macro_rules! read_half {
    ($ty:ident, $addr:ty, $half:ident $(<$l:lifetime>)?) => {
        impl<$($l)?> $half<$($l,)? $ty> {
            /// Reads into `buf`, waiting until at least one byte is available (the stream's
            /// `read`; `Ok(0)` is EOF).
            pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
                self.stream.read(buf).await
            }

            /// Reads into several buffers (the stream's `read_vectored`).
            pub async fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
                self.stream.read_vectored(bufs).await
            }

            /// Reads exactly `buf.len()` bytes (the stream's `read_exact`).
            pub async fn read_exact(&self, buf: &mut [u8]) -> io::Result<()> {
                self.stream.read_exact(buf).await
            }

            /// Reads without consuming (the stream's `peek`).
            pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
                self.stream.peek(buf).await
            }

            /// Waits until the stream is (probably) readable (the stream's `readable`).
            pub async fn readable(&self) -> io::Result<()> {
                self.stream.readable().await
            }

            /// One non-blocking read; `WouldBlock` comes back (the stream's `try_read`).
            pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
                self.stream.try_read(buf)
            }

            /// One non-blocking vectored read (the stream's `try_read_vectored`).
            pub fn try_read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
                self.stream.try_read_vectored(bufs)
            }

            /// The peer's address.
            pub fn peer_addr(&self) -> io::Result<$addr> {
                self.stream.peer_addr()
            }

            /// The local address.
            pub fn local_addr(&self) -> io::Result<$addr> {
                self.stream.local_addr()
            }
        }

        impl<$($l)?> futures_io::AsyncRead for $half<$($l,)? $ty> {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut &*self.stream).poll_read(cx, buf)
            }

            fn poll_read_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &mut [IoSliceMut<'_>],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut &*self.stream).poll_read_vectored(cx, bufs)
            }
        }
    };
}

/// The write methods of `$half` over a stream type `$ty` whose addresses are `$addr`.
macro_rules! write_half {
    ($ty:ident, $addr:ty, $half:ident $(<$l:lifetime>)?) => {
        impl<$($l)?> $half<$($l,)? $ty> {
            /// Writes some of `buf` (the stream's `write`).
            pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
                self.stream.write(buf).await
            }

            /// Writes from several buffers (the stream's `write_vectored`).
            pub async fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
                self.stream.write_vectored(bufs).await
            }

            /// Writes all of `buf` (the stream's `write_all`).
            pub async fn write_all(&self, buf: &[u8]) -> io::Result<()> {
                self.stream.write_all(buf).await
            }

            /// Waits until the stream is (probably) writable (the stream's `writable`).
            pub async fn writable(&self) -> io::Result<()> {
                self.stream.writable().await
            }

            /// One non-blocking write; `WouldBlock` comes back (the stream's `try_write`).
            pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
                self.stream.try_write(buf)
            }

            /// One non-blocking vectored write (the stream's `try_write_vectored`).
            pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
                self.stream.try_write_vectored(bufs)
            }

            /// Shuts down the write direction (`shutdown(Write)`): the peer reads EOF. The
            /// read half keeps working.
            pub fn shutdown(&self) -> io::Result<()> {
                self.stream.shutdown(std::net::Shutdown::Write)
            }

            /// The peer's address.
            pub fn peer_addr(&self) -> io::Result<$addr> {
                self.stream.peer_addr()
            }

            /// The local address.
            pub fn local_addr(&self) -> io::Result<$addr> {
                self.stream.local_addr()
            }
        }

        impl<$($l)?> futures_io::AsyncWrite for $half<$($l,)? $ty> {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut &*self.stream).poll_write(cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut &*self.stream).poll_write_vectored(cx, bufs)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Pin::new(&mut &*self.stream).poll_flush(cx)
            }

            /// Shuts down the write direction (`shutdown(Write)`).
            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Pin::new(&mut &*self.stream).poll_close(cx)
            }
        }
    };
}

macro_rules! halves {
    ($($ty:ident: $addr:ty),+) => {
        $(
            read_half!($ty, $addr, ReadHalf<'a>);
            read_half!($ty, $addr, OwnedReadHalf);
            write_half!($ty, $addr, WriteHalf<'a>);
            write_half!($ty, $addr, OwnedWriteHalf);
        )+
    };
}

halves!(
    TcpStream: std::net::SocketAddr,
    UnixStream: std::os::unix::net::SocketAddr
);
