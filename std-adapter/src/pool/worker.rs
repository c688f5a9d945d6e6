//! One background loop: a thread that builds an [`EventLoop`], drives it until told to stop,
//! then drops it (shutting it down on its own thread) and exits. However the thread ends
//! (told to stop, its poller failed, or a panic that escaped), the loop reads as shut down
//! afterwards, so placement stops choosing it and spawns sent to it answer "shut down".

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::thread;

use super::{MemberGuard, Membership};
use crate::event_loop::{EventLoop, LoopConfig};
use crate::executor::Shared;
use crate::task;

/// The stop request of one loop: a flag plus the waker of the loop's `block_on` future.
#[derive(Default)]
struct StopFlag {
    state: Mutex<StopState>,
}

#[derive(Default)]
struct StopState {
    stopped: bool,
    waker: Option<Waker>,
}

impl StopFlag {
    fn lock(&self) -> MutexGuard<'_, StopState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Any thread: ask the loop to stop and wake it.
    fn stop(&self) {
        let waker = {
            let mut s = self.lock();
            s.stopped = true;
            s.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

/// The future a loop thread runs in `block_on`: ready once [`StopFlag::stop`] was called.
struct UntilStopped(Arc<StopFlag>);

impl Future for UntilStopped {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = self.0.lock();
        if s.stopped {
            return Poll::Ready(());
        }
        match &s.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => s.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

/// Owns a loop thread's loop. Dropped when the thread ends, normally or by unwinding: it
/// shuts the loop down, then closes the loop's remote queue in any case (if the shutdown
/// itself did not finish), so no spawn waits on a loop that is gone.
struct LoopThread {
    event_loop: Option<EventLoop>,
    shared: Arc<Shared>,
}

impl Drop for LoopThread {
    fn drop(&mut self) {
        task::discard(self.event_loop.take());
        for spawn in self.shared.close() {
            // Dropping a spawn that never ran records "shut down" for its join handle.
            task::discard(spawn);
        }
    }
}

/// A running loop thread.
pub(crate) struct Worker {
    shared: Arc<Shared>,
    stop: Arc<StopFlag>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Worker {
    /// Starts loop `index` of `membership` on a new thread named `name`, built from `config`.
    /// Returns once the loop exists (or failed to build).
    pub(crate) fn start(
        config: &LoopConfig,
        name: String,
        membership: Arc<Membership>,
        index: usize,
    ) -> io::Result<Worker> {
        let config = *config;
        let stop = Arc::new(StopFlag::default());
        let until = UntilStopped(stop.clone());
        let (tx, rx) = mpsc::sync_channel(1);
        let thread = thread::Builder::new().name(name).spawn(move || {
            let event_loop = match EventLoop::new(&config) {
                Ok(l) => l,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            let shared = event_loop.shared().clone();
            let owner = LoopThread {
                event_loop: Some(event_loop),
                shared: shared.clone(),
            };
            let _member = MemberGuard::enter(membership, index);
            if tx.send(Ok(shared)).is_err() {
                return;
            }
            // A poller failure ends the loop early; dropping the loop then shuts it down, so
            // tasks placed on it see "shut down" instead of hanging, and placement skips it.
            if let Some(l) = &owner.event_loop {
                let _ = l.block_on(until);
            }
            drop(owner);
        })?;
        match rx.recv() {
            Ok(Ok(shared)) => Ok(Worker {
                shared,
                stop,
                thread: Some(thread),
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => {
                let _ = thread.join();
                Err(io::Error::other("a rill loop thread exited while starting"))
            }
        }
    }

    /// This loop, as other threads reach it.
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Asks the loop to stop (it shuts its runtime down and exits); does not wait.
    pub(crate) fn begin_stop(&self) {
        self.stop.stop();
    }

    /// Waits for the loop thread to exit. Called on the loop's own thread (the last user of a
    /// group released it from a task), the thread cannot wait for itself: it is detached and
    /// exits as soon as the current task returns to its loop.
    pub(crate) fn join(&mut self) {
        if let Some(t) = self.thread.take() {
            if t.thread().id() != thread::current().id() {
                let _ = t.join();
            }
        }
    }
}

/// Stops every loop first (so they shut down in parallel), then joins them.
pub(crate) fn stop_all(workers: &mut [Worker]) {
    for w in workers.iter() {
        w.begin_stop();
    }
    for w in workers.iter_mut() {
        w.join();
    }
}
