//! Tests of the embedded log: round trips, torn tails, corruption, locking, group commit,
//! compaction and crashes of a real child process.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::format::{FILE_HEADER_BYTES, replay_file};
use super::*;

fn entry(key: &str, value: Option<&str>) -> LogEntry {
    LogEntry { key: key.as_bytes().to_vec(), value: value.map(|v| v.as_bytes().to_vec()) }
}

fn open_with(dir: &Path, options: LogOptions) -> (Log, Vec<LogEntry>) {
    match Log::open(dir, options) {
        Ok(opened) => opened,
        Err(e) => panic!("open {}: {e}", dir.display()),
    }
}

fn open(dir: &Path) -> (Log, Vec<LogEntry>) {
    open_with(dir, LogOptions::default())
}

fn log_path(dir: &Path) -> PathBuf {
    dir.join(LOG_FILE_NAME)
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// Three batches of different shapes: the last one has several entries (one tombstone) so that
/// truncation tests also show a batch is all-or-nothing.
fn sample_batches() -> Vec<Vec<LogEntry>> {
    vec![
        vec![entry("a", Some("first"))],
        vec![entry("b", Some("")), entry("a", None)],
        vec![entry("c", Some("third batch value")), entry("b", None), entry("d", Some("x"))],
    ]
}

/// Writes `batches` into a fresh log in `dir`, one append each, and returns the file length
/// after the header and after each batch (the frame boundaries).
fn write_log(dir: &Path, batches: &[Vec<LogEntry>]) -> Vec<u64> {
    let (log, _) = open(dir);
    let mut boundaries = vec![log.size_bytes()];
    for batch in batches {
        log.append(batch).expect("append");
        boundaries.push(log.size_bytes());
    }
    boundaries
}

/// `Some(k)` when `entries` is exactly the first `k` batches concatenated.
fn batch_prefix(batches: &[Vec<LogEntry>], entries: &[LogEntry]) -> Option<usize> {
    let mut rest = entries;
    for (k, batch) in batches.iter().enumerate() {
        if rest.is_empty() {
            return Some(k);
        }
        rest = rest.strip_prefix(batch.as_slice())?;
    }
    rest.is_empty().then_some(batches.len())
}

fn expect_corrupt(dir: &Path) -> (u64, String) {
    match Log::open(dir, LogOptions::default()) {
        Err(LogError::Corrupt { path, offset, reason }) => {
            assert_eq!(path, log_path(dir));
            (offset, reason)
        }
        Err(e) => panic!("expected corruption, got {e}"),
        Ok((_, entries)) => panic!("expected corruption, got {} entries", entries.len()),
    }
}

#[test]
fn log_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Log>();
}

#[test]
fn round_trip_keeps_order_tombstones_empty_and_large_values() {
    let dir = tempfile::tempdir().expect("temp dir");
    let large = "x".repeat(3 << 20);
    let batches = vec![
        vec![entry("a", Some("1"))],
        vec![entry("b", Some("")), entry("a", None), entry("", Some("empty key"))],
        vec![entry("c", Some(&large))],
        vec![entry("a", Some("2")), entry("b", None)],
    ];
    let expected: Vec<LogEntry> = batches.iter().flatten().cloned().collect();
    {
        let (log, replayed) = open(dir.path());
        assert!(replayed.is_empty());
        for batch in &batches {
            log.append(batch).expect("append");
        }
        log.append(&[]).expect("empty append is a no-op");
        assert_eq!(log.stats().appends, 4);
    }
    let (log, replayed) = open(dir.path());
    assert_eq!(replayed, expected);
    let stats = log.stats();
    assert_eq!(stats.entries, expected.len() as u64);
    assert_eq!(stats.frames, 4);
    // Live: a (2), c, and the empty key; b ends in a tombstone.
    assert_eq!(stats.live_keys, 3);
    assert_eq!(log.size_bytes(), std::fs::metadata(log.path()).expect("metadata").len());
}

#[test]
fn torn_tail_is_truncated_at_every_cut_inside_the_last_frame() {
    let dir = tempfile::tempdir().expect("temp dir");
    let batches = sample_batches();
    let boundaries = write_log(dir.path(), &batches);
    let path = log_path(dir.path());
    let full = read(&path);
    let (last_start, last_end) = (boundaries[2] as usize, boundaries[3] as usize);
    assert_eq!(last_end, full.len());
    let extra = vec![entry("after", Some("the crash"))];
    for cut in last_start + 1..last_end {
        write(&path, &full[..cut]);
        {
            let (log, replayed) = open(dir.path());
            assert_eq!(replayed, batches[..2].concat(), "cut at {cut}");
            assert_eq!(read(&path).len(), last_start, "cut at {cut}: file not truncated");
            log.append(&extra).expect("append after truncation");
        }
        let (_, replayed) = open(dir.path());
        assert_eq!(replayed, [batches[..2].concat(), extra.clone()].concat(), "cut at {cut}");
    }
}

#[test]
fn damaged_last_frame_is_a_torn_tail() {
    let dir = tempfile::tempdir().expect("temp dir");
    let batches = sample_batches();
    let boundaries = write_log(dir.path(), &batches);
    let path = log_path(dir.path());
    let full = read(&path);
    let last_start = boundaries[2] as usize;
    // What a crash can leave besides a short file: garbage or zeros where the last frame was
    // going to be (file size persisted before the data), or zeros after it.
    let mut damaged: Vec<(String, Vec<u8>)> = (last_start..full.len())
        .map(|at| {
            let mut bytes = full.clone();
            bytes[at] ^= 0x5a;
            (format!("byte {at} flipped"), bytes)
        })
        .collect();
    let mut zeroed = full.clone();
    zeroed[last_start..].fill(0);
    damaged.push(("last frame zeroed".into(), zeroed));
    damaged.push(("zeros after the last frame".into(), [&full[..], &[0u8; 100]].concat()));
    for (what, bytes) in damaged {
        write(&path, &bytes);
        let (_, replayed) = open(dir.path());
        let expected_len = if what.starts_with("zeros after") { full.len() } else { last_start };
        let expected_batches = if what.starts_with("zeros after") { 3 } else { 2 };
        assert_eq!(replayed, batches[..expected_batches].concat(), "{what}");
        assert_eq!(read(&path).len(), expected_len, "{what}");
    }
}

#[test]
fn corrupt_middle_frame_is_an_error_and_leaves_the_file_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let batches = sample_batches();
    let boundaries = write_log(dir.path(), &batches);
    let path = log_path(dir.path());
    let full = read(&path);
    // Every byte of every frame but the last.
    for frame in 0..2 {
        let (start, end) = (boundaries[frame] as usize, boundaries[frame + 1] as usize);
        for at in start..end {
            let mut bytes = full.clone();
            bytes[at] ^= 0x01;
            write(&path, &bytes);
            let (offset, reason) = expect_corrupt(dir.path());
            assert_eq!(offset, start as u64, "byte {at} flipped: {reason}");
            assert_eq!(read(&path), bytes, "byte {at} flipped: file was modified");
        }
    }
    write(&path, &full);
    assert_eq!(open(dir.path()).1, batches.concat());
}

#[test]
fn bad_file_header_is_corruption() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_log(dir.path(), &sample_batches());
    let path = log_path(dir.path());
    let full = read(&path);
    let mut bad_version = full.clone();
    bad_version[8] = 9;
    let cases: Vec<(&str, Vec<u8>, u64, &str)> = vec![
        ("empty", Vec::new(), 0, "shorter than its"),
        ("short", full[..5].to_vec(), 0, "shorter than its"),
        ("magic", [b"NOTALOG!", &full[8..]].concat(), 0, "bad magic"),
        ("version", bad_version, 8, "unsupported format version 9"),
    ];
    for (what, bytes, expected_offset, expected_reason) in cases {
        write(&path, &bytes);
        let (offset, reason) = expect_corrupt(dir.path());
        assert_eq!(offset, expected_offset, "{what}");
        assert!(reason.contains(expected_reason), "{what}: {reason}");
        assert_eq!(read(&path), bytes, "{what}: file was modified");
    }
}

#[test]
fn checksum_valid_frame_that_does_not_decode_is_corruption() {
    let header = format::file_header();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("count past payload", vec![], "entry count runs past"),
        ("key past payload", [1u32.to_le_bytes(), 10u32.to_le_bytes()].concat(), "key runs past"),
        ("unknown tag", [&1u32.to_le_bytes()[..], &0u32.to_le_bytes(), &[7]].concat(), "tag 7"),
        ("trailing bytes", [&0u32.to_le_bytes()[..], &[1, 2]].concat(), "2 bytes after"),
    ];
    for (what, payload, expected) in cases {
        let mut frame = vec![0u8; format::FRAME_HEADER_BYTES];
        frame.extend_from_slice(&payload);
        // seal_frame writes the count over the first 4 payload bytes, so seal by hand.
        let payload_crc = crc32fast::hash(&payload);
        frame[0..4].copy_from_slice(&(payload.len() as u32).to_le_bytes());
        frame[4..8].copy_from_slice(&payload_crc.to_le_bytes());
        let header_crc = crc32fast::hash(&frame[0..8]);
        frame[8..12].copy_from_slice(&header_crc.to_le_bytes());
        let bytes = [&header[..], &frame].concat();
        match replay_file(&bytes) {
            Err(corruption) => {
                assert_eq!(corruption.offset, FILE_HEADER_BYTES as u64, "{what}");
                assert!(corruption.reason.contains(expected), "{what}: {}", corruption.reason);
            }
            Ok(replay) => panic!("{what}: expected corruption, got {replay:?}"),
        }
    }
}

#[test]
fn every_truncation_replays_whole_batches_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    let batches = sample_batches();
    let boundaries = write_log(dir.path(), &batches);
    let full = read(&log_path(dir.path()));
    for cut in FILE_HEADER_BYTES..=full.len() {
        let replay = replay_file(&full[..cut]).expect("a truncated log is never corrupt");
        let k = batch_prefix(&batches, &replay.entries)
            .unwrap_or_else(|| panic!("cut at {cut}: not a batch prefix: {:?}", replay.entries));
        // All of batch k-1 and none of batch k: the longest prefix that fits in the cut.
        assert_eq!(boundaries[k], replay.valid_len, "cut at {cut}");
        assert!(boundaries.get(k + 1).is_none_or(|&next| next > cut as u64), "cut at {cut}");
    }
}

fn proptest_batches() -> impl Strategy<Value = Vec<Vec<LogEntry>>> {
    let bytes = || proptest::collection::vec(any::<u8>(), 0..40);
    let entry =
        (bytes(), proptest::option::of(bytes())).prop_map(|(key, value)| LogEntry { key, value });
    proptest::collection::vec(proptest::collection::vec(entry, 1..4), 1..6)
}

/// Encodes batches the way `append` does, one frame per batch, without touching the disk.
fn encode_log(batches: &[Vec<LogEntry>]) -> Vec<u8> {
    let mut out = format::file_header().to_vec();
    for batch in batches {
        let mut frame = format::new_frame_buffer();
        for entry in batch {
            format::encode_entry(&mut frame, entry);
        }
        format::seal_frame(&mut frame, batch.len() as u32);
        out.extend_from_slice(&frame);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_truncation_replays_a_batch_prefix(batches in proptest_batches(), cut in any::<prop::sample::Index>()) {
        let bytes = encode_log(&batches);
        let cut = FILE_HEADER_BYTES + cut.index(bytes.len() - FILE_HEADER_BYTES + 1);
        let replay = replay_file(&bytes[..cut]);
        prop_assert!(replay.is_ok(), "truncation is never corruption: {:?}", replay);
        if let Ok(replay) = replay {
            prop_assert!(batch_prefix(&batches, &replay.entries).is_some());
        }
    }

    #[test]
    fn random_damage_never_panics_and_never_invents_data(
        batches in proptest_batches(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        garbage in proptest::collection::vec(any::<u8>(), 0..64),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = encode_log(&batches);
        for (at, value) in edits {
            let at = at.index(bytes.len());
            bytes[at] = value;
        }
        bytes.extend_from_slice(&garbage);
        let cut = cut.index(bytes.len() + 1);
        match replay_file(&bytes[..cut]) {
            Ok(replay) => prop_assert!(
                batch_prefix(&batches, &replay.entries).is_some(),
                "not a batch prefix: {:?}", replay.entries
            ),
            Err(corruption) => prop_assert!(corruption.offset <= cut as u64),
        }
    }

    #[test]
    fn open_of_a_damaged_file_is_ok_with_a_prefix_or_corrupt(
        batches in proptest_batches(),
        cut in any::<prop::sample::Index>(),
        garbage in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let dir = tempfile::tempdir().expect("temp dir");
        let full = encode_log(&batches);
        let cut = FILE_HEADER_BYTES + cut.index(full.len() - FILE_HEADER_BYTES + 1);
        let bytes = [&full[..cut], &garbage[..]].concat();
        std::fs::create_dir_all(dir.path()).expect("dir");
        write(&log_path(dir.path()), &bytes);
        match Log::open(dir.path(), LogOptions::default()) {
            Ok((log, entries)) => {
                prop_assert!(batch_prefix(&batches, &entries).is_some());
                // Whatever was truncated, the log takes appends and replays them after.
                let extra = vec![entry("extra", Some("value"))];
                log.append(&extra).expect("append");
                drop(log);
                let (_, again) = open(dir.path());
                prop_assert_eq!(again, [entries, extra].concat());
            }
            Err(LogError::Corrupt { .. }) => prop_assert_eq!(read(&log_path(dir.path())), bytes),
            Err(e) => prop_assert!(false, "unexpected error {}", e),
        }
    }
}

#[test]
fn second_open_is_locked_until_the_first_is_dropped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (first, _) = open(dir.path());
    first.append(&[entry("k", Some("v"))]).expect("append");
    let options = LogOptions { lock_wait_ms: 50, ..LogOptions::default() };
    let started = Instant::now();
    match Log::open(dir.path(), options) {
        Err(LogError::Locked { path }) => {
            assert_eq!(path, dir.path().join(LOCK_FILE_NAME));
            assert!(started.elapsed() >= Duration::from_millis(50), "gave up before lock_wait_ms");
        }
        Err(e) => panic!("expected Locked, got {e}"),
        Ok(_) => panic!("expected Locked, got a second open log"),
    }
    drop(first);
    let (_, replayed) = open(dir.path());
    assert_eq!(replayed, vec![entry("k", Some("v"))]);
}

/// `threads` appenders, `per_thread` batches each, with a widened write-to-fsync window so that
/// groups form; checks every batch replays whole, in each thread's order, and fsyncs were shared.
fn check_group_commit(options: LogOptions, threads: usize, per_thread: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (log, _) = open_with(dir.path(), options.clone());
    log.set_sync_delay(Duration::from_millis(2));
    let log = Arc::new(log);
    let batch = |t: usize, n: usize| {
        vec![
            entry(&format!("t{t}-b{n}-0"), Some(&format!("value {t} {n}"))),
            entry(&format!("t{t}-b{n}-1"), None),
        ]
    };
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let log = Arc::clone(&log);
            thread::spawn(move || {
                for n in 0..per_thread {
                    log.append(&batch(t, n)).expect("append");
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().expect("appender thread");
    }
    let stats = log.stats();
    assert_eq!(stats.appends, (threads * per_thread) as u64);
    assert!(stats.fsyncs < stats.appends, "no fsync was shared: {stats:?}");
    assert_eq!(stats.frames, stats.fsyncs);
    drop(log);

    let (_, replayed) = open_with(dir.path(), options);
    assert_eq!(replayed.len(), threads * per_thread * 2);
    let mut next = vec![0; threads];
    for pair in replayed.chunks(2) {
        let key = String::from_utf8(pair[0].key.clone()).expect("utf-8 key");
        let t: usize = key[1..key.find('-').expect("dash")].parse().expect("thread");
        assert_eq!(pair, batch(t, next[t]).as_slice(), "thread {t} out of order or split");
        next[t] += 1;
    }
}

#[test]
fn concurrent_appends_share_fsyncs() {
    check_group_commit(LogOptions::default(), 8, 25);
}

#[test]
fn group_commit_respects_the_frame_limit() {
    // Each batch is about 60 bytes of frame: groups of at most three batches.
    let options = LogOptions { max_frame_bytes: 200, ..LogOptions::default() };
    check_group_commit(options, 6, 20);
}

#[test]
fn too_large_entries_and_batches_are_refused_and_nothing_is_written() {
    let options = LogOptions { max_entry_bytes: 10, max_frame_bytes: 100, ..LogOptions::default() };
    let ten = "0123456789";
    type IsExpected = fn(&LogError) -> bool;
    let cases: Vec<(&str, Vec<LogEntry>, IsExpected)> = vec![
        (
            "entry",
            vec![entry("k", Some("v")), entry("key", Some(ten))],
            (|e| matches!(e, LogError::TooLarge { index: 1, bytes: 13, max_bytes: 10 })),
        ),
        (
            "batch",
            (0..10).map(|i| entry(&format!("k{i}"), Some("v"))).collect(),
            (|e| matches!(e, LogError::BatchTooLarge { max_bytes: 100, .. })),
        ),
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    let (log, _) = open_with(dir.path(), options.clone());
    log.append(&[entry("k", Some("012345678"))]).expect("an entry at the limit is fine");
    let size = log.size_bytes();
    for (what, batch, is_expected) in cases {
        match log.append(&batch) {
            Err(e) => assert!(is_expected(&e), "{what}: {e}"),
            Ok(()) => panic!("{what}: appended"),
        }
        assert_eq!(log.size_bytes(), size, "{what}");
        assert_eq!(read(log.path()).len() as u64, size, "{what}");
    }
    drop(log);
    assert_eq!(open_with(dir.path(), options).1, vec![entry("k", Some("012345678"))]);
}

#[test]
fn io_error_poisons_the_log() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (log, _) = open(dir.path());
    log.append(&[entry("kept", Some("1"))]).expect("append");
    // A read-only handle makes the next write fail the way a full or failing disk would.
    lock(&log.io).expect("io lock").file = File::open(log.path()).expect("read-only handle");
    match log.append(&[entry("lost", Some("2"))]) {
        Err(LogError::Io { op: "appending to", .. }) => {}
        other => panic!("expected an i/o error, got {other:?}"),
    }
    assert!(matches!(log.append(&[entry("later", None)]), Err(LogError::Poisoned)));
    assert!(matches!(log.compact(), Err(LogError::Poisoned)));
    drop(log);
    assert_eq!(open(dir.path()).1, vec![entry("kept", Some("1"))]);
}

/// Folds a stream into its final state: last value per key, tombstoned keys absent.
fn fold(entries: &[LogEntry]) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let mut state = BTreeMap::new();
    for entry in entries {
        match &entry.value {
            Some(value) => state.insert(entry.key.clone(), value.clone()),
            None => state.remove(&entry.key),
        };
    }
    state
}

#[test]
fn compaction_keeps_the_last_entry_per_key_at_its_position() {
    let dir = tempfile::tempdir().expect("temp dir");
    let options = LogOptions {
        compact_min_dead_entries: 3,
        compact_dead_percent: 50,
        ..LogOptions::default()
    };
    let (log, _) = open_with(dir.path(), options.clone());
    let stream = vec![
        entry("a", Some("1")),
        entry("b", Some("1")),
        entry("gone", Some("1")),
        entry("a", Some("2")),
        entry("gone", None),
        entry("c", Some("")),
        entry("never", None),
    ];
    for e in &stream[..3] {
        log.append(std::slice::from_ref(e)).expect("append");
    }
    assert!(!log.should_compact(), "no dead entries yet");
    log.append(&stream[3..]).expect("append");
    let before = log.stats();
    assert_eq!((before.entries, before.live_keys, before.dead_entries), (7, 3, 4));
    assert!(log.should_compact());

    let stats = log.compact().expect("compact");
    let compacted = vec![entry("b", Some("1")), entry("a", Some("2")), entry("c", Some(""))];
    assert_eq!((stats.entries_before, stats.entries_after), (7, 3));
    assert_eq!(stats.bytes_before, before.size_bytes);
    assert_eq!(stats.bytes_after, log.size_bytes());
    assert!(stats.bytes_after < stats.bytes_before);
    assert!(!log.should_compact());
    assert_eq!(log.stats().dead_entries, 0);

    log.append(&[entry("d", Some("after"))]).expect("append after compaction");
    drop(log);
    let (log, replayed) = open_with(dir.path(), options);
    assert_eq!(replayed, [compacted, vec![entry("d", Some("after"))]].concat());
    assert_eq!(fold(&replayed), fold(&[stream, vec![entry("d", Some("after"))]].concat()));
    assert_eq!(read(log.path()).len() as u64, log.size_bytes());
    assert!(!dir.path().join(TEMP_FILE_NAME).exists());
}

#[test]
fn compaction_of_an_empty_log_and_of_a_fully_tombstoned_log() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (log, _) = open(dir.path());
    assert_eq!(log.compact().expect("compact").entries_after, 0);
    log.append(&[entry("a", Some("1")), entry("a", None)]).expect("append");
    let stats = log.compact().expect("compact");
    assert_eq!((stats.entries_before, stats.entries_after), (2, 0));
    assert_eq!(stats.bytes_after, FILE_HEADER_BYTES as u64);
    drop(log);
    assert!(open(dir.path()).1.is_empty());
}

#[test]
fn compaction_runs_alongside_appends() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (log, _) = open(dir.path());
    let log = Arc::new(log);
    let threads = 4;
    let per_thread = 150;
    // Each thread has its own keys, so the expected final state follows from its own order.
    let batch = |t: usize, n: usize| {
        let key = format!("t{t}-k{}", n % 7);
        let value = (n % 5 != 4).then(|| format!("{t}-{n}"));
        vec![entry(&key, value.as_deref())]
    };
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let log = Arc::clone(&log);
            thread::spawn(move || {
                for n in 0..per_thread {
                    log.append(&batch(t, n)).expect("append");
                }
            })
        })
        .collect();
    // At least one compaction, however fast the appenders are.
    loop {
        log.compact().expect("compact");
        if handles.iter().all(|h| h.is_finished()) {
            break;
        }
    }
    for handle in handles {
        handle.join().expect("appender thread");
    }
    let expected: Vec<LogEntry> =
        (0..threads).flat_map(|t| (0..per_thread).flat_map(move |n| batch(t, n))).collect();
    let expected = fold(&expected);
    drop(log);
    let (log, replayed) = open(dir.path());
    assert_eq!(fold(&replayed), expected);
    log.compact().expect("final compact");
    drop(log);
    let (_, replayed) = open(dir.path());
    assert_eq!(replayed.len(), expected.len(), "one entry per live key after compaction");
    assert_eq!(fold(&replayed), expected);
}

#[test]
fn leftover_temp_file_from_an_interrupted_compaction_is_ignored_and_removed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let batches = sample_batches();
    write_log(dir.path(), &batches);
    let temp_path = dir.path().join(TEMP_FILE_NAME);
    // A crash before the rename can leave a complete, valid new log or half of one: either way
    // the old log is the truth until the rename happens.
    let other = tempfile::tempdir().expect("temp dir");
    write_log(other.path(), &[vec![entry("from", Some("the temp file"))]]);
    let leftovers = [read(&log_path(other.path())), b"SCHMLOG\0\x01\0\0\0half a fr".to_vec()];
    for leftover in leftovers {
        write(&temp_path, &leftover);
        let (log, replayed) = open(dir.path());
        assert_eq!(replayed, batches.concat());
        assert!(!temp_path.exists());
        drop(log);
    }
}

/// Set in the environment of the child process the crash test starts; names its data dir.
const CRASH_CHILD_DIR_ENV: &str = "SCHEMATA_LOG_CRASH_CHILD_DIR";
const CRASH_THREADS: usize = 3;

fn crash_batch(t: usize, n: usize) -> Vec<LogEntry> {
    let value = format!("thread {t} batch {n} ").repeat(1 + n % 9);
    vec![
        entry(&format!("{t}/{n}/a"), Some(&value)),
        entry(&format!("{t}/{n}/b"), None),
        entry(&format!("{t}/{n}/c"), Some("")),
    ]
}

/// Per thread, how many batches the replay holds, checking that they are whole, in order and
/// without gaps. A batch that went through compaction has lost its tombstone and nothing else.
fn crash_batches_in(entries: &[LogEntry]) -> Vec<usize> {
    let batch_of = |entry: &LogEntry| -> (usize, usize) {
        let key = String::from_utf8(entry.key.clone()).expect("utf-8 key");
        let mut fields = key.split('/').map(|field| field.parse::<usize>());
        match (fields.next(), fields.next()) {
            (Some(Ok(t)), Some(Ok(n))) => (t, n),
            _ => panic!("unexpected key {key}"),
        }
    };
    let mut next = vec![0; CRASH_THREADS];
    let mut rest = entries;
    while let Some(first) = rest.first() {
        let (t, n) = batch_of(first);
        let run = rest.iter().take_while(|entry| batch_of(entry) == (t, n)).count();
        let (batch, after) = rest.split_at(run);
        assert_eq!(n, next[t], "thread {t}: batch {n} follows batch {}", next[t] as i64 - 1);
        let full = crash_batch(t, n);
        let compacted: Vec<LogEntry> = full.iter().filter(|e| e.value.is_some()).cloned().collect();
        assert!(batch == full || batch == compacted, "thread {t} batch {n} is split or wrong");
        next[t] += 1;
        rest = after;
    }
    next
}

/// The child half of `acknowledged_batches_survive_sigkill`: a no-op in a normal test run. In the
/// child it appends from several threads until killed, printing each acknowledged batch, while
/// another thread compacts over and over so that kills also land inside compactions. It stops by
/// itself after a few seconds so a lost parent cannot leave it running.
#[test]
fn crash_child() {
    let Some(dir) = std::env::var_os(CRASH_CHILD_DIR_ENV) else { return };
    let (log, replayed) = open(Path::new(&dir));
    let start = crash_batches_in(&replayed);
    let log = Arc::new(log);
    let deadline = Instant::now() + Duration::from_secs(5);
    let handles: Vec<_> = (0..CRASH_THREADS)
        .map(|t| {
            let log = Arc::clone(&log);
            let first = start[t];
            thread::spawn(move || {
                for n in first.. {
                    if Instant::now() > deadline {
                        break;
                    }
                    log.append(&crash_batch(t, n)).expect("append");
                    let mut out = io::stdout().lock();
                    writeln!(out, "acked {t} {n}").and_then(|()| out.flush()).expect("stdout");
                }
            })
        })
        .collect();
    let compactor = {
        let log = Arc::clone(&log);
        thread::spawn(move || {
            while Instant::now() < deadline {
                log.compact().expect("compact");
                thread::sleep(Duration::from_millis(5));
            }
        })
    };
    for handle in handles {
        handle.join().expect("child appender");
    }
    compactor.join().expect("child compactor");
}

#[test]
fn acknowledged_batches_survive_sigkill() {
    let dir = tempfile::tempdir().expect("temp dir");
    let exe = std::env::current_exe().expect("test binary");
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        | 1;
    let mut random = move |below: u64| {
        // xorshift64: enough to vary the kill moment without a dependency.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % below
    };
    // The harness names tests by module path without the crate name.
    let module = module_path!().split_once("::").map_or("", |(_, rest)| rest);
    let child_test = format!("{module}::crash_child");
    let mut total_acked = 0;
    for cycle in 0..10 {
        let mut child = Command::new(&exe)
            .args(["--exact", &child_test, "--nocapture", "--test-threads=1"])
            .env(CRASH_CHILD_DIR_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn child");
        let stdout = child.stdout.take().expect("child stdout");
        let reader = thread::spawn(move || {
            let mut acked = vec![None::<usize>; CRASH_THREADS];
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|read| read > 0) {
                // Only whole lines count: a line cut by the kill was not seen as acknowledged.
                let fields: Vec<&str> = line.trim_end().split(' ').collect();
                if line.ends_with('\n')
                    && let ["acked", t, n] = fields[..]
                    && let (Ok(t), Ok(n)) = (t.parse::<usize>(), n.parse::<usize>())
                {
                    acked[t] = acked[t].max(Some(n));
                }
                line.clear();
            }
            acked
        });
        thread::sleep(Duration::from_millis(50 + random(400)));
        child.kill().expect("kill child");
        child.wait().expect("reap child");
        let acked = reader.join().expect("reader thread");
        let (log, replayed) = open(dir.path());
        drop(log);
        let present = crash_batches_in(&replayed);
        for t in 0..CRASH_THREADS {
            if let Some(n) = acked[t] {
                assert!(
                    present[t] > n,
                    "cycle {cycle}: thread {t} acked batch {n} but only {} replayed",
                    present[t]
                );
                total_acked += 1;
            }
        }
    }
    assert!(total_acked > 0, "the child never acknowledged anything");
}

/// A failed fsync (EIO after the frame was written) acknowledges nothing, poisons the log, and
/// leaves no trace: the refused frame is cut off, so neither a reopen nor a restart replays it.
#[test]
fn a_failed_fsync_leaves_no_trace_of_its_frame() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _) = open(dir.path());
    log.append(&[entry("a", Some("1"))]).unwrap();
    let durable = std::fs::metadata(log_path(dir.path())).unwrap().len();
    log.set_fail_sync(true);
    assert!(matches!(
        log.append(&[entry("b", Some("2"))]),
        Err(LogError::Io { op: "fsyncing", .. })
    ));
    assert!(matches!(log.append(&[entry("c", Some("3"))]), Err(LogError::Poisoned)));
    assert_eq!(std::fs::metadata(log_path(dir.path())).unwrap().len(), durable);
    drop(log);
    let (_, entries) = open(dir.path());
    assert_eq!(entries, vec![entry("a", Some("1"))]);
}

/// A log whose file is removed while open (the data dir deleted) refuses to acknowledge: an
/// append into the unlinked file would be lost at the next restart.
#[test]
fn a_removed_log_refuses_appends_and_is_not_recreated_empty_by_a_cut() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (log, _) = open(&data);
    log.append(&[entry("a", Some("1"))]).unwrap();
    let durable = log.size_bytes();
    std::fs::remove_dir_all(&data).unwrap();
    assert!(matches!(
        log.append(&[entry("b", Some("2"))]),
        Err(LogError::Io { op: "checking", .. })
    ));
    assert!(Log::cut_unacknowledged(&data, durable).is_err());
}
