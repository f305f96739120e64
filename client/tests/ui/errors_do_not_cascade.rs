//! UI case: errors do not cascade.
// Two mistakes in one type are both reported, and code using the type still type-checks
// (the fallback impl), so no further errors appear.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
struct Offsets {
    offset: u64,
    pair: (i32, i32),
}

fn registered<T: schemata::Schema>() -> &'static str {
    T::full_name()
}

fn use_it() -> &'static str {
    registered::<Offsets>()
}

fn main() {}
