//! UI case: untagged unit variant.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
#[serde(untagged)]
enum Value {
    Missing,
    Text { text: String },
}

fn main() {}
