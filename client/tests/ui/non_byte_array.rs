//! UI case: non byte array.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
struct Matrix {
    row: [i32; 4],
}

fn main() {}
