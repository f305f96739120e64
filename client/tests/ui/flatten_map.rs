//! UI case: flatten map.
use std::collections::HashMap;

#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
struct Labels {
    id: String,
    #[serde(flatten)]
    extra: HashMap<String, String>,
}

fn main() {}
