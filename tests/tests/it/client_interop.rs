//! Byte interop of the typed serializers with the reference client: what schemata frames,
//! confluent-kafka's AvroDeserializer reads; what its AvroSerializer frames, schemata reads; in
//! the classic id frame and in Confluent 8's GUID frame and `__value_schema_id` header.

use std::time::Duration;

use schemata::{
    AvroDeserializer, AvroSerializer, DynamicDeserializer, Guid, JsonDeserializer, JsonSerializer,
    RegistryClient, Schema, SchemaIdFraming, SerializerConfig, VALUE_SCHEMA_ID_HEADER,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::harness::TestRegistry;
use crate::python;

#[derive(Debug, Clone, PartialEq, schemata::Schema, Serialize, Deserialize)]
#[schemata(namespace = "com.acme.interop")]
struct Payment {
    id: i64,
    amount: f64,
    currency: Currency,
    memo: Option<String>,
    lines: Vec<Line>,
    labels: std::collections::BTreeMap<String, i32>,
}

#[derive(Debug, Clone, PartialEq, schemata::Schema, Serialize, Deserialize)]
#[schemata(namespace = "com.acme.interop")]
enum Currency {
    Eur,
    Usd,
}

#[derive(Debug, Clone, PartialEq, schemata::Schema, Serialize, Deserialize)]
#[schemata(namespace = "com.acme.interop")]
struct Line {
    sku: String,
    quantity: i32,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confluent_python_reads_our_bytes_and_we_read_its_bytes() {
    let registry = TestRegistry::start().await;
    let client = RegistryClient::new(registry.http.base.clone()).unwrap();
    let serializer =
        AvroSerializer::<Payment>::new(client.clone(), SerializerConfig::default()).unwrap();
    let deserializer = AvroDeserializer::<Payment>::new(client.clone()).unwrap();
    let payment = Payment {
        id: -5,
        amount: 12.5,
        currency: Currency::Usd,
        memo: Some("héllo".into()),
        lines: vec![Line { sku: "a".into(), quantity: 2 }, Line { sku: "b".into(), quantity: -1 }],
        labels: [("x".to_owned(), 1), ("y".to_owned(), 2)].into(),
    };
    let ours = serializer.serialize("payments", false, &payment).await.unwrap();

    let (base, schema, framed) =
        (registry.http.base.clone(), Payment::avro_schema_text(), hex(&ours));
    let output = tokio::task::spawn_blocking(move || {
        python::run(
            "client_interop.py",
            &[&base, "payments", &schema, &framed],
            Duration::from_secs(120),
        )
    })
    .await
    .unwrap();
    let report: Value = serde_json::from_str(output.stdout.trim()).unwrap_or_else(|e| {
        panic!("interop script printed no report ({e}):\n{}\n{}", output.stdout, output.stderr)
    });
    let expected = json!({
        "id": -5, "amount": 12.5, "currency": "Usd", "memo": "héllo",
        "lines": [{"sku": "a", "quantity": 2}, {"sku": "b", "quantity": -1}],
        "labels": {"x": 1, "y": 2}
    });
    assert_eq!(report["decoded"], expected, "stderr:\n{}", output.stderr);
    let theirs = unhex(report["encoded"].as_str().unwrap());
    assert_eq!(theirs[..5], ours[..5], "the same schema id");
    assert_eq!(deserializer.deserialize("payments", &theirs).await.unwrap(), payment);
    assert_eq!(theirs, ours, "byte-identical encodings");
}

fn payment() -> Payment {
    Payment {
        id: 7,
        amount: -0.25,
        currency: Currency::Eur,
        memo: None,
        lines: vec![Line { sku: "z".into(), quantity: 1 }],
        labels: [("k".to_owned(), 3)].into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guid_framing_and_header_ids_interoperate_with_confluent_python() {
    let registry = TestRegistry::start().await;
    let client = RegistryClient::new(registry.http.base.clone()).unwrap();
    let config = SerializerConfig { framing: SchemaIdFraming::Guid, ..SerializerConfig::default() };
    let serializer = AvroSerializer::<Payment>::new(client.clone(), config).unwrap();
    let payment = payment();
    let ours = serializer.serialize("guids", false, &payment).await.unwrap();
    // 0x01, then the GUID the registry gives the registered text (Confluent's recipe).
    let text = registry.get("/subjects/guids-value/versions/1").await.body["schema"].clone();
    let guid = Guid::of(text.as_str().unwrap(), &[]);
    assert_eq!((ours[0], &ours[1..17]), (1, &guid.as_bytes()[..]));
    // Later records take the cached path and frame the same way.
    let mut again = Vec::new();
    serializer.serialize_cached("guids", false, &payment, &mut again).unwrap().unwrap();
    assert_eq!(again, ours);

    let (base, schema, framed) =
        (registry.http.base.clone(), Payment::avro_schema_text(), hex(&ours));
    let output = tokio::task::spawn_blocking(move || {
        python::run(
            "guid_interop.py",
            &[&base, "guids", &schema, &framed],
            Duration::from_secs(120),
        )
    })
    .await
    .unwrap();
    let report: Value = serde_json::from_str(output.stdout.trim()).unwrap_or_else(|e| {
        panic!("interop script printed no report ({e}):\n{}\n{}", output.stdout, output.stderr)
    });
    let expected = json!({
        "id": 7, "amount": -0.25, "currency": "Eur", "memo": null,
        "lines": [{"sku": "z", "quantity": 1}], "labels": {"k": 3}
    });
    assert_eq!(report["decoded"], expected, "stderr:\n{}", output.stderr);
    assert_eq!(report["header_name"], VALUE_SCHEMA_ID_HEADER);
    let header = unhex(report["header"].as_str().unwrap());
    let payload = unhex(report["payload"].as_str().unwrap());
    assert_eq!(header, ours[..17], "Python's header names the same GUID");
    assert_eq!(payload, ours[17..], "an unframed payload, byte-identical");

    // A fresh client (cold caches) resolves the GUID through the registry, both framings.
    let fresh = RegistryClient::new(registry.http.base.clone()).unwrap();
    let deserializer = AvroDeserializer::<Payment>::new(fresh.clone()).unwrap();
    assert!(
        deserializer.deserialize_cached("guids", &ours).is_none(),
        "the GUID is not resolved yet"
    );
    assert_eq!(deserializer.deserialize("guids", &ours).await.unwrap(), payment);
    assert_eq!(deserializer.deserialize_cached("guids", &ours).unwrap().unwrap(), payment);
    let from_header =
        deserializer.deserialize_with_header("guids", Some(&header), &payload).await.unwrap();
    assert_eq!(from_header, payment);
    let dynamic = DynamicDeserializer::new(fresh.clone());
    assert_eq!(dynamic.decode_with_header(Some(&header), &payload).await.unwrap(), expected);
    assert_eq!(dynamic.decode(&ours).await.unwrap(), expected);
    // An id-framed header works too, and a GUID nobody registered is the registry's 40403.
    let id_header = [0, 0, 0, 0, 1];
    assert_eq!(
        deserializer.deserialize_with_header("guids", Some(&id_header), &payload).await.unwrap(),
        payment
    );
    let mut unknown = ours.clone();
    unknown[1..17].copy_from_slice(Guid::of("\"never\"", &[]).as_bytes());
    let error = deserializer.deserialize("guids", &unknown).await.unwrap_err();
    assert!(error.is_not_found(), "{error}");
    let error = deserializer.deserialize_with_header("guids", Some(&[1, 2]), &payload).await;
    assert!(matches!(error, Err(schemata::Error::Wire(_))), "{error:?}");
}

#[derive(Debug, Clone, PartialEq, schemata::Schema, Serialize, Deserialize)]
struct Click {
    page: String,
    millis: i64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_documents_framed_with_guids_round_trip() {
    let registry = TestRegistry::start().await;
    let client = RegistryClient::new(registry.http.base.clone()).unwrap();
    let config = SerializerConfig { framing: SchemaIdFraming::Guid, ..SerializerConfig::default() };
    let serializer = JsonSerializer::<Click>::new(client.clone(), config).unwrap();
    let click = Click { page: "/".into(), millis: 3 };
    let bytes = serializer.serialize("clicks", false, &click).await.unwrap();
    let id = registry.get("/subjects/clicks-value/versions/1").await.body["id"].as_i64().unwrap();
    let guid = client.guid_by_id(schemata::SchemaId(id as u32)).await.unwrap();
    assert_eq!((bytes[0], &bytes[1..17]), (1, &guid.as_bytes()[..]));
    assert!(bytes.ends_with(br#"{"page":"/","millis":3}"#));
    let fresh = RegistryClient::new(registry.http.base.clone()).unwrap();
    let deserializer = JsonDeserializer::<Click>::with_registry(fresh);
    assert_eq!(deserializer.deserialize("clicks", &bytes).await.unwrap(), click);
    // Without a registry only the frame is read, GUID or id.
    assert_eq!(
        JsonDeserializer::<Click>::new().deserialize("clicks", &bytes).await.unwrap(),
        click
    );
    let header = &bytes[..17];
    let unframed = &bytes[17..];
    let from_header = JsonDeserializer::<Click>::new()
        .deserialize_with_header("clicks", Some(header), unframed)
        .await
        .unwrap();
    assert_eq!(from_header, click);
}
