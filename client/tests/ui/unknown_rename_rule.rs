//! UI case: unknown rename rule.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
#[serde(rename_all = "Title Case")]
struct User {
    first_name: String,
}

fn main() {}
