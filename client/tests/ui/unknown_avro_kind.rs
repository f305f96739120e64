//! UI case: unknown avro kind.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
struct Wide {
    #[schemata(avro = "int")]
    value: u64,
}

fn main() {}
