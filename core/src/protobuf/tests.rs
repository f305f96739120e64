//! Protobuf unit tests: parsing (imports, bundled files, descriptors, located errors), the
//! printers (canonical text re-parses to the same normalized form), message indexes, and the
//! compatibility engine as one-line data-driven cases with the expected rule ids.

use base64::Engine as _;

use super::*;
use crate::schema::SchemaType;

fn parse(text: &str) -> ProtobufSchema {
    match ProtobufSchema::parse(text, &[]) {
        Ok(schema) => schema,
        Err(e) => panic!("{e}\n{text}"),
    }
}

fn reference(name: &str, text: &str) -> ResolvedReference {
    ResolvedReference {
        name: name.to_owned(),
        schema_type: SchemaType::Protobuf,
        text: text.to_owned(),
    }
}

#[test]
fn parses_proto2_and_proto3() {
    let p3 = parse(
        "syntax = \"proto3\"; package a.b; message M { string s = 1; repeated int32 n = 2; }",
    );
    assert_eq!(p3.file().package_name(), "a.b");
    assert_eq!(p3.first_message().map(|m| m.full_name().to_owned()), Some("a.b.M".to_owned()));
    let p2 = parse(
        "syntax = \"proto2\"; message M { required string s = 1; optional int32 n = 2 [default = 7]; }",
    );
    assert_eq!(p2.file().syntax(), prost_reflect::Syntax::Proto2);
    // No syntax statement means proto2, as in protoc.
    let bare = parse("message M { optional string s = 1; }");
    assert_eq!(bare.file().syntax(), prost_reflect::Syntax::Proto2);
}

#[test]
fn well_known_and_bundled_imports_need_no_references() {
    for name in bundled::NAMES {
        let text = format!("syntax = \"proto3\"; import \"{name}\"; message M {{ string s = 1; }}");
        parse(&text);
    }
    let schema = parse(
        r#"syntax = "proto3";
        import "google/protobuf/timestamp.proto";
        import "google/type/money.proto";
        import "confluent/meta.proto";
        import "confluent/type/decimal.proto";
        message Payment {
          google.protobuf.Timestamp at = 1;
          google.type.Money amount = 2 [(confluent.field_meta).doc = "the amount"];
          confluent.type.Decimal exact = 3;
        }"#,
    );
    let canonical = schema.canonical();
    assert!(
        canonical.contains("[(confluent.field_meta) = { doc: \"the amount\" }]"),
        "{canonical}"
    );
}

#[test]
fn imports_resolve_through_references_by_name() {
    let dep = "syntax = \"proto3\"; package shop; message Item { string sku = 1; }";
    let text = "syntax = \"proto3\"; package shop; import \"shop/item.proto\"; message Order { repeated Item items = 1; }";
    let schema = ProtobufSchema::parse(text, &[reference("shop/item.proto", dep)]).unwrap();
    let order = schema.first_message().unwrap();
    let items = order.get_field_by_name("items").unwrap();
    assert!(
        matches!(items.kind(), prost_reflect::Kind::Message(m) if m.full_name() == "shop.Item")
    );
    // Without the reference the import is unknown, and the error points at the import.
    let err = ProtobufSchema::parse(text, &[]).unwrap_err();
    match err {
        ParseError::Protobuf { line, message, .. } => {
            assert_eq!(line, Some(1));
            assert!(message.contains("shop/item.proto"), "{message}");
        }
        other => panic!("{other}"),
    }
}

#[test]
fn base64_descriptors_parse_and_round_trip() {
    let schema = parse(
        "syntax = \"proto3\"; package p; import \"confluent/meta.proto\"; \
         message M { string s = 1 [(confluent.field_meta).doc = \"d\"]; map<string, int64> m = 2; }",
    );
    let serialized = schema.serialized();
    let decoded =
        prost_types::FileDescriptorProto::decode(schema.descriptor_bytes().as_slice()).unwrap();
    assert!(decoded.source_code_info.is_none(), "source locations are not part of the descriptor");
    assert_eq!(decoded.dependency, ["confluent/meta.proto"]);
    let again = parse(&serialized);
    assert_eq!(again.normalized(), schema.normalized());
    // The Python client's form: the descriptor alone, without a name.
    let mut proto = schema.file().file_descriptor_proto().clone();
    proto.name = None;
    let bare =
        base64::engine::general_purpose::STANDARD.encode(prost::Message::encode_to_vec(&proto));
    let parsed = parse(&bare);
    assert_eq!(parsed.file().name(), ROOT_FILE_NAME);
    // Referenced files may be descriptors too, renamed to the import path.
    let dep = parse("syntax = \"proto3\"; package d; message D { int32 x = 1; }");
    let text = "syntax = \"proto3\"; import \"dep.proto\"; message M { d.D d = 1; }";
    ProtobufSchema::parse(text, &[reference("dep.proto", &dep.serialized())]).unwrap();
}

#[test]
fn canonical_text_reparses_to_the_same_schema() {
    let cases = [
        "syntax = \"proto3\"; package a; message M { string s = 1; M next = 2; map<string, M> children = 3; }",
        "syntax = \"proto2\"; package a.b; message M { required int32 id = 1; optional string s = 2 [default = \"x\\\"y\"]; repeated bytes b = 3; extensions 100 to 199; } extend M { optional int32 ext = 100; }",
        "syntax = \"proto3\"; message A { message B { enum E { X = 0; Y = 1; } E e = 1; } B b = 1; oneof choice { string s = 2; int32 i = 3; } optional int64 maybe = 4; reserved 8, 10 to 12; reserved \"gone\"; }",
        "syntax = \"proto3\"; package p; option java_package = \"com.p\"; option optimize_for = SPEED; enum Color { option allow_alias = true; RED = 0; CRIMSON = 0; BLUE = 1 [deprecated = true]; } message M { Color c = 1 [deprecated = true, json_name = \"colour\"]; }",
        "syntax = \"proto3\"; package svc; message Req {} message Res {} service S { rpc Call(Req) returns (Res); rpc Stream(stream Req) returns (stream Res) { option deprecated = true; } }",
        "syntax = \"proto2\"; message M { optional group G = 1 { optional int32 x = 2; } }",
    ];
    for text in cases {
        let schema = parse(text);
        let canonical = schema.canonical();
        let again = ProtobufSchema::parse(&canonical, &[])
            .unwrap_or_else(|e| panic!("canonical text does not parse: {e}\n{canonical}"));
        assert_eq!(again.normalized(), schema.normalized(), "{canonical}");
        assert_eq!(again.canonical(), canonical);
        let normalized = schema.normalized();
        let from_normalized = ProtobufSchema::parse(&normalized, &[])
            .unwrap_or_else(|e| panic!("normalized text does not parse: {e}\n{normalized}"));
        assert_eq!(from_normalized.normalized(), normalized);
    }
}

#[test]
fn canonical_names_types_briefly() {
    let schema =
        parse("syntax = \"proto3\"; package p; enum Color { RED = 0; } message M { Color c = 1; }");
    assert!(schema.canonical().contains("  Color c = 1;"), "{}", schema.canonical());
    let schema = parse(
        "syntax = \"proto3\"; package p; message M { Color c = 1 [deprecated = true]; } enum Color { RED = 0; }",
    );
    assert!(
        schema.canonical().contains("  Color c = 1 [deprecated = true];"),
        "{}",
        schema.canonical()
    );
}

#[test]
fn canonical_printing_is_confluent_like() {
    let schema = parse(
        "syntax = \"proto3\";\npackage com.acme;\nimport \"google/protobuf/timestamp.proto\";\n\
         message Order { string id = 1;   google.protobuf.Timestamp at = 2; Line line = 3;\n\
         message Line { int32 qty = 1; } }",
    );
    let expected = "syntax = \"proto3\";\npackage com.acme;\n\nimport \"google/protobuf/timestamp.proto\";\n\n\
message Order {\n  string id = 1;\n  .google.protobuf.Timestamp at = 2;\n  Order.Line line = 3;\n  message Line {\n    int32 qty = 1;\n  }\n}\n";
    assert_eq!(schema.canonical(), expected);
}

#[test]
fn normalized_form_ignores_spelling() {
    let a = parse(
        "syntax = \"proto3\"; package p; message M { option deprecated = true; M m = 1 [deprecated = true, ctype = CORD]; }",
    );
    let b = parse(
        "syntax = \"proto3\";\n// comment\npackage p;\nmessage M {\n  option deprecated=true;\n  .p.M m = 1 [ctype=CORD, deprecated=true];\n}",
    );
    assert_eq!(a.normalized(), b.normalized());
    let c = parse("syntax = \"proto3\"; package p; message M { M m = 2; }");
    assert_ne!(a.normalized(), c.normalized());
}

#[test]
fn parse_errors_are_located() {
    let check = |text: &str, line: usize, column: usize, needle: &str| match ProtobufSchema::parse(
        text,
        &[],
    ) {
        Err(ParseError::Protobuf { line: l, column: c, message, .. }) => {
            assert_eq!((l, c), (Some(line), Some(column)), "{message}\n{text}");
            assert!(message.contains(needle), "{message} lacks {needle}");
        }
        other => panic!("{text}: {other:?}"),
    };
    check("syntax = \"proto3\";\nmessage M {\n  string s = 1\n}", 4, 1, "expected");
    check("syntax = \"proto3\";\nmessage M {\n  Unknown u = 1;\n}", 3, 3, "Unknown");
    check(
        "syntax = \"proto3\";\nmessage M {\n  string a = 1;\n  string b = 1;\n}",
        4,
        14,
        "number",
    );
    check("syntax = \"proto3\";\nmessage M { required string s = 1; }", 2, 13, "required");
    check("syntax = \"proto3\";\nimport \"nowhere.proto\";", 2, 1, "nowhere.proto");
    check(&format!("syntax = \"proto3\";\n{}", "message M {".repeat(100)), 2, 11 * 65, "nest");
}

#[test]
fn import_cycles_and_bad_descriptors_are_errors() {
    let a = "syntax = \"proto3\"; import \"b.proto\"; message A {}";
    let b = "syntax = \"proto3\"; import \"a.proto\"; message B {}";
    let err = ProtobufSchema::parse(a, &[reference("a.proto", a), reference("b.proto", b)]);
    assert!(
        matches!(err, Err(ParseError::Protobuf { ref message, .. }) if message.contains("cycle")),
        "{err:?}"
    );
    for text in ["", "   ", "AAAA", "////"] {
        assert!(
            matches!(ProtobufSchema::parse(text, &[]), Err(ParseError::Protobuf { .. })),
            "{text:?}"
        );
    }
}

#[test]
fn message_indexes_follow_declaration_order() {
    let schema = parse(
        "syntax = \"proto3\"; package p; message A { message X {} message Y { message Z {} } } message B { map<string, int32> m = 1; message W {} }",
    );
    let check = |name: &str, indexes: &[i32]| {
        assert_eq!(schema.message_indexes(name).as_deref(), Some(indexes), "{name}");
        assert_eq!(
            schema.message_at(indexes).map(|m| m.full_name().to_owned()).as_deref(),
            Some(name)
        );
    };
    check("p.A", &[0]);
    check("p.A.X", &[0, 0]);
    check("p.A.Y.Z", &[0, 1, 0]);
    check("p.B", &[1]);
    // The map entry is nested type 0 of B, so W is 1.
    check("p.B.W", &[1, 1]);
    assert_eq!(schema.message_at(&[]).map(|m| m.full_name().to_owned()).as_deref(), Some("p.A"));
    assert!(schema.message_at(&[2]).is_none());
    assert!(schema.message_at(&[-1]).is_none());
    assert!(schema.message_indexes("google.protobuf.Timestamp").is_none());
}

/// Checks the rule ids of the incompatible changes from `original` to `update` (empty: the
/// update is compatible), with the given path for the first one.
fn check(original: &str, update: &str, expected: &[&str]) {
    let wrap = |body: &str| {
        if body.starts_with("syntax") {
            body.to_owned()
        } else {
            format!("syntax = \"proto3\"; {body}")
        }
    };
    let (o, u) = (parse(&wrap(original)), parse(&wrap(update)));
    let found: Vec<&str> = can_read(&u, &o).iter().map(|f| f.rule).collect();
    assert_eq!(
        found,
        expected,
        "\noriginal: {original}\nupdate:   {update}\nall: {:?}",
        diff(&o, &u)
    );
}

/// Checks that the full diff (compatible changes included) has exactly these kinds and paths.
fn check_changes(original: &str, update: &str, expected: &[(&str, &str)]) {
    let wrap = |body: &str| format!("syntax = \"proto3\"; {body}");
    let (o, u) = (parse(&wrap(original)), parse(&wrap(update)));
    let found: Vec<(&str, String)> =
        diff(&o, &u).into_iter().map(|c| (c.kind.as_str(), c.path)).collect();
    let expected: Vec<(&str, String)> =
        expected.iter().map(|(k, p)| (*k, (*p).to_owned())).collect();
    assert_eq!(found, expected, "\noriginal: {original}\nupdate:   {update}");
}

#[test]
fn compatible_changes() {
    check("message M { string a = 1; }", "message M { string a = 1; }", &[]);
    check("message M { string a = 1; }", "message M { string a = 1; int32 b = 2; }", &[]);
    check("message M { string a = 1; int32 b = 2; }", "message M { string a = 1; }", &[]);
    check("message M { string a = 1; }", "message M { string renamed = 1; }", &[]);
    check("message M { int32 a = 1; }", "message M { int64 a = 1; }", &[]);
    check("message M { uint32 a = 1; }", "message M { bool a = 1; }", &[]);
    check(
        "enum E { A = 0; } message M { int32 a = 1; }",
        "enum E { A = 0; } message M { E a = 1; }",
        &[],
    );
    check("message M { sint32 a = 1; }", "message M { sint64 a = 1; }", &[]);
    check("message M { string a = 1; }", "message M { bytes a = 1; }", &[]);
    check("message M { fixed32 a = 1; }", "message M { sfixed32 a = 1; }", &[]);
    check("message M { fixed64 a = 1; }", "message M { sfixed64 a = 1; }", &[]);
    check("message M { string a = 1; }", "message M { repeated string a = 1; }", &[]);
    check("message M {}", "message M {} message N {}", &[]);
    check("message M {} message N {}", "message N {} message M {}", &[]);
    check("message M {}", "message M {} enum E { A = 0; }", &[]);
    check("message M {} enum E { A = 0; }", "message M {}", &[]);
    check("enum E { A = 0; }", "enum E { A = 0; B = 1; }", &[]);
    check("enum E { A = 0; B = 1; }", "enum E { A = 0; }", &[]);
    check("enum E { A = 0; B = 1; }", "enum E { A = 0; C = 1; }", &[]);
    check("message M { string a = 1; }", "message M { oneof o { string a = 1; } }", &[]);
    check(
        "message M { oneof o { string a = 1; } }",
        "message M { oneof o { string a = 1; int32 b = 2; } }",
        &[],
    );
    check(
        "message M { oneof o { string a = 1; int32 b = 2; } }",
        "message M { string a = 1; int32 b = 2; }",
        &[],
    );
    check("message M { string a = 1; }", "message M { optional string a = 1; }", &[]);
    check(
        "message M { Inner i = 1; } message Inner { int32 x = 1; }",
        "message M { Inner i = 1; } message Inner { int64 x = 1; string y = 2; }",
        &[],
    );
    check(
        "message M { map<string, int32> m = 1; }",
        "message M { map<string, int64> m = 1; }",
        &[],
    );
    check("message M { M self = 1; int32 x = 2; }", "message M { M self = 1; int64 x = 2; }", &[]);
    check(
        "message M { Inner i = 1; message Inner { int32 x = 1; } }",
        "message M { Inner i = 1; message Inner { int32 x = 1; } }",
        &[],
    );
    check(
        "syntax = \"proto2\"; message M { required int32 a = 1; }",
        "syntax = \"proto2\"; message M { required int32 a = 1; optional int32 b = 2; }",
        &[],
    );
    check(
        "syntax = \"proto2\"; message M { optional int32 a = 1; }",
        "syntax = \"proto2\"; message M { required int32 a = 1; }",
        &[],
    );
}

#[test]
fn incompatible_changes() {
    check("package a; message M {}", "package b; message M {}", &["PACKAGE_CHANGED"]);
    check("message M {} message N {}", "message M {}", &["MESSAGE_REMOVED"]);
    check(
        "message M { string a = 1; }",
        "message M { int32 a = 1; }",
        &["FIELD_SCALAR_KIND_CHANGED"],
    );
    check(
        "message M { int32 a = 1; }",
        "message M { sint32 a = 1; }",
        &["FIELD_SCALAR_KIND_CHANGED"],
    );
    check(
        "message M { fixed32 a = 1; }",
        "message M { fixed64 a = 1; }",
        &["FIELD_SCALAR_KIND_CHANGED"],
    );
    check(
        "message M { float a = 1; }",
        "message M { double a = 1; }",
        &["FIELD_SCALAR_KIND_CHANGED"],
    );
    check(
        "message M { string a = 1; } message N {}",
        "message M { N a = 1; } message N {}",
        &["FIELD_KIND_CHANGED"],
    );
    check(
        "message M { map<string, int32> a = 1; }",
        "message M { repeated int32 a = 1; }",
        &["FIELD_KIND_CHANGED"],
    );
    check(
        "message M { map<string, int32> a = 1; }",
        "message M { map<int32, int32> a = 1; }",
        &["FIELD_SCALAR_KIND_CHANGED"],
    );
    check(
        "message M { A a = 1; } message A {} message B {}",
        "message M { B a = 1; } message A {} message B {}",
        &["FIELD_NAMED_TYPE_CHANGED"],
    );
    check(
        "message M { Inner i = 1; } message Inner { int32 x = 1; }",
        "message M { Inner i = 1; } message Inner { string x = 1; }",
        &["FIELD_SCALAR_KIND_CHANGED", "FIELD_NAMED_TYPE_CHANGED"],
    );
    check(
        "message M { int32 a = 1; }",
        "message M { repeated int32 a = 1; }",
        &["FIELD_NUMERIC_LABEL_CHANGED"],
    );
    check(
        "syntax = \"proto2\"; message M {}",
        "syntax = \"proto2\"; message M { required int32 a = 1; }",
        &["REQUIRED_FIELD_ADDED"],
    );
    check(
        "syntax = \"proto2\"; message M { required int32 a = 1; }",
        "syntax = \"proto2\"; message M {}",
        &["REQUIRED_FIELD_REMOVED"],
    );
    check(
        "message M { oneof o { string a = 1; int32 b = 2; } }",
        "message M { oneof o { string a = 1; } }",
        &["ONEOF_FIELD_REMOVED"],
    );
    check(
        "message M { string a = 1; int32 b = 2; }",
        "message M { oneof o { string a = 1; int32 b = 2; } }",
        &["MULTIPLE_FIELDS_MOVED_TO_ONEOF"],
    );
    check(
        "message M { string a = 1; oneof o { int32 b = 2; } }",
        "message M { oneof o { string a = 1; int32 b = 2; } }",
        &["FIELD_MOVED_TO_EXISTING_ONEOF"],
    );
    check(
        "message M { oneof o { string a = 1; } }",
        "message M { oneof p { int32 a = 1; } }",
        &["FIELD_SCALAR_KIND_CHANGED"],
    );
    // A recursive reference to the message being compared is not walked twice (as Confluent).
    check(
        "message M { M self = 1; string x = 2; }",
        "message M { M self = 1; int32 x = 2; }",
        &["FIELD_SCALAR_KIND_CHANGED"],
    );
}

#[test]
fn imported_messages_are_compared_through_fields() {
    let dep_v1 = "syntax = \"proto3\"; package d; message D { string x = 1; }";
    let dep_v2 = "syntax = \"proto3\"; package d; message D { int32 x = 1; }";
    let text = "syntax = \"proto3\"; import \"d.proto\"; message M { d.D d = 1; }";
    let o = ProtobufSchema::parse(text, &[reference("d.proto", dep_v1)]).unwrap();
    let u = ProtobufSchema::parse(text, &[reference("d.proto", dep_v2)]).unwrap();
    let rules: Vec<&str> = can_read(&u, &o).iter().map(|f| f.rule).collect();
    assert_eq!(rules, ["FIELD_SCALAR_KIND_CHANGED", "FIELD_NAMED_TYPE_CHANGED"]);
    assert!(can_read(&o, &o).is_empty());
}

#[test]
fn change_paths() {
    check_changes(
        "message M { string a = 1; }",
        "message M { string a = 1; int32 b = 2; }",
        &[("FIELD_ADDED", "#/M/2")],
    );
    check_changes(
        "message M { message N { int32 x = 1; } }",
        "message M { message N { string x = 1; } }",
        &[("FIELD_SCALAR_KIND_CHANGED", "#/M/N/1")],
    );
    check_changes(
        "message M { oneof o { string a = 1; } }",
        "message M { oneof o { string a = 1; int32 b = 2; } }",
        &[("ONEOF_FIELD_ADDED", "#/M/o/2")],
    );
    check_changes(
        "enum E { A = 0; B = 1; }",
        "enum E { A = 0; C = 1; D = 2; }",
        &[("ENUM_CONST_CHANGED", "#/E/1"), ("ENUM_CONST_ADDED", "#/E/2")],
    );
    check_changes(
        "package a; message M {}",
        "package a.b; message M {}",
        &[("PACKAGE_CHANGED", "#/")],
    );
    check_changes(
        "message A {} message B {}",
        "message B {} message A {}",
        &[("MESSAGE_MOVED", "#/A"), ("MESSAGE_MOVED", "#/B")],
    );
    check_changes(
        "message M { Inner i = 1; } message Inner { int32 x = 1; }",
        "message M { Inner i = 1; } message Inner { string x = 1; }",
        &[("FIELD_SCALAR_KIND_CHANGED", "#/Inner/1"), ("FIELD_NAMED_TYPE_CHANGED", "#/M/1")],
    );
}

/// `reserved` numbers: removing a field or enum value without reserving its number, and giving
/// up a reserved number, are reported at the element or the type; both stay compatible (as under
/// Confluent's default policy), so only the change list shows them. Reserved names are ignored.
#[test]
fn reserved_numbers() {
    /// (original, update, the full diff as (kind, path) pairs)
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);
    let cases: &[Case<'_>] = &[
        (
            "message M { string a = 1; int32 b = 2; }",
            "message M { string a = 1; }",
            &[("FIELD_REMOVED", "#/M/2"), ("FIELD_REMOVED_NOT_RESERVED", "#/M/2")],
        ),
        (
            "message M { string a = 1; int32 b = 2; }",
            "message M { string a = 1; reserved 2; }",
            &[("FIELD_REMOVED", "#/M/2")],
        ),
        (
            "message M { string a = 1; int32 b = 2; }",
            "message M { string a = 1; reserved 3, 2 to 5; }",
            &[("FIELD_REMOVED", "#/M/2")],
        ),
        (
            "message M { string a = 1; int32 b = 2; }",
            "message M { string a = 1; reserved 2 to max; }",
            &[("FIELD_REMOVED", "#/M/2")],
        ),
        (
            "message M { int32 b = 2; }",
            "message M { reserved \"b\"; }",
            &[("FIELD_REMOVED", "#/M/2"), ("FIELD_REMOVED_NOT_RESERVED", "#/M/2")],
        ),
        (
            "message M { string a = 1; reserved 2, 4 to 6; }",
            "message M { string a = 1; reserved 2; }",
            &[("RESERVED_FIELD_NUMBER_REMOVED", "#/M")],
        ),
        (
            "message M { string a = 1; reserved 2; }",
            "message M { string a = 1; int64 b = 2; }",
            &[("FIELD_ADDED", "#/M/2"), ("RESERVED_FIELD_NUMBER_REMOVED", "#/M")],
        ),
        ("message M { reserved 2 to 6; }", "message M { reserved 2 to 3, 4 to 6; }", &[]),
        (
            "message M { reserved 2 to 6; }",
            "message M { reserved 2 to 3, 5 to 6; }",
            &[("RESERVED_FIELD_NUMBER_REMOVED", "#/M")],
        ),
        ("message M { reserved 2; }", "message M { reserved 1 to 9; }", &[]),
        ("message M { reserved \"a\"; }", "message M {}", &[]),
        (
            "message M { message N { int32 x = 1; int32 y = 2; } }",
            "message M { message N { int32 x = 1; } }",
            &[("FIELD_REMOVED", "#/M/N/2"), ("FIELD_REMOVED_NOT_RESERVED", "#/M/N/2")],
        ),
        (
            "enum E { A = 0; B = 1; }",
            "enum E { A = 0; }",
            &[("ENUM_CONST_REMOVED", "#/E/1"), ("ENUM_CONST_REMOVED_NOT_RESERVED", "#/E/1")],
        ),
        (
            "enum E { A = 0; B = 1; }",
            "enum E { A = 0; reserved 1; }",
            &[("ENUM_CONST_REMOVED", "#/E/1")],
        ),
        (
            "enum E { A = 0; reserved 1 to 3; }",
            "enum E { A = 0; B = 2; }",
            &[("ENUM_CONST_ADDED", "#/E/2"), ("RESERVED_ENUM_NUMBER_REMOVED", "#/E")],
        ),
        (
            "message M { enum K { Z = 0; reserved 5; } }",
            "message M { enum K { Z = 0; reserved 4 to 6; } }",
            &[],
        ),
    ];
    for (original, update, expected) in cases {
        check_changes(original, update, expected);
        // None of them changes a verdict either way.
        check(original, update, &[]);
        check(update, original, &[]);
    }
    // In a oneof too; the removal itself is incompatible there, the missing reservation is not.
    let (original, update) = (
        "message M { oneof o { string a = 1; int32 b = 2; } }",
        "message M { oneof o { string a = 1; } }",
    );
    check_changes(
        original,
        update,
        &[("ONEOF_FIELD_REMOVED", "#/M/o/2"), ("FIELD_REMOVED_NOT_RESERVED", "#/M/o/2")],
    );
    check(original, update, &["ONEOF_FIELD_REMOVED"]);
    // A removed message's fields are not reported one by one.
    check_changes(
        "message M { int32 a = 1; }",
        "message N { int32 a = 1; }",
        &[("MESSAGE_REMOVED", "#/M"), ("MESSAGE_ADDED", "#/N")],
    );
    // The sentence names the numbers given up.
    let (o, u) = (
        parse("syntax = \"proto3\"; message M { reserved 2, 4 to 6; }"),
        parse("syntax = \"proto3\"; message M { reserved 2; }"),
    );
    let changes = diff(&o, &u);
    assert!(changes[0].message.contains("reserved 4 to 6"), "{changes:?}");
}

/// Change paths locate their element in the text: line and column of its declaration.
#[test]
fn change_paths_locate_in_the_text() {
    let text = "syntax = \"proto3\";\npackage shop;\n\nmessage Order {\n  string id = 1;\n  oneof pay {\n    string card = 4;\n  }\n  message Line {\n    int32 n = 1;\n  }\n  enum Kind {\n    K0 = 0;\n    K1 = 1;\n  }\n}\nenum Top {\n  T0 = 0;\n}\n";
    let schema = parse(text);
    let cases: &[(&str, Option<(usize, usize)>)] = &[
        ("#/", Some((2, 1))),
        ("#/Order", Some((4, 1))),
        ("#/Order/1", Some((5, 3))),
        ("#/Order/pay", Some((6, 3))),
        ("#/Order/pay/4", Some((7, 5))),
        ("#/Order/4", Some((7, 5))),
        ("#/Order/Line", Some((9, 3))),
        ("#/Order/Line/1", Some((10, 5))),
        ("#/Order/Kind/1", Some((14, 5))),
        ("#/Top", Some((17, 1))),
        ("#/Top/0", Some((18, 3))),
        ("#/Order/9", None),
        ("#/Order/pay/1", None),
        ("#/Nope", None),
        ("#/Top/x", None),
        ("Order", None),
    ];
    for (path, expected) in cases {
        assert_eq!(schema.locate(path), *expected, "{path}");
    }
    // A descriptor has no source positions.
    assert_eq!(parse(&schema.serialized()).locate("#/Order"), None);
}

#[test]
fn work_is_bounded_by_the_budget() {
    use crate::budget::Budget;
    let text =
        "syntax = \"proto3\"; message M { string a = 1; int32 b = 2; } message N { M m = 1; }";
    let err = ProtobufSchema::parse_with_budget(text, &[], &mut Budget::new(2)).unwrap_err();
    assert!(matches!(err, ParseError::BudgetExceeded(_)), "{err}");
    let mut budget = Budget::new(1_000);
    let schema = ProtobufSchema::parse_with_budget(text, &[], &mut budget).unwrap();
    assert_eq!(budget.used(), 1 + (text.len() / BYTES_PER_STEP) as u64);
    let changed = parse(&text.replace("int32 b", "string b"));
    assert!(diff_with_budget(&schema, &changed, &mut Budget::new(3)).is_err());
    let mut budget = Budget::new(1_000);
    let changes = diff_with_budget(&schema, &changed, &mut budget).unwrap();
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert!(budget.used() > 3);
    // The unbudgeted entry point fails closed with a finding of its own.
    let rules: Vec<&str> = can_read(&changed, &schema).iter().map(|f| f.rule).collect();
    assert_eq!(rules, ["FIELD_SCALAR_KIND_CHANGED", "FIELD_NAMED_TYPE_CHANGED"]);
}

mod props {
    //! No-panic and round-trip properties: generated schemas (valid ones, and valid ones with
    //! bytes cut out or spliced in) never panic the parser, the printers or the diff, and any
    //! text that parses prints canonical text that parses back to the same normalized form.

    use proptest::prelude::*;

    use super::super::*;

    const SCALARS: &[&str] = &[
        "int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32", "fixed64", "sfixed32",
        "sfixed64", "bool", "string", "bytes", "float", "double",
    ];

    /// A field line: a scalar, an enum, another message, a map or a repeated scalar.
    fn arb_field() -> impl Strategy<Value = String> {
        (0..SCALARS.len(), 0..5usize, 0..3usize).prop_map(|(scalar, shape, message)| {
            let scalar = SCALARS[scalar];
            match shape {
                0 => format!("{scalar} NAME"),
                1 => format!("repeated {scalar} NAME"),
                2 => format!("M{message} NAME"),
                3 => format!("map<string, {scalar}> NAME"),
                _ => "E NAME".to_owned(),
            }
        })
    }

    fn arb_schema() -> impl Strategy<Value = String> {
        (
            proptest::collection::vec(proptest::collection::vec(arb_field(), 0..5), 3..4),
            proptest::option::of(0..3usize),
            any::<bool>(),
        )
            .prop_map(|(messages, oneof_in, package)| {
                let mut text = String::from("syntax = \"proto3\";\n");
                if package {
                    text.push_str("package gen.v1;\n");
                }
                text.push_str("enum E { E_ZERO = 0; E_ONE = 1; }\n");
                for (m, fields) in messages.iter().enumerate() {
                    text.push_str(&format!("message M{m} {{\n"));
                    for (i, field) in fields.iter().enumerate() {
                        let line = field.replace("NAME", &format!("f{i} = {}", i + 1));
                        if oneof_in == Some(m)
                            && i == 0
                            && !line.contains("repeated")
                            && !line.contains("map")
                        {
                            text.push_str(&format!("  oneof choice {{ {line}; }}\n"));
                        } else {
                            text.push_str(&format!("  {line};\n"));
                        }
                    }
                    text.push_str("}\n");
                }
                text
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

        #[test]
        fn generated_schemas_round_trip_and_are_self_compatible(text in arb_schema()) {
            let schema = ProtobufSchema::parse(&text, &[]);
            prop_assert!(schema.is_ok(), "{text}: {schema:?}");
            let Ok(schema) = schema else { return Ok(()) };
            let canonical = schema.canonical();
            let again = ProtobufSchema::parse(&canonical, &[]);
            prop_assert!(again.is_ok(), "{canonical}: {again:?}");
            let Ok(again) = again else { return Ok(()) };
            prop_assert_eq!(again.normalized(), schema.normalized());
            prop_assert_eq!(diff(&schema, &again), vec![]);
            let serialized = ProtobufSchema::parse(&schema.serialized(), &[]);
            prop_assert!(serialized.is_ok());
        }

        #[test]
        fn any_two_generated_schemas_diff_without_panicking(a in arb_schema(), b in arb_schema()) {
            let (a, b) = (ProtobufSchema::parse(&a, &[]).unwrap(), ProtobufSchema::parse(&b, &[]).unwrap());
            let forward = diff(&a, &b);
            let backward = diff(&b, &a);
            // Added messages one way are removed ones the other way, and the diff is deterministic.
            let count = |changes: &[Change], kind| changes.iter().filter(|c| c.kind == kind).count();
            prop_assert_eq!(count(&forward, ChangeKind::MessageAdded), count(&backward, ChangeKind::MessageRemoved));
            prop_assert_eq!(count(&forward, ChangeKind::FieldScalarKindChanged), count(&backward, ChangeKind::FieldScalarKindChanged));
            prop_assert_eq!(diff(&a, &b), forward);
        }

        #[test]
        fn damaged_text_never_panics(text in arb_schema(), cut in any::<prop::sample::Index>(), len in 0..12usize, splice in "[ -~]{0,6}") {
            let at = cut.index(text.len());
            let end = (at + len).min(text.len());
            let damaged = format!("{}{splice}{}", &text[..at], &text[end..]);
            if let Ok(schema) = ProtobufSchema::parse(&damaged, &[]) {
                let canonical = schema.canonical();
                let again = ProtobufSchema::parse(&canonical, &[]);
                prop_assert!(again.is_ok(), "{damaged}\n=> {canonical}: {again:?}");
                let _ = diff(&schema, &again.unwrap());
            }
        }

        #[test]
        fn arbitrary_text_never_panics(text in "[ -~\n]{0,200}") {
            let _ = ProtobufSchema::parse(&text, &[]);
        }

        /// The import walk over damaged files that import each other (any of `a`, `b`, `c`,
        /// including themselves) never panics, and what it finds parses or is a typed error.
        #[test]
        fn damaged_imports_never_panic(
            texts in proptest::collection::vec(("[abc]{0,3}", "[ -~\n]{0,40}"), 3..4),
        ) {
            let files: Vec<(String, String)> = ["a.proto", "b.proto", "c.proto"]
                .iter()
                .zip(&texts)
                .map(|(name, (imports, tail))| {
                    let lines: String =
                        imports.chars().map(|c| format!("import \"{c}.proto\";\n")).collect();
                    ((*name).to_owned(), format!("syntax = \"proto3\";\n{lines}{tail}"))
                })
                .collect();
            let mut read = |name: &str| {
                Ok(files.iter().find(|(n, _)| n == name).map(|(_, text)| text.clone()))
            };
            let root = &files[0].1;
            if let Ok(imports) = collect_imports("a.proto", root, &mut read) {
                prop_assert!(imports.files.iter().all(|f| f.name != "a.proto"));
                let _ = parse_with_imports(root, &imports, &|_| -1);
            }
        }

        #[test]
        fn arbitrary_descriptors_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            use base64::Engine as _;
            let text = base64::engine::general_purpose::STANDARD.encode(&bytes);
            if let Ok(schema) = ProtobufSchema::parse(&text, &[]) {
                let _ = (schema.canonical(), schema.normalized(), schema.serialized());
            }
        }
    }
}

/// Files for the import walk: name → text; a name mapped to `None` is unreadable.
type Files<'a> = &'a [(&'a str, Option<&'a str>)];

/// The import walk over `files` from `root_text` (named `root.proto`): the files found in
/// order, or the error's text.
fn walk_imports(root_text: &str, files: Files<'_>) -> Result<(Vec<String>, Vec<String>), String> {
    let mut read = |name: &str| match files.iter().find(|(n, _)| *n == name) {
        Some((_, Some(text))) => Ok(Some((*text).to_owned())),
        Some((_, None)) => Err("permission denied".to_owned()),
        None => Ok(None),
    };
    let imports = collect_imports("root.proto", root_text, &mut read).map_err(|e| e.to_string())?;
    let names = imports.files.iter().map(|f| f.name.clone()).collect();
    Ok((imports.direct, names))
}

#[test]
fn imports_are_found_in_dependency_order() {
    const MONEY: &str = "syntax = \"proto3\"; package m; import \"c/currency.proto\"; message Money { c.Currency currency = 1; int64 units = 2; }";
    const CURRENCY: &str = "syntax = \"proto3\"; package c; enum Currency { EUR = 0; USD = 1; }";
    const TIME: &str = "syntax = \"proto3\"; package t; import \"google/protobuf/timestamp.proto\"; message At { google.protobuf.Timestamp at = 1; }";
    let files: Files<'_> = &[
        ("m/money.proto", Some(MONEY)),
        ("c/currency.proto", Some(CURRENCY)),
        ("t/at.proto", Some(TIME)),
        ("bad.proto", Some("syntax = \"proto3\";\nmessage {")),
        ("locked.proto", None),
        ("a.proto", Some("syntax = \"proto3\";\nimport \"b.proto\";")),
        ("b.proto", Some("syntax = \"proto3\";\n\nimport \"a.proto\";")),
        ("back.proto", Some("syntax = \"proto3\"; import \"root.proto\";")),
        ("self.proto", Some("syntax = \"proto3\"; import \"self.proto\";")),
    ];
    let ok = |root: &str, direct: &[&str], all: &[&str]| {
        let (d, a) = walk_imports(root, files).unwrap_or_else(|e| panic!("{root}: {e}"));
        assert_eq!((d, a), (strings(direct), strings(all)), "{root}");
    };
    let err = |root: &str, expected: &str| {
        let error = walk_imports(root, files).expect_err(root);
        assert!(error.contains(expected), "{root}: {error}");
    };
    ok("syntax = \"proto3\"; message R {}", &[], &[]);
    ok(
        "syntax = \"proto3\"; import \"google/protobuf/any.proto\"; import \"confluent/meta.proto\";",
        &[],
        &[],
    );
    ok(
        "syntax = \"proto3\"; import \"m/money.proto\";",
        &["m/money.proto"],
        &["c/currency.proto", "m/money.proto"],
    );
    // A file reached twice is read and listed once.
    ok(
        "syntax = \"proto3\"; import \"c/currency.proto\"; import \"m/money.proto\"; import \"t/at.proto\";",
        &["c/currency.proto", "m/money.proto", "t/at.proto"],
        &["c/currency.proto", "m/money.proto", "t/at.proto"],
    );
    err(
        "syntax = \"proto3\";\n  import \"nope.proto\";",
        "in 'root.proto' at line 2 column 3: import 'nope.proto' not found",
    );
    err("syntax = \"proto3\"; import \"bad.proto\";", "in 'bad.proto' at line 2");
    err("syntax = \"proto3\"; import \"locked.proto\";", "unreadable: permission denied");
    err(
        "syntax = \"proto3\"; import \"a.proto\";",
        "in 'b.proto' at line 3 column 1: import cycle: a.proto -> b.proto -> a.proto",
    );
    err(
        "syntax = \"proto3\"; import \"back.proto\";",
        "import cycle: root.proto -> back.proto -> root.proto",
    );
    err("syntax = \"proto3\"; import \"self.proto\";", "self.proto -> self.proto");
    err("message {", "in 'root.proto' at line 1");
}

#[test]
fn imports_are_bounded() {
    // A chain deeper than the reference depth, and a fan-out wider than the file bound.
    let deep = |name: &str| {
        let n: usize = name.trim_start_matches('d').trim_end_matches(".proto").parse().ok()?;
        Some(format!("syntax = \"proto3\"; import \"d{}.proto\";", n + 1))
    };
    let mut read = |name: &str| Ok(deep(name));
    let error = collect_imports("r.proto", "import \"d0.proto\";", &mut read).unwrap_err();
    assert!(error.to_string().contains("imports nest deeper than 32 levels"), "{error}");
    let wide: String =
        (0..300).map(|n| format!("import \"w{n}.proto\";\n")).collect::<Vec<_>>().concat();
    let mut read = |_: &str| Ok(Some("syntax = \"proto3\";".to_owned()));
    let error = collect_imports("r.proto", &wide, &mut read).unwrap_err();
    assert!(error.to_string().contains("more than 256 files are imported"), "{error}");
}

#[test]
fn a_file_parses_with_its_imports_as_references() {
    let files = [
        ("c/currency.proto", "syntax = \"proto3\"; package c; enum Currency { EUR = 0; }"),
        (
            "m/money.proto",
            "syntax = \"proto3\"; package m; import \"c/currency.proto\"; message Money { c.Currency c = 1; }",
        ),
    ];
    let root = "syntax = \"proto3\"; package o; import \"m/money.proto\"; message Order { m.Money total = 1; }";
    let mut read =
        |name: &str| Ok(files.iter().find(|(n, _)| *n == name).map(|(_, t)| (*t).to_owned()));
    let imports = collect_imports("o.proto", root, &mut read).unwrap();
    let schema =
        parse_with_imports(root, &imports, &|name| if name == "m/money.proto" { 3 } else { 1 })
            .unwrap();
    let references: Vec<(String, String, i32)> = schema
        .references()
        .iter()
        .map(|r| (r.name.clone(), r.subject.clone(), r.version))
        .collect();
    assert_eq!(references, [("m/money.proto".to_owned(), "m/money.proto".to_owned(), 3)]);
    assert_eq!(reference_subject("m/money.proto"), "m/money.proto");
    let message = schema.as_protobuf().unwrap().first_message().unwrap();
    assert_eq!(message.get_field(1).unwrap().kind().as_message().unwrap().full_name(), "m.Money");
}

#[test]
fn paths_into_imported_files_are_located_there() {
    let currency =
        "syntax = \"proto3\";\npackage c;\n\nenum Currency {\n  EUR = 0;\n  USD = 1;\n}\n";
    let money = "syntax = \"proto3\";\npackage m;\nimport \"c/currency.proto\";\n\nmessage Money {\n  int64 units = 1;\n  c.Currency currency = 2;\n}\n";
    let root = "syntax = \"proto3\";\nimport \"m/money.proto\";\nimport \"google/protobuf/timestamp.proto\";\nmessage Order {\n  m.Money total = 1;\n}\n";
    let schema = ProtobufSchema::parse(
        root,
        &[reference("c/currency.proto", currency), reference("m/money.proto", money)],
    )
    .unwrap();
    for (path, expected) in [
        ("#/Money/1", Some(("m/money.proto", 6, 3))),
        ("#/Money", Some(("m/money.proto", 5, 1))),
        ("#/Currency/1", Some(("c/currency.proto", 6, 3))),
        // The schema's own elements and paths naming nothing are not found in imports.
        ("#/Order/1", None),
        ("#/Money/9", None),
        ("#/Timestamp/1", None),
        ("#/", None),
        ("nope", None),
    ] {
        let found = schema.locate_in_imports(path);
        let expected = expected.map(|(f, l, c)| (f.to_owned(), l, c));
        assert_eq!(found, expected, "{path}");
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}
