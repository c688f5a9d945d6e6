//! The settings of one loop: every [`crate::Builder`] setting but `worker_threads`. The builder
//! holds one, each loop (`event_loop.rs`) is built from a copy of it (a worker thread takes its
//! own: it is `Copy`), and the driver reads its part of it. One list of fields, so a new setting
//! is added in one place.

use std::time::Duration;

use rill_os::Backend;

/// How many descriptors a loop's tables (the core's slots, the driver's entries and fds, poll's
/// `pollfd` table) hold before they first grow.
pub(crate) const INITIAL_IO: usize = 64;

/// The one growth rule of those tables: double, from at least [`INITIAL_IO`], never past
/// `max_io` (`Builder::max_io`).
pub(crate) fn grown_io(capacity: usize, max_io: usize) -> usize {
    capacity.saturating_mul(2).max(INITIAL_IO).min(max_io)
}

/// The settings of one loop.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LoopConfig {
    /// The OS poller.
    pub(crate) backend: Backend,
    /// Inline completions per direction before results go through the ready queue.
    pub(crate) inline_budget: u32,
    /// The most descriptors registered at once (the tables grow up to it).
    pub(crate) max_io: usize,
    /// OS events taken per wait.
    pub(crate) events: usize,
    /// Initial room in the timer heap.
    pub(crate) timers: usize,
    /// Initial room in the task table.
    pub(crate) tasks: usize,
    /// The test clock (`Builder::start_paused`).
    pub(crate) paused: bool,
    /// `Builder::busy_poll`: how long a read right after a write spins before parking.
    pub(crate) busy_poll: Option<Duration>,
    /// `Builder::yield_before_block` (off by default): probe, yield the thread, then block
    /// (the core scheduler's rule 7).
    pub(crate) yield_before_block: bool,
}

impl LoopConfig {
    /// The defaults of `Builder::new`.
    pub(crate) fn new() -> LoopConfig {
        LoopConfig {
            backend: Backend::platform_default(),
            inline_budget: 2,
            max_io: 16384,
            // Rule 8 of the core scheduler: fewer per wait than the loop runs between polls.
            events: rill_core::scheduler::DEFAULT_EVENTS_PER_POLL as usize,
            timers: 256,
            tasks: 64,
            paused: false,
            busy_poll: None,
            yield_before_block: false,
        }
    }
}
