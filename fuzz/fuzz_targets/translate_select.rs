//! Fuzz target: rill-os's select translation against its documented table, then through a reactor.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| rill_fuzz::translate::run_select(data));
