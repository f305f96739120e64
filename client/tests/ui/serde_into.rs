//! UI case: serde into.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
#[serde(into = "String")]
struct Id {
    raw: String,
}

fn main() {}
