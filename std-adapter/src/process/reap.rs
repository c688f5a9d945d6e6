//! The reaper: children whose [`Child`](super::Child) was dropped before they were waited for.
//!
//! A dropped, still running child is handed to one process-wide thread, `rill-reaper`, started
//! on the first hand-off. It calls `waitpid(pid, WNOHANG)` (std's `try_wait`) on each orphan
//! whenever SIGCHLD arrives (an action registered with signal-hook-registry writes a byte to
//! the reaper's self-pipe), and once a second in case another handler replaced that action.
//! It exits when no orphan is left. It only waits for the pids it was given, never
//! `waitpid(-1)`, so it takes no other part of the program's children. The child is not
//! killed: a long-running one keeps running and is reaped when it exits.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::process;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::thread;

/// The orphans, and whether the reaper thread runs.
struct Orphans {
    children: Vec<process::Child>,
    running: bool,
}

static ORPHANS: Mutex<Orphans> = Mutex::new(Orphans {
    children: Vec::new(),
    running: false,
});

/// The reaper's self-pipe `(read end, write end)`, written by the SIGCHLD action and by
/// [`adopt`]; `None` if it could not be set up (the reaper then checks once a second).
static WAKE: OnceLock<Option<(OwnedFd, OwnedFd)>> = OnceLock::new();

/// How long the reaper sleeps between checks when no SIGCHLD comes.
const RECHECK_MS: libc::c_int = 1000;

/// Hands a child that was not waited for to the reaper.
pub(crate) fn adopt(child: process::Child) {
    let wake = WAKE.get_or_init(|| wake_pipe().ok());
    let mut orphans = ORPHANS.lock().unwrap_or_else(PoisonError::into_inner);
    orphans.children.push(child);
    if let Some((_, tx)) = wake {
        poke(tx.as_raw_fd());
    }
    if !orphans.running {
        // If no thread can be started the orphan stays listed: the next hand-off tries again.
        orphans.running = thread::Builder::new()
            .name("rill-reaper".to_owned())
            .spawn(run)
            .is_ok();
    }
}

/// Writes one byte to the (non-blocking) pipe `tx`; a full pipe already has one.
fn poke(tx: libc::c_int) {
    let byte = 1u8;
    // SAFETY: write(2) is async-signal-safe and `byte` is valid for the call; `tx` is the
    // write end of `WAKE`, which is never closed.
    unsafe { libc::write(tx, (&byte as *const u8).cast(), 1) };
}

/// The self-pipe and the SIGCHLD action that writes to it (kept for the life of the process).
fn wake_pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let (rx, tx) = crate::sys::fd::pipe()?;
    let raw = tx.as_raw_fd();
    // SAFETY: the action only calls `poke` (write(2), async-signal-safe); `raw` stays open
    // because `WAKE` keeps `tx` for the life of the process.
    unsafe { signal_hook_registry::register(libc::SIGCHLD, move || poke(raw))? };
    Ok((rx, tx))
}

/// The reaper thread: reaps what has exited, sleeps until SIGCHLD, exits when none is left.
fn run() {
    loop {
        {
            let mut orphans = ORPHANS.lock().unwrap_or_else(PoisonError::into_inner);
            // `Err` (ECHILD: someone else reaped it) also means there is nothing left to wait for.
            orphans
                .children
                .retain_mut(|c| matches!(c.try_wait(), Ok(None)));
            if orphans.children.is_empty() {
                orphans.running = false;
                return;
            }
        }
        let rx = WAKE
            .get()
            .and_then(Option::as_ref)
            .map(|(rx, _)| rx.as_raw_fd());
        let mut p = libc::pollfd {
            fd: rx.unwrap_or(-1),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd for the call (a negative fd is ignored by poll).
        unsafe { libc::poll(&mut p, 1, RECHECK_MS) };
        if let Some(rx) = rx {
            let mut buf = [0u8; 64];
            // SAFETY: `buf` is valid for writes; `rx` is non-blocking and never closed.
            while unsafe { libc::read(rx, buf.as_mut_ptr().cast(), buf.len()) } > 0 {}
        }
    }
}
