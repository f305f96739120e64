//! Benchmark of the registry's worst ordinary Avro check: BACKWARD_TRANSITIVE of a new 30-field
//! record against 1,000 earlier versions that evolved by adding optional fields and widening types.
//! The budget is 20 ms for the whole check on a 2-core machine.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use schemata_core::compat::{CompatibilityLevel, check};
use schemata_core::{Schema, SchemaType};

const VERSIONS: usize = 1_000;

/// The 20 fields every version has, with types chosen to exercise every kind of node.
fn base_fields(old: bool) -> Vec<String> {
    let number = if old { "int" } else { "long" };
    let mut fields = vec![
        format!(r#"{{"name":"id","type":"{number}"}}"#),
        r#"{"name":"name","type":"string"}"#.to_owned(),
        r#"{"name":"email","type":["null","string"],"default":null}"#.to_owned(),
        r#"{"name":"score","type":"double"}"#.to_owned(),
        r#"{"name":"active","type":"boolean"}"#.to_owned(),
        r#"{"name":"kind","type":{"type":"enum","name":"Kind","symbols":["A","B","C"],"default":"A"}}"#.to_owned(),
        r#"{"name":"tags","type":{"type":"array","items":"string"},"default":[]}"#.to_owned(),
        r#"{"name":"attributes","type":{"type":"map","values":"string"},"default":{}}"#.to_owned(),
        r#"{"name":"address","type":{"type":"record","name":"Address","fields":[{"name":"street","type":"string"},{"name":"city","type":"string"},{"name":"zip","type":["null","string"],"default":null}]}}"#.to_owned(),
        r#"{"name":"previous","type":["null","Address"],"default":null}"#.to_owned(),
        r#"{"name":"created","type":{"type":"long","logicalType":"timestamp-millis"}}"#.to_owned(),
        r#"{"name":"hash","type":{"type":"fixed","name":"Hash","size":16}}"#.to_owned(),
    ];
    for i in fields.len()..20 {
        fields.push(format!(r#"{{"name":"base{i}","type":"{number}"}}"#));
    }
    fields
}

/// Version `version` of the history: the base fields plus some of the optional ones.
fn record(fields: Vec<String>, optional: usize, doc: &str) -> String {
    let mut fields = fields;
    for i in 0..optional {
        fields.push(format!(r#"{{"name":"opt{i}","type":["null","string"],"default":null}}"#));
    }
    format!(
        r#"{{"type":"record","name":"User","namespace":"com.acme","doc":"{doc}","fields":[{}]}}"#,
        fields.join(",")
    )
}

fn parse(text: &str) -> Schema {
    match Schema::parse(SchemaType::Avro, text) {
        Ok(schema) => schema,
        Err(e) => panic!("benchmark schema does not parse: {e}"),
    }
}

fn backward_transitive(c: &mut Criterion) {
    // Newest first, as the registry passes them; each older version has fewer optional fields.
    let history: Vec<Schema> = (0..VERSIONS)
        .map(|v| parse(&record(base_fields(true), (VERSIONS - v) % 10, &format!("version {v}"))))
        .collect();
    let history: Vec<&Schema> = history.iter().collect();
    let new = parse(&record(base_fields(false), 10, "new"));
    assert!(check(CompatibilityLevel::BackwardTransitive, &new, &history).is_compatible());
    c.bench_function("avro backward_transitive 30 fields x 1000 versions", |b| {
        b.iter(|| {
            check(CompatibilityLevel::BackwardTransitive, black_box(&new), black_box(&history))
        })
    });
}

criterion_group!(benches, backward_transitive);
criterion_main!(benches);
