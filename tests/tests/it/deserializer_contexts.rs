//! Deserializers in a registry with contexts, over real HTTP: id 1, 2 and 3 of the default
//! context and of `.team` are different Avro, JSON Schema and Protobuf schemas, and the same
//! framed bytes decode with one or the other depending on the subject the deserializer names
//! when it fetches the writer schema (`GET /schemas/ids/{id}?subject=`, as Confluent's clients
//! do): TopicName from the topic and key/value, a fixed `:.team:` subject, a client in `.team`,
//! or none for the record-name strategies. The caches keep one writer per (subject, id), GUID
//! frames resolve in the subject's context, confluent-kafka's Python Avro and JSON serializers
//! writing to `:.team:` subjects are read back, and the Kafka consumer and `schemata consume`
//! name the key's and the value's subjects.

use prost_reflect::{DescriptorPool, MessageDescriptor, ReflectMessage};
use schemata::kafka::{Bytes, Decoder, UndecodablePolicy};
use schemata::{
    AvroDeserializer, DynamicDeserializer, Error, JsonDeserializer, ParsedSchema,
    ProtobufDeserializer, RegisterOptions, RegistryClient, SchemaId, SchemaType,
    SubjectNameStrategy,
};
use serde::Deserialize;
use serde_json::json;
use std::sync::LazyLock;

use crate::harness::TestRegistry;

/// The default context's Avro writer: `region` after the id.
const AVRO_DEFAULT: &str = r#"{"type":"record","name":"Order","namespace":"com.acme.ctx","fields":[{"name":"id","type":"long"},{"name":"region","type":"string"}]}"#;
/// The team's: `team` after the id, so the same bytes read as another field.
const AVRO_TEAM: &str = r#"{"type":"record","name":"Order","namespace":"com.acme.ctx","fields":[{"name":"id","type":"long"},{"name":"team","type":"string"}]}"#;
const JSON_DEFAULT: &str = r#"{"type":"object","properties":{"id":{"type":"integer"},"region":{"type":"string"}},"required":["id","region"]}"#;
const JSON_TEAM: &str = r#"{"type":"object","properties":{"id":{"type":"integer"},"team":{"type":"string"}},"required":["id","team"]}"#;
const PROTO_DEFAULT: &str =
    "syntax = \"proto3\";\npackage acme;\nmessage Event {\n  string name = 1;\n}\n";
const PROTO_TEAM: &str =
    "syntax = \"proto3\";\npackage team;\nmessage Event {\n  string name = 1;\n}\n";

/// Id 1 (Avro) framed: id 7 and the text "eu", which `region` or `team` holds by writer.
const AVRO_RECORD: [u8; 9] = [0, 0, 0, 0, 1, 14, 4, b'e', b'u'];
/// Id 2 (JSON Schema) framed: valid against the team's schema only.
const JSON_RECORD: &[u8] = b"\x00\x00\x00\x00\x02{\"id\":7,\"team\":\"eu\"}";
/// Id 3 (Protobuf) framed: message index [0], then `name = "x"`.
const PROTO_RECORD: [u8; 9] = [0, 0, 0, 0, 3, 0, 0x0a, 1, b'x'];

/// The reader: either writer resolves to it, filling the field the writer lacks with null.
#[derive(Debug, PartialEq, schemata::Schema, Deserialize)]
#[schemata(namespace = "com.acme.ctx", name = "Order")]
struct Order {
    id: i64,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    team: Option<String>,
}

/// `team.Event`, the team's Protobuf message (the default context's is `acme.Event`).
#[derive(Clone, PartialEq, prost::Message)]
struct Event {
    #[prost(string, tag = "1")]
    name: String,
}

static TEAM_POOL: LazyLock<DescriptorPool> = LazyLock::new(|| {
    let schema = schemata_core::protobuf::ProtobufSchema::parse(PROTO_TEAM, &[]).unwrap();
    schema.pool().clone()
});

impl ReflectMessage for Event {
    fn descriptor(&self) -> MessageDescriptor {
        TEAM_POOL.get_message_by_name("team.Event").unwrap()
    }
}

async fn register(client: &RegistryClient, subject: &str, schema_type: SchemaType, text: &str) {
    let schema = ParsedSchema::parse(schema_type, text).unwrap();
    client.register(subject, &schema, RegisterOptions::default()).await.unwrap();
}

/// Ids 1, 2, 3 in both contexts, under `orders`/`clicks`/`events` subjects in each; the team's
/// Avro schema also under `:.team:teamonly-value` and `:.team:keyed-key`, which no default
/// subject mirrors.
async fn two_contexts() -> (TestRegistry, RegistryClient) {
    let r = TestRegistry::start().await;
    let client = RegistryClient::new(r.base.clone()).unwrap();
    for (prefix, avro, json, proto) in [
        ("", AVRO_DEFAULT, JSON_DEFAULT, PROTO_DEFAULT),
        (":.team:", AVRO_TEAM, JSON_TEAM, PROTO_TEAM),
    ] {
        register(&client, &format!("{prefix}orders-value"), SchemaType::Avro, avro).await;
        register(&client, &format!("{prefix}clicks-value"), SchemaType::Json, json).await;
        register(&client, &format!("{prefix}events-value"), SchemaType::Protobuf, proto).await;
    }
    register(&client, ":.team:teamonly-value", SchemaType::Avro, AVRO_TEAM).await;
    register(&client, ":.team:keyed-key", SchemaType::Avro, AVRO_TEAM).await;
    let ids =
        [("/schemas/ids/1", "region"), ("/schemas/ids/1?subject=:.team:orders-value", "team")];
    for (path, field) in ids {
        let reply = r.get(path).await;
        assert!(reply.body["schema"].as_str().unwrap().contains(field), "{path}: {}", reply.text);
    }
    (r, client)
}

/// How a case's deserializer names its subject.
#[derive(Debug, Clone, Copy)]
enum Bound {
    /// The defaults: TopicName, values.
    Topic,
    /// `.key()`: `<topic>-key`.
    Key,
    /// `.subject(..)`.
    Fixed(&'static str),
    /// A client built with `.context("team")`, TopicName.
    TeamClient,
    /// `.subject_name_strategy(RecordName)`: no subject.
    RecordName,
    /// Through the Kafka `Decoder` trait, as the consumer calls it, for a key or a value.
    Decoder { is_key: bool },
}

/// What a decode came to: the field the writer filled, or the error's kind.
fn outcome<T: std::fmt::Debug>(
    decoded: Result<T, Error>,
    said: impl Fn(&T) -> &'static str,
) -> String {
    match decoded {
        Ok(value) => said(&value).to_owned(),
        Err(Error::Validation(_)) => "invalid".to_owned(),
        Err(Error::Incompatible { .. }) => "incompatible".to_owned(),
        Err(Error::Registry { error_code, .. }) => format!("registry {error_code}"),
        Err(other) => format!("{other:?}"),
    }
}

fn order_field(order: &Order) -> &'static str {
    match (&order.region, &order.team) {
        (Some(_), None) => "region",
        (None, Some(_)) => "team",
        _ => "both or neither",
    }
}

fn click_field(click: &Click) -> &'static str {
    order_field(&Order { id: click.id, region: click.region.clone(), team: click.team.clone() })
}

/// Only the team's schema has `team.Event`: a decoded event was read with it.
fn event_field(_: &Event) -> &'static str {
    "team"
}

#[derive(Debug, Deserialize)]
struct Click {
    id: i64,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    team: Option<String>,
}

fn client_for(r: &TestRegistry, bound: Bound) -> RegistryClient {
    match bound {
        Bound::TeamClient => RegistryClient::builder().url(r.base.clone()).context("team").build(),
        _ => RegistryClient::new(r.base.clone()),
    }
    .unwrap()
}

/// `$name(registry, bound, topic, bytes)`: what a fresh deserializer (made by `$make` from the
/// client `bound` calls for) bound as `bound` says reads from `bytes`, as `$said` names it. A
/// macro because the three deserializers share their builder methods by name, not by trait.
macro_rules! decoded_by {
    ($name:ident, $make:expr, $said:expr) => {
        async fn $name(r: &TestRegistry, bound: Bound, topic: &str, bytes: &[u8]) -> String {
            let de = ($make)(client_for(r, bound));
            let decoded = match bound {
                Bound::Topic | Bound::TeamClient => de.deserialize(topic, bytes).await,
                Bound::Key => de.key().deserialize(topic, bytes).await,
                Bound::Fixed(subject) => de.subject(subject).deserialize(topic, bytes).await,
                Bound::RecordName => {
                    let de = de.subject_name_strategy(SubjectNameStrategy::RecordName);
                    de.deserialize(topic, bytes).await
                }
                Bound::Decoder { is_key } => {
                    return match Decoder::decode(&de, topic, is_key, bytes).await {
                        Ok(decoded) => ($said)(&decoded).to_owned(),
                        Err(error) => error.kind.as_str().to_owned(),
                    };
                }
            };
            outcome(decoded, $said)
        }
    };
}

decoded_by!(avro, |c| AvroDeserializer::<Order>::new(c).unwrap(), order_field);
decoded_by!(json, JsonDeserializer::<Click>::with_registry, click_field);
decoded_by!(protobuf, ProtobufDeserializer::<Event>::with_registry, event_field);

/// Each case a fresh deserializer (cold caches) reading the same bytes: what it decodes to says
/// which context's schema it fetched, so a request without the right `?subject=` shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_subject_named_picks_the_writer_schema() {
    let (r, _) = two_contexts().await;
    let team = Bound::Fixed(":.team:orders-value");
    let cases: &[(&str, Bound, &str, &[u8], &str)] = &[
        ("avro", Bound::Topic, "orders", &AVRO_RECORD, "region"),
        ("avro", team, "orders", &AVRO_RECORD, "team"),
        ("avro", Bound::Fixed(":.team:"), "orders", &AVRO_RECORD, "team"),
        ("avro", Bound::TeamClient, "orders", &AVRO_RECORD, "team"),
        ("avro", Bound::RecordName, "orders", &AVRO_RECORD, "region"),
        // `teamonly-value` holds id 1 in `.team` only: the registry finds it there.
        ("avro", Bound::Topic, "teamonly", &AVRO_RECORD, "team"),
        ("avro", Bound::RecordName, "teamonly", &AVRO_RECORD, "region"),
        ("avro", Bound::Key, "teamonly", &AVRO_RECORD, "region"),
        ("avro", Bound::Key, "keyed", &AVRO_RECORD, "team"),
        ("avro", Bound::Topic, "keyed", &AVRO_RECORD, "region"),
        ("avro", Bound::Decoder { is_key: true }, "keyed", &AVRO_RECORD, "team"),
        ("avro", Bound::Decoder { is_key: false }, "keyed", &AVRO_RECORD, "region"),
        // A qualified subject finds only its own context's ids.
        ("avro", Bound::Fixed(":.team:clicks-value"), "orders", &AVRO_RECORD, "registry 40403"),
        ("json", Bound::Topic, "clicks", JSON_RECORD, "invalid"),
        ("json", Bound::Fixed(":.team:clicks-value"), "clicks", JSON_RECORD, "team"),
        ("json", Bound::TeamClient, "clicks", JSON_RECORD, "team"),
        ("json", Bound::RecordName, "clicks", JSON_RECORD, "invalid"),
        ("json", Bound::Decoder { is_key: false }, "clicks", JSON_RECORD, "type-mismatch"),
        ("protobuf", Bound::Topic, "events", &PROTO_RECORD, "incompatible"),
        ("protobuf", Bound::Fixed(":.team:events-value"), "events", &PROTO_RECORD, "team"),
        ("protobuf", Bound::TeamClient, "events", &PROTO_RECORD, "team"),
        ("protobuf", Bound::RecordName, "events", &PROTO_RECORD, "incompatible"),
        ("protobuf", Bound::Decoder { is_key: false }, "events", &PROTO_RECORD, "type-mismatch"),
    ];
    for (format, bound, topic, bytes, expected) in cases {
        let got = match *format {
            "avro" => avro(&r, *bound, topic, bytes).await,
            "json" => json(&r, *bound, topic, bytes).await,
            _ => protobuf(&r, *bound, topic, bytes).await,
        };
        assert_eq!(got, *expected, "{format} {bound:?} {topic}");
    }
}

/// One deserializer of each format reads id 1 (2, 3) of two subjects in two contexts: both
/// writers are kept apart in its caches, and the non-awaiting path answers each topic with its
/// own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_deserializer_keeps_a_writer_per_subject() {
    let (r, client) = two_contexts().await;
    // `teamonly-value` holds the team's id 1; `orders-value` the default context's.
    let avro = AvroDeserializer::<Order>::new(client.clone()).unwrap();
    assert!(avro.deserialize_cached("orders", &AVRO_RECORD).is_none(), "nothing fetched yet");
    let check = |decoded: Result<Order, Error>, expected| {
        assert_eq!(order_field(&decoded.unwrap()), expected);
    };
    check(avro.deserialize("orders", &AVRO_RECORD).await, "region");
    assert!(avro.deserialize_cached("teamonly", &AVRO_RECORD).is_none(), "another subject");
    check(avro.deserialize("teamonly", &AVRO_RECORD).await, "team");
    for _ in 0..2 {
        check(avro.deserialize_cached("orders", &AVRO_RECORD).unwrap(), "region");
        check(avro.deserialize_cached("teamonly", &AVRO_RECORD).unwrap(), "team");
    }

    // JSON: the default context's id 2 refuses the document, the team's accepts it.
    register(&client, ":.team:teamclicks-value", SchemaType::Json, JSON_TEAM).await;
    let json = JsonDeserializer::<Click>::with_registry(client.clone());
    let refused = json.deserialize("clicks", JSON_RECORD).await.unwrap_err();
    assert!(matches!(refused, Error::Validation(_)), "{refused:?}");
    assert_eq!(click_field(&json.deserialize("teamclicks", JSON_RECORD).await.unwrap()), "team");
    let cached = json.deserialize_cached("clicks", JSON_RECORD).unwrap().unwrap_err();
    assert!(matches!(cached, Error::Validation(_)), "{cached:?}");
    let cached = json.deserialize_cached("teamclicks", JSON_RECORD).unwrap().unwrap();
    assert_eq!(click_field(&cached), "team");

    // Protobuf: the default context's id 3 holds `acme.Event`, the team's `team.Event`.
    register(&client, ":.team:teamevents-value", SchemaType::Protobuf, PROTO_TEAM).await;
    let proto = ProtobufDeserializer::<Event>::with_registry(client.clone());
    assert_eq!(proto.deserialize("teamevents", &PROTO_RECORD).await.unwrap().name, "x");
    assert_eq!(proto.deserialize_cached("teamevents", &PROTO_RECORD).unwrap().unwrap().name, "x");
    assert!(proto.deserialize_cached("events", &PROTO_RECORD).is_none(), "not checked for it");
    let refused = proto.deserialize("events", &PROTO_RECORD).await.unwrap_err();
    assert!(matches!(refused, Error::Incompatible { .. }), "{refused:?}");

    // The dynamic decoder: by topic, and with no topic the client's context.
    let dynamic = DynamicDeserializer::new(client.clone());
    let by_topic = |topic| dynamic.decode_record(topic, false, None, &AVRO_RECORD);
    assert_eq!(by_topic("orders").await.unwrap(), json!({"id": 7, "region": "eu"}));
    assert_eq!(by_topic("teamonly").await.unwrap(), json!({"id": 7, "team": "eu"}));
    assert_eq!(by_topic("orders").await.unwrap(), json!({"id": 7, "region": "eu"}));
    assert_eq!(dynamic.decode(&AVRO_RECORD).await.unwrap(), json!({"id": 7, "region": "eu"}));
    let fixed = DynamicDeserializer::new(client.clone()).subject(":.team:orders-value");
    assert_eq!(fixed.decode(&AVRO_RECORD).await.unwrap(), json!({"id": 7, "team": "eu"}));

    // The client's cache keeps both: the schema by id alone is still the default context's.
    let team = client.schema_by_id_for(SchemaId(1), Some(":.team:orders-value")).await.unwrap();
    assert!(team.schema.text().contains("team"), "{}", team.schema.text());
    let plain = client.schema_by_id(SchemaId(1)).await.unwrap();
    assert!(plain.schema.text().contains("region"), "{}", plain.schema.text());
    drop(r);
}

/// A GUID names one schema in every context it is registered in, with an id per context: the
/// id answered is the subject's context's; a GUID-framed record decodes wherever its schema is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guids_resolve_in_the_subjects_context() {
    let (r, client) = two_contexts().await;
    // The same schema in both contexts, with different ids (4 in the default one, 5 in `.team`).
    const SHARED: &str =
        r#"{"type":"record","name":"Shared","fields":[{"name":"s","type":"string"}]}"#;
    register(&client, ":.team:extra-value", SchemaType::Avro, r#""string""#).await;
    register(&client, "shared-value", SchemaType::Avro, SHARED).await;
    register(&client, ":.team:shared-value", SchemaType::Avro, SHARED).await;
    let guid = schemata_core::Guid::of(SHARED, &[]);
    let check = |found: (String, SchemaId), context: &str, id: u32| {
        assert_eq!(found, (context.to_owned(), SchemaId(id)));
    };
    check(client.id_by_guid_for(guid, Some(":.team:shared-value")).await.unwrap(), ".team", 5);
    check(client.id_by_guid_for(guid, Some("shared-value")).await.unwrap(), ".", 4);
    check(client.id_by_guid_for(guid, None).await.unwrap(), ".", 4);
    let team = RegistryClient::builder().url(r.base.clone()).context("team").build().unwrap();
    check(team.id_by_guid_for(guid, None).await.unwrap(), ".team", 5);
    check(team.id_by_guid_for(guid, Some(":.:shared-value")).await.unwrap(), ".", 4);
    assert_eq!(team.id_by_guid(guid).await.unwrap(), SchemaId(5));

    // The team's Avro schema is in `.team` only: a GUID frame of it decodes with it, whatever
    // subject the deserializer names.
    let mut framed = vec![1];
    framed.extend_from_slice(schemata_core::Guid::of(AVRO_TEAM, &[]).as_bytes());
    framed.extend_from_slice(&AVRO_RECORD[5..]);
    for bound in [Bound::Topic, Bound::Fixed(":.team:orders-value"), Bound::TeamClient] {
        assert_eq!(avro(&r, bound, "orders", &framed).await, "team", "{bound:?}");
    }
    let de = AvroDeserializer::<Order>::new(client.clone()).unwrap();
    assert_eq!(order_field(&de.deserialize("orders", &framed).await.unwrap()), "team");
    assert_eq!(order_field(&de.deserialize("orders", &AVRO_RECORD).await.unwrap()), "region");
    // Both kept: the GUID frame and the id frame of one topic are different writers.
    assert_eq!(order_field(&de.deserialize_cached("orders", &framed).unwrap().unwrap()), "team");
    let by_id = de.deserialize_cached("orders", &AVRO_RECORD).unwrap().unwrap();
    assert_eq!(order_field(&by_id), "region");
}

/// confluent-kafka's own AvroSerializer writes to `:.team:members-value` (a custom
/// `subject.name.strategy`) where the default context's id 1 is another schema
/// (`tests/python/contexts_interop.py`); our deserializer reads it when it names that subject,
/// and names the default context's `members-value` otherwise, as Confluent's would.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confluent_python_writes_to_a_team_subject_we_read() {
    #[derive(Debug, PartialEq, schemata::Schema, Deserialize)]
    #[schemata(namespace = "team")]
    struct Member {
        name: String,
        n: i32,
    }
    let r = TestRegistry::start().await;
    let args = vec![r.base.clone(), "members".to_owned()];
    let report = crate::python::report("contexts_interop.py", args).await;
    let framed = unhex(report["framed"].as_str().unwrap());
    assert_eq!(framed[..5], [0, 0, 0, 0, 1], "the team's id 1");

    let ada = Member { name: "ada".into(), n: 7 };
    let client = RegistryClient::new(r.base.clone()).unwrap();
    let fixed =
        AvroDeserializer::<Member>::new(client.clone()).unwrap().subject(":.team:members-value");
    assert_eq!(fixed.deserialize("members", &framed).await.unwrap(), ada);
    let team = RegistryClient::builder().url(r.base.clone()).context("team").build().unwrap();
    let in_team = AvroDeserializer::<Member>::new(team).unwrap();
    assert_eq!(in_team.deserialize("members", &framed).await.unwrap(), ada);
    // `members-value` holds the default context's id 1 (the decoy), as for Confluent's reader.
    let plain = AvroDeserializer::<Member>::new(client.clone()).unwrap();
    let error = plain.deserialize("members", &framed).await.unwrap_err();
    assert!(matches!(error, Error::Incompatible { .. }), "{error:?}");
    let dynamic = DynamicDeserializer::new(client).subject(":.team:members-value");
    assert_eq!(dynamic.decode(&framed).await.unwrap(), json!({"name": "ada", "n": 7}));
}

fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
}

/// confluent-kafka's JSONSerializer writes to `:.team:clicks-value` with a custom strategy, id 1
/// of `.team`, where the default context's `clicks-value` id 1 requires another field
/// (`tests/python/json_contexts_interop.py`): our JSON deserializer reads the id frame when it
/// names the team's subject and refuses it against the default context's schema otherwise; the
/// GUID in the `__value_schema_id` header reads in `.team` either way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confluent_python_json_in_a_team_subject_we_read() {
    let r = TestRegistry::start().await;
    let args = vec![r.base.clone(), "clicks".to_owned()];
    let report = crate::python::report("json_contexts_interop.py", args).await;
    let framed = unhex(report["framed"].as_str().unwrap());
    assert_eq!(framed[..5], [0, 0, 0, 0, 1], "the team's id 1");
    let bound = [Bound::Fixed(":.team:clicks-value"), Bound::TeamClient, Bound::Topic];
    for (bound, expected) in bound.into_iter().zip(["team", "team", "invalid"]) {
        assert_eq!(json(&r, bound, "clicks", &framed).await, expected, "{bound:?}");
    }
    assert_eq!(report["header_name"], schemata::VALUE_SCHEMA_ID_HEADER);
    let header = unhex(report["header"].as_str().unwrap());
    let payload = unhex(report["payload"].as_str().unwrap());
    assert_eq!(header[0], 1, "a GUID frame");
    let client = RegistryClient::new(r.base.clone()).unwrap();
    let de = JsonDeserializer::<Click>::with_registry(client);
    let read = de.deserialize_with_header("clicks", Some(&header), &payload).await.unwrap();
    assert_eq!(click_field(&read), "team");
}

/// The typed consumer names `<topic>-key` for keys and `<topic>-value` for values, and
/// `schemata consume` names `<topic>-value`: here the value's subject holds the team's id 1
/// and the key's the default context's, so the same bytes decode as two records.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consumer_and_the_cli_name_the_key_and_value_subjects() {
    use crate::kafka::{Env, recv};
    let env = Env::start().await;
    let topic = env.topic("ctx-consume", 1).await;
    register(&env.client, &format!("{topic}-key"), SchemaType::Avro, AVRO_DEFAULT).await;
    register(&env.client, &format!(":.team:{topic}-value"), SchemaType::Avro, AVRO_TEAM).await;
    let producer = env.producer(Bytes, Bytes);
    let record = AVRO_RECORD.to_vec();
    producer.send(&topic, Some(&record), Some(&record), &[]).await.unwrap();

    let group = crate::broker::unique("g");
    let consumer = env.consumer(&group, UndecodablePolicy::Fail, env.avro_de(), env.avro_de());
    consumer.assign(&topic, &[0]).unwrap();
    let record: schemata::kafka::Record<Order, Order> = recv(&consumer).await;
    assert_eq!(order_field(&record.key.unwrap()), "region");
    assert_eq!(order_field(&record.value.unwrap()), "team");

    let registry = env.registry_url().to_owned();
    let bootstrap = env.broker.bootstrap.clone();
    let output = crate::cli_support::schemata([
        "--registry",
        &registry,
        "consume",
        "--topic",
        &topic,
        "--bootstrap-servers",
        &bootstrap,
        "--from-beginning",
        "--max-messages",
        "1",
        "--timeout-ms",
        "15000",
    ])
    .run()
    .await;
    output.expect_code(0);
    assert_eq!(output.stdout.trim(), r#"{"id":7,"team":"eu"}"#);
}
