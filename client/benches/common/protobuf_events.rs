//! The prost messages the Protobuf benchmark and its callgrind harness
//! (`examples/protobuf_profile.rs`) share: a 10-field and a 50-field message, the field types of
//! the Avro benchmark's events. They are prost derives whose descriptors (what `ReflectMessage`
//! needs) are compiled from the same `.proto` text at first use, as prost-reflect-build would
//! generate them, so no protoc is needed. Included with `#[path]`.

use std::sync::LazyLock;

use prost_reflect::{DescriptorPool, MessageDescriptor, ReflectMessage};
use schemata_core::protobuf::ProtobufSchema;

/// Both messages in one file: `Event10` is the first message (indexes `[0]`, one byte 0x00),
/// `Event50` the second (`[1]`, two bytes), so both framings are measured.
pub(crate) const PROTO: &str = "syntax = \"proto3\";
package bench;

message Event10 {
  int64 id = 1;
  string user = 2;
  double amount = 3;
  int32 count = 4;
  bool active = 5;
  optional string email = 6;
  repeated string tags = 7;
  string country = 8;
  float score = 9;
  int64 ts = 10;
}

message Event50 {
  int64 f00 = 1;
  string f01 = 2;
  double f02 = 3;
  int32 f03 = 4;
  bool f04 = 5;
  optional string f05 = 6;
  int64 f06 = 7;
  string f07 = 8;
  float f08 = 9;
  repeated int64 f09 = 10;
  int64 f10 = 11;
  string f11 = 12;
  double f12 = 13;
  int32 f13 = 14;
  bool f14 = 15;
  optional string f15 = 16;
  int64 f16 = 17;
  string f17 = 18;
  float f18 = 19;
  repeated int64 f19 = 20;
  int64 f20 = 21;
  string f21 = 22;
  double f22 = 23;
  int32 f23 = 24;
  bool f24 = 25;
  optional string f25 = 26;
  int64 f26 = 27;
  string f27 = 28;
  float f28 = 29;
  repeated int64 f29 = 30;
  int64 f30 = 31;
  string f31 = 32;
  double f32 = 33;
  int32 f33 = 34;
  bool f34 = 35;
  optional string f35 = 36;
  int64 f36 = 37;
  string f37 = 38;
  float f38 = 39;
  repeated int64 f39 = 40;
  int64 f40 = 41;
  string f41 = 42;
  double f42 = 43;
  int32 f43 = 44;
  bool f44 = 45;
  optional string f45 = 46;
  int64 f46 = 47;
  string f47 = 48;
  float f48 = 49;
  repeated int64 f49 = 50;
}
";

pub(crate) static POOL: LazyLock<DescriptorPool> =
    LazyLock::new(|| ProtobufSchema::parse(PROTO, &[]).unwrap().pool().clone());

#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Event10 {
    #[prost(int64, tag = "1")]
    pub(crate) id: i64,
    #[prost(string, tag = "2")]
    pub(crate) user: String,
    #[prost(double, tag = "3")]
    pub(crate) amount: f64,
    #[prost(int32, tag = "4")]
    pub(crate) count: i32,
    #[prost(bool, tag = "5")]
    pub(crate) active: bool,
    #[prost(string, optional, tag = "6")]
    pub(crate) email: Option<String>,
    #[prost(string, repeated, tag = "7")]
    pub(crate) tags: Vec<String>,
    #[prost(string, tag = "8")]
    pub(crate) country: String,
    #[prost(float, tag = "9")]
    pub(crate) score: f32,
    #[prost(int64, tag = "10")]
    pub(crate) ts: i64,
}

impl ReflectMessage for Event10 {
    fn descriptor(&self) -> MessageDescriptor {
        POOL.get_message_by_name("bench.Event10").unwrap()
    }
}

#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Event50 {
    #[prost(int64, tag = "1")]
    pub(crate) f00: i64,
    #[prost(string, tag = "2")]
    pub(crate) f01: String,
    #[prost(double, tag = "3")]
    pub(crate) f02: f64,
    #[prost(int32, tag = "4")]
    pub(crate) f03: i32,
    #[prost(bool, tag = "5")]
    pub(crate) f04: bool,
    #[prost(string, optional, tag = "6")]
    pub(crate) f05: Option<String>,
    #[prost(int64, tag = "7")]
    pub(crate) f06: i64,
    #[prost(string, tag = "8")]
    pub(crate) f07: String,
    #[prost(float, tag = "9")]
    pub(crate) f08: f32,
    #[prost(int64, repeated, tag = "10")]
    pub(crate) f09: Vec<i64>,
    #[prost(int64, tag = "11")]
    pub(crate) f10: i64,
    #[prost(string, tag = "12")]
    pub(crate) f11: String,
    #[prost(double, tag = "13")]
    pub(crate) f12: f64,
    #[prost(int32, tag = "14")]
    pub(crate) f13: i32,
    #[prost(bool, tag = "15")]
    pub(crate) f14: bool,
    #[prost(string, optional, tag = "16")]
    pub(crate) f15: Option<String>,
    #[prost(int64, tag = "17")]
    pub(crate) f16: i64,
    #[prost(string, tag = "18")]
    pub(crate) f17: String,
    #[prost(float, tag = "19")]
    pub(crate) f18: f32,
    #[prost(int64, repeated, tag = "20")]
    pub(crate) f19: Vec<i64>,
    #[prost(int64, tag = "21")]
    pub(crate) f20: i64,
    #[prost(string, tag = "22")]
    pub(crate) f21: String,
    #[prost(double, tag = "23")]
    pub(crate) f22: f64,
    #[prost(int32, tag = "24")]
    pub(crate) f23: i32,
    #[prost(bool, tag = "25")]
    pub(crate) f24: bool,
    #[prost(string, optional, tag = "26")]
    pub(crate) f25: Option<String>,
    #[prost(int64, tag = "27")]
    pub(crate) f26: i64,
    #[prost(string, tag = "28")]
    pub(crate) f27: String,
    #[prost(float, tag = "29")]
    pub(crate) f28: f32,
    #[prost(int64, repeated, tag = "30")]
    pub(crate) f29: Vec<i64>,
    #[prost(int64, tag = "31")]
    pub(crate) f30: i64,
    #[prost(string, tag = "32")]
    pub(crate) f31: String,
    #[prost(double, tag = "33")]
    pub(crate) f32: f64,
    #[prost(int32, tag = "34")]
    pub(crate) f33: i32,
    #[prost(bool, tag = "35")]
    pub(crate) f34: bool,
    #[prost(string, optional, tag = "36")]
    pub(crate) f35: Option<String>,
    #[prost(int64, tag = "37")]
    pub(crate) f36: i64,
    #[prost(string, tag = "38")]
    pub(crate) f37: String,
    #[prost(float, tag = "39")]
    pub(crate) f38: f32,
    #[prost(int64, repeated, tag = "40")]
    pub(crate) f39: Vec<i64>,
    #[prost(int64, tag = "41")]
    pub(crate) f40: i64,
    #[prost(string, tag = "42")]
    pub(crate) f41: String,
    #[prost(double, tag = "43")]
    pub(crate) f42: f64,
    #[prost(int32, tag = "44")]
    pub(crate) f43: i32,
    #[prost(bool, tag = "45")]
    pub(crate) f44: bool,
    #[prost(string, optional, tag = "46")]
    pub(crate) f45: Option<String>,
    #[prost(int64, tag = "47")]
    pub(crate) f46: i64,
    #[prost(string, tag = "48")]
    pub(crate) f47: String,
    #[prost(float, tag = "49")]
    pub(crate) f48: f32,
    #[prost(int64, repeated, tag = "50")]
    pub(crate) f49: Vec<i64>,
}

impl ReflectMessage for Event50 {
    fn descriptor(&self) -> MessageDescriptor {
        POOL.get_message_by_name("bench.Event50").unwrap()
    }
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

pub(crate) fn event50() -> Event50 {
    Event50 {
        f00: 1_000_003,
        f01: "value-1".into(),
        f02: 2.5,
        f03: -3,
        f04: true,
        f05: Some("opt-5".into()),
        f06: 7_000_021,
        f07: "value-7".into(),
        f08: 8.25,
        f09: vec![9, 10, 11],
        f10: 11_000_033,
        f11: "value-11".into(),
        f12: 12.5,
        f13: -13,
        f14: true,
        f15: Some("opt-15".into()),
        f16: 17_000_051,
        f17: "value-17".into(),
        f18: 18.25,
        f19: vec![19, 20, 21],
        f20: 21_000_063,
        f21: "value-21".into(),
        f22: 22.5,
        f23: -23,
        f24: true,
        f25: Some("opt-25".into()),
        f26: 27_000_081,
        f27: "value-27".into(),
        f28: 28.25,
        f29: vec![29, 30, 31],
        f30: 31_000_093,
        f31: "value-31".into(),
        f32: 32.5,
        f33: -33,
        f34: true,
        f35: Some("opt-35".into()),
        f36: 37_000_111,
        f37: "value-37".into(),
        f38: 38.25,
        f39: vec![39, 40, 41],
        f40: 41_000_123,
        f41: "value-41".into(),
        f42: 42.5,
        f43: -43,
        f44: true,
        f45: Some("opt-45".into()),
        f46: 47_000_141,
        f47: "value-47".into(),
        f48: 48.25,
        f49: vec![49, 50, 51],
    }
}
