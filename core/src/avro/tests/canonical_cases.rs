//! Parsing Canonical Form and fingerprints against the values published with the Avro
//! specification's test data (`share/test/data/schema-tests.txt` in the Avro repository), and the
//! normalized form: what must normalize equal and what must not.

use crate::avro::AvroSchema;

fn parse(text: &str) -> AvroSchema {
    match AvroSchema::parse(text, &[]) {
        Ok(schema) => schema,
        Err(e) => panic!("does not parse: {e}\n{text}"),
    }
}

/// (input, Parsing Canonical Form, Java's `parsingFingerprint64` as a signed long when published).
const CANONICAL: &[(&str, &str, Option<i64>)] = &[
    (r#""null""#, r#""null""#, Some(7195948357588979594)),
    (r#"{"type":"null"}"#, r#""null""#, None),
    (r#""boolean""#, r#""boolean""#, Some(-6970731678124411036)),
    (r#"{"type":"boolean"}"#, r#""boolean""#, None),
    (r#""int""#, r#""int""#, Some(8247732601305521295)),
    (r#"{"type":"int"}"#, r#""int""#, None),
    (r#""long""#, r#""long""#, Some(-3434872931120570953)),
    (r#"{"type":"long"}"#, r#""long""#, None),
    (r#""float""#, r#""float""#, Some(5583340709985441680)),
    (r#"{"type":"float"}"#, r#""float""#, None),
    (r#""double""#, r#""double""#, Some(-8181574048448539266)),
    (r#"{"type":"double"}"#, r#""double""#, None),
    (r#""bytes""#, r#""bytes""#, Some(5746618253357095269)),
    (r#"{"type":"bytes"}"#, r#""bytes""#, None),
    (r#""string""#, r#""string""#, Some(-8142146995180207161)),
    (r#"{"type":"string"}"#, r#""string""#, None),
    ("[  ]", "[]", Some(-1241056759729112623)),
    (r#"[ "int"  ]"#, r#"["int"]"#, Some(-5232228896498058493)),
    (r#"[ "int" , {"type":"boolean"} ]"#, r#"["int","boolean"]"#, Some(5392556393470105090)),
    (
        r#"{"fields":[], "type":"record", "name":"foo"}"#,
        r#"{"name":"foo","type":"record","fields":[]}"#,
        Some(-4824392279771201922),
    ),
    (
        r#"{"fields":[], "type":"record", "name":"foo", "namespace":"x.y"}"#,
        r#"{"name":"x.y.foo","type":"record","fields":[]}"#,
        Some(5916914534497305771),
    ),
    (
        r#"{"fields":[], "type":"record", "name":"a.b.foo", "namespace":"x.y"}"#,
        r#"{"name":"a.b.foo","type":"record","fields":[]}"#,
        Some(-4616218487480524110),
    ),
    (
        r#"{"fields":[], "type":"record", "name":"foo", "doc":"Useful info"}"#,
        r#"{"name":"foo","type":"record","fields":[]}"#,
        Some(-4824392279771201922),
    ),
    (
        r#"{"fields":[], "type":"record", "name":"foo", "aliases":["foo","bar"]}"#,
        r#"{"name":"foo","type":"record","fields":[]}"#,
        Some(-4824392279771201922),
    ),
    (
        r#"{"fields":[], "type":"record", "name":"foo", "doc":"foo", "aliases":["foo","bar"]}"#,
        r#"{"name":"foo","type":"record","fields":[]}"#,
        Some(-4824392279771201922),
    ),
    (
        r#"{"fields":[{"type":{"type":"boolean"}, "name":"f1"}], "type":"record", "name":"foo"}"#,
        r#"{"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"}]}"#,
        Some(7843277075252814651),
    ),
    // The published case 026 writes the boolean default as the string "true", which Java's test
    // parser tolerates; we validate defaults, so the default is the boolean here. The canonical
    // form strips defaults either way.
    (
        r#"{ "fields":[{"type":"boolean", "aliases":[], "name":"f1", "default":true},
            {"order":"descending","name":"f2","doc":"Hello","type":"int"}],
  "type":"record", "name":"foo"
}"#,
        r#"{"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"},{"name":"f2","type":"int"}]}"#,
        Some(-4860222112080293046),
    ),
    (
        r#"{"type":"enum", "name":"foo", "symbols":["A1"]}"#,
        r#"{"name":"foo","type":"enum","symbols":["A1"]}"#,
        Some(-6342190197741309591),
    ),
    (
        r#"{"namespace":"x.y.z", "type":"enum", "name":"foo", "doc":"foo bar", "symbols":["A1", "A2"]}"#,
        r#"{"name":"x.y.z.foo","type":"enum","symbols":["A1","A2"]}"#,
        Some(-4448647247586288245),
    ),
    (
        r#"{"name":"foo","type":"fixed","size":15}"#,
        r#"{"name":"foo","type":"fixed","size":15}"#,
        Some(1756455273707447556),
    ),
    (
        r#"{"namespace":"x.y.z", "type":"fixed", "name":"foo", "doc":"foo bar", "size":32}"#,
        r#"{"name":"x.y.z.foo","type":"fixed","size":32}"#,
        Some(-3064184465700546786),
    ),
    (
        r#"{ "items":{"type":"null"}, "type":"array"}"#,
        r#"{"type":"array","items":"null"}"#,
        Some(-589620603366471059),
    ),
    (
        r#"{ "values":"string", "type":"map"}"#,
        r#"{"type":"map","values":"string"}"#,
        Some(-8732877298790414990),
    ),
    (
        r#"{"name":"PigValue","type":"record",
   "fields":[{"name":"value", "type":["null", "int", "long", "PigValue"]}]}"#,
        r#"{"name":"PigValue","type":"record","fields":[{"name":"value","type":["null","int","long","PigValue"]}]}"#,
        Some(-1759257747318642341),
    ),
    // Beyond the published list: logical types and custom properties are stripped, nested names
    // become full names, a named type is spelled out once.
    (r#"{"type":"long","logicalType":"timestamp-millis"}"#, r#""long""#, None),
    (
        r#"{"type":"record","name":"R","namespace":"n","fields":[{"name":"a","type":{"type":"enum","name":"E","symbols":["X"]}},{"name":"b","type":"E"},{"name":"c","type":{"type":"map","values":"n.E","custom":1}}]}"#,
        r#"{"name":"n.R","type":"record","fields":[{"name":"a","type":{"name":"n.E","type":"enum","symbols":["X"]}},{"name":"b","type":"n.E"},{"name":"c","type":{"type":"map","values":"n.E"}}]}"#,
        None,
    ),
    (r#"{"type":"string","foo":"a\u00e9\"\\"}"#, r#""string""#, None),
];

#[test]
fn canonical_form_and_fingerprint() {
    for (input, canonical, fingerprint) in CANONICAL {
        let schema = parse(input);
        assert_eq!(schema.canonical_form(), *canonical, "canonical form of {input}");
        if let Some(fingerprint) = fingerprint {
            // Java publishes the 64 bits as a signed long.
            assert_eq!(schema.fingerprint() as i64, *fingerprint, "fingerprint of {input}");
        }
    }
}

#[test]
fn rabin_of_empty_input_is_the_seed() {
    // The CRC-64-AVRO initial value, as the specification defines it.
    assert_eq!(super::super::canonical::rabin(b""), 0xc15d_213a_a4d7_a795);
}

/// Pairs that are the same schema written differently must normalize to the same text.
const SAME: &[(&str, &str)] = &[
    (r#""string""#, r#"{"type":"string"}"#),
    // Avro keeps none of its reserved attributes on a primitive, an array or a map.
    (r#""int""#, r#"{"type":"int","name":"x"}"#),
    (r#""string""#, r#"{"type":"string","namespace":"n","doc":"d","aliases":["a"]}"#),
    (
        r#"{"type":"array","items":"int"}"#,
        r#"{"type":"array","items":"int","name":"xs","doc":"d"}"#,
    ),
    (r#"{"type":"map","values":"int"}"#, r#"{"type":"map","values":"int","size":3}"#),
    (
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}"#,
        r#"{ "fields" : [ { "type" : {"type":"int"}, "name" : "a" } ], "name" : "R", "type" : "record" }"#,
    ),
    (
        r#"{"type":"record","name":"a.b.R","fields":[]}"#,
        r#"{"type":"record","name":"R","namespace":"a.b","fields":[]}"#,
    ),
    (
        r#"{"type":"record","name":"a.R","namespace":"ignored","fields":[]}"#,
        r#"{"type":"record","name":"R","namespace":"a","fields":[]}"#,
    ),
    (
        r#"{"type":"record","name":"R","namespace":"a","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["X"]}}]}"#,
        r#"{"type":"record","name":"a.R","fields":[{"name":"e","type":{"type":"enum","name":"E","namespace":"a","symbols":["X"]}}]}"#,
    ),
    (
        r#"{"type":"record","name":"R","namespace":"a","fields":[{"name":"e","type":{"type":"fixed","name":"F","size":1}},{"name":"g","type":"F"}]}"#,
        r#"{"type":"record","name":"R","namespace":"a","fields":[{"name":"e","type":{"type":"fixed","name":"a.F","size":1}},{"name":"g","type":"a.F"}]}"#,
    ),
    (
        r#"{"type":"record","name":"R","namespace":"a","aliases":["Old"],"fields":[]}"#,
        r#"{"type":"record","name":"R","namespace":"a","aliases":["a.Old"],"fields":[]}"#,
    ),
    (
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int","order":"ascending"}]}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}"#,
    ),
    (
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"record","name":"P","fields":[{"name":"x","type":"int"},{"name":"y","type":"int"}]},"default":{"x":1,"y":2}}]}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"record","name":"P","fields":[{"name":"x","type":"int"},{"name":"y","type":"int"}]},"default":{"y":2,"x":1}}]}"#,
    ),
    (
        r#"{"type":"int","logicalType":"date","b":1,"a":2}"#,
        r#"{"a":2,"logicalType":"date","type":"int","b":1}"#,
    ),
    (r#"{"type":"array","items":{"type":"string"}}"#, r#"{"items":"string","type":"array"}"#),
    (r#"["null",{"type":"long"}]"#, r#"[ "null" , "long" ]"#),
];

/// Pairs that differ in something readers see must not normalize equal.
const DIFFERENT: &[(&str, &str)] = &[
    (
        r#"{"type":"record","name":"R","fields":[]}"#,
        r#"{"type":"record","name":"R","doc":"d","fields":[]}"#,
    ),
    (
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":1}]}"#,
    ),
    (
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int","aliases":["b"]}]}"#,
    ),
    (
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int","order":"descending"}]}"#,
    ),
    (
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int","doc":"x"}]}"#,
    ),
    (r#""int""#, r#"{"type":"int","logicalType":"date"}"#),
    (r#""string""#, r#"{"type":"string","custom":true}"#),
    (r#"{"type":"array","items":"int"}"#, r#"{"type":"array","items":"int","custom":1}"#),
    (
        r#"{"type":"enum","name":"E","symbols":["A","B"]}"#,
        r#"{"type":"enum","name":"E","symbols":["A","B"],"default":"A"}"#,
    ),
    (
        r#"{"type":"enum","name":"E","symbols":["A","B"]}"#,
        r#"{"type":"enum","name":"E","symbols":["B","A"]}"#,
    ),
    (
        r#"{"type":"record","name":"a.R","fields":[]}"#,
        r#"{"type":"record","name":"b.R","fields":[]}"#,
    ),
    (
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"int"}]}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"b","type":"int"},{"name":"a","type":"int"}]}"#,
    ),
    (
        r#"{"type":"fixed","name":"F","size":1}"#,
        r#"{"type":"fixed","name":"F","size":1,"aliases":["G"]}"#,
    ),
];

#[test]
fn normalized_form_equivalences() {
    for (a, b) in SAME {
        assert_eq!(parse(a).normalized(), parse(b).normalized(), "{a} vs {b}");
    }
    for (a, b) in DIFFERENT {
        assert_ne!(parse(a).normalized(), parse(b).normalized(), "{a} vs {b}");
    }
}

#[test]
fn normalized_form_text() {
    let cases = [
        (
            r#"{"namespace":"com.acme","type":"record","name":"User","doc":"a user","aliases":["Person"],"fields":[{"name":"id","type":{"type":"long"},"doc":"key","order":"descending"},{"name":"email","type":["null","string"],"default":null,"aliases":["mail"],"pii":true},{"name":"kind","type":{"type":"enum","name":"Kind","symbols":["A","B"],"default":"A"}},{"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},{"name":"again","type":"Kind"}],"owner":"team"}"#,
            r#"{"type":"record","name":"com.acme.User","doc":"a user","aliases":["com.acme.Person"],"fields":[{"name":"id","type":"long","doc":"key","order":"descending"},{"name":"email","type":["null","string"],"default":null,"aliases":["mail"],"pii":true},{"name":"kind","type":{"type":"enum","name":"com.acme.Kind","symbols":["A","B"],"default":"A"}},{"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},{"name":"again","type":"com.acme.Kind"}],"owner":"team"}"#,
        ),
        // A type in the null namespace inside a namespaced record keeps an explicit empty
        // namespace, or reading the normalized text back would move it into the parent's.
        (
            r#"{"type":"record","name":"a.R","fields":[{"name":"f","type":{"type":"fixed","name":"F","namespace":"","size":2}}]}"#,
            r#"{"type":"record","name":"a.R","fields":[{"name":"f","type":{"type":"fixed","name":"F","namespace":"","size":2}}]}"#,
        ),
    ];
    for (input, expected) in cases {
        let normalized = parse(input).normalized();
        assert_eq!(normalized, expected);
        // The normalized text is itself a schema that normalizes to itself.
        assert_eq!(parse(&normalized).normalized(), normalized);
    }
}
