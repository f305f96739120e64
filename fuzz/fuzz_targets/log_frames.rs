//! Fuzz target `log_frames`: see `schemata_fuzz::log_frames` for what it checks.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    schemata_fuzz::log_frames(data);
});
