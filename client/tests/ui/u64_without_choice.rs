//! UI case: u64 without choice.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
struct Offsets {
    offset: u64,
    index: Option<usize>,
}

fn main() {}
