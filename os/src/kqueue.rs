//! The kqueue backend (macOS, iOS, FreeBSD, DragonFly, NetBSD, OpenBSD): `EVFILT_READ` and
//! `EVFILT_WRITE` per descriptor, both `EV_CLEAR` (edge-triggered).
//!
//! The translation half of this file ([`readiness_from_kqueue`], [`kqueue_from_interest`] and the
//! flag constants) is plain integer code compiled on every platform, so its table is unit-tested
//! on Linux without any kqueue syscall. The `Kqueue` struct is compiled only where kqueue
//! exists.
//!
//! - Every change list uses `EV_RECEIPT`, so each change reports its own errno and no pending
//!   event is consumed by a registration call.
//! - The waker is an `EVFILT_USER` event whose every trigger carries `EV_CLEAR` again (a trigger
//!   without it can leave the event level-triggered: a busy loop, H11). This file owns that
//!   event (`setup_user_event` in `new`, `trigger_user_event`, recognising it in `wait`);
//!   `waker/user.rs` only holds a duplicate descriptor and the trigger this file hands it, so
//!   the dependency runs one way (this file uses the waker module, never the reverse). Where `EVFILT_USER` is not used (OpenBSD, NetBSD, DragonFly:
//!   `cfg(not(rill_evfilt_user))`, set by `build.rs`) it is a self-pipe watched with
//!   `EVFILT_READ`.
//! - Timers are the `kevent` timeout (a `timespec`, nanosecond precision).
//! - Closing a descriptor removes its knotes, so nothing is left behind (H14).
//! - Double registration: kqueue's `EV_ADD` silently modifies an existing knote, so `register`
//!   first probes for one without `EV_ADD` (`ENOENT` means free). On FreeBSD the probe carries
//!   `EV_KEEPUDATA` and changes nothing. Elsewhere a kernel cannot be asked without touching the
//!   knote: the probe then re-points the existing registration to the new token before
//!   `AlreadyRegistered` is returned. Deregister and register again to recover.

use rill_core::{Interest, Readiness};

#[cfg(rill_kqueue)]
#[allow(clippy::unnecessary_cast)]
mod consts {
    //! The kernel's values on this target.
    /// `EVFILT_READ`.
    pub const EVFILT_READ: i32 = libc::EVFILT_READ as i32;
    /// `EVFILT_WRITE`.
    pub const EVFILT_WRITE: i32 = libc::EVFILT_WRITE as i32;
    /// `EVFILT_USER`.
    pub const EVFILT_USER: i32 = libc::EVFILT_USER as i32;
    /// `EV_ADD`.
    pub const EV_ADD: u32 = libc::EV_ADD as u32;
    /// `EV_DELETE`.
    pub const EV_DELETE: u32 = libc::EV_DELETE as u32;
    /// `EV_ENABLE`.
    pub const EV_ENABLE: u32 = libc::EV_ENABLE as u32;
    /// `EV_DISABLE`.
    pub const EV_DISABLE: u32 = libc::EV_DISABLE as u32;
    /// `EV_CLEAR`.
    pub const EV_CLEAR: u32 = libc::EV_CLEAR as u32;
    /// `EV_RECEIPT`.
    pub const EV_RECEIPT: u32 = libc::EV_RECEIPT as u32;
    /// `EV_EOF`.
    pub const EV_EOF: u32 = libc::EV_EOF as u32;
    /// `EV_ERROR`.
    pub const EV_ERROR: u32 = libc::EV_ERROR as u32;
    /// `NOTE_TRIGGER`.
    pub const NOTE_TRIGGER: u32 = libc::NOTE_TRIGGER as u32;
    #[cfg(any(
        target_os = "macos",
        target_os = "ios",
        target_os = "tvos",
        target_os = "watchos",
        target_os = "visionos"
    ))]
    /// `EV_OOBAND`: the read filter reports pending out-of-band (urgent) data (Apple only).
    pub const EV_OOBAND: u32 = libc::EV_OOBAND as u32;
    #[cfg(not(any(
        target_os = "macos",
        target_os = "ios",
        target_os = "tvos",
        target_os = "watchos",
        target_os = "visionos"
    )))]
    /// `EV_OOBAND`: not reported on this system.
    pub const EV_OOBAND: u32 = 0;
    #[cfg(target_os = "freebsd")]
    /// `EV_KEEPUDATA`.
    pub const EV_KEEPUDATA: u32 = libc::EV_KEEPUDATA as u32;
    #[cfg(not(target_os = "freebsd"))]
    /// `EV_KEEPUDATA`.
    pub const EV_KEEPUDATA: u32 = 0;
}

#[cfg(not(rill_kqueue))]
mod consts {
    //! FreeBSD's values, so the table can be built and tested where there is no kqueue.
    /// `EVFILT_READ`.
    pub const EVFILT_READ: i32 = -1;
    /// `EVFILT_WRITE`.
    pub const EVFILT_WRITE: i32 = -2;
    /// `EVFILT_USER`.
    pub const EVFILT_USER: i32 = -11;
    /// `EV_ADD`.
    pub const EV_ADD: u32 = 0x1;
    /// `EV_DELETE`.
    pub const EV_DELETE: u32 = 0x2;
    /// `EV_ENABLE`.
    pub const EV_ENABLE: u32 = 0x4;
    /// `EV_DISABLE`.
    pub const EV_DISABLE: u32 = 0x8;
    /// `EV_CLEAR`.
    pub const EV_CLEAR: u32 = 0x20;
    /// `EV_RECEIPT`.
    pub const EV_RECEIPT: u32 = 0x40;
    /// `EV_EOF`.
    pub const EV_EOF: u32 = 0x8000;
    /// `EV_ERROR`.
    pub const EV_ERROR: u32 = 0x4000;
    /// `NOTE_TRIGGER`.
    pub const NOTE_TRIGGER: u32 = 0x0100_0000;
    /// `EV_KEEPUDATA`.
    pub const EV_KEEPUDATA: u32 = 0x200;
    /// `EV_OOBAND`, Apple's value, so the urgent-data row is tested here too.
    pub const EV_OOBAND: u32 = 0x2000;
}

pub use consts::*;

/// Translates one `kevent` (its `filter`, `flags`, `fflags` and `data`, widened to plain
/// integers) into core readiness.
///
/// | filter | flags | readiness | why |
/// |---|---|---|---|
/// | any | `EV_ERROR`, `data != 0` | `ERROR` | `data` is the errno |
/// | any | `EV_ERROR`, `data == 0` | nothing | a successful change receipt, not an event |
/// | `EVFILT_READ` | | `READABLE` | |
/// | `EVFILT_READ` | `EV_EOF` | `READABLE \| READ_CLOSED` | the peer stopped sending; writing may still work (H6) |
/// | `EVFILT_WRITE` | | `WRITABLE` | |
/// | `EVFILT_WRITE` | `EV_EOF` | `WRITABLE \| WRITE_CLOSED` | nothing more can be written |
/// | read or write | `EV_EOF`, `fflags != 0` | adds `ERROR` | `fflags` is the socket error |
/// | `EVFILT_READ` | `EV_OOBAND` (Apple) | adds `PRIORITY` | urgent data is pending: a read stops short at its mark with bytes queued behind it, so the core must not trust that short read (H19); information, never an error (H10) |
/// | other | | nothing | |
///
/// `EV_EOF` on the read filter never sets `WRITE_CLOSED`: a half-close is not a close.
pub const fn readiness_from_kqueue(filter: i32, flags: u32, fflags: u32, data: i64) -> Readiness {
    if flags & EV_ERROR != 0 {
        return if data != 0 {
            Readiness::ERROR
        } else {
            Readiness::EMPTY
        };
    }
    let eof = flags & EV_EOF != 0;
    let mut r = if filter == EVFILT_READ {
        if eof {
            Readiness::READABLE.union(Readiness::READ_CLOSED)
        } else {
            Readiness::READABLE
        }
    } else if filter == EVFILT_WRITE {
        if eof {
            Readiness::WRITABLE.union(Readiness::WRITE_CLOSED)
        } else {
            Readiness::WRITABLE
        }
    } else {
        return Readiness::EMPTY;
    };
    if eof && fflags != 0 {
        r = r.union(Readiness::ERROR);
    }
    if filter == EVFILT_READ && out_of_band(flags) {
        r = r.union(Readiness::PRIORITY);
    }
    r
}

/// The read filter's "urgent data pending" flag (`EV_OOBAND`), where the system reports it.
#[cfg(any(
    not(rill_kqueue),
    target_os = "macos",
    target_os = "ios",
    target_os = "tvos",
    target_os = "watchos",
    target_os = "visionos"
))]
const fn out_of_band(flags: u32) -> bool {
    flags & EV_OOBAND != 0
}

/// This system's kqueue does not report urgent data.
#[cfg(all(
    rill_kqueue,
    not(any(
        target_os = "macos",
        target_os = "ios",
        target_os = "tvos",
        target_os = "watchos",
        target_os = "visionos"
    ))
))]
const fn out_of_band(_flags: u32) -> bool {
    false
}

/// Which change list a call builds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Change {
    /// `register`: create both knotes.
    Register,
    /// `reregister`: modify existing knotes (no `EV_ADD`, so a missing one fails `ENOENT`).
    Reregister,
    /// `deregister`: delete both knotes.
    Deregister,
}

/// One entry of a change list: a filter and its flags.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct KqChange {
    /// `EVFILT_READ` or `EVFILT_WRITE`.
    pub filter: i32,
    /// `EV_*` flags.
    pub flags: u32,
}

/// The two changes (read filter first, then write) for a registration call.
///
/// | change | wanted direction | unwanted direction |
/// |---|---|---|
/// | register | `EV_ADD \| EV_CLEAR \| EV_RECEIPT \| EV_ENABLE` | `EV_ADD \| EV_CLEAR \| EV_RECEIPT \| EV_DISABLE` |
/// | reregister | `EV_CLEAR \| EV_RECEIPT \| EV_ENABLE` | `EV_CLEAR \| EV_RECEIPT \| EV_DISABLE` |
/// | deregister | `EV_DELETE \| EV_RECEIPT` | `EV_DELETE \| EV_RECEIPT` |
///
/// Both knotes always exist while registered (a disabled one costs nothing), so one probe of the
/// read knote tells whether a descriptor is registered. The runtime registers
/// [`Interest::BOTH`] and never changes it; the interest argument exists for uniformity.
pub const fn kqueue_from_interest(interest: Interest, change: Change) -> [KqChange; 2] {
    let base = match change {
        Change::Register => EV_ADD | EV_CLEAR | EV_RECEIPT,
        Change::Reregister => EV_CLEAR | EV_RECEIPT,
        Change::Deregister => EV_DELETE | EV_RECEIPT,
    };
    [
        KqChange {
            filter: EVFILT_READ,
            flags: base | toggle(change, interest.read),
        },
        KqChange {
            filter: EVFILT_WRITE,
            flags: base | toggle(change, interest.write),
        },
    ]
}

const fn toggle(change: Change, wanted: bool) -> u32 {
    match change {
        Change::Deregister => 0,
        _ if wanted => EV_ENABLE,
        _ => EV_DISABLE,
    }
}

/// Flags of the double-registration probe (on the read filter): no `EV_ADD`, so a missing knote
/// answers `ENOENT`; `EV_KEEPUDATA` where the OS has it, so an existing one keeps its token.
pub const PROBE_FLAGS: u32 = EV_RECEIPT | EV_KEEPUDATA;

/// Flags that create the `EVFILT_USER` waker event.
pub const USER_REGISTER_FLAGS: u32 = EV_ADD | EV_CLEAR | EV_RECEIPT;

/// Flags of every waker trigger: `EV_CLEAR` again each time, so the event never turns
/// level-triggered (H11).
pub const USER_TRIGGER_FLAGS: u32 = EV_ADD | EV_CLEAR | EV_RECEIPT;

/// `fflags` of every waker trigger.
pub const USER_TRIGGER_FFLAGS: u32 = NOTE_TRIGGER;

#[cfg(rill_kqueue)]
// Field types differ between the BSDs (i16 vs u32 filters, ...): casts that are no-ops on one
// target are needed on another.
#[allow(clippy::unnecessary_cast)]
mod imp {
    //! The syscall half: compiled only where kqueue exists.

    use core::time::Duration;

    use rill_core::{Event, Interest, Token};

    use super::{kqueue_from_interest, readiness_from_kqueue, Change, EVFILT_READ, PROBE_FLAGS};
    #[cfg(rill_evfilt_user)]
    use super::{EVFILT_USER, USER_REGISTER_FLAGS, USER_TRIGGER_FFLAGS, USER_TRIGGER_FLAGS};
    use crate::error::Error;
    use crate::sys::{cvt, errno, set_cloexec, timespec, Errno, OwnedFd, RawFd};
    use crate::{Wait, Waker};

    /// How many raw `kevent`s one `wait` reads at most. Events beyond it stay queued in the
    /// kernel for the next wait.
    pub const RAW_EVENTS: usize = 128;

    /// Builds one change-list entry.
    #[allow(clippy::unnecessary_cast)]
    fn kev(ident: usize, filter: i32, flags: u32, fflags: u32, udata: usize) -> libc::kevent {
        // SAFETY: `struct kevent` is integers and one pointer; all-zero is a valid value of it.
        let mut k: libc::kevent = unsafe { core::mem::zeroed() };
        k.ident = ident as _;
        k.filter = filter as _;
        k.flags = flags as _;
        k.fflags = fflags as _;
        k.udata = udata as _;
        k
    }

    /// Applies `changes` (each with `EV_RECEIPT`) and writes each one's errno (0: success) into
    /// `results`, in order. Waits for nothing and consumes no pending event.
    fn submit(kq: RawFd, changes: &mut [libc::kevent], results: &mut [i64]) -> Result<(), Errno> {
        let zero = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        let n = changes.len();
        let mut receipts = [kev(0, 0, 0, 0, 0); 2];
        let receipts = &mut receipts[..n.min(2)];
        loop {
            // SAFETY: `changes` and `receipts` are valid for their lengths; `zero` outlives the
            // call. With EV_RECEIPT every change yields exactly one receipt.
            let ret = unsafe {
                libc::kevent(
                    kq,
                    changes.as_ptr(),
                    receipts.len() as _,
                    receipts.as_mut_ptr(),
                    receipts.len() as _,
                    &zero,
                )
            };
            match cvt(ret) {
                Ok(_) => break,
                // Re-applying ADD / ENABLE / DISABLE / trigger is harmless; a repeated DELETE
                // answers ENOENT for a knote the first attempt removed, which callers accept.
                Err(Errno(libc::EINTR)) => continue,
                Err(e) => return Err(e),
            }
        }
        for (slot, change) in results.iter_mut().zip(changes.iter()) {
            *slot = 0;
            for r in receipts.iter() {
                if r.ident == change.ident && r.filter == change.filter {
                    #[allow(clippy::unnecessary_cast)]
                    let data = r.data as i64;
                    *slot = if r.flags as u32 & super::EV_ERROR != 0 {
                        data
                    } else {
                        0
                    };
                }
            }
        }
        Ok(())
    }

    /// Applies one change (with `EV_RECEIPT`) and answers its own errno.
    fn submit_one(kq: RawFd, change: libc::kevent) -> Result<(), Errno> {
        let mut changes = [change];
        let mut results = [0i64; 1];
        submit(kq, &mut changes, &mut results)?;
        match results[0] {
            0 => Ok(()),
            e => Err(Errno(e as i32)),
        }
    }

    /// The ident of the kqueue's one `EVFILT_USER` event, the waker's. User idents are their own
    /// namespace, apart from descriptors.
    #[cfg(rill_evfilt_user)]
    const USER_IDENT: usize = 0;

    /// Creates the waker's `EVFILT_USER` event in `kq`. It is `EV_CLEAR`: retrieving it resets
    /// it, so many triggers before one wait are one wake-up (coalesced) and a trigger after the
    /// wait's retrieval is a new one (never lost). Nothing to drain.
    #[cfg(rill_evfilt_user)]
    fn setup_user_event(kq: RawFd) -> Result<(), Errno> {
        submit_one(kq, kev(USER_IDENT, EVFILT_USER, USER_REGISTER_FLAGS, 0, 0))
    }

    /// Triggers the user event of the kqueue `kq`, through any descriptor of it (a waker holds a
    /// duplicate, and this function, handed to it by [`Kqueue::waker`]). Every trigger carries
    /// `EV_CLEAR` again ([`USER_TRIGGER_FLAGS`]), so no kernel can drop the flag and leave the
    /// event permanently active (a busy loop, H11). `EINTR` is retried.
    #[cfg(rill_evfilt_user)]
    fn trigger_user_event(kq: RawFd) -> Result<(), Errno> {
        submit_one(
            kq,
            kev(
                USER_IDENT,
                EVFILT_USER,
                USER_TRIGGER_FLAGS,
                USER_TRIGGER_FFLAGS,
                0,
            ),
        )
    }

    /// A kqueue with its waker.
    pub struct Kqueue {
        kq: OwnedFd,
        /// The self-pipe, where `EVFILT_USER` is not used.
        #[cfg(not(rill_evfilt_user))]
        wake: crate::waker::pipe::Pipe,
        raw: [libc::kevent; RAW_EVENTS],
    }

    // SAFETY: the only non-Send field is `raw`, whose `udata` pointers are tokens stored as
    // integers; they are never dereferenced.
    unsafe impl Send for Kqueue {}

    impl core::fmt::Debug for Kqueue {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.debug_struct("Kqueue")
                .field("kq", &self.kq.raw())
                .finish()
        }
    }

    impl Kqueue {
        /// A close-on-exec kqueue with its waker registered.
        pub fn new() -> Result<Kqueue, Error> {
            // SAFETY: kqueue takes no arguments and returns a new descriptor or -1.
            let kq = OwnedFd::from_raw(cvt(unsafe { libc::kqueue() })?);
            set_cloexec(kq.raw())?;
            #[cfg(rill_evfilt_user)]
            setup_user_event(kq.raw())?;
            #[cfg(not(rill_evfilt_user))]
            let wake = Self::new_pipe(&kq)?;
            Ok(Kqueue {
                kq,
                #[cfg(not(rill_evfilt_user))]
                wake,
                raw: [kev(0, 0, 0, 0, 0); RAW_EVENTS],
            })
        }

        #[cfg(not(rill_evfilt_user))]
        fn new_pipe(kq: &OwnedFd) -> Result<crate::waker::pipe::Pipe, Error> {
            let pipe = crate::waker::pipe::Pipe::new()?;
            let flags = super::EV_ADD | super::EV_CLEAR | super::EV_RECEIPT;
            submit_one(
                kq.raw(),
                kev(pipe.read_fd() as usize, EVFILT_READ, flags, 0, 0),
            )?;
            Ok(pipe)
        }

        /// A [`Waker`] for this kqueue, usable from any thread.
        pub fn waker(&self) -> Result<Waker, Error> {
            #[cfg(rill_evfilt_user)]
            return Ok(Waker::from_kqueue(&self.kq, trigger_user_event)?);
            #[cfg(not(rill_evfilt_user))]
            return Ok(Waker::from_pipe(self.wake.waker()?));
        }

        fn is_waker(&self, ev: &libc::kevent) -> bool {
            #[cfg(rill_evfilt_user)]
            return ev.filter as i32 == EVFILT_USER && ev.ident == USER_IDENT;
            #[cfg(not(rill_evfilt_user))]
            return ev.filter as i32 == EVFILT_READ && ev.ident == self.wake.read_fd() as usize;
        }

        fn drain_waker(&self) {
            #[cfg(not(rill_evfilt_user))]
            self.wake.drain();
        }

        fn apply(
            &self,
            fd: RawFd,
            token: Token,
            interest: Interest,
            change: Change,
        ) -> Result<[i64; 2], Error> {
            if fd < 0 {
                return Err(Error::Os(Errno(libc::EBADF)));
            }
            let [r, w] = kqueue_from_interest(interest, change);
            let udata = token.to_usize();
            let mut changes = [
                kev(fd as usize, r.filter, r.flags, 0, udata),
                kev(fd as usize, w.filter, w.flags, 0, udata),
            ];
            let mut results = [0i64; 2];
            submit(self.kq.raw(), &mut changes, &mut results)?;
            Ok(results)
        }

        /// Registers `fd` under `token`: both filters, edge-triggered. `AlreadyRegistered` if it
        /// is registered already (H14; see the module docs for the probe).
        pub fn register(
            &mut self,
            fd: RawFd,
            token: Token,
            interest: Interest,
        ) -> Result<(), Error> {
            if fd < 0 {
                return Err(Error::Os(Errno(libc::EBADF)));
            }
            let mut probe = [kev(
                fd as usize,
                EVFILT_READ,
                PROBE_FLAGS,
                0,
                token.to_usize(),
            )];
            let mut found = [0i64; 1];
            submit(self.kq.raw(), &mut probe, &mut found)?;
            match found[0] {
                0 => return Err(Error::AlreadyRegistered),
                e if e == libc::ENOENT as i64 => {}
                e => return Err(Error::Os(Errno(e as i32))),
            }
            let results = self.apply(fd, token, interest, Change::Register)?;
            for e in results {
                // EPIPE: macOS refuses EVFILT_WRITE on a pipe whose reader is gone, yet the
                // knote is usable; the read side still reports the hang-up.
                if e != 0 && e != libc::EPIPE as i64 {
                    let _ = self.apply(fd, token, Interest::NONE, Change::Deregister);
                    return Err(Error::Os(Errno(e as i32)));
                }
            }
            Ok(())
        }

        /// Changes `fd`'s token or interest. `NotRegistered` if it has no knotes.
        pub fn reregister(
            &mut self,
            fd: RawFd,
            token: Token,
            interest: Interest,
        ) -> Result<(), Error> {
            let results = self.apply(fd, token, interest, Change::Reregister)?;
            for e in results {
                match e {
                    0 => {}
                    e if e == libc::ENOENT as i64 || e == libc::EBADF as i64 => {
                        return Err(Error::NotRegistered)
                    }
                    e if e == libc::EPIPE as i64 => {}
                    e => return Err(Error::Os(Errno(e as i32))),
                }
            }
            Ok(())
        }

        /// Removes both knotes of `fd`.
        pub fn deregister(&mut self, fd: RawFd) -> Result<(), Error> {
            let results =
                self.apply(fd, Token::from_usize(0), Interest::NONE, Change::Deregister)?;
            let gone = |e: i64| e == libc::ENOENT as i64 || e == libc::EBADF as i64;
            if gone(results[0]) && gone(results[1]) {
                return Err(Error::NotRegistered);
            }
            for e in results {
                if e != 0 && !gone(e) {
                    return Err(Error::Os(Errno(e as i32)));
                }
            }
            Ok(())
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
            let ts = timeout.map(timespec);
            let ts_ptr = match &ts {
                Some(t) => t as *const libc::timespec,
                None => core::ptr::null(),
            };
            let max = max.min(RAW_EVENTS);
            // SAFETY: `self.raw` has room for `max` events; `ts_ptr` is null or points at `ts`,
            // which outlives the call; the change list is empty.
            let n = unsafe {
                libc::kevent(
                    self.kq.raw(),
                    core::ptr::null(),
                    0,
                    self.raw.as_mut_ptr(),
                    max as _,
                    ts_ptr,
                )
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
            for i in 0..n as usize {
                let ev = self.raw[i];
                if self.is_waker(&ev) {
                    self.drain_waker();
                    wait.woken = true;
                    continue;
                }
                #[allow(clippy::unnecessary_cast)]
                let readiness = readiness_from_kqueue(
                    ev.filter as i32,
                    ev.flags as u32,
                    ev.fflags as u32,
                    ev.data as i64,
                );
                if readiness.is_empty() {
                    continue;
                }
                emit(Event::new(Token::from_usize(ev.udata as usize), readiness));
                wait.events += 1;
            }
            Ok(wait)
        }
    }
}
#[cfg(rill_kqueue)]
pub use imp::{Kqueue, RAW_EVENTS};

#[cfg(test)]
mod tests {
    use super::*;

    const ECONNRESET: u32 = 54; // BSD value; any non-zero errno will do

    #[test]
    fn h19_out_of_band_data_is_priority_on_the_read_filter_only() {
        if EV_OOBAND == 0 {
            return; // this kqueue does not report urgent data
        }
        assert_eq!(
            readiness_from_kqueue(EVFILT_READ, EV_CLEAR | EV_OOBAND, 0, 3),
            Readiness::READABLE | Readiness::PRIORITY
        );
        assert_eq!(
            readiness_from_kqueue(EVFILT_WRITE, EV_CLEAR | EV_OOBAND, 0, 3),
            Readiness::WRITABLE,
            "the flag means nothing on the write filter"
        );
        assert!(!readiness_from_kqueue(EVFILT_READ, EV_OOBAND, 0, 1).is_error());
    }

    #[test]
    fn read_and_write_filters() {
        assert_eq!(
            readiness_from_kqueue(EVFILT_READ, EV_CLEAR, 0, 5),
            Readiness::READABLE
        );
        assert_eq!(
            readiness_from_kqueue(EVFILT_WRITE, EV_CLEAR, 0, 1024),
            Readiness::WRITABLE
        );
    }

    #[test]
    fn h06_eof_on_read_is_read_closed_only() {
        let r = readiness_from_kqueue(EVFILT_READ, EV_CLEAR | EV_EOF, 0, 0);
        assert_eq!(r, Readiness::READABLE | Readiness::READ_CLOSED);
        assert!(!r.is_write_closed());
        assert!(!r.is_error());
    }

    #[test]
    fn eof_on_write_is_write_closed() {
        let r = readiness_from_kqueue(EVFILT_WRITE, EV_EOF, 0, 0);
        assert_eq!(r, Readiness::WRITABLE | Readiness::WRITE_CLOSED);
        assert!(!r.is_read_closed());
    }

    #[test]
    fn eof_with_socket_error_is_error() {
        let r = readiness_from_kqueue(EVFILT_READ, EV_EOF, ECONNRESET, 0);
        assert!(r.is_error() && r.is_read_closed());
        let w = readiness_from_kqueue(EVFILT_WRITE, EV_EOF, ECONNRESET, 0);
        assert!(w.is_error() && w.is_write_closed());
    }

    #[test]
    fn ev_error_with_errno_is_error_only() {
        assert_eq!(
            readiness_from_kqueue(EVFILT_READ, EV_ERROR, 0, 9),
            Readiness::ERROR
        );
        assert_eq!(
            readiness_from_kqueue(EVFILT_WRITE, EV_ERROR | EV_EOF, 0, 32),
            Readiness::ERROR
        );
    }

    #[test]
    fn successful_receipt_is_no_event() {
        assert_eq!(
            readiness_from_kqueue(EVFILT_READ, EV_ERROR, 0, 0),
            Readiness::EMPTY
        );
    }

    #[test]
    fn other_filters_are_ignored() {
        assert_eq!(
            readiness_from_kqueue(EVFILT_USER, EV_CLEAR, NOTE_TRIGGER, 0),
            Readiness::EMPTY
        );
    }

    #[test]
    fn register_adds_both_filters_edge_triggered_with_receipts() {
        let [r, w] = kqueue_from_interest(Interest::BOTH, Change::Register);
        assert_eq!((r.filter, w.filter), (EVFILT_READ, EVFILT_WRITE));
        for c in [r, w] {
            assert_eq!(c.flags, EV_ADD | EV_CLEAR | EV_RECEIPT | EV_ENABLE);
        }
    }

    #[test]
    fn unwanted_direction_is_disabled_not_missing() {
        let [r, w] = kqueue_from_interest(Interest::READ, Change::Register);
        assert_ne!(r.flags & EV_ENABLE, 0);
        assert_ne!(w.flags & EV_DISABLE, 0);
        assert_ne!(w.flags & EV_ADD, 0);
    }

    #[test]
    fn reregister_never_creates() {
        for c in kqueue_from_interest(Interest::BOTH, Change::Reregister) {
            assert_eq!(c.flags & EV_ADD, 0);
            assert_ne!(c.flags & EV_CLEAR, 0);
            assert_ne!(c.flags & EV_RECEIPT, 0);
        }
    }

    #[test]
    fn deregister_deletes_both() {
        for c in kqueue_from_interest(Interest::NONE, Change::Deregister) {
            assert_eq!(c.flags, EV_DELETE | EV_RECEIPT);
        }
    }

    #[test]
    fn probe_neither_creates_nor_toggles() {
        assert_eq!(
            PROBE_FLAGS & (EV_ADD | EV_DELETE | EV_ENABLE | EV_DISABLE),
            0
        );
        assert_ne!(PROBE_FLAGS & EV_RECEIPT, 0);
    }

    #[test]
    fn h11_every_waker_trigger_keeps_ev_clear() {
        assert_ne!(USER_REGISTER_FLAGS & EV_CLEAR, 0);
        assert_ne!(USER_TRIGGER_FLAGS & EV_CLEAR, 0);
        assert_ne!(USER_TRIGGER_FLAGS & EV_RECEIPT, 0);
        assert_eq!(USER_TRIGGER_FFLAGS, NOTE_TRIGGER);
    }
}
