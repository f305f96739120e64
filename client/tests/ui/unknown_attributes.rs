//! UI case: unknown attributes.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme", version = 2)]
struct User {
    #[schemata(order = "descending")]
    name: String,
}

#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
enum Color {
    #[schemata(order = 1)]
    Red,
}

fn main() {}
