//! The runtime's clock: `Instant` in, core ticks out, and the test clock.
//!
//! A tick is one nanosecond since the runtime was built. Ticks are what the timer heap orders;
//! the driver turns "ticks until the next deadline" back into a `Duration` for the poller (the
//! poller rounds up to its own resolution, so a wait never ends early and never busy-polls).
//! `u64` nanoseconds last 584 years, so ticks never wrap in practice; conversions saturate.
//!
//! **The test clock** (`Builder::start_paused(true)`): time is virtual. It stands still while
//! any task can run, jumps straight to the next timer when every task is idle (the loop would
//! otherwise block waiting for it), and moves by hand with [`crate::time::advance`]. The core
//! takes time as an input, so nothing else changes: every sleep, timeout and interval reads this
//! clock (`crate::time::now`), never `Instant::now` directly.

use std::cell::Cell;
use std::time::{Duration, Instant};

/// Monotonic ticks (nanoseconds) since the runtime started.
pub(crate) type Ticks = u64;

/// Converts between `Instant` and [`Ticks`]; virtual when paused.
#[derive(Debug)]
pub(crate) struct Clock {
    origin: Instant,
    /// `Some(now)` for the test clock.
    paused: Option<Cell<Ticks>>,
}

impl Clock {
    /// A real clock, or (`paused`) a virtual one starting now.
    pub(crate) fn new(paused: bool) -> Clock {
        Clock {
            origin: Instant::now(),
            paused: paused.then(|| Cell::new(0)),
        }
    }

    /// Now, in ticks.
    pub(crate) fn now(&self) -> Ticks {
        match &self.paused {
            Some(now) => now.get(),
            None => self.ticks(Instant::now()),
        }
    }

    /// Now, as an `Instant` (virtual when paused).
    pub(crate) fn instant_now(&self) -> Instant {
        match &self.paused {
            Some(now) => self.origin + Duration::from_nanos(now.get()),
            None => Instant::now(),
        }
    }

    /// `at` in ticks; instants before the origin map to 0 (already due).
    pub(crate) fn ticks(&self, at: Instant) -> Ticks {
        duration_ticks(at.saturating_duration_since(self.origin))
    }

    /// True for the test clock.
    pub(crate) fn is_paused(&self) -> bool {
        self.paused.is_some()
    }

    /// Moves the test clock forward by `by` ticks (a real clock is not moved). Returns whether
    /// it moved.
    pub(crate) fn advance(&self, by: Ticks) -> bool {
        match &self.paused {
            Some(now) => {
                now.set(now.get().saturating_add(by));
                true
            }
            None => false,
        }
    }
}

/// A duration in ticks, saturating.
pub(crate) fn duration_ticks(d: Duration) -> Ticks {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paused_clock_moves_only_by_hand() {
        let c = Clock::new(true);
        let t0 = c.instant_now();
        assert_eq!(c.now(), 0);
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(c.now(), 0, "real time does not move it");
        assert!(c.advance(3_600_000_000_000));
        assert_eq!(c.now(), 3_600_000_000_000);
        assert_eq!(c.instant_now() - t0, Duration::from_secs(3600));
        assert_eq!(c.ticks(c.instant_now()), c.now());
    }

    #[test]
    fn a_real_clock_is_not_advanced() {
        let c = Clock::new(false);
        assert!(!c.advance(1_000));
        assert!(!c.is_paused());
    }
}
