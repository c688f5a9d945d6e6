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
use crate::runtime::no_runtime;
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
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(deadline_after(now(), duration))
}

/// Waits until `deadline`.
///
/// # Panics
///
/// When first polled outside a rill runtime.
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
pub struct Sleep {
    deadline: Instant,
    timer: Option<TimerHandle>,
}

impl Sleep {
    /// The deadline.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// True once the deadline has passed.
    pub fn is_elapsed(&self) -> bool {
        now() >= self.deadline
    }

    /// Moves the deadline; the sleep is pending again if it is in the future.
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
