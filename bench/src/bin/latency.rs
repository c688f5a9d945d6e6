//! Round-trip latency of a request/response client, with and without busy polling
//! (`rill::Builder::busy_poll`, issue 13 item 8), or with and without the loop's yield before
//! it blocks (`rill::Builder::yield_before_block`).
//!
//! `latency [--rounds N] [--window-ms MS] [--spin-us US] [--yield] [--hog]` runs a rill client
//! on this thread against an echo server on its own thread (a plain mio loop over loopback TCP,
//! answering each 64-byte request at once), with 1 and with 100 connections. Each connection is
//! one task that writes a request, reads the answer and records the time between the two. The
//! two clients (the option off, and on: busy polling with a `--spin-us` window, or with
//! `--yield` the yield before blocking) run in turn, in an order that alternates per round, so
//! machine noise lands on both. `--hog` pins the client to CPU 0 next to a thread that spins
//! there, and the server to CPU 1: a loop sharing its core with a CPU-bound neighbour. Prints a
//! markdown table: median over the rounds of each round's p50 and p99, and the round trips per
//! second.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};

const MSG: usize = 64;

/// The echo server: accepts every connection and echoes whatever arrives, edge-triggered.
fn echo_server(listener: std::net::TcpListener, stop: Arc<AtomicBool>) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut listener = TcpListener::from_std(listener);
    let mut poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, Token(usize::MAX), Interest::READABLE)?;
    let mut conns: Vec<Option<TcpStream>> = Vec::new();
    let mut events = Events::with_capacity(256);
    let mut buf = [0u8; 4096];
    while !stop.load(Ordering::Relaxed) {
        poll.poll(&mut events, Some(Duration::from_millis(50)))?;
        for ev in &events {
            if ev.token() == Token(usize::MAX) {
                while let Ok((mut s, _)) = listener.accept() {
                    s.set_nodelay(true)?;
                    let t = Token(conns.len());
                    poll.registry().register(&mut s, t, Interest::READABLE)?;
                    conns.push(Some(s));
                }
                continue;
            }
            let Some(Some(s)) = conns.get_mut(ev.token().0) else {
                continue;
            };
            loop {
                match s.read(&mut buf) {
                    Ok(0) => {
                        conns[ev.token().0] = None;
                        break;
                    }
                    // The answers are small: the socket buffer always has room.
                    Ok(n) => s.write_all(&buf[..n])?,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => {
                        conns[ev.token().0] = None;
                        break;
                    }
                }
            }
        }
    }
    Ok(())
}

/// The option a run turns on, if any.
#[derive(Clone, Copy)]
enum Opt {
    Plain,
    BusyPoll(Duration),
    YieldBeforeBlock,
}

/// Pins the calling thread to `cpu`.
fn pin_to(cpu: usize) -> io::Result<()> {
    // SAFETY: a zeroed `cpu_set_t` is a valid empty set, CPU_SET writes inside it, and
    // sched_setaffinity only reads the set we pass with its true size.
    let rc = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set)
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// One measured run: `conns` client tasks for `warmup + window`; returns the round trips'
/// latencies (ns) within the window, sorted, and the window's length.
fn client(
    addr: SocketAddr,
    conns: usize,
    opt: Opt,
    warmup: Duration,
    window: Duration,
) -> io::Result<Vec<u64>> {
    let builder = match opt {
        Opt::Plain => rill::Builder::new(),
        Opt::BusyPoll(spin) => rill::Builder::new().busy_poll(spin),
        Opt::YieldBeforeBlock => rill::Builder::new().yield_before_block(true),
    };
    let rt = builder.build()?;
    let mut all: Vec<u64> = rt.block_on(async move {
        let start = Instant::now();
        let (from, until) = (start + warmup, start + warmup + window);
        let mut tasks = Vec::with_capacity(conns);
        for _ in 0..conns {
            let s = rill::TcpStream::connect(addr).await?;
            s.set_nodelay(true)?;
            tasks.push(rill::spawn(async move {
                let msg = [0x5a_u8; MSG];
                let mut buf = [0u8; MSG];
                let mut lat = Vec::with_capacity(1 << 16);
                loop {
                    let t0 = Instant::now();
                    if t0 >= until {
                        return Ok::<_, io::Error>(lat);
                    }
                    s.write_all(&msg).await?;
                    s.read_exact(&mut buf).await?;
                    if t0 >= from {
                        lat.push(t0.elapsed().as_nanos() as u64);
                    }
                }
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.map_err(|e| io::Error::other(e.to_string()))??);
        }
        io::Result::Ok(all)
    })?;
    all.sort_unstable();
    Ok(all)
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let rounds = arg(&args, "--rounds", 5).max(1) as usize;
    let window = Duration::from_millis(arg(&args, "--window-ms", 1000));
    let spin = Duration::from_micros(arg(&args, "--spin-us", 50));
    let yield_mode = args.iter().any(|a| a == "--yield");
    let hog = args.iter().any(|a| a == "--hog");
    let warmup = window / 5;

    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let stop = Arc::new(AtomicBool::new(false));
    if hog {
        let stop = stop.clone();
        pin_to(0)?;
        std::thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                n = std::hint::black_box(n.wrapping_add(1));
            }
        });
    }
    let server = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            if hog {
                pin_to(1)?;
            }
            echo_server(listener, stop)
        })
    };

    println!("### Round-trip latency, 64-byte request/response over loopback TCP (µs)\n");
    let what = if yield_mode {
        "yield before blocking".to_string()
    } else {
        format!("busy-poll window {} µs", spin.as_micros())
    };
    let placement = if hog {
        "; the client pinned to CPU 0 next to a spinning thread, the server pinned to CPU 1"
    } else {
        ""
    };
    println!(
        "rill client on one thread, mio echo server on another{placement}; {rounds} rounds of \
         {} ms (after {} ms of warm-up), alternating order; {what}. Median over the rounds of \
         each round's percentile.\n",
        window.as_millis(),
        warmup.as_millis(),
    );
    println!("| connections | client | p50 | p99 | round trips/s |");
    println!("|---:|---|---:|---:|---:|");
    for conns in [1usize, 100] {
        let configs = if yield_mode {
            [
                ("rill", Opt::Plain),
                ("rill, yield_before_block", Opt::YieldBeforeBlock),
            ]
        } else {
            [
                ("rill", Opt::Plain),
                ("rill, busy_poll", Opt::BusyPoll(spin)),
            ]
        };
        let mut p50 = [Vec::new(), Vec::new()];
        let mut p99 = [Vec::new(), Vec::new()];
        let mut rate = [Vec::new(), Vec::new()];
        for round in 0..rounds {
            for k in 0..2 {
                let i = (k + round) % 2;
                let lat = client(addr, conns, configs[i].1, warmup, window)?;
                eprintln!(
                    "[latency] {conns} conn(s), {}: round {}/{rounds}: {} round trips",
                    configs[i].0,
                    round + 1,
                    lat.len()
                );
                p50[i].push(percentile(&lat, 0.50));
                p99[i].push(percentile(&lat, 0.99));
                rate[i].push(lat.len() as f64 / window.as_secs_f64());
            }
        }
        for i in 0..2 {
            println!(
                "| {conns} | {} | {:.1} | {:.1} | {:.0}k |",
                configs[i].0,
                median(p50[i].clone()),
                median(p99[i].clone()),
                median(rate[i].clone()) / 1000.0
            );
        }
    }
    stop.store(true, Ordering::Relaxed);
    server
        .join()
        .map_err(|_| io::Error::other("echo server panicked"))?
}
