//! `rill::process`: round trips through piped stdin / stdout, `output` reading both pipes at
//! once, exit statuses, kill, `try_wait`, both wait paths (pidfd where Linux has it, SIGCHLD),
//! a missing program, and no zombie left by a dropped `Child`. Every case runs on every backend.

use std::io::ErrorKind;
use std::os::unix::process::ExitStatusExt;
use std::time::{Duration, Instant};

use rill::process::{Command, Stdio};
use rill_tests::{per_backend, run, Rng};

/// The longest a reaped child may take to disappear before the no-zombie case fails.
const REAP_LIMIT: Duration = Duration::from_secs(20);

/// `cat` with piped stdin and stdout; `sigchld` picks the SIGCHLD wait path.
fn cat(sigchld: bool) -> Command {
    let mut c = Command::new("cat");
    c.stdin(Stdio::piped()).stdout(Stdio::piped());
    if sigchld {
        c.wait_with_sigchld();
    }
    c
}

fn cat_round_trip(backend: &str, sigchld: bool) {
    run(backend, 2, || async {
        let mut child = cat(sigchld).spawn().unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        // More than a pipe holds, so both sides park.
        let payload = Rng::new(3).bytes(512 * 1024);
        let expect = payload.clone();
        let writer = rill::spawn(async move {
            stdin.write_all(&payload).await.unwrap();
            // Dropped: EOF for cat.
        });
        let mut got = Vec::new();
        stdout.read_to_end(&mut got).await.unwrap();
        writer.await.unwrap();
        assert!(
            got == expect,
            "cat returned other bytes ({} of {})",
            got.len(),
            expect.len()
        );
        let status = child.wait().await.unwrap();
        assert!(status.success(), "{status}");
        // The status is kept.
        assert_eq!(child.try_wait().unwrap(), Some(status));
    });
}

fn cat_round_trip_pidfd(backend: &str) {
    cat_round_trip(backend, false);
}

fn cat_round_trip_sigchld(backend: &str) {
    cat_round_trip(backend, true);
}

fn echo_output(backend: &str) {
    run(backend, 2, || async {
        let out = Command::new("echo").arg("hello").output().await.unwrap();
        assert!(out.status.success());
        assert_eq!(out.stdout, b"hello\n");
        assert!(out.stderr.is_empty());
        let out = Command::new("sh")
            .args(["-c", "echo out; echo err >&2; exit 3"])
            .output()
            .await
            .unwrap();
        assert_eq!(out.status.code(), Some(3));
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(out.stderr, b"err\n");
    });
}

/// `output` reads stdout and stderr at once: a child that fills stderr past what a pipe holds
/// before it writes stdout would block for good under a reader that drains stdout first.
fn output_reads_both_pipes_at_once(backend: &str) {
    run(backend, 2, || async {
        let script =
            "head -c 262144 /dev/zero | tr '\\0' e >&2; head -c 200000 /dev/zero | tr '\\0' o";
        let mut cmd = Command::new("sh");
        cmd.args(["-c", script]);
        let out = rill::timeout(Duration::from_secs(30), cmd.output())
            .await
            .expect("output() stalled: a pipe was left full")
            .unwrap();
        assert!(out.status.success(), "{}", out.status);
        assert_eq!(out.stderr.len(), 262_144);
        assert!(out.stderr.iter().all(|&b| b == b'e'));
        assert_eq!(out.stdout.len(), 200_000);
        assert!(out.stdout.iter().all(|&b| b == b'o'));
    });
}

/// An `output` dropped before the child ends (here by a timeout) leaves nothing running: no
/// task goes on reading the child's pipes until it exits.
fn a_dropped_output_leaves_no_task_behind(backend: &str) {
    let rt = rill_tests::runtime(backend, 2);
    rt.block_on(async {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo started; echo started >&2; sleep 3"]);
        let r = rill::timeout(Duration::from_millis(300), cmd.output()).await;
        assert!(r.is_err(), "the child sleeps past the timeout");
    });
    assert_eq!(rt.live_tasks(), 0, "a task outlived the dropped output()");
}

fn exit_status(backend: &str, sigchld: bool) {
    run(backend, 2, || async {
        let mut c = Command::new("sh");
        c.args(["-c", "exit 7"]);
        if sigchld {
            c.wait_with_sigchld();
        }
        let status = c.status().await.unwrap();
        assert_eq!(status.code(), Some(7));
    });
}

fn exit_status_pidfd(backend: &str) {
    exit_status(backend, false);
}

fn exit_status_sigchld(backend: &str) {
    exit_status(backend, true);
}

fn kill_then_wait(backend: &str, sigchld: bool) {
    run(backend, 2, || async {
        // cat with its stdin held open runs until killed.
        let mut child = cat(sigchld).spawn().unwrap();
        let stdin = child.stdin.take().unwrap();
        assert_eq!(child.try_wait().unwrap(), None, "cat exited on its own");
        child.kill().unwrap();
        let status = child.wait().await.unwrap();
        assert_eq!(status.signal(), Some(libc::SIGKILL), "{status}");
        // Killing an exited child is fine.
        child.kill().unwrap();
        drop(stdin);
    });
}

fn kill_then_wait_pidfd(backend: &str) {
    kill_then_wait(backend, false);
}

fn kill_then_wait_sigchld(backend: &str) {
    kill_then_wait(backend, true);
}

fn missing_program_is_not_found(backend: &str) {
    run(backend, 2, || async {
        let e = Command::new("/nonexistent/rill-no-such-program")
            .spawn()
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    });
}

/// True once `pid` no longer exists (reaped: `kill(pid, 0)` is `ESRCH`; a zombie still exists).
fn gone(pid: libc::pid_t) -> bool {
    // SAFETY: signal 0 only checks for existence.
    let r = unsafe { libc::kill(pid, 0) };
    r < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
}

fn dropped_child_leaves_no_zombie(backend: &str) {
    let pid = run(backend, 2, || async {
        // Still running when dropped: its stdin closes with the Child, then it exits.
        let child = cat(false).spawn().unwrap();
        let pid = child.id() as libc::pid_t;
        drop(child);
        pid
    });
    let start = Instant::now();
    while !gone(pid) {
        assert!(
            start.elapsed() < REAP_LIMIT,
            "child {pid} still exists (a zombie?) {REAP_LIMIT:?} after its Child was dropped"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn dropped_exited_child_leaves_no_zombie(backend: &str) {
    let pid = run(backend, 2, || async {
        // Exits at once (no stdin to wait for): dropped right away, it is collected by the
        // drop's own `try_wait` if it has exited by then, else by the reaper.
        let child = Command::new("true").spawn().unwrap();
        let pid = child.id() as libc::pid_t;
        drop(child);
        pid
    });
    let start = Instant::now();
    while !gone(pid) {
        assert!(start.elapsed() < REAP_LIMIT, "child {pid} left a zombie");
        std::thread::sleep(Duration::from_millis(10));
    }
}

per_backend!(
    cat_round_trip_pidfd,
    cat_round_trip_sigchld,
    echo_output,
    output_reads_both_pipes_at_once,
    a_dropped_output_leaves_no_task_behind,
    exit_status_pidfd,
    exit_status_sigchld,
    kill_then_wait_pidfd,
    kill_then_wait_sigchld,
    missing_program_is_not_found,
    dropped_child_leaves_no_zombie,
    dropped_exited_child_leaves_no_zombie,
);
