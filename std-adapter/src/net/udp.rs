//! UDP: [`UdpSocket`], unconnected (`send_to` / `recv_from`) or connected (`send` / `recv`).
//!
//! `bind` is synchronous, so it takes literal addresses only: a host name would need a lookup
//! that blocks the loop thread. `connect` is `async` and resolves a name on the blocking pool
//! (the rule is in [`crate::lookup_host`]).
//!
//! Besides the async calls there are `poll_*` forms (for hand-written futures), `try_*` forms
//! (one non-blocking syscall, `WouldBlock` handed back; the core does not see them, so they
//! never mark a direction "not ready"), `readable` / `writable`, reads into uninitialised
//! memory ([`UdpSocket::recv_buf`]), peeks, and the multicast options.

use std::fmt;
use std::io;
use std::mem::MaybeUninit;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, IntoRawFd, OwnedFd, RawFd};
use std::task::{Context, Poll};

use rill_core::Direction;

use crate::io_source::{IoSource, Op};
use crate::net::addr::{no_addresses, try_each, ToSocketAddrs};
use crate::sys;

/// A UDP socket.
///
/// `!Send`: it belongs to the loop that made it. To use it on another thread, build it there
/// (inside a [`Handle::spawn_with`](crate::Handle::spawn_with) closure) or move it with
/// `into_std()` and `from_std()`; see [`crate::thread_bound`].
///
/// ```
/// # let rt = rill::Runtime::new()?;
/// # rt.block_on(async {
/// let a = rill::UdpSocket::bind("127.0.0.1:0")?;
/// let b = rill::UdpSocket::bind("127.0.0.1:0")?;
/// a.send_to(b"datagram", b.local_addr()?).await?;
/// let mut buf = [0u8; 16];
/// let (n, from) = b.recv_from(&mut buf).await?;
/// assert_eq!((&buf[..n], from), (&b"datagram"[..], a.local_addr()?));
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
pub struct UdpSocket {
    source: IoSource<std::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds to `addr` (the first address that works). `addr` must be a literal address: a
    /// host name is `InvalidInput`, because resolving it would block the loop thread (resolve
    /// it first with [`crate::lookup_host`]).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let socket = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// assert_ne!(socket.local_addr()?.port(), 0);
    /// let err = rill::UdpSocket::bind("localhost:0").unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput); // names are not resolved here
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        let target = addr.to_target()?;
        let addrs = target.literal("UdpSocket::bind")?;
        if addrs.is_empty() {
            return Err(no_addresses("UdpSocket::bind"));
        }
        UdpSocket::from_std(std::net::UdpSocket::bind(addrs)?)
    }

    /// Takes over a std socket (made non-blocking here) and registers it with the runtime
    /// driving this thread.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let a = rill::UdpSocket::from_std(std::net::UdpSocket::bind("127.0.0.1:0")?)?;
    /// let b = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// b.send_to(b"hi", a.local_addr()?).await?;
    /// let mut buf = [0u8; 2];
    /// assert_eq!(a.recv_from(&mut buf).await?.0, 2);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        Ok(UdpSocket {
            source: IoSource::new(socket)?,
        })
    }

    /// Deregisters and gives the std socket back (still non-blocking).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let socket = rill::UdpSocket::bind("127.0.0.1:0")?.into_std();
    /// // Still non-blocking: with nothing queued, recv says WouldBlock.
    /// let err = socket.recv_from(&mut [0u8; 8]).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_std(self) -> std::net::UdpSocket {
        self.source.into_inner()
    }

    /// Sets the default peer: `send` and `recv` then talk to it only, and datagrams from
    /// other addresses are dropped. Tries each address in turn (the first that works wins); a
    /// literal address is used at once, a host name is resolved on the blocking pool (see
    /// [`crate::lookup_host`]).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let a = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// let b = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// a.connect(b.local_addr()?).await?;
    /// b.connect(a.local_addr()?).await?;
    /// a.send(b"hi").await?;
    /// let mut buf = [0u8; 8];
    /// let n = b.recv(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"hi");
    /// assert_eq!(b.peer_addr()?, a.local_addr()?);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        try_each(&addr, "UdpSocket::connect", |a| {
            std::future::ready(self.source.get_ref().connect(a))
        })
        .await
    }

    /// Sends one datagram to `target`; returns the bytes sent.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let a = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// let b = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// assert_eq!(a.send_to(b"hello", b.local_addr()?).await?, 5);
    /// let mut buf = [0u8; 5];
    /// assert_eq!(b.recv_from(&mut buf).await?, (5, a.local_addr()?));
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        Op::new(
            &self.source,
            Direction::Write,
            move |s: &std::net::UdpSocket| s.send_to(buf, target),
        )
        .await
    }

    /// Receives one datagram; returns its length and sender. A datagram longer than `buf` is
    /// truncated (the rest is discarded, as with `recvfrom`). Dropping the future before it
    /// completes receives nothing.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let a = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// let b = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// a.send_to(b"too long for buf", b.local_addr()?).await?;
    /// let mut buf = [0u8; 3];
    /// let (n, from) = b.recv_from(&mut buf).await?;
    /// assert_eq!((n, &buf, from), (3, b"too", a.local_addr()?)); // truncated
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        Op::new(
            &self.source,
            Direction::Read,
            move |s: &std::net::UdpSocket| s.recv_from(buf),
        )
        .await
    }

    /// Sends one datagram to the connected peer.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let a = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// let b = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// a.connect(b.local_addr()?).await?;
    /// assert_eq!(a.send(b"to the peer").await?, 11);
    /// let mut buf = [0u8; 16];
    /// assert_eq!(b.recv_from(&mut buf).await?, (11, a.local_addr()?));
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        Op::new(
            &self.source,
            Direction::Write,
            move |s: &std::net::UdpSocket| s.send(buf),
        )
        .await
    }

    /// Receives one datagram from the connected peer.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let a = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// let b = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// b.connect(a.local_addr()?).await?;
    /// a.send_to(b"reply", b.local_addr()?).await?;
    /// let mut buf = [0u8; 8];
    /// let n = b.recv(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"reply");
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        Op::new(
            &self.source,
            Direction::Read,
            move |s: &std::net::UdpSocket| s.recv(buf),
        )
        .await
    }

    /// Receives one datagram from the connected peer into `buf`, which need not be
    /// initialised (a buffer's spare capacity, say): on `Ok(n)` the first `n` bytes of `buf`
    /// hold the datagram. A longer datagram is truncated.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// # let a = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// # let b = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// # b.connect(a.local_addr()?).await?;
    /// # a.send_to(b"datagram", b.local_addr()?).await?;
    /// let mut v: Vec<u8> = Vec::with_capacity(1500);
    /// let n = b.recv_buf(v.spare_capacity_mut()).await?;
    /// // SAFETY: `recv_buf` initialised the first `n` bytes of the spare capacity.
    /// unsafe { v.set_len(n) };
    /// assert_eq!(v, b"datagram");
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn recv_buf(&self, buf: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
        let fd = self.source.fd();
        Op::new(
            &self.source,
            Direction::Read,
            move |_: &std::net::UdpSocket| sys::recv_uninit(fd, buf),
        )
        .await
    }

    /// Receives one datagram and its sender into `buf`, which need not be initialised (see
    /// [`UdpSocket::recv_buf`]).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let a = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// let b = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// a.send_to(b"datagram", b.local_addr()?).await?;
    /// let mut v: Vec<u8> = Vec::with_capacity(1500);
    /// let (n, from) = b.recv_buf_from(v.spare_capacity_mut()).await?;
    /// // SAFETY: `recv_buf_from` initialised the first `n` bytes of the spare capacity.
    /// unsafe { v.set_len(n) };
    /// assert_eq!((&v[..], from), (&b"datagram"[..], a.local_addr()?));
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn recv_buf_from(
        &self,
        buf: &mut [MaybeUninit<u8>],
    ) -> io::Result<(usize, SocketAddr)> {
        let fd = self.source.fd();
        Op::new(
            &self.source,
            Direction::Read,
            move |_: &std::net::UdpSocket| match sys::recv_from_uninit(fd, buf)? {
                (n, Some(from)) => Ok((n, from)),
                (_, None) => Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "UdpSocket::recv_buf_from: the sender's address is not IPv4 or IPv6",
                )),
            },
        )
        .await
    }

    /// Receives one datagram without removing it from the queue (`MSG_PEEK`): the next
    /// receive gets it again. Returns its length (up to `buf.len()`) and sender.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let a = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// let b = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// a.send_to(b"once", b.local_addr()?).await?;
    /// let mut buf = [0u8; 4];
    /// assert_eq!(b.peek_from(&mut buf).await?, (4, a.local_addr()?));
    /// assert_eq!(b.recv_from(&mut buf).await?, (4, a.local_addr()?)); // still queued
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        Op::new(
            &self.source,
            Direction::Read,
            move |s: &std::net::UdpSocket| s.peek_from(buf),
        )
        .await
    }

    /// Peeks at the next datagram from the connected peer (see [`UdpSocket::peek_from`]).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let a = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// let b = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// b.connect(a.local_addr()?).await?;
    /// a.send_to(b"look", b.local_addr()?).await?;
    /// let mut buf = [0u8; 4];
    /// assert_eq!(b.peek(&mut buf).await?, 4);
    /// assert_eq!(b.recv(&mut buf).await?, 4); // the peek left it queued
    /// assert_eq!(&buf, b"look");
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        Op::new(
            &self.source,
            Direction::Read,
            move |s: &std::net::UdpSocket| s.peek(buf),
        )
        .await
    }

    /// Waits until a datagram is (probably) queued, consuming nothing (a zero-timeout
    /// `poll(2)` under the op, like [`crate::AsyncFd::readable`]). Pair it with
    /// [`UdpSocket::try_recv_from`].
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let a = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// let b = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// a.send_to(b"ready", b.local_addr()?).await?;
    /// b.readable().await?;
    /// let mut buf = [0u8; 8];
    /// assert_eq!(b.try_recv_from(&mut buf)?.0, 5);
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
    /// let a = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// let b = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// a.writable().await?; // an empty send buffer: writable at once
    /// assert_eq!(a.try_send_to(b"now", b.local_addr()?)?, 3);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.source.ready(Direction::Write).await
    }

    /// One non-blocking `recv` from the connected peer: `WouldBlock` when nothing is queued.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let a = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// let b = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// b.connect(a.local_addr()?).await?;
    /// let mut buf = [0u8; 8];
    /// assert_eq!(b.try_recv(&mut buf).unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
    /// a.send_to(b"hi", b.local_addr()?).await?;
    /// b.readable().await?;
    /// assert_eq!(b.try_recv(&mut buf)?, 2);
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
    /// let a = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// let mut buf = [0u8; 16];
    /// let e = a.try_recv_from(&mut buf).unwrap_err();
    /// assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.source.get_ref().recv_from(buf)
    }

    /// One non-blocking `send` to the connected peer: `WouldBlock` when the buffer is full.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let a = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// let b = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// a.connect(b.local_addr()?).await?;
    /// assert_eq!(a.try_send(b"quick")?, 5);
    /// let mut buf = [0u8; 8];
    /// assert_eq!(b.recv_from(&mut buf).await?.0, 5);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.source.get_ref().send(buf)
    }

    /// One non-blocking `sendto`: `WouldBlock` when the buffer is full.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let a = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// let b = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// assert_eq!(a.try_send_to(b"quick", b.local_addr()?)?, 5);
    /// let mut buf = [0u8; 8];
    /// assert_eq!(b.recv_from(&mut buf).await?, (5, a.local_addr()?));
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn try_send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        self.source.get_ref().send_to(buf, target)
    }

    /// Polls for one datagram from the connected peer (`recv` without the future).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let a = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// let b = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// b.connect(a.local_addr()?).await?;
    /// a.send_to(b"polled", b.local_addr()?).await?;
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

    /// Polls to send one datagram to the connected peer (`send` without the future).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let a = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// let b = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// a.connect(b.local_addr()?).await?;
    /// assert_eq!(std::future::poll_fn(|cx| a.poll_send(cx, b"polled")).await?, 6);
    /// let mut buf = [0u8; 8];
    /// assert_eq!(b.recv_from(&mut buf).await?.0, 6);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.source
            .poll_op(cx, Direction::Write, &mut None, |s| s.send(buf))
    }

    /// Polls to peek at the next datagram (`peek_from` without the future).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let a = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// let b = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// a.send_to(b"peek", b.local_addr()?).await?;
    /// let mut buf = [0u8; 8];
    /// let (n, from) = std::future::poll_fn(|cx| b.poll_peek_from(cx, &mut buf)).await?;
    /// assert_eq!((n, from), (4, a.local_addr()?));
    /// assert_eq!(b.recv_from(&mut buf).await?.0, 4); // still queued
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_peek_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        self.source
            .poll_op(cx, Direction::Read, &mut None, |s| s.peek_from(buf))
    }

    /// Polls for one datagram (`recv_from` without the future).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let a = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// let b = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// a.send_to(b"polled", b.local_addr()?).await?;
    /// let mut buf = [0u8; 8];
    /// let (n, from) = std::future::poll_fn(|cx| b.poll_recv_from(cx, &mut buf)).await?;
    /// assert_eq!((&buf[..n], from), (&b"polled"[..], a.local_addr()?));
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

    /// Polls to send one datagram (`send_to` without the future).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let a = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// let b = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// let to = b.local_addr()?;
    /// assert_eq!(std::future::poll_fn(|cx| a.poll_send_to(cx, b"polled", to)).await?, 6);
    /// let mut buf = [0u8; 8];
    /// assert_eq!(b.recv_from(&mut buf).await?, (6, a.local_addr()?));
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        self.source
            .poll_op(cx, Direction::Write, &mut None, |s| s.send_to(buf, target))
    }

    /// The local address.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let socket = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// let addr = socket.local_addr()?;
    /// assert!(addr.ip().is_loopback() && addr.port() != 0);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.source.get_ref().local_addr()
    }

    /// The connected peer's address.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let a = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// assert_eq!(a.peer_addr().unwrap_err().kind(), std::io::ErrorKind::NotConnected);
    /// let b = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// a.connect(b.local_addr()?).await?;
    /// assert_eq!(a.peer_addr()?, b.local_addr()?);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.source.get_ref().peer_addr()
    }

    /// Joins the IPv4 multicast group `multiaddr` on the interface with address `interface`
    /// (`Ipv4Addr::UNSPECIFIED`: the system picks one). `multiaddr` must be a multicast
    /// address (`224.0.0.0/4`), else `InvalidInput`.
    ///
    /// ```
    /// # use std::net::Ipv4Addr;
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let socket = rill::UdpSocket::bind("0.0.0.0:0")?;
    /// let group = Ipv4Addr::new(239, 255, 0, 1);
    /// let bad = socket.join_multicast_v4(&Ipv4Addr::LOCALHOST, &Ipv4Addr::UNSPECIFIED);
    /// assert_eq!(bad.unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
    /// socket.set_multicast_loop_v4(true)?;
    /// assert!(socket.multicast_loop_v4()?);
    /// // Joining needs a multicast-capable interface; a sandbox may have none.
    /// if socket.join_multicast_v4(&group, &Ipv4Addr::UNSPECIFIED).is_ok() {
    ///     socket.leave_multicast_v4(&group, &Ipv4Addr::UNSPECIFIED)?;
    /// }
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn join_multicast_v4(&self, multiaddr: &Ipv4Addr, interface: &Ipv4Addr) -> io::Result<()> {
        check_multicast(multiaddr.is_multicast(), multiaddr, "join_multicast_v4")?;
        self.source
            .get_ref()
            .join_multicast_v4(multiaddr, interface)
    }

    /// Leaves an IPv4 multicast group joined with [`UdpSocket::join_multicast_v4`].
    ///
    /// ```
    /// use std::net::Ipv4Addr;
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let socket = rill::UdpSocket::bind("0.0.0.0:0")?;
    /// // Not a multicast group: refused before any syscall.
    /// let err = socket.leave_multicast_v4(&Ipv4Addr::LOCALHOST, &Ipv4Addr::UNSPECIFIED);
    /// assert_eq!(err.unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn leave_multicast_v4(&self, multiaddr: &Ipv4Addr, interface: &Ipv4Addr) -> io::Result<()> {
        check_multicast(multiaddr.is_multicast(), multiaddr, "leave_multicast_v4")?;
        self.source
            .get_ref()
            .leave_multicast_v4(multiaddr, interface)
    }

    /// Joins the IPv6 multicast group `multiaddr` on interface index `interface` (0: the
    /// system picks one). `multiaddr` must be a multicast address (`ff00::/8`), else
    /// `InvalidInput`.
    ///
    /// ```
    /// use std::net::Ipv6Addr;
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let socket = rill::UdpSocket::bind("[::]:0")?;
    /// let err = socket.join_multicast_v6(&Ipv6Addr::LOCALHOST, 0); // ::1 is no group
    /// assert_eq!(err.unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
    /// let group = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x1234);
    /// // Joining needs a multicast-capable interface; a sandbox may have none.
    /// if socket.join_multicast_v6(&group, 0).is_ok() {
    ///     socket.leave_multicast_v6(&group, 0)?;
    /// }
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn join_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        check_multicast(multiaddr.is_multicast(), multiaddr, "join_multicast_v6")?;
        self.source
            .get_ref()
            .join_multicast_v6(multiaddr, interface)
    }

    /// Leaves an IPv6 multicast group joined with [`UdpSocket::join_multicast_v6`].
    ///
    /// ```
    /// use std::net::Ipv6Addr;
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let socket = rill::UdpSocket::bind("[::]:0")?;
    /// let err = socket.leave_multicast_v6(&Ipv6Addr::LOCALHOST, 0); // ::1 is no group
    /// assert_eq!(err.unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn leave_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        check_multicast(multiaddr.is_multicast(), multiaddr, "leave_multicast_v6")?;
        self.source
            .get_ref()
            .leave_multicast_v6(multiaddr, interface)
    }

    /// Sets `IP_MULTICAST_LOOP`: whether this host's own IPv4 multicast sends are delivered
    /// back to its members.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let socket = rill::UdpSocket::bind("0.0.0.0:0")?;
    /// socket.set_multicast_loop_v4(false)?;
    /// assert!(!socket.multicast_loop_v4()?);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.source.get_ref().set_multicast_loop_v4(on)
    }

    /// Reads `IP_MULTICAST_LOOP`.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let socket = rill::UdpSocket::bind("0.0.0.0:0")?;
    /// assert!(socket.multicast_loop_v4()?); // on by default
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        self.source.get_ref().multicast_loop_v4()
    }

    /// Sets `IPV6_MULTICAST_LOOP` (an IPv6 socket).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let socket = rill::UdpSocket::bind("[::]:0")?;
    /// socket.set_multicast_loop_v6(false)?;
    /// assert!(!socket.multicast_loop_v6()?);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.source.get_ref().set_multicast_loop_v6(on)
    }

    /// Reads `IPV6_MULTICAST_LOOP`.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let socket = rill::UdpSocket::bind("[::]:0")?;
    /// assert!(socket.multicast_loop_v6()?); // on by default
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn multicast_loop_v6(&self) -> io::Result<bool> {
        self.source.get_ref().multicast_loop_v6()
    }

    /// Sets `IP_MULTICAST_TTL`: how many hops IPv4 multicast sends may take (default 1, this
    /// network only).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let socket = rill::UdpSocket::bind("0.0.0.0:0")?;
    /// socket.set_multicast_ttl_v4(4)?;
    /// assert_eq!(socket.multicast_ttl_v4()?, 4);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        self.source.get_ref().set_multicast_ttl_v4(ttl)
    }

    /// Reads `IP_MULTICAST_TTL`.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let socket = rill::UdpSocket::bind("0.0.0.0:0")?;
    /// assert_eq!(socket.multicast_ttl_v4()?, 1); // this network only, by default
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn multicast_ttl_v4(&self) -> io::Result<u32> {
        self.source.get_ref().multicast_ttl_v4()
    }

    /// Sets the IP time-to-live of unicast sends.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let socket = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// socket.set_ttl(17)?;
    /// assert_eq!(socket.ttl()?, 17);
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
    /// let socket = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// assert!(socket.ttl()? > 0);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.source.get_ref().ttl()
    }

    /// Reads `SO_BROADCAST`.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let socket = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// assert!(!socket.broadcast()?); // off by default
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn broadcast(&self) -> io::Result<bool> {
        self.source.get_ref().broadcast()
    }

    /// Enables or disables `SO_BROADCAST`.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let socket = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// socket.set_broadcast(true)?;
    /// assert!(socket.broadcast()?);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.source.get_ref().set_broadcast(on)
    }

    /// The pending socket error (`SO_ERROR`), cleared by reading it.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let socket = rill::UdpSocket::bind("127.0.0.1:0")?;
    /// assert!(socket.take_error()?.is_none());
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.source.get_ref().take_error()
    }
}

/// `InvalidInput` unless the group address is multicast.
fn check_multicast(is_multicast: bool, addr: &dyn fmt::Display, what: &str) -> io::Result<()> {
    if is_multicast {
        return Ok(());
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("UdpSocket::{what}: {addr} is not a multicast address"),
    ))
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpSocket")
            .field("fd", &self.source.fd())
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

impl AsRawFd for UdpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.source.fd()
    }
}

impl AsFd for UdpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.source.get_ref().as_fd()
    }
}

impl From<UdpSocket> for OwnedFd {
    fn from(s: UdpSocket) -> OwnedFd {
        s.into_std().into()
    }
}

impl IntoRawFd for UdpSocket {
    fn into_raw_fd(self) -> RawFd {
        self.into_std().into_raw_fd()
    }
}

impl TryFrom<std::net::UdpSocket> for UdpSocket {
    type Error = io::Error;
    fn try_from(s: std::net::UdpSocket) -> io::Result<UdpSocket> {
        UdpSocket::from_std(s)
    }
}
