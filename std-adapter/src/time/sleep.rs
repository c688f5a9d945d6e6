//! [`sleep`] / [`sleep_until`] and the internal [`TimerHandle`] the other timers build on.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::context;
use crate::executor::Local;
use crate::io_error::no_runtime;
use crate::time::{deadline_after, now};
use crate::timers::TimerKey;

/// One armed timer in the current runtime's table; disarmed on drop.
pub(crate) struct TimerHandle {
    local: Rc<Local>,
    key: TimerKey,
}

impl TimerHandle {
    /// Arms a timer `d` from now on the runtime driving this thread.
    pub(crate) fn after(d: Duration) -> io::Result<TimerHandle> {
        TimerHandle::at(deadline_after(now(), d))
    }

    /// Arms a timer at `deadline` on the runtime driving this thread.
    pub(crate) fn at(deadline: Instant) -> io::Result<TimerHandle> {
        let local = context::current().ok_or_else(no_runtime)?;
        local.check_alive()?;
        let key = {
            let mut driver = local.driver.borrow_mut();
            let ticks = driver.clock().ticks(deadline);
            driver.timers.add(ticks)
        };
        Ok(TimerHandle { local, key })
    }

    /// True when the runtime driving this thread is the timer's own.
    pub(crate) fn is_here(&self) -> bool {
        context::is_current(&self.local)
    }

    /// Ready once the deadline passed (or the runtime shut down).
    pub(crate) fn poll(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.local.driver.borrow_mut().timers.poll(self.key, cx)
    }

    /// Moves the deadline (re-arming a fired timer).
    pub(crate) fn reset(&self, deadline: Instant) {
        let mut driver = self.local.driver.borrow_mut();
        let ticks = driver.clock().ticks(deadline);
        driver.timers.reset(self.key, ticks);
    }
}

impl Drop for TimerHandle {
    fn drop(&mut self) {
        if let Ok(mut driver) = self.local.driver.try_borrow_mut() {
            driver.timers.cancel(self.key);
        }
    }
}

/// Waits until `duration` has elapsed. A duration too large for `Instant` (`Duration::MAX`,
/// "sleep forever") saturates to a deadline decades away instead of panicking.
///
/// # Panics
///
/// When first polled outside a rill runtime.
///
/// A sleep lives on the runtime that polls it first; polled later by another runtime on the
/// same thread, it moves there with its deadline (its first runtime may never be driven again).
///
/// ```
/// use std::time::Duration;
/// let rt = rill::Runtime::new()?;
/// let start = std::time::Instant::now();
/// rt.block_on(rill::sleep(Duration::from_millis(5)));
/// assert!(start.elapsed() >= Duration::from_millis(5));
/// # std::io::Result::Ok(())
/// ```
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(deadline_after(now(), duration))
}

/// Waits until `deadline`.
///
/// # Panics
///
/// When first polled outside a rill runtime.
///
/// ```
/// use std::time::Duration;
/// // The test clock: a day passes at once, and exactly.
/// let rt = rill::Builder::new().start_paused(true).build()?;
/// rt.block_on(async {
///     let deadline = rill::time::now() + Duration::from_secs(86_400);
///     rill::sleep_until(deadline).await;
///     assert_eq!(rill::time::now(), deadline);
/// });
/// # std::io::Result::Ok(())
/// ```
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline,
        timer: None,
    }
}

/// The future of [`sleep`] and [`sleep_until`].
///
/// `!Send`, like the sockets: a timer lives in its loop's timer table (see
/// [`crate::thread_bound`]).
///
/// ```
/// use std::time::Duration;
/// let rt = rill::Builder::new().start_paused(true).build()?;
/// rt.block_on(async {
///     let sleep: rill::Sleep = rill::sleep(Duration::from_secs(1));
///     let mut sleep = std::pin::pin!(sleep);
///     assert!(!sleep.is_elapsed());
///     sleep.as_mut().await;
///     assert!(sleep.is_elapsed());
/// });
/// # std::io::Result::Ok(())
/// ```
pub struct Sleep {
    deadline: Instant,
    timer: Option<TimerHandle>,
}

impl Sleep {
    /// The deadline.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = rill::Builder::new().start_paused(true).build()?;
    /// rt.block_on(async {
    ///     let sleep = rill::sleep(Duration::from_secs(5));
    ///     assert_eq!(sleep.deadline() - rill::time::now(), Duration::from_secs(5));
    /// });
    /// # std::io::Result::Ok(())
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// True once the deadline has passed.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = rill::Builder::new().start_paused(true).build()?;
    /// rt.block_on(async {
    ///     let sleep = rill::sleep(Duration::from_secs(10));
    ///     assert!(!sleep.is_elapsed());
    ///     rill::time::advance(Duration::from_secs(10)).await.unwrap();
    ///     assert!(sleep.is_elapsed()); // without being polled
    /// });
    /// # std::io::Result::Ok(())
    /// ```
    pub fn is_elapsed(&self) -> bool {
        now() >= self.deadline
    }

    /// Moves the deadline; the sleep is pending again if it is in the future.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = rill::Builder::new().start_paused(true).build()?;
    /// rt.block_on(async {
    ///     let start = rill::time::now();
    ///     let mut sleep = Box::pin(rill::sleep(Duration::from_secs(60)));
    ///     sleep.as_mut().reset(start + Duration::from_secs(1)); // sooner
    ///     sleep.await;
    ///     assert_eq!(rill::time::now() - start, Duration::from_secs(1));
    /// });
    /// # std::io::Result::Ok(())
    /// ```
    pub fn reset(&mut self, deadline: Instant) {
        self.deadline = deadline;
        if let Some(t) = &self.timer {
            t.reset(deadline);
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // A sleep armed on another runtime of this thread moves to the one polling it now: its
        // own may never be driven again (idle, or shut down), and a deadline is all it holds.
        if self.timer.as_ref().is_some_and(|t| !t.is_here()) && context::current().is_some() {
            self.timer = None;
        }
        if self.timer.is_none() {
            if now() >= self.deadline {
                return Poll::Ready(());
            }
            match TimerHandle::at(self.deadline) {
                Ok(t) => self.timer = Some(t),
                Err(e) => panic!("rill::sleep: {e}"),
            }
        }
        match &self.timer {
            Some(t) => t.poll(cx),
            None => Poll::Ready(()),
        }
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .finish()
    }
}
