//! Executor behaviour of the std adapter: block_on, spawn / JoinHandle, abort, the cross-thread
//! Handle, shutdown. Backend-independent (runs on the platform default).

use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::task::Poll;

use rill::{Handle, Runtime};

#[test]
fn block_on_returns_the_output() {
    let rt = Runtime::new().unwrap();
    assert_eq!(rt.block_on(async { 40 + 2 }), 42);
}

#[test]
fn spawned_task_output_reaches_the_join_handle() {
    let rt = Runtime::new().unwrap();
    let out = rt.block_on(async {
        let h = rill::spawn(async { String::from("done") });
        h.await.unwrap()
    });
    assert_eq!(out, "done");
}

#[test]
fn non_send_tasks_run_and_share_state() {
    let rt = Runtime::new().unwrap();
    let counter = Rc::new(Cell::new(0));
    let c2 = counter.clone();
    rt.block_on(async move {
        let mut handles = Vec::new();
        for i in 0..100 {
            let c = c2.clone();
            handles.push(rill::spawn(async move {
                rill::yield_now().await;
                c.set(c.get() + i);
            }));
        }
        for h in handles {
            h.await.unwrap();
        }
    });
    assert_eq!(counter.get(), (0..100).sum::<i32>());
}

#[test]
fn runtime_spawn_before_block_on_runs_during_it() {
    let rt = Runtime::new().unwrap();
    let h = rt.spawn(async { 7 });
    assert_eq!(rt.block_on(h).unwrap(), 7);
    assert_eq!(rt.live_tasks(), 0);
}

#[test]
fn abort_drops_a_pending_task_and_reports_cancelled() {
    let rt = Runtime::new().unwrap();
    struct DropFlag(Rc<Cell<bool>>);
    impl Drop for DropFlag {
        fn drop(&mut self) {
            self.0.set(true);
        }
    }
    let dropped = Rc::new(Cell::new(false));
    let d = dropped.clone();
    let err = rt.block_on(async move {
        let h = rill::spawn(async move {
            let _flag = DropFlag(d);
            std::future::pending::<()>().await;
        });
        rill::yield_now().await;
        assert!(!h.is_finished());
        h.abort();
        h.await.unwrap_err()
    });
    assert!(err.is_cancelled());
    assert!(dropped.get());
}

#[test]
fn abort_after_completion_keeps_the_output() {
    let rt = Runtime::new().unwrap();
    let v = rt.block_on(async {
        let h = rill::spawn(async { 5 });
        while !h.is_finished() {
            rill::yield_now().await;
        }
        h.abort();
        h.await
    });
    assert_eq!(v.unwrap(), 5);
}

#[test]
fn panicking_task_yields_a_panic_error() {
    let rt = Runtime::new().unwrap();
    let err = rt.block_on(async {
        rill::spawn(async {
            if true {
                panic!("boom");
            }
        })
        .await
        .unwrap_err()
    });
    assert!(err.is_panic());
}

#[test]
fn handle_spawn_from_another_thread_runs_on_the_runtime() {
    let rt = Runtime::new().unwrap();
    let handle = rt.handle();
    let (tx, rx) = mpsc::channel();
    let out = rt.block_on(async move {
        let t = std::thread::spawn(move || {
            let h = handle.spawn(async { std::thread::current().id() });
            tx.send(()).unwrap();
            h
        });
        let h = t.join().unwrap();
        rx.recv().unwrap();
        h.await.unwrap()
    });
    assert_eq!(out, std::thread::current().id());
}

#[test]
fn waker_from_another_thread_wakes_a_blocked_runtime() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let mut sent = false;
        let (tx, rx) = mpsc::channel::<std::thread::JoinHandle<()>>();
        std::future::poll_fn(|cx| {
            if sent {
                if let Ok(t) = rx.try_recv() {
                    t.join().unwrap();
                    return Poll::Ready(());
                }
                return Poll::Pending;
            }
            sent = true;
            let waker = cx.waker().clone();
            let tx = tx.clone();
            let t = std::thread::spawn(move || {
                waker.wake();
            });
            // The wake may land before or after we return Pending: both must work.
            tx.send(t).unwrap();
            Poll::Pending
        })
        .await;
    });
}

#[test]
fn many_cross_thread_spawns_all_complete() {
    let rt = Runtime::new().unwrap();
    let handle = rt.handle();
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    let total = rt.block_on(async move {
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let handle = handle.clone();
                let c = c.clone();
                std::thread::spawn(move || {
                    (0..250)
                        .map(|i| {
                            let c = c.clone();
                            handle.spawn(async move {
                                c.fetch_add(1, Ordering::SeqCst);
                                i
                            })
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut total = 0;
        for t in threads {
            for h in t.join().unwrap() {
                total += h.await.unwrap();
            }
        }
        total
    });
    assert_eq!(count.load(Ordering::SeqCst), 1000);
    assert_eq!(total, 4 * (0..250).sum::<i32>());
}

#[test]
fn spawn_with_builds_a_non_send_future_on_the_runtime_thread() {
    let rt = Runtime::new().unwrap();
    let handle = rt.handle();
    let v = rt.block_on(async move {
        let h = std::thread::spawn(move || {
            handle.spawn_with(|| {
                let rc = Rc::new(3);
                async move { *rc * 2 }
            })
        })
        .join()
        .unwrap();
        h.await.unwrap()
    });
    assert_eq!(v, 6);
}

#[test]
fn handle_after_shutdown_is_a_clear_error() {
    let rt = Runtime::new().unwrap();
    let handle = rt.handle();
    let pending = rt.spawn(std::future::pending::<()>());
    drop(rt);
    assert!(handle.is_shutdown());
    let h = handle.spawn(async { 1 });
    assert!(h.is_finished());
    let rt2 = Runtime::new().unwrap();
    let err = rt2.block_on(h).unwrap_err();
    assert!(err.is_shutdown(), "{err}");
    let err = rt2.block_on(pending).unwrap_err();
    assert!(err.is_shutdown(), "{err}");
}

#[test]
fn nested_block_on_is_an_error_not_a_hang() {
    let rt = Runtime::new().unwrap();
    let rt2 = Runtime::new().unwrap();
    let r = rt.block_on(async { rt2.try_block_on(async { 1 }).map_err(|e| e.to_string()) });
    let msg = r.unwrap_err();
    assert!(msg.contains("already running"), "{msg}");
}

#[test]
fn spawn_outside_a_runtime_is_an_error() {
    let err = rill::try_spawn(async {}).unwrap_err();
    assert!(err.to_string().contains("no rill runtime"), "{err}");
    assert!(Handle::try_current().is_err());
}

#[test]
fn backend_names_parse() {
    assert_eq!(
        "epoll".parse::<rill::Backend>().unwrap(),
        rill::Backend::Epoll
    );
    assert_eq!(
        "SELECT".parse::<rill::Backend>().unwrap(),
        rill::Backend::Select
    );
    assert_eq!(
        "default".parse::<rill::Backend>().unwrap(),
        rill::Backend::platform_default()
    );
    let e = "iocp".parse::<rill::Backend>().unwrap_err();
    assert!(e.to_string().contains("iocp"));
}

#[test]
fn timer_table_grows_past_its_initial_capacity() {
    let rt = Runtime::builder().timer_capacity(4).build().unwrap();
    let fired = rt.block_on(async {
        let start = std::time::Instant::now();
        let hs: Vec<_> = (0..100u64)
            .map(|i| {
                rill::spawn(async move {
                    let deadline = start
                        + std::time::Duration::from_millis(20)
                        + std::time::Duration::from_micros(100 * (i % 17));
                    rill::sleep_until(deadline).await;
                    assert!(std::time::Instant::now() >= deadline);
                })
            })
            .collect();
        let n = hs.len();
        for h in hs {
            h.await.unwrap();
        }
        n
    });
    assert_eq!(fired, 100);
}
