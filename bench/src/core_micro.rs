//! The core-only microbenchmark: what `rill-core` itself costs per op, with no syscalls, and a
//! check that it allocates nothing (it cannot: it has no allocator, but the check keeps the
//! claim measured).
//!
//! Three loops, each timed over many iterations:
//! - **inline**: `submit` → `Attempt` → `finish_attempt(Done)` → `Complete`, then
//!   `reset_budget` (what an executor does when it polls the next task);
//! - **parked**: `submit` → `Attempt` → `finish_attempt(WouldBlock)` → `Parked` →
//!   `handle_event` → `poll_ready` → `Attempt` → `finish_attempt(Done)` → `Complete`;
//! - **dispatch**: `handle_event` + `poll_ready` alone, for a batch of parked ops (the per-event
//!   cost of the reactor loop).

use std::hint::black_box;
use std::time::Instant;

use rill_core::{
    Config, Direction, Event, FinishAction, OpId, Outcome, Reactor, Readiness, Ready, Slot,
    SubmitAction, Token,
};

use crate::alloc;
use crate::stats::median;

/// The core microbenchmark's result: nanoseconds per cycle (medians over rounds) and the
/// allocations made inside the timed loops.
#[derive(Clone, Copy, Debug)]
pub struct CoreResult {
    /// One inline cycle.
    pub inline_ns: f64,
    /// One parked cycle (with its event).
    pub parked_ns: f64,
    /// One event dispatch (`handle_event` + `poll_ready`).
    pub dispatch_ns: f64,
    /// Allocations counted inside every timed loop together.
    pub allocations: u64,
}

type Core = Reactor<Vec<Slot>>;

fn unexpected(what: &str) -> String {
    format!("core microbenchmark: unexpected {what}")
}

fn attempt(r: &mut Core, t: Token) -> Result<OpId, String> {
    match r.submit(t, Direction::Read).map_err(|e| format!("{e:?}"))? {
        SubmitAction::Attempt(op) => Ok(op),
        other => Err(unexpected(&format!("{other:?}"))),
    }
}

fn inline_loop(r: &mut Core, t: Token, iters: u64) -> Result<(), String> {
    for _ in 0..iters {
        let op = attempt(r, t)?;
        match r.finish_attempt(op, Outcome::Done) {
            Ok(FinishAction::Complete(c)) => {
                black_box(c);
            }
            other => return Err(unexpected(&format!("{other:?}"))),
        }
        r.reset_budget();
    }
    Ok(())
}

fn parked_loop(r: &mut Core, t: Token, iters: u64) -> Result<(), String> {
    for _ in 0..iters {
        let op = attempt(r, t)?;
        if r.finish_attempt(op, Outcome::WouldBlock) != Ok(FinishAction::Parked) {
            return Err(unexpected("finish after WouldBlock"));
        }
        r.handle_event(Event::new(t, Readiness::READABLE))
            .map_err(|e| format!("{e:?}"))?;
        let Some(Ready::Attempt(again)) = r.poll_ready() else {
            return Err(unexpected("poll_ready"));
        };
        match r.finish_attempt(again, Outcome::Done) {
            Ok(FinishAction::Complete(c)) => {
                black_box(c);
            }
            other => return Err(unexpected(&format!("{other:?}"))),
        }
    }
    Ok(())
}

/// Parks a read on every token (from a state where the next submit attempts).
fn park_all(r: &mut Core, tokens: &[Token]) -> Result<(), String> {
    for &t in tokens {
        let op = attempt(r, t)?;
        if r.finish_attempt(op, Outcome::WouldBlock) != Ok(FinishAction::Parked) {
            return Err(unexpected("finish after WouldBlock"));
        }
    }
    Ok(())
}

/// Times `handle_event` + `poll_ready` for every parked token; returns ns per dispatch.
fn dispatch_batch(r: &mut Core, tokens: &[Token], ops: &mut Vec<OpId>) -> Result<f64, String> {
    ops.clear();
    let start = Instant::now();
    for &t in tokens {
        let _ = black_box(r.handle_event(Event::new(t, Readiness::READABLE)));
    }
    while let Some(ready) = r.poll_ready() {
        if let Ready::Attempt(op) = ready {
            ops.push(op);
        }
    }
    let ns = start.elapsed().as_nanos() as f64 / tokens.len() as f64;
    for &op in ops.iter() {
        if !matches!(
            r.finish_attempt(op, Outcome::Done),
            Ok(FinishAction::Complete(_))
        ) {
            return Err(unexpected("finish after dispatch"));
        }
    }
    if ops.len() != tokens.len() {
        return Err(unexpected("number of dispatched ops"));
    }
    Ok(ns)
}

/// Runs the three loops `rounds` times with `iters` iterations each.
pub fn run(rounds: usize, iters: u64) -> Result<CoreResult, String> {
    const BATCH: usize = 1024;
    let storage = vec![Slot::VACANT; BATCH];
    let mut r = Reactor::new(storage, Config::default());
    let tokens = (0..BATCH)
        .map(|_| r.register().map_err(|e| format!("{e:?}")))
        .collect::<Result<Vec<_>, _>>()?;
    let mut ops = Vec::with_capacity(BATCH);
    let mut inline = Vec::with_capacity(rounds);
    let mut parked = Vec::with_capacity(rounds);
    let mut dispatch = Vec::with_capacity(rounds);
    let mut allocations = 0;
    // Warm up once, untimed.
    inline_loop(&mut r, tokens[0], iters / 10)?;
    parked_loop(&mut r, tokens[0], iters / 10)?;
    for _ in 0..rounds {
        let before = alloc::thread_allocations();
        let start = Instant::now();
        inline_loop(&mut r, tokens[0], iters)?;
        inline.push(start.elapsed().as_nanos() as f64 / iters as f64);

        let start = Instant::now();
        parked_loop(&mut r, tokens[0], iters)?;
        parked.push(start.elapsed().as_nanos() as f64 / iters as f64);

        let batches = (iters as usize / BATCH).max(1);
        let mut sum = 0.0;
        for _ in 0..batches {
            park_all(&mut r, &tokens)?;
            sum += dispatch_batch(&mut r, &tokens, &mut ops)?;
        }
        dispatch.push(sum / batches as f64);
        allocations += alloc::thread_allocations() - before;
    }
    Ok(CoreResult {
        inline_ns: median(&mut inline).unwrap_or(f64::NAN),
        parked_ns: median(&mut parked).unwrap_or(f64::NAN),
        dispatch_ns: median(&mut dispatch).unwrap_or(f64::NAN),
        allocations,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn core_cycles_run_and_allocate_nothing() {
        let r = super::run(2, 2048).unwrap();
        assert_eq!(r.allocations, 0);
        assert!(r.inline_ns > 0.0 && r.parked_ns > 0.0 && r.dispatch_ns > 0.0);
    }
}
