//! Timers: [`sleep`], [`sleep_until`], [`timeout`], [`interval`], and the runtime's clock
//! ([`now`], and [`advance`] for the test clock of [`crate::Builder::start_paused`]).
//!
//! Deadlines go into the driver's timer table (ticks from the runtime's clock); the driver
//! bounds its wait by the nearest deadline and wakes a timer's task when it expires. A timer is
//! armed lazily, on the first poll, and disarmed when its future is dropped.
//!
//! **Durations saturate.** Every place that adds a duration to an instant goes through one
//! helper: a deadline past what `Instant` can hold (`sleep(Duration::MAX)`, the "sleep forever"
//! idiom, a huge `timeout` or interval period) becomes a deadline about 30 years ahead, which
//! never fires in practice and never panics.
//!
//! **Precision.** A timer fires when the OS wait its deadline bounds returns: at the deadline
//! or a little after it (the kernel's timer slack, about 50 µs for an ordinary thread), never
//! before. Every backend waits as finely as its OS call allows: kqueue and, on Linux, epoll
//! (`epoll_pwait2`, Linux 5.11 and later) and poll (`ppoll`) to the nanosecond, select to the
//! microsecond. Where only whole milliseconds are possible (epoll on an older kernel or under a
//! seccomp filter that refuses `epoll_pwait2`, poll outside Linux and Android), the wait rounds
//! up, so a timer is late by less than a millisecond, never early. (tokio's timer wheel rounds
//! every deadline up to the millisecond.)
//!
//! **The test clock.** With [`crate::Builder::start_paused`], [`now`] is virtual: it stands
//! still while any task can run, jumps to the next timer when every task is idle, and moves by
//! hand with [`advance`]. Note what "idle" means: a task waiting for I/O from outside the
//! runtime (another thread, another process) counts as idle, so a pending timer fires at once;
//! paused tests should drive their peers from inside the runtime.

pub(crate) mod interval;
pub(crate) mod sleep;
pub(crate) mod timeout;

pub use interval::{interval, Interval};
pub use sleep::{sleep, sleep_until, Sleep};
pub use timeout::{timeout, timeout_at, Elapsed};

use std::io;

use crate::context;

/// Now, by the clock of the runtime driving this thread: virtual with the test clock
/// ([`crate::Builder::start_paused`]), real otherwise (and outside any runtime). Every sleep,
/// timeout and interval measures from here.
///
/// ```
/// use std::time::Duration;
/// let rt = rill::Builder::new().start_paused(true).build()?;
/// rt.block_on(async {
///     let t0 = rill::time::now();
///     rill::sleep(Duration::from_secs(30)).await;
///     assert_eq!(rill::time::now() - t0, Duration::from_secs(30)); // virtual, exact
/// });
/// # std::io::Result::Ok(())
/// ```
pub fn now() -> Instant {
    context::with_current(|local| {
        local
            .driver
            .try_borrow()
            .map(|d| d.clock().instant_now())
            .ok()
    })
    .flatten()
    .unwrap_or_else(Instant::now)
}

/// Moves the test clock of the runtime driving this thread forward by `by`, then lets the
/// timers that became due fire (their tasks run before this returns to its caller's next
/// await). An error when the runtime's clock is real (not [`crate::Builder::start_paused`])
/// or outside a runtime: real time cannot be moved.
///
/// ```
/// use std::time::Duration;
/// let rt = rill::Builder::new().start_paused(true).build()?;
/// rt.block_on(async {
///     let t0 = rill::time::now();
///     rill::time::advance(Duration::from_secs(90)).await.unwrap();
///     assert_eq!(rill::time::now() - t0, Duration::from_secs(90));
/// });
/// # std::io::Result::Ok(())
/// ```
pub async fn advance(by: Duration) -> io::Result<()> {
    let moved = context::with_current(|local| {
        local.with_driver_wake(|driver| driver.advance_clock(crate::clock::duration_ticks(by)))
    });
    match moved {
        Some(true) => {
            crate::yield_now().await;
            Ok(())
        }
        Some(false) => Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "rill::time::advance needs the test clock (Builder::start_paused(true))",
        )),
        None => Err(crate::io_error::no_runtime()),
    }
}

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
