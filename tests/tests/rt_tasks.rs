//! Tasks beyond spawn: `JoinSet` (completion order, abort on drop, tasks on other loops),
//! panic payloads through `JoinError::into_panic`, task-local values, and
//! `Runtime::shutdown_timeout`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::task::{Poll, Waker};
use std::time::Duration;

use rill::{JoinSet, Runtime};

/// A one-shot gate between tasks of one loop: `wait` is pending until `open` (any number of
/// waiters).
#[derive(Clone, Default)]
struct Gate(Rc<RefCell<(bool, Vec<Waker>)>>);

impl Gate {
    fn open(&self) {
        let wakers = {
            let mut g = self.0.borrow_mut();
            g.0 = true;
            std::mem::take(&mut g.1)
        };
        for w in wakers {
            w.wake();
        }
    }

    async fn wait(&self) {
        std::future::poll_fn(|cx| {
            let mut g = self.0.borrow_mut();
            if g.0 {
                Poll::Ready(())
            } else {
                g.1.push(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }
}

/// Sets its flag when dropped: shows a task's future was dropped.
struct DropFlag(Rc<Cell<bool>>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

/// A runtime on `backend` (every case runs on each backend here).
fn rt_on(backend: &str) -> Runtime {
    Runtime::builder()
        .backend(backend.parse().expect("backend name"))
        .build()
        .unwrap()
}

/// Runs `f` on a fresh single-threaded runtime on `backend`, failing instead of hanging.
fn run<F: std::future::Future>(backend: &str, f: F) -> F::Output {
    let rt = rt_on(backend);
    rt.block_on(async {
        rill::timeout(Duration::from_secs(60), f)
            .await
            .expect("test body hung")
    })
}

fn join_set_yields_results_in_completion_order_not_spawn_order(backend: &'static str) {
    run(backend, async {
        let mut set = JoinSet::new();
        let gates: Vec<Gate> = (0..3).map(|_| Gate::default()).collect();
        for (i, gate) in gates.iter().enumerate() {
            let gate = gate.clone();
            set.spawn(async move {
                gate.wait().await;
                i
            });
        }
        assert_eq!(set.len(), 3);
        // Open the gates in the order 2, 0, 1; each result arrives before the next gate opens.
        for &i in &[2usize, 0, 1] {
            gates[i].open();
            assert_eq!(set.join_next().await.unwrap().unwrap(), i);
        }
        assert!(set.is_empty());
        assert!(set.join_next().await.is_none());
    });
}

fn join_set_takes_every_result_once_from_many_tasks(backend: &'static str) {
    run(backend, async {
        let mut set = JoinSet::new();
        for i in 0..2000u64 {
            set.spawn(async move {
                if i % 3 == 0 {
                    rill::yield_now().await;
                }
                i
            });
        }
        let mut seen = vec![false; 2000];
        while let Some(r) = set.join_next().await {
            let i = r.unwrap() as usize;
            assert!(!seen[i], "result {i} taken twice");
            seen[i] = true;
        }
        assert!(seen.iter().all(|&s| s));
        assert_eq!(set.len(), 0);
    });
}

fn dropping_a_join_set_aborts_its_tasks(backend: &'static str) {
    let rt = rt_on(backend);
    let dropped: Vec<Rc<Cell<bool>>> = (0..3).map(|_| Rc::new(Cell::new(false))).collect();
    let finished = Rc::new(Cell::new(0));
    rt.block_on(async {
        let mut set = JoinSet::new();
        for flag in &dropped {
            let guard = DropFlag(flag.clone());
            let finished = finished.clone();
            set.spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await;
                finished.set(finished.get() + 1);
            });
        }
        rill::yield_now().await; // every task starts and parks
        assert!(dropped.iter().all(|f| !f.get()));
        drop(set);
        rill::yield_now().await; // the loop ends the aborted tasks
    });
    assert!(dropped.iter().all(|f| f.get()), "every future was dropped");
    assert_eq!(finished.get(), 0);
    assert_eq!(rt.live_tasks(), 0);
}

fn join_set_abort_handle_cancels_one_task_and_shutdown_ends_the_rest(backend: &'static str) {
    run(backend, async {
        let mut set = JoinSet::new();
        let stuck = set.spawn(std::future::pending::<u8>());
        set.spawn(async { 1u8 });
        stuck.abort();
        let mut outcomes = Vec::new();
        while let Some(r) = set.join_next().await {
            outcomes.push(r.map_err(|e| e.is_cancelled()));
        }
        outcomes.sort();
        assert_eq!(outcomes, vec![Ok(1), Err(true)]);

        for _ in 0..3 {
            set.spawn(std::future::pending::<u8>());
        }
        set.shutdown().await;
        assert!(set.is_empty());
        assert_eq!(rill::Handle::try_current().unwrap().worker_count(), 1);
    });
}

fn join_set_wakes_on_tasks_that_end_on_worker_threads(backend: &'static str) {
    let rt = Runtime::builder()
        .backend(backend.parse().expect("backend name"))
        .worker_threads(3)
        .build()
        .unwrap();
    let handle = rt.handle();
    let total = rt.block_on(async move {
        let mut set = JoinSet::new();
        for i in 0..30u64 {
            set.spawn_on(&handle, async move {
                rill::yield_now().await;
                (i, rill::worker_index())
            });
        }
        let mut total = 0;
        let mut loops = std::collections::HashSet::new();
        while let Some(r) = rill::timeout(Duration::from_secs(60), set.join_next())
            .await
            .expect("join_next hung")
        {
            let (i, on) = r.unwrap();
            total += i;
            loops.insert(on);
        }
        assert!(loops.len() > 1, "placement spread the tasks: {loops:?}");
        total
    });
    assert_eq!(total, (0..30).sum());
}

/// A payload that is neither `&str` nor `String`.
#[derive(Debug, PartialEq)]
struct Oops(u32);

fn a_panicking_task_hands_its_payload_to_the_joiner(backend: &'static str) {
    run(backend, async {
        let err = rill::spawn(async { std::panic::panic_any(Oops(42)) })
            .await
            .unwrap_err();
        assert!(err.is_panic());
        let payload = err.into_panic();
        assert_eq!(payload.downcast_ref::<Oops>(), Some(&Oops(42)));

        // Through a JoinSet too, and for a Send task on another thread's handle.
        let mut set = JoinSet::new();
        set.spawn(async { std::panic::panic_any::<Oops>(Oops(7)) });
        let err = set.join_next().await.unwrap().unwrap_err();
        assert_eq!(*err.into_panic().downcast::<Oops>().unwrap(), Oops(7));
    });
    let rt = Runtime::builder()
        .backend(backend.parse().expect("backend name"))
        .worker_threads(2)
        .build()
        .unwrap();
    let task = rt
        .handle()
        .spawn_on(1, || async { std::panic::panic_any::<Oops>(Oops(9)) })
        .unwrap();
    let err = rt.block_on(task).unwrap_err();
    assert_eq!(err.into_panic().downcast_ref::<Oops>(), Some(&Oops(9)));
}

fn into_panic_on_a_cancelled_task_panics_and_try_into_panic_gives_the_error_back(
    backend: &'static str,
) {
    let rt = rt_on(backend);
    let task = rt.spawn(std::future::pending::<()>());
    task.abort();
    let err = rt.block_on(task).unwrap_err();
    let err = err.try_into_panic().unwrap_err();
    assert!(err.is_cancelled());
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| err.into_panic()));
    assert!(caught.is_err());
}

rill::task_local! {
    static NAME: String;
    static COUNT: u32;
}

fn task_locals_are_per_task_across_interleaved_polls(backend: &'static str) {
    run(backend, async {
        let gate = Gate::default();
        let mut set = JoinSet::new();
        for name in ["a", "b", "c"] {
            let gate = gate.clone();
            set.spawn(NAME.scope(name.to_string(), async move {
                let before = NAME.get();
                gate.wait().await; // the other tasks run meanwhile on this thread
                rill::yield_now().await;
                (before, NAME.get())
            }));
        }
        rill::yield_now().await;
        assert!(
            NAME.try_with(|_| ()).is_err(),
            "the main future has no value"
        );
        gate.open();
        let mut seen = Vec::new();
        while let Some(r) = set.join_next().await {
            let (before, after) = r.unwrap();
            assert_eq!(before, after);
            seen.push(after);
        }
        seen.sort();
        assert_eq!(seen, ["a", "b", "c"]);
    });
}

fn task_locals_are_not_inherited_by_spawned_tasks_and_survive_panics(backend: &'static str) {
    run(backend, async {
        let inherited = COUNT
            .scope(5, async {
                let child = rill::spawn(async { COUNT.try_with(|c| *c).is_ok() });
                (COUNT.get(), child.await.unwrap())
            })
            .await;
        assert_eq!(inherited, (5, false));

        // A panic inside a scope leaves the thread's slot as it was.
        let caught = std::panic::catch_unwind(|| COUNT.sync_scope(1, || panic!("inside")));
        assert!(caught.is_err());
        assert!(COUNT.try_with(|_| ()).is_err());
        COUNT
            .scope(2, async {
                let r = std::panic::catch_unwind(|| COUNT.sync_scope(3, || panic!("nested")));
                assert!(r.is_err());
                assert_eq!(COUNT.get(), 2, "the outer value is back");
            })
            .await;
    });
}

/// No runtime involved: a plain test.
#[test]
fn a_scoped_future_drops_its_inner_future_with_the_value_set() {
    struct SeesCount(Rc<Cell<Option<u32>>>);
    impl Drop for SeesCount {
        fn drop(&mut self) {
            self.0.set(COUNT.try_with(|c| *c).ok());
        }
    }
    let seen = Rc::new(Cell::new(None));
    let probe = SeesCount(seen.clone());
    let fut = COUNT.scope(11, async move {
        let _probe = probe;
        std::future::pending::<()>().await;
    });
    drop(fut);
    assert_eq!(seen.get(), Some(11));
}

fn shutdown_timeout_lets_quick_tasks_finish_and_drops_stuck_ones_as_shut_down(
    backend: &'static str,
) {
    let rt = rt_on(backend);
    let quick = rt.spawn(async {
        for _ in 0..3 {
            rill::yield_now().await;
        }
        "finished"
    });
    // Stuck on I/O: an accept nobody connects to.
    let stuck_io = rt.spawn(async {
        let listener = rill::TcpListener::bind("127.0.0.1:0")?;
        listener.accept().await.map(|_| ())
    });
    let stuck = rt.spawn(std::future::pending::<()>());
    rt.shutdown_timeout(Duration::from_millis(100));

    let rt2 = rt_on(backend);
    assert_eq!(rt2.block_on(quick).unwrap(), "finished");
    assert!(rt2.block_on(stuck).unwrap_err().is_shutdown());
    assert!(rt2.block_on(stuck_io).unwrap_err().is_shutdown());
}

/// Runs `f` on another thread and fails if it does not return within a generous bound.
fn within_bound(f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("returned (did not wait for the whole timeout)");
}

fn shutdown_timeout_returns_as_soon_as_the_last_task_ends(backend: &'static str) {
    within_bound(move || {
        let rt = rt_on(backend);
        let ran = Arc::new(AtomicUsize::new(0));
        for _ in 0..5 {
            let ran = ran.clone();
            rt.spawn(async move {
                rill::sleep(Duration::from_millis(2)).await;
                ran.fetch_add(1, Ordering::SeqCst);
            });
        }
        // An hour: only the tasks ending can make this return within the bound.
        rt.shutdown_timeout(Duration::from_secs(3600));
        assert_eq!(ran.load(Ordering::SeqCst), 5);
    });
    within_bound(move || {
        // No task at all: returns at once.
        rt_on(backend).shutdown_timeout(Duration::from_secs(3600));
    });
}

fn shutdown_timeout_with_workers_drops_worker_tasks_as_shut_down(backend: &'static str) {
    let rt = Runtime::builder()
        .backend(backend.parse().expect("backend name"))
        .worker_threads(2)
        .build()
        .unwrap();
    let on_worker = rt.handle().spawn_on(1, std::future::pending::<()>).unwrap();
    let on_loop0 = rt.spawn(async { 0u8 });
    rt.shutdown_timeout(Duration::from_millis(10));
    let rt2 = rt_on(backend);
    assert_eq!(rt2.block_on(on_loop0).unwrap(), 0);
    assert!(rt2.block_on(on_worker).unwrap_err().is_shutdown());
}

/// A task spawned by a running task (the loop holds the task table for that poll, so the spawn
/// is admitted right after it): counted as alive at once, run, and joined like any other.
fn a_task_spawned_by_a_running_task_counts_at_once_and_runs(backend: &'static str) {
    let rt = rt_on(backend);
    let outer = rt.spawn(async {
        let before = rill::metrics().unwrap().tasks_alive;
        let inners: Vec<_> = (0..3u32)
            .map(|i| rill::spawn(async move { i * 7 }))
            .collect();
        assert_eq!(
            rill::metrics().unwrap().tasks_alive,
            before + 3,
            "spawns made during this poll count before they first run"
        );
        let mut sum = 0;
        for inner in inners {
            sum += inner.await.unwrap();
        }
        sum
    });
    let joined = rt.block_on(async {
        rill::timeout(Duration::from_secs(60), outer)
            .await
            .expect("a task spawned during a poll never ran")
    });
    assert_eq!(joined.unwrap(), 21);
    assert_eq!(rt.live_tasks(), 0);
}

rill_tests::per_backend!(
    a_task_spawned_by_a_running_task_counts_at_once_and_runs,
    join_set_yields_results_in_completion_order_not_spawn_order,
    join_set_takes_every_result_once_from_many_tasks,
    dropping_a_join_set_aborts_its_tasks,
    join_set_abort_handle_cancels_one_task_and_shutdown_ends_the_rest,
    join_set_wakes_on_tasks_that_end_on_worker_threads,
    a_panicking_task_hands_its_payload_to_the_joiner,
    into_panic_on_a_cancelled_task_panics_and_try_into_panic_gives_the_error_back,
    task_locals_are_per_task_across_interleaved_polls,
    task_locals_are_not_inherited_by_spawned_tasks_and_survive_panics,
    shutdown_timeout_lets_quick_tasks_finish_and_drops_stuck_ones_as_shut_down,
    shutdown_timeout_returns_as_soon_as_the_last_task_ends,
    shutdown_timeout_with_workers_drops_worker_tasks_as_shut_down,
);
