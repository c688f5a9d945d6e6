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
///
/// ```
/// use std::time::Duration;
/// let rt = rill::Builder::new().start_paused(true).build()?;
/// rt.block_on(async {
///     let mut ticks = rill::interval(Duration::from_secs(1));
///     let first = ticks.tick().await; // at once
///     let second = ticks.tick().await;
///     assert_eq!(second - first, Duration::from_secs(1));
/// });
/// # std::io::Result::Ok(())
/// ```
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
///
/// ```
/// use std::time::Duration;
/// let rt = rill::Builder::new().start_paused(true).build()?;
/// rt.block_on(async {
///     let start = rill::time::now();
///     let mut every: rill::Interval = rill::interval(Duration::from_millis(250));
///     for _ in 0..5 {
///         every.tick().await;
///     }
///     assert_eq!(rill::time::now() - start, Duration::from_secs(1));
/// });
/// # std::io::Result::Ok(())
/// ```
pub struct Interval {
    period: Duration,
    sleep: Sleep,
}

impl Interval {
    /// The period.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = rill::Runtime::new()?;
    /// rt.block_on(async {
    ///     assert_eq!(rill::interval(Duration::from_secs(3)).period(), Duration::from_secs(3));
    /// });
    /// # std::io::Result::Ok(())
    /// ```
    pub fn period(&self) -> Duration {
        self.period
    }

    /// Waits for the next tick and returns its scheduled instant.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = rill::Builder::new().start_paused(true).build()?;
    /// rt.block_on(async {
    ///     let mut ticks = rill::interval(Duration::from_secs(1));
    ///     let t0 = ticks.tick().await;
    ///     rill::time::advance(Duration::from_millis(3500)).await.unwrap(); // late by 2.5 periods
    ///     assert_eq!(ticks.tick().await - t0, Duration::from_secs(1)); // the missed one, once
    ///     let next = ticks.tick().await; // then one period after the late tick: no burst
    ///     assert_eq!(next - t0, Duration::from_millis(4500));
    /// });
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = rill::Builder::new().start_paused(true).build()?;
    /// rt.block_on(async {
    ///     let mut ticks = rill::interval(Duration::from_secs(2));
    ///     let a = std::future::poll_fn(|cx| ticks.poll_tick(cx)).await;
    ///     let b = std::future::poll_fn(|cx| ticks.poll_tick(cx)).await;
    ///     assert_eq!(b - a, Duration::from_secs(2));
    /// });
    /// # std::io::Result::Ok(())
    /// ```
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
