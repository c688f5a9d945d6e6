//! The task table: every live task's header, future and waker, in a [`rill_core::slab`] over a
//! `Vec` that grows by one entry whenever it is full.
//!
//! A task is named by its slab key packed into a `u64` ([`Key::to_u64`]: index low, generation
//! high). That is the key its [`Header`] carries and its wakes queue, so a wake that outlives its
//! task (a waker kept by a socket, a wake from another thread still in the remote queue) names a
//! stale key and finds nothing.

use std::sync::Arc;
use std::task::Waker;

use rill_core::slab::{Entry, Key, Slab};

use super::task::{Header, LocalTask};

/// A live task. `future` and `waker` are `None` while the task is being polled.
struct Task {
    header: Arc<Header>,
    future: Option<LocalTask>,
    waker: Option<Waker>,
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
        let waker = Waker::from(header.clone());
        let task = Task {
            header,
            future: Some(future),
            waker: Some(waker),
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

    /// Takes a task out for polling and clears its scheduled flag (its header stays in the
    /// table: no reference count moves per poll). `None` for a stale key or a task already
    /// being polled.
    #[inline] // per poll, from `executor/mod.rs` (another codegen unit)
    pub(super) fn take(&mut self, key: u64) -> Option<(LocalTask, Waker)> {
        let task = self.tasks.get_mut(Key::from_u64(key))?;
        let f = task.future.take()?;
        let w = task.waker.take()?;
        task.header.clear_scheduled();
        Some((f, w))
    }

    /// Marks the live task `key` scheduled; true when it must be queued (it was not queued
    /// already, and it is not finished). A stale key is false.
    #[inline] // per wake, from `executor/mod.rs`
    pub(super) fn schedule(&self, key: u64) -> bool {
        self.tasks
            .get(Key::from_u64(key))
            .is_some_and(|task| task.header.wake_local())
    }

    /// Puts a polled task back (a stale key drops them: the task is gone).
    #[inline] // per poll, from `executor/mod.rs` (another codegen unit)
    pub(super) fn put_back(&mut self, key: u64, f: LocalTask, w: Waker) {
        if let Some(task) = self.tasks.get_mut(Key::from_u64(key)) {
            task.future = Some(f);
            task.waker = Some(w);
        }
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
                .map(|(_, task)| (task.header, task.future)),
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
        assert!(entry <= 48, "task entry is {entry} B");
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
    fn take_hands_out_a_task_once_until_put_back() {
        let mut t = TaskTable::with_capacity(1);
        let key = t.insert(header(), body());
        let (f, w) = t.take(key).unwrap();
        assert!(
            t.take(key).is_none(),
            "a task being polled is not handed out twice"
        );
        t.put_back(key, f, w);
        assert!(t.take(key).is_some());
    }

    #[test]
    fn a_stale_key_finds_nothing() {
        let mut t = TaskTable::with_capacity(1);
        let h = header();
        let old = t.insert(h.clone(), body());
        let (f, w) = t.take(old).unwrap();
        assert!(Arc::ptr_eq(&t.remove(old).unwrap(), &h));
        drop(f);
        let new = t.insert(h, body());
        assert_eq!(new as u32, old as u32);
        assert!(t.take(old).is_none());
        assert!(t.remove(old).is_none());
        let dropped = Rc::new(std::cell::Cell::new(0));
        t.put_back(old, Box::pin(Body(dropped.clone())), w);
        assert_eq!(dropped.get(), 1, "put_back with a stale key drops the body");
        assert!(t.take(new).is_some(), "the new task is untouched");
        assert!(t.take(crate::executor::task::MAIN_KEY).is_none());
    }

    #[test]
    fn drain_hands_back_every_task_and_empties_the_table() {
        let mut t = TaskTable::with_capacity(4);
        let h = header();
        let a = t.insert(h.clone(), body());
        let b = t.insert(h.clone(), body());
        let _polled = t.take(b).unwrap();
        let drained = t.drain();
        let futures: Vec<bool> = drained.iter().map(|(_, f)| f.is_some()).collect();
        assert_eq!(
            futures,
            [true, false],
            "a task out for polling has no future"
        );
        assert_eq!(t.live(), 0);
        assert!(t.take(a).is_none());
        assert!(t.drain().is_empty());
    }
}
