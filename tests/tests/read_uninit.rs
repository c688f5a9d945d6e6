//! `read_uninit` / `poll_read_uninit`: reads into uninitialised memory deliver the same bytes
//! and EOF as the initialised reads, on TCP and Unix streams, per backend.

use std::mem::MaybeUninit;

use rill::{TcpListener, TcpStream, UnixStream};
use rill_tests::{per_backend, run, Rng};

/// The first `n` bytes of `buf`, which a read of `n` initialised.
fn filled(buf: &[MaybeUninit<u8>], n: usize) -> Vec<u8> {
    // SAFETY: the read that returned `n` wrote `buf[..n]`; nothing past `n` is read.
    buf[..n]
        .iter()
        .map(|b| unsafe { b.assume_init() })
        .collect()
}

fn tcp_read_uninit_delivers_the_bytes_then_eof(backend: &str) {
    run(backend, 2, || async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let payload = Rng::new(7).bytes(200_000);
        let sent = payload.clone();
        let writer = rill::spawn(async move {
            let (s, _) = listener.accept().await.unwrap();
            s.write_all(&sent).await.unwrap();
        });
        let client = TcpStream::connect(addr).await.unwrap();
        let mut got = Vec::new();
        let mut buf = vec![MaybeUninit::<u8>::uninit(); 8192];
        // Alternate the async and the poll forms.
        loop {
            let n = if got.len() % 2 == 0 {
                client.read_uninit(&mut buf).await.unwrap()
            } else {
                std::future::poll_fn(|cx| client.poll_read_uninit(cx, &mut buf))
                    .await
                    .unwrap()
            };
            if n == 0 {
                break;
            }
            got.extend(filled(&buf, n));
        }
        writer.await.unwrap();
        assert_eq!(got, payload);
        assert_eq!(client.read_uninit(&mut []).await.unwrap(), 0);
    });
}

fn unix_read_uninit_delivers_the_bytes_then_eof(backend: &str) {
    run(backend, 2, || async {
        let (a, b) = UnixStream::pair().unwrap();
        let payload = Rng::new(11).bytes(100_000);
        let sent = payload.clone();
        let writer = rill::spawn(async move {
            a.write_all(&sent).await.unwrap();
        });
        let mut got = Vec::new();
        let mut buf = vec![MaybeUninit::<u8>::uninit(); 4096];
        loop {
            let n = std::future::poll_fn(|cx| b.poll_read_uninit(cx, &mut buf))
                .await
                .unwrap();
            if n == 0 {
                break;
            }
            got.extend(filled(&buf, n));
        }
        writer.await.unwrap();
        assert_eq!(got, payload);
    });
}

per_backend!(
    tcp_read_uninit_delivers_the_bytes_then_eof,
    unix_read_uninit_delivers_the_bytes_then_eof,
);
