//! The same server as `hyper_hello` on tokio (current-thread runtime, hyper-util's `TokioIo`,
//! `TokioExecutor`, `TokioTimer`), for the side-by-side measurement in `bench/hyper.sh`. No
//! graceful shutdown: the benchmark kills it.
//!
//! ```text
//! cargo run --release -p rill-hyper --example hyper_hello_tokio -- [H1_ADDR] [H2C_ADDR]
//! ```

use std::convert::Infallible;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::{http1, http2};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::TcpListener;

async fn hello(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(
        b"Hello, world!",
    ))))
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let h1 = args.next().unwrap_or_else(|| "127.0.0.1:8080".into());
    let h2 = args.next().unwrap_or_else(|| "127.0.0.1:8081".into());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let h1 = TcpListener::bind(&h1).await?;
        let h2 = TcpListener::bind(&h2).await?;
        println!(
            "hyper_hello_tokio: HTTP/1.1 on http://{}/ and h2c on http://{}/",
            h1.local_addr()?,
            h2.local_addr()?
        );
        tokio::spawn(async move {
            loop {
                let Ok((s, _)) = h2.accept().await else {
                    continue;
                };
                let _ = s.set_nodelay(true);
                tokio::spawn(
                    http2::Builder::new(TokioExecutor::new())
                        .timer(TokioTimer::new())
                        .serve_connection(TokioIo::new(s), service_fn(hello)),
                );
            }
        });
        loop {
            let Ok((s, _)) = h1.accept().await else {
                continue;
            };
            let _ = s.set_nodelay(true);
            tokio::spawn(
                http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(Duration::from_secs(10))
                    .serve_connection(TokioIo::new(s), service_fn(hello)),
            );
        }
    })
}
