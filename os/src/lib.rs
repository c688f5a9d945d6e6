//! # rill-os: thin OS shims for the rill reactor
//!
//! Each backend owns one kernel object, registers descriptors under core [`Token`]s, waits, and
//! translates what the kernel reports into core [`Event`]s. Nothing more: no policy, no
//! op state, no allocation on the wait path. `#![no_std]`; the only dependency is `libc`. The
//! `std` feature adds one thing: [`UnknownBackend`] converts into `std::io::Error`.
//!
//! | backend | file | platforms | style | waker |
//! |---|---|---|---|---|
//! | `Epoll` | `epoll.rs` | Linux, Android | edge-triggered | eventfd |
//! | [`Kqueue`](mod@kqueue) | `kqueue.rs` | macOS, iOS, the BSDs | edge-triggered (`EV_CLEAR`) | `EVFILT_USER`, or a pipe |
//! | [`Select`] | `select.rs` | any Unix | level-triggered, interest-driven | pipe |
//! | [`Poll`] | `poll.rs` | any Unix | level-triggered, interest-driven | pipe |
//!
//! [`Selector`] picks one at run time; [`Backend::platform_default`] is epoll on Linux and
//! Android, kqueue on macOS, iOS and the BSDs, poll elsewhere.
//!
//! ## The backend contract
//!
//! Every backend offers the same operations with the same meaning:
//!
//! - **`new`**: creates the kernel object close-on-exec, with its waker.
//! - **`register(fd, token, interest)`**: starts watching `fd`; its events carry `token`.
//!   Registering a descriptor that is already registered fails with
//!   [`Error::AlreadyRegistered`] on every backend (H14). Closing a descriptor without
//!   deregistering leaves nothing a reused number could trip over: the next registration of that
//!   number succeeds, and the old token is never reported for the new file (H4, H14).
//! - **`reregister(fd, token, interest)`**: changes the token or the interest;
//!   [`Error::NotRegistered`] if `fd` is unknown.
//! - **`deregister(fd)`**: stops watching; [`Error::NotRegistered`] if unknown. Deregister
//!   *before* closing the descriptor.
//! - **`wait_with(max, timeout, emit)`**: blocks until at least one event, a wake, a signal or
//!   the timeout, hands at most `max` events to `emit` as it translates them and returns a
//!   [`Wait`]. [`Selector::wait`] is that wait into a caller's buffer, on any backend;
//!   [`Selector::wait_native`] hands the events of the platform's own backend straight to the
//!   caller's handler (a runtime feeds each to the core there). Allocates nothing. A signal
//!   (`EINTR`) is an empty `Wait`, never an error.
//!   Timeouts below the backend's resolution round **up**, so a short wait never becomes a busy
//!   poll. Events can be spurious and one wait may report a descriptor twice (kqueue reports
//!   each filter separately): the core merges them.
//! - **`waker()`**: a [`Waker`], `Send + Sync`, which makes the current or next `wait` return
//!   with [`Wait::woken`] set. Coalesced, never lost, drained by `wait` (H11).
//! - **Timers**: the `wait` timeout. The core computes it (`next_timeout`); no backend arms a
//!   kernel timer per wait.
//!
//! ### Edge-triggered vs level-triggered backends
//!
//! epoll and kqueue are registered once with [`Interest::BOTH`] and never touched again: a
//! direction nobody waits for costs nothing. select and poll report *levels*, so the runtime
//! must keep each registration's interest equal to the directions that have a parked op (the
//! core's `interest(token)`), calling `reregister` when it changes; a descriptor is polled only
//! in the wanted directions, so unread data with no parked reader, or a hang-up nobody waits on,
//! does not wake the loop (H7, H9). [`Backend::is_level_triggered`] tells which.
//!
//! ### Translations
//!
//! Each backend's translation is a pure `const fn` from raw integers to [`Readiness`], with its
//! table in its doc comment: `epoll::readiness_from_epoll` (Linux, Android),
//! [`readiness_from_kqueue`](kqueue::readiness_from_kqueue),
//! [`readiness_from_select`](select::readiness_from_select),
//! [`readiness_from_poll`](poll::readiness_from_poll). None reports a false close: a half-close
//! (`EPOLLRDHUP`, `EV_EOF` on the read filter, the peer's `shutdown(SHUT_WR)`) is read-closed
//! only (H6); urgent data is `PRIORITY`, never an error (H10).
#![no_std]
#![cfg_attr(
    not(test),
    deny(clippy::panic, clippy::unwrap_used, clippy::expect_used)
)]
#![deny(clippy::undocumented_unsafe_blocks)]

// Only for `From<UnknownBackend> for std::io::Error`; nothing else in the crate uses std.
#[cfg(feature = "std")]
extern crate std;

mod backend;
#[cfg(any(target_os = "linux", target_os = "android"))]
pub mod epoll;
mod error;
pub mod kqueue;
pub mod poll;
pub mod select;
mod sys;
mod waker;

use core::time::Duration;

use rill_core::{Event, Interest, Readiness, Token};

pub use backend::{Backend, UnknownBackend};
#[cfg(any(target_os = "linux", target_os = "android"))]
pub use epoll::Epoll;
pub use error::Error;
#[cfg(rill_kqueue)]
pub use kqueue::Kqueue;
pub use poll::{Poll, PollFd, PollSlot, PollStorage};
pub use select::Select;
pub use sys::{timeout_ms, Errno, RawFd};
pub use waker::Waker;

/// What one `wait` did.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
#[must_use]
pub struct Wait {
    /// How many events were handed over (for [`Selector::wait`], written to the front of the
    /// caller's buffer).
    pub events: usize,
    /// A [`Waker`] fired since the previous wait (and has been reset).
    pub woken: bool,
    /// The wait had no room for all it found: it took as many entries as it could (`max`, or
    /// the backend's own buffer when that is smaller: epoll's and kqueue's `RAW_EVENTS`), so
    /// the OS may hold readiness it has not handed over yet, for the next wait. poll and select
    /// set it only when a ready descriptor was left unreported; epoll and kqueue whenever the
    /// kernel filled their buffer.
    pub full: bool,
}

impl Wait {
    /// No event, no wake: a timeout or a signal.
    pub const NOTHING: Wait = Wait {
        events: 0,
        woken: false,
        full: false,
    };
}

/// One backend chosen at run time. `S` is the poll backend's storage; pass `()` when the
/// backend will not be poll, or a pair of `Vec`s / arrays (see [`PollStorage`]).
///
/// ```
/// use rill_os::{Backend, Selector, Wait};
/// use core::time::Duration;
///
/// let mut sel = Selector::new(Backend::platform_default(), ()).unwrap();
/// let waker = sel.waker().unwrap();
/// waker.wake().unwrap();
/// let mut events = [rill_core::Event::new(rill_core::Token::from_u64(0), rill_core::Readiness::EMPTY); 8];
/// let wait = sel.wait(&mut events, Some(Duration::from_secs(5))).unwrap();
/// assert_eq!(wait, Wait { events: 0, woken: true, full: false });
/// ```
// Select's fixed table makes its variant large; without alloc it cannot be boxed here. A std
// runtime that minds can box the whole selector.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Selector<S: PollStorage = ()> {
    /// epoll.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    Epoll(Epoll),
    /// kqueue.
    #[cfg(rill_kqueue)]
    Kqueue(Kqueue),
    /// select. Large (a fixed `FD_SETSIZE` table); box the selector if that matters.
    Select(Select),
    /// poll over caller storage.
    Poll(Poll<S>),
}

/// Runs `$body` with `$b` bound to whichever backend `$sel` holds.
macro_rules! each {
    ($sel:expr, $b:ident => $body:expr) => {
        match $sel {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Selector::Epoll($b) => $body,
            #[cfg(rill_kqueue)]
            Selector::Kqueue($b) => $body,
            Selector::Select($b) => $body,
            Selector::Poll($b) => $body,
        }
    };
}

impl<S: PollStorage> Selector<S> {
    /// Creates `backend`. `storage` is used by poll only (other backends drop it).
    /// [`Error::Unsupported`] if the backend does not exist here.
    pub fn new(backend: Backend, storage: S) -> Result<Selector<S>, Error> {
        match backend {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Backend::Epoll => Ok(Selector::Epoll(Epoll::new()?)),
            #[cfg(rill_kqueue)]
            Backend::Kqueue => Ok(Selector::Kqueue(Kqueue::new()?)),
            Backend::Select => Ok(Selector::Select(Select::new()?)),
            Backend::Poll => Ok(Selector::Poll(Poll::new(storage)?)),
            #[allow(unreachable_patterns)]
            _ => Err(Error::Unsupported),
        }
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        match self {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Selector::Epoll(_) => Backend::Epoll,
            #[cfg(rill_kqueue)]
            Selector::Kqueue(_) => Backend::Kqueue,
            Selector::Select(_) => Backend::Select,
            Selector::Poll(_) => Backend::Poll,
        }
    }

    /// A [`Waker`] for this selector, usable from any thread.
    pub fn waker(&self) -> Result<Waker, Error> {
        each!(self, b => b.waker())
    }

    /// Starts watching `fd`; its events carry `token`. See the crate docs for the contract.
    pub fn register(&mut self, fd: RawFd, token: Token, interest: Interest) -> Result<(), Error> {
        each!(self, b => b.register(fd, token, interest))
    }

    /// Changes `fd`'s token or interest.
    pub fn reregister(&mut self, fd: RawFd, token: Token, interest: Interest) -> Result<(), Error> {
        each!(self, b => b.reregister(fd, token, interest))
    }

    /// Stops watching `fd`.
    pub fn deregister(&mut self, fd: RawFd) -> Result<(), Error> {
        each!(self, b => b.deregister(fd))
    }

    /// Waits for events, a wake, a signal or the timeout, writing at most `events.len()` events
    /// to the front of `events`. See the crate docs for the contract.
    #[inline]
    pub fn wait(&mut self, events: &mut [Event], timeout: Option<Duration>) -> Result<Wait, Error> {
        let (max, mut n) = (events.len(), 0);
        let mut store = |event| {
            events[n] = event;
            n += 1;
        };
        each!(self, b => b.wait_with(max, timeout, &mut store))
    }

    /// The platform's own backend ([`Backend::platform_default`]: epoll, kqueue) waits like
    /// [`Selector::wait`] but hands each event to `emit` as it translates it (at most `max`),
    /// with no buffer in between: `Some` with what the wait did. Any other backend does not
    /// wait and returns `None`; use [`Selector::wait`] for it. (Handing `emit` to every backend
    /// made the caller keep it in memory for all of them, which cost the default backend's loop
    /// turn more than the buffer does.)
    #[inline]
    pub fn wait_native(
        &mut self,
        max: usize,
        timeout: Option<Duration>,
        emit: impl FnMut(Event),
    ) -> Option<Result<Wait, Error>> {
        match self {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Selector::Epoll(b) => Some(b.wait_with(max, timeout, emit)),
            #[cfg(rill_kqueue)]
            Selector::Kqueue(b) => Some(b.wait_with(max, timeout, emit)),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }
}

/// An event buffer entry to fill caller buffers with before the first wait.
pub const EMPTY_EVENT: Event = Event::new(Token::from_u64(0), Readiness::EMPTY);
