//! The `EVFILT_USER` waker (macOS, iOS, FreeBSD).
//!
//! One user event, identified by [`IDENT`], lives in the kqueue. A wake triggers it through a
//! duplicate of the kqueue descriptor. The event is `EV_CLEAR`: retrieving it resets it, so many
//! triggers before one wait are one wake-up (coalesced) and a trigger after the wait's retrieval
//! is a new one (never lost). Every trigger carries `EV_CLEAR` again
//! ([`USER_TRIGGER_FLAGS`](crate::kqueue::USER_TRIGGER_FLAGS)), so no kernel can drop the flag
//! and leave the event permanently active (a busy loop, H11). Nothing to drain.

use crate::kqueue::{
    kev, submit, EVFILT_USER, USER_REGISTER_FLAGS, USER_TRIGGER_FFLAGS, USER_TRIGGER_FLAGS,
};
use crate::sys::Errno;
use crate::sys::{OwnedFd, RawFd};

/// The waker's ident. `EVFILT_USER` idents are their own namespace, apart from descriptors.
pub(crate) const IDENT: usize = 0;

/// Creates the user event in `kq`.
pub(crate) fn register(kq: RawFd) -> Result<(), Errno> {
    change(kq, USER_REGISTER_FLAGS, 0)
}

fn change(kq: RawFd, flags: u32, fflags: u32) -> Result<(), Errno> {
    let mut changes = [kev(IDENT, EVFILT_USER, flags, fflags, 0)];
    let mut results = [0i64; 1];
    submit(kq, &mut changes, &mut results)?;
    match results[0] {
        0 => Ok(()),
        e => Err(Errno(e as i32)),
    }
}

/// The waking end: a duplicate of the kqueue descriptor.
#[derive(Debug)]
pub(crate) struct UserWaker {
    kq: OwnedFd,
}

impl UserWaker {
    /// A waker for the kqueue `kq`.
    pub(crate) fn new(kq: &OwnedFd) -> Result<UserWaker, Errno> {
        Ok(UserWaker {
            kq: kq.duplicate()?,
        })
    }

    /// Triggers the user event (`EINTR` is retried inside `submit`).
    pub(crate) fn wake(&self) -> Result<(), Errno> {
        change(self.kq.raw(), USER_TRIGGER_FLAGS, USER_TRIGGER_FFLAGS)
    }

    /// The descriptor used to trigger.
    pub(crate) fn raw(&self) -> RawFd {
        self.kq.raw()
    }
}
