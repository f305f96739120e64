//! Codec tests: bytes checked against apache-avro in both directions, resolution across schema
//! evolution, corrupt input as typed errors, and a property round trip.
#![allow(
    deprecated,
    reason = "apache-avro 0.22's datum functions are the reference we compare with"
)]

use std::collections::HashMap;
use std::sync::Arc;

use apache_avro::types::Value as AvroValue;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::*;

fn compiled(schema: &serde_json::Value) -> Compiled {
    Compiled::from_json(schema).unwrap()
}

fn plan(writer: &serde_json::Value, reader: &serde_json::Value) -> Plan {
    Plan::new(Arc::new(compiled(writer)), &compiled(reader)).unwrap()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Color {
    Red,
    Green,
    Blue,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Event {
    id: i64,
    count: i32,
    name: String,
    tags: Vec<String>,
    attrs: HashMap<String, i64>,
    score: f64,
    ratio: f32,
    ok: bool,
    note: Option<String>,
    color: Color,
    #[serde(with = "bytes")]
    blob: Vec<u8>,
}

mod bytes {
    pub(super) fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }
    pub(super) fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Vec<u8>, E> {
                Ok(v.to_vec())
            }
        }
        d.deserialize_bytes(V)
    }
}

fn event_schema() -> serde_json::Value {
    json!({"type": "record", "name": "Event", "namespace": "t", "fields": [
        {"name": "id", "type": "long"},
        {"name": "count", "type": "int"},
        {"name": "name", "type": "string"},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "attrs", "type": {"type": "map", "values": "long"}},
        {"name": "score", "type": "double"},
        {"name": "ratio", "type": "float"},
        {"name": "ok", "type": "boolean"},
        {"name": "note", "type": ["null", "string"], "default": null},
        {"name": "color", "type": {"type": "enum", "name": "Color", "symbols": ["Red", "Green", "Blue"]}},
        {"name": "blob", "type": "bytes"}
    ]})
}

fn event(id: i64) -> Event {
    Event {
        id,
        count: -7,
        name: "évènement".into(),
        tags: vec!["a".into(), "".into(), "ccc".into()],
        attrs: HashMap::from([("k".into(), i64::MIN), ("l".into(), 300)]),
        score: 2.5,
        ratio: -0.25,
        ok: true,
        note: Some("n".into()),
        color: Color::Blue,
        blob: vec![0, 255, 7],
    }
}

fn apache_schema(schema: &serde_json::Value) -> apache_avro::Schema {
    apache_avro::Schema::parse(schema).unwrap()
}

#[test]
fn our_bytes_read_by_apache_avro_and_back() {
    let schema = event_schema();
    let ours = compiled(&schema);
    let apache = apache_schema(&schema);
    for value in [event(1), Event { note: None, tags: vec![], attrs: HashMap::new(), ..event(-1) }]
    {
        let mut bytes = Vec::new();
        encode(&ours, &value, &mut bytes).unwrap();
        let read = apache_avro::from_avro_datum(&apache, &mut &bytes[..], None).unwrap();
        // apache-avro re-encodes what it read (maps in its own order), and we read that back.
        let again = apache_avro::to_avro_datum(&apache, read).unwrap();
        assert_eq!(again.len(), bytes.len());
        let decoded: Event = decode(&plan(&schema, &schema), &again).unwrap();
        assert_eq!(decoded, value);
        let decoded: Event = decode(&plan(&schema, &schema), &bytes).unwrap();
        assert_eq!(decoded, value);
    }
}

#[test]
fn apache_avro_bytes_decode_typed() {
    let schema = event_schema();
    let apache = apache_schema(&schema);
    let record = AvroValue::Record(vec![
        ("id".into(), AvroValue::Long(5)),
        ("count".into(), AvroValue::Int(6)),
        ("name".into(), AvroValue::String("x".into())),
        ("tags".into(), AvroValue::Array(vec![AvroValue::String("t".into())])),
        ("attrs".into(), AvroValue::Map(HashMap::from([("a".into(), AvroValue::Long(1))]))),
        ("score".into(), AvroValue::Double(1.5)),
        ("ratio".into(), AvroValue::Float(0.5)),
        ("ok".into(), AvroValue::Boolean(false)),
        ("note".into(), AvroValue::Union(0, Box::new(AvroValue::Null))),
        ("color".into(), AvroValue::Enum(1, "Green".into())),
        ("blob".into(), AvroValue::Bytes(vec![1, 2])),
    ]);
    let bytes = apache_avro::to_avro_datum(&apache, record).unwrap();
    let decoded: Event = decode(&plan(&schema, &schema), &bytes).unwrap();
    let expected = Event {
        id: 5,
        count: 6,
        name: "x".into(),
        tags: vec!["t".into()],
        attrs: HashMap::from([("a".into(), 1)]),
        score: 1.5,
        ratio: 0.5,
        ok: false,
        note: None,
        color: Color::Green,
        blob: vec![1, 2],
    };
    assert_eq!(decoded, expected);
}

/// Writer v1 → reader v2: two fields added with defaults, one removed, one promoted (int →
/// long), one renamed through an alias, an enum symbol unknown to the reader mapped to its
/// default, and a plain writer type read into a reader union.
#[derive(Debug, PartialEq, Deserialize)]
struct V2 {
    id: i64,
    label: String,
    count: i64,
    added: i32,
    extra: Option<String>,
    level: Level,
    maybe: Option<f64>,
}

#[derive(Debug, PartialEq, Deserialize)]
enum Level {
    Low,
    High,
    Unknown,
}

#[test]
fn evolution_resolves_by_the_specification() {
    let v1 = json!({"type": "record", "name": "E", "fields": [
        {"name": "id", "type": "long"},
        {"name": "gone", "type": {"type": "array", "items": "string"}},
        {"name": "name", "type": "string"},
        {"name": "count", "type": "int"},
        {"name": "level", "type": {"type": "enum", "name": "Level", "symbols": ["Low", "Mid", "High"]}},
        {"name": "maybe", "type": "float"}
    ]});
    let v2 = json!({"type": "record", "name": "E", "fields": [
        {"name": "id", "type": "long"},
        {"name": "label", "type": "string", "aliases": ["name"]},
        {"name": "count", "type": "long"},
        {"name": "added", "type": "int", "default": 42},
        {"name": "extra", "type": ["null", "string"], "default": null},
        {"name": "level", "type": {"type": "enum", "name": "Level", "symbols": ["Low", "High", "Unknown"], "default": "Unknown"}},
        {"name": "maybe", "type": ["null", "double"], "default": null}
    ]});
    let writer = compiled(&v1);
    let mut bytes = Vec::new();
    let value = json!({"id": 9, "gone": ["x", "y"], "name": "nine", "count": -3, "level": "Mid", "maybe": 0.5});
    encode_json(&writer, &value, &mut bytes).unwrap();
    let decoded: V2 = decode(&plan(&v1, &v2), &bytes).unwrap();
    let expected = V2 {
        id: 9,
        label: "nine".into(),
        count: -3,
        added: 42,
        extra: None,
        level: Level::Unknown,
        maybe: Some(0.5),
    };
    assert_eq!(decoded, expected);
}

#[test]
fn unreadable_writers_are_refused_with_every_reason() {
    let writer =
        json!({"type": "record", "name": "E", "fields": [{"name": "a", "type": "string"}]});
    let reader = json!({"type": "record", "name": "E", "fields": [
        {"name": "a", "type": "int"},
        {"name": "b", "type": "int"}
    ]});
    let errors = Plan::new(Arc::new(compiled(&writer)), &compiled(&reader)).unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:?}");
}

/// A data-carrying enum is a union of records; its variants resolve by record name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Shape {
    Circle { radius: f64 },
    Square { side: f64 },
    Empty,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Drawing {
    shapes: Vec<Shape>,
    main: Option<Shape>,
}

#[test]
fn unions_of_records_round_trip() {
    let circle = json!({"type": "record", "name": "Circle", "fields": [{"name": "radius", "type": "double"}]});
    let square =
        json!({"type": "record", "name": "Square", "fields": [{"name": "side", "type": "double"}]});
    let empty = json!({"type": "record", "name": "Empty", "fields": []});
    let schema = json!({"type": "record", "name": "Drawing", "fields": [
        {"name": "shapes", "type": {"type": "array", "items": [circle, square, empty]}},
        {"name": "main", "type": ["null", "Circle", "Square", "Empty"]}
    ]});
    let cases = [
        Drawing {
            shapes: vec![Shape::Square { side: 2.0 }, Shape::Empty],
            main: Some(Shape::Circle { radius: 1.0 }),
        },
        Drawing { shapes: vec![], main: None },
        Drawing { shapes: vec![Shape::Circle { radius: 0.5 }], main: Some(Shape::Empty) },
    ];
    let ours = compiled(&schema);
    let apache = apache_schema(&schema);
    for value in cases {
        let mut bytes = Vec::new();
        encode(&ours, &value, &mut bytes).unwrap();
        apache_avro::from_avro_datum(&apache, &mut &bytes[..], None).unwrap();
        let decoded: Drawing = decode(&plan(&schema, &schema), &bytes).unwrap();
        assert_eq!(decoded, value);
    }
}

fn check_corrupt(bytes: &[u8], expected: &str) {
    let schema = event_schema();
    let error = decode::<Event>(&plan(&schema, &schema), bytes).unwrap_err().to_string();
    assert!(error.contains(expected), "{bytes:02x?}: {error}");
    decode_json(&compiled(&schema), bytes).unwrap_err();
}

#[test]
fn corrupt_input_is_a_typed_error() {
    let mut good = Vec::new();
    encode(&compiled(&event_schema()), &event(3), &mut good).unwrap();
    for len in 0..good.len() {
        check_corrupt(&good[..len], "");
    }
    check_corrupt(&[0x02, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], "exceeds");
    check_corrupt(&[0x02, 0x02, 0x04, 0xff, 0xfe], "not utf-8");
    check_corrupt(&[0x80; 12], "varint");
    let mut trailing = good.clone();
    trailing.push(0);
    check_corrupt(&trailing, "left after");
    let union = json!(["null", "string"]);
    let error = decode::<Option<String>>(&plan(&union, &union), &[0x08]).unwrap_err().to_string();
    assert!(error.contains("union index 4"), "{error}");
    let colors = json!({"type": "enum", "name": "C", "symbols": ["Red"]});
    let error = decode::<Color>(&plan(&colors, &colors), &[0x02]).unwrap_err().to_string();
    assert!(error.contains("enum index 1"), "{error}");
    let nulls = json!({"type": "array", "items": "null"});
    let error = decode::<Vec<()>>(&plan(&nulls, &nulls), &[0xfe, 0xff, 0xff, 0xff, 0x0f])
        .unwrap_err()
        .to_string();
    assert!(error.contains("at most"), "{error}");
}

#[test]
fn dynamic_decode_to_json() {
    let schema = event_schema();
    let mut bytes = Vec::new();
    encode(&compiled(&schema), &event(12), &mut bytes).unwrap();
    let value = decode_json(&compiled(&schema), &bytes).unwrap();
    assert_eq!(value["id"], json!(12));
    assert_eq!(value["color"], json!("Blue"));
    assert_eq!(value["note"], json!("n"));
    assert_eq!(value["blob"], json!("\u{0}\u{ff}\u{7}"));
    assert_eq!(value["tags"], json!(["a", "", "ccc"]));
}

proptest! {
    #[test]
    fn typed_values_round_trip(
        id in any::<i64>(), count in any::<i32>(), name in ".{0,12}",
        tags in proptest::collection::vec(".{0,4}", 0..4),
        score in any::<f64>().prop_filter("not nan", |f| !f.is_nan()),
        note in proptest::option::of(".{0,5}"), blob in proptest::collection::vec(any::<u8>(), 0..8),
    ) {
        let schema = event_schema();
        let value = Event { id, count, name, tags, attrs: HashMap::new(), score, ratio: 1.0, ok: false, note, color: Color::Red, blob };
        let mut bytes = Vec::new();
        encode(&compiled(&schema), &value, &mut bytes).unwrap();
        let decoded: Event = decode(&plan(&schema, &schema), &bytes).unwrap();
        prop_assert_eq!(decoded, value);
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let schema = event_schema();
        let _ = decode::<Event>(&plan(&schema, &schema), &bytes);
        let _ = decode_json(&compiled(&schema), &bytes);
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Solo {
    Only { x: i32 },
}

fn check_round_trip<T>(schema: serde_json::Value, value: T)
where
    T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let mut bytes = Vec::new();
    encode(&compiled(&schema), &value, &mut bytes).unwrap();
    apache_avro::from_avro_datum(&apache_schema(&schema), &mut &bytes[..], None).unwrap();
    assert_eq!(decode::<T>(&plan(&schema, &schema), &bytes).unwrap(), value, "{schema}");
}

#[test]
fn option_and_union_shapes() {
    let only = json!({"type": "record", "name": "Only", "fields": [{"name": "x", "type": "int"}]});
    check_round_trip(json!(["null", only]), Some(Solo::Only { x: 3 }));
    check_round_trip(json!(["null", only]), None::<Solo>);
    check_round_trip(json!(["null", "long"]), Some(-9_i64));
    check_round_trip(json!(["string", "null"]), Some("first".to_owned()));
    check_round_trip(
        json!({"type": "map", "values": ["null", "double"]}),
        HashMap::from([("k".to_owned(), Some(1.5))]),
    );
    check_round_trip(json!({"type": "array", "items": "int"}), vec![1, -2, 300]);
    check_round_trip(json!({"type": "fixed", "name": "F", "size": 3}), [7u8, 8, 9]);
    check_round_trip(json!("bytes"), vec![1u8, 2, 3]);
}

#[derive(Debug, PartialEq, Deserialize)]
struct Node {
    next: Option<Box<Node>>,
}

#[test]
fn hostile_nesting_is_an_error_not_a_stack_overflow() {
    let list = json!({"type": "record", "name": "Node", "fields": [{"name": "next", "type": ["null", "Node"]}]});
    // Each level is one byte (union branch 1); a million of them would overflow the stack.
    let mut bytes = vec![0x02; 1_000_000];
    bytes.push(0);
    let error = decode::<Node>(&plan(&list, &list), &bytes).unwrap_err().to_string();
    assert!(error.contains("nests deeper"), "{error}");
    let error = decode_json(&compiled(&list), &bytes).unwrap_err().to_string();
    assert!(error.contains("nests too deeply"), "{error}");
    let shallow = [0x02, 0x02, 0x00];
    let expected =
        Node { next: Some(Box::new(Node { next: Some(Box::new(Node { next: None })) })) };
    assert_eq!(decode::<Node>(&plan(&list, &list), &shallow).unwrap(), expected);
}

#[test]
fn uuid_goes_as_its_string_form() {
    let schema = json!({"type": "string", "logicalType": "uuid"});
    let id = uuid::Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
    let mut bytes = Vec::new();
    encode(&compiled(&schema), &id, &mut bytes).unwrap();
    let apache = apache_avro::to_avro_datum(&apache_schema(&schema), AvroValue::Uuid(id)).unwrap();
    assert_eq!(bytes, apache);
    assert_eq!(decode::<uuid::Uuid>(&plan(&schema, &schema), &bytes).unwrap(), id);
    // A string that is not a uuid is a typed error, not a panic.
    let mut bad = Vec::new();
    encode(&compiled(&json!("string")), "not-a-uuid", &mut bad).unwrap();
    let error = decode::<uuid::Uuid>(&plan(&schema, &schema), &bad).unwrap_err().to_string();
    assert!(error.contains("invalid"), "{error}");
}

/// Encodes `text` at a `logical` position, checks the bytes against apache-avro's encoding of
/// `count`, and decodes the text form back.
fn check_temporal(schema: serde_json::Value, text: &str, count: i64, back: &str) {
    let mut bytes = Vec::new();
    encode(&compiled(&schema), text, &mut bytes).unwrap_or_else(|e| panic!("{text}: {e}"));
    let value = match schema["logicalType"].as_str() {
        Some("date") => AvroValue::Date(count as i32),
        Some("time-millis") => AvroValue::TimeMillis(count as i32),
        Some("time-micros") => AvroValue::TimeMicros(count),
        Some("timestamp-millis") => AvroValue::TimestampMillis(count),
        Some("timestamp-micros") => AvroValue::TimestampMicros(count),
        Some("local-timestamp-millis") => AvroValue::LocalTimestampMillis(count),
        Some("local-timestamp-micros") => AvroValue::LocalTimestampMicros(count),
        other => panic!("no logical type {other:?}"),
    };
    let apache = apache_avro::to_avro_datum(&apache_schema(&schema), value).unwrap();
    assert_eq!(bytes, apache, "{schema} {text}");
    assert_eq!(decode::<String>(&plan(&schema, &schema), &bytes).unwrap(), back, "{schema}");
    // A numeric target still reads the count.
    assert_eq!(decode::<i64>(&plan(&schema, &schema), &bytes).unwrap(), count, "{schema}");
}

#[test]
fn dates_and_times_convert_between_text_and_counts() {
    let date = json!({"type": "int", "logicalType": "date"});
    let micros = json!({"type": "long", "logicalType": "timestamp-micros"});
    let millis = json!({"type": "long", "logicalType": "timestamp-millis"});
    let local = json!({"type": "long", "logicalType": "local-timestamp-micros"});
    let time_micros = json!({"type": "long", "logicalType": "time-micros"});
    let time_millis = json!({"type": "int", "logicalType": "time-millis"});
    check_temporal(date.clone(), "1970-01-01", 0, "1970-01-01");
    check_temporal(date.clone(), "2024-02-29", 19_782, "2024-02-29");
    check_temporal(date.clone(), "1969-12-31", -1, "1969-12-31");
    check_temporal(date.clone(), "0001-01-01", -719_162, "0001-01-01");
    let at = "2023-11-14T22:13:20.123456Z";
    check_temporal(micros.clone(), at, 1_700_000_000_123_456, at);
    check_temporal(micros.clone(), "2023-11-15T00:13:20.123456+02:00", 1_700_000_000_123_456, at);
    check_temporal(
        micros.clone(),
        "2023-11-14 22:13:20.123456 +00:00:00",
        1_700_000_000_123_456,
        at,
    );
    check_temporal(
        micros.clone(),
        "1969-12-31T23:59:59.999999Z",
        -1,
        "1969-12-31T23:59:59.999999Z",
    );
    check_temporal(
        millis.clone(),
        "2023-11-14T22:13:20.123Z",
        1_700_000_000_123,
        "2023-11-14T22:13:20.123Z",
    );
    check_temporal(
        millis.clone(),
        "2023-11-14T22:13:20Z",
        1_700_000_000_000,
        "2023-11-14T22:13:20.000Z",
    );
    check_temporal(local.clone(), "1970-01-01T00:00:00", 0, "1970-01-01T00:00:00.000000");
    check_temporal(time_micros.clone(), "12:30:01.000005", 45_001_000_005, "12:30:01.000005");
    check_temporal(time_millis.clone(), "23:59:59.999", 86_399_999, "23:59:59.999");

    for (schema, text, why) in [
        (&date, "2023-02-29", "expected YYYY-MM-DD"),
        (&date, "2023-1-01", "expected YYYY-MM-DD"),
        (&date, "2023-01-01x", "trailing"),
        (&date, "", "expected YYYY-MM-DD"),
        (&micros, "2023-11-14T24:00:00Z", "out of range"),
        (&micros, "2023-11-14T22:13:20.1234567Z", "more precision"),
        (&micros, "2023-11-14T22:13:20.Z", "digits after"),
        (&micros, "2023-11-14T22:13:20+2:00", "offset"),
        (&micros, "2023-11-14", "'T'"),
        (&millis, "+999999-12-31T23:59:59Z", ""),
        (&time_millis, "12:30", "HH:MM:SS"),
        (&time_millis, "é", "HH:MM:SS"),
    ] {
        let mut bytes = Vec::new();
        let result = encode(&compiled(schema), text, &mut bytes);
        if why.is_empty() {
            // Far years still fit a long of millis.
            result.unwrap();
            continue;
        }
        let error = result.unwrap_err().to_string();
        assert!(error.contains(why), "{text}: {error}");
    }
    // A text at a plain long is refused as before.
    let error = encode(&compiled(&json!("long")), "2023-11-14", &mut Vec::new()).unwrap_err();
    assert!(error.to_string().contains("cannot write a string as long"), "{error}");
    // A time of day out of range on the wire is an error when presented as text.
    let mut bytes = Vec::new();
    encode(&compiled(&json!("long")), &-1_i64, &mut bytes).unwrap();
    let error = decode::<String>(&plan(&time_micros, &time_micros), &bytes).unwrap_err();
    assert!(error.to_string().contains("not a time of day"), "{error}");
    // Extreme counts format without overflow.
    for count in [i64::MIN, i64::MAX] {
        let mut bytes = Vec::new();
        encode(&compiled(&json!("long")), &count, &mut bytes).unwrap();
        decode::<String>(&plan(&micros, &micros), &bytes).unwrap();
    }
}

#[test]
fn chrono_types_round_trip_at_logical_positions() {
    let optional = json!(["null", {"type": "long", "logicalType": "timestamp-micros"}]);
    let at = chrono::DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap();
    check_round_trip(optional.clone(), Some(at));
    check_round_trip(optional, None::<chrono::DateTime<chrono::Utc>>);
    check_round_trip(
        json!({"type": "long", "logicalType": "local-timestamp-millis"}),
        chrono::DateTime::from_timestamp_millis(-1).unwrap().naive_utc(),
    );
    check_round_trip(
        json!({"type": "int", "logicalType": "date"}),
        chrono::NaiveDate::from_ymd_opt(-5, 3, 1).unwrap(),
    );
}

/// Encodes `text` under a decimal schema, checks the bytes against apache-avro's encoding of
/// `unscaled`, and reads the text form back.
fn check_decimal(schema: serde_json::Value, text: &str, unscaled: i128, back: &str) {
    let mut bytes = Vec::new();
    encode(&compiled(&schema), text, &mut bytes).unwrap_or_else(|e| panic!("{text}: {e}"));
    let size = schema.get("size").and_then(serde_json::Value::as_u64);
    let wire = unscaled.to_be_bytes();
    let skip = match size {
        Some(size) => 16 - size as usize,
        None => (0..15)
            .take_while(|&i| {
                let filler = if unscaled < 0 { 0xff } else { 0 };
                wire[i] == filler && (wire[i + 1] & 0x80 == 0) == (filler == 0)
            })
            .count(),
    };
    let value = AvroValue::Decimal(apache_avro::Decimal::from(wire[skip..].to_vec()));
    let apache = apache_avro::to_avro_datum(&apache_schema(&schema), value).unwrap();
    assert_eq!(bytes, apache, "{schema} {text}");
    assert_eq!(decode::<String>(&plan(&schema, &schema), &bytes).unwrap(), back, "{schema}");
}

/// Bytes that serialize as bytes (serde's `Vec<u8>` is a sequence).
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Raw(#[serde(with = "bytes")] Vec<u8>);

#[test]
fn decimals_convert_between_text_and_unscaled_bytes() {
    let bytes = json!({"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2});
    let fixed = json!({"type": "fixed", "name": "D", "size": 4, "logicalType": "decimal",
        "precision": 9, "scale": 3});
    let whole = json!({"type": "bytes", "logicalType": "decimal", "precision": 38, "scale": 0});
    check_decimal(bytes.clone(), "12.34", 1234, "12.34");
    check_decimal(bytes.clone(), "-12.3", -1230, "-12.30");
    check_decimal(bytes.clone(), "0", 0, "0.00");
    check_decimal(bytes.clone(), "-0.01", -1, "-0.01");
    check_decimal(bytes.clone(), "1.2800", 128, "1.28");
    check_decimal(bytes.clone(), "99999999.99", 9_999_999_999, "99999999.99");
    check_decimal(fixed.clone(), "-1.5", -1500, "-1.500");
    check_decimal(fixed.clone(), "999999.999", 999_999_999, "999999.999");
    let max = "9".repeat(38);
    check_decimal(whole.clone(), &max, max.parse().unwrap(), &max);
    check_decimal(
        whole.clone(),
        &format!("-{max}"),
        -max.parse::<i128>().unwrap(),
        &format!("-{max}"),
    );

    for (schema, text, why) in [
        (&bytes, "1.234", "more fraction digits"),
        (&bytes, "100000000.00", "more digits than the precision"),
        (&bytes, "1e3", "expected digits"),
        (&bytes, "", "expected digits"),
        (&bytes, "-", "expected digits"),
        (&bytes, "1.2.3", "expected digits"),
        (&fixed, "1000000", "more digits than the precision"),
        (&whole, &format!("1{max}"), "more digits than the precision"),
    ] {
        let error = encode(&compiled(schema), text, &mut Vec::new()).unwrap_err().to_string();
        assert!(error.contains(why), "{text}: {error}");
    }
    // A byte target still reads the wire bytes; more than 128 bits is a typed error.
    let mut wire = Vec::new();
    encode(&compiled(&bytes), "-1.28", &mut wire).unwrap();
    let raw: Raw = decode(&plan(&bytes, &bytes), &wire).unwrap();
    assert_eq!(raw.0, [0x80]);
    let mut wide = Vec::new();
    encode(&compiled(&json!("bytes")), &Raw(vec![1; 17]), &mut wide).unwrap();
    let error = decode::<String>(&plan(&bytes, &bytes), &wide).unwrap_err().to_string();
    assert!(error.contains("does not fit 128 bits"), "{error}");
    let mut wide = Vec::new();
    let sign_extended = [[0xff; 3].as_slice(), &[0x80; 15]].concat();
    encode(&compiled(&json!("bytes")), &Raw(sign_extended), &mut wide).unwrap();
    decode::<String>(&plan(&bytes, &bytes), &wide).unwrap();
}

#[test]
fn rust_decimal_round_trips_at_decimal_positions() {
    let bytes = json!({"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2});
    check_round_trip(bytes.clone(), rust_decimal::Decimal::new(-1234, 2));
    check_round_trip(json!(["null", bytes]), Some(rust_decimal::Decimal::new(5, 0)));
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Inner {
    x: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Renamed {
    #[serde(rename = "small")]
    Small {
        count: i32,
    },
    Large(Inner),
    Unit,
}

#[test]
fn union_branch_position_names_the_variant() {
    let small =
        json!({"type": "record", "name": "small", "fields": [{"name": "count", "type": "int"}]});
    let inner =
        json!({"type": "record", "name": "Inner", "fields": [{"name": "x", "type": "int"}]});
    let unit = json!({"type": "record", "name": "Unit", "fields": []});
    let schema = json!([small, inner, unit]);
    for value in [Renamed::Small { count: 1 }, Renamed::Large(Inner { x: 2 }), Renamed::Unit] {
        check_round_trip(schema.clone(), value.clone());
        check_round_trip(json!(["null", small, inner, unit]), Some(value));
    }
    // A branch past the enum's variants is a typed error, not a panic.
    let extra = json!({"type": "record", "name": "Extra", "fields": []});
    let wider = json!([small, inner, unit, extra]);
    let error = decode::<Renamed>(&plan(&wider, &wider), &[0x06]).unwrap_err().to_string();
    assert!(error.contains("unknown variant `Extra`"), "{error}");
}

#[test]
fn wide_integers_go_as_decimals_or_longs() {
    let wide = json!({"type": "bytes", "logicalType": "decimal", "precision": 39, "scale": 0});
    let scaled = json!({"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2});
    let fixed = json!({"type": "fixed", "name": "W", "size": 17, "logicalType": "decimal",
        "precision": 39, "scale": 0});
    // Checked against apache-avro's encoding of the same unscaled bytes.
    for (value, wire) in [
        (0_u128, vec![0x00]),
        (127, vec![0x7f]),
        (128, vec![0x00, 0x80]),
        (u128::MAX, [[0x00].as_slice(), &[0xff; 16]].concat()),
    ] {
        let mut bytes = Vec::new();
        encode(&compiled(&wide), &value, &mut bytes).unwrap();
        let apache = apache_avro::to_avro_datum(
            &apache_schema(&wide),
            AvroValue::Decimal(apache_avro::Decimal::from(wire)),
        )
        .unwrap();
        assert_eq!(bytes, apache, "{value}");
        check_round_trip(wide.clone(), value);
        check_round_trip(fixed.clone(), value);
    }
    for value in [i128::MIN, -129, -128, -1, 0, 1, i128::MAX] {
        check_round_trip(wide.clone(), value);
        check_round_trip(fixed.clone(), value);
        check_round_trip(json!(["null", wide]), Some(value));
    }
    check_round_trip(scaled.clone(), 12_345_678_u128);
    check_round_trip(json!("long"), i128::from(i64::MIN));
    check_round_trip(json!("long"), u128::from(u64::MAX >> 1));

    let refuse = |schema: &serde_json::Value, value: i128, why: &str| {
        let error = encode(&compiled(schema), &value, &mut Vec::new()).unwrap_err().to_string();
        assert!(error.contains(why), "{value}: {error}");
    };
    refuse(&scaled, 123_456_789, "does not fit decimal(10, 2)");
    refuse(&json!("long"), i128::from(i64::MAX) + 1, "does not fit an Avro long");
    refuse(&json!("int"), 1 << 40, "does not fit an Avro int");
    refuse(&json!("string"), 1, "cannot write an integer as string");
    let narrow = json!({"type": "bytes", "logicalType": "decimal", "precision": 3, "scale": 0});
    let error = encode(&compiled(&narrow), &u128::MAX, &mut Vec::new()).unwrap_err();
    assert!(error.to_string().contains("does not fit decimal(3, 0)"), "{error}");

    // Decoding refuses what the target cannot hold, with typed errors.
    let decoded = |schema: &serde_json::Value, text: &str| {
        let mut bytes = Vec::new();
        encode(&compiled(schema), text, &mut bytes).unwrap();
        bytes
    };
    let negative = decoded(&wide, "-1");
    let error = decode::<u128>(&plan(&wide, &wide), &negative).unwrap_err().to_string();
    assert!(error.contains("does not fit a u128"), "{error}");
    let huge = decoded(&wide, &u128::MAX.to_string());
    let error = decode::<i128>(&plan(&wide, &wide), &huge).unwrap_err().to_string();
    assert!(error.contains("does not fit an i128"), "{error}");
    let fraction = decoded(&scaled, "1.5");
    let error = decode::<i128>(&plan(&scaled, &scaled), &fraction).unwrap_err().to_string();
    assert!(error.contains("has a fraction"), "{error}");
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
enum Untagged {
    Point { x: i32, y: i32 },
    Line { x: i32, length: f64 },
    Label { text: String },
}

#[test]
fn untagged_variants_pick_the_branch_by_their_fields() {
    let point = json!({"type": "record", "name": "Point", "fields": [
        {"name": "x", "type": "int"}, {"name": "y", "type": "int"}]});
    // `width` is not in the Rust variant: its default fills it.
    let line = json!({"type": "record", "name": "Line", "fields": [
        {"name": "x", "type": "int"}, {"name": "length", "type": "double"},
        {"name": "width", "type": "int", "default": 1}]});
    let label = json!({"type": "record", "name": "Label", "fields": [
        {"name": "text", "type": "string"}]});
    let schema = json!(["null", point, line, label]);
    let apache = apache_schema(&schema);
    for (value, index) in [
        (Untagged::Point { x: 1, y: 2 }, 1),
        (Untagged::Line { x: 1, length: 2.5 }, 2),
        (Untagged::Label { text: "t".to_owned() }, 3),
    ] {
        let mut bytes = Vec::new();
        encode(&compiled(&schema), &Some(value.clone()), &mut bytes).unwrap();
        assert_eq!(bytes[0], index * 2, "{value:?}");
        apache_avro::from_avro_datum(&apache, &mut &bytes[..], None).unwrap();
        let decoded: Option<Untagged> = decode(&plan(&schema, &schema), &bytes).unwrap();
        assert_eq!(decoded, Some(value));
    }
    // No branch takes these fields: a typed error naming the struct.
    let narrow = json!([point, label]);
    let error = encode(&compiled(&narrow), &Untagged::Line { x: 1, length: 2.0 }, &mut Vec::new())
        .unwrap_err()
        .to_string();
    assert!(error.contains("no record branch of the union takes the fields"), "{error}");
    // A field of the wrong type rules its branch out.
    let typed = json!([
        {"type": "record", "name": "A", "fields": [{"name": "text", "type": "int"}]},
        label
    ]);
    let mut bytes = Vec::new();
    encode(&compiled(&typed), &Untagged::Label { text: "t".to_owned() }, &mut bytes).unwrap();
    assert_eq!(bytes[0], 2);
}

#[test]
fn logical_types_resolve_with_the_writers_unit_and_scale() {
    let millis = json!({"type": "long", "logicalType": "timestamp-millis"});
    let micros = json!({"type": "long", "logicalType": "timestamp-micros"});
    let mut bytes = Vec::new();
    encode(&compiled(&millis), "2023-11-14T22:13:20.123Z", &mut bytes).unwrap();
    let text: String = decode(&plan(&millis, &micros), &bytes).unwrap();
    assert_eq!(text, "2023-11-14T22:13:20.123Z");
    let two = json!({"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2});
    let three = json!({"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 3});
    let mut bytes = Vec::new();
    encode(&compiled(&two), "1.25", &mut bytes).unwrap();
    let text: String = decode(&plan(&two, &three), &bytes).unwrap();
    assert_eq!(text, "1.25");
}

#[test]
fn time_crate_tuples_convert_at_logical_positions() {
    let micros = json!({"type": "long", "logicalType": "timestamp-micros"});
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_000).unwrap();
    let mut bytes = Vec::new();
    encode(&compiled(&micros), &at, &mut bytes).unwrap();
    let apache = apache_avro::to_avro_datum(
        &apache_schema(&micros),
        AvroValue::TimestampMicros(1_700_000_000_123_456),
    )
    .unwrap();
    assert_eq!(bytes, apache);
    // An offset other than UTC names the same instant, which comes back at UTC.
    let east = at.to_offset(time::UtcOffset::from_hms(5, 30, 0).unwrap());
    let mut again = Vec::new();
    encode(&compiled(&micros), &east, &mut again).unwrap();
    assert_eq!(again, bytes);
    check_round_trip(micros.clone(), at);
    check_round_trip(json!(["null", micros.clone()]), Some(at));
    check_round_trip(json!({"type": "int", "logicalType": "date"}), time::Date::MIN);
    check_round_trip(
        json!({"type": "long", "logicalType": "local-timestamp-millis"}),
        time::PrimitiveDateTime::MAX.replace_millisecond(999).unwrap(),
    );
    check_round_trip(
        json!({"type": "int", "logicalType": "time-millis"}),
        time::Time::from_hms_milli(23, 59, 59, 999).unwrap(),
    );
    // Nanoseconds a micros schema cannot hold are refused, not truncated.
    let nanos = time::OffsetDateTime::from_unix_timestamp_nanos(1).unwrap();
    let error = encode(&compiled(&micros), &nanos, &mut Vec::new()).unwrap_err().to_string();
    assert!(error.contains("more precision than the schema's unit"), "{error}");
    let error = encode(&compiled(&micros), &(1_i32, 2_u16), &mut Vec::new()).unwrap_err();
    assert!(error.to_string().contains("unexpected number of parts"), "{error}");
    let date = json!({"type": "int", "logicalType": "date"});
    let error = encode(&compiled(&date), &(2023_i32, 366_u16), &mut Vec::new()).unwrap_err();
    assert!(error.to_string().contains("day of the year out of range"), "{error}");
}

#[test]
fn uuid_on_fixed_and_bytes_goes_as_its_16_bytes() {
    let id = uuid::Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
    let fixed = json!({"type": "fixed", "name": "U", "size": 16, "logicalType": "uuid"});
    let mut bytes = Vec::new();
    encode(&compiled(&fixed), &id, &mut bytes).unwrap();
    let apache = apache_avro::to_avro_datum(&apache_schema(&fixed), AvroValue::Uuid(id)).unwrap();
    assert_eq!(bytes, apache);
    check_round_trip(fixed.clone(), id);
    check_round_trip(json!({"type": "bytes", "logicalType": "uuid"}), id);
    for text in ["0123456789abcdef0123456789ABCDEF", "01234567-89ab-cdef-0123-456789abcdef"] {
        let mut simple = Vec::new();
        encode(&compiled(&fixed), text, &mut simple).unwrap();
        assert_eq!(simple, bytes, "{text}");
    }
    for text in [
        "",
        "0123",
        "01234567-89ab-cdef-0123-456789abcdeg",
        "0123456789abcdef0123456789abcdef--",
        "+123456789abcdef0123456789abcdef",
        "é123456789abcdef0123456789abcde",
    ] {
        let error = encode(&compiled(&fixed), text, &mut Vec::new()).unwrap_err().to_string();
        assert!(error.contains("is not a uuid"), "{text}: {error}");
    }
}

/// The varint reader against a byte-at-a-time reference, at every length, with the input
/// ending right after the varint (the loop) and with more bytes after it (eight bytes in view).
#[test]
fn varints_read_at_every_length_and_fail_cleanly() {
    use super::binary::{Reader, write_long};

    fn reference(bytes: &[u8]) -> Option<(i64, usize)> {
        let mut n: u64 = 0;
        for (i, &byte) in bytes.iter().take(10).enumerate() {
            n |= u64::from(byte & 0x7f).checked_shl(7 * i as u32).unwrap_or(0);
            if byte & 0x80 == 0 {
                return Some((((n >> 1) as i64) ^ -((n & 1) as i64), i + 1));
            }
        }
        None
    }

    let mut values = vec![0, -1, 1, 63, -64, 64, -65, i64::MAX, i64::MIN, i64::MAX - 1];
    for shift in 0..64 {
        let power = 1i64 << shift;
        let below = power.wrapping_sub(1);
        values.extend([
            power,
            power.wrapping_neg(),
            below,
            power.wrapping_add(1),
            below.wrapping_neg(),
        ]);
    }
    for value in values {
        let mut bytes = Vec::new();
        write_long(value, &mut bytes);
        for padding in [0, 1, 7, 9] {
            let mut input = bytes.clone();
            input.extend(std::iter::repeat_n(0xffu8, padding));
            let mut reader = Reader::new(&input);
            assert_eq!(reader.long().unwrap(), value, "{input:02x?}");
            assert_eq!(reader.pos, bytes.len(), "{input:02x?}");
            assert_eq!(reference(&input), Some((value, bytes.len())));
        }
        // Cut short: an error, whatever follows.
        for len in 0..bytes.len() {
            let error = Reader::new(&bytes[..len]).long().unwrap_err().to_string();
            assert!(error.contains("input ends inside a varint"), "{error}");
        }
    }
    // Ten bytes are the most; the tenth's bits past the 64th are dropped, as the reference does.
    for last in [0x00, 0x01, 0x7f] {
        let mut input = vec![0xff; 9];
        input.push(last);
        input.extend([0x00; 4]);
        let mut reader = Reader::new(&input);
        assert_eq!(Some((reader.long().unwrap(), reader.pos)), reference(&input));
    }
    for input in [vec![0x80; 11], vec![0xff; 10], [vec![0x80; 10], vec![0x00]].concat()] {
        let error = Reader::new(&input).long().unwrap_err().to_string();
        assert!(error.contains("longer than 10 bytes"), "{input:02x?}: {error}");
    }
    // Overlong encodings of small numbers are read, as the specification's readers do.
    let mut reader = Reader::new(&[0x82, 0x80, 0x80, 0x00, 0x05]);
    assert_eq!((reader.long().unwrap(), reader.pos), (1, 4));
    // Lengths, floats and booleans past the end are errors too.
    assert!(Reader::new(&[0x06, b'a']).bytes().is_err());
    assert!(Reader::new(&[0x01, b'a']).bytes().is_err());
    assert!(
        Reader::new(&[0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).bytes().is_err()
    );
    assert!(Reader::new(&[0; 3]).float().is_err());
    assert!(Reader::new(&[0; 7]).double().is_err());
    assert!(Reader::new(&[]).boolean().is_err());
    assert_eq!(Reader::new(&[0, 0, 0x80, 0x3f]).float().unwrap(), 1.0);
}

/// A struct's fields are named to its derived field visitor by position when the record's
/// fields are exactly the struct's; every other shape still goes by name, and all decode alike.
mod field_keys {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub(super) struct Plain {
        a: i64,
        b: String,
        c: Option<i32>,
    }

    /// `Plain`'s fields declared in another order: its `fields` list differs.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub(super) struct Reordered {
        c: Option<i32>,
        a: i64,
        b: String,
    }

    /// An alias is listed in `fields` too, so positions in `fields` are not field indexes.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub(super) struct Aliased {
        #[serde(alias = "x")]
        a: i64,
        b: String,
        c: Option<i32>,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Strict {
        a: i64,
        #[serde(skip)]
        skipped: u8,
        b: String,
        c: Option<i32>,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "UPPERCASE")]
    pub(super) struct Upper {
        a: i64,
        b: String,
        c: Option<i32>,
    }

    /// Written by hand as serde's documentation shows: its field visitor knows names only.
    #[derive(Debug, Clone, PartialEq)]
    pub(super) struct ByHand {
        a: i64,
        b: String,
        c: Option<i32>,
    }

    impl<'de> Deserialize<'de> for ByHand {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ByHand, D::Error> {
            enum Field {
                A,
                B,
                C,
            }
            impl<'de> Deserialize<'de> for Field {
                fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Field, D::Error> {
                    struct FieldVisitor;
                    impl serde::de::Visitor<'_> for FieldVisitor {
                        type Value = Field;
                        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                            f.write_str("`a`, `b` or `c`")
                        }
                        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Field, E> {
                            match v {
                                "a" => Ok(Field::A),
                                "b" => Ok(Field::B),
                                "c" => Ok(Field::C),
                                _ => Err(E::unknown_field(v, &["a", "b", "c"])),
                            }
                        }
                    }
                    d.deserialize_identifier(FieldVisitor)
                }
            }
            struct V;
            impl<'de> serde::de::Visitor<'de> for V {
                type Value = ByHand;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("struct ByHand")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<ByHand, A::Error> {
                    let (mut a, mut b, mut c) = (None, None, None);
                    while let Some(key) = map.next_key()? {
                        match key {
                            Field::A => a = Some(map.next_value()?),
                            Field::B => b = Some(map.next_value()?),
                            Field::C => c = Some(map.next_value()?),
                        }
                    }
                    let missing = serde::de::Error::missing_field;
                    Ok(ByHand {
                        a: a.ok_or_else(|| missing("a"))?,
                        b: b.ok_or_else(|| missing("b"))?,
                        c: c.ok_or_else(|| missing("c"))?,
                    })
                }
            }
            d.deserialize_struct("ByHand", &["a", "b", "c"], V)
        }
    }

    /// A hand-written key visitor named like serde's: named by position, it says so.
    #[derive(Debug, Clone, PartialEq)]
    pub(super) struct Probe(pub(super) Vec<String>);

    impl<'de> Deserialize<'de> for Probe {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Probe, D::Error> {
            struct Key(String);
            impl<'de> Deserialize<'de> for Key {
                fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
                    #[allow(non_camel_case_types, reason = "named as serde's derive names it")]
                    struct __FieldVisitor;
                    impl serde::de::Visitor<'_> for __FieldVisitor {
                        type Value = Key;
                        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                            f.write_str("a key")
                        }
                        fn visit_u64<E>(self, v: u64) -> Result<Key, E> {
                            Ok(Key(format!("#{v}")))
                        }
                        fn visit_str<E>(self, v: &str) -> Result<Key, E> {
                            Ok(Key(v.to_owned()))
                        }
                    }
                    d.deserialize_identifier(__FieldVisitor)
                }
            }
            struct V;
            impl<'de> serde::de::Visitor<'de> for V {
                type Value = Probe;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("struct Probe")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<Probe, A::Error> {
                    let mut keys = Vec::new();
                    while let Some(Key(key)) = map.next_key()? {
                        map.next_value::<serde::de::IgnoredAny>()?;
                        keys.push(key);
                    }
                    Ok(Probe(keys))
                }
            }
            d.deserialize_struct("Probe", &["b", "c", "a"], V)
        }
    }
}

#[test]
fn struct_fields_decode_alike_by_position_or_by_name() {
    use field_keys::*;

    let schema = |names: [&str; 3]| {
        json!({"type": "record", "name": "R", "fields": [
            {"name": names[0], "type": "long"},
            {"name": names[1], "type": "string"},
            {"name": names[2], "type": ["null", "int"], "default": null}
        ]})
    };
    let abc = schema(["a", "b", "c"]);
    let expected: Plain = serde_json::from_value(json!({"a": 7, "b": "seven", "c": 77})).unwrap();
    let mut bytes = Vec::new();
    encode(&compiled(&abc), &expected, &mut bytes).unwrap();
    // Twice: the positions are worked out on first use and then kept in the plan.
    let same = plan(&abc, &abc);
    assert_eq!(twice_on(&same, &bytes), [expected.clone(), expected.clone()]);
    // Errors still name the field they happened in.
    let error = decode::<Plain>(&same, &bytes[..3]).unwrap_err().to_string();
    assert!(error.contains("at '/b'") && error.contains("exceeds"), "{error}");
    let mut bad = bytes.clone();
    bad[2] = 0xff;
    let error = decode::<Plain>(&same, &bad).unwrap_err().to_string();
    assert!(error.contains("at '/b'") && error.contains("not utf-8"), "{error}");
    // One plan read as several types: each decodes as it would by name.
    let reordered: Reordered = decode(&same, &bytes).unwrap();
    assert_eq!(serde_json::to_value(reordered).unwrap(), serde_json::to_value(&expected).unwrap());
    let aliased: Aliased = decode(&same, &bytes).unwrap();
    assert_eq!(serde_json::to_value(aliased).unwrap(), serde_json::to_value(&expected).unwrap());
    let strict: Strict = decode(&plan(&abc, &abc), &bytes).unwrap();
    assert_eq!(serde_json::to_value(strict).unwrap(), json!({"a": 7, "b": "seven", "c": 77}));
    let by_hand: ByHand = decode(&same, &bytes).unwrap();
    assert_eq!(format!("{by_hand:?}"), r#"ByHand { a: 7, b: "seven", c: Some(77) }"#);
    let upper = schema(["A", "B", "C"]);
    let upper_plan = plan(&upper, &upper);
    let upper: Upper = decode(&upper_plan, &bytes).unwrap();
    assert_eq!(serde_json::to_value(upper).unwrap(), json!({"A": 7, "B": "seven", "C": 77}));
    // The probe's `fields` are b, c, a: a position is the field's place in that list.
    assert_eq!(decode::<Probe>(&plan(&abc, &abc), &bytes).unwrap().0, ["#2", "#0", "#1"]);
    // Fields not exactly `fields` (one missing, one extra): by name.
    let abd = schema(["a", "b", "d"]);
    assert_eq!(decode::<Probe>(&plan(&abd, &abd), &bytes).unwrap().0, ["a", "b", "d"]);
    // The reader lists its fields in another order than the writer, one is skipped and one is
    // filled from its default: positions follow the reader's names.
    let writer = json!({"type": "record", "name": "R", "fields": [
        {"name": "b", "type": "string"},
        {"name": "gone", "type": "string"},
        {"name": "a", "type": "int"}
    ]});
    let mut bytes = Vec::new();
    encode_json(&compiled(&writer), &json!({"b": "bee", "gone": "x", "a": 5}), &mut bytes).unwrap();
    let evolved = plan(&writer, &abc);
    let expected: Plain = serde_json::from_value(json!({"a": 5, "b": "bee", "c": null})).unwrap();
    assert_eq!(twice_on(&evolved, &bytes), [expected.clone(), expected]);
    assert_eq!(decode::<Probe>(&plan(&writer, &abc), &bytes).unwrap().0, ["#0", "#2", "#1"]);
}

fn twice_on(plan: &Plan, bytes: &[u8]) -> [field_keys::Plain; 2] {
    [decode(plan, bytes).unwrap(), decode(plan, bytes).unwrap()]
}
