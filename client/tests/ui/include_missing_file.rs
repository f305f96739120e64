//! UI case: include_schema! of a file that does not exist.
mod generated {
    schemata::include_schema!("schemas/nowhere/v1.avsc");
}

fn main() {}
