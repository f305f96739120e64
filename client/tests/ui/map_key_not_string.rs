//! UI case: map key not string.
use std::collections::BTreeMap;

#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
struct Counts {
    by_id: BTreeMap<i64, String>,
}

fn main() {}
