//! UI case: tuple struct.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
struct Point(i32, i32);

fn main() {}
