//! UI case: option in variant.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
enum Maybe {
    Text(Option<String>),
}

fn main() {}
