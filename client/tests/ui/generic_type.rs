//! UI case: generic type.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
struct Envelope<T> {
    payload: T,
}

fn main() {}
