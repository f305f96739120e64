//! UI case: duplicate variant names.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
enum Color {
    Red,
    #[serde(rename = "Red")]
    Crimson,
}

fn main() {}
