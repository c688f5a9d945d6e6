//! Thread-per-core loop groups (`rill::LoopGroup`): `SO_REUSEPORT` listeners spread
//! connections over the loops, `spawn_on` runs on the named loop's thread, and the group is torn
//! down (threads joined) when its last user releases it.

use std::collections::BTreeSet;
use std::io::ErrorKind;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use rill::{Builder, LoopGroup, Runtime, TcpStream};
use rill_tests::{notify_on_thread_exit, Gate, Rng, TEST_LIMIT};

/// Awaits `f` on a fresh single-threaded runtime on this thread, under the test limit.
fn wait<T>(f: impl std::future::Future<Output = T>) -> T {
    Runtime::new().unwrap().block_on(async move {
        rill::timeout(TEST_LIMIT, f)
            .await
            .expect("test body exceeded the limit")
    })
}

/// Installs an exit probe on every loop of `group`; returns the receiver of thread names.
fn probe_loops(group: &LoopGroup) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let installs: Vec<_> = (0..group.len())
        .map(|i| {
            let tx = tx.clone();
            group
                .spawn_on(i, move || {
                    notify_on_thread_exit(tx);
                    async {}
                })
                .unwrap()
        })
        .collect();
    wait(async move {
        for h in installs {
            h.await.unwrap();
        }
    });
    rx
}

fn sorted(rx: &mpsc::Receiver<String>) -> Vec<String> {
    let mut v: Vec<String> = rx.try_iter().collect();
    v.sort();
    v
}

/// Many connections to one `SO_REUSEPORT` address: every loop's listener takes some (the kernel
/// hashes connections over the group), each connection is served on the loop that accepted it,
/// and every byte comes back.
fn reuseport_spreads_connections(backend: &str) {
    const CONNS: usize = 64;
    let builder = Builder::new().backend(backend.parse().unwrap());
    let group = LoopGroup::with_builder(4, &builder).unwrap();
    assert_eq!(group.len(), 4);
    let served: Arc<[AtomicUsize; 4]> = Arc::new(Default::default());
    let served_in = served.clone();
    let server = group
        .listen_reuseport("127.0.0.1:0", move |stream, _peer| {
            let served = served_in.clone();
            async move {
                served[rill::worker_index().unwrap()].fetch_add(1, Ordering::Relaxed);
                let mut buf = vec![0u8; 8192];
                loop {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if stream.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                        }
                    }
                }
            }
        })
        .unwrap();
    let addr = server.local_addr();
    assert_ne!(addr.port(), 0);
    wait(async move {
        let mut clients = Vec::new();
        for i in 0..CONNS {
            clients.push(rill::spawn(async move {
                let payload = Rng::new(i as u64 + 1).bytes(4096 + i * 97);
                let s = TcpStream::connect(addr).await.unwrap();
                s.write_all(&payload).await.unwrap();
                s.shutdown(std::net::Shutdown::Write).unwrap();
                let mut got = Vec::new();
                let mut buf = [0u8; 4096];
                loop {
                    let n = s.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    got.extend_from_slice(&buf[..n]);
                }
                assert!(got == payload, "connection {i}: bytes differ");
            }));
        }
        for c in clients {
            c.await.unwrap();
        }
    });
    let accepted = server.accepted();
    assert_eq!(accepted.iter().sum::<u64>(), CONNS as u64, "{accepted:?}");
    let busy = accepted.iter().filter(|&&n| n > 0).count();
    assert!(busy > 1, "only one loop accepted: {accepted:?}");
    let served: Vec<u64> = served
        .iter()
        .map(|a| a.load(Ordering::Relaxed) as u64)
        .collect();
    assert_eq!(
        served, accepted,
        "each connection is served where it was accepted"
    );
}

#[test]
fn reuseport_spreads_connections_epoll() {
    reuseport_spreads_connections("epoll");
}

#[test]
fn reuseport_spreads_connections_poll() {
    reuseport_spreads_connections("poll");
}

#[test]
fn spawn_on_runs_on_that_loops_thread() {
    let group = LoopGroup::new(3).unwrap();
    let tasks: Vec<_> = (0..3)
        .map(|i| {
            group
                .spawn_on(i, || async {
                    (
                        rill::worker_index(),
                        std::thread::current().name().map(str::to_string),
                    )
                })
                .unwrap()
        })
        .collect();
    let seen = wait(async move {
        let mut seen = Vec::new();
        for t in tasks {
            seen.push(t.await.unwrap());
        }
        seen
    });
    for (i, (index, name)) in seen.into_iter().enumerate() {
        assert_eq!(index, Some(i));
        assert_eq!(name.as_deref(), Some(format!("rill-loop-{i}").as_str()));
    }
    let err = group.spawn_on(3, || async {}).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(group.loop_handle(3).is_none());
    assert_eq!(group.loop_handle(1).unwrap().worker_count(), 1);
}

#[test]
fn zero_loops_means_one_per_cpu() {
    let group = LoopGroup::new(0).unwrap();
    let cpus = std::thread::available_parallelism().unwrap().get();
    assert_eq!(group.len(), cpus);
    assert!(!group.is_empty());
}

#[test]
fn spawn_with_places_on_the_least_loaded_loop() {
    let group = LoopGroup::new(3).unwrap();
    let gate = Gate::new();
    let tasks: Vec<_> = (0..9)
        .map(|_| {
            let gate = gate.clone();
            group.spawn_with(move || async move {
                gate.wait().await;
                rill::worker_index().unwrap()
            })
        })
        .collect();
    gate.open();
    let mut counts = [0usize; 3];
    wait(async {
        for t in tasks {
            counts[t.await.unwrap()] += 1;
        }
    });
    assert_eq!(counts, [3, 3, 3]);
}

/// Clones are users; the loops live until the last one is dropped, and that drop joins every
/// loop thread before it returns. A handle does not keep the group alive.
#[test]
fn last_release_tears_down_and_joins() {
    let group = LoopGroup::new(3).unwrap();
    let handle = group.handle();
    let exits = probe_loops(&group);
    let second = group.clone();
    assert!(second.same_group(&group));
    drop(group);
    assert!(sorted(&exits).is_empty(), "a user remains: loops still run");
    let h = second.spawn_on(2, || async { 40 + 2 }).unwrap();
    assert_eq!(wait(h).unwrap(), 42);
    assert!(!handle.is_shutdown());
    drop(second);
    // Joined inside `drop`: the exit notes are already there.
    assert_eq!(
        sorted(&exits),
        ["rill-loop-0", "rill-loop-1", "rill-loop-2"]
    );
    assert!(handle.is_shutdown());
    let late = handle.spawn(async { 1 });
    assert!(wait(late).unwrap_err().is_shutdown());
}

/// Tasks still running on the loops at teardown are dropped on their own loop threads, and
/// their join handles report shutdown; sockets they held are closed.
#[test]
fn teardown_drops_running_tasks_on_their_loops() {
    let group = LoopGroup::new(2).unwrap();
    let (tx, rx) = mpsc::channel();
    let (started_tx, started_rx) = mpsc::channel();
    let server = group
        .listen_reuseport("127.0.0.1:0", move |stream, _| {
            struct OnDrop(mpsc::Sender<Option<usize>>);
            impl Drop for OnDrop {
                fn drop(&mut self) {
                    let _ = self.0.send(rill::worker_index());
                }
            }
            // Made before the task is first polled, so its drop is seen whenever teardown hits.
            let guard = OnDrop(tx.clone());
            let _ = started_tx.send(());
            async move {
                let _guard = guard;
                let mut buf = [0u8; 1];
                let _ = stream.read(&mut buf).await; // the client never writes
            }
        })
        .unwrap();
    let addr = server.local_addr();
    let client = std::net::TcpStream::connect(addr).unwrap();
    started_rx
        .recv_timeout(TEST_LIMIT)
        .expect("the connection was never accepted");
    drop(server);
    drop(group);
    let dropped: Vec<Option<usize>> = rx.try_iter().collect();
    assert_eq!(dropped.len(), 1, "the serving task was dropped at teardown");
    assert!(dropped[0].is_some(), "dropped on its loop thread");
    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut buf = [0u8; 1];
    use std::io::Read;
    assert_eq!(
        (&client).read(&mut buf).unwrap(),
        0,
        "its socket was closed"
    );
}

/// The last user released from a task running on one of the group's own loops: that thread
/// cannot join itself; the others are joined and it exits on its own right after.
#[test]
fn last_release_on_a_loop_thread_does_not_deadlock() {
    let group = LoopGroup::new(2).unwrap();
    let exits = probe_loops(&group);
    let inner = group.clone();
    let gate = Gate::new();
    let g2 = gate.clone();
    let task = group
        .spawn_on(0, move || async move {
            g2.wait().await;
            drop(inner); // the last user, on loop 0's thread
            7
        })
        .unwrap();
    drop(group);
    gate.open();
    assert_eq!(wait(task).unwrap(), 7);
    let mut names = BTreeSet::new();
    for _ in 0..2 {
        names.insert(exits.recv_timeout(TEST_LIMIT).expect("a loop never exited"));
    }
    assert_eq!(
        names,
        BTreeSet::from(["rill-loop-0".to_string(), "rill-loop-1".to_string()])
    );
}
