//! H21: a user panic ends only its own task. Every place user code runs on a loop is covered: a
//! task's poll, the `make` closure of `Handle::spawn_with` (through a single-loop handle and
//! through `LoopGroup::loop_handle(i)`), a future's `Drop` when its task is aborted, when it
//! completed, and at shutdown, the `Drop` of an output nobody joins, and a waker woken by the loop.
//! After each panic the loop still runs tasks, the other spawns of the batch ran, and placement
//! over the group keeps succeeding. Run per backend.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use rill::{Backend, Builder, JoinError, JoinHandle, LoopGroup, Runtime, TcpListener, TcpStream};
use rill_tests::{per_backend, TEST_LIMIT};

fn builder(backend: &str) -> Builder {
    let backend: Backend = backend.parse().expect("backend name");
    Builder::new().backend(backend)
}

/// Awaits `f` on a fresh single-threaded runtime on this thread, under the test limit.
fn wait<T>(f: impl Future<Output = T>) -> T {
    Runtime::new().unwrap().block_on(async move {
        rill::timeout(TEST_LIMIT, f)
            .await
            .expect("test body exceeded the limit")
    })
}

/// Panics when dropped (after counting the drop).
struct PanicOnDrop(Arc<AtomicUsize>);

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
        panic!("PanicOnDrop dropped");
    }
}

/// A future that is ready at once with 7 and panics when dropped.
struct ReadyThenPanicOnDrop(Arc<AtomicUsize>);

impl Future for ReadyThenPanicOnDrop {
    type Output = u32;
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<u32> {
        Poll::Ready(7)
    }
}

impl Drop for ReadyThenPanicOnDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
        panic!("ReadyThenPanicOnDrop dropped");
    }
}

fn assert_panic<T: std::fmt::Debug>(r: Result<T, JoinError>, what: &str) {
    match r {
        Err(e) => assert!(e.is_panic(), "{what}: expected a panic, got {e}"),
        Ok(v) => panic!("{what}: expected a panic, got Ok({v:?})"),
    }
}

/// Spawns a batch of three through `handle`: a task, one whose `make` panics, a task. The batch
/// reaches the loop in one turn (posted before the loop looks), so a panic that escaped would
/// lose its neighbours.
fn make_panic_batch(handle: &rill::Handle) -> Vec<JoinHandle<usize>> {
    vec![
        handle.spawn_with(|| async { 1 }),
        handle.spawn_with(|| -> std::future::Ready<usize> { panic!("make failed") }),
        handle.spawn_with(|| async { 3 }),
    ]
}

/// A single-threaded runtime's handle: the batch is taken in by the user's own `block_on`. The
/// panic is the middle task's, `block_on` returns normally, the neighbours ran, and the loop
/// still runs tasks.
fn make_panic_on_single_loop_handle(backend: &str) {
    let rt = builder(backend).build().unwrap();
    let batch = make_panic_batch(&rt.handle());
    let results = rt.block_on(async move {
        let mut out = Vec::new();
        for h in batch {
            out.push(h.await);
        }
        out
    });
    let mut results = results.into_iter();
    assert_eq!(results.next().unwrap().unwrap(), 1);
    assert_panic(results.next().unwrap(), "panicking make");
    assert_eq!(results.next().unwrap().unwrap(), 3);
    let later = rt.handle().spawn_with(|| async { 4 });
    assert_eq!(rt.block_on(later).unwrap(), 4);
    assert_eq!(rt.block_on(rt.spawn(async { 5 })).unwrap(), 5);
}

/// Ten spawns through the group's handle all run (none lands on a dead loop).
fn assert_placement_all_succeed(group: &LoopGroup) {
    let handle = group.handle();
    let spawns: Vec<_> = (0..10)
        .map(|i| handle.spawn_with(move || async move { (i, rill::worker_index()) }))
        .collect();
    wait(async move {
        for (i, h) in spawns.into_iter().enumerate() {
            match h.await {
                Ok((j, Some(_))) => assert_eq!(i, j),
                other => panic!("spawn {i} after the panic: {other:?}"),
            }
        }
    });
}

/// `LoopGroup::loop_handle(i)`: the loop thread survives the panic, its neighbours in the batch
/// ran, it keeps running tasks, and placement over the group keeps succeeding.
fn make_panic_on_group_loop_handle(backend: &str) {
    let group = LoopGroup::with_builder(2, &builder(backend)).unwrap();
    let loop1 = group.loop_handle(1).unwrap();
    let batch = make_panic_batch(&loop1);
    let results = wait(async move {
        let mut out = Vec::new();
        for h in batch {
            out.push(h.await);
        }
        out
    });
    let mut results = results.into_iter();
    assert_eq!(results.next().unwrap().unwrap(), 1);
    assert_panic(results.next().unwrap(), "panicking make");
    assert_eq!(results.next().unwrap().unwrap(), 3);
    assert!(!loop1.is_shutdown());
    let on1 = group
        .spawn_on(1, || async { rill::worker_index() })
        .unwrap();
    assert_eq!(wait(on1).unwrap(), Some(1));
    assert_placement_all_succeed(&group);
}

/// A future that pends forever and panics in `Drop`: aborting its task reports a panic, and the
/// loop (here the user's `block_on`) goes on running tasks.
fn drop_panic_on_abort(backend: &str) {
    let drops = Arc::new(AtomicUsize::new(0));
    let rt = builder(backend).build().unwrap();
    let d = drops.clone();
    let r = rt.block_on(async move {
        let task = rill::spawn(async move {
            let _bomb = PanicOnDrop(d);
            std::future::pending::<()>().await;
        });
        rill::yield_now().await; // let it start (and park)
        task.abort();
        let r = task.await;
        // The loop still runs tasks afterwards.
        assert_eq!(rill::spawn(async { 9 }).await.unwrap(), 9);
        r
    });
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    assert_panic(r, "abort of a panicking-drop future");
}

/// The same on a group loop, aborted from another thread; then placement over the group.
fn drop_panic_on_abort_in_group(backend: &str) {
    let drops = Arc::new(AtomicUsize::new(0));
    let group = LoopGroup::with_builder(2, &builder(backend)).unwrap();
    let d = drops.clone();
    let (started_tx, started) = std::sync::mpsc::channel();
    let task = group
        .spawn_on(0, move || async move {
            let _bomb = PanicOnDrop(d);
            let _ = started_tx.send(());
            std::future::pending::<()>().await;
        })
        .unwrap();
    // Abort only once the future holds the bomb (an abort before the first poll drops `make`).
    started.recv_timeout(TEST_LIMIT).unwrap();
    task.abort();
    assert_panic(wait(task), "abort of a panicking-drop future");
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    let on0 = group
        .spawn_on(0, || async { rill::worker_index() })
        .unwrap();
    assert_eq!(wait(on0).unwrap(), Some(0));
    assert_placement_all_succeed(&group);
}

/// A future whose `Drop` panics after it completed: the task reports the panic (it did not end
/// cleanly) and the loop goes on.
fn drop_panic_of_completed_future(backend: &str) {
    let drops = Arc::new(AtomicUsize::new(0));
    let rt = builder(backend).build().unwrap();
    let d = drops.clone();
    let r = rt.block_on(async move {
        let r = rill::spawn(ReadyThenPanicOnDrop(d)).await;
        assert_eq!(rill::spawn(async { 9 }).await.unwrap(), 9);
        r
    });
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    assert_panic(r, "completed future with a panicking drop");
}

/// A detached task (its handle dropped) whose output panics when dropped: the output is dropped
/// on the loop when the task finishes, and the loop goes on.
fn drop_panic_of_unjoined_output(backend: &str) {
    let drops = Arc::new(AtomicUsize::new(0));
    let group = LoopGroup::with_builder(2, &builder(backend)).unwrap();
    let gate = rill_tests::Gate::new();
    for i in 0..2 {
        let d = drops.clone();
        let g = gate.clone();
        let task = group
            .spawn_on(i, move || async move {
                g.wait().await;
                PanicOnDrop(d)
            })
            .unwrap();
        drop(task); // detached before it can finish
    }
    gate.open();
    // Single-threaded too: the user's block_on drives it.
    let rt = builder(backend).build().unwrap();
    let d = drops.clone();
    rt.block_on(async move {
        drop(rill::spawn(async move { PanicOnDrop(d) }));
        for _ in 0..3 {
            rill::yield_now().await;
        }
        assert_eq!(rill::spawn(async { 9 }).await.unwrap(), 9);
    });
    // Each loop has dropped its output once a later task there ran.
    for i in 0..2 {
        let h = group
            .spawn_on(i, || async { rill::yield_now().await })
            .unwrap();
        wait(h).unwrap();
    }
    assert_eq!(drops.load(Ordering::SeqCst), 3);
    assert_placement_all_succeed(&group);
}

/// A panic in a task's poll is that task's panic; the rest of its batch and the loop go on.
fn poll_panic(backend: &str) {
    let group = LoopGroup::with_builder(2, &builder(backend)).unwrap();
    let loop0 = group.loop_handle(0).unwrap();
    let batch = [
        loop0.spawn_with(|| async { 1 }),
        loop0.spawn_with(|| async {
            rill::yield_now().await;
            panic!("poll failed")
        }),
        loop0.spawn_with(|| async { 3 }),
    ];
    let [a, b, c] = batch;
    assert_eq!(wait(a).unwrap(), 1);
    assert_panic(wait(b), "panicking poll");
    assert_eq!(wait(c).unwrap(), 3);
    assert_placement_all_succeed(&group);
}

/// Dropping a runtime whose task's future panics in `Drop`: the drop returns, that task reports
/// the panic, the other tasks report shutdown.
fn drop_panic_at_shutdown(backend: &str) {
    let drops = Arc::new(AtomicUsize::new(0));
    let rt = builder(backend).build().unwrap();
    let d = drops.clone();
    let (bomb, other) = rt.block_on(async move {
        let bomb = rill::spawn(async move {
            let _bomb = PanicOnDrop(d);
            std::future::pending::<()>().await;
        });
        let other = rill::spawn(std::future::pending::<()>());
        rill::yield_now().await;
        (bomb, other)
    });
    let pending_spawn = rt.handle().spawn_with(|| async { 1 });
    drop(rt);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    assert_panic(wait(bomb), "task dropped at shutdown");
    assert!(wait(other).unwrap_err().is_shutdown());
    assert!(wait(pending_spawn).unwrap_err().is_shutdown());
}

/// A waker that panics when woken.
struct PanicWaker;

impl Wake for PanicWaker {
    fn wake(self: Arc<Self>) {
        panic!("PanicWaker woken");
    }
}

/// A read polled by hand with a waker that panics: the loop wakes it when data arrives (outside
/// any task), and goes on.
fn waker_panic_on_wake(backend: &str) {
    let rt = builder(backend).build().unwrap();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let client = TcpStream::connect(addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let waker = Waker::from(Arc::new(PanicWaker));
        let mut buf = [0u8; 4];
        {
            let mut read = std::pin::pin!(server.read(&mut buf));
            let mut cx = Context::from_waker(&waker);
            assert!(read.as_mut().poll(&mut cx).is_pending());
            // Keep the read parked with the panicking waker while the data arrives.
            client.write_all(b"ping").await.unwrap();
            let woke = Rc::new(Cell::new(false));
            let w = woke.clone();
            rill::spawn(async move {
                rill::sleep(std::time::Duration::from_millis(1)).await;
                w.set(true);
            })
            .await
            .unwrap();
            assert!(woke.get());
            assert!(matches!(read.as_mut().poll(&mut cx), Poll::Ready(Ok(4))));
        }
        assert_eq!(&buf, b"ping");
    });
    assert_eq!(rt.block_on(rt.spawn(async { 5 })).unwrap(), 5);
}

/// The joiner's waker panics when the task completes (woken on the loop): the loop goes on.
fn joiner_waker_panic(backend: &str) {
    let group = LoopGroup::with_builder(1, &builder(backend)).unwrap();
    let gate = rill_tests::Gate::new();
    let g = gate.clone();
    let mut task = group
        .spawn_on(0, move || async move {
            g.wait().await;
            1
        })
        .unwrap();
    let waker = Waker::from(Arc::new(PanicWaker));
    let mut cx = Context::from_waker(&waker);
    assert!(Pin::new(&mut task).poll(&mut cx).is_pending());
    gate.open();
    // The loop woke the panicking waker (on its thread) when the task finished; it survived.
    let next = group.spawn_on(0, || async { 2 }).unwrap();
    assert_eq!(wait(next).unwrap(), 2);
    assert_eq!(wait(task).unwrap(), 1);
}

/// `listen_reuseport`'s `serve` closure is user code run by the acceptor: a panic in it drops
/// that one connection, and the acceptor goes on serving the next.
fn reuseport_serve_panic(backend: &str) {
    let group = LoopGroup::with_builder(1, &builder(backend)).unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let server = group
        .listen_reuseport("127.0.0.1:0", move |stream, _| {
            if c.fetch_add(1, Ordering::SeqCst) == 0 {
                panic!("serve failed");
            }
            async move {
                let mut buf = [0u8; 4];
                if stream.read_exact(&mut buf).await.is_ok() {
                    let _ = stream.write_all(&buf).await;
                }
            }
        })
        .unwrap();
    let addr = server.local_addr();
    wait(async move {
        // The first connection is dropped unserved (the panic), the second is served.
        let first = TcpStream::connect(addr).await.unwrap();
        let mut buf = [0u8; 4];
        let _ = first.write_all(b"ping").await;
        assert!(matches!(first.read(&mut buf).await, Ok(0) | Err(_)));
        let second = TcpStream::connect(addr)
            .await
            .expect("the acceptor stopped after the panic");
        second.write_all(b"ping").await.unwrap();
        second.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ping");
    });
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

per_backend!(
    reuseport_serve_panic,
    make_panic_on_single_loop_handle,
    make_panic_on_group_loop_handle,
    drop_panic_on_abort,
    drop_panic_on_abort_in_group,
    drop_panic_of_completed_future,
    drop_panic_of_unjoined_output,
    poll_panic,
    drop_panic_at_shutdown,
    waker_panic_on_wake,
    joiner_waker_panic,
);
