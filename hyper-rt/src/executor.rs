//! [`RillExecutor`]: hyper's executor, spawning onto the current rill loop.
//!
//! hyper asks its executor to run background futures: HTTP/2 stream and connection tasks on
//! both sides, and the HTTP/1 client's connection when it is not polled directly. Those
//! futures hold the connection's I/O, which for rill is `!Send`, so they must run on the loop
//! that owns the socket: [`rill::spawn`] does exactly that and takes `!Send` futures.

use std::future::Future;

/// hyper's [`Executor`](hyper::rt::Executor) for rill: [`rill::spawn`] on the loop driving the
/// calling thread. Accepts `!Send` futures, so HTTP/2 works over rill's `!Send` sockets (hyper
/// calls `execute` from inside the connection future, which runs on that loop).
///
/// # Panics
///
/// `execute` panics when called outside a rill runtime (there is no loop to run the future on).
#[derive(Clone, Copy, Debug, Default)]
pub struct RillExecutor;

impl<F> hyper::rt::Executor<F> for RillExecutor
where
    F: Future + 'static,
    F::Output: 'static,
{
    fn execute(&self, fut: F) {
        // Detached: hyper tracks the future's completion itself.
        drop(rill::spawn(fut));
    }
}
