//! `Producer<K, V>`: encodes keys and values with their codecs and sends them with a
//! `FutureProducer`. `send` waits for the broker's acknowledgement; `enqueue` returns once the
//! record is queued, so a caller can keep many records in flight and await them later.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::ClientConfig;
use rdkafka::error::KafkaError;
use rdkafka::message::OwnedHeaders;
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord, Producer as _};
use rdkafka::types::RDKafkaErrorCode;

use schemata_core::wire::{self, WireError};

use super::codec::Encoder;
use super::{Error, Header, Part, Result, apply, require_bootstrap};

/// How many replicas must have a record before the broker acknowledges it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acks {
    /// Fire and forget (`acks=0`).
    None,
    /// The partition leader (`acks=1`).
    Leader,
    /// Every in-sync replica (`acks=all`): the default, because a schema-registry producer is
    /// usually writing business events it cannot afford to lose.
    All,
}

impl Acks {
    fn as_config(self) -> &'static str {
        match self {
            Acks::None => "0",
            Acks::Leader => "1",
            Acks::All => "all",
        }
    }
}

/// Producer options. Each field is written to rdkafka explicitly, so behaviour does not change
/// with librdkafka's defaults; `set` adds any other raw option (and overrides these).
#[derive(Debug, Clone)]
pub struct ProducerBuilder {
    bootstrap_servers: String,
    client_id: String,
    acks: Acks,
    idempotence: bool,
    message_timeout_ms: u32,
    request_timeout_ms: u32,
    linger_ms: u32,
    queue_max_messages: u32,
    queue_timeout_ms: u32,
    extra: Vec<(String, String)>,
}

impl ProducerBuilder {
    /// A builder for `bootstrap_servers` (host:port, comma-separated), every option at its
    /// default.
    pub fn new(bootstrap_servers: impl Into<String>) -> ProducerBuilder {
        ProducerBuilder {
            bootstrap_servers: bootstrap_servers.into(),
            client_id: "schemata-producer".into(),
            acks: Acks::All,
            idempotence: true,
            message_timeout_ms: 30_000,
            request_timeout_ms: 10_000,
            linger_ms: 5,
            queue_max_messages: 100_000,
            queue_timeout_ms: 10_000,
            extra: Vec::new(),
        }
    }

    /// The `client.id` brokers log (default `schemata-producer`).
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = client_id.into();
        self
    }

    /// How many replicas must hold a record before it counts as delivered (default:
    /// [`Acks::All`]).
    pub fn acks(mut self, acks: Acks) -> Self {
        self.acks = acks;
        self
    }

    /// Idempotent delivery (`enable.idempotence`, default on, as in Kafka's Java client since
    /// 3.0): the broker drops the duplicates that retries would otherwise write and keeps each
    /// partition in send order. Kafka requires `acks=all` for it, so with other acks it is off.
    pub fn idempotence(mut self, on: bool) -> Self {
        self.idempotence = on;
        self
    }

    /// Upper bound on the time from enqueue to acknowledgement, retries included (default 30 s).
    pub fn message_timeout_ms(mut self, ms: u32) -> Self {
        self.message_timeout_ms = ms;
        self
    }

    /// How long one produce request may wait for the broker (default 10 s).
    pub fn request_timeout_ms(mut self, ms: u32) -> Self {
        self.request_timeout_ms = ms;
        self
    }

    /// How long records wait to be batched (default 5 ms).
    pub fn linger_ms(mut self, ms: u32) -> Self {
        self.linger_ms = ms;
        self
    }

    /// Most records queued in the client (default 100 000): memory is bounded by this.
    pub fn queue_max_messages(mut self, n: u32) -> Self {
        self.queue_max_messages = n;
        self
    }

    /// How long `enqueue` waits for room when the queue is full (default 10 s).
    pub fn queue_timeout_ms(mut self, ms: u32) -> Self {
        self.queue_timeout_ms = ms;
        self
    }

    /// Any other rdkafka option (`compression.type`, `security.protocol`, ...).
    pub fn set(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((key.into(), value.into()));
        self
    }

    /// The rdkafka configuration this builder produces.
    pub fn client_config(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", &self.bootstrap_servers)
            .set("client.id", &self.client_id)
            .set("acks", self.acks.as_config())
            .set("enable.idempotence", (self.idempotence && self.acks == Acks::All).to_string())
            .set("message.timeout.ms", self.message_timeout_ms.to_string())
            .set("request.timeout.ms", self.request_timeout_ms.to_string())
            .set("linger.ms", self.linger_ms.to_string())
            .set("queue.buffering.max.messages", self.queue_max_messages.to_string());
        apply(&mut config, &self.extra);
        config
    }

    /// The producer, encoding keys with `key` and values with `value` (a serializer of this
    /// crate, or [`super::Bytes`] / [`super::Utf8`]).
    pub fn build<K, V>(
        self,
        key: impl Encoder<K> + 'static,
        value: impl Encoder<V> + 'static,
    ) -> Result<Producer<K, V>>
    where
        K: ?Sized,
        V: ?Sized,
    {
        require_bootstrap(&self.bootstrap_servers)?;
        let inner: FutureProducer = self.client_config().create()?;
        Ok(Producer {
            inner,
            key: Arc::new(key),
            value: Arc::new(value),
            queue_timeout: Duration::from_millis(u64::from(self.queue_timeout_ms)),
        })
    }
}

/// Where the broker stored a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    /// The partition the record went to.
    pub partition: i32,
    /// Its offset there.
    pub offset: i64,
}

/// A record queued by [`Producer::enqueue`]; await [`Pending::delivered`] for its acknowledgement.
pub struct Pending {
    topic: String,
    future: DeliveryFuture,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending").field("topic", &self.topic).finish_non_exhaustive()
    }
}

impl Pending {
    /// Waits for the broker's acknowledgement (or the message timeout).
    pub async fn delivered(self) -> Result<Delivery> {
        match self.future.await {
            Ok(Ok(delivery)) => {
                Ok(Delivery { partition: delivery.partition, offset: delivery.offset })
            }
            Ok(Err((source, _))) => Err(Error::Delivery { topic: self.topic, source }),
            Err(_canceled) => {
                Err(Error::Delivery { topic: self.topic, source: KafkaError::Canceled })
            }
        }
    }
}

/// Sends typed records. Cheap to share behind an `Arc`; all methods take `&self`.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use schemata::kafka::{Producer, Utf8};
/// use schemata::{AvroSerializer, RegistryClient, Schema, SerializerConfig};
///
/// #[derive(Schema, serde::Serialize)]
/// struct OrderPlaced { id: i64, customer: String }
///
/// let registry = RegistryClient::new("http://localhost:8081")?;
/// let value = AvroSerializer::<OrderPlaced>::new(registry, SerializerConfig::default())?;
/// let producer = Producer::builder("localhost:9092").build(Utf8, value)?;
/// let order = OrderPlaced { id: 7, customer: "ada".into() };
/// let key = "7".to_owned();
/// let delivery = producer.send("orders", Some(&key), Some(&order), &[]).await?;
/// producer.send("orders", Some(&key), None, &[]).await?; // a tombstone
/// println!("written at {}@{}", delivery.partition, delivery.offset);
/// # Ok(()) }
/// ```
pub struct Producer<K: ?Sized, V: ?Sized> {
    inner: FutureProducer,
    key: Arc<dyn Encoder<K>>,
    value: Arc<dyn Encoder<V>>,
    queue_timeout: Duration,
}

impl<K: ?Sized, V: ?Sized> std::fmt::Debug for Producer<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Producer")
            .field("key", &std::any::type_name::<K>())
            .field("value", &std::any::type_name::<V>())
            .field("queue_timeout", &self.queue_timeout)
            .finish_non_exhaustive()
    }
}

impl Producer<(), ()> {
    /// Starts a builder; keys and values are typed by the codecs given to `build`.
    pub fn builder(bootstrap_servers: impl Into<String>) -> ProducerBuilder {
        ProducerBuilder::new(bootstrap_servers)
    }
}

impl<K: ?Sized + Sync, V: ?Sized + Sync> Producer<K, V> {
    /// Sends one record and waits for its acknowledgement. `None` as the value is a tombstone.
    pub async fn send(
        &self,
        topic: &str,
        key: Option<&K>,
        value: Option<&V>,
        headers: &[Header],
    ) -> Result<Delivery> {
        self.enqueue(topic, key, value, headers).await?.delivered().await
    }

    /// Encodes and queues one record, returning once rdkafka holds it; the acknowledgement
    /// arrives through [`Pending::delivered`]. Waits up to the queue timeout for room.
    pub async fn enqueue(
        &self,
        topic: &str,
        key: Option<&K>,
        value: Option<&V>,
        headers: &[Header],
    ) -> Result<Pending> {
        let key = match key {
            Some(key) => Some(encode(&*self.key, topic, Part::Key, key).await?),
            None => None,
        };
        let value = match value {
            Some(value) => Some(encode(&*self.value, topic, Part::Value, value).await?),
            None => None,
        };
        // Header framing: the frame goes into the part's schema-id header, the payload unframed.
        let (key, key_frame) = match key.as_deref() {
            Some(bytes) if self.key.frame_in_header() => {
                unframe(self.key.split_header_frame(bytes), bytes, topic, Part::Key)?
            }
            other => (other, None),
        };
        let (value, value_frame) = match value.as_deref() {
            Some(bytes) if self.value.frame_in_header() => {
                unframe(self.value.split_header_frame(bytes), bytes, topic, Part::Value)?
            }
            other => (other, None),
        };
        let frames = [key_frame, value_frame];
        let record = Outgoing { topic, key, value, headers, frames: &frames };
        enqueue_bytes(&self.inner, self.queue_timeout, record).await
    }

    /// Waits until every queued record is acknowledged or failed, at most `timeout`.
    pub fn flush(&self, timeout: Duration) -> Result<()> {
        Ok(self.inner.flush(timeout)?)
    }

    /// The underlying rdkafka producer.
    pub fn inner(&self) -> &FutureProducer {
        &self.inner
    }
}

/// Turns an encoding split by its encoder (`split`: the frame, for Protobuf with its message
/// indexes, and the payload after it) into the payload and the part's schema-id header, as
/// `(header name, frame)`.
fn unframe<'b>(
    split: Option<(&'b [u8], &'b [u8])>,
    bytes: &'b [u8],
    topic: &str,
    part: Part,
) -> Result<(Option<&'b [u8]>, Option<Frame<'b>>)> {
    let Some((frame, payload)) = split else {
        // An encoder that asks for header framing wrote no whole frame: a bug of that encoder,
        // reported rather than sending a record nobody can read.
        let wire = match bytes.first() {
            None => WireError::Empty,
            Some(&magic) if magic > wire::MAGIC_GUID => WireError::UnknownMagic(magic),
            Some(_) => WireError::Truncated { needed: wire::ID_HEADER_LEN, got: bytes.len() },
        };
        return Err(Error::Encode {
            topic: topic.to_owned(),
            part,
            source: Box::new(crate::Error::Wire(wire)),
        });
    };
    Ok((Some(payload), Some((crate::schema_id_header(part == Part::Key), frame))))
}

async fn encode<T: ?Sized + Sync>(
    encoder: &dyn Encoder<T>,
    topic: &str,
    part: Part,
    value: &T,
) -> Result<Vec<u8>> {
    let is_key = part == Part::Key;
    let mut out = Vec::new();
    let done = match encoder.encode_now(topic, is_key, value, &mut out) {
        Some(done) => done,
        None => encoder.encode(topic, is_key, value, &mut out).await,
    };
    done.map_err(|source| Error::Encode {
        topic: topic.to_owned(),
        part,
        source: Box::new(source),
    })?;
    Ok(out)
}

/// One encoded record: the caller's headers first, then the schema-id headers of header framing.
pub(super) struct Outgoing<'a> {
    pub(super) topic: &'a str,
    pub(super) key: Option<&'a [u8]>,
    pub(super) value: Option<&'a [u8]>,
    pub(super) headers: &'a [Header],
    pub(super) frames: &'a [Option<Frame<'a>>],
}

/// A schema-id header of header framing: its name and the frame (0x01 and a GUID).
pub(super) type Frame<'a> = (&'static str, &'a [u8]);

/// Queues bytes with `send_result`, retrying while the client queue is full: the queue is
/// bounded (`queue.buffering.max.messages`), so a full queue is back-pressure, not an error,
/// until `queue_timeout` has passed.
pub(super) async fn enqueue_bytes(
    producer: &FutureProducer,
    queue_timeout: Duration,
    outgoing: Outgoing<'_>,
) -> Result<Pending> {
    let Outgoing { topic, key, value, headers, frames } = outgoing;
    let mut record: FutureRecord<'_, [u8], [u8]> = FutureRecord::to(topic);
    if let Some(key) = key {
        record = record.key(key);
    }
    if let Some(value) = value {
        record = record.payload(value);
    }
    let frames = frames.iter().flatten();
    let count = headers.len() + frames.clone().count();
    if count > 0 {
        let mut owned = OwnedHeaders::new_with_capacity(count);
        for header in headers {
            owned = owned.insert(rdkafka::message::Header {
                key: &header.key,
                value: header.value.as_deref(),
            });
        }
        for (name, frame) in frames {
            owned = owned.insert(rdkafka::message::Header { key: name, value: Some(*frame) });
        }
        record = record.headers(owned);
    }
    let deadline = Instant::now() + queue_timeout;
    loop {
        match producer.send_result(record) {
            Ok(future) => return Ok(Pending { topic: topic.to_owned(), future }),
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back))
                if Instant::now() < deadline =>
            {
                record = back;
                // Room appears as deliveries complete; rdkafka's own `send` polls the same way.
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            Err((source, _)) => return Err(Error::Delivery { topic: topic.to_owned(), source }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_explicit_and_raw_options_win() {
        let config = ProducerBuilder::new("127.0.0.1:1")
            .acks(Acks::Leader)
            .set("linger.ms", "50")
            .set("compression.type", "lz4")
            .client_config();
        let get = |key| config.get(key).map(str::to_owned);
        assert_eq!(get("acks").as_deref(), Some("1"));
        assert_eq!(get("enable.idempotence").as_deref(), Some("false"), "needs acks=all");
        assert_eq!(get("message.timeout.ms").as_deref(), Some("30000"));
        let default = ProducerBuilder::new("127.0.0.1:1").client_config();
        assert_eq!(default.get("acks"), Some("all"));
        assert_eq!(default.get("enable.idempotence"), Some("true"));
        let off = ProducerBuilder::new("127.0.0.1:1").idempotence(false).client_config();
        assert_eq!(off.get("enable.idempotence"), Some("false"));
        assert_eq!(get("linger.ms").as_deref(), Some("50"));
        assert_eq!(get("compression.type").as_deref(), Some("lz4"));
    }

    #[test]
    fn empty_bootstrap_is_a_config_error() {
        let error = ProducerBuilder::new(" ").build(super::super::Bytes, super::super::Bytes);
        assert!(matches!(error, Err(Error::Config(_))), "{error:?}");
    }
}
