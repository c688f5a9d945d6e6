//! The load client of the server workloads (TCP echo, HTTP): one thread, a hand-written
//! edge-triggered epoll loop, `n` connections, each a closed loop of one request then one
//! response. It is the same client for every server, so only the server differs between rows.

use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::time::Duration;

use crate::meter::Meter;
use crate::proto::{drain, Proto};
use crate::sys::{event_buffer, event_parts, Epoll, READ_ET};

/// How long the client waits without any response before it calls the server stalled.
const STALL: Duration = Duration::from_secs(10);

struct Client {
    stream: TcpStream,
    input: Vec<u8>,
    active: bool,
}

/// Drives `n` connections to `addr` until `meter` closes its window, then closes them all. If
/// something fails it still opens and closes the connections the server is waiting for, so a
/// server that counts its connections can finish.
pub fn run(addr: SocketAddr, n: usize, proto: Proto, meter: &Meter) -> io::Result<()> {
    let mut clients = Vec::with_capacity(n);
    let result = drive(addr, n, proto, meter, &mut clients);
    if result.is_err() {
        for _ in clients.len()..n {
            let _ = TcpStream::connect(addr);
        }
    }
    drop(clients);
    result
}

fn drive(
    addr: SocketAddr,
    n: usize,
    proto: Proto,
    meter: &Meter,
    clients: &mut Vec<Client>,
) -> io::Result<()> {
    let ep = Epoll::new()?;
    for i in 0..n {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_nonblocking(true)?;
        ep.add(stream.as_raw_fd(), READ_ET, i as u64)?;
        clients.push(Client {
            stream,
            input: Vec::with_capacity(4096),
            active: true,
        });
    }
    let request = proto.request();
    for c in clients.iter() {
        (&c.stream).write_all(request)?;
    }
    let mut active = n;
    let mut events = event_buffer(1024);
    while active > 0 {
        let got = ep.wait(&mut events, Some(STALL))?;
        if got == 0 {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "server stalled"));
        }
        for ev in &events[..got] {
            let (_, key) = event_parts(ev);
            let c = &mut clients[key as usize];
            if !c.active {
                continue;
            }
            let (_, eof) = drain(&c.stream, &mut c.input)?;
            while let Some(len) = proto.response_len(&c.input) {
                c.input.drain(..len);
                if meter.add(1) {
                    (&c.stream).write_all(request)?;
                } else {
                    c.active = false;
                    active -= 1;
                    break;
                }
            }
            if eof && c.active {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "server closed a connection",
                ));
            }
        }
    }
    Ok(())
}
