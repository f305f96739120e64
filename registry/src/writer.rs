//! The single writer: one thread that owns storage and is the only code that mutates the state.
//! Handlers send it jobs over a bounded channel; it takes every queued job as one batch, runs
//! them in order against its own copy of the state (so two concurrent registrations of one
//! schema get one id and one version), appends the batch's records in ONE storage append (group
//! commit: one fsync for the batch), and only then publishes the new state and answers.
//!
//! Readers never see the writer's copy: they read the snapshot published after the last durable
//! batch, so no reader waits for an fsync and none sees a record that is not durable. Two copies
//! take turns (the published one and the writer's): after publishing, the writer takes back the
//! previous snapshot once its readers let go and replays the batch onto it, rather than copying
//! the whole state. If the append fails, the state is rebuilt from what storage still has, so a
//! lost write is never served; if storage cannot even be read, writes are refused (reads go on
//! from the last snapshot) until a later batch finds it readable again.

use std::collections::{HashMap, VecDeque};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use schemata_core::SchemaId;
use schemata_core::records::Record;
use tokio::sync::{mpsc, oneshot};

use crate::dedup;

use crate::error::ApiError;
use crate::shared::Shared;
use crate::state::{ContentHash, Ctx, RegistryState, Sid};
use crate::storage::Storage;

/// Most jobs folded into one batch: bounds the time the state lock is held.
const MAX_BATCH_JOBS: usize = 512;
/// A batch takes no more jobs once its records reach this size (estimated), far below the log's
/// frame limit.
const MAX_BATCH_BYTES: usize = 16 << 20;

/// Longest the writer waits for readers to let go of the previous snapshot before copying.
const CATCH_UP_WAIT: Duration = Duration::from_millis(2);

/// A cheap over-estimate of a record's encoded size.
fn record_bytes(record: &Record) -> usize {
    match &record.value {
        Some(schemata_core::records::RecordValue::Schema(value)) => 256 + 2 * value.schema.len(),
        _ => 256,
    }
}

/// What a job did besides reading: the changes replayed onto the other copy of the state.
#[derive(Debug)]
enum Op {
    /// The batch's record at this index.
    Record(usize),
    /// A content hash of a new id, for the dedup index.
    IndexHash(ContentHash, Sid),
    /// Hashes computed off the writer, to build the dedup index from.
    Dedup(Arc<HashMap<Sid, (Bytes, ContentHash)>>),
    /// A record another writer put in shared storage (the Kafka topic), applied, not appended.
    /// Boxed: a schema record with a data contract is much larger than the other ops.
    Logged(Box<Record>),
}

/// What a job sees: the writer's state, the shared handle (caches, limits) and what the batch
/// did so far.
#[derive(Debug)]
pub(crate) struct Tx<'a> {
    pub(crate) state: &'a mut RegistryState,
    pub(crate) shared: &'a Shared,
    records: Vec<Record>,
    ops: Vec<Op>,
}

impl Tx<'_> {
    /// Applies a record to the state and queues it for the batch's append. Jobs emit only after
    /// every check passed: an emitted record is part of the batch.
    pub(crate) fn emit(&mut self, record: Record) {
        self.state.apply(&record);
        self.ops.push(Op::Record(self.records.len()));
        self.records.push(record);
    }

    /// Records the content hash of a new id, keeping the dedup index in step with live writes.
    pub(crate) fn index_hash(&mut self, hash: ContentHash, id: Sid) {
        self.state.index_hash(hash, id);
        self.ops.push(Op::IndexHash(hash, id));
    }

    /// Applies a record that is already in storage, written by another instance (or before this
    /// one started): the state follows it, and the batch does not append it again.
    pub(crate) fn apply_logged(&mut self, record: Record) {
        let new_id = match &record.value {
            Some(schemata_core::records::RecordValue::Schema(value)) => {
                let id = Sid::new(Ctx::of(&value.subject), SchemaId(value.id));
                (!self.state.schemas.contains_key(&id)).then_some(id)
            }
            _ => None,
        };
        self.state.apply(&record);
        self.ops.push(Op::Logged(Box::new(record)));
        // Another instance's new id joins the dedup index as the writer's own do: were this
        // instance to lead later, the same schema registered again must get the same id.
        if let Some(id) = new_id
            && self.state.dedup_built()
            && self.state.schemas.contains_key(&id)
        {
            match self.shared.cache.parsed(self.state, id) {
                Ok(schema) => self.index_hash(schema.sha256(), id),
                Err(error) => tracing::warn!(%id, %error, "stored schema does not parse"),
            }
        }
    }

    /// Builds the dedup index (if not built yet) from hashes computed off the writer.
    pub(crate) fn build_dedup(&mut self, hashes: HashMap<Sid, (Bytes, ContentHash)>) {
        let hashes = Arc::new(hashes);
        dedup::index_with(self.shared, self.state, &hashes);
        self.ops.push(Op::Dedup(hashes));
    }
}

/// Sends the job's answer once the batch's durability is known.
type Completion = Box<dyn FnOnce(Result<(), ApiError>) + Send>;
type Job = Box<dyn FnOnce(&mut Tx<'_>) -> Completion + Send>;

/// The handle handlers use to submit jobs.
#[derive(Debug, Clone)]
pub(crate) struct Writer {
    sender: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer thread. It ends when every `Writer` handle is dropped.
    pub(crate) fn start(
        shared: Arc<Shared>,
        storage: Box<dyn Storage>,
        queue_len: usize,
    ) -> std::io::Result<(Writer, std::thread::JoinHandle<()>)> {
        let (sender, receiver) = mpsc::channel(queue_len.max(1));
        let thread = std::thread::Builder::new()
            .name("schemata-writer".into())
            .spawn(move || run(shared, storage, receiver))?;
        Ok((Writer { sender }, thread))
    }

    /// Runs `job` in the writer and answers once its records (and its batch's) are durable.
    pub(crate) async fn submit<T, F>(&self, job: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T, ApiError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |tx| {
            let result = job(tx);
            Box::new(move |durable: Result<(), ApiError>| {
                let _ = reply.send(durable.and(result));
            })
        });
        self.sender.send(job).await.map_err(|_| ApiError::Unavailable)?;
        // A dropped reply means the job panicked; the writer lives on.
        answer.await.map_err(|_| ApiError::Store("the write was abandoned".into()))?
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.sender.is_closed()
    }

    /// A handle that does not keep the writer alive (for background work that must not delay
    /// shutdown).
    pub(crate) fn downgrade(&self) -> WeakWriter {
        WeakWriter { sender: self.sender.downgrade() }
    }
}

/// See `Writer::downgrade`.
#[derive(Debug, Clone)]
pub(crate) struct WeakWriter {
    sender: mpsc::WeakSender<Job>,
}

impl WeakWriter {
    /// The writer, if it still runs.
    pub(crate) fn upgrade(&self) -> Option<Writer> {
        self.sender.upgrade().map(|sender| Writer { sender })
    }
}

fn run(shared: Arc<Shared>, mut storage: Box<dyn Storage>, mut receiver: mpsc::Receiver<Job>) {
    let mut working: RegistryState = RegistryState::clone(&shared.read());
    let mut pending: VecDeque<Job> = VecDeque::new();
    loop {
        if pending.is_empty() {
            match receiver.blocking_recv() {
                Some(job) => pending.push_back(job),
                None => return,
            }
        }
        while pending.len() < MAX_BATCH_JOBS {
            match receiver.try_recv() {
                Ok(job) => pending.push_back(job),
                Err(_) => break,
            }
        }
        if shared.write_failed.load(Ordering::SeqCst) {
            recover(&shared, storage.as_mut(), &mut working);
        }
        let mut tx =
            Tx { state: &mut working, shared: &shared, records: Vec::new(), ops: Vec::new() };
        let mut completions = Vec::with_capacity(pending.len());
        // A batch stops growing at MAX_BATCH_BYTES so that it always fits one log frame; the
        // jobs left over start the next batch.
        while let Some(job) = pending.pop_front() {
            match std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut tx))) {
                Ok(completion) => completions.push(completion),
                Err(_) => tracing::error!("a write job panicked; its request gets an error"),
            }
            if tx.records.iter().map(record_bytes).sum::<usize>() >= MAX_BATCH_BYTES {
                break;
            }
        }
        let Tx { records, ops, .. } = tx;
        let durable = if shared.write_failed.load(Ordering::SeqCst) {
            Err(ApiError::Store("storage failed earlier; writes are refused".into()))
        } else if records.is_empty() {
            Ok(())
        } else {
            let started = std::time::Instant::now();
            let result = storage.append(&records);
            shared.metrics.observe_append(records.len(), started.elapsed());
            result.map_err(|e| ApiError::Store(e.to_string()))
        };
        match &durable {
            Ok(()) if !ops.is_empty() => {
                working = publish(&shared, working, &records, &ops);
                storage.published();
            }
            Ok(()) => storage.published(),
            Err(_) if records.is_empty() && ops.is_empty() => {}
            Err(error) => {
                tracing::error!(%error, "append failed; rebuilding the state from storage");
                // The writer's copy holds the refused batch: start again from what is durable.
                if !recover(&shared, storage.as_mut(), &mut working) {
                    working = RegistryState::clone(&shared.read());
                }
            }
        }
        for completion in completions {
            completion(durable.clone());
        }
        if !records.is_empty() && durable.is_ok() {
            storage.maintain();
        }
    }
}

/// Publishes the writer's state after a durable batch and answers the writer's next copy: the
/// previous snapshot with the batch replayed onto it, once its readers let go (they hold it for
/// microseconds, a check for longer); past a short wait, a copy of the new one.
fn publish(
    shared: &Shared,
    working: RegistryState,
    records: &[Record],
    ops: &[Op],
) -> RegistryState {
    let fresh = Arc::new(working);
    let mut old = shared.publish(Arc::clone(&fresh));
    let deadline = Instant::now() + CATCH_UP_WAIT;
    loop {
        match Arc::try_unwrap(old) {
            Ok(mut state) => {
                for op in ops {
                    match op {
                        Op::Record(index) => state.apply(&records[*index]),
                        Op::IndexHash(hash, id) => state.index_hash(*hash, *id),
                        Op::Dedup(hashes) => {
                            dedup::index_with(shared, &state, hashes);
                        }
                        Op::Logged(record) => state.apply(record),
                    }
                }
                return state;
            }
            Err(still_read) if Instant::now() < deadline => {
                old = still_read;
                std::thread::yield_now();
            }
            Err(_) => return RegistryState::clone(&fresh),
        }
    }
}

/// Rebuilds the state from storage after a failure. True when storage could be read: the state
/// is published and writes resume; false: writes stay refused, reads go on from the last
/// snapshot, and the next batch tries again.
fn recover(shared: &Shared, storage: &mut dyn Storage, working: &mut RegistryState) -> bool {
    match storage.reload() {
        Ok(records) => {
            let state = RegistryState::replay(records);
            shared.cache.clear();
            *working = state.clone();
            shared.publish(Arc::new(state));
            storage.published();
            if shared.write_failed.swap(false, Ordering::SeqCst) {
                tracing::info!("storage is readable again; writes resume");
            }
            true
        }
        Err(error) => {
            if !shared.write_failed.swap(true, Ordering::SeqCst) {
                tracing::error!(%error, "storage cannot be read; refusing writes until it can");
            }
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};

    use schemata_core::{SchemaId, SchemaType, Version};

    use super::*;
    use crate::limits::Limits;
    use crate::state::schema_record;
    use crate::storage::MemoryStorage;
    use crate::storage::{Replay, StorageError};

    fn put(
        subject: &'static str,
        id: u32,
    ) -> impl FnOnce(&mut Tx<'_>) -> Result<(), ApiError> + Send {
        move |tx| {
            let text = "\"string\"".to_owned();
            tx.emit(schema_record(
                subject,
                Version(1),
                SchemaId(id),
                SchemaType::Avro,
                &[],
                &schemata_core::Contract::default(),
                text,
                false,
            ));
            Ok(())
        }
    }

    fn subjects(shared: &Shared) -> Vec<String> {
        shared.read().subjects.keys().cloned().collect()
    }

    #[tokio::test]
    async fn a_failed_append_is_never_served_and_later_writes_work() {
        let storage = MemoryStorage::new();
        let fail = storage.failure_switch();
        let shared = Arc::new(Shared::new(RegistryState::default(), Limits::default()));
        let (writer, thread) = Writer::start(Arc::clone(&shared), Box::new(storage), 8).unwrap();
        writer.submit(put("a", 1)).await.unwrap();
        fail.store(true, Ordering::SeqCst);
        assert!(matches!(writer.submit(put("b", 2)).await, Err(ApiError::Store(_))));
        assert_eq!(subjects(&shared), ["a"]);
        let published = |id| {
            let state = shared.read();
            let id = Sid::default_ctx(SchemaId(id));
            state.schemas.contains_key(&id).then_some(state.max_id(Ctx::DEFAULT))
        };
        assert_eq!((published(1), published(2)), (Some(1), None));
        fail.store(false, Ordering::SeqCst);
        writer.submit(put("c", 3)).await.unwrap();
        assert_eq!(subjects(&shared), ["a", "c"]);
        assert_eq!((published(2), published(3)), (None, Some(3)));
        drop(writer);
        thread.join().unwrap();
    }

    #[tokio::test]
    async fn a_failed_job_writes_nothing_and_does_not_fail_its_batch() {
        let shared = Arc::new(Shared::new(RegistryState::default(), Limits::default()));
        let (writer, thread) =
            Writer::start(Arc::clone(&shared), Box::new(MemoryStorage::new()), 8).unwrap();
        let refused = writer.submit(|_| Err::<(), _>(ApiError::InvalidSubject));
        let (refused, written) = tokio::join!(refused, writer.submit(put("a", 1)));
        assert_eq!((refused, written), (Err(ApiError::InvalidSubject), Ok(())));
        assert_eq!(subjects(&shared), ["a"]);
        drop(writer);
        thread.join().unwrap();
    }

    /// Storage that refuses appends (a full or read-only disk: nothing lands) and reloads (an
    /// unreadable data dir) while their switches are set. Its records stay inspectable, as a
    /// restart would read them.
    #[derive(Clone, Default)]
    struct Faulty {
        records: Arc<std::sync::Mutex<Vec<Record>>>,
        fail_append: Arc<AtomicBool>,
        fail_reload: Arc<AtomicBool>,
    }

    impl Storage for Faulty {
        fn append(&mut self, records: &[Record]) -> Result<(), StorageError> {
            if self.fail_append.load(Ordering::SeqCst) {
                return Err(StorageError::Io("No space left on device (injected)".into()));
            }
            self.records.lock().unwrap().extend_from_slice(records);
            Ok(())
        }

        fn reload(&mut self) -> Result<Replay, StorageError> {
            if self.fail_reload.load(Ordering::SeqCst) {
                return Err(StorageError::Io("data dir unreadable (injected)".into()));
            }
            Ok(Box::new(self.records.lock().unwrap().clone().into_iter()))
        }
    }

    /// Each fault: writes refused with the store error (50001), reads go on from the last
    /// snapshot, nothing refused is stored, nothing acknowledged is lost, and writes resume once
    /// the fault clears.
    #[tokio::test]
    async fn disk_faults_refuse_writes_keep_reads_and_lose_nothing() {
        let faults: &[(&str, bool, bool)] =
            &[("disk full", true, false), ("disk full and unreadable", true, true)];
        for &(name, append, reload) in faults {
            let storage = Faulty::default();
            let shared = Arc::new(Shared::new(RegistryState::default(), Limits::default()));
            let (writer, thread) =
                Writer::start(Arc::clone(&shared), Box::new(storage.clone()), 8).unwrap();
            writer.submit(put("a", 1)).await.unwrap();
            storage.fail_append.store(append, Ordering::SeqCst);
            storage.fail_reload.store(reload, Ordering::SeqCst);
            let refused = writer.submit(put("b", 2)).await;
            assert!(matches!(&refused, Err(ApiError::Store(_))), "{name}: {refused:?}");
            assert_eq!(refused.unwrap_err().status_and_code().1, 50001, "{name}");
            assert_eq!(subjects(&shared), ["a"], "{name}: reads go on");
            assert_eq!(
                shared.write_failed.load(Ordering::SeqCst),
                reload,
                "{name}: writes refused until storage is readable"
            );
            storage.fail_append.store(false, Ordering::SeqCst);
            storage.fail_reload.store(false, Ordering::SeqCst);
            writer.submit(put("c", 3)).await.unwrap();
            assert_eq!(subjects(&shared), ["a", "c"], "{name}: writes resume");
            drop(writer);
            thread.join().unwrap();
            let restarted = RegistryState::replay(storage.records.lock().unwrap().clone());
            let stored: Vec<&String> = restarted.subjects.keys().collect();
            assert_eq!(stored, ["a", "c"], "{name}: after a restart");
        }
    }
}
