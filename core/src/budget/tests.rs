//! Tests of the work budget: the counter itself, then one line per input shape that makes an
//! engine work hard (wide unions, many named types, long reference chains, recursion through
//! `not`), each run under a small budget that it must exceed (a typed error naming the limit,
//! never a hang) and under the default that it must fit.

use serde_json::json;

use super::*;
use crate::compat::{self, CompatibilityLevel, JsonPolicy};
use crate::schema::{ParseError, ReferencedSchema, Schema, SchemaReference, SchemaType};

#[test]
fn spends_up_to_the_limit_and_then_refuses_for_good() {
    let mut budget = Budget::new(10);
    assert!(budget.spend(4));
    assert!(budget.spend(6));
    assert_eq!(budget.used(), 10);
    assert!(budget.result(CHECK).is_ok());
    assert!(!budget.spend(1));
    assert!(!budget.spend(0), "once exceeded, always exceeded");
    assert!(budget.is_exceeded());
    let error = budget.result(CHECK).unwrap_err();
    assert_eq!(error, BudgetExceeded { limit: 10, activity: CHECK });
    assert_eq!(
        error.to_string(),
        "the schema needs more than 10 steps of work to check compatibility, the limit set by max_check_steps"
    );
}

#[test]
fn unlimited_never_runs_out() {
    let mut budget = Budget::unlimited();
    assert!(budget.spend(u64::MAX - 1));
    assert!(budget.spend(1));
    assert!(budget.result(PARSE).is_ok());
}

#[test]
fn counts_json_values() {
    assert_eq!(json_values(&json!(1)), 1);
    assert_eq!(json_values(&json!({"a": [1, 2, {"b": null}], "c": "d"})), 7);
}

/// One input: the schema type, the text, the names it references directly, and every
/// referenced schema as (name = subject at version 1, text, the names it references).
struct Input {
    schema_type: SchemaType,
    text: String,
    uses: Vec<String>,
    references: Vec<(String, String, Vec<String>)>,
}

/// A family of inputs of growing size `n`.
type Shape = fn(usize) -> Input;

fn plain(schema_type: SchemaType, text: String) -> Input {
    Input { schema_type, text, uses: Vec::new(), references: Vec::new() }
}

fn references_to(names: &[String]) -> Vec<SchemaReference> {
    names
        .iter()
        .map(|name| SchemaReference { name: name.clone(), subject: name.clone(), version: 1 })
        .collect()
}

/// Runs one shape at size `n`: the parse and a self-check must exceed `small` steps with an error
/// naming the limit, and must fit the default budget.
#[track_caller]
fn check(name: &str, shape: Shape, n: usize, small: u64) {
    let Input { schema_type, text, uses, references } = shape(n);
    let refs = references_to(&uses);
    let mut lookup = |r: &SchemaReference| {
        references.iter().find(|(name, ..)| *name == r.subject).map(|(_, text, uses)| {
            ReferencedSchema { schema_type, text: text.clone(), references: references_to(uses) }
        })
    };
    let parse =
        |budget: &mut Budget,
         lookup: &mut dyn FnMut(&SchemaReference) -> Option<ReferencedSchema>| {
            Schema::parse_with_budget(schema_type, &text, &refs, lookup, 64, budget)
        };

    // Past a small budget: the typed error, naming the limit, whichever of parse or check hits it.
    let mut budget = Budget::new(small);
    match parse(&mut budget, &mut lookup) {
        Err(ParseError::BudgetExceeded(e)) => {
            assert_eq!((e.limit, e.activity), (small, PARSE), "case {name}");
            assert!(e.to_string().contains("max_check_steps"), "case {name}: {e}");
        }
        Err(other) => panic!("case {name}: {other}"),
        Ok(schema) => {
            let mut budget = Budget::new(small);
            let checked = compat::check_with_budget(
                CompatibilityLevel::Full,
                JsonPolicy::Strict,
                &schema,
                &[&schema],
                &mut budget,
            );
            let error = checked.expect_err(&format!("case {name}: fits {small} steps"));
            assert_eq!((error.limit, error.activity), (small, CHECK), "case {name}");
        }
    }

    // Within the default budget: parsed, and compatible with itself.
    let mut budget = Budget::default();
    let schema = parse(&mut budget, &mut lookup).unwrap_or_else(|e| panic!("case {name}: {e}"));
    let parse_steps = budget.used();
    let report = compat::check_with_budget(
        CompatibilityLevel::Full,
        JsonPolicy::Strict,
        &schema,
        &[&schema],
        &mut budget,
    )
    .unwrap_or_else(|e| panic!("case {name}: {e} (parse took {parse_steps})"));
    assert!(report.is_compatible(), "case {name}: {report:?}");
}

fn record(name: &str, fields: serde_json::Value) -> serde_json::Value {
    json!({"type": "record", "name": name, "fields": fields})
}

/// A union of `n` records: every writer branch is tried against the reader branches in order.
fn avro_wide_union(n: usize) -> Input {
    let branches: Vec<_> =
        (0..n).map(|i| record(&format!("R{i}"), json!([{"name": "f", "type": "int"}]))).collect();
    plain(SchemaType::Avro, record("Top", json!([{"name": "u", "type": branches}])).to_string())
}

/// An enum of `n` symbols, in a record whose array default lists every symbol.
fn avro_many_symbols(n: usize) -> Input {
    let symbols: Vec<String> = (0..n).map(|i| format!("S{i}")).collect();
    let enumeration = json!({"type": "enum", "name": "E", "symbols": symbols});
    let field =
        json!({"name": "f", "type": {"type": "array", "items": enumeration}, "default": symbols});
    plain(SchemaType::Avro, record("Top", json!([field])).to_string())
}

/// `n` records, each with two fields of the previous one: a DAG of named types used by name.
fn avro_named_dag(n: usize) -> Input {
    let mut fields =
        vec![json!({"name": "r0", "type": record("R0", json!([{"name": "x", "type": "long"}]))})];
    for i in 1..n {
        let prev = format!("R{}", i - 1);
        let r = record(
            &format!("R{i}"),
            json!([{"name": "a", "type": prev}, {"name": "b", "type": ["null", prev]}]),
        );
        fields.push(json!({"name": format!("r{i}"), "type": r}));
    }
    plain(SchemaType::Avro, record("Top", json!(fields)).to_string())
}

/// A chain of `n` referenced schemas, each using the previous one's record.
fn avro_reference_chain(n: usize) -> Input {
    let mut references = Vec::new();
    for i in 0..n {
        let (fields, uses) = if i == 0 {
            (json!([{"name": "x", "type": "int"}]), vec![])
        } else {
            (json!([{"name": "p", "type": format!("C{}", i - 1)}]), vec![format!("c{}", i - 1)])
        };
        references.push((format!("c{i}"), record(&format!("C{i}"), fields).to_string(), uses));
    }
    let last = n - 1;
    let text = record("Top", json!([{"name": "c", "type": format!("C{last}")}])).to_string();
    Input { schema_type: SchemaType::Avro, text, uses: vec![format!("c{last}")], references }
}

/// The JSON Schema shape of the runaway: `n` properties whose `not` leads back to the root.
fn json_not_recursion(n: usize) -> Input {
    let mut properties = serde_json::Map::new();
    for i in 0..n {
        properties.insert(
            format!("p{i}"),
            json!({"not": {"type": "object", "properties": {"self": {"$ref": "#"}}}}),
        );
    }
    properties.insert("self".to_owned(), json!({"$ref": "#"}));
    plain(SchemaType::Json, json!({"type": "object", "properties": properties}).to_string())
}

/// `anyOf` of `n` object branches: the diff matches every branch against every branch.
fn json_wide_any_of(n: usize) -> Input {
    let branches: Vec<_> = (0..n)
        .map(|i| json!({"type": "object", "properties": {format!("k{i}"): {"type": "string"}}, "required": [format!("k{i}")]}))
        .collect();
    plain(SchemaType::Json, json!({"anyOf": branches}).to_string())
}

/// `n` definitions, each referring to the previous one twice.
fn json_definition_dag(n: usize) -> Input {
    let mut definitions = serde_json::Map::new();
    definitions.insert("d0".to_owned(), json!({"type": "integer"}));
    for i in 1..n {
        let prev = format!("#/definitions/d{}", i - 1);
        definitions.insert(
            format!("d{i}"),
            json!({"type": "object", "properties": {"a": {"$ref": prev}, "b": {"anyOf": [{"$ref": prev}, {"type": "null"}]}}}),
        );
    }
    let last = format!("#/definitions/d{}", n - 1);
    plain(SchemaType::Json, json!({"definitions": definitions, "$ref": last}).to_string())
}

#[test]
fn hard_shapes_are_bounded() {
    check("avro-wide-union", avro_wide_union, 300, 20_000);
    check("avro-many-symbols", avro_many_symbols, 1_000, 20_000);
    check("avro-named-dag", avro_named_dag, 100, 1_000);
    check("avro-reference-chain", avro_reference_chain, 30, 100);
    check("json-not-recursion", json_not_recursion, 20, 1_000);
    check("json-wide-any-of", json_wide_any_of, 60, 200);
    check("json-definition-dag", json_definition_dag, 60, 1_000);
}

#[test]
fn old_entry_points_fail_closed_with_a_finding_naming_the_limit() {
    // A union of 2,000 records checked against itself needs more than the default budget.
    let text = avro_wide_union(2_000).text;
    let schema = Schema::parse(SchemaType::Avro, &text).unwrap();
    let findings = compat::can_read(&schema, &schema, JsonPolicy::Strict);
    let last = findings.last().expect("a finding");
    assert_eq!(last.rule, "CHECK_BUDGET_EXCEEDED");
    assert!(last.message.contains("max_check_steps"), "{}", last.message);
}
