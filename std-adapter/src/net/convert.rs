//! Conversions of every socket type from and into an [`OwnedFd`] and a [`socket2::Socket`],
//! with a check of what the descriptor is.
//!
//! `from_std` takes a typed std object and trusts it. A bare descriptor or a `socket2::Socket`
//! could be anything, so `TryFrom` first asks the kernel (`SO_TYPE`, `getsockname`, and
//! `SO_ACCEPTCONN` where it is readable: Linux, Android, FreeBSD) and refuses a descriptor of
//! the wrong kind with [`io::ErrorKind::InvalidInput`] naming what it is. The checks are two or
//! three `getsockopt`s at conversion time, never on the I/O path. The conversion into an
//! [`OwnedFd`] or a `socket2::Socket` deregisters the socket and leaves it non-blocking.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};

use socket2::{Domain, SockRef, Socket, Type};

use crate::{TcpListener, TcpStream, UdpSocket, UnixDatagram, UnixListener, UnixStream};

/// What a conversion expects the descriptor to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    TcpStream,
    TcpListener,
    /// A TCP socket neither listening nor (checked by the caller, if at all) connected.
    TcpSocket,
    Udp,
    UnixStream,
    UnixListener,
    UnixDatagram,
}

impl Kind {
    fn ty(self) -> Type {
        match self {
            Kind::Udp | Kind::UnixDatagram => Type::DGRAM,
            _ => Type::STREAM,
        }
    }

    fn unix(self) -> bool {
        matches!(
            self,
            Kind::UnixStream | Kind::UnixListener | Kind::UnixDatagram
        )
    }

    /// `Some(true)`: must listen; `Some(false)`: must not; `None`: datagrams.
    fn listening(self) -> Option<bool> {
        match self {
            Kind::TcpListener | Kind::UnixListener => Some(true),
            Kind::TcpStream | Kind::TcpSocket | Kind::UnixStream => Some(false),
            Kind::Udp | Kind::UnixDatagram => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::TcpStream => "a TCP stream socket",
            Kind::TcpListener => "a listening TCP socket",
            Kind::TcpSocket => "a TCP socket that is not listening",
            Kind::Udp => "a UDP socket",
            Kind::UnixStream => "a Unix-domain stream socket",
            Kind::UnixListener => "a listening Unix-domain stream socket",
            Kind::UnixDatagram => "a Unix-domain datagram socket",
        }
    }
}

/// Checks that `fd` is a socket of `kind`; returns its family. `what` names the call.
pub(crate) fn check_socket(fd: BorrowedFd<'_>, kind: Kind, what: &str) -> io::Result<Domain> {
    let raw = fd.as_raw_fd();
    let wrong = |is: &str| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{what}: descriptor {raw} is {is}, not {}", kind.name()),
        )
    };
    let sock = SockRef::from(&fd);
    let ty = match sock.r#type() {
        Ok(ty) => ty,
        Err(e) if e.raw_os_error() == Some(libc::ENOTSOCK) => return Err(wrong("not a socket")),
        Err(e) => return Err(e),
    };
    let domain = sock.local_addr()?.domain();
    let family_ok = if kind.unix() {
        domain == Domain::UNIX
    } else {
        domain == Domain::IPV4 || domain == Domain::IPV6
    };
    if !family_ok || ty != kind.ty() {
        let family = match domain {
            Domain::UNIX => "Unix-domain",
            Domain::IPV4 => "IPv4",
            Domain::IPV6 => "IPv6",
            _ => "other-family",
        };
        let ty = match ty {
            Type::STREAM => "stream",
            Type::DGRAM => "datagram",
            _ => "other-type",
        };
        return Err(wrong(&format!("an {family} {ty} socket")));
    }
    if let (Some(want), Some(is)) = (kind.listening(), is_listener(&sock)?) {
        if want != is {
            return Err(wrong(if is {
                "a listening socket"
            } else {
                "a socket that is not listening"
            }));
        }
    }
    Ok(domain)
}

/// `SO_ACCEPTCONN`, where the OS lets it be read.
#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
fn is_listener(sock: &SockRef<'_>) -> io::Result<Option<bool>> {
    sock.is_listener().map(Some)
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
fn is_listener(_: &SockRef<'_>) -> io::Result<Option<bool>> {
    Ok(None)
}

macro_rules! conversions {
    ($($ty:ident($std:ty, $kind:ident)),+ $(,)?) => {
        $(
            impl TryFrom<OwnedFd> for $ty {
                type Error = io::Error;

                /// Checks that `fd` is the right kind of socket (else `InvalidInput`), makes it
                /// non-blocking and registers it with the runtime driving this thread.
                fn try_from(fd: OwnedFd) -> io::Result<$ty> {
                    use std::os::fd::AsFd;
                    check_socket(fd.as_fd(), Kind::$kind, concat!(stringify!($ty), "::try_from"))?;
                    $ty::from_std(<$std>::from(fd))
                }
            }

            impl TryFrom<Socket> for $ty {
                type Error = io::Error;

                /// As `TryFrom<OwnedFd>`: checked, made non-blocking, registered.
                fn try_from(socket: Socket) -> io::Result<$ty> {
                    $ty::try_from(OwnedFd::from(socket))
                }
            }

            impl From<$ty> for Socket {
                fn from(s: $ty) -> Socket {
                    Socket::from(OwnedFd::from(s))
                }
            }

            impl $ty {
                /// Deregisters and hands the socket over to socket2 (still non-blocking), for
                /// options rill does not wrap. `TryFrom<socket2::Socket>` takes it back.
                ///
                /// ```
                /// # let rt = rill::Runtime::new()?;
                /// # rt.block_on(async {
                /// let socket = rill::UdpSocket::bind("127.0.0.1:0")?;
                /// let addr = socket.local_addr()?;
                /// let raw: socket2::Socket = socket.into_socket2(); // deregistered
                /// raw.set_recv_buffer_size(256 * 1024)?; // an option rill does not wrap
                /// let socket = rill::UdpSocket::try_from(raw)?; // registered again
                /// assert_eq!(socket.local_addr()?, addr);
                /// # std::io::Result::Ok(())
                /// # })?;
                /// # std::io::Result::Ok(())
                /// ```
                pub fn into_socket2(self) -> Socket {
                    Socket::from(self)
                }
            }
        )+
    };
}

conversions!(
    TcpStream(std::net::TcpStream, TcpStream),
    TcpListener(std::net::TcpListener, TcpListener),
    UdpSocket(std::net::UdpSocket, Udp),
    UnixStream(std::os::unix::net::UnixStream, UnixStream),
    UnixListener(std::os::unix::net::UnixListener, UnixListener),
    UnixDatagram(std::os::unix::net::UnixDatagram, UnixDatagram),
);
