//! UI case: invalid default json.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
struct Settings {
    #[schemata(default_json = "{not json")]
    limits: Vec<i32>,
    #[schemata(default = b"bytes")]
    blob: Vec<u8>,
}

fn main() {}
