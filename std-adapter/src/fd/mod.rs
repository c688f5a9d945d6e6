//! Any descriptor: [`AsyncFd`] waits for readiness of an fd rill does not know, on every
//! backend, and runs your own syscalls the rill way.
//!
//! rill's op model is "try the syscall, park on `WouldBlock`": an op asks the core for an
//! attempt, makes the syscall, and parks until the backend reports its direction ready only
//! when the syscall said `WouldBlock`. [`AsyncFd`] gives you that model for any [`AsFd`]
//! (an eventfd, a pipe, a socket made elsewhere, a tty, a pidfd, ...):
//!
//! - [`AsyncFd::async_io`]`(interest, f)` runs your closure as an op: `f` makes the syscall;
//!   `Err(WouldBlock)` parks until the direction is ready and `f` runs again; anything else is
//!   the result. This is the method to use: it costs nothing beyond your syscall.
//! - [`AsyncFd::readable`] / [`AsyncFd::writable`] resolve once the direction is (probably)
//!   ready, without consuming anything, and return a [`ReadyGuard`]. They ask the kernel with a
//!   zero-timeout `poll(2)` (one extra syscall) and park in the core while it says "not ready".
//! - [`AsyncFd::try_io`] and [`ReadyGuard::try_io`] run your closure once, never park, and hand
//!   `WouldBlock` back to you.
//!
//! # Readiness is not cached: what `clear_ready` means here
//!
//! In tokio a guard carries a cached readiness bit that you must clear when a syscall says
//! `WouldBlock`, or the next `readable()` returns at once (a busy loop). rill keeps no such
//! bit in `AsyncFd`: every `readable()` asks the kernel again, so a `readable()` after a
//! `WouldBlock` parks until new data arrives whether or not you cleared anything.
//! [`ReadyGuard::clear_ready`] exists so that tokio-shaped loops port unchanged; it only
//! forgets the guard. The tokio loop works as written:
//!
//! ```
//! # use std::io::Read;
//! # let rt = rill::Runtime::new()?;
//! # rt.block_on(async {
//! use rill::fd::{AsyncFd, Interest};
//!
//! let (a, mut b) = std::os::unix::net::UnixStream::pair()?;
//! let fd = AsyncFd::new(a)?; // now non-blocking
//! std::io::Write::write_all(&mut b, b"ping")?;
//! let mut buf = [0u8; 4];
//! let n = loop {
//!     let mut guard = fd.readable().await?;
//!     match guard.try_io(|fd| fd.get_ref().read(&mut buf)) {
//!         Ok(result) => break result?,
//!         Err(_would_block) => continue, // `guard.clear_ready()` is implied
//!     }
//! };
//! assert_eq!(&buf[..n], b"ping");
//!
//! // The same in one call: the closure is the op.
//! std::io::Write::write_all(&mut b, b"pong")?;
//! let n = fd.async_io(Interest::Readable, |s| (&*s).read(&mut buf)).await?;
//! assert_eq!(&buf[..n], b"pong");
//! # std::io::Result::Ok(())
//! # })?;
//! # std::io::Result::Ok(())
//! ```
//!
//! "Probably ready" is the kernel's word at the time of the check: another reader of the same
//! file can take the data first, so the syscall after a guard may still say `WouldBlock`.
//!
//! # What it accepts
//!
//! - **Anything the backends can watch**: pipes, FIFOs, sockets, ttys, eventfds, pidfds,
//!   signalfds, timerfds, inotify descriptors.
//! - **Not regular files or directories**: epoll refuses them (`EPERM`), and poll, select and
//!   kqueue would call them always ready, so `AsyncFd::new` refuses them on every backend with
//!   `InvalidInput`. Disk I/O never returns `WouldBlock`; run it on the blocking pool with
//!   [`spawn_blocking`](crate::spawn_blocking). Other descriptors epoll cannot watch (such as
//!   `/dev/null`) are refused with the same kind.
//! - **A closed descriptor** is the `EBADF` error from `fstat`.
//!
//! `AsyncFd::new` sets `O_NONBLOCK` on the descriptor's open file description, which is shared
//! with every duplicate of it (and with a child process that inherited it); it stays set after
//! [`AsyncFd::into_inner`]. Like the sockets, an `AsyncFd` is `!Send`: it belongs to the loop
//! that registered it. One op per direction at a time: a second task waiting in the same
//! direction waits its turn.

use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{Context, Poll};

use rill_core::Direction;

use crate::io_source::{IoSource, Op};
use crate::sys::fd as sys;

/// A direction to wait for or do I/O in.
///
/// ```
/// use std::io::Write;
/// use rill::fd::{AsyncFd, Interest};
/// # let rt = rill::Runtime::new()?;
/// # rt.block_on(async {
/// let (a, mut b) = std::os::unix::net::UnixStream::pair()?;
/// let fd = AsyncFd::new(a)?;
/// let guard = fd.ready(Interest::Writable).await?; // an empty buffer: writable at once
/// assert_eq!(guard.interest(), Interest::Writable);
/// # drop(guard);
/// b.write_all(b"x")?;
/// assert_eq!(fd.ready(Interest::Readable).await?.interest(), Interest::Readable);
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Interest {
    /// Reading: `POLLIN`, `EPOLLIN`, `EVFILT_READ`.
    Readable,
    /// Writing: `POLLOUT`, `EPOLLOUT`, `EVFILT_WRITE`.
    Writable,
}

impl Interest {
    fn direction(self) -> Direction {
        match self {
            Interest::Readable => Direction::Read,
            Interest::Writable => Direction::Write,
        }
    }
}

/// The `AsRawFd` view of any `AsFd`, which is what [`IoSource`] registers.
struct Raw<T>(T);

impl<T: AsFd> AsRawFd for Raw<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_fd().as_raw_fd()
    }
}

/// A descriptor of any kind registered with the current runtime: wait for readiness and run
/// your own syscalls on it (see the [module docs](self)).
///
/// ```
/// use std::io::{Read, Write};
/// use rill::fd::{AsyncFd, Interest};
/// # let rt = rill::Runtime::new()?;
/// # rt.block_on(async {
/// let (a, mut b) = std::os::unix::net::UnixStream::pair()?;
/// let fd = AsyncFd::new(a)?;
/// b.write_all(b"raw")?;
/// let mut buf = [0u8; 8];
/// let n = fd.async_io(Interest::Readable, |s| (&*s).read(&mut buf)).await?;
/// assert_eq!(&buf[..n], b"raw");
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
pub struct AsyncFd<T: AsFd> {
    source: IoSource<Raw<T>>,
}

impl<T: AsFd> AsyncFd<T> {
    /// Checks that `inner` can be watched, sets `O_NONBLOCK` on it and registers it with the
    /// runtime driving this thread.
    ///
    /// Errors: a regular file, a directory or another descriptor the backend cannot watch is
    /// `InvalidInput` (use [`spawn_blocking`](crate::spawn_blocking) for file I/O); a closed
    /// descriptor is `EBADF`; outside a runtime, a full table, a descriptor already registered
    /// and `select`'s `FD_SETSIZE` limit give the same errors as the sockets.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let _fd = rill::AsyncFd::new(a)?; // registered and non-blocking
    /// let file = std::fs::File::open(std::env::current_exe()?)?;
    /// let err = rill::AsyncFd::new(file).unwrap_err(); // regular files cannot be watched
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new(inner: T) -> io::Result<AsyncFd<T>> {
        check_watchable(inner.as_fd().as_raw_fd())?;
        AsyncFd::new_unchecked(inner)
    }

    /// [`AsyncFd::new`] without the file-type check, for descriptors rill made itself (a
    /// pidfd: a future kernel might give it a regular-file mode).
    pub(crate) fn new_unchecked(inner: T) -> io::Result<AsyncFd<T>> {
        let fd = inner.as_fd().as_raw_fd();
        sys::set_nonblocking(fd)?;
        let source = IoSource::new(Raw(inner)).map_err(|e| match e.raw_os_error() {
            Some(libc::EPERM) => unwatchable(fd, "the backend refused it (EPERM)"),
            _ => e,
        })?;
        Ok(AsyncFd { source })
    }

    /// The wrapped object.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let fd = rill::AsyncFd::new(a)?;
    /// assert!(fd.get_ref().peer_addr()?.is_unnamed());
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn get_ref(&self) -> &T {
        &self.source.get_ref().0
    }

    /// Deregisters and hands the object back (still non-blocking).
    ///
    /// ```
    /// use std::io::Read;
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let mut a = rill::AsyncFd::new(a)?.into_inner();
    /// // Deregistered, but still non-blocking:
    /// assert_eq!(a.read(&mut [0u8; 1]).unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_inner(self) -> T {
        self.source.into_inner().0
    }

    /// Waits until the descriptor is (probably) readable, consuming nothing. See the
    /// [module docs](self) for what the guard promises.
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, mut b) = std::os::unix::net::UnixStream::pair()?;
    /// let fd = rill::AsyncFd::new(a)?;
    /// b.write_all(b"ping")?;
    /// let _guard = fd.readable().await?; // consumes nothing
    /// let mut buf = [0u8; 4];
    /// assert_eq!(fd.get_ref().read(&mut buf)?, 4);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn readable(&self) -> io::Result<ReadyGuard<'_, T>> {
        self.ready(Interest::Readable).await
    }

    /// Waits until the descriptor is (probably) writable.
    ///
    /// ```
    /// use std::io::Write;
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let fd = rill::AsyncFd::new(a)?;
    /// let _guard = fd.writable().await?;
    /// assert_eq!(fd.get_ref().write(b"pong")?, 4);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn writable(&self) -> io::Result<ReadyGuard<'_, T>> {
        self.ready(Interest::Writable).await
    }

    /// Waits until `interest` is (probably) ready: a zero-timeout `poll(2)` says so, or the
    /// op parks until the backend reports the direction and checks again. A hang-up or error
    /// condition counts as ready (the next syscall reports it). Dropping the future cancels
    /// the wait.
    ///
    /// ```
    /// use rill::fd::{AsyncFd, Interest};
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, b) = std::os::unix::net::UnixStream::pair()?;
    /// let fd = AsyncFd::new(a)?;
    /// drop(b); // a hang-up counts as readable
    /// let guard = fd.ready(Interest::Readable).await?;
    /// assert_eq!(guard.interest(), Interest::Readable);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn ready(&self, interest: Interest) -> io::Result<ReadyGuard<'_, T>> {
        self.source.ready(interest.direction()).await?;
        Ok(ReadyGuard { fd: self, interest })
    }

    /// Polls for readiness to read, for hand-written `poll_*` functions (`AsyncRead` impls).
    /// Like the sockets' `poll_read`, a `Pending` leaves the wait registered in the core: poll
    /// again (or drop the `AsyncFd`) rather than abandoning it for another op in this
    /// direction.
    ///
    /// ```
    /// use std::io::Write;
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, mut b) = std::os::unix::net::UnixStream::pair()?;
    /// let fd = rill::AsyncFd::new(a)?;
    /// b.write_all(b"x")?;
    /// std::future::poll_fn(|cx| fd.poll_read_ready(cx)).await?;
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_ready(cx, Direction::Read)
    }

    /// Polls for readiness to write (see [`AsyncFd::poll_read_ready`]).
    ///
    /// ```
    /// use std::io::Write;
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let fd = rill::AsyncFd::new(a)?;
    /// std::future::poll_fn(|cx| fd.poll_write_ready(cx)).await?;
    /// assert_eq!(fd.get_ref().write(b"ok")?, 2);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_ready(cx, Direction::Write)
    }

    fn poll_ready(&self, cx: &mut Context<'_>, dir: Direction) -> Poll<io::Result<()>> {
        let fd = self.source.fd();
        self.source
            .poll_op(cx, dir, &mut None, |_| sys::ready_or_would_block(fd, dir))
    }

    /// Runs `f` as one op in `interest`'s direction: `f` makes the syscall; `Err(WouldBlock)`
    /// parks until the backend reports the direction ready, then `f` runs again; any other
    /// result is returned. `f` should be the syscall alone (it may run several times, never
    /// after the future is dropped).
    ///
    /// `f` must make the syscall on this descriptor, in this direction: the core takes its
    /// `WouldBlock` as proof the direction is not ready.
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use rill::fd::{AsyncFd, Interest};
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, b) = std::os::unix::net::UnixStream::pair()?;
    /// let (a, b) = (AsyncFd::new(a)?, AsyncFd::new(b)?);
    /// let reader = rill::spawn(async move {
    ///     let mut buf = [0u8; 5];
    ///     let n = b.async_io(Interest::Readable, |s| (&*s).read(&mut buf)).await?; // parks first
    ///     std::io::Result::Ok(buf[..n].to_vec())
    /// });
    /// rill::yield_now().await;
    /// a.async_io(Interest::Writable, |s| (&*s).write(b"later")).await?;
    /// assert_eq!(reader.await.unwrap()?, b"later");
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        let f = &mut f;
        Op::new(&self.source, interest.direction(), move |raw: &Raw<T>| {
            f(&raw.0)
        })
        .await
    }

    /// Runs `f` once, now: no parking, and a `WouldBlock` comes back to you. For a syscall you
    /// expect to succeed (after [`AsyncFd::readable`], say); `interest` is for symmetry with
    /// [`AsyncFd::async_io`] (rill keeps no readiness cache to clear).
    ///
    /// ```
    /// use std::io::Read;
    /// use rill::fd::{AsyncFd, Interest};
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let fd = AsyncFd::new(a)?;
    /// let err = fd.try_io(Interest::Readable, |s| (&*s).read(&mut [0u8; 4])).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock); // handed back, no parking
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        let _ = interest;
        f(self.get_ref())
    }
}

/// Refuses what no backend can watch meaningfully: regular files and directories (epoll says
/// `EPERM`; poll, select and kqueue call them always ready). A closed fd is `EBADF`.
pub(crate) fn check_watchable(fd: RawFd) -> io::Result<()> {
    match sys::file_type(fd)? {
        libc::S_IFREG => Err(unwatchable(fd, "it is a regular file")),
        libc::S_IFDIR => Err(unwatchable(fd, "it is a directory")),
        _ => Ok(()),
    }
}

fn unwatchable(fd: RawFd, why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "descriptor {fd} cannot be watched for readiness: {why}, whose reads and writes \
             never return WouldBlock (epoll refuses it; poll, select and kqueue call it always \
             ready), so do file I/O on the blocking pool with rill::spawn_blocking"
        ),
    )
}

impl<T: AsFd> AsRawFd for AsyncFd<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.source.fd()
    }
}

impl<T: AsFd> AsFd for AsyncFd<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.get_ref().as_fd()
    }
}

impl<T: AsFd + fmt::Debug> fmt::Debug for AsyncFd<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFd")
            .field("inner", self.get_ref())
            .finish()
    }
}

/// The kernel said the direction was ready when [`AsyncFd::readable`] / [`AsyncFd::writable`]
/// resolved. A witness, not a cached state: see the [module docs](self).
///
/// ```
/// use std::io::{Read, Write};
/// # let rt = rill::Runtime::new()?;
/// # rt.block_on(async {
/// let (a, mut b) = std::os::unix::net::UnixStream::pair()?;
/// let fd = rill::AsyncFd::new(a)?;
/// b.write_all(b"guard")?;
/// let mut guard: rill::fd::ReadyGuard<'_, _> = fd.readable().await?;
/// let mut buf = [0u8; 8];
/// let n = guard.try_io(|fd| fd.get_ref().read(&mut buf)).expect("was readable")?;
/// assert_eq!(&buf[..n], b"guard");
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
pub struct ReadyGuard<'a, T: AsFd> {
    fd: &'a AsyncFd<T>,
    interest: Interest,
}

impl<'a, T: AsFd> ReadyGuard<'a, T> {
    /// The direction this guard is for.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let fd = rill::AsyncFd::new(a)?;
    /// assert_eq!(fd.writable().await?.interest(), rill::fd::Interest::Writable);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn interest(&self) -> Interest {
        self.interest
    }

    /// The `AsyncFd`.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let fd = rill::AsyncFd::new(a)?;
    /// let guard = fd.writable().await?;
    /// assert!(std::ptr::eq(guard.get_ref(), &fd));
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn get_ref(&self) -> &'a AsyncFd<T> {
        self.fd
    }

    /// The wrapped object.
    ///
    /// ```
    /// use std::io::Write;
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let fd = rill::AsyncFd::new(a)?;
    /// let guard = fd.writable().await?;
    /// assert_eq!(guard.get_inner().write(b"direct")?, 6);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn get_inner(&self) -> &'a T {
        self.fd.get_ref()
    }

    /// Forgets this readiness. rill caches none (the next `readable()` asks the kernel), so
    /// this only exists for code written against tokio's guard.
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, mut b) = std::os::unix::net::UnixStream::pair()?;
    /// let fd = rill::AsyncFd::new(a)?;
    /// b.write_all(b"x")?;
    /// let mut guard = fd.readable().await?;
    /// assert_eq!(guard.get_inner().read(&mut [0u8; 4])?, 1);
    /// guard.clear_ready(); // a no-op here: the next readable() asks the kernel again
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn clear_ready(&mut self) {}

    /// Runs `f` once. `Err(TryIoError)` when it said `WouldBlock` (wait again with
    /// `readable()` / `writable()`: it will park until the direction turns ready); otherwise
    /// its result.
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, mut b) = std::os::unix::net::UnixStream::pair()?;
    /// let fd = rill::AsyncFd::new(a)?;
    /// b.write_all(b"once")?;
    /// let mut guard = fd.readable().await?;
    /// let mut buf = [0u8; 4];
    /// assert_eq!(guard.try_io(|fd| fd.get_ref().read(&mut buf)).unwrap()?, 4);
    /// assert!(guard.try_io(|fd| fd.get_ref().read(&mut buf)).is_err()); // drained: WouldBlock
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&'a AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        match f(self.fd) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Err(TryIoError(())),
            r => Ok(r),
        }
    }
}

impl<T: AsFd> fmt::Debug for ReadyGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadyGuard")
            .field("fd", &self.fd.source.fd())
            .field("interest", &self.interest)
            .finish()
    }
}

/// [`ReadyGuard::try_io`]'s closure said `WouldBlock`.
///
/// ```
/// use std::io::Read;
/// # let rt = rill::Runtime::new()?;
/// # rt.block_on(async {
/// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
/// let fd = rill::AsyncFd::new(a)?;
/// let mut guard = fd.writable().await?; // a guard for writing, used to read: nothing there
/// let res = guard.try_io(|fd| fd.get_ref().read(&mut [0u8; 1]));
/// let err: rill::fd::TryIoError = res.unwrap_err();
/// assert_eq!(err.to_string(), "the operation would block");
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug)]
pub struct TryIoError(());

impl fmt::Display for TryIoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the operation would block")
    }
}

impl std::error::Error for TryIoError {}
