//! polling: the same loops through `polling::Poller` in edge-triggered mode (`PollMode::Edge`).
//! polling requires every source to be deleted before it is closed; each loop does so.

use std::io::{self, Read, Write};
use std::net::TcpListener;
use std::num::NonZeroUsize;
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::Duration;

use polling::{Event, Events, PollMode, Poller};

use super::{idle_sockets, pair, short_write};
use crate::meter::Meter;
use crate::proto::{Conn, Proto, MSG};
use crate::wake::{self, WakePair};

const IDLE: usize = 1 << 40;
const LISTENER: usize = usize::MAX - 1;
const STALL: Duration = Duration::from_secs(10);

fn stalled() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "no event for 10 s")
}

/// Registers `source` edge-triggered.
fn add(poller: &Poller, source: &impl AsRawFd, ev: Event) -> io::Result<()> {
    // SAFETY: polling asks that a source be deleted before it is closed. The loops below delete
    // every source before returning on the success path; on an error path the sources and the
    // poller are dropped together, and on Linux closing a registered fd removes it from the
    // epoll set, so no registration outlives its fd.
    unsafe { poller.add_with_mode(source.as_raw_fd(), ev, PollMode::Edge) }
}

fn remove(poller: &Poller, source: &impl AsFd) -> io::Result<()> {
    poller.delete(source.as_fd())
}

/// Waits once; nothing after [`STALL`] is an error.
fn wait(poller: &Poller, events: &mut Events) -> io::Result<()> {
    events.clear();
    if poller.wait(events, Some(STALL))? == 0 {
        return Err(stalled());
    }
    Ok(())
}

/// Ping-pong over `pairs` socketpairs with `idle` idle registrations.
pub fn ping_pong(pairs: usize, idle: usize, meter: &Meter) -> io::Result<()> {
    let poller = Poller::new()?;
    let idle = idle_sockets(idle)?;
    for (i, s) in idle.iter().enumerate() {
        add(&poller, s, Event::readable(IDLE + i))?;
    }
    let mut socks = Vec::with_capacity(pairs);
    for i in 0..pairs {
        let (a, b) = pair()?;
        add(&poller, &a, Event::readable(2 * i))?;
        add(&poller, &b, Event::readable(2 * i + 1))?;
        socks.push([a, b]);
    }
    let msg = [0x5a_u8; MSG];
    for [a, _] in &socks {
        send(a, &msg)?;
    }
    let mut pending = vec![[0usize; 2]; pairs];
    let mut live = pairs;
    let mut events = Events::with_capacity(NonZeroUsize::new(1024).unwrap_or(NonZeroUsize::MIN));
    let mut buf = [0u8; 4096];
    while live > 0 {
        wait(&poller, &mut events)?;
        for ev in events.iter() {
            let key = ev.key;
            if key >= IDLE {
                continue;
            }
            let (p, side) = (key / 2, key % 2);
            let sock = &socks[p][side];
            pending[p][side] += read_drained(sock, &mut buf)?;
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
    for s in socks.iter().flatten().chain(idle.iter()) {
        remove(&poller, s)?;
    }
    Ok(())
}

fn read_drained(mut sock: &UnixStream, buf: &mut [u8]) -> io::Result<usize> {
    let mut total = 0;
    loop {
        match sock.read(buf) {
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

fn send(mut sock: &UnixStream, msg: &[u8]) -> io::Result<()> {
    match sock.write(msg)? {
        n if n == msg.len() => Ok(()),
        n => Err(short_write(n)),
    }
}

/// Bulk transfer through one socketpair, both ends on this thread.
pub fn bulk(total: u64, chunk: usize) -> io::Result<()> {
    let poller = Poller::new()?;
    let (mut a, mut b) = pair()?;
    add(&poller, &a, Event::writable(0))?;
    add(&poller, &b, Event::readable(1))?;
    let src = vec![0xa5_u8; chunk];
    let mut dst = vec![0u8; chunk];
    let (mut sent, mut received) = (0u64, 0u64);
    let (mut writable, mut readable) = (true, true);
    let mut events = Events::new();
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
            wait(&poller, &mut events)?;
            for ev in events.iter() {
                match ev.key {
                    0 => writable = true,
                    _ => readable = true,
                }
            }
        }
    }
    remove(&poller, &a)?;
    remove(&poller, &b)?;
    Ok(())
}

/// The reactor side of the wake workload, with `Poller::notify`.
pub fn wake(meter: &Arc<Meter>) -> io::Result<()> {
    let poller = Arc::new(Poller::new()?);
    let pair = Arc::new(WakePair::default());
    let remote = {
        let poller = poller.clone();
        wake::remote(pair.clone(), meter.clone(), move || poller.notify())
    };
    let mut events = Events::new();
    loop {
        // A notification returns zero events; no stall check here (the remote thread's own
        // progress is what the meter watches).
        events.clear();
        poller.wait(&mut events, Some(STALL))?;
        if !pair.acknowledge() {
            break;
        }
    }
    wake::join(remote)
}

/// Serves `proto` on `listener` until `conns` accepted connections have closed.
pub fn serve(listener: TcpListener, conns: usize, proto: Proto) -> io::Result<()> {
    let poller = Poller::new()?;
    listener.set_nonblocking(true)?;
    add(&poller, &listener, Event::readable(LISTENER))?;
    let mut open: Vec<Option<Conn<std::net::TcpStream>>> = Vec::with_capacity(conns);
    let mut closed = 0;
    let mut events = Events::new();
    while closed < conns {
        wait(&poller, &mut events)?;
        for ev in events.iter() {
            if ev.key == LISTENER {
                loop {
                    match listener.accept() {
                        Ok((s, _)) => {
                            s.set_nonblocking(true)?;
                            s.set_nodelay(true)?;
                            add(&poller, &s, Event::all(open.len()))?;
                            open.push(Some(Conn::new(s)));
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(e) => return Err(e),
                    }
                }
                continue;
            }
            let Some(conn) = open[ev.key].as_mut() else {
                continue;
            };
            let mut alive = true;
            if ev.readable || ev.is_interrupt() || ev.is_err() == Some(true) {
                alive = conn.on_readable(proto)?;
            }
            if alive && ev.writable {
                conn.on_writable()?;
            }
            if !alive {
                if let Some(c) = open[ev.key].take() {
                    remove(&poller, &c.stream)?;
                }
                closed += 1;
            }
        }
    }
    remove(&poller, &listener)?;
    Ok(())
}
