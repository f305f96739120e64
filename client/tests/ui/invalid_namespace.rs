//! UI case: invalid namespace.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme-corp", name = "User!")]
struct User {
    name: String,
}

fn main() {}
