//! Zero allocation on the hot path: a counting global allocator shows that, after warm-up, the std
//! adapter's read, write and accept paths allocate nothing per op.
//!
//! A test binary of its own with its own `main` (`harness = false` in `Cargo.toml`), so the
//! process has no thread but this one and what the runtime starts. Under libtest it was flaky:
//! the harness's main thread records the running test (a hash map insert, 148 B, and more) while
//! the test thread already runs, and under CPU contention that landed inside a counted window (11
//! runs in 40 next to three busy loops, with a backtrace into libtest's `run_tests`; none in 40
//! without the harness, same load). The checks run once per backend available here. Each backend
//! goes through three phases, and the counter is read around each:
//!
//! 1. **Warm-up** (counted, printed, not asserted). Building the runtime allocates its tables,
//!    which start small and grow (with the defaults, 14 allocations and 66,784 B on epoll and
//!    select, 16 and 69,384 B on poll, which adds its `pollfd` table). Then binding,
//!    connecting, accepting one connection, spawning the echo task and 64 ping-pong rounds
//!    allocate 3 more (320 B): the spawned task. The first batch of accepts allocates nothing
//!    (the tables have room for the new descriptors).
//! 2. **Read / write** (asserted zero): 2,000 ping-pong rounds of 64 bytes between the test's
//!    task and an echo task over loopback TCP. Each round takes both paths of the core: writes
//!    complete inline (speculation), reads find nothing yet, park, and are woken through the
//!    poller, the waker and the task queue.
//! 3. **Accept** (asserted zero): 32 connections accepted and dropped (register, deregister,
//!    close). The client sides are connected with blocking `std::net` calls before the counted
//!    window, so only the adapter's accept path is counted.
//!
//! The warm-up counts are printed to stderr (nothing captures them without the harness).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

use rill::{Backend, Runtime, TcpListener, TcpStream};

/// Counts every allocation (and reallocation) made through the global allocator.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

/// Counts one allocation of `size` bytes. Never allocates.
fn record(size: usize) {
    ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    BYTES.fetch_add(size as u64, Ordering::Relaxed);
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so `System`'s
// guarantees are ours; the counters are plain atomics and never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(layout.size());
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record(layout.size());
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record(new_size);
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged; `ptr` came from `System` through this allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations and bytes so far.
fn snapshot() -> (u64, u64) {
    (
        ALLOCATIONS.load(Ordering::Relaxed),
        BYTES.load(Ordering::Relaxed),
    )
}

/// Allocations and bytes since `start`.
fn since(start: (u64, u64)) -> (u64, u64) {
    let now = snapshot();
    (now.0 - start.0, now.1 - start.1)
}

const MESSAGE: usize = 64;
const WARM_UP_ROUNDS: usize = 64;
const ROUNDS: usize = 2_000;
const ACCEPTS: usize = 32;

/// What one backend's phases allocated: (allocations, bytes) per phase.
struct Report {
    build: (u64, u64),
    warm_up: (u64, u64),
    read_write: (u64, u64),
    accept_warm_up: (u64, u64),
    accept: (u64, u64),
}

fn ping_pong(rt: &Runtime) -> std::io::Result<Report> {
    rt.block_on(async {
        let start = snapshot();
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let client = TcpStream::connect(addr).await?;
        let (server, _) = listener.accept().await?;
        let echo = rill::spawn(async move {
            let mut buf = [0u8; MESSAGE];
            loop {
                if server.read_exact(&mut buf).await.is_err() {
                    return;
                }
                if server.write_all(&buf).await.is_err() {
                    return;
                }
            }
        });
        let mut out = [0u8; MESSAGE];
        let mut back = [0u8; MESSAGE];
        for round in 0..WARM_UP_ROUNDS {
            out[round % MESSAGE] = round as u8;
            client.write_all(&out).await?;
            client.read_exact(&mut back).await?;
            assert_eq!(back, out);
        }
        let warm_up = since(start);

        let start = snapshot();
        for round in 0..ROUNDS {
            out[round % MESSAGE] = round as u8;
            client.write_all(&out).await?;
            client.read_exact(&mut back).await?;
            if back != out {
                break;
            }
        }
        let read_write = since(start);
        assert_eq!(back, out, "echo returned the last message");

        // Accept: connect the clients with blocking std calls outside the counted window.
        let mut clients = Vec::with_capacity(ACCEPTS);
        let accept_start = snapshot();
        for _ in 0..ACCEPTS {
            clients.push(std::net::TcpStream::connect(addr)?);
        }
        for _ in 0..ACCEPTS {
            drop(listener.accept().await?);
        }
        let accept_warm_up = since(accept_start);
        clients.clear();
        for _ in 0..ACCEPTS {
            clients.push(std::net::TcpStream::connect(addr)?);
        }
        let start = snapshot();
        for _ in 0..ACCEPTS {
            let (stream, _) = listener.accept().await?;
            drop(stream);
        }
        let accept = since(start);
        drop(clients);

        drop(client);
        let _ = echo.await;
        Ok(Report {
            build: (0, 0),
            warm_up,
            read_write,
            accept_warm_up,
            accept,
        })
    })
}

/// `cargo test` runs this binary like any test; a failed check panics, which exits non-zero.
/// Like libtest, it answers `--list`; other arguments (filters, libtest's flags) are ignored,
/// and the one test runs.
fn main() {
    const NAME: &str = "steady_state_read_write_accept_allocate_nothing";
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        println!("{NAME}: test");
        return;
    }
    if !selected(NAME, &args) {
        println!("test {NAME} ... filtered out");
        return;
    }
    steady_state_read_write_accept_allocate_nothing();
    println!("test {NAME} ... ok");
}

/// Whether libtest's command line (`cargo test -- ARGS`) would run the test `name`: every
/// positional argument is a name filter (a substring, or the whole name with `--exact`), at
/// least one of which must match when any is given; `--skip S` (or `--skip=S`) drops a name containing `S`;
/// `--ignored` runs only ignored tests, and this one is not. The options that take a value have
/// it skipped, so `--test-threads 1` does not read as a filter `1`.
fn selected(name: &str, args: &[String]) -> bool {
    const WITH_VALUE: [&str; 7] = [
        "--test-threads",
        "--skip",
        "--format",
        "--color",
        "--logfile",
        "--shuffle-seed",
        "-Z",
    ];
    let exact = args.iter().any(|a| a == "--exact");
    let matches = |filter: &str| {
        if exact {
            name == filter
        } else {
            name.contains(filter)
        }
    };
    let (mut filters, mut skipped, mut ignored_only) = (Vec::new(), false, false);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--skip" => skipped |= it.next().is_some_and(|s| matches(s)),
            a if a.starts_with("--skip=") => skipped |= matches(&a["--skip=".len()..]),
            "--ignored" => ignored_only = true,
            a if WITH_VALUE.contains(&a) => {
                it.next();
            }
            a if a.starts_with('-') => {}
            a => filters.push(a),
        }
    }
    !ignored_only && !skipped && (filters.is_empty() || filters.iter().any(|f| matches(f)))
}

fn steady_state_read_write_accept_allocate_nothing() {
    let mut tested = 0;
    for backend in [Backend::Epoll, Backend::Poll, Backend::Select] {
        let start = snapshot();
        let rt = match Runtime::builder().backend(backend).build() {
            Ok(rt) => rt,
            Err(e) if e.kind() == std::io::ErrorKind::Unsupported => continue,
            Err(e) => panic!("{backend}: runtime: {e}"),
        };
        let build = since(start);
        let mut report = ping_pong(&rt).unwrap_or_else(|e| panic!("{backend}: {e}"));
        report.build = build;
        eprintln!(
            "{backend}: allocations (count, bytes): build {:?}, warm-up {:?}, \
             {ROUNDS} rounds {:?}, accept warm-up {:?}, {ACCEPTS} accepts {:?}",
            report.build, report.warm_up, report.read_write, report.accept_warm_up, report.accept
        );
        assert_eq!(
            report.read_write.0, 0,
            "{backend}: {ROUNDS} ping-pong rounds allocated {:?} (count, bytes)",
            report.read_write
        );
        assert_eq!(
            report.accept.0, 0,
            "{backend}: {ACCEPTS} accepts allocated {:?} (count, bytes)",
            report.accept
        );
        tested += 1;
    }
    assert!(tested > 0, "no backend available");
}
