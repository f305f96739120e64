//! UI case: internally tagged.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
#[serde(tag = "type")]
enum Event {
    Created { id: String },
    Deleted { id: String },
}

fn main() {}
