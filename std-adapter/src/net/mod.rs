//! Sockets: TCP, UDP and Unix-domain, each a thin layer over one registered descriptor.
//!
//! Every read, write, accept and connect goes through the core: the syscall is tried first
//! (speculative I/O), completes inline within the inline budget, and parks on WouldBlock until
//! the poller reports the direction ready. `WouldBlock` never reaches the caller.
//!
//! The stream types share one implementation of their byte-stream methods (the
//! `stream_io!` macro below): `read`, `read_vectored`, `peek`, `write`, `write_vectored`,
//! `write_all`, `read_exact`, and the `futures-io` `AsyncRead` / `AsyncWrite` impls (on the type
//! and on `&Type`, so one task can read while another writes through a shared reference).
//!
//! They also share the readiness and non-blocking methods: `readable` / `writable` wait (like
//! [`AsyncFd`](crate::AsyncFd)'s, with a zero-timeout `poll(2)` under the op) without consuming
//! anything, and `try_read` / `try_read_vectored` / `try_write` / `try_write_vectored` make one
//! non-blocking syscall and hand `WouldBlock` back to the caller. A `try_*` call goes around the
//! core: the core never learns what it saw, so a `WouldBlock` there cannot mark a direction "not
//! ready" (which on an edge-triggered backend would strand the next `read`); the next op just
//! makes its syscall.

pub(crate) mod accept;
pub(crate) mod addr;
pub(crate) mod convert;
pub(crate) mod keepalive;
pub(crate) mod split;
pub(crate) mod stream_ops;
pub(crate) mod tcp;
pub(crate) mod tcp_socket;
pub(crate) mod udp;
pub(crate) mod unix;
pub(crate) mod unix_datagram;

/// Implements the byte-stream methods for a type with a `source: IoSource<_>` field. `$read`
/// and `$read_vectored` are the type's reads from [`transfer`], which decide when a short read
/// proves the socket drained; they take what the type's `reader()` gives (its descriptor, and
/// for a Unix stream how it reads).
macro_rules! stream_io {
    ($ty:ident, $read:path, $read_vectored:path) => {
        impl $ty {
            /// Reads into `buf`, waiting until at least one byte is available. `Ok(0)` means the
            /// peer shut down its writing side (or `buf` is empty). If the returned future is
            /// dropped before it completes, no bytes were read: they stay in the socket for the
            /// next read.
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
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("let (a, b) = pair::<rill::", stringify!($ty), ">()?; // connected")]
            /// a.write_all(b"hello").await?;
            /// let mut buf = [0u8; 16];
            /// let n = b.read(&mut buf).await?;
            /// assert_eq!(&buf[..n], b"hello");
            /// drop(a);
            /// assert_eq!(b.read(&mut buf).await?, 0); // EOF
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn read<'a>(
                &'a self,
                buf: &'a mut [u8],
            ) -> impl std::future::Future<Output = std::io::Result<usize>> + 'a {
                let reader = self.reader();
                $crate::net::stream_ops::Read::new(&self.source, buf, move |b: &mut [u8]| {
                    $read(reader, b)
                })
            }

            /// Reads into several buffers at once (`readv`). Same guarantees as `read`.
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
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("let (a, b) = pair::<rill::", stringify!($ty), ">()?; // connected")]
            /// a.write_all(b"headbody").await?;
            /// let (mut head, mut body) = ([0u8; 4], [0u8; 4]);
            /// use std::io::IoSliceMut;
            /// let mut bufs = [IoSliceMut::new(&mut head), IoSliceMut::new(&mut body)];
            /// assert_eq!(b.read_vectored(&mut bufs).await?, 8); // a small write arrives whole
            /// assert_eq!((&head, &body), (b"head", b"body"));
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub async fn read_vectored(
                &self,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::io::Result<usize> {
                if bufs.iter().all(|b| b.is_empty()) {
                    return Ok(0);
                }
                let reader = self.reader();
                $crate::io_source::Op::transfer(&self.source, rill_core::Direction::Read, move |_: &_| {
                    $read_vectored(reader, bufs)
                })
                .await
                .map(|t| t.n)
            }

            /// Reads into `buf` without removing the bytes from the socket (`MSG_PEEK`).
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
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("let (a, b) = pair::<rill::", stringify!($ty), ">()?; // connected")]
            /// a.write_all(b"abc").await?;
            /// let mut buf = [0u8; 3];
            /// assert_eq!(b.peek(&mut buf).await?, 3);
            /// let mut again = [0u8; 3];
            /// b.read_exact(&mut again).await?; // the peeked bytes are still there
            /// assert_eq!(buf, again);
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub async fn peek(&self, buf: &mut [u8]) -> std::io::Result<usize> {
                if buf.is_empty() {
                    return Ok(0);
                }
                let fd = self.source.fd();
                $crate::io_source::Op::new(&self.source, rill_core::Direction::Read, move |_: &_| {
                    $crate::sys::peek(fd, buf)
                })
                .await
            }

            /// Reads exactly `buf.len()` bytes. An early EOF is `UnexpectedEof`. If the future is
            /// dropped midway, the bytes already read are in `buf`'s prefix (the count is lost
            /// with the future): use `read` in a loop when partial progress matters.
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
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("let (a, b) = pair::<rill::", stringify!($ty), ">()?; // connected")]
            /// a.write_all(b"exact").await?;
            /// drop(a);
            /// let mut buf = [0u8; 5];
            /// b.read_exact(&mut buf).await?;
            /// assert_eq!(&buf, b"exact");
            /// let err = b.read_exact(&mut buf).await.unwrap_err();
            /// assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub async fn read_exact(&self, mut buf: &mut [u8]) -> std::io::Result<()> {
                while !buf.is_empty() {
                    let n = self.read(buf).await?;
                    if n == 0 {
                        return Err(std::io::Error::new(
                            std::io::ErrorKind::UnexpectedEof,
                            "early EOF in read_exact",
                        ));
                    }
                    buf = &mut buf[n..];
                }
                Ok(())
            }

            /// Writes some of `buf`, waiting until the socket accepts at least one byte.
            /// Returns how many bytes were written. Never raises SIGPIPE: a write to a closed
            /// peer is `BrokenPipe` (or `ConnectionReset`). If the future is dropped before it
            /// completes, nothing was written.
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
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("let (a, b) = pair::<rill::", stringify!($ty), ">()?; // connected")]
            /// let n = a.write(b"some bytes").await?;
            /// assert!(n > 0);
            /// let mut buf = vec![0u8; n];
            /// b.read_exact(&mut buf).await?;
            /// assert_eq!(&buf[..], &b"some bytes"[..n]);
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub async fn write(&self, buf: &[u8]) -> std::io::Result<usize> {
                if buf.is_empty() {
                    return Ok(0);
                }
                let fd = self.source.fd();
                $crate::io_source::Op::transfer(&self.source, rill_core::Direction::Write, move |_: &_| {
                    $crate::transfer::write(fd, buf)
                })
                .await
                .map(|t| t.n)
            }

            /// Writes from several buffers at once (`sendmsg`, no SIGPIPE).
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
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("let (a, b) = pair::<rill::", stringify!($ty), ">()?; // connected")]
            /// let bufs = [std::io::IoSlice::new(b"head"), std::io::IoSlice::new(b"tail")];
            /// assert_eq!(a.write_vectored(&bufs).await?, 8); // room in the socket buffer for all
            /// let mut buf = [0u8; 8];
            /// b.read_exact(&mut buf).await?;
            /// assert_eq!(&buf, b"headtail");
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub async fn write_vectored(
                &self,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::io::Result<usize> {
                if bufs.iter().all(|b| b.is_empty()) {
                    return Ok(0);
                }
                let fd = self.source.fd();
                $crate::io_source::Op::transfer(&self.source, rill_core::Direction::Write, move |_: &_| {
                    $crate::transfer::write_vectored(fd, bufs)
                })
                .await
                .map(|t| t.n)
            }

            /// Writes all of `buf`. A write that accepts 0 bytes is `WriteZero`. If the future is
            /// dropped midway, a prefix of `buf` was sent (its length is lost with the future):
            /// use `write` in a loop when partial progress matters.
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
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("let (a, b) = pair::<rill::", stringify!($ty), ">()?; // connected")]
            /// let data = vec![7u8; 256 * 1024]; // more than one write takes
            /// let reader = rill::spawn(async move {
            ///     let mut got = vec![0u8; 256 * 1024];
            ///     b.read_exact(&mut got).await.map(|()| got)
            /// });
            /// a.write_all(&data).await?;
            /// assert_eq!(reader.await.unwrap()?, data);
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn write_all<'a>(
                &'a self,
                buf: &'a [u8],
            ) -> impl std::future::Future<Output = std::io::Result<()>> + 'a {
                $crate::net::stream_ops::WriteAll::new(&self.source, buf)
            }

            /// Waits until the socket is (probably) readable, consuming nothing: a
            /// zero-timeout `poll(2)` says so, or the wait parks until the backend reports the
            /// read direction and checks again. EOF, a hang-up and a pending error count as
            /// readable (the next read reports them). Pair it with `try_read`: another reader
            /// may still take the bytes first, so `try_read` can say `WouldBlock`; wait again.
            /// Dropping the future cancels the wait.
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
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("let (a, b) = pair::<rill::", stringify!($ty), ">()?; // connected")]
            /// a.write_all(b"x").await?;
            /// b.readable().await?;
            /// let mut buf = [0u8; 1];
            /// assert_eq!(b.try_read(&mut buf)?, 1);
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub async fn readable(&self) -> std::io::Result<()> {
                self.source.ready(rill_core::Direction::Read).await
            }

            /// Waits until the socket is (probably) writable (see `readable`).
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
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("let (a, b) = pair::<rill::", stringify!($ty), ">()?; // connected")]
            /// a.writable().await?; // an empty send buffer: writable at once
            /// assert_eq!(a.try_write(b"now")?, 3);
            /// # let mut buf = [0u8; 3];
            /// # b.read_exact(&mut buf).await?;
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub async fn writable(&self) -> std::io::Result<()> {
                self.source.ready(rill_core::Direction::Write).await
            }

            /// Reads what is queued now, in one non-blocking `recv`: never waits, and returns
            /// `WouldBlock` when nothing is queued. `Ok(0)` is EOF (or an empty `buf`). The
            /// core does not see this call, so a later `read` is unaffected by its
            /// `WouldBlock`.
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
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("let (a, b) = pair::<rill::", stringify!($ty), ">()?; // connected")]
            /// let mut buf = [0u8; 8];
            /// let err = b.try_read(&mut buf).unwrap_err();
            /// assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock); // nothing queued
            /// a.write_all(b"hi").await?;
            /// b.readable().await?;
            /// assert_eq!(b.try_read(&mut buf)?, 2);
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn try_read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
                if buf.is_empty() {
                    return Ok(0);
                }
                $read(self.reader(), buf).map(|t| t.n)
            }

            /// `try_read` into several buffers (one non-blocking `readv` / `recvmsg`).
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
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("let (a, b) = pair::<rill::", stringify!($ty), ">()?; // connected")]
            /// a.write_all(b"abcd").await?;
            /// b.readable().await?;
            /// let (mut x, mut y) = ([0u8; 2], [0u8; 2]);
            /// let mut bufs = [std::io::IoSliceMut::new(&mut x), std::io::IoSliceMut::new(&mut y)];
            /// assert_eq!(b.try_read_vectored(&mut bufs)?, 4);
            /// assert_eq!((&x, &y), (b"ab", b"cd"));
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn try_read_vectored(
                &self,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::io::Result<usize> {
                if bufs.iter().all(|b| b.is_empty()) {
                    return Ok(0);
                }
                $read_vectored(self.reader(), bufs).map(|t| t.n)
            }

            /// Writes what the socket accepts now, in one non-blocking `send` (no SIGPIPE):
            /// never waits, and returns `WouldBlock` when the send buffer is full.
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
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("let (a, b) = pair::<rill::", stringify!($ty), ">()?; // connected")]
            /// assert_eq!(a.try_write(b"ready")?, 5);
            /// let mut buf = [0u8; 5];
            /// b.read_exact(&mut buf).await?;
            /// assert_eq!(&buf, b"ready");
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn try_write(&self, buf: &[u8]) -> std::io::Result<usize> {
                if buf.is_empty() {
                    return Ok(0);
                }
                $crate::transfer::write(self.source.fd(), buf).map(|t| t.n)
            }

            /// `try_write` from several buffers (one non-blocking `sendmsg`).
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
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("let (a, b) = pair::<rill::", stringify!($ty), ">()?; // connected")]
            /// let bufs = [std::io::IoSlice::new(b"ab"), std::io::IoSlice::new(b"cd")];
            /// assert_eq!(a.try_write_vectored(&bufs)?, 4);
            /// let mut buf = [0u8; 4];
            /// b.read_exact(&mut buf).await?;
            /// assert_eq!(&buf, b"abcd");
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn try_write_vectored(
                &self,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::io::Result<usize> {
                if bufs.iter().all(|b| b.is_empty()) {
                    return Ok(0);
                }
                $crate::transfer::write_vectored(self.source.fd(), bufs).map(|t| t.n)
            }

            /// Splits the stream into a read half and a write half borrowing it: one task
            /// may read through one while another writes through the other.
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
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("let (a, b) = pair::<rill::", stringify!($ty), ">()?; // connected")]
            /// let (rd, wr) = b.split();
            /// a.write_all(b"in").await?;
            /// let mut buf = [0u8; 2];
            /// rd.read_exact(&mut buf).await?; // reads through one half
            /// wr.write_all(b"out").await?; // writes through the other
            /// assert_eq!(&buf, b"in");
            /// let mut back = [0u8; 3];
            /// a.read_exact(&mut back).await?;
            /// assert_eq!(&back, b"out");
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn split(&self) -> ($crate::ReadHalf<'_, $ty>, $crate::WriteHalf<'_, $ty>) {
                $crate::net::split::borrowed(self)
            }

            /// Splits the stream into owned halves (each `'static`, so each can move into its
            /// own task on this loop). [`OwnedReadHalf::reunite`](crate::OwnedReadHalf::reunite)
            /// puts them back together. Dropping the write half shuts down the write direction
            /// (the peer reads EOF, the read half still reads), as tokio's does;
            /// [`OwnedWriteHalf::forget`](crate::OwnedWriteHalf::forget) drops it without that.
            /// Dropping both closes the stream.
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
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("let (a, b) = pair::<rill::", stringify!($ty), ">()?; // connected")]
            /// let (rd, wr) = b.into_split();
            /// let reader = rill::spawn(async move {
            ///     let mut buf = [0u8; 2];
            ///     rd.read_exact(&mut buf).await.map(|()| (rd, buf))
            /// });
            /// wr.write_all(b"out").await?;
            /// a.write_all(b"in").await?;
            /// let (rd, buf) = reader.await.unwrap()?;
            /// assert_eq!(&buf, b"in");
            /// let _b = rd.reunite(wr).expect("halves of one stream");
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn into_split(
                self,
            ) -> ($crate::OwnedReadHalf<$ty>, $crate::OwnedWriteHalf<$ty>) {
                $crate::net::split::owned(self, |stream| {
                    let _ = stream.shutdown(std::net::Shutdown::Write);
                })
            }

            /// Shuts down the read, write, or both halves (`shutdown(2)`).
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
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("let (a, b) = pair::<rill::", stringify!($ty), ">()?; // connected")]
            /// a.shutdown(std::net::Shutdown::Write)?;
            /// let mut buf = [0u8; 4];
            /// assert_eq!(b.read(&mut buf).await?, 0); // b sees EOF
            /// b.write_all(b"back").await?; // the other direction still works
            /// a.read_exact(&mut buf).await?;
            /// assert_eq!(&buf, b"back");
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn shutdown(&self, how: std::net::Shutdown) -> std::io::Result<()> {
                self.source.get_ref().shutdown(how)
            }

            /// The pending socket error (`SO_ERROR`), cleared by reading it.
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
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("let (a, b) = pair::<rill::", stringify!($ty), ">()?; // connected")]
            /// assert!(a.take_error()?.is_none()); // a healthy socket has no pending error
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn take_error(&self) -> std::io::Result<Option<std::io::Error>> {
                $crate::sys::take_error(self.source.fd())
            }

            fn poll_read_impl(
                &self,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                if buf.is_empty() {
                    return std::task::Poll::Ready(Ok(0));
                }
                let reader = self.reader();
                self.source
                    .poll_transfer(cx, rill_core::Direction::Read, || $read(reader, buf))
            }

            fn poll_read_vectored_impl(
                &self,
                cx: &mut std::task::Context<'_>,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                if bufs.iter().all(|b| b.is_empty()) {
                    return std::task::Poll::Ready(Ok(0));
                }
                let reader = self.reader();
                self.source.poll_transfer(cx, rill_core::Direction::Read, || {
                    $read_vectored(reader, bufs)
                })
            }

            fn poll_write_impl(
                &self,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                if buf.is_empty() {
                    return std::task::Poll::Ready(Ok(0));
                }
                let fd = self.source.fd();
                self.source
                    .poll_transfer(cx, rill_core::Direction::Write, || $crate::transfer::write(fd, buf))
            }

            fn poll_write_vectored_impl(
                &self,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                if bufs.iter().all(|b| b.is_empty()) {
                    return std::task::Poll::Ready(Ok(0));
                }
                let fd = self.source.fd();
                self.source.poll_transfer(cx, rill_core::Direction::Write, || {
                    $crate::transfer::write_vectored(fd, bufs)
                })
            }
        }

        $crate::net::stream_io!(@async $ty);
        $crate::net::stream_io!(@async &$ty);

        impl std::os::fd::AsRawFd for $ty {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                self.source.fd()
            }
        }

        impl std::os::fd::AsFd for $ty {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                self.source.get_ref().as_fd()
            }
        }
    };
    (@async $($ty:tt)+) => {
        impl futures_io::AsyncRead for $($ty)+ {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.poll_read_impl(cx, buf)
            }

            fn poll_read_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.poll_read_vectored_impl(cx, bufs)
            }
        }

        impl futures_io::AsyncWrite for $($ty)+ {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.poll_write_impl(cx, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.poll_write_vectored_impl(cx, bufs)
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                // Writes go straight to the kernel: nothing is buffered here.
                std::task::Poll::Ready(Ok(()))
            }

            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(
                    match self.source.get_ref().shutdown(std::net::Shutdown::Write) {
                        Err(e) if e.kind() == std::io::ErrorKind::NotConnected => Ok(()),
                        r => r,
                    },
                )
            }
        }
    };
}

pub(crate) use stream_io;

/// Implements the reads into uninitialised memory (`read_uninit`, `poll_read_uninit`) for a
/// stream type with a `source: IoSource<_>` field; `$read_uninit` is the type's read from
/// [`transfer`] (same drained rule as its initialised read).
macro_rules! stream_read_uninit {
    ($ty:ident, $read_uninit:path) => {
        impl $ty {
            /// Like `read`, into a buffer that need not be initialised (the form hyper's
            /// `ReadBufCursor` and `std::io::BorrowedBuf` hand out): nothing is zeroed first.
            /// On `Ok(n)`, `buf[..n]` has been written (is initialised) and the rest untouched.
            /// `Ok(0)` means end of stream (or `buf` is empty). Same cancellation guarantee as
            /// `read`: a dropped future read nothing.
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
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("let (a, b) = pair::<rill::", stringify!($ty), ">()?; // connected")]
            /// use std::mem::MaybeUninit;
            /// a.write_all(b"raw").await?;
            /// let mut buf = [MaybeUninit::<u8>::uninit(); 8];
            /// let n = b.read_uninit(&mut buf).await?;
            /// // SAFETY: `read_uninit` initialised `buf[..n]`.
            /// let got: Vec<u8> = buf[..n].iter().map(|b| unsafe { b.assume_init() }).collect();
            /// assert_eq!(got, b"raw");
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub async fn read_uninit(
                &self,
                buf: &mut [std::mem::MaybeUninit<u8>],
            ) -> std::io::Result<usize> {
                if buf.is_empty() {
                    return Ok(0);
                }
                let reader = self.reader();
                $crate::io_source::Op::transfer(
                    &self.source,
                    rill_core::Direction::Read,
                    move |_: &_| $read_uninit(reader, buf),
                )
                .await
                .map(|t| t.n)
            }

            /// The poll form of `read_uninit`, as `AsyncRead::poll_read` is of `read`: registers
            /// `cx`'s waker and returns `Pending` until at least one byte (or EOF) is there. On
            /// `Ready(Ok(n))`, `buf[..n]` is initialised.
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
            /// # let rt = rill::Runtime::new()?;
            /// # rt.block_on(async {
            #[doc = concat!("let (a, b) = pair::<rill::", stringify!($ty), ">()?; // connected")]
            /// use std::mem::MaybeUninit;
            /// a.write_all(b"raw").await?;
            /// let mut buf = [MaybeUninit::<u8>::uninit(); 8];
            /// let n = std::future::poll_fn(|cx| b.poll_read_uninit(cx, &mut buf)).await?;
            /// assert_eq!(n, 3);
            /// # std::io::Result::Ok(())
            /// # })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn poll_read_uninit(
                &self,
                cx: &mut std::task::Context<'_>,
                buf: &mut [std::mem::MaybeUninit<u8>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                if buf.is_empty() {
                    return std::task::Poll::Ready(Ok(0));
                }
                let reader = self.reader();
                self.source
                    .poll_transfer(cx, rill_core::Direction::Read, || $read_uninit(reader, buf))
            }
        }
    };
}

pub(crate) use stream_read_uninit;
