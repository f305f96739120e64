//! Tests of the embedded log: round trips, torn tails, corruption, locking, group commit,
//! compaction and crashes of a real child process.

use super::*;

fn entry(key: &str, value: Option<&str>) -> LogEntry {
    LogEntry { key: key.as_bytes().to_vec(), value: value.map(|v| v.as_bytes().to_vec()) }
}

fn open(dir: &Path) -> (Log, Vec<LogEntry>) {
    match Log::open(dir, LogOptions::default()) {
        Ok(opened) => opened,
        Err(e) => panic!("open {}: {e}", dir.display()),
    }
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
    assert_eq!(log.stats().entries, expected.len() as u64);
    assert_eq!(log.size_bytes(), std::fs::metadata(log.path()).expect("metadata").len());
}
