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
///
/// ```
/// use std::time::Duration;
/// let rt = rill::Builder::new().start_paused(true).build()?;
/// let err: rill::Elapsed = rt
///     .block_on(rill::timeout(Duration::from_secs(1), std::future::pending::<()>()))
///     .unwrap_err();
/// assert_eq!(err.to_string(), "deadline has elapsed");
/// let io: std::io::Error = err.into(); // `?` in an io::Result function
/// assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
/// # std::io::Result::Ok(())
/// ```
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
///
/// ```
/// use std::time::Duration;
/// let rt = rill::Builder::new().start_paused(true).build()?;
/// rt.block_on(async {
///     let quick = rill::timeout(Duration::from_secs(1), async { 7 }).await;
///     assert_eq!(quick, Ok(7));
///     let slow = rill::sleep(Duration::from_secs(5));
///     assert!(rill::timeout(Duration::from_secs(1), slow).await.is_err());
/// });
/// # std::io::Result::Ok(())
/// ```
pub async fn timeout<F: Future>(duration: Duration, future: F) -> Result<F::Output, Elapsed> {
    timeout_at(deadline_after(now(), duration), future).await
}

/// Like [`timeout`], with an absolute deadline.
///
/// ```
/// use std::time::Duration;
/// let rt = rill::Builder::new().start_paused(true).build()?;
/// rt.block_on(async {
///     let deadline = rill::time::now() + Duration::from_secs(2);
///     let (a, b) = rill::UnixStream::pair()?;
///     let mut buf = [0u8; 1];
///     assert!(rill::timeout_at(deadline, a.read(&mut buf)).await.is_err()); // nothing came
///     assert_eq!(rill::time::now(), deadline);
///     // Past the deadline, a future that is ready at once still wins.
///     assert_eq!(rill::timeout_at(deadline, async { "ready" }).await, Ok("ready"));
///     # drop(b);
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
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
