//! UI case: option option.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
struct Patch {
    name: Option<Option<String>>,
}

fn main() {}
