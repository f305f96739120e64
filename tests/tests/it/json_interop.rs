//! JSON Schema byte interop with the reference client: what schemata's JsonSerializer frames,
//! confluent-kafka's JSONDeserializer reads and validates against the schema it fetches from our
//! registry; what its JSONSerializer frames, schemata's JsonDeserializer reads.

use std::time::Duration;

use schemata::{JsonDeserializer, JsonSerializer, RegistryClient, SerializerConfig};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::harness::TestRegistry;
use crate::python;

#[derive(Debug, Clone, PartialEq, schemata::Schema, Serialize, Deserialize)]
#[schemata(namespace = "com.acme.interop")]
struct Shipment {
    id: String,
    weight_kg: f64,
    parcels: i32,
    express: bool,
    carrier: Option<String>,
    tags: Vec<String>,
    dimensions: Dimensions,
}

#[derive(Debug, Clone, PartialEq, schemata::Schema, Serialize, Deserialize)]
#[schemata(namespace = "com.acme.interop")]
struct Dimensions {
    width_cm: i32,
    height_cm: i32,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confluent_python_json_serde_reads_ours_and_we_read_its() {
    let registry = TestRegistry::start().await;
    let client = RegistryClient::new(registry.http.base.clone()).unwrap();
    let serializer =
        JsonSerializer::<Shipment>::new(client.clone(), SerializerConfig::default()).unwrap();
    let shipment = Shipment {
        id: "s-1".into(),
        weight_kg: 2.75,
        parcels: 3,
        express: true,
        carrier: None,
        tags: vec!["fragile".into(), "éclair".into()],
        dimensions: Dimensions { width_cm: 30, height_cm: -1 },
    };
    let ours = serializer.serialize("shipments", false, &shipment).await.unwrap();

    let (base, framed) = (registry.http.base.clone(), hex(&ours));
    let output = tokio::task::spawn_blocking(move || {
        python::run("json_interop.py", &[&base, "shipments", &framed], Duration::from_secs(120))
    })
    .await
    .unwrap();
    let report: Value = serde_json::from_str(output.stdout.trim()).unwrap_or_else(|e| {
        panic!("interop script printed no report ({e}):\n{}\n{}", output.stdout, output.stderr)
    });
    assert_eq!(report["decoded"], serde_json::to_value(&shipment).unwrap());

    let theirs = unhex(report["encoded"].as_str().unwrap());
    let id = report["schema_id"].as_u64().unwrap() as u32;
    assert_eq!(theirs[..5], ours[..5], "both framed with the one registered id");
    assert_eq!(theirs[1..5], id.to_be_bytes());
    let back: Shipment =
        JsonDeserializer::with_registry(client).deserialize("shipments", &theirs).await.unwrap();
    assert_eq!(back, shipment);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}
