//! UI case: decimal integer without precision.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
struct Wide {
    #[schemata(avro = "decimal")]
    value: u128,
}

fn main() {}
