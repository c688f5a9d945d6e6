//! The runtime's clock: `Instant` in, core ticks out.
//!
//! A tick is one nanosecond since the runtime was built. Ticks are what the timer heap orders;
//! the driver turns "ticks until the next deadline" back into a `Duration` for the poller (the
//! poller rounds up to its own resolution, so a wait never ends early and never busy-polls).
//! `u64` nanoseconds last 584 years, so ticks never wrap in practice; conversions saturate.

use std::time::{Duration, Instant};

/// Monotonic ticks (nanoseconds) since the runtime started.
pub(crate) type Ticks = u64;

/// Converts between `Instant` and [`Ticks`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    origin: Instant,
}

impl Clock {
    pub(crate) fn new() -> Clock {
        Clock {
            origin: Instant::now(),
        }
    }

    /// Now, in ticks.
    pub(crate) fn now(&self) -> Ticks {
        self.ticks(Instant::now())
    }

    /// `at` in ticks; instants before the origin map to 0 (already due).
    pub(crate) fn ticks(&self, at: Instant) -> Ticks {
        duration_ticks(at.saturating_duration_since(self.origin))
    }
}

/// A duration in ticks, saturating.
pub(crate) fn duration_ticks(d: Duration) -> Ticks {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}
