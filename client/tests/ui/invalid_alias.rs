//! UI case: invalid alias.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme", alias = "old user")]
struct User {
    #[schemata(alias = "")]
    name: String,
}

fn main() {}
