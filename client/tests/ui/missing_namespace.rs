//! UI case: missing namespace.
#[derive(schemata::Schema)]
struct User {
    name: String,
}

fn main() {}
