//! Unix-domain stream sockets: [`UnixListener`], [`UnixStream`], [`UnixStream::pair`]; the
//! peer's credentials ([`UnixStream::peer_cred`]); and, on Linux and Android, addresses in the
//! abstract namespace ([`UnixListener::bind_addr`], [`UnixStream::connect_addr`] with a
//! `SocketAddr` from `SocketAddrExt::from_abstract_name`). Datagrams are in
//! [`crate::UnixDatagram`].
//!
//! # Connect never blocks the loop thread (H22)
//!
//! A blocking `connect(2)` to a Unix listener whose accept queue is full sleeps until the
//! listener accepts. On a loop thread that is a deadlock when the listener is served by the
//! same loop: nothing can accept while the thread sleeps. So connect is non-blocking, and the
//! answers are handled like this:
//!
//! - **Connected at once** (the usual case: there is no handshake): done.
//! - **`EAGAIN`** (Linux: the accept queue is full). The socket stays unconnected and nothing tells
//!   when the queue has room: an unconnected Unix stream socket is always writable (and reports
//!   `POLLHUP`), so a level-triggered backend would report it ready on every turn (a busy loop),
//!   and an edge-triggered one reports it once and never again (a hang); the kernel wakes only
//!   connectors blocked in `connect` (they sleep on the listener's `peer_wait` queue, not on their
//!   own socket). Checked by experiment on the development machine (a gVisor sandbox reporting
//!   Linux 6.18), matching the Linux source: `poll` reports `POLLOUT | POLLHUP` for the waiting
//!   socket at once, edge-triggered epoll reports it once and nothing after an accept frees a slot,
//!   and a retried `connect` then succeeds. So the connect is retried on a timer instead: after
//!   1 ms, doubling up to 64 ms, one syscall per retry and never a busy loop. The socket is not
//!   registered with the poller while it waits (its permanent `POLLHUP` would wake `poll` /
//!   `select` on every turn). It waits as long as the queue stays full: bound it with
//!   [`crate::timeout`] if the listener may never accept.
//! - **`EINPROGRESS`** (where a platform reports it for Unix sockets): like TCP, the connect
//!   op parks on the write direction and `SO_ERROR` tells the outcome.
//! - **Anything else** is the error (`NotFound`, `ConnectionRefused`: BSD-derived systems
//!   refuse a connect to a full queue at once).
//!
//! Everything else goes through the core like TCP, and accept follows the same policy
//! (`net/accept.rs`): descriptor exhaustion backs off, a connection this runtime cannot register
//! is shed with the transient `ConnectionAborted`.
//!
//! # Descriptors sent to a `UnixStream` are refused
//!
//! rill has no API that receives descriptors (`SCM_RIGHTS`). On Linux 6.16 and later, the
//! sockets rill makes itself ([`UnixStream::pair`], [`UnixStream::connect`], and the streams a
//! [`UnixListener::bind`] listener accepts) refuse them from their first byte (`SO_PASSRIGHTS`
//! off): a peer that sends one gets `EPERM` from `sendmsg`, where the kernel would otherwise
//! close the descriptors unseen. Such a stream has no ancillary-data boundary to stop a read
//! short, so it reads with `recv`, cheaper than `recvmsg` (see `transfer.rs`, H19). A socket
//! handed in with `from_std` (or accepted on a listener handed in) is left as it was and read
//! with `recvmsg`, and `into_std` gives a socket back taking descriptors again. To pass
//! descriptors, use a socket of your own through [`crate::AsyncFd`]. Turning on `SO_PASSCRED`
//! or `SO_PASSPIDFD` through the raw descriptor of a socket rill made is not supported: rill
//! reads no credentials, and a read could stop at a change of writer unseen.

use std::fmt;
use std::future::Future;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, IntoRawFd, OwnedFd, RawFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use std::time::Duration;

use rill_core::Direction;
use socket2::{Domain, SockAddr, Socket, Type};

use crate::io_source::{IoSource, Op};
use crate::net::accept::{Backoff, Taken};
use crate::sys;
use crate::time::sleep::TimerHandle;
use crate::transfer::{UnixReader, UnixReads};

/// First wait before retrying a connect the listener had no room for (`EAGAIN`).
const CONNECT_RETRY_START: Duration = Duration::from_millis(1);
/// Longest wait between those retries.
const CONNECT_RETRY_MAX: Duration = Duration::from_millis(64);

/// The backlog `bind` listens with: std's, "as many as the system allows" where `-1` means
/// that, 128 elsewhere.
const LISTEN_BACKLOG: i32 = if cfg!(any(
    target_os = "linux",
    target_os = "freebsd",
    target_os = "openbsd",
    target_vendor = "apple"
)) {
    -1
} else {
    128
};

/// A Unix-domain socket server.
///
/// `!Send`: it belongs to the loop that made it. To use it on another thread, build it there
/// (inside a [`Handle::spawn_with`](crate::Handle::spawn_with) closure) or move it with
/// `into_std()` and `from_std()`; see [`crate::thread_bound`].
///
/// ```
/// # let rt = rill::Runtime::new()?;
/// # rt.block_on(async {
/// let path = std::env::temp_dir().join(format!("rill-doc-ul-{}.sock", std::process::id()));
/// # let _ = std::fs::remove_file(&path);
/// let listener = rill::UnixListener::bind(&path)?;
/// let client = rill::UnixStream::connect(&path).await?;
/// let (server, _) = listener.accept().await?;
/// server.write_all(b"hi").await?;
/// let mut buf = [0u8; 2];
/// client.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"hi");
/// std::fs::remove_file(&path)?;
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
pub struct UnixListener {
    source: IoSource<std::os::unix::net::UnixListener>,
    backoff: Backoff,
    /// The reads of the streams it accepts: `Recv` when it refused descriptors before it was
    /// bound, which every connection inherits from its first byte.
    accepted: UnixReads,
}

impl UnixListener {
    /// Binds to `path` and listens.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let path = std::env::temp_dir().join(format!("rill-doc-bind-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = rill::UnixListener::bind(&path)?;
    /// assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    /// assert!(rill::UnixListener::bind(&path).is_err()); // the path is taken
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        UnixListener::bind_sockaddr(SockAddr::unix(path)?)
    }

    /// Binds to `addr` and listens: a path name (`SocketAddr::from_pathname`) anywhere, or on
    /// Linux and Android a name in the abstract namespace (no file, gone with the socket).
    ///
    /// ```
    /// # #[cfg(any(target_os = "linux", target_os = "android"))] {
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// use std::os::linux::net::SocketAddrExt;
    /// use std::os::unix::net::SocketAddr;
    ///
    /// let name = format!("rill-doc-{}", std::process::id());
    /// let addr = SocketAddr::from_abstract_name(&name)?;
    /// let listener = rill::UnixListener::bind_addr(&addr)?;
    /// let client = rill::UnixStream::connect_addr(&addr).await?;
    /// let (_served, _) = listener.accept().await?;
    /// let peer = client.peer_addr()?;
    /// assert_eq!(peer.as_abstract_name(), Some(name.as_bytes()));
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # }
    /// # std::io::Result::Ok(())
    /// ```
    pub fn bind_addr(addr: &SocketAddr) -> io::Result<UnixListener> {
        match to_sockaddr(addr, "UnixListener::bind_addr") {
            Ok(addr) => UnixListener::bind_sockaddr(addr),
            // An unnamed address (Linux binds an abstract name of its choosing): as std does.
            Err(_) => UnixListener::from_std(std::os::unix::net::UnixListener::bind_addr(addr)?),
        }
    }

    /// Binds and listens like std, refusing descriptors first (see [`UnixReads`]).
    fn bind_sockaddr(addr: SockAddr) -> io::Result<UnixListener> {
        // Close-on-exec is set by socket2.
        let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
        let accepted = UnixReads::refusing(socket.as_raw_fd());
        socket.bind(&addr)?;
        socket.listen(LISTEN_BACKLOG)?;
        UnixListener::adopt(socket.into(), accepted)
    }

    /// Takes over a std listener (made non-blocking here).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let path = std::env::temp_dir().join(format!("rill-doc-ulfs-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let std_listener = std::os::unix::net::UnixListener::bind(&path)?;
    /// let listener = rill::UnixListener::from_std(std_listener)?;
    /// let _client = rill::UnixStream::connect(&path).await?;
    /// let (_server, _) = listener.accept().await?;
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        // Connections queued already may hold descriptors: its streams keep `recvmsg`.
        UnixListener::adopt(listener, UnixReads::Recvmsg)
    }

    fn adopt(
        listener: std::os::unix::net::UnixListener,
        accepted: UnixReads,
    ) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        Ok(UnixListener {
            source: IoSource::new(listener)?,
            backoff: Backoff::new(),
            accepted,
        })
    }

    /// Deregisters and gives the std listener back (still non-blocking).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let path = std::env::temp_dir().join(format!("rill-doc-ulis-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = rill::UnixListener::bind(&path)?.into_std();
    /// // Still non-blocking: with nothing pending, accept says WouldBlock.
    /// let err = listener.accept().unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_std(self) -> std::os::unix::net::UnixListener {
        self.backoff.disarm();
        self.accepted.restore(self.source.fd());
        self.source.into_inner()
    }

    /// The local address.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let path = std::env::temp_dir().join(format!("rill-doc-ulla-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = rill::UnixListener::bind(&path)?;
    /// assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.source.get_ref().local_addr()
    }

    /// How many times accept backed off: the process was out of descriptors, or a connection
    /// was shed because this runtime was full (the policy of [`crate::TcpListener::accept`]).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let path = std::env::temp_dir().join(format!("rill-doc-ulab-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = rill::UnixListener::bind(&path)?;
    /// let _client = rill::UnixStream::connect(&path).await?;
    /// let _ = listener.accept().await?;
    /// assert_eq!(listener.accept_backoffs(), 0); // descriptors to spare: no back-off
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn accept_backoffs(&self) -> u64 {
        self.backoff.count()
    }

    /// Polls for one connection; the same errors as [`UnixListener::accept`].
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let path = std::env::temp_dir().join(format!("rill-doc-ulpa-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = rill::UnixListener::bind(&path)?;
    /// let _client = rill::UnixStream::connect(&path).await?;
    /// let (_server, peer) = std::future::poll_fn(|cx| listener.poll_accept(cx)).await?;
    /// assert!(peer.is_unnamed()); // the client did not bind a name
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        self.poll_accept_ticket(cx, &mut None)
    }

    /// `poll_accept` for the [`accept`](Self::accept) future, which keeps the op's ticket to
    /// cancel it when dropped.
    fn poll_accept_ticket(
        &self,
        cx: &mut Context<'_>,
        ticket: &mut Option<rill_core::OpId>,
    ) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        self.backoff.poll_accept(
            cx,
            &self.source,
            ticket,
            |l| l.accept(),
            |(s, addr)| match UnixStream::adopt(s, self.accepted) {
                Ok(s) => Taken::Stream((s, addr)),
                Err(cause) => Taken::Failed {
                    peer: format!("{addr:?}"),
                    cause,
                },
            },
        )
    }

    /// Waits for and accepts one connection. Dropping the future first accepts nothing.
    ///
    /// Errors follow [`crate::TcpListener::accept`]: `ConnectionAborted` is transient (one
    /// connection was shed because this runtime is full; accept backs off, continue the loop),
    /// descriptor exhaustion backs off inside and is never returned, anything else is fatal.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let path = std::env::temp_dir().join(format!("rill-doc-ulac-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = rill::UnixListener::bind(&path)?;
    /// let client = rill::UnixStream::connect(&path).await?;
    /// let (server, _peer) = listener.accept().await?;
    /// client.write_all(b"ok").await?;
    /// let mut buf = [0u8; 2];
    /// server.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"ok");
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn accept(&self) -> UnixAccept<'_> {
        UnixAccept {
            listener: self,
            ticket: None,
        }
    }
}

/// The future of [`UnixListener::accept`].
///
/// ```
/// # let rt = rill::Runtime::new()?;
/// # rt.block_on(async {
/// let path = std::env::temp_dir().join(format!("rill-doc-uacc-{}.sock", std::process::id()));
/// # let _ = std::fs::remove_file(&path);
/// let listener = rill::UnixListener::bind(&path)?;
/// let accept: rill::UnixAccept<'_> = listener.accept();
/// let _client = rill::UnixStream::connect(&path).await?;
/// let (_server, _peer) = accept.await?;
/// std::fs::remove_file(&path)?;
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
pub struct UnixAccept<'a> {
    listener: &'a UnixListener,
    /// The accept op this future waits on, if it waits.
    ticket: Option<rill_core::OpId>,
}

impl Future for UnixAccept<'_> {
    type Output = io::Result<(UnixStream, SocketAddr)>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.listener.poll_accept_ticket(cx, &mut this.ticket)
    }
}

impl Drop for UnixAccept<'_> {
    fn drop(&mut self) {
        self.listener.source.cancel(self.ticket.take());
    }
}

impl fmt::Debug for UnixAccept<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixAccept").finish_non_exhaustive()
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixListener")
            .field("fd", &self.source.fd())
            .finish()
    }
}

impl AsRawFd for UnixListener {
    fn as_raw_fd(&self) -> RawFd {
        self.source.fd()
    }
}

impl AsFd for UnixListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.source.get_ref().as_fd()
    }
}

impl From<UnixListener> for OwnedFd {
    fn from(l: UnixListener) -> OwnedFd {
        l.into_std().into()
    }
}

impl IntoRawFd for UnixListener {
    fn into_raw_fd(self) -> RawFd {
        self.into_std().into_raw_fd()
    }
}

impl TryFrom<std::os::unix::net::UnixListener> for UnixListener {
    type Error = io::Error;
    fn try_from(l: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        UnixListener::from_std(l)
    }
}

/// A Unix-domain stream connection.
///
/// `!Send`: it belongs to the loop that made it. To use it on another thread, build it there
/// (inside a [`Handle::spawn_with`](crate::Handle::spawn_with) closure) or move it with
/// `into_std()` and `from_std()`; see [`crate::thread_bound`].
///
/// ```
/// # let rt = rill::Runtime::new()?;
/// # rt.block_on(async {
/// let (a, b) = rill::UnixStream::pair()?;
/// a.write_all(b"ping").await?;
/// let mut buf = [0u8; 4];
/// b.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"ping");
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
pub struct UnixStream {
    source: IoSource<std::os::unix::net::UnixStream>,
    /// `recv` or `recvmsg`, fixed when rill took the socket.
    reads: UnixReads,
}

crate::net::stream_io!(
    UnixStream,
    crate::transfer::read_unix,
    crate::transfer::read_vectored_unix
);
crate::net::stream_read_uninit!(UnixStream, crate::transfer::read_unix_uninit);

impl UnixStream {
    /// Connects to the socket at `path` without blocking the loop thread. While the
    /// listener's accept queue is full, the connect is retried on a timer (see the module
    /// docs); dropping the future closes the unconnected socket.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let path = std::env::temp_dir().join(format!("rill-doc-usc-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = rill::UnixListener::bind(&path)?;
    /// let client = rill::UnixStream::connect(&path).await?;
    /// assert_eq!(client.peer_addr()?.as_pathname(), Some(path.as_path()));
    /// # drop(listener);
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        UnixStream::connect_sockaddr(SockAddr::unix(path)?).await
    }

    /// Connects to `addr` without blocking the loop thread, like [`UnixStream::connect`]: a
    /// path name, or on Linux and Android a name in the abstract namespace (see
    /// [`UnixListener::bind_addr`]). An unnamed address is `InvalidInput`.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let path = std::env::temp_dir().join(format!("rill-doc-usca-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = rill::UnixListener::bind(&path)?;
    /// let addr = listener.local_addr()?;
    /// let client = rill::UnixStream::connect_addr(&addr).await?;
    /// assert_eq!(client.peer_addr()?.as_pathname(), Some(path.as_path()));
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn connect_addr(addr: &SocketAddr) -> io::Result<UnixStream> {
        UnixStream::connect_sockaddr(to_sockaddr(addr, "UnixStream::connect_addr")?).await
    }

    async fn connect_sockaddr(addr: SockAddr) -> io::Result<UnixStream> {
        // Close-on-exec (and `SO_NOSIGPIPE` where it exists) are set by socket2.
        let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
        socket.set_nonblocking(true)?;
        // Before connect, so the refusal holds from the first byte the peer could send.
        let reads = UnixReads::refusing(socket.as_raw_fd());
        let mut delay = CONNECT_RETRY_START;
        let mut attempted = false;
        loop {
            let e = match socket.connect(&addr) {
                Ok(()) => return UnixStream::adopt(socket.into(), reads),
                Err(e) => e,
            };
            match e.raw_os_error() {
                Some(libc::EINPROGRESS) => {
                    return UnixStream::finish_connect(socket.into(), reads).await
                }
                Some(libc::EAGAIN) => {
                    let timer = TimerHandle::after(delay)?;
                    std::future::poll_fn(|cx| timer.poll(cx)).await;
                    delay = (delay * 2).min(CONNECT_RETRY_MAX);
                }
                // A signal cannot interrupt a connect that does not sleep, but if one did, the
                // retry finds the socket connected.
                Some(libc::EINTR) => {}
                Some(libc::EISCONN) if attempted => return UnixStream::adopt(socket.into(), reads),
                _ => return Err(e),
            }
            attempted = true;
        }
    }

    /// Waits for a connect that answered `EINPROGRESS`: the write direction turns ready when it
    /// is done, and `SO_ERROR` says how it ended.
    async fn finish_connect(
        std: std::os::unix::net::UnixStream,
        reads: UnixReads,
    ) -> io::Result<UnixStream> {
        let stream = UnixStream::adopt(std, reads)?;
        let raw = stream.source.fd();
        Op::new(
            &stream.source,
            Direction::Write,
            move |s: &std::os::unix::net::UnixStream| {
                sys::connect_outcome(raw, || s.peer_addr().map(drop))
            },
        )
        .await?;
        Ok(stream)
    }

    /// A connected pair of anonymous sockets.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, b) = rill::UnixStream::pair()?;
    /// b.write_all(b"pong").await?;
    /// let mut buf = [0u8; 4];
    /// a.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"pong");
    /// assert!(a.peer_addr()?.is_unnamed());
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = std::os::unix::net::UnixStream::pair()?;
        // Nobody else holds either end yet: both can refuse descriptors from the start.
        let (reads_a, reads_b) = (
            UnixReads::refusing(a.as_raw_fd()),
            UnixReads::refusing(b.as_raw_fd()),
        );
        Ok((
            UnixStream::adopt(a, reads_a)?,
            UnixStream::adopt(b, reads_b)?,
        ))
    }

    /// Takes over a std stream (made non-blocking here).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (std_a, std_b) = std::os::unix::net::UnixStream::pair()?;
    /// let (a, b) = (rill::UnixStream::from_std(std_a)?, rill::UnixStream::from_std(std_b)?);
    /// a.write_all(b"x").await?;
    /// let mut buf = [0u8; 1];
    /// b.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"x");
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        // Descriptors may be queued already: it keeps `recvmsg` (see `transfer::UnixReads`).
        UnixStream::adopt(stream, UnixReads::Recvmsg)
    }

    fn adopt(stream: std::os::unix::net::UnixStream, reads: UnixReads) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        sys::set_nosigpipe(stream.as_raw_fd())?;
        Ok(UnixStream {
            source: IoSource::new(stream)?,
            reads,
        })
    }

    /// What the reads of `stream_io!` take.
    fn reader(&self) -> UnixReader {
        UnixReader {
            fd: self.source.fd(),
            reads: self.reads,
        }
    }

    /// Deregisters and gives the std stream back (still non-blocking).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, b) = rill::UnixStream::pair()?;
    /// let mut std_a = a.into_std();
    /// std::io::Write::write_all(&mut std_a, b"std")?; // plain std I/O from here on
    /// let mut buf = [0u8; 3];
    /// b.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"std");
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_std(self) -> std::os::unix::net::UnixStream {
        self.reads.restore(self.source.fd());
        self.source.into_inner()
    }

    /// The local address.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, _b) = rill::UnixStream::pair()?;
    /// assert!(a.local_addr()?.is_unnamed()); // a socketpair has no names
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.source.get_ref().local_addr()
    }

    /// The peer's address.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let path = std::env::temp_dir().join(format!("rill-doc-uspa-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let _listener = rill::UnixListener::bind(&path)?;
    /// let client = rill::UnixStream::connect(&path).await?;
    /// assert_eq!(client.peer_addr()?.as_pathname(), Some(path.as_path()));
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.source.get_ref().peer_addr()
    }

    /// The credentials of the process at the other end, as the kernel recorded them when the
    /// connection was made (`SO_PEERCRED` on Linux and Android; `getpeereid`, plus
    /// `LOCAL_PEERPID` on Apple systems, elsewhere).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, _b) = rill::UnixStream::pair()?;
    /// let cred = a.peer_cred()?;
    /// // SAFETY: getuid has no preconditions.
    /// assert_eq!(cred.uid(), unsafe { libc::getuid() });
    /// if let Some(pid) = cred.pid() {
    ///     assert_eq!(pid as u32, std::process::id());
    /// }
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn peer_cred(&self) -> io::Result<UCred> {
        let (uid, gid, pid) = sys::peer_cred(self.source.fd())?;
        Ok(UCred { uid, gid, pid })
    }
}

/// The credentials of a Unix-domain socket's peer: [`UnixStream::peer_cred`].
///
/// ```
/// # let rt = rill::Runtime::new()?;
/// # rt.block_on(async {
/// let (a, b) = rill::UnixStream::pair()?;
/// let cred: rill::UCred = a.peer_cred()?;
/// assert_eq!(cred, b.peer_cred()?); // both ends are this process
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UCred {
    uid: libc::uid_t,
    gid: libc::gid_t,
    pid: Option<libc::pid_t>,
}

impl UCred {
    /// The peer's effective user id.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, _b) = rill::UnixStream::pair()?;
    /// // SAFETY: geteuid has no preconditions.
    /// assert_eq!(a.peer_cred()?.uid(), unsafe { libc::geteuid() });
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn uid(&self) -> libc::uid_t {
        self.uid
    }

    /// The peer's effective group id.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, _b) = rill::UnixStream::pair()?;
    /// // SAFETY: getegid has no preconditions.
    /// assert_eq!(a.peer_cred()?.gid(), unsafe { libc::getegid() });
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn gid(&self) -> libc::gid_t {
        self.gid
    }

    /// The peer's process id, where the OS reports it (Linux, Android, Apple systems; `None`
    /// on the BSDs).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, _b) = rill::UnixStream::pair()?;
    /// if let Some(pid) = a.peer_cred()?.pid() {
    ///     assert_eq!(pid as u32, std::process::id()); // the peer is this process
    /// }
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn pid(&self) -> Option<libc::pid_t> {
        self.pid
    }
}

/// A std Unix socket address as socket2's: a path name, or on Linux and Android an abstract
/// name. An unnamed address cannot be connected or sent to: `InvalidInput`.
pub(crate) fn to_sockaddr(addr: &SocketAddr, what: &str) -> io::Result<SockAddr> {
    if let Some(path) = addr.as_pathname() {
        return SockAddr::unix(path);
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        #[cfg(target_os = "android")]
        use std::os::android::net::SocketAddrExt;
        #[cfg(target_os = "linux")]
        use std::os::linux::net::SocketAddrExt;
        use std::os::unix::ffi::OsStrExt;
        if let Some(name) = addr.as_abstract_name() {
            // socket2 takes a leading NUL as the abstract namespace.
            let mut bytes = Vec::with_capacity(name.len() + 1);
            bytes.push(0);
            bytes.extend_from_slice(name);
            return SockAddr::unix(std::ffi::OsStr::from_bytes(&bytes));
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{what}: an unnamed address (give a path or an abstract name)"),
    ))
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStream")
            .field("fd", &self.source.fd())
            .finish()
    }
}

impl From<UnixStream> for OwnedFd {
    fn from(s: UnixStream) -> OwnedFd {
        s.into_std().into()
    }
}

impl IntoRawFd for UnixStream {
    fn into_raw_fd(self) -> RawFd {
        self.into_std().into_raw_fd()
    }
}

impl TryFrom<std::os::unix::net::UnixStream> for UnixStream {
    type Error = io::Error;
    fn try_from(s: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        UnixStream::from_std(s)
    }
}
