//! Parse errors are typed and located: one `check` helper, one line per invalid schema with the
//! JSON pointer and a fragment of the message. Also references and the apache-avro accessor.

use crate::avro::AvroSchema;
use crate::schema::{ParseError, ResolvedReference, SchemaType};

/// `expected` is `pointer|message fragment`.
#[track_caller]
fn check(text: &str, expected: &str) {
    let (pointer, fragment) = expected.split_once('|').unwrap_or((expected, ""));
    match AvroSchema::parse(text, &[]) {
        Err(ParseError::Invalid { schema_type: SchemaType::Avro, pointer: actual, message }) => {
            assert_eq!(actual, pointer, "pointer for {text}: {message}");
            assert!(
                message.contains(fragment),
                "message for {text}: {message:?} lacks {fragment:?}"
            );
        }
        other => panic!("expected a located Avro error for {text}, found {other:?}"),
    }
}

#[test]
fn invalid_schemas_are_located() {
    let cases = [
        (r#""nope""#, "|unknown type 'nope'"),
        (
            r#""Int""#,
            "|unknown type 'Int': not a primitive type and not a named type defined before this point or in a reference; did you mean 'int'?",
        ),
        (
            r#"{"type":"record","name":"R","fields":[{"name":"a","type":"bool"}]}"#,
            "/fields/0/type|did you mean 'boolean'?",
        ),
        ("42", "|expected a type name"),
        (r#"{"name":"R"}"#, r#"|no "type""#),
        (r#"{"type":"recrod","name":"R","fields":[]}"#, "/type|unknown type 'recrod'"),
        (r#"{"type":"record","fields":[]}"#, r#"|record has no "name""#),
        (r#"{"type":"record","name":"R"}"#, r#"|record 'R' has no "fields""#),
        (r#"{"type":"record","name":"R","fields":{}}"#, r#"/fields|"fields" must be an array"#),
        (r#"{"type":"record","name":"R","fields":["a"]}"#, "/fields/0|a field must be an object"),
        (
            r#"{"type":"record","name":"R","fields":[{"type":"int"}]}"#,
            r#"/fields/0|field has no "name""#,
        ),
        (
            r#"{"type":"record","name":"R","fields":[{"name":"a"}]}"#,
            r#"/fields/0|field 'a' has no "type""#,
        ),
        (
            r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"int"},{"name":"c","type":"strin"}]}"#,
            "/fields/2/type|unknown type 'strin'",
        ),
        (
            r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"a","type":"long"}]}"#,
            "/fields/1/name|field 'a' is defined more than once",
        ),
        (
            r#"{"type":"record","name":"R","fields":[{"name":"1a","type":"int"}]}"#,
            "/fields/0/name|invalid field name '1a'",
        ),
        (r#"{"type":"record","name":"R-1","fields":[]}"#, "/name|invalid name 'R-1'"),
        (
            r#"{"type":"record","name":"R","namespace":"a..b","fields":[]}"#,
            "/namespace|invalid name",
        ),
        (r#"{"type":"record","name":"int","fields":[]}"#, "/name|primitive type"),
        (
            r#"{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"record","name":"R","fields":[]}}]}"#,
            "/fields/0/type/name|type 'R' is defined more than once",
        ),
        (
            r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":"x"}]}"#,
            "/fields/0/default|not a valid int",
        ),
        (
            r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":3000000000}]}"#,
            "/fields/0/default|not a valid int",
        ),
        (
            r#"{"type":"record","name":"R","fields":[{"name":"a","type":["null","int"],"default":"x"}]}"#,
            "/fields/0/default|not a valid union",
        ),
        (
            r#"{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"array","items":"int"},"default":[1,"2"]}]}"#,
            "/fields/0/default|not a valid array",
        ),
        (
            r#"{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"record","name":"P","fields":[{"name":"x","type":"int"}]},"default":{}}]}"#,
            "/fields/0/default|record 'P'",
        ),
        (
            r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int","order":"up"}]}"#,
            "/fields/0/order|field order",
        ),
        (r#"{"type":"enum","name":"E"}"#, r#"|enum 'E' has no "symbols""#),
        (r#"{"type":"enum","name":"E","symbols":"A"}"#, "/symbols|expected an array of strings"),
        (r#"{"type":"enum","name":"E","symbols":["A",1]}"#, "/symbols/1|expected a string"),
        (r#"{"type":"enum","name":"E","symbols":["A","A"]}"#, "/symbols/1|appears more than once"),
        (r#"{"type":"enum","name":"E","symbols":["A","b-c"]}"#, "/symbols/1|invalid enum symbol"),
        (
            r#"{"type":"enum","name":"E","symbols":["A"],"default":"B"}"#,
            "/default|not one of the symbols",
        ),
        (r#"{"type":"fixed","name":"F"}"#, r#"|fixed 'F' has no "size""#),
        (r#"{"type":"fixed","name":"F","size":-1}"#, "/size|non-negative integer"),
        (r#"{"type":"fixed","name":"F","size":"4"}"#, "/size|non-negative integer"),
        (r#"{"type":"array"}"#, r#"|array has no "items""#),
        (r#"{"type":"map"}"#, r#"|map has no "values""#),
        (r#"{"type":"array","items":"Nope"}"#, "/items|unknown type 'Nope'"),
        (r#"{"type":"map","values":{"type":"foo"}}"#, "/values/type|unknown type 'foo'"),
        (r#"["null","null"]"#, "/1|more than once"),
        (r#"["int",["null"]]"#, "/1|cannot directly contain another union"),
        (r#"[{"type":"fixed","name":"F","size":1},"F"]"#, "/1|more than once"),
        (
            r#"{"type":"record","name":"R","aliases":["ok","not ok"],"fields":[]}"#,
            "/aliases/1|invalid alias",
        ),
        (
            r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int","aliases":"b"}]}"#,
            "/fields/0/aliases|expected an array",
        ),
        (r#"{"type":true}"#, r#"/type|"type" must be"#),
        (r#"{"type":"string","logicalType":5}"#, "/logicalType|must be a string"),
        // Values apache-avro would unwrap as 64-bit integers and panic on.
        (
            r#"{"type":"fixed","name":"F","size":0,"logicalType":"decimal","precision":9223372036854775808,"scale":0}"#,
            "/precision|must be an integer that fits in 64 bits",
        ),
        (
            r#"{"type":"bytes","logicalType":"decimal","precision":"four","scale":0}"#,
            "/precision|must be an integer that fits in 64 bits",
        ),
        (
            r#"{"type":"bytes","logicalType":"decimal","precision":4,"scale":1.5}"#,
            "/scale|must be an integer that fits in 64 bits",
        ),
        (
            r#"{"type":"record","name":"R","namespace":"a","fields":[{"name":"x","type":"b.Missing"}]}"#,
            "/fields/0/type|unknown type 'b.Missing'",
        ),
        (
            r#"{"type":"record","name":"R","namespace":"a","fields":[{"name":"x","type":"Missing"}]}"#,
            "/fields/0/type|looked up as 'a.Missing'",
        ),
    ];
    for (text, expected) in cases {
        check(text, expected);
    }
}

#[test]
fn invalid_json_is_a_json_error() {
    for text in ["", "{", r#"{"type":"record""#, "[1,]", "nul"] {
        match AvroSchema::parse(text, &[]) {
            Err(ParseError::Json { .. }) => {}
            other => panic!("expected a JSON error for {text:?}, found {other:?}"),
        }
    }
}

fn reference(name: &str, text: &str) -> ResolvedReference {
    ResolvedReference {
        name: name.to_owned(),
        schema_type: SchemaType::Avro,
        text: text.to_owned(),
    }
}

const ADDRESS: &str = r#"{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"city","type":"string"}]}"#;
const COUNTRY: &str = r#"{"type":"record","name":"Country","namespace":"com.acme","fields":[{"name":"code","type":"string"},{"name":"capital","type":["null","Address"],"default":null}]}"#;

#[test]
fn named_types_from_references() {
    let text = r#"{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"home","type":"Address"},{"name":"work","type":["null","com.acme.Address"],"default":null},{"name":"country","type":"Country"}]}"#;
    let refs = [reference("com.acme.Address", ADDRESS), reference("com.acme.Country", COUNTRY)];
    let schema = match AvroSchema::parse(text, &refs) {
        Ok(schema) => schema,
        Err(e) => panic!("schema with references does not parse: {e}"),
    };
    // Referenced types are written by name in the normalized form, inlined in the canonical form.
    assert_eq!(
        schema.normalized(),
        r#"{"type":"record","name":"com.acme.User","fields":[{"name":"home","type":"com.acme.Address"},{"name":"work","type":["null","com.acme.Address"],"default":null},{"name":"country","type":"com.acme.Country"}]}"#
    );
    assert_eq!(
        schema.canonical_form(),
        r#"{"name":"com.acme.User","type":"record","fields":[{"name":"home","type":{"name":"com.acme.Address","type":"record","fields":[{"name":"city","type":"string"}]}},{"name":"work","type":["null","com.acme.Address"]},{"name":"country","type":{"name":"com.acme.Country","type":"record","fields":[{"name":"code","type":"string"},{"name":"capital","type":["null","com.acme.Address"]}]}}]}"#
    );
    assert_eq!(schema.referenced_schemas().len(), 2);
    assert!(matches!(schema.apache_schema(), apache_avro::Schema::Record(_)));
    // Everything a decoder needs to resolve the names the schema uses.
    let resolved = apache_avro::schema::ResolvedSchema::new_with_schemata(schema.schemata());
    let resolved = match resolved {
        Ok(resolved) => resolved,
        Err(e) => panic!("apache-avro cannot resolve the schemata: {e}"),
    };
    let mut names: Vec<String> =
        resolved.get_names().keys().map(|name| name.fullname(None)).collect();
    names.sort();
    assert_eq!(names, ["com.acme.Address", "com.acme.Country", "com.acme.User"]);

    // The same schema with the types inline is compatible both ways with the referencing one.
    let inline = r#"{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"home","type":{"type":"record","name":"Address","fields":[{"name":"city","type":"string"}]}},{"name":"work","type":["null","Address"],"default":null},{"name":"country","type":{"type":"record","name":"Country","fields":[{"name":"code","type":"string"},{"name":"capital","type":["null","Address"],"default":null}]}}]}"#;
    let inline = match AvroSchema::parse(inline, &[]) {
        Ok(schema) => schema,
        Err(e) => panic!("inline schema does not parse: {e}"),
    };
    assert_eq!(inline.canonical_form(), schema.canonical_form());
    assert_eq!(crate::avro::can_read(&schema, &inline), vec![]);
    assert_eq!(crate::avro::can_read(&inline, &schema), vec![]);
}

#[test]
fn findings_inside_referenced_types_are_located_at_the_use() {
    let old = r#"{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"city","type":"string"}]}"#;
    let new = r#"{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"city","type":"string"},{"name":"zip","type":"string"}]}"#;
    let text = r#"{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"id","type":"long"},{"name":"home","type":"Address"}]}"#;
    let reader = AvroSchema::parse(text, &[reference("com.acme.Address", new)]);
    let writer = AvroSchema::parse(text, &[reference("com.acme.Address", old)]);
    let (Ok(reader), Ok(writer)) = (reader, writer) else { panic!("schemas do not parse") };
    let findings = crate::avro::can_read(&reader, &writer);
    let found: Vec<(&str, &str)> = findings.iter().map(|f| (f.rule, f.path.as_str())).collect();
    assert_eq!(found, [("READER_FIELD_MISSING_DEFAULT_VALUE", "/fields/1/type/fields/1")]);
}

#[test]
fn missing_reference_is_a_located_error() {
    let text = r#"{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"id","type":"long"},{"name":"home","type":"Address"}]}"#;
    check(text, "/fields/1/type|unknown type 'Address' (looked up as 'com.acme.Address')");
    // A reference that itself uses a type nobody defined says which reference.
    match AvroSchema::parse(text, &[reference("com.acme.Country", COUNTRY)]) {
        Err(ParseError::Invalid { pointer, message, .. }) => {
            assert_eq!(pointer, "/fields/1/type/1");
            assert!(message.contains("in referenced schema 'com.acme.Country'"), "{message}");
        }
        other => panic!("expected a located error, found {other:?}"),
    }
    // References in the wrong order (dependency order is the contract) fail the same way.
    let refs = [reference("com.acme.Country", COUNTRY), reference("com.acme.Address", ADDRESS)];
    assert!(AvroSchema::parse(text, &refs).is_err());
}

#[test]
fn through_schema_with_reference_lookup() {
    use crate::schema::{ReferencedSchema, Schema, SchemaReference};
    let text = r#"{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"home","type":"Address"}]}"#;
    let references = [SchemaReference {
        name: "com.acme.Address".to_owned(),
        subject: "address".to_owned(),
        version: 1,
    }];
    let parsed = Schema::parse_with_references(SchemaType::Avro, text, &references, &mut |_| {
        Some(ReferencedSchema {
            schema_type: SchemaType::Avro,
            text: ADDRESS.to_owned(),
            references: vec![],
        })
    });
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(e) => panic!("does not parse: {e}"),
    };
    assert_eq!(
        parsed.normalized(),
        r#"{"type":"record","name":"com.acme.User","fields":[{"name":"home","type":"com.acme.Address"}]}"#
    );
}

#[test]
fn deep_nesting_is_handled_without_overflow() {
    // Within serde_json's recursion limit: a valid, deeply nested schema parses and compares.
    let depth = 60;
    let text =
        format!("{}\"int\"{}", r#"{"type":"array","items":"#.repeat(depth), "}".repeat(depth));
    let schema = match AvroSchema::parse(&text, &[]) {
        Ok(schema) => schema,
        Err(e) => panic!("nested schema does not parse: {e}"),
    };
    assert!(crate::avro::can_read(&schema, &schema).is_empty());
    // Beyond it: a JSON error, not a stack overflow.
    let text = format!("{}\"int\"{}", "[".repeat(5_000), "]".repeat(5_000));
    assert!(matches!(AvroSchema::parse(&text, &[]), Err(ParseError::Json { .. })));
}

/// What our walk accepts but apache-avro refuses is still a typed Avro error, with apache-avro's
/// message (located at the field when it names one): apache-avro has the final word because it is
/// what encodes and decodes data.
#[test]
fn apache_avro_has_the_final_word() {
    let cases = [
        (
            r#"{"type":"record","name":"R","fields":[{"name":"f","type":{"type":"string","logicalType":"uuid"},"default":"not-a-uuid"}]}"#,
            "/fields/0/default",
        ),
        (
            r#"{"type":"record","name":"R","namespace":"n","fields":[{"name":"a","type":"int"},{"name":"f","type":{"type":"fixed","name":"F","size":16,"logicalType":"uuid"},"default":"x"}]}"#,
            "/fields/1/default",
        ),
        (
            r#"{"type":"record","name":"R","fields":[{"name":"in","type":{"type":"record","name":"In","fields":[{"name":"u","type":{"type":"string","logicalType":"uuid"},"default":"?"}]}}]}"#,
            "/fields/0/type/fields/0/default",
        ),
    ];
    for (text, pointer) in cases {
        match AvroSchema::parse(text, &[]) {
            Err(ParseError::Invalid {
                schema_type: SchemaType::Avro,
                pointer: actual,
                message,
            }) => {
                assert_eq!(actual, pointer, "{text}: {message}");
                assert!(message.contains("default"), "{message}");
            }
            other => panic!("expected apache-avro to refuse {text}, found {other:?}"),
        }
    }
    // Invalid logical types fall back to their underlying type, as the specification says.
    for text in [
        r#"{"type":"bytes","logicalType":"decimal","precision":2,"scale":4}"#,
        r#"{"type":"fixed","name":"F","size":3,"logicalType":"duration"}"#,
    ] {
        assert!(AvroSchema::parse(text, &[]).is_ok(), "{text}");
    }
}

/// A union of records each using the previous one by name: shallow JSON, deep types.
fn chain(length: usize) -> String {
    let mut types = vec![r#"{"type":"record","name":"T0","fields":[]}"#.to_owned()];
    for i in 1..length {
        types.push(format!(
            r#"{{"type":"record","name":"T{i}","fields":[{{"name":"f","type":"T{}"}}]}}"#,
            i - 1
        ));
    }
    format!("[{}]", types.join(","))
}

#[test]
fn types_nesting_through_names_are_bounded() {
    // Deep but within the limit: parses and compares (the checker recurses along the chain).
    let schema = match AvroSchema::parse(&chain(200), &[]) {
        Ok(schema) => schema,
        Err(e) => panic!("chain does not parse: {e}"),
    };
    assert!(crate::avro::can_read(&schema, &schema).is_empty());
    // Beyond it: a located error rather than a checker that overflows the stack.
    match AvroSchema::parse(&chain(20_000), &[]) {
        Err(ParseError::Invalid { pointer, message, .. }) => {
            assert_eq!(pointer, "/256");
            assert!(message.contains("deeper than 256 levels"), "{message}");
        }
        other => panic!("expected a depth error, found {:?}", other.map(|_| ())),
    }
}

/// A cycle of `length` records, each defining the next inline, the last using the first by name.
fn cycle(prefix: &str, length: usize) -> String {
    let mut text = format!(r#""{prefix}0""#);
    for i in (0..length).rev() {
        text = format!(
            r#"{{"type":"record","name":"{prefix}{i}","fields":[{{"name":"f","type":{text}}}]}}"#
        );
    }
    text
}

#[test]
fn checking_coprime_cycles_fails_closed_instead_of_overflowing() {
    // 40 and 39 records: pairs repeat only after 1,560 steps, past the checker's bound.
    let (reader, writer) =
        match (AvroSchema::parse(&cycle("A", 40), &[]), AvroSchema::parse(&cycle("B", 39), &[])) {
            (Ok(reader), Ok(writer)) => (reader, writer),
            (reader, writer) => {
                panic!("cycles do not parse: {:?} {:?}", reader.err(), writer.err())
            }
        };
    let findings = crate::avro::can_read(&reader, &writer);
    assert!(findings.iter().any(|f| f.message.contains("not compared")), "{findings:#?}");
    // The same cycle against itself terminates through the memo and is compatible.
    assert_eq!(crate::avro::can_read(&reader, &reader), vec![]);
}
