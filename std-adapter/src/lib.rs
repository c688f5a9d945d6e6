//! rill: a small, fast single-threaded async runtime with sockets and timers.
#![warn(missing_docs)]

mod context;
mod driver;
mod executor;
mod runtime;
mod task;

pub use runtime::{spawn, try_spawn, yield_now, Backend, Builder, Handle, Runtime, UnknownBackend};
pub use task::{JoinError, JoinHandle};
