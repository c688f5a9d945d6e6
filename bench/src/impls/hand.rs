//! The hand-written edge-triggered epoll loop: the practical floor. Raw `epoll_wait`, `std`
//! sockets, no abstraction between the readiness event and the syscall it allows. It registers
//! only the directions it needs and relies on the short-read shortcut (a read that did not fill
//! the buffer drained the socket) instead of reading until `EAGAIN`.

use std::io::{self, Read, Write};
use std::net::TcpListener;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::Duration;

use super::{idle_sockets, pair, short_write};
use crate::meter::Meter;
use crate::proto::{Conn, Proto, MSG};
use crate::sys::{event_buffer, event_parts, Epoll, EventFd, BOTH_ET, READ_ET};
use crate::wake::{self, WakePair};

/// Keys at or above this name idle descriptors.
const IDLE: u64 = 1 << 40;
/// The listener's key in `serve`.
const LISTENER: u64 = u64::MAX;
/// How long a wait may see nothing before the loop reports a stall.
const STALL: Duration = Duration::from_secs(10);

fn stalled() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "no event for 10 s")
}

/// Ping-pong of [`MSG`]-byte messages over `pairs` socketpairs, with `idle` idle registrations.
/// One round trip is one operation.
pub fn ping_pong(pairs: usize, idle: usize, meter: &Meter) -> io::Result<()> {
    ping_pong_with(pairs, idle, Variant::PLAIN, meter)
}

/// How a variant of the loop differs from the plain one, to isolate what one difference from
/// a runtime costs.
#[derive(Clone, Copy)]
pub struct Variant {
    /// The epoll interest of the active sockets (e.g. [`BOTH_ET`], the way a runtime
    /// that registers each descriptor once for both directions does; the loop ignores the write
    /// events).
    pub interest: u32,
    /// The syscall the loop reads with.
    pub reads: Reads,
    /// Where it reads into.
    pub buffers: Buffers,
}

impl Variant {
    /// The plain loop: read interest only, `read(2)`, one shared buffer.
    pub const PLAIN: Variant = Variant {
        interest: READ_ET,
        reads: Reads::Read,
        buffers: Buffers::Shared,
    };
}

/// Where the loop reads into.
#[derive(Clone, Copy)]
pub enum Buffers {
    /// One 4 KiB buffer on the loop's stack for every socket, as a minimal loop does.
    Shared,
    /// A 4 KiB buffer of its own for each socket, each a separate heap allocation, as each
    /// task of an async runtime holds its own: isolates what the buffers' cache footprint
    /// (the kernel copying into a different one each time) costs against one shared buffer.
    PerSocket,
}

/// Which syscall the loop reads with.
#[derive(Clone, Copy)]
pub enum Reads {
    /// `read(2)`, as a minimal loop does.
    Read,
    /// `recvmsg(2)` with no control buffer, as rill reads a Unix stream it did not make itself
    /// (so that an ancillary-data boundary shows as `MSG_CTRUNC`): isolates what that call
    /// costs in the kernel against `read`.
    Recvmsg,
}

/// [`ping_pong`] as `variant` says.
pub fn ping_pong_with(
    pairs: usize,
    idle: usize,
    variant: Variant,
    meter: &Meter,
) -> io::Result<()> {
    let Variant {
        interest,
        reads,
        buffers,
    } = variant;
    let ep = Epoll::new()?;
    let idle = idle_sockets(idle)?;
    for (i, s) in idle.iter().enumerate() {
        ep.add(s.as_raw_fd(), READ_ET, IDLE + i as u64)?;
    }
    let mut socks = Vec::with_capacity(pairs);
    for i in 0..pairs {
        let (a, b) = pair()?;
        ep.add(a.as_raw_fd(), interest, 2 * i as u64)?;
        ep.add(b.as_raw_fd(), interest, 2 * i as u64 + 1)?;
        socks.push([a, b]);
    }
    let msg = [0x5a_u8; MSG];
    for [a, _] in &socks {
        send(a, &msg)?;
    }
    let mut pending = vec![[0usize; 2]; pairs];
    let mut live = pairs;
    let mut events = event_buffer(1024);
    let mut shared = [0u8; 4096];
    let mut own: Vec<Box<[u8; 4096]>> = match buffers {
        Buffers::Shared => Vec::new(),
        Buffers::PerSocket => (0..2 * pairs).map(|_| Box::new([0u8; 4096])).collect(),
    };
    while live > 0 {
        let n = ep.wait(&mut events, Some(STALL))?;
        if n == 0 {
            return Err(stalled());
        }
        for ev in &events[..n] {
            let (bits, key) = event_parts(ev);
            if key >= IDLE || bits & libc::EPOLLIN as u32 == 0 {
                continue;
            }
            let (p, side) = ((key / 2) as usize, (key % 2) as usize);
            let sock = &socks[p][side];
            let buf = match own.get_mut(key as usize) {
                Some(b) => &mut b[..],
                None => &mut shared[..],
            };
            pending[p][side] += read_drained(sock, buf, reads)?;
            while pending[p][side] >= MSG {
                pending[p][side] -= MSG;
                // The echo side always answers; the client side answers while the window is open.
                if side == 1 || meter.add(1) {
                    send(sock, &msg)?;
                } else {
                    live -= 1;
                }
            }
        }
    }
    Ok(())
}

/// Reads until a short read or `EAGAIN`; returns the byte count. End of stream is an error here:
/// ping-pong peers never close first.
fn read_drained(
    mut sock: &std::os::unix::net::UnixStream,
    buf: &mut [u8],
    reads: Reads,
) -> io::Result<usize> {
    let mut total = 0;
    loop {
        let got = match reads {
            Reads::Read => sock.read(buf),
            Reads::Recvmsg => crate::sys::recvmsg(sock.as_raw_fd(), buf),
        };
        match got {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                total += n;
                if n < buf.len() {
                    return Ok(total);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(total),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

fn send(mut sock: &std::os::unix::net::UnixStream, msg: &[u8]) -> io::Result<()> {
    match sock.write(msg)? {
        n if n == msg.len() => Ok(()),
        n => Err(short_write(n)),
    }
}

/// Moves `total` bytes through one socketpair in `chunk`-byte writes and reads, both ends driven
/// by this one thread.
pub fn bulk(total: u64, chunk: usize) -> io::Result<()> {
    let ep = Epoll::new()?;
    let (mut a, mut b) = pair()?;
    ep.add(a.as_raw_fd(), (libc::EPOLLOUT | libc::EPOLLET) as u32, 0)?;
    ep.add(b.as_raw_fd(), READ_ET, 1)?;
    let src = vec![0xa5_u8; chunk];
    let mut dst = vec![0u8; chunk];
    let (mut sent, mut received) = (0u64, 0u64);
    let (mut writable, mut readable) = (true, true);
    let mut events = event_buffer(16);
    while received < total {
        while writable && sent < total {
            let len = chunk.min((total - sent) as usize);
            match a.write(&src[..len]) {
                Ok(n) => sent += n as u64,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => writable = false,
                Err(e) => return Err(e),
            }
        }
        while readable {
            match b.read(&mut dst) {
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(n) => {
                    received += n as u64;
                    readable = n == dst.len();
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => readable = false,
                Err(e) => return Err(e),
            }
        }
        if received < total && (!writable || sent == total) && !readable {
            let n = ep.wait(&mut events, Some(STALL))?;
            if n == 0 {
                return Err(stalled());
            }
            for ev in &events[..n] {
                match event_parts(ev).1 {
                    0 => writable = true,
                    _ => readable = true,
                }
            }
        }
    }
    Ok(())
}

/// The reactor side of the wake workload: an eventfd registered edge-triggered, never read (each
/// write is a new edge).
pub fn wake(meter: &Arc<Meter>) -> io::Result<()> {
    let ep = Epoll::new()?;
    let efd = Arc::new(EventFd::new()?);
    ep.add(efd.raw(), READ_ET, 0)?;
    let pair = Arc::new(WakePair::default());
    let remote = {
        let efd = efd.clone();
        wake::remote(pair.clone(), meter.clone(), move || efd.wake())
    };
    let mut events = event_buffer(4);
    loop {
        if ep.wait(&mut events, Some(STALL))? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("no event for 10 s ({})", pair.describe()),
            ));
        }
        if !pair.acknowledge() {
            break;
        }
    }
    wake::join(remote)
}

/// Serves `proto` on `listener` until `conns` accepted connections have closed.
pub fn serve(listener: TcpListener, conns: usize, proto: Proto) -> io::Result<()> {
    let ep = Epoll::new()?;
    listener.set_nonblocking(true)?;
    ep.add(listener.as_raw_fd(), READ_ET, LISTENER)?;
    let mut open: Vec<Option<Conn<std::net::TcpStream>>> = Vec::with_capacity(conns);
    let mut closed = 0;
    let mut events = event_buffer(1024);
    while closed < conns {
        let n = ep.wait(&mut events, Some(STALL))?;
        if n == 0 {
            return Err(stalled());
        }
        for ev in &events[..n] {
            let (bits, key) = event_parts(ev);
            if key == LISTENER {
                loop {
                    match listener.accept() {
                        Ok((s, _)) => {
                            s.set_nonblocking(true)?;
                            s.set_nodelay(true)?;
                            ep.add(s.as_raw_fd(), BOTH_ET, open.len() as u64)?;
                            open.push(Some(Conn::new(s)));
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(e) => return Err(e),
                    }
                }
                continue;
            }
            let Some(conn) = open[key as usize].as_mut() else {
                continue;
            };
            let mut alive = true;
            if bits & (libc::EPOLLIN | libc::EPOLLRDHUP | libc::EPOLLHUP | libc::EPOLLERR) as u32
                != 0
            {
                alive = conn.on_readable(proto)?;
            }
            if alive && bits & libc::EPOLLOUT as u32 != 0 {
                conn.on_writable()?;
            }
            if !alive {
                open[key as usize] = None;
                closed += 1;
            }
        }
    }
    Ok(())
}
