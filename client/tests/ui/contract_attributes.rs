//! UI case: data contract attributes used where they mean nothing or are malformed.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme", metadata(owner = "a", owner = "b", "" = "c"))]
struct Order {
    #[schemata(tags())]
    id: i64,
    #[schemata(tags(""))]
    note: String,
}

#[derive(schemata::Schema)]
struct Pin(#[schemata(tags("PII"))] String);

#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
struct Wrapper {
    #[serde(flatten)]
    #[schemata(tags("PII"))]
    order: Order,
}

fn main() {}
