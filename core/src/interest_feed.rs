//! The interest feed: which descriptors' watched directions changed, for level-triggered
//! backends (select, poll).
//!
//! Edge semantics on a level-triggered backend come from watching a direction only while an op
//! is parked on it (H9): [`Reactor::interest`](crate::Reactor::interest) is that set. Rather than
//! have every driver diff it after every op, the reactor (when built with
//! [`Config::interest_feed`](crate::Config)) links a descriptor into this list whenever a lane
//! enters or leaves *parked*, and [`Reactor::poll_interest`](crate::Reactor::poll_interest) hands
//! out `(token, interest)` for each descriptor whose interest differs from what it last handed
//! out. A driver pushes those to its poller before it waits, and keeps no bookkeeping of its own.
//!
//! Like the ready queue the list is intrusive (one `u32` per slot), so it needs no storage and
//! cannot overflow: a slot is linked at most once. A deregistered slot may stay linked; the pop
//! skips it (its link is reset then), and a slot reused meanwhile is handed out once with its new
//! interest.

/// End of the list.
const END: u32 = u32::MAX;
/// A slot that is not in the list.
pub(crate) const UNLINKED: u32 = u32::MAX - 1;

/// Where the list finds a slot's link.
pub(crate) trait FeedLinks {
    fn next(&mut self, index: u32) -> &mut u32;
}

/// Head and tail of the singly linked FIFO of changed slots.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct InterestFeed {
    head: u32,
    tail: u32,
}

impl InterestFeed {
    pub(crate) const fn new() -> InterestFeed {
        InterestFeed {
            head: END,
            tail: END,
        }
    }

    /// Links slot `index` at the back, unless it is linked already.
    pub(crate) fn mark(&mut self, links: &mut impl FeedLinks, index: u32) {
        if *links.next(index) != UNLINKED {
            return;
        }
        *links.next(index) = END;
        match self.tail {
            END => self.head = index,
            tail => *links.next(tail) = index,
        }
        self.tail = index;
    }

    /// Unlinks and returns the oldest slot.
    pub(crate) fn pop(&mut self, links: &mut impl FeedLinks) -> Option<u32> {
        let index = self.head;
        if index == END {
            return None;
        }
        let next = core::mem::replace(links.next(index), UNLINKED);
        self.head = next;
        if next == END {
            self.tail = END;
        }
        Some(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Links([u32; 4]);
    impl FeedLinks for Links {
        fn next(&mut self, index: u32) -> &mut u32 {
            &mut self.0[index as usize]
        }
    }

    #[test]
    fn fifo_each_slot_once() {
        let mut l = Links([UNLINKED; 4]);
        let mut f = InterestFeed::new();
        f.mark(&mut l, 2);
        f.mark(&mut l, 0);
        f.mark(&mut l, 2);
        assert_eq!(f.pop(&mut l), Some(2));
        f.mark(&mut l, 2);
        assert_eq!(f.pop(&mut l), Some(0));
        assert_eq!(f.pop(&mut l), Some(2));
        assert_eq!(f.pop(&mut l), None);
        assert_eq!(l.0, [UNLINKED; 4]);
    }
}
