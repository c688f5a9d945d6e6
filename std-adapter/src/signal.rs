//! Unix signals as async events: [`ctrl_c`] for SIGINT, [`signal`] for a [`Signal`] stream of
//! any catchable signal (SIGTERM, SIGHUP, SIGUSR1, ...).
//!
//! ```
//! let rt = rill::Runtime::new()?;
//! rt.block_on(async {
//!     let mut hup = rill::signal::signal(libc::SIGUSR1)?;
//!     // SAFETY: raise(3) has no memory-safety preconditions.
//!     unsafe { libc::raise(libc::SIGUSR1) };
//!     hup.recv().await?; // delivered since the listener was made
//!     std::io::Result::Ok(())
//! })?;
//! # std::io::Result::Ok(())
//! ```
//!
//! # How a signal gets here
//!
//! Each [`Signal`] (a *listener*) owns a non-blocking self-pipe. Its write end belongs to a
//! handler action registered with [`signal-hook-registry`](https://docs.rs/signal-hook-registry),
//! which writes one byte per delivery (`write(2)` is async-signal-safe; a full pipe drops the byte,
//! the listener is woken anyway). The read end is a [`PipeReader`] on the
//! listener's runtime, so [`Signal::recv`] is an ordinary read op: parked in the core, woken by
//! the poller, on every backend.
//!
//! - **Several listeners per signal**: every listener gets every delivery (each has its own
//!   pipe and its own registered action).
//! - **Several runtimes, and other libraries, in one process**: signal-hook-registry keeps one
//!   process-wide `sigaction` handler per signal and runs every registered action from it; it
//!   chains to a handler that was installed before it, and actions are added and removed while
//!   signals arrive without locks in the handler. That is why it is used rather than a
//!   `sigaction` of rill's own, which would replace (or be replaced by) anyone else's.
//! - **Not signalfd**: a signalfd receives only signals blocked in *every* thread of the
//!   process (otherwise the kernel delivers them to a thread that has them unblocked), and rill
//!   cannot set the mask of threads it did not start, nor keep child processes from inheriting
//!   a blocked mask.
//!
//! # What to expect
//!
//! - Deliveries coalesce, as signals do: one `recv` returns for one or more deliveries since
//!   the previous `recv` returned. A delivery before the listener existed is not seen; one
//!   after it was made is, even if nobody was polling at the time.
//! - **The default action is gone for good.** Once any listener for a signal has existed, the
//!   process-wide handler stays installed (signal-hook-registry never restores the default):
//!   after the last listener for SIGINT is dropped, a Ctrl-C does nothing. Keep a listener
//!   (or exit yourself) if the program should still stop.
//! - SIGKILL, SIGSTOP, SIGILL, SIGFPE and SIGSEGV cannot be listened for (`InvalidInput`); an
//!   unknown number is the OS error from `sigaction`.
//! - A listener is `!Send` (it belongs to the loop that made it) and must be made inside a
//!   runtime.

use std::fmt;
use std::future::Future;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use signal_hook_registry::SigId;

use crate::pipe::PipeReader;

/// A listener for one signal: [`Signal::recv`] returns after each delivery (see the
/// [module docs](self)). Dropping it removes its action.
///
/// ```
/// # let rt = rill::Runtime::new()?;
/// # rt.block_on(async {
/// let mut usr2: rill::signal::Signal = rill::signal::signal(libc::SIGUSR2)?;
/// // SAFETY: raise(3) has no memory-safety preconditions; SIGUSR2 has a handler now.
/// unsafe { libc::raise(libc::SIGUSR2) };
/// usr2.recv().await?;
/// assert_eq!(usr2.signum(), libc::SIGUSR2);
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
pub struct Signal {
    /// The action writing to the other end of `rx`; removed before `rx` closes.
    id: Option<SigId>,
    rx: PipeReader,
    signum: libc::c_int,
}

/// Listens for `signum` (`libc::SIGTERM`, `libc::SIGHUP`, ...) from now on.
///
/// Errors: a signal that cannot be caught (SIGKILL, SIGSTOP) or that signal-hook-registry
/// refuses (SIGILL, SIGFPE, SIGSEGV) is `InvalidInput`; an unknown number is the OS error; no
/// runtime on this thread is the usual error.
///
/// ```
/// # let rt = rill::Runtime::new()?;
/// # rt.block_on(async {
/// let mut term = rill::signal::signal(libc::SIGTERM)?;
/// // SAFETY: raise(3) has no memory-safety preconditions; SIGTERM has a handler now.
/// unsafe { libc::raise(libc::SIGTERM) }; // caught: the process goes on
/// term.recv().await?;
/// let err = rill::signal::signal(libc::SIGKILL).unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
pub fn signal(signum: libc::c_int) -> io::Result<Signal> {
    if signal_hook_registry::FORBIDDEN.contains(&signum) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("signal {signum} cannot be listened for (SIGKILL, SIGSTOP, SIGILL, SIGFPE and SIGSEGV are refused)"),
        ));
    }
    let (rx, tx) = crate::sys::fd::pipe()?;
    let rx = PipeReader::from_owned_fd(rx)?;
    let id = register(signum, tx)?;
    Ok(Signal {
        id: Some(id),
        rx,
        signum,
    })
}

/// Registers an action for `signum` that writes one byte to `tx` per delivery. The action owns
/// `tx`: it is closed when the registry drops the action after [`signal_hook_registry::unregister`].
fn register(signum: libc::c_int, tx: OwnedFd) -> io::Result<SigId> {
    let action = move || {
        let byte = 1u8;
        // SAFETY: write(2) is async-signal-safe; `byte` is valid for the call, and `tx` lives
        // as long as this action. The pipe is non-blocking, so a full pipe returns EAGAIN (the
        // listener has an unread byte then and wakes anyway). The registry saves and restores
        // errno around actions.
        unsafe { libc::write(tx.as_raw_fd(), (&byte as *const u8).cast(), 1) };
    };
    // SAFETY: the action only calls write(2), which is async-signal-safe; it neither
    // allocates, locks nor panics.
    unsafe { signal_hook_registry::register(signum, action) }
}

impl Signal {
    /// Waits for the next delivery (one or more, coalesced) since the previous `recv`.
    /// Cancel-safe: dropping the future loses no delivery.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let mut hup = rill::signal::signal(libc::SIGHUP)?;
    /// // SAFETY: raise(3) has no memory-safety preconditions; SIGHUP has a handler now.
    /// unsafe {
    ///     libc::raise(libc::SIGHUP);
    ///     libc::raise(libc::SIGHUP);
    /// }
    /// hup.recv().await?; // one recv for both: deliveries coalesce
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn recv(&mut self) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Polls for a delivery (see [`Signal::recv`]).
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let mut usr1 = rill::signal::signal(libc::SIGUSR1)?;
    /// // SAFETY: raise(3) has no memory-safety preconditions; SIGUSR1 has a handler now.
    /// unsafe { libc::raise(libc::SIGUSR1) };
    /// std::future::poll_fn(|cx| usr1.poll_recv(cx)).await?;
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut buf = [0u8; 128];
        match futures_io::AsyncRead::poll_read(Pin::new(&mut &self.rx), cx, &mut buf) {
            Poll::Ready(Ok(0)) => Poll::Ready(Err(io::Error::other(
                "signal pipe closed: the signal action was removed",
            ))),
            Poll::Ready(Ok(_)) => Poll::Ready(Ok(())),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }

    /// The signal number this listener is for.
    ///
    /// ```
    /// # let rt = rill::Runtime::new()?;
    /// # rt.block_on(async {
    /// let listener = rill::signal::signal(libc::SIGWINCH)?;
    /// assert_eq!(listener.signum(), libc::SIGWINCH);
    /// # std::io::Result::Ok(())
    /// # })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn signum(&self) -> libc::c_int {
        self.signum
    }
}

impl Drop for Signal {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            // Waits for a handler running the action to finish; the action (and with it the
            // pipe's write end) is dropped after, and `rx` closes after this returns.
            signal_hook_registry::unregister(id);
        }
    }
}

impl fmt::Debug for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signal")
            .field("signum", &self.signum)
            .finish_non_exhaustive()
    }
}

/// Resolves at the next SIGINT (Ctrl-C in a terminal) after this call.
///
/// The listener is registered by this call, not by the first poll, so a SIGINT between the
/// call and the `await` is not missed (nor does it kill the process). Errors (no runtime, ...)
/// come out of the `await`. After it, SIGINT's default action is gone for the rest of the
/// process (see the [module docs](self)).
///
/// ```no_run
/// # let rt = rill::Runtime::new()?;
/// rt.block_on(async {
///     rill::signal::ctrl_c().await?;
///     println!("shutting down");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub fn ctrl_c() -> CtrlC {
    CtrlC {
        listener: signal(libc::SIGINT).map_err(Some),
    }
}

/// The future of [`ctrl_c`].
///
/// ```
/// # let rt = rill::Runtime::new()?;
/// # rt.block_on(async {
/// let ctrl_c: rill::signal::CtrlC = rill::signal::ctrl_c(); // listening from here
/// // SAFETY: raise(3) has no memory-safety preconditions; SIGINT has a handler now.
/// unsafe { libc::raise(libc::SIGINT) }; // before the await: not missed, not fatal
/// ctrl_c.await?;
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
#[must_use = "the listener is removed when this future is dropped"]
pub struct CtrlC {
    listener: Result<Signal, Option<io::Error>>,
}

impl Future for CtrlC {
    type Output = io::Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.listener {
            Ok(signal) => signal.poll_recv(cx),
            Err(e) => Poll::Ready(Err(e
                .take()
                .unwrap_or_else(|| io::Error::other("CtrlC polled after it completed")))),
        }
    }
}

impl fmt::Debug for CtrlC {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CtrlC").finish_non_exhaustive()
    }
}
