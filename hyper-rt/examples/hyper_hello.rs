//! hyper on rill: "Hello, world!" over HTTP/1.1 on one port and h2c (HTTP/2 with prior
//! knowledge) on another, with graceful shutdown on SIGINT / SIGTERM: the listeners close, the
//! requests in flight finish (try `/slow`, which answers after 2 s), then the process exits.
//!
//! ```text
//! cargo run --release -p rill-hyper --example hyper_hello -- [H1_ADDR] [H2C_ADDR] [--backend NAME]
//! curl http://127.0.0.1:8080/            curl --http2-prior-knowledge http://127.0.0.1:8081/
//! ```

use std::convert::Infallible;
use std::future::Future;
use std::pin::pin;
use std::process::ExitCode;
use std::task::Poll;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::{http1, http2};
use hyper::service::service_fn;
use hyper::{Request, Response};
use rill::{Backend, Runtime, TcpListener};
use rill_hyper::{Graceful, RillExecutor, RillIo, RillTimer};

async fn hello(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    if req.uri().path() == "/slow" {
        rill::sleep(Duration::from_secs(2)).await;
        return Ok(Response::new(Full::new(Bytes::from_static(
            b"slow hello\n",
        ))));
    }
    Ok(Response::new(Full::new(Bytes::from_static(
        b"Hello, world!",
    ))))
}

/// Accepts on `listener` forever, serving each connection with `serve` under `graceful`.
async fn accept_loop<F, C>(listener: TcpListener, graceful: Graceful, serve: F)
where
    F: Fn(rill::TcpStream) -> C,
    C: rill_hyper::GracefulConnection + 'static,
{
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                rill::spawn(graceful.watch(serve(stream)));
            }
            Err(e) => eprintln!("hyper_hello: accept: {e}"),
        }
    }
}

/// Resolves with the name of the first of SIGINT / SIGTERM to arrive.
fn shutdown_signal() -> std::io::Result<impl Future<Output = &'static str>> {
    let mut term = rill::signal::signal(libc::SIGTERM)?;
    let mut int = rill::signal::signal(libc::SIGINT)?;
    Ok(std::future::poll_fn(move |cx| {
        if int.poll_recv(cx).is_ready() {
            Poll::Ready("SIGINT")
        } else if term.poll_recv(cx).is_ready() {
            Poll::Ready("SIGTERM")
        } else {
            Poll::Pending
        }
    }))
}

fn run(h1: &str, h2: &str, backend: Backend) -> std::io::Result<()> {
    let rt = Runtime::builder().backend(backend).build()?;
    rt.block_on(async {
        let h1 = TcpListener::bind(h1)?;
        let h2 = TcpListener::bind(h2)?;
        println!(
            "hyper_hello: HTTP/1.1 on http://{}/ and h2c on http://{}/ ({backend} backend); \
             Ctrl-C or SIGTERM stops gracefully",
            h1.local_addr()?,
            h2.local_addr()?
        );
        let signal = shutdown_signal()?;
        let graceful = Graceful::new();
        let h1_task = rill::spawn(accept_loop(h1, graceful.clone(), |s| {
            http1::Builder::new()
                .timer(RillTimer)
                .header_read_timeout(Duration::from_secs(10))
                .serve_connection(RillIo::new(s), service_fn(hello))
        }));
        let h2_task = rill::spawn(accept_loop(h2, graceful.clone(), |s| {
            http2::Builder::new(RillExecutor)
                .timer(RillTimer)
                .serve_connection(RillIo::new(s), service_fn(hello))
        }));
        let name = pin!(signal).await;
        h1_task.abort();
        h2_task.abort();
        println!(
            "hyper_hello: {name}: listeners closed, finishing {} connection(s)",
            graceful.live()
        );
        graceful.shutdown().await;
        println!("hyper_hello: all connections finished, bye");
        Ok(())
    })
}

fn main() -> ExitCode {
    let mut addrs = Vec::new();
    let mut backend = Backend::platform_default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--backend" => match args.next().map(|v| v.parse::<Backend>()) {
                Some(Ok(b)) => backend = b,
                _ => {
                    eprintln!(
                        "hyper_hello: --backend needs epoll, poll, select, kqueue or default"
                    );
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" => {
                println!("hyper_hello [H1_ADDR (127.0.0.1:8080)] [H2C_ADDR (127.0.0.1:8081)] [--backend NAME]");
                return ExitCode::SUCCESS;
            }
            a => addrs.push(a.to_string()),
        }
    }
    let h1 = addrs.first().map_or("127.0.0.1:8080", String::as_str);
    let h2 = addrs.get(1).map_or("127.0.0.1:8081", String::as_str);
    match run(h1, h2, backend) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hyper_hello: error: {e}");
            ExitCode::FAILURE
        }
    }
}
