//! Cancel versus complete: one atomic claim per op, so exactly one outcome wins.
//!
//! An op can be finished from several places at once: the worker that ran it after readiness
//! (completion), another thread cancelling it, and a close of its descriptor (abort). Each of
//! them calls [`Claim::try_claim`] naming itself ([`Claimant`]) before delivering anything; the one that
//! moves the claim out of "pending" delivers the op's only completion, the others get
//! [`ClaimAction::Lost`] and drop their result (hazard H2). A worker about to start the syscall
//! checks [`Claim::winner`] first, so an op cancelled before it started performs no I/O (H3).
//!
//! Ordering: a winning claim is a release, and reading the claim acquires, so whatever the winner
//! wrote before claiming (the result, the bytes read) is visible to a thread that sees it won.

use super::atomic::{AtomicU8, Ordering};

const PENDING: u8 = 0;

/// The three parties that can race to finish an op; the winner names how it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Claimant {
    /// The worker that ran the op (success or an I/O error): the op completes with its result.
    Completion = 1,
    /// The op's owner: the op completes as cancelled.
    Cancel = 2,
    /// The close of the op's descriptor: the op completes as aborted.
    Abort = 3,
}

impl Claimant {
    fn from_bits(bits: u8) -> Option<Claimant> {
        match bits {
            1 => Some(Claimant::Completion),
            2 => Some(Claimant::Cancel),
            3 => Some(Claimant::Abort),
            _ => None,
        }
    }
}

/// The result of [`Claim::try_claim`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum ClaimAction {
    /// This caller won: it delivers the op's one completion.
    Won,
    /// This party already finished the op: deliver nothing.
    Lost(Claimant),
}

/// The claim word of one op: pending until exactly one [`Claimant`] wins.
#[derive(Debug)]
pub struct Claim {
    state: AtomicU8,
}

impl Claim {
    /// A pending claim (a new op).
    pub fn new() -> Claim {
        Claim {
            state: AtomicU8::new(PENDING),
        }
    }

    /// `who` tries to finish the op. Exactly one call per op returns
    /// [`ClaimAction::Won`].
    pub fn try_claim(&self, who: Claimant) -> ClaimAction {
        match self
            .state
            .compare_exchange(PENDING, who as u8, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => ClaimAction::Won,
            // The word only ever holds PENDING or a claimant's bits, so this never falls back.
            Err(bits) => ClaimAction::Lost(Claimant::from_bits(bits).unwrap_or(who)),
        }
    }

    /// Who won, or `None` while the op is pending.
    pub fn winner(&self) -> Option<Claimant> {
        Claimant::from_bits(self.state.load(Ordering::Acquire))
    }
}

impl Default for Claim {
    fn default() -> Claim {
        Claim::new()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn pending_claim_wins_once() {
        let c = Claim::new();
        assert_eq!(c.winner(), None);
        assert_eq!(c.try_claim(Claimant::Completion), ClaimAction::Won);
        assert_eq!(c.winner(), Some(Claimant::Completion));
    }

    #[test]
    fn completed_cancel_loses() {
        let c = Claim::new();
        assert_eq!(c.try_claim(Claimant::Completion), ClaimAction::Won);
        assert_eq!(
            c.try_claim(Claimant::Cancel),
            ClaimAction::Lost(Claimant::Completion)
        );
        assert_eq!(
            c.try_claim(Claimant::Abort),
            ClaimAction::Lost(Claimant::Completion)
        );
    }

    #[test]
    fn cancelled_completion_and_abort_lose() {
        let c = Claim::new();
        assert_eq!(c.try_claim(Claimant::Cancel), ClaimAction::Won);
        assert_eq!(
            c.try_claim(Claimant::Completion),
            ClaimAction::Lost(Claimant::Cancel)
        );
        assert_eq!(
            c.try_claim(Claimant::Abort),
            ClaimAction::Lost(Claimant::Cancel)
        );
        assert_eq!(c.winner(), Some(Claimant::Cancel));
    }

    #[test]
    fn aborted_then_cancel_loses() {
        let c = Claim::new();
        assert_eq!(c.try_claim(Claimant::Abort), ClaimAction::Won);
        assert_eq!(
            c.try_claim(Claimant::Cancel),
            ClaimAction::Lost(Claimant::Abort)
        );
    }
}
