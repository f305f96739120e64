//! Durability under SIGKILL: concurrent clients register while the real binary is killed at
//! random moments; after every restart each acknowledged registration is present with the same id
//! and version, and no acknowledged id is ever given to another schema.
//!
//! 20 kill cycles run in the suite; the stress variant runs more:
//! `SCHEMATA_DURABILITY_CYCLES=300 cargo test -p schemata-tests --test it durability -- --nocapture`

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde_json::json;

use crate::harness::ChildRegistry;

const WRITERS: usize = 4;

/// What a client was told: (subject, version) → (id, schema text).
type Acked = BTreeMap<(String, i64), (i64, String)>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::print_stderr, reason = "the seed must be visible to replay a failure")]
async fn every_acknowledged_registration_survives_sigkill() {
    let cycles: usize =
        std::env::var("SCHEMATA_DURABILITY_CYCLES").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let seed = std::env::var("SCHEMATA_DURABILITY_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1
        });
    eprintln!("durability: {cycles} cycles, SCHEMATA_DURABILITY_SEED={seed}");
    let mut random = XorShift(seed);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let acked: Arc<Mutex<Acked>> = Arc::default();
    let mut verified: BTreeSet<(String, i64)> = BTreeSet::new();
    let started = Instant::now();

    for cycle in 0..cycles {
        let registry = ChildRegistry::spawn(&data, &[]);
        if cycle == 0 {
            let reply = registry.put("/config", json!({"compatibility": "NONE"})).await;
            assert_eq!(reply.status, 200, "{}", reply.text);
        }
        // What the previous cycle acknowledged (everything is verified again at the end).
        let all = acked.lock().unwrap().clone();
        verify(&registry, &all, cycle, |key| !verified.contains(key)).await;
        verified.extend(all.into_keys());

        // Writers register new schemas until the kill cuts them off mid-request.
        let mut writers = tokio::task::JoinSet::new();
        for writer in 0..WRITERS {
            let http = registry.http.clone();
            let acked = Arc::clone(&acked);
            writers.spawn(async move {
                for n in 0..10_000 {
                    let subject = format!("dur-{writer}-{}", n % 3);
                    let schema = format!(
                        r#"{{"type":"record","name":"R","fields":[{{"name":"f_{cycle}_{writer}_{n}","type":"long"}}]}}"#
                    );
                    let request = http
                        .client
                        .post(http.url(&format!("/subjects/{subject}/versions")))
                        .header("content-type", "application/vnd.schemaregistry.v1+json")
                        .body(json!({ "schema": schema }).to_string())
                        .send()
                        .await;
                    // A failed or cut request was not acknowledged: the writer's job is over.
                    let Ok(response) = request else { return };
                    let Ok(body) = response.json::<serde_json::Value>().await else { return };
                    let (Some(id), Some(version)) = (body["id"].as_i64(), body["version"].as_i64())
                    else {
                        panic!("registration answered without id and version: {body}");
                    };
                    let previous = acked.lock().unwrap().insert((subject, version), (id, schema));
                    assert!(previous.is_none(), "version {version} acknowledged twice");
                }
            });
        }
        tokio::time::sleep(Duration::from_millis(20 + random.next() % 250)).await;
        registry.signal("KILL");
        while writers.join_next().await.transpose().expect("writer task").is_some() {}
        drop(registry);
        assert!(
            started.elapsed() < Duration::from_secs(240),
            "durability test over its time bound"
        );
    }

    let registry = ChildRegistry::spawn(&data, &[]);
    let acked = acked.lock().unwrap().clone();
    verify(&registry, &acked, cycles, |_| true).await;
    assert!(acked.len() >= cycles, "too few acknowledged writes to mean anything: {}", acked.len());
    eprintln!("durability: {} acknowledged registrations verified", acked.len());
}

/// Every acknowledged registration is served with its id, version and text; ids are not shared
/// by two different schemas; the NONE config set in cycle 0 survived.
async fn verify(
    registry: &ChildRegistry,
    acked: &Acked,
    cycle: usize,
    fetch: impl Fn(&(String, i64)) -> bool,
) {
    let mut by_id: BTreeMap<i64, &str> = BTreeMap::new();
    for (key, (id, schema)) in acked {
        if let Some(other) = by_id.insert(*id, schema) {
            assert_eq!(other, schema, "cycle {cycle}: id {id} acknowledged for two schemas");
        }
        if !fetch(key) {
            continue;
        }
        let (subject, version) = key;
        let reply = registry.get(&format!("/subjects/{subject}/versions/{version}")).await;
        assert_eq!(reply.status, 200, "cycle {cycle}: {subject} v{version} lost: {}", reply.text);
        assert_eq!(reply.body["id"].as_i64(), Some(*id), "cycle {cycle}: {subject} v{version}");
        assert_eq!(reply.body["schema"].as_str(), Some(schema.as_str()));
    }
    if cycle > 0 {
        let config = registry.get("/config").await;
        assert_eq!(config.body["compatibilityLevel"], "NONE", "cycle {cycle}: {}", config.text);
    }
}

/// A tiny deterministic generator for kill delays; the seed is printed so a failure can be
/// replayed with SCHEMATA_DURABILITY_SEED.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}
