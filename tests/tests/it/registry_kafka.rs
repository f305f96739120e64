//! The registry on the Kafka backend (`--storage kafka`) against a real tansu broker: the
//! start-up topic check and its refusals, an unreachable broker, replay of the topic at start,
//! and an instance that follows what another one writes. (The API conformance suite runs on this
//! backend too, through the harness switch `SCHEMATA_TEST_STORAGE=kafka`.)

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use schemata_registry::{Config, Server};
use serde_json::json;

use crate::broker::{Broker, unique};
use crate::harness::{ChildRegistry, Http, TestRegistry, WAIT, use_kafka};

const V1: &str = r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}"#;
const V2: &str = r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"string","default":"x"}]}"#;

fn kafka_config(broker: &Broker, topic: &str) -> Config {
    let mut config = Config { listen: "127.0.0.1:0".into(), ..Config::default() };
    use_kafka(&mut config, broker);
    config.kafka.topic = topic.to_owned();
    config
}

/// Starts an in-process registry on `topic` and answers its HTTP client (the server lives as long
/// as the returned guard).
async fn start(broker: &Broker, topic: &str) -> (Server, Http) {
    let server = Server::start(kafka_config(broker, topic)).await.expect("registry starts");
    let http = Http::new(format!("http://{}", server.addr()));
    (server, http)
}

/// Polls `path` on `http` until it answers 200 with `expected`, within `WAIT`.
async fn eventually(http: &Http, path: &str, expected: &serde_json::Value) {
    let deadline = Instant::now() + WAIT;
    loop {
        let reply = http.get(path).await;
        if reply.status == 200 && &reply.body == expected {
            return;
        }
        assert!(Instant::now() < deadline, "{path}: still {} {}", reply.status, reply.text);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_up_refuses_topics_that_cannot_keep_the_records() {
    let broker = Broker::start();
    // (what the topic is, partitions, skip the check, the error start-up must give or None)
    let cases: &[(&str, i32, bool, Option<&str>)] = &[
        ("three partitions", 3, false, Some("has 3 partitions; the registry needs exactly 1")),
        ("no cleanup policy", 1, false, Some("needs cleanup.policy=compact")),
        ("three partitions, check skipped", 3, true, None),
    ];
    for &(name, partitions, skip, expected) in cases {
        let topic = unique("refused");
        broker.create_topic(&topic, partitions).await;
        let mut config = kafka_config(&broker, &topic);
        config.kafka.skip_topic_check = skip;
        match (Server::start(config).await, expected) {
            (Err(error), Some(expected)) => {
                let error = error.to_string();
                assert!(error.contains(expected), "{name}: {error}");
                assert!(error.contains("--kafka-skip-topic-check"), "{name}: {error}");
            }
            (Ok(server), None) => server.stop().await.expect("stops"),
            (Ok(_), Some(expected)) => panic!("{name}: started, expected {expected}"),
            (Err(error), None) => panic!("{name}: {error}"),
        }
    }
}

/// The binary with an unreachable broker exits non-zero within its start-up timeout and says why.
#[test]
fn an_unreachable_broker_fails_start_up_within_the_timeout() {
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let started = Instant::now();
    let output = Command::new(ChildRegistry::binary())
        .args(["--listen", "127.0.0.1:0", "--storage", "kafka"])
        .args(["--kafka-bootstrap", &format!("127.0.0.1:{port}")])
        .args(["--kafka-init-timeout-ms", "2000"])
        .env("SCHEMATA_LOG", "info")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .output()
        .expect("run the registry binary");
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot reach Kafka at 127.0.0.1"), "{stderr}");
    assert!(took < Duration::from_secs(10), "took {took:?}: {stderr}");
    // A missing bootstrap is a usage error before any connection.
    let output = Command::new(ChildRegistry::binary())
        .args(["--storage", "kafka"])
        .env_remove("SCHEMATA_KAFKA_BOOTSTRAP")
        .output()
        .expect("run the registry binary");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--kafka-bootstrap"));
}

/// A fresh topic is created (and then passes the start-up check), and a registry started later
/// on it replays every subject, version, id and config.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_registry_replays_the_topic() {
    let broker = Broker::start();
    let topic = unique("_schemas");
    let (server, http) = start(&broker, &topic).await;
    assert_eq!(http.register_ok("a-value", V1).await, 1);
    assert_eq!(http.register_ok("a-value", V2).await, 2);
    assert_eq!(http.register_ok("b-value", V1).await, 1);
    let put = http.put("/config/a-value", json!({"compatibility": "FULL"})).await;
    assert_eq!(put.status, 200, "{}", put.text);
    assert_eq!(http.delete("/subjects/b-value/versions/1").await.status, 200);
    server.stop().await.expect("stops");

    let (server, http) = start(&broker, &topic).await;
    let steps = [
        ("/subjects", json!(["a-value"])),
        ("/subjects/a-value/versions", json!([1, 2])),
        ("/subjects/b-value/versions?deleted=true", json!([1])),
        ("/config/a-value", json!({"compatibilityLevel": "FULL"})),
        ("/schemas/ids/2/versions", json!([{"subject": "a-value", "version": 2}])),
    ];
    for (path, expected) in steps {
        let reply = http.get(path).await;
        assert_eq!((reply.status, &reply.body), (200, &expected), "{path}: {}", reply.text);
    }
    // Ids continue after the replayed ones.
    let third = r#"{"type":"record","name":"S","fields":[]}"#;
    assert_eq!(http.register_ok("c-value", third).await, 3);
    server.stop().await.expect("stops");
}

/// An instance that does not write follows what another one appends: the tail applies it, the
/// lag gauge is exported, and readiness holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_instance_follows_the_topic() {
    let broker = Broker::start();
    let topic = unique("_schemas");
    let (writer, a) = start(&broker, &topic).await;
    let (reader, b) = start(&broker, &topic).await;
    let id = a.register_ok("followed-value", V1).await;
    eventually(&b, "/subjects/followed-value/versions", &json!([1])).await;
    eventually(&b, &format!("/schemas/ids/{id}/subjects"), &json!(["followed-value"])).await;
    let metrics = b.get("/metrics").await;
    assert!(metrics.text.contains("schemata_kafka_lag_records "), "{}", metrics.text);
    assert!(metrics.text.contains("schemata_kafka_position "), "{}", metrics.text);
    assert_eq!(b.get("/health/ready").await.status, 200);
    reader.stop().await.expect("stops");
    writer.stop().await.expect("stops");
}

/// The harness switch itself: with `SCHEMATA_TEST_STORAGE=kafka` a `TestRegistry` keeps its
/// records in a topic, so they survive a restart without a data dir.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_harness_switch_runs_a_test_registry_on_kafka() {
    let broker = Broker::start();
    let r = TestRegistry::start_with(|config| use_kafka(config, &broker)).await;
    r.register_ok("switched-value", V1).await;
    let metrics = r.get("/metrics").await;
    let position = metrics.text.lines().find_map(|l| l.strip_prefix("schemata_kafka_position "));
    // The lease record and the schema at least.
    assert!(position.and_then(|p| p.parse::<i64>().ok()).is_some_and(|p| p >= 2), "{position:?}");
    let r = r.restart().await;
    assert_eq!(r.get("/subjects").await.body, json!(["switched-value"]));
}
