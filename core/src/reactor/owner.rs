//! The owner's fast path: one call that runs a whole op attempt.
//!
//! [`Reactor::resume`] and [`Reactor::finish_attempt`] split an attempt in two so that an owner
//! may perform its syscall anywhere (another thread, after `start`). An owner that performs it
//! right away, inside the same call, passes it as a closure to [`Reactor::perform`] instead: one
//! slot lookup, one call, and the same transitions through the one lifecycle table, in the same
//! order (`submit` or the grant, the syscall, `finish`, retries). Nothing can reach the reactor
//! between them (the reactor is borrowed for the whole call), so an op performed here is never
//! cancelled or aborted mid-way: it ends with the syscall's result, or it waits.

use super::{step, submit_step, Reactor};
use crate::descriptor::Slot;
use crate::error::SubmitError;
use crate::gate::{gated, trusted};
use crate::op::{CompletionKind, Effect, Input, OpId, OpState, Outcome};
use crate::{Direction, Token};

/// What [`Reactor::perform`] did.
#[must_use]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Performed<R> {
    /// The syscall finished and the op is over: here is its result (completed inline, or, with
    /// the inline budget spent, its completion deferred to the ready queue: the lane stays busy
    /// until [`Reactor::poll_ready`] hands that completion out).
    Done(R),
    /// The op waits (parked for an edge, queued for the budget, or a previous op's deferred
    /// completion still holds the lane): keep the waker, and `OpId` to cancel it.
    Wait(OpId),
}

impl<S: AsRef<[Slot]> + AsMut<[Slot]>> Reactor<S> {
    /// Runs one op attempt in `dir` of `token` for its owner: like [`Reactor::resume`], then,
    /// when that says attempt, `io()` (the syscall, returning its [`Outcome`] and the result to
    /// hand back) and [`Reactor::finish_attempt`], repeated while the core says retry. `io` is
    /// called only when the core grants an attempt, so a parked, queued or deferred op does no
    /// I/O; the result of a WouldBlock attempt is dropped.
    #[inline]
    pub fn perform<R>(
        &mut self,
        token: Token,
        dir: Direction,
        io: impl FnMut() -> (Outcome, R),
    ) -> Result<Performed<R>, SubmitError> {
        self.perform_with(token, dir, true, io)
    }

    /// [`Reactor::perform`] for an owner about to poll the direction itself: a new op is
    /// attempted even when the speculation gate knows the direction is not ready (a short
    /// transfer said so and no edge came since). For busy polling, where `io` retries its
    /// syscall for a bounded time, so that a peer's answer arriving meanwhile is taken without
    /// an OS wait. Skipping the gate is always safe: a WouldBlock still parks the op, and an
    /// edge is still recorded.
    #[inline]
    pub fn perform_ungated<R>(
        &mut self,
        token: Token,
        dir: Direction,
        io: impl FnMut() -> (Outcome, R),
    ) -> Result<Performed<R>, SubmitError> {
        self.perform_with(token, dir, false, io)
    }

    /// One slot lookup for the whole attempt: the lane stays borrowed across the syscall, and
    /// each step after the first starts from the state the previous one returned (nothing else
    /// can reach the lane meanwhile), so the table is not read back from memory. Only a park or
    /// a deferral lets go of the lane, to update the queue or the feed.
    #[inline(always)]
    fn perform_with<R>(
        &mut self,
        token: Token,
        dir: Direction,
        gate: bool,
        mut io: impl FnMut() -> (Outcome, R),
    ) -> Result<Performed<R>, SubmitError> {
        let tracer = self.tracer();
        let slot = self
            .slots
            .element_mut(token.key())
            .ok_or(SubmitError::StaleToken)?;
        // The last readiness cannot change during the call: no event gets in.
        let last = slot.last_readiness();
        let lane = slot.lane_mut(dir);
        let mut state = lane.state;
        // Tested in the order of how often they come (an if-chain, not a jump table): a new
        // op on an idle lane, then a grant taken, then the rest.
        if matches!(state, OpState::Idle) {
            let known_not_ready = gate && gated(lane.knowledge, last, dir);
            let (budget, stats) = (&mut self.budget, &mut self.stats);
            let (op, stepped) =
                submit_step(lane, token, dir, known_not_ready, budget, stats, tracer);
            if stepped.effect != Effect::Attempt {
                self.settle(token.index(), dir, &stepped);
                return Ok(Performed::Wait(op));
            }
            state = stepped.next;
        } else if matches!(state, OpState::Granted { .. }) {
            // The owner takes the grant now, as in `resume`.
        } else if matches!(state, OpState::Attempting { .. }) {
            return Err(SubmitError::Busy);
        } else {
            // Parked, runnable, or a deferred completion still holds the lane.
            return Ok(Performed::Wait(OpId::new(token, dir, lane.seq)));
        }
        loop {
            let (outcome, result) = io();
            let outcome = trusted(last, dir, outcome);
            let budget = self.budget.allows(dir);
            let op = OpId::new(token, dir, lane.seq);
            let input = Input::Finish { outcome, budget };
            let stepped = step(
                lane,
                state,
                input,
                op,
                &mut self.budget,
                &mut self.stats,
                tracer,
            );
            match stepped.effect {
                Effect::CompleteInline
                | Effect::Complete {
                    kind: CompletionKind::Done,
                    ..
                } => return Ok(Performed::Done(result)),
                Effect::Attempt => {
                    self.stats.retries += 1;
                    state = stepped.next;
                }
                Effect::Defer => {
                    self.settle(token.index(), dir, &stepped);
                    return Ok(Performed::Done(result));
                }
                Effect::Park => {
                    self.stats.parks += 1;
                    self.settle(token.index(), dir, &stepped);
                    return Ok(Performed::Wait(op));
                }
                // Cancelled, aborted or refused: impossible while the reactor is borrowed.
                _ => return Err(SubmitError::Busy),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{
        Config, Direction::*, Event, OpState as S, Outcome, Performed, Reactor, Readiness, Ready,
        Slot, SubmitError,
    };

    type Core = Reactor<[Slot; 4]>;

    fn core(inline_budget: u8) -> Core {
        Reactor::new(
            [Slot::VACANT; 4],
            Config {
                inline_budget,
                ..Config::default()
            },
        )
    }

    /// Performs with a scripted syscall: `outcomes` in turn, counting the calls.
    fn perform(
        r: &mut Core,
        t: crate::Token,
        dir: crate::Direction,
        outcomes: &[Outcome],
    ) -> (Result<Performed<usize>, SubmitError>, usize) {
        let mut calls = 0;
        let p = r.perform(t, dir, || {
            calls += 1;
            (outcomes[calls - 1], calls)
        });
        (p, calls)
    }

    #[test]
    fn a_ready_op_runs_its_syscall_once_and_completes_inline() {
        let mut r = core(2);
        let t = r.register().unwrap();
        let (p, calls) = perform(&mut r, t, Read, &[Outcome::Done]);
        assert_eq!((p, calls), (Ok(Performed::Done(1)), 1));
        assert_eq!(r.op_state(t, Read).unwrap(), S::Idle);
        assert_eq!(r.stats().inline_completions, 1);
    }

    #[test]
    fn would_block_parks_and_a_parked_op_does_no_io_until_granted() {
        let mut r = core(2);
        let t = r.register().unwrap();
        let (p, calls) = perform(&mut r, t, Read, &[Outcome::WouldBlock]);
        let Ok(Performed::Wait(op)) = p else {
            panic!("expected a wait, got {p:?}")
        };
        assert_eq!((calls, r.op_state(t, Read).unwrap()), (1, S::Parked));
        assert_eq!(perform(&mut r, t, Read, &[]), (Ok(Performed::Wait(op)), 0));
        r.handle_event(Event::new(t, Readiness::READABLE)).unwrap();
        assert_eq!(perform(&mut r, t, Read, &[]), (Ok(Performed::Wait(op)), 0));
        assert_eq!(r.poll_ready(), Some(Ready::Attempt(op)));
        // The grant is taken by the next perform: one syscall, same op, done.
        assert_eq!(
            perform(&mut r, t, Read, &[Outcome::Done]),
            (Ok(Performed::Done(1)), 1)
        );
        assert_eq!(r.op_state(t, Read).unwrap(), S::Idle);
        assert_eq!(r.stats().parks, 1);
    }

    #[test]
    fn a_granting_event_grants_the_parked_op_without_the_ready_queue() {
        let mut r = core(2);
        let t = r.register().unwrap();
        let Ok(Performed::Wait(_)) = perform(&mut r, t, Read, &[Outcome::WouldBlock]).0 else {
            panic!("expected a wait")
        };
        let granted = r
            .handle_event_granting(Event::new(t, Readiness::READABLE | Readiness::WRITABLE))
            .unwrap();
        assert!(
            granted.read && !granted.write,
            "only the parked lane is granted"
        );
        assert_eq!(r.ready_len(), 0);
        assert_eq!(
            r.op_state(t, Read).unwrap(),
            S::Granted {
                interruption: crate::Interruption::None
            }
        );
        assert_eq!(
            perform(&mut r, t, Read, &[Outcome::Done]),
            (Ok(Performed::Done(1)), 1)
        );
        // The write lane was idle: the event is remembered as readiness, not a grant.
        assert_eq!(r.knowledge(t, Write).unwrap(), crate::Knowledge::Ready);
        r.deregister(t).unwrap();
        assert!(r
            .handle_event_granting(Event::new(t, Readiness::READABLE))
            .is_err());
        assert_eq!(r.stats().stale_events, 1);
    }

    #[test]
    fn an_edge_during_a_grant_turns_would_block_into_a_retry() {
        let mut r = core(2);
        let t = r.register().unwrap();
        let _ = perform(&mut r, t, Write, &[Outcome::WouldBlock]);
        r.handle_event(Event::new(t, Readiness::WRITABLE)).unwrap();
        assert!(matches!(r.poll_ready(), Some(Ready::Attempt(_))));
        r.handle_event(Event::new(t, Readiness::WRITABLE)).unwrap();
        let (p, calls) = perform(&mut r, t, Write, &[Outcome::WouldBlock, Outcome::Done]);
        assert_eq!((p, calls), (Ok(Performed::Done(2)), 2));
        assert_eq!(r.stats().retries, 1);
    }

    #[test]
    fn a_drained_result_gates_the_next_op_without_a_syscall() {
        let mut r = core(2);
        let t = r.register().unwrap();
        let (p, _) = perform(&mut r, t, Read, &[Outcome::Drained]);
        assert_eq!(p, Ok(Performed::Done(1)));
        let (p, calls) = perform(&mut r, t, Read, &[]);
        assert!(matches!(p, Ok(Performed::Wait(_))), "{p:?}");
        assert_eq!((calls, r.stats().gated_parks), (0, 1));
    }

    #[test]
    fn an_ungated_perform_attempts_what_the_gate_would_park() {
        let mut r = core(2);
        let t = r.register().unwrap();
        let _ = perform(&mut r, t, Read, &[Outcome::Drained]);
        let mut calls = 0;
        let p = r.perform_ungated(t, Read, || {
            calls += 1;
            (Outcome::WouldBlock, ())
        });
        assert!(matches!(p, Ok(Performed::Wait(_))), "{p:?}");
        assert_eq!((calls, r.op_state(t, Read).unwrap()), (1, S::Parked));
        assert_eq!((r.stats().gated_parks, r.stats().parks), (0, 1));
    }

    #[test]
    fn a_drained_read_is_not_trusted_after_a_priority_event() {
        let mut r = core(2);
        let t = r.register().unwrap();
        r.handle_event(Event::new(t, Readiness::READABLE | Readiness::PRIORITY))
            .unwrap();
        let _ = perform(&mut r, t, Read, &[Outcome::Drained]);
        let (p, calls) = perform(&mut r, t, Read, &[Outcome::Done]);
        assert_eq!(
            (p, calls),
            (Ok(Performed::Done(1)), 1),
            "H19: the next read is tried"
        );
    }

    #[test]
    fn a_spent_budget_queues_the_next_op_without_a_syscall() {
        let mut r = core(1);
        let t = r.register().unwrap();
        assert_eq!(
            perform(&mut r, t, Write, &[Outcome::Done]).0,
            Ok(Performed::Done(1))
        );
        // The budget is spent: the next new op is queued, not attempted.
        let (p, calls) = perform(&mut r, t, Write, &[]);
        assert!(matches!(p, Ok(Performed::Wait(_))) && calls == 0, "{p:?}");
        assert_eq!(r.op_state(t, Write).unwrap(), S::Runnable);
        assert_eq!(r.stats().queued_submits, 1);
    }

    #[test]
    fn a_stale_token_is_an_error_and_runs_nothing() {
        let mut r = core(2);
        let t = r.register().unwrap();
        r.deregister(t).unwrap();
        assert_eq!(
            perform(&mut r, t, Read, &[]),
            (Err(SubmitError::StaleToken), 0)
        );
    }
}
