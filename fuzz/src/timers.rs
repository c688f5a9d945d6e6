//! The `timers` target: [`rill_core::Timers`] (a binary heap in caller storage) against a sorted
//! vector.
//!
//! The model keeps every armed timer as `(deadline, arming sequence, id)` in a `Vec` sorted by
//! `(deadline, sequence)`, so "the next timer" is simply its first element. Each step (add,
//! cancel, re-arm, advance or rewind the clock, start an expiry pass, expire the next timer, run
//! a whole pass) is applied to both, and after each step every observable is compared:
//! `len`, `next_deadline`, `next_timeout(now)`, and `deadline` / `is_earliest` of every id ever
//! handed out (armed ones answer their deadline, the others [`TimerError::Stale`]).
//!
//! What the model encodes from the `timer` module docs:
//! - a full table answers `Full`; a cancelled or expired id answers `Stale`;
//! - `became_earliest` is set exactly when the new deadline is before the previous earliest one
//!   (or nothing was armed);
//! - an expiry pass hands out timers earliest first, ties in arming order, and stops at the first
//!   timer that is not due or was armed (or re-armed) after the pass began (H12);
//! - `next_timeout(now)` is the earliest deadline minus `now`, saturating at zero, even when the
//!   clock goes backwards (which the contract forbids but must survive).

use arbitrary::{Arbitrary, Unstructured};
use rill_core::timer::{TimerError, Turn};
use rill_core::{Ticks, TimerId, TimerSlot, Timers};

/// One fuzz case.
#[derive(Arbitrary, Debug, Clone)]
pub struct Input {
    /// Timer slots, modulo 9 (0 to 8; 0 makes every add fail).
    pub capacity: u8,
    /// The clock's starting value.
    pub start: u64,
    /// The calls, in order.
    pub steps: Vec<Step>,
}

/// How a step names a deadline.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum When {
    /// `now + d`.
    After(u8),
    /// `now - d` (saturating): already due.
    Before(u8),
    /// Any value, up to `u64::MAX`.
    At(u64),
}

/// One call on the timer table.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Step {
    /// `add(deadline)`.
    Add(When),
    /// `cancel(id)`, id picked among all ids ever handed out.
    Cancel(u8),
    /// `rearm(id, deadline)`.
    Rearm(u8, When),
    /// The clock moves forward.
    Advance(u16),
    /// The clock moves backward (a contract breach the table must survive).
    Rewind(u8),
    /// Start an expiry pass at the current time (`turn(now)`), replacing any pass under way.
    BeginPass,
    /// `expire_next(&turn)` on the pass under way (starting one if there is none).
    ExpireNext,
    /// `expire(now)`: a whole pass through the iterator, collecting every id.
    ExpireAll,
}

impl Input {
    /// Decodes fuzz bytes: capacity, start time, then steps until the bytes run out.
    pub fn decode(data: &[u8]) -> arbitrary::Result<Input> {
        let mut u = Unstructured::new(data);
        let capacity = u.arbitrary()?;
        let start = u.arbitrary()?;
        let mut steps = Vec::new();
        while !u.is_empty() {
            steps.push(u.arbitrary()?);
        }
        Ok(Input {
            capacity,
            start,
            steps,
        })
    }
}

/// Decodes `data` and runs it; panics on any disagreement. Inputs that do not decode are ignored.
pub fn run(data: &[u8]) {
    if let Ok(input) = Input::decode(data) {
        check(&input);
    }
}

/// One armed timer in the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Armed {
    deadline: Ticks,
    seq: u64,
    id: TimerId,
}

/// The sorted-vector model.
struct Model {
    capacity: usize,
    /// Sorted by `(deadline, seq)`.
    armed: Vec<Armed>,
    next_seq: u64,
}

impl Model {
    fn insert(&mut self, a: Armed) {
        let at = self
            .armed
            .partition_point(|x| (x.deadline, x.seq) < (a.deadline, a.seq));
        self.armed.insert(at, a);
    }

    fn find(&self, id: TimerId) -> Option<usize> {
        self.armed.iter().position(|a| a.id == id)
    }

    fn earliest(&self) -> Option<Ticks> {
        self.armed.first().map(|a| a.deadline)
    }

    fn take_seq(&mut self) -> u64 {
        let s = self.next_seq;
        self.next_seq += 1;
        s
    }

    /// The timer a pass begun with `bound` at `now` hands out next, removed from the model.
    fn expire_next(&mut self, now: Ticks, bound: u64) -> Option<TimerId> {
        let first = *self.armed.first()?;
        if first.deadline > now || first.seq >= bound {
            return None;
        }
        self.armed.remove(0);
        Some(first.id)
    }
}

/// Runs one decoded case; panics on any disagreement between the heap and the model.
pub fn check(input: &Input) {
    let capacity = usize::from(input.capacity % 9);
    let mut timers = Timers::new(vec![TimerSlot::VACANT; capacity]);
    let mut model = Model {
        capacity,
        armed: Vec::new(),
        next_seq: 0,
    };
    let mut issued: Vec<TimerId> = Vec::new();
    let mut now: Ticks = input.start;
    // The pass under way: the core's snapshot and the model's (now, sequence bound).
    let mut pass: Option<(Turn, Ticks, u64)> = None;
    assert_eq!(timers.capacity(), capacity);

    for (i, step) in input.steps.iter().enumerate() {
        let at = |w: When, now: Ticks| match w {
            When::After(d) => now.saturating_add(u64::from(d)),
            When::Before(d) => now.saturating_sub(u64::from(d)),
            When::At(t) => t,
        };
        let pick = |issued: &[TimerId], k: u8| {
            (!issued.is_empty()).then(|| issued[usize::from(k) % issued.len()])
        };
        match *step {
            Step::Add(w) => {
                let deadline = at(w, now);
                let before = model.earliest();
                match timers.add(deadline) {
                    Ok(out) => {
                        assert!(
                            model.armed.len() < model.capacity,
                            "step {i}: add past capacity"
                        );
                        assert!(
                            !issued.contains(&out.id),
                            "step {i}: id {:?} reused",
                            out.id
                        );
                        assert!(out.id.index() < capacity, "step {i}: index out of range");
                        assert_eq!(
                            out.became_earliest,
                            before.is_none_or(|b| deadline < b),
                            "step {i}: became_earliest for {deadline} (earliest was {before:?})"
                        );
                        issued.push(out.id);
                        let seq = model.take_seq();
                        model.insert(Armed {
                            deadline,
                            seq,
                            id: out.id,
                        });
                    }
                    Err(e) => {
                        assert_eq!(e, TimerError::Full, "step {i}");
                        assert_eq!(
                            model.armed.len(),
                            model.capacity,
                            "step {i}: Full too early"
                        );
                    }
                }
            }
            Step::Cancel(k) => {
                let Some(id) = pick(&issued, k) else { continue };
                let got = timers.cancel(id);
                match model.find(id) {
                    Some(p) => {
                        assert_eq!(got, Ok(()), "step {i}: cancel {id:?}");
                        model.armed.remove(p);
                    }
                    None => assert_eq!(got, Err(TimerError::Stale), "step {i}: cancel {id:?}"),
                }
            }
            Step::Rearm(k, w) => {
                let Some(id) = pick(&issued, k) else { continue };
                let deadline = at(w, now);
                let before = model.earliest();
                let got = timers.rearm(id, deadline);
                match model.find(id) {
                    Some(p) => {
                        let out = got.unwrap_or_else(|e| panic!("step {i}: rearm {id:?}: {e:?}"));
                        assert_eq!(out.id, id, "step {i}: rearm changed the id");
                        assert_eq!(
                            out.became_earliest,
                            before.is_none_or(|b| deadline < b),
                            "step {i}: became_earliest on rearm to {deadline} (earliest {before:?})"
                        );
                        model.armed.remove(p);
                        let seq = model.take_seq();
                        model.insert(Armed { deadline, seq, id });
                    }
                    None => assert_eq!(
                        got.map(|o| o.id),
                        Err(TimerError::Stale),
                        "step {i}: rearm {id:?}"
                    ),
                }
            }
            Step::Advance(d) => now = now.saturating_add(u64::from(d)),
            Step::Rewind(d) => now = now.saturating_sub(u64::from(d)),
            Step::BeginPass => pass = Some((timers.turn(now), now, model.next_seq)),
            Step::ExpireNext => {
                let (turn, pass_now, bound) =
                    *pass.get_or_insert_with(|| (timers.turn(now), now, model.next_seq));
                assert_eq!(turn.now(), pass_now, "step {i}: turn.now()");
                let got = timers.expire_next(&turn);
                let want = model.expire_next(pass_now, bound);
                assert_eq!(got, want, "step {i}: expire_next at {pass_now}");
            }
            Step::ExpireAll => {
                let bound = model.next_seq;
                let got: Vec<TimerId> = timers.expire(now).collect();
                let mut want = Vec::new();
                while let Some(id) = model.expire_next(now, bound) {
                    want.push(id);
                }
                assert_eq!(got, want, "step {i}: expire({now})");
            }
        }
        compare(&timers, &model, &issued, now, i);
    }
}

/// Every observable of the heap against the model.
fn compare(
    timers: &Timers<Vec<TimerSlot>>,
    model: &Model,
    issued: &[TimerId],
    now: Ticks,
    i: usize,
) {
    assert_eq!(timers.len(), model.armed.len(), "step {i}: len");
    assert_eq!(
        timers.is_empty(),
        model.armed.is_empty(),
        "step {i}: is_empty"
    );
    assert_eq!(
        timers.next_deadline(),
        model.earliest(),
        "step {i}: next_deadline"
    );
    assert_eq!(
        timers.next_timeout(now),
        model.earliest().map(|d| d.saturating_sub(now)),
        "step {i}: next_timeout({now})"
    );
    for &id in issued {
        match model.find(id) {
            Some(p) => {
                assert_eq!(
                    timers.deadline(id),
                    Ok(model.armed[p].deadline),
                    "step {i}: {id:?}"
                );
                assert_eq!(
                    timers.is_earliest(id),
                    Ok(p == 0),
                    "step {i}: is_earliest {id:?}"
                );
            }
            None => {
                assert_eq!(
                    timers.deadline(id),
                    Err(TimerError::Stale),
                    "step {i}: {id:?}"
                );
                assert_eq!(
                    timers.is_earliest(id),
                    Err(TimerError::Stale),
                    "step {i}: {id:?}"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(seed: u64, len: usize) -> Vec<u8> {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    #[test]
    fn pseudo_random_inputs_agree_with_the_model() {
        for seed in 0..2000 {
            run(&bytes(seed, 32 + (seed as usize % 9) * 64));
        }
    }

    #[test]
    fn rearmed_zero_timer_waits_for_the_next_pass() {
        // H12: a timer re-armed into the past during a pass is not handed out by that pass.
        let input = Input {
            capacity: 2,
            start: 100,
            steps: vec![
                Step::Add(When::Before(5)),
                Step::Add(When::Before(1)),
                Step::BeginPass,
                Step::ExpireNext,
                Step::Rearm(1, When::Before(50)),
                Step::ExpireNext,
                Step::ExpireAll,
            ],
        };
        check(&input);
    }
}
