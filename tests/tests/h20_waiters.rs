//! H20: a second waiter in one direction must never silently replace the first one's waker.
//! Two tasks read (or write) one socket at once; each must complete, and a waiter that gives up
//! (its future dropped) must not strand the other. Every backend runs every case.

use std::io::{Read, Write};
use std::rc::Rc;
use std::time::Duration;

use rill::TcpStream;
use rill_tests::{per_backend, run, tcp_pair_with_std_peer};

/// How long a read or write that has its bytes (or space) may take before the case fails.
const HANG: Duration = Duration::from_secs(10);

async fn settle() {
    // A short sleep makes the loop wait in the OS at least once, so every task has parked.
    rill::sleep(Duration::from_millis(20)).await;
}

/// Reads exactly `n` bytes. No timer inside: a timer would wake a stranded task by itself.
async fn read_n(s: &TcpStream, n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    s.read_exact(&mut buf).await.unwrap();
    buf
}

/// Awaits a task from outside, failing the case if it never finishes.
async fn join<T>(task: rill::JoinHandle<T>, what: &str) -> T {
    match rill::timeout(HANG, task).await {
        Ok(r) => r.unwrap(),
        Err(_) => panic!("{what} was never woken"),
    }
}

fn two_readers_both_complete(backend: &str) {
    run(backend, 2, || async {
        let (ours, mut peer) = tcp_pair_with_std_peer();
        let ours = Rc::new(ours);
        let a = rill::spawn({
            let s = ours.clone();
            async move { read_n(&s, 4).await }
        });
        let b = rill::spawn({
            let s = ours.clone();
            async move { read_n(&s, 4).await }
        });
        settle().await; // both parked on the one read lane
        peer.write_all(b"1111").unwrap();
        settle().await;
        peer.write_all(b"2222").unwrap();
        let mut got = [join(a, "reader a").await, join(b, "reader b").await];
        got.sort();
        assert_eq!(got, [b"1111".to_vec(), b"2222".to_vec()]);
    });
}

fn a_reader_giving_up_does_not_strand_the_other(backend: &str) {
    run(backend, 2, || async {
        let (ours, mut peer) = tcp_pair_with_std_peer();
        let ours = Rc::new(ours);
        let quitter = rill::spawn({
            let s = ours.clone();
            async move {
                let mut buf = [0u8; 4];
                rill::timeout(Duration::from_millis(30), s.read(&mut buf))
                    .await
                    .is_err()
            }
        });
        let stayer = rill::spawn({
            let s = ours.clone();
            async move { read_n(&s, 4).await }
        });
        assert!(
            quitter.await.unwrap(),
            "the quitter read nothing and timed out"
        );
        settle().await;
        peer.write_all(b"data").unwrap();
        assert_eq!(join(stayer, "the remaining reader").await, b"data");
    });
}

fn two_writers_both_complete(backend: &str) {
    run(backend, 2, || async {
        let (ours, mut peer) = tcp_pair_with_std_peer();
        let ours = Rc::new(ours);
        // Fill the send buffer so both writers park.
        let chunk = vec![9u8; 64 * 1024];
        let mut queued = 0usize;
        while let Ok(Ok(n)) = rill::timeout(Duration::from_millis(50), ours.write(&chunk)).await {
            queued += n;
        }
        let writer = |byte: u8| {
            let s = ours.clone();
            rill::spawn(async move {
                let data = vec![byte; 100_000];
                s.write_all(&data).await.unwrap();
            })
        };
        let a = writer(1);
        let b = writer(2);
        settle().await;
        let total = queued + 200_000;
        let drain = std::thread::spawn(move || {
            let mut buf = vec![0u8; total];
            peer.read_exact(&mut buf).unwrap();
            buf
        });
        join(a, "writer a").await;
        join(b, "writer b").await;
        let buf = drain.join().unwrap();
        assert_eq!(buf.iter().filter(|&&x| x == 1).count(), 100_000);
        assert_eq!(buf.iter().filter(|&&x| x == 2).count(), 100_000);
    });
}

per_backend!(
    two_readers_both_complete,
    a_reader_giving_up_does_not_strand_the_other,
    two_writers_both_complete,
);
