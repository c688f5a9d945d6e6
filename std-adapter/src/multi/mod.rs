//! Several threads: a runtime with worker threads ([`crate::Builder::worker_threads`]) and
//! thread-per-core loop groups ([`LoopGroup`]). Both are built from the same piece: a *loop*,
//! which is a whole single-threaded rill runtime (its own OS poller, core reactor, timers, task
//! table and run queue) owned by one thread.
//!
//! # Design: share-nothing loops, work spread when it is placed
//!
//! Sockets are `!Send` and belong to the loop that registered them; a task never migrates.
//! So there is no lock anywhere on the I/O path: a read, a write, a timer, a local wake are
//! exactly the single-threaded code, run by the thread that owns the loop. What crosses threads
//! is only *placement* (a new task sent to a loop) and *wakes / aborts* (a task's `Waker` or
//! [`crate::JoinHandle::abort`] used from another thread), both through each loop's existing
//! remote queue plus an interrupt of its OS wait.
//!
//! We chose this over "one reactor, one thread in the OS, others run ready tasks" (the seed
//! scheduler) because that design needs every descriptor's op slots behind a lock
//! (`rill_core::sync::SharedDescriptor`), `Send` tasks and sockets, and a shared run queue
//! whose every push and pop is a cross-thread handshake; it balances load better per task, but
//! costs on every op. With connection-oriented work (a task per connection, many connections)
//! spreading at placement balances well enough, and each loop keeps single-threaded speed. The
//! price, stated plainly: a loop whose tasks are busy does not hand them to an idle loop (no
//! work stealing), and a task spawned with [`crate::spawn`] stays on the loop that spawned it.
//!
//! # What runs where
//!
//! With `worker_threads(n)`, a [`crate::Runtime`] has `n` loops:
//!
//! | loop | thread | driven when |
//! |---|---|---|
//! | 0 | the thread that built the runtime | inside [`crate::Runtime::block_on`] (as with one thread) |
//! | 1 ..= n-1 | background threads `rill-worker-<i>` started by `build` | always, until the runtime is dropped |
//!
//! - the `block_on` future, [`crate::Runtime::spawn`] and [`crate::spawn`] from loop 0 run on
//!   loop 0; [`crate::spawn`] on a worker thread runs on that worker (a task's children stay
//!   with it, so they can share `Rc` state and sockets);
//! - [`crate::Handle::spawn`] / [`crate::Handle::spawn_with`] place the task on the *least
//!   loaded* loop (fewest live tasks placed through handles; ties go round-robin, so a burst of
//!   spawns lands on every loop in turn); [`crate::Handle::spawn_on`] picks the loop;
//! - an accepted connection moves to another loop by handing off its std socket:
//!   `stream.into_std()`, then `handle.spawn_with(move || ... TcpStream::from_std(s) ...)`
//!   (deregistered here, registered there; bytes in flight stay in the kernel);
//! - [`crate::Handle::try_current`] on any loop gives the handle of the whole runtime, so
//!   code running on a worker spreads its spawns too; [`crate::worker_index`] tells a task
//!   which loop it is on.
//!
//! `worker_threads(1)` (the default) builds exactly the single-threaded runtime, no thread is
//! started and nothing here is involved. Loop 0 runs only inside `block_on`, as before, so a task
//! placed on it while nobody is in `block_on` waits for the next `block_on`.
//!
//! A [`LoopGroup`] is `n` background loops (`rill-loop-<i>`) and no loop 0: thread-per-core in
//! the shape of the Go event-loop seed. [`LoopGroup::listen_reuseport`] binds one `SO_REUSEPORT`
//! listener per loop so the kernel spreads connections over them; [`LoopGroup::shared`] is a
//! process-wide group that several components share, torn down (threads joined) when the last
//! of them releases it.
//!
//! # The cross-thread pieces
//!
//! - **Interrupting a loop** (`rill_core::sync::Signal`, one per loop): a thread that posts a
//!   spawn or a wake to a loop's remote queue calls `notify()`; the OS waker (eventfd,
//!   `EVFILT_USER`, pipe) is fired only when the loop has committed to block in its OS wait
//!   (`prepare_to_block` said `Block`), and at most once per wait. A notify that races the
//!   loop's decision to block turns that wait into a non-blocking poll; it is never lost. A busy
//!   loop therefore receives any number of cross-thread wakes without a single waker syscall.
//! - **Stopping a loop**: a flag plus the waker of the loop's `block_on` future; dropping the
//!   runtime (or releasing the last group user) sets every flag, wakes every loop, then joins the
//!   threads. Each loop shuts its own runtime down on its own thread, so every task is dropped
//!   (its I/O cancelled) by the thread that owns it.
//! - **Load** (`rill_core::sync::WorkCount`, one per loop): `started()` when a task is placed on
//!   the loop through a handle, `finished()` when that task's future is dropped (completed,
//!   aborted, or dropped at shutdown), so placement reads a live-task count without asking the
//!   loop.
//! - **Group users** (`WorkCount`): one count per user of a [`LoopGroup`] (each clone), not per
//!   reference; the drop to zero is seen exactly once, and that caller tears the group down. For
//!   the shared group, taking a user and releasing the last one both happen under the
//!   process-wide slot's lock, so a new user never revives a group being torn down.
//! - **Wake / abort across threads** use the existing task header: a wake or an abort from a
//!   thread that does not own the task pushes its key onto the owning loop's remote queue and
//!   interrupts the loop's OS wait; the loop drops an aborted future on its own thread. The
//!   join cell keeps the first result only, so a task that completes while being aborted yields
//!   exactly one outcome (its output, or cancelled), never both. (`rill_core::sync::Claim`
//!   expresses the same rule; the join cell already enforces it under its lock, so no second
//!   mechanism is layered on top.)
//! - Not used, on purpose: `Claim` (see above), `SharedDescriptor` (no descriptor is shared
//!   between threads) and `IdleWorkers` (there is no shared queue for idle threads to wait on:
//!   each loop sleeps in its own poller).
//!
//! Shutdown order of a runtime with workers: the workers are stopped and joined first (their
//! tasks dropped on their threads), then loop 0 shuts down as the single-threaded runtime does.
//! A [`crate::Handle`] outlives all of this: spawning through it afterwards yields a
//! [`crate::JoinError`] whose `is_shutdown()` is true.

mod loop_group;
mod reuseport;

pub use loop_group::LoopGroup;
pub use reuseport::ReuseportServer;

/// Which loop of its runtime or [`LoopGroup`] the current thread is driving.
///
/// `Some(i)` on the thread of loop `i` of a multi-threaded runtime or of a [`LoopGroup`]
/// (`0 ..= n-1`); `Some(0)` inside [`crate::Runtime::block_on`] of a single-threaded runtime;
/// `None` on a thread that drives no rill loop.
///
/// ```
/// assert_eq!(rill::worker_index(), None); // no loop on this thread
/// let rt = rill::Runtime::builder().worker_threads(2).build()?;
/// assert_eq!(rt.block_on(async { rill::worker_index() }), Some(0));
/// let task = rt.handle().spawn_on(1, || async { rill::worker_index() })?;
/// assert_eq!(rt.block_on(task).unwrap(), Some(1));
/// # std::io::Result::Ok(())
/// ```
pub fn worker_index() -> Option<usize> {
    crate::pool::current_index().or_else(|| crate::context::with_current(|_| 0))
}
