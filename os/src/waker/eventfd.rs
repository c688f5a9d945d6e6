//! The eventfd waker (Linux, Android).
//!
//! One eventfd, registered edge-triggered in the epoll set. A wake writes 1 to the counter; the
//! write is an edge even when the counter was already non-zero, so wakes are never lost, and many
//! wakes before one wait add up to one reported wake-up (coalesced). Because every write is an
//! edge, the wait path never needs to read the counter: a wake costs one syscall, the write.
//!
//! Counter overflow: the counter saturates at `u64::MAX - 1`, where a further write fails with
//! `EAGAIN` and would be no edge. The waker then resets the counter with a read and writes again,
//! so even the 2^64th wake is reported (H11).

use crate::sys::{cvt, cvt_size, errno, Errno, OwnedFd, RawFd};

/// The selector's end: owns the eventfd it registers.
#[derive(Debug)]
pub(crate) struct EventFd {
    fd: OwnedFd,
}

impl EventFd {
    /// A non-blocking, close-on-exec eventfd with counter 0.
    pub(crate) fn new() -> Result<EventFd, Errno> {
        // SAFETY: eventfd takes two ints and returns a new descriptor or -1.
        let fd = cvt(unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) })?;
        Ok(EventFd {
            fd: OwnedFd::from_raw(fd),
        })
    }

    /// The descriptor to register.
    pub(crate) fn raw(&self) -> RawFd {
        self.fd.raw()
    }

    /// A waker writing to the same counter through its own descriptor.
    pub(crate) fn waker(&self) -> Result<EventFdWaker, Errno> {
        Ok(EventFdWaker {
            fd: self.fd.duplicate()?,
        })
    }
}

/// The waking end: a duplicate of the selector's eventfd.
#[derive(Debug)]
pub(crate) struct EventFdWaker {
    fd: OwnedFd,
}

impl EventFdWaker {
    /// Adds 1 to the counter. See the module docs for why `EAGAIN` is success.
    pub(crate) fn wake(&self) -> Result<(), Errno> {
        let one = 1u64.to_ne_bytes();
        loop {
            // SAFETY: `one` is 8 readable bytes, the size an eventfd write requires.
            let ret = unsafe { libc::write(self.fd.raw(), one.as_ptr().cast(), one.len()) };
            match cvt_size(ret) {
                Ok(_) => return Ok(()),
                Err(Errno(libc::EINTR)) => continue,
                // Saturated: reset the counter, then write again so this wake is an edge.
                Err(Errno(libc::EAGAIN)) => drain(self.fd.raw()),
                Err(e) => return Err(e),
            }
        }
    }

    /// The descriptor written to.
    pub(crate) fn raw(&self) -> RawFd {
        self.fd.raw()
    }
}

/// Resets the counter of eventfd `fd` to 0. `EAGAIN` (already 0) is fine; `EINTR` retries.
fn drain(fd: RawFd) {
    let mut buf = [0u8; 8];
    loop {
        // SAFETY: `buf` is 8 writable bytes, the size an eventfd read requires.
        let ret = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if ret >= 0 || errno() != Errno(libc::EINTR) {
            return;
        }
    }
}
