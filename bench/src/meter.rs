//! Counting operations inside a measurement window.
//!
//! Every implementation of a workload calls [`Meter::add`] once per finished operation (a round
//! trip, a request, a wake). The meter ignores a warm-up period, then records the count, the time
//! and the allocation counter when the window opens and when it closes, and from then on answers
//! "stop". The clock is read once every [`Meter::CHECK_EVERY`] operations, the same for all.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::alloc;

/// One measured run: a rate and the allocations it made per operation.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// Operations (or bytes) per second.
    pub rate: f64,
    /// Allocations per operation inside the window; NaN when the work ran in another process.
    pub allocs_per_op: f64,
    /// Every operation of the run, warm-up included (for per-operation counts taken from the
    /// outside, e.g. instructions under callgrind).
    pub total_ops: u64,
}

#[derive(Clone, Copy)]
struct Mark {
    at: Instant,
    count: u64,
    allocs: u64,
}

impl Mark {
    fn now(count: u64) -> Mark {
        Mark {
            at: Instant::now(),
            count,
            allocs: alloc::allocations(),
        }
    }
}

enum Phase {
    Warming { until: Instant },
    Measuring { start: Mark, until: Instant },
    Done { start: Mark, end: Mark },
}

/// A warm-up then a measurement window over a shared operation count. `Sync`, so the same meter
/// serves single-threaded loops, tasks and threads alike.
pub struct Meter {
    count: AtomicU64,
    stopped: AtomicBool,
    window: Duration,
    phase: Mutex<Phase>,
}

impl Meter {
    /// How many operations pass between two clock reads.
    pub const CHECK_EVERY: u64 = 16;

    /// A meter whose warm-up starts now.
    pub fn new(warmup: Duration, window: Duration) -> Meter {
        Meter {
            count: AtomicU64::new(0),
            stopped: AtomicBool::new(false),
            window,
            phase: Mutex::new(Phase::Warming {
                until: Instant::now() + warmup,
            }),
        }
    }

    /// Records `n` finished operations. Returns `false` once the window has closed: stop.
    pub fn add(&self, n: u64) -> bool {
        let before = self.count.fetch_add(n, Ordering::Relaxed);
        if self.stopped.load(Ordering::Relaxed) {
            return false;
        }
        if before / Self::CHECK_EVERY == (before + n) / Self::CHECK_EVERY {
            return true;
        }
        self.check(before + n)
    }

    fn check(&self, count: u64) -> bool {
        let now = Instant::now();
        let mut phase = self.phase.lock().unwrap_or_else(|e| e.into_inner());
        match *phase {
            Phase::Warming { until } if now >= until => {
                *phase = Phase::Measuring {
                    start: Mark::now(count),
                    until: now + self.window,
                };
                true
            }
            Phase::Measuring { start, until } if now >= until => {
                *phase = Phase::Done {
                    start,
                    end: Mark::now(count),
                };
                self.stopped.store(true, Ordering::Relaxed);
                false
            }
            Phase::Done { .. } => false,
            _ => true,
        }
    }

    /// The result, if the window closed.
    pub fn sample(&self) -> Option<Sample> {
        let phase = self.phase.lock().unwrap_or_else(|e| e.into_inner());
        let Phase::Done { start, end } = *phase else {
            return None;
        };
        let ops = end.count.saturating_sub(start.count).max(1) as f64;
        let secs = end.at.duration_since(start.at).as_secs_f64().max(1e-9);
        Some(Sample {
            rate: ops / secs,
            allocs_per_op: end.allocs.saturating_sub(start.allocs) as f64 / ops,
            total_ops: self.count.load(Ordering::Relaxed),
        })
    }
}

/// Measures one fixed-size job (bulk transfer): `ops` operations of `units` each, timed around
/// `job`. The rate is units per second.
pub fn timed<E>(ops: u64, units: u64, job: impl FnOnce() -> Result<(), E>) -> Result<Sample, E> {
    let start = Mark::now(0);
    job()?;
    let end = Mark::now(0);
    let secs = end.at.duration_since(start.at).as_secs_f64().max(1e-9);
    Ok(Sample {
        rate: units as f64 / secs,
        allocs_per_op: end.allocs.saturating_sub(start.allocs) as f64 / ops.max(1) as f64,
        total_ops: ops,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meter_counts_only_inside_the_window_then_says_stop() {
        let m = Meter::new(Duration::from_millis(5), Duration::from_millis(20));
        assert!(m.sample().is_none());
        let start = Instant::now();
        let mut ops = 0u64;
        while m.add(1) {
            ops += 1;
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the window never closed"
            );
        }
        assert!(!m.add(1), "a closed meter stays closed");
        let s = m.sample().expect("closed window has a sample");
        assert!(s.rate > 0.0 && s.rate.is_finite());
        // The window excludes the warm-up: fewer ops counted than performed.
        let counted = s.rate * 0.020;
        assert!(counted <= ops as f64 * 1.5, "{counted} vs {ops}");
    }

    #[test]
    fn timed_divides_units_by_elapsed_time() {
        let s = timed::<()>(4, 1_000_000, || {
            std::thread::sleep(Duration::from_millis(10));
            Ok(())
        })
        .unwrap();
        assert!(s.rate > 0.0 && s.rate <= 1e8, "{}", s.rate);
    }
}
