//! A loop of Avro decodes (and encodes) of the benchmark's events, without criterion or a
//! registry, for instruction counts that stay put on a busy machine:
//!
//! `cargo build --profile bench -p schemata --example avro_profile && valgrind --tool=callgrind
//! target/release/examples/avro_profile decode 10 schemata` (`decode|encode`, `10|50`,
//! `schemata|fast|evolved`, then optionally an iteration count)

use std::hint::black_box;
use std::sync::Arc;

use schemata::Schema;
use schemata::avro::{self, Compiled, Plan};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, schemata::Schema, Serialize, Deserialize)]
#[schemata(namespace = "bench")]
struct Event10 {
    id: i64,
    user: String,
    amount: f64,
    count: i32,
    active: bool,
    email: Option<String>,
    tags: Vec<String>,
    country: String,
    score: f32,
    ts: i64,
}

/// Event10 evolved: `count` promoted int → long, `country` removed, two fields added with
/// defaults.
#[derive(Debug, Clone, PartialEq, schemata::Schema, Serialize, Deserialize)]
#[schemata(namespace = "bench", name = "Event10")]
struct Event10Next {
    id: i64,
    user: String,
    amount: f64,
    count: i64,
    active: bool,
    email: Option<String>,
    tags: Vec<String>,
    score: f32,
    ts: i64,
    #[serde(default)]
    region: String,
    #[serde(default)]
    priority: i32,
}

fn event10() -> Event10 {
    Event10 {
        id: 1_234_567_890,
        user: "user-42".into(),
        amount: 99.95,
        count: 3,
        active: true,
        email: Some("someone@example.com".into()),
        tags: vec!["a".into(), "bb".into(), "ccc".into()],
        country: "FR".into(),
        score: 0.75,
        ts: 1_700_000_000_000,
    }
}

#[derive(Debug, Clone, PartialEq, schemata::Schema, Serialize, Deserialize)]
#[schemata(namespace = "bench")]
struct Event50 {
    f00: i64,
    f01: String,
    f02: f64,
    f03: i32,
    f04: bool,
    f05: Option<String>,
    f06: i64,
    f07: String,
    f08: f32,
    f09: Vec<i64>,
    f10: i64,
    f11: String,
    f12: f64,
    f13: i32,
    f14: bool,
    f15: Option<String>,
    f16: i64,
    f17: String,
    f18: f32,
    f19: Vec<i64>,
    f20: i64,
    f21: String,
    f22: f64,
    f23: i32,
    f24: bool,
    f25: Option<String>,
    f26: i64,
    f27: String,
    f28: f32,
    f29: Vec<i64>,
    f30: i64,
    f31: String,
    f32: f64,
    f33: i32,
    f34: bool,
    f35: Option<String>,
    f36: i64,
    f37: String,
    f38: f32,
    f39: Vec<i64>,
    f40: i64,
    f41: String,
    f42: f64,
    f43: i32,
    f44: bool,
    f45: Option<String>,
    f46: i64,
    f47: String,
    f48: f32,
    f49: Vec<i64>,
}

fn event50() -> Event50 {
    Event50 {
        f00: 0,
        f01: "value-1".into(),
        f02: 2.5,
        f03: -3,
        f04: true,
        f05: Some("opt-5".into()),
        f06: 6000018,
        f07: "value-7".into(),
        f08: 8.25,
        f09: vec![9, 10, 11],
        f10: 10000030,
        f11: "value-11".into(),
        f12: 12.5,
        f13: -13,
        f14: true,
        f15: Some("opt-15".into()),
        f16: 16000048,
        f17: "value-17".into(),
        f18: 18.25,
        f19: vec![19, 20, 21],
        f20: 20000060,
        f21: "value-21".into(),
        f22: 22.5,
        f23: -23,
        f24: true,
        f25: Some("opt-25".into()),
        f26: 26000078,
        f27: "value-27".into(),
        f28: 28.25,
        f29: vec![29, 30, 31],
        f30: 30000090,
        f31: "value-31".into(),
        f32: 32.5,
        f33: -33,
        f34: true,
        f35: Some("opt-35".into()),
        f36: 36000108,
        f37: "value-37".into(),
        f38: 38.25,
        f39: vec![39, 40, 41],
        f40: 40000120,
        f41: "value-41".into(),
        f42: 42.5,
        f43: -43,
        f44: true,
        f45: Some("opt-45".into()),
        f46: 46000138,
        f47: "value-47".into(),
        f48: 48.25,
        f49: vec![49, 50, 51],
    }
}

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
