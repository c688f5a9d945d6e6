//! # rill-hyper: hyper 1.x on the rill runtime
//!
//! The three things hyper asks of a runtime, for rill:
//!
//! | item | hyper trait | what it does |
//! |---|---|---|
//! | [`RillIo`] | `hyper::rt::Read` + `Write` | wraps a [`rill::TcpStream`] / [`rill::UnixStream`]; reads land in hyper's uninitialised buffer with nothing zeroed first ([`rill::TcpStream::poll_read_uninit`]) |
//! | [`RillExecutor`] | `hyper::rt::Executor` | [`rill::spawn`] on the current loop; takes `!Send` futures, so HTTP/2 runs over rill's `!Send` sockets |
//! | [`RillTimer`] | `hyper::rt::Timer` | `Send + Sync` sleeps (as hyper requires) backed by the loop's own timers, no task per timer; see [`timer`] |
//!
//! plus [`Graceful`], graceful shutdown of a loop's connections.
//!
//! Everything runs on the loop that owns the socket: spawn one task per connection with
//! [`rill::spawn`]. With several loops ([`rill::LoopGroup`], worker threads), run an accept
//! loop and a [`Graceful`] per loop.
//!
//! ## Serving HTTP/1.1 and asking with hyper's client
//!
//! ```
//! use std::convert::Infallible;
//! use http_body_util::{BodyExt, Full};
//! use hyper::body::{Bytes, Incoming};
//! use hyper::{Request, Response};
//! use rill_hyper::{RillIo, RillTimer};
//!
//! async fn hello(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
//!     Ok(Response::new(Full::new(Bytes::from_static(b"Hello, world!"))))
//! }
//!
//! rill::Runtime::new()?.block_on(async {
//!     let listener = rill::TcpListener::bind("127.0.0.1:0")?;
//!     let addr = listener.local_addr()?;
//!     rill::spawn(async move {
//!         let (stream, _) = listener.accept().await?;
//!         hyper::server::conn::http1::Builder::new()
//!             .timer(RillTimer)
//!             .serve_connection(RillIo::new(stream), hyper::service::service_fn(hello))
//!             .await
//!             .map_err(std::io::Error::other)
//!     });
//!
//!     let stream = rill::TcpStream::connect(addr).await?;
//!     let (mut sender, conn) = hyper::client::conn::http1::handshake(RillIo::new(stream))
//!         .await
//!         .map_err(std::io::Error::other)?;
//!     rill::spawn(conn);
//!     let req = Request::get("/").header("host", "x").body(Full::<Bytes>::default()).unwrap();
//!     let res = sender.send_request(req).await.map_err(std::io::Error::other)?;
//!     let body = res.into_body().collect().await.map_err(std::io::Error::other)?;
//!     assert_eq!(body.to_bytes(), "Hello, world!");
//!     std::io::Result::Ok(())
//! })?;
//! # std::io::Result::Ok(())
//! ```
//!
//! HTTP/2 is the same with `hyper::server::conn::http2::Builder::new(RillExecutor)` and
//! `hyper::client::conn::http2::handshake(RillExecutor, io)`. The `hyper_hello` example serves
//! both (h2c on a second port) with graceful shutdown on SIGINT / SIGTERM; `axum_hello` serves
//! an axum `Router`.
//!
//! HTTP/1 upgrades (`serve_connection(..).with_upgrades()`) need a `Send` I/O type in hyper
//! 1.x, which rill's sockets are not.
#![warn(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod executor;
mod graceful;
mod io;
pub mod timer;

pub use executor::RillExecutor;
pub use graceful::{Graceful, GracefulConnection, Watched};
pub use io::{RillIo, RillStream};
pub use timer::{RillSleep, RillTimer};
