//! Tests of the Avro engine: data-driven tables with one `check` helper per feature, property
//! tests, and the shared shorthand for writing schemas in one line.

mod canonical_cases;
mod compat_cases;
mod levels;
mod parse_cases;
mod props;

use super::AvroSchema;

/// Expands the one-line schema shorthand of the tables:
/// - `int` (no JSON punctuation): a primitive name, quoted;
/// - `@<type>`: a record `R` with one field `f` of that type, so paths start `/fields/0/type`;
/// - anything else: JSON as written.
fn expand(spec: &str) -> String {
    if let Some(ty) = spec.strip_prefix('@') {
        let ty = expand(ty);
        return format!(r#"{{"type":"record","name":"R","fields":[{{"name":"f","type":{ty}}}]}}"#);
    }
    match spec.trim_start().chars().next() {
        Some('{' | '[' | '"') => spec.to_owned(),
        _ => format!("\"{spec}\""),
    }
}

fn parse(spec: &str) -> AvroSchema {
    let text = expand(spec);
    match AvroSchema::parse(&text, &[]) {
        Ok(schema) => schema,
        Err(e) => panic!("test schema does not parse: {e}\n{text}"),
    }
}
