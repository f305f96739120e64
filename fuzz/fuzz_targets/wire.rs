//! Fuzz target `wire`: see `schemata_fuzz::wire` for what it checks.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    schemata_fuzz::wire(data);
});
