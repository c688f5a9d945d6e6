//! The speculation gate: what the core knows of each direction's readiness, and when it may
//! skip a syscall.
//!
//! A failed speculative attempt costs a wasted syscall; a successful one skips the poller. So each
//! lane keeps a [`Knowledge`]: a direction that said WouldBlock (or was drained by a short
//! transfer the core trusts) is `NotReady` until the next edge, and a new op there parks at once;
//! anything else is attempted. Three pure functions hold the whole rule:
//!
//! - [`knowledge_after`]: what a finished attempt teaches;
//! - [`gated`]: whether a new op parks without a syscall;
//! - [`trusted`]: whether a reported short transfer may be believed (H19).
//!
//! The reactor calls them at the matching transitions (`reactor.rs`); nothing else writes a
//! lane's knowledge but an edge, which makes it `Ready`.

use crate::op::{Interruption, Outcome};
use crate::{Direction, Readiness};

/// What the core knows about one direction's readiness: the gate for speculation.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Knowledge {
    /// Nothing known (fresh, or the last attempt finished): attempt.
    Unknown,
    /// An edge arrived since the last attempt: attempt.
    Ready,
    /// The last attempt said WouldBlock, or drained the direction ([`Outcome::Drained`]), and no
    /// edge came since: park without a syscall.
    NotReady,
}

/// What a finished attempt teaches about its direction's readiness.
///
/// `during` is the lane's knowledge while the attempt ran: it is reset to `Unknown` when an
/// attempt starts, so it is `Ready` exactly when an edge arrived during the attempt, and such an
/// edge wins over anything the attempt suggested. A WouldBlock for a cancelled attempt teaches
/// nothing: the caller may resolve a cancelled attempt without making the syscall, so it is no
/// evidence, and believing it would hide an edge a dispatch already consumed (the next op would
/// park forever).
pub(crate) const fn knowledge_after(
    outcome: Outcome,
    interruption: Interruption,
    during: Knowledge,
) -> Knowledge {
    match (during, interruption, outcome) {
        (Knowledge::Ready, _, _) => Knowledge::Ready,
        (_, Interruption::Cancel, Outcome::WouldBlock) => Knowledge::Unknown,
        (_, _, Outcome::WouldBlock | Outcome::Drained) => Knowledge::NotReady,
        (_, _, Outcome::Done) => Knowledge::Unknown,
    }
}

/// True when a new op in `dir` should park without a syscall. A direction whose closed or error
/// bit is in `last` (the last event's readiness with the sticky bits) is never gated: its
/// syscall returns at once (EOF, EPIPE, the error), and an edge-triggered backend will not say
/// so twice.
pub(crate) const fn gated(knowledge: Knowledge, last: Readiness, dir: Direction) -> bool {
    matches!(knowledge, Knowledge::NotReady) && !last.intersects(Readiness::unblocks(dir))
}

/// `outcome` as the gate may believe it (H19). The caller reports [`Outcome::Drained`] for a
/// short transfer it made under its own rules (the std adapter's are in `transfer.rs`); the
/// core then trusts it only while the last event carried none of these bits:
///
/// - a closed or error bit of `dir`: data and EOF often arrive in one edge, and the next
///   syscall returns at once;
/// - for reads, `PRIORITY`: TCP stops a read short at the urgent mark with in-band bytes still
///   queued behind it, and the edge announcing them has been consumed already.
///
/// An untrusted short transfer counts as `Done`: the next op attempts its syscall, so a wrong
/// "drained" costs at most that one syscall (a `WouldBlock` that re-arms the gate), never a hang.
pub(crate) const fn trusted(last: Readiness, dir: Direction, outcome: Outcome) -> Outcome {
    let distrust = match dir {
        Direction::Read => Readiness::unblocks(dir).union(Readiness::PRIORITY),
        Direction::Write => Readiness::unblocks(dir),
    };
    match outcome {
        Outcome::Drained if last.intersects(distrust) => Outcome::Done,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knowledge_after_each_outcome() {
        use Interruption as I;
        use Knowledge as K;
        let quiet = K::Unknown; // no edge during the attempt
        assert_eq!(knowledge_after(Outcome::Done, I::None, quiet), K::Unknown);
        assert_eq!(
            knowledge_after(Outcome::Drained, I::None, quiet),
            K::NotReady
        );
        assert_eq!(
            knowledge_after(Outcome::WouldBlock, I::None, quiet),
            K::NotReady
        );
        assert_eq!(
            knowledge_after(Outcome::Drained, I::Cancel, quiet),
            K::NotReady
        );
        assert_eq!(
            knowledge_after(Outcome::WouldBlock, I::Cancel, quiet),
            K::Unknown,
            "a cancelled attempt's WouldBlock is no evidence"
        );
        for i in [I::None, I::Edge, I::Cancel] {
            for outcome in [Outcome::Done, Outcome::Drained, Outcome::WouldBlock] {
                assert_eq!(
                    knowledge_after(outcome, i, K::Ready),
                    K::Ready,
                    "an edge wins"
                );
            }
        }
    }

    #[test]
    fn gated_only_when_not_ready_and_not_closed() {
        let quiet = Readiness::EMPTY;
        assert!(gated(Knowledge::NotReady, quiet, Direction::Read));
        assert!(!gated(Knowledge::Unknown, quiet, Direction::Read));
        assert!(!gated(Knowledge::Ready, quiet, Direction::Read));
        assert!(!gated(
            Knowledge::NotReady,
            Readiness::READ_CLOSED,
            Direction::Read
        ));
        assert!(gated(
            Knowledge::NotReady,
            Readiness::READ_CLOSED,
            Direction::Write
        ));
        assert!(!gated(
            Knowledge::NotReady,
            Readiness::ERROR,
            Direction::Write
        ));
    }

    #[test]
    fn h19_trusted_drops_drained_under_priority_or_closed_bits() {
        let d = Outcome::Drained;
        assert_eq!(trusted(Readiness::READABLE, Direction::Read, d), d);
        assert_eq!(
            trusted(Readiness::PRIORITY, Direction::Read, d),
            Outcome::Done
        );
        assert_eq!(trusted(Readiness::PRIORITY, Direction::Write, d), d);
        assert_eq!(
            trusted(Readiness::WRITE_CLOSED, Direction::Write, d),
            Outcome::Done
        );
        assert_eq!(
            trusted(Readiness::ERROR, Direction::Read, Outcome::WouldBlock),
            Outcome::WouldBlock
        );
    }
}
