//! Replays every committed fuzz corpus file through the same checking code the fuzz targets run
//! (`rill-fuzz`), on stable, inside the ordinary `cargo test --workspace`: every CI run re-checks
//! the corpora even where no nightly or cargo-fuzz is installed.
//!
//! A failing corpus file is named in the panic message; decode it with
//! `rill_fuzz::<module>::Input::decode` to see the steps. Crashes the fuzzer found are kept
//! below as unit tests, with the minimized input written out as steps.

use std::path::{Path, PathBuf};

use rill_core::{
    Config, Direction, Event, FinishAction, Knowledge, Outcome, Reactor, Readiness, Ready, Slot,
    SubmitAction,
};
use rill_fuzz::core_model::{self, Dir, OpRef, Step, TokenRef};

/// The corpus files of `target`, sorted by name (hidden files skipped).
fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| {
            p.is_file()
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    files
}

/// Runs `check` on every corpus file of `target`; fails naming every file that panics.
fn replay(target: &str, check: fn(&[u8])) {
    let files = corpus(target);
    assert!(!files.is_empty(), "no corpus committed for {target}");
    let failures: Vec<String> = files
        .iter()
        .filter(|path| {
            let data = std::fs::read(path).expect("readable corpus file");
            std::panic::catch_unwind(|| check(&data)).is_err()
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        failures.is_empty(),
        "{target}: {} of {} corpus files fail: {failures:#?}",
        failures.len(),
        files.len()
    );
}

#[test]
fn core_model_corpus() {
    replay("core_model", core_model::run);
}

#[test]
fn timers_corpus() {
    replay("timers", rill_fuzz::timers::run);
}

#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn translate_epoll_corpus() {
    replay("translate_epoll", rill_fuzz::translate::run_epoll);
}

#[test]
fn translate_kqueue_corpus() {
    replay("translate_kqueue", rill_fuzz::translate::run_kqueue);
}

#[test]
fn translate_poll_corpus() {
    replay("translate_poll", rill_fuzz::translate::run_poll);
}

#[test]
fn translate_select_corpus() {
    replay("translate_select", rill_fuzz::translate::run_select);
}

// ---- crashes found by the fuzzer, as unit tests ----

/// `core_model`, first 60-second run (core at 64d91b6): an edge that arrived while a deferred
/// result waited in the ready queue was forgotten when the result was delivered (the gate went
/// back to `Unknown`). The core now keeps it (c5123ce: the gate is set when the attempt
/// finishes, and an edge since then stands), and the model checks exactly that. Minimized, as
/// steps.
#[test]
fn core_model_edge_while_deferred_then_dispatch() {
    let input = core_model::Input {
        capacity: 2,
        inline_budget: 1,
        steps: vec![
            Step::Register,
            Step::Register,
            Step::Submit(TokenRef::Live(0), Dir::Read),
            Step::Submit(TokenRef::Live(1), Dir::Read),
            // The second read completes inline and spends the read budget...
            Step::Finish {
                op: OpRef::Attempting(1),
                would_block: false,
            },
            // ...so the first read's result is deferred.
            Step::Finish {
                op: OpRef::Attempting(0),
                would_block: false,
            },
            Step::Event(TokenRef::Live(0), Readiness::READABLE.bits()),
            Step::PollReady,
            Step::Submit(TokenRef::Live(0), Dir::Read),
        ],
    };
    core_model::check(&input);
}

/// The same case straight against the core: the edge that arrived while the result was deferred
/// is remembered, and the next read on that descriptor is attempted.
#[test]
fn edge_while_deferred_does_not_gate_the_next_op() {
    let mut r = Reactor::new(
        [Slot::VACANT; 2],
        Config {
            inline_budget: 1,
            ..Config::default()
        },
    );
    let a = r.register().unwrap();
    let b = r.register().unwrap();
    let SubmitAction::Attempt(op_a) = r.submit(a, Direction::Read).unwrap() else {
        panic!("fresh read is attempted")
    };
    let SubmitAction::Attempt(op_b) = r.submit(b, Direction::Read).unwrap() else {
        panic!("fresh read is attempted")
    };
    assert!(matches!(
        r.finish_attempt(op_b, Outcome::Done),
        Ok(FinishAction::Complete(_))
    ));
    assert_eq!(
        r.finish_attempt(op_a, Outcome::Done),
        Ok(FinishAction::Deferred)
    );
    r.handle_event(Event::new(a, Readiness::READABLE)).unwrap();
    let Some(Ready::Complete(c)) = r.poll_ready() else {
        panic!("the deferred result is delivered")
    };
    assert_eq!(c.op, op_a);
    assert_eq!(r.knowledge(a, Direction::Read), Ok(Knowledge::Ready));
    assert!(matches!(
        r.submit(a, Direction::Read),
        Ok(SubmitAction::Attempt(_))
    ));
}

/// `perform` and `handle_event_granting` (the std adapter's two calls) through the model, on a
/// scripted sequence that walks each path: an inline completion, a parked op granted by an
/// event, a retry after an edge during the grant, a drained read gating the next one, an
/// urgent mark distrusting it (H19), a queued submit once the budget is spent, a stale token.
#[test]
fn core_model_perform_and_granting_events() {
    const DONE: u8 = 0;
    const DRAINED: u8 = 1;
    const WOULD_BLOCK: u8 = 2;
    let input = core_model::Input {
        capacity: 2,
        inline_budget: 2,
        steps: vec![
            Step::Register,
            Step::Perform(TokenRef::Live(0), Dir::Write, DONE),
            Step::Perform(TokenRef::Live(0), Dir::Read, WOULD_BLOCK),
            Step::Perform(TokenRef::Live(0), Dir::Read, DONE),
            Step::EventGranting(TokenRef::Live(0), Readiness::READABLE.bits()),
            Step::EventGranting(TokenRef::Live(0), Readiness::READABLE.bits()),
            Step::Perform(TokenRef::Live(0), Dir::Read, WOULD_BLOCK | (DRAINED << 2)),
            Step::Perform(TokenRef::Live(0), Dir::Read, DONE),
            Step::EventGranting(
                TokenRef::Live(0),
                (Readiness::READABLE | Readiness::PRIORITY).bits(),
            ),
            Step::Perform(TokenRef::Live(0), Dir::Read, DRAINED),
            Step::Perform(TokenRef::Live(0), Dir::Read, DONE),
            Step::Perform(TokenRef::Live(0), Dir::Write, DONE),
            Step::Perform(TokenRef::Live(0), Dir::Write, DONE),
            Step::PollReady,
            Step::Perform(TokenRef::Live(0), Dir::Write, DONE),
            Step::Deregister(TokenRef::Live(0)),
            Step::Perform(TokenRef::Issued(0), Dir::Read, DONE),
            Step::EventGranting(TokenRef::Issued(0), Readiness::READABLE.bits()),
        ],
    };
    core_model::check(&input);
}
