//! The task table: every live task's header and future, in a [`rill_core::slab`] over a `Vec`
//! that grows by one entry whenever it is full.
//!
//! A task is polled in place: the executor holds the table by shared borrow for the poll, takes
//! the future out of its entry's `Cell` ([`TaskTable::start`]) and puts it back through the same
//! reference ([`Running::pause`]), one slot lookup per poll. The table is never borrowed
//! mutably while a task runs: a spawn made by the running task waits in the executor and is
//! inserted after the poll. The waker is the header itself, borrowed for the poll
//! (`futures_task::waker_ref`), so no waker is stored and none is cloned.
//!
//! A task is named by its slab key packed into a `u64` ([`Key::to_u64`]: index low, generation
//! high). That is the key its [`Header`] carries and its wakes queue, so a wake that outlives its
//! task (a waker kept by a socket, a wake from another thread still in the remote queue) names a
//! stale key and finds nothing.

use std::cell::Cell;
use std::sync::Arc;

use rill_core::slab::{Entry, Key, Slab};

use super::task::{Header, LocalTask};

/// A live task. `future` is `None` while the task is being polled.
struct Task {
    header: Arc<Header>,
    future: Cell<Option<LocalTask>>,
}

/// A task taken out for one poll: its header (the waker) and future. Give the future back with
/// [`Running::pause`] when the poll returns `Pending`.
pub(super) struct Running<'t> {
    pub(super) header: &'t Arc<Header>,
    slot: &'t Cell<Option<LocalTask>>,
}

impl Running<'_> {
    /// The poll returned `Pending`: the future goes back into its entry.
    #[inline]
    pub(super) fn pause(self, future: LocalTask) {
        self.slot.set(Some(future));
    }
}

/// Tasks keyed by `index | generation << 32`.
pub(super) struct TaskTable {
    tasks: Slab<Vec<Entry<Task>>, Entry<Task>>,
}

impl TaskTable {
    /// An empty table with room for `capacity` tasks before the `Vec` reallocates.
    pub(super) fn with_capacity(capacity: usize) -> TaskTable {
        TaskTable {
            tasks: Slab::new(Vec::with_capacity(capacity)),
        }
    }

    /// Adds a task (reusing the entry freed last) and returns its key.
    pub(super) fn insert(&mut self, header: Arc<Header>, future: LocalTask) -> u64 {
        let task = Task {
            header,
            future: Cell::new(Some(future)),
        };
        match self
            .tasks
            .insert_or_grow(task, |entries| entries.push(Entry::VACANT))
        {
            Ok(key) => key.to_u64(),
            // Only past `u32::MAX` live tasks, which no memory holds.
            Err(_) => panic!("rill: task table full (u32::MAX tasks)"),
        }
    }

    /// Takes a task's future out for one poll and clears its scheduled flag (its header stays
    /// in the table: no reference count moves per poll). `None` for a stale key or a task
    /// already being polled.
    #[inline] // per poll, from `executor/mod.rs` (another codegen unit)
    pub(super) fn start(&self, key: u64) -> Option<(Running<'_>, LocalTask)> {
        let task = self.tasks.get(Key::from_u64(key))?;
        let future = task.future.take()?;
        task.header.clear_scheduled();
        let running = Running {
            header: &task.header,
            slot: &task.future,
        };
        Some((running, future))
    }

    /// Frees a finished task's entry and hands back its header.
    pub(super) fn remove(&mut self, key: u64) -> Option<Arc<Header>> {
        self.tasks
            .remove(Key::from_u64(key))
            .map(|task| task.header)
    }

    /// Empties the table, handing back every future (to be dropped outside the borrow); `None`
    /// for a task out for polling. Every key goes stale.
    pub(super) fn drain(&mut self) -> Vec<(Arc<Header>, Option<LocalTask>)> {
        let mut out = Vec::with_capacity(self.live());
        out.extend(
            self.tasks
                .drain()
                .map(|(_, task)| (task.header, task.future.into_inner())),
        );
        out
    }

    /// How many tasks are in the table.
    pub(super) fn live(&self) -> usize {
        self.tasks.len()
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::Pin;
    use std::rc::Rc;
    use std::task::{Context, Poll};

    use super::*;
    use crate::executor::Shared;
    use crate::poller::Poller;

    fn header() -> Arc<Header> {
        let (_poller, waker) = Poller::new(rill_os::Backend::Poll, 4).unwrap();
        Header::new(Arc::new(Shared::new(waker)), None)
    }

    /// What the runtime keeps per task outside its future: the table entry and the shared
    /// header every waker points to (plus the `Arc`'s two counts, and the boxed body's own
    /// bookkeeping: its join cell and the future itself). Fails if either grows; printed with
    /// `--nocapture` (docs/PERFORMANCE.md quotes them).
    #[test]
    fn per_task_state_stays_small() {
        let entry = std::mem::size_of::<Entry<Task>>();
        let header = std::mem::size_of::<Header>() + 2 * std::mem::size_of::<usize>();
        eprintln!("per task: table entry {entry} B + header {header} B (Arc counts included)");
        assert!(entry <= 32, "task entry is {entry} B");
        assert!(header <= 48, "header is {header} B");
    }

    /// A task body that records, in `dropped`, that it was dropped.
    struct Body(Rc<std::cell::Cell<u32>>);

    impl Future for Body {
        type Output = ();
        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
            Poll::Pending
        }
    }

    impl Drop for Body {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }

    fn body() -> LocalTask {
        Box::pin(Body(Rc::default()))
    }

    #[test]
    fn keys_are_index_low_generation_high() {
        let mut t = TaskTable::with_capacity(0);
        let h = header();
        let a = t.insert(h.clone(), body());
        let b = t.insert(h.clone(), body());
        assert_eq!((a, b), (0, 1));
        t.remove(a).unwrap();
        let c = t.insert(h, body());
        assert_eq!(c, 1 << 32); // entry 0, generation 1
        assert_eq!(t.live(), 2);
    }

    #[test]
    fn freed_entries_are_reused_last_freed_first() {
        let mut t = TaskTable::with_capacity(4);
        let h = header();
        let keys: Vec<u64> = (0..3).map(|_| t.insert(h.clone(), body())).collect();
        t.remove(keys[0]).unwrap();
        t.remove(keys[2]).unwrap();
        let again = [t.insert(h.clone(), body()), t.insert(h, body())];
        assert_eq!(again.map(|k| k as u32), [2, 0]);
    }

    #[test]
    fn start_hands_out_a_task_once_until_paused() {
        let mut t = TaskTable::with_capacity(1);
        let key = t.insert(header(), body());
        let (running, f) = t.start(key).unwrap();
        assert!(
            t.start(key).is_none(),
            "a task being polled is not handed out twice"
        );
        running.pause(f);
        assert!(t.start(key).is_some());
    }

    #[test]
    fn start_clears_the_scheduled_flag() {
        let mut t = TaskTable::with_capacity(1);
        let h = header();
        let key = t.insert(h.clone(), body());
        assert!(!h.wake_local(), "a new task is scheduled: a wake coalesces");
        let (running, f) = t.start(key).unwrap();
        assert!(h.wake_local(), "after start, a wake queues the task again");
        running.pause(f);
    }

    #[test]
    fn a_stale_key_finds_nothing() {
        let mut t = TaskTable::with_capacity(1);
        let h = header();
        let old = t.insert(h.clone(), body());
        let f = t.start(old).map(|(_, f)| f).unwrap();
        assert!(Arc::ptr_eq(&t.remove(old).unwrap(), &h));
        drop(f);
        let new = t.insert(h, body());
        assert_eq!(new as u32, old as u32);
        assert!(t.start(old).is_none());
        assert!(t.remove(old).is_none());
        assert!(t.start(new).is_some(), "the new task is untouched");
        assert!(t.start(crate::executor::task::MAIN_KEY).is_none());
    }

    #[test]
    fn drain_hands_back_every_task_and_empties_the_table() {
        let mut t = TaskTable::with_capacity(4);
        let h = header();
        let a = t.insert(h.clone(), body());
        let b = t.insert(h.clone(), body());
        let _polled = t.start(b).map(|(_, f)| f).unwrap();
        let drained = t.drain();
        let futures: Vec<bool> = drained.iter().map(|(_, f)| f.is_some()).collect();
        assert_eq!(
            futures,
            [true, false],
            "a task out for polling has no future"
        );
        assert_eq!(t.live(), 0);
        assert!(t.start(a).is_none());
        assert!(t.drain().is_empty());
    }
}
