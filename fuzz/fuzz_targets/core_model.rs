//! Fuzz target: rill-core's reactor driven by arbitrary call sequences against a reference model.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| rill_fuzz::core_model::run(data));
