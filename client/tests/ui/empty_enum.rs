//! UI case: empty enum.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
enum Never {}

fn main() {}
