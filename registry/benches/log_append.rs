//! Appends per second of the embedded log with 1 and 8 concurrent appenders, each append a
//! durable (fsync'd) single-record batch the size of a typical `_schemas` record, which shows what
//! group commit buys; and the replay time of a 100k-record log (cold start).
//! Run: `cargo bench -p schemata-registry --bench log_append`.
//!
//! The log lives in a temporary dir under `$TMPDIR`, so the numbers are those of that disk's fsync.

use std::hint::black_box;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use schemata_registry::storage::log::{Log, LogEntry, LogOptions};

fn record(appender: usize, n: u64) -> Vec<LogEntry> {
    let key =
        format!(r#"{{"keytype":"SCHEMA","subject":"bench-{appender}","version":{n},"magic":1}}"#);
    let value = format!(
        r#"{{"subject":"bench-{appender}","version":{n},"id":{n},"schema":"{}"}}"#,
        "x".repeat(400)
    );
    vec![LogEntry { key: key.into_bytes(), value: Some(value.into_bytes()) }]
}

#[expect(
    clippy::print_stderr,
    reason = "reports how many appends shared an fsync, next to criterion's own output"
)]
fn appends(c: &mut Criterion) {
    let mut group = c.benchmark_group("log_append");
    group.throughput(Throughput::Elements(1));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    for appenders in [1usize, 8] {
        let dir = tempfile::tempdir().expect("temp dir");
        let (log, _) = Log::open(dir.path(), LogOptions::default()).expect("open log");
        let log = Arc::new(log);
        group.bench_function(format!("{appenders}_appenders"), |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                let handles: Vec<_> = (0..appenders)
                    .map(|appender| {
                        let log = Arc::clone(&log);
                        // Spread `iters` appends over the appenders; the first takes the remainder.
                        let mine = iters / appenders as u64
                            + if appender == 0 { iters % appenders as u64 } else { 0 };
                        thread::spawn(move || {
                            for n in 0..mine {
                                log.append(black_box(&record(appender, n))).expect("append");
                            }
                        })
                    })
                    .collect();
                for handle in handles {
                    handle.join().expect("appender");
                }
                start.elapsed()
            });
        });
        let stats = log.stats();
        eprintln!(
            "{appenders} appenders: {} appends, {} fsyncs ({:.1} appends per fsync)",
            stats.appends,
            stats.fsyncs,
            stats.appends as f64 / stats.fsyncs.max(1) as f64
        );
    }
    group.finish();
}

/// Cold start: how long `Log::open` takes to check and replay a log of typical records.
fn replay(c: &mut Criterion) {
    const RECORDS: u64 = 100_000;
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let (log, _) = Log::open(dir.path(), LogOptions::default()).expect("open log");
        for chunk in 0..RECORDS / 1000 {
            let batch: Vec<LogEntry> =
                (0..1000).flat_map(|n| record(0, chunk * 1000 + n)).collect();
            log.append(&batch).expect("append");
        }
    }
    let mut group = c.benchmark_group("log_replay");
    group.throughput(Throughput::Elements(RECORDS));
    group.sample_size(10);
    group.bench_function(format!("{RECORDS}_records"), |b| {
        b.iter(|| {
            let (log, entries) = Log::open(dir.path(), LogOptions::default()).expect("open log");
            assert_eq!(entries.len() as u64, RECORDS);
            drop(log);
            entries
        });
    });
    group.finish();
}

criterion_group!(benches, appends, replay);
criterion_main!(benches);
