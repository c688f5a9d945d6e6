//! The raw syscalls of [`AsyncFd`](crate::AsyncFd), [`pipe`](crate::pipe) and
//! [`process`](crate::process) on descriptors that are not sockets: `fstat` (what kind of file),
//! `fcntl` (`O_NONBLOCK`), a zero-timeout `poll` (is a direction ready now?), `read` / `write` /
//! `readv` / `writev`, and `pipe2`.
//!
//! Every call retries on `EINTR` and turns `-1` into `io::Error::last_os_error()`.
//!
//! # SIGPIPE on pipe writes
//!
//! `write(2)` to a pipe whose reader is gone raises SIGPIPE, and unlike `send` there is no
//! per-call flag against it. [`write`] and [`write_vectored`] therefore never let it through:
//!
//! - **Linux and the BSDs**: SIGPIPE is blocked in the calling thread for the write only
//!   (`pthread_sigmask`; a SIGPIPE from `write` is sent to the writing thread). If the write
//!   failed with `EPIPE` and no SIGPIPE was pending before, the one it raised is taken back
//!   with a zero-timeout `sigtimedwait`, and the old mask is restored. Two `pthread_sigmask`
//!   calls per write: pipes are not rill's hot path.
//! - **Apple systems**: the descriptor gets `F_SETNOSIGPIPE` once, when it is made a
//!   [`PipeWriter`](crate::pipe::PipeWriter).
//!
//! So a write to a closed pipe is `BrokenPipe` whatever the process's SIGPIPE disposition (std
//! sets it to "ignore" before `main` in Rust binaries, but a C host or a program that restored
//! the default would otherwise be killed), and rill changes no process-wide setting.

use std::io::{self, IoSlice, IoSliceMut};
#[cfg(any(target_os = "macos", target_os = "ios"))]
use std::os::fd::AsRawFd;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

use rill_core::Direction;

use super::{retry, IOV_MAX};

/// The file type bits (`st_mode & S_IFMT`) of `fd`; a closed descriptor is the `EBADF` error.
pub(crate) fn file_type(fd: RawFd) -> io::Result<libc::mode_t> {
    // SAFETY: an all-zero `stat` is a valid buffer for fstat to fill.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is valid for writes for the whole call.
    if unsafe { libc::fstat(fd, &mut st) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(st.st_mode & libc::S_IFMT)
}

/// Sets `O_NONBLOCK` on `fd`'s open file description.
pub(crate) fn set_nonblocking(fd: RawFd) -> io::Result<()> {
    // SAFETY: fcntl with integer arguments on a descriptor the caller holds.
    unsafe {
        let fl = libc::fcntl(fd, libc::F_GETFL);
        if fl < 0 {
            return Err(io::Error::last_os_error());
        }
        if fl & libc::O_NONBLOCK == 0 && libc::fcntl(fd, libc::F_SETFL, fl | libc::O_NONBLOCK) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Whether `dir` of `fd` is ready right now (a zero-timeout `poll`). A hang-up or error counts
/// as ready (the caller's syscall will report it); `POLLNVAL` (closed descriptor) is `EBADF`.
pub(crate) fn ready_now(fd: RawFd, dir: Direction) -> io::Result<bool> {
    let events = match dir {
        Direction::Read => libc::POLLIN,
        Direction::Write => libc::POLLOUT,
    };
    let mut p = libc::pollfd {
        fd,
        events,
        revents: 0,
    };
    // SAFETY: `p` is one valid `pollfd` for the whole call; timeout 0 never sleeps.
    retry(|| unsafe { libc::poll(&mut p, 1, 0) } as isize)?;
    if p.revents & libc::POLLNVAL != 0 {
        return Err(io::Error::from_raw_os_error(libc::EBADF));
    }
    Ok(p.revents & (events | libc::POLLHUP | libc::POLLERR) != 0)
}

/// `Ok(())` when `dir` of `fd` is ready now, else `WouldBlock` (so the core parks the op).
pub(crate) fn ready_or_would_block(fd: RawFd, dir: Direction) -> io::Result<()> {
    if ready_now(fd, dir)? {
        Ok(())
    } else {
        Err(io::ErrorKind::WouldBlock.into())
    }
}

/// `read(fd, buf)`.
pub(crate) fn read(fd: RawFd, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `buf` is a valid, writable region of `buf.len()` bytes for the whole call.
    retry(|| unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) })
}

/// `readv(fd, bufs)`, with the first [`IOV_MAX`] buffers.
pub(crate) fn read_vectored(fd: RawFd, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
    let count = bufs.len().min(IOV_MAX) as libc::c_int;
    // SAFETY: `IoSliceMut` is ABI-compatible with `struct iovec` on Unix; each slice is valid
    // and writable for the whole call, and `count` does not exceed `bufs.len()`.
    retry(|| unsafe { libc::readv(fd, bufs.as_mut_ptr().cast(), count) })
}

/// `write(fd, buf)`, with SIGPIPE held back (see the module docs).
pub(crate) fn write(fd: RawFd, buf: &[u8]) -> io::Result<usize> {
    // SAFETY: `buf` is a valid, readable region of `buf.len()` bytes for the whole call.
    without_sigpipe(|| retry(|| unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) }))
}

/// `writev(fd, bufs)`, with the first [`IOV_MAX`] buffers and SIGPIPE held back.
pub(crate) fn write_vectored(fd: RawFd, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    let count = bufs.len().min(IOV_MAX) as libc::c_int;
    // SAFETY: `IoSlice` is ABI-compatible with `struct iovec`; the kernel only reads the
    // slices, which stay valid for the whole call; `count` does not exceed `bufs.len()`.
    without_sigpipe(|| retry(|| unsafe { libc::writev(fd, bufs.as_ptr().cast(), count) }))
}

/// Runs `write` with SIGPIPE blocked in this thread; an `EPIPE` write's own SIGPIPE is
/// consumed before the mask is restored.
#[cfg(not(any(target_os = "macos", target_os = "ios")))]
fn without_sigpipe(write: impl FnOnce() -> io::Result<usize>) -> io::Result<usize> {
    // SAFETY: the sigset_t values are initialised by sigemptyset before any other use, and
    // pthread_sigmask / sigpending only read and write them.
    unsafe {
        let mut pipe_only: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut pipe_only);
        libc::sigaddset(&mut pipe_only, libc::SIGPIPE);
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut old);
        if libc::pthread_sigmask(libc::SIG_BLOCK, &pipe_only, &mut old) != 0 {
            // Not expected; write without the guard rather than fail the write.
            return write();
        }
        let mut pending: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut pending);
        let was_pending =
            libc::sigpending(&mut pending) == 0 && libc::sigismember(&pending, libc::SIGPIPE) == 1;
        let r = write();
        if matches!(&r, Err(e) if e.raw_os_error() == Some(libc::EPIPE)) && !was_pending {
            let zero = libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            while libc::sigtimedwait(&pipe_only, std::ptr::null_mut(), &zero) < 0
                && io::Error::last_os_error().raw_os_error() == Some(libc::EINTR)
            {}
        }
        if libc::sigismember(&old, libc::SIGPIPE) != 1 {
            libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
        }
        r
    }
}

/// Apple systems: the descriptor carries `F_SETNOSIGPIPE` (see [`set_nosigpipe`]).
#[cfg(any(target_os = "macos", target_os = "ios"))]
fn without_sigpipe(write: impl FnOnce() -> io::Result<usize>) -> io::Result<usize> {
    write()
}

/// `F_SETNOSIGPIPE` from `<sys/fcntl.h>` (not in `libc` for Apple targets).
#[cfg(any(target_os = "macos", target_os = "ios"))]
const F_SETNOSIGPIPE: libc::c_int = 73;

/// Apple systems: a write to this descriptor never raises SIGPIPE (`F_SETNOSIGPIPE`).
#[cfg(any(target_os = "macos", target_os = "ios"))]
pub(crate) fn set_nosigpipe(fd: RawFd) -> io::Result<()> {
    // SAFETY: fcntl with integer arguments on a descriptor the caller holds.
    if unsafe { libc::fcntl(fd, F_SETNOSIGPIPE, 1) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Elsewhere [`write`] holds SIGPIPE back itself.
#[cfg(not(any(target_os = "macos", target_os = "ios")))]
pub(crate) fn set_nosigpipe(_fd: RawFd) -> io::Result<()> {
    Ok(())
}

/// A new anonymous pipe, both ends non-blocking and close-on-exec: `(read end, write end)`.
pub(crate) fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [-1 as libc::c_int; 2];
    #[cfg(not(any(target_os = "macos", target_os = "ios")))]
    // SAFETY: `fds` is valid for two c_int writes.
    let r = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) };
    #[cfg(any(target_os = "macos", target_os = "ios"))]
    // SAFETY: `fds` is valid for two c_int writes.
    let r = unsafe { libc::pipe(fds.as_mut_ptr()) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both are fresh descriptors from pipe(2) that nothing else owns.
    let (rx, tx) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    #[cfg(any(target_os = "macos", target_os = "ios"))]
    for fd in [rx.as_raw_fd(), tx.as_raw_fd()] {
        set_nonblocking(fd)?;
        // SAFETY: fcntl with integer arguments on a descriptor we own.
        if unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) } < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok((rx, tx))
}
