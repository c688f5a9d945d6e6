//! mio: the same loops as the hand-written one, through `mio::Poll` (edge-triggered epoll with
//! mio's registration and event types).

use std::io::{self, Read, Write};
use std::net::TcpListener;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::Duration;

use mio::net::UnixStream;
use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token, Waker};

use super::{idle_sockets, short_write};
use crate::meter::Meter;
use crate::proto::{Conn, Proto, MSG};
use crate::wake::{self, WakePair};

const IDLE: usize = 1 << 40;
const LISTENER: Token = Token(usize::MAX);
const STALL: Duration = Duration::from_secs(10);

fn stalled() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "no event for 10 s")
}

/// Polls once; an empty result after [`STALL`] is an error.
fn poll_once(poll: &mut Poll, events: &mut Events) -> io::Result<()> {
    match poll.poll(events, Some(STALL)) {
        Ok(()) if events.is_empty() => Err(stalled()),
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(()),
        Err(e) => Err(e),
    }
}

/// Ping-pong over `pairs` socketpairs with `idle` idle registrations.
pub fn ping_pong(pairs: usize, idle: usize, meter: &Meter) -> io::Result<()> {
    let mut poll = Poll::new()?;
    let idle = idle_sockets(idle)?;
    for (i, s) in idle.iter().enumerate() {
        let fd = s.as_raw_fd();
        poll.registry()
            .register(&mut SourceFd(&fd), Token(IDLE + i), Interest::READABLE)?;
    }
    let mut socks = Vec::with_capacity(pairs);
    for i in 0..pairs {
        let (mut a, mut b) = UnixStream::pair()?;
        poll.registry()
            .register(&mut a, Token(2 * i), Interest::READABLE)?;
        poll.registry()
            .register(&mut b, Token(2 * i + 1), Interest::READABLE)?;
        socks.push([a, b]);
    }
    let msg = [0x5a_u8; MSG];
    for [a, _] in &socks {
        send(a, &msg)?;
    }
    let mut pending = vec![[0usize; 2]; pairs];
    let mut live = pairs;
    let mut events = Events::with_capacity(1024);
    let mut buf = [0u8; 4096];
    while live > 0 {
        poll_once(&mut poll, &mut events)?;
        for ev in events.iter() {
            let key = ev.token().0;
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
    for [a, b] in &mut socks {
        poll.registry().deregister(a)?;
        poll.registry().deregister(b)?;
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
    let mut poll = Poll::new()?;
    let (mut a, mut b) = UnixStream::pair()?;
    poll.registry()
        .register(&mut a, Token(0), Interest::WRITABLE)?;
    poll.registry()
        .register(&mut b, Token(1), Interest::READABLE)?;
    let src = vec![0xa5_u8; chunk];
    let mut dst = vec![0u8; chunk];
    let (mut sent, mut received) = (0u64, 0u64);
    let (mut writable, mut readable) = (true, true);
    let mut events = Events::with_capacity(16);
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
            poll_once(&mut poll, &mut events)?;
            for ev in events.iter() {
                match ev.token() {
                    Token(0) => writable = true,
                    _ => readable = true,
                }
            }
        }
    }
    Ok(())
}

/// The reactor side of the wake workload, with `mio::Waker`.
pub fn wake(meter: &Arc<Meter>) -> io::Result<()> {
    let mut poll = Poll::new()?;
    let waker = Arc::new(Waker::new(poll.registry(), Token(0))?);
    let pair = Arc::new(WakePair::default());
    // The reactor keeps its own reference: if the remote thread held the last one, the eventfd
    // would close right after the final wake, and closing it drops its pending event.
    let remote = {
        let waker = waker.clone();
        wake::remote(pair.clone(), meter.clone(), move || waker.wake())
    };
    let mut events = Events::with_capacity(4);
    loop {
        if let Err(e) = poll_once(&mut poll, &mut events) {
            let remote = if remote.is_finished() {
                format!("{:?}", wake::join(remote))
            } else {
                "running".to_string()
            };
            return Err(io::Error::new(
                e.kind(),
                format!("{e} ({}, remote: {remote})", pair.describe()),
            ));
        }
        if !pair.acknowledge() {
            break;
        }
    }
    drop(waker);
    wake::join(remote)
}

/// Serves `proto` on `listener` until `conns` accepted connections have closed.
pub fn serve(listener: TcpListener, conns: usize, proto: Proto) -> io::Result<()> {
    let mut poll = Poll::new()?;
    listener.set_nonblocking(true)?;
    let mut listener = mio::net::TcpListener::from_std(listener);
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let mut open: Vec<Option<Conn<mio::net::TcpStream>>> = Vec::with_capacity(conns);
    let mut closed = 0;
    let mut events = Events::with_capacity(1024);
    while closed < conns {
        poll_once(&mut poll, &mut events)?;
        for ev in events.iter() {
            if ev.token() == LISTENER {
                loop {
                    match listener.accept() {
                        Ok((mut s, _)) => {
                            s.set_nodelay(true)?;
                            poll.registry().register(
                                &mut s,
                                Token(open.len()),
                                Interest::READABLE | Interest::WRITABLE,
                            )?;
                            open.push(Some(Conn::new(s)));
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(e) => return Err(e),
                    }
                }
                continue;
            }
            let key = ev.token().0;
            let Some(conn) = open[key].as_mut() else {
                continue;
            };
            let mut alive = true;
            if ev.is_readable() || ev.is_read_closed() || ev.is_error() {
                alive = conn.on_readable(proto)?;
            }
            if alive && ev.is_writable() {
                conn.on_writable()?;
            }
            if !alive {
                if let Some(mut c) = open[key].take() {
                    poll.registry().deregister(&mut c.stream)?;
                }
                closed += 1;
            }
        }
    }
    Ok(())
}
