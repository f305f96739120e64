//! UI case: u128 without choice.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
struct Wide {
    unsigned: u128,
    signed: Vec<i128>,
}

fn main() {}
