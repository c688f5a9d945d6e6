//! Scripted sequences of submit / finish / event / cancel / deregister with asserted outcomes,
//! grouped by what they exercise; the hazard regressions are named `hNN_…`.

use super::*;
use crate::{CompletionKind as Kind, Direction::*, OpState as S};

type Core = Reactor<[Slot; 8]>;

fn core() -> Core {
    Reactor::new([Slot::VACANT; 8], Config::default())
}

fn core_with_budget(inline_budget: u8) -> Core {
    Reactor::new(
        [Slot::VACANT; 8],
        Config {
            inline_budget,
            ..Config::default()
        },
    )
}

fn core_with_feed() -> Core {
    Reactor::new(
        [Slot::VACANT; 8],
        Config {
            interest_feed: true,
            ..Config::default()
        },
    )
}

fn feed(r: &mut Core) -> heapless::Vec<(Token, Interest), 16> {
    core::iter::from_fn(|| r.poll_interest()).collect()
}

fn ev(token: Token, readiness: Readiness) -> Event {
    Event::new(token, readiness)
}

/// Submit that must ask for an attempt.
fn attempt(r: &mut Core, t: Token, dir: Direction) -> OpId {
    match r.submit(t, dir).unwrap() {
        SubmitAction::Attempt(op) => op,
        other => panic!("expected an attempt, got {other:?}"),
    }
}

/// Submit, WouldBlock: the op parks.
fn park(r: &mut Core, t: Token, dir: Direction) -> OpId {
    let op = attempt(r, t, dir);
    assert_eq!(
        r.finish_attempt(op, Outcome::WouldBlock).unwrap(),
        FinishAction::Parked
    );
    op
}

fn done(op: OpId) -> FinishAction {
    FinishAction::Complete(Completion {
        op,
        kind: Kind::Done,
    })
}

fn drain(r: &mut Core) -> heapless::Vec<Ready, 32> {
    let mut out = heapless::Vec::new();
    while let Some(x) = r.poll_ready() {
        out.push(x).unwrap();
    }
    out
}

// ---- table ----

#[test]
fn register_until_full_then_error() {
    let mut r = core();
    for _ in 0..8 {
        r.register().unwrap();
    }
    assert_eq!(r.register(), Err(RegisterError::Full));
    assert_eq!(r.len(), 8);
}

#[test]
fn empty_storage_is_always_full() {
    let mut storage: [Slot; 0] = [];
    let mut r = Reactor::new(&mut storage[..], Config::default());
    assert_eq!(r.register(), Err(RegisterError::Full));
}

#[test]
fn deregister_frees_the_slot_with_a_new_generation() {
    let mut r = core();
    let mut tokens = [None; 8];
    for t in &mut tokens {
        *t = Some(r.register().unwrap());
    }
    let old = tokens[3].unwrap();
    r.deregister(old).unwrap();
    let new = r.register().unwrap();
    assert_eq!(new.index(), old.index());
    assert_ne!(new.generation(), old.generation());
    assert_eq!(r.deregister(old), Err(StaleToken::Stale));
}

#[test]
fn stale_token_is_an_error_everywhere() {
    let mut r = core();
    let t = r.register().unwrap();
    let op = park(&mut r, t, Read);
    r.deregister(t).unwrap();
    assert_eq!(r.submit(t, Read), Err(SubmitError::StaleToken));
    assert_eq!(
        r.finish_attempt(op, Outcome::Done),
        Err(OpError::StaleToken)
    );
    assert_eq!(r.cancel(op), Err(StaleToken::Stale));
    assert_eq!(r.cancel_all(t), Err(StaleToken::Stale));
    assert_eq!(r.interest(t), Err(StaleToken::Stale));
    assert_eq!(r.readiness(t), Err(StaleToken::Stale));
    assert_eq!(r.op_state(t, Read), Err(StaleToken::Stale));
    assert_eq!(
        r.handle_event(ev(t, Readiness::READABLE)),
        Err(StaleEvent::Stale)
    );
    let forged = Token::new(7, 0).unwrap(); // never registered
    assert_eq!(r.submit(forged, Read), Err(SubmitError::StaleToken));
}

// ---- submit ----

#[test]
fn idle_submit_asks_for_an_attempt() {
    let mut r = core();
    let t = r.register().unwrap();
    let op = attempt(&mut r, t, Read);
    assert_eq!((op.token(), op.direction()), (t, Read));
    assert!(matches!(r.op_state(t, Read).unwrap(), S::Attempting { .. }));
}

#[test]
fn busy_direction_refuses_a_second_op() {
    let mut r = core();
    let t = r.register().unwrap();
    park(&mut r, t, Read);
    assert_eq!(r.submit(t, Read), Err(SubmitError::Busy));
    attempt(&mut r, t, Write); // the other direction is free
}

#[test]
fn known_not_ready_parks_without_a_syscall() {
    let mut r = core();
    let t = r.register().unwrap();
    let op = park(&mut r, t, Read);
    let _ = r.cancel(op).unwrap();
    assert_eq!(r.knowledge(t, Read).unwrap(), Knowledge::NotReady);
    assert!(matches!(
        r.submit(t, Read).unwrap(),
        SubmitAction::Parked(_)
    ));
    assert_eq!(r.stats().gated_parks, 1);
}

#[test]
fn an_edge_reopens_the_speculation_gate() {
    let mut r = core();
    let t = r.register().unwrap();
    let op = park(&mut r, t, Read);
    let _ = r.cancel(op).unwrap();
    r.handle_event(ev(t, Readiness::READABLE)).unwrap();
    assert_eq!(r.knowledge(t, Read).unwrap(), Knowledge::Ready);
    attempt(&mut r, t, Read);
}

#[test]
fn op_ids_differ_between_consecutive_ops() {
    let mut r = core();
    let t = r.register().unwrap();
    let a = attempt(&mut r, t, Read);
    assert_eq!(r.finish_attempt(a, Outcome::Done).unwrap(), done(a));
    let b = attempt(&mut r, t, Read);
    assert_ne!(a, b);
    assert_eq!(r.finish_attempt(a, Outcome::Done), Err(OpError::NotCurrent));
}

// ---- finish_attempt and the budget ----

#[test]
fn drained_transfer_parks_the_next_op_without_a_syscall() {
    let mut r = core();
    let t = r.register().unwrap();
    let op = attempt(&mut r, t, Read);
    assert_eq!(r.finish_attempt(op, Outcome::Drained).unwrap(), done(op));
    assert_eq!(r.knowledge(t, Read).unwrap(), Knowledge::NotReady);
    let SubmitAction::Parked(next) = r.submit(t, Read).unwrap() else {
        panic!()
    };
    r.handle_event(ev(t, Readiness::READABLE)).unwrap();
    assert_eq!(r.poll_ready(), Some(Ready::Attempt(next)));
}

#[test]
fn drained_with_an_edge_during_the_attempt_keeps_speculating() {
    let mut r = core();
    let t = r.register().unwrap();
    let op = attempt(&mut r, t, Read);
    r.handle_event(ev(t, Readiness::READABLE)).unwrap(); // more data arrived meanwhile
    assert_eq!(r.finish_attempt(op, Outcome::Drained).unwrap(), done(op));
    assert_eq!(r.knowledge(t, Read).unwrap(), Knowledge::Ready);
    attempt(&mut r, t, Read);
}

#[test]
fn drained_with_eof_pending_keeps_speculating() {
    let mut r = core();
    let t = r.register().unwrap();
    let op = park(&mut r, t, Read);
    // the data and the peer's FIN arrive in one edge
    r.handle_event(ev(t, Readiness::READABLE | Readiness::READ_CLOSED))
        .unwrap();
    assert_eq!(r.poll_ready(), Some(Ready::Attempt(op)));
    // the read takes the data (a short read), the EOF is still to be read
    assert_eq!(r.finish_attempt(op, Outcome::Drained).unwrap(), done(op));
    // no further edge will come: the next read must try, and will see EOF at once
    assert!(matches!(
        r.submit(t, Read).unwrap(),
        SubmitAction::Attempt(_)
    ));
}

#[test]
fn h19_short_read_at_an_urgent_mark_is_not_trusted() {
    let mut r = core();
    let t = r.register().unwrap();
    let op = park(&mut r, t, Read);
    // `abc`, one urgent byte, `def` arrive in one edge; the read stops at the urgent mark
    r.handle_event(ev(t, Readiness::READABLE | Readiness::PRIORITY))
        .unwrap();
    assert_eq!(r.poll_ready(), Some(Ready::Attempt(op)));
    assert_eq!(r.finish_attempt(op, Outcome::Drained).unwrap(), done(op));
    // `def` is still queued and no edge will announce it again: the next read must try
    assert_eq!(r.knowledge(t, Read).unwrap(), Knowledge::Unknown);
    let next = attempt(&mut r, t, Read);
    // that one syscall costs at most a WouldBlock, which re-arms the gate
    assert_eq!(
        r.finish_attempt(next, Outcome::WouldBlock).unwrap(),
        FinishAction::Parked
    );
    assert_eq!(r.knowledge(t, Read).unwrap(), Knowledge::NotReady);
}

#[test]
fn h19_priority_does_not_distrust_a_short_write() {
    let mut r = core();
    let t = r.register().unwrap();
    r.handle_event(ev(t, Readiness::WRITABLE | Readiness::PRIORITY))
        .unwrap();
    let op = attempt(&mut r, t, Write);
    assert_eq!(r.finish_attempt(op, Outcome::Drained).unwrap(), done(op));
    assert_eq!(r.knowledge(t, Write).unwrap(), Knowledge::NotReady);
}

#[test]
fn closed_direction_is_never_gated() {
    let mut r = core();
    let t = r.register().unwrap();
    let op = park(&mut r, t, Write);
    let _ = r.cancel(op).unwrap();
    r.handle_event(ev(t, Readiness::WRITE_CLOSED)).unwrap();
    let op = attempt(&mut r, t, Write);
    // a WouldBlock on a dead direction is no reason to wait for an edge that never comes
    let _ = r.finish_attempt(op, Outcome::WouldBlock).unwrap();
    let _ = r.cancel(op).unwrap();
    assert!(matches!(
        r.submit(t, Write).unwrap(),
        SubmitAction::Attempt(_)
    ));
}

#[test]
fn pending_error_is_not_gated_by_a_short_read() {
    let mut r = core();
    let t = r.register().unwrap();
    r.handle_event(ev(t, Readiness::READABLE | Readiness::ERROR))
        .unwrap();
    let op = attempt(&mut r, t, Read);
    assert_eq!(r.finish_attempt(op, Outcome::Drained).unwrap(), done(op));
    assert_eq!(r.knowledge(t, Read).unwrap(), Knowledge::Unknown);
}

#[test]
fn done_leaves_readiness_unknown() {
    let mut r = core();
    let t = r.register().unwrap();
    let op = attempt(&mut r, t, Write);
    assert_eq!(r.finish_attempt(op, Outcome::Done).unwrap(), done(op));
    assert_eq!(r.knowledge(t, Write).unwrap(), Knowledge::Unknown);
}

#[test]
fn done_within_budget_completes_inline_then_defers() {
    let mut r = core();
    let t = r.register().unwrap();
    for _ in 0..2 {
        let op = attempt(&mut r, t, Read);
        assert_eq!(r.finish_attempt(op, Outcome::Done).unwrap(), done(op));
    }
    // budget spent: the next submit is queued without a syscall
    let SubmitAction::Queued(op) = r.submit(t, Read).unwrap() else {
        panic!()
    };
    assert_eq!(drain(&mut r)[..], [Ready::Attempt(op)]);
    assert_eq!(r.finish_attempt(op, Outcome::Done).unwrap(), done(op));
    assert_eq!(r.stats().inline_completions, 2);
}

#[test]
fn done_after_budget_spent_mid_attempt_is_deferred_not_dropped() {
    let mut r = core_with_budget(1);
    let a = r.register().unwrap();
    let b = r.register().unwrap();
    let op_a = attempt(&mut r, a, Read);
    let op_b = attempt(&mut r, b, Read);
    assert_eq!(r.finish_attempt(op_a, Outcome::Done).unwrap(), done(op_a));
    assert_eq!(
        r.finish_attempt(op_b, Outcome::Done).unwrap(),
        FinishAction::Deferred
    );
    assert_eq!(r.op_state(b, Read).unwrap(), S::Deferred);
    assert_eq!(
        drain(&mut r)[..],
        [Ready::Complete(Completion {
            op: op_b,
            kind: Kind::Done
        })]
    );
    assert_eq!(r.op_state(b, Read).unwrap(), S::Idle);
    assert_eq!(r.stats().deferred_completions, 1);
}

#[test]
fn budget_zero_defers_everything() {
    let mut r = core_with_budget(0);
    let t = r.register().unwrap();
    let SubmitAction::Queued(op) = r.submit(t, Write).unwrap() else {
        panic!()
    };
    assert_eq!(r.poll_ready(), Some(Ready::Attempt(op)));
    assert_eq!(r.finish_attempt(op, Outcome::Done).unwrap(), done(op));
    assert_eq!(r.stats().inline_completions, 0);
}

#[test]
fn poll_ready_resets_the_budget() {
    let mut r = core_with_budget(1);
    let t = r.register().unwrap();
    let u = r.register().unwrap();
    let op = attempt(&mut r, t, Read);
    assert_eq!(r.finish_attempt(op, Outcome::Done).unwrap(), done(op));
    let SubmitAction::Queued(q) = r.submit(u, Read).unwrap() else {
        panic!()
    };
    assert_eq!(r.poll_ready(), Some(Ready::Attempt(q)));
    // dispatch reset the budget: a new speculative op completes inline
    let op = attempt(&mut r, t, Read);
    assert_eq!(r.finish_attempt(op, Outcome::Done).unwrap(), done(op));
}

#[test]
fn reset_budget_by_the_embedder() {
    let mut r = core_with_budget(1);
    let t = r.register().unwrap();
    let op = attempt(&mut r, t, Read);
    let _ = r.finish_attempt(op, Outcome::Done).unwrap();
    r.reset_budget();
    attempt(&mut r, t, Read);
}

#[test]
fn finish_on_a_parked_op_is_an_error() {
    let mut r = core();
    let t = r.register().unwrap();
    let op = park(&mut r, t, Read);
    assert_eq!(
        r.finish_attempt(op, Outcome::Done),
        Err(OpError::NotAttempting)
    );
    assert_eq!(r.op_state(t, Read).unwrap(), S::Parked);
}

// ---- events ----

#[test]
fn parked_op_runs_after_an_edge() {
    let mut r = core();
    let t = r.register().unwrap();
    let op = park(&mut r, t, Read);
    r.handle_event(ev(t, Readiness::READABLE)).unwrap();
    assert_eq!(r.op_state(t, Read).unwrap(), S::Runnable);
    assert_eq!(drain(&mut r)[..], [Ready::Attempt(op)]);
    assert_eq!(r.finish_attempt(op, Outcome::Done).unwrap(), done(op));
}

#[test]
fn dispatched_attempt_can_park_again() {
    let mut r = core();
    let t = r.register().unwrap();
    let op = park(&mut r, t, Read);
    r.handle_event(ev(t, Readiness::READABLE)).unwrap();
    assert_eq!(r.poll_ready(), Some(Ready::Attempt(op)));
    assert_eq!(
        r.finish_attempt(op, Outcome::WouldBlock).unwrap(),
        FinishAction::Parked
    );
    assert_eq!(r.op_state(t, Read).unwrap(), S::Parked);
}

#[test]
fn repeated_edges_queue_a_lane_once() {
    let mut r = core();
    let t = r.register().unwrap();
    park(&mut r, t, Read);
    for _ in 0..5 {
        r.handle_event(ev(t, Readiness::READABLE)).unwrap();
    }
    assert_eq!(r.ready_len(), 1);
}

#[test]
fn closed_bits_are_sticky_until_deregistration() {
    let mut r = core();
    let t = r.register().unwrap();
    r.handle_event(ev(t, Readiness::READ_CLOSED | Readiness::READABLE))
        .unwrap();
    r.handle_event(ev(t, Readiness::WRITABLE)).unwrap();
    assert_eq!(
        r.readiness(t).unwrap(),
        Readiness::WRITABLE | Readiness::READ_CLOSED
    );
    r.deregister(t).unwrap();
    let t = r.register().unwrap();
    assert_eq!(r.readiness(t).unwrap(), Readiness::EMPTY);
}

#[test]
fn read_closed_wakes_a_parked_reader() {
    let mut r = core();
    let t = r.register().unwrap();
    let op = park(&mut r, t, Read);
    r.handle_event(ev(t, Readiness::READ_CLOSED)).unwrap();
    assert_eq!(drain(&mut r)[..], [Ready::Attempt(op)]);
}

#[test]
fn error_wakes_both_directions() {
    let mut r = core();
    let t = r.register().unwrap();
    let rd = park(&mut r, t, Read);
    let wr = park(&mut r, t, Write);
    r.handle_event(ev(t, Readiness::ERROR)).unwrap();
    assert_eq!(drain(&mut r)[..], [Ready::Attempt(rd), Ready::Attempt(wr)]);
}

#[test]
fn interest_is_the_parked_directions() {
    let mut r = core();
    let t = r.register().unwrap();
    assert_eq!(r.interest(t).unwrap(), Interest::NONE);
    park(&mut r, t, Write);
    assert_eq!(r.interest(t).unwrap(), Interest::WRITE);
    park(&mut r, t, Read);
    assert_eq!(r.interest(t).unwrap(), Interest::BOTH);
    r.handle_event(ev(t, Readiness::WRITABLE)).unwrap();
    assert_eq!(
        r.interest(t).unwrap(),
        Interest::READ,
        "runnable is no longer watched"
    );
}

// ---- cancellation ----

#[test]
fn cancel_parked_completes_once() {
    let mut r = core();
    let t = r.register().unwrap();
    let op = park(&mut r, t, Read);
    assert_eq!(
        r.cancel(op).unwrap(),
        CancelAction::Cancelled(Completion {
            op,
            kind: Kind::Cancelled
        })
    );
    assert_eq!(r.cancel(op).unwrap(), CancelAction::TooLate);
    r.handle_event(ev(t, Readiness::READABLE)).unwrap();
    assert!(drain(&mut r).is_empty());
}

#[test]
fn cancel_all_covers_both_directions() {
    let mut r = core();
    let t = r.register().unwrap();
    let rd = park(&mut r, t, Read);
    let wr = attempt(&mut r, t, Write);
    let all = r.cancel_all(t).unwrap();
    assert_eq!(
        all.read,
        CancelAction::Cancelled(Completion {
            op: rd,
            kind: Kind::Cancelled
        })
    );
    assert_eq!(all.write, CancelAction::Requested);
    assert_eq!(
        r.finish_attempt(wr, Outcome::WouldBlock).unwrap(),
        FinishAction::Complete(Completion {
            op: wr,
            kind: Kind::Cancelled
        })
    );
}

#[test]
fn cancel_of_an_older_op_does_not_touch_the_newer_one() {
    let mut r = core();
    let t = r.register().unwrap();
    let old = park(&mut r, t, Read);
    let _ = r.cancel(old).unwrap();
    r.handle_event(ev(t, Readiness::READABLE)).unwrap();
    let new = park(&mut r, t, Read);
    assert_eq!(r.cancel(old).unwrap(), CancelAction::TooLate);
    assert_eq!(r.op_state(t, Read).unwrap(), S::Parked);
    assert_eq!(
        r.cancel(new).unwrap(),
        CancelAction::Cancelled(Completion {
            op: new,
            kind: Kind::Cancelled
        })
    );
}

// ---- hazards ----

#[test]
fn h01_edge_between_would_block_and_park_retries() {
    let mut r = core();
    let t = r.register().unwrap();
    let op = attempt(&mut r, t, Read);
    // the syscall is in flight; data arrives and the OS reports the edge now
    r.handle_event(ev(t, Readiness::READABLE)).unwrap();
    // the syscall (which started before the data) says EAGAIN: must retry, not sleep
    assert_eq!(
        r.finish_attempt(op, Outcome::WouldBlock).unwrap(),
        FinishAction::Retry
    );
    assert_eq!(r.finish_attempt(op, Outcome::Done).unwrap(), done(op));
    assert_eq!(r.stats().retries, 1);
}

#[test]
fn h01_cancelled_grant_keeps_the_edge_it_consumed() {
    let mut r = core();
    let t = r.register().unwrap();
    let op = park(&mut r, t, Read);
    r.handle_event(ev(t, Readiness::READABLE)).unwrap();
    assert_eq!(r.poll_ready(), Some(Ready::Attempt(op)));
    // the task that owned the op went away before making the syscall: the cancel completes
    // the grant at once, with no I/O and nothing to undo by hand
    assert!(
        matches!(r.cancel(op).unwrap(), CancelAction::Cancelled(c) if c.kind == Kind::Cancelled)
    );
    assert_eq!(
        r.finish_attempt(op, Outcome::WouldBlock),
        Err(OpError::NotCurrent)
    );
    // the data that edge announced is still unread: the next read must try, not park forever
    assert!(matches!(
        r.submit(t, Read).unwrap(),
        SubmitAction::Attempt(_)
    ));
}

#[test]
fn h01_edge_during_a_dispatched_attempt_retries_too() {
    let mut r = core();
    let t = r.register().unwrap();
    let op = park(&mut r, t, Read);
    r.handle_event(ev(t, Readiness::READABLE)).unwrap();
    assert_eq!(r.poll_ready(), Some(Ready::Attempt(op)));
    r.handle_event(ev(t, Readiness::READABLE)).unwrap();
    assert_eq!(
        r.finish_attempt(op, Outcome::WouldBlock).unwrap(),
        FinishAction::Retry
    );
}

#[test]
fn h02_cancel_after_completion_is_a_no_op() {
    let mut r = core();
    let t = r.register().unwrap();
    let op = attempt(&mut r, t, Read);
    assert_eq!(r.finish_attempt(op, Outcome::Done).unwrap(), done(op));
    assert_eq!(r.cancel(op).unwrap(), CancelAction::TooLate);
}

#[test]
fn h02_cancel_racing_a_deferred_completion_loses() {
    let mut r = core_with_budget(0);
    let t = r.register().unwrap();
    let SubmitAction::Queued(op) = r.submit(t, Read).unwrap() else {
        panic!()
    };
    let _ = r.poll_ready();
    r.start(op).unwrap();
    // cancel arrives while the dispatched attempt is in flight; the attempt read data
    assert_eq!(r.cancel(op).unwrap(), CancelAction::Requested);
    assert_eq!(r.finish_attempt(op, Outcome::Done).unwrap(), done(op));
    assert_eq!(r.cancel(op).unwrap(), CancelAction::TooLate);
    assert!(drain(&mut r).is_empty(), "exactly one completion");
}

#[test]
fn h02_deferred_result_survives_a_cancel() {
    let mut r = core_with_budget(1);
    let a = r.register().unwrap();
    let b = r.register().unwrap();
    let op_a = attempt(&mut r, a, Read);
    let op_b = attempt(&mut r, b, Read);
    let _ = r.finish_attempt(op_a, Outcome::Done).unwrap();
    assert_eq!(
        r.finish_attempt(op_b, Outcome::Done).unwrap(),
        FinishAction::Deferred
    );
    assert_eq!(r.cancel(op_b).unwrap(), CancelAction::TooLate);
    assert_eq!(
        drain(&mut r)[..],
        [Ready::Complete(Completion {
            op: op_b,
            kind: Kind::Done
        })]
    );
}

#[test]
fn h03_cancel_of_a_runnable_op_prevents_its_attempt() {
    let mut r = core();
    let t = r.register().unwrap();
    let op = park(&mut r, t, Read);
    r.handle_event(ev(t, Readiness::READABLE)).unwrap(); // queued for an attempt
    assert_eq!(
        r.cancel(op).unwrap(),
        CancelAction::Cancelled(Completion {
            op,
            kind: Kind::Cancelled
        })
    );
    assert!(
        drain(&mut r).is_empty(),
        "poll_ready must not ask for the cancelled op's syscall"
    );
}

#[test]
fn h03_cancel_of_a_queued_submit_prevents_its_attempt() {
    let mut r = core_with_budget(0);
    let t = r.register().unwrap();
    let SubmitAction::Queued(op) = r.submit(t, Read).unwrap() else {
        panic!()
    };
    assert!(matches!(r.cancel(op).unwrap(), CancelAction::Cancelled(_)));
    assert!(drain(&mut r).is_empty());
}

#[test]
fn h03_cancel_during_attempt_that_blocked_performs_nothing_more() {
    let mut r = core();
    let t = r.register().unwrap();
    let op = attempt(&mut r, t, Read);
    assert_eq!(r.cancel(op).unwrap(), CancelAction::Requested);
    r.handle_event(ev(t, Readiness::READABLE)).unwrap(); // an edge must not turn it into a retry
    assert_eq!(
        r.finish_attempt(op, Outcome::WouldBlock).unwrap(),
        FinishAction::Complete(Completion {
            op,
            kind: Kind::Cancelled
        })
    );
}

#[test]
fn h04_stale_event_after_reuse_is_dropped_and_counted() {
    let mut r = core();
    let old = r.register().unwrap();
    r.deregister(old).unwrap();
    let new = r.register().unwrap();
    assert_eq!(new.index(), old.index());
    let op = park(&mut r, new, Read);
    // an event for the old registration, still in flight from the kernel
    assert_eq!(
        r.handle_event(ev(old, Readiness::READABLE)),
        Err(StaleEvent::Stale)
    );
    assert_eq!(
        r.op_state(new, Read).unwrap(),
        S::Parked,
        "the new descriptor is untouched"
    );
    assert_eq!(r.stats().stale_events, 1);
    // the token round-trips through the kernel's word and is still recognised as stale
    let through_kernel = Token::from_u64(old.to_u64());
    assert_eq!(
        r.handle_event(ev(through_kernel, Readiness::READABLE)),
        Err(StaleEvent::Stale)
    );
    r.handle_event(ev(Token::from_usize(new.to_usize()), Readiness::READABLE))
        .unwrap();
    assert_eq!(drain(&mut r)[..], [Ready::Attempt(op)]);
}

#[test]
fn h05_write_event_leaves_read_state_alone() {
    let mut r = core();
    let t = r.register().unwrap();
    let rd = park(&mut r, t, Read);
    let wr = park(&mut r, t, Write);
    r.handle_event(ev(t, Readiness::WRITABLE)).unwrap();
    assert_eq!(r.op_state(t, Read).unwrap(), S::Parked);
    assert_eq!(r.knowledge(t, Read).unwrap(), Knowledge::NotReady);
    assert_eq!(drain(&mut r)[..], [Ready::Attempt(wr)]);
    // a read edge cached while no reader is parked survives write traffic
    let _ = r.cancel(rd).unwrap();
    r.handle_event(ev(t, Readiness::READABLE)).unwrap();
    r.handle_event(ev(t, Readiness::WRITABLE)).unwrap();
    assert_eq!(r.knowledge(t, Read).unwrap(), Knowledge::Ready);
    attempt(&mut r, t, Read);
}

#[test]
fn h10_priority_wakes_nobody() {
    let mut r = core();
    let t = r.register().unwrap();
    park(&mut r, t, Read);
    r.handle_event(ev(t, Readiness::PRIORITY)).unwrap();
    assert_eq!(r.op_state(t, Read).unwrap(), S::Parked);
    assert_eq!(r.ready_len(), 0);
    assert!(r.readiness(t).unwrap().is_priority());
}

#[test]
fn h13_busy_reads_do_not_starve_writes() {
    let mut r = core();
    let t = r.register().unwrap();
    // reads always have data: they use up their inline budget
    for _ in 0..2 {
        let op = attempt(&mut r, t, Read);
        assert_eq!(r.finish_attempt(op, Outcome::Done).unwrap(), done(op));
    }
    let SubmitAction::Queued(rd) = r.submit(t, Read).unwrap() else {
        panic!()
    };
    // the write direction still completes inline: budgets are per direction
    let wr = attempt(&mut r, t, Write);
    assert_eq!(r.finish_attempt(wr, Outcome::Done).unwrap(), done(wr));
    // a write that parked and then became ready is served in FIFO order, behind the read
    let wr = park(&mut r, t, Write);
    r.handle_event(ev(t, Readiness::WRITABLE)).unwrap();
    assert_eq!(drain(&mut r)[..], [Ready::Attempt(rd), Ready::Attempt(wr)]);
}

#[test]
fn h13_deferred_work_goes_behind_runnable_work() {
    let mut r = core_with_budget(1);
    let a = r.register().unwrap();
    let b = r.register().unwrap();
    let parked = park(&mut r, b, Write);
    r.handle_event(ev(b, Readiness::WRITABLE)).unwrap();
    let x = attempt(&mut r, a, Read);
    let z = attempt(&mut r, b, Read);
    assert_eq!(r.finish_attempt(x, Outcome::Done).unwrap(), done(x));
    assert_eq!(
        r.finish_attempt(z, Outcome::Done).unwrap(),
        FinishAction::Deferred
    );
    assert_eq!(
        drain(&mut r)[..],
        [
            Ready::Attempt(parked),
            Ready::Complete(Completion {
                op: z,
                kind: Kind::Done
            })
        ]
    );
}

#[test]
fn h15_deregister_aborts_parked_queued_and_attempting_once() {
    let mut r = core_with_budget(1);
    let t = r.register().unwrap();
    let other = r.register().unwrap();
    let rd = park(&mut r, t, Read);
    r.handle_event(ev(t, Readiness::READABLE)).unwrap(); // read lane queued
    let wr = attempt(&mut r, t, Write); // write lane mid-attempt
    let keep = park(&mut r, other, Read);
    r.handle_event(ev(other, Readiness::READABLE)).unwrap();
    let aborted = r.deregister(t).unwrap();
    assert_eq!(
        aborted.read,
        Some(Completion {
            op: rd,
            kind: Kind::Aborted
        })
    );
    assert_eq!(
        aborted.write,
        Some(Completion {
            op: wr,
            kind: Kind::Aborted
        })
    );
    // the attempt finishing late is refused: its completion was the abort
    assert_eq!(
        r.finish_attempt(wr, Outcome::Done),
        Err(OpError::StaleToken)
    );
    // the queue no longer holds the dead lane, but still holds the live one
    assert_eq!(drain(&mut r)[..], [Ready::Attempt(keep)]);
}

#[test]
fn h15_deregister_aborts_a_deferred_result() {
    let mut r = core_with_budget(0);
    let t = r.register().unwrap();
    let SubmitAction::Queued(op) = r.submit(t, Write).unwrap() else {
        panic!()
    };
    let aborted = r.deregister(t).unwrap();
    assert_eq!(
        aborted.write,
        Some(Completion {
            op,
            kind: Kind::Aborted
        })
    );
    assert_eq!(aborted.read, None);
    assert!(drain(&mut r).is_empty());
}

#[test]
fn h15_deregister_of_an_idle_descriptor_completes_nothing() {
    let mut r = core();
    let t = r.register().unwrap();
    let aborted = r.deregister(t).unwrap();
    assert_eq!((aborted.read, aborted.write), (None, None));
}

// ---- ready queue bound ----

#[test]
fn ready_queue_holds_every_lane_at_once() {
    let mut storage = [Slot::VACANT; 64];
    let mut r = Reactor::new(&mut storage[..], Config::default());
    let mut ops = heapless::Vec::<OpId, 128>::new();
    let mut tokens = heapless::Vec::<Token, 64>::new();
    for _ in 0..64 {
        let t = r.register().unwrap();
        tokens.push(t).unwrap();
        for dir in Direction::BOTH {
            let op = match r.submit(t, dir).unwrap() {
                SubmitAction::Attempt(op) => op,
                other => panic!("{other:?}"),
            };
            assert_eq!(
                r.finish_attempt(op, Outcome::WouldBlock).unwrap(),
                FinishAction::Parked
            );
            ops.push(op).unwrap();
        }
    }
    for &t in &tokens {
        r.handle_event(ev(t, Readiness::READABLE | Readiness::WRITABLE))
            .unwrap();
        r.handle_event(ev(t, Readiness::READABLE | Readiness::WRITABLE))
            .unwrap();
    }
    assert_eq!(r.ready_len(), 128, "every lane queued exactly once");
    let mut n = 0;
    while let Some(Ready::Attempt(op)) = r.poll_ready() {
        assert_eq!(op, ops[n], "FIFO order");
        n += 1;
    }
    assert_eq!(n, 128);
}

// ---- resume: the futures adapter's one call ----

#[test]
fn resume_on_an_idle_lane_submits() {
    let mut r = core();
    let t = r.register().unwrap();
    let ResumeAction::Attempt(op) = r.resume(t, Read).unwrap() else {
        panic!()
    };
    assert_eq!(
        r.finish_attempt(op, Outcome::WouldBlock).unwrap(),
        FinishAction::Parked
    );
    // gated now: the next resume waits without a syscall, for the same op
    assert_eq!(r.resume(t, Read).unwrap(), ResumeAction::Wait(op));
}

#[test]
fn resume_takes_a_grant_and_starts_it() {
    let mut r = core();
    let t = r.register().unwrap();
    let op = park(&mut r, t, Read);
    r.handle_event(ev(t, Readiness::READABLE)).unwrap();
    assert_eq!(
        r.resume(t, Read).unwrap(),
        ResumeAction::Wait(op),
        "runnable: not granted yet"
    );
    assert_eq!(r.poll_ready(), Some(Ready::Attempt(op)));
    assert!(matches!(r.op_state(t, Read).unwrap(), S::Granted { .. }));
    assert_eq!(r.resume(t, Read).unwrap(), ResumeAction::Attempt(op));
    // the owner makes the syscall within its poll: the grant needs no other transition
    assert!(matches!(r.op_state(t, Read).unwrap(), S::Granted { .. }));
    assert_eq!(r.finish_attempt(op, Outcome::Done).unwrap(), done(op));
    // a re-entrant resume during an attempt is refused, not mistaken for a new op
    let ResumeAction::Attempt(next) = r.resume(t, Read).unwrap() else {
        panic!()
    };
    assert_eq!(r.resume(t, Read), Err(SubmitError::Busy));
    let _ = r.finish_attempt(next, Outcome::Done).unwrap();
}

#[test]
fn resume_waits_behind_a_deferred_completion() {
    let mut r = core_with_budget(1);
    let (a, t) = (r.register().unwrap(), r.register().unwrap());
    let op_a = attempt(&mut r, a, Read);
    let ResumeAction::Attempt(b) = r.resume(t, Read).unwrap() else {
        panic!()
    };
    let _ = r.finish_attempt(op_a, Outcome::Done).unwrap(); // spends the budget
    assert_eq!(
        r.finish_attempt(b, Outcome::Done).unwrap(),
        FinishAction::Deferred
    );
    // the result was handed over; the next op in this lane waits for the deferred completion
    assert_eq!(r.resume(t, Read).unwrap(), ResumeAction::Wait(b));
    assert_eq!(
        r.poll_ready(),
        Some(Ready::Complete(Completion {
            op: b,
            kind: Kind::Done
        }))
    );
    assert!(matches!(r.resume(t, Read).unwrap(), ResumeAction::Attempt(c) if c != b));
}

#[test]
fn h01_edge_during_a_grant_retries_a_would_block_reported_without_start() {
    let mut r = core();
    let t = r.register().unwrap();
    let op = park(&mut r, t, Read);
    r.handle_event(ev(t, Readiness::READABLE)).unwrap();
    assert_eq!(r.poll_ready(), Some(Ready::Attempt(op)));
    // an embedder's syscall runs without `start`; an edge lands meanwhile
    r.handle_event(ev(t, Readiness::READABLE)).unwrap();
    assert_eq!(
        r.finish_attempt(op, Outcome::WouldBlock).unwrap(),
        FinishAction::Retry
    );
}

#[test]
fn start_is_only_for_granted_ops() {
    let mut r = core();
    let t = r.register().unwrap();
    let op = park(&mut r, t, Read);
    assert_eq!(r.start(op), Err(OpError::NotAttempting));
    r.handle_event(ev(t, Readiness::READABLE)).unwrap();
    let _ = r.poll_ready();
    r.start(op).unwrap();
    assert_eq!(r.start(op), Err(OpError::NotAttempting));
}

// ---- the interest feed (level-triggered backends) ----

#[test]
fn feed_reports_each_park_and_unpark_once() {
    let mut r = core_with_feed();
    let t = r.register().unwrap();
    assert!(
        feed(&mut r).is_empty(),
        "a fresh registration watches nothing"
    );
    let op = park(&mut r, t, Read);
    let _w = park(&mut r, t, Write);
    assert_eq!(
        feed(&mut r),
        [(t, Interest::BOTH)],
        "one entry per descriptor"
    );
    assert!(feed(&mut r).is_empty());
    r.handle_event(ev(t, Readiness::READABLE)).unwrap();
    assert_eq!(
        feed(&mut r),
        [(t, Interest::WRITE)],
        "runnable is not watched (H9)"
    );
    assert_eq!(r.poll_ready(), Some(Ready::Attempt(op)));
    assert_eq!(
        r.finish_attempt(op, Outcome::WouldBlock).unwrap(),
        FinishAction::Parked
    );
    assert_eq!(feed(&mut r)[..], [(t, Interest::BOTH)]);
}

#[test]
fn feed_skips_changes_that_cancel_out() {
    let mut r = core_with_feed();
    let t = r.register().unwrap();
    let op = park(&mut r, t, Read);
    assert!(matches!(r.cancel(op).unwrap(), CancelAction::Cancelled(_)));
    // parked then idle again before anyone looked: the backend needs no change
    assert!(feed(&mut r).is_empty());
    interest_matches_the_feed(&mut r, t);
}

fn interest_matches_the_feed(r: &mut Core, t: Token) {
    let _ = feed(r);
    assert_eq!(r.interest(t).unwrap(), Interest::NONE);
}

#[test]
fn feed_survives_deregistration_and_reuse() {
    let mut r = core_with_feed();
    let t = r.register().unwrap();
    let _op = park(&mut r, t, Read);
    let _ = r.deregister(t).unwrap();
    assert!(feed(&mut r).is_empty(), "a gone descriptor is skipped");
    let u = r.register().unwrap();
    assert_eq!(u.index(), t.index());
    let _op = park(&mut r, u, Write);
    assert_eq!(feed(&mut r)[..], [(u, Interest::WRITE)]);
}

#[test]
fn feed_is_off_by_default() {
    let mut r = core();
    let t = r.register().unwrap();
    let _op = park(&mut r, t, Read);
    assert_eq!(r.poll_interest(), None);
    assert_eq!(r.interest(t).unwrap(), Interest::READ);
}

#[test]
fn tokens_lists_the_registered_descriptors() {
    let mut r = core();
    let a = r.register().unwrap();
    let b = r.register().unwrap();
    let c = r.register().unwrap();
    let _ = r.deregister(b).unwrap();
    let listed: heapless::Vec<Token, 8> = r.tokens().collect();
    assert_eq!(listed[..], [a, c]);
}

#[test]
fn a_table_grows_when_the_caller_adds_storage() {
    let mut storage = heapless::Vec::<Slot, 8>::new();
    storage.extend([Slot::VACANT; 2]);
    let mut r = Reactor::new(storage, Config::default());
    let a = r.register().unwrap();
    let b = r.register().unwrap();
    assert_eq!(r.register(), Err(RegisterError::Full));
    r.grow(|v| {
        let _ = v.resize(5, Slot::VACANT);
    });
    assert_eq!(r.capacity(), 5);
    let more: heapless::Vec<Token, 3> = (0..3).map(|_| r.register().unwrap()).collect();
    assert_eq!(r.register(), Err(RegisterError::Full));
    let mut indexes: heapless::Vec<u32, 5> =
        [a, b].iter().chain(&more).map(|t| t.index()).collect();
    indexes.sort_unstable();
    assert_eq!(indexes[..], [0, 1, 2, 3, 4]);
    // the old descriptors are untouched and a storage that does not grow changes nothing
    let SubmitAction::Attempt(op) = r.submit(a, Read).unwrap() else {
        panic!()
    };
    assert_eq!(
        r.finish_attempt(op, Outcome::WouldBlock).unwrap(),
        FinishAction::Parked
    );
    r.grow(|_| {});
    assert_eq!(r.op_state(a, Read).unwrap(), S::Parked);
    assert_eq!(r.len(), 5);
}
