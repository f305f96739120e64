//! The Kafka backend: the records live in a `_schemas` topic (one partition, compacted), in
//! Confluent's format, so every instance of the registry (and a Confluent or Karapace registry)
//! folds the same log into the same state.
//!
//! Three parts share one `Cluster` handle:
//! - `KafkaStorage`, owned by the writer thread: appends produce to partition 0 and check that
//!   each record landed exactly where the writer expected (right after what its state holds);
//!   anything else means another writer interleaved, and the append fails so the writer rebuilds
//!   its state from the log (`reload` re-reads the topic), acknowledging nothing.
//! - `Tail`, a thread that follows the topic after start-up and hands what others appended to
//!   the writer as jobs (`Tx::apply_logged`), so one thread still owns the state.
//! - `Cluster`, read by the HTTP side: how far the published state reaches in the log (for
//!   read-your-writes waits), the broker's end offset (lag), and whether the tail is healthy.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, ResourceSpecifier, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::error::KafkaError;
use rdkafka::message::Message as _;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Offset, TopicPartitionList};
use schemata_core::records::Record;
use tokio::sync::watch;

use super::{Replay, Storage, StorageError};
use crate::config::KafkaSettings;
use crate::writer::WeakWriter;

/// Most records the tail hands the writer in one job: bounds the time one job holds the writer.
const MAX_TAIL_BATCH: usize = 2048;
/// How often the tail asks the broker for the end offset (the lag gauge).
const WATERMARK_EVERY: Duration = Duration::from_secs(1);

/// What the HTTP side and the writer share about the log.
#[derive(Debug)]
pub(crate) struct Cluster {
    pub(crate) settings: KafkaSettings,
    /// The offset after the last record the writer's state holds (applied or appended). Only the
    /// writer thread moves it.
    writer_position: AtomicI64,
    /// The offset after the last record the published state holds; waiters watch it.
    published: watch::Sender<i64>,
    /// The broker's end offset as last asked (for the lag gauge); -1 before the first answer.
    high_watermark: AtomicI64,
    /// Where the next append must land, when the writer knows nothing but its own records
    /// follow its state in the log; `None` forces an append to fail (the writer then reloads).
    expected_end: Mutex<Option<i64>>,
    /// Set while the tail cannot read the topic: readiness fails.
    tail_failing: AtomicBool,
    /// Records skipped because they are not `_schemas` records (counted for the logs).
    undecodable: AtomicI64,
    /// Tells the tail thread to end.
    stop: AtomicBool,
}

impl Cluster {
    fn new(settings: KafkaSettings, position: i64) -> Cluster {
        Cluster {
            settings,
            writer_position: AtomicI64::new(position),
            published: watch::Sender::new(position),
            high_watermark: AtomicI64::new(position),
            expected_end: Mutex::new(Some(position)),
            tail_failing: AtomicBool::new(false),
            undecodable: AtomicI64::new(0),
            stop: AtomicBool::new(false),
        }
    }

    /// The offset after the last record readers can see.
    pub(crate) fn published_position(&self) -> i64 {
        *self.published.borrow()
    }

    /// Records in the topic the published state does not hold yet (as of the last end offset
    /// the tail asked for).
    pub(crate) fn lag(&self) -> i64 {
        (self.high_watermark.load(Ordering::SeqCst) - self.published_position()).max(0)
    }

    /// Ready: the tail reads the topic.
    pub(crate) fn healthy(&self) -> bool {
        !self.tail_failing.load(Ordering::SeqCst)
    }

    /// Prometheus lines for `/metrics`.
    pub(crate) fn render_metrics(&self, out: &mut String) {
        use std::fmt::Write as _;
        let _ = writeln!(
            out,
            "# HELP schemata_kafka_lag_records Records in the topic the served state does not hold yet.\n\
             # TYPE schemata_kafka_lag_records gauge\n\
             schemata_kafka_lag_records {}\n\
             # HELP schemata_kafka_position The offset after the last record the served state holds.\n\
             # TYPE schemata_kafka_position gauge\n\
             schemata_kafka_position {}\n\
             # HELP schemata_kafka_undecodable_records_total Records skipped as not _schemas records.\n\
             # TYPE schemata_kafka_undecodable_records_total counter\n\
             schemata_kafka_undecodable_records_total {}",
            self.lag(),
            self.published_position(),
            self.undecodable.load(Ordering::SeqCst),
        );
    }
}

/// The writer's side of the topic.
pub struct KafkaStorage {
    cluster: Arc<Cluster>,
    producer: FutureProducer,
    /// Runs the delivery futures from the writer thread (not a runtime thread).
    runtime: tokio::runtime::Handle,
}

impl std::fmt::Debug for KafkaStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaStorage").field("cluster", &self.cluster).finish_non_exhaustive()
    }
}

impl Drop for KafkaStorage {
    fn drop(&mut self) {
        // The writer ends: so does the tail.
        self.cluster.stop.store(true, Ordering::SeqCst);
    }
}

/// The thread that follows the topic after start-up.
pub(crate) struct Tail {
    cluster: Arc<Cluster>,
    consumer: BaseConsumer,
}

impl std::fmt::Debug for Tail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tail").field("cluster", &self.cluster).finish_non_exhaustive()
    }
}

/// Everything `open` hands the server.
pub(crate) struct Opened {
    pub(crate) storage: KafkaStorage,
    pub(crate) records: Replay,
    pub(crate) tail: Tail,
    pub(crate) cluster: Arc<Cluster>,
}

fn storage_error(what: &str, error: impl std::fmt::Display) -> StorageError {
    StorageError::Io(format!("{what}: {error}"))
}

/// A librdkafka config with the bootstrap servers and the user's options.
fn client_config(settings: &KafkaSettings) -> ClientConfig {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", &settings.bootstrap);
    config.set("socket.timeout.ms", settings.timeout_ms.max(10).to_string());
    for (key, value) in &settings.options {
        config.set(key, value);
    }
    config
}

/// The reader: assigned to partition 0 (no group membership), reading committed records only,
/// told when it reaches the end.
fn consumer(settings: &KafkaSettings) -> Result<BaseConsumer, StorageError> {
    let mut config = client_config(settings);
    config
        .set("group.id", &settings.group_id)
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("enable.partition.eof", "true")
        .set("auto.offset.reset", "earliest")
        .set("isolation.level", "read_committed")
        .set("allow.auto.create.topics", "false")
        .set("fetch.wait.max.ms", "10");
    config.create().map_err(|e| storage_error("cannot create the Kafka consumer", e))
}

/// Opens the topic: reaches the broker, checks (or creates) the topic, replays it to its end,
/// and prepares the producer and the tail. Every step is bounded by `init_timeout_ms`.
pub(crate) async fn open(settings: &KafkaSettings) -> Result<Opened, StorageError> {
    let deadline = Instant::now() + Duration::from_millis(settings.init_timeout_ms);
    let reader = consumer(settings)?;
    let (reader, brokers, partitions) = {
        let settings = settings.clone();
        tokio::task::spawn_blocking(move || {
            let metadata = reader
                .fetch_metadata(None, remaining(deadline))
                .map_err(|e| unreachable(&settings, e))?;
            if metadata.brokers().is_empty() {
                return Err(unreachable(&settings, "no broker answered"));
            }
            let partitions = metadata
                .topics()
                .iter()
                .find(|t| t.name() == settings.topic && t.error().is_none())
                .map(|t| t.partitions().len());
            Ok((reader, metadata.brokers().len(), partitions))
        })
        .await
        .map_err(|e| storage_error("start-up task failed", e))??
    };
    match partitions {
        None => create_topic(settings, brokers, deadline).await?,
        Some(_) if settings.skip_topic_check => {}
        Some(partitions) => check_topic(settings, partitions, deadline).await?,
    }
    let settings_for_replay = settings.clone();
    let (reader, records, position) = tokio::task::spawn_blocking(move || {
        let settings = settings_for_replay;
        assign(&reader, &settings.topic, Offset::Beginning)?;
        let high = watermark(&reader, &settings, remaining(deadline))?;
        let undecodable = AtomicI64::new(0);
        let (records, position) = read_to(&reader, &settings, 0, high, deadline, &undecodable)?;
        Ok::<_, StorageError>((reader, records, position))
    })
    .await
    .map_err(|e| storage_error("start-up task failed", e))??;
    tracing::info!(topic = %settings.topic, records = records.len(), position, "replayed the Kafka topic");
    let cluster = Arc::new(Cluster::new(settings.clone(), position));
    let producer = producer(settings)?;
    let storage = KafkaStorage {
        cluster: Arc::clone(&cluster),
        producer,
        runtime: tokio::runtime::Handle::current(),
    };
    let tail = Tail { cluster: Arc::clone(&cluster), consumer: reader };
    Ok(Opened { storage, records: Box::new(records.into_iter()), tail, cluster })
}

fn remaining(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1))
}

fn unreachable(settings: &KafkaSettings, error: impl std::fmt::Display) -> StorageError {
    StorageError::Io(format!(
        "cannot reach Kafka at {} within {} ms: {error}",
        settings.bootstrap, settings.init_timeout_ms
    ))
}

/// Creates the topic as Confluent does: one partition, compacted, replication capped at the
/// brokers there are. Another instance creating it at the same moment is fine.
async fn create_topic(
    settings: &KafkaSettings,
    brokers: usize,
    deadline: Instant,
) -> Result<(), StorageError> {
    let replication = settings.replication_factor.min(i32::try_from(brokers).unwrap_or(i32::MAX));
    if replication < settings.replication_factor {
        tracing::warn!(
            wanted = settings.replication_factor,
            brokers,
            "creating the topic with fewer replicas than configured: not enough brokers"
        );
    }
    let admin: AdminClient<DefaultClientContext> = client_config(settings)
        .create()
        .map_err(|e| storage_error("cannot create the Kafka admin client", e))?;
    let mut topic = NewTopic::new(&settings.topic, 1, TopicReplication::Fixed(replication));
    for (key, value) in &settings.topic_config {
        if key != "cleanup.policy" {
            topic = topic.set(key, value);
        }
    }
    topic = topic.set("cleanup.policy", "compact");
    let timeout = remaining(deadline);
    let options =
        AdminOptions::new().operation_timeout(Some(timeout)).request_timeout(Some(timeout));
    let results = admin
        .create_topics([&topic], &options)
        .await
        .map_err(|e| storage_error(&format!("cannot create topic {}", settings.topic), e))?;
    for result in results {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((name, code)) => {
                return Err(StorageError::Io(format!("cannot create topic {name}: {code}")));
            }
        }
    }
    tracing::info!(topic = %settings.topic, replication, "created the Kafka topic");
    Ok(())
}

/// Refuses a topic Confluent would refuse: more than one partition (records would lose their
/// order) or a cleanup policy other than exactly `compact` (old schemas would expire).
async fn check_topic(
    settings: &KafkaSettings,
    partitions: usize,
    deadline: Instant,
) -> Result<(), StorageError> {
    let skip = "(set --kafka-skip-topic-check true to start anyway)";
    if partitions != 1 {
        return Err(StorageError::Io(format!(
            "topic {} has {partitions} partitions; the registry needs exactly 1 {skip}",
            settings.topic
        )));
    }
    let admin: AdminClient<DefaultClientContext> = client_config(settings)
        .create()
        .map_err(|e| storage_error("cannot create the Kafka admin client", e))?;
    let timeout = remaining(deadline);
    let options =
        AdminOptions::new().operation_timeout(Some(timeout)).request_timeout(Some(timeout));
    let results = admin
        .describe_configs([&ResourceSpecifier::Topic(&settings.topic)], &options)
        .await
        .map_err(|e| storage_error(&format!("cannot describe topic {}", settings.topic), e))?;
    let policy = match results.into_iter().next() {
        Some(Ok(resource)) => resource.get("cleanup.policy").and_then(|e| e.value.clone()),
        Some(Err(code)) => {
            return Err(StorageError::Io(format!(
                "cannot describe topic {}: {code} {skip}",
                settings.topic
            )));
        }
        None => None,
    };
    if policy.as_deref() != Some("compact") {
        return Err(StorageError::Io(format!(
            "topic {} has cleanup.policy={}; the registry needs cleanup.policy=compact {skip}",
            settings.topic,
            policy.as_deref().unwrap_or("delete (not set)"),
        )));
    }
    Ok(())
}

fn assign(consumer: &BaseConsumer, topic: &str, offset: Offset) -> Result<(), StorageError> {
    let mut partitions = TopicPartitionList::new();
    partitions
        .add_partition_offset(topic, 0, offset)
        .map_err(|e| storage_error("cannot assign the topic", e))?;
    consumer.assign(&partitions).map_err(|e| storage_error("cannot assign the topic", e))
}

/// The end offset of partition 0 (the last stable offset, as the reader reads committed).
fn watermark(
    consumer: &BaseConsumer,
    settings: &KafkaSettings,
    timeout: Duration,
) -> Result<i64, StorageError> {
    consumer
        .fetch_watermarks(&settings.topic, 0, timeout)
        .map(|(_, high)| high)
        .map_err(|e| storage_error(&format!("cannot read the end of topic {}", settings.topic), e))
}

/// Reads from the consumer's position until `target` (or the end the broker reports, whichever
/// comes first), decoding each record. Answers the records and the position after them.
fn read_to(
    consumer: &BaseConsumer,
    settings: &KafkaSettings,
    mut position: i64,
    target: i64,
    deadline: Instant,
    undecodable: &AtomicI64,
) -> Result<(Vec<Record>, i64), StorageError> {
    let mut records = Vec::new();
    while position < target {
        if Instant::now() >= deadline {
            return Err(StorageError::Io(format!(
                "reading topic {} did not reach offset {target} in time (at {position})",
                settings.topic
            )));
        }
        match consumer.poll(Duration::from_millis(100)) {
            None => {}
            Some(Ok(message)) => {
                position = message.offset() + 1;
                if let Some(record) = decode(message.offset(), message.key(), message.payload()) {
                    records.push(record);
                } else if !is_noop(message.key()) {
                    undecodable.fetch_add(1, Ordering::SeqCst);
                }
            }
            Some(Err(KafkaError::PartitionEOF(_))) => break,
            Some(Err(error)) => return Err(storage_error("cannot read the topic", error)),
        }
    }
    Ok((records, position))
}

fn is_noop(key: Option<&[u8]>) -> bool {
    key.is_some_and(|key| memchr::memmem::find(key, b"\"NOOP\"").is_some())
}

/// What a record in the topic means for the state, under the rules that let us read a topic
/// Confluent, Karapace or Redpanda wrote: an empty value is a delete (Karapace), a record whose
/// key carries a Redpanda `seq` other than its own offset lost a write race and is ignored, and
/// anything that is not a `_schemas` record is skipped (never fatal). NOOPs mean nothing.
fn decode(offset: i64, key: Option<&[u8]>, value: Option<&[u8]>) -> Option<Record> {
    let key = key?;
    let value = value.filter(|value| !value.is_empty());
    if value.is_some() && memchr::memmem::find(key, b"\"seq\"").is_some() {
        let seq = serde_json::from_slice::<serde_json::Value>(key)
            .ok()
            .and_then(|key| key.get("seq").and_then(serde_json::Value::as_i64));
        if seq.is_some_and(|seq| seq != offset) {
            tracing::debug!(offset, "skipping a record that lost a Redpanda write race");
            return None;
        }
    }
    match Record::from_bytes(key, value) {
        Ok(Record { key: schemata_core::records::RecordKey::Noop { .. }, .. }) => None,
        Ok(record) => Some(record),
        Err(error) => {
            tracing::warn!(offset, %error, "skipping a topic record that is not a _schemas record");
            None
        }
    }
}

/// The writer's producer: every record acknowledged by all in-sync replicas, idempotent (a
/// retry never lands twice), and bounded in time, so a write never hangs on a lost broker.
fn producer(settings: &KafkaSettings) -> Result<FutureProducer, StorageError> {
    let mut config = client_config(settings);
    config
        .set("acks", "all")
        .set("enable.idempotence", "true")
        .set("message.timeout.ms", settings.timeout_ms.to_string())
        .set("request.timeout.ms", settings.timeout_ms.min(30_000).to_string())
        .set("linger.ms", "0")
        .set("compression.type", "none");
    config.create().map_err(|e| storage_error("cannot create the Kafka producer", e))
}

impl KafkaStorage {
    /// Produces `records` and answers the offsets they landed at, in order.
    fn produce(&self, records: &[Record]) -> Result<Vec<i64>, StorageError> {
        let topic = &self.cluster.settings.topic;
        let mut deliveries = Vec::with_capacity(records.len());
        for record in records {
            let (key, value) = record.to_bytes();
            let mut message = FutureRecord::<Vec<u8>, Vec<u8>>::to(topic).partition(0).key(&key);
            if let Some(value) = &value {
                message = message.payload(value);
            }
            let delivery = self
                .producer
                .send_result(message)
                .map_err(|(error, _)| storage_error("cannot queue the record for Kafka", error))?;
            deliveries.push(delivery);
        }
        self.runtime.block_on(async {
            let mut offsets = Vec::with_capacity(deliveries.len());
            for delivery in deliveries {
                match delivery.await {
                    Ok(Ok(delivered)) => offsets.push(delivered.offset),
                    Ok(Err((error, _))) => {
                        return Err(storage_error("Kafka did not take the record", error));
                    }
                    Err(_) => return Err(StorageError::Closed),
                }
            }
            Ok(offsets)
        })
    }
}

impl Storage for KafkaStorage {
    fn append(&mut self, records: &[Record]) -> Result<(), StorageError> {
        let mut expected = self.cluster.expected_end.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(start) = *expected else {
            return Err(StorageError::Io("the state is being rebuilt from the topic".into()));
        };
        let result = self.produce(records);
        let offsets = match result {
            Ok(offsets) => offsets,
            Err(error) => {
                // Some records may have landed: only the log can say what the state is now.
                *expected = None;
                return Err(error);
            }
        };
        let contiguous = offsets.iter().zip(start..).all(|(offset, wanted)| *offset == wanted);
        if !contiguous {
            *expected = None;
            tracing::error!(
                expected = start,
                landed = ?offsets.first(),
                "records landed where this writer did not expect: another writer interleaved; \
                 rebuilding the state from the topic"
            );
            return Err(StorageError::Io(
                "another writer wrote to the topic at the same time; nothing was acknowledged"
                    .into(),
            ));
        }
        let end = start + offsets.len() as i64;
        *expected = Some(end);
        self.cluster.writer_position.fetch_max(end, Ordering::SeqCst);
        Ok(())
    }

    fn reload(&mut self) -> Result<Replay, StorageError> {
        let settings = &self.cluster.settings;
        let deadline = Instant::now() + Duration::from_millis(settings.timeout_ms);
        let reader = consumer(settings)?;
        assign(&reader, &settings.topic, Offset::Beginning)?;
        let high = watermark(&reader, settings, remaining(deadline))?;
        // Never less than the writer already applied: the tail will not hand those again.
        let target = high.max(self.cluster.writer_position.load(Ordering::SeqCst));
        let (records, position) =
            read_to(&reader, settings, 0, target, deadline, &AtomicI64::new(0))?;
        self.cluster.writer_position.store(position, Ordering::SeqCst);
        *self.cluster.expected_end.lock().unwrap_or_else(PoisonError::into_inner) = Some(position);
        tracing::info!(records = records.len(), position, "state rebuilt from the Kafka topic");
        Ok(Box::new(records.into_iter()))
    }

    fn published(&mut self) {
        let position = self.cluster.writer_position.load(Ordering::SeqCst);
        self.cluster.published.send_if_modified(|published| {
            let moved = position > *published;
            *published = (*published).max(position);
            moved
        });
    }
}

impl Tail {
    /// Starts following the topic on its own thread; it ends with the writer.
    pub(crate) fn start(self, writer: WeakWriter) -> std::io::Result<std::thread::JoinHandle<()>> {
        let runtime = tokio::runtime::Handle::current();
        std::thread::Builder::new().name("schemata-kafka-tail".into()).spawn(move || {
            self.run(&writer, &runtime);
        })
    }

    fn run(self, writer: &WeakWriter, runtime: &tokio::runtime::Handle) {
        let cluster = &self.cluster;
        let mut asked = Instant::now() - WATERMARK_EVERY;
        while !cluster.stop.load(Ordering::SeqCst) {
            if asked.elapsed() >= WATERMARK_EVERY {
                asked = Instant::now();
                match watermark(&self.consumer, &cluster.settings, Duration::from_secs(1)) {
                    Ok(high) => {
                        cluster.high_watermark.store(high, Ordering::SeqCst);
                        if cluster.tail_failing.swap(false, Ordering::SeqCst) {
                            tracing::info!("the Kafka topic is readable again");
                        }
                    }
                    Err(error) => {
                        if !cluster.tail_failing.swap(true, Ordering::SeqCst) {
                            tracing::error!(%error, "cannot reach Kafka; serving what is known");
                        }
                    }
                }
            }
            let mut batch: Vec<(i64, Option<Record>)> = Vec::new();
            let mut wait = Duration::from_millis(100);
            while batch.len() < MAX_TAIL_BATCH {
                match self.consumer.poll(wait) {
                    Some(Ok(message)) => {
                        let offset = message.offset();
                        let record = decode(offset, message.key(), message.payload());
                        if record.is_none() && !is_noop(message.key()) {
                            cluster.undecodable.fetch_add(1, Ordering::SeqCst);
                        }
                        batch.push((offset, record));
                        wait = Duration::ZERO;
                    }
                    Some(Err(KafkaError::PartitionEOF(_))) | None => break,
                    Some(Err(error)) => {
                        tracing::warn!(%error, "reading the Kafka topic");
                        break;
                    }
                }
            }
            if batch.is_empty() {
                continue;
            }
            let Some(writer) = writer.upgrade() else { return };
            let cluster_for_job = Arc::clone(cluster);
            let job = move |tx: &mut crate::writer::Tx<'_>| {
                let from = cluster_for_job.writer_position.load(Ordering::SeqCst);
                let mut end = from;
                for (offset, record) in batch {
                    if offset < from {
                        // Already in the state: this writer appended it.
                        continue;
                    }
                    if let Some(record) = record {
                        tx.apply_logged(record);
                    }
                    end = offset + 1;
                }
                cluster_for_job.writer_position.fetch_max(end, Ordering::SeqCst);
                Ok(())
            };
            // Waiting for the answer keeps the tail at most one job ahead of the writer.
            let _ = runtime.block_on(writer.submit(job));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(offset: i64, key: &str, value: Option<&str>, expected: Option<&str>) {
        let record = decode(offset, Some(key.as_bytes()), value.map(str::as_bytes));
        let got = record.map(|r| {
            let (key, value) = r.to_bytes();
            format!(
                "{} {}",
                String::from_utf8(key).unwrap(),
                value.map_or("null".into(), |v| String::from_utf8(v).unwrap())
            )
        });
        assert_eq!(got.as_deref(), expected, "{key} {value:?}");
    }

    #[test]
    fn records_of_every_writer_decode_under_the_shared_rules() {
        let schema = r#"{"subject":"s","version":1,"id":1,"schema":"\"int\"","deleted":false}"#;
        let written = schema;
        let canonical = r#"{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}"#;
        check(0, canonical, Some(schema), Some(&format!("{canonical} {written}")));
        // Karapace's deprecated key order and its empty-value delete.
        let karapace = r#"{"subject":"s","version":1,"magic":1,"keytype":"SCHEMA"}"#;
        check(3, karapace, Some(""), Some(&format!("{canonical} null")));
        // Redpanda: a sequenced record counts only at its own offset.
        let redpanda =
            r#"{"keytype":"SCHEMA","subject":"s","version":1,"magic":1,"seq":7,"node":0}"#;
        check(7, redpanda, Some(schema), Some(&format!("{canonical} {written}")));
        check(8, redpanda, Some(schema), None);
        check(8, redpanda, None, Some(&format!("{canonical} null")));
        // NOOPs (probes, leases) and garbage mean nothing to the state.
        check(1, r#"{"keytype":"NOOP","magic":0}"#, None, None);
        check(1, r#"{"keytype":"NOOP","magic":0}"#, Some(r#"{"leader":"x"}"#), None);
        check(1, "not json", Some("{}"), None);
        check(1, r#"{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}"#, Some("[1]"), None);
    }
}
