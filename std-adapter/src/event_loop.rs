//! One loop: a single-threaded executor with its own I/O driver (OS poller, core reactor,
//! timers), owned by the thread that drives it. It is the piece every runtime shape is built
//! from: a [`crate::Runtime`] is one loop (loop 0) plus, with worker threads, loops on
//! background threads (`pool`); a [`crate::LoopGroup`] is loops on background threads only.
//!
//! A loop is built from a [`LoopConfig`] (`loop_config.rs`). [`EventLoop`] is a built loop: dropping it shuts the loop
//! down on the dropping thread (every task dropped, its I/O cancelled).

use std::future::Future;
use std::io;
use std::rc::Rc;
use std::sync::Arc;

use crate::driver::Driver;
use crate::executor::{Local, Shared};
pub(crate) use crate::loop_config::LoopConfig;

/// A built loop, driven by the thread that owns it. Shut down when dropped.
pub(crate) struct EventLoop {
    local: Rc<Local>,
}

impl EventLoop {
    /// Creates the loop's OS poller and waker, driver and executor.
    pub(crate) fn new(config: &LoopConfig) -> io::Result<EventLoop> {
        let (driver, os_waker) = Driver::new(config)?;
        let shared = Arc::new(Shared::new(os_waker));
        Ok(EventLoop {
            local: Rc::new(Local::new(shared, driver, config.tasks)),
        })
    }

    /// The loop's thread-bound half.
    pub(crate) fn local(&self) -> &Rc<Local> {
        &self.local
    }

    /// The loop's half that other threads reach (remote spawns and wakes, shutdown flag).
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        self.local.shared()
    }

    /// Drives the loop until `future` is done; an error when nested in another loop's
    /// `block_on` on this thread, or when the OS poller fails.
    pub(crate) fn block_on<F: Future>(&self, future: F) -> io::Result<F::Output> {
        self.local.block_on(future)
    }
}

impl Drop for EventLoop {
    fn drop(&mut self) {
        self.local.shutdown();
    }
}
