//! Reader/writer cases written from the Avro specification's schema-resolution rules (and Java's
//! `SchemaCompatibility` where the specification leaves room): one `check` helper, one line per
//! case with the expected findings.

use super::parse;
use crate::avro::can_read;

/// Runs one case. `expected` is empty for compatible, else space-separated `RULE@/pointer` items
/// (or bare `RULE` where the path is not the point), in the order the engine reports them.
#[track_caller]
fn check(name: &str, reader: &str, writer: &str, expected: &str) {
    let findings = can_read(&parse(reader), &parse(writer));
    let expected: Vec<(&str, Option<&str>)> = expected
        .split_whitespace()
        .map(|item| match item.split_once('@') {
            Some((rule, path)) => (rule, Some(path)),
            None => (item, None),
        })
        .collect();
    let actual: Vec<(&str, &str)> = findings.iter().map(|f| (f.rule, f.path.as_str())).collect();
    let matches = expected.len() == actual.len()
        && expected.iter().zip(&actual).all(|((rule, path), (actual_rule, actual_path))| {
            rule == actual_rule && path.is_none_or(|path| path == *actual_path)
        });
    assert!(matches, "case {name}: expected {expected:?}, found {findings:#?}");
}

// Shorthand: `@T` is a record R with one field f of type T (see `super::expand`).
const CASES: &[(&str, &str, &str, &str)] = &[
    // --- primitives and promotions ---
    ("null-null", "null", "null", ""),
    ("boolean-boolean", "boolean", "boolean", ""),
    ("int-int", "int", "int", ""),
    ("long-long", "long", "long", ""),
    ("float-float", "float", "float", ""),
    ("double-double", "double", "double", ""),
    ("bytes-bytes", "bytes", "bytes", ""),
    ("string-string", "string", "string", ""),
    ("long-reads-int", "long", "int", ""),
    ("float-reads-int", "float", "int", ""),
    ("double-reads-int", "double", "int", ""),
    ("float-reads-long", "float", "long", ""),
    ("double-reads-long", "double", "long", ""),
    ("double-reads-float", "double", "float", ""),
    ("bytes-reads-string", "bytes", "string", ""),
    ("string-reads-bytes", "string", "bytes", ""),
    ("int-cannot-read-long", "int", "long", "TYPE_MISMATCH@"),
    ("int-cannot-read-float", "int", "float", "TYPE_MISMATCH@"),
    ("int-cannot-read-double", "int", "double", "TYPE_MISMATCH@"),
    ("long-cannot-read-float", "long", "float", "TYPE_MISMATCH@"),
    ("long-cannot-read-double", "long", "double", "TYPE_MISMATCH@"),
    ("float-cannot-read-double", "float", "double", "TYPE_MISMATCH@"),
    ("string-cannot-read-int", "string", "int", "TYPE_MISMATCH@"),
    ("int-cannot-read-string", "int", "string", "TYPE_MISMATCH@"),
    ("boolean-cannot-read-int", "boolean", "int", "TYPE_MISMATCH@"),
    ("int-cannot-read-boolean", "int", "boolean", "TYPE_MISMATCH@"),
    ("null-cannot-read-int", "null", "int", "TYPE_MISMATCH@"),
    ("int-cannot-read-null", "int", "null", "TYPE_MISMATCH@"),
    ("boolean-cannot-read-null", "boolean", "null", "TYPE_MISMATCH@"),
    ("string-cannot-read-boolean", "string", "boolean", "TYPE_MISMATCH@"),
    ("bytes-cannot-read-int", "bytes", "int", "TYPE_MISMATCH@"),
    ("double-cannot-read-string", "double", "string", "TYPE_MISMATCH@"),
    ("double-cannot-read-bytes", "double", "bytes", "TYPE_MISMATCH@"),
    ("long-cannot-read-boolean", "long", "boolean", "TYPE_MISMATCH@"),
    // --- logical types compare by their underlying type, as Java does ---
    ("uuid-string-reads-string", r#"{"type":"string","logicalType":"uuid"}"#, "string", ""),
    ("string-reads-uuid-string", "string", r#"{"type":"string","logicalType":"uuid"}"#, ""),
    ("date-reads-int", r#"{"type":"int","logicalType":"date"}"#, "int", ""),
    ("timestamp-long-reads-int", r#"{"type":"long","logicalType":"timestamp-millis"}"#, "int", ""),
    ("date-cannot-read-long", r#"{"type":"int","logicalType":"date"}"#, "long", "TYPE_MISMATCH@"),
    (
        "decimal-reads-bytes",
        r#"{"type":"bytes","logicalType":"decimal","precision":4,"scale":2}"#,
        "bytes",
        "",
    ),
    (
        "decimal-scale-ignored",
        r#"{"type":"bytes","logicalType":"decimal","precision":4,"scale":2}"#,
        r#"{"type":"bytes","logicalType":"decimal","precision":6,"scale":3}"#,
        "",
    ),
    (
        "timestamp-micros-reads-millis",
        r#"{"type":"long","logicalType":"timestamp-micros"}"#,
        r#"{"type":"long","logicalType":"timestamp-millis"}"#,
        "",
    ),
    ("custom-property-ignored", "string", r#"{"type":"string","custom":"x"}"#, ""),
    (
        "date-field-promoted",
        r#"@{"type":"long","logicalType":"timestamp-millis"}"#,
        r#"@{"type":"int","logicalType":"date"}"#,
        "",
    ),
    // --- arrays and maps ---
    ("array-same", r#"{"type":"array","items":"int"}"#, r#"{"type":"array","items":"int"}"#, ""),
    (
        "array-items-promoted",
        r#"{"type":"array","items":"long"}"#,
        r#"{"type":"array","items":"int"}"#,
        "",
    ),
    (
        "array-items-narrowed",
        r#"{"type":"array","items":"int"}"#,
        r#"{"type":"array","items":"long"}"#,
        "TYPE_MISMATCH@/items",
    ),
    (
        "map-values-promoted",
        r#"{"type":"map","values":"long"}"#,
        r#"{"type":"map","values":"int"}"#,
        "",
    ),
    (
        "map-values-mismatch",
        r#"{"type":"map","values":"int"}"#,
        r#"{"type":"map","values":"string"}"#,
        "TYPE_MISMATCH@/values",
    ),
    (
        "array-cannot-read-map",
        r#"{"type":"array","items":"int"}"#,
        r#"{"type":"map","values":"int"}"#,
        "TYPE_MISMATCH@",
    ),
    (
        "map-cannot-read-array",
        r#"{"type":"map","values":"int"}"#,
        r#"{"type":"array","items":"int"}"#,
        "TYPE_MISMATCH@",
    ),
    (
        "nested-array-promoted",
        r#"{"type":"array","items":{"type":"array","items":"long"}}"#,
        r#"{"type":"array","items":{"type":"array","items":"int"}}"#,
        "",
    ),
    (
        "nested-array-mismatch",
        r#"{"type":"array","items":{"type":"array","items":"int"}}"#,
        r#"{"type":"array","items":{"type":"array","items":"string"}}"#,
        "TYPE_MISMATCH@/items/items",
    ),
    (
        "map-of-array-mismatch",
        r#"{"type":"map","values":{"type":"array","items":"int"}}"#,
        r#"{"type":"map","values":{"type":"array","items":"long"}}"#,
        "TYPE_MISMATCH@/values/items",
    ),
    ("array-cannot-read-int", r#"{"type":"array","items":"int"}"#, "int", "TYPE_MISMATCH@"),
    ("int-cannot-read-array", "int", r#"{"type":"array","items":"int"}"#, "TYPE_MISMATCH@"),
    (
        "array-of-records-field-mismatch",
        r#"{"type":"array","items":{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}}"#,
        r#"{"type":"array","items":{"type":"record","name":"R","fields":[{"name":"a","type":"long"}]}}"#,
        "TYPE_MISMATCH@/items/fields/0/type",
    ),
    (
        "map-of-optional-reads-map-of-int",
        r#"{"type":"map","values":["null","int"]}"#,
        r#"{"type":"map","values":"int"}"#,
        "",
    ),
    (
        "map-of-int-cannot-read-map-of-optional",
        r#"{"type":"map","values":"int"}"#,
        r#"{"type":"map","values":["null","int"]}"#,
        "TYPE_MISMATCH@/values",
    ),
    (
        "array-field-items-mismatch",
        r#"@{"type":"array","items":"int"}"#,
        r#"@{"type":"array","items":"boolean"}"#,
        "TYPE_MISMATCH@/fields/0/type/items",
    ),
    // --- records: fields, defaults, aliases, names ---
    ("record-same", "@int", "@int", ""),
    ("record-field-promoted", "@long", "@int", ""),
    ("record-field-narrowed", "@int", "@long", "TYPE_MISMATCH@/fields/0/type"),
    (
        "record-reader-adds-field-with-default",
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"int","default":0}]}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}"#,
        "",
    ),
    (
        "record-reader-adds-field-without-default",
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"int"}]}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}"#,
        "READER_FIELD_MISSING_DEFAULT_VALUE@/fields/1",
    ),
    (
        "record-writer-extra-field",
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"string"}]}"#,
        "",
    ),
    (
        "record-two-missing-fields-all-reported",
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"int"},{"name":"c","type":"string"}]}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}"#,
        "READER_FIELD_MISSING_DEFAULT_VALUE@/fields/1 READER_FIELD_MISSING_DEFAULT_VALUE@/fields/2",
    ),
    (
        "record-missing-and-mismatch-both-reported",
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"int"}]}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"string"}]}"#,
        "TYPE_MISMATCH@/fields/0/type READER_FIELD_MISSING_DEFAULT_VALUE@/fields/1",
    ),
    (
        "record-field-order-irrelevant",
        r#"{"type":"record","name":"R","fields":[{"name":"b","type":"string"},{"name":"a","type":"int"}]}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"string"}]}"#,
        "",
    ),
    (
        "record-field-renamed-with-reader-alias",
        r#"{"type":"record","name":"R","fields":[{"name":"new","aliases":["old"],"type":"int"}]}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"old","type":"int"}]}"#,
        "",
    ),
    (
        "record-field-renamed-without-alias",
        r#"{"type":"record","name":"R","fields":[{"name":"new","type":"int"}]}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"old","type":"int"}]}"#,
        "READER_FIELD_MISSING_DEFAULT_VALUE@/fields/0",
    ),
    (
        "record-writer-field-alias-ignored",
        r#"{"type":"record","name":"R","fields":[{"name":"new","type":"int"}]}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"old","aliases":["new"],"type":"int"}]}"#,
        "READER_FIELD_MISSING_DEFAULT_VALUE@/fields/0",
    ),
    (
        "record-field-alias-type-mismatch",
        r#"{"type":"record","name":"R","fields":[{"name":"new","aliases":["old"],"type":"int"}]}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"old","type":"string"}]}"#,
        "TYPE_MISMATCH@/fields/0/type",
    ),
    (
        "record-field-second-alias-matches",
        r#"{"type":"record","name":"R","fields":[{"name":"c","aliases":["a","b"],"type":"int"}]}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"b","type":"int"}]}"#,
        "",
    ),
    (
        "record-field-direct-name-wins-over-alias",
        r#"{"type":"record","name":"R","fields":[{"name":"f","aliases":["g"],"type":"int"}]}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"f","type":"int"},{"name":"g","type":"string"}]}"#,
        "",
    ),
    (
        "record-field-renamed-with-alias-and-default",
        r#"{"type":"record","name":"R","fields":[{"name":"new","aliases":["old"],"type":"int","default":1}]}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"other","type":"int"}]}"#,
        "",
    ),
    (
        "record-default-does-not-excuse-mismatch",
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":0}]}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"string"}]}"#,
        "TYPE_MISMATCH@/fields/0/type",
    ),
    (
        "record-name-mismatch",
        r#"{"type":"record","name":"A","fields":[]}"#,
        r#"{"type":"record","name":"B","fields":[]}"#,
        "NAME_MISMATCH@/name",
    ),
    (
        "record-namespace-ignored",
        r#"{"type":"record","name":"R","namespace":"a","fields":[]}"#,
        r#"{"type":"record","name":"R","namespace":"b","fields":[]}"#,
        "",
    ),
    (
        "record-full-name-vs-namespace",
        r#"{"type":"record","name":"a.R","fields":[]}"#,
        r#"{"type":"record","name":"R","namespace":"b","fields":[]}"#,
        "",
    ),
    (
        "record-renamed-with-full-alias",
        r#"{"type":"record","name":"New","namespace":"a","aliases":["b.Old"],"fields":[]}"#,
        r#"{"type":"record","name":"Old","namespace":"b","fields":[]}"#,
        "",
    ),
    (
        "record-renamed-with-relative-alias",
        r#"{"type":"record","name":"New","namespace":"a","aliases":["Old"],"fields":[]}"#,
        r#"{"type":"record","name":"Old","namespace":"a","fields":[]}"#,
        "",
    ),
    (
        "record-relative-alias-wrong-namespace",
        r#"{"type":"record","name":"New","namespace":"a","aliases":["Old"],"fields":[]}"#,
        r#"{"type":"record","name":"Old","namespace":"b","fields":[]}"#,
        "NAME_MISMATCH@/name",
    ),
    (
        "record-writer-alias-ignored",
        r#"{"type":"record","name":"New","fields":[]}"#,
        r#"{"type":"record","name":"Old","aliases":["New"],"fields":[]}"#,
        "NAME_MISMATCH@/name",
    ),
    (
        "record-name-mismatch-and-missing-field",
        r#"{"type":"record","name":"A","fields":[{"name":"x","type":"int"}]}"#,
        r#"{"type":"record","name":"B","fields":[]}"#,
        "NAME_MISMATCH@/name READER_FIELD_MISSING_DEFAULT_VALUE@/fields/0",
    ),
    (
        "record-empty-both",
        r#"{"type":"record","name":"R","fields":[]}"#,
        r#"{"type":"record","name":"R","fields":[]}"#,
        "",
    ),
    ("record-empty-reader", r#"{"type":"record","name":"R","fields":[]}"#, "@int", ""),
    (
        "record-all-defaults-reads-empty",
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":1},{"name":"b","type":"string","default":""}]}"#,
        r#"{"type":"record","name":"R","fields":[]}"#,
        "",
    ),
    (
        "record-nested-field-mismatch",
        r#"@{"type":"record","name":"In","fields":[{"name":"x","type":"int"}]}"#,
        r#"@{"type":"record","name":"In","fields":[{"name":"x","type":"bytes"}]}"#,
        "TYPE_MISMATCH@/fields/0/type/fields/0/type",
    ),
    (
        "record-nested-missing-default",
        r#"@{"type":"record","name":"In","fields":[{"name":"x","type":"int"},{"name":"y","type":"int"}]}"#,
        r#"@{"type":"record","name":"In","fields":[{"name":"x","type":"int"}]}"#,
        "READER_FIELD_MISSING_DEFAULT_VALUE@/fields/0/type/fields/1",
    ),
    (
        "record-nested-name-mismatch",
        r#"@{"type":"record","name":"In","fields":[]}"#,
        r#"@{"type":"record","name":"Other","fields":[]}"#,
        "NAME_MISMATCH@/fields/0/type/name",
    ),
    ("record-cannot-read-int", "@int", "int", "TYPE_MISMATCH@"),
    ("int-cannot-read-record", "int", "@int", "TYPE_MISMATCH@"),
    ("map-cannot-read-record", r#"{"type":"map","values":"int"}"#, "@int", "TYPE_MISMATCH@"),
    (
        "record-cannot-read-enum",
        r#"{"type":"record","name":"X","fields":[]}"#,
        r#"{"type":"enum","name":"X","symbols":["A"]}"#,
        "TYPE_MISMATCH@",
    ),
    (
        "record-many-fields-all-reported",
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"long"},{"name":"c","type":"float"},{"name":"d","type":"boolean"}]}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"string"},{"name":"b","type":"double"},{"name":"c","type":"double"}]}"#,
        "TYPE_MISMATCH@/fields/0/type TYPE_MISMATCH@/fields/1/type TYPE_MISMATCH@/fields/2/type READER_FIELD_MISSING_DEFAULT_VALUE@/fields/3",
    ),
    // Java compares an enum-with-default reader field missing in the writer against the writer
    // record; we report the clearer missing-default rule, the verdict is the same.
    (
        "record-missing-enum-field-with-enum-default",
        r#"{"type":"record","name":"R","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"],"default":"A"}}]}"#,
        r#"{"type":"record","name":"R","fields":[]}"#,
        "READER_FIELD_MISSING_DEFAULT_VALUE@/fields/0",
    ),
    // --- a reader field added with a default of every type ---
    (
        "default-null",
        r#"{"type":"record","name":"R","fields":[{"name":"n","type":"null","default":null}]}"#,
        r#"{"type":"record","name":"R","fields":[]}"#,
        "",
    ),
    (
        "default-boolean",
        r#"{"type":"record","name":"R","fields":[{"name":"n","type":"boolean","default":true}]}"#,
        r#"{"type":"record","name":"R","fields":[]}"#,
        "",
    ),
    (
        "default-int",
        r#"{"type":"record","name":"R","fields":[{"name":"n","type":"int","default":-1}]}"#,
        r#"{"type":"record","name":"R","fields":[]}"#,
        "",
    ),
    (
        "default-long",
        r#"{"type":"record","name":"R","fields":[{"name":"n","type":"long","default":9007199254740993}]}"#,
        r#"{"type":"record","name":"R","fields":[]}"#,
        "",
    ),
    (
        "default-float",
        r#"{"type":"record","name":"R","fields":[{"name":"n","type":"float","default":1.5}]}"#,
        r#"{"type":"record","name":"R","fields":[]}"#,
        "",
    ),
    (
        "default-double",
        r#"{"type":"record","name":"R","fields":[{"name":"n","type":"double","default":2}]}"#,
        r#"{"type":"record","name":"R","fields":[]}"#,
        "",
    ),
    (
        "default-bytes",
        r#"{"type":"record","name":"R","fields":[{"name":"n","type":"bytes","default":"\u00ff"}]}"#,
        r#"{"type":"record","name":"R","fields":[]}"#,
        "",
    ),
    (
        "default-string",
        r#"{"type":"record","name":"R","fields":[{"name":"n","type":"string","default":"x"}]}"#,
        r#"{"type":"record","name":"R","fields":[]}"#,
        "",
    ),
    (
        "default-enum",
        r#"{"type":"record","name":"R","fields":[{"name":"n","type":{"type":"enum","name":"E","symbols":["A","B"]},"default":"B"}]}"#,
        r#"{"type":"record","name":"R","fields":[]}"#,
        "",
    ),
    (
        "default-fixed",
        r#"{"type":"record","name":"R","fields":[{"name":"n","type":{"type":"fixed","name":"F","size":2},"default":"aa"}]}"#,
        r#"{"type":"record","name":"R","fields":[]}"#,
        "",
    ),
    (
        "default-array",
        r#"{"type":"record","name":"R","fields":[{"name":"n","type":{"type":"array","items":"int"},"default":[1,2]}]}"#,
        r#"{"type":"record","name":"R","fields":[]}"#,
        "",
    ),
    (
        "default-map",
        r#"{"type":"record","name":"R","fields":[{"name":"n","type":{"type":"map","values":"string"},"default":{"k":"v"}}]}"#,
        r#"{"type":"record","name":"R","fields":[]}"#,
        "",
    ),
    (
        "default-record",
        r#"{"type":"record","name":"R","fields":[{"name":"n","type":{"type":"record","name":"P","fields":[{"name":"x","type":"int"}]},"default":{"x":1}}]}"#,
        r#"{"type":"record","name":"R","fields":[]}"#,
        "",
    ),
    (
        "default-union-null-first",
        r#"{"type":"record","name":"R","fields":[{"name":"n","type":["null","string"],"default":null}]}"#,
        r#"{"type":"record","name":"R","fields":[]}"#,
        "",
    ),
    (
        "default-union-string-first",
        r#"{"type":"record","name":"R","fields":[{"name":"n","type":["string","null"],"default":"x"}]}"#,
        r#"{"type":"record","name":"R","fields":[]}"#,
        "",
    ),
    (
        "default-logical-date",
        r#"{"type":"record","name":"R","fields":[{"name":"n","type":{"type":"int","logicalType":"date"},"default":0}]}"#,
        r#"{"type":"record","name":"R","fields":[]}"#,
        "",
    ),
    (
        "default-decimal",
        r#"{"type":"record","name":"R","fields":[{"name":"n","type":{"type":"bytes","logicalType":"decimal","precision":4,"scale":2},"default":"\u0000"}]}"#,
        r#"{"type":"record","name":"R","fields":[]}"#,
        "",
    ),
    (
        "default-record-uses-inner-default",
        r#"{"type":"record","name":"R","fields":[{"name":"n","type":{"type":"record","name":"P","fields":[{"name":"x","type":"int","default":3}]},"default":{}}]}"#,
        r#"{"type":"record","name":"R","fields":[]}"#,
        "",
    ),
    // --- enums ---
    (
        "enum-same",
        r#"{"type":"enum","name":"E","symbols":["A","B"]}"#,
        r#"{"type":"enum","name":"E","symbols":["A","B"]}"#,
        "",
    ),
    (
        "enum-reader-more-symbols",
        r#"{"type":"enum","name":"E","symbols":["A","B","C"]}"#,
        r#"{"type":"enum","name":"E","symbols":["A","B"]}"#,
        "",
    ),
    (
        "enum-symbol-order-irrelevant",
        r#"{"type":"enum","name":"E","symbols":["B","A"]}"#,
        r#"{"type":"enum","name":"E","symbols":["A","B"]}"#,
        "",
    ),
    (
        "enum-writer-extra-symbol",
        r#"{"type":"enum","name":"E","symbols":["A"]}"#,
        r#"{"type":"enum","name":"E","symbols":["A","B"]}"#,
        "MISSING_ENUM_SYMBOLS@/symbols",
    ),
    (
        "enum-writer-extra-symbol-reader-default",
        r#"{"type":"enum","name":"E","symbols":["A","U"],"default":"U"}"#,
        r#"{"type":"enum","name":"E","symbols":["A","B"]}"#,
        "",
    ),
    (
        "enum-writer-symbols-disjoint-reader-default",
        r#"{"type":"enum","name":"E","symbols":["U"],"default":"U"}"#,
        r#"{"type":"enum","name":"E","symbols":["A","B"]}"#,
        "",
    ),
    (
        "enum-two-missing-one-finding",
        r#"{"type":"enum","name":"E","symbols":["A"]}"#,
        r#"{"type":"enum","name":"E","symbols":["C","A","B"]}"#,
        "MISSING_ENUM_SYMBOLS@/symbols",
    ),
    (
        "enum-name-mismatch",
        r#"{"type":"enum","name":"E","symbols":["A"]}"#,
        r#"{"type":"enum","name":"F","symbols":["A"]}"#,
        "NAME_MISMATCH@/name",
    ),
    (
        "enum-renamed-with-alias",
        r#"{"type":"enum","name":"E","aliases":["F"],"symbols":["A"]}"#,
        r#"{"type":"enum","name":"F","symbols":["A"]}"#,
        "",
    ),
    (
        "enum-name-and-symbols-both-reported",
        r#"{"type":"enum","name":"E","symbols":["A"]}"#,
        r#"{"type":"enum","name":"F","symbols":["A","B"]}"#,
        "NAME_MISMATCH@/name MISSING_ENUM_SYMBOLS@/symbols",
    ),
    (
        "enum-namespace-ignored",
        r#"{"type":"enum","name":"x.E","symbols":["A"]}"#,
        r#"{"type":"enum","name":"y.E","symbols":["A"]}"#,
        "",
    ),
    (
        "enum-field-extra-symbol",
        r#"@{"type":"enum","name":"E","symbols":["A"]}"#,
        r#"@{"type":"enum","name":"E","symbols":["A","B"]}"#,
        "MISSING_ENUM_SYMBOLS@/fields/0/type/symbols",
    ),
    (
        "enum-cannot-read-string",
        r#"{"type":"enum","name":"E","symbols":["A"]}"#,
        "string",
        "TYPE_MISMATCH@",
    ),
    (
        "string-cannot-read-enum",
        "string",
        r#"{"type":"enum","name":"E","symbols":["A"]}"#,
        "TYPE_MISMATCH@",
    ),
    (
        "enum-cannot-read-fixed",
        r#"{"type":"enum","name":"E","symbols":["A"]}"#,
        r#"{"type":"fixed","name":"E","size":1}"#,
        "TYPE_MISMATCH@",
    ),
    (
        "enum-in-array-extra-symbol",
        r#"{"type":"array","items":{"type":"enum","name":"E","symbols":["A"]}}"#,
        r#"{"type":"array","items":{"type":"enum","name":"E","symbols":["A","Z"]}}"#,
        "MISSING_ENUM_SYMBOLS@/items/symbols",
    ),
    // --- fixed ---
    (
        "fixed-same",
        r#"{"type":"fixed","name":"F","size":4}"#,
        r#"{"type":"fixed","name":"F","size":4}"#,
        "",
    ),
    (
        "fixed-size-mismatch",
        r#"{"type":"fixed","name":"F","size":4}"#,
        r#"{"type":"fixed","name":"F","size":8}"#,
        "FIXED_SIZE_MISMATCH@/size",
    ),
    (
        "fixed-name-mismatch",
        r#"{"type":"fixed","name":"F","size":4}"#,
        r#"{"type":"fixed","name":"G","size":4}"#,
        "NAME_MISMATCH@/name",
    ),
    (
        "fixed-name-and-size-mismatch",
        r#"{"type":"fixed","name":"F","size":4}"#,
        r#"{"type":"fixed","name":"G","size":2}"#,
        "NAME_MISMATCH@/name FIXED_SIZE_MISMATCH@/size",
    ),
    (
        "fixed-renamed-with-alias",
        r#"{"type":"fixed","name":"F","aliases":["G"],"size":4}"#,
        r#"{"type":"fixed","name":"G","size":4}"#,
        "",
    ),
    (
        "fixed-cannot-read-bytes",
        r#"{"type":"fixed","name":"F","size":4}"#,
        "bytes",
        "TYPE_MISMATCH@",
    ),
    (
        "bytes-cannot-read-fixed",
        "bytes",
        r#"{"type":"fixed","name":"F","size":4}"#,
        "TYPE_MISMATCH@",
    ),
    (
        "fixed-in-array-size-mismatch",
        r#"{"type":"array","items":{"type":"fixed","name":"F","size":4}}"#,
        r#"{"type":"array","items":{"type":"fixed","name":"F","size":5}}"#,
        "FIXED_SIZE_MISMATCH@/items/size",
    ),
    (
        "fixed-decimal-reads-fixed",
        r#"{"type":"fixed","name":"F","size":8,"logicalType":"decimal","precision":10,"scale":2}"#,
        r#"{"type":"fixed","name":"F","size":8}"#,
        "",
    ),
    (
        "fixed-field-size-mismatch",
        r#"@{"type":"fixed","name":"F","size":16}"#,
        r#"@{"type":"fixed","name":"F","size":12}"#,
        "FIXED_SIZE_MISMATCH@/fields/0/type/size",
    ),
    // --- unions ---
    ("union-same", r#"["null","int"]"#, r#"["null","int"]"#, ""),
    ("union-order-irrelevant", r#"["null","int"]"#, r#"["int","null"]"#, ""),
    ("union-branch-promoted", r#"["null","long"]"#, r#"["null","int"]"#, ""),
    ("union-branch-narrowed", r#"["null","int"]"#, r#"["null","long"]"#, "MISSING_UNION_BRANCH@"),
    (
        "union-writer-adds-branch",
        r#"["null","int"]"#,
        r#"["null","int","string"]"#,
        "MISSING_UNION_BRANCH@",
    ),
    (
        "union-two-missing-branches",
        r#"["null"]"#,
        r#"["int","string"]"#,
        "MISSING_UNION_BRANCH@ MISSING_UNION_BRANCH@",
    ),
    ("union-reader-adds-branch", r#"["null","int","string"]"#, r#"["null","int"]"#, ""),
    ("union-reads-member", r#"["null","int"]"#, "int", ""),
    ("union-reads-promotable", r#"["null","long"]"#, "int", ""),
    ("union-lacks-writer-type", r#"["null","string"]"#, "int", "MISSING_UNION_BRANCH@"),
    ("int-cannot-read-optional-int", "int", r#"["null","int"]"#, "TYPE_MISMATCH@"),
    ("long-reads-union-of-int-long", "long", r#"["int","long"]"#, ""),
    ("int-cannot-read-union-of-int-long", "int", r#"["int","long"]"#, "TYPE_MISMATCH@"),
    (
        "string-cannot-read-union-every-branch-reported",
        "string",
        r#"["null","int"]"#,
        "TYPE_MISMATCH@ TYPE_MISMATCH@",
    ),
    ("union-bytes-reads-union-string", r#"["null","bytes"]"#, r#"["null","string"]"#, ""),
    ("union-single-branch-reads-member", r#"["boolean"]"#, "boolean", ""),
    ("member-reads-single-branch-union", "boolean", r#"["boolean"]"#, ""),
    ("union-empty-reader", "[]", "int", "MISSING_UNION_BRANCH@"),
    ("union-empty-writer", "int", "[]", ""),
    ("union-field-optional-reads-required", r#"@["null","string"]"#, "@string", ""),
    (
        "union-field-required-cannot-read-optional",
        "@string",
        r#"@["null","string"]"#,
        "TYPE_MISMATCH@/fields/0/type",
    ),
    (
        "union-field-narrowed",
        r#"@["null","int"]"#,
        r#"@["null","int","long"]"#,
        "MISSING_UNION_BRANCH@/fields/0/type",
    ),
    (
        "union-record-branch-same",
        r#"@["null",{"type":"record","name":"In","fields":[{"name":"a","type":"int"}]}]"#,
        r#"@["null",{"type":"record","name":"In","fields":[{"name":"a","type":"int"}]}]"#,
        "",
    ),
    (
        "union-record-branch-incompatible",
        r#"@["null",{"type":"record","name":"In","fields":[{"name":"a","type":"int"},{"name":"b","type":"int"}]}]"#,
        r#"@["null",{"type":"record","name":"In","fields":[{"name":"a","type":"int"}]}]"#,
        "MISSING_UNION_BRANCH@/fields/0/type",
    ),
    (
        "record-cannot-read-optional-record",
        r#"@{"type":"record","name":"In","fields":[]}"#,
        r#"@["null",{"type":"record","name":"In","fields":[]}]"#,
        "TYPE_MISMATCH@/fields/0/type",
    ),
    (
        "union-of-records-reads-second",
        r#"[{"type":"record","name":"A","fields":[]},{"type":"record","name":"B","fields":[{"name":"x","type":"int"}]}]"#,
        r#"{"type":"record","name":"B","fields":[{"name":"x","type":"int"}]}"#,
        "",
    ),
    (
        "union-of-record-lacks-other-record",
        r#"[{"type":"record","name":"A","fields":[]}]"#,
        r#"{"type":"record","name":"B","fields":[]}"#,
        "MISSING_UNION_BRANCH@",
    ),
    (
        "union-array-branch-promoted",
        r#"["null",{"type":"array","items":"long"}]"#,
        r#"{"type":"array","items":"int"}"#,
        "",
    ),
    (
        "union-map-branch-mismatch",
        r#"["null",{"type":"map","values":"int"}]"#,
        r#"{"type":"map","values":"string"}"#,
        "MISSING_UNION_BRANCH@",
    ),
    (
        "union-enum-branch-missing-symbol",
        r#"["null",{"type":"enum","name":"E","symbols":["A"]}]"#,
        r#"{"type":"enum","name":"E","symbols":["A","B"]}"#,
        "MISSING_UNION_BRANCH@",
    ),
    (
        "union-enum-branch-with-default",
        r#"["null",{"type":"enum","name":"E","symbols":["A","U"],"default":"U"}]"#,
        r#"{"type":"enum","name":"E","symbols":["A","B"]}"#,
        "",
    ),
    ("union-swap-order", r#"["int","string"]"#, r#"["string","int"]"#, ""),
    (
        "union-in-array-narrowed",
        r#"{"type":"array","items":["null","int"]}"#,
        r#"{"type":"array","items":["null","string"]}"#,
        "MISSING_UNION_BRANCH@/items",
    ),
    (
        "union-in-map-widened",
        r#"{"type":"map","values":["null","int","string"]}"#,
        r#"{"type":"map","values":["null","int"]}"#,
        "",
    ),
    (
        "union-fixed-branches-by-name",
        r#"[{"type":"fixed","name":"A","size":2},{"type":"fixed","name":"B","size":4}]"#,
        r#"{"type":"fixed","name":"B","size":4}"#,
        "",
    ),
    (
        "union-writer-with-record-reader-record",
        r#"@{"type":"record","name":"In","fields":[]}"#,
        r#"@[{"type":"record","name":"In","fields":[]},"string"]"#,
        "TYPE_MISMATCH@/fields/0/type",
    ),
    ("union-double-reads-numeric-union", "double", r#"["int","long","float","double"]"#, ""),
    // --- recursive types ---
    (
        "recursive-list-same",
        r#"{"type":"record","name":"Node","fields":[{"name":"value","type":"int"},{"name":"next","type":["null","Node"]}]}"#,
        r#"{"type":"record","name":"Node","fields":[{"name":"value","type":"int"},{"name":"next","type":["null","Node"]}]}"#,
        "",
    ),
    (
        "recursive-list-promoted",
        r#"{"type":"record","name":"Node","fields":[{"name":"value","type":"long"},{"name":"next","type":["null","Node"]}]}"#,
        r#"{"type":"record","name":"Node","fields":[{"name":"value","type":"int"},{"name":"next","type":["null","Node"]}]}"#,
        "",
    ),
    (
        "recursive-list-narrowed",
        r#"{"type":"record","name":"Node","fields":[{"name":"value","type":"int"},{"name":"next","type":["null","Node"]}]}"#,
        r#"{"type":"record","name":"Node","fields":[{"name":"value","type":"long"},{"name":"next","type":["null","Node"]}]}"#,
        "TYPE_MISMATCH@/fields/0/type",
    ),
    (
        "recursive-list-missing-default-reported-once",
        r#"{"type":"record","name":"Node","fields":[{"name":"value","type":"int"},{"name":"next","type":["null","Node"]},{"name":"extra","type":"int"}]}"#,
        r#"{"type":"record","name":"Node","fields":[{"name":"value","type":"int"},{"name":"next","type":["null","Node"]}]}"#,
        "READER_FIELD_MISSING_DEFAULT_VALUE@/fields/2",
    ),
    (
        "recursive-tree-array-children",
        r#"{"type":"record","name":"T","fields":[{"name":"children","type":{"type":"array","items":"T"}}]}"#,
        r#"{"type":"record","name":"T","fields":[{"name":"children","type":{"type":"array","items":"T"}}]}"#,
        "",
    ),
    (
        "recursive-tree-map-children-added-field",
        r#"{"type":"record","name":"T","fields":[{"name":"kids","type":{"type":"map","values":"T"}},{"name":"label","type":"string","default":""}]}"#,
        r#"{"type":"record","name":"T","fields":[{"name":"kids","type":{"type":"map","values":"T"}}]}"#,
        "",
    ),
    (
        "mutually-recursive",
        r#"{"type":"record","name":"A","fields":[{"name":"b","type":["null",{"type":"record","name":"B","fields":[{"name":"a","type":["null","A"]}]}]}]}"#,
        r#"{"type":"record","name":"A","fields":[{"name":"b","type":["null",{"type":"record","name":"B","fields":[{"name":"a","type":["null","A"]}]}]}]}"#,
        "",
    ),
    (
        "mutually-recursive-inner-mismatch",
        r#"{"type":"record","name":"A","fields":[{"name":"b","type":{"type":"record","name":"B","fields":[{"name":"n","type":"int"},{"name":"a","type":["null","A"]}]}}]}"#,
        r#"{"type":"record","name":"A","fields":[{"name":"b","type":{"type":"record","name":"B","fields":[{"name":"n","type":"string"},{"name":"a","type":["null","A"]}]}}]}"#,
        "TYPE_MISMATCH@/fields/0/type/fields/0/type",
    ),
    // --- named types used by name vs defined inline ---
    (
        "named-reuse-vs-inline",
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"fixed","name":"F","size":4}},{"name":"b","type":"F"}]}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"fixed","name":"F","size":4}},{"name":"b","type":{"type":"fixed","name":"G","size":4}}]}"#,
        "NAME_MISMATCH@/fields/0/type/name",
    ),
    (
        "named-by-name-equals-inline",
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"enum","name":"E","symbols":["X"]}},{"name":"b","type":"E"}]}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"b","type":{"type":"enum","name":"E","symbols":["X"]}},{"name":"a","type":"E"}]}"#,
        "",
    ),
    (
        "named-reused-incompatible-reported-at-definition-once",
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"record","name":"P","fields":[{"name":"x","type":"int"}]}},{"name":"b","type":"P"}]}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"record","name":"P","fields":[{"name":"x","type":"long"}]}},{"name":"b","type":"P"}]}"#,
        "TYPE_MISMATCH@/fields/0/type/fields/0/type",
    ),
    (
        "named-defined-in-union-used-by-name",
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":["null",{"type":"enum","name":"E","symbols":["X"]}]},{"name":"b","type":"E"}]}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"null"},{"name":"b","type":{"type":"enum","name":"E","symbols":["X","Y"]}}]}"#,
        "MISSING_ENUM_SYMBOLS@/fields/0/type/1/symbols",
    ),
    (
        "named-object-form-reference",
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"fixed","name":"F","size":4}},{"name":"b","type":{"type":"F"}}]}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"fixed","name":"F","size":4}},{"name":"b","type":{"type":"fixed","name":"F2","size":4}}]}"#,
        "NAME_MISMATCH@/fields/0/type/name",
    ),
    // --- namespaces ---
    (
        "namespace-inherited-by-nested",
        r#"{"type":"record","name":"R","namespace":"a","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["X"]}}]}"#,
        r#"{"type":"record","name":"R","namespace":"b","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["X"]}}]}"#,
        "",
    ),
    (
        "namespace-reference-by-short-name",
        r#"{"type":"record","name":"R","namespace":"a","fields":[{"name":"f","type":{"type":"fixed","name":"F","size":2}},{"name":"g","type":"F"}]}"#,
        r#"{"type":"record","name":"R","namespace":"a","fields":[{"name":"f","type":{"type":"fixed","name":"F","size":2}},{"name":"g","type":"a.F"}]}"#,
        "",
    ),
    (
        "namespace-full-alias-matches",
        r#"{"type":"record","name":"R","namespace":"a","fields":[{"name":"e","type":{"type":"enum","name":"New","aliases":["c.Old"],"symbols":["X"]}}]}"#,
        r#"{"type":"record","name":"R","namespace":"c","fields":[{"name":"e","type":{"type":"enum","name":"Old","symbols":["X"]}}]}"#,
        "",
    ),
    (
        "namespace-full-alias-other-namespace",
        r#"{"type":"record","name":"R","namespace":"a","fields":[{"name":"e","type":{"type":"enum","name":"New","aliases":["c.Old"],"symbols":["X"]}}]}"#,
        r#"{"type":"record","name":"R","namespace":"d","fields":[{"name":"e","type":{"type":"enum","name":"Old","symbols":["X"]}}]}"#,
        "NAME_MISMATCH@/fields/0/type/name",
    ),
    (
        "namespace-explicit-empty",
        r#"{"type":"record","name":"R","namespace":"a","fields":[{"name":"e","type":{"type":"fixed","name":"F","namespace":"","size":2}}]}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"e","type":{"type":"fixed","name":"x.F","size":2}}]}"#,
        "",
    ),
    // --- a realistic evolution ---
    (
        "evolution-optional-field-added",
        r#"{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"id","type":"long"},{"name":"email","type":["null","string"],"default":null},{"name":"tags","type":{"type":"array","items":"string"},"default":[]}]}"#,
        r#"{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"id","type":"int"}]}"#,
        "",
    ),
    (
        "evolution-required-field-added",
        r#"{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"id","type":"long"},{"name":"email","type":"string"}]}"#,
        r#"{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"id","type":"long"}]}"#,
        "READER_FIELD_MISSING_DEFAULT_VALUE@/fields/1",
    ),
    (
        "evolution-field-removed-reader-old",
        r#"{"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"}]}"#,
        r#"{"type":"record","name":"User","fields":[{"name":"id","type":"long"}]}"#,
        "READER_FIELD_MISSING_DEFAULT_VALUE@/fields/1",
    ),
    (
        "evolution-deep-nesting",
        r#"@{"type":"map","values":{"type":"array","items":["null",{"type":"record","name":"In","fields":[{"name":"v","type":"double"}]}]}}"#,
        r#"@{"type":"map","values":{"type":"array","items":["null",{"type":"record","name":"In","fields":[{"name":"v","type":"float"}]}]}}"#,
        "",
    ),
];

#[test]
fn compatibility_cases() {
    assert!(CASES.len() >= 150, "only {} cases", CASES.len());
    for (name, reader, writer, expected) in CASES {
        check(name, reader, writer, expected);
    }
}

#[test]
fn case_names_are_unique() {
    let mut names: Vec<&str> = CASES.iter().map(|case| case.0).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len());
}

/// Messages name what is wrong: the field, the symbols, the types.
#[test]
fn messages_name_the_culprits() {
    let cases = [
        (
            r#"{"type":"record","name":"R","fields":[{"name":"amount","type":"int"}]}"#,
            r#"{"type":"record","name":"R","fields":[]}"#,
            "'amount'",
        ),
        (
            r#"{"type":"enum","name":"E","symbols":["A"]}"#,
            r#"{"type":"enum","name":"E","symbols":["C","A","B"]}"#,
            "[B, C]",
        ),
        ("int", "string", "int cannot read writer type string"),
        (
            r#"{"type":"fixed","name":"F","size":4}"#,
            r#"{"type":"fixed","name":"F","size":8}"#,
            "size 8",
        ),
        (
            r#"{"type":"record","name":"a.A","fields":[]}"#,
            r#"{"type":"record","name":"b.B","fields":[]}"#,
            "'b.B'",
        ),
        (r#"["null","int"]"#, r#"["null","string"]"#, "branch 1 (string)"),
    ];
    for (reader, writer, needle) in cases {
        let findings = can_read(&parse(reader), &parse(writer));
        assert!(
            findings.iter().any(|f| f.message.contains(needle)),
            "no message contains {needle:?}: {findings:#?}"
        );
    }
}
