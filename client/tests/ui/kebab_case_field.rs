//! UI case: kebab case field.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
#[serde(rename_all = "kebab-case")]
struct User {
    first_name: String,
}

fn main() {}
