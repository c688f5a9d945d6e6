//! An axum `Router` served through hyper on rill (HTTP/1.1): axum is built with
//! `default-features = false` (no `tokio` feature, so no `axum::serve`), and each connection is
//! `http1::Builder::serve_connection` with the router as the service. Ctrl-C stops it.
//!
//! ```text
//! cargo run --release -p rill-hyper --example axum_hello -- [ADDR]   (default 127.0.0.1:8080)
//! curl http://127.0.0.1:8080/            curl http://127.0.0.1:8080/hello/rill
//! ```

use axum::extract::Path;
use axum::routing::get;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::Request;
use rill::TcpListener;
use rill_hyper::{RillIo, RillTimer};
use tower::ServiceExt;

fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "Hello from axum on rill!\n" }))
        .route(
            "/hello/{name}",
            get(|Path(name): Path<String>| async move { format!("Hello, {name}!\n") }),
        )
}

fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    rill::Runtime::new()?.block_on(async {
        let listener = TcpListener::bind(addr.as_str())?;
        println!(
            "axum_hello: listening on http://{}/; Ctrl-C stops",
            listener.local_addr()?
        );
        let router = app();
        let serve = async move {
            loop {
                let stream = match listener.accept().await {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        eprintln!("axum_hello: accept: {e}");
                        continue;
                    }
                };
                let router = router.clone();
                // axum's Router is a tower `Service`; hyper wants a `hyper::service::Service`.
                let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                    router.clone().oneshot(req)
                });
                rill::spawn(
                    http1::Builder::new()
                        .timer(RillTimer)
                        .serve_connection(RillIo::new(stream), service),
                );
            }
        };
        let serve = rill::spawn(serve);
        rill::signal::ctrl_c().await?;
        serve.abort();
        println!("axum_hello: bye");
        std::io::Result::Ok(())
    })
}
