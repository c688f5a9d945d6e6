//! The select backend (any Unix): `fd_set`s with a hard bound at `FD_SETSIZE`.
//!
//! select is level-triggered, so the shim emulates edges the only safe way: a descriptor is in
//! the read set only while a read is wanted and in the write set only while a write is wanted
//! (the core's `interest(token)`, passed in by `reregister`). Unread data with no parked reader
//! therefore does not make `select` return (H9).
//!
//! - **Bounds (H8).** `fd_set` holds descriptors `0..FD_SETSIZE`. Writing a larger one is
//!   undefined behaviour in C; here `register` refuses it with [`Error::FdTooLarge`], and every
//!   set helper checks the bound again, so no path can write outside a set.
//! - **Urgent data (H10).** The except set is not used: pending out-of-band data would make
//!   every `select` with the descriptor in it return at once while nobody reads it (a flood).
//!   [`readiness_from_select`] still maps it, to `PRIORITY` only, never to an error.
//! - **Closed without deregistering (H14).** `select` fails the whole call with `EBADF`; the
//!   shim then finds the closed descriptors, reports `ERROR` once for each and stops watching it
//!   until it is reregistered. A reused number is told apart from a double registration by the
//!   file's identity (`fstat`).
//! - **Waker:** a self-pipe. **Timers:** the `select` timeout, rounded up to whole microseconds.
//!
//! Storage is a fixed table of `FD_SETSIZE` entries indexed by descriptor: no allocation.

use core::mem::MaybeUninit;
use core::time::Duration;

use rill_core::{Event, Interest, Readiness, Token};

use crate::error::Error;
use crate::sys::{errno, is_open, split_timeout, Errno, Fingerprint, RawFd};
use crate::waker::pipe::Pipe;
use crate::{Wait, Waker};

/// The number of descriptors an `fd_set` holds: valid descriptors are `0..FD_SETSIZE`.
pub const FD_SETSIZE: usize = libc::FD_SETSIZE;

/// Translates membership of the three result sets into core readiness.
///
/// | set | readiness |
/// |---|---|
/// | read set | `READABLE` |
/// | write set | `WRITABLE` |
/// | except set | `PRIORITY` (urgent data is information, never an error: H10) |
///
/// select cannot tell end-of-file, hang-up or error from plain readiness: they all show as
/// readable / writable, and the following read or write returns them. So this table never sets
/// a closed bit, and in particular never reports a false close (H6).
pub const fn readiness_from_select(in_read: bool, in_write: bool, in_except: bool) -> Readiness {
    let mut r = Readiness::EMPTY;
    if in_read {
        r = r.union(Readiness::READABLE);
    }
    if in_write {
        r = r.union(Readiness::WRITABLE);
    }
    if in_except {
        r = r.union(Readiness::PRIORITY);
    }
    r
}

/// Which sets a descriptor goes in: `(read set, write set)`.
///
/// | interest | read set | write set |
/// |---|---|---|
/// | none | no | no |
/// | read | yes | no |
/// | write | no | yes |
/// | both | yes | yes |
///
/// Never the except set (see the module docs, H10).
pub const fn select_from_interest(interest: Interest) -> (bool, bool) {
    (interest.read, interest.write)
}

/// One descriptor's table entry.
#[derive(Clone, Copy, Debug)]
enum Entry {
    /// Not registered.
    Vacant,
    /// Registered and watched per `interest`.
    Watching {
        token: Token,
        interest: Interest,
        file: Fingerprint,
    },
    /// Registered, but found closed: `ERROR` was reported once; not watched until reregistered.
    Closed { file: Fingerprint },
}

impl Entry {
    fn file(&self) -> Option<Fingerprint> {
        match *self {
            Entry::Vacant => None,
            Entry::Watching { file, .. } | Entry::Closed { file, .. } => Some(file),
        }
    }
}

/// Makes an empty set.
fn empty_set() -> libc::fd_set {
    let mut set = MaybeUninit::<libc::fd_set>::uninit();
    // SAFETY: FD_ZERO initialises every bit of the set it is given.
    unsafe {
        libc::FD_ZERO(set.as_mut_ptr());
        set.assume_init()
    }
}

fn in_bounds(fd: RawFd) -> bool {
    fd >= 0 && (fd as usize) < FD_SETSIZE
}

/// Adds `fd` to `set`; refuses (does nothing) outside `0..FD_SETSIZE`.
fn set_add(set: &mut libc::fd_set, fd: RawFd) {
    if in_bounds(fd) {
        // SAFETY: `set` is a valid fd_set and `fd` is within its bounds (checked above).
        unsafe { libc::FD_SET(fd, set) };
    }
}

/// True when `fd` is in `set`; false outside `0..FD_SETSIZE`.
fn set_has(set: &libc::fd_set, fd: RawFd) -> bool {
    // SAFETY: `set` is a valid fd_set and `fd` is within its bounds (checked first).
    in_bounds(fd) && unsafe { libc::FD_ISSET(fd, set) }
}

/// A select-based selector with a self-pipe waker.
pub struct Select {
    entries: [Entry; FD_SETSIZE],
    /// One past the highest registered descriptor.
    high: usize,
    /// Where the next result scan starts, so a small event buffer cannot starve high numbers.
    cursor: usize,
    wake: Pipe,
}

impl core::fmt::Debug for Select {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Select")
            .field("high", &self.high)
            .field("waker", &self.wake.read_fd())
            .finish()
    }
}

impl Select {
    /// An empty table and a self-pipe waker. Fails with `FdTooLarge` if even the waker's pipe
    /// is numbered `FD_SETSIZE` or above.
    pub fn new() -> Result<Select, Error> {
        let wake = Pipe::new()?;
        if !in_bounds(wake.read_fd()) {
            return Err(Error::FdTooLarge {
                fd: wake.read_fd(),
                limit: FD_SETSIZE,
            });
        }
        Ok(Select {
            entries: [Entry::Vacant; FD_SETSIZE],
            high: 0,
            cursor: 0,
            wake,
        })
    }

    /// A [`Waker`] for this selector, usable from any thread.
    pub fn waker(&self) -> Result<Waker, Error> {
        Ok(Waker::from_pipe(self.wake.waker()?))
    }

    /// Registers `fd` under `token`, watched per `interest`.
    ///
    /// `FdTooLarge` at or above `FD_SETSIZE` (H8); `Os(EBADF)` for a closed descriptor;
    /// `AlreadyRegistered` if this open file is registered already (H14). An entry left by a
    /// descriptor that was closed without deregistering, whose number is now reused, is replaced.
    pub fn register(&mut self, fd: RawFd, token: Token, interest: Interest) -> Result<(), Error> {
        if fd >= 0 && !in_bounds(fd) {
            return Err(Error::FdTooLarge {
                fd,
                limit: FD_SETSIZE,
            });
        }
        if fd < 0 {
            return Err(Error::Os(Errno(libc::EBADF)));
        }
        let file = Fingerprint::of(fd)?;
        let slot = &mut self.entries[fd as usize];
        if slot.file() == Some(file) {
            return Err(Error::AlreadyRegistered);
        }
        *slot = Entry::Watching {
            token,
            interest,
            file,
        };
        self.high = self.high.max(fd as usize + 1);
        Ok(())
    }

    /// Changes `fd`'s token or interest, and watches it again if it was found closed.
    pub fn reregister(&mut self, fd: RawFd, token: Token, interest: Interest) -> Result<(), Error> {
        if !in_bounds(fd) {
            return Err(Error::NotRegistered);
        }
        let slot = &mut self.entries[fd as usize];
        match slot.file() {
            None => Err(Error::NotRegistered),
            Some(file) => {
                *slot = Entry::Watching {
                    token,
                    interest,
                    file,
                };
                Ok(())
            }
        }
    }

    /// Forgets `fd`.
    pub fn deregister(&mut self, fd: RawFd) -> Result<(), Error> {
        if !in_bounds(fd) || matches!(self.entries[fd as usize], Entry::Vacant) {
            return Err(Error::NotRegistered);
        }
        self.entries[fd as usize] = Entry::Vacant;
        while self.high > 0 && matches!(self.entries[self.high - 1], Entry::Vacant) {
            self.high -= 1;
        }
        Ok(())
    }

    /// Waits up to `timeout` (`None`: until something happens) and hands at most `max` events
    /// to `emit`, one at a time, as it translates them. A signal (`EINTR`) returns an empty
    /// [`Wait`].
    pub fn wait_with(
        &mut self,
        max: usize,
        timeout: Option<Duration>,
        mut emit: impl FnMut(Event),
    ) -> Result<Wait, Error> {
        Error::check_room(max)?;
        let mut read = empty_set();
        let mut write = empty_set();
        let waker = self.wake.read_fd();
        set_add(&mut read, waker);
        for fd in 0..self.high {
            if let Entry::Watching { interest, .. } = self.entries[fd] {
                let (r, w) = select_from_interest(interest);
                if r {
                    set_add(&mut read, fd as RawFd);
                }
                if w {
                    set_add(&mut write, fd as RawFd);
                }
            }
        }
        let nfds = self.high.max(waker as usize + 1);
        let mut tv = timeout.map(|d| {
            let (secs, nanos) = split_timeout(d);
            // Round up to whole microseconds so a tiny timeout never becomes a busy poll.
            let micros = nanos.div_ceil(1000);
            let (secs, micros) = if micros == 1_000_000 {
                (secs.saturating_add(1), 0)
            } else {
                (secs, micros)
            };
            libc::timeval {
                tv_sec: secs,
                tv_usec: micros as _,
            }
        });
        let tv_ptr = match &mut tv {
            Some(t) => t as *mut libc::timeval,
            None => core::ptr::null_mut(),
        };
        // SAFETY: both sets are valid fd_sets holding only descriptors below FD_SETSIZE, and
        // `nfds <= FD_SETSIZE`; `tv_ptr` is null or points at `tv`, which outlives the call.
        let n = unsafe {
            libc::select(
                nfds as libc::c_int,
                &mut read,
                &mut write,
                core::ptr::null_mut(),
                tv_ptr,
            )
        };
        if n < 0 {
            return match errno() {
                Errno(libc::EINTR) => Ok(Wait::NOTHING),
                Errno(libc::EBADF) => self.report_closed(max, emit),
                e => Err(Error::Os(e)),
            };
        }
        let mut wait = Wait::NOTHING;
        if set_has(&read, waker) {
            self.wake.drain();
            wait.woken = true;
        }
        let (high, start) = (self.high, self.cursor);
        for i in 0..high {
            let fd = (start + i) % high;
            if let Entry::Watching { token, .. } = self.entries[fd] {
                let r = readiness_from_select(
                    set_has(&read, fd as RawFd),
                    set_has(&write, fd as RawFd),
                    false,
                );
                if !r.is_empty() {
                    if wait.events == max {
                        // A ready descriptor with no room left: the next wait starts at it.
                        wait.full = true;
                        break;
                    }
                    emit(Event::new(token, r));
                    wait.events += 1;
                    self.cursor = fd + 1;
                }
            }
        }
        Ok(wait)
    }

    /// After `EBADF`: reports `ERROR` once for each watched descriptor that is no longer open
    /// and stops watching it.
    fn report_closed(&mut self, max: usize, mut emit: impl FnMut(Event)) -> Result<Wait, Error> {
        let mut wait = Wait::NOTHING;
        for fd in 0..self.high {
            if let Entry::Watching {
                token,
                interest,
                file,
            } = self.entries[fd]
            {
                if !interest.is_none() && !is_open(fd as RawFd) {
                    if wait.events == max {
                        // Another closed descriptor with no room left: the next wait reports it.
                        wait.full = true;
                        break;
                    }
                    self.entries[fd] = Entry::Closed { file };
                    emit(Event::new(token, Readiness::ERROR));
                    wait.events += 1;
                }
            }
        }
        if wait.events == 0 {
            // Nothing of ours is closed: a real error, not something to retry forever.
            return Err(Error::Os(Errno(libc::EBADF)));
        }
        Ok(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_map_to_directions() {
        assert_eq!(
            readiness_from_select(true, false, false),
            Readiness::READABLE
        );
        assert_eq!(
            readiness_from_select(false, true, false),
            Readiness::WRITABLE
        );
        assert_eq!(
            readiness_from_select(true, true, false),
            Readiness::READABLE | Readiness::WRITABLE
        );
        assert_eq!(readiness_from_select(false, false, false), Readiness::EMPTY);
    }

    #[test]
    fn h10_except_is_priority_only() {
        let r = readiness_from_select(false, false, true);
        assert_eq!(r, Readiness::PRIORITY);
        assert!(!r.is_error());
        assert!(!r.is_readable());
    }

    #[test]
    fn h06_select_never_reports_closed() {
        for bits in 0..8u8 {
            let r = readiness_from_select(bits & 1 != 0, bits & 2 != 0, bits & 4 != 0);
            assert!(!r.is_read_closed() && !r.is_write_closed() && !r.is_error());
        }
    }

    #[test]
    fn h09_sets_follow_interest() {
        assert_eq!(select_from_interest(Interest::NONE), (false, false));
        assert_eq!(select_from_interest(Interest::READ), (true, false));
        assert_eq!(select_from_interest(Interest::WRITE), (false, true));
        assert_eq!(select_from_interest(Interest::BOTH), (true, true));
    }

    #[test]
    fn h08_bounds_helper() {
        assert!(in_bounds(0));
        assert!(in_bounds(FD_SETSIZE as RawFd - 1));
        assert!(!in_bounds(FD_SETSIZE as RawFd));
        assert!(!in_bounds(-1));
        let mut set = empty_set();
        set_add(&mut set, FD_SETSIZE as RawFd); // refused, no write
        set_add(&mut set, -1);
        assert!(!set_has(&set, FD_SETSIZE as RawFd));
        set_add(&mut set, 3);
        assert!(set_has(&set, 3));
    }
}
