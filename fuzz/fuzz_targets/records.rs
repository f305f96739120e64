//! Fuzz target `records`: see `schemata_fuzz::records` for what it checks.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    schemata_fuzz::records(data);
});
