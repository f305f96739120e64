//! UI case: enum default misplaced.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
enum Color {
    #[schemata(default)]
    Red,
    #[schemata(default)]
    Green,
}

#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
enum Event {
    #[schemata(default)]
    Started { at: i64 },
}

fn main() {}
