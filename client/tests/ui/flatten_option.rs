//! UI case: flatten option.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
struct Audit {
    by: String,
}

#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
struct Labels {
    #[serde(flatten)]
    audit: Option<Audit>,
}

fn main() {}
