//! No poller at all: the same socket syscalls issued back to back, with no readiness API. This
//! is the ceiling the brief's "no poller" column names: what the syscalls alone cost. It only
//! works because one thread owns both ends of every socketpair and data written is readable at
//! once.

use std::io::{self, Read, Write};

use super::{pair, short_write};
use crate::meter::Meter;
use crate::proto::MSG;

/// Ping-pong over `pairs` socketpairs: for each pair in turn, write, read, write back, read.
pub fn ping_pong(pairs: usize, meter: &Meter) -> io::Result<()> {
    let socks = (0..pairs).map(|_| pair()).collect::<io::Result<Vec<_>>>()?;
    let msg = [0x5a_u8; MSG];
    let mut buf = [0u8; MSG];
    loop {
        for (a, b) in &socks {
            exchange(a, b, &msg, &mut buf)?;
            exchange(b, a, &msg, &mut buf)?;
            if !meter.add(1) {
                return Ok(());
            }
        }
    }
}

fn exchange(
    mut from: &std::os::unix::net::UnixStream,
    mut to: &std::os::unix::net::UnixStream,
    msg: &[u8],
    buf: &mut [u8],
) -> io::Result<()> {
    let n = from.write(msg)?;
    if n != msg.len() {
        return Err(short_write(n));
    }
    let mut got = 0;
    while got < msg.len() {
        match to.read(&mut buf[got..]) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::hint::spin_loop(),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Bulk transfer: write until `EAGAIN`, read until `EAGAIN`, repeat.
pub fn bulk(total: u64, chunk: usize) -> io::Result<()> {
    let (mut a, mut b) = pair()?;
    let src = vec![0xa5_u8; chunk];
    let mut dst = vec![0u8; chunk];
    let (mut sent, mut received) = (0u64, 0u64);
    while received < total {
        while sent < total {
            let len = chunk.min((total - sent) as usize);
            match a.write(&src[..len]) {
                Ok(n) => sent += n as u64,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e),
            }
        }
        loop {
            match b.read(&mut dst) {
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(n) => received += n as u64,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}
