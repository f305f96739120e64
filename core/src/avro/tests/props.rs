//! Property tests: random valid schemas are compatible with themselves at every level and
//! normalize stably whatever their formatting; random text and random JSON never make the parser
//! panic.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use crate::avro::{AvroSchema, can_read};
use crate::compat::{CompatibilityLevel, check};
use crate::schema::{Schema, SchemaType};

/// The shape of a random schema; names are assigned afterwards so that they are unique.
#[derive(Debug, Clone)]
enum Shape {
    Primitive(usize),
    Logical(usize),
    Array(Box<Shape>),
    Map(Box<Shape>),
    /// Distinct primitives, optionally followed by a record.
    Union(Vec<usize>, Option<Box<Shape>>),
    Record(Vec<(Shape, bool)>),
    Enum(usize, bool),
    Fixed(u8),
    /// A use by name of a named type rendered earlier (a string when there is none yet).
    Ref(usize),
}

const PRIMITIVES: [&str; 8] =
    ["null", "boolean", "int", "long", "float", "double", "bytes", "string"];

fn shape() -> impl Strategy<Value = Shape> {
    let leaf = prop_oneof![
        (0..PRIMITIVES.len()).prop_map(Shape::Primitive),
        (0..3usize).prop_map(Shape::Logical),
        (1..4usize, any::<bool>()).prop_map(|(n, default)| Shape::Enum(n, default)),
        (0..20u8).prop_map(Shape::Fixed),
        any::<usize>().prop_map(Shape::Ref),
    ];
    leaf.prop_recursive(4, 24, 5, |inner| {
        prop_oneof![
            inner.clone().prop_map(|s| Shape::Array(Box::new(s))),
            inner.clone().prop_map(|s| Shape::Map(Box::new(s))),
            (
                proptest::sample::subsequence((0..PRIMITIVES.len()).collect::<Vec<_>>(), 1..4),
                proptest::option::of(inner.clone())
            )
                .prop_map(|(prims, record)| Shape::Union(
                    prims,
                    record.map(|r| Box::new(Shape::Record(vec![(r, false)])))
                )),
            proptest::collection::vec((inner, any::<bool>()), 0..5).prop_map(Shape::Record),
        ]
    })
}

/// Hands out unique names and remembers the full names defined so far, for `Shape::Ref`.
#[derive(Default)]
struct Namer {
    count: usize,
    defined: Vec<String>,
}

impl Namer {
    /// A fresh short name; every named type lives in namespace `p.q`.
    fn next(&mut self, prefix: &str) -> String {
        self.count += 1;
        let name = format!("{prefix}{}", self.count);
        self.defined.push(format!("p.q.{name}"));
        name
    }
}

/// Renders a shape as schema JSON and, where the type allows one simply, a default value.
fn render(shape: &Shape, namer: &mut Namer) -> (Value, Option<Value>) {
    match shape {
        Shape::Primitive(i) => {
            let name = PRIMITIVES.get(*i).copied().unwrap_or("null");
            let default = match name {
                "null" => json!(null),
                "boolean" => json!(true),
                "int" | "long" => json!(7),
                "float" | "double" => json!(1.5),
                _ => json!("x"),
            };
            (json!(name), Some(default))
        }
        Shape::Logical(i) => match i {
            0 => (json!({"type": "int", "logicalType": "date"}), Some(json!(0))),
            1 => (json!({"type": "long", "logicalType": "timestamp-millis"}), Some(json!(0))),
            _ => (json!({"type": "string", "logicalType": "uuid"}), None),
        },
        Shape::Array(items) => {
            (json!({"type": "array", "items": render(items, namer).0}), Some(json!([])))
        }
        Shape::Map(values) => {
            (json!({"type": "map", "values": render(values, namer).0}), Some(json!({})))
        }
        Shape::Union(prims, record) => {
            let mut branches: Vec<Value> =
                prims.iter().filter_map(|i| PRIMITIVES.get(*i)).map(|p| json!(p)).collect();
            if let Some(record) = record {
                branches.push(render(record, namer).0);
            }
            let default = if prims.first() == Some(&0) { Some(json!(null)) } else { None };
            (Value::Array(branches), default)
        }
        Shape::Record(fields) => {
            let name = namer.next("R");
            let fields: Vec<Value> = fields
                .iter()
                .enumerate()
                .map(|(i, (field, with_default))| {
                    let (ty, default) = render(field, namer);
                    let mut object = Map::new();
                    object.insert("name".to_owned(), json!(format!("f{i}")));
                    object.insert("type".to_owned(), ty);
                    if let (true, Some(default)) = (with_default, default) {
                        object.insert("default".to_owned(), default);
                    }
                    Value::Object(object)
                })
                .collect();
            (
                json!({"type": "record", "name": name, "namespace": "p.q", "doc": "d", "fields": fields}),
                None,
            )
        }
        Shape::Enum(n, default) => {
            let symbols: Vec<String> = (0..*n).map(|i| format!("S{i}")).collect();
            let mut value = json!({"type": "enum", "name": namer.next("E"), "namespace": "p.q", "symbols": symbols});
            if *default && let Value::Object(object) = &mut value {
                object.insert("default".to_owned(), json!("S0"));
            }
            (value, Some(json!("S0")))
        }
        Shape::Fixed(size) => {
            let default = "a".repeat(usize::from(*size));
            (
                json!({"type": "fixed", "name": namer.next("F"), "namespace": "p.q", "size": size}),
                Some(json!(default)),
            )
        }
        Shape::Ref(pick) => {
            if namer.defined.is_empty() {
                return (json!("string"), Some(json!("x")));
            }
            let name = namer.defined.get(pick % namer.defined.len()).cloned().unwrap_or_default();
            (json!(name), None)
        }
    }
}

fn schema_text() -> impl Strategy<Value = Value> {
    shape().prop_map(|shape| render(&shape, &mut Namer::default()).0)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn random_schema_is_compatible_with_itself(value in schema_text()) {
        let text = value.to_string();
        let schema = Schema::parse(SchemaType::Avro, &text);
        prop_assert!(schema.is_ok(), "{text}: {:?}", schema.err());
        let Ok(schema) = schema else { return Ok(()) };
        let copy = Schema::parse(SchemaType::Avro, &text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        for level in CompatibilityLevel::ALL {
            let report = check(level, &schema, &[&copy]);
            prop_assert!(report.is_compatible(), "{level} {text}: {report:?}");
        }
    }

    #[test]
    fn normalized_form_is_stable(value in schema_text()) {
        let compact = value.to_string();
        let pretty = serde_json::to_string_pretty(&value).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let a = AvroSchema::parse(&compact, &[]).map_err(|e| TestCaseError::fail(format!("{e}: {compact}")))?;
        let b = AvroSchema::parse(&pretty, &[]).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(a.normalized(), b.normalized());
        prop_assert_eq!(a.canonical_form(), b.canonical_form());
        // Normalizing is idempotent, keeps the canonical form, and the result reads the original.
        let again = AvroSchema::parse(&a.normalized(), &[]).map_err(|e| TestCaseError::fail(format!("{e}: {}", a.normalized())))?;
        prop_assert_eq!(again.normalized(), a.normalized());
        prop_assert_eq!(again.canonical_form(), a.canonical_form());
        prop_assert!(can_read(&again, &a).is_empty());
        // Java's text (what the registry stores) is the same schema, and its own Java text.
        let java = crate::avro::java_text(&pretty).ok_or_else(|| TestCaseError::fail("not JSON"))?;
        let stored = AvroSchema::parse(&java, &[]).map_err(|e| TestCaseError::fail(format!("{e}: {java}")))?;
        prop_assert_eq!(stored.normalized(), a.normalized());
        prop_assert_eq!(crate::avro::java_text(&java), Some(java.clone()));
    }

    #[test]
    fn parse_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = AvroSchema::parse(&text, &[]);
    }

    #[test]
    fn parse_never_panics_on_truncated_schemas(value in schema_text(), cut in 0.0f64..1.0) {
        let text = value.to_string();
        let end = (text.len() as f64 * cut) as usize;
        let truncated: String = text.chars().take(end).collect();
        let _ = AvroSchema::parse(&truncated, &[]);
    }

    #[test]
    fn parse_never_panics_on_random_json(value in avro_like_json()) {
        let text = value.to_string();
        if let Ok(schema) = AvroSchema::parse(&text, &[]) {
            // Whatever parses can be printed and compared without panicking.
            let _ = crate::avro::java_text(&text);
            let _ = schema.normalized();
            let _ = schema.fingerprint();
            let _ = can_read(&schema, &schema);
        }
    }
}

/// Random JSON biased towards Avro's vocabulary, so that the walk gets past the first check.
fn avro_like_json() -> impl Strategy<Value = Value> {
    let word = prop_oneof![
        Just("record"),
        Just("enum"),
        Just("fixed"),
        Just("array"),
        Just("map"),
        Just("int"),
        Just("string"),
        Just("null"),
        Just("R"),
        Just("a.b"),
        Just(""),
        Just("1x"),
        Just("long"),
        Just("bytes"),
        Just("decimal"),
        Just("uuid"),
        Just("date"),
        Just("duration"),
        Just("timestamp-millis"),
        Just("big-decimal"),
    ];
    let key = prop_oneof![
        Just("type"),
        Just("name"),
        Just("namespace"),
        Just("fields"),
        Just("symbols"),
        Just("items"),
        Just("values"),
        Just("size"),
        Just("default"),
        Just("aliases"),
        Just("logicalType"),
        Just("precision"),
        Just("scale"),
        Just("order"),
        Just("doc"),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e3f64..1e3).prop_map(|n| json!(n)),
        word.prop_map(|w| json!(w)),
    ];
    leaf.prop_recursive(5, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::vec((key.clone(), inner), 0..6).prop_map(|entries| {
                Value::Object(entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

/// A JSON value of the kinds schema attributes take, including out-of-range numbers.
fn attribute_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        (-1e20f64..1e20).prop_map(|n| json!(n)),
        Just(json!("4")),
        Just(Value::Null),
        (0..40i64).prop_map(|n| json!(n)),
    ]
}

proptest! {
    /// apache-avro's logical-type parsing (decimal precision and scale, fixed sizes, durations)
    /// is where third-party code meets arbitrary numbers; none of it may panic through us.
    #[test]
    fn parse_never_panics_on_logical_type_parameters(
        base in prop_oneof![Just("bytes"), Just("fixed"), Just("int"), Just("long"), Just("string")],
        logical in prop_oneof![Just("decimal"), Just("duration"), Just("uuid"), Just("date"), Just("big-decimal"), Just("local-timestamp-nanos")],
        precision in attribute_value(),
        scale in attribute_value(),
        size in attribute_value(),
        default in attribute_value(),
    ) {
        let ty = json!({"type": base, "name": "F", "size": size, "logicalType": logical, "precision": precision, "scale": scale});
        let _ = AvroSchema::parse(&ty.to_string(), &[]);
        let record = json!({"type": "record", "name": "R", "fields": [{"name": "f", "type": ty, "default": default}]});
        let _ = AvroSchema::parse(&record.to_string(), &[]);
    }
}
