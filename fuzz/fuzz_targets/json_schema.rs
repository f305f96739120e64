//! Fuzz target `json_schema`: see `schemata_fuzz::json_schema` for what it checks.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    schemata_fuzz::json_schema(data);
});
