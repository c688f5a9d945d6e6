//! The self-pipe waker (select, poll, and kqueue where `EVFILT_USER` is missing).
//!
//! A non-blocking pipe. A wake writes one byte; the selector watches the read end and, when it
//! is readable, reads until `EAGAIN`. Many wakes before one wait are one wake-up (coalesced).
//! A full pipe (`EAGAIN` on write) means bytes are waiting to be drained, i.e. a wake is already
//! pending, so it is success. The selector keeps its own write end open, so the read end never
//! sees end-of-file (which a level-triggered backend would report forever) even after every
//! [`Waker`](crate::Waker) is dropped. Each waker keeps a read end open too, so a wake after the
//! selector is gone finds a full pipe at worst, never a broken one (no `EPIPE`, no `SIGPIPE`).

use crate::sys::{cvt, cvt_size, errno, Errno, OwnedFd, RawFd};

/// The selector's end: the read end it watches and drains, plus a write end kept to make
/// wakers from.
#[derive(Debug)]
pub(crate) struct Pipe {
    read: OwnedFd,
    write: OwnedFd,
}

impl Pipe {
    /// A non-blocking, close-on-exec pipe.
    pub(crate) fn new() -> Result<Pipe, Errno> {
        let mut fds = [-1 as RawFd; 2];
        create(&mut fds)?;
        Ok(Pipe {
            read: OwnedFd::from_raw(fds[0]),
            write: OwnedFd::from_raw(fds[1]),
        })
    }

    /// The read end, to watch.
    pub(crate) fn read_fd(&self) -> RawFd {
        self.read.raw()
    }

    /// Reads until the pipe is empty (`EAGAIN`); `EINTR` retries.
    pub(crate) fn drain(&self) {
        let mut buf = [0u8; 64];
        loop {
            // SAFETY: `buf` is `buf.len()` writable bytes.
            let ret = unsafe { libc::read(self.read.raw(), buf.as_mut_ptr().cast(), buf.len()) };
            if ret > 0 {
                continue;
            }
            if ret < 0 && errno() == Errno(libc::EINTR) {
                continue;
            }
            return;
        }
    }

    /// A waker writing into this pipe through its own descriptor.
    pub(crate) fn waker(&self) -> Result<PipeWaker, Errno> {
        Ok(PipeWaker {
            write: self.write.duplicate()?,
            _read: self.read.duplicate()?,
        })
    }
}

#[cfg(not(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "tvos",
    target_os = "watchos",
    target_os = "visionos"
)))]
fn create(fds: &mut [RawFd; 2]) -> Result<(), Errno> {
    // SAFETY: `fds` is two writable ints, as pipe2 requires.
    cvt(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) })?;
    Ok(())
}

#[cfg(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "tvos",
    target_os = "watchos",
    target_os = "visionos"
))]
fn create(fds: &mut [RawFd; 2]) -> Result<(), Errno> {
    // SAFETY: `fds` is two writable ints, as pipe requires.
    cvt(unsafe { libc::pipe(fds.as_mut_ptr()) })?;
    let (read, write) = (OwnedFd::from_raw(fds[0]), OwnedFd::from_raw(fds[1]));
    crate::sys::set_nonblock_cloexec(read.raw())?;
    crate::sys::set_nonblock_cloexec(write.raw())?;
    core::mem::forget(read);
    core::mem::forget(write);
    Ok(())
}

/// The waking end: a duplicate of the pipe's write end.
#[derive(Debug)]
pub(crate) struct PipeWaker {
    write: OwnedFd,
    /// Never read: keeps the pipe from breaking if the selector is dropped first.
    _read: OwnedFd,
}

impl PipeWaker {
    /// Writes one byte. See the module docs for why `EAGAIN` is success.
    pub(crate) fn wake(&self) -> Result<(), Errno> {
        const ONE: [u8; 1] = [1];
        loop {
            // SAFETY: `ONE` is one readable byte.
            let ret = unsafe { libc::write(self.write.raw(), ONE.as_ptr().cast(), ONE.len()) };
            match cvt_size(ret) {
                Ok(_) => return Ok(()),
                Err(Errno(libc::EINTR)) => continue,
                Err(Errno(libc::EAGAIN)) => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    }

    /// The descriptor written to.
    pub(crate) fn raw(&self) -> RawFd {
        self.write.raw()
    }
}
