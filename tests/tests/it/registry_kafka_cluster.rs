//! Several registry instances (child processes of the real binary) on one Kafka topic on a real
//! tansu broker: one leader by the lease in the log, followers forwarding writes, every
//! acknowledged write readable at once through every instance, and what happens when there is no
//! leader to forward to.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::broker::{Broker, unique};
use crate::harness::{ChildRegistry, Http, WAIT};

/// A short lease, so a test sees fail-over in a few seconds.
pub(crate) const LEASE_MS: u64 = 1500;

/// Spawns an instance on `topic` with extra flags.
pub(crate) fn instance(broker: &Broker, topic: &str, dir: &Path, extra: &[&str]) -> ChildRegistry {
    let lease = LEASE_MS.to_string();
    let mut args = vec![
        "--storage",
        "kafka",
        "--kafka-bootstrap",
        &broker.bootstrap,
        "--kafka-topic",
        topic,
        "--kafka-lease-ms",
        &lease,
        "--kafka-timeout-ms",
        "5000",
        "--kafka-init-timeout-ms",
        "20000",
    ];
    args.extend_from_slice(extra);
    ChildRegistry::spawn(dir, &args)
}

/// An Avro record schema no other call of this returns (its name is unique).
pub(crate) fn distinct_schema(tag: &str) -> String {
    let name = tag.replace(|c: char| !c.is_ascii_alphanumeric(), "_");
    format!(r#"{{"type":"record","name":"R_{name}","fields":[{{"name":"a","type":"int"}}]}}"#)
}

/// Registers through `http`, retrying (bounded) while the cluster has no leader yet or is
/// failing over (5xx): the acknowledged (id, version).
pub(crate) async fn register_eventually(http: &Http, subject: &str, schema: &str) -> (i64, i64) {
    let deadline = Instant::now() + WAIT;
    loop {
        let reply = http.register(subject, schema).await;
        if reply.status == 200 {
            let id = reply.body["id"].as_i64().expect("id");
            let version = http.get(&format!("/subjects/{subject}/versions/latest")).await;
            // The version the registration got is the one with this id (read-your-writes here).
            let version = version.body["version"].as_i64().unwrap_or_default();
            return (id, version);
        }
        assert!(
            reply.status >= 500 && Instant::now() < deadline,
            "register {subject}: {} {}",
            reply.status,
            reply.text
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Asserts every instance answers the acknowledged registration at once (no polling).
pub(crate) async fn readable_everywhere(instances: &[&Http], subject: &str, schema: &str, id: i64) {
    for (n, http) in instances.iter().enumerate() {
        let by_id = http.get(&format!("/schemas/ids/{id}")).await;
        assert_eq!(by_id.status, 200, "instance {n}: id {id}: {}", by_id.text);
        assert_eq!(by_id.body["schema"], json!(schema), "instance {n}: id {id}");
        let versions = http.get(&format!("/schemas/ids/{id}/versions")).await;
        let listed = versions.body.as_array().cloned().unwrap_or_default();
        assert!(
            listed.iter().any(|v| v["subject"] == json!(subject)),
            "instance {n}: id {id} not under {subject}: {}",
            versions.text
        );
    }
}

/// Every instance's whole answer for the listings, which must be equal, and the id → schema map
/// (which must give each id one schema and each schema one id).
pub(crate) async fn agreed_state(instances: &[&Http]) -> BTreeMap<i64, String> {
    let mut answers = Vec::new();
    for http in instances {
        let subjects = http.get("/subjects?deleted=true").await.body;
        let schemas = http.get("/schemas?deleted=true").await.body;
        answers.push((subjects, schemas));
    }
    for (n, answer) in answers.iter().enumerate().skip(1) {
        assert_eq!(answer, &answers[0], "instance {n} disagrees with instance 0");
    }
    let mut ids: BTreeMap<i64, String> = BTreeMap::new();
    let mut texts: BTreeMap<String, i64> = BTreeMap::new();
    for row in answers[0].1.as_array().cloned().unwrap_or_default() {
        let id = row["id"].as_i64().expect("id");
        let text = row["schema"].as_str().expect("schema").to_owned();
        if let Some(other) = ids.insert(id, text.clone()) {
            assert_eq!(other, text, "id {id} names two schemas");
        }
        if let Some(other) = texts.insert(text.clone(), id) {
            assert_eq!(other, id, "one schema under two ids: {text}");
        }
    }
    ids
}

/// Waits (bounded) until `http` reports `metric` with `value`.
pub(crate) async fn wait_metric(http: &Http, metric: &str, value: &str) {
    let deadline = Instant::now() + WAIT;
    let line = format!("{metric} {value}");
    loop {
        let text = http.get("/metrics").await.text;
        if text.lines().any(|l| l == line) {
            return;
        }
        assert!(Instant::now() < deadline, "no '{line}' in:\n{text}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_agree_on_every_acknowledged_write() {
    let broker = Broker::start();
    let topic = unique("_schemas");
    let dir = tempfile::tempdir().unwrap();
    let instances: Vec<ChildRegistry> =
        (0..3).map(|_| instance(&broker, &topic, dir.path(), &[])).collect();
    let https: Vec<Http> = instances.iter().map(|i| i.http.clone()).collect();
    // Exactly one leads.
    let mut leaders = 0;
    for http in &https {
        wait_metric(http, "schemata_kafka_lease_epoch", "1").await;
        let metrics = http.get("/metrics").await.text;
        leaders += usize::from(metrics.lines().any(|l| l == "schemata_kafka_leader 1"));
    }
    assert_eq!(leaders, 1, "one leader among three");
    // One subject every instance writes to at once (NONE: any schema is a new version), and
    // subjects of their own.
    let put = https[1].put("/config/shared-value", json!({"compatibility": "NONE"})).await;
    assert_eq!(put.status, 200, "{}", put.text);
    let mut tasks = Vec::new();
    for (n, http) in https.iter().enumerate() {
        let http = http.clone();
        let all = https.clone();
        tasks.push(tokio::spawn(async move {
            let mut acks = Vec::new();
            for k in 0..12 {
                let (subject, tag) = if k % 3 == 0 {
                    ("shared-value".to_owned(), format!("shared_{n}_{k}"))
                } else {
                    (format!("own-{n}-{k}-value"), format!("own_{n}_{k}"))
                };
                let schema = distinct_schema(&tag);
                let reply = http.register(&subject, &schema).await;
                assert_eq!(reply.status, 200, "instance {n} {subject}: {}", reply.text);
                let id = reply.body["id"].as_i64().expect("id");
                let refs: Vec<&Http> = all.iter().collect();
                readable_everywhere(&refs, &subject, &schema, id).await;
                acks.push((subject, schema, id));
            }
            acks
        }));
    }
    let mut acks = Vec::new();
    for task in tasks {
        acks.extend(task.await.expect("writer task"));
    }
    let refs: Vec<&Http> = https.iter().collect();
    let ids = agreed_state(&refs).await;
    for (subject, schema, id) in &acks {
        assert_eq!(ids.get(id), Some(schema), "{subject}: id {id}");
    }
    // The shared subject got 12 distinct versions, 1..=12, none reused.
    let versions = https[2].get("/subjects/shared-value/versions").await.body;
    assert_eq!(versions, json!((1..=12).collect::<Vec<_>>()));
}

/// A follower whose leader is gone answers writes with Confluent's forwarding error and keeps
/// serving reads; an ineligible instance alone (no leader at all) answers 50004 and reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn followers_without_a_reachable_leader_refuse_writes_and_keep_reading() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let schema = distinct_schema("kept");

    let alone = unique("_schemas");
    let follower = instance(&broker, &alone, dir.path(), &["--kafka-leader-eligible", "false"]);
    let reply = follower.register("x-value", &schema).await;
    assert_eq!((reply.status, reply.error_code()), (500, Some(50004)), "{}", reply.text);
    assert_eq!(reply.body["message"], json!("Leader not known."));
    assert_eq!(follower.get("/subjects").await.body, json!([]));

    let topic = unique("_schemas");
    let leader = instance(&broker, &topic, dir.path(), &[]);
    let id = leader.register_ok("kept-value", &schema).await;
    let follower = instance(&broker, &topic, dir.path(), &["--kafka-leader-eligible", "false"]);
    leader.signal("KILL");
    let reply = follower.register("other-value", &distinct_schema("other")).await;
    assert_eq!((reply.status, reply.error_code()), (500, Some(50003)), "{}", reply.text);
    let read = follower.get(&format!("/schemas/ids/{id}")).await;
    assert_eq!((read.status, &read.body["schema"]), (200, &json!(schema)));
    assert_eq!(follower.get("/subjects").await.body, json!(["kept-value"]));
}

/// Reads that find nothing catch up with the topic first: a schema registered on the leader is
/// found on a follower by id, subject and version right away.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_on_a_follower_waits_for_what_the_leader_acknowledged() {
    let broker = Broker::start();
    let topic = unique("_schemas");
    let dir = tempfile::tempdir().unwrap();
    let leader = instance(&broker, &topic, dir.path(), &[]);
    let follower = instance(&broker, &topic, dir.path(), &["--kafka-leader-eligible", "false"]);
    for k in 0..20 {
        let subject = format!("ryw-{k}-value");
        let schema = distinct_schema(&subject);
        let id = leader.register_ok(&subject, &schema).await;
        let checks: [(String, Value); 3] = [
            (format!("/schemas/ids/{id}/subjects"), json!([subject])),
            (format!("/subjects/{subject}/versions"), json!([1])),
            (
                format!("/subjects/{subject}/versions/1/schema"),
                serde_json::from_str(&schema).unwrap(),
            ),
        ];
        for (path, expected) in checks {
            let reply = follower.get(&path).await;
            assert_eq!((reply.status, &reply.body), (200, &expected), "{path}: {}", reply.text);
        }
    }
}

/// A registration that may meet a killed instance: `None` when the connection fails.
async fn try_register(http: &Http, subject: &str, schema: &str) -> Option<(u16, Value)> {
    let response = http
        .client
        .post(http.url(&format!("/subjects/{subject}/versions")))
        .header("content-type", schemata_core::api::CONTENT_TYPE)
        .body(serde_json::to_vec(&json!({ "schema": schema })).expect("json"))
        .send()
        .await
        .ok()?;
    let status = response.status().as_u16();
    let body = response.json::<Value>().await.unwrap_or(Value::Null);
    Some((status, body))
}

/// The instance that holds the lease, by its `/metrics` (bounded wait until one does).
async fn leader_of(instances: &[Option<ChildRegistry>]) -> usize {
    let deadline = Instant::now() + WAIT;
    loop {
        for (n, instance) in instances.iter().enumerate() {
            if let Some(instance) = instance {
                let metrics = instance.get("/metrics").await.text;
                if metrics.lines().any(|l| l == "schemata_kafka_leader 1") {
                    return n;
                }
            }
        }
        assert!(Instant::now() < deadline, "no instance took the lead");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Kill -9 the leader during concurrent writes, cycle after cycle (10 by default;
/// `SCHEMATA_KAFKA_KILL_CYCLES` for more, as `scripts/kafka-failover-stress.sh` does): writes
/// resume through the survivors within 10 s, the killed instance restarts and catches up, and in
/// the end every acknowledged write is on every instance, no id names two schemas and no version
/// is reused. Fail-over times are written to `SCHEMATA_KAFKA_FAILOVER_OUT` when set.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_the_leader_loses_no_acknowledged_write() {
    let cycles: usize =
        std::env::var("SCHEMATA_KAFKA_KILL_CYCLES").ok().and_then(|v| v.parse().ok()).unwrap_or(10);
    let broker = Broker::start();
    let topic = unique("_schemas");
    let dir = tempfile::tempdir().unwrap();
    let mut instances: Vec<Option<ChildRegistry>> =
        (0..3).map(|_| Some(instance(&broker, &topic, dir.path(), &[]))).collect();
    // Every writer adds versions with new record names to its subjects: no level to refuse them.
    let leader = leader_of(&instances).await;
    let http = &instances[leader].as_ref().expect("leader").http;
    assert_eq!(http.put("/config", json!({"compatibility": "NONE"})).await.status, 200);
    let mut acks: Vec<(String, String, i64)> = Vec::new();
    let mut failovers = Vec::new();
    for cycle in 0..cycles {
        let leader = leader_of(&instances).await;
        // Writers through every instance, until told to stop.
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut writers = Vec::new();
        for (n, instance) in instances.iter().enumerate() {
            let http = instance.as_ref().expect("all instances run").http.clone();
            let stop = std::sync::Arc::clone(&stop);
            writers.push(tokio::spawn(async move {
                let mut acked = Vec::new();
                let mut k = 0;
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    let subject = format!("c{cycle}-i{n}-{}-value", k % 4);
                    let schema = distinct_schema(&format!("c{cycle}_i{n}_{k}"));
                    match try_register(&http, &subject, &schema).await {
                        Some((200, body)) => {
                            acked.push((subject, schema, body["id"].as_i64().expect("id")));
                            k += 1;
                        }
                        Some((status, body)) if status < 500 => {
                            panic!("{subject}: {status} {body}")
                        }
                        // 5xx while failing over, or the instance itself was killed.
                        _ => tokio::time::sleep(Duration::from_millis(20)).await,
                    }
                }
                acked
            }));
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let killed_at = Instant::now();
        instances[leader].as_ref().expect("leader runs").signal("KILL");
        let mut gone = instances[leader].take().expect("leader");
        let _ = gone.child.wait();
        let survivor = instances.iter().flatten().next().expect("a survivor").http.clone();
        let probe = distinct_schema(&format!("probe_{cycle}"));
        let subject = format!("probe-{cycle}-value");
        let (id, _) = register_eventually(&survivor, &subject, &probe).await;
        let failover = killed_at.elapsed();
        assert!(failover < Duration::from_secs(10), "cycle {cycle}: fail-over took {failover:?}");
        failovers.push(failover);
        acks.push((subject, probe, id));
        tokio::time::sleep(Duration::from_millis(200)).await;
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        // The killed writer's task got errors (its instance is gone) and ends with the others.
        for writer in writers {
            acks.extend(writer.await.expect("writer task"));
        }
        instances[leader] = Some(instance(&broker, &topic, dir.path(), &[]));
    }
    let https: Vec<&Http> = instances.iter().flatten().map(|i| &i.http).collect();
    // The restarted instances caught up at start; reads on each answer every ack.
    for (subject, schema, id) in &acks {
        readable_everywhere(&https, subject, schema, *id).await;
    }
    let ids = agreed_state(&https).await;
    for (subject, schema, id) in &acks {
        assert_eq!(ids.get(id), Some(schema), "{subject}: id {id}");
    }
    for subject in https[0].get("/subjects").await.body.as_array().cloned().unwrap_or_default() {
        let subject = subject.as_str().expect("subject");
        let versions = https[0].get(&format!("/subjects/{subject}/versions?deleted=true")).await;
        let versions: Vec<i64> =
            versions.body.as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
        let expected: Vec<i64> = (1..=versions.len() as i64).collect();
        assert_eq!(versions, expected, "{subject}: versions dense and never reused");
    }
    failovers.sort();
    let ms: Vec<u128> = failovers.iter().map(Duration::as_millis).collect();
    if let Ok(path) = std::env::var("SCHEMATA_KAFKA_FAILOVER_OUT") {
        let lines: Vec<String> = ms.iter().map(u128::to_string).collect();
        std::fs::write(path, lines.join("\n") + "\n").expect("write fail-over times");
    }
    assert!(acks.len() > cycles * 3, "writes went on: {} acks", acks.len());
}

/// A leader stopping gracefully hands the lease over at once, and the new leader knows every
/// schema the old one registered: the same schema gets the same id in another subject and the
/// same version in its own (the follower indexed what it read, not only what it wrote).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_leader_gives_known_schemas_their_old_ids() {
    let broker = Broker::start();
    let topic = unique("_schemas");
    let dir = tempfile::tempdir().unwrap();
    let mut first = instance(&broker, &topic, dir.path(), &[]);
    let second = instance(&broker, &topic, dir.path(), &[]);
    let schema = distinct_schema("known");
    let id = first.register_ok("known-value", &schema).await;
    first.signal("TERM");
    assert_eq!(first.wait_exit(), Some(0));
    // The lease was handed back: the second instance leads well within one lease.
    let handed = Instant::now();
    wait_metric(&second, "schemata_kafka_leader", "1").await;
    assert!(handed.elapsed() < Duration::from_millis(LEASE_MS), "{:?}", handed.elapsed());
    let again = second.register("known-value", &schema).await;
    assert_eq!((again.status, &again.body["id"]), (200, &json!(id)), "{}", again.text);
    assert_eq!(second.get("/subjects/known-value/versions").await.body, json!([1]));
    assert_eq!(second.register_ok("elsewhere-value", &schema).await, id);
}
