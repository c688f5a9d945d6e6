//! The test clock (`Builder::start_paused(true)`, issue 12 item 3): virtual time that stands
//! still while a task can run, jumps to the next timer when every task is idle, and moves by hand
//! with `rill::time::advance`. Sleeps, timeouts and intervals all follow it. Every backend runs
//! every case; the one-hour case prints its wall time.

use std::time::{Duration, Instant};

use rill::{Backend, Builder, Runtime};
use rill_tests::per_backend;

fn paused(backend: &str) -> Runtime {
    let backend: Backend = backend.parse().unwrap();
    Builder::new()
        .backend(backend)
        .start_paused(true)
        .build()
        .unwrap()
}

const HOUR: Duration = Duration::from_secs(3600);

fn one_hour_timeout_fires_without_waiting_an_hour(backend: &str) {
    let rt = paused(backend);
    let wall = Instant::now();
    let (virtual_elapsed, timed_out) = rt.block_on(async {
        let t0 = rill::time::now();
        let never = rill::sleep(2 * HOUR);
        let r = rill::timeout(HOUR, never).await;
        (rill::time::now() - t0, r.is_err())
    });
    assert!(timed_out, "the one-hour timeout must fire first");
    assert_eq!(
        virtual_elapsed, HOUR,
        "virtual time jumped exactly to the deadline"
    );
    println!(
        "{backend}: a 1-hour timeout fired after {:?} of wall time",
        wall.elapsed()
    );
}

fn time_stands_still_while_tasks_run(backend: &str) {
    let rt = paused(backend);
    rt.block_on(async {
        let t0 = rill::time::now();
        let busy = rill::spawn(async {
            for _ in 0..1000 {
                rill::yield_now().await;
            }
        });
        busy.await.unwrap();
        assert_eq!(
            rill::time::now(),
            t0,
            "no timer was due: the clock did not move"
        );
        // A zero sleep is due at once.
        rill::sleep(Duration::ZERO).await;
        assert_eq!(rill::time::now(), t0);
    });
}

fn sleeps_and_intervals_fire_in_virtual_order(backend: &str) {
    let rt = paused(backend);
    rt.block_on(async {
        let t0 = rill::time::now();
        let order = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let mut tasks = Vec::new();
        for secs in [30u64, 10, 20] {
            let order = order.clone();
            tasks.push(rill::spawn(async move {
                rill::sleep(Duration::from_secs(secs)).await;
                order.borrow_mut().push((secs, rill::time::now() - t0));
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let want: Vec<(u64, Duration)> = [10u64, 20, 30]
            .iter()
            .map(|&s| (s, Duration::from_secs(s)))
            .collect();
        assert_eq!(*order.borrow(), want);
        let mut every = rill::interval(Duration::from_secs(60));
        let first = every.tick().await;
        let ticks = [every.tick().await, every.tick().await];
        assert_eq!(ticks[0] - first, Duration::from_secs(60));
        assert_eq!(ticks[1] - first, Duration::from_secs(120));
    });
}

fn advance_by_hand_fires_due_timers(backend: &str) {
    let rt = paused(backend);
    rt.block_on(async {
        let t0 = rill::time::now();
        let sleeper = rill::spawn(async {
            rill::sleep(Duration::from_secs(5)).await;
            rill::time::now()
        });
        rill::yield_now().await; // the sleeper arms its timer
        rill::time::advance(Duration::from_secs(5)).await.unwrap();
        let woke = sleeper.await.unwrap();
        assert_eq!(woke - t0, Duration::from_secs(5));
        assert_eq!(rill::time::now() - t0, Duration::from_secs(5));
    });
}

fn advance_needs_the_test_clock(backend: &str) {
    let backend: Backend = backend.parse().unwrap();
    let rt = Builder::new().backend(backend).build().unwrap();
    let err = rt
        .block_on(rill::time::advance(Duration::from_secs(1)))
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::Unsupported);
    assert!(err.to_string().contains("start_paused"), "{err}");
}

fn io_still_works_with_the_test_clock(backend: &str) {
    let rt = paused(backend);
    rt.block_on(async {
        let (a, b) = rill::UnixStream::pair().unwrap();
        let echo = rill::spawn(async move {
            let mut buf = [0u8; 4];
            b.read_exact(&mut buf).await.unwrap();
            b.write_all(&buf).await.unwrap();
        });
        a.write_all(b"ping").await.unwrap();
        let mut back = [0u8; 4];
        rill::timeout(HOUR, a.read_exact(&mut back))
            .await
            .expect("the echo arrives before any timer")
            .unwrap();
        assert_eq!(&back, b"ping");
        echo.await.unwrap();
    });
}

per_backend!(
    one_hour_timeout_fires_without_waiting_an_hour,
    time_stands_still_while_tasks_run,
    sleeps_and_intervals_fire_in_virtual_order,
    advance_by_hand_fires_due_timers,
    advance_needs_the_test_clock,
    io_still_works_with_the_test_clock,
);
