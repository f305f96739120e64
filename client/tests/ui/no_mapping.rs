//! UI case: no mapping.
struct NotDerived;

#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
struct User {
    extra: NotDerived,
}

fn main() {}
