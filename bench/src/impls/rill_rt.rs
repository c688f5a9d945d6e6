//! rill: the std adapter's runtime, with the code a rill user would write. The inline budget is
//! a parameter so the same workload runs at budget 0, 2 and 16.

use std::io;
use std::sync::Arc;

use crate::meter::Meter;
use crate::wake::{self, WakePair};

/// A single-threaded rill runtime on the platform default backend with `budget` inline
/// completions and room for `max_io` registrations.
pub fn runtime(budget: u32, max_io: usize) -> io::Result<rill::Runtime> {
    rill::Runtime::builder()
        .inline_budget(budget)
        .max_io(max_io)
        .build()
}

/// The reactor side of the wake workload: a task parked on [`WakePair::changed`], woken from the
/// remote thread through its `Waker`.
pub fn wake(budget: u32, meter: &Arc<Meter>) -> io::Result<()> {
    let rt = runtime(budget, 64)?;
    let pair = Arc::new(WakePair::default());
    let remote = {
        let pair2 = pair.clone();
        wake::remote(pair.clone(), meter.clone(), move || {
            pair2.wake_task();
            Ok(())
        })
    };
    rt.try_block_on(async {
        let mut seen = 0;
        loop {
            seen = pair.changed(seen).await;
            if !pair.acknowledge() {
                break;
            }
        }
    })?;
    wake::join(remote)
}

/// Whether the std adapter's sockets are there to benchmark (they land after its executor).
pub const HAS_IO: bool = false;

fn not_built() -> io::Error {
    io::Error::new(io::ErrorKind::Unsupported, "rill sockets are not built yet")
}

/// Ping-pong over `pairs` socketpairs with `idle` idle registrations.
pub fn ping_pong(_budget: u32, _pairs: usize, _idle: usize, _meter: &Arc<Meter>) -> io::Result<()> {
    Err(not_built())
}

/// Bulk transfer through one socketpair.
pub fn bulk(_budget: u32, _total: u64, _chunk: usize) -> io::Result<()> {
    Err(not_built())
}

/// Serves `proto` on `listener` until `conns` accepted connections have closed.
pub fn serve(
    _budget: u32,
    _listener: std::net::TcpListener,
    _conns: usize,
    _proto: crate::proto::Proto,
) -> io::Result<()> {
    Err(not_built())
}
