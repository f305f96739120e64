//! UI case: skip one direction.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
struct User {
    #[serde(skip_serializing)]
    password: String,
    #[serde(skip_deserializing)]
    session: String,
}

fn main() {}
