//! The coalesced wake / interrupt signal between other threads and the thread polling the OS.
//!
//! One [`Signal`] per poller. Other threads call [`Signal::notify`] after making work visible
//! (posting a handler, adding a nearer timer); the poller calls [`Signal::prepare_to_block`]
//! right before a blocking OS wait and [`Signal::finish_block`] right after it. The state is one
//! atomic byte with four states:
//!
//! | state | meaning | `notify()` | `prepare_to_block()` |
//! |---|---|---|---|
//! | awake | the poller runs and will look for work before blocking | → notified, coalesced | → blocking, [`BlockAction::Block`] |
//! | notified | a notify arrived while awake | coalesced | → awake, [`BlockAction::DontBlock`] |
//! | blocking | the poller is (about to be) in the OS wait | → interrupted, [`NotifyAction::Interrupt`] | (not called) |
//! | interrupted | the OS wait was interrupted once already | coalesced | (not called) |
//!
//! So any number of notifies between two waits cost at most one interrupt (one `eventfd` write,
//! one `EVFILT_USER` trigger, one pipe byte: hazard H11), and a notify racing the poller's decision
//! to block is never lost: either it lands first and the poller does not block, or the poller
//! committed first and the notifier is told to interrupt. The OS call itself is the caller's:
//! the core stays sans-io.
//!
//! Ordering: `notify` is a release operation and `prepare_to_block` / `finish_block` acquire, so
//! whatever a notifier wrote before `notify()` is visible to the poller once it sees the notify.

use super::atomic::{AtomicU8, Ordering};

const AWAKE: u8 = 0;
const NOTIFIED: u8 = 1;
const BLOCKING: u8 = 2;
const INTERRUPTED: u8 = 3;

/// The poller's wake / interrupt state (see the module docs for the table).
#[derive(Debug)]
pub struct Signal {
    state: AtomicU8,
}

/// What a notifier does after [`Signal::notify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum NotifyAction {
    /// The poller is blocked (or committed to block) in the OS: fire the OS waker once.
    Interrupt,
    /// The poller is awake or already interrupted and will see the work: do nothing.
    Coalesced,
}

/// What the poller does after [`Signal::prepare_to_block`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum BlockAction {
    /// Nothing pending: block in the OS wait; a notify from now on interrupts it.
    Block,
    /// A notify arrived since the poller last looked: poll without blocking and look for work.
    DontBlock,
}

/// Why the OS wait ended, from [`Signal::finish_block`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum WakeReason {
    /// A notifier fired the OS waker during this wait: drain / re-arm it if the mechanism needs
    /// that (a level-triggered pipe or eventfd), and look for work.
    Interrupted,
    /// No notify arrived during the wait (events, a timeout, or a spurious return).
    Other,
    /// `finish_block` was called without a matching `prepare_to_block` returning
    /// [`BlockAction::Block`] (a caller bug); the state is left awake.
    NotBlocking,
}

impl Signal {
    /// A signal with the poller awake and nothing pending.
    pub fn new() -> Signal {
        Signal {
            state: AtomicU8::new(AWAKE),
        }
    }

    /// Any thread, after making work visible: wake the poller, coalescing with other notifies.
    #[inline]
    pub fn notify(&self) -> NotifyAction {
        let mut current = self.state.load(Ordering::Relaxed);
        loop {
            let next = match current {
                AWAKE => NOTIFIED,
                BLOCKING => INTERRUPTED,
                // NOTIFIED, INTERRUPTED: still publish our writes with a release RMW.
                other => other,
            };
            match self.state.compare_exchange_weak(
                current,
                next,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(BLOCKING) => return NotifyAction::Interrupt,
                Ok(_) => return NotifyAction::Coalesced,
                Err(actual) => current = actual,
            }
        }
    }

    /// Poller, before a blocking OS wait: consume a pending notify, or commit to blocking.
    #[inline]
    pub fn prepare_to_block(&self) -> BlockAction {
        let mut current = self.state.load(Ordering::Relaxed);
        loop {
            // Consuming a notify must be one RMW: a notify coalescing onto "notified" between a
            // load and a separate store would be consumed without its writes being acquired.
            let (next, action) = match current {
                AWAKE => (BLOCKING, BlockAction::Block),
                // Notified; or a caller bug left it blocking / interrupted: don't sleep.
                _ => (AWAKE, BlockAction::DontBlock),
            };
            match self.state.compare_exchange_weak(
                current,
                next,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return action,
                Err(actual) => current = actual,
            }
        }
    }

    /// Poller, after the OS wait returned: back to awake, reporting whether the OS waker fired.
    #[inline]
    pub fn finish_block(&self) -> WakeReason {
        match self.state.swap(AWAKE, Ordering::AcqRel) {
            INTERRUPTED => WakeReason::Interrupted,
            BLOCKING => WakeReason::Other,
            _ => WakeReason::NotBlocking,
        }
    }
}

impl Default for Signal {
    fn default() -> Signal {
        Signal::new()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn awake_prepare_blocks() {
        let s = Signal::new();
        assert_eq!(s.prepare_to_block(), BlockAction::Block);
        assert_eq!(s.finish_block(), WakeReason::Other);
    }

    #[test]
    fn awake_notifies_coalesce_and_skip_one_block() {
        let s = Signal::new();
        assert_eq!(s.notify(), NotifyAction::Coalesced);
        assert_eq!(s.notify(), NotifyAction::Coalesced);
        assert_eq!(s.prepare_to_block(), BlockAction::DontBlock);
        // The notify was consumed: the next wait blocks.
        assert_eq!(s.prepare_to_block(), BlockAction::Block);
    }

    #[test]
    fn blocking_notifies_interrupt_once() {
        let s = Signal::new();
        assert_eq!(s.prepare_to_block(), BlockAction::Block);
        assert_eq!(s.notify(), NotifyAction::Interrupt);
        assert_eq!(s.notify(), NotifyAction::Coalesced);
        assert_eq!(s.notify(), NotifyAction::Coalesced);
        assert_eq!(s.finish_block(), WakeReason::Interrupted);
        // Awake again: a new notify coalesces, a new block can be interrupted again.
        assert_eq!(s.prepare_to_block(), BlockAction::Block);
        assert_eq!(s.notify(), NotifyAction::Interrupt);
    }

    #[test]
    fn awake_finish_without_block_is_reported() {
        let s = Signal::new();
        assert_eq!(s.finish_block(), WakeReason::NotBlocking);
        assert_eq!(s.prepare_to_block(), BlockAction::Block);
    }
}
