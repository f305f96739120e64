//! A loop of Avro decodes (and encodes) of the benchmark's events, without criterion or a
//! registry, for instruction counts that stay put on a busy machine:
//!
//! `cargo build --profile bench -p schemata-client --example avro_profile && valgrind --tool=callgrind
//! target/release/examples/avro_profile decode 10 schemata` (`decode|encode`, `10|50`,
//! `schemata|fast|evolved`, then optionally an iteration count)

use std::hint::black_box;
use std::sync::Arc;

use schemata::Schema;
use schemata::avro::{self, Compiled, Plan};
use serde::Serialize;
use serde::de::DeserializeOwned;

#[path = "../benches/common/events.rs"]
mod events;
use events::{Event10, Event10Next, Event50, event10, event50};

fn run<T, R>(value: T, mode: &str, who: &str, iterations: usize)
where
    T: Schema + Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
    R: Schema + DeserializeOwned,
{
    let writer = Arc::new(Compiled::from_json(T::avro_schema()).unwrap());
    let reader = Compiled::from_json(R::avro_schema()).unwrap();
    let same = Plan::new(Arc::clone(&writer), &writer).unwrap();
    let evolved = Plan::new(Arc::clone(&writer), &reader).unwrap();
    let mut framed = vec![0, 0, 0, 0, 1];
    avro::encode(&writer, &value, &mut framed).unwrap();
    let fast_schema: serde_avro_fast::Schema = T::avro_schema_text().parse().unwrap();
    let mut fast_config = serde_avro_fast::ser::SerializerConfig::new(&fast_schema);
    assert_eq!(avro::decode::<T>(&same, &framed[5..]).unwrap(), value);
    let mut out = Vec::with_capacity(1024);
    for _ in 0..iterations {
        let framed = black_box(&framed[..]);
        match (mode, who) {
            ("decode", "schemata") => drop(black_box(avro::decode::<T>(&same, &framed[5..]))),
            ("decode", "evolved") => drop(black_box(avro::decode::<R>(&evolved, &framed[5..]))),
            ("decode", "fast") => drop(black_box(
                serde_avro_fast::from_datum_slice::<T>(&framed[5..], &fast_schema).unwrap(),
            )),
            ("encode", "schemata") => {
                out.clear();
                out.extend_from_slice(&framed[..5]);
                avro::encode(&writer, black_box(&value), &mut out).unwrap();
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
