//! Fuzz target: rill-os's poll translation against its documented table, then through a reactor.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| rill_fuzz::translate::run_poll(data));
