//! The fuzz targets' bodies, one function per target, called by the libFuzzer binaries in
//! `fuzz_targets/`. Each function takes arbitrary bytes, must never panic, and returns the budget
//! steps it spent (0 for targets without a budget), for callers that want to see the heaviest
//! input.
//!
//! Besides "no panic", each target checks the properties that hold for every input it accepts:
//! printed schema forms parse back to themselves, a schema is compatible with itself, encoded
//! frames and records read back to what they were.

use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use schemata::avro::{Compiled, Plan};
use schemata_core::avro::{self, AvroSchema};
use schemata_core::json_schema::{self, JsonSchema};
use schemata_core::records::Record;
use schemata_core::{Budget, JsonPolicy, wire};
use schemata_registry::storage::log::{Log, LogOptions};
use serde::Deserialize;

/// The two halves of an input that holds a pair: split at the first NUL byte (no NUL: the second
/// half is empty). Seeds are written the same way.
fn halves(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[]),
    }
}

/// Avro schema parse, the Parsing Canonical Form, the fingerprint and the normalized form.
pub fn avro_parse(data: &[u8]) -> u64 {
    let Ok(text) = std::str::from_utf8(data) else { return 0 };
    let mut budget = Budget::default();
    let Ok(schema) = AvroSchema::parse_with_budget(text, &[], &mut budget) else {
        return budget.used();
    };
    let canonical = schema.canonical_form();
    let _ = schema.fingerprint();
    let normalized = schema.normalized();
    // What we print must read back as the same schema.
    let again = AvroSchema::parse(&normalized, &[])
        .unwrap_or_else(|e| panic!("normalized form does not parse: {e}\n{normalized}"));
    assert_eq!(again.normalized(), normalized, "the normalized form is not a fixed point");
    let again = AvroSchema::parse(&canonical, &[])
        .unwrap_or_else(|e| panic!("canonical form does not parse: {e}\n{canonical}"));
    assert_eq!(again.canonical_form(), canonical, "the canonical form is not a fixed point");
    budget.used()
}

/// The Avro checker on a pair (both directions) and on each schema against itself.
pub fn avro_compat(data: &[u8]) -> u64 {
    let (a, b) = halves(data);
    let (Ok(a), Ok(b)) = (std::str::from_utf8(a), std::str::from_utf8(b)) else { return 0 };
    let mut budget = Budget::default();
    let Ok(a) = AvroSchema::parse_with_budget(a, &[], &mut budget) else { return budget.used() };
    let b = AvroSchema::parse_with_budget(b, &[], &mut budget).ok();
    let mut checks = Budget::default();
    if let Ok(findings) = avro::can_read_with_budget(&a, &a, &mut checks) {
        assert!(findings.is_empty(), "a schema cannot read itself: {findings:?}");
    }
    if let Some(b) = b {
        let _ = avro::can_read_with_budget(&a, &b, &mut checks);
        let _ = avro::can_read_with_budget(&b, &a, &mut checks);
    }
    budget.used().max(checks.used())
}

/// JSON Schema parse, normalized form, and the diff on a pair (both directions, both policies)
/// and on each schema against itself.
pub fn json_schema(data: &[u8]) -> u64 {
    let (a, b) = halves(data);
    let (Ok(a), Ok(b)) = (std::str::from_utf8(a), std::str::from_utf8(b)) else { return 0 };
    let mut budget = Budget::default();
    let Ok(a) = JsonSchema::parse_with_budget(a, &[], &mut budget) else { return budget.used() };
    let _ = a.normalized();
    let b = JsonSchema::parse_with_budget(b, &[], &mut budget).ok();
    let mut checks = Budget::default();
    for policy in [JsonPolicy::Strict, JsonPolicy::Lenient] {
        if let Ok(findings) = json_schema::can_read_with_budget(&a, &a, policy, &mut checks) {
            assert!(findings.is_empty(), "a schema cannot read itself: {findings:?}");
        }
        if let Some(b) = &b {
            let _ = json_schema::diff_with_budget(&a, b, policy, &mut checks);
            let _ = json_schema::diff_with_budget(b, &a, policy, &mut checks);
        }
    }
    budget.used().max(checks.used())
}

/// The wire-frame decoder and the Protobuf message-index reader; a decoded id frame encodes back
/// to the same bytes.
pub fn wire(data: &[u8]) -> u64 {
    if let Ok(frame) = wire::decode(data) {
        if let wire::SchemaRef::Id(id) = frame.schema {
            let mut out = Vec::new();
            wire::encode(id, frame.payload, &mut out);
            assert_eq!(out, data, "an id frame does not encode back to its bytes");
        }
        if let Ok((indexes, rest)) = wire::read_message_indexes(frame.payload) {
            let mut out = Vec::new();
            wire::write_message_indexes(&indexes, &mut out);
            out.extend_from_slice(rest);
            let (again, _) = wire::read_message_indexes(&out).expect("written indexes read back");
            assert_eq!(again, indexes, "message indexes do not round-trip");
        }
    }
    0
}

/// The reader type of the typed decoder: one of each kind of field.
#[derive(Debug, Deserialize)]
#[expect(dead_code, reason = "the fields are read by serde only")]
struct Event {
    id: i64,
    name: String,
    score: Option<f64>,
    tags: Vec<String>,
    counts: std::collections::HashMap<String, i32>,
    kind: Kind,
    blob: Vec<u8>,
    inner: Inner,
}

#[derive(Debug, Deserialize)]
enum Kind {
    Created,
    Deleted,
}

#[derive(Debug, Deserialize)]
#[expect(dead_code, reason = "the fields are read by serde only")]
struct Inner {
    flag: bool,
    when: i64,
}

const EVENT_READER: &str = r#"{"type":"record","name":"Event","fields":[
  {"name":"id","type":"long"},
  {"name":"name","type":"string"},
  {"name":"score","type":["null","double"],"default":null},
  {"name":"tags","type":{"type":"array","items":"string"}},
  {"name":"counts","type":{"type":"map","values":"int"}},
  {"name":"kind","type":{"type":"enum","name":"Kind","symbols":["Created","Deleted"]}},
  {"name":"blob","type":"bytes","default":""},
  {"name":"inner","type":{"type":"record","name":"Inner","fields":[
    {"name":"flag","type":"boolean"},{"name":"when","type":"long"}]}}]}"#;

/// An older writer of `Event`: an int id (promoted), no score or blob (defaults), a float score
/// in a union elsewhere.
const EVENT_WRITER: &str = r#"{"type":"record","name":"Event","fields":[
  {"name":"id","type":"int"},
  {"name":"name","type":"string"},
  {"name":"tags","type":{"type":"array","items":"string"}},
  {"name":"counts","type":{"type":"map","values":"int"}},
  {"name":"kind","type":{"type":"enum","name":"Kind","symbols":["Created","Deleted"]}},
  {"name":"inner","type":{"type":"record","name":"Inner","fields":[
    {"name":"when","type":"int"},{"name":"flag","type":"boolean"}]}}]}"#;

/// Every writer schema the decoder target uses: the example histories, then Event's two.
const WRITERS: &[&str] = &[
    include_str!("../../schemas/orders-value/v1.avsc"),
    include_str!("../../schemas/orders-value/v2.avsc"),
    include_str!("../../schemas/orders-value/v3.avsc"),
    include_str!("../../schemas/payments-value/v1.avsc"),
    include_str!("../../schemas/users-value/v1.avsc"),
    include_str!("../../schemas/clickstream-value/v1.avsc"),
    include_str!("../../schemas/clickstream-value/v3.avsc"),
    EVENT_READER,
    EVENT_WRITER,
];

struct Decoders {
    /// Per writer: its compiled schema and a plan that reads it as itself.
    writers: Vec<(Arc<Compiled>, Plan)>,
    /// Event written with the reader's own schema, and with the older writer.
    event_plans: Vec<Plan>,
}

fn compiled(text: &str) -> Compiled {
    let schema = AvroSchema::parse(text, &[]).expect("fuzz schema parses");
    Compiled::new(schema.apache_schema(), schema.referenced_schemas())
        .expect("fuzz schema compiles")
}

static DECODERS: LazyLock<Decoders> = LazyLock::new(|| {
    let writers = WRITERS
        .iter()
        .map(|text| {
            let writer = Arc::new(compiled(text));
            let plan = Plan::new(Arc::clone(&writer), &writer).expect("a schema reads itself");
            (writer, plan)
        })
        .collect();
    let reader = compiled(EVENT_READER);
    let event_plans = [EVENT_READER, EVENT_WRITER]
        .iter()
        .map(|text| Plan::new(Arc::new(compiled(text)), &reader).expect("Event plan"))
        .collect();
    Decoders { writers, event_plans }
});

/// The typed Avro decoder and the dynamic JSON decoder on arbitrary bytes: the first byte picks
/// the writer schema, the rest is the datum.
pub fn avro_decode(data: &[u8]) -> u64 {
    let Some((&pick, datum)) = data.split_first() else { return 0 };
    let decoders = &*DECODERS;
    let index = usize::from(pick) % (decoders.writers.len() + decoders.event_plans.len());
    match decoders.writers.get(index) {
        Some((writer, plan)) => {
            let _ = schemata::avro::decode_json(writer, datum);
            let _ = schemata::avro::decode::<serde_json::Value>(plan, datum);
        }
        None => {
            if let Some(plan) = decoders.event_plans.get(index - decoders.writers.len()) {
                let _ = schemata::avro::decode::<Event>(plan, datum);
            }
        }
    }
    0
}

/// A data dir of this process's own, on tmpfs when there is one: the log target writes a file
/// per input.
static LOG_DIR: LazyLock<PathBuf> = LazyLock::new(|| {
    let base = if std::path::Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let dir = base.join(format!("schemata-fuzz-log-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("fuzz data dir");
    dir
});

/// The embedded log's reader: the input is a whole log file. Opening never panics, and what it
/// keeps (after truncating a torn tail) opens again to the same entries.
pub fn log_frames(data: &[u8]) -> u64 {
    let dir = &*LOG_DIR;
    let path = dir.join("schemas.log");
    let _ = std::fs::remove_file(dir.join("schemas.log.tmp"));
    std::fs::write(&path, data).expect("write the fuzz log");
    let options = || LogOptions { lock_wait_ms: 0, ..LogOptions::default() };
    let first = match Log::open(dir, options()) {
        Ok((log, entries)) => {
            drop(log);
            entries
        }
        Err(_) => return 0,
    };
    let (log, again) = Log::open(dir, options()).expect("a log that opened opens again");
    drop(log);
    assert_eq!(again, first, "reopening a log changed its entries");
    0
}

/// `_schemas` record parsing: key, NUL, value (no NUL: a tombstone). A parsed record writes back
/// to bytes that parse to the same record.
pub fn records(data: &[u8]) -> u64 {
    let value = data.iter().position(|&b| b == 0).map(|at| &data[at + 1..]);
    let key = halves(data).0;
    if let Ok(record) = Record::from_bytes(key, value) {
        let (key, value) = record.to_bytes();
        let again = Record::from_bytes(&key, value.as_deref()).expect("written record parses");
        assert_eq!(again, record, "a record does not round-trip");
    }
    0
}
