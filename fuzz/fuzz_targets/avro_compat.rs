//! Fuzz target `avro_compat`: see `schemata_fuzz::avro_compat` for what it checks.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    schemata_fuzz::avro_compat(data);
});
