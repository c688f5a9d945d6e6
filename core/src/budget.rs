//! The inline budget: how many speculative completions in a row may return straight to the caller.
//!
//! A speculative attempt that finishes is normally handed back inline: no queue, no reactor. Left
//! unchecked, a task whose socket always has data would never yield, so each direction may complete
//! inline at most `limit` times in a row (default 2, 0 disables inline completion). The count
//! resets when the embedder dispatches a handler from its scheduler queue (`Reactor::poll_ready`
//! does this itself; an embedder with its own task queue calls `Reactor::reset_budget`).
//!
//! Two ways to run out, both lossless:
//! - an attempt that finishes after the budget was spent (another op spent it while this one was in
//!   flight) has its result **deferred**: the caller keeps it and `poll_ready` hands out the
//!   completion later;
//! - a `submit` that finds the budget already spent is **queued** without a syscall: the attempt
//!   happens when `poll_ready` dispatches it. Doing the syscall first would leave finished bytes in a
//!   buffer whose owner may give up before the deferred completion arrives (a dropped future).
//!
//! **Fairness rule (H13).** The budget is counted per direction: reads spending theirs never make
//! a write wait, and the reverse. Work that runs out of budget goes to the *back* of the FIFO ready
//! queue, behind everything already runnable, so one busy direction can't starve the other.

use crate::Direction;

/// Per-direction count of consecutive inline completions.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Budget {
    limit: u8,
    used: [u8; 2],
}

impl Budget {
    /// The default: two consecutive inline completions per direction.
    pub const DEFAULT_LIMIT: u8 = 2;

    /// A budget allowing `limit` consecutive inline completions per direction.
    pub const fn new(limit: u8) -> Budget {
        Budget {
            limit,
            used: [0; 2],
        }
    }

    /// The configured limit.
    pub const fn limit(&self) -> u8 {
        self.limit
    }

    /// True when `dir` may still complete inline.
    pub const fn allows(&self, dir: Direction) -> bool {
        self.used[dir.index()] < self.limit
    }

    /// Spends one inline completion of `dir`; false (and nothing spent) when none is left.
    pub fn try_spend(&mut self, dir: Direction) -> bool {
        let allowed = self.allows(dir);
        if allowed {
            self.used[dir.index()] += 1;
        }
        allowed
    }

    /// A handler was dispatched from the scheduler queue: the run of inline completions ends.
    pub fn reset(&mut self) {
        self.used = [0; 2];
    }
}

impl Default for Budget {
    fn default() -> Budget {
        Budget::new(Self::DEFAULT_LIMIT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Direction::{Read, Write};

    #[test]
    fn default_allows_two_in_a_row() {
        let mut b = Budget::default();
        assert!(b.try_spend(Read));
        assert!(b.try_spend(Read));
        assert!(!b.try_spend(Read));
        assert!(!b.allows(Read));
    }

    #[test]
    fn zero_disables_inline_completion() {
        let mut b = Budget::new(0);
        assert!(!b.try_spend(Read));
        assert!(!b.try_spend(Write));
    }

    #[test]
    fn reset_restores_the_budget() {
        let mut b = Budget::new(1);
        assert!(b.try_spend(Write));
        assert!(!b.allows(Write));
        b.reset();
        assert!(b.allows(Write));
    }

    #[test]
    fn h13_directions_spend_separately() {
        let mut b = Budget::new(2);
        assert!(b.try_spend(Read));
        assert!(b.try_spend(Read));
        assert!(!b.allows(Read));
        assert!(
            b.try_spend(Write),
            "reads spent their budget; writes still have theirs"
        );
    }
}
