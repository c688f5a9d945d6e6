//! [`Builder`]: the settings of a [`Runtime`]. All but `worker_threads` apply to each loop and
//! travel as a [`LoopConfig`] to wherever a loop is built (loop 0 here, worker threads in
//! `crate::pool`, a [`crate::LoopGroup`]'s loops).

use std::io;
use std::time::Duration;

use rill_os::{Backend, UnknownBackend};

use super::Runtime;
use crate::event_loop::LoopConfig;

/// Configures and builds a [`Runtime`].
///
/// ```
/// let rt = rill::Runtime::builder()
///     .backend(rill::Backend::Poll)
///     .inline_budget(0)
///     .build()
///     .unwrap();
/// assert_eq!(rt.backend(), rill::Backend::Poll);
/// ```
#[derive(Clone, Debug)]
pub struct Builder {
    /// Every setting of a loop.
    pub(crate) config: LoopConfig,
    pub(crate) workers: usize,
}

impl Default for Builder {
    fn default() -> Builder {
        Builder::new()
    }
}

impl Builder {
    /// The defaults: platform backend, inline budget 2, up to 16384 descriptors (the table
    /// starts at 64 and doubles as needed), half the scheduler's poll interval in events per
    /// wait (`rill_core::scheduler`'s rule 8; see [`Builder::event_capacity`]), initial room
    /// for 256 timers (the heap doubles as needed).
    ///
    /// ```
    /// let rt = rill::Builder::new().build()?;
    /// assert_eq!(rt.backend(), rill::Backend::platform_default());
    /// assert_eq!(rt.worker_threads(), 1);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new() -> Builder {
        Builder {
            config: LoopConfig::new(),
            workers: 1,
        }
    }

    /// Starts the runtime with the test clock: time is virtual, stands still while any task
    /// can run, jumps to the next timer when every task is idle, and moves by hand with
    /// [`crate::time::advance`]. Sleeps, timeouts and intervals all follow it, so a test of a
    /// one-hour timeout takes milliseconds. Default off. Each loop of a multi-loop runtime has
    /// its own virtual clock.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = rill::Builder::new().start_paused(true).build()?;
    /// let wall = std::time::Instant::now();
    /// rt.block_on(async {
    ///     let slow = rill::sleep(Duration::from_secs(2 * 3600));
    ///     assert!(rill::timeout(Duration::from_secs(3600), slow).await.is_err());
    /// });
    /// assert!(wall.elapsed() < Duration::from_secs(3600));
    /// # std::io::Result::Ok(())
    /// ```
    pub fn start_paused(mut self, paused: bool) -> Builder {
        self.config.paused = paused;
        self
    }

    /// Chooses the OS backend.
    ///
    /// ```
    /// let rt = rill::Builder::new().backend(rill::Backend::Poll).build()?;
    /// assert_eq!(rt.backend(), rill::Backend::Poll);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn backend(mut self, backend: Backend) -> Builder {
        self.config.backend = backend;
        self
    }

    /// Chooses the OS backend by name (`epoll`, `poll`, `select`, `kqueue` or `default`).
    ///
    /// ```
    /// let rt = rill::Builder::new().backend_name("poll").unwrap().build()?;
    /// assert_eq!(rt.backend(), rill::Backend::Poll);
    /// assert!(rill::Builder::new().backend_name("io_uring9").is_err());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn backend_name(self, name: &str) -> Result<Builder, UnknownBackend> {
        Ok(self.backend(name.parse()?))
    }

    /// How many I/O results may complete inline (without a trip through the ready queue) in a
    /// row before further ones are deferred; reset every time a task is polled. 0 defers
    /// everything (every op goes through the queue); still correct, just slower. Values above
    /// 255 act as 255.
    ///
    /// ```
    /// // Budget 0: every op goes through the ready queue; the results are the same.
    /// let rt = rill::Builder::new().inline_budget(0).build()?;
    /// rt.block_on(async {
    ///     let (a, b) = rill::UnixStream::pair()?;
    ///     a.write_all(b"queued").await?;
    ///     let mut buf = [0u8; 6];
    ///     b.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"queued");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn inline_budget(mut self, budget: u32) -> Builder {
        self.config.inline_budget = budget;
        self
    }

    /// Busy polling for request/response clients (off by default): a read that follows a write
    /// on the same socket retries its syscall for up to `window` before it parks, so an answer
    /// that arrives within the window is taken without an OS wait (lower latency to a fast
    /// peer, at the price of a spinning thread). It spins only when no other task of the loop is
    /// runnable and the reactor has no queued work, and never longer than `window` per read,
    /// so nothing ready waits behind it. `Duration::ZERO` turns it off. Counted in
    /// [`Metrics::busy_poll_hits`](crate::Metrics::busy_poll_hits) and `busy_poll_misses`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = rill::Builder::new().busy_poll(Duration::from_micros(50)).build()?;
    /// rt.block_on(async {
    ///     let (client, server) = std::os::unix::net::UnixStream::pair()?;
    ///     let client = rill::UnixStream::from_std(client)?;
    ///     let echo = std::thread::spawn(move || {
    ///         let mut buf = [0u8; 4];
    ///         std::io::Read::read_exact(&mut &server, &mut buf)?;
    ///         std::io::Write::write_all(&mut &server, &buf)
    ///     });
    ///     client.write_all(b"ping").await?;
    ///     let mut buf = [0u8; 4];
    ///     client.read_exact(&mut buf).await?; // spins up to 50 µs for the answer, then parks
    ///     assert_eq!(&buf, b"ping");
    ///     echo.join().unwrap()
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn busy_poll(mut self, window: Duration) -> Builder {
        self.config.busy_poll = (!window.is_zero()).then_some(window);
        self
    }

    /// Whether a loop about to block yields its thread first (off by default). With nothing
    /// ready, the loop polls the OS without blocking; if that finds nothing, it yields its CPU
    /// to any other runnable thread (`sched_yield`) and polls again, and only then sleeps.
    /// The policy is `rill_core::scheduler`'s rule 7.
    ///
    /// Turn it on when the threads that feed the loops share their cores: a local load client,
    /// the other loops of a `worker_threads` runtime, the thread that wakes a loop. Blocking
    /// at once puts a loop to sleep just before its readiness is produced on its own CPU, so
    /// each round trip pays a sleep and a wake-up. The yield lets that thread run first. On
    /// the repo's 2-core bench, `worker_threads(2)` echo went from about 230k to 290k
    /// requests/s, and its context switches fell from 225k to 5k per run.
    ///
    /// Leave it off when a loop's core may be shared with a CPU-bound thread (a pinned loop, a
    /// one-CPU container, heavy `spawn_blocking` work). The yield then hands that thread the
    /// CPU for a whole scheduler slice while the loop's readiness waits. On the same bench, a
    /// one-connection client pinned next to a spinning thread fell from 14k to 1k round
    /// trips/s, with a 4 ms p99 (docs/PERFORMANCE.md).
    ///
    /// It costs two syscalls on a turn that then sleeps anyway, and none on a turn whose
    /// readiness is already there (the non-blocking poll is then the turn's one wait). Counted
    /// in [`Metrics::yields`](crate::Metrics::yields).
    ///
    /// ```
    /// let rt = rill::Builder::new().yield_before_block(true).build()?;
    /// rt.block_on(async {
    ///     rill::sleep(std::time::Duration::from_millis(1)).await; // probes, yields, sleeps
    ///     assert!(rill::metrics().unwrap().yields >= 1);
    /// });
    /// # std::io::Result::Ok(())
    /// ```
    pub fn yield_before_block(mut self, on: bool) -> Builder {
        self.config.yield_before_block = on;
        self
    }

    /// The most I/O objects (sockets) registered at once per loop; registering one more answers
    /// `OutOfMemory`, and a listener sheds the connection it just accepted
    /// (`ConnectionAborted`, with back-off) instead of failing. The table starts small and grows
    /// up to this.
    ///
    /// ```
    /// let rt = rill::Builder::new().max_io(2).build()?;
    /// rt.block_on(async {
    ///     let _pair = rill::UnixStream::pair()?; // two registrations: the table is full
    ///     let err = rill::UnixStream::pair().unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::OutOfMemory);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn max_io(mut self, n: usize) -> Builder {
        self.config.max_io = n.max(1);
        self
    }

    /// The most OS events taken per wait (default
    /// [`DEFAULT_EVENTS_PER_POLL`](rill_core::scheduler::DEFAULT_EVENTS_PER_POLL), and never
    /// more than the backend reads at once: 256 for epoll, 128 for kqueue). Keep it below the
    /// [`DEFAULT_POLL_INTERVAL`](rill_core::scheduler::DEFAULT_POLL_INTERVAL) tasks a loop runs
    /// between two OS polls: a larger batch lets the run queue grow until it holds every ready
    /// socket, and each task then runs long after its event, with its state out of the cache
    /// (`rill_core::scheduler`, rule 8).
    ///
    /// ```
    /// let rt = rill::Builder::new().event_capacity(64).build()?;
    /// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn event_capacity(mut self, n: usize) -> Builder {
        self.config.events = n.max(1);
        self
    }

    /// Initial room for armed timers (sleeps, timeouts, intervals). The timer heap doubles when
    /// full, so arming a timer never fails; this only avoids the regrowth.
    ///
    /// ```
    /// use std::time::Duration;
    /// // Room for one timer; arming more just grows the heap.
    /// let rt = rill::Builder::new().timer_capacity(1).build()?;
    /// rt.block_on(async {
    ///     let a = rill::sleep(Duration::from_millis(1));
    ///     let b = rill::sleep(Duration::from_millis(1));
    ///     a.await;
    ///     b.await;
    /// });
    /// # std::io::Result::Ok(())
    /// ```
    pub fn timer_capacity(mut self, n: usize) -> Builder {
        self.config.timers = n.max(1);
        self
    }

    /// Initial room for tasks (the table grows as needed).
    ///
    /// ```
    /// let rt = rill::Builder::new().task_capacity(4).build()?;
    /// let tasks: Vec<_> = (0..10).map(|i| rt.spawn(async move { i })).collect();
    /// let sum = rt.block_on(async {
    ///     let mut sum = 0;
    ///     for t in tasks {
    ///         sum += t.await.unwrap();
    ///     }
    ///     sum
    /// });
    /// assert_eq!(sum, 45);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn task_capacity(mut self, n: usize) -> Builder {
        self.config.tasks = n;
        self
    }

    /// How many threads drive the runtime (default 1; 0 acts as 1). With `n > 1` the runtime
    /// has `n` independent loops (each its own poller, timers and tasks): loop 0 is driven by
    /// [`Runtime::block_on`] on the thread that built the runtime, loops 1 ..= n-1 by background
    /// threads started by [`Builder::build`] and joined when the runtime is dropped.
    /// [`Handle::spawn`] / [`Handle::spawn_with`] place tasks on the least-loaded loop; a task
    /// and its sockets stay on their loop. Every other setting applies to each loop. See the
    /// [`multi`](crate::multi) design notes for what runs where.
    ///
    /// [`Handle::spawn`]: crate::Handle::spawn
    /// [`Handle::spawn_with`]: crate::Handle::spawn_with
    ///
    /// ```
    /// let rt = rill::Builder::new().worker_threads(2).build()?;
    /// assert_eq!(rt.worker_threads(), 2);
    /// let handle = rt.handle();
    /// let on_loop_1 = handle.spawn_on(1, || async { rill::worker_index() })?;
    /// assert_eq!(rt.block_on(on_loop_1).unwrap(), Some(1));
    /// # std::io::Result::Ok(())
    /// ```
    pub fn worker_threads(mut self, n: usize) -> Builder {
        self.workers = n.max(1);
        self
    }

    /// Builds the runtime: creates the OS poller and waker (and, with
    /// [`Builder::worker_threads`] above 1, starts the worker threads).
    ///
    /// ```
    /// let builder = rill::Builder::new().inline_budget(1);
    /// // `build` takes `&self`: one builder can make several runtimes.
    /// let (a, b) = (builder.build()?, builder.build()?);
    /// assert_eq!(a.block_on(async { 1 }) + b.block_on(async { 2 }), 3);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn build(&self) -> io::Result<Runtime> {
        Runtime::start(&self.loop_config(), self.workers)
    }

    /// The settings each loop is built with (all but `workers`).
    pub(crate) fn loop_config(&self) -> LoopConfig {
        self.config
    }
}
