use super::*;

extern crate alloc;

use alloc::format;

use crate::timer::{TimerSlot, Timers};

fn input(ready_items: bool, next_timer: Option<Ticks>, now: Ticks) -> StepInput {
    StepInput {
        ready_items,
        next_timer,
        now,
    }
}

/// A running scheduler with `n` units of outstanding work.
fn with_work(n: usize) -> Scheduler {
    let mut s = Scheduler::new();
    for _ in 0..n {
        s.work_started().unwrap();
    }
    s
}

const ALL_MODES: [RunMode; 4] = [
    RunMode::Run,
    RunMode::RunOne,
    RunMode::Poll,
    RunMode::PollOne,
];

// --- Scheduler: work count, stop, restart ---

#[test]
fn new_scheduler_is_running_without_work() {
    let s = Scheduler::new();
    assert_eq!(s.state(), SchedulerState::Running);
    assert!(!s.is_stopped());
    assert_eq!(s.outstanding(), 0);
    assert_eq!(s.poll_interval(), DEFAULT_POLL_INTERVAL);
    assert_eq!(DEFAULT_POLL_INTERVAL, 61);
    assert_eq!(Scheduler::default(), s);
}

#[test]
fn work_started_and_finished_count() {
    let mut s = with_work(3);
    assert_eq!(s.outstanding(), 3);
    assert_eq!(s.work_finished(), Ok(WorkFinished::Continue));
    assert_eq!(s.outstanding(), 2);
    s.work_started().unwrap();
    assert_eq!(s.outstanding(), 3);
    assert!(!s.is_stopped());
}

#[test]
fn work_reaching_zero_stops_exactly_once() {
    let mut s = with_work(2);
    assert_eq!(s.work_finished(), Ok(WorkFinished::Continue));
    assert_eq!(s.work_finished(), Ok(WorkFinished::Stopped));
    assert_eq!(s.state(), SchedulerState::Stopped(StopCause::OutOfWork));
    // More work while stopped does not restart it, and running out again is not a second stop.
    s.work_started().unwrap();
    assert!(s.is_stopped());
    assert_eq!(s.work_finished(), Ok(WorkFinished::Continue));
    assert_eq!(s.state(), SchedulerState::Stopped(StopCause::OutOfWork));
    // After a restart, running out of work stops it again (once).
    assert_eq!(s.restart(), RestartOutcome::Restarted);
    s.work_started().unwrap();
    assert_eq!(s.work_finished(), Ok(WorkFinished::Stopped));
}

#[test]
fn work_finished_at_zero_is_an_error() {
    let mut s = Scheduler::new();
    assert_eq!(s.work_finished(), Err(WorkError::NoOutstandingWork));
    assert_eq!(s.outstanding(), 0);
    assert!(!s.is_stopped(), "a refused call changes nothing");
    let mut s = with_work(1);
    assert_eq!(s.work_finished(), Ok(WorkFinished::Stopped));
    assert_eq!(s.work_finished(), Err(WorkError::NoOutstandingWork));
    assert_eq!(s.outstanding(), 0);
}

#[test]
fn work_started_overflow_is_an_error() {
    let mut s = Scheduler::new();
    s.outstanding = usize::MAX;
    assert_eq!(s.work_started(), Err(WorkError::Overflow));
    assert_eq!(s.outstanding(), usize::MAX);
}

#[test]
fn work_running_out_while_stop_requested_keeps_the_cause() {
    let mut s = with_work(1);
    assert_eq!(s.stop(), StopOutcome::Stopped);
    assert_eq!(s.work_finished(), Ok(WorkFinished::Continue));
    assert_eq!(s.state(), SchedulerState::Stopped(StopCause::Requested));
}

#[test]
fn stop_reports_once() {
    let mut s = with_work(1);
    assert_eq!(s.stop(), StopOutcome::Stopped);
    assert_eq!(s.state(), SchedulerState::Stopped(StopCause::Requested));
    assert_eq!(s.stop(), StopOutcome::AlreadyStopped);
    assert_eq!(s.outstanding(), 1, "stop keeps the work count");
}

#[test]
fn restart_when_stopped_and_when_running() {
    let mut s = with_work(1);
    assert_eq!(s.restart(), RestartOutcome::AlreadyRunning);
    assert_eq!(s.state(), SchedulerState::Running);
    let _ = s.stop();
    assert_eq!(s.restart(), RestartOutcome::Restarted);
    assert_eq!(s.state(), SchedulerState::Running);
    assert_eq!(s.outstanding(), 1);
}

#[test]
fn poll_interval_zero_is_one() {
    assert_eq!(Scheduler::with_poll_interval(0).poll_interval(), 1);
    assert_eq!(Scheduler::with_poll_interval(5).poll_interval(), 5);
}

#[test]
fn events_per_poll_is_half_the_interval_and_at_least_one() {
    assert_eq!(Scheduler::new().events_per_poll(), DEFAULT_EVENTS_PER_POLL);
    assert_eq!(DEFAULT_EVENTS_PER_POLL, DEFAULT_POLL_INTERVAL / 2);
    assert_eq!(Scheduler::with_poll_interval(1).events_per_poll(), 1);
    assert_eq!(Scheduler::with_poll_interval(2).events_per_poll(), 1);
    assert_eq!(Scheduler::with_poll_interval(9).events_per_poll(), 4);
}

/// The longest the ready queue gets when each OS poll takes up to `per_poll` of `sources`
/// ready descriptors, and each handler makes one descriptor ready again at once (a ping-pong
/// peer): the loop's own `Run` decides every step.
fn longest_ready_queue(scheduler: &Scheduler, per_poll: usize, sources: usize) -> usize {
    let mut run = Run::new(RunMode::Run, None);
    let (mut in_os, mut queued, mut longest) = (sources, 0usize, 0usize);
    for _ in 0..20_000 {
        match run.next_step(scheduler, input(queued > 0, None, 0)) {
            Step::RunReady => {
                queued -= 1;
                in_os += 1;
                run.handled().unwrap();
            }
            Step::PollOs { .. } => {
                let taken = per_poll.min(in_os);
                in_os -= taken;
                queued += taken;
            }
            other => panic!("unexpected step {other:?}"),
        }
        longest = longest.max(queued);
    }
    longest
}

/// Rule 8: polls that take `events_per_poll` events keep the ready queue at one poll's worth
/// however many descriptors are ready; polls that take more than the handlers run between two
/// polls let it grow until it holds nearly all of them.
#[test]
fn polls_of_events_per_poll_keep_the_ready_queue_short() {
    let s = with_work(1);
    let per_poll = s.events_per_poll() as usize;
    assert_eq!(longest_ready_queue(&s, per_poll, 1000), per_poll);
    let over = s.poll_interval() as usize + 3;
    let longest = longest_ready_queue(&s, over, 1000);
    assert!(
        longest > 900,
        "{over} events per poll: the queue held at most {longest}"
    );
}

// --- Run: the step decision ---

#[test]
fn run_runs_ready_work() {
    let s = with_work(1);
    let mut run = Run::new(RunMode::Run, None);
    assert_eq!(run.phase(), RunPhase::Deciding);
    assert_eq!(run.next_step(&s, input(true, None, 0)), Step::RunReady);
    assert_eq!(run.phase(), RunPhase::Dispatching);
    run.handled().unwrap();
    assert_eq!(run.phase(), RunPhase::Deciding);
    assert_eq!(run.next_step(&s, input(true, None, 0)), Step::RunReady);
    run.handled().unwrap();
    assert_eq!(run.handled_count(), 2);
    assert_eq!(run.finished(), None);
}

#[test]
fn run_without_ready_work_blocks_without_limit() {
    let s = with_work(1);
    let mut run = Run::new(RunMode::Run, None);
    assert_eq!(
        run.next_step(&s, input(false, None, 0)),
        Step::PollOs { timeout: None }
    );
    assert_eq!(run.phase(), RunPhase::Polled);
    // The poll brought readiness: run it.
    assert_eq!(run.next_step(&s, input(true, None, 5)), Step::RunReady);
}

#[test]
fn blocking_timeout_is_min_of_timer_and_deadline() {
    let s = with_work(1);
    let now = 100;
    // Only a timer.
    let mut run = Run::new(RunMode::Run, None);
    assert_eq!(
        run.next_step(&s, input(false, Some(130), now)),
        Step::PollOs { timeout: Some(30) }
    );
    // Only a deadline.
    let mut run = Run::new(RunMode::Run, Some(150));
    assert_eq!(
        run.next_step(&s, input(false, None, now)),
        Step::PollOs { timeout: Some(50) }
    );
    // Timer first.
    let mut run = Run::new(RunMode::RunOne, Some(150));
    assert_eq!(
        run.next_step(&s, input(false, Some(120), now)),
        Step::PollOs { timeout: Some(20) }
    );
    // Deadline first.
    let mut run = Run::for_ticks(RunMode::Run, now, 10);
    assert_eq!(run.deadline(), Some(110));
    assert_eq!(
        run.next_step(&s, input(false, Some(120), now)),
        Step::PollOs { timeout: Some(10) }
    );
    // A due timer: poll without blocking so the expiry pass runs.
    let mut run = Run::new(RunMode::Run, Some(150));
    assert_eq!(
        run.next_step(&s, input(false, Some(90), now)),
        Step::PollOs { timeout: Some(0) }
    );
}

#[test]
fn run_one_stops_after_one() {
    let s = with_work(5);
    let mut run = Run::new(RunMode::RunOne, None);
    // Nothing ready yet: run_one blocks like run.
    assert_eq!(
        run.next_step(&s, input(false, Some(50), 0)),
        Step::PollOs { timeout: Some(50) }
    );
    assert_eq!(run.next_step(&s, input(true, None, 50)), Step::RunReady);
    run.handled().unwrap();
    assert_eq!(
        run.next_step(&s, input(true, None, 50)),
        Step::Finished(Reason::OneHandled)
    );
    assert_eq!(run.finished(), Some(Reason::OneHandled));
    assert_eq!(run.handled_count(), 1);
}

#[test]
fn run_one_handler_that_stops_still_reports_one_handled() {
    let mut s = with_work(5);
    let mut run = Run::new(RunMode::RunOne, None);
    assert_eq!(run.next_step(&s, input(true, None, 0)), Step::RunReady);
    let _ = s.stop(); // the handler stops the scheduler
    run.handled().unwrap();
    assert_eq!(
        run.next_step(&s, input(true, None, 0)),
        Step::Finished(Reason::OneHandled)
    );
    assert!(s.is_stopped());
}

#[test]
fn poll_never_blocks() {
    let s = with_work(1);
    for deadline in [None, Some(1_000)] {
        for timer in [None, Some(500)] {
            let mut run = Run::new(RunMode::Poll, deadline);
            let step = run.next_step(&s, input(false, timer, 0));
            assert_eq!(
                step,
                Step::PollOs { timeout: Some(0) },
                "{deadline:?} {timer:?}"
            );
            assert_eq!(
                run.next_step(&s, input(false, timer, 0)),
                Step::Finished(Reason::NoReadyWork)
            );
            let mut run = Run::new(RunMode::PollOne, deadline);
            assert_eq!(
                run.next_step(&s, input(false, timer, 0)),
                Step::PollOs { timeout: Some(0) }
            );
            assert_eq!(
                run.next_step(&s, input(false, timer, 0)),
                Step::Finished(Reason::NoReadyWork)
            );
        }
    }
}

#[test]
fn poll_runs_everything_ready_then_polls_once_and_returns() {
    let s = with_work(1);
    let mut run = Run::new(RunMode::Poll, None);
    for _ in 0..3 {
        assert_eq!(run.next_step(&s, input(true, None, 0)), Step::RunReady);
        run.handled().unwrap();
    }
    // Queue drained: one non-blocking poll.
    assert_eq!(
        run.next_step(&s, input(false, None, 0)),
        Step::PollOs { timeout: Some(0) }
    );
    // It brought one more handler.
    assert_eq!(run.next_step(&s, input(true, None, 0)), Step::RunReady);
    run.handled().unwrap();
    // Drained again: poll again; nothing new, so return.
    assert_eq!(
        run.next_step(&s, input(false, None, 0)),
        Step::PollOs { timeout: Some(0) }
    );
    assert_eq!(
        run.next_step(&s, input(false, None, 0)),
        Step::Finished(Reason::NoReadyWork)
    );
    assert_eq!(run.handled_count(), 4);
}

#[test]
fn poll_one_stops_after_one() {
    let s = with_work(3);
    let mut run = Run::new(RunMode::PollOne, None);
    assert_eq!(run.next_step(&s, input(true, None, 0)), Step::RunReady);
    run.handled().unwrap();
    assert_eq!(
        run.next_step(&s, input(true, None, 0)),
        Step::Finished(Reason::OneHandled)
    );
}

#[test]
fn stop_during_run_finishes_next_step() {
    let mut s = with_work(3);
    let mut run = Run::new(RunMode::Run, None);
    assert_eq!(run.next_step(&s, input(true, None, 0)), Step::RunReady);
    assert_eq!(s.stop(), StopOutcome::Stopped);
    run.handled().unwrap();
    assert_eq!(
        run.next_step(&s, input(true, None, 0)),
        Step::Finished(Reason::Stopped)
    );
    // While blocked: the driver woke the poller after `StopOutcome::Stopped`.
    let mut s = with_work(3);
    let mut run = Run::new(RunMode::Run, None);
    assert_eq!(
        run.next_step(&s, input(false, None, 0)),
        Step::PollOs { timeout: None }
    );
    let _ = s.stop();
    assert_eq!(
        run.next_step(&s, input(false, None, 0)),
        Step::Finished(Reason::Stopped)
    );
}

#[test]
fn last_work_finishing_ends_the_run_out_of_work() {
    let mut s = with_work(1);
    let mut run = Run::new(RunMode::Run, None);
    assert_eq!(run.next_step(&s, input(true, None, 0)), Step::RunReady);
    assert_eq!(s.work_finished(), Ok(WorkFinished::Stopped));
    run.handled().unwrap();
    assert_eq!(
        run.next_step(&s, input(false, None, 0)),
        Step::Finished(Reason::OutOfWork)
    );
    // The scheduler stopped itself: a new run returns at once until restarted.
    s.work_started().unwrap();
    let mut again = Run::new(RunMode::Run, None);
    assert_eq!(
        again.next_step(&s, input(true, None, 0)),
        Step::Finished(Reason::OutOfWork)
    );
    let _ = s.restart();
    let mut again = Run::new(RunMode::Run, None);
    assert_eq!(again.next_step(&s, input(true, None, 0)), Step::RunReady);
}

#[test]
fn run_without_work_returns_at_once_without_stopping() {
    let s = Scheduler::new();
    for mode in ALL_MODES {
        let mut run = Run::new(mode, None);
        assert_eq!(
            run.next_step(&s, input(false, Some(10), 0)),
            Step::Finished(Reason::OutOfWork),
            "{mode}"
        );
    }
    assert!(!s.is_stopped());
}

#[test]
fn deadline_passing_mid_run_finishes() {
    let s = with_work(1);
    let mut run = Run::new(RunMode::Run, Some(100));
    assert_eq!(run.next_step(&s, input(true, None, 10)), Step::RunReady);
    run.handled().unwrap();
    assert_eq!(
        run.next_step(&s, input(false, None, 60)),
        Step::PollOs { timeout: Some(40) }
    );
    // The wait timed out at the deadline.
    assert_eq!(
        run.next_step(&s, input(true, None, 100)),
        Step::Finished(Reason::DeadlineElapsed)
    );
    assert_eq!(run.handled_count(), 1);
}

#[test]
fn h18_elapsed_deadline_stops_at_once() {
    let s = with_work(10);
    for mode in ALL_MODES {
        for (deadline, now) in [(50, 50), (50, 51), (0, u64::MAX)] {
            let mut run = Run::new(mode, Some(deadline));
            // Ready work and a due timer are waiting: neither runs, nothing blocks.
            assert_eq!(
                run.next_step(&s, input(true, Some(0), now)),
                Step::Finished(Reason::DeadlineElapsed),
                "{mode} deadline {deadline} now {now}"
            );
            assert_eq!(run.handled_count(), 0);
            assert_eq!(run.handled(), Err(HandledError::NoRunReady));
        }
        // run_for(0).
        let mut run = Run::for_ticks(mode, 7, 0);
        assert_eq!(
            run.next_step(&s, input(true, None, 7)),
            Step::Finished(Reason::DeadlineElapsed)
        );
    }
    // A deadline saturates at the top of the range instead of wrapping into the past.
    let mut run = Run::for_ticks(RunMode::Run, u64::MAX - 1, 10);
    assert_eq!(run.deadline(), Some(u64::MAX));
    assert_eq!(
        run.next_step(&s, input(true, None, u64::MAX - 1)),
        Step::RunReady
    );
}

#[test]
fn h18_stop_then_restart_runs_again() {
    let mut s = with_work(2);
    assert_eq!(s.stop(), StopOutcome::Stopped);
    for mode in ALL_MODES {
        let mut run = Run::new(mode, None);
        assert_eq!(
            run.next_step(&s, input(true, None, 0)),
            Step::Finished(Reason::Stopped),
            "{mode} on a stopped scheduler"
        );
        assert_eq!(run.handled_count(), 0);
    }
    assert_eq!(s.restart(), RestartOutcome::Restarted);
    let mut run = Run::new(RunMode::Run, None);
    assert_eq!(run.next_step(&s, input(true, None, 0)), Step::RunReady);
    run.handled().unwrap();
    assert_eq!(
        run.next_step(&s, input(false, None, 0)),
        Step::PollOs { timeout: None }
    );
    // Stop wins over an elapsed deadline: the caller must restart either way.
    let _ = s.stop();
    let mut run = Run::new(RunMode::Run, Some(0));
    assert_eq!(
        run.next_step(&s, input(true, None, 5)),
        Step::Finished(Reason::Stopped)
    );
}

#[test]
fn io_fairness_interval_polls_without_blocking() {
    let s = {
        let mut s = Scheduler::with_poll_interval(3);
        s.work_started().unwrap();
        s
    };
    let mut run = Run::new(RunMode::Run, None);
    let mut trace = [Step::RunReady; 12];
    for slot in trace.iter_mut() {
        // The queue never drains.
        *slot = run.next_step(&s, input(true, Some(1_000), 0));
        if *slot == Step::RunReady {
            run.handled().unwrap();
        }
    }
    let poll = Step::PollOs { timeout: Some(0) };
    let ready = Step::RunReady;
    assert_eq!(
        trace,
        [ready, ready, ready, poll, ready, ready, ready, poll, ready, ready, ready, poll]
    );
    assert_eq!(run.handled_count(), 9);
}

#[test]
fn io_fairness_default_interval_is_61() {
    let s = with_work(1);
    let mut run = Run::new(RunMode::Run, None);
    for _ in 0..DEFAULT_POLL_INTERVAL {
        assert_eq!(run.next_step(&s, input(true, None, 0)), Step::RunReady);
        run.handled().unwrap();
    }
    assert_eq!(
        run.next_step(&s, input(true, None, 0)),
        Step::PollOs { timeout: Some(0) }
    );
    assert_eq!(run.next_step(&s, input(true, None, 0)), Step::RunReady);
}

#[test]
fn any_os_poll_restarts_the_fairness_interval() {
    let s = {
        let mut s = Scheduler::with_poll_interval(2);
        s.work_started().unwrap();
        s
    };
    let mut run = Run::new(RunMode::Run, None);
    assert_eq!(run.next_step(&s, input(true, None, 0)), Step::RunReady);
    run.handled().unwrap();
    // The queue drains and the run blocks: that poll counts.
    assert_eq!(
        run.next_step(&s, input(false, None, 0)),
        Step::PollOs { timeout: None }
    );
    assert_eq!(run.next_step(&s, input(true, None, 0)), Step::RunReady);
    run.handled().unwrap();
    assert_eq!(run.next_step(&s, input(true, None, 0)), Step::RunReady);
    run.handled().unwrap();
    assert_eq!(
        run.next_step(&s, input(true, None, 0)),
        Step::PollOs { timeout: Some(0) }
    );
}

#[test]
fn handled_without_run_ready_is_an_error() {
    let s = with_work(1);
    let mut run = Run::new(RunMode::Run, None);
    assert_eq!(run.handled(), Err(HandledError::NoRunReady), "at the start");
    assert_eq!(run.next_step(&s, input(true, None, 0)), Step::RunReady);
    run.handled().unwrap();
    assert_eq!(
        run.handled(),
        Err(HandledError::NoRunReady),
        "counted twice"
    );
    let _ = run.next_step(&s, input(false, None, 0));
    assert_eq!(run.handled(), Err(HandledError::NoRunReady), "after a poll");
    assert_eq!(run.handled_count(), 1);
}

#[test]
fn run_ready_with_an_empty_queue_just_asks_again() {
    let s = with_work(1);
    let mut run = Run::new(RunMode::RunOne, None);
    assert_eq!(run.next_step(&s, input(true, None, 0)), Step::RunReady);
    // Another thread took the handler: the driver asks for the next step without `handled`.
    assert_eq!(
        run.next_step(&s, input(false, None, 0)),
        Step::PollOs { timeout: None }
    );
    assert_eq!(run.handled_count(), 0);
}

#[test]
fn finished_is_sticky() {
    let mut s = with_work(1);
    let _ = s.stop();
    let mut run = Run::new(RunMode::Run, None);
    assert_eq!(
        run.next_step(&s, input(true, None, 0)),
        Step::Finished(Reason::Stopped)
    );
    let _ = s.restart();
    assert_eq!(
        run.next_step(&s, input(true, None, 0)),
        Step::Finished(Reason::Stopped),
        "a finished run stays finished; a new run proceeds"
    );
    assert_eq!(run.phase(), RunPhase::Finished(Reason::Stopped));
}

/// A whole run driven against a real timer table: two timers, each a unit of work whose
/// handler finishes it; the run blocks exactly until each deadline and ends out of work. With
/// rule 7 on, each of those blocking waits comes after one probe and one yield.
#[test]
fn driver_loop_with_timers_runs_to_completion() {
    for yield_first in [false, true] {
        let mut timers = Timers::new([TimerSlot::VACANT; 4]);
        let mut s = Scheduler::new().with_yield_before_block(yield_first);
        for deadline in [30, 10] {
            let _ = timers.add(deadline).unwrap();
            s.work_started().unwrap();
        }
        let mut queue = 0u32; // expired timer handlers waiting to run
        let mut now = 0;
        let mut waits = [None; 2];
        let (mut wait_count, mut probes, mut yields) = (0, 0, 0);
        let mut run = Run::new(RunMode::Run, None);
        let reason = loop {
            let step = run.next_step(&s, input(queue > 0, timers.next_deadline(), now));
            match step {
                Step::RunReady => {
                    queue -= 1;
                    let _ = s.work_finished().unwrap();
                    run.handled().unwrap();
                }
                // The simulated OS has no events: a probe finds nothing.
                Step::PollOs { timeout: Some(0) } => probes += 1,
                Step::PollOs { timeout } => {
                    assert!(wait_count < waits.len(), "too many waits");
                    waits[wait_count] = timeout;
                    wait_count += 1;
                    // The wait times out.
                    now += timeout.unwrap();
                    queue += timers.expire(now).count() as u32;
                }
                Step::Yield => yields += 1,
                Step::Finished(reason) => break reason,
            }
        };
        assert_eq!(reason, Reason::OutOfWork);
        assert_eq!(waits, [Some(10), Some(20)]);
        let parks = if yield_first { 2 } else { 0 };
        assert_eq!((probes, yields), (parks, parks), "rule 7 on: {yield_first}");
        assert_eq!(run.handled_count(), 2);
        assert!(timers.is_empty());
        assert_eq!(s.state(), SchedulerState::Stopped(StopCause::OutOfWork));
    }
}

#[test]
fn display_names() {
    assert_eq!(format!("{}", SchedulerState::Running), "running");
    assert_eq!(
        format!("{}", SchedulerState::Stopped(StopCause::Requested)),
        "stopped"
    );
    assert_eq!(format!("{}", StopCause::Requested), "stop requested");
    assert_eq!(format!("{}", StopCause::OutOfWork), "out of work");
    let modes = ALL_MODES.map(|m| format!("{m}"));
    assert_eq!(modes, ["run", "run-one", "poll", "poll-one"]);
    let reasons = [
        Reason::Stopped,
        Reason::OutOfWork,
        Reason::DeadlineElapsed,
        Reason::OneHandled,
        Reason::NoReadyWork,
    ]
    .map(|r| format!("{r}"));
    assert_eq!(
        reasons,
        [
            "stopped",
            "out of work",
            "deadline elapsed",
            "one handled",
            "no ready work"
        ]
    );
    assert_eq!(format!("{}", Step::RunReady), "run ready");
    assert_eq!(
        format!("{}", Step::PollOs { timeout: None }),
        "poll os, block"
    );
    assert_eq!(
        format!("{}", Step::PollOs { timeout: Some(0) }),
        "poll os, no wait"
    );
    assert_eq!(
        format!("{}", Step::PollOs { timeout: Some(9) }),
        "poll os, block at most 9"
    );
    assert_eq!(
        format!("{}", Step::Finished(Reason::OneHandled)),
        "finished: one handled"
    );
    assert_eq!(format!("{}", RunPhase::Dispatching), "dispatching");
    assert_eq!(
        format!("{}", WorkError::NoOutstandingWork),
        "work finished with no outstanding work"
    );
    assert_eq!(
        format!("{}", HandledError::NoRunReady),
        "handled without a run-ready step"
    );
}

#[test]
fn lazy_clock_is_read_only_when_the_rule_needs_it() {
    let mut sched = Scheduler::new();
    sched.work_started().unwrap();
    let reads = core::cell::Cell::new(0u32);
    let clock = || {
        reads.set(reads.get() + 1);
        100
    };
    let mut run = Run::new(RunMode::Run, None);
    // ready work, no deadline: no clock
    assert_eq!(
        run.next_step_lazy(&sched, true, Some(500), clock),
        Step::RunReady
    );
    run.handled().unwrap();
    // nothing ready, no timer: block without limit, no clock
    assert_eq!(
        run.next_step_lazy(&sched, false, None, clock),
        Step::PollOs { timeout: None }
    );
    assert_eq!(reads.get(), 0);
    // a timer bounds the wait: one read
    assert_eq!(
        run.next_step_lazy(&sched, false, Some(500), clock),
        Step::PollOs { timeout: Some(400) }
    );
    assert_eq!(reads.get(), 1);
    // a deadline is checked with one read, even with work ready
    let mut bounded = Run::new(RunMode::Run, Some(50));
    assert_eq!(
        bounded.next_step_lazy(&sched, true, None, clock),
        Step::Finished(Reason::DeadlineElapsed)
    );
    assert_eq!(reads.get(), 2);
}

// --- Rule 7: probe, yield, then block ---

/// A scheduler with rule 7 on and `n` units of outstanding work.
fn yielding(n: usize) -> Scheduler {
    let mut s = Scheduler::new().with_yield_before_block(true);
    for _ in 0..n {
        s.work_started().unwrap();
    }
    s
}

#[test]
fn yield_before_block_is_off_by_default_and_opt_in() {
    assert!(!Scheduler::new().yields_before_block());
    assert!(!Scheduler::with_poll_interval(3).yields_before_block());
    let s = Scheduler::new().with_yield_before_block(true);
    assert!(s.yields_before_block());
    assert_eq!(s.poll_interval(), DEFAULT_POLL_INTERVAL);
    assert!(!s.with_yield_before_block(false).yields_before_block());
}

#[test]
fn a_blocking_poll_is_reached_through_the_probe_and_the_yield() {
    for mode in [RunMode::Run, RunMode::RunOne] {
        for (timer, blocking) in [(None, None), (Some(130), Some(30))] {
            let s = yielding(1);
            let mut run = Run::new(mode, None);
            let step = |run: &mut Run| run.next_step(&s, input(false, timer, 100));
            assert_eq!(step(&mut run), Step::PollOs { timeout: Some(0) }, "{mode}");
            assert_eq!(run.park(), Park::Probed);
            assert_eq!(step(&mut run), Step::Yield, "{mode}");
            assert_eq!(run.park(), Park::Yielded);
            assert_eq!(step(&mut run), Step::PollOs { timeout: blocking });
            assert_eq!(run.park(), Park::Awake);
            // Still nothing after the blocking poll (a timeout, a signal): park from the start.
            assert_eq!(step(&mut run), Step::PollOs { timeout: Some(0) });
            assert_eq!(run.park(), Park::Probed);
        }
    }
}

#[test]
fn ready_work_at_any_parking_step_runs_and_restarts_the_park() {
    // 0: the probe brought work; 1: the yield did.
    for steps_before in 0..2 {
        let s = yielding(1);
        let mut run = Run::new(RunMode::Run, None);
        assert_eq!(
            run.next_step(&s, input(false, None, 0)),
            Step::PollOs { timeout: Some(0) }
        );
        if steps_before == 1 {
            assert_eq!(run.next_step(&s, input(false, None, 0)), Step::Yield);
        }
        assert_eq!(run.next_step(&s, input(true, None, 0)), Step::RunReady);
        assert_eq!(run.park(), Park::Awake);
        run.handled().unwrap();
        // The next time nothing is ready, parking starts again with the probe, not the block.
        assert_eq!(
            run.next_step(&s, input(false, None, 0)),
            Step::PollOs { timeout: Some(0) },
            "after {steps_before} parking steps"
        );
    }
}

#[test]
fn a_timer_that_falls_due_while_parking_polls_without_yielding() {
    let s = yielding(1);
    let mut run = Run::new(RunMode::Run, None);
    assert_eq!(
        run.next_step(&s, input(false, Some(130), 100)),
        Step::PollOs { timeout: Some(0) }
    );
    assert_eq!(run.next_step(&s, input(false, Some(130), 100)), Step::Yield);
    // The yield took past the timer: poll for its expiry at once, and park afresh after.
    assert_eq!(
        run.next_step(&s, input(false, Some(130), 140)),
        Step::PollOs { timeout: Some(0) }
    );
    assert_eq!(run.park(), Park::Awake);
}

#[test]
fn rule_7_leaves_the_non_blocking_modes_and_the_stops_alone() {
    let s = yielding(1);
    for mode in [RunMode::Poll, RunMode::PollOne] {
        let mut run = Run::new(mode, None);
        assert_eq!(
            run.next_step(&s, input(false, None, 0)),
            Step::PollOs { timeout: Some(0) }
        );
        assert_eq!(
            run.next_step(&s, input(false, None, 0)),
            Step::Finished(Reason::NoReadyWork),
            "{mode} never yields"
        );
    }
    // A stop while parking returns at once instead of yielding or blocking.
    let mut s = yielding(1);
    let mut run = Run::new(RunMode::Run, None);
    let _ = run.next_step(&s, input(false, None, 0));
    let _ = s.stop();
    assert_eq!(
        run.next_step(&s, input(false, None, 0)),
        Step::Finished(Reason::Stopped)
    );
}

#[test]
fn the_fairness_poll_is_not_a_probe() {
    let mut s = Scheduler::with_poll_interval(1).with_yield_before_block(true);
    s.work_started().unwrap();
    let mut run = Run::new(RunMode::Run, None);
    assert_eq!(run.next_step(&s, input(true, None, 0)), Step::RunReady);
    run.handled().unwrap();
    // Work still ready after the interval: the non-blocking poll of rule 5, not parking.
    assert_eq!(
        run.next_step(&s, input(true, None, 0)),
        Step::PollOs { timeout: Some(0) }
    );
    assert_eq!(run.park(), Park::Awake);
}

#[test]
fn yield_displays() {
    assert_eq!(format!("{}", Step::Yield), "yield the thread");
}
