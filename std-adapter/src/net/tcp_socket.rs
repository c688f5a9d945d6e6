//! [`TcpSocket`]: a TCP socket not yet connected or listening, to set options that must come
//! before `bind`, `listen` or `connect`.
//!
//! The socket is made non-blocking and close-on-exec at once (one `socket(2)` where the OS
//! takes the flags in the type). It is not registered with a runtime until it becomes a
//! [`TcpListener`] ([`TcpSocket::listen`]) or a [`TcpStream`] ([`TcpSocket::connect`]), so it
//! may be made anywhere; those two must run inside a runtime.
//!
//! Every option goes through socket2 (one `setsockopt` / `getsockopt` each). Bad input is an
//! [`io::ErrorKind::InvalidInput`] that names the call: an address of the other family, a
//! buffer size above `i32::MAX`.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, IntoRawFd, OwnedFd, RawFd};
use std::time::Duration;

use socket2::Socket;

use crate::net::convert::{check_socket, Kind};
use crate::{sys, TcpListener, TcpStream};

/// The family a [`TcpSocket`] was made for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    V4,
    V6,
}

impl Family {
    fn of(addr: &SocketAddr) -> Family {
        match addr {
            SocketAddr::V4(_) => Family::V4,
            SocketAddr::V6(_) => Family::V6,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        }
    }
}

/// A TCP socket before `bind` / `listen` / `connect`: set `SO_REUSEADDR`, `SO_REUSEPORT`, the
/// buffer sizes, `IPV6_V6ONLY` or a local address first.
///
/// A server:
///
/// ```
/// # let rt = rill::Runtime::new()?;
/// # rt.block_on(async {
/// let socket = rill::TcpSocket::new_v4()?;
/// socket.set_reuseaddr(true)?;
/// socket.set_recv_buffer_size(64 * 1024)?;
/// socket.bind("127.0.0.1:0".parse().unwrap())?;
/// let listener = socket.listen(128)?;
/// let addr = listener.local_addr()?;
///
/// // A client bound to a chosen local address before it connects.
/// let client = rill::TcpSocket::new_v4()?;
/// client.bind("127.0.0.1:0".parse().unwrap())?;
/// let local = client.local_addr()?;
/// let stream = client.connect(addr).await?;
/// let (_served, peer) = listener.accept().await?;
/// assert_eq!(peer, local);
/// assert_eq!(stream.local_addr()?, local);
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
pub struct TcpSocket {
    inner: Socket,
    family: Family,
}

impl TcpSocket {
    /// A new IPv4 TCP socket (non-blocking, close-on-exec).
    ///
    /// ```
    /// let socket = rill::TcpSocket::new_v4()?;
    /// assert_eq!(socket.local_addr()?, "0.0.0.0:0".parse().unwrap()); // not bound yet
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new_v4() -> io::Result<TcpSocket> {
        TcpSocket::new(SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// A new IPv6 TCP socket (non-blocking, close-on-exec).
    ///
    /// ```
    /// let socket = rill::TcpSocket::new_v6()?;
    /// assert!(socket.local_addr()?.is_ipv6());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new_v6() -> io::Result<TcpSocket> {
        TcpSocket::new(SocketAddr::from((std::net::Ipv6Addr::UNSPECIFIED, 0)))
    }

    /// A new TCP socket of `addr`'s family.
    fn new(addr: SocketAddr) -> io::Result<TcpSocket> {
        Ok(TcpSocket {
            inner: Socket::from(sys::tcp_socket(&addr)?),
            family: Family::of(&addr),
        })
    }

    /// Sets `SO_REUSEADDR`: bind to a local address still in `TIME_WAIT`.
    ///
    /// ```
    /// let socket = rill::TcpSocket::new_v4()?;
    /// socket.set_reuseaddr(true)?;
    /// assert!(socket.reuseaddr()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_reuseaddr(&self, reuseaddr: bool) -> io::Result<()> {
        self.inner.set_reuse_address(reuseaddr)
    }

    /// Reads `SO_REUSEADDR`.
    ///
    /// ```
    /// assert!(!rill::TcpSocket::new_v4()?.reuseaddr()?); // off on a new socket
    /// # std::io::Result::Ok(())
    /// ```
    pub fn reuseaddr(&self) -> io::Result<bool> {
        self.inner.reuse_address()
    }

    /// Sets `SO_REUSEPORT`: several sockets may bind the same address and port (on Linux the
    /// kernel spreads connections over listeners of one user).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, b) = (rill::TcpSocket::new_v4()?, rill::TcpSocket::new_v4()?);
    /// a.set_reuseport(true)?;
    /// b.set_reuseport(true)?;
    /// a.bind("127.0.0.1:0".parse().unwrap())?;
    /// b.bind(a.local_addr()?)?; // the same address and port
    /// let (la, lb) = (a.listen(16)?, b.listen(16)?);
    /// assert_eq!(la.local_addr()?, lb.local_addr()?);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[cfg(not(any(target_os = "solaris", target_os = "illumos", target_os = "cygwin")))]
    pub fn set_reuseport(&self, reuseport: bool) -> io::Result<()> {
        self.inner.set_reuse_port(reuseport)
    }

    /// Reads `SO_REUSEPORT`.
    ///
    /// ```
    /// let socket = rill::TcpSocket::new_v4()?;
    /// assert!(!socket.reuseport()?);
    /// socket.set_reuseport(true)?;
    /// assert!(socket.reuseport()?);
    /// # std::io::Result::Ok(())
    /// ```
    #[cfg(not(any(target_os = "solaris", target_os = "illumos", target_os = "cygwin")))]
    pub fn reuseport(&self) -> io::Result<bool> {
        self.inner.reuse_port()
    }

    /// Sets `SO_SNDBUF`. The kernel may round or double the size (Linux doubles it for its
    /// bookkeeping); read the result back with [`TcpSocket::send_buffer_size`]. A size above
    /// `i32::MAX` is `InvalidInput`.
    ///
    /// ```
    /// let socket = rill::TcpSocket::new_v4()?;
    /// socket.set_send_buffer_size(64 * 1024)?;
    /// assert!(socket.send_buffer_size()? >= 64 * 1024); // Linux doubles it
    /// assert!(socket.set_send_buffer_size(u32::MAX).is_err());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_send_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner
            .set_send_buffer_size(buffer_size(size, "set_send_buffer_size")?)
    }

    /// Reads `SO_SNDBUF`.
    ///
    /// ```
    /// assert!(rill::TcpSocket::new_v4()?.send_buffer_size()? > 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn send_buffer_size(&self) -> io::Result<u32> {
        self.inner.send_buffer_size().map(clamp_u32)
    }

    /// Sets `SO_RCVBUF` (see [`TcpSocket::set_send_buffer_size`]). Set it before `listen` or
    /// `connect`: the TCP window scale is chosen at the handshake.
    ///
    /// ```
    /// let socket = rill::TcpSocket::new_v4()?;
    /// socket.set_recv_buffer_size(128 * 1024)?;
    /// assert!(socket.recv_buffer_size()? >= 128 * 1024); // Linux doubles it
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_recv_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner
            .set_recv_buffer_size(buffer_size(size, "set_recv_buffer_size")?)
    }

    /// Reads `SO_RCVBUF`.
    ///
    /// ```
    /// assert!(rill::TcpSocket::new_v4()?.recv_buffer_size()? > 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn recv_buffer_size(&self) -> io::Result<u32> {
        self.inner.recv_buffer_size().map(clamp_u32)
    }

    /// Sets `IPV6_V6ONLY` on an IPv6 socket: `true` accepts IPv6 only, `false` also IPv4
    /// (as v4-mapped addresses). Set it before `bind`. On an IPv4 socket, `InvalidInput`.
    ///
    /// ```
    /// let socket = rill::TcpSocket::new_v6()?;
    /// socket.set_only_v6(true)?;
    /// assert!(socket.only_v6()?);
    /// let v4 = rill::TcpSocket::new_v4()?;
    /// assert_eq!(v4.set_only_v6(true).unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_only_v6(&self, only_v6: bool) -> io::Result<()> {
        self.need_v6("set_only_v6")?;
        self.inner.set_only_v6(only_v6)
    }

    /// Reads `IPV6_V6ONLY` (an IPv6 socket only; on IPv4, `InvalidInput`).
    ///
    /// ```
    /// let socket = rill::TcpSocket::new_v6()?;
    /// socket.set_only_v6(false)?;
    /// assert!(!socket.only_v6()?);
    /// let v4 = rill::TcpSocket::new_v4()?;
    /// assert_eq!(v4.only_v6().unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn only_v6(&self) -> io::Result<bool> {
        self.need_v6("only_v6")?;
        self.inner.only_v6()
    }

    /// Sets `TCP_NODELAY` for the stream this socket becomes.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// # let listener = rill::TcpListener::bind("127.0.0.1:0")?;
    /// let socket = rill::TcpSocket::new_v4()?;
    /// socket.set_nodelay(true)?;
    /// assert!(socket.nodelay()?);
    /// let stream = socket.connect(listener.local_addr()?).await?;
    /// assert!(stream.nodelay()?); // the stream keeps it
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.set_tcp_nodelay(nodelay)
    }

    /// Reads `TCP_NODELAY`.
    ///
    /// ```
    /// assert!(!rill::TcpSocket::new_v4()?.nodelay()?); // Nagle is on by default
    /// # std::io::Result::Ok(())
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.inner.tcp_nodelay()
    }

    /// Sets `SO_LINGER` (see [`TcpStream::set_linger`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// let socket = rill::TcpSocket::new_v4()?;
    /// socket.set_linger(Some(Duration::from_secs(2)))?;
    /// assert_eq!(socket.linger()?, Some(Duration::from_secs(2)));
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        self.inner.set_linger(linger)
    }

    /// Reads `SO_LINGER`.
    ///
    /// ```
    /// assert_eq!(rill::TcpSocket::new_v4()?.linger()?, None); // off by default
    /// # std::io::Result::Ok(())
    /// ```
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        self.inner.linger()
    }

    /// Sets `SO_KEEPALIVE` (tune it on the stream with [`TcpStream::set_keepalive`]).
    ///
    /// ```
    /// let socket = rill::TcpSocket::new_v4()?;
    /// socket.set_keepalive(true)?;
    /// assert!(socket.keepalive()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_keepalive(&self, keepalive: bool) -> io::Result<()> {
        self.inner.set_keepalive(keepalive)
    }

    /// Reads `SO_KEEPALIVE`.
    ///
    /// ```
    /// assert!(!rill::TcpSocket::new_v4()?.keepalive()?); // off by default
    /// # std::io::Result::Ok(())
    /// ```
    pub fn keepalive(&self) -> io::Result<bool> {
        self.inner.keepalive()
    }

    /// Sets the IPv4 type-of-service byte (`IP_TOS`); on an IPv6 socket, `InvalidInput`.
    ///
    /// ```
    /// let socket = rill::TcpSocket::new_v4()?;
    /// socket.set_tos(0x10)?;
    /// assert_eq!(socket.tos()?, 0x10);
    /// let v6 = rill::TcpSocket::new_v6()?;
    /// assert_eq!(v6.set_tos(0x10).unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
    /// # std::io::Result::Ok(())
    /// ```
    #[cfg(not(any(
        target_os = "fuchsia",
        target_os = "redox",
        target_os = "solaris",
        target_os = "haiku"
    )))]
    pub fn set_tos(&self, tos: u32) -> io::Result<()> {
        self.need_v4("set_tos")?;
        self.inner.set_tos_v4(tos)
    }

    /// Reads `IP_TOS` (an IPv4 socket only).
    ///
    /// ```
    /// assert_eq!(rill::TcpSocket::new_v4()?.tos()?, 0);
    /// # std::io::Result::Ok(())
    /// ```
    #[cfg(not(any(
        target_os = "fuchsia",
        target_os = "redox",
        target_os = "solaris",
        target_os = "haiku"
    )))]
    pub fn tos(&self) -> io::Result<u32> {
        self.need_v4("tos")?;
        self.inner.tos_v4()
    }

    /// Binds to `addr`, which must be of the socket's family (else `InvalidInput`). Port 0
    /// picks a free port; read it with [`TcpSocket::local_addr`].
    ///
    /// ```
    /// let socket = rill::TcpSocket::new_v4()?;
    /// socket.bind("127.0.0.1:0".parse().unwrap())?;
    /// assert_ne!(socket.local_addr()?.port(), 0);
    /// let other = rill::TcpSocket::new_v4()?;
    /// let err = other.bind("[::1]:0".parse().unwrap()).unwrap_err(); // wrong family
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        self.same_family(&addr, "bind")?;
        self.inner.bind(&addr.into())
    }

    /// The local address (`0.0.0.0:0` or `[::]:0` before `bind`).
    ///
    /// ```
    /// let socket = rill::TcpSocket::new_v4()?;
    /// socket.bind("127.0.0.1:0".parse().unwrap())?;
    /// let addr = socket.local_addr()?;
    /// assert!(addr.ip().is_loopback() && addr.port() != 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()?.as_socket().ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidData, "TcpSocket: not an IP address")
        })
    }

    /// The pending socket error (`SO_ERROR`), cleared by reading it.
    ///
    /// ```
    /// assert!(rill::TcpSocket::new_v4()?.take_error()?.is_none());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.take_error()
    }

    /// Listens with a `backlog`-deep accept queue (the kernel caps it, at `somaxconn` on
    /// Linux; values above `i32::MAX` are capped there too) and registers the listener with
    /// the runtime driving this thread. An unbound socket listens on an ephemeral port of the
    /// unspecified address.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let socket = rill::TcpSocket::new_v4()?;
    /// socket.bind("127.0.0.1:0".parse().unwrap())?;
    /// let listener = socket.listen(64)?;
    /// let _client = rill::TcpStream::connect(listener.local_addr()?).await?;
    /// let (_server, _) = listener.accept().await?;
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        self.inner
            .listen(i32::try_from(backlog).unwrap_or(i32::MAX))?;
        TcpListener::from_std(self.inner.into())
    }

    /// Connects to `addr` (of the socket's family, else `InvalidInput`) without blocking, like
    /// [`TcpStream::connect_addr`], from the local address bound before, if any. Dropping the
    /// future before it completes closes the socket.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let listener = rill::TcpListener::bind("127.0.0.1:0")?;
    /// let socket = rill::TcpSocket::new_v4()?;
    /// let stream = socket.connect(listener.local_addr()?).await?;
    /// assert_eq!(stream.peer_addr()?, listener.local_addr()?);
    /// let v6 = rill::TcpSocket::new_v6()?;
    /// let err = v6.connect(listener.local_addr()?).await.unwrap_err(); // wrong family
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn connect(self, addr: SocketAddr) -> io::Result<TcpStream> {
        self.same_family(&addr, "connect")?;
        TcpStream::connect_fd(self.inner.into(), addr).await
    }

    fn same_family(&self, addr: &SocketAddr, what: &str) -> io::Result<()> {
        let theirs = Family::of(addr);
        if theirs == self.family {
            return Ok(());
        }
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "TcpSocket::{what}: {addr} is an {} address and this is an {} socket \
                 (make it with TcpSocket::new_{})",
                theirs.name(),
                self.family.name(),
                if theirs == Family::V4 { "v4" } else { "v6" },
            ),
        ))
    }

    fn need_v6(&self, what: &str) -> io::Result<()> {
        self.need(Family::V6, what)
    }

    #[cfg_attr(
        any(
            target_os = "fuchsia",
            target_os = "redox",
            target_os = "solaris",
            target_os = "haiku"
        ),
        allow(dead_code)
    )]
    fn need_v4(&self, what: &str) -> io::Result<()> {
        self.need(Family::V4, what)
    }

    fn need(&self, family: Family, what: &str) -> io::Result<()> {
        if self.family == family {
            return Ok(());
        }
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "TcpSocket::{what}: an {} socket option, and this is an {} socket",
                family.name(),
                self.family.name()
            ),
        ))
    }
}

/// `size` as the `int` `setsockopt` takes, or `InvalidInput`.
fn buffer_size(size: u32, what: &str) -> io::Result<usize> {
    if size > i32::MAX as u32 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("TcpSocket::{what}: {size} bytes is more than i32::MAX"),
        ));
    }
    Ok(size as usize)
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl fmt::Debug for TcpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpSocket")
            .field("fd", &self.inner.as_raw_fd())
            .field("family", &self.family)
            .finish()
    }
}

impl AsRawFd for TcpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl AsFd for TcpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl From<TcpSocket> for OwnedFd {
    fn from(s: TcpSocket) -> OwnedFd {
        s.inner.into()
    }
}

impl IntoRawFd for TcpSocket {
    fn into_raw_fd(self) -> RawFd {
        self.inner.into_raw_fd()
    }
}

impl From<TcpSocket> for Socket {
    fn from(s: TcpSocket) -> Socket {
        s.inner
    }
}

impl TryFrom<Socket> for TcpSocket {
    type Error = io::Error;

    /// Takes over a TCP socket that is neither listening nor connected (checked; anything else
    /// is `InvalidInput`), made non-blocking here.
    fn try_from(socket: Socket) -> io::Result<TcpSocket> {
        let family = match check_socket(socket.as_fd(), Kind::TcpSocket, "TcpSocket::try_from")? {
            socket2::Domain::IPV6 => Family::V6,
            _ => Family::V4,
        };
        socket.set_nonblocking(true)?;
        sys::set_nosigpipe(socket.as_raw_fd())?;
        Ok(TcpSocket {
            inner: socket,
            family,
        })
    }
}

impl TryFrom<OwnedFd> for TcpSocket {
    type Error = io::Error;

    /// As `TryFrom<socket2::Socket>`.
    fn try_from(fd: OwnedFd) -> io::Result<TcpSocket> {
        TcpSocket::try_from(Socket::from(fd))
    }
}
