//! The embedded durable log: an append-only local file of opaque key/value records (the `_schemas`
//! stream) that the embedded storage backend replays at start and appends to on every write.
//!
//! # Guarantees
//!
//! - [`Log::append`] returns only after its entries are written and fsync'd, and one call is one
//!   atomic unit: after a crash either all of its entries replay or none do.
//! - Concurrent appenders share fsyncs (group commit): while one fsync runs, later callers queue
//!   and the next fsync covers all of them.
//! - [`Log::open`] replays every entry in append order. A torn last frame (a crash mid-write) is
//!   truncated away with a warning; a bad frame with valid data after it is
//!   [`LogError::Corrupt`], naming the file and byte offset, and the file is left untouched.
//! - One [`Log`] owns a data dir: a lock file makes a second open, from another process or from
//!   this one, fail with [`LogError::Locked`].
//! - [`Log::compact`] keeps the last entry per key and drops keys whose last entry is a tombstone,
//!   as a compacted Kafka topic does; it is crash-safe (new file, fsync, rename, fsync the dir).
//!
//! # Files in the data dir
//!
//! - `LOCK`: held with an exclusive advisory lock while the log is open; never deleted, because
//!   deleting a lock file races with a process that has just opened it.
//! - `schemas.log`: the log.
//! - `schemas.log.tmp`: a log being created or compacted; a leftover one is a crash before its
//!   rename, is not part of the log, and is removed by [`Log::open`].
//!
//! # Layout (all integers little-endian)
//!
//! ```text
//! file    = magic "SCHMLOG\0" (8 bytes), format version u32 (= 1), frame*
//! frame   = payload_len u32, payload_crc u32, header_crc u32, payload
//! payload = entry_count u32, entry*
//! entry   = key_len u32, key, tag u8 (0 = tombstone, 1 = value), [value_len u32, value]
//! ```
//!
//! `payload_crc` is CRC-32 (IEEE) of the payload and `header_crc` is CRC-32 of the first 8 header
//! bytes. The header checksum exists so that a flipped length bit in the middle of the log is
//! detected as corruption instead of looking like a frame that runs past the end of the file,
//! which would be mistaken for a torn tail and truncated together with everything after it.
//!
//! One frame holds the entries of one group commit, i.e. of one or more whole `append` calls, and
//! a frame is written only after every earlier frame was fsync'd. That is what makes the torn-tail
//! rule sound: a crash can damage only the last frame, so a bad frame followed by valid data is
//! never a torn write (see `format::replay_frames`). The price: damage to the last frame from
//! anything but a crash (bit rot, a stray write) looks exactly like a torn write, so that frame
//! is truncated with a warning even if it had been acknowledged.
//!
//! Every write or fsync error of an append poisons the log (as does a failed directory fsync after
//! compaction's rename): after a failed fsync the kernel may have dropped the dirty pages, so
//! neither a retry nor further appends could be trusted; reopening replays what is really there.

mod format;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::mem;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use format::{COUNT_BYTES, FRAME_HEADER_BYTES};

/// Name of the lock file in the data dir.
pub const LOCK_FILE_NAME: &str = "LOCK";
/// Name of the log file in the data dir.
pub const LOG_FILE_NAME: &str = "schemas.log";
/// Name of the file a new or compacted log is written to before it is renamed into place.
pub const TEMP_FILE_NAME: &str = "schemas.log.tmp";

/// Largest frame the format can express, leaving headroom below `u32::MAX`.
const MAX_FRAME_BYTES_LIMIT: usize = (u32::MAX as usize) - FRAME_HEADER_BYTES - COUNT_BYTES;
/// Frames of a compacted file are cut at this size, so a big log is not one giant frame.
const COMPACTED_FRAME_BYTES: usize = 1 << 20;

/// Limits and compaction thresholds of a [`Log`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogOptions {
    /// Largest key plus value of one entry, in bytes; larger entries are refused with
    /// [`LogError::TooLarge`] before anything is written.
    pub max_entry_bytes: usize,
    /// Largest encoded frame, in bytes. One `append` call must fit in one frame (else
    /// [`LogError::BatchTooLarge`]); a group commit takes queued appends only while they fit.
    pub max_frame_bytes: usize,
    /// [`Log::should_compact`] says yes only once at least this many entries are dead (superseded
    /// by a later entry with the same key, or tombstoned).
    pub compact_min_dead_entries: u64,
    /// ... and only once dead entries are at least this percentage of all entries.
    pub compact_dead_percent: u8,
    /// How long [`Log::open`] retries a held data dir lock before failing with
    /// [`LogError::Locked`]. A lock can be held for a moment by nobody who uses the log: a child
    /// process forked by this one shares the lock file's descriptor until it execs, and a previous
    /// owner may still be exiting.
    pub lock_wait_ms: u64,
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions {
            max_entry_bytes: 8 << 20,
            max_frame_bytes: 64 << 20,
            compact_min_dead_entries: 1000,
            compact_dead_percent: 50,
            lock_wait_ms: 500,
        }
    }
}

/// One record of the log: opaque key bytes and value bytes, `None` being a tombstone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub key: Vec<u8>,
    pub value: Option<Vec<u8>>,
}

/// Errors of the log.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("data dir lock {path} is held by another open log, in this process or another")]
    Locked { path: PathBuf },
    #[error("log {path} is corrupt at byte offset {offset}: {reason}")]
    Corrupt { path: PathBuf, offset: u64, reason: String },
    #[error("i/o error while {op} {path}: {source}")]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("entry {index} has {bytes} bytes of key and value, more than the limit of {max_bytes}")]
    TooLarge { index: usize, bytes: usize, max_bytes: usize },
    #[error("batch encodes to {bytes} bytes, more than the frame limit of {max_bytes}")]
    BatchTooLarge { bytes: usize, max_bytes: usize },
    #[error("log refuses writes after an earlier i/o error left its file in an unknown state")]
    Poisoned,
}

fn io_error<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> LogError + 'a {
    move |source| LogError::Io { op, path: path.to_path_buf(), source }
}

/// Counters of a [`Log`], read without blocking writers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LogStats {
    /// Current length of the log file.
    pub size_bytes: u64,
    /// Frames in the log file.
    pub frames: u64,
    /// Entries in the log file.
    pub entries: u64,
    /// Keys whose last entry holds a value: what compaction keeps.
    pub live_keys: u64,
    /// Entries compaction would drop: `entries - live_keys`.
    pub dead_entries: u64,
    /// Successful non-empty `append` calls since open.
    pub appends: u64,
    /// fsyncs of appended data since open; below `appends` when group commit shares them.
    pub fsyncs: u64,
}

/// What one [`Log::compact`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompactStats {
    pub entries_before: u64,
    pub entries_after: u64,
    pub bytes_before: u64,
    pub bytes_after: u64,
}

/// The embedded durable log. `Send + Sync`: share it behind an `Arc` and append from any thread.
pub struct Log {
    dir: PathBuf,
    path: PathBuf,
    options: LogOptions,
    /// Holds the exclusive lock for as long as the log lives; the OS releases it on close, also
    /// when the process dies, so a crash never leaves a stale lock behind.
    _lock: File,
    queue: Mutex<Queue>,
    /// Signalled whenever a group commit finishes (or fails) and leadership is free.
    queue_changed: Condvar,
    /// The file and what is known about its contents; held by the group-commit leader during write
    /// and fsync, and by compaction while it swaps files.
    io: Mutex<Io>,
    /// Serializes compactions.
    compacting: Mutex<()>,
    /// Set when an I/O error leaves the file in an unknown state; checked before every write.
    poisoned: AtomicBool,
    size_bytes: AtomicU64,
    frames: AtomicU64,
    entries: AtomicU64,
    live_keys: AtomicU64,
    appends: AtomicU64,
    fsyncs: AtomicU64,
    /// Widens the window between write and fsync so tests can make group commits form reliably.
    #[cfg(test)]
    sync_delay: Mutex<Duration>,
    /// Makes the next fsyncs fail with EIO after the frame was written, as a failing disk does.
    #[cfg(test)]
    fail_sync: AtomicBool,
}

/// Appends waiting for an fsync, and where the group commit stands.
#[derive(Debug)]
struct Queue {
    /// The group being collected: the next leader writes it as one frame.
    collecting: Group,
    /// Id of `collecting`; ids grow by one per group.
    collecting_id: u64,
    /// Every group with an id up to this one is durable.
    durable_id: u64,
    /// A leader is writing and fsyncing a group right now.
    leader_active: bool,
}

#[derive(Debug)]
struct Group {
    /// A frame buffer (see `format::new_frame_buffer`) with the entries of every batch appended.
    buf: Vec<u8>,
    count: u32,
    /// Keys and whether they carry a value, in order, to keep the compaction counters exact.
    keys: Vec<(Vec<u8>, bool)>,
    batches: u64,
}

impl Group {
    fn new() -> Group {
        Group { buf: format::new_frame_buffer(), count: 0, keys: Vec::new(), batches: 0 }
    }

    fn is_empty(&self) -> bool {
        self.batches == 0
    }
}

#[derive(Debug)]
struct Io {
    file: File,
    size: u64,
    /// Per key, whether its last entry holds a value. Keys only, never values, so this stays small
    /// next to the state the registry itself keeps in memory.
    keys: HashMap<Vec<u8>, bool>,
    frames: u64,
    entries: u64,
    live_keys: u64,
}

impl Io {
    fn record(&mut self, key: Vec<u8>, live: bool) {
        self.entries += 1;
        if live {
            self.live_keys += 1;
        }
        if self.keys.insert(key, live) == Some(true) {
            self.live_keys -= 1;
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> Result<MutexGuard<'_, T>, LogError> {
    // A panic while holding one of these locks can only come from a bug in this module; the file
    // state is then unknown, which is exactly what `Poisoned` means.
    mutex.lock().map_err(|_| LogError::Poisoned)
}

/// fsyncs a directory so that a rename or create inside it survives a crash.
fn sync_dir(dir: &Path) -> Result<(), LogError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io_error("fsyncing directory", dir))
}

/// Path and counters only: the derived form would print every key and queued record.
impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Log")
            .field("path", &self.path)
            .field("poisoned", &self.poisoned.load(Ordering::Relaxed))
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl Log {
    /// Creates the data dir if needed, takes an exclusive lock (lock file in the dir; a second
    /// process or a second open in the same process gets [`LogError::Locked`] once
    /// [`LogOptions::lock_wait_ms`] has passed), replays the log and
    /// returns every entry in append order. A torn tail (incomplete or checksum-failing last
    /// frame, as left by a crash mid-write) is truncated away with a `tracing::warn!`; a bad frame
    /// followed by valid data is [`LogError::Corrupt`] naming file and byte offset (never skipped),
    /// and then the log file is not modified.
    pub fn open(dir: &Path, options: LogOptions) -> Result<(Log, Vec<LogEntry>), LogError> {
        let mut options = options;
        options.max_frame_bytes = options.max_frame_bytes.min(MAX_FRAME_BYTES_LIMIT);
        options.max_entry_bytes = options.max_entry_bytes.min(options.max_frame_bytes);

        std::fs::create_dir_all(dir).map_err(io_error("creating data dir", dir))?;
        let lock_path = dir.join(LOCK_FILE_NAME);
        let lock_file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(io_error("opening lock file", &lock_path))?;
        let lock_deadline = Instant::now() + Duration::from_millis(options.lock_wait_ms);
        loop {
            match lock_file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) if Instant::now() < lock_deadline => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(TryLockError::WouldBlock) => return Err(LogError::Locked { path: lock_path }),
                Err(TryLockError::Error(source)) => {
                    return Err(LogError::Io { op: "locking", path: lock_path, source });
                }
            }
        }

        let path = dir.join(LOG_FILE_NAME);
        let temp_path = dir.join(TEMP_FILE_NAME);
        // Only the lock holder writes the temp file, so a leftover is from a crash before its
        // rename: the log it was going to replace (or create) is still the truth.
        match std::fs::remove_file(&temp_path) {
            Ok(()) => tracing::warn!(
                path = %temp_path.display(),
                "removed a leftover temporary log file from an interrupted create or compaction"
            ),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(source) => return Err(LogError::Io { op: "removing", path: temp_path, source }),
        }

        if !path.try_exists().map_err(io_error("checking", &path))? {
            // Created under a temporary name and renamed, so `schemas.log` always has a complete
            // header and a short or headerless file can be treated as corruption.
            let mut temp = File::create(&temp_path).map_err(io_error("creating", &temp_path))?;
            temp.write_all(&format::file_header()).map_err(io_error("writing", &temp_path))?;
            temp.sync_all().map_err(io_error("fsyncing", &temp_path))?;
            drop(temp);
            std::fs::rename(&temp_path, &path).map_err(io_error("renaming into place", &path))?;
            sync_dir(dir)?;
            // The data dir may have just been created too; without this its own entry could be
            // lost in a crash together with everything acknowledged inside it. (Only the nearest
            // parent: a data dir several new levels deep is the operator's choice.)
            let parent = dir.parent().filter(|p| !p.as_os_str().is_empty());
            sync_dir(parent.unwrap_or(Path::new(".")))?;
        }

        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io_error("opening", &path))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io_error("reading", &path))?;
        let replay = format::replay_file(&bytes).map_err(|corruption| LogError::Corrupt {
            path: path.clone(),
            offset: corruption.offset,
            reason: corruption.reason,
        })?;
        drop(bytes);

        if let Some(torn) = &replay.torn {
            tracing::warn!(
                path = %path.display(),
                offset = torn.offset,
                dropped_bytes = file_len(&file, &path)?.saturating_sub(replay.valid_len),
                reason = torn.reason,
                "truncating a torn last frame left by a crash during a write; it was never acknowledged"
            );
            file.set_len(replay.valid_len).map_err(io_error("truncating", &path))?;
            // The truncation must be durable before anything is appended after it, or a crash
            // could bring the torn bytes back in front of acknowledged frames.
            file.sync_all().map_err(io_error("fsyncing", &path))?;
        }
        file.seek(SeekFrom::Start(replay.valid_len)).map_err(io_error("seeking", &path))?;

        let mut io = Io {
            file,
            size: replay.valid_len,
            keys: HashMap::new(),
            frames: replay.frames,
            entries: 0,
            live_keys: 0,
        };
        for entry in &replay.entries {
            io.record(entry.key.clone(), entry.value.is_some());
        }
        let log = Log {
            dir: dir.to_path_buf(),
            path,
            options,
            _lock: lock_file,
            queue: Mutex::new(Queue {
                collecting: Group::new(),
                collecting_id: 1,
                durable_id: 0,
                leader_active: false,
            }),
            queue_changed: Condvar::new(),
            compacting: Mutex::new(()),
            poisoned: AtomicBool::new(false),
            size_bytes: AtomicU64::new(io.size),
            frames: AtomicU64::new(io.frames),
            entries: AtomicU64::new(io.entries),
            live_keys: AtomicU64::new(io.live_keys),
            appends: AtomicU64::new(0),
            fsyncs: AtomicU64::new(0),
            io: Mutex::new(io),
            #[cfg(test)]
            sync_delay: Mutex::new(Duration::ZERO),
            #[cfg(test)]
            fail_sync: AtomicBool::new(false),
        };
        Ok((log, replay.entries))
    }

    /// Reads the log in `dir` without taking its lock or changing anything (a torn tail is left
    /// in place and not returned): for serving reads from a data dir that cannot be written.
    pub fn read_only(dir: &Path) -> Result<Vec<LogEntry>, LogError> {
        let path = dir.join(LOG_FILE_NAME);
        let bytes = std::fs::read(&path).map_err(io_error("reading", &path))?;
        let replay = format::replay_file(&bytes).map_err(|corruption| LogError::Corrupt {
            path: path.clone(),
            offset: corruption.offset,
            reason: corruption.reason,
        })?;
        Ok(replay.entries)
    }

    /// Cuts the log file in `dir` back to `len` bytes if it is longer, durably: the bytes past
    /// `len` are a frame whose append failed. Fails if the file is gone.
    pub fn cut_unacknowledged(dir: &Path, len: u64) -> Result<(), LogError> {
        let path = dir.join(LOG_FILE_NAME);
        let file =
            OpenOptions::new().write(true).open(&path).map_err(io_error("opening", &path))?;
        if file_len(&file, &path)? > len {
            file.set_len(len).map_err(io_error("truncating", &path))?;
            file.sync_all().map_err(io_error("fsyncing", &path))?;
        }
        Ok(())
    }

    /// Appends the entries as one atomic unit (after a crash either all of them replay or none),
    /// and returns only once they are durable (written and fsync'd). Blocking; safe to call from
    /// many threads at once: concurrent callers share fsyncs (while one fsync runs, later callers
    /// queue; the next fsync covers all of them). An empty slice is a no-op.
    ///
    /// After an I/O error the log is poisoned: every later append fails with
    /// [`LogError::Poisoned`], because the file state is unknown. The caller whose group hit the
    /// error gets [`LogError::Io`]; others in the same group get `Poisoned`. Either way the entries
    /// may or may not replay after a restart.
    pub fn append(&self, entries: &[LogEntry]) -> Result<(), LogError> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut encoded = Vec::new();
        let mut keys = Vec::with_capacity(entries.len());
        for (index, entry) in entries.iter().enumerate() {
            let bytes = entry.key.len() + entry.value.as_ref().map_or(0, Vec::len);
            if bytes > self.options.max_entry_bytes {
                return Err(LogError::TooLarge {
                    index,
                    bytes,
                    max_bytes: self.options.max_entry_bytes,
                });
            }
            encoded.reserve(format::entry_encoded_bytes(entry));
            format::encode_entry(&mut encoded, entry);
            keys.push((entry.key.clone(), entry.value.is_some()));
        }
        let frame_bytes = FRAME_HEADER_BYTES + COUNT_BYTES + encoded.len();
        let count = u32::try_from(entries.len()).ok();
        let (Some(count), true) = (count, frame_bytes <= self.options.max_frame_bytes) else {
            return Err(LogError::BatchTooLarge {
                bytes: frame_bytes,
                max_bytes: self.options.max_frame_bytes,
            });
        };

        let mut queue = lock(&self.queue)?;
        // Join the group being collected, unless it would grow past the frame limit: then wait
        // for a leader to take it (or lead it ourselves) and join the next one.
        let my_group = loop {
            if self.poisoned.load(Ordering::SeqCst) {
                return Err(LogError::Poisoned);
            }
            let group = &queue.collecting;
            if group.is_empty() || group.buf.len() + encoded.len() <= self.options.max_frame_bytes {
                break queue.collecting_id;
            }
            if queue.leader_active {
                queue = self.queue_changed.wait(queue).map_err(|_| LogError::Poisoned)?;
            } else {
                let (guard, result) = self.lead(queue);
                queue = guard?;
                result?;
            }
        };
        let group = &mut queue.collecting;
        group.buf.extend_from_slice(&encoded);
        // Cannot overflow: the frame limit keeps the entry count far below `u32::MAX`.
        group.count = group.count.saturating_add(count);
        group.keys.extend(keys);
        group.batches += 1;

        loop {
            if queue.durable_id >= my_group {
                self.appends.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            }
            if self.poisoned.load(Ordering::SeqCst) {
                return Err(LogError::Poisoned);
            }
            if queue.leader_active {
                queue = self.queue_changed.wait(queue).map_err(|_| LogError::Poisoned)?;
            } else {
                // No leader, and our group is not durable: so it is still the collecting group
                // (a group leaves it only through a leader), and we write it ourselves.
                let (guard, result) = self.lead(queue);
                queue = guard?;
                result?;
            }
        }
    }

    /// Takes the collecting group and writes it as one frame, releasing the queue lock during
    /// I/O so that later callers can queue up for the next fsync.
    fn lead<'a>(
        &'a self,
        mut queue: MutexGuard<'a, Queue>,
    ) -> (Result<MutexGuard<'a, Queue>, LogError>, Result<(), LogError>) {
        let group = mem::replace(&mut queue.collecting, Group::new());
        let group_id = queue.collecting_id;
        queue.collecting_id += 1;
        queue.leader_active = true;
        drop(queue);

        let result = self.write_group(group);
        if result.is_err() {
            self.poisoned.store(true, Ordering::SeqCst);
        }

        let queue = lock(&self.queue).map(|mut queue| {
            if result.is_ok() {
                queue.durable_id = group_id;
            }
            queue.leader_active = false;
            queue
        });
        self.queue_changed.notify_all();
        (queue, result)
    }

    fn write_group(&self, group: Group) -> Result<(), LogError> {
        let mut io = lock(&self.io)?;
        // Checked under the io lock: a failed compaction may have poisoned the log while this
        // leader waited, and then the file handle must not be written.
        if self.poisoned.load(Ordering::SeqCst) {
            return Err(LogError::Poisoned);
        }
        let Group { mut buf, count, keys, batches: _ } = group;
        format::seal_frame(&mut buf, count);
        // A log file removed (or replaced) under us would take every acknowledged write with it
        // at the next restart: refuse to acknowledge into a file that is no longer the log.
        self.check_still_in_place(&io.file)?;
        let written = io.file.write_all(&buf).map_err(io_error("appending to", &self.path));
        #[cfg(test)]
        std::thread::sleep(*lock(&self.sync_delay)?);
        // fdatasync is enough: it also persists the file size, which is all the metadata an
        // append changes. A failed fsync is never retried: the kernel may already have dropped
        // the dirty pages and a second fsync could report success without the data; the caller
        // poisons the log instead.
        let synced = written.and_then(|()| {
            if self.injected_sync_failure() {
                let source = io::Error::from_raw_os_error(5);
                return Err(LogError::Io { op: "fsyncing", path: self.path.clone(), source });
            }
            io.file.sync_data().map_err(io_error("fsyncing", &self.path))
        });
        if let Err(error) = synced {
            // Cut the unacknowledged frame (whole or partial, e.g. a disk full mid-write) off
            // again, so that neither a reopen nor a restart replays a write that was refused.
            // Best effort: if even this fails, `EmbeddedStorage::reload` tries again before the
            // log is reopened.
            let cut = io.file.set_len(io.size).and_then(|()| io.file.sync_all());
            if let Err(cut) = cut {
                tracing::error!(error = %cut, path = %self.path.display(), "cannot cut a refused frame off the log yet");
            }
            return Err(error);
        }
        self.fsyncs.fetch_add(1, Ordering::Relaxed);
        io.size += buf.len() as u64;
        io.frames += 1;
        for (key, live) in keys {
            io.record(key, live);
        }
        self.publish_counters(&io);
        Ok(())
    }

    #[cfg(test)]
    fn injected_sync_failure(&self) -> bool {
        self.fail_sync.load(Ordering::SeqCst)
    }

    #[cfg(not(test))]
    fn injected_sync_failure(&self) -> bool {
        false
    }

    /// Fails when the log's path no longer names the open file (the file or the data dir was
    /// removed or replaced).
    fn check_still_in_place(&self, file: &File) -> Result<(), LogError> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt as _;
            let open = file.metadata().map_err(io_error("checking", &self.path))?;
            let named = std::fs::metadata(&self.path).map_err(io_error("checking", &self.path))?;
            if (open.dev(), open.ino()) != (named.dev(), named.ino()) {
                return Err(LogError::Io {
                    op: "checking",
                    path: self.path.clone(),
                    source: io::Error::new(
                        io::ErrorKind::NotFound,
                        "the log file was removed or replaced while open",
                    ),
                });
            }
        }
        #[cfg(not(unix))]
        let _ = file;
        Ok(())
    }

    fn publish_counters(&self, io: &Io) {
        self.size_bytes.store(io.size, Ordering::Relaxed);
        self.frames.store(io.frames, Ordering::Relaxed);
        self.entries.store(io.entries, Ordering::Relaxed);
        self.live_keys.store(io.live_keys, Ordering::Relaxed);
    }

    /// Rewrites the log keeping, per key, only the last entry (at the position of that last
    /// entry, as Kafka compaction does, so the fold over the stream gives the same state), and
    /// dropping keys whose last entry is a tombstone. Crash-safe: the new log is written to a
    /// temporary file, fsync'd, renamed over the old one and the directory fsync'd; a crash at any
    /// point leaves either the old or the new log, and both replay to the same state.
    ///
    /// Appends run concurrently with the expensive part (reading and rewriting the log up to a
    /// snapshot point) and are blocked only while the frames appended since the snapshot are
    /// copied over and the files are swapped.
    pub fn compact(&self) -> Result<CompactStats, LogError> {
        let _compacting = lock(&self.compacting)?;
        if self.poisoned.load(Ordering::SeqCst) {
            return Err(LogError::Poisoned);
        }
        let temp_path = self.dir.join(TEMP_FILE_NAME);
        let result = self.compact_into(&temp_path);
        if result.is_err() {
            // Best effort: a leftover temp file is harmless (open removes it).
            let _ = std::fs::remove_file(&temp_path);
        }
        result
    }

    fn compact_into(&self, temp_path: &Path) -> Result<CompactStats, LogError> {
        // Phase 1, appends running: snapshot a frame boundary (the size only moves under the io
        // lock, after a whole frame is written) and rewrite everything before it.
        let snapshot_len = lock(&self.io)?.size;
        let mut reader = File::open(&self.path).map_err(io_error("opening", &self.path))?;
        let mut bytes = Vec::new();
        (&mut reader)
            .take(snapshot_len)
            .read_to_end(&mut bytes)
            .map_err(io_error("reading", &self.path))?;
        let replay = format::replay_file(&bytes).map_err(|c| self.corrupt(c))?;
        if replay.torn.is_some() || replay.valid_len != snapshot_len {
            return Err(LogError::Corrupt {
                path: self.path.clone(),
                offset: replay.valid_len,
                reason: "acknowledged frames changed on disk while the log was open".into(),
            });
        }
        drop(bytes);
        let entries_before_snapshot = replay.entries.len() as u64;
        let kept = keep_last_per_key(replay.entries);

        let mut temp = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(temp_path)
            .map_err(io_error("creating", temp_path))?;
        let mut out = Vec::with_capacity(COMPACTED_FRAME_BYTES);
        out.extend_from_slice(&format::file_header());
        let mut new_frames = 0u64;
        let mut frame = format::new_frame_buffer();
        let mut frame_count = 0u32;
        for entry in &kept {
            if frame_count > 0 && frame.len() >= COMPACTED_FRAME_BYTES {
                format::seal_frame(&mut frame, frame_count);
                out.extend_from_slice(&frame);
                new_frames += 1;
                frame = format::new_frame_buffer();
                frame_count = 0;
            }
            format::encode_entry(&mut frame, entry);
            frame_count += 1;
        }
        if frame_count > 0 {
            format::seal_frame(&mut frame, frame_count);
            out.extend_from_slice(&frame);
            new_frames += 1;
        }
        temp.write_all(&out).map_err(io_error("writing", temp_path))?;
        drop(out);

        // Phase 2, appends blocked: copy the frames appended since the snapshot verbatim (they
        // are valid frames, and the temp file ends on a frame boundary), then swap the files.
        let mut io = lock(&self.io)?;
        if self.poisoned.load(Ordering::SeqCst) {
            return Err(LogError::Poisoned);
        }
        let bytes_before = io.size;
        let entries_before = io.entries;
        let mut tail = Vec::new();
        reader.seek(SeekFrom::Start(snapshot_len)).map_err(io_error("seeking", &self.path))?;
        (&mut reader)
            .take(io.size - snapshot_len)
            .read_to_end(&mut tail)
            .map_err(io_error("reading", &self.path))?;
        let tail_replay = format::replay_frames(&tail, 0).map_err(|c| self.corrupt(c))?;
        if tail_replay.torn.is_some() || tail.len() as u64 != io.size - snapshot_len {
            return Err(LogError::Corrupt {
                path: self.path.clone(),
                offset: snapshot_len + tail_replay.valid_len,
                reason: "acknowledged frames changed on disk while the log was open".into(),
            });
        }
        temp.write_all(&tail).map_err(io_error("writing", temp_path))?;
        temp.sync_all().map_err(io_error("fsyncing", temp_path))?;
        let new_size = temp.stream_position().map_err(io_error("seeking", temp_path))?;
        std::fs::rename(temp_path, &self.path)
            .map_err(io_error("renaming into place", &self.path))?;

        // From here the old file is gone from the directory. If the rename is not made durable
        // and the machine crashes, the old log could come back, and appends written to the new
        // file would be lost; so a failure to fsync the directory poisons the log.
        if let Err(e) = sync_dir(&self.dir) {
            self.poisoned.store(true, Ordering::SeqCst);
            return Err(e);
        }
        io.file = temp;
        io.size = new_size;
        io.frames = new_frames + tail_replay.frames;
        io.keys.clear();
        io.entries = 0;
        io.live_keys = 0;
        for entry in kept.into_iter().chain(tail_replay.entries) {
            io.record(entry.key, entry.value.is_some());
        }
        self.publish_counters(&io);
        tracing::info!(
            path = %self.path.display(),
            entries_before,
            entries_after = io.entries,
            bytes_before,
            bytes_after = io.size,
            entries_before_snapshot,
            "compacted log"
        );
        Ok(CompactStats {
            entries_before,
            entries_after: io.entries,
            bytes_before,
            bytes_after: io.size,
        })
    }

    fn corrupt(&self, corruption: format::Corruption) -> LogError {
        LogError::Corrupt {
            path: self.path.clone(),
            offset: corruption.offset,
            reason: corruption.reason,
        }
    }

    /// Current length of the log file in bytes.
    pub fn size_bytes(&self) -> u64 {
        self.size_bytes.load(Ordering::Relaxed)
    }

    /// Counters for metrics and for deciding when to compact.
    pub fn stats(&self) -> LogStats {
        let entries = self.entries.load(Ordering::Relaxed);
        let live_keys = self.live_keys.load(Ordering::Relaxed);
        LogStats {
            size_bytes: self.size_bytes(),
            frames: self.frames.load(Ordering::Relaxed),
            entries,
            live_keys,
            dead_entries: entries.saturating_sub(live_keys),
            appends: self.appends.load(Ordering::Relaxed),
            fsyncs: self.fsyncs.load(Ordering::Relaxed),
        }
    }

    /// Whether enough of the log is dead that [`Log::compact`] is worth its cost, by the
    /// thresholds in [`LogOptions`]. Cheap: reads counters only.
    pub fn should_compact(&self) -> bool {
        let stats = self.stats();
        stats.dead_entries >= self.options.compact_min_dead_entries
            && stats.dead_entries.saturating_mul(100)
                >= stats.entries.saturating_mul(u64::from(self.options.compact_dead_percent))
    }

    /// The path of the log file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    #[cfg(test)]
    pub(crate) fn set_fail_sync(&self, fail: bool) {
        self.fail_sync.store(fail, Ordering::SeqCst);
    }

    #[cfg(test)]
    fn set_sync_delay(&self, delay: Duration) {
        if let Ok(mut guard) = self.sync_delay.lock() {
            *guard = delay;
        }
    }
}

fn file_len(file: &File, path: &Path) -> Result<u64, LogError> {
    Ok(file.metadata().map_err(io_error("reading metadata of", path))?.len())
}

/// Last entry per key, in the order of those last entries, without keys whose last entry is a
/// tombstone.
fn keep_last_per_key(entries: Vec<LogEntry>) -> Vec<LogEntry> {
    let mut last: HashMap<&[u8], usize> = HashMap::with_capacity(entries.len());
    for (index, entry) in entries.iter().enumerate() {
        last.insert(&entry.key, index);
    }
    let keep: Vec<bool> = entries
        .iter()
        .enumerate()
        .map(|(index, entry)| {
            entry.value.is_some() && last.get(entry.key.as_slice()) == Some(&index)
        })
        .collect();
    drop(last);
    entries.into_iter().zip(keep).filter_map(|(entry, keep)| keep.then_some(entry)).collect()
}
