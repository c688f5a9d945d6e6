//! The `EVFILT_USER` waker (FreeBSD and Apple systems): a duplicate of the kqueue descriptor.
//!
//! The kqueue owns its user event: [`Kqueue::new`](crate::Kqueue::new) creates it, `wait`
//! recognises and resets it, and [`trigger_user_event`] fires it, `EV_CLEAR` each time (H11).
//! A wake is that trigger, sent through this waker's own descriptor, so the waker may outlive
//! the `Kqueue`. This file depends on `kqueue.rs`, never the other way.

use crate::kqueue::trigger_user_event;
use crate::sys::{Errno, OwnedFd, RawFd};

/// The waking end: a duplicate of the kqueue descriptor.
#[derive(Debug)]
pub(crate) struct UserWaker {
    kq: OwnedFd,
}

impl UserWaker {
    /// A waker for the kqueue `kq`, whose user event already exists.
    pub(crate) fn new(kq: &OwnedFd) -> Result<UserWaker, Errno> {
        Ok(UserWaker {
            kq: kq.duplicate()?,
        })
    }

    /// Triggers the kqueue's user event.
    pub(crate) fn wake(&self) -> Result<(), Errno> {
        trigger_user_event(self.kq.raw())
    }

    /// The descriptor used to trigger.
    pub(crate) fn raw(&self) -> RawFd {
        self.kq.raw()
    }
}
