//! The error type of `schemata::kafka`: every failure names where it happened (topic, and for
//! consumed records partition and offset), so an operator can find the record that stopped a
//! consumer without reproducing it.

use rdkafka::error::KafkaError;

use super::codec::{DecodeError, DecodeErrorKind};

/// What can go wrong producing or consuming typed records.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration value is missing or makes no sense (checked before rdkafka sees it).
    #[error("invalid kafka configuration: {0}")]
    Config(String),
    /// rdkafka refused the configuration, or a broker request failed.
    #[error("kafka: {0}")]
    Kafka(#[from] KafkaError),
    /// A key or value could not be encoded for `topic`; nothing was sent.
    #[error("cannot encode the {part} for topic {topic}: {source}")]
    Encode {
        /// The topic written to.
        topic: String,
        /// Key or value.
        part: Part,
        /// Why the serializer failed.
        #[source]
        source: Box<crate::Error>,
    },
    /// The broker did not acknowledge a record within the message timeout, or refused it.
    #[error("delivery to {topic} failed: {source}")]
    Delivery {
        /// The topic written to.
        topic: String,
        /// rdkafka's reason.
        #[source]
        source: KafkaError,
    },
    /// A consumed record's key or value cannot be decoded. Under the `Fail` policy (or when the
    /// registry is unavailable, whatever the policy) the consumer stays on this record: the next
    /// `recv` tries it again.
    #[error("cannot decode the {part} of {topic}/{partition}@{offset}: {source}")]
    Decode {
        /// The record's topic.
        topic: String,
        /// The record's partition.
        partition: i32,
        /// The record's offset.
        offset: i64,
        /// Key or value.
        part: Part,
        /// Why, with its kind.
        #[source]
        source: DecodeError,
    },
    /// An undecodable record could not be written to its dead-letter topic; it was not skipped.
    #[error(
        "cannot write {topic}/{partition}@{offset} to dead-letter topic {dead_letter_topic}: {source}"
    )]
    DeadLetter {
        /// The record's topic.
        topic: String,
        /// The record's partition.
        partition: i32,
        /// The record's offset.
        offset: i64,
        /// The topic it could not be written to.
        dead_letter_topic: String,
        /// rdkafka's reason.
        #[source]
        source: Box<KafkaError>,
    },
    /// The broker refused to create a topic.
    #[error("cannot create topic {topic}: {source}")]
    CreateTopic {
        /// The topic.
        topic: String,
        /// The broker's reason.
        #[source]
        source: KafkaError,
    },
    /// No broker answered a metadata request in time: nothing listens there, or it is not Kafka.
    #[error("no Kafka broker answered at {servers} within {timeout_ms} ms: {source}")]
    Unreachable {
        /// The bootstrap servers asked.
        servers: String,
        /// How long it waited.
        timeout_ms: u64,
        #[source]
        /// rdkafka's reason.
        source: KafkaError,
    },
    /// A blocking rdkafka call (a synchronous commit) could not be run on the blocking pool.
    #[error("commit task failed: {0}")]
    Task(String),
}

impl Error {
    /// For [`Error::Decode`]: why the record could not be decoded.
    pub fn decode_kind(&self) -> Option<DecodeErrorKind> {
        match self {
            Error::Decode { source, .. } => Some(source.kind),
            _ => None,
        }
    }
}

/// Which part of a record an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The record's key.
    Key,
    /// The record's value.
    Value,
}

impl std::fmt::Display for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Part::Key => "key",
            Part::Value => "value",
        })
    }
}

/// Shorthand for `schemata::kafka` results.
pub type Result<T, E = Error> = std::result::Result<T, E>;
