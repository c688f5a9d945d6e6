//! Task-local values: [`task_local!`](crate::task_local!) declares a key, [`LocalKey::scope`]
//! gives it a value for the duration of one future.
//!
//! A thread-local is the wrong tool for per-task state in an async runtime: many tasks run on
//! one thread, each in slices. A task-local's value lives in the future [`LocalKey::scope`]
//! returns ([`TaskLocalFuture`]); around *each poll* of the inner future it is swapped into a
//! thread-local slot, and swapped back out when the poll returns (or unwinds). Code running
//! inside that poll (the future, and anything it calls synchronously) sees the value; other
//! tasks polled on the same thread in between do not. This is tokio's design, and it needs
//! nothing from the executor.
//!
//! Tasks spawned from inside a scope do **not** inherit the value: a spawned task is polled by
//! the runtime, outside the scope's poll. Give it its own scope.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::thread::LocalKey as StdLocalKey;

/// Declares task-local keys: `static NAME: Type;`, one or more, each with optional attributes
/// and visibility. Each becomes a [`LocalKey`] (`rill::LocalKey<Type>`).
///
/// ```
/// rill::task_local! {
///     /// The id of the request this task serves.
///     static REQUEST_ID: u64;
///     pub static USER: String;
/// }
///
/// let rt = rill::Runtime::new()?;
/// rt.block_on(REQUEST_ID.scope(7, async {
///     assert_eq!(REQUEST_ID.get(), 7);
///     rill::yield_now().await; // the value survives across awaits
///     assert_eq!(REQUEST_ID.get(), 7);
///     assert!(USER.try_with(|u| u.len()).is_err()); // no value outside its scope
/// }));
/// # std::io::Result::Ok(())
/// ```
#[macro_export]
macro_rules! task_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty; $($rest:tt)*) => {
        $crate::__task_local_inner!($(#[$attr])* $vis $name, $t);
        $crate::task_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty) => {
        $crate::__task_local_inner!($(#[$attr])* $vis $name, $t);
    };
}

/// The expansion of one [`task_local!`](crate::task_local!) entry.
#[doc(hidden)]
#[macro_export]
macro_rules! __task_local_inner {
    ($(#[$attr:meta])* $vis:vis $name:ident, $t:ty) => {
        $(#[$attr])*
        $vis static $name: $crate::LocalKey<$t> = {
            ::std::thread_local! {
                static __RILL_TASK_LOCAL: ::std::cell::RefCell<::std::option::Option<$t>> =
                    const { ::std::cell::RefCell::new(::std::option::Option::None) };
            }
            $crate::LocalKey::__new(__RILL_TASK_LOCAL)
        };
    };
}

/// A task-local key, declared with [`task_local!`](crate::task_local!).
///
/// [`LocalKey::scope`] runs a future with a value for the key; inside it, [`LocalKey::with`],
/// [`LocalKey::try_with`] and [`LocalKey::get`] read the value.
///
/// ```
/// rill::task_local! { static DEPTH: u32; }
///
/// let rt = rill::Runtime::new()?;
/// let seen = rt.block_on(DEPTH.scope(1, async {
///     let outer = DEPTH.get();
///     let inner = DEPTH.scope(2, async { DEPTH.get() }).await; // nested scopes shadow
///     (outer, inner, DEPTH.get())
/// }));
/// assert_eq!(seen, (1, 2, 1));
/// # std::io::Result::Ok(())
/// ```
pub struct LocalKey<T: 'static> {
    inner: StdLocalKey<RefCell<Option<T>>>,
}

/// Why [`LocalKey::try_with`] found no value: the caller is not inside a
/// [`LocalKey::scope`] of that key (or the thread is being torn down).
///
/// ```
/// rill::task_local! { static KEY: u8; }
///
/// let err = KEY.try_with(|_| ()).unwrap_err();
/// assert_eq!(err.to_string(), "task-local value not set: not inside a scope of this key");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccessError {
    _private: (),
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task-local value not set: not inside a scope of this key")
    }
}

impl std::error::Error for AccessError {}

impl<T: 'static> LocalKey<T> {
    /// Used by [`task_local!`](crate::task_local!); not part of the API.
    #[doc(hidden)]
    pub const fn __new(inner: StdLocalKey<RefCell<Option<T>>>) -> LocalKey<T> {
        LocalKey { inner }
    }

    /// Runs `future` with `value` as this key's value: the returned future sets it around each
    /// poll of `future` (and around its drop). The value is dropped with the returned future.
    ///
    /// ```
    /// rill::task_local! { static NAME: &'static str; }
    ///
    /// let rt = rill::Runtime::new()?;
    /// let greeting = rt.block_on(NAME.scope("rill", async {
    ///     NAME.with(|name| format!("hello, {name}"))
    /// }));
    /// assert_eq!(greeting, "hello, rill");
    /// # std::io::Result::Ok(())
    /// ```
    pub fn scope<F: Future>(&'static self, value: T, future: F) -> TaskLocalFuture<T, F> {
        TaskLocalFuture {
            key: self,
            slot: Some(value),
            future: Some(future),
        }
    }

    /// Runs the closure `f` with `value` as this key's value (synchronous code; no future).
    ///
    /// ```
    /// rill::task_local! { static LEVEL: u8; }
    ///
    /// assert_eq!(LEVEL.sync_scope(3, || LEVEL.get() + 1), 4);
    /// ```
    pub fn sync_scope<R>(&'static self, value: T, f: impl FnOnce() -> R) -> R {
        let mut slot = Some(value);
        let _swapped = Swap::enter(self, &mut slot);
        f()
    }

    /// Calls `f` with a reference to the current value.
    ///
    /// # Panics
    ///
    /// Outside a [`LocalKey::scope`] of this key (use [`LocalKey::try_with`] to get an error
    /// instead), or when `f` calls [`LocalKey::sync_scope`] on the same key.
    ///
    /// ```
    /// rill::task_local! { static ITEMS: Vec<u32>; }
    ///
    /// let rt = rill::Runtime::new()?;
    /// let n = rt.block_on(ITEMS.scope(vec![1, 2, 3], async { ITEMS.with(Vec::len) }));
    /// assert_eq!(n, 3);
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn with<R>(&'static self, f: impl FnOnce(&T) -> R) -> R {
        match self.try_with(f) {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        }
    }

    /// Calls `f` with a reference to the current value, or answers [`AccessError`] outside a
    /// scope of this key.
    ///
    /// ```
    /// rill::task_local! { static TRACE: u64; }
    ///
    /// assert!(TRACE.try_with(|t| *t).is_err());
    /// assert_eq!(TRACE.sync_scope(9, || TRACE.try_with(|t| *t)), Ok(9));
    /// ```
    pub fn try_with<R>(&'static self, f: impl FnOnce(&T) -> R) -> Result<R, AccessError> {
        let access = AccessError { _private: () };
        self.inner
            .try_with(|cell| {
                let borrowed = cell.try_borrow().map_err(|_| access)?;
                match borrowed.as_ref() {
                    Some(v) => Ok(f(v)),
                    None => Err(access),
                }
            })
            .unwrap_or(Err(access))
    }

    /// A clone of the current value.
    ///
    /// # Panics
    ///
    /// Outside a [`LocalKey::scope`] of this key.
    ///
    /// ```
    /// rill::task_local! { static TENANT: String; }
    ///
    /// let rt = rill::Runtime::new()?;
    /// let t = rt.block_on(TENANT.scope("acme".to_string(), async { TENANT.get() }));
    /// assert_eq!(t, "acme");
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn get(&'static self) -> T
    where
        T: Clone,
    {
        self.with(T::clone)
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LocalKey { .. }")
    }
}

/// Swaps a scope's value into the key's thread-local slot; swaps it back when dropped, so a
/// panic unwinding out of the poll leaves the thread as it found it.
struct Swap<'a, T: 'static> {
    key: &'static LocalKey<T>,
    slot: &'a mut Option<T>,
}

impl<'a, T: 'static> Swap<'a, T> {
    fn enter(key: &'static LocalKey<T>, slot: &'a mut Option<T>) -> Swap<'a, T> {
        key.inner
            .with(|cell| std::mem::swap(&mut *cell.borrow_mut(), slot));
        Swap { key, slot }
    }
}

impl<T: 'static> Drop for Swap<'_, T> {
    fn drop(&mut self) {
        // `try_with`: during thread teardown the slot may be gone; the value then stays here.
        let _ = self.key.inner.try_with(|cell| {
            if let Ok(mut current) = cell.try_borrow_mut() {
                std::mem::swap(&mut *current, self.slot);
            }
        });
    }
}

pin_project_lite::pin_project! {
    /// The future returned by [`LocalKey::scope`]: runs its inner future with the key's value
    /// set around every poll.
    ///
    /// ```
    /// rill::task_local! { static N: u8; }
    ///
    /// let rt = rill::Runtime::new()?;
    /// let fut: rill::TaskLocalFuture<u8, _> = N.scope(5, async { N.get() });
    /// assert_eq!(rt.block_on(fut), 5);
    /// # std::io::Result::Ok(())
    /// ```
    pub struct TaskLocalFuture<T: 'static, F> {
        key: &'static LocalKey<T>,
        // The value while the inner future is not being polled.
        slot: Option<T>,
        // `None` once the inner future finished (it is dropped then, inside the scope).
        #[pin]
        future: Option<F>,
    }

    impl<T: 'static, F> PinnedDrop for TaskLocalFuture<T, F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if this.future.is_some() {
                // The inner future's `Drop` sees the value too, as its polls did.
                let _swapped = Swap::enter(this.key, this.slot);
                let mut future = this.future;
                future.set(None);
            }
        }
    }
}

impl<T: 'static, F: Future> Future for TaskLocalFuture<T, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let mut future = this.future;
        let _swapped = Swap::enter(this.key, this.slot);
        let polled = match future.as_mut().as_pin_mut() {
            Some(f) => f.poll(cx),
            None => panic!("TaskLocalFuture polled after it completed"),
        };
        if polled.is_ready() {
            future.set(None);
        }
        polled
    }
}

impl<T: 'static, F> fmt::Debug for TaskLocalFuture<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskLocalFuture")
            .field("done", &self.future.is_none())
            .finish_non_exhaustive()
    }
}
