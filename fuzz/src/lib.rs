//! # rill-fuzz: the checking code behind the fuzz targets
//!
//! Each module holds one target's input type (decoded from raw bytes with `arbitrary`) and a
//! `run(&[u8])` that drives the code under test and panics on the first disagreement with a plain
//! reference model. The fuzz targets in `fuzz_targets/` are one-line wrappers around these `run`
//! functions, and `tests/tests/fuzz_replay.rs` calls the same functions on every committed corpus
//! file, so the stable `cargo test --workspace` re-checks the corpora on every run.
//!
//! | target | module | checks |
//! |---|---|---|
//! | `core_model` | [`core_model`] | the reactor against a step-by-step model: exactly-once completion, no lost wake-up, stale events dropped, bounded ready queue, budget, errors for misuse |
//! | `timers` | [`timers`] | the deadline heap against a sorted vector: order, ties, `Full` / `Stale`, `became_earliest`, expiry passes (H12) |
//! | `translate_epoll`, `translate_kqueue`, `translate_poll`, `translate_select` | [`translate`] | each shim's raw bits → readiness against its documented table; no false close; the result through a reactor |
//!
//! Build the targets with `cargo +nightly fuzz run <target>` from the repository root.

pub mod core_model;
pub mod timers;
pub mod translate;
