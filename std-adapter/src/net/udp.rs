//! UDP: [`UdpSocket`], unconnected (`send_to` / `recv_from`) or connected (`send` / `recv`).
//!
//! `bind` and `connect` are synchronous, so they take literal addresses only: a host name would
//! need a lookup that blocks the loop thread (the rule is in [`crate::lookup_host`]).

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, IntoRawFd, OwnedFd, RawFd};
use std::task::{Context, Poll};

use rill_core::Direction;

use crate::io_source::{IoSource, Op};
use crate::net::addr::{no_addresses, ToSocketAddrs};

/// A UDP socket.
///
/// `!Send`: it belongs to the loop that made it. To use it on another thread, build it there
/// (inside a [`Handle::spawn_with`](crate::Handle::spawn_with) closure) or move it with
/// `into_std()` and `from_std()`; see [`crate::thread_bound`].
pub struct UdpSocket {
    source: IoSource<std::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds to `addr` (the first address that works). `addr` must be a literal address: a
    /// host name is `InvalidInput`, because resolving it would block the loop thread (resolve
    /// it first with [`crate::lookup_host`]).
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
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        Ok(UdpSocket {
            source: IoSource::new(socket)?,
        })
    }

    /// Deregisters and gives the std socket back (still non-blocking).
    pub fn into_std(self) -> std::net::UdpSocket {
        self.source.into_inner()
    }

    /// Sets the default peer: `send` and `recv` then talk to it only (the first address that
    /// works). `addr` must be a literal address: a host name is `InvalidInput`, as for
    /// [`UdpSocket::bind`].
    pub fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        let target = addr.to_target()?;
        let addrs = target.literal("UdpSocket::connect")?;
        if addrs.is_empty() {
            return Err(no_addresses("UdpSocket::connect"));
        }
        self.source.get_ref().connect(addrs)
    }

    /// Sends one datagram to `target`; returns the bytes sent.
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
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        Op::new(
            &self.source,
            Direction::Read,
            move |s: &std::net::UdpSocket| s.recv_from(buf),
        )
        .await
    }

    /// Sends one datagram to the connected peer.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        Op::new(
            &self.source,
            Direction::Write,
            move |s: &std::net::UdpSocket| s.send(buf),
        )
        .await
    }

    /// Receives one datagram from the connected peer.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        Op::new(
            &self.source,
            Direction::Read,
            move |s: &std::net::UdpSocket| s.recv(buf),
        )
        .await
    }

    /// Polls for one datagram (`recv_from` without the future).
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        self.source
            .poll_op(cx, Direction::Read, &mut None, |s| s.recv_from(buf))
    }

    /// Polls to send one datagram (`send_to` without the future).
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
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.source.get_ref().local_addr()
    }

    /// The connected peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.source.get_ref().peer_addr()
    }

    /// Enables or disables `SO_BROADCAST`.
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.source.get_ref().set_broadcast(on)
    }

    /// The pending socket error (`SO_ERROR`), cleared by reading it.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.source.get_ref().take_error()
    }
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
