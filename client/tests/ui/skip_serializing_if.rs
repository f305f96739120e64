//! UI case: skip serializing if.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
struct User {
    #[serde(skip_serializing_if = "Option::is_none")]
    nickname: Option<String>,
}

fn main() {}
