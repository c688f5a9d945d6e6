//! Unix-domain datagram sockets: [`UnixDatagram`], bound to a path, unbound, a connected pair,
//! or connected to one peer; on Linux and Android also bound or connected to a name in the
//! abstract namespace ([`UnixDatagram::bind_addr`], [`UnixDatagram::connect_addr`]).
//!
//! A Unix datagram send never waits for a handshake and `connect` only records the peer, so
//! `bind` and `connect` are synchronous (neither blocks). Sends and receives go through the
//! core like UDP's; a send to a peer whose queue is full parks until the peer reads (on Linux
//! a connected sender's socket turns writable again then).

use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, IntoRawFd, OwnedFd, RawFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::task::{Context, Poll};

use rill_core::Direction;

use crate::io_source::{IoSource, Op};
use crate::net::unix::to_sockaddr;
use crate::sys;

type Std = std::os::unix::net::UnixDatagram;

/// A Unix-domain datagram socket.
///
/// `!Send`: it belongs to the loop that made it (see [`crate::thread_bound`]).
///
/// ```
/// # let rt = rill::Runtime::new()?;
/// # rt.block_on(async {
/// let dir = std::env::temp_dir().join(format!("rill-dgram-doc-{}", std::process::id()));
/// # let _ = std::fs::remove_dir_all(&dir);
/// std::fs::create_dir(&dir)?;
/// let server = rill::UnixDatagram::bind(dir.join("server"))?;
/// let client = rill::UnixDatagram::unbound()?;
/// client.send_to(b"ping", dir.join("server")).await?;
/// let mut buf = [0u8; 16];
/// let (n, from) = server.recv_from(&mut buf).await?;
/// assert_eq!(&buf[..n], b"ping");
/// assert!(from.is_unnamed(), "an unbound sender has no address to answer");
///
/// // A connected pair needs no paths.
/// let (a, b) = rill::UnixDatagram::pair()?;
/// a.send(b"one").await?;
/// let n = b.recv(&mut buf).await?;
/// assert_eq!(&buf[..n], b"one");
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
pub struct UnixDatagram {
    source: IoSource<Std>,
}

impl UnixDatagram {
    /// A socket bound to `path` (which must not exist yet).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let path = std::env::temp_dir().join(format!("rill-doc-udb-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let server = rill::UnixDatagram::bind(&path)?;
    /// let client = rill::UnixDatagram::unbound()?;
    /// client.send_to(b"hello", &path).await?;
    /// let mut buf = [0u8; 8];
    /// assert_eq!(server.recv(&mut buf).await?, 5);
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(Std::bind(path)?)
    }

    /// A socket bound to `addr`: a path name, or on Linux and Android an abstract name
    /// (`SocketAddrExt::from_abstract_name`).
    ///
    /// ```
    /// # #[cfg(any(target_os = "linux", target_os = "android"))] {
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// use std::os::linux::net::SocketAddrExt;
    /// let addr = std::os::unix::net::SocketAddr::from_abstract_name(
    ///     format!("rill-dgram-doc-{}", std::process::id()),
    /// )?;
    /// let server = rill::UnixDatagram::bind_addr(&addr)?;
    /// let client = rill::UnixDatagram::unbound()?;
    /// client.connect_addr(&addr)?;
    /// client.send(b"abstract").await?;
    /// let mut buf = [0u8; 16];
    /// let n = server.recv(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"abstract");
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # }
    /// # std::io::Result::Ok(())
    /// ```
    pub fn bind_addr(addr: &SocketAddr) -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(Std::bind_addr(addr)?)
    }

    /// A socket bound to no address: it can send (`send_to`, or `send` after `connect`), but
    /// its datagrams come from an unnamed address, so a receiver cannot answer them. Bind
    /// (or use [`UnixDatagram::pair`]) to receive replies.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let path = std::env::temp_dir().join(format!("rill-doc-udu-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let server = rill::UnixDatagram::bind(&path)?;
    /// let client = rill::UnixDatagram::unbound()?;
    /// client.send_to(b"anon", &path).await?;
    /// let mut buf = [0u8; 8];
    /// let (n, from) = server.recv_from(&mut buf).await?;
    /// assert_eq!((n, from.is_unnamed()), (4, true)); // no address to answer to
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(Std::unbound()?)
    }

    /// A connected pair of anonymous sockets.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, b) = rill::UnixDatagram::pair()?;
    /// a.send(b"one").await?;
    /// a.send(b"two").await?;
    /// let mut buf = [0u8; 8];
    /// assert_eq!(b.recv(&mut buf).await?, 3); // datagram boundaries are kept
    /// let n = b.recv(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"two");
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = Std::pair()?;
        Ok((UnixDatagram::from_std(a)?, UnixDatagram::from_std(b)?))
    }

    /// Sets the default peer to the socket at `path`: `send` and `recv` then talk to it only.
    /// Does not block (a Unix datagram connect has no handshake).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let path = std::env::temp_dir().join(format!("rill-doc-udc-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let server = rill::UnixDatagram::bind(&path)?;
    /// let client = rill::UnixDatagram::unbound()?;
    /// client.connect(&path)?;
    /// client.send(b"to the peer").await?;
    /// let mut buf = [0u8; 16];
    /// assert_eq!(server.recv(&mut buf).await?, 11);
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.source.get_ref().connect(path)
    }

    /// Sets the default peer to `addr` (a path name or, on Linux and Android, an abstract
    /// name).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let path = std::env::temp_dir().join(format!("rill-doc-udca-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let server = rill::UnixDatagram::bind(&path)?;
    /// let client = rill::UnixDatagram::unbound()?;
    /// client.connect_addr(&server.local_addr()?)?;
    /// assert_eq!(client.peer_addr()?.as_pathname(), Some(path.as_path()));
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn connect_addr(&self, addr: &SocketAddr) -> io::Result<()> {
        self.source.get_ref().connect_addr(addr)
    }

    /// Takes over a std socket (made non-blocking here) and registers it with the runtime
    /// driving this thread.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, b) = std::os::unix::net::UnixDatagram::pair()?;
    /// let (a, b) = (rill::UnixDatagram::from_std(a)?, rill::UnixDatagram::from_std(b)?);
    /// a.send(b"x").await?;
    /// assert_eq!(b.recv(&mut [0u8; 4]).await?, 1);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_std(socket: Std) -> io::Result<UnixDatagram> {
        socket.set_nonblocking(true)?;
        sys::set_nosigpipe(socket.as_raw_fd())?;
        Ok(UnixDatagram {
            source: IoSource::new(socket)?,
        })
    }

    /// Deregisters and gives the std socket back (still non-blocking).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, b) = rill::UnixDatagram::pair()?;
    /// let b = b.into_std();
    /// // Still non-blocking: with nothing queued, recv says WouldBlock.
    /// assert_eq!(b.recv(&mut [0u8; 4]).unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
    /// a.send(b"x").await?;
    /// assert_eq!(b.recv(&mut [0u8; 4])?, 1);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_std(self) -> Std {
        self.source.into_inner()
    }

    /// Sends one datagram to the connected peer; returns the bytes sent. A datagram larger
    /// than the socket's send buffer is `EMSGSIZE`.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, b) = rill::UnixDatagram::pair()?;
    /// assert_eq!(a.send(b"datagram").await?, 8);
    /// let mut buf = [0u8; 16];
    /// let n = b.recv(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"datagram");
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        Op::new(&self.source, Direction::Write, move |s: &Std| s.send(buf)).await
    }

    /// Sends one datagram to the socket at `path`.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let path = std::env::temp_dir().join(format!("rill-doc-udst-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let server = rill::UnixDatagram::bind(&path)?;
    /// let client = rill::UnixDatagram::unbound()?;
    /// assert_eq!(client.send_to(b"hello", &path).await?, 5);
    /// assert_eq!(server.recv(&mut [0u8; 8]).await?, 5);
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn send_to(&self, buf: &[u8], path: impl AsRef<Path>) -> io::Result<usize> {
        let path = path.as_ref();
        Op::new(&self.source, Direction::Write, move |s: &Std| {
            s.send_to(buf, path)
        })
        .await
    }

    /// Sends one datagram to `addr` (a path name or, on Linux and Android, an abstract name).
    /// An unnamed address is `InvalidInput`.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let path = std::env::temp_dir().join(format!("rill-doc-udsa-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let server = rill::UnixDatagram::bind(&path)?;
    /// let client = rill::UnixDatagram::unbound()?;
    /// assert_eq!(client.send_to_addr(b"hello", &server.local_addr()?).await?, 5);
    /// assert_eq!(server.recv(&mut [0u8; 8]).await?, 5);
    /// let unnamed = client.local_addr()?;
    /// let err = server.send_to_addr(b"back", &unnamed).await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn send_to_addr(&self, buf: &[u8], addr: &SocketAddr) -> io::Result<usize> {
        // Checked here, so the error does not wait for the socket to turn writable.
        to_sockaddr(addr, "UnixDatagram::send_to_addr")?;
        Op::new(&self.source, Direction::Write, move |s: &Std| {
            s.send_to_addr(buf, addr)
        })
        .await
    }

    /// Receives one datagram from the connected peer. A longer datagram than `buf` is
    /// truncated. Dropping the future before it completes receives nothing.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, b) = rill::UnixDatagram::pair()?;
    /// a.send(b"longer than buf").await?;
    /// let mut buf = [0u8; 6];
    /// assert_eq!(b.recv(&mut buf).await?, 6); // truncated; the rest is gone
    /// assert_eq!(&buf, b"longer");
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        Op::new(&self.source, Direction::Read, move |s: &Std| s.recv(buf)).await
    }

    /// Receives one datagram and its sender's address (unnamed for an unbound sender).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let dir = std::env::temp_dir();
    /// let pa = dir.join(format!("rill-doc-udrf-a-{}", std::process::id()));
    /// let pb = dir.join(format!("rill-doc-udrf-b-{}", std::process::id()));
    /// # let _ = (std::fs::remove_file(&pa), std::fs::remove_file(&pb));
    /// let (a, b) = (rill::UnixDatagram::bind(&pa)?, rill::UnixDatagram::bind(&pb)?);
    /// a.send_to(b"named", &pb).await?;
    /// let mut buf = [0u8; 8];
    /// let (n, from) = b.recv_from(&mut buf).await?;
    /// assert_eq!((n, from.as_pathname()), (5, Some(pa.as_path())));
    /// std::fs::remove_file(&pa)?;
    /// std::fs::remove_file(&pb)?;
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        Op::new(&self.source, Direction::Read, move |s: &Std| {
            s.recv_from(buf)
        })
        .await
    }

    /// Receives the next datagram without removing it from the queue (`MSG_PEEK`).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, b) = rill::UnixDatagram::pair()?;
    /// a.send(b"look").await?;
    /// let mut buf = [0u8; 4];
    /// assert_eq!(b.peek(&mut buf).await?, 4);
    /// assert_eq!(b.recv(&mut buf).await?, 4); // the peek left it queued
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        let fd = self.source.fd();
        Op::new(&self.source, Direction::Read, move |_: &Std| {
            sys::peek(fd, buf)
        })
        .await
    }

    /// Waits until a datagram is (probably) queued, consuming nothing (see
    /// [`crate::UdpSocket::readable`]).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, b) = rill::UnixDatagram::pair()?;
    /// a.send(b"ready").await?;
    /// b.readable().await?;
    /// assert_eq!(b.try_recv(&mut [0u8; 8])?, 5);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        self.source.ready(Direction::Read).await
    }

    /// Waits until the socket can (probably) send.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, b) = rill::UnixDatagram::pair()?;
    /// a.writable().await?; // an empty send buffer: writable at once
    /// assert_eq!(a.try_send(b"now")?, 3);
    /// # drop(b);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.source.ready(Direction::Write).await
    }

    /// One non-blocking `send` to the connected peer: `WouldBlock` when it would wait.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, b) = rill::UnixDatagram::pair()?;
    /// assert_eq!(a.try_send(b"quick")?, 5);
    /// assert_eq!(b.recv(&mut [0u8; 8]).await?, 5);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.source.get_ref().send(buf)
    }

    /// One non-blocking send to the socket at `path`.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let path = std::env::temp_dir().join(format!("rill-doc-udts-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let server = rill::UnixDatagram::bind(&path)?;
    /// assert_eq!(rill::UnixDatagram::unbound()?.try_send_to(b"quick", &path)?, 5);
    /// assert_eq!(server.recv(&mut [0u8; 8]).await?, 5);
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn try_send_to(&self, buf: &[u8], path: impl AsRef<Path>) -> io::Result<usize> {
        self.source.get_ref().send_to(buf, path)
    }

    /// One non-blocking `recv`: `WouldBlock` when nothing is queued.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, b) = rill::UnixDatagram::pair()?;
    /// let mut buf = [0u8; 8];
    /// assert_eq!(b.try_recv(&mut buf).unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
    /// a.send(b"hi").await?;
    /// assert_eq!(b.try_recv(&mut buf)?, 2); // a pair delivers at once
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.source.get_ref().recv(buf)
    }

    /// One non-blocking `recvfrom`: `WouldBlock` when nothing is queued.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, b) = rill::UnixDatagram::pair()?;
    /// a.send(b"hi").await?;
    /// let (n, from) = b.try_recv_from(&mut [0u8; 8])?;
    /// assert_eq!((n, from.is_unnamed()), (2, true));
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.source.get_ref().recv_from(buf)
    }

    /// Polls for one datagram from the connected peer (`recv` without the future).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, b) = rill::UnixDatagram::pair()?;
    /// a.send(b"polled").await?;
    /// let mut buf = [0u8; 8];
    /// assert_eq!(std::future::poll_fn(|cx| b.poll_recv(cx, &mut buf)).await?, 6);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.source
            .poll_op(cx, Direction::Read, &mut None, |s| s.recv(buf))
    }

    /// Polls for one datagram and its sender (`recv_from` without the future).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, b) = rill::UnixDatagram::pair()?;
    /// a.send(b"polled").await?;
    /// let mut buf = [0u8; 8];
    /// let (n, _from) = std::future::poll_fn(|cx| b.poll_recv_from(cx, &mut buf)).await?;
    /// assert_eq!(&buf[..n], b"polled");
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        self.source
            .poll_op(cx, Direction::Read, &mut None, |s| s.recv_from(buf))
    }

    /// Polls to send one datagram to the connected peer (`send` without the future).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, b) = rill::UnixDatagram::pair()?;
    /// assert_eq!(std::future::poll_fn(|cx| a.poll_send(cx, b"polled")).await?, 6);
    /// assert_eq!(b.recv(&mut [0u8; 8]).await?, 6);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.source
            .poll_op(cx, Direction::Write, &mut None, |s| s.send(buf))
    }

    /// Polls to send one datagram to `path` (`send_to` without the future).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let path = std::env::temp_dir().join(format!("rill-doc-udpst-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let server = rill::UnixDatagram::bind(&path)?;
    /// let client = rill::UnixDatagram::unbound()?;
    /// let n = std::future::poll_fn(|cx| client.poll_send_to(cx, b"polled", &path)).await?;
    /// assert_eq!(n, 6);
    /// assert_eq!(server.recv(&mut [0u8; 8]).await?, 6);
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        path: &Path,
    ) -> Poll<io::Result<usize>> {
        self.source
            .poll_op(cx, Direction::Write, &mut None, |s| s.send_to(buf, path))
    }

    /// The local address (unnamed for an unbound socket or one of a pair).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let path = std::env::temp_dir().join(format!("rill-doc-udla-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let bound = rill::UnixDatagram::bind(&path)?;
    /// assert_eq!(bound.local_addr()?.as_pathname(), Some(path.as_path()));
    /// assert!(rill::UnixDatagram::unbound()?.local_addr()?.is_unnamed());
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.source.get_ref().local_addr()
    }

    /// The connected peer's address; `NotConnected` before `connect`.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let socket = rill::UnixDatagram::unbound()?;
    /// assert_eq!(socket.peer_addr().unwrap_err().kind(), std::io::ErrorKind::NotConnected);
    /// let (a, _b) = rill::UnixDatagram::pair()?;
    /// assert!(a.peer_addr()?.is_unnamed()); // connected, to an unnamed peer
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.source.get_ref().peer_addr()
    }

    /// Shuts down the read, write, or both directions (`shutdown(2)`).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, _b) = rill::UnixDatagram::pair()?;
    /// a.shutdown(std::net::Shutdown::Write)?;
    /// assert_eq!(a.send(b"late").await.unwrap_err().kind(), std::io::ErrorKind::BrokenPipe);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn shutdown(&self, how: std::net::Shutdown) -> io::Result<()> {
        self.source.get_ref().shutdown(how)
    }

    /// The pending socket error (`SO_ERROR`), cleared by reading it.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let (a, _b) = rill::UnixDatagram::pair()?;
    /// assert!(a.take_error()?.is_none());
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.source.get_ref().take_error()
    }
}

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixDatagram")
            .field("fd", &self.source.fd())
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

impl AsRawFd for UnixDatagram {
    fn as_raw_fd(&self) -> RawFd {
        self.source.fd()
    }
}

impl AsFd for UnixDatagram {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.source.get_ref().as_fd()
    }
}

impl From<UnixDatagram> for OwnedFd {
    fn from(s: UnixDatagram) -> OwnedFd {
        s.into_std().into()
    }
}

impl IntoRawFd for UnixDatagram {
    fn into_raw_fd(self) -> RawFd {
        self.into_std().into_raw_fd()
    }
}

impl TryFrom<Std> for UnixDatagram {
    type Error = io::Error;
    fn try_from(s: Std) -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(s)
    }
}
