//! Typed Kafka producer and consumer over rdkafka: keys and values encoded with the crate's
//! serializers (Avro, JSON, or plain bytes and text), tombstones as `None`, headers passed
//! through, commits the application makes after handling a record (at-least-once), and a policy
//! for records that cannot be decoded (fail, skip, or dead-letter topic).
//!
//! This module is the only place that knows rdkafka; the crate re-exports it as
//! [`rdkafka`] for what the typed API does not cover (admin calls, metadata).
//! Every rdkafka option the wrappers rely on is set explicitly by the builders, with bounded
//! defaults, and any other raw option can be added with `set`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use schemata::kafka::{Consumer, Producer, UndecodablePolicy, Utf8};
//! use schemata::{AvroDeserializer, AvroSerializer, RegistryClient, Schema, SerializerConfig};
//!
//! #[derive(Debug, Schema, serde::Serialize, serde::Deserialize)]
//! #[schemata(namespace = "com.acme.orders")]
//! struct OrderPlaced { id: i64, customer: String, #[serde(default)] coupon: Option<String> }
//!
//! let registry = RegistryClient::new("http://localhost:8081")?;
//! let producer = Producer::builder("localhost:9092")
//!     .build(Utf8, AvroSerializer::<OrderPlaced>::new(registry.clone(), SerializerConfig::default())?)?;
//! let order = OrderPlaced { id: 7, customer: "ada".into(), coupon: None };
//! producer.send("orders", Some(&"7".to_owned()), Some(&order), &[]).await?;
//! producer.send("orders", Some(&"7".to_owned()), None, &[]).await?; // a tombstone
//!
//! let consumer = Consumer::builder("localhost:9092", "billing")
//!     .on_undecodable(UndecodablePolicy::DeadLetter { topic: "orders.dlq".into() })
//!     .build(Utf8, AvroDeserializer::<OrderPlaced>::new(registry)?)?;
//! consumer.subscribe(&["orders"])?;
//! loop {
//!     let record = consumer.recv().await?;
//!     if let Some(order) = &record.value { /* handle it */ }
//!     consumer.commit(&record).await?; // after handling: at-least-once
//! }
//! # }
//! ```

pub use rdkafka;

mod admin;
mod codec;
mod consumer;
mod error;
mod producer;

pub use admin::{create_topics, topic_exists};
pub use codec::{BoxFuture, Bytes, DecodeError, DecodeErrorKind, Decoder, Encoder, Utf8};
pub use consumer::{Consumer, ConsumerBuilder, OffsetReset, Record, UndecodablePolicy};
pub use error::{Error, Part, Result};
pub use producer::{Acks, Delivery, Pending, Producer, ProducerBuilder};

/// One record header. Kafka allows repeated keys and null values, so headers are a list of
/// these rather than a map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The header's name.
    pub key: String,
    /// Its bytes; `None` is a null header.
    pub value: Option<Vec<u8>>,
}

impl Header {
    /// A header with a value.
    pub fn new(key: impl Into<String>, value: impl Into<Vec<u8>>) -> Header {
        Header { key: key.into(), value: Some(value.into()) }
    }
}

/// Dead-letter headers: why a record was diverted and where it came from. The original key,
/// value and headers are kept unchanged, so the record can be replayed once the cause is fixed.
pub mod dead_letter_headers {
    /// The error as a sentence.
    pub const ERROR: &str = "schemata.error";
    /// The error's kind (`DecodeErrorKind::as_str`): `unknown-schema`, `wire-format`, ...
    pub const ERROR_KIND: &str = "schemata.error.kind";
    /// `key` or `value`: which part could not be decoded.
    pub const ERROR_PART: &str = "schemata.error.part";
    /// The topic the record was read from.
    pub const SOURCE_TOPIC: &str = "schemata.source.topic";
    /// Decimal text.
    pub const SOURCE_PARTITION: &str = "schemata.source.partition";
    /// Decimal text.
    pub const SOURCE_OFFSET: &str = "schemata.source.offset";
}

/// Raw options on top of a builder's: later entries win, so `set` overrides a builder default.
fn apply(config: &mut rdkafka::ClientConfig, extra: &[(String, String)]) {
    for (key, value) in extra {
        config.set(key, value);
    }
}

fn require_bootstrap(servers: &str) -> Result<()> {
    if servers.trim().is_empty() {
        return Err(Error::Config("bootstrap.servers is empty".into()));
    }
    Ok(())
}
