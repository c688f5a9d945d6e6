//! rill: the std adapter's runtime, with the code a rill user would write. The inline budget is
//! a parameter so the same workload runs at budget 0, 2 and 16.

use std::io;
use std::sync::Arc;

use rill::UnixStream;

use super::idle_sockets;
use crate::meter::Meter;
use crate::proto::{Proto, MSG};
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

fn joined<T>(r: Result<io::Result<T>, rill::JoinError>) -> io::Result<T> {
    r.map_err(|e| io::Error::other(e.to_string()))?
}

/// Ping-pong over `pairs` socketpairs with `idle` idle registrations: a client task and an echo
/// task per pair.
pub fn ping_pong(budget: u32, pairs: usize, idle: usize, meter: &Arc<Meter>) -> io::Result<()> {
    let rt = runtime(budget, 2 * pairs + idle + 64)?;
    rt.try_block_on(async {
        let idle = idle_sockets(idle)?
            .into_iter()
            .map(UnixStream::from_std)
            .collect::<io::Result<Vec<_>>>()?;
        let mut clients = Vec::with_capacity(pairs);
        let mut servers = Vec::with_capacity(pairs);
        for _ in 0..pairs {
            let (a, b) = UnixStream::pair()?;
            servers.push(rill::spawn(async move {
                let msg = [0x5a_u8; MSG];
                let mut buf = [0u8; 4096];
                let mut pending = 0;
                loop {
                    match b.read(&mut buf).await? {
                        0 => return Ok(()),
                        n => pending += n,
                    }
                    while pending >= MSG {
                        pending -= MSG;
                        b.write_all(&msg).await?;
                    }
                }
            }));
            let meter = meter.clone();
            clients.push(rill::spawn(async move {
                let msg = [0x5a_u8; MSG];
                let mut buf = [0u8; 4096];
                loop {
                    a.write_all(&msg).await?;
                    let mut got = 0;
                    while got < MSG {
                        match a.read(&mut buf).await? {
                            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                            n => got += n,
                        }
                    }
                    if !meter.add(1) {
                        return Ok::<_, io::Error>(());
                    }
                }
            }));
        }
        for h in clients.into_iter().chain(servers) {
            joined(h.await)?;
        }
        drop(idle);
        Ok(())
    })?
}

/// Bulk transfer through one socketpair: a writer task and a reader (the main future).
pub fn bulk(budget: u32, total: u64, chunk: usize) -> io::Result<()> {
    let rt = runtime(budget, 64)?;
    rt.try_block_on(async {
        let (a, b) = UnixStream::pair()?;
        let writer = rill::spawn(async move {
            let src = vec![0xa5_u8; chunk];
            let mut sent = 0u64;
            while sent < total {
                let len = chunk.min((total - sent) as usize);
                a.write_all(&src[..len]).await?;
                sent += len as u64;
            }
            Ok::<_, io::Error>(())
        });
        let mut dst = vec![0u8; chunk];
        let mut received = 0u64;
        while received < total {
            match b.read(&mut dst).await? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => received += n as u64,
            }
        }
        joined(writer.await)
    })?
}

/// Serves `proto` on `listener` until `conns` accepted connections have closed: an accept loop
/// and one task per connection.
pub fn serve(
    budget: u32,
    listener: std::net::TcpListener,
    conns: usize,
    proto: Proto,
) -> io::Result<()> {
    let rt = runtime(budget, conns + 64)?;
    rt.try_block_on(async {
        let listener = rill::TcpListener::from_std(listener)?;
        let mut tasks = Vec::with_capacity(conns);
        for _ in 0..conns {
            let (s, _) = listener.accept().await?;
            tasks.push(rill::spawn(connection(s, proto)));
        }
        for t in tasks {
            joined(t.await)?;
        }
        Ok(())
    })?
}

/// Like [`serve`] on a runtime with `workers` worker threads (loops): the accept loop runs on
/// loop 0 and hands each connection's socket to the least-loaded loop, the documented way to
/// spread connections (`into_std`, then `Handle::spawn_with` and `from_std` on the new loop).
/// `yield_first`: `Builder::yield_before_block(true)`.
pub fn serve_mt(
    workers: usize,
    yield_first: bool,
    listener: std::net::TcpListener,
    conns: usize,
    proto: Proto,
) -> io::Result<()> {
    let rt = rill::Runtime::builder()
        .worker_threads(workers)
        .max_io(conns + 64)
        .yield_before_block(yield_first)
        .build()?;
    let handle = rt.handle();
    rt.try_block_on(async {
        let listener = rill::TcpListener::from_std(listener)?;
        let mut tasks = Vec::with_capacity(conns);
        for _ in 0..conns {
            let (s, _) = listener.accept().await?;
            let s = s.into_std();
            tasks.push(handle.spawn_with(move || async move {
                connection(rill::TcpStream::from_std(s)?, proto).await
            }));
        }
        for t in tasks {
            joined(t.await)?;
        }
        Ok(())
    })?
}

/// One server connection: read into a 4 KiB buffer, answer every complete request.
async fn connection(s: rill::TcpStream, proto: Proto) -> io::Result<()> {
    s.set_nodelay(true)?;
    let mut input = vec![0u8; 4096];
    let mut filled = 0;
    let mut out = Vec::with_capacity(4096);
    loop {
        if filled == input.len() {
            input.resize(input.len() * 2, 0);
        }
        let n = s.read(&mut input[filled..]).await?;
        if n == 0 {
            return Ok(());
        }
        filled += n;
        let used = proto.serve(&input[..filled], &mut out);
        input.copy_within(used..filled, 0);
        filled -= used;
        if !out.is_empty() {
            s.write_all(&out).await?;
            out.clear();
        }
    }
}
