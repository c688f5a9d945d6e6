//! The accept policy, shared by every listener ([`crate::TcpListener`], [`crate::UnixListener`]):
//! which accept errors are transient, when to back off, and when a connection is shed.
//!
//! - **Out of descriptors** (`EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM` from `accept`): retrying
//!   at once would spin (H17), so accept backs off on a timer (10 ms, doubling up to 1 s, reset
//!   by the next connection taken in) and retries; the error is never returned.
//! - **A connection gone before it was taken** (`ECONNABORTED`, `EPROTO`, `EPERM`, the network
//!   errors Linux passes on from a new connection, a peer gone before its address was read):
//!   skipped, never returned. More than [`SKIPS_IN_A_ROW`] in a row arm the back-off, so an
//!   error that keeps coming cannot spin the loop.
//! - **This runtime is full** (its table of `Builder::max_io` registered objects, on select a
//!   descriptor at or above `FD_SETSIZE`, the OS poller's own limits): a full table is
//!   back-pressure, not a broken listener. The connection is *shed* (closed at once), the same
//!   back-off is armed so a loop that retries at once does not spin, and accept answers
//!   [`io::ErrorKind::ConnectionAborted`]: the one transient error accept returns. An accept
//!   loop continues on it.
//! - **Anything else** is returned: the listener or its runtime is unusable.

use std::cell::Cell;
use std::io;
use std::os::fd::AsRawFd;
use std::task::{Context, Poll};
use std::time::Duration;

use rill_core::{Direction, OpId};

use crate::io_source::IoSource;
use crate::time::sleep::TimerHandle;

/// First back-off after descriptor exhaustion or a shed connection.
const BACKOFF_START: Duration = Duration::from_millis(10);
/// Longest back-off.
const BACKOFF_MAX: Duration = Duration::from_secs(1);
/// Connections skipped in a row (gone before they were taken) before accept backs off.
const SKIPS_IN_A_ROW: u32 = 64;

/// True for the errors that mean "out of descriptors": retrying at once would spin.
fn is_fd_exhaustion(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EMFILE) | Some(libc::ENFILE) | Some(libc::ENOBUFS) | Some(libc::ENOMEM)
    )
}

/// True when registering an accepted connection failed because this runtime is full: its
/// descriptor table (`OutOfMemory`), the select backend's `FD_SETSIZE` bound (`InvalidInput`),
/// or the OS poller's own limits (`ENOMEM`, `ENOSPC`).
fn is_capacity_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::OutOfMemory | io::ErrorKind::InvalidInput
    ) || matches!(e.raw_os_error(), Some(libc::ENOMEM) | Some(libc::ENOSPC))
}

/// True for per-connection accept errors: that connection is gone, the next may be fine. Linux
/// passes a new connection's pending network error on as accept's own (accept(2) names
/// `ENETDOWN`, `ENETUNREACH`, `EHOSTDOWN`, `EHOSTUNREACH`, `ENONET` and `EPROTO` for TCP and
/// says to retry): returned, they would end an accept loop that is fine. `ENOPROTOOPT` and
/// `EOPNOTSUPP`, on that list too, are left out: a descriptor that is no listening stream
/// socket gives them on every call, and that is an error to return.
fn is_transient_accept_error(e: &io::Error) -> bool {
    let Some(errno) = e.raw_os_error() else {
        return false;
    };
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if errno == libc::ENONET {
        return true;
    }
    matches!(
        errno,
        libc::ECONNABORTED
            | libc::EPROTO
            | libc::EPERM
            | libc::ENETDOWN
            | libc::ENETUNREACH
            | libc::EHOSTDOWN
            | libc::EHOSTUNREACH
    )
}

/// The transient error accept answers for a shed connection.
fn shed(peer: &str, cause: &io::Error) -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        format!(
            "connection from {peer} closed unserved: {cause}; the listener is fine, accept again"
        ),
    )
}

/// What taking an accepted connection in gave.
pub(crate) enum Taken<S> {
    /// Registered: hand it to the caller.
    Stream(S),
    /// The peer was gone already: skip it.
    Gone,
    /// Registering failed with `cause` (the connection, named `peer`, is closed already).
    Failed { peer: String, cause: io::Error },
}

/// One listener's back-off state.
pub(crate) struct Backoff {
    delay: Cell<Duration>,
    timer: Cell<Option<TimerHandle>>,
    count: Cell<u64>,
    /// Connections skipped since one was last taken (modulo [`SKIPS_IN_A_ROW`]).
    skipped: Cell<u32>,
}

impl Backoff {
    pub(crate) fn new() -> Backoff {
        Backoff {
            delay: Cell::new(BACKOFF_START),
            timer: Cell::new(None),
            count: Cell::new(0),
            skipped: Cell::new(0),
        }
    }

    /// How many times accept backed off.
    pub(crate) fn count(&self) -> u64 {
        self.count.get()
    }

    /// Disarms a pending back-off (the listener is being taken apart).
    pub(crate) fn disarm(&self) {
        drop(self.timer.take());
    }

    /// Arms the timer: the next accept waits for it first.
    fn arm(&self) -> io::Result<()> {
        let delay = self.delay.get();
        self.delay.set((delay * 2).min(BACKOFF_MAX));
        self.count.set(self.count.get() + 1);
        self.timer.set(Some(TimerHandle::after(delay)?));
        Ok(())
    }

    /// Counts a connection skipped; [`SKIPS_IN_A_ROW`] in a row (none taken in between) back off.
    fn skipped(&self) -> io::Result<()> {
        let skipped = self.skipped.get() + 1;
        self.skipped.set(skipped % SKIPS_IN_A_ROW);
        if skipped == SKIPS_IN_A_ROW {
            self.arm()?;
        }
        Ok(())
    }

    /// Polls one accept on `source` under the policy of the module docs: `accept` is the
    /// syscall, `take` registers what it accepted.
    pub(crate) fn poll_accept<L: AsRawFd, C, S>(
        &self,
        cx: &mut Context<'_>,
        source: &IoSource<L>,
        ticket: &mut Option<OpId>,
        mut accept: impl FnMut(&L) -> io::Result<C>,
        mut take: impl FnMut(C) -> Taken<S>,
    ) -> Poll<io::Result<S>> {
        loop {
            if let Some(timer) = self.timer.take() {
                if timer.poll(cx).is_pending() {
                    self.timer.set(Some(timer));
                    return Poll::Pending;
                }
            }
            match source.poll_op(cx, Direction::Read, ticket, &mut accept) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(conn)) => match take(conn) {
                    Taken::Stream(s) => {
                        self.delay.set(BACKOFF_START);
                        self.skipped.set(0);
                        return Poll::Ready(Ok(s));
                    }
                    Taken::Gone => self.skipped()?,
                    Taken::Failed { peer, cause } if is_capacity_error(&cause) => {
                        self.arm()?;
                        return Poll::Ready(Err(shed(&peer, &cause)));
                    }
                    Taken::Failed { cause, .. } => return Poll::Ready(Err(cause)),
                },
                // Loop: poll the timer so it holds our waker.
                Poll::Ready(Err(e)) if is_fd_exhaustion(&e) => self.arm()?,
                Poll::Ready(Err(e)) if is_transient_accept_error(&e) => self.skipped()?,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::poll_fn;

    fn errno(e: i32) -> io::Error {
        io::Error::from_raw_os_error(e)
    }

    #[test]
    fn network_errors_of_a_new_connection_are_skipped_and_the_rest_returned() {
        let skipped = [
            libc::ECONNABORTED,
            libc::EPROTO,
            libc::EPERM,
            libc::ENETDOWN,
            libc::ENETUNREACH,
            libc::EHOSTDOWN,
            libc::EHOSTUNREACH,
        ];
        for e in skipped {
            assert!(is_transient_accept_error(&errno(e)), "{}", errno(e));
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        assert!(is_transient_accept_error(&errno(libc::ENONET)));
        let returned = [
            libc::EBADF,
            libc::EINVAL,
            libc::ENOTSOCK,
            libc::EOPNOTSUPP,
            libc::ENOPROTOOPT,
            libc::EMFILE,
        ];
        for e in returned {
            assert!(!is_transient_accept_error(&errno(e)), "{}", errno(e));
        }
        assert!(!is_transient_accept_error(&io::Error::other("no errno")));
    }

    /// A skipped error that comes on every call (a kernel that keeps failing new connections)
    /// backs accept off after `SKIPS_IN_A_ROW` of them instead of retrying in a busy loop.
    #[test]
    fn an_error_that_keeps_coming_backs_off_instead_of_spinning() {
        let rt = crate::Runtime::new().unwrap();
        rt.block_on(async {
            let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
            a.set_nonblocking(true).unwrap();
            let source = IoSource::new(a).unwrap();
            let backoff = Backoff::new();
            let calls = Cell::new(0u32);
            let mut ticket = None;
            let accept = poll_fn(|cx| {
                backoff.poll_accept(
                    cx,
                    &source,
                    &mut ticket,
                    |_| {
                        calls.set(calls.get() + 1);
                        Err::<(), _>(errno(libc::ENETDOWN))
                    },
                    |()| Taken::<()>::Gone,
                )
            });
            let r = crate::timeout(Duration::from_millis(200), accept).await;
            assert!(r.is_err(), "accept returned a skipped error");
            let (calls, backoffs) = (u64::from(calls.get()), backoff.count());
            assert!(backoffs >= 1, "{calls} failed accepts and no back-off");
            assert!(
                calls <= u64::from(SKIPS_IN_A_ROW) * (backoffs + 1),
                "{calls} failed accepts for {backoffs} back-offs"
            );
        });
    }
}
