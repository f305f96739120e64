//! Avro encode and decode, with Confluent framing, of a derived 10-field and 50-field event:
//! schemata's typed serde against serde_avro_fast, apache-avro's `Value` path,
//! schema_registry_converter (its blocking API: Value path plus its own caches), and (for decode)
//! schemata reading an evolved writer. A stand-in registry on loopback hands out the ids.
//!
//! Run: `cargo bench -p schemata-client --bench avro_serde`

#![allow(deprecated, reason = "apache-avro 0.22's datum functions are the baseline measured")]

use std::hint::black_box;

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
#[path = "common/registry.rs"]
mod registry;
use registry::start_registry;

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
        b.iter(|| deserializer.deserialize_cached(&topic, black_box(&framed)).unwrap().unwrap())
    });
    group.bench_function("schemata_evolved_reader", |b| {
        b.iter(|| evolved.deserialize_cached(&topic, black_box(&framed)).unwrap().unwrap())
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
