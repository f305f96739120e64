//! The embedded backend: `_schemas` records encoded with `schemata_core::records` and kept in the
//! local append-only log (`storage::log`). Compaction runs between batches, outside the state
//! lock, once the log says enough of it is dead.

use std::path::{Path, PathBuf};

use schemata_core::records::Record;

use super::log::{Log, LogEntry, LogOptions};
use super::{Replay, Storage, StorageError};

/// Records in a data dir.
#[derive(Debug)]
pub struct EmbeddedStorage {
    dir: PathBuf,
    options: LogOptions,
    /// `None` only between dropping and reopening the log in `reload`.
    log: Option<Log>,
}

impl EmbeddedStorage {
    /// Opens (creating if needed) the log in `dir`, taking its lock, and returns every record
    /// in order.
    pub fn open(
        dir: &Path,
        options: LogOptions,
    ) -> Result<(EmbeddedStorage, Replay), StorageError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StorageError::Io(format!("creating data dir {}: {e}", dir.display())))?;
        let (log, entries) =
            Log::open(dir, options.clone()).map_err(|e| StorageError::Io(e.to_string()))?;
        let records = decode(entries);
        Ok((EmbeddedStorage { dir: dir.to_path_buf(), options, log: Some(log) }, records))
    }
}

/// Decodes log entries lazily; an entry that is not a record is skipped with a warning, as a
/// registry reading a topic with foreign records would.
fn decode(entries: Vec<LogEntry>) -> Replay {
    Box::new(entries.into_iter().filter_map(|entry| {
        match Record::from_bytes(&entry.key, entry.value.as_deref()) {
            Ok(record) => Some(record),
            Err(error) => {
                tracing::warn!(%error, "skipping a log entry that is not a _schemas record");
                None
            }
        }
    }))
}

impl Storage for EmbeddedStorage {
    fn append(&mut self, records: &[Record]) -> Result<(), StorageError> {
        let log = self.log.as_ref().ok_or(StorageError::Closed)?;
        let entries: Vec<LogEntry> = records
            .iter()
            .map(|record| {
                let (key, value) = record.to_bytes();
                LogEntry { key, value }
            })
            .collect();
        log.append(&entries).map_err(|e| StorageError::Io(e.to_string()))
    }

    fn maintain(&mut self) {
        let Some(log) = self.log.as_ref() else { return };
        if log.should_compact() {
            // A failed compaction loses nothing: the old file stays in place.
            match log.compact() {
                Ok(stats) => tracing::info!(?stats, "log compacted"),
                Err(error) => tracing::warn!(%error, "log compaction failed"),
            }
        }
    }

    fn reload(&mut self) -> Result<Replay, StorageError> {
        // Dropping the log releases its lock (and a poisoned state); reopening replays what is
        // really on disk.
        self.log = None;
        let (log, entries) = Log::open(&self.dir, self.options.clone())
            .map_err(|e| StorageError::Io(e.to_string()))?;
        self.log = Some(log);
        Ok(decode(entries))
    }
}
