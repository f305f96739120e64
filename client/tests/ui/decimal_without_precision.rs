//! UI case: decimal without precision.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
struct Price {
    amount: rust_decimal::Decimal,
    #[schemata(precision = 10)]
    tax: Option<rust_decimal::Decimal>,
}

fn main() {}
