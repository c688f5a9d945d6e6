//! H16: writing to a closed peer must be an error (`BrokenPipe` / `ConnectionReset`), never a
//! SIGPIPE that kills the process. Rust programs ignore SIGPIPE by default, which would hide the
//! bug, so this binary (one test, its own process) restores the default action first.

use std::io::{ErrorKind, IoSlice};
use std::net::Shutdown;

use rill::{TcpListener, TcpStream, UnixStream};
use rill_tests::{available_backends, run};

fn assert_pipe_error(e: &std::io::Error) {
    assert!(
        matches!(e.kind(), ErrorKind::BrokenPipe | ErrorKind::ConnectionReset),
        "{e}"
    );
}

#[test]
fn writes_to_a_closed_peer_fail_without_sigpipe() {
    // SAFETY: restoring the default disposition of SIGPIPE has no memory-safety preconditions.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    for backend in available_backends() {
        run(backend, 2, || async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let client = rill::spawn(async move { TcpStream::connect(addr).await.unwrap() });
            let (server, _) = listener.accept().await.unwrap();
            let client = client.await.unwrap();
            drop(server);
            // The first write may be accepted (the RST comes back after it); later ones fail.
            let mut err = None;
            for i in 0..8 {
                let r = if i % 2 == 0 {
                    client.write(b"into the void").await
                } else {
                    client
                        .write_vectored(&[IoSlice::new(b"vec"), IoSlice::new(b"tored")])
                        .await
                };
                if let Err(e) = r {
                    err = Some(e);
                    break;
                }
            }
            assert_pipe_error(&err.expect("writes to a closed peer kept succeeding"));

            let (a, b) = UnixStream::pair().unwrap();
            drop(b);
            assert_pipe_error(&a.write(b"x").await.unwrap_err());
            let (a, b) = UnixStream::pair().unwrap();
            b.shutdown(Shutdown::Read).unwrap();
            drop(b);
            assert_pipe_error(&a.write_vectored(&[IoSlice::new(b"y")]).await.unwrap_err());
        });
    }
}
