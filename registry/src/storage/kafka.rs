//! The Kafka backend: the records live in a `_schemas` topic (one partition, compacted), in
//! Confluent's format, so every instance of the registry (and a Confluent or Karapace registry)
//! folds the same log into the same state.
//!
//! Parts, sharing one `Cluster` handle:
//! - `KafkaStorage`, owned by the writer thread: appends produce to partition 0 and check that
//!   each record landed exactly where the writer expected (right after what its state holds);
//!   anything else means another writer interleaved, and the append fails so the writer rebuilds
//!   its state from the log (`reload` re-reads the topic), acknowledging nothing.
//! - `Tail`, a thread that follows the topic after start-up and hands what others appended to
//!   the writer as jobs (`Tx::apply_logged`), so one thread still owns the state.
//! - The lease (`Cluster::run_lease`): exactly one instance writes. Leadership is a record in the
//!   log itself, a NOOP (which Confluent, Karapace and Redpanda skip unread) whose value names an
//!   epoch, the holder and its URL. The first claim of epoch N+1 in the log wins, and every
//!   instance agrees because they all read one order. The holder renews it; a follower that
//!   reads no renewal for `lease_ms` claims the next epoch. Our data records carry their epoch in
//!   a header (foreign readers ignore headers), and readers skip records of an epoch the log has
//!   already superseded, so a deposed leader's late write is never applied anywhere. (tansu, the
//!   test broker, does not fail consumer-group leadership over, which rules out group election.)
//! - `Cluster`, read by the HTTP side: the leader's URL (followers forward writes to it), how far
//!   the published state reaches in the log (read-your-writes waits), lag and health.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, ResourceSpecifier, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Header, Headers as _, Message as _, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Offset, TopicPartitionList};
use schemata_core::records::{Record, RecordKey};
use serde_json::{Value, json};
use tokio::sync::watch;

use super::{Replay, Storage, StorageError};
use crate::config::KafkaSettings;
use crate::writer::WeakWriter;

/// Most records the tail hands the writer in one job: bounds the time one job holds the writer.
const MAX_TAIL_BATCH: usize = 2048;
/// How often the tail asks the broker for the end offset (the lag gauge).
const WATERMARK_EVERY: Duration = Duration::from_secs(1);
/// The record header carrying the epoch of the leader that wrote a record.
const EPOCH_HEADER: &str = "schemata-epoch";
/// The record header that binds the records of one append of several records:
/// `BATCH:INDEX:COUNT`. Readers apply them only once all COUNT have been read, so a leader that
/// dies or is deposed in the middle of an append leaves nothing of it behind.
const BATCH_HEADER: &str = "schemata-batch";
/// The key of every NOOP record (Confluent's bytes).
const NOOP_KEY: &[u8] = br#"{"keytype":"NOOP","magic":0}"#;

/// The lease as the log says it is, up to some offset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Lease {
    /// 0 before any claim.
    pub(crate) epoch: u64,
    pub(crate) holder: Option<String>,
    pub(crate) url: Option<String>,
}

/// What one record of the topic means.
#[derive(Debug)]
enum Step {
    /// Records for the state: one, or every record of a batch once its last one is read (none
    /// while a batch is incomplete).
    State(Vec<Record>),
    /// A lease record: a claim of a new epoch (true) or a renewal (false).
    Lease { claimed: bool },
    /// Nothing for the state (a probe, another group's lease, a superseded write, garbage).
    Skip { undecodable: bool },
}

/// The key bytes other writers used for a record, by what the record is about (its key as we
/// write it). Kafka compacts by exact key bytes, so a delete must tombstone each of them: a
/// Karapace key (another field order) or a Redpanda key (`seq`, `node`) would otherwise outlive
/// our tombstone and bring the deleted schema back on a replay once compaction drops the
/// tombstone.
#[derive(Debug, Default)]
pub(crate) struct ForeignKeys(Mutex<HashMap<Vec<u8>, BTreeSet<Vec<u8>>>>);

impl ForeignKeys {
    /// What a key is about, whatever its writer: our bytes for it, with the magic we write.
    fn identity(key: &RecordKey) -> Vec<u8> {
        let normal = match key.clone() {
            RecordKey::Schema { subject, version, .. } => RecordKey::schema(subject, version),
            RecordKey::Config { subject, .. } => RecordKey::config(subject),
            RecordKey::Mode { subject, .. } => RecordKey::mode(subject),
            RecordKey::DeleteSubject { subject, .. } => RecordKey::delete_subject(subject),
            RecordKey::ClearSubject { subject, .. } => RecordKey::clear_subject(subject),
            other => other,
        };
        normal.to_bytes()
    }

    /// Notes a record read from the topic with its raw key: a value under foreign key bytes
    /// keeps those bytes live; a delete under them ends them.
    fn observe(&self, raw: &[u8], record: &Record) {
        let identity = Self::identity(&record.key);
        if raw == identity.as_slice() {
            return;
        }
        let mut keys = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if record.value.is_some() {
            keys.entry(identity).or_default().insert(raw.to_vec());
        } else if let Some(set) = keys.get_mut(&identity) {
            set.remove(raw);
            if set.is_empty() {
                keys.remove(&identity);
            }
        }
    }

    /// The records to produce for `records`: each as we write it, and each delete followed by
    /// a tombstone under every foreign key still live for the same thing.
    fn encode(&self, records: &[Record]) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
        let keys = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let mut encoded = Vec::with_capacity(records.len());
        for record in records {
            encoded.push(record.to_bytes());
            if record.value.is_none()
                && let Some(foreign) = keys.get(&Self::identity(&record.key))
            {
                encoded.extend(foreign.iter().map(|raw| (raw.clone(), None)));
            }
        }
        encoded
    }
}

/// The fold over the topic that is not the state's: the lease, and which records count.
#[derive(Debug, Clone)]
struct LogFold {
    group: String,
    lease: Lease,
    /// When the last claim or renewal was written (the record's timestamp, ms since the epoch).
    renewed_ms: Option<i64>,
    /// Shared with the writer, which tombstones them.
    foreign: Arc<ForeignKeys>,
    /// The batch being read: its id, how many records it has, and those read so far.
    pending: Option<(String, usize, Vec<Record>)>,
}

impl LogFold {
    fn new(group: &str, foreign: Arc<ForeignKeys>) -> LogFold {
        LogFold {
            group: group.to_owned(),
            lease: Lease::default(),
            renewed_ms: None,
            foreign,
            pending: None,
        }
    }

    /// What the record at `offset` means, under the rules that let us read a topic Confluent,
    /// Karapace or Redpanda wrote: an empty value is a delete (Karapace), a record whose key
    /// carries a Redpanda `seq` other than its own offset lost a write race and is ignored,
    /// anything that is not a `_schemas` record is skipped (never fatal); and ours: a record of
    /// an epoch the log has superseded is ignored.
    fn step(
        &mut self,
        offset: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: RecordHeaders<'_>,
        timestamp_ms: Option<i64>,
    ) -> Step {
        let RecordHeaders { epoch, batch } = headers;
        let Some(key) = key else { return Step::Skip { undecodable: true } };
        let value = value.filter(|value| !value.is_empty());
        if value.is_some() && memchr::memmem::find(key, b"\"seq\"").is_some() {
            let seq = serde_json::from_slice::<Value>(key)
                .ok()
                .and_then(|key| key.get("seq").and_then(Value::as_i64));
            if seq.is_some_and(|seq| seq != offset) {
                tracing::debug!(offset, "skipping a record that lost a Redpanda write race");
                return Step::Skip { undecodable: false };
            }
        }
        let record = match Record::from_bytes(key, value) {
            Ok(record) => record,
            Err(error) => {
                tracing::warn!(offset, %error, "skipping a topic record that is not a _schemas record");
                return Step::Skip { undecodable: true };
            }
        };
        if let RecordKey::Noop { .. } = record.key {
            return self.lease_step(offset, value, timestamp_ms);
        }
        if let Some(epoch) = epoch
            && epoch != self.lease.epoch
        {
            tracing::warn!(
                offset,
                epoch,
                current = self.lease.epoch,
                "ignoring a record written by a leader whose lease had passed"
            );
            return Step::Skip { undecodable: false };
        }
        self.foreign.observe(key, &record);
        self.batch(offset, batch, record)
    }

    /// A state record, alone or as part of a batch: a batch counts only once all its records
    /// are read, and anything else that comes first (another batch, a lone record, a claim of
    /// the lease) means its writer stopped in the middle, so what was read of it is dropped.
    fn batch(&mut self, offset: i64, batch: Option<&str>, record: Record) -> Step {
        let parsed = batch.and_then(|batch| {
            let mut parts = batch.rsplitn(3, ':');
            let count = parts.next()?.parse::<usize>().ok()?;
            let index = parts.next()?.parse::<usize>().ok()?;
            let id = parts.next()?;
            (index < count && count > 1).then_some((id, index, count))
        });
        let pending = self.pending.take();
        let Some((id, index, count)) = parsed else {
            self.drop_pending(offset, pending);
            return Step::State(vec![record]);
        };
        let mut records = match pending {
            Some((pending_id, _, records)) if pending_id == id && records.len() == index => records,
            other => {
                self.drop_pending(offset, other);
                if index != 0 {
                    // The start of this batch was dropped with another: so is the rest.
                    tracing::warn!(offset, id, index, "skipping the rest of an incomplete batch");
                    return Step::Skip { undecodable: false };
                }
                Vec::with_capacity(count)
            }
        };
        records.push(record);
        if records.len() == count {
            return Step::State(records);
        }
        self.pending = Some((id.to_owned(), count, records));
        Step::State(Vec::new())
    }

    fn drop_pending(&self, offset: i64, pending: Option<(String, usize, Vec<Record>)>) {
        if let Some((id, count, records)) = pending {
            tracing::warn!(
                offset,
                id,
                read = records.len(),
                count,
                "dropping a batch its writer did not finish (it stopped or lost the lease)"
            );
        }
    }

    /// A NOOP: a lease record of our group, or a probe (Confluent writes null-valued ones).
    fn lease_step(&mut self, offset: i64, value: Option<&[u8]>, timestamp_ms: Option<i64>) -> Step {
        let skip = Step::Skip { undecodable: false };
        let Some(value) = value.and_then(|v| serde_json::from_slice::<Value>(v).ok()) else {
            return skip;
        };
        let text = |name: &str| value.get(name).and_then(Value::as_str).map(str::to_owned);
        if text("group").as_deref() != Some(self.group.as_str()) {
            return skip;
        }
        let (Some(epoch), Some(instance)) =
            (value.get("epoch").and_then(Value::as_u64), text("instance"))
        else {
            return skip;
        };
        if epoch == self.lease.epoch + 1 {
            // The deposed leader's unfinished batch can never finish now.
            let pending = self.pending.take();
            self.drop_pending(offset, pending);
            self.lease = Lease { epoch, holder: Some(instance), url: text("leader") };
            self.renewed_ms = timestamp_ms;
            Step::Lease { claimed: true }
        } else if epoch == self.lease.epoch && self.lease.holder.as_deref() == Some(&instance) {
            if value.get("released").and_then(Value::as_bool) == Some(true) {
                // A holder that stops gracefully hands the lease back: the next claim need not
                // wait for it to lapse.
                self.lease.holder = None;
                self.lease.url = None;
            }
            self.renewed_ms = timestamp_ms;
            Step::Lease { claimed: false }
        } else {
            // A claim that lost the race for its epoch, or a stale renewal.
            skip
        }
    }

    /// Folds a message read from the topic.
    fn message(&mut self, message: &BorrowedMessage<'_>) -> Step {
        let header = |name: &str| {
            message.headers().and_then(|headers| {
                headers
                    .iter()
                    .find(|h| h.key == name)
                    .and_then(|h| h.value)
                    .and_then(|v| std::str::from_utf8(v).ok())
            })
        };
        let headers = RecordHeaders {
            epoch: header(EPOCH_HEADER).and_then(|v| v.parse().ok()),
            batch: header(BATCH_HEADER),
        };
        self.step(
            message.offset(),
            message.key(),
            message.payload(),
            headers,
            message.timestamp().to_millis(),
        )
    }
}

/// Our headers on a record (foreign writers set neither).
#[derive(Debug, Clone, Copy, Default)]
struct RecordHeaders<'a> {
    epoch: Option<u64>,
    batch: Option<&'a str>,
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// The lease task's own memory between rounds.
#[derive(Debug)]
pub(crate) struct LeaseRound {
    /// When this instance last sent a lease record.
    renewed: Instant,
    /// A claim sent and not decided yet: (epoch, offset, sent at).
    pending: Option<(u64, i64, Instant)>,
}

/// What the tail knows of the lease, and when (by this process's clock) it was last renewed.
#[derive(Debug, Clone)]
struct LeaseView {
    lease: Lease,
    renewed_at: Instant,
}

/// A librdkafka client that only needs `Debug` for the structs it lives in.
struct Client<T>(T);

impl<T> std::fmt::Debug for Client<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Client")
    }
}

/// What the HTTP side, the writer, the tail and the lease share about the log.
#[derive(Debug)]
pub(crate) struct Cluster {
    pub(crate) settings: KafkaSettings,
    /// This process, in lease records (unique per start).
    instance: String,
    /// Where other instances forward writes; set once the listener is bound.
    advertised_url: OnceLock<String>,
    /// The offset after the last record the writer's state holds (applied or appended). Only the
    /// writer thread moves it forward (and the lease reads it).
    writer_position: AtomicI64,
    /// The offset after the last record the published state holds; waiters watch it.
    published: watch::Sender<i64>,
    /// The broker's end offset as last asked (for the lag gauge and catch-up).
    high_watermark: AtomicI64,
    /// Where the next append must land, when the writer knows nothing but its own records
    /// follow its state in the log; `None` makes an append fail (the writer then reloads).
    /// Appends and lease records take it in turn, so both keep it exact.
    expected_end: tokio::sync::Mutex<Option<i64>>,
    /// The lease as the tail last read it.
    lease: Mutex<LeaseView>,
    /// The epoch this instance won (0: none).
    my_epoch: AtomicU64,
    /// Until when this instance may write: the last acknowledged renewal plus most of a lease.
    valid_until: Mutex<Option<Instant>>,
    /// Set while the tail cannot read the topic: readiness fails.
    tail_failing: AtomicBool,
    /// Records skipped because they are not `_schemas` records (counted for the logs).
    undecodable: AtomicI64,
    /// Tells the tail and the lease to end.
    stop: AtomicBool,
    /// Key bytes other registries wrote, which deletes must tombstone too.
    foreign: Arc<ForeignKeys>,
    /// Numbers this process's batches (see `BATCH_HEADER`).
    batches: AtomicU64,
    producer: Client<FutureProducer>,
    /// Asks the broker for the end offset (read-your-writes syncs).
    probe: Client<BaseConsumer>,
}

/// Why a write cannot be done here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ClusterError {
    #[error("Leader not known.")]
    LeaderUnknown,
}

impl Cluster {
    /// This instance holds the lease now: the log says so and the last renewal is recent.
    pub(crate) fn is_leader(&self) -> bool {
        let mine = self.my_epoch.load(Ordering::SeqCst);
        if mine == 0 {
            return false;
        }
        let view = self.lease.lock().unwrap_or_else(PoisonError::into_inner);
        let holds =
            view.lease.epoch == mine && view.lease.holder.as_deref() == Some(&self.instance);
        holds
            && self
                .valid_until
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .is_some_and(|until| Instant::now() < until)
    }

    /// The URL of the instance holding the lease, as the log last said.
    pub(crate) fn leader_url(&self) -> Result<String, ClusterError> {
        let view = self.lease.lock().unwrap_or_else(PoisonError::into_inner);
        view.lease
            .url
            .clone()
            .filter(|_| view.lease.holder.is_some())
            .ok_or(ClusterError::LeaderUnknown)
    }

    /// The lease as last read.
    pub(crate) fn lease(&self) -> Lease {
        self.lease.lock().unwrap_or_else(PoisonError::into_inner).lease.clone()
    }

    /// Sets the URL other instances forward to (once; the first listener's address).
    pub(crate) fn set_advertised_url(&self, url: String) {
        let url = self.settings.advertised_url.clone().unwrap_or(url);
        let _ = self.advertised_url.set(url.trim_end_matches('/').to_owned());
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

    /// Waits (at most `timeout`) until the published state holds every record before `offset`.
    /// True when it does.
    pub(crate) async fn wait_published(&self, offset: i64, timeout: Duration) -> bool {
        let mut receiver = self.published.subscribe();
        tokio::time::timeout(timeout, receiver.wait_for(|position| *position >= offset))
            .await
            .is_ok_and(|waited| waited.is_ok())
    }

    /// Asks the broker where the topic ends and waits (within `timeout`) until the published
    /// state reaches it: what any instance acknowledged before this call is then readable here.
    /// True when it did.
    pub(crate) async fn sync_to_end(self: &Arc<Self>, timeout: Duration) -> bool {
        let cluster = Arc::clone(self);
        let end = tokio::task::spawn_blocking(move || {
            watermark(&cluster.probe.0, &cluster.settings, timeout)
        })
        .await;
        match end {
            Ok(Ok(end)) => self.wait_published(end, timeout).await,
            _ => false,
        }
    }

    /// Prometheus lines for `/metrics`.
    pub(crate) fn render_metrics(&self, out: &mut String) {
        use std::fmt::Write as _;
        let lease = self.lease();
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
             schemata_kafka_undecodable_records_total {}\n\
             # HELP schemata_kafka_leader Whether this instance holds the lease and writes (1) or not (0).\n\
             # TYPE schemata_kafka_leader gauge\n\
             schemata_kafka_leader {}\n\
             # HELP schemata_kafka_lease_epoch The lease epoch the log is at.\n\
             # TYPE schemata_kafka_lease_epoch gauge\n\
             schemata_kafka_lease_epoch {}",
            self.lag(),
            self.published_position(),
            self.undecodable.load(Ordering::SeqCst),
            u8::from(self.is_leader()),
            lease.epoch,
        );
    }

    /// Produces records at partition 0 (each with its epoch header when given) and answers
    /// their offsets, in order.
    async fn produce(
        &self,
        records: &[(Vec<u8>, Option<Vec<u8>>)],
        epoch: Option<u64>,
    ) -> Result<Vec<i64>, StorageError> {
        let topic = &self.settings.topic;
        let epoch_text = epoch.map(|e| e.to_string());
        let batch = (records.len() > 1)
            .then(|| format!("{}.{}", self.instance, self.batches.fetch_add(1, Ordering::SeqCst)));
        let mut deliveries = Vec::with_capacity(records.len());
        for (index, (key, value)) in records.iter().enumerate() {
            let mut message = FutureRecord::<Vec<u8>, Vec<u8>>::to(topic).partition(0).key(key);
            if let Some(value) = value {
                message = message.payload(value);
            }
            if let Some(epoch) = &epoch_text {
                let mut headers =
                    OwnedHeaders::new().insert(Header { key: EPOCH_HEADER, value: Some(epoch) });
                if let Some(batch) = &batch {
                    let position = format!("{batch}:{index}:{}", records.len());
                    headers = headers.insert(Header { key: BATCH_HEADER, value: Some(&position) });
                }
                message = message.headers(headers);
            }
            let delivery =
                self.producer.0.send_result(message).map_err(|(error, _)| {
                    storage_error("cannot queue the record for Kafka", error)
                })?;
            deliveries.push(delivery);
        }
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
    }

    /// Produces `records` right after what the writer's state holds, as the lease holder;
    /// fails (and forgets where the log ends) when they land anywhere else.
    async fn append_at_end(
        &self,
        records: &[(Vec<u8>, Option<Vec<u8>>)],
        epoch: u64,
    ) -> Result<(), StorageError> {
        let mut expected = self.expected_end.lock().await;
        let Some(start) = *expected else {
            return Err(StorageError::Io("the state is being rebuilt from the topic".into()));
        };
        let offsets = match self.produce(records, Some(epoch)).await {
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
        self.writer_position.fetch_max(end, Ordering::SeqCst);
        Ok(())
    }

    /// A lease record's value (a JSON object, as Karapace's reader wants even of NOOPs).
    fn lease_value(&self, epoch: u64) -> Vec<u8> {
        let url = self.advertised_url.get().cloned().unwrap_or_default();
        let value = json!({
            "leader": url,
            "instance": self.instance,
            "epoch": epoch,
            "group": self.settings.group_id,
        });
        serde_json::to_vec(&value).unwrap_or_default()
    }

    /// Hands the lease back (graceful stop), so another instance takes over at once.
    pub(crate) async fn release(&self) {
        if !self.is_leader() {
            return;
        }
        let epoch = self.my_epoch.swap(0, Ordering::SeqCst);
        let value = json!({
            "leader": self.advertised_url.get().cloned().unwrap_or_default(),
            "instance": self.instance,
            "epoch": epoch,
            "group": self.settings.group_id,
            "released": true,
        });
        let value = serde_json::to_vec(&value).unwrap_or_default();
        match self.produce(&[(NOOP_KEY.to_vec(), Some(value))], None).await {
            Ok(_) => tracing::info!(epoch, "handed the lease back"),
            Err(error) => tracing::warn!(%error, "cannot hand the lease back; it will lapse"),
        }
    }

    /// Keeps the lease until the server stops: the holder renews it, an eligible follower claims
    /// it once it lapsed. The caller runs `first_lease_round` before it listens, so a registry
    /// alone on its topic writes from its first request.
    pub(crate) async fn run_lease(self: Arc<Self>, mut round: LeaseRound) {
        let tick = (self.lease_duration() / 10)
            .clamp(Duration::from_millis(10), Duration::from_millis(250));
        while !self.stop.load(Ordering::SeqCst) {
            tokio::time::sleep(tick).await;
            self.lease_round(&mut round).await;
        }
    }

    /// The first round: when it claims the lease, waits (within the init timeout) until the claim
    /// is decided, so an instance that may lead leads before it listens.
    pub(crate) async fn first_lease_round(&self) -> LeaseRound {
        let mut round = LeaseRound { renewed: Instant::now(), pending: None };
        self.lease_round(&mut round).await;
        let deadline = Instant::now() + Duration::from_millis(self.settings.init_timeout_ms);
        while round.pending.is_some() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(2)).await;
            self.lease_round(&mut round).await;
        }
        round
    }

    fn lease_duration(&self) -> Duration {
        Duration::from_millis(self.settings.lease_ms)
    }

    /// One look at the lease: settle a pending claim once the writer has read it back, renew the
    /// lease when held (every third of it, or sooner when it is about to run out), claim it when
    /// it is free or lapsed.
    pub(crate) async fn lease_round(&self, round: &mut LeaseRound) {
        let lease = self.lease_duration();
        if let Some((epoch, offset, sent)) = round.pending {
            if self.writer_position.load(Ordering::SeqCst) <= offset {
                if sent.elapsed() > Duration::from_millis(self.settings.timeout_ms) {
                    tracing::warn!(offset, "the claim was not read back in time");
                    round.pending = None;
                }
                return;
            }
            round.pending = None;
            self.settle_claim(epoch, sent, lease).await;
        }
        let view = self.lease.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let mine = self.my_epoch.load(Ordering::SeqCst);
        let holding = mine != 0
            && view.lease.epoch == mine
            && view.lease.holder.as_deref() == Some(&self.instance);
        if holding {
            let running_out =
                self.valid_until.lock().unwrap_or_else(PoisonError::into_inner).is_none_or(
                    |until| until.saturating_duration_since(Instant::now()) < lease / 3,
                );
            if round.renewed.elapsed() >= lease / 3 || running_out {
                round.renewed = Instant::now();
                self.renew(mine, round.renewed, lease).await;
            }
        } else if self.settings.leader_eligible
            && (view.lease.holder.is_none() || view.renewed_at.elapsed() >= lease)
            && self.lag() == 0
            && self.healthy()
        {
            round.renewed = Instant::now();
            let epoch = view.lease.epoch + 1;
            if let Some(offset) = self.claim(epoch).await {
                round.pending = Some((epoch, offset, round.renewed));
            }
        }
    }

    /// Whether `url` is this instance's advertised URL.
    pub(crate) fn is_own_url(&self, url: &str) -> bool {
        self.advertised_url.get().is_some_and(|own| own == url)
    }

    /// The holder's renewal: a lease record at the end, keeping `expected_end` exact.
    async fn renew(&self, epoch: u64, sent: Instant, lease: Duration) {
        let value = self.lease_value(epoch);
        let mut expected = self.expected_end.lock().await;
        match self.produce(&[(NOOP_KEY.to_vec(), Some(value))], None).await {
            Ok(offsets) => {
                *expected = match (*expected, offsets.first()) {
                    (Some(start), Some(&offset)) if offset == start => Some(offset + 1),
                    _ => None,
                };
                *self.valid_until.lock().unwrap_or_else(PoisonError::into_inner) =
                    Some(sent + lease * 2 / 3);
            }
            Err(error) => {
                *expected = None;
                tracing::warn!(%error, "cannot renew the lease; writes stop when it runs out");
            }
        }
    }

    /// A follower's claim of `epoch`: answers the offset it landed at. The first claim of an
    /// epoch in the log wins; `settle_claim` looks, once the writer has read it back.
    async fn claim(&self, epoch: u64) -> Option<i64> {
        let value = self.lease_value(epoch);
        match self.produce(&[(NOOP_KEY.to_vec(), Some(value))], None).await {
            Ok(offsets) => offsets.first().copied(),
            Err(error) => {
                tracing::warn!(%error, "cannot claim the lease");
                None
            }
        }
    }

    /// The writer's state holds the claim of `epoch`: when the log says it won, this instance
    /// leads from the end of that state on.
    async fn settle_claim(&self, epoch: u64, sent: Instant, lease: Duration) {
        let won = {
            let view = self.lease.lock().unwrap_or_else(PoisonError::into_inner);
            view.lease.epoch == epoch && view.lease.holder.as_deref() == Some(&self.instance)
        };
        if !won {
            return;
        }
        // Everything up to here is in the writer's state: the next append goes after it.
        let mut expected = self.expected_end.lock().await;
        *expected = Some(self.writer_position.load(Ordering::SeqCst));
        self.my_epoch.store(epoch, Ordering::SeqCst);
        *self.valid_until.lock().unwrap_or_else(PoisonError::into_inner) =
            Some(sent + lease * 2 / 3);
        tracing::info!(epoch, instance = %self.instance, "took the lead: this instance writes");
    }

    /// The tail read a lease record: the view follows, with the time it was renewed.
    fn observe_lease(&self, fold: &LogFold) {
        let lease_ms = self.settings.lease_ms as i64;
        // How long ago it was written, by its timestamp, within [0, lease]: an instance that
        // starts after its leader died need not wait a whole lease more.
        let age = fold.renewed_ms.map_or(0, |at| (now_ms() - at).clamp(0, lease_ms));
        let renewed_at = Instant::now()
            .checked_sub(Duration::from_millis(age as u64))
            .unwrap_or_else(Instant::now);
        let mut view = self.lease.lock().unwrap_or_else(PoisonError::into_inner);
        if view.lease != fold.lease {
            let was = self.my_epoch.load(Ordering::SeqCst);
            if was != 0 && was != fold.lease.epoch {
                tracing::warn!(epoch = fold.lease.epoch, "another instance took the lead");
            }
        }
        *view = LeaseView { lease: fold.lease.clone(), renewed_at };
    }
}

/// The writer's side of the topic.
pub struct KafkaStorage {
    cluster: Arc<Cluster>,
    /// Runs the produce futures from the writer thread (not a runtime thread).
    runtime: tokio::runtime::Handle,
}

impl std::fmt::Debug for KafkaStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaStorage").field("cluster", &self.cluster).finish_non_exhaustive()
    }
}

impl Drop for KafkaStorage {
    fn drop(&mut self) {
        // The writer ends (the server stops): so do the tail and the lease.
        self.cluster.stop.store(true, Ordering::SeqCst);
    }
}

/// The thread that follows the topic after start-up.
pub(crate) struct Tail {
    cluster: Arc<Cluster>,
    consumer: BaseConsumer,
    fold: LogFold,
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

/// The reader: assigned to partition 0 (no group membership), reading committed records only.
/// Catching up is judged by its position, not by end-of-partition events or the last record's
/// offset: a topic may end in a transaction marker, which no message is delivered for.
fn consumer(settings: &KafkaSettings) -> Result<BaseConsumer, StorageError> {
    let mut config = client_config(settings);
    config
        .set("group.id", &settings.group_id)
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("enable.partition.eof", "false")
        .set("auto.offset.reset", "earliest")
        .set("isolation.level", "read_committed")
        .set("allow.auto.create.topics", "false")
        .set("fetch.wait.max.ms", settings.fetch_wait_ms.to_string());
    config.create().map_err(|e| storage_error("cannot create the Kafka consumer", e))
}

/// A unique name for this process in lease records.
fn instance_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    format!("{host}-{}-{:x}", std::process::id(), now_ms())
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
    let (reader, records, position, fold) = tokio::task::spawn_blocking(move || {
        let settings = settings_for_replay;
        assign(&reader, &settings.topic, Offset::Beginning)?;
        let high = watermark(&reader, &settings, remaining(deadline))?;
        let mut fold = LogFold::new(&settings.group_id, Arc::default());
        let undecodable = AtomicI64::new(0);
        let (records, position) =
            read_to(&reader, &settings, &mut fold, high, deadline, &undecodable)?;
        Ok::<_, StorageError>((reader, records, position, fold))
    })
    .await
    .map_err(|e| storage_error("start-up task failed", e))??;
    tracing::info!(
        topic = %settings.topic,
        records = records.len(),
        position,
        epoch = fold.lease.epoch,
        "replayed the Kafka topic"
    );
    let cluster = Arc::new(Cluster {
        settings: settings.clone(),
        instance: instance_name(),
        advertised_url: OnceLock::new(),
        writer_position: AtomicI64::new(position),
        published: watch::Sender::new(position),
        high_watermark: AtomicI64::new(position),
        expected_end: tokio::sync::Mutex::new(Some(position)),
        lease: Mutex::new(LeaseView { lease: Lease::default(), renewed_at: Instant::now() }),
        my_epoch: AtomicU64::new(0),
        valid_until: Mutex::new(None),
        tail_failing: AtomicBool::new(false),
        undecodable: AtomicI64::new(0),
        stop: AtomicBool::new(false),
        foreign: Arc::clone(&fold.foreign),
        batches: AtomicU64::new(0),
        producer: Client(producer(settings)?),
        probe: Client(consumer(settings)?),
    });
    cluster.observe_lease(&fold);
    let storage =
        KafkaStorage { cluster: Arc::clone(&cluster), runtime: tokio::runtime::Handle::current() };
    let tail = Tail { cluster: Arc::clone(&cluster), consumer: reader, fold };
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

/// Reads from the start until `target` (or the end the broker reports, whichever comes first),
/// folding each record. Answers the state's records and the position after them.
fn read_to(
    consumer: &BaseConsumer,
    settings: &KafkaSettings,
    fold: &mut LogFold,
    target: i64,
    deadline: Instant,
    undecodable: &AtomicI64,
) -> Result<(Vec<Record>, i64), StorageError> {
    let mut records = Vec::new();
    let mut position = 0;
    while position < target {
        if Instant::now() >= deadline {
            return Err(StorageError::Io(format!(
                "reading topic {} did not reach offset {target} in time (at {position})",
                settings.topic
            )));
        }
        match consumer.poll(Duration::from_millis(100)) {
            None => {
                let fetched = consumer.position().ok().and_then(|list| {
                    match list.find_partition(&settings.topic, 0).map(|p| p.offset()) {
                        Some(Offset::Offset(offset)) => Some(offset),
                        _ => None,
                    }
                });
                if let Some(fetched) = fetched.filter(|fetched| *fetched >= target) {
                    position = position.max(fetched);
                }
            }
            Some(Ok(message)) => {
                position = message.offset() + 1;
                match fold.message(&message) {
                    Step::State(state) => records.extend(state),
                    Step::Skip { undecodable: true } => {
                        undecodable.fetch_add(1, Ordering::SeqCst);
                    }
                    Step::Skip { .. } | Step::Lease { .. } => {}
                }
            }
            Some(Err(KafkaError::PartitionEOF(_))) => break,
            Some(Err(error)) => return Err(storage_error("cannot read the topic", error)),
        }
    }
    Ok((records, position))
}

/// The producer: every record acknowledged by all in-sync replicas, idempotent (a retry never
/// lands twice), and bounded in time, so a write never hangs on a lost broker.
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

impl Storage for KafkaStorage {
    fn append(&mut self, records: &[Record]) -> Result<(), StorageError> {
        if !self.cluster.is_leader() {
            return Err(StorageError::Io(
                "this instance does not hold the lease (Leader not known.)".into(),
            ));
        }
        let epoch = self.cluster.my_epoch.load(Ordering::SeqCst);
        let encoded = self.cluster.foreign.encode(records);
        self.runtime.block_on(self.cluster.append_at_end(&encoded, epoch))
    }

    fn reload(&mut self) -> Result<Replay, StorageError> {
        let cluster = &self.cluster;
        let settings = &cluster.settings;
        let deadline = Instant::now() + Duration::from_millis(settings.timeout_ms);
        let reader = consumer(settings)?;
        assign(&reader, &settings.topic, Offset::Beginning)?;
        let high = watermark(&reader, settings, remaining(deadline))?;
        // Never less than the writer already applied: the tail will not hand those again.
        let target = high.max(cluster.writer_position.load(Ordering::SeqCst));
        // The tail keeps the foreign keys up to date; this replay only rebuilds the state.
        let mut fold = LogFold::new(&settings.group_id, Arc::default());
        let (records, position) =
            read_to(&reader, settings, &mut fold, target, deadline, &AtomicI64::new(0))?;
        let mut expected = cluster.expected_end.blocking_lock();
        cluster.writer_position.store(position, Ordering::SeqCst);
        *expected = Some(position);
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

    fn run(mut self, writer: &WeakWriter, runtime: &tokio::runtime::Handle) {
        let cluster = Arc::clone(&self.cluster);
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
            let mut batch: Vec<(i64, Vec<Record>)> = Vec::new();
            let mut wait = Duration::from_millis(100);
            while batch.len() < MAX_TAIL_BATCH {
                match self.consumer.poll(wait) {
                    Some(Ok(message)) => {
                        let offset = message.offset();
                        let records = match self.fold.message(&message) {
                            Step::State(records) => records,
                            Step::Lease { claimed } => {
                                if claimed {
                                    let lease = &self.fold.lease;
                                    tracing::info!(
                                        epoch = lease.epoch,
                                        holder = ?lease.holder,
                                        url = ?lease.url,
                                        "the lease changed hands"
                                    );
                                }
                                cluster.observe_lease(&self.fold);
                                Vec::new()
                            }
                            Step::Skip { undecodable } => {
                                if undecodable {
                                    cluster.undecodable.fetch_add(1, Ordering::SeqCst);
                                }
                                Vec::new()
                            }
                        };
                        cluster.high_watermark.fetch_max(offset + 1, Ordering::SeqCst);
                        batch.push((offset, records));
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
            let cluster_for_job = Arc::clone(&cluster);
            let job = move |tx: &mut crate::writer::Tx<'_>| {
                let from = cluster_for_job.writer_position.load(Ordering::SeqCst);
                let mut end = from;
                for (offset, records) in batch {
                    if offset < from {
                        // Already in the state: this writer appended it.
                        continue;
                    }
                    // A batch comes whole, at the offset of its last record.
                    for record in records {
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

    fn check(
        fold: &mut LogFold,
        offset: i64,
        key: &str,
        value: Option<&str>,
        epoch: Option<u64>,
        expected: &str,
    ) {
        let headers = RecordHeaders { epoch, batch: None };
        check_with(fold, offset, key, value, headers, expected);
    }

    /// What folding one record gives: the records for the state (`+` between the records of a
    /// batch, `pending` while a batch is incomplete), a lease step, or a skip.
    fn check_with(
        fold: &mut LogFold,
        offset: i64,
        key: &str,
        value: Option<&str>,
        headers: RecordHeaders<'_>,
        expected: &str,
    ) {
        let step = fold.step(offset, Some(key.as_bytes()), value.map(str::as_bytes), headers, None);
        let got = match step {
            Step::State(records) if records.is_empty() => "pending".into(),
            Step::State(records) => {
                let shown: Vec<String> = records
                    .iter()
                    .map(|r| {
                        let (key, value) = r.to_bytes();
                        format!(
                            "{} {}",
                            String::from_utf8(key).unwrap(),
                            value.map_or("null".into(), |v| String::from_utf8(v).unwrap())
                        )
                    })
                    .collect();
                shown.join(" + ")
            }
            Step::Lease { claimed: true } => format!("claim {}", fold.lease.epoch),
            Step::Lease { claimed: false } => "renewal".into(),
            Step::Skip { undecodable: true } => "undecodable".into(),
            Step::Skip { undecodable: false } => "skip".into(),
        };
        assert_eq!(got, expected, "{offset}: {key} {value:?}");
    }

    #[test]
    fn records_of_every_writer_decode_under_the_shared_rules() {
        let f = &mut LogFold::new("g", Arc::default());
        let schema = r#"{"subject":"s","version":1,"id":1,"schema":"\"int\"","deleted":false}"#;
        let canonical = r#"{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}"#;
        check(f, 0, canonical, Some(schema), None, &format!("{canonical} {schema}"));
        // Karapace's deprecated key order and its empty-value delete.
        let karapace = r#"{"subject":"s","version":1,"magic":1,"keytype":"SCHEMA"}"#;
        check(f, 3, karapace, Some(""), None, &format!("{canonical} null"));
        // Redpanda: a sequenced record counts only at its own offset.
        let redpanda =
            r#"{"keytype":"SCHEMA","subject":"s","version":1,"magic":1,"seq":7,"node":0}"#;
        check(f, 7, redpanda, Some(schema), None, &format!("{canonical} {schema}"));
        check(f, 8, redpanda, Some(schema), None, "skip");
        check(f, 8, redpanda, None, None, &format!("{canonical} null"));
        // Probes and garbage mean nothing to the state.
        let noop = r#"{"keytype":"NOOP","magic":0}"#;
        check(f, 1, noop, None, None, "skip");
        check(f, 1, noop, Some(r#"{"leader":"x"}"#), None, "skip");
        check(f, 1, "not json", Some("{}"), None, "undecodable");
        check(f, 1, canonical, Some("[1]"), None, "undecodable");
    }

    /// The lease in the log: the first claim of the next epoch wins, only the holder renews,
    /// other groups' leases are not ours, and a write of a superseded epoch is ignored.
    #[test]
    fn the_first_claim_of_an_epoch_wins_and_superseded_writes_are_ignored() {
        let f = &mut LogFold::new("g", Arc::default());
        let noop = r#"{"keytype":"NOOP","magic":0}"#;
        let lease = |epoch: u64, who: &str, group: &str| {
            format!(
                r#"{{"leader":"http://{who}","instance":"{who}","epoch":{epoch},"group":"{group}"}}"#
            )
        };
        let key = r#"{"keytype":"CONFIG","magic":0}"#;
        let value = r#"{"compatibilityLevel":"FULL"}"#;
        let applied = format!("{key} {value}");
        check(f, 0, noop, Some(&lease(2, "a", "g")), None, "skip");
        check(f, 1, noop, Some(&lease(1, "a", "other")), None, "skip");
        check(f, 2, noop, Some(&lease(1, "a", "g")), None, "claim 1");
        check(f, 3, noop, Some(&lease(1, "b", "g")), None, "skip");
        check(f, 4, noop, Some(&lease(1, "b", "g")), None, "skip");
        check(f, 5, noop, Some(&lease(1, "a", "g")), None, "renewal");
        check(f, 6, key, Some(value), Some(1), &applied);
        check(f, 7, noop, Some(&lease(2, "b", "g")), None, "claim 2");
        assert_eq!(f.lease.url.as_deref(), Some("http://b"));
        // a's late write, after b's claim: ignored everywhere.
        check(f, 8, key, Some(value), Some(1), "skip");
        check(f, 9, key, Some(value), Some(2), &applied);
        // Foreign writers carry no epoch: applied as they come.
        check(f, 10, key, Some(value), None, &applied);
        // b hands the lease back; a claim of the next epoch then wins at once.
        let released =
            r#"{"leader":"http://b","instance":"b","epoch":2,"group":"g","released":true}"#;
        check(f, 11, noop, Some(released), None, "renewal");
        assert_eq!((f.lease.epoch, &f.lease.holder), (2, &None));
        check(f, 12, noop, Some(&lease(3, "a", "g")), None, "claim 3");
    }

    /// Deletes tombstone the key bytes other registries used for the same thing, as long as
    /// those bytes hold a value; a tombstone read back under them ends them.
    #[test]
    fn deletes_tombstone_every_foreign_key_still_live() {
        let foreign = Arc::new(ForeignKeys::default());
        let f = &mut LogFold::new("g", Arc::clone(&foreign));
        let schema = r#"{"subject":"s","version":1,"id":1,"schema":"\"int\"","deleted":false}"#;
        let ours = r#"{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}"#;
        let karapace = r#"{"subject":"s","version":1,"magic":1,"keytype":"SCHEMA"}"#;
        let redpanda =
            r#"{"keytype":"SCHEMA","subject":"s","version":1,"magic":1,"seq":2,"node":0}"#;
        let global = r#"{"keytype":"CONFIG","subject":null,"magic":0}"#;
        let level = r#"{"compatibilityLevel":"FULL"}"#;
        let delete = |key: RecordKey| -> String {
            let encoded = foreign.encode(&[Record { key, value: None }]);
            let keys: Vec<String> = encoded
                .into_iter()
                .map(|(key, value)| {
                    assert_eq!(value, None);
                    String::from_utf8(key).unwrap()
                })
                .collect();
            keys.join(" | ")
        };
        // Only our bytes: nothing more to delete.
        f.step(0, Some(ours.as_bytes()), Some(schema.as_bytes()), RecordHeaders::default(), None);
        assert_eq!(delete(RecordKey::schema("s", 1)), ours);
        // Karapace's and Redpanda's bytes for the same version; a record that lost Redpanda's
        // race (seq is not its offset) was never applied, and its key is the same bytes anyway.
        f.step(
            1,
            Some(karapace.as_bytes()),
            Some(schema.as_bytes()),
            RecordHeaders::default(),
            None,
        );
        f.step(
            2,
            Some(redpanda.as_bytes()),
            Some(schema.as_bytes()),
            RecordHeaders::default(),
            None,
        );
        f.step(3, Some(global.as_bytes()), Some(level.as_bytes()), RecordHeaders::default(), None);
        assert_eq!(delete(RecordKey::schema("s", 1)), format!("{ours} | {redpanda} | {karapace}"));
        assert_eq!(
            delete(RecordKey::config(None)),
            format!(r#"{{"keytype":"CONFIG","magic":0}} | {global}"#)
        );
        assert_eq!(
            delete(RecordKey::schema("s", 2)),
            r#"{"keytype":"SCHEMA","subject":"s","version":2,"magic":1}"#
        );
        // A value under the subject is not a delete: no tombstones.
        let soft = foreign.encode(&[Record {
            key: RecordKey::config(None),
            value: Record::from_bytes(global.as_bytes(), Some(level.as_bytes())).unwrap().value,
        }]);
        assert_eq!(soft.len(), 1);
        // Our tombstones read back (and Karapace's empty-value delete) end the foreign keys.
        f.step(4, Some(redpanda.as_bytes()), None, RecordHeaders::default(), None);
        f.step(5, Some(karapace.as_bytes()), Some(b""), RecordHeaders::default(), None);
        assert_eq!(delete(RecordKey::schema("s", 1)), ours);
        assert_eq!(
            delete(RecordKey::config(None)),
            format!(r#"{{"keytype":"CONFIG","magic":0}} | {global}"#)
        );
    }

    /// The records of one append count only together: a batch its writer did not finish
    /// (interrupted by another batch, a lone record or a claim of the lease) leaves nothing.
    #[test]
    fn a_batch_counts_only_once_all_its_records_are_read() {
        let f = &mut LogFold::new("g", Arc::default());
        let noop = r#"{"keytype":"NOOP","magic":0}"#;
        let claim = |epoch: u64| {
            format!(r#"{{"leader":"http://a","instance":"a","epoch":{epoch},"group":"g"}}"#)
        };
        let key =
            |n: u32| format!(r#"{{"keytype":"SCHEMA","subject":"s","version":{n},"magic":1}}"#);
        let value = |n: u32| {
            format!(
                r#"{{"subject":"s","version":{n},"id":{n},"schema":"\"int\"","deleted":false}}"#
            )
        };
        let row = |n: u32| format!("{} {}", key(n), value(n));
        check(f, 0, noop, Some(&claim(1)), None, "claim 1");
        let mut step = |offset: i64, n: u32, batch: Option<&str>, expected: &str| {
            let headers = RecordHeaders { epoch: Some(1), batch };
            check_with(f, offset, &key(n), Some(&value(n)), headers, expected);
        };
        // A whole batch comes at its last record.
        step(1, 1, Some("a.0:0:3"), "pending");
        step(2, 2, Some("a.0:1:3"), "pending");
        step(3, 3, Some("a.0:2:3"), &format!("{} + {} + {}", row(1), row(2), row(3)));
        // A lone record (no batch header, or a batch of one) counts at once.
        step(4, 4, None, &row(4));
        step(5, 5, Some("a.1:0:1"), &row(5));
        // Interrupted by the next batch: the unfinished one is dropped, the next one counts.
        step(6, 6, Some("a.2:0:2"), "pending");
        step(7, 7, Some("a.3:0:2"), "pending");
        step(8, 8, Some("a.3:1:2"), &format!("{} + {}", row(7), row(8)));
        // A batch whose start was dropped is skipped to its end.
        step(9, 9, Some("a.4:0:3"), "pending");
        step(10, 10, None, &row(10));
        step(11, 11, Some("a.4:1:3"), "skip");
        step(12, 12, Some("a.4:2:3"), "skip");
        // Malformed batch headers count as lone records.
        step(13, 13, Some("garbage"), &row(13));
        step(14, 14, Some("a.5:3:3"), &row(14));
        // A claim of the next epoch ends the deposed leader's unfinished batch.
        step(15, 15, Some("a.6:0:2"), "pending");
        check(f, 16, noop, Some(&claim(2)), None, "claim 2");
        let headers = RecordHeaders { epoch: Some(1), batch: Some("a.6:1:2") };
        check_with(f, 17, &key(16), Some(&value(16)), headers, "skip");
    }
}
