//! Wakers: interrupt a blocked `wait` from any thread.
//!
//! One small file per mechanism: `eventfd` (epoll), `user` (kqueue's `EVFILT_USER`) and
//! `pipe` (select, poll, and kqueue where `EVFILT_USER` is not used). Every mechanism is
//! coalesced (many wakes before a wait are one wake-up) and never loses a wake (a wake after the
//! wait has looked is seen by the next wait); the wait path resets it, and reports it as
//! [`Wait::woken`](crate::Wait::woken), never as an event with a fake token.
//!
//! A [`Waker`] owns its own descriptor (a duplicate of the selector's), so it may outlive the
//! selector or be dropped first; waking a dropped selector's waker is harmless.

#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) mod eventfd;
pub(crate) mod pipe;
#[cfg(rill_evfilt_user)]
pub(crate) mod user;

use crate::error::Error;
use crate::sys::RawFd;
#[cfg(rill_evfilt_user)]
use crate::sys::{Errno, OwnedFd};

/// Wakes a selector's `wait` from any thread. `Send + Sync`: share it (`Arc<Waker>`) with every
/// thread that needs to interrupt the loop.
#[derive(Debug)]
pub struct Waker {
    inner: Inner,
}

#[derive(Debug)]
enum Inner {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    EventFd(eventfd::EventFdWaker),
    Pipe(pipe::PipeWaker),
    #[cfg(rill_evfilt_user)]
    User(user::UserWaker),
}

impl Waker {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub(crate) fn from_eventfd(w: eventfd::EventFdWaker) -> Waker {
        Waker {
            inner: Inner::EventFd(w),
        }
    }

    pub(crate) fn from_pipe(w: pipe::PipeWaker) -> Waker {
        Waker {
            inner: Inner::Pipe(w),
        }
    }

    /// A waker that fires the user event of the kqueue `kq` with the kqueue's `trigger`
    /// (through a duplicate of `kq`).
    #[cfg(rill_evfilt_user)]
    pub(crate) fn from_kqueue(kq: &OwnedFd, trigger: user::Trigger) -> Result<Waker, Errno> {
        Ok(Waker {
            inner: Inner::User(user::UserWaker::new(kq, trigger)?),
        })
    }

    /// Makes the selector's current or next `wait` return with `woken` set. Never blocks;
    /// `EINTR` is retried; a wake that finds one already pending succeeds without doing more.
    pub fn wake(&self) -> Result<(), Error> {
        let r = match &self.inner {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Inner::EventFd(w) => w.wake(),
            Inner::Pipe(w) => w.wake(),
            #[cfg(rill_evfilt_user)]
            Inner::User(w) => w.wake(),
        };
        r.map_err(Error::Os)
    }

    /// The descriptor a wake writes to or triggers through (an eventfd, a pipe's write end or
    /// a kqueue). For diagnostics and tests; it stays owned by the waker: do not close it.
    pub fn as_raw_fd(&self) -> RawFd {
        match &self.inner {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Inner::EventFd(w) => w.raw(),
            Inner::Pipe(w) => w.raw(),
            #[cfg(rill_evfilt_user)]
            Inner::User(w) => w.raw(),
        }
    }
}
