//! A loop of Protobuf encodes or decodes of the benchmark's messages through the public serde API
//! (and through plain prost, the floor), without criterion, for instruction counts that stay put
//! on a busy machine. A stand-in registry on loopback hands out the id once; the loop runs the
//! non-awaiting paths (`serialize_cached`, `deserialize_cached`), which never call the registry:
//!
//! `cargo build --profile bench -p schemata-client --example protobuf_profile && valgrind
//! --tool=callgrind target/release/examples/protobuf_profile decode 10 schemata` (`decode|encode`,
//! `10|50`, `schemata|unchecked|prost`, then optionally an iteration count)

use std::hint::black_box;

use prost_reflect::ReflectMessage;
use schemata::{ProtobufDeserializer, ProtobufSerializer, SerializerConfig};

#[path = "../benches/common/registry.rs"]
mod registry;
use registry::start_registry;
#[path = "../benches/common/protobuf_events.rs"]
mod protobuf_events;
use protobuf_events::{event10, event50};

fn run<T>(value: T, mode: &str, who: &str, iterations: usize)
where
    T: ReflectMessage + Default + PartialEq + std::fmt::Debug,
{
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (client, _) = start_registry(&runtime);
    let serializer =
        ProtobufSerializer::<T>::new(client.clone(), SerializerConfig::default()).unwrap();
    let checked = ProtobufDeserializer::<T>::with_registry(client);
    let unchecked = ProtobufDeserializer::<T>::new();
    // The first calls find the id and check the writer schema; every later one is served from
    // the caches.
    let framed = runtime.block_on(serializer.serialize("profile", false, &value)).unwrap();
    assert_eq!(runtime.block_on(checked.deserialize("profile", &framed)).unwrap(), value);
    let plain = value.encode_to_vec();
    let mut out = Vec::with_capacity(4096);
    for _ in 0..iterations {
        match (mode, who) {
            ("decode", "schemata") => drop(black_box(
                checked.deserialize_cached(black_box("profile"), black_box(&framed)),
            )),
            ("decode", "unchecked") => drop(black_box(
                unchecked.deserialize_cached(black_box("profile"), black_box(&framed)),
            )),
            ("decode", "prost") => drop(black_box(T::decode(black_box(&plain[..])))),
            ("encode", "schemata") => {
                out.clear();
                serializer.serialize_cached("profile", false, black_box(&value), &mut out).unwrap();
                black_box(out.len());
            }
            ("encode", "prost") => {
                out.clear();
                black_box(&value).encode(&mut out).unwrap();
                black_box(out.len());
            }
            _ => panic!("usage: protobuf_profile decode|encode 10|50 schemata|unchecked|prost [n]"),
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.into());
    let (mode, size, who) = (arg(0, "decode"), arg(1, "10"), arg(2, "schemata"));
    let iterations = arg(3, "100000").parse().unwrap();
    match size.as_str() {
        "10" => run(event10(), &mode, &who, iterations),
        _ => run(event50(), &mode, &who, iterations),
    }
}
