//! Runtime metrics (issue 12 item 4): each counter moves when, and only when, its event happens.
//! Every backend runs every case.

use std::time::Duration;

use rill_tests::{per_backend, run, TEST_LIMIT};

fn counters_follow_tasks_io_timers_and_wakes(backend: &str) {
    run(backend, 2, || async {
        let before = rill::metrics().expect("inside a runtime");
        let (a, b) = rill::UnixStream::pair().unwrap();
        let reader = rill::spawn(async move {
            let mut buf = [0u8; 4];
            b.read_exact(&mut buf).await.unwrap(); // nothing there yet: parks
            buf
        });
        rill::sleep(Duration::from_millis(5)).await; // the reader parks; a timer fires
        let mid = rill::metrics().unwrap();
        assert_eq!(mid.tasks_spawned - before.tasks_spawned, 1);
        assert_eq!(mid.tasks_alive, before.tasks_alive + 1);
        assert!(mid.io_parked > before.io_parked, "{mid:?}");
        assert!(mid.timers_armed > before.timers_armed);
        assert!(mid.timers_fired > before.timers_fired);
        assert!(mid.os_waits > before.os_waits);
        a.write_all(b"ping").await.unwrap(); // inline: the socket has room
        assert_eq!(reader.await.unwrap(), *b"ping");
        let after = rill::metrics().unwrap();
        assert!(after.io_inline > mid.io_inline);
        assert!(
            after.os_events > mid.os_events,
            "the reader's readiness came as an event"
        );
        assert!(
            after.wakes_local > mid.wakes_local,
            "the reader was woken on this loop"
        );
        assert_eq!(after.tasks_completed - before.tasks_completed, 1);
        assert_eq!(after.tasks_alive, before.tasks_alive);
        assert!(after.polls > mid.polls);
    });
}

fn remote_wakes_are_counted(backend: &str) {
    run(backend, 2, || async {
        let before = rill::metrics().unwrap();
        let handle = rill::Handle::try_current().unwrap();
        let from_thread = std::thread::spawn(move || handle.spawn(async { 7 }));
        let joined = from_thread.join().unwrap().await.unwrap();
        assert_eq!(joined, 7);
        let after = rill::metrics().unwrap();
        assert!(after.wakes_remote > before.wakes_remote, "{after:?}");
        assert_eq!(after.tasks_spawned - before.tasks_spawned, 1);
    });
}

/// `Builder::yield_before_block(true)`: a loop that is about to sleep probes and yields its
/// thread first; a turn whose readiness is already there neither yields nor sleeps. By
/// default a loop never yields.
fn a_loop_yields_before_each_sleep_only_when_asked(backend: &str) {
    let backend_kind: rill::Backend = backend.parse().unwrap();
    let rt = rill::Builder::new()
        .backend(backend_kind)
        .yield_before_block(true)
        .build()
        .unwrap();
    rt.block_on(rill::timeout(TEST_LIMIT, async {
        let before = rill::metrics().unwrap();
        rill::sleep(Duration::from_millis(5)).await; // nothing else to do: the loop sleeps
        let slept = rill::metrics().unwrap();
        assert!(slept.yields > before.yields, "{slept:?}");
        assert!(
            slept.os_waits >= before.os_waits + 2,
            "the probe and the blocking wait: {slept:?}"
        );
        // Readiness already queued in the kernel when the loop looks: the probe takes it.
        let (a, b) = rill::UnixStream::pair().unwrap();
        let reader = rill::spawn(async move {
            let mut buf = [0u8; 4];
            b.read_exact(&mut buf).await.unwrap();
            buf
        });
        rill::yield_now().await; // the reader parks on its empty socket
        a.write_all(b"ping").await.unwrap();
        let ready = rill::metrics().unwrap();
        assert_eq!(reader.await.unwrap(), *b"ping");
        let after = rill::metrics().unwrap();
        assert_eq!(after.yields, ready.yields, "no yield with readiness there");
        assert!(after.os_events > ready.os_events, "{after:?}");
    }))
    .expect("the test body finished in time");
    run(backend, 2, || async {
        rill::sleep(Duration::from_millis(5)).await;
        let m = rill::metrics().unwrap();
        assert_eq!(m.yields, 0, "the default blocks at once: {m:?}");
        assert!(m.timers_fired >= 1 && m.os_waits >= 1, "{m:?}");
    });
}

#[test]
fn outside_a_runtime_there_are_no_metrics() {
    assert!(rill::metrics().is_none());
}

per_backend!(
    counters_follow_tasks_io_timers_and_wakes,
    remote_wakes_are_counted,
    a_loop_yields_before_each_sleep_only_when_asked
);
