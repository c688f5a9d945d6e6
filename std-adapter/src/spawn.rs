//! Spawning onto the loop that drives this thread: [`spawn`] and [`try_spawn`]. (From another
//! thread, spawn through a [`crate::Handle`].)

use std::future::Future;
use std::io;

use crate::context;
use crate::io_error::no_runtime;
use crate::task::JoinHandle;

/// Spawns a task onto the runtime driving this thread.
///
/// # Panics
///
/// Outside [`Runtime::block_on`](crate::Runtime::block_on) (there is no runtime to spawn onto);
/// use [`try_spawn`] to get an error instead.
///
/// ```
/// let rt = rill::Runtime::new()?;
/// let out = rt.block_on(async {
///     let tasks: Vec<_> = (1..=3).map(|i| rill::spawn(async move { i * 10 })).collect();
///     let mut sum = 0;
///     for t in tasks {
///         sum += t.await.unwrap();
///     }
///     sum
/// });
/// assert_eq!(out, 60);
/// # std::io::Result::Ok(())
/// ```
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    match try_spawn(future) {
        Ok(h) => h,
        Err(e) => panic!("rill::spawn: {e}"),
    }
}

/// Spawns a task onto the runtime driving this thread, or errors outside `block_on`.
///
/// ```
/// assert!(rill::try_spawn(async {}).is_err()); // no runtime on this thread
/// let rt = rill::Runtime::new()?;
/// let task = rt.block_on(async { rill::try_spawn(async { 9 }) })?;
/// assert_eq!(rt.block_on(task).unwrap(), 9);
/// # std::io::Result::Ok(())
/// ```
pub fn try_spawn<F>(future: F) -> io::Result<JoinHandle<F::Output>>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let local = context::current().ok_or_else(no_runtime)?;
    Ok(local.spawn(future))
}
