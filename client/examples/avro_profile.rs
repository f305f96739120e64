//! A loop of Avro decodes (and encodes) of the benchmark's events through the public serde API,
//! without criterion, for instruction counts that stay put on a busy machine. A stand-in registry
//! on loopback hands out the ids once; the loop itself runs the serializers' non-awaiting paths
//! (`serialize_cached`, `deserialize_cached`), which never call the registry:
//!
//! `cargo build --profile bench -p schemata-client --example avro_profile && valgrind --tool=callgrind
//! target/release/examples/avro_profile decode 10 schemata` (`decode|encode`, `10|50`,
//! `schemata|fast|evolved`, then optionally an iteration count)

use std::hint::black_box;

use schemata::{AvroDeserializer, AvroSerializer, Schema, SerializerConfig};
use serde::Serialize;
use serde::de::DeserializeOwned;

#[path = "../benches/common/events.rs"]
mod events;
use events::{Event10, Event10Next, Event50, event10, event50};
#[path = "../benches/common/registry.rs"]
mod registry;
use registry::start_registry;

fn run<T, R>(value: T, mode: &str, who: &str, iterations: usize)
where
    T: Schema + Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
    R: Schema + DeserializeOwned,
{
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (client, _) = start_registry(&runtime);
    let serializer = AvroSerializer::<T>::new(client.clone(), SerializerConfig::default()).unwrap();
    let same = AvroDeserializer::<T>::new(client.clone()).unwrap();
    let evolved = AvroDeserializer::<R>::new(client).unwrap();
    // The first calls find the id and fetch the writer schema; every later one is served from
    // the serializers' caches.
    let framed = runtime.block_on(serializer.serialize("profile", false, &value)).unwrap();
    assert_eq!(runtime.block_on(same.deserialize("profile", &framed)).unwrap(), value);
    runtime.block_on(evolved.deserialize("profile", &framed)).unwrap();
    let fast_schema: serde_avro_fast::Schema = T::avro_schema_text().parse().unwrap();
    let mut fast_config = serde_avro_fast::ser::SerializerConfig::new(&fast_schema);
    let mut out = Vec::with_capacity(1024);
    for _ in 0..iterations {
        let framed = black_box(&framed[..]);
        match (mode, who) {
            ("decode", "schemata") => {
                drop(black_box(same.deserialize_cached(black_box("profile"), framed)))
            }
            ("decode", "evolved") => {
                drop(black_box(evolved.deserialize_cached(black_box("profile"), framed)))
            }
            ("decode", "fast") => drop(black_box(
                serde_avro_fast::from_datum_slice::<T>(&framed[5..], &fast_schema).unwrap(),
            )),
            ("encode", "schemata") => {
                out.clear();
                serializer
                    .serialize_cached("profile", false, black_box(&value), &mut out)
                    .unwrap()
                    .unwrap();
                black_box(out.len());
            }
            ("encode", "fast") => {
                let mut buffer = std::mem::take(&mut out);
                buffer.clear();
                buffer.extend_from_slice(&framed[..5]);
                out =
                    serde_avro_fast::to_datum(black_box(&value), buffer, &mut fast_config).unwrap();
                black_box(out.len());
            }
            _ => panic!("usage: avro_profile decode|encode 10|50 schemata|fast|evolved [n]"),
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.into());
    let (mode, size, who) = (arg(0, "decode"), arg(1, "10"), arg(2, "schemata"));
    let iterations = arg(3, "100000").parse().unwrap();
    match size.as_str() {
        "10" => run::<Event10, Event10Next>(event10(), &mode, &who, iterations),
        _ => run::<Event50, Event50>(event50(), &mode, &who, iterations),
    }
}
