//! UI case: rename directions.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
struct User {
    #[serde(rename(serialize = "a", deserialize = "b"))]
    first: String,
    #[serde(rename(serialize = "c"))]
    second: String,
}

fn main() {}
