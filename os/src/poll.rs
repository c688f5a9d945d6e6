//! The poll backend (any Unix): a `pollfd` array in caller storage, no `FD_SETSIZE` limit.
//!
//! Like select, poll is level-triggered, and the shim emulates edges the same way: a descriptor
//! is polled only for the directions wanted now (the core's `interest(token)`, passed in by
//! `reregister`). A descriptor with [`Interest::NONE`] is not polled at all (its `pollfd.fd` is
//! `-1`), because `POLLHUP` and `POLLERR` are reported whatever `events` asks for: polling a
//! hung-up descriptor nobody waits on would make every `poll` return at once, forever (H7).
//!
//! - `POLLHUP` completes both directions, `POLLERR` is an error, and `POLLNVAL` (the descriptor
//!   was closed without deregistering) is reported as `ERROR` once, after which the entry is not
//!   polled until it is reregistered: no busy loop (H7, H14).
//! - `POLLPRI` is never requested: pending urgent data would make every poll return at once
//!   while no one reads it (H10). The table still maps it, to `PRIORITY` only.
//! - A reused descriptor number is told apart from a double registration by the file's
//!   identity (`fstat`), as in select.
//! - **Waker:** a self-pipe in entry 0. **Timers:** the `poll` timeout in whole milliseconds
//!   when they are exact; on Linux and Android a timeout with a sub-millisecond part waits with
//!   `ppoll`'s nanoseconds instead (elsewhere it is rounded up to whole milliseconds).
//!
//! # Storage
//!
//! The kernel needs the `pollfd`s contiguous, so the caller's storage is two slices of the same
//! length: [`PollFd`]s (handed to the kernel as they are) and [`PollSlot`]s (token, interest and
//! file identity of each). Anything implementing [`PollStorage`] works: a pair of arrays for a
//! fixed table, a pair of `Vec`s for a std runtime. A table of `n` entries holds `n - 1`
//! descriptors (entry 0 is the waker); a full table answers [`Error::Full`]. Lookups by
//! descriptor are linear, like poll itself.

use core::time::Duration;

use rill_core::{Event, Interest, Readiness, Token};

use crate::error::Error;
use crate::sys::{errno, timeout_ms, Errno, Fingerprint, RawFd};
use crate::waker::pipe::Pipe;
use crate::{Wait, Waker};

/// `POLLRDHUP` where the OS has it.
#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
const POLLRDHUP: Option<i16> = Some(libc::POLLRDHUP);
#[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
const POLLRDHUP: Option<i16> = None;

/// Translates `pollfd.revents` into core readiness.
///
/// | bit | readiness | why |
/// |---|---|---|
/// | `POLLIN` | `READABLE` | |
/// | `POLLOUT` | `WRITABLE` | |
/// | `POLLRDHUP` (Linux, Android, FreeBSD) | `READ_CLOSED` | the peer shut down its write side; ours is open (H6) |
/// | `POLLHUP` | `READ_CLOSED \| WRITE_CLOSED` | a full hang-up: both directions complete (H7) |
/// | `POLLERR` | `ERROR` | |
/// | `POLLNVAL` | `ERROR` | the descriptor is not open (closed without deregistering) |
/// | `POLLPRI` | `PRIORITY` | urgent data is information, never an error (H10) |
pub const fn readiness_from_poll(revents: i16) -> Readiness {
    let mut r = Readiness::EMPTY;
    if revents & libc::POLLIN != 0 {
        r = r.union(Readiness::READABLE);
    }
    if revents & libc::POLLOUT != 0 {
        r = r.union(Readiness::WRITABLE);
    }
    if let Some(rdhup) = POLLRDHUP {
        if revents & rdhup != 0 {
            r = r.union(Readiness::READ_CLOSED);
        }
    }
    if revents & libc::POLLHUP != 0 {
        r = r
            .union(Readiness::READ_CLOSED)
            .union(Readiness::WRITE_CLOSED);
    }
    if revents & (libc::POLLERR | libc::POLLNVAL) != 0 {
        r = r.union(Readiness::ERROR);
    }
    if revents & libc::POLLPRI != 0 {
        r = r.union(Readiness::PRIORITY);
    }
    r
}

/// The `pollfd.events` for an interest.
///
/// | interest | events |
/// |---|---|
/// | read | `POLLIN \| POLLRDHUP` (`POLLRDHUP` where it exists) |
/// | write | `POLLOUT` |
/// | none | `0`, and the entry is not polled at all (`fd = -1`) |
///
/// Never `POLLPRI` (H10).
pub const fn poll_from_interest(interest: Interest) -> i16 {
    let mut events = 0;
    if interest.read {
        events |= libc::POLLIN;
        if let Some(rdhup) = POLLRDHUP {
            events |= rdhup;
        }
    }
    if interest.write {
        events |= libc::POLLOUT;
    }
    events
}

/// One `pollfd`, exactly as the kernel reads it. Fill storage with [`PollFd::EMPTY`].
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct PollFd(libc::pollfd);

impl PollFd {
    /// An unused entry.
    pub const EMPTY: PollFd = PollFd(libc::pollfd {
        fd: -1,
        events: 0,
        revents: 0,
    });
}

impl core::fmt::Debug for PollFd {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "PollFd({}, {:#x})", self.0.fd, self.0.events)
    }
}

/// What the shim knows about one entry besides its `pollfd`. Fill storage with
/// [`PollSlot::EMPTY`].
#[derive(Clone, Copy, Debug)]
pub struct PollSlot {
    fd: RawFd,
    token: Token,
    file: Fingerprint,
    state: SlotState,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum SlotState {
    /// Polled per the interest.
    Watching(Interest),
    /// `POLLNVAL` was reported once; not polled until reregistered.
    Closed,
}

impl PollSlot {
    /// An unused entry.
    pub const EMPTY: PollSlot = PollSlot {
        fd: -1,
        token: Token::from_u64(0),
        file: Fingerprint::NONE,
        state: SlotState::Closed,
    };
}

/// Caller storage for [`Poll`]: two slices of equal use, `pollfd`s and their slots. The table
/// holds `min(fds.len(), slots.len()) - 1` descriptors, and more if the storage can grow.
pub trait PollStorage {
    /// The two slices.
    fn split(&mut self) -> (&mut [PollFd], &mut [PollSlot]);

    /// Makes both slices at least `len` long, keeping their contents, when this storage can
    /// grow that far: true if it did. [`Poll::register`] asks when the table is full. Fixed
    /// storage (arrays, slices, the pair impl) cannot: the default says no, and the table is
    /// [`Error::Full`].
    fn grow_to(&mut self, len: usize) -> bool {
        let _ = len;
        false
    }
}

/// No storage: for a [`Selector`](crate::Selector) that will never be the poll backend.
impl PollStorage for () {
    fn split(&mut self) -> (&mut [PollFd], &mut [PollSlot]) {
        (&mut [], &mut [])
    }
}

/// A pair of anything slice-like: `([PollFd; N], [PollSlot; N])`, `(Vec<PollFd>,
/// Vec<PollSlot>)`, a pair of `&mut` slices.
impl<A: AsMut<[PollFd]>, B: AsMut<[PollSlot]>> PollStorage for (A, B) {
    fn split(&mut self) -> (&mut [PollFd], &mut [PollSlot]) {
        (self.0.as_mut(), self.1.as_mut())
    }
}

/// A poll-based selector over caller storage, with a self-pipe waker in entry 0.
pub struct Poll<S: PollStorage> {
    storage: S,
    /// Entries in use, the waker included.
    len: usize,
    /// Where the next result scan starts, so a small event buffer cannot starve late entries.
    cursor: usize,
    wake: Pipe,
}

impl<S: PollStorage> core::fmt::Debug for Poll<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Poll")
            .field("len", &self.len)
            .field("waker", &self.wake.read_fd())
            .finish()
    }
}

impl<S: PollStorage> Poll<S> {
    /// A poll selector over `storage`. `Full { capacity: 0 }` if the storage has no room even
    /// for the waker.
    pub fn new(mut storage: S) -> Result<Poll<S>, Error> {
        let wake = Pipe::new()?;
        let (fds, slots) = storage.split();
        if fds.is_empty() || slots.is_empty() {
            return Err(Error::Full { capacity: 0 });
        }
        fds[0] = PollFd(libc::pollfd {
            fd: wake.read_fd(),
            events: libc::POLLIN,
            revents: 0,
        });
        slots[0] = PollSlot::EMPTY;
        Ok(Poll {
            storage,
            len: 1,
            cursor: 1,
            wake,
        })
    }

    /// How many descriptors the table holds now (a storage that grows makes room for more on
    /// [`Poll::register`]).
    pub fn capacity(&mut self) -> usize {
        let (fds, slots) = self.storage.split();
        fds.len().min(slots.len()).saturating_sub(1)
    }

    /// A [`Waker`] for this selector, usable from any thread.
    pub fn waker(&self) -> Result<Waker, Error> {
        Ok(Waker::from_pipe(self.wake.waker()?))
    }

    fn find(&mut self, fd: RawFd) -> Option<usize> {
        let len = self.len;
        let (_, slots) = self.storage.split();
        (1..len).find(|&i| slots[i].fd == fd)
    }

    fn set(&mut self, i: usize, fd: RawFd, token: Token, interest: Interest, file: Fingerprint) {
        let (fds, slots) = self.storage.split();
        fds[i] = PollFd(libc::pollfd {
            fd: if interest.is_none() { -1 } else { fd },
            events: poll_from_interest(interest),
            revents: 0,
        });
        slots[i] = PollSlot {
            fd,
            token,
            file,
            state: SlotState::Watching(interest),
        };
    }

    /// Registers `fd` under `token`, polled per `interest`.
    ///
    /// `Os(EBADF)` for a closed descriptor; `AlreadyRegistered` if this open file is registered
    /// already (H14); `Full` when the table is and its storage cannot grow
    /// ([`PollStorage::grow_to`]). An entry left by a descriptor that was closed without
    /// deregistering, whose number is now reused, is replaced.
    pub fn register(&mut self, fd: RawFd, token: Token, interest: Interest) -> Result<(), Error> {
        if fd < 0 {
            return Err(Error::Os(Errno(libc::EBADF)));
        }
        let file = Fingerprint::of(fd)?;
        if let Some(i) = self.find(fd) {
            let (_, slots) = self.storage.split();
            if slots[i].file == file {
                return Err(Error::AlreadyRegistered);
            }
            self.set(i, fd, token, interest, file);
            return Ok(());
        }
        if self.len > self.capacity() {
            // Full: the storage may make room (checked, not trusted: `set` indexes it).
            let grew = self.storage.grow_to(self.len + 1);
            let capacity = self.capacity();
            if !grew || self.len > capacity {
                return Err(Error::Full { capacity });
            }
        }
        let i = self.len;
        self.set(i, fd, token, interest, file);
        self.len += 1;
        Ok(())
    }

    /// Changes `fd`'s token or interest, and polls it again if it was found closed.
    pub fn reregister(&mut self, fd: RawFd, token: Token, interest: Interest) -> Result<(), Error> {
        let i = self.find(fd).ok_or(Error::NotRegistered)?;
        let file = self.storage.split().1[i].file;
        self.set(i, fd, token, interest, file);
        Ok(())
    }

    /// Forgets `fd` (the last entry moves into its place).
    pub fn deregister(&mut self, fd: RawFd) -> Result<(), Error> {
        let i = self.find(fd).ok_or(Error::NotRegistered)?;
        let last = self.len - 1;
        let (fds, slots) = self.storage.split();
        fds[i] = fds[last];
        slots[i] = slots[last];
        fds[last] = PollFd::EMPTY;
        slots[last] = PollSlot::EMPTY;
        self.len = last;
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
        let len = self.len;
        let (fds, slots) = self.storage.split();
        let n = wait(fds, len, timeout);
        if n < 0 {
            let e = errno();
            return if e == Errno(libc::EINTR) {
                Ok(Wait::NOTHING)
            } else {
                Err(Error::Os(e))
            };
        }
        let mut wait = Wait::NOTHING;
        if fds[0].0.revents != 0 {
            self.wake.drain();
            wait.woken = true;
        }
        let (entries, start) = (len - 1, self.cursor.max(1) - 1);
        for k in 0..entries {
            let i = 1 + (start + k) % entries;
            let revents = fds[i].0.revents;
            if revents == 0 || fds[i].0.fd < 0 {
                continue;
            }
            if wait.events == max {
                // A ready descriptor with no room left: the next wait starts at it.
                wait.full = true;
                break;
            }
            fds[i].0.revents = 0;
            if revents & libc::POLLNVAL != 0 {
                fds[i].0.fd = -1;
                slots[i].state = SlotState::Closed;
            }
            emit(Event::new(slots[i].token, readiness_from_poll(revents)));
            wait.events += 1;
            self.cursor = if i + 1 < len { i + 1 } else { 1 };
        }
        Ok(wait)
    }
}

/// One `poll` of the first `len` entries of `fds`: with the timeout in whole milliseconds when
/// that is exact (or where there is nothing finer), and with `ppoll`'s nanoseconds when it has
/// a sub-millisecond part.
#[inline(always)]
fn wait(fds: &mut [PollFd], len: usize, timeout: Option<Duration>) -> libc::c_int {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Some(d) = crate::sys::sub_millisecond(timeout) {
        return wait_precise(fds, len, d);
    }
    // SAFETY: `PollFd` is a transparent `pollfd`, and `fds` has at least `len` entries
    // (`len` never exceeds the table's capacity + 1).
    unsafe {
        libc::poll(
            fds.as_mut_ptr().cast::<libc::pollfd>(),
            len as libc::nfds_t,
            timeout_ms(timeout),
        )
    }
}

/// `ppoll` with the timeout `timeout`, which has a sub-millisecond part (a timer due in a
/// fraction of a millisecond). Out of line: only timers take it.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[inline(never)]
fn wait_precise(fds: &mut [PollFd], len: usize, timeout: Duration) -> libc::c_int {
    let ts = crate::sys::timespec(timeout);
    // SAFETY: as in `wait`; `ts` is a valid `timespec`, and no signal mask is passed (null), so
    // the thread's mask stays as it is, as with `poll`.
    unsafe {
        libc::ppoll(
            fds.as_mut_ptr().cast::<libc::pollfd>(),
            len as libc::nfds_t,
            &ts,
            core::ptr::null(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_out() {
        assert_eq!(readiness_from_poll(libc::POLLIN), Readiness::READABLE);
        assert_eq!(readiness_from_poll(libc::POLLOUT), Readiness::WRITABLE);
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[test]
    fn h06_rdhup_is_read_closed_only() {
        let r = readiness_from_poll(libc::POLLIN | libc::POLLRDHUP);
        assert_eq!(r, Readiness::READABLE | Readiness::READ_CLOSED);
        assert!(!r.is_write_closed());
    }

    #[test]
    fn h07_hup_closes_both_without_error() {
        let r = readiness_from_poll(libc::POLLHUP);
        assert_eq!(r, Readiness::READ_CLOSED | Readiness::WRITE_CLOSED);
        assert!(!r.is_error());
    }

    #[test]
    fn h07_nval_and_err_are_errors() {
        assert_eq!(readiness_from_poll(libc::POLLNVAL), Readiness::ERROR);
        assert_eq!(readiness_from_poll(libc::POLLERR), Readiness::ERROR);
    }

    #[test]
    fn h10_pri_is_priority_only() {
        assert_eq!(readiness_from_poll(libc::POLLPRI), Readiness::PRIORITY);
    }

    #[test]
    fn interest_events() {
        assert_eq!(poll_from_interest(Interest::NONE), 0);
        assert_eq!(poll_from_interest(Interest::WRITE), libc::POLLOUT);
        assert_eq!(
            poll_from_interest(Interest::READ) & libc::POLLIN,
            libc::POLLIN
        );
        assert_eq!(poll_from_interest(Interest::BOTH) & libc::POLLPRI, 0);
    }

    #[test]
    fn pollfd_layout_is_the_kernels() {
        assert_eq!(
            core::mem::size_of::<PollFd>(),
            core::mem::size_of::<libc::pollfd>()
        );
        assert_eq!(
            core::mem::align_of::<PollFd>(),
            core::mem::align_of::<libc::pollfd>()
        );
    }
}
