//! [`yield_now`]: let the other tasks of this loop run before the current one goes on.

/// Yields once to the runtime: the task is queued again behind the others.
///
/// ```
/// use std::{cell::Cell, rc::Rc};
/// let rt = rill::Runtime::new()?;
/// rt.block_on(async {
///     let ran = Rc::new(Cell::new(false));
///     let r = ran.clone();
///     let _task = rill::spawn(async move { r.set(true) });
///     assert!(!ran.get());
///     rill::yield_now().await; // the spawned task runs before this one resumes
///     assert!(ran.get());
/// });
/// # std::io::Result::Ok(())
/// ```
pub async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await
}
