//! A runtime with worker threads (`Builder::worker_threads`): what runs where, placement,
//! sockets across loops, aborts from other threads, and shutdown joining the workers.

use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::sync::mpsc;
use std::thread::{self, ThreadId};

use rill::{Handle, Runtime, TcpListener, TcpStream};
use rill_tests::{notify_on_thread_exit, Gate, TEST_LIMIT};

fn runtime(workers: usize) -> Runtime {
    Runtime::builder().worker_threads(workers).build().unwrap()
}

/// `block_on` under the test limit.
fn run<T>(rt: &Runtime, f: impl std::future::Future<Output = T>) -> T {
    rt.block_on(async move {
        rill::timeout(TEST_LIMIT, f)
            .await
            .expect("test body exceeded the limit")
    })
}

#[test]
fn one_worker_thread_is_the_single_threaded_runtime() {
    for n in [0, 1] {
        let rt = runtime(n);
        assert_eq!(rt.worker_threads(), 1);
        let handle = rt.handle();
        assert_eq!(handle.worker_count(), 1);
        let me = thread::current().id();
        run(&rt, async move {
            assert_eq!(rill::worker_index(), Some(0));
            assert_eq!(Handle::try_current().unwrap().worker_count(), 1);
            // A spawn from another thread runs here, on the block_on thread.
            let h = thread::spawn(move || handle.spawn(async { thread::current().id() }))
                .join()
                .unwrap();
            assert_eq!(h.await.unwrap(), me);
        });
    }
    assert_eq!(rill::worker_index(), None, "no loop outside block_on");
}

/// Tasks placed through the handle while all stay pending: least-loaded placement puts exactly
/// the same number on every loop, each loop is its own thread, and loop 0 is the caller's.
#[test]
fn handle_spawns_are_spread_evenly_over_the_loops() {
    let rt = runtime(4);
    assert_eq!(rt.worker_threads(), 4);
    let handle = rt.handle();
    let me = thread::current().id();
    let per_loop: BTreeMap<usize, Vec<ThreadId>> = run(&rt, async move {
        let gate = Gate::new();
        let tasks: Vec<_> = (0..40)
            .map(|_| {
                let gate = gate.clone();
                handle.spawn(async move {
                    gate.wait().await;
                    (rill::worker_index().unwrap(), thread::current().id())
                })
            })
            .collect();
        gate.open();
        let mut per_loop: BTreeMap<usize, Vec<ThreadId>> = BTreeMap::new();
        for t in tasks {
            let (i, id) = t.await.unwrap();
            per_loop.entry(i).or_default().push(id);
        }
        per_loop
    });
    assert_eq!(per_loop.keys().copied().collect::<Vec<_>>(), [0, 1, 2, 3]);
    let mut threads = Vec::new();
    for (i, ids) in &per_loop {
        assert_eq!(ids.len(), 10, "loop {i} got {} tasks", ids.len());
        assert!(ids.iter().all(|id| *id == ids[0]), "loop {i} is one thread");
        threads.push(ids[0]);
    }
    assert_eq!(threads[0], me, "loop 0 is the block_on thread");
    threads.sort_by_key(|t| format!("{t:?}"));
    threads.dedup();
    assert_eq!(threads.len(), 4, "four loops, four threads");
}

/// Load is released when a task ends: after uneven finished work, pending tasks again land one
/// per loop.
#[test]
fn finished_tasks_no_longer_count_as_load() {
    let rt = runtime(4);
    let handle = rt.handle();
    run(&rt, async move {
        for _ in 0..5 {
            handle.spawn_on(1, || async {}).unwrap().await.unwrap();
        }
        let gate = Gate::new();
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let gate = gate.clone();
                handle.spawn(async move {
                    gate.wait().await;
                    rill::worker_index().unwrap()
                })
            })
            .collect();
        gate.open();
        let mut loops = Vec::new();
        for t in tasks {
            loops.push(t.await.unwrap());
        }
        loops.sort_unstable();
        assert_eq!(loops, [0, 1, 2, 3]);
    });
}

#[test]
fn the_current_handle_on_a_worker_is_the_whole_runtime() {
    let rt = runtime(4);
    let handle = rt.handle();
    run(&rt, async move {
        assert_eq!(Handle::try_current().unwrap().worker_count(), 4);
        let seen = handle
            .spawn_on(2, || async {
                let here = Handle::try_current().unwrap();
                // A local spawn stays on this loop; a spawn through the handle may go anywhere.
                let child = rill::spawn(async { rill::worker_index() }).await.unwrap();
                (rill::worker_index(), here.worker_count(), child)
            })
            .unwrap()
            .await
            .unwrap();
        assert_eq!(seen, (Some(2), 4, Some(2)));
    });
}

#[test]
fn spawn_on_a_missing_loop_is_an_error() {
    let rt = runtime(4);
    let err = rt.handle().spawn_on(4, || async {}).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let single = runtime(1);
    assert_eq!(
        single.handle().spawn_on(1, || async {}).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    let h = single.handle().spawn_on(0, || async { 5 }).unwrap();
    assert_eq!(run(&single, h).unwrap(), 5);
}

/// A listener on loop 3, a client on loop 0, and an accepted connection handed from loop 1 to
/// loop 2 with bytes already waiting in it: nothing is lost or duplicated.
#[test]
fn sockets_stay_on_their_loop_and_talk_across_loops() {
    let rt = runtime(4);
    let handle = rt.handle();
    run(&rt, async move {
        // Bound here, registered on loop 3 (the address is known before the task runs).
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = std_listener.local_addr().unwrap();
        let server = handle
            .spawn_on(3, move || async move {
                let listener = TcpListener::from_std(std_listener).unwrap();
                let (s, _) = listener.accept().await.unwrap();
                let mut buf = [0u8; 5];
                s.read_exact(&mut buf).await.unwrap();
                s.write_all(&buf).await.unwrap();
                rill::worker_index()
            })
            .unwrap();
        let c = TcpStream::connect(addr).await.unwrap();
        c.write_all(b"hello").await.unwrap();
        let mut back = [0u8; 5];
        c.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"hello");
        assert_eq!(server.await.unwrap(), Some(3));

        // Hand-off: accept on loop 1, read part of the data, move the stream to loop 2.
        let payload: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = std_listener.local_addr().unwrap();
        let h2 = handle.clone();
        let acceptor = handle
            .spawn_on(1, move || async move {
                let listener = TcpListener::from_std(std_listener).unwrap();
                let (s, _) = listener.accept().await.unwrap();
                let mut head = vec![0u8; 1000];
                s.read_exact(&mut head).await.unwrap();
                let std_stream = s.into_std();
                let rest = h2
                    .spawn_on(2, move || async move {
                        let s = TcpStream::from_std(std_stream).unwrap();
                        let mut rest = Vec::new();
                        let mut buf = [0u8; 4096];
                        loop {
                            let n = s.read(&mut buf).await.unwrap();
                            if n == 0 {
                                break;
                            }
                            rest.extend_from_slice(&buf[..n]);
                        }
                        (rest, rill::worker_index())
                    })
                    .unwrap()
                    .await
                    .unwrap();
                (head, rest, rill::worker_index())
            })
            .unwrap();
        let c = TcpStream::connect(addr).await.unwrap();
        c.write_all(&payload).await.unwrap();
        c.shutdown(std::net::Shutdown::Write).unwrap();
        let (head, (rest, rest_loop), head_loop) = acceptor.await.unwrap();
        assert_eq!((head_loop, rest_loop), (Some(1), Some(2)));
        let mut got = head;
        got.extend_from_slice(&rest);
        assert!(got == payload, "hand-off lost or reordered bytes");
    });
}

/// A task on a worker, parked on a read, aborted from a plain thread: it is dropped on its own
/// loop's thread (its socket closes, the peer sees EOF) and the join handle says cancelled.
#[test]
fn abort_from_another_thread_cancels_a_task_on_a_worker() {
    let rt = runtime(2);
    let handle = rt.handle();
    run(&rt, async move {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = mpsc::channel();
        let task = handle
            .spawn_on(1, move || async move {
                struct DroppedOn(mpsc::Sender<(Option<usize>, ThreadId)>);
                impl Drop for DroppedOn {
                    fn drop(&mut self) {
                        let _ = self.0.send((rill::worker_index(), thread::current().id()));
                    }
                }
                let _probe = DroppedOn(tx);
                let s = TcpStream::connect(addr).await.unwrap();
                let mut buf = [0u8; 1];
                let _ = s.read(&mut buf).await; // never gets data
                unreachable!("the read was never answered");
            })
            .unwrap();
        let (peer, _) = listener.accept().await.unwrap();
        // The JoinHandle crosses to a plain thread, which aborts it.
        let aborter = thread::spawn(move || {
            task.abort();
            task
        });
        let task = aborter.join().unwrap();
        let err = task.await.unwrap_err();
        assert!(err.is_cancelled(), "{err}");
        let (index, tid) = rx.recv().unwrap();
        assert_eq!(index, Some(1));
        assert_ne!(tid, thread::current().id());
        let mut buf = [0u8; 1];
        assert_eq!(
            peer.read(&mut buf).await.unwrap(),
            0,
            "the aborted task's socket closed"
        );
    });
}

/// Dropping the runtime stops every worker, drops their tasks on their threads, and joins them
/// before `drop` returns; the handle then reports shutdown.
#[test]
fn dropping_the_runtime_joins_its_workers() {
    let rt = runtime(4);
    let handle = rt.handle();
    let (exit_tx, exit_rx) = mpsc::channel();
    let (drop_tx, drop_rx) = mpsc::channel();
    let pending: Vec<_> = run(&rt, async {
        let mut pending = Vec::new();
        for i in 1..4 {
            let exit_tx = exit_tx.clone();
            let drop_tx = drop_tx.clone();
            pending.push(
                handle
                    .spawn_on(i, move || {
                        notify_on_thread_exit(exit_tx);
                        struct OnDrop(mpsc::Sender<Option<usize>>);
                        impl Drop for OnDrop {
                            fn drop(&mut self) {
                                let _ = self.0.send(rill::worker_index());
                            }
                        }
                        let guard = OnDrop(drop_tx);
                        async move {
                            let _guard = guard;
                            std::future::pending::<()>().await
                        }
                    })
                    .unwrap(),
            );
        }
        // Every task has started (its spawn closure ran) once a no-op on the same loop ran.
        for i in 1..4 {
            handle.spawn_on(i, || async {}).unwrap().await.unwrap();
        }
        pending
    });
    drop(exit_tx);
    drop(drop_tx);
    assert!(
        exit_rx.try_recv().is_err(),
        "workers run while the runtime lives"
    );
    drop(rt);
    // No waiting: the threads were joined inside `drop`, so their exit notes are already sent.
    let mut exited: Vec<String> = exit_rx.try_iter().collect();
    exited.sort();
    assert_eq!(exited, ["rill-worker-1", "rill-worker-2", "rill-worker-3"]);
    let mut dropped: Vec<Option<usize>> = drop_rx.try_iter().collect();
    dropped.sort();
    assert_eq!(
        dropped,
        [Some(1), Some(2), Some(3)],
        "tasks dropped on their loops"
    );
    assert!(handle.is_shutdown());
    let other = Runtime::new().unwrap();
    other.block_on(async move {
        for p in pending {
            assert!(p.await.unwrap_err().is_shutdown());
        }
        let late = handle.spawn(async { 1 });
        assert!(late.await.unwrap_err().is_shutdown());
        let late = handle.spawn_on(2, || async { 1 }).unwrap();
        assert!(late.await.unwrap_err().is_shutdown());
    });
}

/// A panic in a placed task's `make` closure is that task's panic, not the loop's.
#[test]
fn a_panicking_spawn_closure_does_not_kill_the_worker() {
    let rt = runtime(2);
    let handle = rt.handle();
    run(&rt, async move {
        let bad = handle
            .spawn_on(1, || -> std::future::Ready<()> { panic!("make failed") })
            .unwrap();
        assert!(bad.await.unwrap_err().is_panic());
        let good = handle.spawn_on(1, || async { 7 }).unwrap();
        assert_eq!(good.await.unwrap(), 7);
    });
}
