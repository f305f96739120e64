//! The single writer: one thread that owns storage and is the only code that mutates the state.
//! Handlers send it jobs over a bounded channel; it takes every queued job as one batch, runs
//! them in order against the state (so two concurrent registrations of one schema get one id and
//! one version), appends the batch's records in ONE storage append (group commit: one fsync for
//! the batch), and only then answers.
//!
//! The state write lock is held from the first job until the append returns, so a reader never
//! sees a record that is not durable. If the append fails the state is rebuilt from what storage
//! still has, so a lost write is never served; if even that fails, writes are refused.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use schemata_core::records::{Record, RecordKey, RecordValue};
use schemata_core::{SchemaId, Version};
use tokio::sync::{mpsc, oneshot};

use crate::error::ApiError;
use crate::shared::Shared;
use crate::state::RegistryState;
use crate::storage::Storage;

/// Most jobs folded into one batch: bounds the time the state lock is held.
const MAX_BATCH_JOBS: usize = 512;
/// A batch takes no more jobs once its records reach this size (estimated), far below the log's
/// frame limit.
const MAX_BATCH_BYTES: usize = 16 << 20;

/// A cheap over-estimate of a record's encoded size.
fn record_bytes(record: &Record) -> usize {
    match &record.value {
        Some(schemata_core::records::RecordValue::Schema(value)) => 256 + 2 * value.schema.len(),
        _ => 256,
    }
}

/// What a job sees: the state, the shared handle (caches, limits) and the records emitted so far.
#[derive(Debug)]
pub(crate) struct Tx<'a> {
    pub(crate) state: &'a mut RegistryState,
    pub(crate) shared: &'a Shared,
    records: Vec<Record>,
    touched: Vec<SchemaId>,
    touched_all: bool,
}

impl Tx<'_> {
    /// Applies a record to the state and queues it for the batch's append. Jobs emit only after
    /// every check passed: an emitted record is part of the batch.
    pub(crate) fn emit(&mut self, record: Record) {
        // Note which ids the record can change, for publishing once it is durable.
        match (&record.key, &record.value) {
            (RecordKey::Schema { subject, version, .. }, value) => {
                let before = self
                    .state
                    .subjects
                    .get(subject)
                    .and_then(|s| s.versions.get(&Version(*version)));
                self.touched.extend(before.map(|row| row.id));
                if let Some(RecordValue::Schema(value)) = value {
                    self.touched.push(SchemaId(value.id));
                }
            }
            (RecordKey::DeleteSubject { .. } | RecordKey::ClearSubject { .. }, _) => {
                self.touched_all = true;
            }
            _ => {}
        }
        self.state.apply(&record);
        self.records.push(record);
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
        let mut guard = shared.state_mut();
        let mut tx = Tx {
            state: &mut guard,
            shared: &shared,
            records: Vec::new(),
            touched: Vec::new(),
            touched_all: false,
        };
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
        let records = std::mem::take(&mut tx.records);
        let touched = std::mem::take(&mut tx.touched);
        let touched_all = tx.touched_all;
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
        if let Err(error) = &durable
            && !records.is_empty()
        {
            tracing::error!(%error, "append failed; rebuilding the state from storage");
            match storage.reload() {
                Ok(records) => {
                    *guard = RegistryState::replay(records);
                    shared.write_failed.store(false, Ordering::SeqCst);
                }
                Err(reload) => {
                    // Serving nothing is better than serving a write that was lost.
                    tracing::error!(error = %reload, "reload failed; refusing writes from now on");
                    *guard = RegistryState::default();
                    shared.write_failed.store(true, Ordering::SeqCst);
                }
            }
            shared.cache.clear();
            shared.publish(&guard, None);
        } else if !records.is_empty() {
            shared.publish(&guard, (!touched_all).then_some(touched.as_slice()));
        }
        drop(guard);
        for completion in completions {
            completion(durable.clone());
        }
        if !records.is_empty() {
            storage.maintain();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use schemata_core::{SchemaId, SchemaType, Version};

    use super::*;
    use crate::limits::Limits;
    use crate::state::schema_record;
    use crate::storage::MemoryStorage;

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
        let published = |id| shared.published_body(SchemaId(id)).map(|(_, max)| max);
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
}
