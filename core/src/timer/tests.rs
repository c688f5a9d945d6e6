use super::*;

extern crate alloc;

use alloc::vec::Vec;

/// A small deterministic xorshift64 generator (no rand crate).
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn table<const N: usize>() -> Timers<[TimerSlot; N]> {
    Timers::new([TimerSlot::VACANT; N])
}

fn add<S: AsMut<[TimerSlot]> + AsRef<[TimerSlot]>>(t: &mut Timers<S>, deadline: Ticks) -> TimerId {
    t.add(deadline).unwrap().id
}

/// Drains every due timer at `now` in one pass.
fn drain<S: AsMut<[TimerSlot]> + AsRef<[TimerSlot]>>(
    t: &mut Timers<S>,
    now: Ticks,
) -> Vec<TimerId> {
    t.expire(now).collect()
}

#[test]
fn new_table_is_empty() {
    let t = table::<4>();
    assert_eq!(t.len(), 0);
    assert!(t.is_empty());
    assert_eq!(t.capacity(), 4);
    assert_eq!(t.next_deadline(), None);
    assert_eq!(t.next_timeout(0), None);
}

#[test]
fn add_arms_a_timer() {
    let mut t = table::<4>();
    let a = add(&mut t, 30);
    assert_eq!(t.len(), 1);
    assert!(!t.is_empty());
    assert_eq!(t.deadline(a), Ok(30));
    assert_eq!(t.next_deadline(), Some(30));
    assert_eq!(t.is_earliest(a), Ok(true));
    let b = add(&mut t, 10);
    assert_ne!(a, b);
    assert_eq!(t.len(), 2);
    assert_eq!(t.deadline(b), Ok(10));
    assert_eq!(t.next_deadline(), Some(10));
    assert_eq!(t.is_earliest(a), Ok(false));
    assert_eq!(t.is_earliest(b), Ok(true));
}

#[test]
fn add_to_full_table_is_an_error() {
    let mut t = table::<3>();
    let ids = [add(&mut t, 5), add(&mut t, 6), add(&mut t, 7)];
    assert_eq!(t.add(1), Err(TimerError::Full));
    assert_eq!(t.len(), 3);
    assert_eq!(t.next_deadline(), Some(5));
    for (id, deadline) in ids.iter().zip([5, 6, 7]) {
        assert_eq!(t.deadline(*id), Ok(deadline));
    }
    // Freeing a slot makes room again.
    t.cancel(ids[1]).unwrap();
    let d = add(&mut t, 1);
    assert_eq!(t.next_deadline(), Some(1));
    assert_eq!(t.is_earliest(d), Ok(true));
}

#[test]
fn zero_capacity_table_is_always_full() {
    let mut t = Timers::new([]);
    assert_eq!(t.capacity(), 0);
    assert_eq!(t.add(0), Err(TimerError::Full));
    assert_eq!(t.next_timeout(0), None);
    assert_eq!(drain(&mut t, u64::MAX), Vec::new());
}

#[test]
fn cancel_root_promotes_next_earliest() {
    let mut t = table::<8>();
    let ids: Vec<TimerId> = [10, 20, 30, 40, 50]
        .iter()
        .map(|&d| add(&mut t, d))
        .collect();
    t.cancel(ids[0]).unwrap();
    assert_eq!(t.len(), 4);
    assert_eq!(t.next_deadline(), Some(20));
    assert_eq!(drain(&mut t, 100), ids[1..].to_vec());
}

#[test]
fn cancel_middle_keeps_order() {
    let mut t = table::<8>();
    let ids: Vec<TimerId> = [50, 10, 40, 20, 30, 60, 70]
        .iter()
        .map(|&d| add(&mut t, d))
        .collect();
    t.cancel(ids[2]).unwrap(); // deadline 40, an inner node
    t.cancel(ids[4]).unwrap(); // deadline 30
    assert_eq!(t.len(), 5);
    assert_eq!(
        drain(&mut t, 100),
        [ids[1], ids[3], ids[0], ids[5], ids[6]].to_vec()
    );
}

#[test]
fn cancel_last_leaves_the_rest() {
    let mut t = table::<4>();
    let a = add(&mut t, 10);
    let b = add(&mut t, 20);
    let c = add(&mut t, 30); // the last heap position
    t.cancel(c).unwrap();
    assert_eq!(t.len(), 2);
    assert_eq!(drain(&mut t, 100), [a, b].to_vec());
    // And the only timer.
    let d = add(&mut t, 5);
    t.cancel(d).unwrap();
    assert!(t.is_empty());
    assert_eq!(t.next_deadline(), None);
}

#[test]
fn rearm_earlier_moves_to_front() {
    let mut t = table::<4>();
    let a = add(&mut t, 10);
    let b = add(&mut t, 20);
    let c = add(&mut t, 30);
    let out = t.rearm(c, 5).unwrap();
    assert_eq!(out.id, c);
    assert!(out.became_earliest);
    assert_eq!(t.deadline(c), Ok(5));
    assert_eq!(t.next_deadline(), Some(5));
    assert_eq!(drain(&mut t, 100), [c, a, b].to_vec());
}

#[test]
fn rearm_later_moves_back() {
    let mut t = table::<4>();
    let a = add(&mut t, 10);
    let b = add(&mut t, 20);
    let c = add(&mut t, 30);
    let out = t.rearm(a, 25).unwrap();
    assert_eq!(out.id, a);
    assert!(!out.became_earliest);
    assert_eq!(t.next_deadline(), Some(20));
    assert_eq!(drain(&mut t, 24), [b].to_vec());
    assert_eq!(drain(&mut t, 100), [a, c].to_vec());
}

#[test]
fn rearm_to_same_deadline_goes_behind_ties() {
    let mut t = table::<4>();
    let a = add(&mut t, 10);
    let b = add(&mut t, 10);
    let _ = t.rearm(a, 10).unwrap();
    assert_eq!(drain(&mut t, 10), [b, a].to_vec());
}

#[test]
fn stale_after_cancel() {
    let mut t = table::<4>();
    let a = add(&mut t, 10);
    t.cancel(a).unwrap();
    assert_eq!(t.cancel(a), Err(TimerError::Stale));
    assert_eq!(t.rearm(a, 1), Err(TimerError::Stale));
    assert_eq!(t.deadline(a), Err(TimerError::Stale));
    assert_eq!(t.is_earliest(a), Err(TimerError::Stale));
    assert!(t.is_empty());
}

#[test]
fn stale_after_expiry() {
    let mut t = table::<4>();
    let a = add(&mut t, 10);
    let b = add(&mut t, 20);
    assert_eq!(drain(&mut t, 10), [a].to_vec());
    assert_eq!(t.cancel(a), Err(TimerError::Stale));
    assert_eq!(t.rearm(a, 1), Err(TimerError::Stale));
    assert_eq!(t.deadline(a), Err(TimerError::Stale));
    assert_eq!(t.len(), 1);
    assert_eq!(t.deadline(b), Ok(20));
}

#[test]
fn stale_after_slot_reuse_never_touches_newer_timer() {
    let mut t = table::<1>();
    let old = add(&mut t, 10);
    t.cancel(old).unwrap();
    let new = add(&mut t, 20);
    assert_eq!(old.index(), new.index(), "one slot, so it is reused");
    assert_ne!(old, new);
    assert_eq!(t.cancel(old), Err(TimerError::Stale));
    assert_eq!(t.rearm(old, 1), Err(TimerError::Stale));
    assert_eq!(t.deadline(old), Err(TimerError::Stale));
    assert_eq!(t.is_earliest(old), Err(TimerError::Stale));
    assert_eq!(t.deadline(new), Ok(20));
    assert_eq!(t.len(), 1);
    // Reuse after expiry as well.
    assert_eq!(drain(&mut t, 20), [new].to_vec());
    let newer = add(&mut t, 30);
    assert_eq!(t.cancel(new), Err(TimerError::Stale));
    assert_eq!(t.deadline(newer), Ok(30));
}

#[test]
fn id_from_a_larger_table_is_stale() {
    let mut big = table::<8>();
    let ids: Vec<TimerId> = (0..8).map(|d| add(&mut big, d)).collect();
    let foreign = ids[7];
    assert_eq!(foreign.index(), 7);
    let mut small = table::<2>();
    add(&mut small, 1);
    assert_eq!(small.cancel(foreign), Err(TimerError::Stale));
    assert_eq!(small.deadline(foreign), Err(TimerError::Stale));
    assert_eq!(small.len(), 1);
}

#[test]
fn reused_storage_keeps_earlier_ids_stale() {
    let mut storage = [TimerSlot::VACANT; 2];
    let old = {
        let mut t = Timers::new(&mut storage[..]);
        add(&mut t, 10)
    };
    let mut t = Timers::new(&mut storage[..]);
    assert!(t.is_empty());
    assert_eq!(t.deadline(old), Err(TimerError::Stale));
    let new = add(&mut t, 10);
    assert_eq!(t.cancel(old), Err(TimerError::Stale));
    assert_eq!(t.deadline(new), Ok(10));
}

#[test]
fn next_timeout_with_elapsed_future_and_no_deadline() {
    let mut t = table::<4>();
    assert_eq!(t.next_timeout(100), None, "no timer");
    let a = add(&mut t, 150);
    assert_eq!(t.next_timeout(100), Some(50), "future");
    assert_eq!(t.next_timeout(150), Some(0), "exactly due");
    assert_eq!(t.next_timeout(200), Some(0), "elapsed");
    t.cancel(a).unwrap();
    assert_eq!(t.next_timeout(100), None);
}

#[test]
fn clock_going_backwards_never_fires_early() {
    let mut t = table::<4>();
    let a = add(&mut t, 100);
    assert_eq!(t.next_timeout(90), Some(10));
    // The clock jumps back: the wait grows, nothing expires, nothing panics.
    assert_eq!(t.next_timeout(40), Some(60));
    assert_eq!(drain(&mut t, 40), Vec::new());
    assert_eq!(drain(&mut t, 100), [a].to_vec());
    // Saturating deadlines at the top of the range.
    let far = add(&mut t, u64::MAX);
    assert_eq!(t.next_timeout(0), Some(u64::MAX));
    assert_eq!(drain(&mut t, u64::MAX - 1), Vec::new());
    assert_eq!(drain(&mut t, u64::MAX), [far].to_vec());
}

#[test]
fn expire_hands_out_due_timers_earliest_first_ties_in_arming_order() {
    let mut t = table::<8>();
    let a = add(&mut t, 30);
    let b = add(&mut t, 10);
    let c = add(&mut t, 20);
    let d = add(&mut t, 10);
    let e = add(&mut t, 40);
    let mut pass = t.expire(30);
    assert_eq!(pass.turn().now(), 30);
    assert_eq!(pass.next(), Some(b));
    assert_eq!(pass.next(), Some(d));
    assert_eq!(pass.next(), Some(c));
    assert_eq!(pass.next(), Some(a));
    assert_eq!(pass.next(), None, "e is not due");
    assert_eq!(pass.next(), None, "a finished pass stays finished");
    assert_eq!(t.len(), 1);
    assert_eq!(t.deadline(e), Ok(40));
    assert_eq!(t.next_timeout(30), Some(10));
}

#[test]
fn expire_with_nothing_due_changes_nothing() {
    let mut t = table::<4>();
    let a = add(&mut t, 30);
    assert_eq!(drain(&mut t, 29), Vec::new());
    assert_eq!(t.deadline(a), Ok(30));
}

#[test]
fn cancel_during_pass_is_not_handed_out() {
    let mut t = table::<4>();
    let a = add(&mut t, 1);
    let b = add(&mut t, 2);
    let c = add(&mut t, 3);
    let mut pass = t.expire(10);
    assert_eq!(pass.next(), Some(a));
    pass.timers().cancel(b).unwrap();
    assert_eq!(pass.next(), Some(c));
    assert_eq!(pass.next(), None);
}

#[test]
fn manual_turn_matches_expire() {
    let mut t = table::<4>();
    let a = add(&mut t, 1);
    let b = add(&mut t, 2);
    let turn = t.turn(5);
    assert_eq!(t.expire_next(&turn), Some(a));
    // The table is free between expiries: arm a timer that is already due.
    let c = add(&mut t, 0);
    assert_eq!(
        t.expire_next(&turn),
        None,
        "c is older than b but armed mid-pass"
    );
    assert_eq!(t.len(), 2);
    let turn = t.turn(5);
    assert_eq!(t.expire_next(&turn), Some(c));
    assert_eq!(t.expire_next(&turn), Some(b));
    assert_eq!(t.expire_next(&turn), None);
}

/// H12, first half: a handler that re-adds a 0-duration timer on every expiry must not keep
/// the expiry pass going forever; ready work runs between passes.
#[test]
fn h12_zero_duration_timer_does_not_starve_ready_work() {
    let mut t = table::<4>();
    add(&mut t, 0);
    let mut ready_queue = 3u32; // handlers queued behind the timer
    for now in 0..5 {
        assert_eq!(t.next_timeout(now), Some(0), "the re-armed timer is due");
        let mut pass = t.expire(now);
        let mut fired_this_pass = 0;
        while let Some(_id) = pass.next() {
            fired_this_pass += 1;
            // The handler re-arms itself with a 0-duration timer. Without the arming-order
            // bound this pass would hand it straight back, forever; the guard stops that.
            add(pass.timers(), now);
            assert_eq!(pass.timers().next_timeout(now), Some(0));
            assert!(
                fired_this_pass <= 1,
                "a timer armed mid-pass was handed out"
            );
        }
        assert_eq!(fired_this_pass, 1);
        // Back in the loop: ready work gets its turn between passes.
        ready_queue = ready_queue.saturating_sub(1);
    }
    assert_eq!(ready_queue, 0, "ready work ran between expiry passes");
    assert_eq!(t.len(), 1);
}

#[test]
fn h12_rearm_into_the_past_during_pass_waits_for_next_pass() {
    let mut t = table::<4>();
    let a = add(&mut t, 5);
    let b = add(&mut t, 50);
    let mut pass = t.expire(10);
    assert_eq!(pass.next(), Some(a));
    // The handler pulls b into the past: due, but only on the next pass.
    let out = pass.timers().rearm(b, 0).unwrap();
    assert!(out.became_earliest);
    assert_eq!(pass.next(), None);
    assert_eq!(t.next_timeout(10), Some(0));
    assert_eq!(drain(&mut t, 10), [b].to_vec());
}

/// H12, second half: adding or re-arming a timer that is nearer than the one the poller
/// blocks on must be reported, so the driver interrupts the poller.
#[test]
fn h12_nearer_timer_reports_earliest() {
    let mut t = table::<8>();
    let now = 0;
    let first = t.add(100).unwrap();
    assert!(
        first.became_earliest,
        "first timer: the poller blocked without limit"
    );
    // The driver blocks for this long.
    let mut blocking_for = t.next_timeout(now);
    assert_eq!(blocking_for, Some(100));

    let later = t.add(200).unwrap();
    assert!(!later.became_earliest);
    let tie = t.add(100).unwrap();
    assert!(
        !tie.became_earliest,
        "an equal deadline does not shorten the wait"
    );
    assert_eq!(t.next_timeout(now), blocking_for);

    let nearer = t.add(40).unwrap();
    assert!(nearer.became_earliest);
    assert_eq!(t.is_earliest(nearer.id), Ok(true));
    assert_eq!(t.is_earliest(first.id), Ok(false));
    // The driver interrupts the poller and recomputes: the new wait is shorter.
    assert!(t.next_timeout(now) < blocking_for);
    blocking_for = t.next_timeout(now);
    assert_eq!(blocking_for, Some(40));

    let moved = t.rearm(later.id, 10).unwrap();
    assert!(moved.became_earliest);
    assert_eq!(t.is_earliest(later.id), Ok(true));
    assert_eq!(t.next_timeout(now), Some(10));

    let pushed = t.rearm(later.id, 300).unwrap();
    assert!(
        !pushed.became_earliest,
        "a later deadline never needs an interrupt"
    );
    assert_eq!(t.next_deadline(), Some(40));

    let behind = t.rearm(first.id, 50).unwrap();
    assert!(!behind.became_earliest);
}

#[test]
fn random_sequences_match_sorted_model() {
    const N: usize = 32;
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for _round in 0..40 {
        let mut t = table::<N>();
        // Model: (deadline, arming order, id) for every armed timer.
        let mut model: Vec<(Ticks, u64, TimerId)> = Vec::new();
        let mut order = 0u64;
        let mut now: Ticks = 0;
        for _op in 0..400 {
            match rng.below(10) {
                0..=3 => {
                    let deadline = now + rng.below(50);
                    match t.add(deadline) {
                        Ok(out) => {
                            let before = model.iter().map(|m| m.0).min();
                            assert_eq!(out.became_earliest, before.is_none_or(|b| deadline < b));
                            model.push((deadline, order, out.id));
                            order += 1;
                        }
                        Err(e) => {
                            assert_eq!(e, TimerError::Full);
                            assert_eq!(model.len(), N);
                        }
                    }
                }
                4 | 5 if !model.is_empty() => {
                    let k = rng.below(model.len() as u64) as usize;
                    let (_, _, id) = model.swap_remove(k);
                    t.cancel(id).unwrap();
                    assert_eq!(t.cancel(id), Err(TimerError::Stale));
                }
                6 | 7 if !model.is_empty() => {
                    let k = rng.below(model.len() as u64) as usize;
                    let deadline = now + rng.below(50);
                    let before = model.iter().map(|m| m.0).min();
                    let out = t.rearm(model[k].2, deadline).unwrap();
                    assert_eq!(out.id, model[k].2);
                    model[k].0 = deadline;
                    model[k].1 = order;
                    order += 1;
                    assert_eq!(out.became_earliest, before.is_none_or(|b| deadline < b));
                }
                _ => {
                    now += rng.below(20);
                    let got = drain(&mut t, now);
                    let mut due: Vec<(Ticks, u64, TimerId)> =
                        model.iter().copied().filter(|m| m.0 <= now).collect();
                    due.sort_unstable_by_key(|m| (m.0, m.1));
                    let want: Vec<TimerId> = due.iter().map(|m| m.2).collect();
                    assert_eq!(got, want);
                    model.retain(|m| m.0 > now);
                    for id in got {
                        assert_eq!(t.deadline(id), Err(TimerError::Stale));
                    }
                }
            }
            assert_eq!(t.len(), model.len());
            assert_eq!(t.next_deadline(), model.iter().map(|m| m.0).min());
            for m in &model {
                assert_eq!(t.deadline(m.2), Ok(m.0));
            }
        }
    }
}

#[test]
fn works_over_array_slice_and_vec_storage() {
    let mut array = table::<2>();
    let mut backing = [TimerSlot::VACANT; 3];
    let mut slice = Timers::new(&mut backing[..]);
    let mut vec = Timers::new(alloc::vec![TimerSlot::default(); 5]);
    assert_eq!(array.capacity(), 2);
    assert_eq!(slice.capacity(), 3);
    assert_eq!(vec.capacity(), 5);
    for deadline in [3, 1, 2] {
        let _ = array.add(deadline); // the third one is refused: capacity 2
        add(&mut slice, deadline);
        add(&mut vec, deadline);
    }
    assert_eq!(array.len(), 2);
    assert_eq!(array.add(0), Err(TimerError::Full));
    assert_eq!(array.next_deadline(), Some(1));
    assert_eq!(slice.next_deadline(), Some(1));
    assert_eq!(vec.next_deadline(), Some(1));
}

#[test]
fn display_and_debug() {
    use alloc::format;
    assert_eq!(format!("{}", TimerError::Full), "timer table is full");
    assert_eq!(format!("{}", TimerError::Stale), "timer id is stale");
    let mut t = table::<2>();
    let a = add(&mut t, 7);
    assert_eq!(format!("{a:?}"), "TimerId(0v1)");
    assert_eq!(
        format!("{t:?}"),
        "Timers { len: 1, capacity: 2, next_deadline: Some(7) }"
    );
    assert_eq!(format!("{:?}", TimerSlot::VACANT), "TimerSlot");
}
