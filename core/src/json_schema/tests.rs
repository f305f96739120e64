//! Tests of the JSON Schema engine: the data-driven compatibility table in
//! `test_data/json_schema/compat_cases.txt`, validation, parsing errors, the normalized form,
//! and property tests (self-compatibility, enum extension, no panics on arbitrary input).

use std::collections::BTreeSet;

use proptest::prelude::*;
use serde_json::{Value, json};

use super::{ChangeKind, JsonSchema, can_read, can_read_with_budget, diff_with_budget};
use crate::budget::Budget;
use crate::compat::{self, CompatibilityLevel, JsonPolicy};
use crate::schema::{ParseError, ResolvedReference, Schema, SchemaType};

const CASES: &str = include_str!("../../test_data/json_schema/compat_cases.txt");

const DRAFTS: [(&str, &str); 5] = [
    ("4", "http://json-schema.org/draft-04/schema#"),
    ("6", "http://json-schema.org/draft-06/schema#"),
    ("7", "http://json-schema.org/draft-07/schema#"),
    ("2019", "https://json-schema.org/draft/2019-09/schema"),
    ("2020", "https://json-schema.org/draft/2020-12/schema"),
];

fn reference(name: &str, text: &str) -> ResolvedReference {
    ResolvedReference {
        name: name.to_owned(),
        schema_type: SchemaType::Json,
        text: text.to_owned(),
    }
}

/// Adds `$schema` to an object root that has none.
fn with_draft(text: &str, uri: Option<&str>) -> String {
    let Some(uri) = uri else { return text.to_owned() };
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(mut map)) if !map.contains_key("$schema") => {
            map.insert("$schema".to_owned(), Value::String(uri.to_owned()));
            Value::Object(map).to_string()
        }
        _ => text.to_owned(),
    }
}

fn parse(text: &str, references: &[ResolvedReference]) -> Result<JsonSchema, String> {
    JsonSchema::parse(text, references).map_err(|e| format!("{e}"))
}

/// The work one case may take (both directions of a FULL case together). The cases are small;
/// the most any of them needs is a few hundred steps, so a case that needs more than this has
/// found runaway work, and fails at once instead of hanging the suite.
const CASE_STEPS: u64 = 5_000;

/// Runs one case: the verdict of `level` under `policy` and the kinds of the level's diffs.
fn check(
    level: CompatibilityLevel,
    policy: JsonPolicy,
    expect_ok: bool,
    expect_kinds: &BTreeSet<String>,
    original: &JsonSchema,
    update: &JsonSchema,
) -> Result<(), String> {
    let mut ok = true;
    let mut kinds = BTreeSet::new();
    let mut messages = Vec::new();
    let mut budget = Budget::new(CASE_STEPS);
    for &direction in level.directions() {
        let (reader, writer) = match direction {
            compat::Direction::Backward => (update, original),
            compat::Direction::Forward => (original, update),
        };
        let findings = can_read_with_budget(reader, writer, policy, &mut budget);
        ok &= findings.map_err(|e| e.to_string())?.is_empty();
        let changes = diff_with_budget(writer, reader, policy, &mut budget);
        for change in changes.map_err(|e| e.to_string())? {
            kinds.insert(change.kind.as_str().to_owned());
            messages.push(format!("{} at {}: {}", change.kind, change.path, change.message));
        }
    }
    if ok == expect_ok && &kinds == expect_kinds {
        return Ok(());
    }
    Err(format!(
        "expected {} {:?}, got {} {:?} ({})",
        if expect_ok { "ok" } else { "fail" },
        expect_kinds,
        if ok { "ok" } else { "fail" },
        kinds,
        messages.join("; ")
    ))
}

#[test]
fn compatibility_cases() {
    let mut failures = Vec::new();
    let mut cases = 0;
    let mut runs = 0;
    let mut refs_original: Vec<ResolvedReference> = Vec::new();
    let mut refs_update: Vec<ResolvedReference> = Vec::new();
    for (index, line) in CASES.lines().enumerate() {
        let line_no = index + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line == "@clear" {
            refs_original.clear();
            refs_update.clear();
            continue;
        }
        if let Some(rest) = line.strip_prefix("@ref ") {
            let (head, text) = rest.split_once(" | ").expect("@ref WHO NAME | JSON");
            let (who, name) = head.split_once(' ').expect("@ref WHO NAME");
            if who != "update" {
                refs_original.push(reference(name, text));
            }
            if who != "original" {
                refs_update.push(reference(name, text));
            }
            continue;
        }
        cases += 1;
        let mut parts = line.splitn(3, " | ");
        let (head, original, update) = match (parts.next(), parts.next(), parts.next()) {
            (Some(h), Some(o), Some(u)) => (h, o, u),
            _ => panic!("line {line_no}: expected HEAD | ORIGINAL | UPDATE"),
        };
        let fields: Vec<&str> = head.split_whitespace().collect();
        let [draft, level, policy, verdict, kinds] = fields[..] else {
            panic!("line {line_no}: expected DRAFT LEVEL POLICY VERDICT KINDS");
        };
        let level = CompatibilityLevel::parse(level).expect("level");
        let policy = JsonPolicy::parse(policy).expect("policy");
        let expect_ok = match verdict {
            "ok" => true,
            "fail" => false,
            other => panic!("line {line_no}: verdict {other}"),
        };
        let kinds: BTreeSet<String> = if kinds == "-" {
            BTreeSet::new()
        } else {
            kinds.split(',').map(str::to_owned).collect()
        };
        for kind in &kinds {
            assert!(ChangeKind::parse(kind).is_some(), "line {line_no}: unknown kind {kind}");
        }
        let drafts: Vec<(&str, Option<&str>)> = match draft {
            "all" => DRAFTS.iter().map(|(name, uri)| (*name, Some(*uri))).collect(),
            "7" => vec![("7", None)],
            other => {
                let uri = DRAFTS.iter().find(|(name, _)| *name == other).map(|(_, uri)| *uri);
                vec![(other, Some(uri.expect("draft")))]
            }
        };
        for (name, uri) in drafts {
            runs += 1;
            let result = parse(&with_draft(original, uri), &refs_original).and_then(|o| {
                let u = parse(&with_draft(update, uri), &refs_update)?;
                check(level, policy, expect_ok, &kinds, &o, &u)
            });
            if let Err(error) = result {
                failures.push(format!("line {line_no} (draft {name}): {error}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} failing runs:\n{}", failures.len(), failures.join("\n"));
    assert!(cases >= 200, "only {cases} cases");
    assert!(runs >= cases);
}

#[test]
fn kind_names_are_unique_and_round_trip() {
    let names: BTreeSet<&str> = ChangeKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(names.len(), ChangeKind::ALL.len());
    for kind in ChangeKind::ALL {
        assert_eq!(ChangeKind::parse(kind.as_str()), Some(*kind));
    }
}

/// Who defines a change kind: Confluent's `Difference.Type`, or us (keywords its diff does not
/// look at, and the work budget).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Confluent,
    Ours,
}

/// Every change kind with its BACKWARD verdict under STRICT and LENIENT (`true` compatible).
/// For Confluent's kinds the STRICT column is its `SchemaDiff.COMPATIBLE_CHANGES_STRICT` and the
/// LENIENT column its `COMPATIBLE_CHANGES_LENIENT`, kind by kind; a change to the classification
/// in `diff.rs` must change this table too, so it cannot drift silently.
const KIND_TABLE: &[(&str, bool, bool, Origin)] = {
    use Origin::{Confluent as Cf, Ours};
    &[
        ("ID_CHANGED", true, true, Cf),
        ("TITLE_CHANGED", true, true, Cf),
        ("DESCRIPTION_CHANGED", true, true, Cf),
        ("DEFAULT_CHANGED", true, true, Cf),
        ("SCHEMA_ADDED", false, false, Cf),
        ("SCHEMA_REMOVED", true, true, Cf),
        ("TYPE_EXTENDED", true, true, Cf),
        ("TYPE_NARROWED", false, false, Cf),
        ("TYPE_CHANGED", false, false, Cf),
        ("ENUM_ARRAY_EXTENDED", true, true, Cf),
        ("ENUM_ARRAY_NARROWED", false, false, Cf),
        ("ENUM_ARRAY_CHANGED", false, false, Cf),
        ("MAX_LENGTH_ADDED", false, false, Cf),
        ("MAX_LENGTH_REMOVED", true, true, Cf),
        ("MAX_LENGTH_INCREASED", true, true, Cf),
        ("MAX_LENGTH_DECREASED", false, false, Cf),
        ("MIN_LENGTH_ADDED", false, false, Cf),
        ("MIN_LENGTH_REMOVED", true, true, Cf),
        ("MIN_LENGTH_INCREASED", false, false, Cf),
        ("MIN_LENGTH_DECREASED", true, true, Cf),
        ("PATTERN_ADDED", false, false, Cf),
        ("PATTERN_REMOVED", true, true, Cf),
        ("PATTERN_CHANGED", false, false, Cf),
        ("FORMAT_ADDED", false, false, Ours),
        ("FORMAT_REMOVED", true, true, Ours),
        ("FORMAT_CHANGED", false, false, Ours),
        ("MAXIMUM_ADDED", false, false, Cf),
        ("MAXIMUM_REMOVED", true, true, Cf),
        ("MAXIMUM_INCREASED", true, true, Cf),
        ("MAXIMUM_DECREASED", false, false, Cf),
        ("MINIMUM_ADDED", false, false, Cf),
        ("MINIMUM_REMOVED", true, true, Cf),
        ("MINIMUM_INCREASED", false, false, Cf),
        ("MINIMUM_DECREASED", true, true, Cf),
        ("EXCLUSIVE_MAXIMUM_ADDED", false, false, Cf),
        ("EXCLUSIVE_MAXIMUM_REMOVED", true, true, Cf),
        ("EXCLUSIVE_MAXIMUM_INCREASED", true, true, Cf),
        ("EXCLUSIVE_MAXIMUM_DECREASED", false, false, Cf),
        ("EXCLUSIVE_MINIMUM_ADDED", false, false, Cf),
        ("EXCLUSIVE_MINIMUM_REMOVED", true, true, Cf),
        ("EXCLUSIVE_MINIMUM_INCREASED", false, false, Cf),
        ("EXCLUSIVE_MINIMUM_DECREASED", true, true, Cf),
        ("MULTIPLE_OF_ADDED", false, false, Cf),
        ("MULTIPLE_OF_REMOVED", true, true, Cf),
        ("MULTIPLE_OF_EXPANDED", false, false, Cf),
        ("MULTIPLE_OF_REDUCED", true, true, Cf),
        ("MULTIPLE_OF_CHANGED", false, false, Cf),
        ("REQUIRED_ATTRIBUTE_ADDED", false, false, Cf),
        ("REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED", true, true, Cf),
        ("REQUIRED_ATTRIBUTE_REMOVED", true, true, Cf),
        ("MAX_PROPERTIES_ADDED", false, false, Cf),
        ("MAX_PROPERTIES_REMOVED", true, true, Cf),
        ("MAX_PROPERTIES_INCREASED", true, true, Cf),
        ("MAX_PROPERTIES_DECREASED", false, false, Cf),
        ("MIN_PROPERTIES_ADDED", false, false, Cf),
        ("MIN_PROPERTIES_REMOVED", true, true, Cf),
        ("MIN_PROPERTIES_INCREASED", false, false, Cf),
        ("MIN_PROPERTIES_DECREASED", true, true, Cf),
        ("ADDITIONAL_PROPERTIES_ADDED", true, true, Cf),
        ("ADDITIONAL_PROPERTIES_REMOVED", false, true, Cf),
        ("ADDITIONAL_PROPERTIES_EXTENDED", true, true, Cf),
        ("ADDITIONAL_PROPERTIES_NARROWED", false, true, Cf),
        ("DEPENDENCY_ARRAY_ADDED", false, false, Cf),
        ("DEPENDENCY_ARRAY_REMOVED", true, true, Cf),
        ("DEPENDENCY_ARRAY_EXTENDED", false, false, Cf),
        ("DEPENDENCY_ARRAY_NARROWED", true, true, Cf),
        ("DEPENDENCY_ARRAY_CHANGED", false, false, Cf),
        ("DEPENDENCY_SCHEMA_ADDED", false, false, Cf),
        ("DEPENDENCY_SCHEMA_REMOVED", true, true, Cf),
        ("PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", false, true, Cf),
        ("PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL", true, true, Cf),
        ("REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", false, false, Cf),
        ("REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL", true, true, Cf),
        ("OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", true, true, Cf),
        ("PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL", true, true, Cf),
        ("PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL", true, true, Cf),
        ("PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", false, false, Cf),
        ("PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", true, true, Cf),
        ("PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", false, true, Cf),
        ("PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", true, true, Cf),
        ("PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", false, true, Cf),
        ("MAX_ITEMS_ADDED", false, false, Cf),
        ("MAX_ITEMS_REMOVED", true, true, Cf),
        ("MAX_ITEMS_INCREASED", true, true, Cf),
        ("MAX_ITEMS_DECREASED", false, false, Cf),
        ("MIN_ITEMS_ADDED", false, false, Cf),
        ("MIN_ITEMS_REMOVED", true, true, Cf),
        ("MIN_ITEMS_INCREASED", false, false, Cf),
        ("MIN_ITEMS_DECREASED", true, true, Cf),
        ("UNIQUE_ITEMS_ADDED", false, false, Cf),
        ("UNIQUE_ITEMS_REMOVED", true, true, Cf),
        ("ADDITIONAL_ITEMS_ADDED", true, true, Cf),
        ("ADDITIONAL_ITEMS_REMOVED", false, false, Cf),
        ("ADDITIONAL_ITEMS_EXTENDED", true, true, Cf),
        ("ADDITIONAL_ITEMS_NARROWED", false, false, Cf),
        ("CONTAINS_ADDED", false, false, Ours),
        ("CONTAINS_REMOVED", true, true, Ours),
        ("ITEM_ADDED_TO_OPEN_CONTENT_MODEL", false, false, Cf),
        ("ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL", true, true, Cf),
        ("ITEM_ADDED_TO_CLOSED_CONTENT_MODEL", true, true, Cf),
        ("ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL", true, true, Cf),
        ("ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL", true, true, Cf),
        ("ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL", false, false, Cf),
        ("ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", true, true, Cf),
        ("ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", false, false, Cf),
        ("ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", true, true, Cf),
        ("ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", false, false, Cf),
        ("COMBINED_TYPE_EXTENDED", true, true, Cf),
        ("COMBINED_TYPE_CHANGED", false, false, Cf),
        ("PRODUCT_TYPE_EXTENDED", false, false, Cf),
        ("PRODUCT_TYPE_NARROWED", true, true, Cf),
        ("SUM_TYPE_EXTENDED", true, true, Cf),
        ("SUM_TYPE_NARROWED", false, false, Cf),
        ("COMBINED_TYPE_SUBSCHEMAS_CHANGED", false, false, Cf),
        ("NOT_TYPE_EXTENDED", false, false, Cf),
        ("NOT_TYPE_NARROWED", true, true, Cf),
        ("CONDITIONAL_ADDED", false, false, Ours),
        ("CONDITIONAL_REMOVED", true, true, Ours),
        ("CONDITIONAL_CHANGED", false, false, Ours),
        ("CHECK_BUDGET_EXCEEDED", false, false, Ours),
    ]
};

#[test]
fn change_kind_table() {
    let mut failures = Vec::new();
    for &(name, strict, lenient, origin) in KIND_TABLE {
        let Some(kind) = ChangeKind::parse(name) else {
            failures.push(format!("{name}: no such kind"));
            continue;
        };
        let got = (
            super::is_compatible(kind, JsonPolicy::Strict),
            super::is_compatible(kind, JsonPolicy::Lenient),
        );
        if got != (strict, lenient) {
            failures.push(format!(
                "{name}: (strict, lenient) is {got:?}, want {:?}",
                (strict, lenient)
            ));
        }
        // Our own kinds judge alike under both policies: LENIENT is Confluent's set, no more.
        if origin == Origin::Ours && strict != lenient {
            failures.push(format!("{name}: ours, yet the policies differ"));
        }
    }
    let listed: BTreeSet<&str> = KIND_TABLE.iter().map(|(name, ..)| *name).collect();
    assert_eq!(listed.len(), KIND_TABLE.len(), "a kind is listed twice");
    for kind in ChangeKind::ALL {
        if !listed.contains(kind.as_str()) {
            failures.push(format!("{kind}: missing from the table"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Confluent's sets by size: 57 compatible kinds under STRICT, 5 more under LENIENT (its
    // sixth addition, PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL, is already in STRICT).
    let count = |pick: fn(&(&str, bool, bool, Origin)) -> bool| {
        KIND_TABLE.iter().filter(|row| row.3 == Origin::Confluent && pick(row)).count()
    };
    assert_eq!(count(|row| row.1), 57);
    assert_eq!(count(|row| row.2), 62);
}

#[test]
fn findings_carry_rule_path_and_message() {
    let original = parse(r#"{"type":"object","properties":{"a":{"type":"string"}}}"#, &[]).unwrap();
    let update = parse(
        r#"{"type":"object","properties":{"a":{"type":"string","maxLength":3},"b":{"type":"integer"}},"required":["b"]}"#,
        &[],
    )
    .unwrap();
    let findings = can_read(&update, &original, JsonPolicy::Strict);
    let summary: Vec<(&str, &str)> = findings.iter().map(|f| (f.rule, f.path.as_str())).collect();
    assert_eq!(
        summary,
        [
            ("MAX_LENGTH_ADDED", "#/properties/a/maxLength"),
            ("PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", "#/properties/b"),
            ("REQUIRED_ATTRIBUTE_ADDED", "#/required"),
        ]
    );
    assert!(findings.iter().all(|f| !f.message.is_empty() && !f.message.ends_with('.')));
    let lenient: Vec<&str> =
        can_read(&update, &original, JsonPolicy::Lenient).iter().map(|f| f.rule).collect();
    assert_eq!(lenient, ["MAX_LENGTH_ADDED", "REQUIRED_ATTRIBUTE_ADDED"]);
}

#[test]
fn check_through_the_shared_engine() {
    let v1 = Schema::parse(
        SchemaType::Json,
        r#"{"type":"object","properties":{"a":{"type":"string"}}}"#,
    )
    .unwrap();
    let v2 = Schema::parse(
        SchemaType::Json,
        r#"{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}}}"#,
    )
    .unwrap();
    let cases = [
        (
            CompatibilityLevel::Backward,
            JsonPolicy::Strict,
            vec!["PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"],
        ),
        (CompatibilityLevel::Backward, JsonPolicy::Lenient, vec![]),
        (CompatibilityLevel::Forward, JsonPolicy::Strict, vec![]),
        (
            CompatibilityLevel::FullTransitive,
            JsonPolicy::Strict,
            vec!["PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"],
        ),
        (CompatibilityLevel::Full, JsonPolicy::Lenient, vec![]),
        (CompatibilityLevel::None, JsonPolicy::Strict, vec![]),
    ];
    for (level, policy, expected) in cases {
        let report = compat::check_with_policy(level, policy, &v2, &[&v1]);
        assert_eq!(report.rules(), expected, "{level} {}", policy.as_str());
    }
}

#[test]
fn diff_reports_compatible_changes_too() {
    let original = parse(r#"{"type":"integer","maximum":5,"title":"n"}"#, &[]).unwrap();
    let update = parse(r#"{"type":"number","maximum":6,"title":"m"}"#, &[]).unwrap();
    let kinds: Vec<&str> =
        super::diff(&original, &update).iter().map(|c| c.kind.as_str()).collect();
    assert_eq!(kinds, ["TITLE_CHANGED", "TYPE_EXTENDED", "MAXIMUM_INCREASED"]);
    assert!(can_read(&update, &original, JsonPolicy::Strict).is_empty());
}

#[test]
fn long_reference_chains_and_deep_nesting_terminate() {
    // 300 distinct definitions, each referring to the next: deeper than the diff descends.
    let mut definitions = serde_json::Map::new();
    for i in 0..300 {
        let next = json!({"type": "object", "properties": {"v": {"type": "integer"}, "next": {"$ref": format!("#/definitions/d{}", i + 1)}}});
        definitions.insert(format!("d{i}"), next);
    }
    definitions.insert("d300".to_owned(), json!({"type": "string"}));
    let chain = json!({"definitions": definitions, "$ref": "#/definitions/d0"}).to_string();
    let original = parse(&chain, &[]).unwrap();
    let update =
        parse(&chain.replace(r#"{"type":"string"}"#, r#"{"type":"integer"}"#), &[]).unwrap();
    assert!(can_read(&original, &original, JsonPolicy::Strict).is_empty());
    let _ = can_read(&update, &original, JsonPolicy::Strict);

    // Arrays of arrays, nested as deep as serde_json accepts.
    let mut deep = json!({"type": "integer"});
    for _ in 0..60 {
        deep = json!({"type": "array", "items": deep});
    }
    let deep = parse(&deep.to_string(), &[]).unwrap();
    assert!(can_read(&deep, &deep, JsonPolicy::Lenient).is_empty());
}

// --- parsing ---

fn parse_error(text: &str, references: &[ResolvedReference]) -> ParseError {
    match JsonSchema::parse(text, references) {
        Ok(_) => panic!("{text} parsed"),
        Err(error) => error,
    }
}

fn invalid_at(error: &ParseError) -> &str {
    match error {
        ParseError::Invalid { schema_type: SchemaType::Json, pointer, .. } => pointer,
        other => panic!("expected an invalid-schema error, got {other:?}"),
    }
}

#[test]
fn parse_errors() {
    assert!(matches!(parse_error("{\"type\":", &[]), ParseError::Json { .. }));
    assert_eq!(
        invalid_at(&parse_error(r##"{"properties":{"x":{"$ref":"#/definitions/nope"}}}"##, &[])),
        "/properties/x/$ref"
    );
    assert_eq!(invalid_at(&parse_error(r#"{"$ref":"missing.json"}"#, &[])), "/$ref");
    assert_eq!(invalid_at(&parse_error(r#"{"type":5}"#, &[])), "/type");
    assert_eq!(
        invalid_at(&parse_error(r#"{"properties":{"a":{"minLength":"x"}}}"#, &[])),
        "/properties/a/minLength"
    );
    assert_eq!(
        invalid_at(&parse_error(r#"{"$schema":"https://example.com/custom"}"#, &[])),
        "/$schema"
    );
    assert_eq!(invalid_at(&parse_error("5", &[])), "");
    assert_eq!(invalid_at(&parse_error(r#"{"required":"a"}"#, &[])), "/required");
    let draft4 = r#"{"$schema":"http://json-schema.org/draft-04/schema#","exclusiveMinimum":5}"#;
    assert!(matches!(parse_error(draft4, &[]), ParseError::Invalid { .. }));
    let bad_reference = [reference("a.json", "{")];
    assert!(matches!(
        parse_error(r#"{"$ref":"a.json"}"#, &bad_reference),
        ParseError::Invalid { .. }
    ));
}

#[test]
fn drafts_are_detected() {
    use super::Draft;
    let cases = [
        ("{}", Draft::Draft7),
        (r#"{"$schema":"http://json-schema.org/draft-04/schema#"}"#, Draft::Draft4),
        (r#"{"$schema":"http://json-schema.org/draft-06/schema#"}"#, Draft::Draft6),
        (r#"{"$schema":"https://json-schema.org/draft-07/schema"}"#, Draft::Draft7),
        (r#"{"$schema":"https://json-schema.org/draft/2019-09/schema"}"#, Draft::Draft201909),
        (r#"{"$schema":"https://json-schema.org/draft/2020-12/schema"}"#, Draft::Draft202012),
    ];
    for (text, draft) in cases {
        assert_eq!(parse(text, &[]).unwrap().draft(), draft, "{text}");
    }
}

#[test]
fn normalized_form() {
    let cases = [
        (
            r#"{ "type": "object", "properties": { "b": {"type":"string"}, "a": {"type":["integer"]} } }"#,
            r#"{"properties":{"a":{"type":"integer"},"b":{"type":"string"}},"type":"object"}"#,
        ),
        (
            r#"{"required":["b","a"],"type":["string","null"]}"#,
            r#"{"required":["a","b"],"type":["null","string"]}"#,
        ),
        (
            r#"{"enum":["b","a"],"default":{"z":1,"a":[2,1]}}"#,
            r#"{"default":{"a":[2,1],"z":1},"enum":["b","a"]}"#,
        ),
        (
            r#"{"properties":{"type":{"enum":[["b","a"]]}}}"#,
            r#"{"properties":{"type":{"enum":[["b","a"]]}}}"#,
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(parse(text, &[]).unwrap().normalized(), expected, "{text}");
    }
    let a = parse(r#"{"type":"object","required":["x","y"]}"#, &[]).unwrap();
    let b = parse("{\n  \"required\": [\"y\", \"x\"],\n  \"type\": \"object\"\n}", &[]).unwrap();
    assert_eq!(a.normalized(), b.normalized());
}

/// Without `normalize`, identity is Confluent's canonical string: whitespace does not count,
/// key order and spelling do. One case a line: (a, b, same schema without normalize, same with).
#[test]
fn identity_without_and_with_normalize() {
    let cases = [
        (r#"{"type":"string"}"#, "{ \"type\" :\n \"string\" }", true, true),
        (r#"{"type":["string"]}"#, r#"{"type":"string"}"#, false, true),
        (
            r#"{"type":"object","required":["x"]}"#,
            r#"{"required":["x"],"type":"object"}"#,
            false,
            true,
        ),
        (r#"{"required":["b","a"]}"#, r#"{"required":["a","b"]}"#, false, true),
        (r#"{"type":["null","string"]}"#, r#"{"type":["string","null"]}"#, false, true),
        (r#"{"enum":["a","b"]}"#, r#"{"enum":["b","a"]}"#, false, false),
        (r#"{"maximum":1.5}"#, r#"{"maximum":1.50}"#, true, true),
        (r#"{"type":"string"}"#, r#"{"type":"integer"}"#, false, false),
    ];
    for (a, b, same, same_normalized) in cases {
        let (a, b) = (
            Schema::parse(SchemaType::Json, a).unwrap(),
            Schema::parse(SchemaType::Json, b).unwrap(),
        );
        assert_eq!(a.sha256() == b.sha256(), same, "{} vs {}", a.text(), b.text());
        assert_eq!(a.identity() == b.identity(), same, "{} vs {}", a.text(), b.text());
        assert_eq!(
            a.normalized_sha256() == b.normalized_sha256(),
            same_normalized,
            "{} vs {}",
            a.text(),
            b.text()
        );
    }
    // The canonical string is compact with the keys as given, and the normalized form is its own
    // identity, so a schema stored normalized is found by either hash.
    let spaced = Schema::parse(
        SchemaType::Json,
        "{ \"type\": \"object\", \"additionalProperties\": false }",
    )
    .unwrap();
    assert_eq!(spaced.identity(), r#"{"type":"object","additionalProperties":false}"#);
    let stored = Schema::parse(SchemaType::Json, spaced.normalized()).unwrap();
    assert_eq!(stored.sha256(), spaced.normalized_sha256());
    assert_eq!(stored.sha256(), stored.normalized_sha256());
    // Avro and Protobuf keep their identity: the normalized form, as before.
    for (schema_type, a, b) in [
        (SchemaType::Avro, r#"{"type":"int"}"#, r#""int""#),
        (
            SchemaType::Protobuf,
            "syntax = \"proto3\"; message M { int32 a = 1; }",
            "syntax = \"proto3\";\nmessage M {\n  int32 a = 1;\n}\n",
        ),
    ] {
        let (a, b) =
            (Schema::parse(schema_type, a).unwrap(), Schema::parse(schema_type, b).unwrap());
        assert_eq!(a.identity(), a.normalized());
        assert_eq!(a.sha256(), a.normalized_sha256());
        assert_eq!(a.sha256(), b.sha256(), "{schema_type:?}");
    }
}

// --- validation ---

fn errors(schema: &JsonSchema, document: Value) -> Vec<String> {
    match schema.validate(&document) {
        Ok(()) => Vec::new(),
        Err(errors) => errors.into_iter().map(|e| e.instance_path).collect(),
    }
}

#[test]
fn validation() {
    let schema = parse(
        r#"{"type":"object","properties":{"name":{"type":"string","maxLength":5},"age":{"type":"integer","minimum":0},"tags":{"type":"array","items":{"type":"string"}}},"required":["name"],"additionalProperties":false}"#,
        &[],
    )
    .unwrap();
    let cases = [
        (json!({"name": "ann", "age": 3, "tags": ["a"]}), vec![]),
        (json!({"name": "annabelle"}), vec!["/name"]),
        (json!({"name": "ann", "age": -1, "tags": ["a", 2]}), vec!["/age", "/tags/1"]),
        (json!({"age": 1}), vec![""]),
        (json!({"name": "ann", "extra": true}), vec![""]),
        (json!([]), vec![""]),
    ];
    for (document, expected) in cases {
        let mut got = errors(&schema, document.clone());
        got.sort();
        assert_eq!(got, expected, "{document}");
        assert_eq!(schema.is_valid(&document), expected.is_empty());
    }
    let error = schema.validate(&json!({"name": 5})).unwrap_err().remove(0);
    assert_eq!(error.schema_path, "/properties/name/type");
    assert!(error.to_string().starts_with("at '/name': "), "{error}");
}

#[test]
fn validation_per_draft() {
    let draft4 = parse(r#"{"$schema":"http://json-schema.org/draft-04/schema#","maximum":10,"exclusiveMaximum":true}"#, &[]).unwrap();
    assert!(draft4.is_valid(&json!(9)));
    assert!(!draft4.is_valid(&json!(10)));
    let draft2020 = parse(r#"{"$schema":"https://json-schema.org/draft/2020-12/schema","prefixItems":[{"type":"string"}],"items":false}"#, &[]).unwrap();
    assert!(draft2020.is_valid(&json!(["a"])));
    assert!(!draft2020.is_valid(&json!(["a", 1])));
    let draft2019 = parse(r#"{"$schema":"https://json-schema.org/draft/2019-09/schema","properties":{"a":{}},"unevaluatedProperties":false}"#, &[]).unwrap();
    assert!(draft2019.is_valid(&json!({"a": 1})));
    assert!(!draft2019.is_valid(&json!({"b": 1})));
    let recursive = parse(
        r##"{"type":"object","properties":{"v":{"type":"integer"},"next":{"$ref":"#"}}}"##,
        &[],
    )
    .unwrap();
    assert!(recursive.is_valid(&json!({"v": 1, "next": {"v": 2, "next": {}}})));
    assert_eq!(errors(&recursive, json!({"v": 1, "next": {"v": "x"}})), ["/next/v"]);
}

#[test]
fn validation_with_references() {
    let address =
        r#"{"type":"object","properties":{"street":{"type":"string"}},"required":["street"]}"#;
    let references = [reference("address.json", address)];
    let person =
        parse(r#"{"type":"object","properties":{"home":{"$ref":"address.json"}}}"#, &references)
            .unwrap();
    assert!(person.is_valid(&json!({"home": {"street": "main"}})));
    assert_eq!(errors(&person, json!({"home": {"street": 1}})), ["/home/street"]);
    assert_eq!(errors(&person, json!({"home": {}})), ["/home"]);

    let absolute = [reference(
        "https://example.com/schemas/address.json",
        r#"{"$id":"https://example.com/schemas/address.json","$defs":{"zip":{"type":"string","pattern":"^[0-9]{5}$"}}}"#,
    )];
    let relative = parse(
        r#"{"$id":"https://example.com/schemas/person.json","properties":{"zip":{"$ref":"address.json#/$defs/zip"}}}"#,
        &absolute,
    )
    .unwrap();
    assert!(relative.is_valid(&json!({"zip": "12345"})));
    assert_eq!(errors(&relative, json!({"zip": "1234"})), ["/zip"]);

    // A reference that itself references another one, handed over in dependency order.
    let chain = [
        reference("street.json", r#"{"type":"string","minLength":1}"#),
        reference(
            "address.json",
            r#"{"type":"object","properties":{"street":{"$ref":"street.json"}}}"#,
        ),
    ];
    let person = parse(r#"{"properties":{"home":{"$ref":"address.json"}}}"#, &chain).unwrap();
    assert_eq!(errors(&person, json!({"home": {"street": ""}})), ["/home/street"]);
}

#[test]
fn schema_is_shared_by_clones() {
    let schema = parse(r#"{"type":"string"}"#, &[]).unwrap();
    let clone = schema.clone();
    assert!(std::sync::Arc::ptr_eq(&schema.validator, &clone.validator));
    assert!(clone.is_valid(&json!("x")));
}

// --- property tests ---

/// Random schemas over the keywords the engine interprets, valid in every draft from 6 on.
fn arb_schema() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(json!({})),
        Just(json!(true)),
        (0u32..5, 5u32..20)
            .prop_map(|(min, max)| json!({"type": "string", "minLength": min, "maxLength": max})),
        Just(json!({"type": "string", "pattern": "^[a-z]+$", "format": "email"})),
        (-5i64..5).prop_map(|min| json!({"type": "integer", "minimum": min, "multipleOf": 2})),
        (-5i64..5).prop_map(|max| json!({"type": ["number", "null"], "exclusiveMaximum": max})),
        prop::collection::btree_set("[a-c]{1,2}", 1..4).prop_map(|values| json!({"enum": values})),
        Just(json!({"type": "boolean", "const": true})),
    ];
    leaf.prop_recursive(3, 24, 3, |inner| {
        prop_oneof![
            (prop::collection::btree_map("[a-d]", inner.clone(), 0..4), any::<bool>(), prop::option::of(inner.clone()))
                .prop_map(|(properties, closed, rest)| {
                    let required: Vec<&String> = properties.keys().take(1).collect();
                    let mut schema = json!({"type": "object", "properties": properties, "required": required});
                    schema["additionalProperties"] = match rest {
                        Some(rest) if !closed => rest,
                        _ => Value::Bool(!closed),
                    };
                    schema
                }),
            (inner.clone(), 0u32..3).prop_map(|(items, min)| json!({"type": "array", "items": items, "minItems": min, "uniqueItems": true})),
            prop::collection::vec(inner.clone(), 1..4).prop_map(|branches| json!({"anyOf": branches})),
            prop::collection::vec(inner.clone(), 1..4).prop_map(|branches| json!({"oneOf": branches})),
            prop::collection::vec(inner.clone(), 1..3).prop_map(|branches| json!({"allOf": branches})),
            inner.clone().prop_map(|negated| json!({"not": negated})),
            inner.prop_map(|node| json!({"type": "object", "properties": {"x": node, "self": {"$ref": "#"}}})),
        ]
    })
    .prop_flat_map(|schema| {
        // Sometimes behind a local definition, reached through `$ref`.
        let definition = schema.clone();
        prop_oneof![
            Just(schema),
            Just(json!({"$defs": {"n": definition}, "type": "object", "properties": {"a": {"$ref": "#/$defs/n"}, "b": {"$ref": "#/$defs/n"}}})),
        ]
    })
}

/// The work one generated schema's self-diff may take: generated schemas have at most a few
/// dozen nodes, and the worst seen needs a few thousand steps.
const PROPERTY_STEPS: u64 = 50_000;

fn draft_uri() -> impl Strategy<Value = &'static str> {
    prop::sample::select(DRAFTS[1..].iter().map(|(_, uri)| *uri).collect::<Vec<_>>())
}

fn compatible(
    level: CompatibilityLevel,
    policy: JsonPolicy,
    original: &JsonSchema,
    update: &JsonSchema,
) -> bool {
    level.directions().iter().all(|direction| match direction {
        compat::Direction::Backward => can_read(update, original, policy).is_empty(),
        compat::Direction::Forward => can_read(original, update, policy).is_empty(),
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    // A generated schema once made this run for over 16 minutes (a `not` leading back to the
    // root; see the regressions in the compatibility cases). Each diff now runs within a step
    // budget, so runaway work fails at once and reports the schema instead of hanging.
    #[test]
    fn every_schema_is_compatible_with_itself(schema in arb_schema(), uri in draft_uri()) {
        let text = with_draft(&schema.to_string(), Some(uri));
        let parsed = JsonSchema::parse(&text, &[]);
        prop_assert!(parsed.is_ok(), "{text}: {parsed:?}");
        let Ok(parsed) = parsed else { return Ok(()) };
        let again = JsonSchema::parse(&text, &[]).unwrap();
        for policy in [JsonPolicy::Strict, JsonPolicy::Lenient] {
            let changes = diff_with_budget(&parsed, &again, policy, &mut Budget::new(PROPERTY_STEPS));
            prop_assert_eq!(changes, Ok(vec![]), "{}", text);
            for level in CompatibilityLevel::ALL {
                prop_assert!(compatible(level, policy, &parsed, &again), "{text} {level}");
            }
        }
    }

    #[test]
    fn extending_an_enum_is_backward_not_forward(
        values in prop::collection::btree_set("[a-z]{1,6}", 1..6),
        extra in "[A-Z]{1,6}",
        uri in draft_uri(),
        wrapped in any::<bool>(),
    ) {
        let before: Vec<&String> = values.iter().collect();
        let mut after = before.clone();
        after.push(&extra);
        let wrap = |values: &Vec<&String>| {
            let enumeration = json!({"type": "string", "enum": values});
            if wrapped { json!({"type": "object", "properties": {"e": enumeration}}) } else { enumeration }
        };
        let original = JsonSchema::parse(&with_draft(&wrap(&before).to_string(), Some(uri)), &[]).unwrap();
        let update = JsonSchema::parse(&with_draft(&wrap(&after).to_string(), Some(uri)), &[]).unwrap();
        for policy in [JsonPolicy::Strict, JsonPolicy::Lenient] {
            prop_assert!(compatible(CompatibilityLevel::Backward, policy, &original, &update));
            prop_assert!(!compatible(CompatibilityLevel::Forward, policy, &original, &update));
            prop_assert!(!compatible(CompatibilityLevel::Full, policy, &original, &update));
        }
    }

    #[test]
    fn arbitrary_json_never_panics(schema in arb_json(), other in arb_json(), document in arb_json()) {
        if let Ok(schema) = JsonSchema::parse(&schema.to_string(), &[]) {
            let _ = schema.normalized();
            let _ = schema.validate(&document);
            let _ = super::diff(&schema, &schema);
            if let Ok(other) = JsonSchema::parse(&other.to_string(), &[]) {
                let _ = can_read(&schema, &other, JsonPolicy::Strict);
                let _ = can_read(&other, &schema, JsonPolicy::Lenient);
            }
        }
    }

    #[test]
    fn random_schemas_never_panic_against_each_other(a in arb_schema(), b in arb_schema(), uri in draft_uri()) {
        let a = JsonSchema::parse(&with_draft(&a.to_string(), Some(uri)), &[]).unwrap();
        let b = JsonSchema::parse(&with_draft(&b.to_string(), Some(uri)), &[]).unwrap();
        for policy in [JsonPolicy::Strict, JsonPolicy::Lenient] {
            let _ = can_read(&a, &b, policy);
            let _ = can_read(&b, &a, policy);
        }
    }
}

/// Arbitrary JSON biased towards schema keywords, so the random input reaches the engine.
fn arb_json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        prop::sample::select(vec![
            "type",
            "properties",
            "items",
            "prefixItems",
            "additionalProperties",
            "additionalItems",
            "anyOf",
            "allOf",
            "oneOf",
            "not",
            "enum",
            "const",
            "$ref",
            "required",
            "minimum",
            "exclusiveMinimum",
            "maxLength",
            "pattern",
            "patternProperties",
            "dependencies",
            "dependentSchemas",
            "if",
            "then",
            "else",
            "$defs",
            "definitions",
            "$schema",
            "$id",
            "unevaluatedProperties",
            "contains",
            "propertyNames",
            "multipleOf",
        ])
        .prop_map(str::to_owned),
        "[a-z#/$]{0,5}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        prop::sample::select(vec![
            "string",
            "object",
            "integer",
            "#",
            "#/definitions/a",
            "#/$defs/a",
            "^a"
        ])
        .prop_map(Value::from),
        "[a-z#/]{0,6}".prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..5)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}
