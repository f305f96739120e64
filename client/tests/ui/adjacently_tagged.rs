//! UI case: adjacently tagged.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
#[serde(tag = "t", content = "c")]
enum Event {
    Created { id: String },
}

fn main() {}
