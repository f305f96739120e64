//! Protobuf encode and decode, with Confluent framing, of a 10-field and a 50-field prost
//! message: schemata's `ProtobufSerializer` / `ProtobufDeserializer` (header, message indexes,
//! then prost's bytes) against plain prost encode and decode of the same message, the floor any
//! framing adds to. The messages (`common/protobuf_events.rs`) are prost derives, no protoc. A
//! stand-in registry on loopback hands out the id.
//!
//! Run: `cargo bench -p schemata-client --bench protobuf_serde`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use prost_reflect::ReflectMessage;
use schemata::{ProtobufDeserializer, ProtobufSerializer, RegistryClient, SerializerConfig};

#[path = "common/registry.rs"]
mod registry;
use registry::start_registry;

#[path = "common/protobuf_events.rs"]
mod protobuf_events;
use protobuf_events::{event10, event50};

/// One message type's encode and decode, ours against plain prost.
fn compare<T>(
    c: &mut Criterion,
    runtime: &tokio::runtime::Runtime,
    client: &RegistryClient,
    label: &str,
    value: T,
) where
    T: ReflectMessage + Default + PartialEq + std::fmt::Debug,
{
    let topic = format!("bench-{label}");
    let serializer = ProtobufSerializer::<T>::new(client.clone(), SerializerConfig::default())
        .expect("serializer");
    let deserializer = ProtobufDeserializer::<T>::with_registry(client.clone());
    let unchecked = ProtobufDeserializer::<T>::new();
    let framed = runtime.block_on(serializer.serialize(&topic, false, &value)).unwrap();
    // The first record through the registry, so every timed one is served from the caches.
    assert_eq!(runtime.block_on(deserializer.deserialize(&topic, &framed)).unwrap(), value);
    let plain = value.encode_to_vec();
    assert_eq!(&framed[framed.len() - plain.len()..], &plain[..], "the payload is prost's");

    let mut group = c.benchmark_group(format!("encode/{label}"));
    let mut out = Vec::with_capacity(4096);
    group.bench_function("schemata", |b| {
        b.iter(|| {
            out.clear();
            serializer.serialize_cached(&topic, false, black_box(&value), &mut out).unwrap();
            black_box(out.len())
        })
    });
    group.bench_function("prost", |b| {
        b.iter(|| {
            out.clear();
            black_box(&value).encode(&mut out).unwrap();
            black_box(out.len())
        })
    });
    group.finish();

    let mut group = c.benchmark_group(format!("decode/{label}"));
    group.bench_function("schemata", |b| {
        b.iter(|| deserializer.deserialize_cached(&topic, black_box(&framed)).unwrap().unwrap())
    });
    group.bench_function("schemata_without_registry", |b| {
        b.iter(|| unchecked.deserialize_cached(&topic, black_box(&framed)).unwrap().unwrap())
    });
    group.bench_function("prost", |b| b.iter(|| T::decode(black_box(&plain[..])).unwrap()));
    group.finish();
}

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (client, _) = start_registry(&runtime);
    compare(c, &runtime, &client, "10_fields", event10());
    compare(c, &runtime, &client, "50_fields", event50());
}

criterion_group!(protobuf, benches);
criterion_main!(protobuf);
