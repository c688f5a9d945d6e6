//! The few raw syscalls the adapter makes itself on socket descriptors: `recv` / `send` with
//! `MSG_NOSIGNAL`, vectored variants, non-blocking `accept4`, non-blocking `connect`, and the
//! `sockaddr` conversions they need; `recv` / `recvfrom` into uninitialised memory, and the
//! peer credentials of a Unix-domain socket.
//!
//! The calls on descriptors that are not sockets (files, pipes) are [`fd`].
//!
//! Every call retries on `EINTR` and turns `-1` into `io::Error::last_os_error()`. The `unsafe`
//! blocks here are the only ones in the crate; each says why it is sound.

pub(crate) mod fd;

use std::io::{self, IoSlice, IoSliceMut};
use std::mem::{self, MaybeUninit};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

/// `send` flags that keep a write to a closed peer from raising SIGPIPE (H16). macOS and iOS
/// have no `MSG_NOSIGNAL`; their sockets get `SO_NOSIGPIPE` at creation instead.
#[cfg(any(target_os = "macos", target_os = "ios"))]
const SEND_FLAGS: libc::c_int = 0;
#[cfg(not(any(target_os = "macos", target_os = "ios")))]
const SEND_FLAGS: libc::c_int = libc::MSG_NOSIGNAL;

/// Runs a syscall wrapper until it is not interrupted: `-1` becomes `last_os_error()`.
#[inline]
pub(crate) fn retry<F: FnMut() -> isize>(mut f: F) -> io::Result<usize> {
    loop {
        let n = f();
        if n >= 0 {
            return Ok(n as usize);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// `recv(fd, buf, 0)`.
#[inline]
pub(crate) fn recv(fd: RawFd, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `buf` is a valid, writable region of `buf.len()` bytes for the whole call.
    retry(|| unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), 0) })
}

/// The outcome of a non-blocking connect once its socket turned writable: the pending error
/// (`SO_ERROR`), or `WouldBlock` while the peer address is still unknown (`ENOTCONN`: not
/// connected yet), or done. Shared by the TCP and Unix connects.
pub(crate) fn connect_outcome(
    fd: RawFd,
    peer_addr: impl FnOnce() -> io::Result<()>,
) -> io::Result<()> {
    if let Some(e) = take_error(fd)? {
        return Err(e);
    }
    match peer_addr() {
        Ok(()) => Ok(()),
        Err(e) if e.raw_os_error() == Some(libc::ENOTCONN) => Err(io::ErrorKind::WouldBlock.into()),
        Err(e) => Err(e),
    }
}

/// `recv(fd, buf, MSG_PEEK)`.
pub(crate) fn peek(fd: RawFd, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: as in `recv`.
    retry(|| unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), libc::MSG_PEEK) })
}

/// `recv(fd, buf, 0)` into memory that need not be initialised: returns `n`, and the first `n`
/// bytes of `buf` are initialised (written by the kernel) when it returns `Ok(n)`.
pub(crate) fn recv_uninit(fd: RawFd, buf: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
    // SAFETY: `buf` is a valid, writable region of `buf.len()` bytes for the whole call; the
    // kernel only writes to it (never reads), so its being uninitialised is fine, and it writes
    // exactly the `n` bytes it reports.
    retry(|| unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), 0) })
}

/// `recvfrom(fd, buf, 0)` into memory that need not be initialised (see [`recv_uninit`]),
/// with the sender's address (`None` if it is not IPv4 / IPv6).
pub(crate) fn recv_from_uninit(
    fd: RawFd,
    buf: &mut [MaybeUninit<u8>],
) -> io::Result<(usize, Option<SocketAddr>)> {
    // SAFETY: an all-zero `sockaddr_storage` is valid; it is large enough for any address.
    let mut storage: libc::sockaddr_storage = unsafe { mem::zeroed() };
    let mut len = mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: as in `recv_uninit` for `buf`; `storage` and `len` are valid for writes and `len`
    // holds storage's size (the kernel updates it to the address's length).
    let n = retry(|| unsafe {
        libc::recvfrom(
            fd,
            buf.as_mut_ptr().cast(),
            buf.len(),
            0,
            (&mut storage as *mut libc::sockaddr_storage).cast(),
            &mut len,
        )
    })?;
    Ok((n, sockaddr_to_std(&storage, len)))
}

/// The peer of a Unix-domain socket: `(uid, gid, pid)`, the pid where the OS reports it.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn peer_cred(fd: RawFd) -> io::Result<(libc::uid_t, libc::gid_t, Option<libc::pid_t>)> {
    let none = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let cred = getsockopt(fd, libc::SOL_SOCKET, libc::SO_PEERCRED, none)?;
    // Linux reports pid 0 for a peer with no process (not the case for a live socket).
    Ok((cred.uid, cred.gid, (cred.pid > 0).then_some(cred.pid)))
}

/// The peer of a Unix-domain socket: `(uid, gid, pid)` through `getpeereid`, and on Apple
/// systems the pid through `LOCAL_PEERPID`.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn peer_cred(fd: RawFd) -> io::Result<(libc::uid_t, libc::gid_t, Option<libc::pid_t>)> {
    let mut uid: libc::uid_t = 0;
    let mut gid: libc::gid_t = 0;
    // SAFETY: `uid` and `gid` are valid for writes for the whole call.
    if unsafe { libc::getpeereid(fd, &mut uid, &mut gid) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((uid, gid, peer_pid(fd)))
}

/// `LOCAL_PEERPID` (Apple systems); `None` if it cannot be read.
#[cfg(any(target_os = "macos", target_os = "ios"))]
fn peer_pid(fd: RawFd) -> Option<libc::pid_t> {
    let pid: libc::pid_t = getsockopt(fd, libc::SOL_LOCAL, libc::LOCAL_PEERPID, 0).ok()?;
    (pid > 0).then_some(pid)
}

/// The BSDs report no pid through `getpeereid`.
#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios"
)))]
fn peer_pid(_fd: RawFd) -> Option<libc::pid_t> {
    None
}

/// `send(fd, buf, MSG_NOSIGNAL)`.
#[inline]
pub(crate) fn send(fd: RawFd, buf: &[u8]) -> io::Result<usize> {
    // SAFETY: `buf` is a valid, readable region of `buf.len()` bytes for the whole call.
    retry(|| unsafe { libc::send(fd, buf.as_ptr().cast(), buf.len(), SEND_FLAGS) })
}

/// The most iovecs one `readv` / `sendmsg` takes (POSIX `IOV_MAX` is 1024 on Linux and the
/// BSDs); the vectored calls pass at most this many and ignore the rest.
pub(crate) const IOV_MAX: usize = 1024;

/// `readv(fd, bufs)`, with the first [`IOV_MAX`] buffers.
pub(crate) fn recv_vectored(fd: RawFd, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
    let count = bufs.len().min(IOV_MAX) as libc::c_int;
    // SAFETY: `IoSliceMut` is guaranteed ABI-compatible with `struct iovec` on Unix, and each
    // slice is valid and writable for the whole call; `count` does not exceed `bufs.len()`.
    retry(|| unsafe { libc::readv(fd, bufs.as_mut_ptr().cast(), count) })
}

/// `recvmsg(fd, {iov: bufs}, 0)` with no control buffer, with the first [`IOV_MAX`] buffers:
/// returns the count and `msg_flags` (`MSG_CTRUNC` says ancillary data was discarded).
#[inline]
pub(crate) fn recvmsg(fd: RawFd, bufs: &mut [IoSliceMut<'_>]) -> io::Result<(usize, libc::c_int)> {
    // SAFETY: an all-zero `msghdr` is a valid empty header.
    let mut msg: libc::msghdr = unsafe { mem::zeroed() };
    msg.msg_iov = bufs.as_mut_ptr().cast();
    msg.msg_iovlen = bufs.len().min(IOV_MAX) as _;
    // SAFETY: `IoSliceMut` is ABI-compatible with `struct iovec`; every slice is valid and
    // writable for the whole call, and `msg_iovlen` does not exceed `bufs.len()`. No name or
    // control buffer is passed.
    let n = retry(|| unsafe { libc::recvmsg(fd, &mut msg, 0) })?;
    Ok((n, msg.msg_flags))
}

/// [`recvmsg`] into one buffer that need not be initialised: on `Ok((n, _))` the kernel has
/// written (initialised) `buf[..n]`.
pub(crate) fn recvmsg_uninit(
    fd: RawFd,
    buf: &mut [mem::MaybeUninit<u8>],
) -> io::Result<(usize, libc::c_int)> {
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: an all-zero `msghdr` is a valid empty header.
    let mut msg: libc::msghdr = unsafe { mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    // SAFETY: the one iovec describes `buf`, valid and writable for the whole call; the kernel
    // only writes to it, so it may be uninitialised. No name or control buffer is passed.
    let n = retry(|| unsafe { libc::recvmsg(fd, &mut msg, 0) })?;
    Ok((n, msg.msg_flags))
}

/// `sendmsg(fd, {iov: bufs}, MSG_NOSIGNAL)`: a vectored write that cannot raise SIGPIPE, with
/// the first [`IOV_MAX`] buffers.
pub(crate) fn send_vectored(fd: RawFd, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    // SAFETY: an all-zero `msghdr` is a valid empty header.
    let mut msg: libc::msghdr = unsafe { mem::zeroed() };
    msg.msg_iov = bufs.as_ptr() as *mut libc::iovec;
    msg.msg_iovlen = bufs.len().min(IOV_MAX) as _;
    // SAFETY: `IoSlice` is ABI-compatible with `struct iovec`; the kernel only reads the slices,
    // which stay valid for the whole call. No name or control data is passed.
    retry(|| unsafe { libc::sendmsg(fd, &msg, SEND_FLAGS) })
}

/// `accept4(fd, SOCK_NONBLOCK | SOCK_CLOEXEC)` where available, else `accept` followed by
/// `fcntl`. Returns the new descriptor and the peer's address (if it is IPv4 / IPv6).
pub(crate) fn accept(fd: RawFd) -> io::Result<(OwnedFd, Option<SocketAddr>)> {
    // SAFETY: an all-zero `sockaddr_storage` is valid; it is large enough for any address.
    let mut storage: libc::sockaddr_storage = unsafe { mem::zeroed() };
    let mut len = mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    let raw = loop {
        #[cfg(rill_accept4)]
        // SAFETY: `storage` and `len` are valid for writes and `len` holds storage's size.
        let r = unsafe {
            libc::accept4(
                fd,
                (&mut storage as *mut libc::sockaddr_storage).cast(),
                &mut len,
                libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            )
        };
        #[cfg(not(rill_accept4))]
        // SAFETY: as above.
        let r = unsafe {
            libc::accept(
                fd,
                (&mut storage as *mut libc::sockaddr_storage).cast(),
                &mut len,
            )
        };
        if r >= 0 {
            break r;
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    };
    // SAFETY: `raw` is a fresh descriptor returned by accept that nothing else owns.
    let owned = unsafe { OwnedFd::from_raw_fd(raw) };
    #[cfg(not(rill_accept4))]
    {
        set_nonblocking_cloexec(raw)?;
        set_nosigpipe(raw)?;
    }
    Ok((owned, sockaddr_to_std(&storage, len)))
}

#[cfg(not(rill_accept4))]
fn set_nonblocking_cloexec(fd: RawFd) -> io::Result<()> {
    // SAFETY: fcntl on a descriptor we own with integer arguments.
    unsafe {
        let fl = libc::fcntl(fd, libc::F_GETFL);
        if fl < 0 || libc::fcntl(fd, libc::F_SETFL, fl | libc::O_NONBLOCK) < 0 {
            return Err(io::Error::last_os_error());
        }
        let fd_fl = libc::fcntl(fd, libc::F_GETFD);
        if fd_fl < 0 || libc::fcntl(fd, libc::F_SETFD, fd_fl | libc::FD_CLOEXEC) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Sets `SO_NOSIGPIPE` where it exists (Apple systems): the SIGPIPE guard there.
#[cfg(any(target_os = "macos", target_os = "ios"))]
pub(crate) fn set_nosigpipe(fd: RawFd) -> io::Result<()> {
    set_flag(fd, libc::SOL_SOCKET, libc::SO_NOSIGPIPE)
}

/// Reads the socket option `level` / `name` into a `T` (plain data: a C integer or struct,
/// starting from `init`).
fn getsockopt<T: Copy>(fd: RawFd, level: libc::c_int, name: libc::c_int, init: T) -> io::Result<T> {
    let mut value = init;
    let mut len = mem::size_of::<T>() as libc::socklen_t;
    // SAFETY: `value` and `len` are valid for writes for the whole call, and `len` holds the
    // size of `value`, so the kernel writes at most that many bytes into it.
    let r = unsafe { libc::getsockopt(fd, level, name, (&mut value as *mut T).cast(), &mut len) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(value)
}

/// Turns on the boolean socket option `level` / `name` (`setsockopt` with an int 1).
fn set_flag(fd: RawFd, level: libc::c_int, name: libc::c_int) -> io::Result<()> {
    set_int(fd, level, name, 1)
}

/// Sets the int socket option `level` / `name` to `value`.
fn set_int(fd: RawFd, level: libc::c_int, name: libc::c_int, value: libc::c_int) -> io::Result<()> {
    // SAFETY: `value` is a valid c_int for the duration of the call.
    let r = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&value as *const libc::c_int).cast(),
            mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// `SO_PASSRIGHTS` (Linux 6.16): turned off, a Unix socket refuses descriptors, and a peer's
/// `sendmsg` with `SCM_RIGHTS` fails with `EPERM`. The `libc` crate does not have it yet; 83 is
/// its value in the generic socket header, which these architectures use (MIPS and SPARC,
/// which have their own numbers, are left out).
const SO_PASSRIGHTS: Option<libc::c_int> = if cfg!(all(
    any(target_os = "linux", target_os = "android"),
    any(
        target_arch = "x86",
        target_arch = "x86_64",
        target_arch = "arm",
        target_arch = "aarch64",
        target_arch = "riscv64",
        target_arch = "loongarch64",
        target_arch = "powerpc64"
    )
)) {
    Some(83)
} else {
    None
};

/// Makes a Unix socket refuse descriptors (`SO_PASSRIGHTS` off). True when the kernel took the
/// option; false where it does not know it (Linux before 6.16, other systems), and the socket
/// then takes descriptors as before.
pub(crate) fn refuse_descriptors(fd: RawFd) -> bool {
    SO_PASSRIGHTS.is_some_and(|name| set_int(fd, libc::SOL_SOCKET, name, 0).is_ok())
}

/// Undoes [`refuse_descriptors`] (the socket goes back to the kernel's default).
pub(crate) fn accept_descriptors(fd: RawFd) {
    if let Some(name) = SO_PASSRIGHTS {
        // It was set on this socket before, so the kernel knows it; nothing to report.
        let _ = set_int(fd, libc::SOL_SOCKET, name, 1);
    }
}

/// Elsewhere `MSG_NOSIGNAL` on every send does the job.
#[cfg(not(any(target_os = "macos", target_os = "ios")))]
pub(crate) fn set_nosigpipe(_fd: RawFd) -> io::Result<()> {
    Ok(())
}

/// A new non-blocking, close-on-exec TCP socket for `addr`'s family.
pub(crate) fn tcp_socket(addr: &SocketAddr) -> io::Result<OwnedFd> {
    let domain = match addr {
        SocketAddr::V4(_) => libc::AF_INET,
        SocketAddr::V6(_) => libc::AF_INET6,
    };
    #[cfg(rill_accept4)]
    let ty = libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    #[cfg(not(rill_accept4))]
    let ty = libc::SOCK_STREAM;
    // SAFETY: socket(2) with constant arguments.
    let raw = unsafe { libc::socket(domain, ty, 0) };
    if raw < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `raw` is a fresh descriptor nothing else owns.
    let owned = unsafe { OwnedFd::from_raw_fd(raw) };
    #[cfg(not(rill_accept4))]
    set_nonblocking_cloexec(raw)?;
    set_nosigpipe(raw)?;
    Ok(owned)
}

/// Starts a non-blocking connect. `Ok(true)`: connected at once; `Ok(false)`: in progress
/// (`EINPROGRESS`), completion is signalled by writability.
pub(crate) fn connect(fd: RawFd, addr: &SocketAddr) -> io::Result<bool> {
    let (storage, len) = std_to_sockaddr(addr);
    // SAFETY: `storage` holds a valid sockaddr of `len` bytes for the whole call.
    let r = unsafe { libc::connect(fd, (&storage as *const libc::sockaddr_storage).cast(), len) };
    if r == 0 {
        return Ok(true);
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        // In progress; a connect interrupted by a signal also continues asynchronously.
        Some(libc::EINPROGRESS) | Some(libc::EINTR) => Ok(false),
        _ => Err(e),
    }
}

/// `getsockopt(SO_ERROR)`: the socket's pending error, cleared by reading it.
pub(crate) fn take_error(fd: RawFd) -> io::Result<Option<io::Error>> {
    let err: libc::c_int = getsockopt(fd, libc::SOL_SOCKET, libc::SO_ERROR, 0)?;
    Ok((err != 0).then(|| io::Error::from_raw_os_error(err)))
}

fn std_to_sockaddr(addr: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: an all-zero `sockaddr_storage` is valid.
    let mut storage: libc::sockaddr_storage = unsafe { mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(a) => {
            // SAFETY: `sockaddr_storage` is larger than and aligned for `sockaddr_in`.
            let sin = unsafe {
                &mut *(&mut storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in>()
            };
            sin.sin_family = libc::AF_INET as libc::sa_family_t;
            sin.sin_port = a.port().to_be();
            sin.sin_addr = libc::in_addr {
                s_addr: u32::from_ne_bytes(a.ip().octets()),
            };
            mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            // SAFETY: `sockaddr_storage` is larger than and aligned for `sockaddr_in6`.
            let sin6 = unsafe {
                &mut *(&mut storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in6>()
            };
            sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sin6.sin6_port = a.port().to_be();
            sin6.sin6_flowinfo = a.flowinfo();
            sin6.sin6_addr = libc::in6_addr {
                s6_addr: a.ip().octets(),
            };
            sin6.sin6_scope_id = a.scope_id();
            mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}

fn sockaddr_to_std(storage: &libc::sockaddr_storage, len: libc::socklen_t) -> Option<SocketAddr> {
    match storage.ss_family as libc::c_int {
        libc::AF_INET if len as usize >= mem::size_of::<libc::sockaddr_in>() => {
            // SAFETY: the family says the storage holds a `sockaddr_in`, and it is large enough.
            let sin =
                unsafe { &*(storage as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            let ip = Ipv4Addr::from(sin.sin_addr.s_addr.to_ne_bytes());
            Some(SocketAddr::V4(SocketAddrV4::new(
                ip,
                u16::from_be(sin.sin_port),
            )))
        }
        libc::AF_INET6 if len as usize >= mem::size_of::<libc::sockaddr_in6>() => {
            // SAFETY: the family says the storage holds a `sockaddr_in6`, and it is large enough.
            let sin6 = unsafe {
                &*(storage as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>()
            };
            let ip = Ipv6Addr::from(sin6.sin6_addr.s6_addr);
            Some(SocketAddr::V6(SocketAddrV6::new(
                ip,
                u16::from_be(sin6.sin6_port),
                sin6.sin6_flowinfo,
                sin6.sin6_scope_id,
            )))
        }
        _ => None,
    }
}

/// A listening TCP socket on `addr` with `SO_REUSEADDR` and a `backlog`-deep accept queue
/// (std's `bind` uses 128, too shallow for bursts of connects).
pub(crate) fn tcp_listen(addr: &SocketAddr, backlog: i32) -> io::Result<std::net::TcpListener> {
    let fd = tcp_socket(addr)?;
    let raw = std::os::fd::AsRawFd::as_raw_fd(&fd);
    set_flag(raw, libc::SOL_SOCKET, libc::SO_REUSEADDR)?;
    let (storage, len) = std_to_sockaddr(addr);
    // SAFETY: `storage` holds a valid sockaddr of `len` bytes for the whole call.
    let r = unsafe { libc::bind(raw, (&storage as *const libc::sockaddr_storage).cast(), len) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: listen(2) on a descriptor we own.
    if unsafe { libc::listen(raw, backlog) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(std::net::TcpListener::from(fd))
}
