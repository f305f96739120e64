//! The derived events the Avro benchmark, the Kafka benchmark and the callgrind harness
//! (`examples/avro_profile.rs`) share, so all three measure the same types: a 10-field event, its
//! evolved reader, and a 50-field event. Included with `#[path]` (a subfolder, so cargo does not
//! take it for a benchmark of its own).
#![allow(dead_code, reason = "each includer uses only some of the events")]

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, schemata::Schema, Serialize, Deserialize)]
#[schemata(namespace = "bench")]
pub(crate) struct Event10 {
    pub(crate) id: i64,
    pub(crate) user: String,
    pub(crate) amount: f64,
    pub(crate) count: i32,
    pub(crate) active: bool,
    pub(crate) email: Option<String>,
    pub(crate) tags: Vec<String>,
    pub(crate) country: String,
    pub(crate) score: f32,
    pub(crate) ts: i64,
}

/// Event10 evolved: `count` promoted int → long, `country` removed, two fields added with
/// defaults.
#[derive(Debug, Clone, PartialEq, schemata::Schema, Serialize, Deserialize)]
#[schemata(namespace = "bench", name = "Event10")]
pub(crate) struct Event10Next {
    pub(crate) id: i64,
    pub(crate) user: String,
    pub(crate) amount: f64,
    pub(crate) count: i64,
    pub(crate) active: bool,
    pub(crate) email: Option<String>,
    pub(crate) tags: Vec<String>,
    pub(crate) score: f32,
    pub(crate) ts: i64,
    #[serde(default)]
    pub(crate) region: String,
    #[serde(default)]
    pub(crate) priority: i32,
}

pub(crate) fn event10() -> Event10 {
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
pub(crate) struct Event50 {
    pub(crate) f00: i64,
    pub(crate) f01: String,
    pub(crate) f02: f64,
    pub(crate) f03: i32,
    pub(crate) f04: bool,
    pub(crate) f05: Option<String>,
    pub(crate) f06: i64,
    pub(crate) f07: String,
    pub(crate) f08: f32,
    pub(crate) f09: Vec<i64>,
    pub(crate) f10: i64,
    pub(crate) f11: String,
    pub(crate) f12: f64,
    pub(crate) f13: i32,
    pub(crate) f14: bool,
    pub(crate) f15: Option<String>,
    pub(crate) f16: i64,
    pub(crate) f17: String,
    pub(crate) f18: f32,
    pub(crate) f19: Vec<i64>,
    pub(crate) f20: i64,
    pub(crate) f21: String,
    pub(crate) f22: f64,
    pub(crate) f23: i32,
    pub(crate) f24: bool,
    pub(crate) f25: Option<String>,
    pub(crate) f26: i64,
    pub(crate) f27: String,
    pub(crate) f28: f32,
    pub(crate) f29: Vec<i64>,
    pub(crate) f30: i64,
    pub(crate) f31: String,
    pub(crate) f32: f64,
    pub(crate) f33: i32,
    pub(crate) f34: bool,
    pub(crate) f35: Option<String>,
    pub(crate) f36: i64,
    pub(crate) f37: String,
    pub(crate) f38: f32,
    pub(crate) f39: Vec<i64>,
    pub(crate) f40: i64,
    pub(crate) f41: String,
    pub(crate) f42: f64,
    pub(crate) f43: i32,
    pub(crate) f44: bool,
    pub(crate) f45: Option<String>,
    pub(crate) f46: i64,
    pub(crate) f47: String,
    pub(crate) f48: f32,
    pub(crate) f49: Vec<i64>,
}

pub(crate) fn event50() -> Event50 {
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
