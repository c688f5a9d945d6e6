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

/// The write half of a stream, owned: from `into_split()`. Dropping it shuts down the write
/// direction (the peer reads EOF) while the read half goes on reading, as tokio's owned write
/// half does; [`OwnedWriteHalf::forget`] drops it without that, and
/// [`OwnedWriteHalf::reunite`] gives the whole stream back untouched.
/// [`OwnedWriteHalf::shutdown`] (and `AsyncWrite::poll_close`) shut down without dropping.
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
    /// Shuts the write direction down when the half is dropped; `None` once forgotten or
    /// reunited.
    shutdown_on_drop: Option<fn(&S)>,
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

/// Owned halves of `stream`; `shutdown_write` is what dropping the write half runs (the
/// stream's `shutdown(Write)`, its error ignored: a drop has no one to report it to).
pub(crate) fn owned<S>(stream: S, shutdown_write: fn(&S)) -> (OwnedReadHalf<S>, OwnedWriteHalf<S>) {
    let stream = Rc::new(stream);
    (
        OwnedReadHalf {
            stream: stream.clone(),
        },
        OwnedWriteHalf {
            stream,
            shutdown_on_drop: Some(shutdown_write),
        },
    )
}

/// Both halves of one stream give the stream back; otherwise both come back in the error.
fn reunite<S>(read: OwnedReadHalf<S>, write: OwnedWriteHalf<S>) -> Result<S, ReuniteError<S>> {
    if !Rc::ptr_eq(&read.stream, &write.stream) {
        return Err(ReuniteError(read, write));
    }
    write.forget();
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

    /// Drops the write half without shutting the write direction down: the stream stays open
    /// both ways until the read half is dropped too.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, b) = rill::UnixStream::pair()?;
    /// let (b_rd, b_wr) = b.into_split();
    /// b_wr.forget(); // no EOF for `a`: `b` is still open
    /// let mut buf = [0u8; 1];
    /// let waited = rill::timeout(std::time::Duration::from_millis(20), a.read(&mut buf)).await;
    /// assert!(waited.is_err(), "no EOF, no data: the read waits");
    /// drop(b_rd); // now the stream closes, and `a` reads EOF
    /// assert_eq!(a.read(&mut buf).await?, 0);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn forget(mut self) {
        self.shutdown_on_drop = None;
    }
}

impl<S> Drop for OwnedWriteHalf<S> {
    fn drop(&mut self) {
        if let Some(shutdown_write) = self.shutdown_on_drop.take() {
            shutdown_write(&self.stream);
        }
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
            ///
            /// ```
            /// # fn pair<T>() -> std::io::Result<(T, T)>
            /// # where T: TryFrom<std::os::fd::OwnedFd, Error = std::io::Error> {
            /// #     let (a, b) = std::os::unix::net::UnixStream::pair()?;
            /// #     if let Ok(a) = T::try_from(a.into()) {
            /// #         return Ok((a, T::try_from(b.into())?));
            /// #     }
            /// #     let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            /// #     let a = std::net::TcpStream::connect(l.local_addr()?)?;
            /// #     Ok((T::try_from(a.into())?, T::try_from(l.accept()?.0.into())?))
            /// # }
            /// # macro_rules! halves {
            /// #     (ReadHalf, $s:expr) => { $s.split() };
            /// #     (WriteHalf, $s:expr) => { $s.split() };
            /// #     ($owned:ident, $s:expr) => { $s.into_split() };
            /// # }
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("# let (peer, stream) = pair::<rill::", stringify!($ty), ">()?;")]
            #[doc = concat!("# let (rd, wr) = halves!(", stringify!($half), ", stream);")]
            #[doc = concat!("// `rd` / `wr`: halves (", stringify!($half), ")")]
            #[doc = concat!("// of a ", stringify!($ty), "; `peer`: its other end.")]
            /// peer.write_all(b"hello").await?;
            /// let mut buf = [0u8; 16];
            /// let n = rd.read(&mut buf).await?;
            /// assert_eq!(&buf[..n], b"hello");
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
                self.stream.read(buf).await
            }

            /// Reads into several buffers (the stream's `read_vectored`).
            ///
            /// ```
            /// # fn pair<T>() -> std::io::Result<(T, T)>
            /// # where T: TryFrom<std::os::fd::OwnedFd, Error = std::io::Error> {
            /// #     let (a, b) = std::os::unix::net::UnixStream::pair()?;
            /// #     if let Ok(a) = T::try_from(a.into()) {
            /// #         return Ok((a, T::try_from(b.into())?));
            /// #     }
            /// #     let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            /// #     let a = std::net::TcpStream::connect(l.local_addr()?)?;
            /// #     Ok((T::try_from(a.into())?, T::try_from(l.accept()?.0.into())?))
            /// # }
            /// # macro_rules! halves {
            /// #     (ReadHalf, $s:expr) => { $s.split() };
            /// #     (WriteHalf, $s:expr) => { $s.split() };
            /// #     ($owned:ident, $s:expr) => { $s.into_split() };
            /// # }
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("# let (peer, stream) = pair::<rill::", stringify!($ty), ">()?;")]
            #[doc = concat!("# let (rd, wr) = halves!(", stringify!($half), ", stream);")]
            #[doc = concat!("// `rd` / `wr`: halves (", stringify!($half), ")")]
            #[doc = concat!("// of a ", stringify!($ty), "; `peer`: its other end.")]
            /// peer.write_all(b"headbody").await?;
            /// let (mut head, mut body) = ([0u8; 4], [0u8; 4]);
            /// use std::io::IoSliceMut;
            /// let mut bufs = [IoSliceMut::new(&mut head), IoSliceMut::new(&mut body)];
            /// assert_eq!(rd.read_vectored(&mut bufs).await?, 8);
            /// assert_eq!((&head, &body), (b"head", b"body"));
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub async fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
                self.stream.read_vectored(bufs).await
            }

            /// Reads exactly `buf.len()` bytes (the stream's `read_exact`).
            ///
            /// ```
            /// # fn pair<T>() -> std::io::Result<(T, T)>
            /// # where T: TryFrom<std::os::fd::OwnedFd, Error = std::io::Error> {
            /// #     let (a, b) = std::os::unix::net::UnixStream::pair()?;
            /// #     if let Ok(a) = T::try_from(a.into()) {
            /// #         return Ok((a, T::try_from(b.into())?));
            /// #     }
            /// #     let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            /// #     let a = std::net::TcpStream::connect(l.local_addr()?)?;
            /// #     Ok((T::try_from(a.into())?, T::try_from(l.accept()?.0.into())?))
            /// # }
            /// # macro_rules! halves {
            /// #     (ReadHalf, $s:expr) => { $s.split() };
            /// #     (WriteHalf, $s:expr) => { $s.split() };
            /// #     ($owned:ident, $s:expr) => { $s.into_split() };
            /// # }
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("# let (peer, stream) = pair::<rill::", stringify!($ty), ">()?;")]
            #[doc = concat!("# let (rd, wr) = halves!(", stringify!($half), ", stream);")]
            #[doc = concat!("// `rd` / `wr`: halves (", stringify!($half), ")")]
            #[doc = concat!("// of a ", stringify!($ty), "; `peer`: its other end.")]
            /// peer.write_all(b"exact").await?;
            /// let mut buf = [0u8; 5];
            /// rd.read_exact(&mut buf).await?;
            /// assert_eq!(&buf, b"exact");
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub async fn read_exact(&self, buf: &mut [u8]) -> io::Result<()> {
                self.stream.read_exact(buf).await
            }

            /// Reads without consuming (the stream's `peek`).
            ///
            /// ```
            /// # fn pair<T>() -> std::io::Result<(T, T)>
            /// # where T: TryFrom<std::os::fd::OwnedFd, Error = std::io::Error> {
            /// #     let (a, b) = std::os::unix::net::UnixStream::pair()?;
            /// #     if let Ok(a) = T::try_from(a.into()) {
            /// #         return Ok((a, T::try_from(b.into())?));
            /// #     }
            /// #     let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            /// #     let a = std::net::TcpStream::connect(l.local_addr()?)?;
            /// #     Ok((T::try_from(a.into())?, T::try_from(l.accept()?.0.into())?))
            /// # }
            /// # macro_rules! halves {
            /// #     (ReadHalf, $s:expr) => { $s.split() };
            /// #     (WriteHalf, $s:expr) => { $s.split() };
            /// #     ($owned:ident, $s:expr) => { $s.into_split() };
            /// # }
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("# let (peer, stream) = pair::<rill::", stringify!($ty), ">()?;")]
            #[doc = concat!("# let (rd, wr) = halves!(", stringify!($half), ", stream);")]
            #[doc = concat!("// `rd` / `wr`: halves (", stringify!($half), ")")]
            #[doc = concat!("// of a ", stringify!($ty), "; `peer`: its other end.")]
            /// peer.write_all(b"abc").await?;
            /// let mut buf = [0u8; 3];
            /// assert_eq!(rd.peek(&mut buf).await?, 3);
            /// rd.read_exact(&mut buf).await?; // still there after the peek
            /// assert_eq!(&buf, b"abc");
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
                self.stream.peek(buf).await
            }

            /// Waits until the stream is (probably) readable (the stream's `readable`).
            ///
            /// ```
            /// # fn pair<T>() -> std::io::Result<(T, T)>
            /// # where T: TryFrom<std::os::fd::OwnedFd, Error = std::io::Error> {
            /// #     let (a, b) = std::os::unix::net::UnixStream::pair()?;
            /// #     if let Ok(a) = T::try_from(a.into()) {
            /// #         return Ok((a, T::try_from(b.into())?));
            /// #     }
            /// #     let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            /// #     let a = std::net::TcpStream::connect(l.local_addr()?)?;
            /// #     Ok((T::try_from(a.into())?, T::try_from(l.accept()?.0.into())?))
            /// # }
            /// # macro_rules! halves {
            /// #     (ReadHalf, $s:expr) => { $s.split() };
            /// #     (WriteHalf, $s:expr) => { $s.split() };
            /// #     ($owned:ident, $s:expr) => { $s.into_split() };
            /// # }
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("# let (peer, stream) = pair::<rill::", stringify!($ty), ">()?;")]
            #[doc = concat!("# let (rd, wr) = halves!(", stringify!($half), ", stream);")]
            #[doc = concat!("// `rd` / `wr`: halves (", stringify!($half), ")")]
            #[doc = concat!("// of a ", stringify!($ty), "; `peer`: its other end.")]
            /// peer.write_all(b"x").await?;
            /// rd.readable().await?;
            /// assert_eq!(rd.try_read(&mut [0u8; 4])?, 1);
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub async fn readable(&self) -> io::Result<()> {
                self.stream.readable().await
            }

            /// One non-blocking read; `WouldBlock` comes back (the stream's `try_read`).
            ///
            /// ```
            /// # fn pair<T>() -> std::io::Result<(T, T)>
            /// # where T: TryFrom<std::os::fd::OwnedFd, Error = std::io::Error> {
            /// #     let (a, b) = std::os::unix::net::UnixStream::pair()?;
            /// #     if let Ok(a) = T::try_from(a.into()) {
            /// #         return Ok((a, T::try_from(b.into())?));
            /// #     }
            /// #     let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            /// #     let a = std::net::TcpStream::connect(l.local_addr()?)?;
            /// #     Ok((T::try_from(a.into())?, T::try_from(l.accept()?.0.into())?))
            /// # }
            /// # macro_rules! halves {
            /// #     (ReadHalf, $s:expr) => { $s.split() };
            /// #     (WriteHalf, $s:expr) => { $s.split() };
            /// #     ($owned:ident, $s:expr) => { $s.into_split() };
            /// # }
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("# let (peer, stream) = pair::<rill::", stringify!($ty), ">()?;")]
            #[doc = concat!("# let (rd, wr) = halves!(", stringify!($half), ", stream);")]
            #[doc = concat!("// `rd` / `wr`: halves (", stringify!($half), ")")]
            #[doc = concat!("// of a ", stringify!($ty), "; `peer`: its other end.")]
            /// let mut buf = [0u8; 4];
            /// let err = rd.try_read(&mut buf).unwrap_err(); // nothing queued
            /// assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
            /// peer.write_all(b"hi").await?;
            /// rd.readable().await?;
            /// assert_eq!(rd.try_read(&mut buf)?, 2);
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
                self.stream.try_read(buf)
            }

            /// One non-blocking vectored read (the stream's `try_read_vectored`).
            ///
            /// ```
            /// # fn pair<T>() -> std::io::Result<(T, T)>
            /// # where T: TryFrom<std::os::fd::OwnedFd, Error = std::io::Error> {
            /// #     let (a, b) = std::os::unix::net::UnixStream::pair()?;
            /// #     if let Ok(a) = T::try_from(a.into()) {
            /// #         return Ok((a, T::try_from(b.into())?));
            /// #     }
            /// #     let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            /// #     let a = std::net::TcpStream::connect(l.local_addr()?)?;
            /// #     Ok((T::try_from(a.into())?, T::try_from(l.accept()?.0.into())?))
            /// # }
            /// # macro_rules! halves {
            /// #     (ReadHalf, $s:expr) => { $s.split() };
            /// #     (WriteHalf, $s:expr) => { $s.split() };
            /// #     ($owned:ident, $s:expr) => { $s.into_split() };
            /// # }
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("# let (peer, stream) = pair::<rill::", stringify!($ty), ">()?;")]
            #[doc = concat!("# let (rd, wr) = halves!(", stringify!($half), ", stream);")]
            #[doc = concat!("// `rd` / `wr`: halves (", stringify!($half), ")")]
            #[doc = concat!("// of a ", stringify!($ty), "; `peer`: its other end.")]
            /// peer.write_all(b"abcd").await?;
            /// rd.readable().await?;
            /// let (mut x, mut y) = ([0u8; 2], [0u8; 2]);
            /// let mut bufs = [std::io::IoSliceMut::new(&mut x), std::io::IoSliceMut::new(&mut y)];
            /// assert_eq!(rd.try_read_vectored(&mut bufs)?, 4);
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn try_read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
                self.stream.try_read_vectored(bufs)
            }

            /// The peer's address.
            ///
            /// ```
            /// # fn pair<T>() -> std::io::Result<(T, T)>
            /// # where T: TryFrom<std::os::fd::OwnedFd, Error = std::io::Error> {
            /// #     let (a, b) = std::os::unix::net::UnixStream::pair()?;
            /// #     if let Ok(a) = T::try_from(a.into()) {
            /// #         return Ok((a, T::try_from(b.into())?));
            /// #     }
            /// #     let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            /// #     let a = std::net::TcpStream::connect(l.local_addr()?)?;
            /// #     Ok((T::try_from(a.into())?, T::try_from(l.accept()?.0.into())?))
            /// # }
            /// # macro_rules! halves {
            /// #     (ReadHalf, $s:expr) => { $s.split() };
            /// #     (WriteHalf, $s:expr) => { $s.split() };
            /// #     ($owned:ident, $s:expr) => { $s.into_split() };
            /// # }
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("# let (peer, stream) = pair::<rill::", stringify!($ty), ">()?;")]
            #[doc = concat!("# let (rd, wr) = halves!(", stringify!($half), ", stream);")]
            #[doc = concat!("// `rd` / `wr`: halves (", stringify!($half), ")")]
            #[doc = concat!("// of a ", stringify!($ty), "; `peer`: its other end.")]
            /// let theirs = format!("{:?}", peer.local_addr()?);
            /// let mine = format!("{:?}", rd.peer_addr()?); // Unix addresses have no `==`
            /// assert_eq!(theirs, mine);
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn peer_addr(&self) -> io::Result<$addr> {
                self.stream.peer_addr()
            }

            /// The local address.
            ///
            /// ```
            /// # fn pair<T>() -> std::io::Result<(T, T)>
            /// # where T: TryFrom<std::os::fd::OwnedFd, Error = std::io::Error> {
            /// #     let (a, b) = std::os::unix::net::UnixStream::pair()?;
            /// #     if let Ok(a) = T::try_from(a.into()) {
            /// #         return Ok((a, T::try_from(b.into())?));
            /// #     }
            /// #     let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            /// #     let a = std::net::TcpStream::connect(l.local_addr()?)?;
            /// #     Ok((T::try_from(a.into())?, T::try_from(l.accept()?.0.into())?))
            /// # }
            /// # macro_rules! halves {
            /// #     (ReadHalf, $s:expr) => { $s.split() };
            /// #     (WriteHalf, $s:expr) => { $s.split() };
            /// #     ($owned:ident, $s:expr) => { $s.into_split() };
            /// # }
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("# let (peer, stream) = pair::<rill::", stringify!($ty), ">()?;")]
            #[doc = concat!("# let (rd, wr) = halves!(", stringify!($half), ", stream);")]
            #[doc = concat!("// `rd` / `wr`: halves (", stringify!($half), ")")]
            #[doc = concat!("// of a ", stringify!($ty), "; `peer`: its other end.")]
            /// let theirs = format!("{:?}", peer.peer_addr()?);
            /// let mine = format!("{:?}", rd.local_addr()?); // Unix addresses have no `==`
            /// assert_eq!(theirs, mine);
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
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
            ///
            /// ```
            /// # fn pair<T>() -> std::io::Result<(T, T)>
            /// # where T: TryFrom<std::os::fd::OwnedFd, Error = std::io::Error> {
            /// #     let (a, b) = std::os::unix::net::UnixStream::pair()?;
            /// #     if let Ok(a) = T::try_from(a.into()) {
            /// #         return Ok((a, T::try_from(b.into())?));
            /// #     }
            /// #     let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            /// #     let a = std::net::TcpStream::connect(l.local_addr()?)?;
            /// #     Ok((T::try_from(a.into())?, T::try_from(l.accept()?.0.into())?))
            /// # }
            /// # macro_rules! halves {
            /// #     (ReadHalf, $s:expr) => { $s.split() };
            /// #     (WriteHalf, $s:expr) => { $s.split() };
            /// #     ($owned:ident, $s:expr) => { $s.into_split() };
            /// # }
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("# let (peer, stream) = pair::<rill::", stringify!($ty), ">()?;")]
            #[doc = concat!("# let (rd, wr) = halves!(", stringify!($half), ", stream);")]
            #[doc = concat!("// `rd` / `wr`: halves (", stringify!($half), ")")]
            #[doc = concat!("// of a ", stringify!($ty), "; `peer`: its other end.")]
            /// let n = wr.write(b"some bytes").await?;
            /// let mut buf = vec![0u8; n];
            /// peer.read_exact(&mut buf).await?;
            /// assert_eq!(&buf[..], &b"some bytes"[..n]);
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
                self.stream.write(buf).await
            }

            /// Writes from several buffers (the stream's `write_vectored`).
            ///
            /// ```
            /// # fn pair<T>() -> std::io::Result<(T, T)>
            /// # where T: TryFrom<std::os::fd::OwnedFd, Error = std::io::Error> {
            /// #     let (a, b) = std::os::unix::net::UnixStream::pair()?;
            /// #     if let Ok(a) = T::try_from(a.into()) {
            /// #         return Ok((a, T::try_from(b.into())?));
            /// #     }
            /// #     let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            /// #     let a = std::net::TcpStream::connect(l.local_addr()?)?;
            /// #     Ok((T::try_from(a.into())?, T::try_from(l.accept()?.0.into())?))
            /// # }
            /// # macro_rules! halves {
            /// #     (ReadHalf, $s:expr) => { $s.split() };
            /// #     (WriteHalf, $s:expr) => { $s.split() };
            /// #     ($owned:ident, $s:expr) => { $s.into_split() };
            /// # }
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("# let (peer, stream) = pair::<rill::", stringify!($ty), ">()?;")]
            #[doc = concat!("# let (rd, wr) = halves!(", stringify!($half), ", stream);")]
            #[doc = concat!("// `rd` / `wr`: halves (", stringify!($half), ")")]
            #[doc = concat!("// of a ", stringify!($ty), "; `peer`: its other end.")]
            /// let bufs = [std::io::IoSlice::new(b"head"), std::io::IoSlice::new(b"tail")];
            /// assert_eq!(wr.write_vectored(&bufs).await?, 8);
            /// let mut buf = [0u8; 8];
            /// peer.read_exact(&mut buf).await?;
            /// assert_eq!(&buf, b"headtail");
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub async fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
                self.stream.write_vectored(bufs).await
            }

            /// Writes all of `buf` (the stream's `write_all`).
            ///
            /// ```
            /// # fn pair<T>() -> std::io::Result<(T, T)>
            /// # where T: TryFrom<std::os::fd::OwnedFd, Error = std::io::Error> {
            /// #     let (a, b) = std::os::unix::net::UnixStream::pair()?;
            /// #     if let Ok(a) = T::try_from(a.into()) {
            /// #         return Ok((a, T::try_from(b.into())?));
            /// #     }
            /// #     let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            /// #     let a = std::net::TcpStream::connect(l.local_addr()?)?;
            /// #     Ok((T::try_from(a.into())?, T::try_from(l.accept()?.0.into())?))
            /// # }
            /// # macro_rules! halves {
            /// #     (ReadHalf, $s:expr) => { $s.split() };
            /// #     (WriteHalf, $s:expr) => { $s.split() };
            /// #     ($owned:ident, $s:expr) => { $s.into_split() };
            /// # }
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("# let (peer, stream) = pair::<rill::", stringify!($ty), ">()?;")]
            #[doc = concat!("# let (rd, wr) = halves!(", stringify!($half), ", stream);")]
            #[doc = concat!("// `rd` / `wr`: halves (", stringify!($half), ")")]
            #[doc = concat!("// of a ", stringify!($ty), "; `peer`: its other end.")]
            /// wr.write_all(b"all of it").await?;
            /// let mut buf = [0u8; 9];
            /// peer.read_exact(&mut buf).await?;
            /// assert_eq!(&buf, b"all of it");
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub async fn write_all(&self, buf: &[u8]) -> io::Result<()> {
                self.stream.write_all(buf).await
            }

            /// Waits until the stream is (probably) writable (the stream's `writable`).
            ///
            /// ```
            /// # fn pair<T>() -> std::io::Result<(T, T)>
            /// # where T: TryFrom<std::os::fd::OwnedFd, Error = std::io::Error> {
            /// #     let (a, b) = std::os::unix::net::UnixStream::pair()?;
            /// #     if let Ok(a) = T::try_from(a.into()) {
            /// #         return Ok((a, T::try_from(b.into())?));
            /// #     }
            /// #     let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            /// #     let a = std::net::TcpStream::connect(l.local_addr()?)?;
            /// #     Ok((T::try_from(a.into())?, T::try_from(l.accept()?.0.into())?))
            /// # }
            /// # macro_rules! halves {
            /// #     (ReadHalf, $s:expr) => { $s.split() };
            /// #     (WriteHalf, $s:expr) => { $s.split() };
            /// #     ($owned:ident, $s:expr) => { $s.into_split() };
            /// # }
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("# let (peer, stream) = pair::<rill::", stringify!($ty), ">()?;")]
            #[doc = concat!("# let (rd, wr) = halves!(", stringify!($half), ", stream);")]
            #[doc = concat!("// `rd` / `wr`: halves (", stringify!($half), ")")]
            #[doc = concat!("// of a ", stringify!($ty), "; `peer`: its other end.")]
            /// wr.writable().await?; // an empty send buffer: writable at once
            /// assert_eq!(wr.try_write(b"now")?, 3);
            /// # peer.read_exact(&mut [0u8; 3]).await?;
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub async fn writable(&self) -> io::Result<()> {
                self.stream.writable().await
            }

            /// One non-blocking write; `WouldBlock` comes back (the stream's `try_write`).
            ///
            /// ```
            /// # fn pair<T>() -> std::io::Result<(T, T)>
            /// # where T: TryFrom<std::os::fd::OwnedFd, Error = std::io::Error> {
            /// #     let (a, b) = std::os::unix::net::UnixStream::pair()?;
            /// #     if let Ok(a) = T::try_from(a.into()) {
            /// #         return Ok((a, T::try_from(b.into())?));
            /// #     }
            /// #     let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            /// #     let a = std::net::TcpStream::connect(l.local_addr()?)?;
            /// #     Ok((T::try_from(a.into())?, T::try_from(l.accept()?.0.into())?))
            /// # }
            /// # macro_rules! halves {
            /// #     (ReadHalf, $s:expr) => { $s.split() };
            /// #     (WriteHalf, $s:expr) => { $s.split() };
            /// #     ($owned:ident, $s:expr) => { $s.into_split() };
            /// # }
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("# let (peer, stream) = pair::<rill::", stringify!($ty), ">()?;")]
            #[doc = concat!("# let (rd, wr) = halves!(", stringify!($half), ", stream);")]
            #[doc = concat!("// `rd` / `wr`: halves (", stringify!($half), ")")]
            #[doc = concat!("// of a ", stringify!($ty), "; `peer`: its other end.")]
            /// assert_eq!(wr.try_write(b"ready")?, 5);
            /// let mut buf = [0u8; 5];
            /// peer.read_exact(&mut buf).await?;
            /// assert_eq!(&buf, b"ready");
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
                self.stream.try_write(buf)
            }

            /// One non-blocking vectored write (the stream's `try_write_vectored`).
            ///
            /// ```
            /// # fn pair<T>() -> std::io::Result<(T, T)>
            /// # where T: TryFrom<std::os::fd::OwnedFd, Error = std::io::Error> {
            /// #     let (a, b) = std::os::unix::net::UnixStream::pair()?;
            /// #     if let Ok(a) = T::try_from(a.into()) {
            /// #         return Ok((a, T::try_from(b.into())?));
            /// #     }
            /// #     let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            /// #     let a = std::net::TcpStream::connect(l.local_addr()?)?;
            /// #     Ok((T::try_from(a.into())?, T::try_from(l.accept()?.0.into())?))
            /// # }
            /// # macro_rules! halves {
            /// #     (ReadHalf, $s:expr) => { $s.split() };
            /// #     (WriteHalf, $s:expr) => { $s.split() };
            /// #     ($owned:ident, $s:expr) => { $s.into_split() };
            /// # }
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("# let (peer, stream) = pair::<rill::", stringify!($ty), ">()?;")]
            #[doc = concat!("# let (rd, wr) = halves!(", stringify!($half), ", stream);")]
            #[doc = concat!("// `rd` / `wr`: halves (", stringify!($half), ")")]
            #[doc = concat!("// of a ", stringify!($ty), "; `peer`: its other end.")]
            /// let bufs = [std::io::IoSlice::new(b"ab"), std::io::IoSlice::new(b"cd")];
            /// assert_eq!(wr.try_write_vectored(&bufs)?, 4);
            /// let mut buf = [0u8; 4];
            /// peer.read_exact(&mut buf).await?;
            /// assert_eq!(&buf, b"abcd");
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
                self.stream.try_write_vectored(bufs)
            }

            /// Shuts down the write direction (`shutdown(Write)`): the peer reads EOF. The
            /// read half keeps working.
            ///
            /// ```
            /// # fn pair<T>() -> std::io::Result<(T, T)>
            /// # where T: TryFrom<std::os::fd::OwnedFd, Error = std::io::Error> {
            /// #     let (a, b) = std::os::unix::net::UnixStream::pair()?;
            /// #     if let Ok(a) = T::try_from(a.into()) {
            /// #         return Ok((a, T::try_from(b.into())?));
            /// #     }
            /// #     let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            /// #     let a = std::net::TcpStream::connect(l.local_addr()?)?;
            /// #     Ok((T::try_from(a.into())?, T::try_from(l.accept()?.0.into())?))
            /// # }
            /// # macro_rules! halves {
            /// #     (ReadHalf, $s:expr) => { $s.split() };
            /// #     (WriteHalf, $s:expr) => { $s.split() };
            /// #     ($owned:ident, $s:expr) => { $s.into_split() };
            /// # }
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("# let (peer, stream) = pair::<rill::", stringify!($ty), ">()?;")]
            #[doc = concat!("# let (rd, wr) = halves!(", stringify!($half), ", stream);")]
            #[doc = concat!("// `rd` / `wr`: halves (", stringify!($half), ")")]
            #[doc = concat!("// of a ", stringify!($ty), "; `peer`: its other end.")]
            /// wr.shutdown()?;
            /// assert_eq!(peer.read(&mut [0u8; 4]).await?, 0); // the peer reads EOF
            /// peer.write_all(b"back").await?;
            /// let mut buf = [0u8; 4];
            /// rd.read_exact(&mut buf).await?; // the read half still works
            /// assert_eq!(&buf, b"back");
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn shutdown(&self) -> io::Result<()> {
                self.stream.shutdown(std::net::Shutdown::Write)
            }

            /// The peer's address.
            ///
            /// ```
            /// # fn pair<T>() -> std::io::Result<(T, T)>
            /// # where T: TryFrom<std::os::fd::OwnedFd, Error = std::io::Error> {
            /// #     let (a, b) = std::os::unix::net::UnixStream::pair()?;
            /// #     if let Ok(a) = T::try_from(a.into()) {
            /// #         return Ok((a, T::try_from(b.into())?));
            /// #     }
            /// #     let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            /// #     let a = std::net::TcpStream::connect(l.local_addr()?)?;
            /// #     Ok((T::try_from(a.into())?, T::try_from(l.accept()?.0.into())?))
            /// # }
            /// # macro_rules! halves {
            /// #     (ReadHalf, $s:expr) => { $s.split() };
            /// #     (WriteHalf, $s:expr) => { $s.split() };
            /// #     ($owned:ident, $s:expr) => { $s.into_split() };
            /// # }
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("# let (peer, stream) = pair::<rill::", stringify!($ty), ">()?;")]
            #[doc = concat!("# let (rd, wr) = halves!(", stringify!($half), ", stream);")]
            #[doc = concat!("// `rd` / `wr`: halves (", stringify!($half), ")")]
            #[doc = concat!("// of a ", stringify!($ty), "; `peer`: its other end.")]
            /// let theirs = format!("{:?}", peer.local_addr()?);
            /// let mine = format!("{:?}", wr.peer_addr()?); // Unix addresses have no `==`
            /// assert_eq!(theirs, mine);
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn peer_addr(&self) -> io::Result<$addr> {
                self.stream.peer_addr()
            }

            /// The local address.
            ///
            /// ```
            /// # fn pair<T>() -> std::io::Result<(T, T)>
            /// # where T: TryFrom<std::os::fd::OwnedFd, Error = std::io::Error> {
            /// #     let (a, b) = std::os::unix::net::UnixStream::pair()?;
            /// #     if let Ok(a) = T::try_from(a.into()) {
            /// #         return Ok((a, T::try_from(b.into())?));
            /// #     }
            /// #     let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            /// #     let a = std::net::TcpStream::connect(l.local_addr()?)?;
            /// #     Ok((T::try_from(a.into())?, T::try_from(l.accept()?.0.into())?))
            /// # }
            /// # macro_rules! halves {
            /// #     (ReadHalf, $s:expr) => { $s.split() };
            /// #     (WriteHalf, $s:expr) => { $s.split() };
            /// #     ($owned:ident, $s:expr) => { $s.into_split() };
            /// # }
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("# let (peer, stream) = pair::<rill::", stringify!($ty), ">()?;")]
            #[doc = concat!("# let (rd, wr) = halves!(", stringify!($half), ", stream);")]
            #[doc = concat!("// `rd` / `wr`: halves (", stringify!($half), ")")]
            #[doc = concat!("// of a ", stringify!($ty), "; `peer`: its other end.")]
            /// let theirs = format!("{:?}", peer.peer_addr()?);
            /// let mine = format!("{:?}", wr.local_addr()?); // Unix addresses have no `==`
            /// assert_eq!(theirs, mine);
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
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
