//! Byte interop of the typed serializers with the reference client: what schemata frames,
//! confluent-kafka's AvroDeserializer reads; what its AvroSerializer frames, schemata reads.

use std::time::Duration;

use schemata::{AvroDeserializer, AvroSerializer, RegistryClient, Schema, SerializerConfig};
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
