//! UI case: duplicate field names.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
struct User {
    name: String,
    #[serde(rename = "name")]
    login: String,
}

fn main() {}
