//! The thread-local "current runtime": how wakers, [`crate::spawn`] and the I/O types find the
//! runtime driving the current thread.
//!
//! [`crate::Runtime::block_on`] enters the runtime for its duration ([`enter`]); nesting is
//! refused. Outside `block_on` there is no current runtime and [`with_current`] answers `None`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::executor::Local;

thread_local! {
    static CURRENT: RefCell<Option<Rc<Local>>> = const { RefCell::new(None) };
    /// The address of the current runtime's `Local` (0 when none): a check the I/O path can
    /// afford on every park ([`is_current`]).
    static CURRENT_ADDR: Cell<usize> = const { Cell::new(0) };
}

/// True when `local` is the runtime driving this thread. A plain load of a thread-local.
#[inline]
pub(crate) fn is_current(local: &Rc<Local>) -> bool {
    CURRENT_ADDR
        .try_with(|a| a.get() == Rc::as_ptr(local) as usize)
        .unwrap_or(false)
}

/// Runs `f` with the current runtime, if this thread is inside `block_on`.
pub(crate) fn with_current<R>(f: impl FnOnce(&Rc<Local>) -> R) -> Option<R> {
    CURRENT
        .try_with(|c| match c.try_borrow() {
            Ok(cur) => cur.as_ref().map(f),
            Err(_) => None,
        })
        .ok()
        .flatten()
}

/// A clone of the current runtime, if any.
pub(crate) fn current() -> Option<Rc<Local>> {
    with_current(Rc::clone)
}

/// Leaves the runtime when dropped.
pub(crate) struct EnterGuard {
    _private: (),
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|c| {
            if let Ok(mut cur) = c.try_borrow_mut() {
                *cur = None;
            }
        });
        let _ = CURRENT_ADDR.try_with(|a| a.set(0));
    }
}

/// Makes `local` the current runtime of this thread. `None` when a runtime is already current
/// (nested `block_on`).
pub(crate) fn enter(local: Rc<Local>) -> Option<EnterGuard> {
    CURRENT
        .try_with(|c| {
            let mut cur = c.try_borrow_mut().ok()?;
            if cur.is_some() {
                return None;
            }
            let _ = CURRENT_ADDR.try_with(|a| a.set(Rc::as_ptr(&local) as usize));
            *cur = Some(local);
            Some(EnterGuard { _private: () })
        })
        .ok()
        .flatten()
}
