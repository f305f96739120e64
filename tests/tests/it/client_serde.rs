//! Typed serializers against the real registry: derived types round-trip through the Confluent
//! framing with the registry's ids, across schema evolution both ways, with every subject
//! strategy and producer option, plus the dynamic JSON decoder and the JSON Schema serde.

use schemata::{
    AvroDeserializer, AvroSerializer, CompatibilityLevel, Config, DynamicDeserializer, Error,
    JsonDeserializer, JsonSerializer, ReadOptions, RegisterOptions, RegistryClient, SchemaId,
    SchemaType, SerializerConfig, SubjectNameStrategy, Version, VersionSpec,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::harness::TestRegistry;

mod v1 {
    use super::*;

    #[derive(Debug, Clone, PartialEq, schemata::Schema, Serialize, Deserialize)]
    #[schemata(namespace = "com.acme.it", name = "Order")]
    pub(crate) struct Order {
        pub(crate) id: i64,
        pub(crate) quantity: i32,
        pub(crate) note: String,
        pub(crate) status: Status,
        pub(crate) tags: Vec<String>,
    }

    #[derive(Debug, Clone, PartialEq, schemata::Schema, Serialize, Deserialize)]
    #[schemata(namespace = "com.acme.it")]
    pub(crate) enum Status {
        Open,
        Closed,
    }
}

mod v2 {
    use super::*;

    /// v1 plus two fields with defaults, minus `note`, `quantity` promoted to long.
    #[derive(Debug, Clone, PartialEq, schemata::Schema, Serialize, Deserialize)]
    #[schemata(namespace = "com.acme.it", name = "Order")]
    pub(crate) struct Order {
        pub(crate) id: i64,
        pub(crate) quantity: i64,
        pub(crate) status: v1::Status,
        pub(crate) tags: Vec<String>,
        #[serde(default)]
        pub(crate) priority: i32,
        #[serde(default)]
        pub(crate) coupon: Option<String>,
    }
}

fn client(registry: &TestRegistry) -> RegistryClient {
    RegistryClient::new(registry.http.base.clone()).unwrap()
}

fn order() -> v1::Order {
    v1::Order {
        id: 7,
        quantity: 3,
        note: "fragile".into(),
        status: v1::Status::Closed,
        tags: vec!["x".into()],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn derived_types_round_trip_with_registry_ids() {
    let registry = TestRegistry::start().await;
    let client = client(&registry);
    let serializer =
        AvroSerializer::<v1::Order>::new(client.clone(), SerializerConfig::default()).unwrap();
    let deserializer = AvroDeserializer::<v1::Order>::new(client.clone()).unwrap();
    let bytes = serializer.serialize("orders", false, &order()).await.unwrap();
    let latest = client.latest("orders-value").await.unwrap();
    assert_eq!(bytes[0], 0, "magic byte");
    assert_eq!(u32::from_be_bytes(bytes[1..5].try_into().unwrap()), latest.id.0);
    assert_eq!(deserializer.deserialize("orders", &bytes).await.unwrap(), order());
    assert_eq!(deserializer.deserialize_cached("orders", &bytes).unwrap().unwrap(), order());

    let mut reused = Vec::with_capacity(64);
    serializer.serialize_into("orders", false, &order(), &mut reused).await.unwrap();
    assert_eq!(reused, bytes);

    let dynamic = DynamicDeserializer::new(client.clone());
    assert_eq!(
        dynamic.decode(&bytes).await.unwrap(),
        json!({"id": 7, "quantity": 3, "note": "fragile", "status": "Closed", "tags": ["x"]})
    );
    let error = deserializer.deserialize("orders", &[1, 2]).await.unwrap_err();
    assert!(matches!(error, Error::Wire(_)), "{error:?}");
    let error = deserializer.deserialize("orders", &[0, 0, 0, 0x7f, 0]).await.unwrap_err();
    assert_eq!(error.error_code(), Some(40403), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evolution_both_ways_through_the_registry() {
    let registry = TestRegistry::start().await;
    let client = client(&registry);
    let update = Config { compatibility: Some(CompatibilityLevel::None), ..Config::default() };
    client.set_config(None, &update).await.unwrap();
    let old =
        AvroSerializer::<v1::Order>::new(client.clone(), SerializerConfig::default()).unwrap();
    let new =
        AvroSerializer::<v2::Order>::new(client.clone(), SerializerConfig::default()).unwrap();
    let old_bytes = old.serialize("evolve", false, &order()).await.unwrap();
    let new_value = v2::Order {
        id: 8,
        quantity: 1 << 40,
        status: v1::Status::Open,
        tags: vec![],
        priority: 5,
        coupon: Some("C".into()),
    };
    let new_bytes = new.serialize("evolve", false, &new_value).await.unwrap();
    assert_ne!(old_bytes[1..5], new_bytes[1..5], "two schema ids");

    // v1 writer, v2 reader: defaults filled, `note` skipped, quantity widened.
    let reader = AvroDeserializer::<v2::Order>::new(client.clone()).unwrap();
    let got = reader.deserialize("evolve", &old_bytes).await.unwrap();
    let expected = v2::Order {
        id: 7,
        quantity: 3,
        status: v1::Status::Closed,
        tags: vec!["x".into()],
        priority: 0,
        coupon: None,
    };
    assert_eq!(got, expected);
    assert_eq!(reader.deserialize("evolve", &new_bytes).await.unwrap(), new_value);

    // v2 writer, v1 reader: `note` has no default in v1, so the plan is refused with reasons;
    // the long → int narrowing too.
    let old_reader = AvroDeserializer::<v1::Order>::new(client.clone()).unwrap();
    let error = old_reader.deserialize("evolve", &new_bytes).await.unwrap_err();
    match &error {
        Error::Incompatible { reasons, .. } => assert_eq!(reasons.len(), 2, "{reasons:?}"),
        other => panic!("expected Incompatible, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strategies_and_producer_options() {
    let registry = TestRegistry::start().await;
    let client = client(&registry);
    let cases = [
        (SubjectNameStrategy::TopicName, "t1-key", true),
        (SubjectNameStrategy::RecordName, "com.acme.it.Order", false),
        (SubjectNameStrategy::TopicRecordName, "t1-com.acme.it.Order", false),
    ];
    for (strategy, subject, is_key) in cases {
        let config = SerializerConfig { strategy, ..SerializerConfig::default() };
        let serializer = AvroSerializer::<v1::Order>::new(client.clone(), config).unwrap();
        serializer.serialize("t1", is_key, &order()).await.unwrap();
        assert_eq!(
            client.versions(subject, ReadOptions::default()).await.unwrap(),
            [Version(1)],
            "{strategy}"
        );
    }

    // auto_register off: an unregistered subject is an error, a registered one is looked up.
    let config = SerializerConfig { auto_register: false, ..SerializerConfig::default() };
    let lookup_only = AvroSerializer::<v1::Order>::new(client.clone(), config).unwrap();
    let error = lookup_only.serialize("t2", false, &order()).await.unwrap_err();
    assert_eq!(error.error_code(), Some(40401), "{error}");
    let bytes = lookup_only.serialize("t1", true, &order()).await.unwrap();
    let registered =
        client.version("t1-key", VersionSpec::Latest, ReadOptions::default()).await.unwrap();
    assert_eq!(u32::from_be_bytes(bytes[1..5].try_into().unwrap()), registered.id.0);

    // use_latest_version: v2 values written with the registered v1 schema by field name
    // would lack `note`, which has no default: a typed error, not garbage.
    let latest = SerializerConfig {
        use_latest_version: true,
        auto_register: false,
        ..SerializerConfig::default()
    };
    let writer = AvroSerializer::<v1::Order>::new(client.clone(), latest).unwrap();
    let bytes = writer.serialize("t1", true, &order()).await.unwrap();
    assert_eq!(u32::from_be_bytes(bytes[1..5].try_into().unwrap()), registered.id.0);

    // fixed_id frames with exactly that id.
    let id = registered.id;
    let fixed = SerializerConfig { fixed_id: Some(id), ..SerializerConfig::default() };
    let writer = AvroSerializer::<v1::Order>::new(client.clone(), fixed).unwrap();
    let bytes = writer.serialize("anything", false, &order()).await.unwrap();
    assert_eq!(u32::from_be_bytes(bytes[1..5].try_into().unwrap()), id.0);
    assert!(
        client.versions("anything-value", ReadOptions::default()).await.is_err(),
        "nothing registered"
    );
}

#[derive(Debug, Clone, PartialEq, schemata::Schema, Serialize, Deserialize)]
#[schemata(namespace = "com.acme.it")]
struct Reading {
    sensor: String,
    value: f64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_schema_serde_validates_and_round_trips() {
    let registry = TestRegistry::start().await;
    let client = client(&registry);
    let serializer =
        JsonSerializer::<Reading>::new(client.clone(), SerializerConfig::default()).unwrap();
    let reading = Reading { sensor: "s1".into(), value: 1.5 };
    let bytes = serializer.serialize("readings", false, &reading).await.unwrap();
    assert_eq!(&bytes[5..], br#"{"sensor":"s1","value":1.5}"#);
    let latest = client.latest("readings-value").await.unwrap();
    assert_eq!(latest.schema_type, SchemaType::Json);
    let deserializer = JsonDeserializer::<Reading>::with_registry(client.clone());
    assert_eq!(deserializer.deserialize("readings", &bytes).await.unwrap(), reading);
    let dynamic = DynamicDeserializer::new(client.clone());
    assert_eq!(dynamic.decode(&bytes).await.unwrap(), json!({"sensor": "s1", "value": 1.5}));

    // NaN serializes as null, which the schema's "number" refuses.
    let error = serializer
        .serialize("readings", false, &Reading { sensor: "s".into(), value: f64::NAN })
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Validation(ref reasons) if reasons.len() == 1), "{error:?}");
}

/// A framed record: the header for `id`, then `payload`.
fn framed(id: SchemaId, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    schemata_core::wire::write_header(id, &mut out);
    out.extend_from_slice(payload);
    out
}

fn id_of(framed: &[u8]) -> SchemaId {
    let id = u32::from_be_bytes(framed[1..5].try_into().unwrap());
    SchemaId::new(i64::from(id)).unwrap()
}

/// With a registry the JSON deserializer trusts no id: an unknown id is the registry's 40403, an
/// Avro schema's id is the wrong schema type, and the document is validated against the writer
/// schema (every reason listed) unless validation is turned off. Without a registry, nothing of
/// this is checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_deserializer_checks_the_writer_schema_id() {
    let registry = TestRegistry::start().await;
    let client = client(&registry);
    let checking = JsonDeserializer::<Reading>::with_registry(client.clone());
    let document = br#"{"sensor":"long name","value":-1.5}"#;
    let reading = Reading { sensor: "long name".into(), value: -1.5 };

    let unknown = framed(SchemaId::new(0x7fff).unwrap(), document);
    let error = checking.deserialize("readings", &unknown).await.unwrap_err();
    assert_eq!(error.error_code(), Some(40403), "{error:?}");
    assert_eq!(
        JsonDeserializer::<Reading>::new().deserialize("readings", &unknown).await.unwrap(),
        reading
    );

    let avro = AvroSerializer::<v1::Order>::new(client.clone(), SerializerConfig::default())
        .unwrap()
        .serialize("orders", false, &order())
        .await
        .unwrap();
    let error =
        checking.deserialize("readings", &framed(id_of(&avro), document)).await.unwrap_err();
    assert!(
        matches!(&error, Error::SchemaType { expected: "JSON", found, .. } if found == "AVRO"),
        "{error:?}"
    );

    // A stricter schema than the type's: serde alone would accept the document.
    let strict = r#"{"type":"object","properties":{"sensor":{"type":"string","maxLength":3},
        "value":{"type":"number","minimum":0}},"required":["sensor","value"]}"#;
    let strict = schemata_core::Schema::parse(schemata_core::SchemaType::Json, strict).unwrap();
    let id = client
        .register("strict-readings-value", &strict, RegisterOptions::default())
        .await
        .unwrap();
    let error = checking.deserialize("readings", &framed(id, document)).await.unwrap_err();
    assert!(matches!(&error, Error::Validation(reasons) if reasons.len() == 2), "{error:?}");
    let lenient = JsonDeserializer::<Reading>::with_registry(client.clone()).validate(false);
    assert_eq!(lenient.deserialize("readings", &framed(id, document)).await.unwrap(), reading);
    let valid = br#"{"sensor":"s1","value":2.0}"#;
    let decoded = checking.deserialize("readings", &framed(id, valid)).await.unwrap();
    assert_eq!(decoded, Reading { sensor: "s1".into(), value: 2.0 });
    // The writer schema is now cached: the non-awaiting path decodes without the registry.
    assert!(checking.deserialize_cached("readings", &framed(id, valid)).unwrap().is_ok());
}
