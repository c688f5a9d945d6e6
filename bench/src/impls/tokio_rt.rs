//! tokio: current-thread (and, for the server workloads, multi-thread) runtimes, with the code a
//! tokio user would write: one task per socket end, `read` into a 4 KiB buffer, `write_all`.

use std::io;
use std::net::TcpListener;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;
use tokio::runtime::{Builder, Runtime};

use super::idle_sockets;
use crate::meter::Meter;
use crate::proto::{Proto, MSG};
use crate::wake::{self, WakePair};

/// A runtime: current-thread, or multi-thread with `workers` worker threads (`workers > 0`).
pub fn runtime(workers: usize) -> io::Result<Runtime> {
    if workers == 0 {
        Builder::new_current_thread().enable_all().build()
    } else {
        Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()
    }
}

fn joined<T>(r: Result<io::Result<T>, tokio::task::JoinError>) -> io::Result<T> {
    r.map_err(io::Error::other)?
}

/// Ping-pong over `pairs` socketpairs with `idle` idle registrations, on a current-thread
/// runtime: a client task and an echo task per pair.
pub fn ping_pong(pairs: usize, idle: usize, meter: &Arc<Meter>) -> io::Result<()> {
    let rt = runtime(0)?;
    rt.block_on(async {
        let idle = idle_sockets(idle)?
            .into_iter()
            .map(UnixStream::from_std)
            .collect::<io::Result<Vec<_>>>()?;
        let mut clients = Vec::with_capacity(pairs);
        let mut servers = Vec::with_capacity(pairs);
        for _ in 0..pairs {
            let (mut a, mut b) = UnixStream::pair()?;
            servers.push(tokio::spawn(async move {
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
            clients.push(tokio::spawn(async move {
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
    })
}

/// Bulk transfer through one socketpair: a writer task and a reader task.
pub fn bulk(total: u64, chunk: usize) -> io::Result<()> {
    let rt = runtime(0)?;
    rt.block_on(async {
        let (mut a, mut b) = UnixStream::pair()?;
        let writer = tokio::spawn(async move {
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
    })
}

/// The reactor side of the wake workload: a task parked on [`WakePair::changed`], woken from the
/// remote thread through its `Waker`.
pub fn wake(meter: &Arc<Meter>) -> io::Result<()> {
    let rt = runtime(0)?;
    let pair = Arc::new(WakePair::default());
    let remote = {
        let pair2 = pair.clone();
        wake::remote(pair.clone(), meter.clone(), move || {
            pair2.wake_task();
            Ok(())
        })
    };
    rt.block_on(async {
        let mut seen = 0;
        loop {
            seen = pair.changed(seen).await;
            if !pair.acknowledge() {
                break;
            }
        }
    });
    wake::join(remote)
}

/// Serves `proto` on `listener` until `conns` accepted connections have closed: an accept loop
/// and one task per connection, on `workers` worker threads (0: current-thread).
pub fn serve(listener: TcpListener, conns: usize, proto: Proto, workers: usize) -> io::Result<()> {
    let rt = runtime(workers)?;
    rt.block_on(async {
        listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let mut tasks = Vec::with_capacity(conns);
        for _ in 0..conns {
            let (mut s, _) = listener.accept().await?;
            s.set_nodelay(true)?;
            tasks.push(tokio::spawn(async move {
                let mut input = vec![0u8; 4096];
                let mut filled = 0;
                let mut out = Vec::with_capacity(4096);
                loop {
                    if filled == input.len() {
                        input.resize(input.len() * 2, 0);
                    }
                    let n = s.read(&mut input[filled..]).await?;
                    if n == 0 {
                        return Ok::<_, io::Error>(());
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
            }));
        }
        for t in tasks {
            joined(t.await)?;
        }
        Ok(())
    })
}
