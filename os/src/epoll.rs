//! The epoll backend (Linux, Android): one edge-triggered registration per descriptor.
//!
//! Every descriptor is registered once for both directions, `EPOLLIN | EPOLLOUT | EPOLLRDHUP |
//! EPOLLET`, so the steady state needs no `epoll_ctl` at all: the core keeps the per-direction
//! edges. The waker is an eventfd in the same set (see [`waker`](crate::Waker)); timers are the
//! wait's timeout: `epoll_wait`'s whole milliseconds when they are exact, and `epoll_pwait2`'s
//! nanoseconds when the timeout has a sub-millisecond part (64-bit Linux 5.11 and later; where
//! it is missing or refused, `ENOSYS` or a seccomp `EPERM`, the shim falls back to rounding up
//! to whole milliseconds for good). A descriptor closed without
//! deregistering leaves nothing behind: the kernel drops the registration with the last reference
//! to the open file (H14).

use core::time::Duration;

use rill_core::{Event, Interest, Readiness, Token};

use crate::error::Error;
use crate::sys::{cvt, errno, sub_millisecond, timeout_ms, Errno, OwnedFd, RawFd};
use crate::waker::eventfd::EventFd;
use crate::{Wait, Waker};

/// How many raw `epoll_event`s one `wait` reads at most. Events beyond it stay queued in the
/// kernel for the next wait.
pub const RAW_EVENTS: usize = 256;

/// The `epoll_event.u64` of the waker. No token encodes to it: a token's low 32 bits are its
/// index, at most `Token::MAX_INDEX` (`2^31 - 1`), never `0xffff_ffff`.
const WAKER_KEY: u64 = u64::MAX;

const IN: u32 = libc::EPOLLIN as u32;
const OUT: u32 = libc::EPOLLOUT as u32;
const RDHUP: u32 = libc::EPOLLRDHUP as u32;
const HUP: u32 = libc::EPOLLHUP as u32;
const ERR: u32 = libc::EPOLLERR as u32;
const PRI: u32 = libc::EPOLLPRI as u32;
const ET: u32 = libc::EPOLLET as u32;
/// `EPOLLPRI` as requested with reads. Miri's epoll does not model `EPOLLPRI` (it refuses the
/// flag), so the miri tier runs without it; urgent data is not part of what it checks.
const PRI_REQUESTED: u32 = if cfg!(miri) { 0 } else { PRI };

/// Translates `epoll_event.events` into core readiness.
///
/// | bit | readiness | why |
/// |---|---|---|
/// | `EPOLLIN` | `READABLE` | |
/// | `EPOLLOUT` | `WRITABLE` | |
/// | `EPOLLRDHUP` | `READ_CLOSED` | the peer shut down its write side; ours is still open (H6) |
/// | `EPOLLHUP` | `READ_CLOSED \| WRITE_CLOSED` | a full hang-up, bare or not: both sides are done, so whatever is parked completes (H7) |
/// | `EPOLLERR` | `ERROR` | |
/// | `EPOLLPRI` | `PRIORITY` | urgent data is information, never an error (H10) |
///
/// Other bits are ignored. `EPOLLRDHUP` alone never sets `WRITE_CLOSED`: a half-close is not a
/// close.
///
/// Every bit it reads is one of the six packed by `table_index`, so the translation is one load
/// from a table that `translate` (the bit-by-bit version) fills at compile time: a per-event
/// cost in every wait, where the bit tests compiled to about twenty instructions.
#[inline]
pub const fn readiness_from_epoll(events: u32) -> Readiness {
    READINESS[table_index(events)]
}

/// The six bits [`readiness_from_epoll`] reads, packed into 0..64: the five low ones
/// (`EPOLLIN`, `EPOLLPRI`, `EPOLLOUT`, `EPOLLERR`, `EPOLLHUP`) in place and `EPOLLRDHUP` as bit 5.
const fn table_index(events: u32) -> usize {
    ((events & (IN | PRI | OUT | ERR | HUP)) | ((events & RDHUP) >> RDHUP_SHIFT)) as usize
}

/// How far `EPOLLRDHUP` moves down to become bit 5 of [`table_index`].
const RDHUP_SHIFT: u32 = RDHUP.trailing_zeros() - 5;

const _: () = assert!(IN | PRI | OUT | ERR | HUP == 0x1f);

/// [`translate`] for every [`table_index`].
const READINESS: [Readiness; 64] = {
    let mut table = [Readiness::EMPTY; 64];
    let mut i = 0;
    while i < 64 {
        let events = (i as u32 & 0x1f) | (((i as u32) & 0x20) << RDHUP_SHIFT);
        table[i] = translate(events);
        i += 1;
    }
    table
};

/// The translation itself, bit by bit (the table above is built from it).
const fn translate(events: u32) -> Readiness {
    let mut r = Readiness::EMPTY;
    if events & IN != 0 {
        r = r.union(Readiness::READABLE);
    }
    if events & OUT != 0 {
        r = r.union(Readiness::WRITABLE);
    }
    if events & RDHUP != 0 {
        r = r.union(Readiness::READ_CLOSED);
    }
    if events & HUP != 0 {
        r = r
            .union(Readiness::READ_CLOSED)
            .union(Readiness::WRITE_CLOSED);
    }
    if events & ERR != 0 {
        r = r.union(Readiness::ERROR);
    }
    if events & PRI != 0 {
        r = r.union(Readiness::PRIORITY);
    }
    r
}

/// The `epoll_event.events` mask for a registration.
///
/// | interest | mask |
/// |---|---|
/// | read | `EPOLLIN \| EPOLLRDHUP \| EPOLLPRI` |
/// | write | `EPOLLOUT` |
/// | always | `EPOLLET` (`EPOLLHUP` and `EPOLLERR` are always reported by the kernel) |
///
/// The runtime registers [`Interest::BOTH`] once and never changes it: with edge triggering a
/// direction nobody waits for costs nothing. `EPOLLPRI` is requested with reads: edge triggering
/// reports pending urgent data once per wake-up, not as a flood (H10), and the core needs to see
/// it, because a TCP read stops short at the urgent mark with bytes still queued behind it, so a
/// short read seen with `PRIORITY` is not proof of a drained socket (H19).
pub const fn epoll_from_interest(interest: Interest) -> u32 {
    let mut mask = ET;
    if interest.read {
        mask |= IN | RDHUP | PRI_REQUESTED;
    }
    if interest.write {
        mask |= OUT;
    }
    mask
}

/// An epoll instance with its eventfd waker.
pub struct Epoll {
    ep: OwnedFd,
    wake: EventFd,
    raw: [libc::epoll_event; RAW_EVENTS],
    /// `epoll_pwait2` has not failed as missing or refused: a sub-millisecond timeout waits
    /// with it.
    pwait2: bool,
}

impl core::fmt::Debug for Epoll {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Epoll")
            .field("ep", &self.ep.raw())
            .field("waker", &self.wake.raw())
            .finish()
    }
}

impl Epoll {
    /// A close-on-exec epoll instance with its waker registered.
    pub fn new() -> Result<Epoll, Error> {
        // SAFETY: epoll_create1 takes a flag int and returns a new descriptor or -1.
        let ep = OwnedFd::from_raw(cvt(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?);
        let wake = EventFd::new()?;
        let mut ev = libc::epoll_event {
            events: IN | ET,
            u64: WAKER_KEY,
        };
        // SAFETY: `ev` is a valid epoll_event; both descriptors are open and owned.
        cvt(unsafe { libc::epoll_ctl(ep.raw(), libc::EPOLL_CTL_ADD, wake.raw(), &mut ev) })?;
        Ok(Epoll {
            ep,
            wake,
            raw: [libc::epoll_event { events: 0, u64: 0 }; RAW_EVENTS],
            // Not under miri, which does not emulate `epoll_pwait2` ("unsupported syscall
            // number 441"): its runs take the fallback.
            pwait2: cfg!(all(
                target_os = "linux",
                target_pointer_width = "64",
                not(miri)
            )),
        })
    }

    /// A [`Waker`] for this instance, usable from any thread.
    pub fn waker(&self) -> Result<Waker, Error> {
        Ok(Waker::from_eventfd(self.wake.waker()?))
    }

    fn ctl(
        &self,
        op: libc::c_int,
        fd: RawFd,
        token: Token,
        interest: Interest,
    ) -> Result<(), Errno> {
        let mut ev = libc::epoll_event {
            events: epoll_from_interest(interest),
            u64: token.to_u64(),
        };
        // SAFETY: `ev` is a valid epoll_event (ignored by EPOLL_CTL_DEL); the kernel checks `fd`.
        cvt(unsafe { libc::epoll_ctl(self.ep.raw(), op, fd, &mut ev) })?;
        Ok(())
    }

    /// Registers `fd` under `token`. `AlreadyRegistered` if it is registered already (H14).
    pub fn register(&mut self, fd: RawFd, token: Token, interest: Interest) -> Result<(), Error> {
        match self.ctl(libc::EPOLL_CTL_ADD, fd, token, interest) {
            Err(Errno(libc::EEXIST)) => Err(Error::AlreadyRegistered),
            r => Ok(r?),
        }
    }

    /// Changes `fd`'s token or interest. Re-arms the edge: if a wanted direction is ready now,
    /// the next wait reports it.
    pub fn reregister(&mut self, fd: RawFd, token: Token, interest: Interest) -> Result<(), Error> {
        match self.ctl(libc::EPOLL_CTL_MOD, fd, token, interest) {
            Err(Errno(libc::ENOENT)) => Err(Error::NotRegistered),
            r => Ok(r?),
        }
    }

    /// Removes `fd`. Events already collected by an earlier `wait` may still name its token; the
    /// core drops them as stale (H4).
    pub fn deregister(&mut self, fd: RawFd) -> Result<(), Error> {
        // ENOENT: never registered. EBADF: closed, and the kernel already forgot it.
        match self.ctl(libc::EPOLL_CTL_DEL, fd, Token::from_u64(0), Interest::NONE) {
            Err(Errno(libc::ENOENT | libc::EBADF)) => Err(Error::NotRegistered),
            r => Ok(r?),
        }
    }

    /// Waits up to `timeout` (`None`: until something happens) and hands at most `max` events
    /// to `emit`, one at a time, as it translates them. A signal (`EINTR`) returns an empty
    /// [`Wait`].
    #[inline]
    pub fn wait_with(
        &mut self,
        max: usize,
        timeout: Option<Duration>,
        mut emit: impl FnMut(Event),
    ) -> Result<Wait, Error> {
        Error::check_room(max)?;
        let max = max.min(RAW_EVENTS);
        let n = match sub_millisecond(timeout) {
            Some(d) if self.pwait2 => self.wait_precise(max, d),
            _ => self.wait_ms(max, timeout),
        };
        if n < 0 {
            let e = errno();
            return if e == Errno(libc::EINTR) {
                Ok(Wait::NOTHING)
            } else {
                Err(Error::Os(e))
            };
        }
        let mut wait = Wait {
            full: n as usize == max,
            ..Wait::NOTHING
        };
        for raw in &self.raw[..n as usize] {
            let (key, bits) = (raw.u64, raw.events);
            if key == WAKER_KEY {
                // Every write to the eventfd is an edge: nothing to drain (see waker::eventfd).
                wait.woken = true;
            } else {
                emit(Event::new(Token::from_u64(key), readiness_from_epoll(bits)));
                wait.events += 1;
            }
        }
        Ok(wait)
    }

    /// `epoll_wait`, for at most `max` (<= RAW_EVENTS) events, with the timeout in whole
    /// milliseconds (rounded up).
    #[inline(always)]
    fn wait_ms(&mut self, max: usize, timeout: Option<Duration>) -> libc::c_int {
        // SAFETY: `self.raw` has room for `max` (<= RAW_EVENTS) events.
        unsafe {
            libc::epoll_wait(
                self.ep.raw(),
                self.raw.as_mut_ptr(),
                max as libc::c_int,
                timeout_ms(timeout),
            )
        }
    }

    /// `epoll_pwait2` with the timeout `timeout`, which has a sub-millisecond part (a timer due
    /// in a fraction of a millisecond). Out of line: only timers take it. Missing (`ENOSYS`,
    /// before Linux 5.11) or refused (`EPERM`, a seccomp filter), it is never tried again, and
    /// this wait and every later one use [`Epoll::wait_ms`].
    #[inline(never)]
    fn wait_precise(&mut self, max: usize, timeout: Duration) -> libc::c_int {
        #[cfg(all(target_os = "linux", target_pointer_width = "64"))]
        {
            let ts = crate::sys::timespec(timeout);
            // SAFETY: `self.raw` has room for `max` (<= RAW_EVENTS) events; `ts` is a valid
            // `timespec`, which on 64-bit Linux is the kernel's `__kernel_timespec`; with no
            // signal mask (null) the mask size is ignored, as in `epoll_wait`.
            let n = unsafe {
                libc::syscall(
                    libc::SYS_epoll_pwait2,
                    self.ep.raw(),
                    self.raw.as_mut_ptr(),
                    max as libc::c_int,
                    &ts as *const libc::timespec,
                    core::ptr::null::<libc::sigset_t>(),
                    0usize,
                )
            };
            if n >= 0 || !matches!(errno(), Errno(libc::ENOSYS | libc::EPERM)) {
                return n as libc::c_int;
            }
        }
        self.pwait2 = false;
        self.wait_ms(max, Some(timeout))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sub-millisecond wait, with `epoll_pwait2` and after falling back from it, reports a
    /// wake-up; with nothing ready it reports nothing. (Whether this kernel has the call is not
    /// asserted: both paths must work.)
    #[test]
    fn sub_millisecond_waits_work_with_and_without_pwait2() {
        let mut ep = Epoll::new().unwrap();
        let waker = ep.waker().unwrap();
        for pwait2 in [true, false] {
            ep.pwait2 &= pwait2;
            let sub_ms = Some(Duration::from_micros(300));
            assert_eq!(ep.wait_with(4, sub_ms, |_| {}).unwrap(), Wait::NOTHING);
            waker.wake().unwrap();
            let woken = (0..10_000).any(|_| ep.wait_with(4, sub_ms, |_| {}).unwrap().woken);
            assert!(woken, "pwait2 {pwait2}: the wake was never reported");
        }
    }

    #[test]
    fn the_table_is_the_translation_for_every_bit_pattern() {
        // Every combination of the six read bits, with and without the bits the table ignores
        // (EPOLLET, EPOLLRDNORM, EPOLLWRNORM, EPOLLMSG, EPOLLWAKEUP, EPOLLONESHOT, high noise).
        let noise = [
            0,
            ET,
            0x40 | 0x100 | 0x400,
            1 << 29 | 1 << 30,
            0xffff_0000 & !RDHUP,
        ];
        for i in 0..64u32 {
            let bits = (i & 0x1f) | if i & 0x20 != 0 { RDHUP } else { 0 };
            for extra in noise {
                let events = bits | (extra & !(IN | PRI | OUT | ERR | HUP | RDHUP));
                assert_eq!(readiness_from_epoll(events), translate(bits), "{events:#x}");
            }
        }
    }

    #[test]
    fn in_out_are_readable_writable() {
        assert_eq!(readiness_from_epoll(IN), Readiness::READABLE);
        assert_eq!(readiness_from_epoll(OUT), Readiness::WRITABLE);
        assert_eq!(
            readiness_from_epoll(IN | OUT),
            Readiness::READABLE | Readiness::WRITABLE
        );
    }

    #[test]
    fn h06_rdhup_is_read_closed_only() {
        let r = readiness_from_epoll(IN | OUT | RDHUP);
        assert!(r.is_read_closed());
        assert!(!r.is_write_closed());
        assert!(!r.is_error());
        assert_eq!(readiness_from_epoll(RDHUP), Readiness::READ_CLOSED);
    }

    #[test]
    fn h07_bare_hup_closes_both_sides() {
        assert_eq!(
            readiness_from_epoll(HUP),
            Readiness::READ_CLOSED | Readiness::WRITE_CLOSED
        );
        let full = readiness_from_epoll(IN | RDHUP | HUP);
        assert!(full.is_readable() && full.is_read_closed() && full.is_write_closed());
    }

    #[test]
    fn err_is_error_and_rst_wakes_both() {
        assert_eq!(readiness_from_epoll(ERR), Readiness::ERROR);
        // What a reset socket reports.
        let rst = readiness_from_epoll(IN | OUT | RDHUP | HUP | ERR);
        assert!(rst.is_error());
        assert!(rst.is_ready_for(rill_core::Direction::Read));
        assert!(rst.is_ready_for(rill_core::Direction::Write));
    }

    #[test]
    fn h10_pri_is_priority_not_error() {
        let r = readiness_from_epoll(PRI);
        assert_eq!(r, Readiness::PRIORITY);
        assert!(!r.is_error());
    }

    #[test]
    fn unknown_bits_are_ignored() {
        assert_eq!(readiness_from_epoll(ET), Readiness::EMPTY);
        assert_eq!(readiness_from_epoll(0), Readiness::EMPTY);
    }

    #[test]
    fn interest_masks() {
        assert_eq!(
            epoll_from_interest(Interest::BOTH),
            IN | OUT | RDHUP | PRI_REQUESTED | ET
        );
        assert_eq!(
            epoll_from_interest(Interest::READ),
            IN | RDHUP | PRI_REQUESTED | ET
        );
        #[cfg(not(miri))]
        assert_eq!(
            PRI_REQUESTED, PRI,
            "urgent data is requested with reads (H19)"
        );
        assert_eq!(epoll_from_interest(Interest::WRITE), OUT | ET);
        assert_eq!(epoll_from_interest(Interest::NONE), ET);
    }

    #[test]
    fn waker_key_is_no_token() {
        let max = Token::new(Token::MAX_INDEX, Token::GENERATION_MASK).unwrap();
        assert_ne!(max.to_u64(), WAKER_KEY);
        assert_ne!(Token::from_u64(WAKER_KEY).to_u64(), WAKER_KEY);
    }
}
