//! Where records go: the `Storage` trait every backend implements (the embedded log, the Kafka
//! `_schemas` topic), and an in-memory backend for unit tests. Handlers never see storage:
//! only the writer appends, and the state is rebuilt from what storage hands back.

pub mod embedded;
pub mod kafka;
pub mod log;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use schemata_core::records::Record;

/// Why storage could not take or give back records.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    #[error("storage i/o failed: {0}")]
    Io(String),
    #[error("storage is closed")]
    Closed,
}

/// Records as storage hands them back, in order. An iterator rather than a `Vec` so replay can
/// fold and drop each record as it goes: a cold start then never holds the whole decoded log.
pub type Replay = Box<dyn Iterator<Item = Record> + Send>;

/// A durable, ordered sequence of `_schemas` records.
pub trait Storage: Send + 'static {
    /// Appends `records` as one atomic unit and returns once they are durable.
    fn append(&mut self, records: &[Record]) -> Result<(), StorageError>;

    /// Everything durable, in order: used after a failed append to rebuild the state, so that
    /// nothing that failed to persist is ever served.
    fn reload(&mut self) -> Result<Replay, StorageError>;

    /// Housekeeping (compaction) between batches. The writer calls it with no lock held, so
    /// reads go on meanwhile; writes wait, which bounds how much can pile up.
    fn maintain(&mut self) {}

    /// Called after the writer published a state that holds everything storage handed it so
    /// far (its own appends and, for shared storage, what other writers appended): the Kafka
    /// backend tells read-your-writes waiters how far the published state reaches.
    fn published(&mut self) {}
}

/// An in-memory backend: durable for the life of the process only. `fail_appends` lets tests
/// make appends fail.
#[derive(Debug, Default)]
pub struct MemoryStorage {
    records: Vec<Record>,
    fail_appends: Arc<AtomicBool>,
}

impl MemoryStorage {
    pub fn new() -> MemoryStorage {
        MemoryStorage::default()
    }

    /// A switch that makes every following append fail while it is set.
    pub fn failure_switch(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.fail_appends)
    }
}

impl Storage for MemoryStorage {
    fn append(&mut self, records: &[Record]) -> Result<(), StorageError> {
        if self.fail_appends.load(Ordering::SeqCst) {
            return Err(StorageError::Io("injected failure".into()));
        }
        self.records.extend_from_slice(records);
        Ok(())
    }

    fn reload(&mut self) -> Result<Replay, StorageError> {
        Ok(Box::new(self.records.clone().into_iter()))
    }
}
