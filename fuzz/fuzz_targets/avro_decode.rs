//! Fuzz target `avro_decode`: see `schemata_fuzz::avro_decode` for what it checks.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    schemata_fuzz::avro_decode(data);
});
