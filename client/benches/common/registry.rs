//! A stand-in schema registry on loopback for the benchmarks: registration hands out ids in
//! order, ids give back their schema (and its type, absent for Avro as in Confluent's answers),
//! and a subject's latest version is its last registration.
//! Enough for the serializers' first lookups; everything after them is served from their caches.
//! Included with `#[path]` by each benchmark.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use schemata::RegistryClient;

/// A stand-in registry: registration hands out ids in order, ids give back their schema, and
/// a subject's latest version is its last registration.
#[derive(Debug, Default)]
struct Registry {
    /// Each id's (text, schemaType as registered).
    schemas: Mutex<Vec<(String, Option<String>)>>,
    latest: Mutex<HashMap<String, usize>>,
}

async fn answer(State(registry): State<Arc<Registry>>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let body = axum::body::to_bytes(request.into_body(), 1 << 20).await.unwrap_or_default();
    let mut schemas = registry.schemas.lock().unwrap();
    let json = if let Some(id) = path.strip_prefix("/schemas/ids/") {
        let index = id.parse::<usize>().unwrap_or(0).saturating_sub(1);
        let (schema, schema_type) = schemas.get(index).cloned().unwrap_or_default();
        serde_json::json!({"schema": schema, "schemaType": schema_type})
    } else if let Some(subject) =
        path.strip_prefix("/subjects/").and_then(|rest| rest.strip_suffix("/versions/latest"))
    {
        let id = registry.latest.lock().unwrap().get(subject).copied().unwrap_or(1);
        let (schema, schema_type) = schemas.get(id - 1).cloned().unwrap_or_default();
        serde_json::json!({
            "subject": subject, "version": 1, "id": id, "schema": schema, "schemaType": schema_type,
        })
    } else {
        let request: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let text = request["schema"].as_str().unwrap_or_default().to_owned();
        let schema_type = request["schemaType"].as_str().map(str::to_owned);
        let id = match schemas.iter().position(|(s, _)| *s == text) {
            Some(index) => index + 1,
            None => {
                schemas.push((text, schema_type));
                schemas.len()
            }
        };
        let subject = path.trim_start_matches("/subjects/").trim_end_matches("/versions");
        registry.latest.lock().unwrap().insert(subject.to_owned(), id);
        serde_json::json!({"id": id})
    };
    Response::new(Body::from(json.to_string()))
}

pub(crate) fn start_registry(runtime: &tokio::runtime::Runtime) -> (RegistryClient, String) {
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = axum::Router::new().fallback(answer).with_state(Arc::new(Registry::default()));
    runtime.spawn(async move { axum::serve(listener, router).await });
    let _guard = runtime.enter();
    (RegistryClient::new(base.clone()).unwrap(), base)
}
