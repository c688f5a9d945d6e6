//! The `EVFILT_USER` waker (FreeBSD and Apple systems): a duplicate of the kqueue descriptor.
//!
//! The kqueue owns its user event: [`Kqueue::new`](crate::Kqueue::new) creates it, `wait`
//! recognises and resets it, and its trigger fires it, `EV_CLEAR` each time (H11). The kqueue
//! hands that trigger to this waker when it makes one ([`Kqueue::waker`](crate::Kqueue::waker)),
//! and a wake is that trigger sent through the waker's own descriptor, so the waker may outlive
//! the `Kqueue`. This file names nothing of `kqueue.rs`: the dependency runs one way, selector
//! to waker, as it does for epoll and its eventfd.

use crate::sys::{Errno, OwnedFd, RawFd};

/// Fires the user event of the kqueue behind the descriptor (the selector's own trigger).
pub(crate) type Trigger = fn(RawFd) -> Result<(), Errno>;

/// The waking end: a duplicate of the kqueue descriptor and the kqueue's trigger.
#[derive(Debug)]
pub(crate) struct UserWaker {
    kq: OwnedFd,
    trigger: Trigger,
}

impl UserWaker {
    /// A waker for the kqueue `kq`, whose user event already exists and is fired by `trigger`.
    pub(crate) fn new(kq: &OwnedFd, trigger: Trigger) -> Result<UserWaker, Errno> {
        Ok(UserWaker {
            kq: kq.duplicate()?,
            trigger,
        })
    }

    /// Triggers the kqueue's user event.
    pub(crate) fn wake(&self) -> Result<(), Errno> {
        (self.trigger)(self.kq.raw())
    }

    /// The descriptor used to trigger.
    pub(crate) fn raw(&self) -> RawFd {
        self.kq.raw()
    }
}
