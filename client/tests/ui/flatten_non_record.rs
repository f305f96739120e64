//! UI case: flatten non record.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
struct Labels {
    #[serde(flatten)]
    count: i32,
}

fn main() {}
