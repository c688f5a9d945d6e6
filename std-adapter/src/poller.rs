//! The OS poller as the driver sees it: a [`rill_os::Selector`] chosen at run time, its errors
//! turned into `io::Error`, and its waker shared with other threads.

use std::io;
use std::os::fd::RawFd;
use std::sync::Arc;
use std::time::Duration;

use rill_core::{Event, Interest, Token};
use rill_os::{Backend, PollFd, PollSlot, Selector, Wait};

/// Interrupts a blocked wait from any thread.
pub(crate) struct OsWaker {
    inner: Arc<rill_os::Waker>,
}

impl OsWaker {
    /// Makes the current or next wait return. A failure (which would need the waker's own
    /// descriptor to be broken) is ignored: the loop wakes on its next event or timer anyway.
    pub(crate) fn wake(&self) {
        let _ = self.inner.wake();
    }
}

/// The selector plus its event buffer.
pub(crate) struct Poller {
    selector: Box<Selector<(Vec<PollFd>, Vec<PollSlot>)>>,
    level: bool,
}

/// `rill_os::Error` → `io::Error` with a meaningful kind.
pub(crate) fn os_error(e: rill_os::Error) -> io::Error {
    use rill_os::Error as E;
    match e {
        E::Os(errno) => io::Error::from_raw_os_error(errno.raw()),
        E::AlreadyRegistered => io::Error::new(io::ErrorKind::AlreadyExists, e.to_string()),
        E::NotRegistered => io::Error::new(io::ErrorKind::NotFound, e.to_string()),
        E::FdTooLarge { .. } => io::Error::new(io::ErrorKind::InvalidInput, e.to_string()),
        E::Full { .. } => io::Error::new(io::ErrorKind::OutOfMemory, e.to_string()),
        E::Unsupported => io::Error::new(io::ErrorKind::Unsupported, e.to_string()),
        _ => io::Error::other(e.to_string()),
    }
}

impl Poller {
    /// Creates the `backend` selector (room for `max_io` descriptors with poll) and its waker.
    pub(crate) fn new(backend: Backend, max_io: usize) -> io::Result<(Poller, OsWaker)> {
        if !backend.is_available() {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!("the {backend} backend is not available on this platform"),
            ));
        }
        // The poll table keeps entry 0 for its waker.
        let storage = if backend == Backend::Poll {
            (
                vec![PollFd::EMPTY; max_io + 1],
                vec![PollSlot::EMPTY; max_io + 1],
            )
        } else {
            (Vec::new(), Vec::new())
        };
        let selector = Box::new(Selector::new(backend, storage).map_err(os_error)?);
        let waker = selector.waker().map_err(os_error)?;
        Ok((
            Poller {
                selector,
                level: backend.is_level_triggered(),
            },
            OsWaker {
                inner: Arc::new(waker),
            },
        ))
    }

    /// True for epoll / kqueue: registered once for both directions.
    pub(crate) fn edge_triggered(&self) -> bool {
        !self.level
    }

    pub(crate) fn register(&mut self, fd: RawFd, token: Token, i: Interest) -> io::Result<()> {
        self.selector.register(fd, token, i).map_err(os_error)
    }

    pub(crate) fn reregister(&mut self, fd: RawFd, token: Token, i: Interest) -> io::Result<()> {
        self.selector.reregister(fd, token, i).map_err(os_error)
    }

    pub(crate) fn deregister(&mut self, fd: RawFd) -> io::Result<()> {
        self.selector.deregister(fd).map_err(os_error)
    }

    /// Waits once, writing the events to the front of `events`: how many, and whether the
    /// wait had no room for all it found ([`Wait::full`]).
    #[inline]
    pub(crate) fn wait(
        &mut self,
        events: &mut [Event],
        timeout: Option<Duration>,
    ) -> io::Result<Wait> {
        self.selector.wait(events, timeout).map_err(os_error)
    }

    /// Waits once on the platform's own backend, handing each event to `emit` (at most `max`):
    /// what the wait did, or `None` (no wait) on another backend ([`Selector::wait_native`]).
    #[inline]
    pub(crate) fn wait_native(
        &mut self,
        max: usize,
        timeout: Option<Duration>,
        emit: impl FnMut(Event),
    ) -> Option<io::Result<Wait>> {
        let w = self.selector.wait_native(max, timeout, emit)?;
        Some(w.map_err(os_error))
    }
}
