//! Taking over a `_schemas` topic another registry wrote: fixtures produced record by record in
//! Confluent's, Karapace's and Redpanda's formats (their key orders and extra key fields, null and
//! empty-value deletes, probes, Redpanda's lost write races, Karapace's headers) are replayed by a
//! Kafka-backed registry, and `schemata export` of it is compared byte for byte with an export of
//! the same history registered over REST into an embedded registry.

use std::time::{Duration, Instant};

use schemata::kafka::rdkafka::consumer::{BaseConsumer, Consumer as _};
use schemata::kafka::rdkafka::message::{Header, Message as _, OwnedHeaders};
use schemata::kafka::rdkafka::producer::{FutureProducer, FutureRecord};
use schemata::kafka::rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde_json::{Value, json};

use crate::broker::{Broker, unique};
use crate::cli_support::schemata;
use crate::harness::{Http, TestRegistry, use_kafka};

/// Version 1 of every fixture subject, and a BACKWARD/FORWARD-compatible version 2.
const A: &str =
    r#"{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}"#;
const B: &str = r#"{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"string\",\"default\":\"x\"}]}"#;
/// A schema no REST step registers: only a record that must be ignored carries it.
const LOST: &str = r#"{\"type\":\"record\",\"name\":\"Lost\",\"fields\":[]}"#;

/// One record as its writer produced it: raw key bytes, raw value bytes (`None`: a null value),
/// and whether it carries Karapace's provenance headers.
type Fixture = (String, Option<String>, bool);

fn rec(key: &str, value: Option<String>) -> Fixture {
    (key.to_owned(), value, false)
}

fn schema_value(subject: &str, version: u32, id: u32, text: &str, extra: &str) -> Option<String> {
    Some(format!(
        r#"{{"subject":"{subject}","version":{version},"id":{id}{extra},"schema":"{text}","deleted":false}}"#
    ))
}

fn confluent() -> Vec<Fixture> {
    let t = r#","schemaType":"AVRO""#;
    let mut deleted = schema_value("a-value", 1, 1, A, t).unwrap();
    deleted = deleted.replace(r#""deleted":false"#, r#""deleted":true"#);
    vec![
        rec(r#"{"keytype":"NOOP","magic":0}"#, None),
        rec(
            r#"{"keytype":"SCHEMA","subject":"a-value","version":1,"magic":1}"#,
            schema_value("a-value", 1, 1, A, t),
        ),
        rec(
            r#"{"keytype":"SCHEMA","subject":"a-value","version":2,"magic":1}"#,
            schema_value("a-value", 2, 2, B, t),
        ),
        rec(r#"{"keytype":"CONFIG","magic":0}"#, Some(r#"{"compatibilityLevel":"FULL"}"#.into())),
        rec(
            r#"{"keytype":"CONFIG","subject":"a-value","magic":0}"#,
            Some(r#"{"subject":"a-value","compatibilityLevel":"NONE"}"#.into()),
        ),
        rec(r#"{"keytype":"NOOP","magic":0}"#, None),
        rec(
            r#"{"keytype":"SCHEMA","subject":"b-value","version":1,"magic":1}"#,
            schema_value("b-value", 1, 1, A, t),
        ),
        rec(r#"{"keytype":"SCHEMA","subject":"a-value","version":1,"magic":1}"#, Some(deleted)),
        rec(
            r#"{"keytype":"MODE","subject":"b-value","magic":0}"#,
            Some(r#"{"subject":"b-value","mode":"READONLY"}"#.into()),
        ),
        // A keytype this registry does not know: skipped, never fatal.
        rec(r#"{"keytype":"ASSOC","subject":"b-value","magic":0}"#, Some("{}".into())),
    ]
}

fn karapace() -> Vec<Fixture> {
    let key =
        |v: u32| format!(r#"{{"subject":"k-value","version":{v},"magic":1,"keytype":"SCHEMA"}}"#);
    let mut soft = schema_value("k-value", 2, 2, B, "").unwrap();
    soft = soft.replace(r#""deleted":false"#, r#""deleted":true"#);
    vec![
        (key(1), schema_value("k-value", 1, 1, A, ""), true),
        (key(2), schema_value("k-value", 2, 2, B, ""), true),
        (
            r#"{"keytype":"CONFIG","subject":null,"magic":0}"#.into(),
            Some(r#"{"compatibilityLevel":"BACKWARD_TRANSITIVE"}"#.into()),
            true,
        ),
        (key(2), Some(soft), true),
        // Karapace's hard delete: an empty value, not a tombstone.
        (key(2), Some(String::new()), true),
    ]
}

fn redpanda() -> Vec<Fixture> {
    let key = |kind: &str, rest: &str, seq: u32| {
        format!(
            r#"{{"keytype":"{kind}",{rest}"magic":{},"seq":{seq},"node":1}}"#,
            u8::from(kind == "SCHEMA")
        )
    };
    vec![
        rec(
            &key("SCHEMA", r#""subject":"r-value","version":1,"#, 0),
            schema_value("r-value", 1, 1, A, ""),
        ),
        // Lost a write race: its seq is not its offset (1).
        rec(
            &key("SCHEMA", r#""subject":"r-value","version":1,"#, 0),
            schema_value("r-value", 1, 9, LOST, ""),
        ),
        rec(
            &key("CONFIG", r#""subject":"r-value","#, 2),
            Some(r#"{"compatibilityLevel":"FORWARD"}"#.into()),
        ),
        rec(
            &key("SCHEMA", r#""subject":"r-value","version":2,"#, 3),
            schema_value("r-value", 2, 2, B, ""),
        ),
        rec(
            &key("SCHEMA", r#""subject":"rd-value","version":1,"#, 4),
            schema_value("rd-value", 1, 1, A, ""),
        ),
        // Redpanda's subject delete names no version: every version there is.
        rec(
            &key("DELETE_SUBJECT", r#""subject":"rd-value","#, 5),
            Some(r#"{"subject":"rd-value"}"#.into()),
        ),
    ]
}

/// The same history as REST calls on a fresh registry: (method, path, body).
fn history(name: &str) -> Vec<(&'static str, String, Value)> {
    let a = A.replace("\\\"", "\"");
    let b = B.replace("\\\"", "\"");
    let register = |subject: &str, text: &str| {
        ("POST", format!("/subjects/{subject}/versions"), json!({ "schema": text }))
    };
    match name {
        "confluent" => vec![
            register("a-value", &a),
            register("a-value", &b),
            ("PUT", "/config".into(), json!({"compatibility": "FULL"})),
            ("PUT", "/config/a-value".into(), json!({"compatibility": "NONE"})),
            register("b-value", &a),
            ("DELETE", "/subjects/a-value/versions/1".into(), Value::Null),
            ("PUT", "/mode/b-value".into(), json!({"mode": "READONLY"})),
        ],
        "karapace" => vec![
            register("k-value", &a),
            register("k-value", &b),
            ("PUT", "/config".into(), json!({"compatibility": "BACKWARD_TRANSITIVE"})),
            ("DELETE", "/subjects/k-value/versions/2".into(), Value::Null),
            ("DELETE", "/subjects/k-value/versions/2?permanent=true".into(), Value::Null),
        ],
        "redpanda" => vec![
            register("r-value", &a),
            ("PUT", "/config/r-value".into(), json!({"compatibility": "FORWARD"})),
            register("r-value", &b),
            register("rd-value", &a),
            ("DELETE", "/subjects/rd-value".into(), Value::Null),
        ],
        other => panic!("no history for {other}"),
    }
}

async fn produce(bootstrap: &str, topic: &str, records: &[Fixture]) {
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("message.timeout.ms", "10000")
        .create()
        .expect("producer");
    for (n, (key, value, headers)) in records.iter().enumerate() {
        let mut record = FutureRecord::<String, String>::to(topic).partition(0).key(key);
        if let Some(value) = value {
            record = record.payload(value);
        }
        if *headers {
            record = record.headers(
                OwnedHeaders::new()
                    .insert(Header { key: "X-Registry-Version", value: Some("karapace-6.2.0") })
                    .insert(Header { key: "X-Origin-Host", value: Some("karapace-1") }),
            );
        }
        // One acknowledged send at a time: the offsets are the fixture's order (Redpanda's seq).
        let delivered = producer.send(record, Duration::from_secs(10)).await;
        let (partition, offset) = match delivered {
            Ok(delivery) => (delivery.partition, delivery.offset),
            Err((error, _)) => panic!("record {n}: {error}"),
        };
        assert_eq!((partition, offset), (0, n as i64), "record {n}");
    }
}

/// The topic's data records (NOOPs left out: lease records come and go), in order, as (key
/// text, whether the value is null): at least `want` of them, plus whatever else arrives within
/// a short grace, so an unexpected extra record is seen too.
fn read_topic(bootstrap: &str, topic: &str, want: usize) -> Vec<(String, bool)> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", unique("takeover-reader"))
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    let mut partitions = TopicPartitionList::new();
    partitions.add_partition_offset(topic, 0, Offset::Beginning).expect("partition");
    consumer.assign(&partitions).expect("assign");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut grace: Option<Instant> = None;
    let mut records = Vec::new();
    while grace.is_none_or(|until| Instant::now() < until) {
        assert!(Instant::now() < deadline, "read {records:?}, wanted {want}");
        if let Some(message) = consumer.poll(Duration::from_millis(100)) {
            let message = message.expect("record");
            let key = String::from_utf8_lossy(message.key().unwrap_or_default()).into_owned();
            if !key.contains("\"NOOP\"") {
                records.push((key, message.payload().is_none()));
            }
        }
        if records.len() >= want && grace.is_none() {
            grace = Some(Instant::now() + Duration::from_millis(500));
        }
    }
    records
}

async fn export(http: &Http) -> String {
    let got = schemata(["export", "--registry", &http.base]).run().await;
    got.expect_code(0);
    got.stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_written_by_confluent_karapace_and_redpanda_are_taken_over() {
    let broker = Broker::start();
    let fixtures: [(&str, Vec<Fixture>); 3] =
        [("confluent", confluent()), ("karapace", karapace()), ("redpanda", redpanda())];
    for (name, records) in fixtures {
        let topic = unique(&format!("_schemas-{name}"));
        broker.create_topic(&topic, 1).await;
        produce(&broker.bootstrap, &topic, &records).await;
        let taken = TestRegistry::start_with(|config| {
            use_kafka(config, &broker);
            config.kafka.topic = topic.clone();
            // The fixture topic was created without configs (tansu reports none).
            config.kafka.skip_topic_check = true;
        })
        .await;
        let embedded = TestRegistry::start_with(|config| {
            config.storage = schemata_registry::StorageKind::Embedded;
        })
        .await;
        for (method, path, body) in history(name) {
            let bytes = (!body.is_null()).then(|| serde_json::to_vec(&body).unwrap());
            let content_type = bytes.as_ref().map(|_| schemata_core::api::CONTENT_TYPE);
            let reply = embedded.send(method, &path, content_type, bytes).await;
            assert_eq!(reply.status, 200, "{name}: {method} {path}: {}", reply.text);
        }
        let expected = export(&embedded).await;
        assert!(expected.lines().count() >= 3, "{name}: {expected}");
        assert_eq!(export(&taken).await, expected, "{name}: the taken-over topic's export");
        // And what the REST API answers, for one read of each kind.
        for path in ["/subjects?deleted=true", "/config", "/schemas?deleted=true"] {
            let (got, want) = (taken.get(path).await, embedded.get(path).await);
            assert_eq!((got.status, &got.body), (want.status, &want.body), "{name}: {path}");
        }
        if name == "redpanda" {
            assert_eq!(taken.get("/schemas/ids/9").await.status, 404, "the lost race is ignored");
        }
        if name == "confluent" {
            let dup = taken.get("/subjects/c-value/versions").await;
            assert_eq!(dup.error_code(), Some(40401), "the duplicate id is ignored: {}", dup.text);
        }
        // A permanent delete tombstones the foreign writer's key bytes too: Kafka compacts by
        // exact key, and a foreign key left holding a value would bring the version back on a
        // replay once compaction drops our tombstone.
        if let Some((subject, foreign_key)) = match name {
            "karapace" => Some((
                "k-value",
                r#"{"subject":"k-value","version":1,"magic":1,"keytype":"SCHEMA"}"#.to_owned(),
            )),
            "redpanda" => Some((
                "r-value",
                r#"{"keytype":"SCHEMA","subject":"r-value","version":1,"magic":1,"seq":0,"node":1}"#
                    .to_owned(),
            )),
            _ => None,
        } {
            let before = read_topic(&broker.bootstrap, &topic, 1).len();
            for query in ["", "?permanent=true"] {
                let path = format!("/subjects/{subject}/versions/1{query}");
                let reply = taken.send("DELETE", &path, None, None).await;
                assert_eq!(reply.status, 200, "{name}: DELETE {path}: {}", reply.text);
            }
            let written = read_topic(&broker.bootstrap, &topic, before + 3).split_off(before);
            let ours = format!(r#"{{"keytype":"SCHEMA","subject":"{subject}","version":1,"magic":1}}"#);
            assert_eq!(
                written,
                [(ours.clone(), false), (ours, true), (foreign_key, true)],
                "{name}: the soft delete, then a tombstone under each key"
            );
        }
        // Writes continue the taken-over ids: the next new schema gets the next id.
        let next = taken.register("next-value", r#"{"type":"record","name":"Next","fields":[]}"#);
        let next = next.await;
        assert_eq!((next.status, &next.body["id"]), (200, &json!(3)), "{name}: {}", next.text);
    }
}
