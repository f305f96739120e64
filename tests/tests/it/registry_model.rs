//! Random histories of registrations and deletes: whatever happened, the state read back after a
//! restart (a replay from the log, a dedup index rebuilt from scratch) equals the state before,
//! and a schema whose id still exists keeps that id.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::harness::{Http, TestRegistry};

const SUBJECTS: [&str; 3] = ["s0", "s1", "s2"];
const STEPS: usize = 150;

/// A small deterministic generator (xorshift), so a failure replays from its seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn schema(j: usize) -> String {
    format!(r#"{{"type":"record","name":"M{j}","fields":[{{"name":"a","type":"int"}}]}}"#)
}

/// Everything readable, soft-deleted included, as one comparable value.
async fn snapshot(http: &Http) -> Value {
    let subjects = http.get("/subjects?deleted=true").await.body;
    let mut versions = BTreeMap::new();
    for subject in subjects.as_array().unwrap() {
        let subject = subject.as_str().unwrap();
        let live = http.get(&format!("/subjects/{subject}/versions")).await.body;
        let all = http.get(&format!("/subjects/{subject}/versions?deleted=true")).await.body;
        versions.insert(subject.to_owned(), json!({"live": live, "all": all}));
    }
    let schemas = http.get("/schemas?deleted=true").await.body;
    let mut ids = BTreeMap::new();
    for id in 1..=12 {
        let reply = http.get(&format!("/schemas/ids/{id}")).await;
        ids.insert(id, json!([reply.status, reply.body]));
    }
    json!({"subjects": subjects, "versions": versions, "schemas": schemas, "ids": ids})
}

async fn run(seed: u64) {
    let mut rng = Rng(seed);
    let r = TestRegistry::start().await;
    assert_eq!(r.put("/config", json!({"compatibility": "NONE"})).await.status, 200);
    for _ in 0..STEPS {
        let subject = SUBJECTS[rng.below(SUBJECTS.len())];
        match rng.below(6) {
            0..=2 => {
                let reply = r.register(subject, &schema(rng.below(4))).await;
                assert_eq!(reply.status, 200, "{}", reply.text);
            }
            3 => {
                r.delete(&format!("/subjects/{subject}/versions/latest")).await;
            }
            4 => {
                let deleted =
                    r.get(&format!("/subjects/{subject}/versions?deletedOnly=true")).await.body;
                if let Some(versions) = deleted.as_array().filter(|v| !v.is_empty()) {
                    let version = &versions[rng.below(versions.len())];
                    let path = format!("/subjects/{subject}/versions/{version}?permanent=true");
                    assert_eq!(r.delete(&path).await.status, 200);
                }
            }
            _ => {
                let permanent = if rng.below(2) == 0 { "" } else { "?permanent=true" };
                r.delete(&format!("/subjects/{subject}{permanent}")).await;
            }
        }
    }
    // Probe: register every schema in a new subject; an id that still exists must be reused.
    let mut probes = Vec::new();
    for j in 0..4 {
        let before = r.post(&format!("/subjects/probe-{j}"), json!({"schema": schema(j)})).await;
        let id = r.register_ok(&format!("probe-{j}"), &schema(j)).await;
        for subject in SUBJECTS {
            let found = r.post(&format!("/subjects/{subject}"), json!({"schema": schema(j)})).await;
            if found.status == 200 {
                assert_eq!(found.body["id"], json!(id), "seed {seed}: schema {j} in {subject}");
            }
        }
        assert_eq!(before.status, 404, "seed {seed}");
        probes.push(id);
    }
    let before = snapshot(&r).await;
    let r = r.restart().await;
    assert_eq!(snapshot(&r).await, before, "seed {seed}: state changed across a restart");
    for (j, id) in probes.iter().enumerate() {
        let again = r.register_ok(&format!("probe-again-{j}"), &schema(j)).await;
        assert_eq!(again, *id, "seed {seed}: schema {j} changed id across a restart");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_histories_replay_to_the_same_state() {
    for seed in [0x9E37_79B9_7F4A_7C15, 0xD1B5_4A32_D192_ED03, 42] {
        run(seed).await;
    }
}
