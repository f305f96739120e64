//! The typed producer and consumer against confluent-kafka through the broker, both ways:
//! records its AvroSerializer and JSONSerializer write, our consumer decodes; records our
//! producer writes, its AvroDeserializer and JSONDeserializer decode. Compared field for field,
//! with nested records, unions, enums, maps, arrays, decimals, timestamps and uuids.

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::Duration;

use schemata::kafka::{Header, UndecodablePolicy, Utf8};
use schemata::{
    AvroSerializer, JsonDeserializer, JsonSerializer, SchemaIdFraming, SerializerConfig,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::broker::unique;
use crate::kafka::{Env, recv};
use crate::python;

/// The Avro side, plain. The schema is written by hand because it uses logical types (uuid,
/// timestamp-millis/micros, decimal) on plain Rust types (String, i64), whose text and integer
/// serde forms the codec converts at those nodes. [`typed::Order`] is the same record with the
/// real logical types.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Order {
    id: String,
    created_at: i64,
    amount: String,
    status: Status,
    customer: Customer,
    lines: Vec<Line>,
    attributes: BTreeMap<String, String>,
    gift: Option<Gift>,
    shipped_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, schemata::Schema, Serialize, Deserialize)]
#[schemata(namespace = "com.acme.kinterop")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum Status {
    New,
    Paid,
    Shipped,
}

#[derive(Debug, Clone, PartialEq, schemata::Schema, Serialize, Deserialize)]
#[schemata(namespace = "com.acme.kinterop")]
struct Customer {
    name: String,
    email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Line {
    sku: String,
    quantity: i32,
    unit_price: String,
}

#[derive(Debug, Clone, PartialEq, schemata::Schema, Serialize, Deserialize)]
#[schemata(namespace = "com.acme.kinterop")]
struct Gift {
    message: String,
    wrapped: bool,
}

const ORDER_AVSC: &str = r#"{"type":"record","name":"Order","namespace":"com.acme.kinterop","fields":[
  {"name":"id","type":{"type":"string","logicalType":"uuid"}},
  {"name":"created_at","type":{"type":"long","logicalType":"timestamp-millis"}},
  {"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":12,"scale":2}},
  {"name":"status","type":{"type":"enum","name":"Status","symbols":["NEW","PAID","SHIPPED"]}},
  {"name":"customer","type":{"type":"record","name":"Customer","fields":[
    {"name":"name","type":"string"},
    {"name":"email","type":["null","string"],"default":null}]}},
  {"name":"lines","type":{"type":"array","items":{"type":"record","name":"Line","fields":[
    {"name":"sku","type":"string"},
    {"name":"quantity","type":"int"},
    {"name":"unit_price","type":{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}}]}}},
  {"name":"attributes","type":{"type":"map","values":"string"}},
  {"name":"gift","type":["null",{"type":"record","name":"Gift","fields":[
    {"name":"message","type":"string"},{"name":"wrapped","type":"boolean"}]}],"default":null},
  {"name":"shipped_at","type":["null",{"type":"long","logicalType":"timestamp-micros"}],"default":null}
]}"#;

impl schemata::Schema for Order {
    fn avro_schema() -> &'static Value {
        static SCHEMA: OnceLock<Value> = OnceLock::new();
        SCHEMA.get_or_init(|| serde_json::from_str(ORDER_AVSC).expect("fixture schema"))
    }

    fn json_schema() -> &'static Value {
        static SCHEMA: OnceLock<Value> = OnceLock::new();
        SCHEMA.get_or_init(|| json!({"type": "object"}))
    }

    fn full_name() -> &'static str {
        "com.acme.kinterop.Order"
    }
}

/// The Avro record with real logical types, its schema derived: `uuid::Uuid` (uuid),
/// `chrono::DateTime<Utc>` (timestamp-millis by attribute, timestamp-micros by default) and
/// `rust_decimal::Decimal` (bytes decimal). [`typed::plain`] is its JSON form for the script.
mod typed {
    use super::*;
    use chrono::{DateTime, TimeZone, Utc};
    use rust_decimal::Decimal;
    use uuid::Uuid;

    #[derive(Debug, Clone, PartialEq, schemata::Schema, Serialize, Deserialize)]
    #[schemata(namespace = "com.acme.kinterop.typed")]
    pub(super) struct Order {
        id: Uuid,
        #[schemata(timestamp = "millis")]
        created_at: DateTime<Utc>,
        #[schemata(precision = 12, scale = 2)]
        amount: Decimal,
        status: Status,
        customer: Customer,
        lines: Vec<Line>,
        attributes: BTreeMap<String, String>,
        gift: Option<Gift>,
        shipped_at: Option<DateTime<Utc>>,
    }

    #[derive(Debug, Clone, PartialEq, schemata::Schema, Serialize, Deserialize)]
    #[schemata(namespace = "com.acme.kinterop.typed")]
    struct Line {
        sku: String,
        quantity: i32,
        #[schemata(precision = 10, scale = 2)]
        unit_price: Decimal,
    }

    fn at_micros(micros: i64) -> DateTime<Utc> {
        Utc.timestamp_micros(micros).unwrap()
    }

    /// The values of [`super::orders`], typed; decimals keep the schema's scale.
    pub(super) fn orders() -> Vec<Order> {
        vec![
            Order {
                id: Uuid::parse_str("6f1c2a9e-3b1d-4c55-9a0e-1d2b3c4d5e6f").unwrap(),
                created_at: at_micros(1_700_000_000_123_000),
                amount: Decimal::new(123_450, 2),
                status: Status::Paid,
                customer: Customer { name: "Zoë".into(), email: Some("zoe@example.com".into()) },
                lines: vec![
                    Line { sku: "A-1".into(), quantity: 2, unit_price: Decimal::new(1025, 2) },
                    Line { sku: "B-2".into(), quantity: -1, unit_price: Decimal::new(-99, 2) },
                ],
                attributes: [
                    ("channel".to_owned(), "web".to_owned()),
                    ("ü".to_owned(), "✓".to_owned()),
                ]
                .into(),
                gift: Some(Gift { message: "happy birthday".into(), wrapped: true }),
                shipped_at: Some(at_micros(1_700_000_100_000_001)),
            },
            Order {
                id: Uuid::nil(),
                created_at: at_micros(-86_400_000_000),
                amount: Decimal::new(0, 2),
                status: Status::New,
                customer: Customer { name: String::new(), email: None },
                lines: vec![],
                attributes: BTreeMap::new(),
                gift: None,
                shipped_at: None,
            },
        ]
    }

    /// The JSON form the script speaks (uuid and decimal as text, epoch millis and micros).
    pub(super) fn plain(order: &Order) -> super::Order {
        super::Order {
            id: order.id.hyphenated().to_string(),
            created_at: order.created_at.timestamp_millis(),
            amount: order.amount.to_string(),
            status: order.status.clone(),
            customer: order.customer.clone(),
            lines: order
                .lines
                .iter()
                .map(|line| super::Line {
                    sku: line.sku.clone(),
                    quantity: line.quantity,
                    unit_price: line.unit_price.to_string(),
                })
                .collect(),
            attributes: order.attributes.clone(),
            gift: order.gift.clone(),
            shipped_at: order.shipped_at.map(|at| at.timestamp_micros()),
        }
    }
}

/// The JSON Schema side: a derived type with a nested record, an optional field, an enum, a map
/// and an array.
#[derive(Debug, Clone, PartialEq, schemata::Schema, Serialize, Deserialize)]
#[schemata(namespace = "com.acme.kinterop")]
struct Parcel {
    id: String,
    weight_kg: f64,
    count: i64,
    express: bool,
    carrier: Option<String>,
    size: Size,
    dimensions: Dimensions,
    tags: Vec<String>,
    labels: BTreeMap<String, i32>,
}

#[derive(Debug, Clone, PartialEq, schemata::Schema, Serialize, Deserialize)]
#[schemata(namespace = "com.acme.kinterop")]
enum Size {
    Small,
    Large,
}

#[derive(Debug, Clone, PartialEq, schemata::Schema, Serialize, Deserialize)]
#[schemata(namespace = "com.acme.kinterop")]
struct Dimensions {
    width_cm: i32,
    height_cm: i32,
}

fn orders() -> Vec<Order> {
    vec![
        Order {
            id: "6f1c2a9e-3b1d-4c55-9a0e-1d2b3c4d5e6f".into(),
            created_at: 1_700_000_000_123,
            amount: "1234.50".into(),
            status: Status::Paid,
            customer: Customer { name: "Zoë".into(), email: Some("zoe@example.com".into()) },
            lines: vec![
                Line { sku: "A-1".into(), quantity: 2, unit_price: "10.25".into() },
                Line { sku: "B-2".into(), quantity: -1, unit_price: "-0.99".into() },
            ],
            attributes: [
                ("channel".to_owned(), "web".to_owned()),
                ("ü".to_owned(), "✓".to_owned()),
            ]
            .into(),
            gift: Some(Gift { message: "happy birthday".into(), wrapped: true }),
            shipped_at: Some(1_700_000_100_000_001),
        },
        Order {
            id: "00000000-0000-0000-0000-000000000000".into(),
            created_at: -86_400_000,
            amount: "0.00".into(),
            status: Status::New,
            customer: Customer { name: String::new(), email: None },
            lines: vec![],
            attributes: BTreeMap::new(),
            gift: None,
            shipped_at: None,
        },
    ]
}

fn parcels() -> Vec<Parcel> {
    vec![
        Parcel {
            id: "p-1".into(),
            weight_kg: 2.75,
            count: 1 << 40,
            express: true,
            carrier: Some("ACME".into()),
            size: Size::Large,
            dimensions: Dimensions { width_cm: 30, height_cm: -1 },
            tags: vec!["fragile".into(), "éclair".into()],
            labels: [("x".to_owned(), 1)].into(),
        },
        Parcel {
            id: "p-2".into(),
            weight_kg: 0.0,
            count: -3,
            express: false,
            carrier: None,
            size: Size::Small,
            dimensions: Dimensions { width_cm: 0, height_cm: 0 },
            tags: vec![],
            labels: BTreeMap::new(),
        },
    ]
}

fn run_python(args: Vec<String>) -> Value {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = python::run("kafka_interop.py", &args, Duration::from_secs(120));
    serde_json::from_str(output.stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "kafka_interop.py {} printed no report ({e}):\n{}\n{}",
            args[0], output.stdout, output.stderr
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confluent_python_produces_and_our_consumer_decodes() {
    let env = Env::start().await;
    let avro_topic = env.topic("py-avro", 1).await;
    let json_topic = env.topic("py-json", 1).await;
    let values = json!({
        "avro": serde_json::to_value(orders()).unwrap(),
        "json": serde_json::to_value(parcels()).unwrap(),
    });
    let args = vec![
        "produce".to_owned(),
        env.broker.bootstrap.clone(),
        env.registry_url().to_owned(),
        avro_topic.clone(),
        json_topic.clone(),
        ORDER_AVSC.to_owned(),
        <Parcel as schemata::Schema>::json_schema().to_string(),
        values.to_string(),
    ];
    let report = tokio::task::spawn_blocking(move || run_python(args)).await.unwrap();
    assert_eq!(report["produced"], 4);

    let avro = env.consumer(&unique("g"), UndecodablePolicy::Fail, Utf8, env.avro_de::<Order>());
    avro.assign(&avro_topic, &[0]).unwrap();
    for (i, expected) in orders().into_iter().enumerate() {
        let record = recv(&avro).await;
        assert_eq!(record.key, Some(format!("k{i}")));
        assert_eq!(record.value, Some(expected));
        assert_eq!(record.headers, [Header::new("origin", "python")]);
    }
    let json = env.consumer(
        &unique("g"),
        UndecodablePolicy::Fail,
        Utf8,
        JsonDeserializer::<Parcel>::with_registry(env.client.clone()),
    );
    json.assign(&json_topic, &[0]).unwrap();
    for expected in parcels() {
        assert_eq!(recv(&json).await.value, Some(expected));
    }
}

/// Confluent 8's header framing: Python writes the schema GUID in `__value_schema_id` and the
/// value unframed; our consumer finds the writer schema by that GUID.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confluent_python_header_framed_records_decode() {
    let env = Env::start().await;
    let avro_topic = env.topic("py-avro-h", 1).await;
    let json_topic = env.topic("py-json-h", 1).await;
    let values = json!({
        "avro": serde_json::to_value(orders()).unwrap(),
        "json": serde_json::to_value(parcels()).unwrap(),
    });
    let args = vec![
        "produce".to_owned(),
        env.broker.bootstrap.clone(),
        env.registry_url().to_owned(),
        avro_topic.clone(),
        json_topic.clone(),
        ORDER_AVSC.to_owned(),
        <Parcel as schemata::Schema>::json_schema().to_string(),
        values.to_string(),
        "header".to_owned(),
    ];
    let report = tokio::task::spawn_blocking(move || run_python(args)).await.unwrap();
    assert_eq!(report["produced"], 4);

    let avro = env.consumer(&unique("g"), UndecodablePolicy::Fail, Utf8, env.avro_de::<Order>());
    avro.assign(&avro_topic, &[0]).unwrap();
    for (i, expected) in orders().into_iter().enumerate() {
        let record = recv(&avro).await;
        assert_eq!(record.key, Some(format!("k{i}")));
        assert_eq!(record.value, Some(expected));
        let header = &record.headers[1];
        assert_eq!(
            (record.headers[0].key.as_str(), header.key.as_str()),
            ("origin", schemata::VALUE_SCHEMA_ID_HEADER)
        );
        let framed = header.value.as_deref().unwrap();
        assert_eq!((framed.len(), framed[0]), (17, 1), "0x01 and a GUID");
    }
    let json = env.consumer(
        &unique("g"),
        UndecodablePolicy::Fail,
        Utf8,
        JsonDeserializer::<Parcel>::with_registry(env.client.clone()),
    );
    json.assign(&json_topic, &[0]).unwrap();
    for expected in parcels() {
        assert_eq!(recv(&json).await.value, Some(expected));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_producer_writes_and_confluent_python_decodes() {
    let env = Env::start().await;
    // The classic id prefix, and Confluent 8's header framing (the GUID in __value_schema_id,
    // the value unframed), which the producer writes when the serializer is set to it.
    for (name, framing) in [("id", SchemaIdFraming::Id), ("header", SchemaIdFraming::Header)] {
        let avro_topic = env.topic(&format!("rs-avro-{name}"), 1).await;
        let json_topic = env.topic(&format!("rs-json-{name}"), 1).await;
        let config = SerializerConfig { framing, ..SerializerConfig::default() };
        let avro = env.producer(
            Utf8,
            AvroSerializer::<Order>::new(env.client.clone(), config.clone()).unwrap(),
        );
        for (i, order) in orders().iter().enumerate() {
            avro.send(&avro_topic, Some(&format!("k{i}")), Some(order), &[]).await.unwrap();
        }
        let json =
            env.producer(Utf8, JsonSerializer::<Parcel>::new(env.client.clone(), config).unwrap());
        for (i, parcel) in parcels().iter().enumerate() {
            json.send(&json_topic, Some(&format!("k{i}")), Some(parcel), &[]).await.unwrap();
        }

        let args = vec![
            "consume".to_owned(),
            env.broker.bootstrap.clone(),
            env.registry_url().to_owned(),
            avro_topic,
            json_topic,
            "2".to_owned(),
        ];
        let report = tokio::task::spawn_blocking(move || run_python(args)).await.unwrap();
        assert_eq!(report["keys"], json!(["k0", "k1"]), "{name}");
        let decoded: Vec<Order> = serde_json::from_value(report["avro"].clone()).unwrap();
        assert_eq!(decoded, orders(), "{name}");
        let decoded: Vec<Parcel> = serde_json::from_value(report["json"].clone()).unwrap();
        assert_eq!(decoded, parcels(), "{name}");
        // Where the schema was named: no header with the prefix; 0x01 and a 16-byte GUID in
        // the header with header framing.
        for part in ["avro", "json"] {
            for header in report["id_headers"][part].as_array().unwrap() {
                let header = header.as_str().unwrap();
                match framing {
                    SchemaIdFraming::Header => {
                        assert!(header.len() == 34 && header.starts_with("01"), "{part}: {header}")
                    }
                    _ => assert_eq!(header, "", "{name} {part}"),
                }
            }
        }
    }
}

/// Both directions with the typed fixture: what confluent-kafka's AvroSerializer writes (from
/// Python's UUID, datetime and Decimal, under the schema our derive produced) our consumer reads
/// as `Uuid`, `DateTime<Utc>` and `Decimal`; what our producer writes from those types, its
/// AvroDeserializer reads back as UUID, datetime and Decimal (the script asserts the types).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_logical_types_both_ways_with_confluent_python() {
    let env = Env::start().await;
    let py_topic = env.topic("py-typed", 1).await;
    let rs_topic = env.topic("rs-typed", 1).await;
    let expected = typed::orders();
    let plain: Vec<Order> = expected.iter().map(typed::plain).collect();
    assert_eq!(plain, orders(), "the typed fixture holds the plain fixture's values");

    let args = vec![
        "produce".to_owned(),
        env.broker.bootstrap.clone(),
        env.registry_url().to_owned(),
        py_topic.clone(),
        unique("py-typed-json-unused"),
        <typed::Order as schemata::Schema>::avro_schema().to_string(),
        json!({"type": "object"}).to_string(),
        json!({"avro": plain, "json": []}).to_string(),
    ];
    let report = tokio::task::spawn_blocking(move || run_python(args)).await.unwrap();
    assert_eq!(report["produced"], 2);
    let consumer =
        env.consumer(&unique("g"), UndecodablePolicy::Fail, Utf8, env.avro_de::<typed::Order>());
    consumer.assign(&py_topic, &[0]).unwrap();
    for order in &expected {
        assert_eq!(recv(&consumer).await.value.as_ref(), Some(order));
    }

    let producer = env.producer(Utf8, env.avro_ser::<typed::Order>());
    for (i, order) in expected.iter().enumerate() {
        producer.send(&rs_topic, Some(&format!("k{i}")), Some(order), &[]).await.unwrap();
    }
    let args = vec![
        "consume".to_owned(),
        env.broker.bootstrap.clone(),
        env.registry_url().to_owned(),
        rs_topic,
        "-".to_owned(),
        "2".to_owned(),
    ];
    let report = tokio::task::spawn_blocking(move || run_python(args)).await.unwrap();
    let decoded: Vec<Order> = serde_json::from_value(report["avro"].clone()).unwrap();
    assert_eq!(decoded, plain);
}
