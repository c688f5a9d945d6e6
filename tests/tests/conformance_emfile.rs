//! Conformance, hazard H17: accept under `EMFILE` backs off instead of spinning, and recovers
//! once descriptors free up. Run per backend.
//!
//! Lowering `RLIMIT_NOFILE` would break every other test running in the same process, so each
//! case re-runs this test binary as a child process (`--exact emfile_child`) with the backend in
//! an environment variable; only the child lowers its limit.

use std::cell::RefCell;
use std::os::fd::OwnedFd;
use std::process::Command;
use std::rc::Rc;
use std::time::Duration;

use rill::TcpListener;
use rill_tests::{per_backend, runtime};

const CHILD_ENV: &str = "RILL_EMFILE_CHILD_BACKEND";

fn accept_under_emfile(backend: &str) {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .args(["--exact", "emfile_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, backend)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "child failed on {backend}:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("emfile child ok"),
        "child did not run the check:\n{stdout}\n{stderr}"
    );
}

per_backend!(accept_under_emfile);

fn set_nofile_limit(n: u64) {
    let lim = libc::rlimit {
        rlim_cur: n as libc::rlim_t,
        rlim_max: n as libc::rlim_t,
    };
    // SAFETY: setrlimit reads a valid, initialised rlimit struct.
    let r = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) };
    assert_eq!(r, 0, "setrlimit: {}", std::io::Error::last_os_error());
}

/// The child's body; a no-op unless started by `accept_under_emfile`.
#[test]
fn emfile_child() {
    let Ok(backend) = std::env::var(CHILD_ENV) else {
        return;
    };
    let rt = runtime(&backend, 2);
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        // Three clients connect (the kernel completes the handshakes; they wait in the backlog).
        let clients: Vec<_> = (0..3)
            .map(|_| std::net::TcpStream::connect(addr).unwrap())
            .collect();
        // Exhaust the descriptor table: the limit is set just above what is open, then the
        // rest is filled with copies of stdin.
        set_nofile_limit(256);
        let fillers = Rc::new(RefCell::new(Vec::<OwnedFd>::new()));
        loop {
            match std::io::stdin().as_fd_dup() {
                Ok(fd) => fillers.borrow_mut().push(fd),
                Err(e) => {
                    assert_eq!(e.raw_os_error(), Some(libc::EMFILE), "{e}");
                    break;
                }
            }
        }
        // Free the descriptors only after the listener has backed off a few times.
        let listener = Rc::new(listener);
        let freer = {
            let listener = listener.clone();
            let fillers = fillers.clone();
            rill::spawn(async move {
                while listener.accept_backoffs() < 3 {
                    rill::sleep(Duration::from_millis(5)).await;
                }
                fillers.borrow_mut().clear();
            })
        };
        let accepted = rill::timeout(Duration::from_secs(30), async {
            let mut n = 0;
            for _ in 0..3 {
                listener.accept().await.unwrap();
                n += 1;
            }
            n
        })
        .await
        .expect("accept never recovered after descriptors were freed");
        freer.await.unwrap();
        assert_eq!(accepted, 3);
        let backoffs = listener.accept_backoffs();
        // Back-off doubles from 10 ms: 3 back-offs take >= 70 ms. A spinning accept would
        // retry thousands of times in that span; with back-off each EMFILE costs one timer.
        assert!((3..=12).contains(&backoffs), "backoffs = {backoffs}");
        drop(clients);
    });
    println!("emfile child ok");
}

trait DupFd {
    fn as_fd_dup(&self) -> std::io::Result<OwnedFd>;
}

impl DupFd for std::io::Stdin {
    fn as_fd_dup(&self) -> std::io::Result<OwnedFd> {
        use std::os::fd::AsFd;
        self.as_fd().try_clone_to_owned()
    }
}
