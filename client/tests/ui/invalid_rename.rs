//! UI case: invalid rename.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
struct User {
    #[serde(rename = "first name")]
    first_name: String,
    #[serde(rename = "1st")]
    second: String,
}

fn main() {}
