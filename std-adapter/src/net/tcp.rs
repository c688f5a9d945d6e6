//! TCP: [`TcpListener`] and [`TcpStream`].
//!
//! Addresses follow the rule of [`crate::lookup_host`]: `connect` resolves a host name on the
//! blocking pool, the synchronous `bind` takes literal addresses only.
//!
//! Connect is non-blocking: the socket is created non-blocking, `connect(2)` answers
//! `EINPROGRESS`, and the connect op (write direction) completes when the socket turns
//! writable, with `SO_ERROR` telling success from failure (`ConnectionRefused`, `TimedOut`, ...).
//! Accept uses `accept4(SOCK_NONBLOCK | SOCK_CLOEXEC)` under the accept policy of
//! `net/accept.rs`, shared with Unix listeners: descriptor exhaustion backs off on a timer
//! (H17), per-connection errors are skipped, and a connection this runtime cannot register is
//! shed with the one transient error, `ConnectionAborted`. The rule and the accept-loop
//! pattern are in [`TcpListener::accept`]'s docs.
//!
//! To set options before `bind`, `listen` or `connect` (`SO_REUSEADDR`, `SO_REUSEPORT`,
//! buffer sizes, `IPV6_V6ONLY`, a chosen local address for a client), build the socket with
//! [`crate::TcpSocket`]. A connected stream has the rest: [`TcpStream::set_keepalive`],
//! [`TcpStream::set_linger`], [`TcpStream::set_ttl`], [`TcpStream::set_tos`],
//! [`TcpStream::set_nodelay`] and their getters.

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, IntoRawFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use rill_core::Direction;
use socket2::SockRef;

use crate::io_source::{IoSource, Op};
use crate::net::accept::{Backoff, Taken};
use crate::net::addr::{no_addresses, try_each, ToSocketAddrs};
use crate::net::keepalive::TcpKeepalive;
use crate::sys;

/// A TCP socket server, listening for connections.
///
/// `!Send`: it belongs to the loop that made it. To use it on another thread, build it there
/// (inside a [`Handle::spawn_with`](crate::Handle::spawn_with) closure) or move it with
/// `into_std()` and `from_std()`; see [`crate::thread_bound`].
///
/// ```
/// # let rt = rill::Runtime::new()?;
/// # rt.block_on(async {
/// let listener = rill::TcpListener::bind("127.0.0.1:0")?;
/// let client = rill::TcpStream::connect(listener.local_addr()?).await?;
/// let (server, peer) = listener.accept().await?;
/// assert_eq!(peer, client.local_addr()?);
/// server.write_all(b"welcome").await?;
/// let mut buf = [0u8; 7];
/// client.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"welcome");
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
pub struct TcpListener {
    source: IoSource<std::net::TcpListener>,
    backoff: Backoff,
}

impl TcpListener {
    /// Binds to `addr` (the first address that works) and listens with a backlog of 1024
    /// (`SO_REUSEADDR` set). Must be called inside the runtime.
    ///
    /// `addr` must be a literal address (`"127.0.0.1:8080"`, `"[::]:0"`, a `SocketAddr`, a
    /// `&[SocketAddr]`): a host name is `InvalidInput`, because resolving it would block the
    /// loop thread. Resolve it first with [`crate::lookup_host`] (see there for the rule).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let listener = rill::TcpListener::bind("127.0.0.1:0")?;
    /// assert_ne!(listener.local_addr()?.port(), 0); // the OS picked a port
    /// let err = rill::TcpListener::bind("localhost:0").unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput); // names are not resolved here
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        let target = addr.to_target()?;
        let mut last = None;
        for a in target.literal("TcpListener::bind")? {
            match sys::tcp_listen(a, 1024) {
                Ok(std) => return TcpListener::from_std(std),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| no_addresses("TcpListener::bind")))
    }

    /// Takes over a std listener (made non-blocking here) and registers it with the runtime
    /// driving this thread.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let addr = std_listener.local_addr()?;
    /// let listener = rill::TcpListener::from_std(std_listener)?;
    /// let _client = rill::TcpStream::connect(addr).await?;
    /// let (_server, _) = listener.accept().await?;
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Ok(TcpListener {
            source: IoSource::new(listener)?,
            backoff: Backoff::new(),
        })
    }

    /// Deregisters and gives the std listener back (still non-blocking).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let listener = rill::TcpListener::bind("127.0.0.1:0")?;
    /// let addr = listener.local_addr()?;
    /// let std_listener = listener.into_std();
    /// assert_eq!(std_listener.local_addr()?, addr);
    /// // Still non-blocking: with nothing pending, accept says WouldBlock.
    /// let err = std_listener.accept().unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_std(self) -> std::net::TcpListener {
        self.backoff.disarm();
        self.source.into_inner()
    }

    /// The local address.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let listener = rill::TcpListener::bind("127.0.0.1:0")?;
    /// let addr = listener.local_addr()?;
    /// assert!(addr.ip().is_loopback());
    /// assert_ne!(addr.port(), 0);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.source.get_ref().local_addr()
    }

    /// How many times accept backed off: the process was out of descriptors, or a connection
    /// was shed because this runtime was full (see the module docs).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let listener = rill::TcpListener::bind("127.0.0.1:0")?;
    /// let _client = rill::TcpStream::connect(listener.local_addr()?).await?;
    /// let _ = listener.accept().await?;
    /// assert_eq!(listener.accept_backoffs(), 0); // descriptors to spare: no back-off
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn accept_backoffs(&self) -> u64 {
        self.backoff.count()
    }

    /// Waits for and accepts one connection. Dropping the future before it completes accepts
    /// nothing: pending connections stay in the backlog.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::ConnectionAborted`] is transient: one connection was accepted and closed
    /// at once because this runtime could not register it (`Builder::max_io` objects already
    /// registered, or a descriptor beyond the select backend's `FD_SETSIZE`); the next accept
    /// backs off first, then goes on. Continue the accept loop on it. Any other error is fatal
    /// for this listener (or its runtime). Per-connection OS errors (`ECONNABORTED`, `EPROTO`,
    /// `EPERM`, and the network errors Linux passes on from a new connection, such as
    /// `ENETUNREACH`) and descriptor exhaustion (`EMFILE`, `ENFILE`: accept backs off and retries)
    /// are handled inside and never returned. The accept loop:
    ///
    /// ```no_run
    /// # async fn serve(listener: rill::TcpListener) -> std::io::Result<()> {
    /// loop {
    ///     match listener.accept().await {
    ///         Ok((stream, _peer)) => {
    ///             rill::spawn(async move {
    ///                 let _ = stream.write_all(b"hello\n").await;
    ///             });
    ///         }
    ///         // One connection was shed (this runtime is full); the listener is fine.
    ///         Err(e) if e.kind() == std::io::ErrorKind::ConnectionAborted => continue,
    ///         Err(e) => return Err(e),
    ///     }
    /// }
    /// # }
    /// ```
    pub fn accept(&self) -> Accept<'_> {
        Accept {
            listener: self,
            ticket: None,
        }
    }

    /// Polls for one connection (the `accept` future, without the future); the same errors as
    /// [`TcpListener::accept`] (`ConnectionAborted` is transient).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let listener = rill::TcpListener::bind("127.0.0.1:0")?;
    /// let client = rill::TcpStream::connect(listener.local_addr()?).await?;
    /// let (_server, peer) = std::future::poll_fn(|cx| listener.poll_accept(cx)).await?;
    /// assert_eq!(peer, client.local_addr()?);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        self.poll_accept_ticket(cx, &mut None)
    }

    /// `poll_accept` for the [`accept`](Self::accept) future, which keeps the op's ticket to
    /// cancel it when dropped.
    fn poll_accept_ticket(
        &self,
        cx: &mut Context<'_>,
        ticket: &mut Option<rill_core::OpId>,
    ) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        self.backoff.poll_accept(
            cx,
            &self.source,
            ticket,
            |l| sys::accept(l.as_raw_fd()),
            |(fd, addr)| {
                let std = std::net::TcpStream::from(fd);
                let Ok(addr) = addr.map_or_else(|| std.peer_addr(), Ok) else {
                    return Taken::Gone; // the peer is gone already (`ENOTCONN`)
                };
                // On failure `IoSource::new` dropped (closed) the stream.
                match IoSource::new(std) {
                    Ok(source) => Taken::Stream((TcpStream { source }, addr)),
                    Err(cause) => Taken::Failed {
                        peer: addr.to_string(),
                        cause,
                    },
                }
            },
        )
    }
}

/// The future of [`TcpListener::accept`].
///
/// ```
/// # let rt = rill::Runtime::new()?;
/// # rt.block_on(async {
/// let listener = rill::TcpListener::bind("127.0.0.1:0")?;
/// let accept: rill::Accept<'_> = listener.accept();
/// let _client = rill::TcpStream::connect(listener.local_addr()?).await?;
/// let (_server, _peer) = accept.await?;
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
pub struct Accept<'a> {
    listener: &'a TcpListener,
    /// The accept op this future waits on, if it waits.
    ticket: Option<rill_core::OpId>,
}

impl Future for Accept<'_> {
    type Output = io::Result<(TcpStream, SocketAddr)>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.listener.poll_accept_ticket(cx, &mut this.ticket)
    }
}

impl Drop for Accept<'_> {
    fn drop(&mut self) {
        self.listener.source.cancel(self.ticket.take());
    }
}

impl fmt::Debug for Accept<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Accept").finish_non_exhaustive()
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("fd", &self.source.fd())
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

impl AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> RawFd {
        self.source.fd()
    }
}

impl AsFd for TcpListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.source.get_ref().as_fd()
    }
}

impl From<TcpListener> for OwnedFd {
    fn from(l: TcpListener) -> OwnedFd {
        l.into_std().into()
    }
}

impl IntoRawFd for TcpListener {
    fn into_raw_fd(self) -> RawFd {
        self.into_std().into_raw_fd()
    }
}

impl TryFrom<std::net::TcpListener> for TcpListener {
    type Error = io::Error;
    fn try_from(l: std::net::TcpListener) -> io::Result<TcpListener> {
        TcpListener::from_std(l)
    }
}

/// A TCP connection.
///
/// `!Send`: it belongs to the loop that made it. To use it on another thread, build it there
/// (inside a [`Handle::spawn_with`](crate::Handle::spawn_with) closure) or move it with
/// `into_std()` and `from_std()`; see [`crate::thread_bound`].
///
/// ```
/// # let rt = rill::Runtime::new()?;
/// # rt.block_on(async {
/// # let listener = rill::TcpListener::bind("127.0.0.1:0")?;
/// let client = rill::TcpStream::connect(listener.local_addr()?).await?;
/// let (server, _) = listener.accept().await?;
/// client.write_all(b"ping").await?;
/// let mut buf = [0u8; 4];
/// server.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"ping");
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
pub struct TcpStream {
    source: IoSource<std::net::TcpStream>,
}

crate::net::stream_io!(
    TcpStream,
    crate::transfer::read,
    crate::transfer::read_vectored
);
crate::net::stream_read_uninit!(TcpStream, crate::transfer::read_uninit);

impl TcpStream {
    /// What the reads of `stream_io!` take: the descriptor.
    fn reader(&self) -> RawFd {
        self.source.fd()
    }

    /// Connects to `addr`, trying each address in turn; the error of the last one is returned
    /// if none works. A literal address is used at once; a host name (`"localhost:8080"`) is
    /// resolved on the blocking pool, so the loop keeps running other tasks meanwhile (see
    /// [`crate::lookup_host`]).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let listener = rill::TcpListener::bind("127.0.0.1:0")?;
    /// let port = listener.local_addr()?.port();
    /// let client = rill::TcpStream::connect(("127.0.0.1", port)).await?;
    /// assert_eq!(client.peer_addr()?, listener.local_addr()?);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        try_each(&addr, "TcpStream::connect", TcpStream::connect_addr).await
    }

    /// Connects to one address without blocking: the connect completes through the reactor.
    /// Dropping the future before it completes closes the half-open socket.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let listener = rill::TcpListener::bind("127.0.0.1:0")?;
    /// let addr: std::net::SocketAddr = listener.local_addr()?;
    /// let client = rill::TcpStream::connect_addr(addr).await?;
    /// assert_eq!(client.peer_addr()?, addr);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
        TcpStream::connect_fd(sys::tcp_socket(&addr)?, addr).await
    }

    /// Connects `fd` (a non-blocking TCP socket of `addr`'s family, possibly bound) to `addr`:
    /// [`TcpStream::connect_addr`] and [`crate::TcpSocket::connect`].
    pub(crate) async fn connect_fd(fd: OwnedFd, addr: SocketAddr) -> io::Result<TcpStream> {
        let connected = sys::connect(fd.as_raw_fd(), &addr)?;
        let stream = TcpStream {
            source: IoSource::new(std::net::TcpStream::from(fd))?,
        };
        if !connected {
            let raw = stream.source.fd();
            Op::new(
                &stream.source,
                Direction::Write,
                move |s: &std::net::TcpStream| {
                    sys::connect_outcome(raw, || s.peer_addr().map(drop))
                },
            )
            .await?;
        }
        Ok(stream)
    }

    /// Takes over a connected std stream (made non-blocking here) and registers it with the
    /// runtime driving this thread.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let listener = rill::TcpListener::bind("127.0.0.1:0")?;
    /// let std_stream = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// let client = rill::TcpStream::from_std(std_stream)?;
    /// let (server, _) = listener.accept().await?;
    /// client.write_all(b"x").await?;
    /// let mut buf = [0u8; 1];
    /// server.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"x");
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        sys::set_nosigpipe(stream.as_raw_fd())?;
        Ok(TcpStream {
            source: IoSource::new(stream)?,
        })
    }

    /// Deregisters and gives the std stream back (still non-blocking).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// # let listener = rill::TcpListener::bind("127.0.0.1:0")?;
    /// let client = rill::TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    /// let mut std_client = client.into_std();
    /// std::io::Write::write_all(&mut std_client, b"std")?; // plain std I/O from here on
    /// let mut buf = [0u8; 3];
    /// server.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"std");
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_std(self) -> std::net::TcpStream {
        self.source.into_inner()
    }

    /// The peer's address.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let listener = rill::TcpListener::bind("127.0.0.1:0")?;
    /// let client = rill::TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    /// assert_eq!(client.peer_addr()?, listener.local_addr()?);
    /// assert_eq!(server.peer_addr()?, client.local_addr()?);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.source.get_ref().peer_addr()
    }

    /// The local address.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let listener = rill::TcpListener::bind("127.0.0.1:0")?;
    /// let client = rill::TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    /// assert_eq!(server.local_addr()?, listener.local_addr()?);
    /// assert!(client.local_addr()?.ip().is_loopback());
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.source.get_ref().local_addr()
    }

    /// Sets `TCP_NODELAY` (disables Nagle's algorithm).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// # let listener = rill::TcpListener::bind("127.0.0.1:0")?;
    /// let stream = rill::TcpStream::connect(listener.local_addr()?).await?;
    /// stream.set_nodelay(true)?;
    /// assert!(stream.nodelay()?);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.source.get_ref().set_nodelay(nodelay)
    }

    /// Reads `TCP_NODELAY`.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// # let listener = rill::TcpListener::bind("127.0.0.1:0")?;
    /// let stream = rill::TcpStream::connect(listener.local_addr()?).await?;
    /// assert!(!stream.nodelay()?); // Nagle is on by default
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.source.get_ref().nodelay()
    }

    /// Sets the IP time-to-live.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// # let listener = rill::TcpListener::bind("127.0.0.1:0")?;
    /// let stream = rill::TcpStream::connect(listener.local_addr()?).await?;
    /// stream.set_ttl(42)?;
    /// assert_eq!(stream.ttl()?, 42);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.source.get_ref().set_ttl(ttl)
    }

    /// Reads the IP time-to-live.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// # let listener = rill::TcpListener::bind("127.0.0.1:0")?;
    /// let stream = rill::TcpStream::connect(listener.local_addr()?).await?;
    /// assert!(stream.ttl()? > 0);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.source.get_ref().ttl()
    }

    /// Turns TCP keepalive on with `params` (`SO_KEEPALIVE` and, for each value given,
    /// `TCP_KEEPIDLE` / `TCP_KEEPINTVL` / `TCP_KEEPCNT`), or off with `None`. Values left out
    /// keep the system defaults.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a time or interval under one second or above `i32::MAX` seconds
    /// (the kernel counts whole seconds; a fraction is dropped) or for 0 retries;
    /// `Unsupported` for an interval or a retry count on a system without those options.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// # let listener = rill::TcpListener::bind("127.0.0.1:0")?;
    /// let stream = rill::TcpStream::connect(listener.local_addr()?).await?;
    /// let params = rill::TcpKeepalive::new()
    ///     .with_time(Duration::from_secs(60))
    ///     .with_interval(Duration::from_secs(10))
    ///     .with_retries(5);
    /// stream.set_keepalive(Some(params))?;
    /// assert_eq!(stream.keepalive()?, Some(params));
    /// stream.set_keepalive(None)?;
    /// assert_eq!(stream.keepalive()?, None);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_keepalive(&self, params: Option<TcpKeepalive>) -> io::Result<()> {
        let sock = SockRef::from(self.source.get_ref());
        match params {
            None => sock.set_keepalive(false),
            Some(params) => sock.set_tcp_keepalive(&params.to_socket2()?),
        }
    }

    /// Reads the keepalive settings: `None` when `SO_KEEPALIVE` is off, else the time,
    /// interval and retry count in effect (each `None` where the system cannot report it).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// # let listener = rill::TcpListener::bind("127.0.0.1:0")?;
    /// let stream = rill::TcpStream::connect(listener.local_addr()?).await?;
    /// assert_eq!(stream.keepalive()?, None); // off until set
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn keepalive(&self) -> io::Result<Option<TcpKeepalive>> {
        let sock = SockRef::from(self.source.get_ref());
        if !sock.keepalive()? {
            return Ok(None);
        }
        TcpKeepalive::read(&sock).map(Some)
    }

    /// Sets `SO_LINGER`: with `Some(d)`, closing the stream waits up to `d` for unsent data
    /// (`Some(Duration::ZERO)` resets the connection at close); `None` turns lingering off.
    /// The kernel counts whole seconds.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// # let listener = rill::TcpListener::bind("127.0.0.1:0")?;
    /// let stream = rill::TcpStream::connect(listener.local_addr()?).await?;
    /// stream.set_linger(Some(Duration::from_secs(3)))?;
    /// assert_eq!(stream.linger()?, Some(Duration::from_secs(3)));
    /// stream.set_linger(None)?;
    /// assert_eq!(stream.linger()?, None);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        SockRef::from(self.source.get_ref()).set_linger(linger)
    }

    /// Reads `SO_LINGER`.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// # let listener = rill::TcpListener::bind("127.0.0.1:0")?;
    /// let stream = rill::TcpStream::connect(listener.local_addr()?).await?;
    /// assert_eq!(stream.linger()?, None); // off by default
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        SockRef::from(self.source.get_ref()).linger()
    }

    /// Sets the IPv4 type-of-service byte (`IP_TOS`) of outgoing packets. An IPv4 socket
    /// option: on an IPv6 stream the OS error is returned.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// # let listener = rill::TcpListener::bind("127.0.0.1:0")?;
    /// let stream = rill::TcpStream::connect(listener.local_addr()?).await?;
    /// stream.set_tos(0x10)?; // IPTOS_LOWDELAY
    /// assert_eq!(stream.tos()?, 0x10);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[cfg(not(any(
        target_os = "fuchsia",
        target_os = "redox",
        target_os = "solaris",
        target_os = "haiku"
    )))]
    pub fn set_tos(&self, tos: u32) -> io::Result<()> {
        SockRef::from(self.source.get_ref()).set_tos_v4(tos)
    }

    /// Reads `IP_TOS`.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// # let listener = rill::TcpListener::bind("127.0.0.1:0")?;
    /// let stream = rill::TcpStream::connect(listener.local_addr()?).await?;
    /// assert_eq!(stream.tos()?, 0);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[cfg(not(any(
        target_os = "fuchsia",
        target_os = "redox",
        target_os = "solaris",
        target_os = "haiku"
    )))]
    pub fn tos(&self) -> io::Result<u32> {
        SockRef::from(self.source.get_ref()).tos_v4()
    }

    /// True when a read is outstanding (a read future is waiting); for tests and diagnostics.
    ///
    /// ```
    /// use std::rc::Rc;
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// # let listener = rill::TcpListener::bind("127.0.0.1:0")?;
    /// let client = Rc::new(rill::TcpStream::connect(listener.local_addr()?).await?);
    /// let (server, _) = listener.accept().await?;
    /// let reader = rill::spawn({
    ///     let client = client.clone();
    ///     async move { client.read(&mut [0u8; 8]).await }
    /// });
    /// rill::yield_now().await; // the reader runs and parks: nothing to read yet
    /// assert!(client.read_pending());
    /// server.write_all(b"data").await?;
    /// assert_eq!(reader.await.unwrap()?, 4);
    /// assert!(!client.read_pending());
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn read_pending(&self) -> bool {
        self.source.op_pending(Direction::Read)
    }

    /// True when a write is outstanding; for tests and diagnostics.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// # let listener = rill::TcpListener::bind("127.0.0.1:0")?;
    /// let stream = rill::TcpStream::connect(listener.local_addr()?).await?;
    /// stream.write_all(b"fits in the socket buffer").await?;
    /// assert!(!stream.write_pending()); // the write completed at once
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn write_pending(&self) -> bool {
        self.source.op_pending(Direction::Write)
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("fd", &self.source.fd())
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .finish()
    }
}

impl From<TcpStream> for OwnedFd {
    fn from(s: TcpStream) -> OwnedFd {
        s.into_std().into()
    }
}

impl IntoRawFd for TcpStream {
    fn into_raw_fd(self) -> RawFd {
        self.into_std().into_raw_fd()
    }
}

impl TryFrom<std::net::TcpStream> for TcpStream {
    type Error = io::Error;
    fn try_from(s: std::net::TcpStream) -> io::Result<TcpStream> {
        TcpStream::from_std(s)
    }
}
