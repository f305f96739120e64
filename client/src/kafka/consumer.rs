//! `Consumer<K, V>`: receives records with a `StreamConsumer`, decodes keys and values with their
//! codecs, applies the undecodable-record policy, and commits only what the application says it
//! has handled (auto-commit is off), which is what makes delivery at-least-once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rdkafka::consumer::{CommitMode, Consumer as _, StreamConsumer};
use rdkafka::message::{Headers as _, Message, OwnedMessage};
use rdkafka::producer::FutureProducer;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use super::codec::{DecodeError, Decoder};
use super::producer::{Outgoing, ProducerBuilder, enqueue_bytes};
use super::{Error, Header, Part, Result, apply, dead_letter_headers, require_bootstrap};

/// What the consumer does with a record whose key or value cannot be decoded (unknown schema
/// id, wrong magic byte, corrupt payload, type mismatch). A registry that cannot be reached is
/// not the record's fault: that is always an error, whatever the policy.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum UndecodablePolicy {
    /// Return [`Error::Decode`] with topic, partition and offset, and stay on the record (the
    /// next `recv` tries it again). The default, because silently dropping data is worse than
    /// stopping.
    #[default]
    Fail,
    /// Log a warning, count it ([`Consumer::skipped_records`]) and move on.
    Skip,
    /// Write the original key, value and headers to `topic` with the error in
    /// `schemata.*` headers ([`dead_letter_headers`]), wait for the broker's acknowledgement,
    /// then move on. If the write fails, `recv` returns [`Error::DeadLetter`] and stays on the
    /// record.
    DeadLetter {
        /// The dead-letter topic (it must exist: it is not created).
        topic: String,
    },
}

/// Where a consumer without a committed offset starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetReset {
    /// The oldest record: the default, so a new consumer group misses nothing.
    Earliest,
    /// Only records produced from now on.
    Latest,
}

/// Consumer options, each written to rdkafka explicitly; `set` adds or overrides raw options.
#[derive(Debug, Clone)]
pub struct ConsumerBuilder {
    bootstrap_servers: String,
    group_id: String,
    client_id: String,
    offset_reset: OffsetReset,
    session_timeout_ms: u32,
    heartbeat_interval_ms: u32,
    max_poll_interval_ms: u32,
    fetch_wait_max_ms: u32,
    policy: UndecodablePolicy,
    dead_letter_timeout_ms: u32,
    extra: Vec<(String, String)>,
}

impl ConsumerBuilder {
    /// A builder for a consumer in `group_id`, every option at its default.
    pub fn new(bootstrap_servers: impl Into<String>, group_id: impl Into<String>) -> Self {
        ConsumerBuilder {
            bootstrap_servers: bootstrap_servers.into(),
            group_id: group_id.into(),
            client_id: "schemata-consumer".into(),
            offset_reset: OffsetReset::Earliest,
            session_timeout_ms: 10_000,
            heartbeat_interval_ms: 1_000,
            max_poll_interval_ms: 300_000,
            fetch_wait_max_ms: 100,
            policy: UndecodablePolicy::Fail,
            dead_letter_timeout_ms: 30_000,
            extra: Vec::new(),
        }
    }

    /// The `client.id` brokers log (default `schemata-consumer`).
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = client_id.into();
        self
    }

    /// Where to start without a committed offset (default: [`OffsetReset::Earliest`]).
    pub fn offset_reset(mut self, reset: OffsetReset) -> Self {
        self.offset_reset = reset;
        self
    }

    /// How long the group waits for a silent member before rebalancing (default 10 s).
    pub fn session_timeout_ms(mut self, ms: u32) -> Self {
        self.session_timeout_ms = ms;
        self
    }

    /// How often the member tells the group it is alive (default 1 s).
    pub fn heartbeat_interval_ms(mut self, ms: u32) -> Self {
        self.heartbeat_interval_ms = ms;
        self
    }

    /// Longest time between two `recv` calls before the member leaves the group (default 5 min);
    /// it also bounds how long a rebalance waits for members to rejoin.
    pub fn max_poll_interval_ms(mut self, ms: u32) -> Self {
        self.max_poll_interval_ms = ms;
        self
    }

    /// Longest time the broker holds a fetch waiting for data (default 100 ms).
    pub fn fetch_wait_max_ms(mut self, ms: u32) -> Self {
        self.fetch_wait_max_ms = ms;
        self
    }

    /// What to do with records that cannot be decoded (default: [`UndecodablePolicy::Fail`]).
    pub fn on_undecodable(mut self, policy: UndecodablePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Upper bound on one dead-letter write, acknowledgement included (default 30 s).
    pub fn dead_letter_timeout_ms(mut self, ms: u32) -> Self {
        self.dead_letter_timeout_ms = ms;
        self
    }

    /// Any other rdkafka option (also given to the dead-letter producer, for security settings).
    pub fn set(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((key.into(), value.into()));
        self
    }

    /// The rdkafka configuration of the consumer.
    pub fn client_config(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", &self.bootstrap_servers)
            .set("group.id", &self.group_id)
            .set("client.id", &self.client_id)
            // Commits are the application's, after handling (at-least-once); offsets are
            // stored only through `store`/`commit`.
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set(
                "auto.offset.reset",
                match self.offset_reset {
                    OffsetReset::Earliest => "earliest",
                    OffsetReset::Latest => "latest",
                },
            )
            .set("session.timeout.ms", self.session_timeout_ms.to_string())
            .set("heartbeat.interval.ms", self.heartbeat_interval_ms.to_string())
            .set("max.poll.interval.ms", self.max_poll_interval_ms.to_string())
            .set("fetch.wait.max.ms", self.fetch_wait_max_ms.to_string());
        apply(&mut config, &self.extra);
        config
    }

    /// The consumer, decoding keys with `key` and values with `value` (a deserializer of this
    /// crate, or [`super::Bytes`] / [`super::Utf8`]).
    pub fn build<K, V>(
        self,
        key: impl Decoder<K> + 'static,
        value: impl Decoder<V> + 'static,
    ) -> Result<Consumer<K, V>> {
        require_bootstrap(&self.bootstrap_servers)?;
        if self.group_id.is_empty() {
            return Err(Error::Config("group.id is empty".into()));
        }
        let dead_letter = match &self.policy {
            UndecodablePolicy::DeadLetter { topic } if topic.is_empty() => {
                return Err(Error::Config("the dead-letter topic name is empty".into()));
            }
            UndecodablePolicy::DeadLetter { .. } => {
                let mut builder = ProducerBuilder::new(self.bootstrap_servers.clone())
                    .client_id(format!("{}-dead-letter", self.client_id))
                    .message_timeout_ms(self.dead_letter_timeout_ms)
                    .queue_timeout_ms(self.dead_letter_timeout_ms);
                for (key, value) in &self.extra {
                    builder = builder.set(key.clone(), value.clone());
                }
                Some(builder.client_config().create::<FutureProducer>()?)
            }
            _ => None,
        };
        let inner: StreamConsumer = self.client_config().create()?;
        Ok(Consumer {
            inner: Arc::new(inner),
            key: Arc::new(key),
            value: Arc::new(value),
            policy: self.policy,
            dead_letter,
            dead_letter_timeout: Duration::from_millis(u64::from(self.dead_letter_timeout_ms)),
            skipped: AtomicU64::new(0),
            dead_lettered: AtomicU64::new(0),
            pending: Mutex::new(None),
            stored: Mutex::new(HashMap::new()),
        })
    }
}

/// One decoded record. `None` key or value means the record had none (a `None` value is a
/// tombstone).
#[derive(Debug, Clone, PartialEq)]
pub struct Record<K, V> {
    /// The topic it was read from.
    pub topic: String,
    /// Its partition.
    pub partition: i32,
    /// Its offset in the partition.
    pub offset: i64,
    /// Milliseconds since the epoch, when the broker or producer set one.
    pub timestamp_ms: Option<i64>,
    /// The decoded key.
    pub key: Option<K>,
    /// The decoded value; `None` is a tombstone.
    pub value: Option<V>,
    /// The record's headers, in order.
    pub headers: Vec<Header>,
}

/// What became of one received message.
enum Outcome<K, V> {
    Record(Record<K, V>),
    /// Skipped or dead-lettered: the policy handled it.
    Diverted,
    /// The error to return, and the message to retry on the next `recv`.
    Failed(Box<Error>, OwnedMessage),
}

/// Receives typed records. All methods take `&self`; `recv` is meant to be called from one task
/// at a time (concurrent calls are safe but interleave records).
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use schemata::kafka::{Consumer, UndecodablePolicy, Utf8};
/// use schemata::{AvroDeserializer, RegistryClient, Schema};
///
/// #[derive(Debug, Schema, serde::Deserialize)]
/// struct OrderPlaced { id: i64, customer: String }
///
/// let registry = RegistryClient::new("http://localhost:8081")?;
/// let consumer = Consumer::builder("localhost:9092", "billing")
///     .on_undecodable(UndecodablePolicy::DeadLetter { topic: "orders.dlq".into() })
///     .build(Utf8, AvroDeserializer::<OrderPlaced>::new(registry)?)?;
/// consumer.subscribe(&["orders"])?;
/// loop {
///     let record = consumer.recv().await?;
///     if let Some(order) = &record.value {
///         println!("{}: order {} by {}", record.offset, order.id, order.customer);
///     }
///     consumer.commit(&record).await?; // after handling: at-least-once
/// }
/// # }
/// ```
pub struct Consumer<K, V> {
    inner: Arc<StreamConsumer>,
    key: Arc<dyn Decoder<K>>,
    value: Arc<dyn Decoder<V>>,
    policy: UndecodablePolicy,
    dead_letter: Option<FutureProducer>,
    dead_letter_timeout: Duration,
    skipped: AtomicU64,
    dead_lettered: AtomicU64,
    /// A message that failed (policy `Fail`, registry unavailable, dead-letter write failed):
    /// retried before anything new so no record is passed over.
    pending: Mutex<Option<OwnedMessage>>,
    /// Offsets to commit with [`Consumer::commit_stored`], by (topic, partition): the next
    /// offset to read.
    stored: Mutex<HashMap<(String, i32), i64>>,
}

impl<K, V> std::fmt::Debug for Consumer<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Consumer")
            .field("key", &std::any::type_name::<K>())
            .field("value", &std::any::type_name::<V>())
            .field("policy", &self.policy)
            .field("skipped", &self.skipped)
            .field("dead_lettered", &self.dead_lettered)
            .finish_non_exhaustive()
    }
}

impl Consumer<(), ()> {
    /// Starts a builder; keys and values are typed by the codecs given to `build`.
    pub fn builder(
        bootstrap_servers: impl Into<String>,
        group_id: impl Into<String>,
    ) -> ConsumerBuilder {
        ConsumerBuilder::new(bootstrap_servers, group_id)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The value of the record's schema-id header for its key or value (Confluent 8's header
/// framing), if it has one.
fn schema_header<M: Message>(message: &M, is_key: bool) -> Option<&[u8]> {
    let name = crate::schema_id_header(is_key);
    let headers = message.headers()?;
    headers.iter().find(|h| h.key == name).and_then(|h| h.value)
}

fn headers_of<M: Message>(message: &M) -> Vec<Header> {
    message.headers().map_or_else(Vec::new, |headers| {
        headers
            .iter()
            .map(|h| Header { key: h.key.to_owned(), value: h.value.map(<[u8]>::to_vec) })
            .collect()
    })
}

impl<K: Send + 'static, V: Send + 'static> Consumer<K, V> {
    /// Joins the consumer group for `topics` (partitions are assigned by the group).
    pub fn subscribe(&self, topics: &[&str]) -> Result<()> {
        Ok(self.inner.subscribe(topics)?)
    }

    /// Reads `partitions` of `topic` without group membership (no rebalance wait), starting at
    /// the group's committed offset, or per `auto.offset.reset` when there is none.
    pub fn assign(&self, topic: &str, partitions: &[i32]) -> Result<()> {
        let mut list = TopicPartitionList::new();
        for &partition in partitions {
            list.add_partition_offset(topic, partition, Offset::Stored)?;
        }
        Ok(self.inner.assign(&list)?)
    }

    /// The next decodable record. Undecodable records are handled by the policy; a record that
    /// makes this return an error is tried again by the next call.
    pub async fn recv(&self) -> Result<Record<K, V>> {
        loop {
            let pending = lock(&self.pending).take();
            let outcome = match pending {
                Some(message) => self.process(message).await,
                None => {
                    let message = self.inner.recv().await?;
                    // The hot path: both parts decode from cached plans without awaiting.
                    if let Some(record) = self.decode_now(&message) {
                        return Ok(record);
                    }
                    let owned = message.detach();
                    drop(message);
                    self.process(owned).await
                }
            };
            match outcome {
                Outcome::Record(record) => return Ok(record),
                Outcome::Diverted => {}
                Outcome::Failed(error, message) => {
                    *lock(&self.pending) = Some(message);
                    return Err(*error);
                }
            }
        }
    }

    /// Decodes without awaiting when every part can be; `None` sends the message down the
    /// async path (registry lookups, errors and the policy).
    fn decode_now<M: Message>(&self, message: &M) -> Option<Record<K, V>> {
        let topic = message.topic();
        let key = match message.key() {
            Some(bytes) => {
                let header = schema_header(message, true);
                Some(self.key.decode_now_with_header(topic, true, header, bytes)?.ok()?)
            }
            None => None,
        };
        let value = match message.payload() {
            Some(bytes) => {
                let header = schema_header(message, false);
                Some(self.value.decode_now_with_header(topic, false, header, bytes)?.ok()?)
            }
            None => None,
        };
        Some(Record {
            topic: topic.to_owned(),
            partition: message.partition(),
            offset: message.offset(),
            timestamp_ms: message.timestamp().to_millis(),
            key,
            value,
            headers: headers_of(message),
        })
    }

    async fn process(&self, message: OwnedMessage) -> Outcome<K, V> {
        let topic = message.topic().to_owned();
        let key = match message.key() {
            Some(bytes) => match self
                .key
                .decode_with_header(&topic, true, schema_header(&message, true), bytes)
                .await
            {
                Ok(key) => Some(key),
                Err(error) => return self.undecodable(message, Part::Key, error).await,
            },
            None => None,
        };
        let value = match message.payload() {
            Some(bytes) => match self
                .value
                .decode_with_header(&topic, false, schema_header(&message, false), bytes)
                .await
            {
                Ok(value) => Some(value),
                Err(error) => return self.undecodable(message, Part::Value, error).await,
            },
            None => None,
        };
        Outcome::Record(Record {
            partition: message.partition(),
            offset: message.offset(),
            timestamp_ms: message.timestamp().to_millis(),
            headers: headers_of(&message),
            topic,
            key,
            value,
        })
    }

    async fn undecodable(
        &self,
        message: OwnedMessage,
        part: Part,
        error: DecodeError,
    ) -> Outcome<K, V> {
        let (topic, partition, offset) =
            (message.topic().to_owned(), message.partition(), message.offset());
        let kind = error.kind;
        if !kind.is_undecodable() {
            let error = Error::Decode { topic, partition, offset, part, source: error };
            return Outcome::Failed(Box::new(error), message);
        }
        match &self.policy {
            UndecodablePolicy::Fail => {
                let error = Error::Decode { topic, partition, offset, part, source: error };
                Outcome::Failed(Box::new(error), message)
            }
            UndecodablePolicy::Skip => {
                tracing::warn!(
                    topic, partition, offset, part = %part, kind = %kind, error = %error.message,
                    "skipping an undecodable record"
                );
                self.skipped.fetch_add(1, Ordering::Relaxed);
                self.store_offset(&topic, partition, offset);
                Outcome::Diverted
            }
            UndecodablePolicy::DeadLetter { topic: dead_letter_topic } => {
                match self.write_dead_letter(&message, dead_letter_topic, part, &error).await {
                    Ok(()) => {
                        tracing::info!(
                            topic, partition, offset, part = %part, kind = %kind,
                            dead_letter_topic, "sent an undecodable record to the dead-letter topic"
                        );
                        self.dead_lettered.fetch_add(1, Ordering::Relaxed);
                        self.store_offset(&topic, partition, offset);
                        Outcome::Diverted
                    }
                    Err(source) => {
                        let error = Error::DeadLetter {
                            topic,
                            partition,
                            offset,
                            dead_letter_topic: dead_letter_topic.clone(),
                            source: Box::new(source),
                        };
                        Outcome::Failed(Box::new(error), message)
                    }
                }
            }
        }
    }

    /// Writes the original bytes and headers plus the error headers, and waits for the broker's
    /// acknowledgement (acks=all): only then may the record's offset be committed.
    async fn write_dead_letter(
        &self,
        message: &OwnedMessage,
        dead_letter_topic: &str,
        part: Part,
        error: &DecodeError,
    ) -> std::result::Result<(), rdkafka::error::KafkaError> {
        let Some(producer) = &self.dead_letter else {
            return Err(rdkafka::error::KafkaError::ClientCreation(
                "no dead-letter producer".into(),
            ));
        };
        let mut headers = headers_of(message);
        headers.extend([
            Header::new(dead_letter_headers::ERROR, error.to_string()),
            Header::new(dead_letter_headers::ERROR_KIND, error.kind.as_str()),
            Header::new(dead_letter_headers::ERROR_PART, part.to_string()),
            Header::new(dead_letter_headers::SOURCE_TOPIC, message.topic()),
            Header::new(dead_letter_headers::SOURCE_PARTITION, message.partition().to_string()),
            Header::new(dead_letter_headers::SOURCE_OFFSET, message.offset().to_string()),
        ]);
        let record = Outgoing {
            topic: dead_letter_topic,
            key: message.key(),
            value: message.payload(),
            headers: &headers,
            frames: &[],
        };
        let pending = enqueue_bytes(producer, self.dead_letter_timeout, record).await.map_err(
            |e| match e {
                Error::Delivery { source, .. } | Error::Kafka(source) => source,
                other => rdkafka::error::KafkaError::ClientCreation(other.to_string()),
            },
        )?;
        pending.delivered().await.map(|_| ()).map_err(|e| match e {
            Error::Delivery { source, .. } | Error::Kafka(source) => source,
            other => rdkafka::error::KafkaError::ClientCreation(other.to_string()),
        })
    }

    fn store_offset(&self, topic: &str, partition: i32, offset: i64) {
        let mut stored = lock(&self.stored);
        let next = stored.entry((topic.to_owned(), partition)).or_insert(offset.saturating_add(1));
        *next = (*next).max(offset.saturating_add(1));
    }

    /// Records skipped under [`UndecodablePolicy::Skip`] since this consumer was built.
    pub fn skipped_records(&self) -> u64 {
        self.skipped.load(Ordering::Relaxed)
    }

    /// Records written to the dead-letter topic since this consumer was built.
    pub fn dead_lettered_records(&self) -> u64 {
        self.dead_lettered.load(Ordering::Relaxed)
    }

    /// Marks `record` as handled, to be committed by [`Consumer::commit_stored`]: for
    /// applications that commit in batches.
    pub fn store(&self, record: &Record<K, V>) {
        self.store_offset(&record.topic, record.partition, record.offset);
    }

    /// Commits `record` as handled (and with it every earlier record of its partition, including
    /// skipped and dead-lettered ones), waiting for the broker. Call it after handling.
    pub async fn commit(&self, record: &Record<K, V>) -> Result<()> {
        self.store(record);
        let mut list = TopicPartitionList::new();
        list.add_partition_offset(
            &record.topic,
            record.partition,
            Offset::Offset(record.offset.saturating_add(1)),
        )?;
        self.commit_list(list).await
    }

    /// Commits every offset stored by [`Consumer::store`], [`Consumer::commit`] and the
    /// skip/dead-letter policies, waiting for the broker. Does nothing when nothing is stored.
    pub async fn commit_stored(&self) -> Result<()> {
        let mut list = TopicPartitionList::new();
        for ((topic, partition), next) in lock(&self.stored).iter() {
            list.add_partition_offset(topic, *partition, Offset::Offset(*next))?;
        }
        if list.count() == 0 {
            return Ok(());
        }
        self.commit_list(list).await
    }

    /// A synchronous commit blocks its thread for a broker round trip: it runs on the blocking
    /// pool so it works on any tokio runtime, including a current-thread one.
    async fn commit_list(&self, list: TopicPartitionList) -> Result<()> {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || inner.commit(&list, CommitMode::Sync))
            .await
            .map_err(|e| Error::Task(e.to_string()))??;
        Ok(())
    }

    /// The underlying rdkafka consumer (metadata, positions, seeking).
    pub fn inner(&self) -> &StreamConsumer {
        &self.inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_commit_is_off_and_raw_options_win() {
        let config = ConsumerBuilder::new("127.0.0.1:1", "g")
            .session_timeout_ms(6_000)
            .set("fetch.wait.max.ms", "10")
            .client_config();
        let get = |key| config.get(key).map(str::to_owned);
        assert_eq!(get("enable.auto.commit").as_deref(), Some("false"));
        assert_eq!(get("enable.auto.offset.store").as_deref(), Some("false"));
        assert_eq!(get("auto.offset.reset").as_deref(), Some("earliest"));
        assert_eq!(get("session.timeout.ms").as_deref(), Some("6000"));
        assert_eq!(get("fetch.wait.max.ms").as_deref(), Some("10"));
    }

    #[test]
    fn bad_configuration_is_refused_before_rdkafka() {
        let bytes = super::super::Bytes;
        let empty_group = ConsumerBuilder::new("127.0.0.1:1", "").build(bytes, bytes);
        assert!(matches!(empty_group, Err(Error::Config(_))), "{empty_group:?}");
        let empty_dlq = ConsumerBuilder::new("127.0.0.1:1", "g")
            .on_undecodable(UndecodablePolicy::DeadLetter { topic: String::new() })
            .build(bytes, bytes);
        assert!(matches!(empty_dlq, Err(Error::Config(_))), "{empty_dlq:?}");
    }
}
