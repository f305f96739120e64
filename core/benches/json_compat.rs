//! JSON Schema engine benchmarks: the diff of two 200-property schemas (target: under 1 ms), and
//! validation of a typical 1 KB document against `serde_json` parsing of the same bytes alone,
//! reported as a ratio so the number survives a change of machine.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use schemata_core::JsonPolicy;
use schemata_core::json_schema::{self, JsonSchema};
use serde_json::{Value, json};

/// A 200-property object schema: strings, bounded numbers, enums, nested objects, arrays and
/// `$ref`s to shared definitions, the mix a large event schema has. `revision` 1 makes the kind
/// of update a team ships: limits relaxed, types widened, properties added and removed.
fn wide_schema(revision: u32) -> String {
    let mut properties = serde_json::Map::new();
    for i in 0..200u32 {
        let name = format!("field_{i:03}");
        let bump = if revision == 1 && i % 10 == 0 { 1 } else { 0 };
        let schema = match i % 8 {
            0 => json!({"type": "string", "maxLength": 32 + bump, "description": "a name"}),
            1 => {
                json!({"type": if revision == 1 && i % 16 == 1 { "number" } else { "integer" }, "minimum": 0})
            }
            2 => {
                json!({"type": "string", "enum": if bump == 1 { json!(["a", "b", "c"]) } else { json!(["a", "b"]) }})
            }
            3 => json!({"$ref": "#/$defs/address"}),
            4 => {
                json!({"type": "array", "items": {"type": "string", "format": "email"}, "maxItems": 10})
            }
            5 => json!({"type": ["string", "null"], "pattern": "^[A-Z]{3}$"}),
            6 => {
                json!({"type": "object", "properties": {"x": {"type": "number"}, "y": {"type": "number"}}, "required": ["x"]})
            }
            _ => json!({"anyOf": [{"type": "string"}, {"type": "integer"}]}),
        };
        // The update drops every 50th property and adds one in its place under a new name.
        if revision == 1 && i % 50 == 7 {
            properties.insert(format!("{name}_v2"), schema);
        } else {
            properties.insert(name, schema);
        }
    }
    let address = json!({
        "type": "object",
        "properties": {
            "street": {"type": "string"},
            "city": {"type": "string"},
            "zip": {"type": "string", "maxLength": 10 + revision}
        },
        "required": ["street"]
    });
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "$defs": {"address": address},
        "properties": properties,
        "required": ["field_000", "field_001"],
    })
    .to_string()
}

fn order_schema() -> JsonSchema {
    let schema = json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "definitions": {
            "money": {"type": "object", "properties": {"amount": {"type": "number", "minimum": 0}, "currency": {"type": "string", "pattern": "^[A-Z]{3}$"}}, "required": ["amount", "currency"]},
            "line": {"type": "object", "properties": {"sku": {"type": "string", "maxLength": 32}, "quantity": {"type": "integer", "minimum": 1}, "price": {"$ref": "#/definitions/money"}}, "required": ["sku", "quantity", "price"], "additionalProperties": false}
        },
        "properties": {
            "order_id": {"type": "string", "maxLength": 64},
            "customer": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "email": {"type": "string", "format": "email"}, "tier": {"enum": ["basic", "gold", "platinum"]}}, "required": ["id", "name"]},
            "lines": {"type": "array", "items": {"$ref": "#/definitions/line"}, "minItems": 1},
            "total": {"$ref": "#/definitions/money"},
            "shipping": {"type": "object", "properties": {"street": {"type": "string"}, "city": {"type": "string"}, "zip": {"type": "string"}, "country": {"type": "string", "maxLength": 2}}},
            "notes": {"type": ["string", "null"]},
            "created_at": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": true}
        },
        "required": ["order_id", "customer", "lines", "total"]
    });
    JsonSchema::parse(&schema.to_string(), &[]).expect("order schema is valid")
}

/// About 1 KB of JSON, valid under `order_schema`.
fn order_document() -> Vec<u8> {
    let lines: Vec<Value> = (0..8)
        .map(|i| json!({"sku": format!("SKU-{i:05}"), "quantity": i + 1, "price": {"amount": 9.99 + f64::from(i), "currency": "EUR"}}))
        .collect();
    let document = json!({
        "order_id": "7f1c2a4e-8d3b-4c59-9e61-2b0f5a7c9d13",
        "customer": {"id": 4711, "name": "Ada Lovelace", "email": "ada@example.com", "tier": "gold"},
        "lines": lines,
        "total": {"amount": 187.92, "currency": "EUR"},
        "shipping": {"street": "12 Analytical Engine Way", "city": "London", "zip": "N1 9GU", "country": "GB"},
        "notes": "leave at the door, ring twice",
        "created_at": "2026-11-23T02:00:00Z",
        "tags": ["priority", "gift", "repeat-customer"]
    });
    serde_json::to_vec(&document).expect("serializable")
}

fn bench_diff(c: &mut Criterion) {
    let original = JsonSchema::parse(&wide_schema(0), &[]).expect("valid");
    let update = JsonSchema::parse(&wide_schema(1), &[]).expect("valid");
    assert!(!json_schema::diff(&original, &update).is_empty());
    c.bench_function("json_schema/diff_200_properties", |b| {
        b.iter(|| json_schema::diff(black_box(&original), black_box(&update)))
    });
    c.bench_function("json_schema/can_read_200_properties_strict", |b| {
        b.iter(|| {
            json_schema::can_read(black_box(&update), black_box(&original), JsonPolicy::Strict)
        })
    });
    c.bench_function("json_schema/diff_200_properties_identical", |b| {
        b.iter(|| json_schema::diff(black_box(&original), black_box(&original)))
    });
}

fn bench_validation(c: &mut Criterion) {
    let schema = order_schema();
    let bytes = order_document();
    let document: Value = serde_json::from_slice(&bytes).expect("valid JSON");
    assert!(schema.validate(&document).is_ok());
    let mut group = c.benchmark_group("json_schema/1kb_document");
    group.throughput(criterion::Throughput::Bytes(bytes.len() as u64));
    group.bench_function("serde_json_from_slice", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(&bytes)).expect("valid JSON"))
    });
    group.bench_function("validate", |b| b.iter(|| schema.validate(black_box(&document))));
    group.bench_function("is_valid", |b| b.iter(|| schema.is_valid(black_box(&document))));
    group.finish();
    report_ratio(&schema, &bytes, &document);
}

/// Prints validation time over parse time for the same document, measured back to back so both
/// see the same machine load.
#[allow(clippy::print_stderr, reason = "the ratio is the benchmark's headline number")]
fn report_ratio(schema: &JsonSchema, bytes: &[u8], document: &Value) {
    let time = |f: &dyn Fn()| {
        let start = Instant::now();
        let mut rounds = 0u32;
        while start.elapsed() < Duration::from_millis(500) {
            for _ in 0..100 {
                f();
            }
            rounds += 100;
        }
        start.elapsed().as_secs_f64() / f64::from(rounds)
    };
    let parse = time(&|| {
        black_box(serde_json::from_slice::<Value>(black_box(bytes)).ok());
    });
    let validate = time(&|| {
        black_box(schema.validate(black_box(document)).is_ok());
    });
    eprintln!(
        "json_schema/1kb_document ({} bytes): parse {:.2} µs, validate {:.2} µs, validate/parse ratio {:.2}",
        bytes.len(),
        parse * 1e6,
        validate * 1e6,
        validate / parse
    );
}

criterion_group!(benches, bench_diff, bench_validation);
criterion_main!(benches);
