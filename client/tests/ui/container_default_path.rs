//! UI case: container default path.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
#[serde(default = "make_settings")]
struct Settings {
    retries: i32,
}

fn main() {}
