//! UI case: tuple variant.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
enum Shape {
    Rect(f64, f64),
}

fn main() {}
