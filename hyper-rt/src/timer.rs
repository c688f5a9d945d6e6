//! [`RillTimer`]: hyper's `Timer`, whose sleeps are `Send + Sync` (as hyper requires) although
//! rill's timers are loop-local, without a task (or thread) per timer.
//!
//! # How a [`RillSleep`] waits
//!
//! A `RillSleep` is plain data (a deadline and where it is armed), so it is `Send + Sync`. The
//! rill timer behind it lives in a thread-local side table of [`rill::Sleep`]s: the first poll
//! on a rill loop thread puts a `rill::sleep_until(deadline)` in that thread's table and
//! polls it with the caller's waker, so the loop's own timer table wakes the task at the
//! deadline. Later polls on the same thread poll that entry; dropping the `RillSleep` frees it
//! (disarming the rill timer); [`Timer::reset`](hyper::rt::Timer::reset) moves its deadline in
//! place ([`rill::Sleep::reset`]). The cost per sleep is one table entry, reused.
//!
//! The table is a [`rill_core::slab::Slab`] over a `Vec` that grows by one entry when full, and
//! the sleep remembers its entry by the slab's [`Key`] (index + generation). Freeing an entry
//! moves its generation on, so a key that outlived its entry (the entry since freed, perhaps
//! reused by another sleep) finds nothing: it never reaches, resets or frees the new occupant.
//!
//! # Off the loop
//!
//! Polled on a thread with no rill runtime, a `RillSleep` does not panic: it registers with
//! one process-wide fallback timer thread (started on first use, shared by every such sleep),
//! which wakes it at the deadline. A sleep polled first on one loop thread and then on another
//! re-arms on the new one; one dropped on a thread other than the one it is armed on leaves its
//! entry to be freed by that thread's table the next time it arms a sleep.
//!
//! A sleep whose runtime shut down moves, on that thread, to the next runtime that polls it
//! (as a [`rill::Sleep`] does), deadline and all. Polled there outside any runtime, it completes
//! at once: a runtime that shuts down fires its timers.

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use rill_core::slab::{Entry, Key, Slab};

/// hyper's [`Timer`](hyper::rt::Timer) on rill: give it to
/// `http1::Builder::timer` / `http2::Builder::timer` (server or client) for header-read
/// timeouts, keep-alive pings and idle timeouts. See the [module docs](self) for how its
/// sleeps wait.
#[derive(Clone, Copy, Debug, Default)]
pub struct RillTimer;

impl hyper::rt::Timer for RillTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(RillSleep::until(deadline_after(duration)))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(RillSleep::until(deadline))
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn hyper::rt::Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<RillSleep>() {
            Some(s) => s.get_mut().reset(new_deadline),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}

/// `now + d`, saturating (about 30 years ahead) instead of overflowing `Instant`.
fn deadline_after(d: Duration) -> Instant {
    let now = Instant::now();
    let far = Duration::from_secs(30 * 365 * 24 * 60 * 60);
    now.checked_add(d.min(far)).unwrap_or(now)
}

/// Where a [`RillSleep`] waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Armed {
    /// Not yet polled (or reset after firing).
    Idle,
    /// In the side table of loop thread `thread`, under `key`.
    Loop { thread: u64, key: Key },
    /// Registered with the fallback timer thread as `id`.
    Fallback { id: u64 },
    /// The deadline passed.
    Fired,
}

/// The `Send + Sync` sleep of [`RillTimer`]: a future that completes at its deadline.
#[derive(Debug)]
pub struct RillSleep {
    deadline: Instant,
    armed: Armed,
}

impl RillSleep {
    /// A sleep until `deadline`; nothing is armed until it is first polled.
    pub fn until(deadline: Instant) -> RillSleep {
        RillSleep {
            deadline,
            armed: Armed::Idle,
        }
    }

    /// The deadline.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Moves the deadline (pending again if it is in the future). An entry armed on this thread
    /// is moved in place.
    pub fn reset(&mut self, deadline: Instant) {
        self.deadline = deadline;
        match self.armed {
            Armed::Loop { thread, key } => {
                let moved = TABLE
                    .try_with(|t| {
                        let mut t = t.borrow_mut();
                        t.thread == thread && t.reset(key, deadline)
                    })
                    .unwrap_or(false);
                if !moved {
                    self.disarm();
                }
            }
            Armed::Fired => self.armed = Armed::Idle,
            Armed::Idle | Armed::Fallback { .. } => {}
        }
    }

    /// Frees whatever entry the sleep holds; it is `Idle` after.
    fn disarm(&mut self) {
        match std::mem::replace(&mut self.armed, Armed::Idle) {
            Armed::Loop { thread, key } => {
                let freed = TABLE
                    .try_with(|t| {
                        let mut t = t.borrow_mut();
                        t.thread == thread && t.remove(key)
                    })
                    .unwrap_or(false);
                if !freed {
                    orphan(thread, key);
                }
            }
            Armed::Fallback { id } => fallback().cancel(id),
            Armed::Idle | Armed::Fired => {}
        }
    }

    fn fire(&mut self) -> Poll<()> {
        self.disarm();
        self.armed = Armed::Fired;
        Poll::Ready(())
    }
}

impl Future for RillSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        loop {
            match this.armed {
                Armed::Fired => return Poll::Ready(()),
                Armed::Idle => {
                    if Instant::now() >= this.deadline {
                        return this.fire();
                    }
                    this.armed = if rill::Handle::try_current().is_ok() {
                        let deadline = this.deadline;
                        match TABLE.try_with(|t| t.borrow_mut().insert(deadline)) {
                            Ok(armed) => armed,
                            Err(_) => Armed::Fallback { id: fallback_id() },
                        }
                    } else {
                        Armed::Fallback { id: fallback_id() }
                    };
                }
                Armed::Loop { thread, key } => {
                    let polled = TABLE
                        .try_with(|t| {
                            let mut t = t.borrow_mut();
                            (t.thread == thread).then(|| t.poll(key, cx))
                        })
                        .ok()
                        .flatten();
                    match polled {
                        Some(Poll::Ready(())) => return this.fire(),
                        Some(Poll::Pending) => return Poll::Pending,
                        // Polled on another thread: re-arm here.
                        None => this.disarm(),
                    }
                }
                Armed::Fallback { id } => {
                    if Instant::now() >= this.deadline {
                        return this.fire();
                    }
                    fallback().register(id, this.deadline, cx.waker());
                    return Poll::Pending;
                }
            }
        }
    }
}

impl hyper::rt::Sleep for RillSleep {}

impl Drop for RillSleep {
    fn drop(&mut self) {
        self.disarm();
    }
}

// ---- the loop-thread side table ----

static NEXT_THREAD: AtomicU64 = AtomicU64::new(1);

thread_local! {
    static TABLE: RefCell<Table> =
        RefCell::new(Table::new(NEXT_THREAD.fetch_add(1, Ordering::Relaxed)));
}

/// One thread's armed rill sleeps, keyed by slab [`Key`].
struct Table {
    /// This thread's id in [`Armed::Loop`] (a counter, cheaper to read than `ThreadId`).
    thread: u64,
    sleeps: Slab<Vec<Entry<rill::Sleep>>, Entry<rill::Sleep>>,
}

impl Table {
    /// An empty table for thread `thread` (it allocates on first insert).
    fn new(thread: u64) -> Table {
        Table {
            thread,
            sleeps: Slab::new(Vec::new()),
        }
    }

    /// Stores a rill sleep until `deadline` (in the entry freed last, or a new one) and returns
    /// where it is armed. Frees this thread's orphans first, if any are pending.
    fn insert(&mut self, deadline: Instant) -> Armed {
        if ORPHANS_PENDING.load(Ordering::Relaxed) != 0 {
            self.adopt_orphans();
        }
        let sleep = rill::sleep_until(deadline);
        match self
            .sleeps
            .insert_or_grow(sleep, |entries| entries.push(Entry::VACANT))
        {
            Ok(key) => Armed::Loop {
                thread: self.thread,
                key,
            },
            // Only past `u32::MAX` armed sleeps on one thread, which no memory holds.
            Err(_) => panic!("rill-hyper: sleep table full (u32::MAX sleeps)"),
        }
    }

    /// Polls the sleep `key` names; a stale key is `Ready` (its sleep is gone).
    fn poll(&mut self, key: Key, cx: &mut Context<'_>) -> Poll<()> {
        match self.sleeps.get_mut(key) {
            Some(sleep) => Pin::new(sleep).poll(cx),
            None => Poll::Ready(()),
        }
    }

    /// Moves the deadline of the sleep `key` names; false (nothing moved) for a stale key.
    fn reset(&mut self, key: Key, deadline: Instant) -> bool {
        match self.sleeps.get_mut(key) {
            Some(sleep) => {
                sleep.reset(deadline);
                true
            }
            None => false,
        }
    }

    /// Frees an entry (dropping its rill sleep disarms the timer); false if `key` is stale.
    fn remove(&mut self, key: Key) -> bool {
        self.sleeps.remove(key).is_some()
    }

    /// Frees the entries of this thread that sleeps dropped on other threads left behind.
    #[cold]
    fn adopt_orphans(&mut self) {
        let mine: Vec<Key> = {
            let mut orphans = ORPHANS.lock().unwrap_or_else(|p| p.into_inner());
            let thread = self.thread;
            let mut mine = Vec::new();
            orphans.retain(|&(t, key)| {
                let keep = t != thread;
                if !keep {
                    mine.push(key);
                }
                keep
            });
            ORPHANS_PENDING.store(orphans.len(), Ordering::Relaxed);
            mine
        };
        for key in mine {
            self.remove(key);
        }
    }
}

/// Entries (thread, key) whose sleep was dropped on another thread.
static ORPHANS: Mutex<Vec<(u64, Key)>> = Mutex::new(Vec::new());
/// `ORPHANS.len()`, read without the lock on every insert.
static ORPHANS_PENDING: AtomicUsize = AtomicUsize::new(0);

#[cold]
fn orphan(thread: u64, key: Key) {
    let mut orphans = ORPHANS.lock().unwrap_or_else(|p| p.into_inner());
    orphans.push((thread, key));
    ORPHANS_PENDING.store(orphans.len(), Ordering::Relaxed);
}

// ---- the fallback timer thread (sleeps polled off any rill loop) ----

static NEXT_FALLBACK: AtomicU64 = AtomicU64::new(1);

fn fallback_id() -> u64 {
    NEXT_FALLBACK.fetch_add(1, Ordering::Relaxed)
}

/// One thread that wakes off-loop sleeps at their deadlines.
struct Fallback {
    state: Mutex<FallbackState>,
    changed: Condvar,
}

#[derive(Default)]
struct FallbackState {
    /// Deadlines to wake at; an entry whose sleep moved or went away is skipped.
    heap: BinaryHeap<Reverse<(Instant, u64)>>,
    /// The live registrations: id → (deadline, waker).
    waiting: HashMap<u64, (Instant, Waker)>,
}

fn fallback() -> &'static Fallback {
    static FALLBACK: OnceLock<&'static Fallback> = OnceLock::new();
    FALLBACK.get_or_init(|| {
        let fb: &'static Fallback = Box::leak(Box::new(Fallback {
            state: Mutex::new(FallbackState::default()),
            changed: Condvar::new(),
        }));
        let spawned = std::thread::Builder::new()
            .name("rill-hyper-timer".into())
            .spawn(move || fb.run());
        if let Err(e) = spawned {
            // Without the thread, off-loop sleeps would never wake: say so loudly.
            panic!("rill-hyper: cannot start the fallback timer thread: {e}");
        }
        fb
    })
}

impl Fallback {
    fn lock(&self) -> std::sync::MutexGuard<'_, FallbackState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn register(&self, id: u64, deadline: Instant, waker: &Waker) {
        let mut st = self.lock();
        let new_deadline = match st.waiting.get_mut(&id) {
            Some((d, w)) => {
                if !w.will_wake(waker) {
                    *w = waker.clone();
                }
                let moved = *d != deadline;
                *d = deadline;
                moved
            }
            None => {
                st.waiting.insert(id, (deadline, waker.clone()));
                true
            }
        };
        if new_deadline {
            let earliest = st.heap.peek().is_none_or(|Reverse((d, _))| deadline < *d);
            st.heap.push(Reverse((deadline, id)));
            if earliest {
                self.changed.notify_one();
            }
        }
    }

    fn cancel(&self, id: u64) {
        self.lock().waiting.remove(&id);
    }

    fn run(&self) {
        let mut st = self.lock();
        loop {
            let now = Instant::now();
            while let Some(&Reverse((deadline, id))) = st.heap.peek() {
                if deadline > now {
                    break;
                }
                st.heap.pop();
                if st.waiting.get(&id).is_some_and(|(d, _)| *d <= now) {
                    if let Some((_, waker)) = st.waiting.remove(&id) {
                        waker.wake();
                    }
                }
            }
            st = match st.heap.peek() {
                Some(&Reverse((deadline, _))) => {
                    let wait = deadline.saturating_duration_since(Instant::now());
                    self.changed
                        .wait_timeout(st, wait)
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                }
                None => self.changed.wait(st).unwrap_or_else(|p| p.into_inner()),
            };
        }
    }
}

/// Compile-time check: hyper requires `Send + Sync` sleeps.
const _: fn() = || {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<RillSleep>();
};

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;
    use std::sync::Arc;
    use std::task::Wake;

    struct Flag(AtomicBool, std::thread::Thread);
    impl Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.0.store(true, Ordering::SeqCst);
            self.1.unpark();
        }
    }

    #[test]
    fn off_loop_sleep_fires_through_the_fallback_thread() {
        let flag = Arc::new(Flag(AtomicBool::new(false), std::thread::current()));
        let waker = Waker::from(flag.clone());
        let mut cx = Context::from_waker(&waker);
        let mut sleep = RillSleep::until(Instant::now() + Duration::from_millis(20));
        assert!(Pin::new(&mut sleep).poll(&mut cx).is_pending());
        let limit = Instant::now() + Duration::from_secs(10);
        while !flag.0.load(Ordering::SeqCst) {
            assert!(
                Instant::now() < limit,
                "fallback timer never woke the sleep"
            );
            std::thread::park_timeout(Duration::from_millis(100));
        }
        assert!(Pin::new(&mut sleep).poll(&mut cx).is_ready());
    }

    #[test]
    fn on_loop_sleep_uses_the_side_table_and_frees_its_slot() {
        let rt = rill::Runtime::new().unwrap();
        rt.block_on(async {
            let mut s = RillSleep::until(Instant::now() + Duration::from_millis(5));
            std::future::poll_fn(|cx| {
                let _ = Pin::new(&mut s).poll(cx);
                Poll::Ready(())
            })
            .await;
            assert!(matches!(s.armed, Armed::Loop { .. }));
            (&mut s).await;
            assert_eq!(s.armed, Armed::Fired);
            // Reset after firing makes it pending again, then it fires again.
            s.reset(Instant::now() + Duration::from_millis(5));
            assert_eq!(s.armed, Armed::Idle);
            (&mut s).await;
            TABLE.with(|t| assert!(t.borrow().sleeps.is_empty()));
        });
    }

    /// A table of its own (not this thread's `TABLE`), under a thread id no other table has.
    fn table() -> Table {
        Table::new(NEXT_THREAD.fetch_add(1, Ordering::Relaxed))
    }

    /// Far enough ahead that no test sees it pass.
    fn far() -> Instant {
        Instant::now() + Duration::from_secs(3600)
    }

    fn key(armed: Armed) -> Key {
        match armed {
            Armed::Loop { key, .. } => key,
            other => panic!("not armed on a loop thread: {other:?}"),
        }
    }

    fn deadline(t: &Table, key: Key) -> Option<Instant> {
        t.sleeps.get(key).map(rill::Sleep::deadline)
    }

    #[test]
    fn a_stale_key_finds_nothing_once_its_entry_is_reused() {
        let mut t = table();
        let (d1, d2) = (far(), far() + Duration::from_secs(1));
        let old = key(t.insert(d1));
        assert!(t.remove(old));
        assert!(!t.remove(old), "a key frees its entry once");
        let new = key(t.insert(d2));
        assert_eq!(new.index(), old.index(), "the freed entry is reused");
        assert_ne!(new.generation(), old.generation());
        // The old key reaches nothing: no reset, no poll, no free of the new occupant.
        assert!(!t.reset(old, d1));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(t.poll(old, &mut cx).is_ready(), "a stale key is ready");
        assert!(!t.remove(old));
        assert_eq!(deadline(&t, new), Some(d2));
        assert_eq!(t.sleeps.len(), 1);
        // Keys that never came from the table find nothing either (and do not panic).
        assert!(!t.reset(Key::new(u32::MAX, 0), d1));
        assert!(!t.remove(Key::from_u64(u64::MAX)));
    }

    #[test]
    fn freed_entries_are_reused_last_freed_first() {
        let mut t = table();
        let keys: Vec<Key> = (0..3).map(|_| key(t.insert(far()))).collect();
        assert_eq!(
            keys.iter().map(|k| k.index()).collect::<Vec<_>>(),
            [0, 1, 2]
        );
        assert!(t.remove(keys[0]));
        assert!(t.remove(keys[2]));
        let again = [key(t.insert(far())), key(t.insert(far()))];
        assert_eq!(again.map(Key::index), [2, 0]);
        assert_eq!(key(t.insert(far())).index(), 3, "a full table grows by one");
    }

    #[test]
    fn reset_moves_a_live_entry_in_place() {
        let mut t = table();
        let k = key(t.insert(far()));
        let later = far() + Duration::from_secs(60);
        assert!(t.reset(k, later));
        assert_eq!(deadline(&t, k), Some(later));
        assert!(t.remove(k));
        assert!(!t.reset(k, far()), "a removed entry is not reset");
    }

    #[test]
    fn adopting_orphans_frees_only_current_entries_of_this_thread() {
        let mut t = table();
        let orphaned = key(t.insert(far()));
        let kept = key(t.insert(far()));
        // A key gone stale before its orphan is adopted: its entry now holds another sleep.
        let stale = key(t.insert(far()));
        assert!(t.remove(stale));
        let reused = key(t.insert(far()));
        assert_eq!(reused.index(), stale.index());
        orphan(t.thread, orphaned);
        orphan(t.thread, stale);
        t.adopt_orphans();
        assert!(t.sleeps.get(orphaned).is_none(), "the orphan is freed");
        assert!(t.sleeps.get(kept).is_some());
        assert!(
            t.sleeps.get(reused).is_some(),
            "a stale orphan does not free the entry's new sleep"
        );
        assert_eq!(t.sleeps.len(), 2);
        let thread = t.thread;
        let orphans = ORPHANS.lock().unwrap_or_else(|p| p.into_inner());
        assert!(orphans.iter().all(|&(th, _)| th != thread), "all adopted");
    }

    #[test]
    fn a_sleep_dropped_on_another_thread_is_freed_through_the_orphan_list() {
        let rt = rill::Runtime::new().unwrap();
        rt.block_on(async {
            let arm = |s: &mut RillSleep| {
                let mut cx = Context::from_waker(Waker::noop());
                assert!(Pin::new(&mut *s).poll(&mut cx).is_pending());
                key(s.armed)
            };
            let mut first = RillSleep::until(far());
            let first_key = arm(&mut first);
            std::thread::spawn(move || drop(first)).join().unwrap();
            // Still there: only this thread frees its entries, on its next insert.
            TABLE.with(|t| assert!(t.borrow().sleeps.get(first_key).is_some()));
            let mut second = RillSleep::until(far());
            let second_key = arm(&mut second);
            TABLE.with(|t| {
                let t = t.borrow();
                assert!(t.sleeps.get(first_key).is_none(), "the orphan was adopted");
                assert_eq!(t.sleeps.len(), 1);
            });
            assert_eq!(second_key.index(), first_key.index());
            assert_ne!(second_key.generation(), first_key.generation());
            drop(second);
            TABLE.with(|t| assert!(t.borrow().sleeps.is_empty()));
        });
    }
}
