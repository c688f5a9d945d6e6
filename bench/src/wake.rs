//! The cross-thread wake workload's shared half: a remote thread that wakes the reactor and waits
//! for the reactor thread to acknowledge, one wake at a time. Each acknowledged wake is one
//! operation, so the rate is the inverse of the wake round-trip latency.
//!
//! The reactor side is each implementation's own: block in its poller (or runtime), and on every
//! wake-up copy `seq` to `ack`, until `seq` says [`STOP`].

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread::{self, JoinHandle};

use crate::meter::Meter;

/// The value of `seq` that tells the reactor to return.
pub const STOP: u64 = u64::MAX;

/// What the two threads share.
#[derive(Default)]
pub struct WakePair {
    /// The latest wake's number (written by the remote thread).
    pub seq: AtomicU64,
    /// The latest number the reactor saw (written by the reactor thread).
    pub ack: AtomicU64,
    /// For the async runtimes: the parked task's waker.
    pub waker: Mutex<Option<Waker>>,
}

impl WakePair {
    /// Reactor side: acknowledges the current `seq`; `false` means stop.
    pub fn acknowledge(&self) -> bool {
        let seq = self.seq.load(Ordering::Acquire);
        if seq == STOP {
            return false;
        }
        self.ack.store(seq, Ordering::Release);
        true
    }

    /// Remote side for the async runtimes: wakes the parked task, if any.
    pub fn wake_task(&self) {
        let waker = self.waker.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Reactor side for the async runtimes: resolves when `seq` moves past `seen`.
    pub fn changed(self: &Arc<Self>, seen: u64) -> Changed {
        Changed {
            pair: self.clone(),
            seen,
        }
    }
}

/// The future of [`WakePair::changed`]: a wake that parks the task's waker in the pair.
pub struct Changed {
    pair: Arc<WakePair>,
    seen: u64,
}

impl Future for Changed {
    type Output = u64;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
        let seq = self.pair.seq.load(Ordering::Acquire);
        if seq != self.seen {
            return Poll::Ready(seq);
        }
        *self.pair.waker.lock().unwrap_or_else(|e| e.into_inner()) = Some(cx.waker().clone());
        let seq = self.pair.seq.load(Ordering::Acquire);
        if seq != self.seen {
            return Poll::Ready(seq);
        }
        Poll::Pending
    }
}

/// Starts the remote thread: wake, wait for the acknowledgement, count, until the meter stops;
/// then sets [`STOP`] and wakes once more.
pub fn remote<W>(pair: Arc<WakePair>, meter: Arc<Meter>, wake: W) -> JoinHandle<io::Result<()>>
where
    W: Fn() -> io::Result<()> + Send + 'static,
{
    thread::spawn(move || {
        let result = drive(&pair, &meter, &wake);
        if result.is_err() {
            // Let the reactor return instead of waiting for a wake that will not come.
            pair.seq.store(STOP, Ordering::Release);
            let _ = wake();
        }
        result
    })
}

fn drive<W: Fn() -> io::Result<()>>(pair: &WakePair, meter: &Meter, wake: &W) -> io::Result<()> {
    {
        let mut n = 0u64;
        loop {
            n += 1;
            pair.seq.store(n, Ordering::Release);
            wake()?;
            let mut spins = 0u32;
            while pair.ack.load(Ordering::Acquire) != n {
                spins += 1;
                if spins < 4000 {
                    std::hint::spin_loop();
                } else {
                    thread::yield_now();
                }
            }
            if !meter.add(1) {
                pair.seq.store(STOP, Ordering::Release);
                return wake();
            }
        }
    }
}

impl WakePair {
    /// Describes the pair for a stall report.
    pub fn describe(&self) -> String {
        format!(
            "seq {} ack {}",
            self.seq.load(Ordering::Acquire),
            self.ack.load(Ordering::Acquire)
        )
    }
}

/// Joins the remote thread, turning a panic into an error.
pub fn join(handle: JoinHandle<io::Result<()>>) -> io::Result<()> {
    handle
        .join()
        .map_err(|_| io::Error::other("wake thread panicked"))?
}
