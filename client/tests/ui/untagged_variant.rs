//! UI case: untagged variant.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
enum Value {
    Text { text: String },
    #[serde(untagged)]
    Other { raw: String },
}

fn main() {}
