//! UI case: rename disagrees with serde.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
struct User {
    #[schemata(rename = "fullName")]
    full_name: String,
    #[serde(rename = "mail")]
    #[schemata(rename = "email")]
    email: String,
}

#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
enum Color {
    #[schemata(rename = "RED")]
    Red,
}

fn main() {}
