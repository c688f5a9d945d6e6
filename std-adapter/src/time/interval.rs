//! [`interval`]: a periodic tick.

use std::fmt;
use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::time::sleep::{sleep_until, Sleep};
use crate::time::{deadline_after, now};

/// A tick every `period`, the first one immediately.
///
/// Missed ticks are skipped, not bursted: if the task was late by more than a period, the next
/// tick is one period after the late one.
///
/// # Panics
///
/// When `period` is zero.
pub fn interval(period: Duration) -> Interval {
    assert!(
        period > Duration::ZERO,
        "rill::interval: period must be > 0"
    );
    let now = now();
    Interval {
        period,
        sleep: sleep_until(now),
    }
}

/// The ticker of [`interval`].
pub struct Interval {
    period: Duration,
    sleep: Sleep,
}

impl Interval {
    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// Waits for the next tick and returns its scheduled instant.
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick.
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        if Pin::new(&mut self.sleep).poll_sleep(cx).is_pending() {
            return Poll::Pending;
        }
        let scheduled = self.sleep.deadline();
        let now = now();
        let mut next = deadline_after(scheduled, self.period);
        if next <= now {
            next = deadline_after(now, self.period);
        }
        self.sleep.reset(next);
        Poll::Ready(scheduled)
    }
}

impl Sleep {
    fn poll_sleep(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        std::future::Future::poll(self, cx)
    }
}

impl fmt::Debug for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interval")
            .field("period", &self.period)
            .finish()
    }
}
