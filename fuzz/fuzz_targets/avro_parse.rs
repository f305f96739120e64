//! Fuzz target `avro_parse`: see `schemata_fuzz::avro_parse` for what it checks.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    schemata_fuzz::avro_parse(data);
});
