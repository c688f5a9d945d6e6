//! Why rill's sockets and timers are not `Send`, and what to do when the compiler says so.
//!
//! A socket is registered with the loop (the runtime thread) that made it, and its I/O path
//! touches that loop's reactor with no lock: that is what keeps a read a few hundred
//! instructions. So sockets, [`Sleep`](crate::Sleep) and the futures built on them are `!Send`,
//! and a future holding one cannot go to [`Handle::spawn`](crate::Handle::spawn) or
//! `std::thread::spawn`. The compiler then names the loop's state by the name below:
//!
//! ```text
//! error[E0277]: `Rc<UseIntoStdThenHandleSpawnWith>` cannot be sent between threads safely
//! ```
//!
//! What to do instead:
//!
//! - **Start socket work on another loop or thread**: [`Handle::spawn_with`](crate::Handle::spawn_with)
//!   takes a `Send` closure that runs *on* the target loop and builds the (`!Send`) future there,
//!   so the socket is created where it will live.
//! - **Move an existing socket**: `into_std()` turns it into its `std` type (which is `Send`),
//!   deregistering it; send that, then `from_std()` inside the target loop (for example in the
//!   `spawn_with` closure). An accepted connection moves this way.
//! - **Use it from the same thread**: [`spawn`](crate::spawn) takes `!Send` futures.
//!
//! ```compile_fail
//! // Does not compile: `TcpStream` is `!Send`.
//! fn send_to_a_thread(stream: rill::TcpStream) {
//!     std::thread::spawn(move || drop(stream));
//! }
//! ```
//!
//! Both fixes, handing an accepted connection to another thread's runtime:
//!
//! ```
//! let rt = rill::Runtime::new()?;
//! let other = rill::Runtime::new()?; // stands for any runtime driven on another thread
//! let other_handle = other.handle();
//! let served = rt.block_on(async {
//!     let listener = rill::TcpListener::from_std(std::net::TcpListener::bind("127.0.0.1:0")?)?;
//!     let addr = listener.local_addr()?;
//!     let _client = std::net::TcpStream::connect(addr)?;
//!     let (stream, _) = listener.accept().await?;
//!     let std_stream = stream.into_std(); // Send: deregistered from this loop
//!     std::io::Result::Ok(other_handle.spawn_with(move || async move {
//!         let stream = rill::TcpStream::from_std(std_stream)?; // registered on its new loop
//!         stream.peer_addr()
//!     }))
//! })?;
//! assert!(other.block_on(served).unwrap().is_ok());
//! # std::io::Result::Ok(())
//! ```
//!
//! A socket polled by a runtime that is not its own (a second runtime on the same thread, or
//! another executor) fails with an error saying so instead of hanging.

/// The state of one loop, which every socket and timer points to (through an `Rc`: that is what
/// makes them `!Send`). Its name is what the compiler's "cannot be sent between threads" error
/// shows, so it names the fix; see the [module docs](self). Nothing about it is public but the
/// name.
pub use crate::executor::Local as UseIntoStdThenHandleSpawnWith;
