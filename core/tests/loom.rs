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
    BlockAction, Claim, ClaimAction, Claimant, CloseAction, CompleteAction, DetachAction,
    DispatchAction, Inbox, JoinCell, JoinPoll, JoinSlot, Lock, NotifyAction, ParkAction,
    PublishAction, PushAction, Release, Remote, ScheduleAction, SharedCancelAction,
    SharedDescriptor, Signal, StartPollAction, TaskFinishAction, TaskState, WorkCount,
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
        assert_eq!(
            desc.cancel(READ),
            SharedCancelAction::NotParked,
            "op left parked"
        );
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
        assert_eq!(
            desc.cancel(READ),
            SharedCancelAction::NotParked,
            "op left behind"
        );
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

/// The remote queue as the `rill` runtime builds it (`executor::Shared`), with the core's lock
/// in place of its `std::sync::Mutex`.
type RemoteQueue = Remote<Lock<Inbox<Vec<u32>>>>;

fn remote_queue() -> RemoteQueue {
    Remote::new(Lock::new(Inbox::new(Vec::new())))
}

/// (f) The remote queue handshake (`rill`: `Shared::push_wake` / `push_spawn`,
/// `Local::take_remote` and the block decision in `Local::block_on`): two threads push and
/// notify while the loop takes, decides to block, and blocks in the "OS".
/// Property: the loop never sleeps through a push (loom reports a deadlock otherwise), receives
/// each item exactly once, and at most one interrupt is sent per blocking wait.
#[test]
fn f_remote_pushes_race_take_and_block_never_lost() {
    loom::model(|| {
        let remote = Arc::new(remote_queue());
        let signal = Arc::new(Signal::new());
        let os_waker = Arc::new(Notify::new());
        let interrupts = Arc::new(AtomicUsize::new(0));

        let producers: Vec<_> = (1..=2)
            .map(|item| {
                let (remote, signal, os_waker, interrupts) = (
                    remote.clone(),
                    signal.clone(),
                    os_waker.clone(),
                    interrupts.clone(),
                );
                thread::spawn(move || match remote.push(&signal, item, Vec::push) {
                    PushAction::Interrupt => {
                        interrupts.fetch_add(1, Ordering::Relaxed);
                        os_waker.notify(); // eventfd write
                    }
                    PushAction::Coalesced => {}
                    PushAction::Refused(_) => panic!("never closed here"),
                })
            })
            .collect();

        // The loop: take remote work; block only if nothing was posted since.
        let mut received = Vec::new();
        let mut blocks = 0;
        while received.len() < 2 {
            if let Some(items) = remote.take(core::mem::take) {
                received.extend(items);
                continue;
            }
            match signal.prepare_to_block() {
                BlockAction::DontBlock => {}
                BlockAction::Block => {
                    blocks += 1;
                    os_waker.wait(); // epoll_wait with no timeout
                    let _ = signal.finish_block();
                }
            }
        }
        for p in producers {
            p.join().unwrap();
        }
        received.sort_unstable();
        assert_eq!(received, [1, 2], "an item lost or taken twice");
        assert!(
            interrupts.load(Ordering::Relaxed) <= blocks,
            "more interrupts than blocking waits"
        );
    });
}

/// (g) A task's state word (`rill`: `task::Header`, the waker): a wake from one thread and an
/// abort from another race the loop polling the task. The task finishes when it sees the event
/// the waker published, or when it is aborted.
/// Property: the task is never in the queue twice, no wake is lost (the task always ends),
/// it ends exactly once, a finished task is never polled, and queue entries left behind by
/// wakes during the last poll are exactly the one `finish` reported.
#[test]
fn g_task_wake_abort_and_poll_exactly_once() {
    loom::model(|| {
        let state = Arc::new(TaskState::new_scheduled());
        let queued = Arc::new(AtomicUsize::new(1)); // spawned: queued once
        let event = Arc::new(AtomicBool::new(false));
        let aborter_saw = Arc::new(AtomicUsize::new(0)); // 1 = recorded, 2 = too late

        let enqueue = |queued: &AtomicUsize| {
            assert_eq!(queued.fetch_add(1, Ordering::Relaxed), 0, "queued twice");
        };

        let waker = {
            let (state, queued, event) = (state.clone(), queued.clone(), event.clone());
            thread::spawn(move || {
                event.store(true, Ordering::Relaxed); // the readiness the task waits for
                match state.wake() {
                    ScheduleAction::Enqueue => enqueue(&queued),
                    ScheduleAction::AlreadyScheduled | ScheduleAction::Finished => {}
                }
            })
        };
        let aborter = {
            let (state, queued, aborter_saw) = (state.clone(), queued.clone(), aborter_saw.clone());
            thread::spawn(move || match state.abort() {
                ScheduleAction::Enqueue => {
                    aborter_saw.store(1, Ordering::Relaxed);
                    enqueue(&queued);
                }
                ScheduleAction::AlreadyScheduled => aborter_saw.store(1, Ordering::Relaxed),
                ScheduleAction::Finished => aborter_saw.store(2, Ordering::Relaxed),
            })
        };

        // The loop: pop, start_poll, poll, finish on Ready.
        let (mut completed, mut cancelled, mut stale, mut reported_stale) = (0, 0, 0, 0);
        let mut run = |queued: &AtomicUsize| {
            while queued
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok()
            {
                let ended = match state.start_poll() {
                    StartPollAction::Finished => {
                        stale += 1;
                        false
                    }
                    StartPollAction::Abort => {
                        cancelled += 1;
                        true
                    }
                    StartPollAction::Poll => {
                        assert_eq!(completed + cancelled, 0, "a finished task was polled");
                        if event.load(Ordering::Relaxed) {
                            completed += 1;
                            true
                        } else {
                            false // Pending
                        }
                    }
                };
                if ended {
                    match state.finish() {
                        TaskFinishAction::Finished { stale_entry } => {
                            reported_stale += usize::from(stale_entry)
                        }
                        TaskFinishAction::AlreadyFinished => panic!("finished twice"),
                    }
                }
            }
        };
        run(&queued);
        waker.join().unwrap();
        aborter.join().unwrap();
        run(&queued);

        assert_eq!(
            completed + cancelled,
            1,
            "the task did not end exactly once"
        );
        assert_eq!(stale, reported_stale, "a finished task was queued again");
        if aborter_saw.load(Ordering::Relaxed) == 2 {
            assert_eq!(
                completed, 1,
                "abort was too late, yet the task was cancelled"
            );
        }
    });
}

/// (g2) The task state alone (`rill`: the loop's per-poll `start_poll` and a waker's `wake`, one
/// `fetch_and` and one `fetch_or`): a wake that coalesces with the pending entry (the task is
/// still scheduled) must still publish its event to the poll that entry leads to. No aborter
/// here, so nothing else ends the task: a lost wake shows as a task that never completes.
#[test]
fn g2_coalesced_wake_is_seen_by_the_next_poll() {
    loom::model(|| {
        let state = Arc::new(TaskState::new_scheduled());
        let queued = Arc::new(AtomicUsize::new(1)); // spawned: queued once
        let event = Arc::new(AtomicBool::new(false));

        let waker = {
            let (state, queued, event) = (state.clone(), queued.clone(), event.clone());
            thread::spawn(move || {
                event.store(true, Ordering::Relaxed); // the readiness the task waits for
                if let ScheduleAction::Enqueue = state.wake() {
                    assert_eq!(queued.fetch_add(1, Ordering::Relaxed), 0, "queued twice");
                }
            })
        };

        let mut completed = 0;
        let mut run = |queued: &AtomicUsize| {
            while queued
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok()
            {
                if let StartPollAction::Poll = state.start_poll() {
                    if event.load(Ordering::Relaxed) {
                        completed += 1;
                        let _ = state.finish();
                    }
                }
            }
        };
        run(&queued);
        waker.join().unwrap();
        run(&queued);

        assert_eq!(
            completed, 1,
            "the wake was lost: the task never saw its event"
        );
    });
}

type Join = JoinCell<Lock<JoinSlot<u32, usize>>>;

/// (h) The join cell (`rill`: `task::JoinCell`, behind `JoinHandle`): the loop completes the
/// task (twice: the body's result, then a late guard's) while the joiner polls, waits to be
/// woken, and polls again.
/// Property: the joiner never sleeps through the completion (loom reports a deadlock
/// otherwise), gets the first result exactly once, is woken at most once and only with the
/// waker it registered, and the second completion is refused.
#[test]
fn h_join_complete_races_joiner_poll() {
    loom::model(|| {
        let cell = Arc::new(Join::new(Lock::new(JoinSlot::new())));
        let woken = Arc::new(Notify::new());
        let wakes = Arc::new(AtomicUsize::new(0));

        let task = {
            let (cell, woken, wakes) = (cell.clone(), woken.clone(), wakes.clone());
            thread::spawn(move || {
                match cell.complete(7) {
                    CompleteAction::Wake(waker) => {
                        assert_eq!(waker, 1, "woke a waker the joiner did not register");
                        wakes.fetch_add(1, Ordering::Relaxed);
                        woken.notify();
                    }
                    CompleteAction::Stored => {}
                    other => panic!("first completion not stored: {other:?}"),
                }
                assert_eq!(cell.complete(8), CompleteAction::Refused(8));
            })
        };

        // The joiner: poll; if pending, sleep until woken and poll again.
        let got = loop {
            match cell.poll(|_| 1) {
                JoinPoll::Ready(v) => break v,
                JoinPoll::Pending => woken.wait(),
                JoinPoll::Gone => panic!("result handed out twice"),
            }
        };
        task.join().unwrap();
        assert_eq!(got, 7, "not the first result");
        assert!(wakes.load(Ordering::Relaxed) <= 1, "joiner woken twice");
        assert_eq!(cell.poll(|_| 1), JoinPoll::Gone);
    });
}

/// (i) The join cell with a joiner that goes away (`rill`: `JoinHandle`'s `Drop`): the loop
/// completes the task while the joiner polls once and then detaches.
/// Property: the result is handed out exactly once (to the joiner's poll, to its detach, or
/// back to the task side to drop), and the waker the joiner registered is handed back exactly
/// once (woken by the completion, or returned to the detach).
#[test]
fn i_join_complete_races_joiner_drop() {
    loom::model(|| {
        let cell = Arc::new(Join::new(Lock::new(JoinSlot::new())));
        let results = Arc::new(AtomicUsize::new(0));
        let wakers_back = Arc::new(AtomicUsize::new(0));

        let task = {
            let (cell, results, wakers_back) = (cell.clone(), results.clone(), wakers_back.clone());
            thread::spawn(move || match cell.complete(7) {
                CompleteAction::Wake(_) => {
                    wakers_back.fetch_add(1, Ordering::Relaxed);
                }
                CompleteAction::Stored => {}
                CompleteAction::Discard(v) => {
                    assert_eq!(v, 7);
                    results.fetch_add(1, Ordering::Relaxed);
                }
                CompleteAction::Refused(_) => panic!("first completion refused"),
            })
        };

        let registered = match cell.poll(|_| 1) {
            JoinPoll::Ready(v) => {
                assert_eq!(v, 7);
                results.fetch_add(1, Ordering::Relaxed);
                false
            }
            JoinPoll::Pending => true,
            JoinPoll::Gone => panic!("nothing was handed out yet"),
        };
        match cell.detach() {
            DetachAction::Waiting(waker) => {
                wakers_back.fetch_add(usize::from(waker.is_some()), Ordering::Relaxed);
            }
            DetachAction::Discard(v) => {
                assert_eq!(v, 7);
                results.fetch_add(1, Ordering::Relaxed);
            }
            DetachAction::Nothing => {}
        }
        task.join().unwrap();
        assert_eq!(
            results.load(Ordering::Relaxed),
            1,
            "result not handed out once"
        );
        assert_eq!(
            wakers_back.load(Ordering::Relaxed),
            usize::from(registered),
            "registered waker not handed back once"
        );
    });
}

/// (j) Close races a push (`rill`: `Shared::close`, called by the loop's shutdown or its
/// thread's exit guard, against `push_spawn` from another thread), with the loop taking once
/// meanwhile.
/// Property: the item is accounted for exactly once: refused to the producer, taken by the
/// loop, or drained by the close; and once the close returned, a push is refused.
#[test]
fn j_close_races_push_every_item_accounted() {
    loom::model(|| {
        let remote = Arc::new(remote_queue());
        let signal = Arc::new(Signal::new());
        let accounted = Arc::new(AtomicUsize::new(0));

        let producer = {
            let (remote, signal, accounted) = (remote.clone(), signal.clone(), accounted.clone());
            thread::spawn(move || match remote.push(&signal, 1, Vec::push) {
                PushAction::Refused(item) => {
                    assert_eq!(item, 1);
                    accounted.fetch_add(1, Ordering::Relaxed);
                }
                PushAction::Interrupt | PushAction::Coalesced => {}
            })
        };
        let closer = {
            let (remote, accounted) = (remote.clone(), accounted.clone());
            thread::spawn(move || {
                let drained = remote.close(core::mem::take);
                accounted.fetch_add(drained.len(), Ordering::Relaxed);
                assert!(remote.is_closed());
            })
        };

        // The loop takes once while the others run; after the close it takes no more.
        if let Some(items) = remote.take(core::mem::take) {
            accounted.fetch_add(items.len(), Ordering::Relaxed);
        }
        producer.join().unwrap();
        closer.join().unwrap();

        assert_eq!(accounted.load(Ordering::Relaxed), 1, "item lost or doubled");
        assert_eq!(remote.push(&signal, 2, Vec::push), PushAction::Refused(2));
    });
}
