//! UI case: tuple field.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
struct Point {
    xy: (i32, i32),
}

fn main() {}
