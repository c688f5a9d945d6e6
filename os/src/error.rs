//! The one error type of every backend.
//!
//! [`Error`] is small and `Copy`: a backend never allocates to report a failure. The variants
//! that are not [`Error::Os`] are the shim's own refusals, identical on every backend, so a
//! runtime can match on them without caring which backend it runs (H8, H14).

use core::fmt;

use crate::sys::{Errno, RawFd};

/// Why a backend call failed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum Error {
    /// `register` for a descriptor that is already registered with this selector (H14). The
    /// existing registration is unchanged.
    AlreadyRegistered,
    /// `reregister` / `deregister` for a descriptor this selector does not know.
    NotRegistered,
    /// The select backend cannot watch a descriptor numbered `FD_SETSIZE` or above; writing it
    /// into an `fd_set` would be undefined behaviour (H8). Use poll, epoll or kqueue.
    FdTooLarge {
        /// The refused descriptor.
        fd: RawFd,
        /// The first number that does not fit (`FD_SETSIZE`).
        limit: usize,
    },
    /// The poll backend's table (caller storage) has no free entry.
    Full {
        /// How many descriptors the table holds.
        capacity: usize,
    },
    /// `wait` was given an empty event buffer: it could report nothing.
    EmptyBuffer,
    /// The requested backend does not exist on this platform.
    Unsupported,
    /// The OS refused (`errno`).
    Os(Errno),
}

impl Error {
    /// The `errno` behind an [`Error::Os`].
    pub const fn raw_os_error(self) -> Option<i32> {
        match self {
            Error::Os(e) => Some(e.0),
            _ => None,
        }
    }

    /// Every backend's `wait_with` answer to room for no event ([`Error::EmptyBuffer`]), so a
    /// direct caller gets the same error from each, whatever its OS would have said.
    #[inline]
    pub(crate) const fn check_room(max: usize) -> Result<(), Error> {
        if max == 0 {
            Err(Error::EmptyBuffer)
        } else {
            Ok(())
        }
    }
}

impl From<Errno> for Error {
    fn from(e: Errno) -> Error {
        Error::Os(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::AlreadyRegistered => f.write_str("descriptor is already registered"),
            Error::NotRegistered => f.write_str("descriptor is not registered"),
            Error::FdTooLarge { fd, limit } => write!(
                f,
                "descriptor {fd} is too large for select (FD_SETSIZE is {limit}); use poll, epoll or kqueue"
            ),
            Error::Full { capacity } => {
                write!(f, "poll table is full ({capacity} descriptors)")
            }
            Error::EmptyBuffer => f.write_str("wait needs a non-empty event buffer"),
            Error::Unsupported => f.write_str("backend not available on this platform"),
            Error::Os(e) => e.fmt(f),
        }
    }
}

impl core::error::Error for Error {}
