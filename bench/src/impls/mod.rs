//! The implementations under test, one module each. Every module offers the same workloads with
//! the same shape (`ping_pong`, `bulk`, `wake`, `serve`), written the way a user of that library
//! would write them, so a row of a table differs from another only by the library underneath.

pub mod hand;
pub mod mio_loop;
pub mod nopoll;
pub mod polling_loop;
pub mod rill_rt;
pub mod tokio_rt;

use std::io;
use std::os::unix::net::UnixStream;

/// `n` idle descriptors: the ends of `n / 2` (rounded up) non-blocking socketpairs that never
/// carry data. Each implementation registers them its own way.
pub fn idle_sockets(n: usize) -> io::Result<Vec<UnixStream>> {
    let mut v = Vec::with_capacity(n + 1);
    while v.len() < n {
        let (a, b) = UnixStream::pair()?;
        a.set_nonblocking(true)?;
        b.set_nonblocking(true)?;
        v.push(a);
        v.push(b);
    }
    v.truncate(n);
    Ok(v)
}

/// A non-blocking socketpair.
pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
    let (a, b) = UnixStream::pair()?;
    a.set_nonblocking(true)?;
    b.set_nonblocking(true)?;
    Ok((a, b))
}

/// The error for a message that a socketpair should have taken whole but did not.
pub fn short_write(n: usize) -> io::Error {
    io::Error::new(
        io::ErrorKind::WriteZero,
        format!("short write of {n} bytes on an empty socketpair"),
    )
}
