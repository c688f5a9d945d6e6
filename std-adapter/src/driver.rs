//! The driver: one turn of the I/O and timer loop (phase-1 stand-in: a condition variable).

use std::io;
use std::sync::{Arc, Condvar, Mutex};

/// Interrupts a blocked wait from any thread.
pub(crate) struct OsWaker {
    inner: Arc<(Mutex<bool>, Condvar)>,
}

impl OsWaker {
    pub(crate) fn wake(&self) {
        let (m, c) = &*self.inner;
        if let Ok(mut g) = m.lock() {
            *g = true;
        }
        c.notify_one();
    }
}

/// What the builder decided.
pub(crate) struct DriverConfig {
    pub(crate) backend: crate::Backend,
    pub(crate) inline_budget: u32,
    pub(crate) max_io: usize,
    pub(crate) events: usize,
    pub(crate) timers: usize,
}

/// The driver.
pub(crate) struct Driver {
    inner: Arc<(Mutex<bool>, Condvar)>,
}

impl Driver {
    pub(crate) fn new(_config: &DriverConfig) -> io::Result<(Driver, OsWaker)> {
        let inner = Arc::new((Mutex::new(false), Condvar::new()));
        Ok((
            Driver {
                inner: inner.clone(),
            },
            OsWaker { inner },
        ))
    }

    pub(crate) fn begin_dispatch(&mut self) {}

    pub(crate) fn turn(&mut self, may_block: bool) -> io::Result<()> {
        let (m, c) = &*self.inner;
        let mut g = m.lock().map_err(|_| io::Error::other("poisoned"))?;
        if may_block {
            while !*g {
                g = c.wait(g).map_err(|_| io::Error::other("poisoned"))?;
            }
        }
        *g = false;
        Ok(())
    }

    pub(crate) fn shutdown(&mut self) {}
}
