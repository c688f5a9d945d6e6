//! Loom models of rill-core's shared pieces (`rill_core::sync`), one test per property.
//!
//! Run with:
//!
//! ```text
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 \
//!     cargo test -p rill-core --features sync --test loom --release
//! ```
//!
//! Each model checks its property at the end of every explored execution. `docs/LOOM.md` lists,
//! per model, the deliberate break that was tried and loom's failure on it.
#![cfg(all(loom, feature = "sync"))]

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::sync::{Arc, Notify};
use loom::thread;
use rill_core::sync::{
    BlockAction, CancelAction, Claim, ClaimAction, Claimant, CloseAction, DispatchAction,
    NotifyAction, ParkAction, PublishAction, Release, SharedDescriptor, Signal, WorkCount,
};
use rill_core::{Direction, Readiness};

const READ: Direction = Direction::Read;
const OP: u32 = 7;

/// A ready queue that holds at most the one descriptor these models use: a count of pushes not
/// yet popped, plus the total ever pushed.
#[derive(Default)]
struct Queue {
    pending: AtomicUsize,
    pushes: AtomicUsize,
}

impl Queue {
    fn push(&self) {
        self.pushes.fetch_add(1, Ordering::Relaxed);
        self.pending.fetch_add(1, Ordering::Release);
    }
    fn pop(&self) -> bool {
        self.pending
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .is_ok()
    }
}

/// Runs every op a dispatch hands out, counting completions.
fn run_dispatch(desc: &SharedDescriptor<u32>, completions: &AtomicUsize) {
    if let DispatchAction::Run(ops) = desc.dispatch() {
        for op in ops.into_iter().flatten() {
            assert_eq!(op, OP);
            completions.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// (a) H1: the reactor publishes readiness while the worker, having got EAGAIN, parks.
/// Property: the op completes exactly once (never lost, never twice) and the descriptor is
/// queued at most once.
#[test]
fn a_publish_races_park_never_loses_the_op() {
    loom::model(|| {
        let desc = Arc::new(SharedDescriptor::<u32>::new());
        let queue = Arc::new(Queue::default());
        let completions = Arc::new(AtomicUsize::new(0));

        let reactor = {
            let (desc, queue) = (desc.clone(), queue.clone());
            thread::spawn(move || match desc.publish(Readiness::READABLE) {
                PublishAction::Enqueue => queue.push(),
                PublishAction::AlreadyQueued | PublishAction::Recorded => {}
                PublishAction::Closed => panic!("never closed here"),
            })
        };

        // Worker: EAGAIN, then park; afterwards act as the executor loop once.
        match desc.park(READ, OP) {
            ParkAction::RetryNow(op) => {
                assert_eq!(op, OP);
                completions.fetch_add(1, Ordering::Relaxed);
            }
            ParkAction::Parked => {}
            other => panic!("unexpected {other:?}"),
        }
        if queue.pop() {
            run_dispatch(&desc, &completions);
        }

        reactor.join().unwrap();
        while queue.pop() {
            run_dispatch(&desc, &completions);
        }
        assert_eq!(completions.load(Ordering::Relaxed), 1, "op lost or doubled");
        assert!(queue.pushes.load(Ordering::Relaxed) <= 1, "enqueued twice");
        assert_eq!(desc.cancel(READ), CancelAction::NotParked, "op left parked");
    });
}

/// (b) H2: a cancel from another thread races the completion that readiness triggers.
/// Property: exactly one completion is delivered, and no op is left in the descriptor.
#[test]
fn b_cancel_races_completion_exactly_one() {
    loom::model(|| {
        let desc = Arc::new(SharedDescriptor::<u32>::new());
        let claim = Arc::new(Claim::new());
        let delivered = Arc::new(AtomicUsize::new(0));
        let result = Arc::new(AtomicUsize::new(0));
        assert_eq!(desc.park(READ, OP), ParkAction::Parked);

        // Reactor thread: readiness arrives; it dispatches the descriptor itself and runs the op.
        let reactor = {
            let (desc, claim, delivered, result) = (
                desc.clone(),
                claim.clone(),
                delivered.clone(),
                result.clone(),
            );
            thread::spawn(move || {
                if desc.publish(Readiness::READABLE) != PublishAction::Enqueue {
                    return;
                }
                if let DispatchAction::Run([Some(op), None]) = desc.dispatch() {
                    if claim.winner().is_some() {
                        return; // cancelled before the retry: perform no I/O (H3)
                    }
                    result.store(op as usize, Ordering::Relaxed); // "the bytes read"
                    if claim.try_claim(Claimant::Completion) == ClaimAction::Won {
                        delivered.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        };

        // Owner thread: cancel.
        let canceller = {
            let (desc, claim, delivered, result) = (
                desc.clone(),
                claim.clone(),
                delivered.clone(),
                result.clone(),
            );
            thread::spawn(move || match claim.try_claim(Claimant::Cancel) {
                ClaimAction::Won => {
                    let _ = desc.cancel(READ); // take it out if it is still parked / runnable
                    delivered.fetch_add(1, Ordering::Relaxed);
                }
                ClaimAction::Lost(Claimant::Completion) => {
                    // The completion won: its result must be visible to us.
                    assert_eq!(result.load(Ordering::Relaxed), OP as usize);
                }
                ClaimAction::Lost(other) => panic!("unexpected winner {other:?}"),
            })
        };

        reactor.join().unwrap();
        canceller.join().unwrap();
        assert_eq!(delivered.load(Ordering::Relaxed), 1, "completions != 1");
        assert_eq!(desc.cancel(READ), CancelAction::NotParked, "op left behind");
    });
}

/// (c) H15: close races a descriptor the reactor just enqueued.
/// Property: the op completes exactly once (aborted or run, never both), the slot is freed
/// exactly once, and nobody dispatches the descriptor after its slot was freed.
#[test]
fn c_close_races_enqueued_descriptor_no_use_after_free() {
    loom::model(|| {
        let desc = Arc::new(SharedDescriptor::<u32>::new());
        let queue = Arc::new(Queue::default());
        let completions = Arc::new(AtomicUsize::new(0));
        let freed = Arc::new(AtomicBool::new(false));
        let frees = Arc::new(AtomicUsize::new(0));
        assert_eq!(desc.park(READ, OP), ParkAction::Parked);

        let free = |freed: &AtomicBool, frees: &AtomicUsize| {
            freed.store(true, Ordering::Release);
            frees.fetch_add(1, Ordering::Relaxed);
        };
        // The executor loop: pop, check the slot is still live, dispatch.
        let pop_and_dispatch = |desc: &SharedDescriptor<u32>,
                                queue: &Queue,
                                completions: &AtomicUsize,
                                freed: &AtomicBool,
                                frees: &AtomicUsize| {
            if queue.pop() {
                assert!(!freed.load(Ordering::Acquire), "dispatch of a freed slot");
                match desc.dispatch() {
                    DispatchAction::Run(ops) => {
                        for _ in ops.into_iter().flatten() {
                            completions.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    DispatchAction::Release => free(freed, frees),
                    DispatchAction::NotQueued => panic!("popped but not queued"),
                }
            }
        };

        let reactor = {
            let (desc, queue) = (desc.clone(), queue.clone());
            thread::spawn(move || {
                if desc.publish(Readiness::READABLE) == PublishAction::Enqueue {
                    queue.push();
                }
            })
        };

        let closer = {
            let (desc, completions, freed, frees) = (
                desc.clone(),
                completions.clone(),
                freed.clone(),
                frees.clone(),
            );
            thread::spawn(move || {
                if let CloseAction::Closed { aborted, release } = desc.close() {
                    for _ in aborted.into_iter().flatten() {
                        completions.fetch_add(1, Ordering::Relaxed); // complete as aborted
                    }
                    if release == Release::Now {
                        free(&freed, &frees);
                    }
                }
            })
        };

        pop_and_dispatch(&desc, &queue, &completions, &freed, &frees);
        reactor.join().unwrap();
        closer.join().unwrap();
        pop_and_dispatch(&desc, &queue, &completions, &freed, &frees);

        assert_eq!(
            completions.load(Ordering::Relaxed),
            1,
            "op completions != 1"
        );
        assert_eq!(frees.load(Ordering::Relaxed), 1, "slot frees != 1");
    });
}

/// (d) H11: notifies race the poller deciding to block.
/// Property: the poller never sleeps through a notify (loom reports a deadlock if the OS wait is
/// never interrupted), it sees both notifiers' work, and at most one interrupt is sent per block.
#[test]
fn d_notify_races_block_never_lost_and_coalesced() {
    loom::model(|| {
        let signal = Arc::new(Signal::new());
        let os_waker = Arc::new(Notify::new());
        let work = Arc::new(AtomicUsize::new(0));
        let interrupts = Arc::new(AtomicUsize::new(0));

        let notifiers: Vec<_> = (0..2)
            .map(|_| {
                let (signal, os_waker, work, interrupts) = (
                    signal.clone(),
                    os_waker.clone(),
                    work.clone(),
                    interrupts.clone(),
                );
                thread::spawn(move || {
                    work.fetch_add(1, Ordering::Relaxed); // post a handler
                    if signal.notify() == NotifyAction::Interrupt {
                        interrupts.fetch_add(1, Ordering::Relaxed);
                        os_waker.notify(); // eventfd write
                    }
                })
            })
            .collect();

        // The poller: look for work, otherwise block in the "OS".
        let mut blocks = 0;
        while work.load(Ordering::Relaxed) < 2 {
            match signal.prepare_to_block() {
                BlockAction::DontBlock => {}
                BlockAction::Block => {
                    blocks += 1;
                    os_waker.wait(); // epoll_wait with no timeout
                    let _ = signal.finish_block();
                }
            }
        }
        for n in notifiers {
            n.join().unwrap();
        }
        assert!(
            interrupts.load(Ordering::Relaxed) <= blocks,
            "more interrupts than blocking waits: notifies did not coalesce"
        );
    });
}

/// (e) Work finishing on several threads: the drop to zero is seen exactly once, and the thread
/// that sees it sees every other thread's finished work.
#[test]
fn e_work_finishing_on_threads_stops_once() {
    loom::model(|| {
        let count = Arc::new(WorkCount::new());
        let stops = Arc::new(AtomicUsize::new(0));
        let done = Arc::new([AtomicBool::new(false), AtomicBool::new(false)]);
        for _ in 0..3 {
            count.started();
        }

        let finish = |count: &WorkCount, stops: &AtomicUsize, done: &[AtomicBool; 2]| {
            if count.finished() {
                stops.fetch_add(1, Ordering::Relaxed);
                for d in done {
                    assert!(d.load(Ordering::Relaxed), "stopper missed finished work");
                }
            }
        };

        let workers: Vec<_> = (0..2)
            .map(|i| {
                let (count, stops, done) = (count.clone(), stops.clone(), done.clone());
                thread::spawn(move || {
                    done[i].store(true, Ordering::Relaxed); // the work's effect
                    finish(&count, &stops, &done);
                })
            })
            .collect();

        // The main thread's own piece of work, with no effect of its own.
        finish(&count, &stops, &done);
        for w in workers {
            w.join().unwrap();
        }
        assert_eq!(stops.load(Ordering::Relaxed), 1, "stop count != 1");
        assert_eq!(count.outstanding(), 0);
    });
}
