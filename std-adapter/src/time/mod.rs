//! Timers: [`sleep`], [`sleep_until`], [`timeout`] and [`interval`].
//!
//! Deadlines go into the driver's timer table (ticks from the runtime's clock); the driver
//! bounds its wait by the nearest deadline and wakes a timer's task when it expires. A timer is
//! armed lazily, on the first poll, and disarmed when its future is dropped.
//!
//! **Durations saturate.** Every place that adds a duration to an instant goes through
//! [`deadline_after`]: a deadline past what `Instant` can hold (`sleep(Duration::MAX)`, the
//! "sleep forever" idiom, a huge `timeout` or interval period) becomes [`far_future`], about
//! 30 years ahead, which never fires in practice and never panics.

pub(crate) mod interval;
pub(crate) mod sleep;
pub(crate) mod timeout;

use std::time::{Duration, Instant};

/// How far ahead a saturated deadline lies: about 30 years, well inside what `Instant` and the
/// driver's nanosecond ticks hold on every platform.
const FAR_FUTURE: Duration = Duration::from_secs(30 * 365 * 24 * 60 * 60);

/// A deadline that never comes in practice: about 30 years after `now`.
pub(crate) fn far_future(now: Instant) -> Instant {
    now.checked_add(FAR_FUTURE).unwrap_or(now)
}

/// `now + d`, saturating at [`far_future`] instead of panicking on overflow.
pub(crate) fn deadline_after(now: Instant, d: Duration) -> Instant {
    match now.checked_add(d) {
        Some(t) if d <= FAR_FUTURE => t,
        _ => far_future(now),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_durations_add_exactly() {
        let now = Instant::now();
        assert_eq!(
            deadline_after(now, Duration::from_millis(5)),
            now + Duration::from_millis(5)
        );
    }

    #[test]
    fn huge_durations_saturate_to_the_far_future() {
        let now = Instant::now();
        for d in [
            Duration::MAX,
            Duration::from_secs(u64::MAX / 2),
            FAR_FUTURE * 2,
        ] {
            assert_eq!(deadline_after(now, d), far_future(now), "{d:?}");
        }
        assert!(far_future(now) > now + Duration::from_secs(365 * 24 * 60 * 60));
    }
}
