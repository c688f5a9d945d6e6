//! Errors the adapter makes itself, all `std::io::Error` with a kind a caller can match on.
//!
//! OS errors pass through `io::Error::from_raw_os_error`, which already maps errno to the right
//! kind (`ECONNRESET` → `ConnectionReset`, `EPIPE` → `BrokenPipe`, `ETIMEDOUT` → `TimedOut`,
//! `ECONNREFUSED` → `ConnectionRefused`, ...). `WouldBlock` never reaches the user: the adapter
//! parks the op instead. What is left are the runtime's own conditions, below.

use std::io;

/// The object's descriptor was deregistered (closed, or its runtime shut down) while an op was
/// outstanding: the op completed as aborted.
pub(crate) fn aborted() -> io::Error {
    io::Error::new(
        io::ErrorKind::NotConnected,
        "the socket was closed (deregistered) while the operation was pending",
    )
}

/// An op had to wait, but the runtime driving this thread is not the one the socket was made on
/// (or no rill runtime is running): parked in a reactor nobody drives, it would never wake.
pub(crate) fn foreign_runtime() -> io::Error {
    io::Error::other(
        "this rill socket belongs to another runtime (or none is running on this thread): use it \
         inside the block_on or task of the runtime that made it, or move it with into_std() and \
         from_std() (from inside the target runtime, e.g. a Handle::spawn_with closure)",
    )
}

/// No rill runtime drives this thread (outside `block_on`, or on a thread of its own).
pub(crate) fn no_runtime() -> io::Error {
    io::Error::other(
        "no rill runtime is running on this thread: call this inside Runtime::block_on or a task \
         it runs; from another thread, use Handle::spawn_with, whose closure runs on the \
         runtime's loop (see rill::thread_bound)",
    )
}

/// What an operation on a shut-down runtime says.
pub(crate) const SHUT_DOWN_MSG: &str = "the rill runtime this object belongs to has shut down";

/// The runtime that owns the object has shut down.
pub(crate) fn shut_down() -> io::Error {
    io::Error::other(SHUT_DOWN_MSG)
}

/// The descriptor table (`Builder::max_io`) is full.
pub(crate) fn table_full() -> io::Error {
    io::Error::new(
        io::ErrorKind::OutOfMemory,
        "too many registered I/O objects (raise Builder::max_io)",
    )
}

/// The descriptor is already registered with this runtime.
pub(crate) fn already_registered(fd: i32) -> io::Error {
    io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("descriptor {fd} is already registered with this rill runtime"),
    )
}

/// `timeout` expired.
pub(crate) fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "operation timed out")
}

/// The core refused a transition the adapter believed valid: a bug, reported, not a panic.
pub(crate) fn internal(what: &str) -> io::Error {
    io::Error::other(format!("rill internal error: {what}"))
}
