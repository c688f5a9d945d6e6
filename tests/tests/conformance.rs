//! The conformance suite of the std adapter, run once per backend (epoll, poll, select on
//! Linux) and per worker-thread count (1, 2, 4): each case is a function of the backend name,
//! instantiated by `per_backend_and_workers!` as `<case>::<backend>` (one thread, today's
//! runtime) and `<case>::<backend>_w2` / `_w4` (a runtime with 2 / 4 loops). Every body runs
//! under a timeout so a bug fails instead of hanging.
//!
//! What uses several loops at `_w2` / `_w4`: the echo cases place every client task and hand
//! every accepted connection to the least-loaded loop (and check that more than one loop served
//! connections), and the cross-thread case spawns through the runtime's handle, which spreads
//! over all loops. The single-connection cases (half-close, reset, cancellation, timers, UDP,
//! Unix) run their body on loop 0 with the other loops live: they check that loop 0 keeps the
//! single-threaded semantics inside a multi-threaded runtime. Cross-loop cancellation and
//! teardown are covered by the `mt_*` tests.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::future::Future;
use std::io::ErrorKind;
use std::net::Shutdown;
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use rill::{TcpListener, TcpStream};
use rill_tests::{
    per_backend_and_workers, run, run_exclusive, spawn_spread, spawn_stream, workers, Rng,
};

/// `conns` concurrent connections, each sending a random payload (random size up to
/// `max_len`) that the server echoes; the client checks every byte. With several loops, every
/// client task and every accepted connection is placed on the least-loaded loop.
async fn echo_round(conns: usize, max_len: usize, seed: u64) {
    let listener = Rc::new(TcpListener::bind("127.0.0.1:0").unwrap());
    let addr = listener.local_addr().unwrap();
    let server = {
        let listener = listener.clone();
        rill::spawn(async move {
            let mut handlers = Vec::new();
            for _ in 0..conns {
                let (stream, _) = listener.accept().await.unwrap();
                handlers.push(spawn_stream(stream, |stream| async move {
                    let mut buf = vec![0u8; 16 * 1024];
                    let mut total = 0;
                    loop {
                        let n = stream.read(&mut buf).await.unwrap();
                        if n == 0 {
                            break;
                        }
                        stream.write_all(&buf[..n]).await.unwrap();
                        total += n;
                    }
                    (total, rill::worker_index())
                }));
            }
            let mut total = 0;
            let mut loops = BTreeSet::new();
            for h in handlers {
                let (n, index) = h.await.unwrap();
                total += n;
                loops.insert(index.expect("a handler runs on a loop"));
            }
            (total, loops)
        })
    };
    let mut rng = Rng::new(seed);
    let mut clients = Vec::new();
    let mut expected_total = 0;
    for i in 0..conns {
        let len = rng.range(1, max_len);
        let payload = rng.bytes(len);
        expected_total += payload.len();
        clients.push(spawn_spread(move || async move {
            let stream = Rc::new(TcpStream::connect(addr).await.unwrap());
            let writer = {
                let stream = stream.clone();
                let payload = payload.clone();
                rill::spawn(async move {
                    stream.write_all(&payload).await.unwrap();
                    stream.shutdown(std::net::Shutdown::Write).unwrap();
                })
            };
            let mut got = Vec::with_capacity(payload.len());
            let mut buf = vec![0u8; 8192];
            loop {
                let n = stream.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
            }
            writer.await.unwrap();
            assert_eq!(got.len(), payload.len(), "connection {i}: length");
            assert!(got == payload, "connection {i}: bytes differ");
        }));
    }
    for c in clients {
        c.await.unwrap();
    }
    let (total, loops) = server.await.unwrap();
    assert_eq!(total, expected_total);
    if workers() > 1 && conns >= 2 * workers() {
        assert!(
            loops.len() > 1,
            "connections were served on loops {loops:?} only"
        );
    } else if workers() == 1 {
        assert_eq!(loops, BTreeSet::from([0]));
    }
}

fn echo_one_connection(backend: &str) {
    run(backend, 2, || echo_round(1, 256 * 1024, 1));
}

fn echo_fifty_connections(backend: &str) {
    run(backend, 2, || echo_round(50, 64 * 1024, 2));
}

/// 500 connections (1000 descriptors, both ends live here). select is capped at 400: its
/// descriptors must stay below FD_SETSIZE (1024), and the runtime holds some too. Runs alone
/// (`run_exclusive`): descriptor numbers are process-wide, and a concurrent 1000-descriptor
/// variant would push a select test's descriptors past FD_SETSIZE.
fn echo_five_hundred_connections(backend: &str) {
    let conns = if backend == "select" { 400 } else { 500 };
    run_exclusive(backend, 2, || echo_round(conns, 4 * 1024, 3));
}

fn echo_budget_zero(backend: &str) {
    run(backend, 0, || echo_round(20, 64 * 1024, 4));
}

per_backend_and_workers!(
    echo_one_connection,
    echo_fifty_connections,
    echo_five_hundred_connections,
    echo_budget_zero,
);

// ---------------------------------------------------------------------------------------------
// Half-close, reset, broken pipe.

/// A connected pair on loopback: (client, server side).
async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let client = rill::spawn(async move { TcpStream::connect(addr).await.unwrap() });
    let (server, _) = listener.accept().await.unwrap();
    (client.await.unwrap(), server)
}

fn half_close(backend: &str) {
    run(backend, 2, || async {
        let (client, server) = tcp_pair().await;
        client.write_all(b"hello").await.unwrap();
        client.shutdown(Shutdown::Write).unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 64];
        loop {
            let n = server.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, b"hello");
        // EOF is sticky; the other direction still works (half-close is not close, H6).
        assert_eq!(server.read(&mut buf).await.unwrap(), 0);
        server.write_all(b"world").await.unwrap();
        drop(server);
        let mut back = Vec::new();
        loop {
            let n = client.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            back.extend_from_slice(&buf[..n]);
        }
        assert_eq!(back, b"world");
    });
}

fn reset_is_connection_reset_then_broken_pipe(backend: &str) {
    run(backend, 2, || async {
        let (client, server) = tcp_pair().await;
        client.write_all(b"unread").await.unwrap();
        // Wait until the server has the bytes, then close it without reading them: RST.
        let mut one = [0u8; 1];
        assert_eq!(server.peek(&mut one).await.unwrap(), 1);
        drop(server);
        let mut buf = [0u8; 16];
        let err = client.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err}");
        // Writing to a reset connection is an error, never SIGPIPE.
        let mut saw_error = None;
        for _ in 0..4 {
            match client.write(b"more").await {
                Ok(_) => continue,
                Err(e) => {
                    saw_error = Some(e);
                    break;
                }
            }
        }
        let e = saw_error.expect("writes to a reset connection kept succeeding");
        assert!(
            matches!(e.kind(), ErrorKind::BrokenPipe | ErrorKind::ConnectionReset),
            "{e}"
        );
    });
}

fn connect_refused(backend: &str) {
    run(backend, 2, || async {
        // Bind then drop a listener: its port is (almost certainly) closed now.
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let err = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
    });
}

// ---------------------------------------------------------------------------------------------
// Cancellation by drop.

/// Polls `fut` exactly once; true when it was pending.
async fn poll_once<F: Future>(fut: Pin<&mut F>) -> bool {
    let mut fut = Some(fut);
    std::future::poll_fn(move |cx| {
        let f = fut.take().unwrap();
        let mut f = f;
        Poll::Ready(f.as_mut().poll(cx).is_pending())
    })
    .await
}

fn cancel_read_by_drop_loses_nothing(backend: &str) {
    cancel_read_by_drop_with_budget(backend, 2);
}

/// Budget 0: every op goes through the ready queue; cancellation must still lose nothing.
fn cancel_read_by_drop_budget_zero(backend: &str) {
    cancel_read_by_drop_with_budget(backend, 0);
}

fn cancel_read_by_drop_with_budget(backend: &str, budget: u32) {
    run(backend, budget, || async {
        let (client, server) = tcp_pair().await;
        let server = Rc::new(server);
        let mut rng = Rng::new(11);
        let chunks: Vec<Vec<u8>> = (0..40)
            .map(|_| {
                let len = rng.range(1, 32 * 1024);
                rng.bytes(len)
            })
            .collect();
        let sender = {
            let server = server.clone();
            let chunks = chunks.clone();
            rill::spawn(async move {
                let mut go = [0u8; 1];
                for chunk in &chunks {
                    server.read_exact(&mut go).await.unwrap();
                    server.write_all(chunk).await.unwrap();
                }
            })
        };
        let mut received = Vec::new();
        for (i, chunk) in chunks.iter().enumerate() {
            let mut buf = vec![0u8; chunk.len()];
            {
                // A read that is waiting (no data yet), then dropped.
                let mut read = pin!(client.read(&mut buf));
                assert!(poll_once(read.as_mut()).await, "chunk {i}: no data yet");
                assert!(client.read_pending());
                if i % 2 == 1 {
                    // Let the data arrive while the read is still outstanding, so the drop
                    // may hit an attempt the core already granted.
                    client.write_all(b"g").await.unwrap();
                    rill::sleep(Duration::from_millis(2)).await;
                }
            }
            assert!(!client.read_pending(), "dropping the read cancels its op");
            if i % 2 == 0 {
                client.write_all(b"g").await.unwrap();
            }
            client.read_exact(&mut buf).await.unwrap();
            received.extend_from_slice(&buf);
        }
        sender.await.unwrap();
        assert_eq!(
            received,
            chunks.concat(),
            "every byte arrives once, in order"
        );
    });
}

fn cancel_write_by_drop_sends_nothing(backend: &str) {
    run(backend, 2, || async {
        let (client, server) = tcp_pair().await;
        let chunk = vec![7u8; 64 * 1024];
        // Fill the send path until a write has to wait.
        let mut sent = 0usize;
        loop {
            let mut write = pin!(client.write(&chunk));
            let mut done = None;
            let pending = {
                let mut w = write.as_mut();
                std::future::poll_fn(|cx| match w.as_mut().poll(cx) {
                    Poll::Ready(r) => {
                        done = Some(r);
                        Poll::Ready(false)
                    }
                    Poll::Pending => Poll::Ready(true),
                })
                .await
            };
            if pending {
                break; // dropped here while waiting: must send nothing
            }
            sent += done.unwrap().unwrap();
        }
        assert!(!client.write_pending());
        // A marker after the cancelled write, then close.
        client.write_all(b"END").await.unwrap();
        client.shutdown(Shutdown::Write).unwrap();
        let mut total = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = server.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            total.extend_from_slice(&buf[..n]);
        }
        assert_eq!(total.len(), sent + 3, "the cancelled write sent nothing");
        assert!(total[..sent].iter().all(|&b| b == 7));
        assert_eq!(&total[sent..], b"END");
    });
}

fn aborted_reader_task_leaves_socket_usable(backend: &str) {
    run(backend, 2, || async {
        let (client, server) = tcp_pair().await;
        let client = Rc::new(client);
        let reader = {
            let client = client.clone();
            rill::spawn(async move {
                let mut buf = [0u8; 16];
                client.read(&mut buf).await
            })
        };
        rill::yield_now().await;
        assert!(client.read_pending());
        reader.abort();
        assert!(reader.await.unwrap_err().is_cancelled());
        assert!(!client.read_pending());
        server.write_all(b"after abort").await.unwrap();
        let mut buf = [0u8; 11];
        client.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"after abort");
    });
}

fn timeouts_cancel_reads_and_the_stream_stays_usable(backend: &str) {
    run(backend, 2, || async {
        let (client, server) = tcp_pair().await;
        let mut buf = [0u8; 8];
        let r = rill::timeout(Duration::from_millis(20), client.read(&mut buf)).await;
        assert!(r.is_err(), "no data: the read times out");
        let e: std::io::Error = r.unwrap_err().into();
        assert_eq!(e.kind(), ErrorKind::TimedOut);
        server.write_all(b"late").await.unwrap();
        let n = rill::timeout(Duration::from_secs(10), client.read(&mut buf))
            .await
            .expect("data is there: no timeout")
            .unwrap();
        assert_eq!(&buf[..n], b"late");
        // A paced sender and a reader with short timeouts: many reads are cancelled midway,
        // yet every byte arrives once and in order.
        let payload = Rng::new(5).bytes(200 * 1024);
        let writer = {
            let payload = payload.clone();
            rill::spawn(async move {
                for piece in payload.chunks(10 * 1024) {
                    server.write_all(piece).await.unwrap();
                    rill::sleep(Duration::from_millis(1)).await;
                }
            })
        };
        let mut got = Vec::new();
        let mut big = vec![0u8; 4096];
        while got.len() < payload.len() {
            if let Ok(r) = rill::timeout(Duration::from_micros(300), client.read(&mut big)).await {
                let n = r.unwrap();
                assert!(n > 0);
                got.extend_from_slice(&big[..n]);
            }
        }
        writer.await.unwrap();
        assert!(got == payload);
    });
}

// ---------------------------------------------------------------------------------------------
// Timers.

fn many_timers(backend: &str) {
    run(backend, 2, || async {
        let mut rng = Rng::new(9);
        let start = Instant::now();
        let fired = Rc::new(Cell::new(0usize));
        let mut tasks = Vec::new();
        for i in 0..2000 {
            let delay = Duration::from_micros(rng.range(0, 50_000) as u64);
            let fired = fired.clone();
            tasks.push(rill::spawn(async move {
                let deadline = start + delay;
                if i % 3 == 0 {
                    // A third are cancelled by a shorter timeout before they fire.
                    let r = rill::timeout(
                        Duration::ZERO,
                        rill::sleep_until(deadline + Duration::from_secs(3600)),
                    )
                    .await;
                    assert!(r.is_err());
                } else {
                    rill::sleep_until(deadline).await;
                    assert!(Instant::now() >= deadline, "timer {i} fired early");
                    fired.set(fired.get() + 1);
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(fired.get(), 2000 - 667);
        // Sleeps with increasing deadlines finish in order, whatever order they were armed in
        // (all deadlines lie in the future when armed, so none completes at its first poll).
        let base = Instant::now() + Duration::from_millis(50);
        let order = Rc::new(std::cell::RefCell::new(Vec::new()));
        let hs: Vec<_> = (0..10u64)
            .rev()
            .map(|i| {
                let order = order.clone();
                rill::spawn(async move {
                    rill::sleep_until(base + Duration::from_millis(5 * i)).await;
                    order.borrow_mut().push(i);
                })
            })
            .collect();
        for h in hs {
            h.await.unwrap();
        }
        assert_eq!(*order.borrow(), (0..10).collect::<Vec<_>>());
        // An interval ticks at its period, skipping none while we keep up.
        let mut iv = rill::interval(Duration::from_millis(5));
        let first = iv.tick().await;
        let mut last = first;
        for _ in 0..5 {
            let t = iv.tick().await;
            assert!(t >= last + Duration::from_millis(5));
            assert!(Instant::now() >= t);
            last = t;
        }
    });
}

/// A sleep or timeout dropped before its deadline never wakes its task afterwards: its timer
/// leaves the table with it. Fifty sleeps polled once and dropped, and fifty timeouts whose
/// future finished first, all due within 50 ms; then an 80 ms sleep must end in one wake.
/// A timer left behind would wake the task at each of those deadlines (and stay in the table
/// until then: a server with a 30 s timeout per request would hold every request's timer for
/// 30 s).
fn a_dropped_sleep_never_wakes_its_task(backend: &str) {
    run(backend, 2, || async {
        for ms in 1..=50 {
            let mut sleep = pin!(rill::sleep(Duration::from_millis(ms)));
            std::future::poll_fn(|cx| {
                assert!(sleep.as_mut().poll(cx).is_pending());
                Poll::Ready(())
            })
            .await;
            let early = rill::timeout(Duration::from_millis(ms), rill::yield_now()).await;
            assert!(early.is_ok(), "a yield outlasted its timeout");
        }
        let before = rill::metrics().unwrap().polls;
        rill::sleep(Duration::from_millis(80)).await;
        let polls = rill::metrics().unwrap().polls - before;
        assert!(
            polls <= 2,
            "the task was polled {polls} times during one sleep: dropped timers woke it"
        );
    });
}

/// Work the inline budget queued waits behind the tasks already runnable, not for the next OS
/// poll (H13): a reader whose socket holds plenty of data, beside tasks that only yield, gets
/// reads in every round of the run queue. With budget 2 a round is two inline reads and one
/// dispatched; with budget 0 every read is dispatched. A loop that left the core's queue for its
/// next OS poll let each yielder run about a poll interval's worth of times per round of reads.
fn budget_spent_reads_wait_one_round_not_an_os_poll(backend: &str) {
    for budget in [2, 0] {
        budget_spent_reads_with_budget(backend, budget);
    }
}

fn budget_spent_reads_with_budget(backend: &str, budget: u32) {
    const YIELDERS: u64 = 4;
    const READS: u64 = 200;
    run(backend, budget, || async {
        let (a, b) = rill::UnixStream::pair().unwrap();
        // 256 reads of 16 bytes wait in the socket: no read needs a new edge.
        a.write_all(&[7u8; 4096]).await.unwrap();
        let yields = Rc::new(Cell::new(0u64));
        let stop = Rc::new(Cell::new(false));
        let yielders: Vec<_> = (0..YIELDERS)
            .map(|_| {
                let (yields, stop) = (yields.clone(), stop.clone());
                rill::spawn(async move {
                    while !stop.get() {
                        yields.set(yields.get() + 1);
                        rill::yield_now().await;
                    }
                })
            })
            .collect();
        rill::yield_now().await;
        let before = yields.get();
        let mut buf = [0u8; 16];
        for _ in 0..READS {
            assert_eq!(b.read(&mut buf).await.unwrap(), 16);
        }
        let ran = yields.get() - before;
        stop.set(true);
        for y in yielders {
            y.await.unwrap();
        }
        assert!(
            ran <= 2 * YIELDERS * READS,
            "budget {budget}: the yielders ran {ran} times beside {READS} reads (at most {} if \
             queued reads wait one round)",
            2 * YIELDERS * READS
        );
    });
}

/// A timer fires while every OS wait brings an event: a ping-pong keeps the loop busy with
/// readiness, and a 5 ms sleep must still end it. The ping-pong also stops on its own after 20 s
/// of wall time (not a rill timer, which is what is under test), so a loop that expires timers
/// only on idle waits fails here instead of hanging.
fn a_timer_fires_while_every_os_wait_has_events(backend: &str) {
    run(backend, 2, || async {
        let (a, b) = rill::UnixStream::pair().unwrap();
        let stop = Rc::new(Cell::new(false));
        let echo = rill::spawn(async move {
            let mut buf = [0u8; 8];
            while b.read(&mut buf).await.unwrap() > 0 {
                b.write_all(&buf[..1]).await.unwrap();
            }
        });
        let ping = {
            let stop = stop.clone();
            rill::spawn(async move {
                let bound = Instant::now() + Duration::from_secs(20);
                let mut rounds = 0u64;
                while !stop.get() && Instant::now() < bound {
                    a.write_all(b"p").await.unwrap();
                    let mut one = [0u8; 1];
                    a.read_exact(&mut one).await.unwrap();
                    rounds += 1;
                }
                (stop.get(), rounds)
            })
        };
        rill::sleep(Duration::from_millis(5)).await;
        stop.set(true);
        let (stopped_by_timer, rounds) = ping.await.unwrap();
        assert!(
            stopped_by_timer,
            "the sleep did not fire in 20 s of ping-pong ({rounds} rounds)"
        );
        echo.abort();
    });
}

// ---------------------------------------------------------------------------------------------
// Cross-thread spawn and wake.

fn cross_thread_spawn_and_wake(backend: &str) {
    run(backend, 2, || async {
        let handle = rill::Handle::try_current().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let hs: Vec<_> = (0..100u64)
                .map(|i| handle.spawn(async move { i * 2 }))
                .collect();
            // A task started from here that does I/O on the runtime thread.
            let io = handle.spawn_with(|| async {
                let l = TcpListener::bind("127.0.0.1:0").unwrap();
                l.local_addr().unwrap().port()
            });
            tx.send(()).unwrap();
            (hs, io)
        });
        // Block in the poller until the other thread's spawns wake us.
        let mut waited = 0;
        while rx.try_recv().is_err() {
            rill::sleep(Duration::from_millis(1)).await;
            waited += 1;
            assert!(waited < 10_000);
        }
        let (hs, io) = thread.join().unwrap();
        let mut sum = 0;
        for h in hs {
            sum += h.await.unwrap();
        }
        assert_eq!(sum, 2 * (0..100).sum::<u64>());
        assert!(io.await.unwrap() > 0);
        // A waker fired from another thread while the runtime blocks with no timer armed.
        let flag = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let f2 = flag.clone();
        std::future::poll_fn(move |cx| {
            if f2.load(std::sync::atomic::Ordering::SeqCst) {
                return Poll::Ready(());
            }
            let waker = cx.waker().clone();
            let f3 = f2.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(5));
                f3.store(true, std::sync::atomic::Ordering::SeqCst);
                waker.wake();
            });
            Poll::Pending
        })
        .await;
        assert!(flag.load(std::sync::atomic::Ordering::SeqCst));
    });
}

// ---------------------------------------------------------------------------------------------
// Zero-length I/O, full send buffer.

fn zero_length_reads_and_writes(backend: &str) {
    run(backend, 2, || async {
        let (client, server) = tcp_pair().await;
        assert_eq!(client.write(&[]).await.unwrap(), 0);
        let mut empty = [0u8; 0];
        assert_eq!(server.read(&mut empty).await.unwrap(), 0, "no wait, no EOF");
        client.write_all(b"abc").await.unwrap();
        assert_eq!(server.read(&mut empty).await.unwrap(), 0);
        let mut buf = [0u8; 3];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"abc", "a zero-length read consumed nothing");
        // A zero-length UDP datagram is a real datagram.
        let a = rill::UdpSocket::bind("127.0.0.1:0").unwrap();
        let b = rill::UdpSocket::bind("127.0.0.1:0").unwrap();
        assert_eq!(a.send_to(&[], b.local_addr().unwrap()).await.unwrap(), 0);
        let mut dbuf = [0u8; 16];
        let (n, from) = b.recv_from(&mut dbuf).await.unwrap();
        assert_eq!((n, from), (0, a.local_addr().unwrap()));
    });
}

/// Reads from a non-blocking std socket until it would block; the bytes read.
fn drain(peer: &std::os::unix::net::UnixStream) -> usize {
    use std::io::Read;
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0;
    loop {
        match (&*peer).read(&mut buf) {
            Ok(0) => return total,
            Ok(n) => total += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return total,
            Err(e) => panic!("peer read: {e}"),
        }
    }
}

/// One OS event can carry both directions: between two waits, the peer drains the send
/// buffer and writes. A reader parked on the empty socket and a writer parked on the full one,
/// in two tasks, must both be woken by it. Neither task has a timer that would wake it by
/// itself, and once stranded the writer makes no progress that could bring another event.
fn one_event_for_both_directions_wakes_the_reader_and_the_writer(backend: &str) {
    run(backend, 2, || async {
        use std::io::Write;
        const TOTAL: usize = 4 << 20;
        let (ours, peer) = std::os::unix::net::UnixStream::pair().unwrap();
        peer.set_nonblocking(true).unwrap();
        let ours = Rc::new(rill::UnixStream::from_std(ours).unwrap());
        let reader = {
            let ours = ours.clone();
            rill::spawn(async move {
                let mut buf = [0u8; 16];
                let n = ours.read(&mut buf).await.unwrap();
                buf[..n].to_vec()
            })
        };
        let writer = {
            let ours = ours.clone();
            rill::spawn(async move { ours.write_all(&vec![7u8; TOTAL]).await.unwrap() })
        };
        // Both park (nothing to read; far more to write than the socket buffers hold), and
        // the loop waits in the OS with both directions parked.
        rill::sleep(Duration::from_millis(20)).await;
        assert!(!reader.is_finished() && !writer.is_finished());
        // No await between these: the next wait sees both directions ready at once.
        let mut drained = drain(&peer);
        assert!(drained > 0, "the writer filled nothing");
        (&peer).write_all(b"ping").unwrap();
        let got = rill::timeout(Duration::from_secs(10), reader)
            .await
            .expect("the reader was not woken")
            .unwrap();
        assert_eq!(got, b"ping");
        let deadline = Instant::now() + Duration::from_secs(10);
        while drained < TOTAL {
            rill::sleep(Duration::from_millis(1)).await;
            drained += drain(&peer);
            assert!(
                Instant::now() < deadline,
                "the writer was not woken: {drained} of {TOTAL} bytes arrived"
            );
        }
        writer.await.unwrap();
    });
}

fn full_send_buffer_with_slow_reader(backend: &str) {
    full_send_buffer_with_budget(backend, 2);
}

fn full_send_buffer_budget_zero(backend: &str) {
    full_send_buffer_with_budget(backend, 0);
}

fn full_send_buffer_with_budget(backend: &str, budget: u32) {
    run(backend, budget, || async {
        let (client, server) = tcp_pair().await;
        let client = Rc::new(client);
        let payload = Rc::new(Rng::new(21).bytes(32 << 20));
        let writer = {
            let client = client.clone();
            let payload = payload.clone();
            rill::spawn(async move {
                client.write_all(&payload).await.unwrap();
                client.shutdown(Shutdown::Write).unwrap();
            })
        };
        // The writer must end up parked on a full send buffer before anyone reads (32 MiB is
        // far more than loopback buffers hold while nobody reads).
        while !client.write_pending() && !writer.is_finished() {
            rill::yield_now().await;
        }
        assert!(client.write_pending(), "the send buffer never filled");
        let mut got = Vec::with_capacity(payload.len());
        let mut buf = vec![0u8; 16 * 1024];
        let mut reads = 0u64;
        loop {
            let n = server.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
            reads += 1;
            if reads % 256 == 0 {
                rill::yield_now().await;
            }
        }
        writer.await.unwrap();
        assert!(got == *payload, "slow reader got every byte");
    });
}

// ---------------------------------------------------------------------------------------------
// UDP and Unix sockets.

fn udp_send_recv(backend: &str) {
    run(backend, 2, || async {
        let a = rill::UdpSocket::bind("127.0.0.1:0").unwrap();
        let b = rill::UdpSocket::bind("127.0.0.1:0").unwrap();
        let (aa, ba) = (a.local_addr().unwrap(), b.local_addr().unwrap());
        let waiter = {
            rill::spawn(async move {
                let mut buf = [0u8; 64];
                let (n, from) = b.recv_from(&mut buf).await.unwrap();
                assert_eq!(&buf[..n], b"ping");
                b.send_to(b"pong", from).await.unwrap();
                b
            })
        };
        a.send_to(b"ping", ba).await.unwrap();
        let mut buf = [0u8; 64];
        let (n, from) = a.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"pong"[..], ba));
        let b = waiter.await.unwrap();
        // Connected send / recv.
        a.connect(ba).await.unwrap();
        b.connect(aa).await.unwrap();
        a.send(b"connected").await.unwrap();
        let n = b.recv(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"connected");
    });
}

fn unix_streams(backend: &str) {
    run(backend, 2, || async {
        let (a, b) = rill::UnixStream::pair().unwrap();
        a.write_all(b"over a pair").await.unwrap();
        let mut buf = [0u8; 11];
        b.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"over a pair");
        let dir = std::env::temp_dir().join(format!(
            "rill-unix-{}-{backend}-{}",
            std::process::id(),
            Instant::now().elapsed().as_nanos()
        ));
        let _ = std::fs::remove_file(&dir);
        let listener = rill::UnixListener::bind(&dir).unwrap();
        let path = dir.clone();
        let client = rill::spawn(async move {
            let s = rill::UnixStream::connect(&path).await.unwrap();
            s.write_all(b"via path").await.unwrap();
            s.shutdown(Shutdown::Write).unwrap();
            let mut back = Vec::new();
            let mut buf = [0u8; 32];
            loop {
                let n = s.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                back.extend_from_slice(&buf[..n]);
            }
            back
        });
        let (s, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 8];
        s.read_exact(&mut buf).await.unwrap();
        s.write_all(&buf).await.unwrap();
        drop(s);
        assert_eq!(client.await.unwrap(), b"via path");
        let _ = std::fs::remove_file(&dir);
    });
}

per_backend_and_workers!(
    half_close,
    reset_is_connection_reset_then_broken_pipe,
    connect_refused,
    cancel_read_by_drop_loses_nothing,
    cancel_read_by_drop_budget_zero,
    cancel_write_by_drop_sends_nothing,
    aborted_reader_task_leaves_socket_usable,
    timeouts_cancel_reads_and_the_stream_stays_usable,
    many_timers,
    a_timer_fires_while_every_os_wait_has_events,
    budget_spent_reads_wait_one_round_not_an_os_poll,
    a_dropped_sleep_never_wakes_its_task,
    cross_thread_spawn_and_wake,
    zero_length_reads_and_writes,
    one_event_for_both_directions_wakes_the_reader_and_the_writer,
    full_send_buffer_with_slow_reader,
    full_send_buffer_budget_zero,
    udp_send_recv,
    unix_streams,
);
