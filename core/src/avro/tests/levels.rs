//! Compatibility levels applied to Avro histories through `crate::compat::check`: which
//! directions and which versions each level looks at.

use super::expand;
use crate::compat::{CompatibilityLevel, Direction, check};
use crate::schema::{Schema, SchemaType};

fn schema(spec: &str) -> Schema {
    let text = expand(spec);
    match Schema::parse(SchemaType::Avro, &text) {
        Ok(schema) => schema,
        Err(e) => panic!("test schema does not parse: {e}\n{text}"),
    }
}

/// A record `R` with the given fields, written as `name:type` or `name:type=default`.
fn record(fields: &str) -> String {
    let fields: Vec<String> = fields
        .split_whitespace()
        .map(|field| {
            let (name, rest) = field.split_once(':').unwrap_or((field, "int"));
            match rest.split_once('=') {
                Some((ty, default)) => {
                    format!(r#"{{"name":"{name}","type":{},"default":{default}}}"#, expand(ty))
                }
                None => format!(r#"{{"name":"{name}","type":{}}}"#, expand(rest)),
            }
        })
        .collect();
    format!(r#"{{"type":"record","name":"R","fields":[{}]}}"#, fields.join(","))
}

/// Runs one case: `new` against `history` (newest first) at `level`; `expected` lists
/// `against:direction:RULE` items (direction `B` or `F`), empty for compatible.
#[track_caller]
fn check_level(name: &str, level: CompatibilityLevel, new: &str, history: &[&str], expected: &str) {
    let new = schema(&record(new));
    let history: Vec<Schema> = history.iter().map(|fields| schema(&record(fields))).collect();
    let history_refs: Vec<&Schema> = history.iter().collect();
    let report = check(level, &new, &history_refs);
    let actual: Vec<String> = report
        .incompatibilities
        .iter()
        .map(|i| {
            let direction = match i.direction {
                Direction::Backward => "B",
                Direction::Forward => "F",
            };
            format!("{}:{direction}:{}", i.against, i.finding.rule)
        })
        .collect();
    let expected: Vec<&str> = expected.split_whitespace().collect();
    assert_eq!(actual, expected, "case {name} at {level}: {report:#?}");
}

use CompatibilityLevel::{
    Backward, BackwardTransitive, Forward, ForwardTransitive, Full, FullTransitive,
};
// `None` would shadow `Option::None` in this module.
const NONE: CompatibilityLevel = CompatibilityLevel::None;

const MISSING: &str = "READER_FIELD_MISSING_DEFAULT_VALUE";

#[test]
fn levels() {
    let cases: &[(&str, CompatibilityLevel, &str, &[&str], String)] = &[
        // Adding a field with a default: fine in every direction.
        ("add-with-default-backward", Backward, "a b:int=0", &["a"], String::new()),
        ("add-with-default-forward", Forward, "a b:int=0", &["a"], String::new()),
        ("add-with-default-full", Full, "a b:int=0", &["a"], String::new()),
        // Adding a field without a default: new cannot read old data; old can read new data.
        ("add-required-backward", Backward, "a b", &["a"], format!("0:B:{MISSING}")),
        ("add-required-forward", Forward, "a b", &["a"], String::new()),
        ("add-required-full", Full, "a b", &["a"], format!("0:B:{MISSING}")),
        ("add-required-none", NONE, "a b", &["a"], String::new()),
        // Removing a field without a default: old readers miss it; new readers are fine.
        ("remove-required-backward", Backward, "a", &["a b"], String::new()),
        ("remove-required-forward", Forward, "a", &["a b"], format!("0:F:{MISSING}")),
        ("remove-required-full", Full, "a", &["a b"], format!("0:F:{MISSING}")),
        ("remove-with-default-full", Full, "a", &["a b:int=1"], String::new()),
        // Promotion int -> long: backward only.
        ("promote-backward", Backward, "a:long", &["a:int"], String::new()),
        ("promote-forward", Forward, "a:long", &["a:int"], "0:F:TYPE_MISMATCH".to_owned()),
        ("promote-full", Full, "a:long", &["a:int"], "0:F:TYPE_MISMATCH".to_owned()),
        ("promote-none", NONE, "a:long", &["a:int"], String::new()),
        // Transitive: the latest version has a default that an older one lacks.
        // v1: a; v2: a b:int=0; v3 (new): a b (b required). New reads v2 data? v2 has b, so yes;
        // v1 data lacks b and new has no default: only the transitive level sees it.
        ("transitive-backward-passes", Backward, "a b", &["a b:int=0", "a"], String::new()),
        (
            "transitive-backward-fails",
            BackwardTransitive,
            "a b",
            &["a b:int=0", "a"],
            format!("1:B:{MISSING}"),
        ),
        // Forward: old versions read new data. v1 (a b) needs b, v2 (a b:int=0) does not.
        ("transitive-forward-passes", Forward, "a", &["a b:int=0", "a b"], String::new()),
        (
            "transitive-forward-fails",
            ForwardTransitive,
            "a",
            &["a b:int=0", "a b"],
            format!("1:F:{MISSING}"),
        ),
        ("transitive-full-passes", Full, "a b:int=0", &["a b:int=0", "a:string"], String::new()),
        (
            "transitive-full-fails",
            FullTransitive,
            "a b:int=0",
            &["a b:int=0", "a:string"],
            "1:B:TYPE_MISMATCH 1:F:TYPE_MISMATCH".to_owned(),
        ),
        (
            "transitive-all-versions-reported",
            BackwardTransitive,
            "a b c",
            &["a b", "a", "a"],
            format!("0:B:{MISSING} 1:B:{MISSING} 1:B:{MISSING} 2:B:{MISSING} 2:B:{MISSING}"),
        ),
        ("none-ignores-everything", NONE, "a:string", &["a:int", "b"], String::new()),
        ("empty-history", FullTransitive, "a", &[], String::new()),
        ("forward-vs-full", Forward, "a b:int=0 c", &["a"], String::new()),
        ("full-vs-forward", Full, "a b:int=0 c", &["a"], format!("0:B:{MISSING}")),
    ];
    for (name, level, new, history, expected) in cases {
        check_level(name, *level, new, history, expected);
    }
}

/// Every level accepts a schema against a history made of itself.
#[test]
fn identical_history_compatible_at_every_level() {
    let text = record("a b:string c:long=1");
    let version = schema(&text);
    let new = schema(&text);
    for level in CompatibilityLevel::ALL {
        let report = check(level, &new, &[&version, &version]);
        assert!(report.is_compatible(), "{level}: {report:#?}");
    }
}
