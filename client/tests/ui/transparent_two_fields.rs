//! UI case: transparent two fields.
#[derive(schemata::Schema)]
#[serde(transparent)]
struct Pair {
    a: String,
    b: String,
}

fn main() {}
