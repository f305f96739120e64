//! UI case: union type.
#[derive(schemata::Schema)]
#[schemata(namespace = "com.acme")]
union Bits {
    int: i32,
    float: f32,
}

fn main() {}
