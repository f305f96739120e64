//! The embedded backend: `_schemas` records encoded with `schemata_core::records` and kept in the
//! local append-only log (`storage::log`). Compaction runs between batches, outside the state
//! lock, once the log says enough of it is dead.

use std::path::{Path, PathBuf};

use schemata_core::records::Record;

use super::log::{Log, LogEntry, LogError, LogOptions};
use super::{Replay, Storage, StorageError};

/// Records in a data dir.
#[derive(Debug)]
pub struct EmbeddedStorage {
    dir: PathBuf,
    options: LogOptions,
    /// `None` between dropping and reopening the log in `reload`, and while the data dir can
    /// only be read (then every append tries to open it again).
    log: Option<Log>,
    /// The log's durable length when its append failed: reopening first cuts anything after it.
    durable_len: Option<u64>,
}

impl EmbeddedStorage {
    /// Opens (creating if needed) the log in `dir`, taking its lock, and returns every record
    /// in order. A data dir that can be read but not written (read-only, no permission) opens
    /// for reads only: every append is refused until the log can be opened for writing, which
    /// each append tries again.
    pub fn open(
        dir: &Path,
        options: LogOptions,
    ) -> Result<(EmbeddedStorage, Replay), StorageError> {
        let opened = std::fs::create_dir_all(dir)
            .map_err(|source| LogError::Io { op: "creating data dir", path: dir.into(), source })
            .and_then(|()| Log::open(dir, options.clone()));
        let (log, entries) = match opened {
            Ok((log, entries)) => (Some(log), entries),
            Err(LogError::Io { source, .. }) if is_not_writable(&source) => {
                let entries = Log::read_only(dir).map_err(|e| StorageError::Io(e.to_string()))?;
                tracing::warn!(
                    dir = %dir.display(),
                    error = %source,
                    "data dir is not writable: serving reads, refusing writes until it is"
                );
                (None, entries)
            }
            Err(error) => return Err(StorageError::Io(error.to_string())),
        };
        let storage = EmbeddedStorage { dir: dir.to_path_buf(), options, log, durable_len: None };
        Ok((storage, decode(entries)))
    }

    /// The open log, opening it now if it could not be opened before.
    fn log(&mut self) -> Result<&Log, StorageError> {
        if self.log.is_none() {
            if let Some(len) = self.durable_len {
                Log::cut_unacknowledged(&self.dir, len)
                    .map_err(|e| StorageError::Io(e.to_string()))?;
            }
            let (log, _) = Log::open(&self.dir, self.options.clone())
                .map_err(|e| StorageError::Io(e.to_string()))?;
            tracing::info!(dir = %self.dir.display(), "data dir is writable again");
            self.durable_len = None;
            self.log = Some(log);
        }
        self.log.as_ref().ok_or(StorageError::Closed)
    }
}

/// Errors that mean "readable, not writable": a read-only file system or missing permission.
fn is_not_writable(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied
    )
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
        let log = self.log()?;
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
        // What was durable before the failure: anything past it in the file was refused.
        if let Some(log) = &self.log {
            self.durable_len = Some(log.size_bytes());
        }
        // Dropping the log releases its lock (and a poisoned state); reopening replays what is
        // really on disk, once a refused frame is cut off. A log that is gone (the data dir
        // removed) is not recreated empty: that would drop every acknowledged write.
        self.log = None;
        if let Some(len) = self.durable_len {
            Log::cut_unacknowledged(&self.dir, len).map_err(|e| StorageError::Io(e.to_string()))?;
        }
        let (log, entries) = Log::open(&self.dir, self.options.clone())
            .map_err(|e| StorageError::Io(e.to_string()))?;
        self.durable_len = None;
        self.log = Some(log);
        Ok(decode(entries))
    }
}

#[cfg(test)]
mod tests {
    use schemata_core::records::RecordKey;

    use super::*;

    fn record(subject: &str) -> Record {
        Record { key: RecordKey::config(Some(subject.to_owned())), value: None }
    }

    fn subjects(replay: Replay) -> Vec<String> {
        replay
            .map(|r| match r.key {
                RecordKey::Config { subject, .. } => subject.unwrap_or_default(),
                other => other.keytype().to_owned(),
            })
            .collect()
    }

    /// After a failed fsync the reload serves only what was acknowledged, and appends resume on
    /// the reopened log: the page cache of the refused frame is never trusted.
    #[test]
    fn a_failed_fsync_is_cut_off_and_appends_resume_after_reload() {
        let dir = tempfile::tempdir().unwrap();
        let (mut storage, _) = EmbeddedStorage::open(dir.path(), LogOptions::default()).unwrap();
        storage.append(&[record("a")]).unwrap();
        storage.log.as_ref().unwrap().set_fail_sync(true);
        assert!(storage.append(&[record("b")]).is_err());
        assert_eq!(subjects(storage.reload().unwrap()), ["a"]);
        storage.append(&[record("c")]).unwrap();
        drop(storage);
        let (_, replay) = EmbeddedStorage::open(dir.path(), LogOptions::default()).unwrap();
        assert_eq!(subjects(replay), ["a", "c"]);
    }

    /// A data dir removed while open: appends and reloads fail (writes stay refused) rather than
    /// start an empty log that would drop every acknowledged write.
    #[test]
    fn a_removed_data_dir_refuses_writes_instead_of_starting_empty() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let (mut storage, _) = EmbeddedStorage::open(&data, LogOptions::default()).unwrap();
        storage.append(&[record("a")]).unwrap();
        std::fs::remove_dir_all(&data).unwrap();
        assert!(storage.append(&[record("b")]).is_err());
        assert!(storage.reload().is_err());
        assert!(storage.append(&[record("c")]).is_err());
    }
}
