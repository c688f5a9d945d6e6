//! hyper's own client on rill against hyper's server on rill, per backend: HTTP/1.1 keep-alive,
//! HTTP/2 (h2c, prior knowledge), a header-read timeout firing through `RillTimer`, and a
//! graceful shutdown that finishes the request in flight.

use std::cell::Cell;
use std::convert::Infallible;
use std::rc::Rc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::{http1, http2};
use hyper::service::service_fn;
use hyper::{Request, Response, Version};
use rill::{TcpListener, TcpStream};
use rill_hyper::{Graceful, RillExecutor, RillIo, RillTimer};
use rill_tests::{per_backend, run, Gate};

type Res = Result<Response<Full<Bytes>>, Infallible>;

/// Answers `"<path> #<n> <version>"`, `n` counting the requests on this connection.
fn counting_service() -> impl hyper::service::Service<
    Request<Incoming>,
    Response = Response<Full<Bytes>>,
    Error = Infallible,
    Future = impl std::future::Future<Output = Res>,
> {
    let n = Rc::new(Cell::new(0u32));
    service_fn(move |req: Request<Incoming>| {
        let n = n.clone();
        async move {
            n.set(n.get() + 1);
            let body = format!("{} #{} {:?}", req.uri().path(), n.get(), req.version());
            Res::Ok(Response::new(Full::new(Bytes::from(body))))
        }
    })
}

fn get(path: &str) -> Request<Full<Bytes>> {
    Request::get(path)
        .header("host", "rill.test")
        .body(Full::default())
        .unwrap()
}

async fn body_text(res: Response<Incoming>) -> String {
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn http1_keep_alive_serves_several_requests_on_one_connection(backend: &str) {
    run(backend, 2, || async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Rc::new(Cell::new(0));
        let acc = accepted.clone();
        rill::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                acc.set(acc.get() + 1);
                rill::spawn(
                    http1::Builder::new()
                        .timer(RillTimer)
                        .serve_connection(RillIo::new(stream), counting_service()),
                );
            }
        });
        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut sender, conn) = hyper::client::conn::http1::handshake(RillIo::new(stream))
            .await
            .unwrap();
        let conn = rill::spawn(conn);
        for i in 1..=5 {
            sender.ready().await.unwrap();
            let res = sender.send_request(get("/a")).await.unwrap();
            assert_eq!(res.status(), 200);
            assert_eq!(res.version(), Version::HTTP_11);
            assert_eq!(body_text(res).await, format!("/a #{i} HTTP/1.1"));
        }
        assert_eq!(
            accepted.get(),
            1,
            "every request went over the one connection"
        );
        drop(sender);
        conn.await.unwrap().unwrap();
    });
}

fn http2_prior_knowledge_multiplexes_requests(backend: &str) {
    run(backend, 2, || async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        rill::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            http2::Builder::new(RillExecutor)
                .timer(RillTimer)
                .serve_connection(RillIo::new(stream), counting_service())
                .await
                .unwrap();
        });
        let stream = TcpStream::connect(addr).await.unwrap();
        let (sender, conn) = hyper::client::conn::http2::Builder::new(RillExecutor)
            .timer(RillTimer)
            .handshake(RillIo::new(stream))
            .await
            .unwrap();
        let conn = rill::spawn(conn);
        // Three requests in flight at once on the one connection.
        let tasks: Vec<_> = ["/x", "/y", "/z"]
            .into_iter()
            .map(|path| {
                let mut sender = sender.clone();
                rill::spawn(async move {
                    let res = sender.send_request(get(path)).await.unwrap();
                    assert_eq!(res.version(), Version::HTTP_2);
                    body_text(res).await
                })
            })
            .collect();
        let mut seen = Vec::new();
        for (t, path) in tasks.into_iter().zip(["/x", "/y", "/z"]) {
            let text = t.await.unwrap();
            assert!(text.starts_with(&format!("{path} #")), "{text}");
            assert!(text.ends_with("HTTP/2.0"), "{text}");
            seen.push(text);
        }
        // One connection (one service) counted all three.
        let mut counts: Vec<_> = seen
            .iter()
            .map(|t| t.split(' ').nth(1).unwrap().to_string())
            .collect();
        counts.sort();
        assert_eq!(counts, ["#1", "#2", "#3"]);
        drop(sender);
        conn.await.unwrap().unwrap();
    });
}

fn header_read_timeout_closes_a_half_sent_request(backend: &str) {
    run(backend, 2, || async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = rill::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            http1::Builder::new()
                .timer(RillTimer)
                .header_read_timeout(Duration::from_millis(50))
                .serve_connection(RillIo::new(stream), counting_service())
                .await
        });
        let client = TcpStream::connect(addr).await.unwrap();
        // Half a request head: no blank line, so hyper keeps waiting for the rest.
        client
            .write_all(b"GET / HTTP/1.1\r\nHost: rill.test\r\n")
            .await
            .unwrap();
        let err = server
            .await
            .unwrap()
            .expect_err("the header-read timeout must fire");
        assert!(err.is_timeout(), "{err:?}");
        // The server closed the connection without answering.
        let mut buf = [0u8; 64];
        let n = client.read(&mut buf).await.unwrap_or(0);
        assert_eq!(
            n,
            0,
            "unexpected reply {:?}",
            String::from_utf8_lossy(&buf[..n])
        );
    });
}

/// A service whose `/slow` answers only after `release` opens; `entered` opens when it starts.
fn slow_service(
    entered: Gate,
    release: Gate,
) -> impl hyper::service::Service<
    Request<Incoming>,
    Response = Response<Full<Bytes>>,
    Error = Infallible,
    Future = impl std::future::Future<Output = Res>,
> {
    service_fn(move |_req: Request<Incoming>| {
        let (entered, release) = (entered.clone(), release.clone());
        async move {
            entered.open();
            release.wait().await;
            Res::Ok(Response::new(Full::new(Bytes::from_static(b"finished"))))
        }
    })
}

fn graceful_shutdown_finishes_the_request_in_flight_http1(backend: &str) {
    run(backend, 2, || async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let (entered, release) = (Gate::new(), Gate::new());
        let graceful = Graceful::new();
        let g = graceful.clone();
        let (e, r) = (entered.clone(), release.clone());
        let conn_task = rill::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let conn = http1::Builder::new()
                .timer(RillTimer)
                .serve_connection(RillIo::new(stream), slow_service(e, r));
            g.watch(conn).await
        });
        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut sender, conn) = hyper::client::conn::http1::handshake(RillIo::new(stream))
            .await
            .unwrap();
        rill::spawn(conn);
        let request = rill::spawn(async move {
            let res = sender.send_request(get("/slow")).await.unwrap();
            let close = res.headers().get("connection").cloned();
            (body_text(res).await, close, sender)
        });
        entered.wait().await;
        let shutdown = rill::spawn(graceful.shutdown());
        assert_eq!(graceful.live(), 1, "the connection is still serving");
        release.open();
        let (text, close, mut sender) = request.await.unwrap();
        assert_eq!(text, "finished");
        assert_eq!(close.as_ref().map(|v| v.as_bytes()), Some(&b"close"[..]));
        shutdown.await.unwrap();
        assert_eq!(graceful.live(), 0);
        conn_task.await.unwrap().unwrap();
        // The connection is gone: the client cannot send another request on it.
        assert!(sender.ready().await.is_err() || sender.send_request(get("/")).await.is_err());
    });
}

fn graceful_shutdown_finishes_the_request_in_flight_http2(backend: &str) {
    run(backend, 2, || async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let (entered, release) = (Gate::new(), Gate::new());
        let graceful = Graceful::new();
        let g = graceful.clone();
        let (e, r) = (entered.clone(), release.clone());
        let conn_task = rill::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let conn = http2::Builder::new(RillExecutor)
                .timer(RillTimer)
                .serve_connection(RillIo::new(stream), slow_service(e, r));
            g.watch(conn).await
        });
        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut sender, conn) =
            hyper::client::conn::http2::handshake(RillExecutor, RillIo::new(stream))
                .await
                .unwrap();
        let client_conn = rill::spawn(conn);
        let mut s2 = sender.clone();
        let request = rill::spawn(async move {
            let res = s2.send_request(get("/slow")).await.unwrap();
            body_text(res).await
        });
        entered.wait().await;
        let shutdown = rill::spawn(graceful.shutdown());
        release.open();
        assert_eq!(request.await.unwrap(), "finished");
        shutdown.await.unwrap();
        conn_task.await.unwrap().unwrap();
        client_conn.await.unwrap().unwrap();
        // GOAWAY was received: new streams are refused.
        assert!(sender.send_request(get("/")).await.is_err());
    });
}

per_backend!(
    http1_keep_alive_serves_several_requests_on_one_connection,
    http2_prior_knowledge_multiplexes_requests,
    header_read_timeout_closes_a_half_sent_request,
    graceful_shutdown_finishes_the_request_in_flight_http1,
    graceful_shutdown_finishes_the_request_in_flight_http2,
);
