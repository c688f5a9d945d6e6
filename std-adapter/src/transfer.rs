//! Stream transfers, and exactly when a short one proves a direction drained (H19).
//!
//! The core's speculation gate skips the syscall of the next op in a direction it knows is not
//! ready. A `WouldBlock` is proof. A *short* transfer (fewer bytes than offered) is proof only
//! when the kernel stopped because it ran out of bytes (read) or buffer space (write), and a
//! wrong "drained" on an edge-triggered backend is a hang: the edge that announced the rest was
//! consumed already. So a stream transfer reports [`Outcome::Drained`](rill_core::Outcome) only
//! when all of these hold, and [`Outcome::Done`](rill_core::Outcome) otherwise:
//!
//! | rule | why it is needed |
//! |---|---|
//! | the call was a plain `recv` / `readv` / `send` / `sendmsg` on a stream socket | a peek leaves the bytes queued, a datagram ends at its message boundary (those ops never report drained) |
//! | the count is positive and below what the kernel was *offered*: the buffers of the first [`IOV_MAX`](crate::sys::IOV_MAX) iovecs, at most [`MAX_RW_COUNT`] bytes | `readv` / `sendmsg` see only the first `IOV_MAX` slices, and Linux caps one transfer at `MAX_RW_COUNT`: a capped count is not a short one |
//! | a Unix stream read saw no ancillary-data boundary: the socket refuses descriptors, or `MSG_CTRUNC` was clear (see [`UnixReads`]) | a Unix stream read stops after a segment that carried descriptors or, with `SO_PASSCRED`, credentials, with more bytes queued behind it |
//! | (in the core) the last event had no closed or error bit of the direction, and for reads no `PRIORITY` | data and EOF share an edge; a TCP read stops at the urgent mark with in-band bytes queued behind it (see `rill_core`'s `Slot::trusted`) |
//!
//! Pipe writes (`rill::pipe`, a child's stdio) follow the count rule with `write` / `writev`: a
//! non-blocking pipe write stops short only when the pipe is full. Pipe *reads* never report
//! drained: any writer can switch the pipe to packet mode (Linux `O_DIRECT`), which stops each
//! read at a packet, and nothing on the read end shows it.
//!
//! `SO_RCVLOWAT` needs no rule: a non-blocking read still returns every queued byte. Whatever
//! slips past these rules costs at most one extra syscall, never a hang: an untrusted short
//! transfer leaves the direction "unknown", so the next op tries its syscall, and a
//! `WouldBlock` there re-arms the gate.

use std::io::{self, IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::os::fd::RawFd;

use crate::sys;

/// The most one `read` / `write` / `readv` / `sendmsg` moves on Linux (`INT_MAX` rounded down to
/// a page). Other systems cap at `INT_MAX` or more, so this bound is safe everywhere: a count at
/// or above it is never read as short.
pub(crate) const MAX_RW_COUNT: usize = 0x7fff_f000;

/// The count of one stream syscall and whether it proves the direction drained (or full).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Transfer {
    /// Bytes moved.
    pub(crate) n: usize,
    /// A trusted short transfer: the next op may park without a syscall.
    pub(crate) drained: bool,
}

impl Transfer {
    /// `n` bytes moved of `offered` handed to the kernel.
    #[inline]
    fn of(n: usize, offered: usize) -> Transfer {
        Transfer {
            n,
            drained: n > 0 && n < offered.min(MAX_RW_COUNT),
        }
    }

    /// `n` bytes moved, proving nothing about the direction.
    fn unproven(n: usize) -> Transfer {
        Transfer { n, drained: false }
    }
}

/// The bytes a vectored call offers the kernel: the first `IOV_MAX` buffers.
fn offered<T: std::ops::Deref<Target = [u8]>>(bufs: &[T]) -> usize {
    bufs.iter().take(sys::IOV_MAX).map(|b| b.len()).sum()
}

/// A read that trusts its short counts (TCP).
#[inline]
pub(crate) fn read(fd: RawFd, buf: &mut [u8]) -> io::Result<Transfer> {
    let len = buf.len();
    sys::recv(fd, buf).map(|n| Transfer::of(n, len))
}

/// A vectored read that trusts its short counts (TCP).
pub(crate) fn read_vectored(fd: RawFd, bufs: &mut [IoSliceMut<'_>]) -> io::Result<Transfer> {
    let len = offered(bufs);
    sys::recv_vectored(fd, bufs).map(|n| Transfer::of(n, len))
}

/// How a Unix stream reads, fixed when rill takes the socket.
///
/// A Unix stream read stops short after a segment that carried descriptors (or, with
/// `SO_PASSCRED` / `SO_PASSPIDFD` on, at a change of writer), with bytes queued behind it.
/// `recvmsg` shows that boundary as `MSG_CTRUNC`; `recv` cannot, and costs less. rill has no API
/// that receives descriptors, so a socket rill makes itself refuses them from its first byte
/// (`SO_PASSRIGHTS` off, Linux 6.16 and later: a peer's `sendmsg` with `SCM_RIGHTS` fails with
/// `EPERM` instead of the descriptors being closed unseen), passes no credentials, and then has
/// no boundary to see. A socket handed in (`from_std`, or accepted on a listener handed in) may
/// have descriptors queued already, and keeps `recvmsg`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UnixReads {
    /// `recv`: the socket has refused descriptors since it was made.
    Recv,
    /// `recvmsg`, checking `MSG_CTRUNC`.
    Recvmsg,
}

impl UnixReads {
    /// The reads of a socket rill has just made, before anyone could send to it: `Recv` when it
    /// now refuses descriptors, `Recvmsg` where the kernel cannot refuse them.
    pub(crate) fn refusing(fd: RawFd) -> UnixReads {
        if sys::refuse_descriptors(fd) {
            UnixReads::Recv
        } else {
            UnixReads::Recvmsg
        }
    }

    /// Hands the socket back to its default (`into_std`): one that refused descriptors takes
    /// them again.
    pub(crate) fn restore(self, fd: RawFd) {
        if self == UnixReads::Recv {
            sys::accept_descriptors(fd);
        }
    }
}

/// What a Unix stream read needs: the descriptor and how to read it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct UnixReader {
    /// The stream's descriptor.
    pub(crate) fd: RawFd,
    /// Its reads.
    pub(crate) reads: UnixReads,
}

/// A Unix stream read (see [`UnixReads`]).
#[inline]
pub(crate) fn read_unix(r: UnixReader, buf: &mut [u8]) -> io::Result<Transfer> {
    match r.reads {
        UnixReads::Recv => read(r.fd, buf),
        UnixReads::Recvmsg => recvmsg(r.fd, &mut [IoSliceMut::new(buf)]),
    }
}

/// A vectored Unix stream read (see [`UnixReads`]).
#[inline]
pub(crate) fn read_vectored_unix(
    r: UnixReader,
    bufs: &mut [IoSliceMut<'_>],
) -> io::Result<Transfer> {
    match r.reads {
        UnixReads::Recv => read_vectored(r.fd, bufs),
        UnixReads::Recvmsg => recvmsg(r.fd, bufs),
    }
}

/// `recvmsg`, whose `MSG_CTRUNC` makes a short count unproven.
#[inline]
fn recvmsg(fd: RawFd, bufs: &mut [IoSliceMut<'_>]) -> io::Result<Transfer> {
    let len = offered(bufs);
    let (n, flags) = sys::recvmsg(fd, bufs)?;
    Ok(if flags & libc::MSG_CTRUNC != 0 {
        Transfer::unproven(n)
    } else {
        Transfer::of(n, len)
    })
}

/// [`read`] into memory that need not be initialised (`recv`): the same drained rule, and on
/// success `buf[..n]` is initialised.
#[inline]
pub(crate) fn read_uninit(fd: RawFd, buf: &mut [MaybeUninit<u8>]) -> io::Result<Transfer> {
    let len = buf.len();
    sys::recv_uninit(fd, buf).map(|n| Transfer::of(n, len))
}

/// [`read_unix`] into memory that need not be initialised: the same drained rule, and on
/// success `buf[..n]` is initialised.
#[inline]
pub(crate) fn read_unix_uninit(r: UnixReader, buf: &mut [MaybeUninit<u8>]) -> io::Result<Transfer> {
    if r.reads == UnixReads::Recv {
        return read_uninit(r.fd, buf);
    }
    let len = buf.len();
    let (n, flags) = sys::recvmsg_uninit(r.fd, buf)?;
    Ok(if flags & libc::MSG_CTRUNC != 0 {
        Transfer::unproven(n)
    } else {
        Transfer::of(n, len)
    })
}

/// A write (any stream socket): a short count means the send buffer is full.
#[inline]
pub(crate) fn write(fd: RawFd, buf: &[u8]) -> io::Result<Transfer> {
    sys::send(fd, buf).map(|n| Transfer::of(n, buf.len()))
}

/// A vectored write (any stream socket).
pub(crate) fn write_vectored(fd: RawFd, bufs: &[IoSlice<'_>]) -> io::Result<Transfer> {
    let len = offered(bufs);
    sys::send_vectored(fd, bufs).map(|n| Transfer::of(n, len))
}

/// A pipe read (`read(2)`): its count never proves the pipe empty. Any writer may put the pipe
/// in packet mode (Linux `O_DIRECT`, at `pipe2` or later with `fcntl(F_SETFL)` on its own end),
/// and each read then stops at a packet with more queued behind it, while the read end's own
/// flags never show it. A short read is `Done`, so the next read tries its syscall.
#[inline]
pub(crate) fn read_pipe(fd: RawFd, buf: &mut [u8]) -> io::Result<Transfer> {
    crate::sys::fd::read(fd, buf).map(Transfer::unproven)
}

/// A vectored pipe read (see [`read_pipe`]).
pub(crate) fn read_vectored_pipe(fd: RawFd, bufs: &mut [IoSliceMut<'_>]) -> io::Result<Transfer> {
    crate::sys::fd::read_vectored(fd, bufs).map(Transfer::unproven)
}

/// A pipe write (`write(2)`, SIGPIPE held back): a non-blocking pipe write stops short only when
/// the pipe is full (writes of at most `PIPE_BUF` are all-or-`EAGAIN`), so a short count is
/// trusted.
#[inline]
pub(crate) fn write_pipe(fd: RawFd, buf: &[u8]) -> io::Result<Transfer> {
    crate::sys::fd::write(fd, buf).map(|n| Transfer::of(n, buf.len()))
}

/// A vectored pipe write (see [`write_pipe`]).
pub(crate) fn write_vectored_pipe(fd: RawFd, bufs: &[IoSlice<'_>]) -> io::Result<Transfer> {
    let len = offered(bufs);
    crate::sys::fd::write_vectored(fd, bufs).map(|n| Transfer::of(n, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_is_drained_only_below_what_was_offered() {
        assert!(Transfer::of(3, 64).drained);
        assert!(!Transfer::of(64, 64).drained);
        assert!(!Transfer::of(0, 64).drained, "EOF is not drained");
        assert!(!Transfer::unproven(3).drained);
    }

    #[test]
    fn a_capped_transfer_is_not_short() {
        assert!(!Transfer::of(MAX_RW_COUNT, usize::MAX).drained);
        assert!(Transfer::of(MAX_RW_COUNT - 1, usize::MAX).drained);
    }

    #[test]
    fn only_the_first_iov_max_buffers_are_offered() {
        let bytes = vec![0u8; 2 * sys::IOV_MAX];
        let slices: Vec<IoSlice<'_>> = bytes.chunks(1).map(IoSlice::new).collect();
        assert_eq!(offered(&slices), sys::IOV_MAX);
        assert!(!Transfer::of(sys::IOV_MAX, offered(&slices)).drained);
    }
}
