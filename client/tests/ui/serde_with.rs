//! UI case: serde with.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
struct User {
    #[serde(with = "my_format")]
    joined: String,
    #[serde(serialize_with = "write_it")]
    left: String,
}

fn main() {}
