//! Busy polling (`Builder::busy_poll`, issue 13 item 8): a read right after a write spins for
//! its answer instead of parking, only while nothing else can run, and never past its window.
//! Every backend runs every case. The peer is a plain blocking thread, so its answer comes
//! while the loop spins; the windows are generous (a loaded machine must not make a hit a miss),
//! and what is asserted is what happened (hits, misses, OS waits, order), never how long it took.

use std::cell::Cell;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream as StdStream;
use std::rc::Rc;
use std::time::Duration;

use rill_tests::{per_backend, TEST_LIMIT};

const ROUNDS: u64 = 50;

fn runtime(backend: &str, window: Duration) -> rill::Runtime {
    rill::Builder::new()
        .backend(backend.parse().unwrap())
        .busy_poll(window)
        .build()
        .unwrap()
}

/// An echo peer on its own thread: answers each 8-byte request after `delay`, until EOF.
fn echo_thread(mut s: StdStream, delay: Duration) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = [0u8; 8];
        while s.read_exact(&mut buf).is_ok() {
            std::thread::sleep(delay);
            if s.write_all(&buf).is_err() {
                return;
            }
        }
    })
}

/// How the counters moved over a run.
#[derive(Debug)]
struct Moved {
    busy_poll_hits: u64,
    busy_poll_misses: u64,
    os_waits: u64,
}

/// `ROUNDS` request/response round trips from a rill client; returns the counters moved.
fn round_trips(rt: &rill::Runtime) -> Moved {
    let (client, server) = StdStream::pair().unwrap();
    // The answer comes a little after the request, so the first read finds nothing.
    let peer = echo_thread(server, Duration::from_micros(200));
    let moved = rt.block_on(async {
        let client = rill::UnixStream::from_std(client).unwrap();
        let before = rill::metrics().unwrap();
        for i in 0..ROUNDS {
            client.write_all(&i.to_le_bytes()).await.unwrap();
            let mut buf = [0u8; 8];
            client.read_exact(&mut buf).await.unwrap();
            assert_eq!(u64::from_le_bytes(buf), i);
        }
        let after = rill::metrics().unwrap();
        Moved {
            busy_poll_hits: after.busy_poll_hits - before.busy_poll_hits,
            busy_poll_misses: after.busy_poll_misses - before.busy_poll_misses,
            os_waits: after.os_waits - before.os_waits,
        }
    });
    peer.join().unwrap();
    moved
}

/// Answers that come within the window are taken by spinning: the reads never park, so the
/// loop never waits in the OS; without busy polling the same client waits for its answers.
fn an_answer_within_the_window_is_taken_without_an_os_wait(backend: &str) {
    let spun = round_trips(&runtime(backend, TEST_LIMIT / 4));
    assert_eq!(spun.os_waits, 0, "{spun:?}");
    assert_eq!(spun.busy_poll_misses, 0, "{spun:?}");
    assert!(spun.busy_poll_hits >= 1, "{spun:?}");
    let plain = round_trips(&runtime(backend, Duration::ZERO));
    assert_eq!((plain.busy_poll_hits, plain.busy_poll_misses), (0, 0));
    assert!(plain.os_waits >= 1, "{plain:?}");
}

/// A peer that answers late: the read spins for its window, parks, and still gets the answer
/// when it comes (counted as a miss, never lost).
fn a_late_answer_parks_after_the_window_and_arrives(backend: &str) {
    let rt = runtime(backend, Duration::from_millis(2));
    let (client, mut server) = StdStream::pair().unwrap();
    let peer = std::thread::spawn(move || {
        let mut buf = [0u8; 4];
        server.read_exact(&mut buf).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        server.write_all(&buf).unwrap();
    });
    rt.block_on(async {
        let client = rill::UnixStream::from_std(client).unwrap();
        client.write_all(b"late").await.unwrap();
        let mut buf = [0u8; 4];
        client.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"late");
        let m = rill::metrics().unwrap();
        assert_eq!((m.busy_poll_hits, m.busy_poll_misses), (0, 1), "{m:?}");
        assert!(m.os_waits >= 1, "the parked read waited in the OS");
    });
    peer.join().unwrap();
}

/// A read never spins while another task can run: a task that keeps yielding is runnable at
/// every read, so nothing spins and the yielding task is never held up.
fn no_spin_while_another_task_is_runnable(backend: &str) {
    let rt = runtime(backend, TEST_LIMIT / 4);
    let (client, server) = StdStream::pair().unwrap();
    let peer = echo_thread(server, Duration::ZERO);
    rt.block_on(async {
        let client = rill::UnixStream::from_std(client).unwrap();
        let stop = Rc::new(Cell::new(false));
        let yields = Rc::new(Cell::new(0u64));
        let busy = {
            let (stop, yields) = (stop.clone(), yields.clone());
            rill::spawn(async move {
                while !stop.get() {
                    yields.set(yields.get() + 1);
                    rill::yield_now().await;
                }
            })
        };
        rill::yield_now().await; // the yielding task starts
        for i in 0..ROUNDS {
            client.write_all(&i.to_le_bytes()).await.unwrap();
            let mut buf = [0u8; 8];
            client.read_exact(&mut buf).await.unwrap();
        }
        stop.set(true);
        busy.await.unwrap();
        let m = rill::metrics().unwrap();
        assert_eq!((m.busy_poll_hits, m.busy_poll_misses), (0, 0), "{m:?}");
        assert!(yields.get() >= ROUNDS, "the other task kept running");
    });
    drop(rt);
    peer.join().unwrap();
}

/// Off by default: a runtime built without it never spins.
fn off_by_default(backend: &str) {
    let rt = rill::Builder::new()
        .backend(backend.parse().unwrap())
        .build()
        .unwrap();
    let m = round_trips(&rt);
    assert_eq!((m.busy_poll_hits, m.busy_poll_misses), (0, 0));
}

per_backend!(
    an_answer_within_the_window_is_taken_without_an_os_wait,
    a_late_answer_parks_after_the_window_and_arrives,
    no_spin_while_another_task_is_runnable,
    off_by_default,
);
