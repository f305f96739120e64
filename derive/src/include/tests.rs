//! Every error of `include_schema!`'s generators, one case per message: the generators are pure
//! functions of the parsed file, so the cases run here rather than as compile-fail UI tests (which
//! would need fixture files at a path relative to trybuild's scratch crate).

use serde_json::{Value, json};

use super::{Generator, json as json_schema};

fn avro_error(schema: Value) -> String {
    let mut generator = Generator::default();
    match generator.ty(&schema, "", "", "Root") {
        Ok(_) => panic!("expected an error for {schema}"),
        Err(err) => err,
    }
}

fn json_error(schema: Value) -> String {
    match json_schema::generate(&schema) {
        Ok(_) => panic!("expected an error for {schema}"),
        Err(err) => err,
    }
}

fn record_of(field: Value) -> Value {
    json!({"type": "record", "name": "R", "fields": [{"name": "f", "type": field}]})
}

fn object_of(property: Value, required: bool) -> Value {
    let required = if required { json!(["p"]) } else { json!([]) };
    json!({"title": "T", "type": "object", "properties": {"p": property}, "required": required})
}

#[test]
fn avro_generator_errors() {
    let cases = [
        (record_of(json!("null")), "a bare \"null\" has no Rust type"),
        (record_of(json!(["null"])), "a union of only null has no Rust type"),
        (record_of(json!("com.acme.Missing")), "unknown type name `com.acme.Missing`"),
        (record_of(json!({"type": "array"})), "an array without \"items\""),
        (record_of(json!({"type": "map"})), "a map without \"values\""),
        (record_of(json!({"logicalType": "uuid"})), "a schema object without \"type\""),
        (json!({"type": "record", "fields": []}), "a record without a name"),
        (json!({"type": "record", "name": "R"}), "a record without fields"),
        (json!({"type": "enum", "name": "E"}), "an enum without symbols"),
        (record_of(json!({"type": "fixed", "name": "F"})), "a fixed without a size"),
        (json!(42), "unexpected schema 42"),
    ];
    for (schema, want) in cases {
        let got = avro_error(schema);
        assert!(got.contains(want), "got `{got}`, want `{want}`");
    }
}

#[test]
fn json_generator_errors() {
    let cases = [
        (json!({"type": "object"}), "the root schema needs a \"title\""),
        (
            json!({"title": "T", "type": "object", "definitions": {"A": {"title": "B"}}}),
            "/definitions/A: a definition's \"title\" must be its name `A`",
        ),
        (json!({"title": "T", "type": "array"}), "a named type is an object or a string enum"),
        (
            object_of(json!({"type": "object", "properties": {}}), true),
            "/properties/p: an inline object; name it under definitions or use a map",
        ),
        (
            object_of(json!({"oneOf": [{"type": "string"}, {"type": "integer"}]}), true),
            "only `oneOf` of null and one schema (an Option) is supported",
        ),
        (
            object_of(json!({"type": "integer", "minimum": 5}), true),
            "an integer range of no Rust integer type",
        ),
        (object_of(json!({"type": "string"}), false), "an optional property needs a default"),
        (
            object_of(json!({"type": "string", "default": "x"}), true),
            "a required property cannot have a default",
        ),
        (
            object_of(json!({"oneOf": [{"type": "null"}, {"type": "string"}]}), true),
            "a nullable property is never required",
        ),
        (
            object_of(json!({"$ref": "other.json#/x"}), true),
            "only local `#/definitions/...` references are supported",
        ),
        (object_of(json!({"type": "null"}), true), "type `null` is not supported"),
        (object_of(json!({"format": "uuid"}), true), "/properties/p: no \"type\""),
        (object_of(json!({"type": "array"}), true), "an array without items"),
        (
            json!({"title": "T", "type": "object", "definitions": {"E": {"title": "E", "enum": [1]}}}),
            "symbols are strings",
        ),
        (
            json!({"title": "T", "type": "object", "properties": {"p": 1}}),
            "/properties/p: not an object",
        ),
        (json!("text"), "the schema is not an object"),
    ];
    for (schema, want) in cases {
        let got = json_error(schema);
        assert!(got.contains(want), "got `{got}`, want `{want}`");
    }
}

/// Logical types note the feature they need, so a build without it gets one error naming it.
#[test]
fn logical_types_name_the_feature_they_need() {
    let mut generator = Generator::default();
    let schema = json!({"type": "record", "name": "R", "fields": [
        {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
        {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}}
    ]});
    generator.ty(&schema, "", "", "Root").unwrap();
    let features: Vec<(&str, &str)> =
        generator.features.iter().map(|(f, l)| (*f, l.as_str())).collect();
    assert_eq!(
        features,
        [("chrono", "timestamp-millis"), ("rust_decimal", "decimal"), ("uuid", "uuid")]
    );
    let gated = super::gate(
        quote::quote!(
            struct R;
        ),
        "a.avsc",
        "Avro logical type",
        &generator.features,
    )
    .to_string();
    assert!(gated.starts_with(":: schemata :: __private :: if_chrono !"), "{gated}");
    assert!(gated.contains("if_uuid"), "{gated}");
    assert_eq!(
        super::feature_message("schemas/orders-value/v1.avsc", "Avro logical type", "uuid", "uuid"),
        "`schemas/orders-value/v1.avsc` uses the Avro logical type `uuid`, which needs schemata's \
         `uuid` feature: enable it on the dependency, e.g. schemata = { features = [\"uuid\"] }"
    );
    let mut plain = Generator::default();
    plain
        .ty(
            &json!({"type": "record", "name": "P", "fields": [{"name": "a", "type": "string"}]}),
            "",
            "",
            "Root",
        )
        .unwrap();
    assert!(plain.features.is_empty());
}
