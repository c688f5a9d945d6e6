//! rill: a small, fast single-threaded async runtime with sockets and timers.
#![warn(missing_docs)]

mod clock;
mod context;
mod driver;
mod executor;
mod io_error;
mod io_source;
mod net;
mod poller;
mod runtime;
mod sys;
mod task;
mod time;
mod timers;

pub use net::tcp::{Accept, TcpListener, TcpStream};
pub use net::udp::UdpSocket;
pub use net::unix::{UnixAccept, UnixListener, UnixStream};
pub use runtime::{spawn, try_spawn, yield_now, Backend, Builder, Handle, Runtime, UnknownBackend};
pub use task::{JoinError, JoinHandle};
pub use time::interval::{interval, Interval};
pub use time::sleep::{sleep, sleep_until, Sleep};
pub use time::timeout::{timeout, timeout_at, Elapsed};
