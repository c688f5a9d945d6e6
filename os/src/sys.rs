//! Syscall plumbing shared by every backend: `errno` (the [`Errno`] number and the calling
//! thread's value), return-value checks, owned descriptors, and the few helpers (duplicate,
//! non-blocking, timeouts in milliseconds or nanoseconds) more than one backend needs.
//!
//! Everything here is a thin wrapper: one libc call, its error turned into an [`Errno`].

use core::fmt;
use core::time::Duration;

/// A raw file descriptor number, as the OS uses it.
pub type RawFd = libc::c_int;

/// An OS error number (`errno`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Errno(pub i32);

impl Errno {
    /// The raw number, for `std::io::Error::from_raw_os_error`.
    pub const fn raw(self) -> i32 {
        self.0
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.0 {
            libc::EBADF => "EBADF",
            libc::EINVAL => "EINVAL",
            libc::ENOMEM => "ENOMEM",
            libc::EMFILE => "EMFILE",
            libc::ENFILE => "ENFILE",
            libc::EPERM => "EPERM",
            libc::ENOENT => "ENOENT",
            libc::EEXIST => "EEXIST",
            libc::EINTR => "EINTR",
            libc::EAGAIN => "EAGAIN",
            libc::ENOSYS => "ENOSYS",
            _ => "",
        };
        if name.is_empty() {
            write!(f, "OS error {}", self.0)
        } else {
            write!(f, "OS error {} ({name})", self.0)
        }
    }
}

/// The calling thread's `errno`.
pub(crate) fn errno() -> Errno {
    // SAFETY: each of these libc functions returns a pointer to the calling thread's errno,
    // valid for the whole life of the thread; reading an int through it is always defined.
    let raw = unsafe { *errno_location() };
    Errno(raw)
}

#[cfg(any(
    target_os = "linux",
    target_os = "emscripten",
    target_os = "fuchsia",
    target_os = "dragonfly",
    target_os = "hurd",
    target_os = "redox"
))]
unsafe fn errno_location() -> *mut libc::c_int {
    // SAFETY: no preconditions; see `errno`.
    unsafe { libc::__errno_location() }
}

#[cfg(any(target_os = "android", target_os = "netbsd", target_os = "openbsd"))]
unsafe fn errno_location() -> *mut libc::c_int {
    // SAFETY: no preconditions; see `errno`.
    unsafe { libc::__errno() }
}

#[cfg(any(
    target_os = "freebsd",
    target_os = "macos",
    target_os = "ios",
    target_os = "tvos",
    target_os = "watchos",
    target_os = "visionos"
))]
unsafe fn errno_location() -> *mut libc::c_int {
    // SAFETY: no preconditions; see `errno`.
    unsafe { libc::__error() }
}

/// Turns a `-1`-on-error return value into `Result`.
pub(crate) fn cvt(ret: libc::c_int) -> Result<libc::c_int, Errno> {
    if ret == -1 {
        Err(errno())
    } else {
        Ok(ret)
    }
}

/// Turns a `-1`-on-error `ssize_t` return value into `Result`.
pub(crate) fn cvt_size(ret: libc::ssize_t) -> Result<usize, Errno> {
    if ret < 0 {
        Err(errno())
    } else {
        Ok(ret as usize)
    }
}

/// A descriptor this crate opened and will close exactly once, on drop.
#[derive(Debug)]
pub(crate) struct OwnedFd(RawFd);

impl OwnedFd {
    /// Takes ownership of `fd`, which must be open and owned by nobody else.
    pub(crate) fn from_raw(fd: RawFd) -> OwnedFd {
        OwnedFd(fd)
    }

    /// The descriptor number (still owned by `self`).
    pub(crate) fn raw(&self) -> RawFd {
        self.0
    }

    /// A new descriptor for the same open file, close-on-exec.
    pub(crate) fn duplicate(&self) -> Result<OwnedFd, Errno> {
        // SAFETY: F_DUPFD_CLOEXEC reads no memory; `self.0` is open while `self` lives.
        let fd = cvt(unsafe { libc::fcntl(self.0, libc::F_DUPFD_CLOEXEC, 0) })?;
        Ok(OwnedFd(fd))
    }
}

impl Drop for OwnedFd {
    fn drop(&mut self) {
        // SAFETY: we own the descriptor and this is the only place that closes it. An error
        // from close (EINTR, EIO) cannot be acted on here; the descriptor is released either way
        // on every supported OS.
        unsafe {
            libc::close(self.0);
        }
    }
}

/// Sets `O_NONBLOCK` and `FD_CLOEXEC` on `fd` (for systems without `pipe2`).
#[allow(dead_code)] // only used on targets without pipe2
pub(crate) fn set_nonblock_cloexec(fd: RawFd) -> Result<(), Errno> {
    // SAFETY: F_GETFL / F_SETFL / F_SETFD take and return plain ints.
    unsafe {
        let flags = cvt(libc::fcntl(fd, libc::F_GETFL))?;
        cvt(libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK))?;
        cvt(libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC))?;
    }
    Ok(())
}

/// Sets `FD_CLOEXEC` on `fd` (for kernel objects created without a close-on-exec flag).
#[allow(dead_code)] // only used on kqueue targets
pub(crate) fn set_cloexec(fd: RawFd) -> Result<(), Errno> {
    // SAFETY: F_SETFD takes a plain int.
    cvt(unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) })?;
    Ok(())
}

/// True when `fd` is an open descriptor (`fcntl(F_GETFD)` does not fail with `EBADF`).
pub(crate) fn is_open(fd: RawFd) -> bool {
    // SAFETY: F_GETFD reads no memory; a closed fd just yields EBADF.
    let ret = unsafe { libc::fcntl(fd, libc::F_GETFD) };
    ret != -1 || errno() != Errno(libc::EBADF)
}

/// What an open file is: `(st_dev, st_ino)` from `fstat`. Two descriptors with the same
/// fingerprint name the same file; a closed-and-reused fd number almost always has a new one
/// (sockets and pipes get fresh inode numbers). select and poll use it to tell a stale table
/// entry from a real double registration (H14).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub(crate) struct Fingerprint {
    dev: u64,
    ino: u64,
}

impl Fingerprint {
    /// An all-zero fingerprint for empty table entries.
    pub(crate) const NONE: Fingerprint = Fingerprint { dev: 0, ino: 0 };

    /// `fstat(fd)`; `EBADF` for a descriptor that is not open.
    pub(crate) fn of(fd: RawFd) -> Result<Fingerprint, Errno> {
        let mut st = core::mem::MaybeUninit::<libc::stat>::uninit();
        // SAFETY: `st` is a valid, writable `struct stat`; fstat fills it on success.
        cvt(unsafe { libc::fstat(fd, st.as_mut_ptr()) })?;
        // SAFETY: fstat returned 0, so it initialised the whole struct.
        let st = unsafe { st.assume_init() };
        #[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
        Ok(Fingerprint {
            dev: st.st_dev as u64,
            ino: st.st_ino as u64,
        })
    }
}

/// A wait timeout in whole milliseconds for `epoll_wait` / `poll`: `None` is `-1` (block),
/// anything else is rounded **up** so a sub-millisecond wait never becomes a zero-timeout busy
/// poll, and clamped to `c_int::MAX`.
pub fn timeout_ms(timeout: Option<Duration>) -> libc::c_int {
    match timeout {
        None => -1,
        // Whole seconds and the rounded-up sub-second part, in 64-bit arithmetic: the zero
        // timeout of every non-blocking poll costs no 128-bit division.
        Some(d) => {
            let ms = d
                .as_secs()
                .saturating_mul(1_000)
                .saturating_add(u64::from(d.subsec_nanos().div_ceil(1_000_000)));
            libc::c_int::try_from(ms).unwrap_or(libc::c_int::MAX)
        }
    }
}

/// `timeout`, when [`timeout_ms`] would stretch it and a nanosecond wait (`epoll_pwait2`,
/// `ppoll`) is called for: it has a sub-millisecond part (a timer due in 1.5 ms would wait 2,
/// one due in 50 µs a whole millisecond). `None` where `timeout_ms` is exact (no timeout, zero,
/// whole milliseconds), which keeps those waits, the usual ones, on the plain calls.
#[allow(dead_code)] // used by epoll and poll on Linux and Android
#[inline(always)]
pub(crate) fn sub_millisecond(timeout: Option<Duration>) -> Option<Duration> {
    timeout.filter(|d| d.subsec_nanos() % 1_000_000 != 0)
}

/// `d` as a `timespec`, the seconds clamped to what `time_t` holds.
#[allow(dead_code)] // used by kqueue, and by epoll and poll on Linux and Android
pub(crate) fn timespec(d: Duration) -> libc::timespec {
    let (secs, nanos) = split_timeout(d);
    // SAFETY: an all-zero `timespec` is valid (some targets add padding fields, so it is not
    // built as a literal).
    let mut ts: libc::timespec = unsafe { core::mem::zeroed() };
    ts.tv_sec = secs;
    ts.tv_nsec = nanos as _;
    ts
}

/// A wait timeout for `select` (`timeval`) or `kevent` (`timespec`), in whole seconds plus
/// the sub-second part in nanoseconds, with the seconds clamped to what `time_t` holds.
#[allow(dead_code)] // used by select and by `timespec`
pub(crate) fn split_timeout(d: Duration) -> (libc::time_t, u32) {
    let secs = d.as_secs();
    #[allow(clippy::unnecessary_cast)]
    let max = libc::time_t::MAX as u64;
    if secs > max {
        (libc::time_t::MAX, 999_999_999)
    } else {
        (secs as libc::time_t, d.subsec_nanos())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_blocks() {
        assert_eq!(timeout_ms(None), -1);
    }

    #[test]
    fn sub_millisecond_rounds_up() {
        assert_eq!(timeout_ms(Some(Duration::from_nanos(1))), 1);
        assert_eq!(timeout_ms(Some(Duration::from_micros(999))), 1);
        assert_eq!(timeout_ms(Some(Duration::from_micros(1001))), 2);
    }

    #[test]
    fn zero_stays_zero_and_exact_millis_stay_exact() {
        assert_eq!(timeout_ms(Some(Duration::ZERO)), 0);
        assert_eq!(timeout_ms(Some(Duration::from_millis(250))), 250);
    }

    #[test]
    fn only_a_sub_millisecond_part_takes_the_precise_wait() {
        for exact in [None, Some(Duration::ZERO), Some(Duration::from_millis(250))] {
            assert_eq!(sub_millisecond(exact), None, "{exact:?}");
        }
        for d in [
            Duration::from_nanos(1),
            Duration::from_micros(1_500),
            Duration::MAX,
        ] {
            assert_eq!(sub_millisecond(Some(d)), Some(d));
        }
        let ts = timespec(Duration::from_micros(1_500));
        assert_eq!((ts.tv_sec, ts.tv_nsec), (0, 1_500_000));
        let ts = timespec(Duration::new(3, 1));
        assert_eq!((ts.tv_sec, ts.tv_nsec), (3, 1));
        let ts = timespec(Duration::MAX);
        assert_eq!((ts.tv_sec, ts.tv_nsec), (libc::time_t::MAX, 999_999_999));
    }

    #[test]
    fn huge_timeouts_clamp() {
        assert_eq!(timeout_ms(Some(Duration::MAX)), libc::c_int::MAX);
        let (s, _) = split_timeout(Duration::MAX);
        assert_eq!(s, libc::time_t::MAX);
    }
}
