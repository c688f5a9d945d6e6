//! Unix-domain stream sockets: [`UnixListener`], [`UnixStream`], [`UnixStream::pair`].
//!
//! `connect` to a Unix socket path completes at once or fails at once on Linux (no handshake),
//! so it is performed directly; everything else goes through the core like TCP.

use std::fmt;
use std::future::Future;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, IntoRawFd, OwnedFd, RawFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use rill_core::Direction;

use crate::io_source::IoSource;
use crate::sys;

/// A Unix-domain socket server.
pub struct UnixListener {
    source: IoSource<std::os::unix::net::UnixListener>,
}

impl UnixListener {
    /// Binds to `path` and listens.
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        UnixListener::from_std(std::os::unix::net::UnixListener::bind(path)?)
    }

    /// Takes over a std listener (made non-blocking here).
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        Ok(UnixListener {
            source: IoSource::new(listener)?,
        })
    }

    /// Deregisters and gives the std listener back (still non-blocking).
    pub fn into_std(self) -> std::os::unix::net::UnixListener {
        self.source.into_inner()
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.source.get_ref().local_addr()
    }

    /// Polls for one connection.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        match self.source.poll_op(cx, Direction::Read, |l| l.accept()) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Ready(Ok((s, addr))) => Poll::Ready(UnixStream::from_std(s).map(|s| (s, addr))),
        }
    }

    /// Waits for and accepts one connection. Dropping the future first accepts nothing.
    pub fn accept(&self) -> UnixAccept<'_> {
        UnixAccept {
            listener: self,
            pending: false,
        }
    }
}

/// The future of [`UnixListener::accept`].
pub struct UnixAccept<'a> {
    listener: &'a UnixListener,
    pending: bool,
}

impl Future for UnixAccept<'_> {
    type Output = io::Result<(UnixStream, SocketAddr)>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let r = self.listener.poll_accept(cx);
        self.pending = r.is_pending();
        r
    }
}

impl Drop for UnixAccept<'_> {
    fn drop(&mut self) {
        if self.pending {
            self.listener.source.cancel(Direction::Read);
        }
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
pub struct UnixStream {
    source: IoSource<std::os::unix::net::UnixStream>,
}

crate::net::stream_io!(
    UnixStream,
    crate::net::transfer::read_unix,
    crate::net::transfer::read_vectored_unix
);

impl UnixStream {
    /// Connects to the socket at `path`.
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        UnixStream::from_std(std::os::unix::net::UnixStream::connect(path)?)
    }

    /// A connected pair of anonymous sockets.
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = std::os::unix::net::UnixStream::pair()?;
        Ok((UnixStream::from_std(a)?, UnixStream::from_std(b)?))
    }

    /// Takes over a std stream (made non-blocking here).
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        sys::set_nosigpipe(stream.as_raw_fd())?;
        Ok(UnixStream {
            source: IoSource::new(stream)?,
        })
    }

    /// Deregisters and gives the std stream back (still non-blocking).
    pub fn into_std(self) -> std::os::unix::net::UnixStream {
        self.source.into_inner()
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.source.get_ref().local_addr()
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.source.get_ref().peer_addr()
    }
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
