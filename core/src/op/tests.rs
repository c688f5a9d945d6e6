//! Every (state, input) pair of the op lifecycle, state by state.

use super::*;

const SPEC: OpState = attempting(Origin::Speculative);
const DISP: OpState = attempting(Origin::Dispatched);

fn submit(known_not_ready: bool, budget: bool) -> Input {
    Input::Submit {
        known_not_ready,
        budget,
    }
}
fn finish(outcome: Outcome, budget: bool) -> Input {
    Input::Finish { outcome, budget }
}
fn complete(kind: CompletionKind, dequeue: bool) -> Effect {
    Effect::Complete { kind, dequeue }
}
fn with(origin: Origin, interruption: Interruption) -> OpState {
    OpState::Attempting {
        origin,
        interruption,
    }
}

#[test]
fn idle_submit_attempts_speculatively() {
    assert_eq!(
        transition(OpState::Idle, submit(false, true)),
        (SPEC, Effect::Attempt)
    );
}

#[test]
fn idle_submit_known_not_ready_parks_without_syscall() {
    let park = Effect::Park;
    assert_eq!(
        transition(OpState::Idle, submit(true, true)),
        (OpState::Parked, park)
    );
    assert_eq!(
        transition(OpState::Idle, submit(true, false)),
        (OpState::Parked, park)
    );
}

#[test]
fn idle_submit_budget_spent_queues_without_syscall() {
    assert_eq!(
        transition(OpState::Idle, submit(false, false)),
        (OpState::Runnable, Effect::Enqueue)
    );
}

#[test]
fn busy_lane_refuses_submit() {
    for s in [SPEC, OpState::Parked, OpState::Runnable, OpState::Deferred] {
        assert_eq!(transition(s, submit(false, true)), (s, Effect::Invalid));
    }
}

#[test]
fn attempting_done_within_budget_completes_inline() {
    assert_eq!(
        transition(SPEC, finish(Outcome::Done, true)),
        (OpState::Idle, Effect::CompleteInline)
    );
}

#[test]
fn attempting_done_budget_spent_defers() {
    assert_eq!(
        transition(SPEC, finish(Outcome::Done, false)),
        (OpState::Deferred, Effect::Defer)
    );
}

#[test]
fn dispatched_attempt_done_completes_without_budget() {
    for budget in [true, false] {
        assert_eq!(
            transition(DISP, finish(Outcome::Done, budget)),
            (OpState::Idle, complete(CompletionKind::Done, false))
        );
    }
}

#[test]
fn attempting_would_block_parks_and_remembers() {
    assert_eq!(
        transition(SPEC, finish(Outcome::WouldBlock, true)),
        (OpState::Parked, Effect::Park)
    );
}

#[test]
fn attempting_edge_then_would_block_retries() {
    let (s, e) = transition(SPEC, Input::Edge);
    assert_eq!(
        (s, e),
        (
            with(Origin::Speculative, Interruption::Edge),
            Effect::Nothing
        )
    );
    assert_eq!(
        transition(s, finish(Outcome::WouldBlock, true)),
        (SPEC, Effect::Attempt)
    );
}

#[test]
fn attempting_cancel_then_would_block_is_cancelled() {
    let (s, e) = transition(DISP, Input::Cancel);
    assert_eq!(
        (s, e),
        (
            with(Origin::Dispatched, Interruption::Cancel),
            Effect::CancelRequested
        )
    );
    assert_eq!(
        transition(s, finish(Outcome::WouldBlock, true)),
        (OpState::Idle, complete(CompletionKind::Cancelled, false))
    );
}

#[test]
fn attempting_cancel_then_done_keeps_the_result() {
    let s = with(Origin::Speculative, Interruption::Cancel);
    assert_eq!(
        transition(s, finish(Outcome::Done, true)),
        (OpState::Idle, Effect::CompleteInline)
    );
}

#[test]
fn attempting_cancel_absorbs_later_edge() {
    let s = with(Origin::Speculative, Interruption::Cancel);
    assert_eq!(transition(s, Input::Edge), (s, Effect::Nothing));
}

#[test]
fn attempting_edge_then_cancel_is_cancel() {
    let s = with(Origin::Speculative, Interruption::Edge);
    let (s, e) = transition(s, Input::Cancel);
    assert_eq!(e, Effect::CancelRequested);
    assert_eq!(s, with(Origin::Speculative, Interruption::Cancel));
}

#[test]
fn a_granting_edge_grants_a_parked_op_at_once() {
    assert_eq!(
        transition(OpState::Parked, Input::EdgeGrant),
        (
            OpState::Granted {
                interruption: Interruption::None
            },
            Effect::Grant
        )
    );
}

#[test]
fn a_granting_edge_is_an_edge_in_every_other_state() {
    let states = [
        OpState::Idle,
        SPEC,
        DISP,
        with(Origin::Speculative, Interruption::Edge),
        with(Origin::Dispatched, Interruption::Cancel),
        OpState::Runnable,
        OpState::Granted {
            interruption: Interruption::None,
        },
        OpState::Granted {
            interruption: Interruption::Edge,
        },
        OpState::Deferred,
    ];
    for s in states {
        assert_eq!(
            transition(s, Input::EdgeGrant),
            transition(s, Input::Edge),
            "{s:?}"
        );
    }
}

#[test]
fn parked_edge_becomes_runnable() {
    assert_eq!(
        transition(OpState::Parked, Input::Edge),
        (OpState::Runnable, Effect::Enqueue)
    );
}

#[test]
fn parked_cancel_completes_now() {
    assert_eq!(
        transition(OpState::Parked, Input::Cancel),
        (OpState::Idle, complete(CompletionKind::Cancelled, false))
    );
}

#[test]
fn runnable_cancel_dequeues_and_completes() {
    assert_eq!(
        transition(OpState::Runnable, Input::Cancel),
        (OpState::Idle, complete(CompletionKind::Cancelled, true))
    );
}

#[test]
fn runnable_edge_changes_nothing() {
    assert_eq!(
        transition(OpState::Runnable, Input::Edge),
        (OpState::Runnable, Effect::Nothing)
    );
    assert_eq!(
        transition(OpState::Deferred, Input::Edge),
        (OpState::Deferred, Effect::Nothing)
    );
    assert_eq!(
        transition(OpState::Idle, Input::Edge),
        (OpState::Idle, Effect::Nothing)
    );
}

const GRANTED: OpState = OpState::Granted {
    interruption: Interruption::None,
};
const GRANTED_EDGE: OpState = OpState::Granted {
    interruption: Interruption::Edge,
};

#[test]
fn runnable_dispatch_grants() {
    assert_eq!(
        transition(OpState::Runnable, Input::Dispatch),
        (GRANTED, Effect::Grant)
    );
}

#[test]
fn granted_start_attempts() {
    for g in [GRANTED, GRANTED_EDGE] {
        assert_eq!(transition(g, Input::Start), (DISP, Effect::Attempt));
    }
    for s in [
        OpState::Idle,
        OpState::Parked,
        OpState::Runnable,
        OpState::Deferred,
        DISP,
    ] {
        assert_eq!(transition(s, Input::Start), (s, Effect::Invalid));
    }
}

#[test]
fn granted_cancel_completes_without_io() {
    for g in [GRANTED, GRANTED_EDGE] {
        assert_eq!(
            transition(g, Input::Cancel),
            (OpState::Idle, complete(CompletionKind::Cancelled, false))
        );
    }
}

#[test]
fn granted_edge_is_remembered_once() {
    assert_eq!(
        transition(GRANTED, Input::Edge),
        (GRANTED_EDGE, Effect::Nothing)
    );
    assert_eq!(
        transition(GRANTED_EDGE, Input::Edge),
        (GRANTED_EDGE, Effect::Nothing)
    );
}

#[test]
fn granted_finish_acts_as_a_dispatched_attempt() {
    assert_eq!(
        transition(GRANTED, finish(Outcome::Done, false)),
        (OpState::Idle, complete(CompletionKind::Done, false))
    );
    assert_eq!(
        transition(GRANTED, finish(Outcome::WouldBlock, true)),
        (OpState::Parked, Effect::Park)
    );
    assert_eq!(
        transition(GRANTED_EDGE, finish(Outcome::WouldBlock, true)),
        (DISP, Effect::Attempt)
    );
}

#[test]
fn granted_abort_and_invalid_inputs() {
    assert_eq!(
        transition(GRANTED, Input::Abort),
        (OpState::Idle, complete(CompletionKind::Aborted, false))
    );
    assert_eq!(
        transition(GRANTED, Input::Dispatch),
        (GRANTED, Effect::Invalid)
    );
    assert_eq!(
        transition(GRANTED, submit(false, true)),
        (GRANTED, Effect::Invalid)
    );
}

#[test]
fn deferred_dispatch_completes_done() {
    assert_eq!(
        transition(OpState::Deferred, Input::Dispatch),
        (OpState::Idle, complete(CompletionKind::Done, false))
    );
}

#[test]
fn deferred_or_idle_cancel_is_too_late() {
    assert_eq!(
        transition(OpState::Deferred, Input::Cancel),
        (OpState::Deferred, Effect::TooLate)
    );
    assert_eq!(
        transition(OpState::Idle, Input::Cancel),
        (OpState::Idle, Effect::TooLate)
    );
}

#[test]
fn finish_or_dispatch_outside_their_state_is_invalid() {
    for s in [
        OpState::Idle,
        OpState::Parked,
        OpState::Runnable,
        OpState::Deferred,
    ] {
        assert_eq!(
            transition(s, finish(Outcome::Done, true)).1,
            Effect::Invalid
        );
    }
    for s in [OpState::Idle, OpState::Parked, SPEC] {
        assert_eq!(transition(s, Input::Dispatch).1, Effect::Invalid);
    }
}

#[test]
fn abort_completes_every_outstanding_state_once() {
    assert_eq!(
        transition(OpState::Idle, Input::Abort),
        (OpState::Idle, Effect::Nothing)
    );
    for (s, dequeue) in [
        (SPEC, false),
        (DISP, false),
        (OpState::Parked, false),
        (OpState::Runnable, true),
        (OpState::Deferred, true),
    ] {
        assert_eq!(
            transition(s, Input::Abort),
            (OpState::Idle, complete(CompletionKind::Aborted, dequeue))
        );
    }
}

#[test]
fn display_uses_lifecycle_names() {
    extern crate std;
    use std::string::ToString;
    assert_eq!(OpState::Idle.to_string(), "idle");
    assert_eq!(SPEC.to_string(), "attempting");
    assert_eq!(OpState::Parked.to_string(), "parked");
    assert_eq!(OpState::Runnable.to_string(), "runnable");
}

#[test]
fn drained_finishes_like_done() {
    assert_eq!(
        transition(SPEC, finish(Outcome::Drained, true)),
        (OpState::Idle, Effect::CompleteInline)
    );
    assert_eq!(
        transition(SPEC, finish(Outcome::Drained, false)),
        (OpState::Deferred, Effect::Defer)
    );
    assert_eq!(
        transition(DISP, finish(Outcome::Drained, true)),
        (OpState::Idle, complete(CompletionKind::Done, false))
    );
}
