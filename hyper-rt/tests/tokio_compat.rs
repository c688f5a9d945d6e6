//! The escape hatch for tokio-only crates: `async_compat::Compat` runs a future inside a tokio
//! runtime context (a helper runtime on its own thread drives tokio's timers and reactor) and
//! converts futures-io streams to tokio's `AsyncRead` / `AsyncWrite`. Here, inside rill tasks:
//! `tokio::time::sleep`, and a `tokio_util::codec::Framed` with `LinesCodec` over a rill socket.

use std::time::{Duration, Instant};

use async_compat::Compat;
use futures_util::{SinkExt, StreamExt};
use rill::{TcpListener, TcpStream};
use rill_tests::{per_backend, run};
use tokio_util::codec::{Framed, LinesCodec};

fn tokio_sleep_runs_inside_a_rill_task(backend: &str) {
    run(backend, 2, || async {
        let task = rill::spawn(async {
            let start = Instant::now();
            // Build the tokio future *inside* the `Compat` future: `tokio::time::sleep` looks
            // for a tokio runtime when it is created, and outside one panics with "there is no
            // reactor running".
            Compat::new(async { tokio::time::sleep(Duration::from_millis(20)).await }).await;
            start.elapsed()
        });
        assert!(task.await.unwrap() >= Duration::from_millis(20));
    });
}

fn tokio_util_lines_codec_over_a_rill_socket(backend: &str) {
    run(backend, 2, || async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        // Server: a line-echo that upper-cases, through tokio-util's codec on a rill stream.
        let server = rill::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let mut lines = Framed::new(Compat::new(stream), LinesCodec::new());
            let mut n = 0;
            while let Some(line) = lines.next().await {
                lines.send(line.unwrap().to_uppercase()).await.unwrap();
                n += 1;
            }
            n
        });
        let client = TcpStream::connect(addr).await.unwrap();
        let mut lines = Framed::new(Compat::new(client), LinesCodec::new());
        for word in ["rill", "tokio", "codec"] {
            lines.send(word).await.unwrap();
            assert_eq!(lines.next().await.unwrap().unwrap(), word.to_uppercase());
        }
        drop(lines);
        assert_eq!(server.await.unwrap(), 3);
    });
}

per_backend!(
    tokio_sleep_runs_inside_a_rill_task,
    tokio_util_lines_codec_over_a_rill_socket,
);
