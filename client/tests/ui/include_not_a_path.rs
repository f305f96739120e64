//! UI case: include_schema! without a string literal.
mod generated {
    schemata::include_schema!(orders);
}

fn main() {}
