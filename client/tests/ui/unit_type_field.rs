//! UI case: unit type field.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
struct Nothing {
    marker: (),
}

fn main() {}
