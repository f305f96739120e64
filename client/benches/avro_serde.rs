//! Avro encode and decode, with Confluent framing, of a derived 10-field and 50-field event:
//! schemata's typed serde against serde_avro_fast, apache-avro's `Value` path,
//! schema_registry_converter (its blocking API: Value path plus its own caches), and (for decode)
//! schemata reading an evolved writer. A stand-in registry on loopback hands out the ids.
//!
//! Run: `cargo bench -p schemata --bench avro_serde`

#![allow(deprecated, reason = "apache-avro 0.22's datum functions are the baseline measured")]

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use criterion::{Criterion, criterion_group, criterion_main};
use schema_registry_converter::blocking::avro::{AvroDecoder, AvroEncoder};
use schema_registry_converter::blocking::schema_registry::SrSettings;
use schema_registry_converter::schema_registry_common::SubjectNameStrategy;
use schemata::{AvroDeserializer, AvroSerializer, RegistryClient, Schema, SerializerConfig};
use serde::Serialize;
use serde::de::DeserializeOwned;

#[path = "common/events.rs"]
mod events;
use events::{Event10, Event10Next, Event50, event10, event50};

/// A stand-in registry: registration hands out ids in order, ids give back their schema, and
/// a subject's latest version is its last registration.
#[derive(Debug, Default)]
struct Registry {
    schemas: Mutex<Vec<String>>,
    latest: Mutex<HashMap<String, usize>>,
}

async fn answer(State(registry): State<Arc<Registry>>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let body = axum::body::to_bytes(request.into_body(), 1 << 20).await.unwrap_or_default();
    let mut schemas = registry.schemas.lock().unwrap();
    let json = if let Some(id) = path.strip_prefix("/schemas/ids/") {
        let index = id.parse::<usize>().unwrap_or(0).saturating_sub(1);
        serde_json::json!({"schema": schemas.get(index).cloned().unwrap_or_default()})
    } else if let Some(subject) =
        path.strip_prefix("/subjects/").and_then(|rest| rest.strip_suffix("/versions/latest"))
    {
        let id = registry.latest.lock().unwrap().get(subject).copied().unwrap_or(1);
        let schema = schemas.get(id - 1).cloned().unwrap_or_default();
        serde_json::json!({"subject": subject, "version": 1, "id": id, "schema": schema})
    } else {
        let request: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let text = request["schema"].as_str().unwrap_or_default().to_owned();
        let id = match schemas.iter().position(|s| *s == text) {
            Some(index) => index + 1,
            None => {
                schemas.push(text);
                schemas.len()
            }
        };
        let subject = path.trim_start_matches("/subjects/").trim_end_matches("/versions");
        registry.latest.lock().unwrap().insert(subject.to_owned(), id);
        serde_json::json!({"id": id})
    };
    Response::new(Body::from(json.to_string()))
}

fn start_registry(runtime: &tokio::runtime::Runtime) -> (RegistryClient, String) {
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = axum::Router::new().fallback(answer).with_state(Arc::new(Registry::default()));
    runtime.spawn(async move { axum::serve(listener, router).await });
    let _guard = runtime.enter();
    (RegistryClient::new(base.clone()).unwrap(), base)
}

/// One event type's encode and decode, ours against the baselines.
fn compare<T, R>(
    c: &mut Criterion,
    runtime: &tokio::runtime::Runtime,
    (client, base): &(RegistryClient, String),
    label: &str,
    value: T,
) where
    T: Schema + Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
    R: Schema + DeserializeOwned,
{
    let topic = format!("bench-{label}");
    let serializer = AvroSerializer::<T>::new(client.clone(), SerializerConfig::default()).unwrap();
    let deserializer = AvroDeserializer::<T>::new(client.clone()).unwrap();
    let evolved = AvroDeserializer::<R>::new(client.clone()).unwrap();
    let framed = runtime.block_on(serializer.serialize(&topic, false, &value)).unwrap();
    assert_eq!(runtime.block_on(deserializer.deserialize(&topic, &framed)).unwrap(), value);
    runtime.block_on(evolved.deserialize(&topic, &framed)).unwrap();
    let id = u32::from_be_bytes(framed[1..5].try_into().unwrap());
    let converter_encoder = AvroEncoder::new(SrSettings::new(base.clone()));
    let converter_decoder = AvroDecoder::new(SrSettings::new(base.clone()));
    let strategy = SubjectNameStrategy::TopicNameStrategy(topic.clone(), false);
    let converted = converter_encoder.encode_struct(&value, &strategy).unwrap();
    assert_eq!(converted, framed, "schema_registry_converter writes the same bytes");

    let text = T::avro_schema_text();
    let fast_schema: serde_avro_fast::Schema = text.parse().unwrap();
    let apache_schema = apache_avro::Schema::parse_str(&text).unwrap();
    let mut fast_config = serde_avro_fast::ser::SerializerConfig::new(&fast_schema);
    let fast_framed = {
        let mut out = vec![0];
        out.extend_from_slice(&id.to_be_bytes());
        serde_avro_fast::to_datum(&value, out, &mut fast_config).unwrap()
    };
    assert_eq!(fast_framed, framed, "serde_avro_fast writes the same bytes");

    let mut group = c.benchmark_group(format!("encode/{label}"));
    let mut out = Vec::with_capacity(1024);
    group.bench_function("schemata", |b| {
        b.iter(|| {
            out.clear();
            serializer
                .serialize_cached(&topic, false, black_box(&value), &mut out)
                .unwrap()
                .unwrap();
            black_box(out.len())
        })
    });
    let mut buffer = Vec::with_capacity(1024);
    group.bench_function("serde_avro_fast", |b| {
        b.iter(|| {
            let mut out = std::mem::take(&mut buffer);
            out.clear();
            out.push(0);
            out.extend_from_slice(&id.to_be_bytes());
            buffer = serde_avro_fast::to_datum(black_box(&value), out, &mut fast_config).unwrap();
            black_box(buffer.len())
        })
    });
    group.bench_function("apache_avro_value", |b| {
        b.iter(|| {
            let datum =
                apache_avro::to_value(black_box(&value)).unwrap().resolve(&apache_schema).unwrap();
            let mut out = vec![0];
            out.extend_from_slice(&id.to_be_bytes());
            out.extend_from_slice(&apache_avro::to_avro_datum(&apache_schema, datum).unwrap());
            black_box(out.len())
        })
    });
    group.bench_function("schema_registry_converter", |b| {
        b.iter(|| converter_encoder.encode_struct(black_box(&value), &strategy).unwrap())
    });
    group.finish();

    let mut group = c.benchmark_group(format!("decode/{label}"));
    group.bench_function("schemata", |b| {
        b.iter(|| deserializer.deserialize_cached(black_box(&framed)).unwrap().unwrap())
    });
    group.bench_function("schemata_evolved_reader", |b| {
        b.iter(|| evolved.deserialize_cached(black_box(&framed)).unwrap().unwrap())
    });
    group.bench_function("serde_avro_fast", |b| {
        b.iter(|| {
            let framed = black_box(&framed[..]);
            assert_eq!(u32::from_be_bytes(framed[1..5].try_into().unwrap()), id);
            serde_avro_fast::from_datum_slice::<T>(&framed[5..], &fast_schema).unwrap()
        })
    });
    group.bench_function("apache_avro_value", |b| {
        b.iter(|| {
            let framed = black_box(&framed[..]);
            assert_eq!(u32::from_be_bytes(framed[1..5].try_into().unwrap()), id);
            let datum =
                apache_avro::from_avro_datum(&apache_schema, &mut &framed[5..], None).unwrap();
            apache_avro::from_value::<T>(&datum).unwrap()
        })
    });
    group.bench_function("schema_registry_converter", |b| {
        b.iter(|| {
            let decoded = converter_decoder.decode(Some(black_box(&framed))).unwrap();
            apache_avro_021::from_value::<T>(&decoded.value).unwrap()
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let registry = start_registry(&runtime);
    compare::<Event10, Event10Next>(c, &runtime, &registry, "10_fields", event10());
    compare::<Event50, Event50>(c, &runtime, &registry, "50_fields", event50());
}

criterion_group!(avro, benches);
criterion_main!(avro);
