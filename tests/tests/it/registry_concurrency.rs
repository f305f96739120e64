//! Concurrent writers: the single writer must give one id and one version to a schema that many
//! clients register at once, and dense ids to distinct schemas.

use std::collections::BTreeSet;

use serde_json::json;

use crate::harness::TestRegistry;

const CLIENTS: usize = 16;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_clients_registering_one_schema_get_one_id_and_version() {
    let r = TestRegistry::start().await;
    let schema = r#"{"type":"record","name":"Same","fields":[{"name":"a","type":"long"}]}"#;
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let http = r.http.clone();
        tasks.push(tokio::spawn(async move { http.register("same", schema).await }));
    }
    let mut answers = BTreeSet::new();
    for task in tasks {
        let reply = task.await.expect("task");
        assert_eq!(reply.status, 200, "{}", reply.text);
        answers.insert(reply.body.to_string());
    }
    let guid = schemata_core::Guid::of(schema, &[]).to_string();
    assert_eq!(
        answers.into_iter().collect::<Vec<_>>(),
        vec![json!({"id": 1, "version": 1, "guid": guid}).to_string()]
    );
    assert_eq!(r.get("/subjects/same/versions").await.body, json!([1]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_distinct_schemas_get_dense_ids() {
    let r = TestRegistry::start().await;
    let mut tasks = Vec::new();
    for i in 0..CLIENTS {
        let http = r.http.clone();
        let schema =
            format!(r#"{{"type":"record","name":"R{i}","fields":[{{"name":"a","type":"int"}}]}}"#);
        tasks.push(tokio::spawn(async move { http.register(&format!("s{i}"), &schema).await }));
    }
    let mut ids = BTreeSet::new();
    for task in tasks {
        let reply = task.await.expect("task");
        assert_eq!((reply.status, &reply.body["version"]), (200, &json!(1)), "{}", reply.text);
        ids.insert(reply.body["id"].as_i64().unwrap());
    }
    assert_eq!(ids, (1..=CLIENTS as i64).collect::<BTreeSet<_>>());
    // And what was answered is what survives a restart.
    let r = r.restart().await;
    for id in 1..=CLIENTS {
        assert_eq!(r.get(&format!("/schemas/ids/{id}")).await.status, 200, "id {id}");
    }
}
