//! `rill::signal`: every listener of a signal gets each delivery (two in one runtime, one in
//! each of two runtimes on two threads), a dropped listener does not disturb the others,
//! `ctrl_c` with SIGINT raised, and the refusals. Its own test binary, so the signals it raises
//! (SIGUSR1, SIGUSR2, SIGINT) reach no other test. Every case runs on every backend.

use std::io::ErrorKind;
use std::sync::{Arc, Barrier};

use rill::signal::{ctrl_c, signal};
use rill_tests::{per_backend, run};

/// Sends `sig` to the whole process (any thread that does not block it runs the handler).
fn raise_process(sig: libc::c_int) {
    // SAFETY: kill(2) on our own pid has no memory-safety preconditions.
    assert_eq!(unsafe { libc::kill(libc::getpid(), sig) }, 0);
}

fn two_listeners_both_receive(backend: &str) {
    run(backend, 2, || async {
        let mut a = signal(libc::SIGUSR1).unwrap();
        let mut b = signal(libc::SIGUSR1).unwrap();
        assert_eq!(a.signum(), libc::SIGUSR1);
        raise_process(libc::SIGUSR1);
        a.recv().await.unwrap();
        b.recv().await.unwrap();
    });
}

fn two_runtimes_both_receive(backend: &str) {
    let ready = Arc::new(Barrier::new(3));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let ready = ready.clone();
            let backend = backend.to_owned();
            std::thread::spawn(move || {
                run(&backend, 2, || async move {
                    let mut s = signal(libc::SIGUSR2).unwrap();
                    ready.wait();
                    s.recv().await.unwrap();
                });
            })
        })
        .collect();
    ready.wait();
    raise_process(libc::SIGUSR2);
    for t in threads {
        t.join().unwrap();
    }
}

fn dropping_a_listener_leaves_the_others(backend: &str) {
    run(backend, 2, || async {
        let gone = signal(libc::SIGUSR1).unwrap();
        let mut kept = signal(libc::SIGUSR1).unwrap();
        drop(gone);
        raise_process(libc::SIGUSR1);
        kept.recv().await.unwrap();
        // And again: a listener keeps receiving.
        raise_process(libc::SIGUSR1);
        kept.recv().await.unwrap();
    });
}

fn ctrl_c_resolves_on_sigint(backend: &str) {
    run(backend, 2, || async {
        // Registered by the call: the SIGINT before the first poll is caught, not fatal.
        let c = ctrl_c();
        raise_process(libc::SIGINT);
        c.await.unwrap();
    });
}

fn uncatchable_and_unknown_signals_are_errors(backend: &str) {
    run(backend, 2, || async {
        for sig in [libc::SIGKILL, libc::SIGSTOP, libc::SIGSEGV] {
            let e = signal(sig).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{sig}: {e}");
        }
        assert!(signal(100_000).is_err());
    });
}

#[test]
fn a_listener_outside_a_runtime_is_an_error() {
    assert!(signal(libc::SIGUSR1).is_err());
}

per_backend!(
    two_listeners_both_receive,
    two_runtimes_both_receive,
    dropping_a_listener_leaves_the_others,
    ctrl_c_resolves_on_sigint,
    uncatchable_and_unknown_signals_are_errors,
);
