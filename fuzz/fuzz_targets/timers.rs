//! Fuzz target: rill-core's timer heap against a sorted-vector model.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| rill_fuzz::timers::run(data));
