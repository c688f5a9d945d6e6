//! Misuse a demanding user will try, answered without a panic or a hang: "sleep forever" with
//! `Duration::MAX` (issue 10, item 6), and a socket polled by a runtime that does not own it, or
//! by none (item 7), and a sleep awaited on a runtime other than the one it was armed on. Every
//! backend runs every case.

use std::future::Future;
use std::net::{TcpListener as StdListener, TcpStream as StdStream};
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use rill::TcpStream;
use rill_tests::{per_backend, run, runtime};

fn duration_max_saturates_everywhere(backend: &str) {
    run(backend, 2, || async {
        // sleep: never fires, never panics
        let r = rill::timeout(Duration::from_millis(20), rill::sleep(Duration::MAX)).await;
        assert!(r.is_err(), "sleep(Duration::MAX) fired");
        // timeout: no effective limit, the future's own result comes back
        assert_eq!(rill::timeout(Duration::MAX, async { 7 }).await.unwrap(), 7);
        let slept = rill::timeout(Duration::MAX, rill::sleep(Duration::from_millis(5))).await;
        assert!(slept.is_ok());
        // interval: the first tick is immediate, the next one is decades away
        let mut every = rill::interval(Duration::MAX);
        every.tick().await;
        let second = rill::timeout(Duration::from_millis(20), every.tick()).await;
        assert!(second.is_err(), "interval(Duration::MAX) ticked twice");
        // a Sleep built from a huge duration can still be moved to a near deadline
        let mut s = pin!(rill::sleep(Duration::MAX));
        s.as_mut().reset(std::time::Instant::now());
        s.await;
    });
}

fn tcp_pair() -> (StdStream, StdStream) {
    let listener = StdListener::bind("127.0.0.1:0").unwrap();
    let peer = StdStream::connect(listener.local_addr().unwrap()).unwrap();
    let (ours, _) = listener.accept().unwrap();
    (ours, peer)
}

fn assert_foreign(e: std::io::Error) {
    let msg = e.to_string();
    assert!(
        msg.contains("another runtime") && msg.contains("into_std"),
        "unclear error: {msg}"
    );
}

fn socket_on_another_runtime_is_an_error(backend: &str) {
    let (ours, _peer) = tcp_pair();
    let owner = runtime(backend, 2);
    let stream = owner.block_on(async { TcpStream::from_std(ours).unwrap() });
    let other = runtime(backend, 2);
    other.block_on(async {
        let mut buf = [0u8; 8];
        // nothing to read: the op would park in `owner`'s reactor, which nobody drives
        match rill::timeout(Duration::from_secs(10), stream.read(&mut buf)).await {
            Ok(Err(e)) => assert_foreign(e),
            Ok(Ok(n)) => panic!("read {n} bytes from nothing"),
            Err(_) => panic!("a read on another runtime's socket hangs"),
        }
    });
    // the socket still works on its own runtime afterwards
    let (s, mut p) = (stream, _peer);
    std::io::Write::write_all(&mut p, b"ok").unwrap();
    owner.block_on(async {
        let mut buf = [0u8; 2];
        s.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ok");
    });
}

/// A waker nobody listens to: the poll below is all the future ever gets.
struct Nobody;

impl Wake for Nobody {
    fn wake(self: Arc<Self>) {}
}

fn socket_polled_outside_any_runtime_is_an_error(backend: &str) {
    let (ours, _peer) = tcp_pair();
    let owner = runtime(backend, 2);
    let stream = owner.block_on(async { TcpStream::from_std(ours).unwrap() });
    let mut buf = [0u8; 8];
    let mut read = pin!(stream.read(&mut buf));
    let waker = Waker::from(Arc::new(Nobody));
    let mut cx = Context::from_waker(&waker);
    match read.as_mut().poll(&mut cx) {
        Poll::Ready(Err(e)) => assert_foreign(e),
        Poll::Ready(Ok(n)) => panic!("read {n} bytes from nothing"),
        Poll::Pending => panic!("parked where nobody will ever wake it"),
    }
}

/// A sleep first polled on one runtime, then awaited on another of the same thread, moves
/// there: its own runtime is never driven again (left idle, or dropped). It neither hangs (its
/// own timer table is never expired) nor ends early (a dropped runtime readies its timers).
fn sleep_polled_on_another_runtime_moves_there(backend: &str) {
    for owner_dropped in [false, true] {
        let mut owner = Some(runtime(backend, 2));
        let start = Instant::now();
        let mut sleep = Box::pin(rill::sleep(Duration::from_millis(30)));
        owner.as_ref().unwrap().block_on(std::future::poll_fn(|cx| {
            assert!(sleep.as_mut().poll(cx).is_pending(), "armed on its owner");
            Poll::Ready(())
        }));
        if owner_dropped {
            owner = None;
        }
        let how = if owner_dropped { "dropped" } else { "idle" };
        runtime(backend, 2).block_on(async {
            if rill::timeout(Duration::from_secs(10), &mut sleep)
                .await
                .is_err()
            {
                panic!("a sleep of an {how} runtime hangs on another");
            }
        });
        assert!(
            start.elapsed() >= Duration::from_millis(30),
            "a sleep of a {how} runtime ended early on another"
        );
        drop(owner);
    }
}

per_backend!(
    sleep_polled_on_another_runtime_moves_there,
    duration_max_saturates_everywhere,
    socket_on_another_runtime_is_an_error,
    socket_polled_outside_any_runtime_is_an_error,
);
