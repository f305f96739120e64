//! Interop with the real Python `confluent-kafka` client: its SchemaRegistryClient,
//! AvroSerializer and AvroDeserializer run against our server (tests/python/registry_interop.py
//! checks every answer), and we cross-check what it saw over our own HTTP API and wire decoder.

use std::time::Duration;

use schemata_core::wire::{self, SchemaRef};
use serde_json::Value;

use crate::harness::TestRegistry;
use crate::python;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confluent_python_client_works_unmodified() {
    let registry = TestRegistry::start().await;
    let base = registry.http.base.clone();
    let output = tokio::task::spawn_blocking(move || {
        python::run("registry_interop.py", &[&base, "py"], Duration::from_secs(120))
    })
    .await
    .unwrap();
    let report: Value = serde_json::from_str(output.stdout.trim()).unwrap_or_else(|e| {
        panic!("interop script printed no report ({e}):\n{}\n{}", output.stdout, output.stderr)
    });
    assert_eq!(report["failures"], Value::Array(vec![]), "stderr:\n{}", output.stderr);
    assert_eq!(output.code, Some(0), "stderr:\n{}", output.stderr);
    assert!(report["checks"].as_u64().unwrap_or(0) >= 31, "{report}");

    // What Python framed decodes with our wire decoder to the id our server assigned.
    let facts = &report["facts"];
    let framed = hex(facts["payment_framed_hex"].as_str().unwrap());
    let frame = wire::decode(&framed).expect("python's frame decodes");
    let id = facts["payment_id"].as_u64().unwrap();
    assert_eq!(frame.schema, SchemaRef::Id(schemata_core::SchemaId(id as u32)));
    let by_id = registry.get(&format!("/schemas/ids/{id}")).await;
    assert_eq!(by_id.status, 200, "{}", by_id.text);
    assert!(by_id.body["schema"].as_str().unwrap().contains("Payment"), "{}", by_id.text);
    // The subject Python hard-deleted is gone for us too.
    assert_eq!(registry.get("/subjects/py-orders-value/versions").await.error_code(), Some(40401));
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}
