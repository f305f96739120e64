//! The typed producer and consumer against a real broker (tansu) and the real registry: typed
//! keys and values across a schema evolution both ways, tombstones and headers, each kind of
//! undecodable record under each policy, and group commits surviving a restart.

use std::collections::{BTreeMap, BTreeSet};

use schemata::kafka::{
    self, Bytes, Consumer, DecodeErrorKind, Decoder, Encoder, Header, Producer, Record,
    UndecodablePolicy, Utf8, dead_letter_headers as dlq,
};
use schemata::{
    AvroDeserializer, AvroSerializer, JsonDeserializer, JsonSerializer, RegistryClient,
    SerializerConfig,
};
use serde::{Deserialize, Serialize};

use crate::broker::{Broker, unique};
use crate::harness::{TestRegistry, WAIT};

mod v1 {
    use super::*;

    #[derive(Debug, Clone, PartialEq, schemata::Schema, Serialize, Deserialize)]
    #[schemata(namespace = "com.acme.kafka", name = "Shipment")]
    pub(crate) struct Shipment {
        pub(crate) id: i64,
        pub(crate) carrier: String,
        pub(crate) weight_grams: i32,
    }
}

mod v2 {
    use super::*;

    /// v1 plus two fields with defaults, `weight_grams` promoted to long: v2 reads v1 (defaults
    /// filled) and v1 reads v2 (new fields skipped).
    #[derive(Debug, Clone, PartialEq, schemata::Schema, Serialize, Deserialize)]
    #[schemata(namespace = "com.acme.kafka", name = "Shipment")]
    pub(crate) struct Shipment {
        pub(crate) id: i64,
        pub(crate) carrier: String,
        pub(crate) weight_grams: i32,
        #[serde(default)]
        pub(crate) express: bool,
        #[serde(default)]
        pub(crate) tracking: Option<String>,
    }
}

#[derive(Debug, Clone, PartialEq, schemata::Schema, Serialize, Deserialize)]
#[schemata(namespace = "com.acme.kafka")]
struct ShipmentKey {
    id: i64,
}

/// An unrelated record: its bytes are well-framed Avro that no `Shipment` reader can use.
#[derive(Debug, Clone, PartialEq, schemata::Schema, Serialize, Deserialize)]
#[schemata(namespace = "com.acme.kafka")]
struct Invoice {
    number: String,
    total_cents: i64,
}

/// A broker, a registry and a registry client: what every test here starts with.
pub(crate) struct Env {
    pub(crate) broker: Broker,
    pub(crate) registry: TestRegistry,
    pub(crate) client: RegistryClient,
}

impl Env {
    pub(crate) async fn start() -> Env {
        let broker = Broker::start();
        let registry = TestRegistry::start().await;
        let client = RegistryClient::new(registry.http.base.clone()).unwrap();
        Env { broker, registry, client }
    }

    pub(crate) fn registry_url(&self) -> &str {
        &self.registry.http.base
    }

    pub(crate) async fn topic(&self, prefix: &str, partitions: i32) -> String {
        let topic = unique(prefix);
        self.broker.create_topic(&topic, partitions).await;
        topic
    }

    pub(crate) fn producer<K: ?Sized, V: ?Sized>(
        &self,
        key: impl Encoder<K> + 'static,
        value: impl Encoder<V> + 'static,
    ) -> Producer<K, V> {
        Producer::builder(&self.broker.bootstrap)
            .message_timeout_ms(u32::try_from(WAIT.as_millis()).unwrap())
            .build(key, value)
            .unwrap()
    }

    /// A consumer with group timeouts short enough for tests: a member that vanishes is noticed
    /// in seconds, so a restarted consumer is not kept waiting.
    pub(crate) fn consumer<K: Send + 'static, V: Send + 'static>(
        &self,
        group: &str,
        policy: UndecodablePolicy,
        key: impl Decoder<K> + 'static,
        value: impl Decoder<V> + 'static,
    ) -> Consumer<K, V> {
        Consumer::builder(&self.broker.bootstrap, group)
            .session_timeout_ms(6_000)
            .heartbeat_interval_ms(500)
            .max_poll_interval_ms(20_000)
            .on_undecodable(policy)
            .build(key, value)
            .unwrap()
    }

    pub(crate) fn avro_ser<T: schemata::Schema + Serialize>(&self) -> AvroSerializer<T> {
        AvroSerializer::new(self.client.clone(), SerializerConfig::default()).unwrap()
    }

    pub(crate) fn avro_de<T: schemata::Schema + serde::de::DeserializeOwned>(
        &self,
    ) -> AvroDeserializer<T> {
        AvroDeserializer::new(self.client.clone()).unwrap()
    }
}

/// The next record, or a panic after `WAIT`.
pub(crate) async fn recv<K: Send + 'static, V: Send + 'static>(
    consumer: &Consumer<K, V>,
) -> Record<K, V> {
    match tokio::time::timeout(WAIT, consumer.recv()).await {
        Ok(Ok(record)) => record,
        Ok(Err(error)) => panic!("recv failed: {error}"),
        Err(_) => panic!("no record within {WAIT:?}"),
    }
}

fn shipment_v1(id: i64) -> v1::Shipment {
    v1::Shipment {
        id,
        carrier: format!("carrier-{id}"),
        weight_grams: 100 + i32::try_from(id).unwrap(),
    }
}

fn shipment_v2(id: i64) -> v2::Shipment {
    v2::Shipment {
        id,
        carrier: format!("carrier-{id}"),
        weight_grams: 7,
        express: true,
        tracking: Some(format!("TRK{id}")),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v1_producer_v2_consumer_with_tombstones_and_headers() {
    let env = Env::start().await;
    let topic = env.topic("evolve-up", 1).await;
    let old = env.producer(env.avro_ser::<ShipmentKey>(), env.avro_ser::<v1::Shipment>());
    let new = env.producer(env.avro_ser::<ShipmentKey>(), env.avro_ser::<v2::Shipment>());
    let headers = vec![Header::new("trace-id", "abc"), Header::new("bin", vec![0u8, 255, 1])];

    old.send(&topic, Some(&ShipmentKey { id: 1 }), Some(&shipment_v1(1)), &headers).await.unwrap();
    // A tombstone: a key and no value.
    old.send(&topic, Some(&ShipmentKey { id: 1 }), None, &[]).await.unwrap();
    new.send(&topic, Some(&ShipmentKey { id: 2 }), Some(&shipment_v2(2)), &[]).await.unwrap();
    // No key at all.
    old.send(&topic, None, Some(&shipment_v1(3)), &[]).await.unwrap();

    let consumer = env.consumer(
        &unique("g"),
        UndecodablePolicy::Fail,
        env.avro_de::<ShipmentKey>(),
        env.avro_de::<v2::Shipment>(),
    );
    consumer.assign(&topic, &[0]).unwrap();
    let got = [
        recv(&consumer).await,
        recv(&consumer).await,
        recv(&consumer).await,
        recv(&consumer).await,
    ];

    let widened = |id: i64| v2::Shipment {
        id,
        carrier: format!("carrier-{id}"),
        weight_grams: 100 + i32::try_from(id).unwrap(),
        express: false,
        tracking: None,
    };
    assert_eq!(got[0].key, Some(ShipmentKey { id: 1 }));
    assert_eq!(got[0].value, Some(widened(1)), "v1 record read as v2, defaults filled");
    assert_eq!(got[0].headers, headers);
    assert_eq!((got[1].key.clone(), got[1].value.clone()), (Some(ShipmentKey { id: 1 }), None));
    assert_eq!(got[2].value, Some(shipment_v2(2)));
    assert_eq!((got[3].key.clone(), got[3].value.clone()), (None, Some(widened(3))));
    let offsets: Vec<i64> = got.iter().map(|r| r.offset).collect();
    assert_eq!(offsets, [0, 1, 2, 3]);
    assert!(got.iter().all(|r| r.topic == topic && r.partition == 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v2_producer_v1_consumer_skips_new_fields() {
    let env = Env::start().await;
    let topic = env.topic("evolve-down", 1).await;
    let new = env.producer(Utf8, env.avro_ser::<v2::Shipment>());
    let old = env.producer(Utf8, env.avro_ser::<v1::Shipment>());
    new.send(&topic, Some(&"k2".to_owned()), Some(&shipment_v2(2)), &[]).await.unwrap();
    old.send(&topic, Some(&"k1".to_owned()), Some(&shipment_v1(1)), &[]).await.unwrap();
    new.send(&topic, Some(&"k2".to_owned()), None, &[Header { key: "why".into(), value: None }])
        .await
        .unwrap();

    let consumer =
        env.consumer(&unique("g"), UndecodablePolicy::Fail, Utf8, env.avro_de::<v1::Shipment>());
    consumer.assign(&topic, &[0]).unwrap();
    let first = recv(&consumer).await;
    assert_eq!(first.key.as_deref(), Some("k2"));
    assert_eq!(
        first.value,
        Some(v1::Shipment { id: 2, carrier: "carrier-2".into(), weight_grams: 7 }),
        "v2 record read as v1: express and tracking skipped"
    );
    assert_eq!(recv(&consumer).await.value, Some(shipment_v1(1)));
    let tombstone = recv(&consumer).await;
    assert_eq!((tombstone.key.as_deref(), tombstone.value), (Some("k2"), None));
    assert_eq!(tombstone.headers, [Header { key: "why".into(), value: None }]);
}

/// One undecodable record: its name, raw key and value bytes, and what the consumer must say.
struct Bad {
    name: &'static str,
    key: Option<Vec<u8>>,
    value: Vec<u8>,
    kind: DecodeErrorKind,
    part: &'static str,
}

/// Framed bytes of every undecodable kind, built against the test's registry.
async fn bad_records(env: &Env) -> Vec<Bad> {
    let good_key =
        env.avro_ser::<ShipmentKey>().serialize("any", true, &ShipmentKey { id: 9 }).await.unwrap();
    let good =
        env.avro_ser::<v1::Shipment>().serialize("scratch", false, &shipment_v1(9)).await.unwrap();
    let invoice = env
        .avro_ser::<Invoice>()
        .serialize("invoices", false, &Invoice { number: "N1".into(), total_cents: 5 })
        .await
        .unwrap();
    let mut corrupt = good.clone();
    corrupt.truncate(7);
    // 0x01 is Confluent 8's GUID frame, so the first byte that names no framing is 0x02.
    let mut wrong_magic = good.clone();
    wrong_magic[0] = 2;
    // A GUID frame naming a schema nobody registered.
    let mut unknown_guid = vec![1];
    unknown_guid.extend_from_slice(schemata::Guid::of("\"unregistered\"", &[]).as_bytes());
    unknown_guid.extend_from_slice(&[2, 4]);
    let bad = |name, key: Option<&Vec<u8>>, value: Vec<u8>, kind, part| Bad {
        name,
        key: key.cloned(),
        value,
        kind,
        part,
    };
    vec![
        bad(
            "unknown id",
            Some(&good_key),
            vec![0, 0, 0, 0x7f, 0xff, 2, 4],
            DecodeErrorKind::UnknownSchema,
            "value",
        ),
        bad("unknown guid", Some(&good_key), unknown_guid, DecodeErrorKind::UnknownSchema, "value"),
        bad("wrong magic", Some(&good_key), wrong_magic, DecodeErrorKind::WireFormat, "value"),
        bad("short frame", None, vec![0, 0], DecodeErrorKind::WireFormat, "value"),
        bad("truncated payload", Some(&good_key), corrupt, DecodeErrorKind::Corrupt, "value"),
        bad("other record type", None, invoice, DecodeErrorKind::TypeMismatch, "value"),
        bad("key not framed", Some(&b"plain".to_vec()), good, DecodeErrorKind::WireFormat, "key"),
    ]
}

/// Writes good record 0, then each bad record followed by good record i + 1, as raw bytes.
async fn write_mixed(env: &Env, topic: &str, bad: &[Bad]) -> Vec<Vec<u8>> {
    let encode = env.avro_ser::<v1::Shipment>();
    let key = env.avro_ser::<ShipmentKey>();
    let raw = env.producer(Bytes, Bytes);
    let headers = [Header::new("origin", "test")];
    let mut goods = Vec::new();
    for i in 0..=bad.len() {
        let id = i64::try_from(i).unwrap();
        let value = encode.serialize(topic, false, &shipment_v1(id)).await.unwrap();
        let k = key.serialize(topic, true, &ShipmentKey { id }).await.unwrap();
        raw.send(topic, Some(&k), Some(&value), &headers).await.unwrap();
        goods.push(value);
        if let Some(bad) = bad.get(i) {
            raw.send(topic, bad.key.as_ref(), Some(&bad.value), &headers).await.unwrap();
        }
    }
    goods
}

fn header<'a>(record: &'a Record<Vec<u8>, Vec<u8>>, key: &str) -> &'a str {
    let header = record.headers.iter().find(|h| h.key == key);
    let value =
        header.and_then(|h| h.value.as_deref()).unwrap_or_else(|| panic!("no header {key}"));
    std::str::from_utf8(value).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letter_topic_gets_original_bytes_and_error_headers() {
    let env = Env::start().await;
    let topic = env.topic("dlq-source", 1).await;
    let dead = env.topic("dlq", 1).await;
    let bad = bad_records(&env).await;
    write_mixed(&env, &topic, &bad).await;

    let group = unique("g");
    let consumer = env.consumer(
        &group,
        UndecodablePolicy::DeadLetter { topic: dead.clone() },
        env.avro_de::<ShipmentKey>(),
        env.avro_de::<v1::Shipment>(),
    );
    consumer.assign(&topic, &[0]).unwrap();
    for i in 0..=bad.len() {
        let record = recv(&consumer).await;
        assert_eq!(record.value, Some(shipment_v1(i64::try_from(i).unwrap())));
        // The bad record before this one was acknowledged by the DLQ before we got here.
        assert_eq!(consumer.dead_lettered_records(), u64::try_from(i).unwrap());
        consumer.commit(&record).await.unwrap();
    }
    assert_eq!(consumer.skipped_records(), 0);

    let reader = env.consumer(&unique("dlq-reader"), UndecodablePolicy::Fail, Bytes, Bytes);
    reader.assign(&dead, &[0]).unwrap();
    for (i, case) in bad.iter().enumerate() {
        let record = recv(&reader).await;
        let name = case.name;
        assert_eq!(record.key, case.key, "{name}: original key bytes");
        assert_eq!(record.value.as_ref(), Some(&case.value), "{name}: original value bytes");
        assert_eq!(
            record.headers[0],
            Header::new("origin", "test"),
            "{name}: original headers kept"
        );
        assert_eq!(header(&record, dlq::ERROR_KIND), case.kind.as_str(), "{name}");
        assert_eq!(header(&record, dlq::ERROR_PART), case.part, "{name}");
        assert_eq!(header(&record, dlq::SOURCE_TOPIC), topic, "{name}");
        assert_eq!(header(&record, dlq::SOURCE_PARTITION), "0", "{name}");
        assert_eq!(header(&record, dlq::SOURCE_OFFSET), (2 * i + 1).to_string(), "{name}");
        assert!(!header(&record, dlq::ERROR).is_empty(), "{name}");
    }
}

/// JSON values read with the registry: a record whose id the registry does not know, one framed
/// with an Avro schema's id, and one its JSON Schema refuses are each dead-lettered with their
/// kind, while the good documents around them are delivered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_values_with_unknown_or_foreign_ids_are_dead_lettered() {
    let env = Env::start().await;
    let topic = env.topic("json-dlq-source", 1).await;
    let dead = env.topic("json-dlq", 1).await;
    let json = JsonSerializer::<v1::Shipment>::new(env.client.clone(), SerializerConfig::default())
        .unwrap();
    let json_id = json.serialize(&topic, false, &shipment_v1(0)).await.unwrap()[1..5].to_vec();
    let invoice = Invoice { number: "N1".into(), total_cents: 5 };
    let avro = env.avro_ser::<Invoice>().serialize("invoices", false, &invoice).await.unwrap();
    // A document `v1::Shipment` would read: only the id makes these records bad.
    let payload = serde_json::to_vec(&shipment_v1(99)).unwrap();
    let frame = |id: &[u8], payload: &[u8]| [&[0], id, payload].concat();
    let bad = [
        (frame(&[0, 0, 0x7f, 0xff], &payload), DecodeErrorKind::UnknownSchema),
        (frame(&avro[1..5], &payload), DecodeErrorKind::TypeMismatch),
        (
            frame(&json_id, br#"{"id":1,"carrier":"c","weight_grams":1e10}"#),
            DecodeErrorKind::TypeMismatch,
        ),
    ];
    let raw = env.producer(Bytes, Bytes);
    for i in 0..=bad.len() {
        let good = json.serialize(&topic, false, &shipment_v1(i64::try_from(i).unwrap())).await;
        raw.send(&topic, None, Some(&good.unwrap()), &[]).await.unwrap();
        if let Some((value, _)) = bad.get(i) {
            raw.send(&topic, None, Some(value), &[]).await.unwrap();
        }
    }

    let consumer = env.consumer(
        &unique("g"),
        UndecodablePolicy::DeadLetter { topic: dead.clone() },
        Bytes,
        JsonDeserializer::<v1::Shipment>::with_registry(env.client.clone()),
    );
    consumer.assign(&topic, &[0]).unwrap();
    for i in 0..=bad.len() {
        let record = recv(&consumer).await;
        assert_eq!(record.value, Some(shipment_v1(i64::try_from(i).unwrap())));
        assert_eq!(consumer.dead_lettered_records(), u64::try_from(i).unwrap());
    }

    let reader = env.consumer(&unique("dlq-reader"), UndecodablePolicy::Fail, Bytes, Bytes);
    reader.assign(&dead, &[0]).unwrap();
    for (value, kind) in &bad {
        let record = recv(&reader).await;
        assert_eq!(record.value.as_ref(), Some(value), "{kind}: original value bytes");
        assert_eq!(header(&record, dlq::ERROR_KIND), kind.as_str());
        assert_eq!(header(&record, dlq::ERROR_PART), "value", "{kind}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skip_policy_counts_and_moves_on() {
    let env = Env::start().await;
    let topic = env.topic("skip", 1).await;
    let bad = bad_records(&env).await;
    write_mixed(&env, &topic, &bad).await;
    let consumer = env.consumer(
        &unique("g"),
        UndecodablePolicy::Skip,
        env.avro_de::<ShipmentKey>(),
        env.avro_de::<v1::Shipment>(),
    );
    consumer.assign(&topic, &[0]).unwrap();
    for i in 0..=bad.len() {
        let record = recv(&consumer).await;
        assert_eq!(record.offset, 2 * i64::try_from(i).unwrap());
        assert_eq!(consumer.skipped_records(), u64::try_from(i).unwrap());
    }
    assert_eq!(consumer.dead_lettered_records(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_policy_names_the_record_and_stays_on_it() {
    let env = Env::start().await;
    let bad = bad_records(&env).await;
    for case in &bad {
        let topic = env.topic("fail", 1).await;
        write_mixed(&env, &topic, std::slice::from_ref(case)).await;
        let consumer = env.consumer(
            &unique("g"),
            UndecodablePolicy::default(),
            env.avro_de::<ShipmentKey>(),
            env.avro_de::<v1::Shipment>(),
        );
        consumer.assign(&topic, &[0]).unwrap();
        assert_eq!(recv(&consumer).await.offset, 0);
        for attempt in 0..2 {
            let error = tokio::time::timeout(WAIT, consumer.recv()).await.unwrap().unwrap_err();
            let name = case.name;
            match &error {
                kafka::Error::Decode { topic: t, partition: 0, offset: 1, part, source } => {
                    assert_eq!(t, &topic, "{name}");
                    assert_eq!(part.to_string(), case.part, "{name}");
                    assert_eq!(source.kind, case.kind, "{name} (attempt {attempt}): {error}");
                }
                other => panic!("{name}: expected a located decode error, got {other:?}"),
            }
        }
        assert_eq!(consumer.skipped_records(), 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_commit_and_restart_lose_nothing() {
    let env = Env::start().await;
    let topic = env.topic("group", 3).await;
    let producer = env.producer(Utf8, env.avro_ser::<v1::Shipment>());
    let total = 60;
    // One acknowledged send at a time, so every record is a batch of its own: on tansu 0.6.0 a
    // fetch from a committed offset inside a multi-record batch can return nothing, which
    // stalled the second run now and then.
    for id in 0..total {
        let key = format!("k{id}");
        producer.send(&topic, Some(&key), Some(&shipment_v1(id)), &[]).await.unwrap();
    }
    let group = unique("g");
    let consume =
        || env.consumer(&group, UndecodablePolicy::Fail, Utf8, env.avro_de::<v1::Shipment>());

    // First run: handle 25 records, commit the first 20 of them one by one, then stop.
    let first = consume();
    first.subscribe(&[&topic]).unwrap();
    let mut seen: Vec<(i32, i64, i64)> = Vec::new();
    let mut committed: BTreeMap<i32, i64> = BTreeMap::new();
    for n in 0..25 {
        let record = recv(&first).await;
        seen.push((record.partition, record.offset, record.value.as_ref().unwrap().id));
        if n < 20 {
            first.commit(&record).await.unwrap();
            committed.insert(record.partition, record.offset + 1);
        }
    }
    drop(first);

    // Second run, same group: reads from the commits, so everything arrives and only what was
    // handled but not committed arrives twice.
    let second = consume();
    second.subscribe(&[&topic]).unwrap();
    let mut ids: BTreeSet<i64> = seen.iter().map(|s| s.2).collect();
    let mut again = Vec::new();
    while ids.len() < usize::try_from(total).unwrap() {
        let record = recv(&second).await;
        let id = record.value.as_ref().unwrap().id;
        if !ids.insert(id) {
            again.push((record.partition, record.offset));
        }
        second.commit(&record).await.unwrap();
    }
    for (partition, offset) in &again {
        let from = committed.get(partition).copied().unwrap_or(0);
        assert!(offset >= &from, "partition {partition} offset {offset} was committed (< {from})");
    }
    assert!(again.len() <= 5, "at most the 5 uncommitted records come again: {again:?}");
}

/// A registry that cannot be reached is not the record's fault: even under the dead-letter
/// policy the consumer returns an error and stays, and nothing is dead-lettered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_registry_is_an_error_not_a_dead_letter() {
    let env = Env::start().await;
    let topic = env.topic("no-registry", 1).await;
    let dead = env.topic("no-registry-dlq", 1).await;
    let producer = env.producer(Utf8, env.avro_ser::<v1::Shipment>());
    producer.send(&topic, None, Some(&shipment_v1(1)), &[]).await.unwrap();

    // A port nothing listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let gone = RegistryClient::builder()
        .url(format!("http://127.0.0.1:{port}"))
        .retries(1, 10, 10)
        .timeout_ms(2_000)
        .build()
        .unwrap();
    let consumer = env.consumer(
        &unique("g"),
        UndecodablePolicy::DeadLetter { topic: dead },
        Utf8,
        AvroDeserializer::<v1::Shipment>::new(gone).unwrap(),
    );
    consumer.assign(&topic, &[0]).unwrap();
    for attempt in 0..2 {
        let error = tokio::time::timeout(WAIT, consumer.recv()).await.unwrap().unwrap_err();
        assert_eq!(error.decode_kind(), Some(DecodeErrorKind::Unavailable), "{attempt}: {error}");
        assert!(matches!(error, kafka::Error::Decode { offset: 0, .. }), "{error:?}");
    }
    assert_eq!((consumer.dead_lettered_records(), consumer.skipped_records()), (0, 0));
}

/// A dead-letter write that fails (here: the topic does not exist, and tansu does not create
/// it) is an error and the record is not passed over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_dead_letter_write_is_an_error_and_the_record_stays() {
    let env = Env::start().await;
    let topic = env.topic("dlq-missing", 1).await;
    let raw = env.producer(Bytes, Bytes);
    raw.send(&topic, None, Some(&vec![9, 9, 9]), &[]).await.unwrap();
    let consumer = Consumer::builder(&env.broker.bootstrap, unique("g"))
        .on_undecodable(UndecodablePolicy::DeadLetter { topic: unique("never-created") })
        .dead_letter_timeout_ms(2_000)
        .build(Utf8, env.avro_de::<v1::Shipment>())
        .unwrap();
    consumer.assign(&topic, &[0]).unwrap();
    for attempt in 0..2 {
        let error = tokio::time::timeout(WAIT, consumer.recv()).await.unwrap().unwrap_err();
        assert!(
            matches!(&error, kafka::Error::DeadLetter { offset: 0, partition: 0, topic: t, .. } if *t == topic),
            "{attempt}: {error:?}"
        );
    }
    assert_eq!(consumer.dead_lettered_records(), 0);
}

/// `store` + `commit_stored` commit in batches, and the offsets the skip policy passed over are
/// stored too: a restarted consumer starts after them, not on them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_offsets_include_skipped_records() {
    let env = Env::start().await;
    let topic = env.topic("stored", 1).await;
    let typed = env.producer(Utf8, env.avro_ser::<v1::Shipment>());
    let raw = env.producer(Bytes, Bytes);
    let junk = vec![0xde, 0xad];
    typed.send(&topic, None, Some(&shipment_v1(0)), &[]).await.unwrap(); // offset 0
    raw.send(&topic, None, Some(&junk), &[]).await.unwrap(); // 1
    typed.send(&topic, None, Some(&shipment_v1(1)), &[]).await.unwrap(); // 2
    raw.send(&topic, None, Some(&junk), &[]).await.unwrap(); // 3
    typed.send(&topic, None, Some(&shipment_v1(2)), &[]).await.unwrap(); // 4

    let group = unique("g");
    let skipping =
        env.consumer(&group, UndecodablePolicy::Skip, Utf8, env.avro_de::<v1::Shipment>());
    skipping.assign(&topic, &[0]).unwrap();
    for expected in [0, 2] {
        let record = recv(&skipping).await;
        assert_eq!(record.offset, expected);
        skipping.store(&record);
    }
    // Reaching offset 4 skips offset 3; 4 itself is received but not stored.
    assert_eq!(recv(&skipping).await.offset, 4);
    assert_eq!(skipping.skipped_records(), 2);
    skipping.commit_stored().await.unwrap();
    drop(skipping);

    // A strict consumer in the same group starts at 4: had the skipped offset 3 not been
    // stored, it would start on the junk and fail.
    let strict = env.consumer(&group, UndecodablePolicy::Fail, Utf8, env.avro_de::<v1::Shipment>());
    strict.assign(&topic, &[0]).unwrap();
    let record = recv(&strict).await;
    assert_eq!((record.offset, record.value), (4, Some(shipment_v1(2))));
}
