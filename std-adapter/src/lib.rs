//! # rill: a small, fast async runtime with sockets and timers
//!
//! `rill` is the std face of the rill reactor: a single-threaded runtime (one per thread) that
//! drives TCP, UDP and Unix-domain sockets and timers through the sans-io core
//! ([`rill_core`]) and an OS backend ([`rill_os`]: epoll, kqueue, poll or select, chosen at run
//! time).
//!
//! ## Quick start
//!
//! ```
//! use rill::{Runtime, TcpListener, TcpStream};
//!
//! let rt = Runtime::new()?;
//! rt.block_on(async {
//!     let listener = TcpListener::bind("127.0.0.1:0")?;
//!     let addr = listener.local_addr()?;
//!     let server = rill::spawn(async move {
//!         let (stream, _) = listener.accept().await?;
//!         let mut buf = [0u8; 5];
//!         stream.read_exact(&mut buf).await?;
//!         stream.write_all(&buf).await?;
//!         std::io::Result::Ok(())
//!     });
//!     let client = TcpStream::connect(addr).await?;
//!     client.write_all(b"hello").await?;
//!     let mut back = [0u8; 5];
//!     client.read_exact(&mut back).await?;
//!     assert_eq!(&back, b"hello");
//!     server.await??;
//!     std::io::Result::Ok(())
//! })?;
//! # std::io::Result::Ok(())
//! ```
//!
//! ## The pieces
//!
//! | item | what it is |
//! |---|---|
//! | [`Runtime`], [`Builder`] | the runtime; choose the [`Backend`], the inline budget, capacities |
//! | [`spawn`], [`JoinHandle`] | tasks (may be `!Send`); await the output or [`JoinHandle::abort`] |
//! | [`JoinSet`], [`AbortHandle`], [`yield_now`] | many tasks awaited as they finish (aborted when the set drops); abort without owning; yield |
//! | [`task_local!`], [`LocalKey`] | task-local values, set for one future with [`LocalKey::scope`] |
//! | [`JoinError::into_panic`], [`Runtime::shutdown_timeout`] | a task's panic payload; graceful shutdown with a deadline |
//! | [`Handle`] | `Send + Sync`: spawn onto and wake the runtime from other threads |
//! | [`TcpListener`], [`TcpStream`], [`UdpSocket`], [`UnixListener`], [`UnixStream`] | sockets |
//! | [`TcpSocket`], [`UnixDatagram`], [`OwnedReadHalf`] / [`OwnedWriteHalf`], [`ReadHalf`] / [`WriteHalf`], [`UCred`] | socket options before connect / listen, Unix datagrams, split halves, peer credentials |
//! | [`sleep`], [`sleep_until`], [`timeout`], [`interval`] | timers |
//! | [`Builder::worker_threads`], [`LoopGroup`], [`worker_index`] | several threads (below) |
//! | [`AsyncFd`], [`pipe()`], [`process`], [`signal`] | any descriptor, pipes, child processes, signals (below) |
//!
//! Sockets belong to the runtime that was current when they were made (they are `!Send`); use
//! [`Handle::spawn_with`] to start socket work from another thread. Their byte-stream methods
//! take `&self`, so one task may read while another writes. Each direction runs one op at a
//! time; several tasks may wait on the same direction (two readers of one socket): every one
//! is woken when the direction turns ready and they take turns, none is forgotten (H20). They
//! also implement `futures_io::AsyncRead` / `AsyncWrite`. Conversions to and from the
//! `std::net` / `std::os::unix::net` types, `OwnedFd` and `socket2::Socket` are provided.
//!
//! ## Several threads
//!
//! [`Builder::worker_threads`]`(n)` gives a runtime `n` loops, one per thread: loop 0 is driven
//! by [`Runtime::block_on`], loops 1 ..= n-1 by background threads. Each loop is a whole
//! single-threaded runtime (own poller, timers, tasks); tasks and their sockets never move, so
//! the I/O path takes no lock. Work is spread when it is placed: [`Handle::spawn`] and
//! [`Handle::spawn_with`] pick the least-loaded loop, [`Handle::spawn_on`] a given one; an
//! accepted connection moves by `into_std` + `spawn_with` + `from_std`. [`LoopGroup`] is the
//! thread-per-core form: `n` background loops, a `SO_REUSEPORT` listener per loop
//! ([`LoopGroup::listen_reuseport`]), and a process-wide reference-counted group
//! ([`LoopGroup::shared`]) torn down when its last user releases it. The [`multi`] module docs
//! give the design and what runs where in full.
//!
//! **Sockets stay on their loop.** A socket, a [`Sleep`] and any future holding one are `!Send`
//! (the I/O path takes no lock). When the compiler says ``Rc<UseIntoStdThenHandleSpawnWith>`
//! cannot be sent between threads safely``, it means: build the socket where it will live, inside
//! a [`Handle::spawn_with`] closure, or move it with `into_std()` and, on the target loop,
//! `from_std()`. [`thread_bound`] explains it with both patterns. A socket polled by another
//! runtime, or outside any, fails with an error that says so (it never parks where nobody
//! drives it); I/O, [`spawn`] or a timer outside a runtime fails with one naming the fix.
//!
//! ## How I/O runs: speculation and the inline budget
//!
//! Every read, write, accept and connect is an op in the core. A new op first *tries the
//! syscall* (speculative I/O); if it succeeds it completes inline, with no trip through the
//! poller. If it says `WouldBlock`, the op parks until the backend reports the direction ready.
//! The core remembers a direction that just said `WouldBlock` and parks the next op at once
//! without a wasted syscall. `WouldBlock` never reaches the caller.
//!
//! Inline completions are limited by the *inline budget* ([`Builder::inline_budget`], default
//! 2), reset whenever a task is polled. With the budget spent, a new op is queued instead of
//! tried (no syscall happens now); the task goes to the back of the run queue, behind the tasks
//! already runnable, and performs the syscall when polled again. Budget 0 sends every op through
//! the queue: slower, equally correct. The budget is far smaller than tokio's co-operative one
//! (128): a task that must keep up with many busy tasks (one receiver fed by many senders) wants a
//! larger one.
//!
//! One case needs care: the budget can run out *during* a syscall that succeeded (the core then
//! says "deferred"). The bytes are already in the caller's buffer, so rill returns them at once
//! (nothing is held back or lost), and the *next* op in that direction waits until the core
//! dispatches the deferred completion.
//!
//! ## Cancellation: what happens to the bytes
//!
//! Dropping an I/O future cancels its op. Exactly what happened is always one of:
//!
//! - **The op was waiting** (parked on readiness, or queued by the budget): no syscall was made
//!   for it. Nothing was read or written: unread bytes stay in the socket for the next read, and
//!   none of the write's bytes were sent.
//! - **The core had granted an attempt but the task had not made it yet**: rill reports the
//!   attempt as `WouldBlock` without making the syscall, so again nothing was read or written.
//! - **The op completed**: the future returned `Ready` before being dropped, and its result
//!   (bytes read into your buffer, or the count written) was delivered.
//!
//! A syscall is only ever made inside a poll of the future, and its result is returned from that
//! same poll, so a cancelled op never consumes bytes it cannot deliver. Composite futures keep
//! the partial progress of their completed steps: a dropped `write_all` has sent a prefix of the
//! buffer, a dropped `read_exact` has filled a prefix of it (in both cases the length of that
//! prefix is lost with the future; loop over `write` / `read` when it matters). Aborting a task
//! ([`JoinHandle::abort`]) drops its future, with the same guarantees, so the socket stays
//! usable by others. A [`timeout`] that expires drops the inner future the same way.
//!
//! A socket that is deregistered while an op is outstanding (its runtime shut down) completes
//! that op with an error. I/O on a socket whose runtime has shut down is an error
//! (`"... has shut down"`), never a hang.
//!
//! ## Errors
//!
//! Everything returns `std::io::Error`, with OS errors mapped to their kinds
//! (`ConnectionReset`, `BrokenPipe`, `ConnectionRefused`, `TimedOut`, ...). Writes never raise
//! SIGPIPE (`MSG_NOSIGNAL`, or `SO_NOSIGPIPE` on Apple systems). Accept under `EMFILE` /
//! `ENFILE` backs off with a timer instead of spinning ([`TcpListener::accept_backoffs`]).
//! Registering a descriptor twice is `AlreadyExists`; a full descriptor table is `OutOfMemory`
//! (raise [`Builder::max_io`]); a backend this platform lacks is `Unsupported`.
//!
//! ## Files, pipes, processes and signals
//!
//! - **Any descriptor**: [`AsyncFd`] registers an fd rill did not make (an eventfd, a tty, a
//!   socket from another library) and runs your own syscalls as ops ([`AsyncFd::async_io`]), or
//!   waits for readiness ([`AsyncFd::readable`], [`AsyncFd::writable`]) on every backend. See
//!   [`fd`] for what a readiness guard does and does not promise here.
//! - **Pipes**: [`pipe()`] gives a [`PipeWriter`] and a [`PipeReader`] (`read` / `write`, not
//!   `recv` / `send`, plus `AsyncRead` / `AsyncWrite`). A write whose reader is gone is
//!   `BrokenPipe`, never SIGPIPE, and the process's SIGPIPE disposition is not touched.
//! - **Processes**: [`process::Command`] spawns a child whose piped stdin / stdout / stderr are
//!   pipes; [`process::Child::wait`] waits on a pidfd where Linux has one and on SIGCHLD
//!   elsewhere; a dropped `Child` is reaped in the background, never left a zombie.
//! - **Signals**: [`signal::ctrl_c`] and [`signal::signal`] (any catchable signal, several
//!   listeners each, several runtimes per process) through signal-hook-registry and a
//!   self-pipe per listener.
//! - **Regular files** cannot be watched for readiness (epoll refuses them; their reads never
//!   say `WouldBlock`), so [`AsyncFd::new`] refuses them with `InvalidInput`. Do file I/O on
//!   the blocking pool, which keeps the loop thread free:
//!
//! ```
//! let rt = rill::Runtime::new()?;
//! let path = std::env::temp_dir().join(format!("rill-doc-{}", std::process::id()));
//! let contents = rt.block_on(async {
//!     let p = path.clone();
//!     rill::spawn_blocking(move || {
//!         std::fs::write(&p, b"on the blocking pool")?;
//!         std::fs::read(&p)
//!     })
//!     .await?
//! })?;
//! assert_eq!(contents, b"on the blocking pool");
//! # std::fs::remove_file(&path)?;
//! # std::io::Result::Ok(())
//! ```
//!
//! ## Using rill with the ecosystem
//!
//! - **hyper** (1.x, HTTP/1.1 and HTTP/2, server and client): the workspace crate `rill-hyper`
//!   (folder `hyper-rt/`) provides `RillIo` (hyper's `Read` / `Write` over [`TcpStream`] and
//!   [`UnixStream`]; reads go into hyper's uninitialised buffer through
//!   [`TcpStream::poll_read_uninit`], nothing zeroed), `RillExecutor` ([`spawn`]; takes
//!   `!Send` futures, so HTTP/2 works on a loop), `RillTimer` (`Send + Sync` sleeps on the
//!   loop's own timers, no task per timer) and `Graceful` (graceful shutdown).
//!   `cargo run --release -p rill-hyper --example hyper_hello` serves HTTP/1.1 on
//!   127.0.0.1:8080 and h2c on :8081 and shuts down gracefully on SIGINT / SIGTERM.
//! - **axum** (0.8): build it with `default-features = false` (its `tokio` feature only adds
//!   `axum::serve`) and serve the `Router` through hyper on rill, one
//!   `http1::Builder::serve_connection` per accepted connection:
//!   `cargo run --release -p rill-hyper --example axum_hello`.
//! - **futures-io crates** (`futures-util`'s `AsyncReadExt`, `async-tungstenite`,
//!   `futures-rustls`, `async-compression`'s futures-io side, ...): the sockets and pipes
//!   implement `futures_io::AsyncRead` / `AsyncWrite` (on the type and on `&Type`), so they work
//!   as they are.
//! - **tokio-only crates** (anything that calls `tokio::spawn`, `tokio::time`,
//!   `tokio::net`, or needs tokio's reactor: reqwest, sqlx's tokio runtime, tonic's transport,
//!   tower's `timeout` / `limit::rate` layers with tokio time, tokio-util codecs over tokio I/O
//!   traits): wrap the future in `async_compat::Compat`, which enters a tokio runtime on a helper
//!   thread for each poll, and wrap a rill socket in `Compat` to give it tokio's `AsyncRead` /
//!   `AsyncWrite`. Create the tokio future *inside* the `Compat` future (many tokio types look
//!   for the runtime when created). `hyper-rt/tests/tokio_compat.rs` runs `tokio::time::sleep`
//!   and a `tokio_util::codec::Framed` with `LinesCodec` over a rill socket this way. The cost
//!   is tokio's runtime thread next to rill's loop, so prefer a native path where there is one.
//!
//! ## Tasks: sets, task-locals, panics, graceful shutdown
//!
//! - [`JoinSet`] holds many tasks of one output type and yields their results as they finish
//!   ([`JoinSet::join_next`]); dropping the set aborts the tasks still in it.
//! - [`task_local!`] declares keys whose value is set for one future by [`LocalKey::scope`]
//!   (swapped in around each of its polls, so other tasks on the thread never see it).
//! - A task that panics ends alone; its [`JoinHandle`] yields a [`JoinError`] carrying the
//!   payload ([`JoinError::into_panic`], e.g. to `std::panic::resume_unwind` it).
//! - [`Runtime::shutdown_timeout`] gives the tasks a deadline, then drops the rest.
//!
//! ```
//! use std::time::Duration;
//!
//! rill::task_local! { static WORKER: u32; }
//!
//! let rt = rill::Runtime::new()?;
//! rt.block_on(async {
//!     let mut set = rill::JoinSet::new();
//!     for id in 0..3 {
//!         set.spawn(WORKER.scope(id, async { WORKER.get() * 2 }));
//!     }
//!     set.spawn(async { panic!("worker failed") });
//!     let (mut ok, mut panics) = (0, 0);
//!     while let Some(r) = set.join_next().await {
//!         match r {
//!             Ok(v) => ok += v,
//!             Err(e) => {
//!                 assert_eq!(e.into_panic().downcast_ref::<&str>(), Some(&"worker failed"));
//!                 panics += 1;
//!             }
//!         }
//!     }
//!     assert_eq!((ok, panics), (6, 1));
//! });
//! rt.spawn(std::future::pending::<()>()); // never ends: dropped at the deadline
//! rt.shutdown_timeout(Duration::from_millis(10));
//! # std::io::Result::Ok(())
//! ```
//!
//! ## `#[rill::main]` and `#[rill::test]`
//!
//! With the default `macros` feature, `#[rill::main]` turns `async fn main` into a `main` that
//! builds a runtime and `block_on`s the body; `#[rill::test]` does the same for a `#[test]`.
//! Their arguments are the [`Builder`]'s options, checked at compile time (an unknown name, a
//! bad backend or a non-`async` function is a compile error that points at it):
//!
//! ```
//! #[rill::main(backend = "poll", worker_threads = 2, inline_budget = 0, max_io = 1024)]
//! async fn main() -> std::io::Result<()> {
//!     let listener = rill::TcpListener::bind("127.0.0.1:0")?;
//!     let addr = listener.local_addr()?;
//!     let server = rill::spawn(async move { listener.accept().await.map(|_| ()) });
//!     let _client = rill::TcpStream::connect(addr).await?;
//!     server.await??;
//!     Ok(())
//! }
//! ```
//!
//! ## Coming from tokio
//!
//! `docs/COMING_FROM_TOKIO.md` maps tokio's API to rill's, item by item: what is the same
//! (`spawn`, `JoinSet`, `task_local!`, `timeout`, the socket types), what differs and why
//! (tasks and sockets may be `!Send` and never move; loops instead of a work-stealing pool;
//! `futures-io` traits instead of tokio's, with `async-compat` for tokio-only crates).
#![warn(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod blocking;
mod clock;
mod driver;
mod event_loop;
mod executor;
// The executor's parts, at the paths the rest of the crate uses.
use executor::{context, metrics, task};
pub mod fd;
mod io_error;
mod io_source;
mod join_set;
mod loop_config;
pub mod multi;
mod net;
pub mod pipe;
mod poller;
mod pool;
pub mod process;
mod runtime;
pub mod signal;
mod spawn;
mod sys;
mod task_local;
pub mod thread_bound;
pub mod time;
mod timers;
mod tracing_events;
mod transfer;
mod waiters;
mod yield_now;

pub use blocking::{blocking_jobs_submitted_on_this_thread, spawn_blocking, SpawnBlocking};
pub use fd::AsyncFd;
pub use join_set::JoinSet;
pub use metrics::{metrics, Metrics};
pub use multi::{worker_index, LoopGroup, ReuseportServer};
pub use net::addr::{lookup_host, set_resolve_hook, ResolveHook, ToSocketAddrs};
pub use net::keepalive::TcpKeepalive;
pub use net::split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use net::tcp::{Accept, TcpListener, TcpStream};
pub use net::tcp_socket::TcpSocket;
pub use net::udp::UdpSocket;
pub use net::unix::{UCred, UnixAccept, UnixListener, UnixStream};
pub use net::unix_datagram::UnixDatagram;
pub use pipe::{pipe, PipeReader, PipeWriter};
/// Runs an `async fn main` on a rill runtime, built from the arguments (`backend = "poll"`,
/// `worker_threads = 2`, `inline_budget = 0`, `max_io = 1024`, ...: the [`Builder`]'s options).
/// See "`#[rill::main]` and `#[rill::test]`" in the crate docs.
///
/// ```
/// #[rill::main(inline_budget = 0)]
/// async fn main() {
///     assert_eq!(rill::spawn(async { 2 }).await.unwrap(), 2);
/// }
/// ```
#[cfg(feature = "macros")]
pub use rill_macros::main;
/// Runs an `async fn` test on a fresh rill runtime (the function becomes a `#[test]`), with the
/// same arguments as [`main`](macro@main).
///
/// ```
/// #[rill::test(backend = "poll")]
/// async fn spawns() {
///     assert_eq!(rill::spawn(async { 2 }).await.unwrap(), 2);
/// }
/// # fn main() {}
/// ```
#[cfg(feature = "macros")]
pub use rill_macros::test;
// The one backend enum and its parse error are rill-os's: `rill::Backend` is
// `rill_os::Backend`, so there is nothing to map between the runtime and the shims.
pub use rill_os::{Backend, UnknownBackend};
pub use runtime::{Builder, Handle, Runtime};
pub use spawn::{spawn, try_spawn};
pub use task::{AbortHandle, JoinError, JoinHandle};
pub use task_local::{AccessError, LocalKey, TaskLocalFuture};
pub use time::{interval, sleep, sleep_until, timeout, timeout_at, Elapsed, Interval, Sleep};
pub use yield_now::yield_now;
