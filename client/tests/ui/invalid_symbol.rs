//! UI case: invalid symbol.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
#[serde(rename_all = "kebab-case")]
enum Status {
    InStock,
}

fn main() {}
