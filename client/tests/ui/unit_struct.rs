//! UI case: unit struct.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
struct Marker;

fn main() {}
