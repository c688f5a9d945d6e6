//! Shared helpers for the integration tests: a deterministic PRNG for payloads, runtime
//! construction per backend (and per worker-thread count), a bounded `run` that turns a hang
//! into a test failure, and a watchdog thread on every case [`per_backend!`] generates that ends
//! the test binary, naming the case, when a hang keeps even that bound from firing.

use std::cell::Cell;
use std::future::Future;
use std::io::Write;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

use rill::{Backend, Handle, JoinHandle, Runtime, TcpStream};

/// The backends that run on this machine, by name (epoll, poll, select on Linux).
pub fn available_backends() -> Vec<&'static str> {
    if cfg!(any(target_os = "linux", target_os = "android")) {
        vec!["epoll", "poll", "select"]
    } else {
        vec!["kqueue", "poll", "select"]
    }
}

/// A runtime on `backend` with inline budget `budget`, and [`workers`] worker threads.
pub fn runtime(backend: &str, budget: u32) -> Runtime {
    let backend: Backend = backend.parse().expect("backend name");
    Runtime::builder()
        .backend(backend)
        .inline_budget(budget)
        .worker_threads(workers())
        .build()
        .unwrap_or_else(|e| panic!("building a {backend} runtime: {e}"))
}

/// The bound on every test body: a bug fails the test instead of hanging CI.
pub const TEST_LIMIT: Duration = Duration::from_secs(60);

/// How long a test body may run before its [`watchdog`] ends the test binary.
pub const WATCHDOG_LIMIT: Duration = Duration::from_secs(120);

/// Watches the test body on this thread (see [`watchdog`]); the watch ends when this drops.
pub struct Watchdog {
    /// Dropped with the guard, which disconnects the watching thread; `None` when an outer
    /// watch on this thread covers the body already.
    _stop: Option<mpsc::Sender<()>>,
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        if self._stop.is_some() {
            WATCHED.with(|w| w.set(false));
        }
    }
}

thread_local! {
    /// This thread's test body has a watchdog (a `run` inside a watched case needs no second).
    static WATCHED: Cell<bool> = const { Cell::new(false) };
}

/// Ends the process when the test body on this thread has not returned within
/// [`WATCHDOG_LIMIT`], naming the test: [`TEST_LIMIT`] is a rill timer, which cannot fire while a
/// task never yields or the runtime lost its wake-ups, and a hung test would hold CI until CI's
/// own timeout. Inside a body already watched, it starts no second thread.
pub fn watchdog(backend: &str) -> Watchdog {
    if WATCHED.with(|w| w.replace(true)) {
        return Watchdog { _stop: None };
    }
    let what = format!(
        "{} on {backend}",
        thread::current().name().unwrap_or("a test")
    );
    let (stop, stopped) = mpsc::channel::<()>();
    thread::Builder::new()
        .name("rill-tests watchdog".into())
        .spawn(move || {
            if let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(WATCHDOG_LIMIT) {
                // Straight to the descriptor: `eprintln!` is captured per test, and the capture
                // is lost with the process.
                let _ = writeln!(
                    std::io::stderr(),
                    "{what}: still running after {WATCHDOG_LIMIT:?} (a task that never yields, \
                     or a lost wake-up); aborting the test binary"
                );
                std::process::abort();
            }
        })
        .expect("starting a test watchdog thread");
    Watchdog { _stop: Some(stop) }
}

/// Runs one backend's case of a test under a [`watchdog`] (what [`per_backend!`] and
/// [`per_backend_and_workers!`] generate).
pub fn watched(backend: &'static str, case: impl FnOnce(&'static str)) {
    let _watch = watchdog(backend);
    case(backend);
}

/// Shared by every [`run`], taken exclusively by [`run_exclusive`]: descriptor numbers are
/// process-wide, so a test that opens about a thousand of them must not overlap a `select` test
/// (whose descriptors must stay below `FD_SETSIZE`).
static FD_HEAVY: std::sync::RwLock<()> = std::sync::RwLock::new(());

/// Runs `f` on a fresh runtime (backend, budget) under [`TEST_LIMIT`].
pub fn run<F, Fut, T>(backend: &str, budget: u32, f: F) -> T
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = T>,
{
    let _shared = FD_HEAVY.read().unwrap_or_else(|p| p.into_inner());
    run_unlocked(backend, budget, f)
}

/// Like [`run`], with no other `run` of this test binary running meanwhile: for tests that
/// hold many descriptors at once.
pub fn run_exclusive<F, Fut, T>(backend: &str, budget: u32, f: F) -> T
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = T>,
{
    let _exclusive = FD_HEAVY.write().unwrap_or_else(|p| p.into_inner());
    run_unlocked(backend, budget, f)
}

fn run_unlocked<F, Fut, T>(backend: &str, budget: u32, f: F) -> T
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = T>,
{
    let _watch = watchdog(backend);
    let rt = runtime(backend, budget);
    rt.block_on(async move {
        match rill::timeout(TEST_LIMIT, f()).await {
            Ok(v) => v,
            Err(_) => panic!("test body exceeded {TEST_LIMIT:?} on {backend}"),
        }
    })
}

/// A small deterministic PRNG (xorshift64*), so payloads are reproducible without a crate.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// Seeds the generator (0 is replaced by a fixed non-zero seed).
    pub fn new(seed: u64) -> Rng {
        Rng(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as usize
    }

    /// `len` random bytes.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut v = Vec::with_capacity(len + 8);
        while v.len() < len {
            v.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        v.truncate(len);
        v
    }
}

/// Instantiates `#[test] fn <case>_<backend>()` for every backend that runs here. Each case is a
/// function `fn(backend: &str)`.
#[macro_export]
macro_rules! per_backend {
    ($($case:ident),+ $(,)?) => {
        $(
            mod $case {
                #[cfg(any(target_os = "linux", target_os = "android"))]
                #[test]
                fn epoll() {
                    $crate::watched("epoll", super::$case);
                }
                #[test]
                fn poll() {
                    $crate::watched("poll", super::$case);
                }
                #[test]
                fn select() {
                    $crate::watched("select", super::$case);
                }
                #[cfg(not(any(target_os = "linux", target_os = "android")))]
                #[test]
                fn kqueue() {
                    $crate::watched("kqueue", super::$case);
                }
            }
        )+
    };
}

thread_local! {
    /// The worker-thread count [`runtime`] and [`run`] use on this (test) thread.
    static WORKERS: Cell<usize> = const { Cell::new(1) };
}

/// The worker-thread count runtimes made by [`runtime`] / [`run`] on this thread get (1 unless
/// inside [`with_workers`]).
pub fn workers() -> usize {
    WORKERS.with(Cell::get)
}

/// Runs `f` with [`runtime`] / [`run`] building runtimes of `n` worker threads.
pub fn with_workers<R>(n: usize, f: impl FnOnce() -> R) -> R {
    struct Restore(usize);
    impl Drop for Restore {
        fn drop(&mut self) {
            WORKERS.with(|w| w.set(self.0));
        }
    }
    let _restore = Restore(WORKERS.with(|w| w.replace(n)));
    f()
}

/// Spawns the future `make` returns: on the least-loaded loop of the current runtime when it has
/// several (`make` then runs there), else on this loop. Must be called inside a runtime.
pub fn spawn_spread<M, F>(make: M) -> JoinHandle<F::Output>
where
    M: FnOnce() -> F + Send + 'static,
    F: Future + 'static,
    F::Output: Send + 'static,
{
    let handle = Handle::try_current().expect("spawn_spread outside a runtime");
    if handle.worker_count() > 1 {
        handle.spawn_with(make)
    } else {
        rill::spawn(make())
    }
}

/// Serves an accepted (or connected) stream in a new task: with several loops the stream is
/// handed off (deregistered here, registered on the least-loaded loop) and `serve` runs there;
/// with one loop it runs here.
pub fn spawn_stream<S, F>(stream: TcpStream, serve: S) -> JoinHandle<F::Output>
where
    S: FnOnce(TcpStream) -> F + Send + 'static,
    F: Future + 'static,
    F::Output: Send + 'static,
{
    let handle = Handle::try_current().expect("spawn_stream outside a runtime");
    if handle.worker_count() > 1 {
        let std_stream = stream.into_std();
        handle.spawn_with(move || {
            let stream =
                TcpStream::from_std(std_stream).expect("re-registering a handed-off stream");
            serve(stream)
        })
    } else {
        rill::spawn(serve(stream))
    }
}

/// Like [`per_backend!`], and each case also with 2 and 4 worker threads:
/// `<case>::<backend>`, `<case>::<backend>_w2`, `<case>::<backend>_w4`.
#[macro_export]
macro_rules! per_backend_and_workers {
    ($($case:ident),+ $(,)?) => {
        $(
            mod $case {
                #[cfg(any(target_os = "linux", target_os = "android"))]
                #[test]
                fn epoll() {
                    $crate::watched("epoll", super::$case);
                }
                #[cfg(any(target_os = "linux", target_os = "android"))]
                #[test]
                fn epoll_w2() {
                    $crate::with_workers(2, || $crate::watched("epoll", super::$case));
                }
                #[cfg(any(target_os = "linux", target_os = "android"))]
                #[test]
                fn epoll_w4() {
                    $crate::with_workers(4, || $crate::watched("epoll", super::$case));
                }
                #[test]
                fn poll() {
                    $crate::watched("poll", super::$case);
                }
                #[test]
                fn poll_w2() {
                    $crate::with_workers(2, || $crate::watched("poll", super::$case));
                }
                #[test]
                fn poll_w4() {
                    $crate::with_workers(4, || $crate::watched("poll", super::$case));
                }
                #[test]
                fn select() {
                    $crate::watched("select", super::$case);
                }
                #[test]
                fn select_w2() {
                    $crate::with_workers(2, || $crate::watched("select", super::$case));
                }
                #[test]
                fn select_w4() {
                    $crate::with_workers(4, || $crate::watched("select", super::$case));
                }
                #[cfg(not(any(target_os = "linux", target_os = "android")))]
                #[test]
                fn kqueue() {
                    $crate::watched("kqueue", super::$case);
                }
                #[cfg(not(any(target_os = "linux", target_os = "android")))]
                #[test]
                fn kqueue_w2() {
                    $crate::with_workers(2, || $crate::watched("kqueue", super::$case));
                }
                #[cfg(not(any(target_os = "linux", target_os = "android")))]
                #[test]
                fn kqueue_w4() {
                    $crate::with_workers(4, || $crate::watched("kqueue", super::$case));
                }
            }
        )+
    };
}

/// A cross-thread one-shot gate: tasks on any loop [`Gate::wait`] until some thread calls
/// [`Gate::open`] (a deterministic "go" signal for multi-threaded tests, instead of sleeps).
#[derive(Clone, Default)]
pub struct Gate(std::sync::Arc<std::sync::Mutex<GateState>>);

#[derive(Default)]
struct GateState {
    open: bool,
    waiters: Vec<std::task::Waker>,
}

impl Gate {
    /// A closed gate.
    pub fn new() -> Gate {
        Gate::default()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, GateState> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Opens the gate and wakes every waiter (from any thread).
    pub fn open(&self) {
        let waiters = {
            let mut s = self.state();
            s.open = true;
            std::mem::take(&mut s.waiters)
        };
        for w in waiters {
            w.wake();
        }
    }

    /// True once opened.
    pub fn is_open(&self) -> bool {
        self.state().open
    }

    /// Waits until the gate is open.
    pub async fn wait(&self) {
        std::future::poll_fn(|cx| {
            let mut s = self.state();
            if s.open {
                std::task::Poll::Ready(())
            } else {
                s.waiters.push(cx.waker().clone());
                std::task::Poll::Pending
            }
        })
        .await
    }
}

thread_local! {
    static EXIT_PROBES: std::cell::RefCell<ExitProbes> = const {
        std::cell::RefCell::new(ExitProbes(Vec::new()))
    };
}

struct ExitProbes(Vec<std::sync::mpsc::Sender<String>>);

impl Drop for ExitProbes {
    fn drop(&mut self) {
        let name = std::thread::current().name().unwrap_or("?").to_string();
        for tx in self.0.drain(..) {
            let _ = tx.send(name.clone());
        }
    }
}

/// Arranges for the current thread to send its name on `tx` when it exits (from a
/// thread-local destructor, which runs before a `join` of the thread returns). Lets a test see
/// that a loop thread really ended, and was joined, at a given point.
pub fn notify_on_thread_exit(tx: std::sync::mpsc::Sender<String>) {
    EXIT_PROBES.with(|p| p.borrow_mut().0.push(tx));
}

/// A connected loopback TCP pair: a rill stream (registered with the current runtime) and its
/// blocking std peer, for tests that drive one side by hand.
pub fn tcp_pair_with_std_peer() -> (TcpStream, std::net::TcpStream) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let peer = std::net::TcpStream::connect(listener.local_addr().expect("local addr"))
        .expect("connect loopback");
    let (ours, _) = listener.accept().expect("accept");
    (TcpStream::from_std(ours).expect("register"), peer)
}
