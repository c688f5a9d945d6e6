//! The conformance suite of the std adapter, run once per backend (epoll, poll, select on
//! Linux): each case is a function of the backend name, instantiated by `per_backend!` as
//! `<case>::<backend>`. Every body runs under a timeout so a bug fails instead of hanging.

use std::rc::Rc;

use rill::{TcpListener, TcpStream};
use rill_tests::{per_backend, run, Rng};

/// `conns` concurrent connections, each sending a random payload (random size up to
/// `max_len`) that the server echoes; the client checks every byte.
async fn echo_round(conns: usize, max_len: usize, seed: u64) {
    let listener = Rc::new(TcpListener::bind("127.0.0.1:0").unwrap());
    let addr = listener.local_addr().unwrap();
    let server = {
        let listener = listener.clone();
        rill::spawn(async move {
            let mut handlers = Vec::new();
            for _ in 0..conns {
                let (stream, _) = listener.accept().await.unwrap();
                handlers.push(rill::spawn(async move {
                    let mut buf = vec![0u8; 16 * 1024];
                    let mut total = 0;
                    loop {
                        let n = stream.read(&mut buf).await.unwrap();
                        if n == 0 {
                            break;
                        }
                        stream.write_all(&buf[..n]).await.unwrap();
                        total += n;
                    }
                    total
                }));
            }
            let mut total = 0;
            for h in handlers {
                total += h.await.unwrap();
            }
            total
        })
    };
    let mut rng = Rng::new(seed);
    let mut clients = Vec::new();
    let mut expected_total = 0;
    for i in 0..conns {
        let len = rng.range(1, max_len);
        let payload = rng.bytes(len);
        expected_total += payload.len();
        clients.push(rill::spawn(async move {
            let stream = Rc::new(TcpStream::connect(addr).await.unwrap());
            let writer = {
                let stream = stream.clone();
                let payload = payload.clone();
                rill::spawn(async move {
                    stream.write_all(&payload).await.unwrap();
                    stream.shutdown(std::net::Shutdown::Write).unwrap();
                })
            };
            let mut got = Vec::with_capacity(payload.len());
            let mut buf = vec![0u8; 8192];
            loop {
                let n = stream.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
            }
            writer.await.unwrap();
            assert_eq!(got.len(), payload.len(), "connection {i}: length");
            assert!(got == payload, "connection {i}: bytes differ");
        }));
    }
    for c in clients {
        c.await.unwrap();
    }
    assert_eq!(server.await.unwrap(), expected_total);
}

fn echo_one_connection(backend: &str) {
    run(backend, 2, || echo_round(1, 256 * 1024, 1));
}

fn echo_fifty_connections(backend: &str) {
    run(backend, 2, || echo_round(50, 64 * 1024, 2));
}

fn echo_five_hundred_connections(backend: &str) {
    run(backend, 2, || echo_round(500, 4 * 1024, 3));
}

fn echo_budget_zero(backend: &str) {
    run(backend, 0, || echo_round(20, 64 * 1024, 4));
}

per_backend!(
    echo_one_connection,
    echo_fifty_connections,
    echo_five_hundred_connections,
    echo_budget_zero,
);
