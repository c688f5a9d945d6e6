//! Shared helpers for the integration tests: a deterministic PRNG for payloads, runtime
//! construction per backend, and a bounded `run` that turns a hang into a test failure.

use std::future::Future;
use std::time::Duration;

use rill::{Backend, Runtime};

/// The backends that run on this machine, by name (epoll, poll, select on Linux).
pub fn available_backends() -> Vec<&'static str> {
    if cfg!(any(target_os = "linux", target_os = "android")) {
        vec!["epoll", "poll", "select"]
    } else {
        vec!["kqueue", "poll", "select"]
    }
}

/// A runtime on `backend` with inline budget `budget`.
pub fn runtime(backend: &str, budget: u32) -> Runtime {
    let backend: Backend = backend.parse().expect("backend name");
    Runtime::builder()
        .backend(backend)
        .inline_budget(budget)
        .build()
        .unwrap_or_else(|e| panic!("building a {backend} runtime: {e}"))
}

/// The bound on every test body: a bug fails the test instead of hanging CI.
pub const TEST_LIMIT: Duration = Duration::from_secs(60);

/// Runs `f` on a fresh runtime (backend, budget) under [`TEST_LIMIT`].
pub fn run<F, Fut, T>(backend: &str, budget: u32, f: F) -> T
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = T>,
{
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
                    super::$case("epoll");
                }
                #[test]
                fn poll() {
                    super::$case("poll");
                }
                #[test]
                fn select() {
                    super::$case("select");
                }
                #[cfg(not(any(target_os = "linux", target_os = "android")))]
                #[test]
                fn kqueue() {
                    super::$case("kqueue");
                }
            }
        )+
    };
}
