//! UI case: include_schema! of a JSON Schema file.
mod generated {
    schemata::include_schema!("schemas/users-value/v1.json");
}

fn main() {}
