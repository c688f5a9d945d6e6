//! The OS poller as the driver sees it: a [`rill_os::Selector`] chosen at run time, its errors
//! turned into `io::Error`, and its waker shared with other threads.

use std::io;
use std::os::fd::RawFd;
use std::sync::Arc;
use std::time::Duration;

use rill_core::{Event, Interest, Token};
use rill_os::{Backend, PollFd, PollSlot, PollStorage, Selector, Wait};

use crate::loop_config::{grown_io, INITIAL_IO};

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
    selector: Box<Selector<PollTable>>,
    level: bool,
}

/// The poll backend's table: room for the waker's entry and as many descriptors as the driver's
/// tables, growing by the same rule ([`grown_io`]: from [`INITIAL_IO`], doubling, up to
/// `max_io`). (The other backends keep no table here: it stays empty.)
pub(crate) struct PollTable {
    fds: Vec<PollFd>,
    slots: Vec<PollSlot>,
    max_io: usize,
}

impl PollTable {
    /// A table for up to `max_io` descriptors (and the waker's entry).
    fn new(max_io: usize) -> PollTable {
        let len = INITIAL_IO.min(max_io) + 1;
        PollTable {
            fds: vec![PollFd::EMPTY; len],
            slots: vec![PollSlot::EMPTY; len],
            max_io,
        }
    }

    /// No table (epoll, kqueue, select).
    fn none() -> PollTable {
        PollTable {
            fds: Vec::new(),
            slots: Vec::new(),
            max_io: 0,
        }
    }

    /// Descriptors it has room for (the waker's entry aside).
    fn capacity(&self) -> usize {
        self.fds.len().saturating_sub(1)
    }
}

impl PollStorage for PollTable {
    fn split(&mut self) -> (&mut [PollFd], &mut [PollSlot]) {
        (&mut self.fds, &mut self.slots)
    }

    fn grow_to(&mut self, len: usize) -> bool {
        let mut capacity = self.capacity();
        while capacity + 1 < len && capacity < self.max_io {
            capacity = grown_io(capacity, self.max_io);
        }
        if capacity + 1 < len {
            return false;
        }
        self.fds.resize(capacity + 1, PollFd::EMPTY);
        self.slots.resize(capacity + 1, PollSlot::EMPTY);
        true
    }
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
            PollTable::new(max_io)
        } else {
            PollTable::none()
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The poll table starts at `INITIAL_IO` descriptors whatever `max_io` allows, doubles when
    /// asked, and never passes `max_io` (plus the waker's entry).
    #[test]
    fn the_poll_table_starts_small_and_grows_to_max_io() {
        let mut t = PollTable::new(20_000);
        assert_eq!(t.fds.len(), INITIAL_IO + 1);
        assert!(t.grow_to(INITIAL_IO + 2));
        assert_eq!(
            t.capacity(),
            2 * INITIAL_IO,
            "doubled, as the driver's tables do"
        );
        assert_eq!(t.slots.len(), t.fds.len());
        assert!(t.grow_to(20_001));
        assert_eq!(t.fds.len(), 20_001);
        assert!(!t.grow_to(20_002), "no room past max_io");
        let small = PollTable::new(10);
        assert_eq!(
            small.fds.len(),
            11,
            "a max_io below INITIAL_IO is the whole table"
        );
    }

    /// A poll runtime registers past the initial table, and every descriptor still works.
    #[test]
    fn a_poll_runtime_registers_past_its_initial_table() {
        let rt = crate::Runtime::builder()
            .backend(Backend::Poll)
            .max_io(300)
            .build()
            .unwrap();
        let pairs = 2 * INITIAL_IO;
        let echoed = rt.block_on(async move {
            let mut streams = Vec::new();
            for _ in 0..pairs {
                streams.push(crate::UnixStream::pair()?);
            }
            let mut echoed = 0;
            for (a, b) in &streams {
                a.write_all(b"x").await?;
                let mut buf = [0u8; 1];
                b.read_exact(&mut buf).await?;
                echoed += usize::from(buf == *b"x");
            }
            std::io::Result::Ok(echoed)
        });
        assert_eq!(echoed.unwrap(), pairs);
    }
}
