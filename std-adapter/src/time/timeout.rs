//! [`timeout`]: bound a future by a duration.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::{pin, Pin};
use std::task::Poll;
use std::time::{Duration, Instant};

use crate::time::sleep::sleep_until;
use crate::time::{deadline_after, now};

/// The error of [`timeout`]: the deadline passed first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for io::Error {
    fn from(_: Elapsed) -> io::Error {
        crate::io_error::timed_out()
    }
}

/// Runs `future` for at most `duration`. `Err(Elapsed)` when time ran out first; the future is
/// then dropped, which cancels whatever I/O it was waiting for (see the crate docs for what
/// happens to the bytes). The future is polled before the deadline is checked, so a future that
/// is ready at once always wins. A `duration` too large for `Instant` (`Duration::MAX`) saturates:
/// the future simply runs with no effective limit.
pub async fn timeout<F: Future>(duration: Duration, future: F) -> Result<F::Output, Elapsed> {
    timeout_at(deadline_after(now(), duration), future).await
}

/// Like [`timeout`], with an absolute deadline.
pub async fn timeout_at<F: Future>(deadline: Instant, future: F) -> Result<F::Output, Elapsed> {
    let mut future = pin!(future);
    let mut sleep = sleep_until(deadline);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(v) = future.as_mut().poll(cx) {
            return Poll::Ready(Ok(v));
        }
        match Pin::new(&mut sleep).poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed(()))),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}
